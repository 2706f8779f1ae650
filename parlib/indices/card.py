"""The province card: for one province and year, the facts a provincial report leads with.

Per index: score, rank of N, tier, change in score and places since the year before (marked
when it crosses a method break), the components that rose and fell most, the national
average and median, plus the 34-unit province the province belongs to from July 2025.
Plain data (dataclasses with ``to_dict()``) that notebooks print and tests assert on; the
sentences are generated from the numbers by ``parlib.indices.facts`` (standard library only, so
``parlib card`` can word the cards the build stores without pandas: ``parlib.indices.card_store``).
``every_card`` makes every card of every year in one pass per index and year (what the build
stores); it equals ``card()`` card by card.

Rank of N: the rank is parlib's competition rank among the provinces its source scored; N is the
number PAPI ranked where the published record gives it (``parlib.indices.papi``). When PAPI
ranked more provinces than the source has (PAPI 2024: 63 against ml-mcdm's 61), the card says
so and names the provinces the source lacks: "rank 29 of 63 (PAPI ranked 63; 2 are missing
from parlib's source: Vĩnh Phúc, Tiền Giang)"; where the missing provinces could rank above
the province, its rank among the 63 is a range ("rank 52-54 of 63 ..."). A province the source
lacks in such a year is not called "not scored". The tier says where it comes from: PAPI's
published band sizes, PAPI's quartile rule over all provinces, or the rule over the provinces
in the source when PAPI grouped others as well ("computed over the 61 in parlib's source").

Partial published years (SIPAS and PAR INDEX, whose published tables list a few provinces; PCI
after 2016, known only from the figures published for some provinces): the rank is the
published rank of 63, a province the published table lacks is "parlib has no published figure
for this province and year (the published table lists N provinces)", never "not scored", and no
national average is computed from the few provinces present (a published one is shown).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from parlib import provinces
from parlib.indices import papi, par_index, pci, sipas
from parlib.indices.facts import (  # the facts and their wording need no pandas (parlib card's fast path)
    IndexFacts,
    Mover,
    _fmt,  # noqa: F401  (re-exported)
    _names,
    _unit_phrase,  # noqa: F401  (re-exported)
    card_text,
    rank_text,
    tier_text,
)
from parlib.indices.result import CoverageError, IndexResult, describe_years

# Partial tables (published top/bottom lists) cover too few provinces for a computed average.
_COMPLETE_SHARE = 0.9


EVERY_PROVINCE_SCORED = {"SIPAS", "PAR_INDEX"}
"""Indices whose publisher scores all 63 provinces every year: a missing figure is one parlib's
published record lacks, never a province left unscored (rank-only rows are shown as such)."""

SCORERS: dict[str, Callable[[pd.DataFrame], IndexResult]] = {
    "PAPI": papi.scores,
    "PCI": pci.scores,
    "SIPAS": sipas.scores,
    "PAR_INDEX": par_index.scores,
}
"""The indices a card reports, in the order it reports them."""


@dataclass
class ProvinceCard:
    """A province at a glance for one year: ``facts`` per index, and its unit from July 2025."""

    province_id: str
    name_vi: str
    name_en: str
    slug: str
    region: str
    year: int
    unit_34_id: str
    unit_34_name: str
    facts: dict[str, IndexFacts]

    def to_dict(self) -> dict:
        return asdict(self)

    def lines(self) -> list[str]:
        """The card as sentences, one per index, then the 2025 unit."""
        return [facts.sentence() for facts in self.facts.values()] + [self.unit_line()]

    def unit_line(self) -> str:
        """The card's last sentence: the province of July 2025 this one belongs to."""
        merged = provinces.from_34(self.unit_34_id)
        if len(merged) > 1:
            others = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in merged if p != self.province_id]
            names = [self.name_vi, *others]
            together = ", ".join(names[:-1]) + " and " + names[-1]
            return f"From 1 July 2025, {together} form the province of {self.unit_34_name}."
        return f"From 1 July 2025 {self.name_vi} continues as a province unit ({self.unit_34_name})."

    def __str__(self) -> str:
        return card_text(self.name_vi, self.name_en, self.year, list(self.facts.values()), self.unit_line())


def _float(value: object) -> float:
    return float(value) if value is not None and pd.notna(value) else math.nan


