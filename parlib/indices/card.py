"""The province card: for one province and year, the facts a provincial report leads with.

Per index: score, rank of N, tier, change in score and places since the year before (marked
when it crosses a method break), the components that rose and fell most, the national
average and median, plus the 34-unit province the province belongs to from July 2025.
Plain data (dataclasses with ``to_dict()``) that notebooks print and tests assert on; the
sentences are generated from the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache

import pandas as pd

from parlib import provinces
from parlib.indices import papi, par_index, pci, sipas
from parlib.indices.ranking import places_phrase
from parlib.indices.result import IndexResult, describe_years

# Partial tables (published top/bottom lists) cover too few provinces for a computed average.
_COMPLETE_SHARE = 0.9


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

    def sentence(self) -> str:
        """'PAPI 2022: 42.44 points, rank 30 of 61 (high-average), up 4 places (+0.28) on 2021; ...'."""
        if not self.available:
            return f"{self.index} {self.year}: {self.message}"
        text = f"{self.index} {self.year}: {_fmt(self.value)}{_unit_phrase(self.unit)}"
        if not math.isnan(self.rank):
            text += f", rank {int(self.rank)} of {int(self.rank_of)}"
        if self.tier:
            text += f" ({self.tier} tier)"
        if not math.isnan(self.value_change):
            change = f"{places_phrase(self.rank_change)} ({self.value_change:+.2f})".strip()
            if self.comparable is False:
                text += f"; {change} on {self.year - 1}, across a method break: not a trend"
            else:
                text += f", {change} compared to {self.year - 1}"
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


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _unit_phrase(unit: str) -> str:
    """'points (8-80)' -> ' points on the 8-80 scale'; 'percent' -> '%'."""
    if unit == "percent":
        return "%"
    if unit.startswith("points (") and unit.endswith(")"):
        return f" points on the {unit[8:-1]} scale"
    return f" {unit}" if unit else ""


@cache
def _default_results() -> dict[str, IndexResult]:
    from parlib.panel import load_observations

    obs = load_observations()
    return {name: scorer(obs) for name, scorer in SCORERS.items()}


def results(observations: pd.DataFrame | None = None) -> dict[str, IndexResult]:
    """Every index's IndexResult (cached for the default observations)."""
    if observations is None:
        return _default_results()
    return {name: scorer(observations) for name, scorer in SCORERS.items()}


def _national(result: IndexResult, year: int, values: pd.Series) -> tuple[float, float]:
    """(average, median) of the year's provincial totals; the published average for a partial table."""
    national = getattr(result, "national", None)
    in_force = len(provinces.provinces("63", year))
    if len(values) >= _COMPLETE_SHARE * in_force:
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
        return IndexFacts(
            result.index, year, False, f"no data for {year} (covers {describe_years(totals['year'])})"
        )
    row = totals[(totals["year"] == year) & (totals["province_id"] == province_id)]
    if row.empty or pd.isna(row["value"].iloc[0]):
        return IndexFacts(result.index, year, False, "not scored or not published for this province")
    r = row.iloc[0]
    year_values = totals.loc[totals["year"] == year, "value"].dropna()
    average, median = _national(result, year, year_values)
    rose, fell = _movers(table, province_id, year, movers)
    comparable = r.get("comparable")
    return IndexFacts(
        index=result.index,
        year=year,
        available=True,
        value=float(r["value"]),
        unit=str(r.get("unit", "")),
        rank=float(r["rank"]) if pd.notna(r.get("rank")) else math.nan,
        rank_of=float(r["rank_of"]) if pd.notna(r.get("rank_of")) else math.nan,
        tier=r.get("tier") if isinstance(r.get("tier"), str) else None,
        method_era=r.get("method_era") if isinstance(r.get("method_era"), str) else None,
        previous_value=float(r["previous_value"]) if pd.notna(r.get("previous_value")) else math.nan,
        value_change=float(r["value_change"]) if pd.notna(r.get("value_change")) else math.nan,
        rank_change=float(r["rank_change"]) if pd.notna(r.get("rank_change")) else math.nan,
        comparable=None if pd.isna(comparable) else bool(comparable),
        national_average=average,
        national_median=median,
        rose=rose,
        fell=fell,
    )


def card(province: object, year: int, observations: pd.DataFrame | None = None) -> ProvinceCard:
    """The card of ``province`` (any spelling or code) for ``year``: facts for every index."""
    p = provinces.get(province, "63")
    new_id = provinces.to_34(p.province_id)
    facts = {name: index_facts(res, p.province_id, int(year)) for name, res in results(observations).items()}
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
