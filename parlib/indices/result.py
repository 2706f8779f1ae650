"""The result object every index computation returns, and the coverage check they share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from parlib.errors import ParlibError


class CoverageError(ParlibError, LookupError):
    """A request for a year (or province) an index does not cover."""


def describe_years(years: Iterable[int]) -> str:
    """'2011-2016, 2018-2024' from a set of years."""
    ys = sorted({int(y) for y in years})
    if not ys:
        return "no years"
    runs, start, prev = [], ys[0], ys[0]
    for y in [*ys[1:], None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        runs.append(f"{start}" if start == prev else f"{start}-{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(runs)


def check_year(index: str, year: int, covered: Iterable[int]) -> None:
    """Raise CoverageError naming the years ``index`` covers when ``year`` is not among them."""
    covered = set(int(y) for y in covered)
    if int(year) not in covered:
        raise CoverageError(f"{index} has no data for {year}; it covers {describe_years(covered)}")


@dataclass
class IndexResult:
    """Scores with ranks and changes, as a tidy table plus a summary(), like statsmodels results.

    ``table`` columns: index, component, province_id, geo, year, value, method_era, rank,
    rank_of, [tier, tier_source], previous_value, value_change, rank_change, comparable, plus any
    index-specific columns documented by the function that made it (PAPI: the publisher's N,
    ``published_rank_of``). ``rank_of`` counts the provinces scored in parlib's source, which
    can be fewer than the publisher ranked. ``notes`` carries caveats (method breaks, partial
    tables, unconfirmed formulas).
    """

    index: str
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def years(self) -> list[int]:
        return sorted(self.table["year"].unique().tolist())

    def year(self, year: int, component: str = "total") -> pd.DataFrame:
        """One year's scores for a component, best first; CoverageError for an uncovered year."""
        check_year(self.index, year, self.years)
        rows = self.table[(self.table["year"] == year) & (self.table["component"] == component)]
        return rows.sort_values(["rank", "province_id"], na_position="last")

    def summary(self) -> str:
        t = self.table[self.table["component"] == "total"]
        lines = [f"{self.index}: {len(t)} province-year totals, years {describe_years(t['year'])}"]
        by_year = t.groupby("year")["value"].agg(["count", "mean", "median", "min", "max"]).round(2)
        lines.append(by_year.to_string())
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<IndexResult {self.index}: {len(self.table)} rows, years {describe_years(self.years)}>"
