"""The card's facts and their wording, in the standard library only.

``IndexFacts`` (one index for one province and year) and ``Mover`` are plain dataclasses; their
sentences, the rank and tier phrases and the card's text are made here from numbers alone, so
``parlib card`` can print a card read from the build's stored facts (``parlib.indices.card_store``)
without importing pandas. ``parlib.indices.card`` computes the facts and re-exports these names.
``to_json``/``from_json`` turn facts into JSON-safe dicts and back (NaN <-> null, exactly).
"""

from __future__ import annotations

import math
from copy import deepcopy
from dataclasses import asdict, dataclass, field, fields
from typing import Any


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


_FLOATS = frozenset(f.name for f in fields(IndexFacts) if f.type == "float")
_NAMES = tuple(f.name for f in fields(IndexFacts))


def to_json(facts: IndexFacts) -> dict[str, Any]:
    """``facts`` as a JSON-safe dict: NaN becomes None (floats keep every digit through JSON).

    ``dataclasses.asdict`` with its copies done by hand (a build writes about 5,000 of these):
    the movers as dicts, the lists and ``reason_fields`` copied.
    """
    out = {name: getattr(facts, name) for name in _NAMES}
    for name in _FLOATS:
        if math.isnan(out[name]):
            out[name] = None
    out["rose"] = [asdict(m) for m in facts.rose]
    out["fell"] = [asdict(m) for m in facts.fell]
    out["missing_from_source"] = list(facts.missing_from_source)
    out["reason_fields"] = deepcopy(facts.reason_fields)
    out["published_rank_of_by_year"] = {str(y): n for y, n in facts.published_rank_of_by_year.items()}
    return out


def from_json(data: dict[str, Any]) -> IndexFacts:
    """The IndexFacts that ``to_json`` wrote (None back to NaN, movers and year keys restored)."""
    values = dict(data)
    for name in _FLOATS:
        values[name] = math.nan if values[name] is None else float(values[name])
    values["rose"] = [Mover(**m) for m in values["rose"]]
    values["fell"] = [Mover(**m) for m in values["fell"]]
    values["published_rank_of_by_year"] = {int(y): n for y, n in values["published_rank_of_by_year"].items()}
    return IndexFacts(**values)


def places_phrase(rank_change: float) -> str:
    """'up 3 places', 'down 31 places', 'unchanged' (NaN -> '')."""
    if math.isnan(rank_change):
        return ""
    n = int(rank_change)
    if n == 0:
        return "unchanged"
    word = "place" if abs(n) == 1 else "places"
    return f"{'up' if n > 0 else 'down'} {abs(n)} {word}"


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


def card_text(name_vi: str, name_en: str, year: int, facts: list[IndexFacts], last: str) -> str:
    """The printed card: a heading, one sentence per index, then ``last`` (the province from July 2025)."""
    return "\n".join([f"{name_vi} ({name_en}), {year}", *[f.sentence() for f in facts], last])
