"""parlib: Vietnam's Public Administration Reform indices, province by province.

>>> import parlib
>>> panel = parlib.load_panel()            # one row per province and year, 2005-2024
>>> obs = parlib.load_observations()       # long: index, component, province_id, geo, year, value, ...
>>> parlib.provinces.normalize("TP HCM")   # -> "79"
"""

from parlib import provinces
from parlib.errors import ParlibError
from parlib.panel import build, load_observations, load_panel

__version__ = "0.1.0"

__all__ = ["ParlibError", "__version__", "build", "load_observations", "load_panel", "provinces"]
