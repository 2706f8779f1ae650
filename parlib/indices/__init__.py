"""Index computation: every index from its parts as its publisher does, with ranks, tiers and changes.

One module per index, each with ``scores()`` returning an ``IndexResult`` (a tidy ``table``
and ``summary()``): ``papi``, ``pci``. ``ranking`` holds the one ranking rule (competition
ranks), PAPI's quartile tiers and year-on-year changes; ``CoverageError`` names the years an
index covers when asked for another.

A package rather than DESIGN.md's single indices.py: one module per publisher's method keeps
each in one place, and ``parlib.indices`` stays the import path.
"""

from parlib.indices import papi, pci, ranking
from parlib.indices.result import CoverageError, IndexResult

__all__ = ["CoverageError", "IndexResult", "papi", "pci", "ranking"]
