"""The province card: for one province and year, the facts a provincial report leads with.

Per index: score, rank of N, tier, change in score and places since the year before (marked
when it crosses a method break), the components that rose and fell most, the national
average and median, plus the 34-unit province the province belongs to from July 2025.
Plain data (dataclasses with ``to_dict()``) that notebooks print and tests assert on; the
sentences are generated from the numbers.

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
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import pandas as pd

from parlib import provinces
from parlib.indices import papi, par_index, pci, sipas
from parlib.indices.ranking import places_phrase
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
class Mover:
    """A component's change since the year before."""

    component: str
    label: str
    value_change: float


@dataclass
class IndexFacts:
    """One index for one province and year. ``available`` False: ``message`` says why."""

    index: str
    year: int
    available: bool
    message: str = ""
    value: float = math.nan
    unit: str = ""
    rank: float = math.nan
    rank_of: float = math.nan
    tier: str | None = None
    method_era: str | None = None
    previous_value: float = math.nan
    value_change: float = math.nan
    rank_change: float = math.nan
    comparable: bool | None = None
    national_average: float = math.nan
    national_median: float = math.nan
    rose: list[Mover] = field(default_factory=list)
    fell: list[Mover] = field(default_factory=list)
    tier_source: str | None = None
    published_rank_of: float = math.nan
    published_rank_min: float = math.nan
    published_rank_max: float = math.nan
    missing_from_source: list[str] = field(default_factory=list)
    rank_text: str = ""
    tier_text: str = ""
    published_rank_of_by_year: dict[int, int] = field(default_factory=dict)
    reason: str = ""
    reason_fields: dict = field(default_factory=dict)
    """Why ``available`` is False, as a code the reports word in each language (``message`` is the
    English): no_year {coverage}; not_scored; not_listed {listed}; rank_only {rank, rank_of};
    missing {in_source, published_of, k, names} (names empty unless exactly k are missing)."""

    def sentence(self) -> str:
        """'PAPI 2022: 42.44 points, rank 30 of 61 (high-average tier), up 4 places (+0.28) ...'."""
        if not self.available:
            return f"{self.index} {self.year}: {self.message}"
        text = f"{self.index} {self.year}: {_fmt(self.value)}{_unit_phrase(self.unit)}"
        long = "(" in self.rank_text or "," in self.tier_text
        if self.rank_text:
            text += f", {self.rank_text}"
        if self.tier_text:
            text += f"; {self.tier_text}" if long else f" ({self.tier_text})"
        if not math.isnan(self.value_change):
            places = places_phrase(self.rank_change)
            shifted = self.published_rank_min, self.published_rank_max
            if places and not all(math.isnan(x) or x == self.rank for x in shifted):
                places += " in parlib's source"  # its change among PAPI's N is not known exactly
            # without a rank the year before (or this year), the change in score alone
            change = f"{places} ({self.value_change:+.2f})" if places else f"{self.value_change:+.2f}"
            if self.comparable is False:
                text += f"; {change} on {self.year - 1}, across a method break: not a trend"
            else:
                text += f"{';' if long else ','} {change} compared to {self.year - 1}"
        if self.comparable and self.rose:
            text += f"; the strongest increase was in {self.rose[0].label}"
        if self.comparable and self.fell:
            text += f"; the strongest decrease was in {self.fell[0].label}"
        if not math.isnan(self.national_average):
            text += f". National average {_fmt(self.national_average)}"
        return text + "."


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
        out = [facts.sentence() for facts in self.facts.values()]
        merged = provinces.from_34(self.unit_34_id)
        if len(merged) > 1:
            others = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in merged if p != self.province_id]
            names = [self.name_vi, *others]
            together = ", ".join(names[:-1]) + " and " + names[-1]
            out.append(f"From 1 July 2025, {together} form the province of {self.unit_34_name}.")
        else:
            out.append(f"From 1 July 2025 {self.name_vi} continues as a province unit ({self.unit_34_name}).")
        return out

    def __str__(self) -> str:
        return "\n".join([f"{self.name_vi} ({self.name_en}), {self.year}", *self.lines()])


def _float(value: object) -> float:
    return float(value) if value is not None and pd.notna(value) else math.nan


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _names(names: list[str]) -> str:
    return ", ".join(names)


def rank_text(
    rank: float,
    rank_of: float,
    published_of: float = math.nan,
    low: float = math.nan,
    high: float = math.nan,
    missing: list[str] | None = None,
) -> str:
    """'rank 30 of 61'; with a published N above the source's count, that N and what is missing.

    ``published_of``: the number PAPI ranked; ``low``/``high``: the province's rank among them;
    ``missing``: names of the provinces in force that the source lacks (listed when there are
    exactly ``published_of - rank_of`` of them).
    """
    if math.isnan(rank):
        return ""
    if math.isnan(rank_of):
        return f"rank {int(rank)}"
    r, n = int(rank), int(rank_of)
    if math.isnan(published_of) or int(published_of) <= n:
        return f"rank {r} of {n}"
    big, k = int(published_of), int(published_of) - n
    names = missing or []
    lacks = f"{k} {'is' if k == 1 else 'are'} missing from parlib's source"
    if len(names) == k:
        lacks += f": {_names(names)}"
    elif names:
        lacks += f" (no score there for {_names(names)})"
    lo = int(low) if not math.isnan(low) else r
    hi = int(high) if not math.isnan(high) else r + k
    if lo == hi:
        return f"rank {lo} of {big} (PAPI ranked {big}; {lacks})"
    return f"rank {lo}-{hi} of {big} ({r} of the {n} in parlib's source; PAPI ranked {big}, {lacks})"


