"""Index computation: every index from its parts as its publisher does, with ranks, tiers and changes.

One module per index, each with ``scores()`` returning an ``IndexResult`` (a tidy ``table``
and ``summary()``): ``papi``, ``pci``, ``par_index``, ``sipas`` (which also computes
satisfaction from survey answers, ``sipas.from_answers``). ``card`` assembles a province's
facts for one year (``facts``: the facts and their wording, without pandas; ``card_store``: the
cards the build stores for ``parlib card``); ``geo34`` projects scores onto the 34 units of July
2025. ``ranking`` holds the one ranking rule (competition ranks), PAPI's quartile tiers and
year-on-year changes; ``CoverageError`` names the years an index covers when asked for another.

A package rather than DESIGN.md's single indices.py: one module per publisher's method keeps
each in one place, and ``parlib.indices`` stays the import path. The modules are imported on
first use (``parlib.indices.papi`` as before), so ``parlib card`` can read stored cards without
importing pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parlib.indices import card, card_store, facts, geo34, papi, par_index, pci, ranking, sipas
    from parlib.indices.result import CoverageError, IndexResult

_MODULES = {"card", "card_store", "facts", "geo34", "papi", "par_index", "pci", "ranking", "result", "sipas"}
_FROM_RESULT = {"CoverageError", "IndexResult"}

__all__ = [
    "CoverageError", "IndexResult", "card", "card_store", "facts", "geo34", "papi", "par_index", "pci",
    "ranking", "sipas",
]  # fmt: skip


def __getattr__(name: str) -> object:
    """A submodule (or CoverageError / IndexResult) imported on first use."""
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_RESULT:
        return getattr(importlib.import_module(f"{__name__}.result"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES, *_FROM_RESULT})
