"""parlib: Vietnam's Public Administration Reform indices, province by province.

>>> import parlib
>>> panel = parlib.load_panel()            # one row per province and year, 2005-2024
>>> obs = parlib.load_observations()       # long: index, component, province_id, geo, year, value, ...
>>> parlib.provinces.normalize("TP HCM")   # -> "79"
"""

from typing import TYPE_CHECKING

from parlib.errors import ParlibError
from parlib.panel import build, load_observations, load_panel

if TYPE_CHECKING:
    from parlib import provinces

__version__ = "0.1.0"

__all__ = ["ParlibError", "__version__", "build", "load_observations", "load_panel", "provinces"]


def __getattr__(name: str) -> object:
    """``parlib.provinces`` on first use: ``import parlib`` (and the ``parlib`` command) stays light."""
    if name == "provinces":
        import importlib

        return importlib.import_module("parlib.provinces")
    raise AttributeError(f"module 'parlib' has no attribute {name!r}")