def tier_text(
    tier: str | None, source: str | None, rank_of: float, in_force: int, published_of: float, year: int
) -> str:
    """'best tier' (published band sizes, or PAPI's rule over every province), else where it comes from."""
    if not tier:
        return ""
    if source == "published" or math.isnan(rank_of) or int(rank_of) >= in_force:
        return f"{tier} tier"
    n = int(rank_of)
    if not math.isnan(published_of) and int(published_of) > n:
        return f"{tier} tier, computed over the {n} in parlib's source (PAPI grouped {int(published_of)})"
    return f"{tier} tier, computed over the {n} scored provinces (PAPI's band sizes not recorded for {year})"


def _unit_phrase(unit: str) -> str:
    """'points (8-80)' -> ' points on the 8-80 scale'; 'percent' -> '%'."""
    if unit == "percent":
        return "%"
    if unit.startswith("points (") and unit.endswith(")"):
        return f" points on the {unit[8:-1]} scale"
    return f" {unit}" if unit else ""


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


def _movers(table: pd.DataFrame, pid: str, year: int, n: int) -> tuple[list[Mover], list[Mover]]:
    """The parts (dimensions / sub-indices / fields) that rose and fell most, comparable changes only."""
    parts = table[(table["province_id"] == pid) & (table["year"] == year) & (table["component"] != "total")]
    if "level" in parts.columns:
        parts = parts[parts["level"].isin(["dimension", "subindex", "field"])]
    parts = parts[parts["component"].str.fullmatch(r"[a-z_]+") & ~parts["component"].str.contains("rank")]
    parts = parts[parts["comparable"].fillna(False).astype(bool)].dropna(subset=["value_change"])
    label = parts["label"] if "label" in parts.columns else parts["component"]
    movers = [
        Mover(c, str(lbl), float(ch))
        for c, lbl, ch in zip(parts["component"], label, parts["value_change"], strict=True)
    ]
    rose = sorted((m for m in movers if m.value_change > 0), key=lambda m: -m.value_change)[:n]
    fell = sorted((m for m in movers if m.value_change < 0), key=lambda m: m.value_change)[:n]
    return rose, fell


def index_facts(result: IndexResult, province_id: str, year: int, movers: int = 3) -> IndexFacts:
    """The facts of one index for one province and year."""
    table = result.table
    totals = table[table["component"] == "total"]
    if year not in set(totals["year"]):
        coverage = describe_years(totals["year"])
        return IndexFacts(
            result.index, year, False, f"no data for {year} (covers {coverage})",
            reason="no_year", reason_fields={"coverage": coverage},
        )  # fmt: skip
    row = totals[(totals["year"] == year) & (totals["province_id"] == province_id)]
    year_rows = totals[(totals["year"] == year) & totals["value"].notna()]
    published_of = _float(year_rows["published_rank_of"].max()) if "published_rank_of" in totals else math.nan
    in_force = provinces.provinces("63", year).index
    missing = sorted(set(in_force) - set(year_rows["province_id"]))
    short = not math.isnan(published_of) and int(published_of) > len(year_rows)
    missing_names = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in missing] if short else []
    by_year = {}
    if "published_rank_of" in totals:
        by_year = totals.dropna(subset=["published_rank_of"]).groupby("year")["published_rank_of"].max()
        by_year = {int(y): int(n) for y, n in by_year.items()}
    if row.empty or pd.isna(row["value"].iloc[0]):
        message = "not scored or not published for this province"
        reason, fields = "not_scored", {}
        if _published_year(result, totals, year):
            listed = totals.loc[totals["year"] == year, "province_id"].nunique()
            rank = _float(row["rank"].iloc[0]) if not row.empty else math.nan
            rank_of = _float(row["rank_of"].iloc[0]) if not row.empty else math.nan
            message = (
                f"parlib has no published figure for this province and year (the published table lists "
                f"{listed} provinces)"
            )
            reason, fields = "not_listed", {"listed": int(listed)}
            if not math.isnan(rank) and not math.isnan(rank_of):
                message = f"rank {int(rank)} of {int(rank_of)} as published; the source gives no score"
                reason, fields = "rank_only", {"rank": int(rank), "rank_of": int(rank_of)}
        if short and province_id in missing:
            k = int(published_of) - len(year_rows)
            message = (
                f"no score in parlib's source, which has {len(year_rows)} provinces for {year} while PAPI "
                f"ranked {int(published_of)} (as published)"
            )
            if len(missing) == k:
                message += f"; the {k} missing from the source: {_names(missing_names)}"
            fields = {"in_source": len(year_rows), "published_of": int(published_of), "k": k,
                      "names": missing_names if len(missing) == k else []}  # fmt: skip
            reason = "missing"
        return IndexFacts(
            result.index,
            year,
            False,
            message,
            published_rank_of=published_of,
            missing_from_source=missing_names,
            published_rank_of_by_year=by_year,
            reason=reason,
            reason_fields=fields,
        )
    r = row.iloc[0]
    year_values = totals.loc[totals["year"] == year, "value"].dropna()
    average, median = _national(result, year, year_values, _published_year(result, totals, year))
    rose, fell = _movers(table, province_id, year, movers)
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
        tier_text=tier_text(tier, source, rank_of, len(in_force), published_of, year),
        published_rank_of_by_year=by_year,
    )


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
    new_id = provinces.to_34(p.province_id)
    facts = {name: index_facts(res, p.province_id, year) for name, res in scored.items()}
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