@lru_cache(maxsize=2)
def _results_of_build(key: str, path: str) -> dict[str, IndexResult]:
    obs = pd.read_parquet(path)
    return {name: scorer(obs) for name, scorer in SCORERS.items()}


def results(observations: pd.DataFrame | None = None) -> dict[str, IndexResult]:
    """Every index's IndexResult; for the default observations, cached per build.

    The default brings the build up to date first (parlib.panel) and caches by the build's key
    (the sha256 of every raw file and of the code), so a changed input is never served from an
    old result, in a long Jupyter session as in the CLI.
    """
    if observations is None:
        from parlib import panel, store

        path = panel.current_file(panel.OBSERVATIONS_FILE)
        return _results_of_build(store.current().key, str(path))
    return {name: scorer(observations) for name, scorer in SCORERS.items()}


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


def index_facts(result: IndexResult, province_id: str, year: int, movers: int = 3) -> IndexFacts:
    """The facts of one index for one province and year."""
    return _IndexYears(result, only=province_id).facts(province_id, year, movers)


def _check_year(year: object, scored: dict[str, IndexResult]) -> int:
    """``year`` as an int covered by at least one index (CoverageError naming each index's years)."""
    whole = isinstance(year, (int, str)) and str(year).strip().lstrip("-").isdigit()
    if isinstance(year, bool) or not whole:
        raise CoverageError(f"year must be a whole number, got {year!r}")
    number = int(year)
    if not any(number in res.years for res in scored.values()):
        spans = [f"{name} {describe_years(res.years)}" for name, res in scored.items() if res.years]
        raise CoverageError(f"no index covers {number}: {'; '.join(spans)}")
    return number


def card(
    province: object,
    year: int,
    observations: pd.DataFrame | None = None,
    scored: dict[str, IndexResult] | None = None,
) -> ProvinceCard:
    """The card of ``province`` (any spelling or code) for ``year``: facts for every index.

    ``scored``: ``results()`` computed once by a caller that makes many cards. Refused (one
    line): a year no index covers, and a province in a year it did not exist.
    """
    p = provinces.get(province, "63")
    scored = scored if scored is not None else results(observations)
    year = _check_year(year, scored)
    provinces.check_in_force(p.province_id, year)
    return _card(p, year, {name: index_facts(res, p.province_id, year) for name, res in scored.items()})


def _card(p: provinces.Province, year: int, facts: dict[str, IndexFacts]) -> ProvinceCard:
    new_id = provinces.to_34(p.province_id)
    return ProvinceCard(
        province_id=p.province_id,
        name_vi=p.name_vi,
        name_en=p.name_en,
        slug=p.slug,
        region=p.region,
        year=int(year),
        unit_34_id=new_id,
        unit_34_name=provinces.PROVINCES_34.loc[new_id, "name_vi"],
        facts=facts,
    )


def every_card(scored: dict[str, IndexResult], years: Iterable[int] | None = None) -> Iterator[ProvinceCard]:
    """Every card ``card`` gives for ``scored``: each geo-63 province in force in each year an index
    covers (of ``years`` only, when given), by year, equal to ``card(province_id, year,
    scored=scored)`` (one pass per index-year)."""
    views = {name: _IndexYears(res) for name, res in scored.items()}
    first: dict[str, ProvinceCard] = {}  # the heading of each province, made once
    wanted = None if years is None else {int(y) for y in years}
    for year in sorted({int(y) for res in scored.values() for y in res.years}):
        if wanted is not None and year not in wanted:
            continue
        in_force = set(provinces.provinces("63", year).index)  # check_in_force's rule
        for pid in provinces.PROVINCES_63.index:
            if pid not in in_force:
                continue
            facts = {name: v.facts(pid, year) for name, v in views.items()}
            if pid not in first:
                first[pid] = _card(provinces.get(pid, "63"), year, facts)
                yield first[pid]
            else:
                yield replace(first[pid], year=int(year), facts=facts)


def compute_results(observations: pd.DataFrame, raw: Path | None = None) -> dict[str, IndexResult]:
    """``results(observations)`` with the published record read from ``raw`` (default: data/raw)."""
    from parlib.sources.published import read_published

    def options(name: str) -> dict[str, object]:
        # a fresh copy of the record each (as each scorer's default read gives)
        return {"record": read_published(raw)} if name in ("PAPI", "PCI") else {"raw": raw}

    return {name: scorer(observations, **options(name)) for name, scorer in SCORERS.items()}
