"""The province card: for one province and year, the facts a provincial report leads with.

Per index: score, rank of N, tier, change in score and places since the year before (marked
when it crosses a method break), the components that rose and fell most, the national
average and median, plus the 34-unit province the province belongs to from July 2025.
Plain data (dataclasses with ``to_dict()``) that notebooks print and tests assert on; the
sentences are generated from the numbers by ``parlib.indices.facts`` (standard library only, so
``parlib card`` can word the cards the build stores without pandas: ``parlib.indices.card_store``).
``every_card`` makes every card of every year in one pass per index and year (what the build
stores); it equals ``card()`` card by card. The facts of one index, year by year, are
``parlib.indices.card_years``.

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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from parlib import provinces
from parlib.indices import papi, par_index, pci, sipas
from parlib.indices.card_years import EVERY_PROVINCE_SCORED, _IndexYears  # noqa: F401  (re-exported)
from parlib.indices.facts import (  # the facts and their wording need no pandas (parlib card's fast path)
    IndexFacts,
    _fmt,  # noqa: F401  (re-exported)
    _unit_phrase,  # noqa: F401  (re-exported)
    card_text,
)
from parlib.indices.result import CoverageError, IndexResult, describe_years

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
