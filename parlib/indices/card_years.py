"""One index's facts, year by year: what every province's card shares for an index and a year.

``_IndexYears`` reads an IndexResult once per year (the year's total rows, the national average
and median, the components that moved, the published counts) and gives the facts of any province
and year from it (``parlib.indices.card`` words none of this; ``card()`` and ``every_card`` call
it). With ``only`` it searches one province's rows, for a single card; without, it splits the
table by year once, for every card of a build.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from parlib import provinces
from parlib.indices.facts import IndexFacts, Mover, _names, rank_text, tier_text
from parlib.indices.result import IndexResult, describe_years

# Partial tables (published top/bottom lists) cover too few provinces for a computed average.
_COMPLETE_SHARE = 0.9


EVERY_PROVINCE_SCORED = {"SIPAS", "PAR_INDEX"}
"""Indices whose publisher scores all 63 provinces every year: a missing figure is one parlib's
published record lacks, never a province left unscored (rank-only rows are shown as such)."""


def _float(value: object) -> float:
    return float(value) if value is not None and pd.notna(value) else math.nan


def _published_year(result: IndexResult, totals: pd.DataFrame, year: int) -> bool:
    """True when the year's figures are a partial published table: SIPAS, PAR INDEX, or an index's
    years taken from the published record (``from_published``: PCI after 2016)."""
    if result.index in EVERY_PROVINCE_SCORED:
        return True
    if "from_published" not in totals.columns:
        return False
    return bool(totals.loc[totals["year"] == year, "from_published"].fillna(False).astype(bool).any())


def _national(
    result: IndexResult, year: int, values: pd.Series, published: bool = False
) -> tuple[float, float]:
    """(average, median) of the year's provincial totals; the published average for a partial table.

    ``published``: the year's figures come from the published record (``from_published``): the
    average is never computed from them, however many there are.
    """
    national = getattr(result, "national", None)
    in_force = len(provinces.provinces("63", year))
    if not (published and result.index not in EVERY_PROVINCE_SCORED) and len(values) >= (
        _COMPLETE_SHARE * in_force
    ):
        return float(values.mean()), float(values.median())
    if isinstance(national, pd.DataFrame) and not national.empty:
        row = national[(national["year"] == year)]
        if "component" in row.columns:
            row = row[row["component"] == "total"]
        if len(row):
            return float(row["value"].iloc[0]), math.nan
    return math.nan, math.nan


def _movers(parts: pd.DataFrame) -> dict[str, list[Mover]]:
    """Province -> the parts (dimensions / sub-indices / fields) of one year's ``parts`` rows with a
    comparable change, in table order (``_IndexYears.facts`` keeps the largest rises and falls)."""
    return _collect_movers(_mover_rows(parts))


def _mover_rows(parts: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``_movers``: row by row, so the rows of many years can be chosen at once."""
    parts = parts[parts["component"] != "total"]
    if "level" in parts.columns:
        parts = parts[parts["level"].isin(["dimension", "subindex", "field"])]
    parts = parts[parts["component"].str.fullmatch(r"[a-z_]+") & ~parts["component"].str.contains("rank")]
    return parts[parts["comparable"].fillna(False).astype(bool)].dropna(subset=["value_change"])


def _collect_movers(parts: pd.DataFrame) -> dict[str, list[Mover]]:
    label = parts["label"] if "label" in parts.columns else parts["component"]
    out: dict[str, list[Mover]] = {}
    rows = zip(parts["province_id"], parts["component"], label, parts["value_change"], strict=True)
    for pid, c, lbl, ch in rows:
        out.setdefault(pid, []).append(Mover(c, str(lbl), float(ch)))
    return out


_ROW = [
    "province_id", "value", "unit", "rank", "rank_of", "tier", "tier_source", "method_era", "previous_value",
    "value_change", "rank_change", "comparable", "published_rank_min", "published_rank_max",
]  # fmt: skip
"""The columns of a total row that the facts read (a missing column reads as None, as before)."""


