"""Index computation: every index from its parts as its publisher does, with ranks, tiers and changes.

One module per index, each with ``scores()`` returning an ``IndexResult`` (a tidy ``table``
and ``summary()``): ``papi``, ``pci``, ``par_index``, ``sipas`` (which also computes
satisfaction from survey answers, ``sipas.from_answers``). ``card`` assembles a province's
facts for one year; ``geo34`` projects scores onto the 34 units of July 2025. ``ranking``
holds the one ranking rule (competition ranks), PAPI's quartile tiers and year-on-year
changes; ``CoverageError`` names the years an index covers when asked for another.

A package rather than DESIGN.md's single indices.py: one module per publisher's method keeps
each in one place, and ``parlib.indices`` stays the import path.
"""

from parlib.indices import card, geo34, papi, par_index, pci, ranking, sipas
from parlib.indices.result import CoverageError, IndexResult

__all__ = ["CoverageError", "IndexResult", "card", "geo34", "papi", "par_index", "pci", "ranking", "sipas"]