@dataclass
class _Year:
    """What the facts of every province share for one index and year (computed once per year)."""

    totals: pd.DataFrame
    """The year's total rows."""
    rows: dict[str, Mapping[str, Any]]
    """Province -> its first total row of the year (a dict of the ``_ROW`` columns, or the row)."""
    published_of: float
    scored: int
    """The number of provinces with a total this year."""
    in_force: int
    missing: list[str]
    short: bool
    missing_names: list[str]
    listed: int
    """The number of provinces the year's total rows name (with or without a value)."""


class _IndexYears:
    """One IndexResult read year by year, each year once: the facts of many provinces and years.

    ``only``: the one province that will be asked for (its rows alone are searched for movers).
    """

    def __init__(self, result: IndexResult, only: str | None = None) -> None:
        self.result = result
        self.only = only
        self.table = result.table
        self.totals = self.table[self.table["component"] == "total"]
        self.covered = set(self.totals["year"])
        self._years: dict[int, _Year] = {}
        self._national: dict[int, tuple[float, float]] = {}
        self._published: dict[int, bool] = {}
        self._movers: dict[int, dict[str, list[Mover]]] = {}
        self._by_year: dict[int, int] | None = None
        self._coverage: str | None = None
        self._totals_of: dict[int, pd.DataFrame] | None = None  # every province: the years split once
        self._every_year: dict[int, dict[str, list[Mover]]] | None = None

    def by_year(self) -> dict[int, int]:
        """Year -> the number the publisher ranked (where the published record gives it)."""
        if self._by_year is None:
            totals, by_year = self.totals, {}
            if "published_rank_of" in totals:
                most = totals.dropna(subset=["published_rank_of"]).groupby("year")["published_rank_of"].max()
                by_year = {int(y): int(n) for y, n in most.items()}
            self._by_year = by_year
        return self._by_year

    def year(self, year: int) -> _Year:
        if year not in self._years:
            if self.only is None:
                if self._totals_of is None:
                    self._totals_of = {int(y): t for y, t in self.totals.groupby("year", sort=False)}
                totals = self._totals_of.get(year, self.totals.iloc[:0])
            else:
                totals = self.totals[self.totals["year"] == year]
            year_rows = totals[totals["value"].notna()]
            published_of = (
                _float(year_rows["published_rank_of"].max()) if "published_rank_of" in totals else math.nan
            )
            in_force = provinces.provinces("63", year).index
            missing = sorted(set(in_force) - set(year_rows["province_id"]))
            short = not math.isnan(published_of) and int(published_of) > len(year_rows)
            rows: dict[str, Mapping[str, Any]] = {}
            if self.only is None:  # every province: one conversion (a row each would cost more)
                for row in totals[[c for c in _ROW if c in totals.columns]].to_dict("records"):
                    rows.setdefault(row["province_id"], row)
            else:
                mine = totals[totals["province_id"] == self.only]
                if len(mine):
                    rows[self.only] = mine.iloc[0]
            self._years[year] = _Year(
                totals=totals,
                rows=rows,
                published_of=published_of,
                scored=len(year_rows),
                in_force=len(in_force),
                missing=missing,
                short=short,
                missing_names=[provinces.PROVINCES_63.loc[p, "name_vi"] for p in missing] if short else [],
                listed=int(totals["province_id"].nunique()),
            )
        return self._years[year]

    def movers(self, year: int) -> dict[str, list[Mover]]:
        """``_movers`` of the year (of ``only``'s rows when given), computed once."""
        table = self.table
        if self.only is None:  # every province: the rows of every year chosen in one pass
            if self._every_year is None:
                rows = _mover_rows(table)
                self._every_year = {int(y): _collect_movers(r) for y, r in rows.groupby("year", sort=False)}
            return self._every_year.get(year, {})
        if year not in self._movers:
            which = (table["year"] == year) & (table["province_id"] == self.only)
            self._movers[year] = _movers(table[which])
        return self._movers[year]

    def published(self, year: int) -> bool:
        """``_published_year``, computed once."""
        if year not in self._published:
            self._published[year] = _published_year(self.result, self.totals, year)
        return self._published[year]

    def national(self, year: int) -> tuple[float, float]:
        """(average, median) of the year (``_national``), computed once."""
        if year not in self._national:
            values = self.year(year).totals["value"].dropna()
            self._national[year] = _national(self.result, year, values, self.published(year))
        return self._national[year]

    def facts(self, province_id: str, year: int, movers: int = 3) -> IndexFacts:
        """The facts of one province and year (see ``index_facts``)."""
        result, totals = self.result, self.totals
        if year not in self.covered:
            if self._coverage is None:
                self._coverage = describe_years(totals["year"])
            coverage = self._coverage
            return IndexFacts(
                result.index, year, False, f"no data for {year} (covers {coverage})",
                reason="no_year", reason_fields={"coverage": coverage},
            )  # fmt: skip
        ctx = self.year(year)
        r = ctx.rows.get(province_id)
        published_of, missing, missing_names = ctx.published_of, ctx.missing, list(ctx.missing_names)
        if r is None or pd.isna(r["value"]):
            message = "not scored or not published for this province"
            reason, fields = "not_scored", {}
            if self.published(year):
                listed = ctx.listed
                rank = _float(r["rank"]) if r is not None else math.nan
                rank_of = _float(r["rank_of"]) if r is not None else math.nan
                message = (
                    f"parlib has no published figure for this province and year (the published table lists "
                    f"{listed} provinces)"
                )
                reason, fields = "not_listed", {"listed": int(listed)}
                if not math.isnan(rank) and not math.isnan(rank_of):
                    message = f"rank {int(rank)} of {int(rank_of)} as published; the source gives no score"
                    reason, fields = "rank_only", {"rank": int(rank), "rank_of": int(rank_of)}
            if ctx.short and province_id in missing:
                in_source = ctx.scored
                k = int(published_of) - in_source
                message = (
                    f"no score in parlib's source, which has {in_source} provinces for {year} while PAPI "
                    f"ranked {int(published_of)} (as published)"
                )
                if len(missing) == k:
                    message += f"; the {k} missing from the source: {_names(missing_names)}"
                fields = {"in_source": in_source, "published_of": int(published_of), "k": k,
                          "names": list(missing_names) if len(missing) == k else []}  # fmt: skip
                reason = "missing"
            return IndexFacts(
                result.index,
                year,
                False,
                message,
                published_rank_of=published_of,
                missing_from_source=missing_names,
                published_rank_of_by_year=dict(self.by_year()),
                reason=reason,
                reason_fields=fields,
            )
        average, median = self.national(year)
        moved = self.movers(year).get(province_id, [])
        rose = sorted((m for m in moved if m.value_change > 0), key=lambda m: -m.value_change)[:movers]
        fell = sorted((m for m in moved if m.value_change < 0), key=lambda m: m.value_change)[:movers]
        comparable = r.get("comparable")
        rank, rank_of = _float(r.get("rank")), _float(r.get("rank_of"))
        low, high = _float(r.get("published_rank_min")), _float(r.get("published_rank_max"))
        tier = r.get("tier") if isinstance(r.get("tier"), str) else None
        source = r.get("tier_source") if isinstance(r.get("tier_source"), str) else None
        return IndexFacts(
            index=result.index,
            year=year,
            available=True,
            value=float(r["value"]),
            unit=str(r.get("unit", "")),
            rank=rank,
            rank_of=rank_of,
            tier=tier,
            method_era=r.get("method_era") if isinstance(r.get("method_era"), str) else None,
            previous_value=float(r["previous_value"]) if pd.notna(r.get("previous_value")) else math.nan,
            value_change=float(r["value_change"]) if pd.notna(r.get("value_change")) else math.nan,
            rank_change=float(r["rank_change"]) if pd.notna(r.get("rank_change")) else math.nan,
            comparable=None if pd.isna(comparable) else bool(comparable),
            national_average=average,
            national_median=median,
            rose=rose,
            fell=fell,
            tier_source=source,
            published_rank_of=published_of,
            published_rank_min=low,
            published_rank_max=high,
            missing_from_source=missing_names,
            rank_text=rank_text(rank, rank_of, published_of, low, high, missing_names),
            tier_text=tier_text(tier, source, rank_of, ctx.in_force, published_of, year),
            published_rank_of_by_year=dict(self.by_year()),
        )
