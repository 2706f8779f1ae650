"""PAPI: recomputation from the parts, ranks of N, quartile tiers, changes and a common core.

PAPI aggregates without weights (methodology.md 1.2): a dimension is the sum of its
sub-dimensions and the total is the sum of the dimensions (6-60 up to 2017, 8-80 from 2018).
Which parts exist depends on the method era (2011-2015, 2016-2017, 2018-2020, 2021-): the
codebook in parlib.sources.papi says which sub-dimensions belong to which dimension in each
year. A part that is missing leaves its sum missing: never a smaller number.

Common core: ``control_of_corruption`` + ``public_services`` (2-20 points). They are the only
dimensions whose four sub-dimensions are the same in every year 2011-2024 (participation,
accountability and procedures were re-specified in 2016, transparency gained access to
information in 2018, procedures lost construction permits in 2021; the 2016 PAPI report,
p. 57, names transparency, corruption and services as comparable over 2011-2016). Changes of
the common core are comparable across eras; changes of the total across a break are not.

What PAPI published about a year's ranking comes from the curated record
(data/raw/published/point_figures.csv, every row with its ``source_url``; ``published_years``):

- *N*, the number of provinces PAPI ranked. A ``NATIONAL`` PAPI row states it in ``rank_of``
  (2021: 60, 2022 and 2023: 61, 2019 and 2020: 63). Otherwise it is the largest ``rank_of`` of
  the year's province quotes ("29/63"): 2024 has only such quotes (Hà Nội 29/63, Hà Giang 30/63,
  Cao Bằng 51/63). Province quotes are a weaker witness: in 2022 (Nghệ An "17/63",
  https://baonghean.vn/nghe-an-ranks-17th-on-viet-nam-provincial-governance-and-public-administration-performance-index-papi-post268182.html)
  and 2023 (Tiền Giang "59/63, of which 2 provinces not ranked") the press printed "of 63" in
  years PAPI ranked 61, which is why a stated count wins.
- *Band sizes*: ``tiers=best/high/low/poor`` in the note of a ``NATIONAL`` row (2019-2023); they
  must add up to that row's N. They replace the computed quartile bands of the total where they
  split the scored provinces exactly (``parlib.indices.ranking``).
- *Anchors*: the province quotes' ranks. When PAPI ranked more provinces than parlib's source
  scores (2024: 63 against 61; ml-mcdm's 2024.csv leaves Vĩnh Phúc and Tiền Giang blank), a
  province's rank among PAPI's N is parlib's rank plus the number of missing provinces ranked
  above it: between 0 and N - n, pinned by the anchors (a quote that equals parlib's rank puts
  no missing province above it). ``published_rank_min``/``_max`` carry that range; ``rank``
  stays parlib's competition rank among the provinces scored in the source.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import pandas as pd

from parlib.errors import ValidationError
from parlib.indices.ranking import rank_and_change
from parlib.indices.result import IndexResult
from parlib.sources import papi as source

INDEX = "PAPI"
COMMON_CORE = ("control_of_corruption", "public_services")
COMMON_CORE_ERA = "common core 2011-"
_KEYS = ["province_id", "year"]
TIERS_NOTE = re.compile(r"\btiers=(\d+)/(\d+)/(\d+)/(\d+)\b")
"""The band sizes (best/high-average/low-average/poor) in the note of a NATIONAL PAPI row."""


@dataclass(frozen=True)
class PublishedYear:
    """What PAPI's publications say about one year's ranking of the total (module docstring).

    ``ranked``: N, the provinces PAPI ranked (None when nothing is recorded); ``stated``: True when
    a NATIONAL row states N, False when it comes from province quotes ("29/63"); ``tiers``: the
    published band sizes or None; ``anchors``: province_id -> published rank; ``source_urls``: the
    pages behind N and the band sizes; ``rows``: where N ("N") and each anchor come from.
    """

    year: int
    ranked: int | None = None
    stated: bool = False
    tiers: tuple[int, int, int, int] | None = None
    anchors: dict[str, int] = field(default_factory=dict)
    source_urls: tuple[str, ...] = ()
    rows: dict[str, str] = field(default_factory=dict)


def _where(rows: pd.DataFrame) -> str:
    return "; ".join(f"{s}, row {r}" for s, r in zip(rows["source"], rows["source_row"], strict=True))


def published_years(record: pd.DataFrame | None = None) -> dict[int, PublishedYear]:
    """Year -> ``PublishedYear`` from the PAPI rows of the published record (``read_published()``).

    Raises ValidationError (naming file and rows) when two NATIONAL rows of a year state
    different N or band sizes, or band sizes do not add up to the stated N.
    """
    if record is None:
        from parlib.sources.published import read_published

        record = read_published()
    rows = record[
        (record["index"] == INDEX) & (record["component"] == "total") & (record["geo"] == source.GEO)
    ]
    rows = rows[rows["year"].notna()]
    out: dict[int, PublishedYear] = {}
    for year, group in rows.groupby(rows["year"].astype(int)):
        national = group[group["is_national"]]
        stated = sorted({int(n) for n in national["rank_of"].dropna()})
        if len(stated) > 1:
            raise ValidationError(f"{_where(national)}: PAPI {year}: NATIONAL rows state N = {stated}")
        found = {tuple(int(c) for c in m.groups()) for m in map(TIERS_NOTE.search, national["note"]) if m}
        if len(found) > 1:
            raise ValidationError(f"{_where(national)}: PAPI {year}: band sizes disagree: {sorted(found)}")
        tiers = found.pop() if found else None
        if tiers and stated and sum(tiers) != stated[0]:
            raise ValidationError(
                f"{_where(national)}: PAPI {year}: band sizes {'/'.join(map(str, tiers))} "
                f"add up to {sum(tiers)}, not the stated N = {stated[0]}"
            )
        quotes = group[~group["is_national"]]
        quoted = quotes["rank_of"].dropna()
        ranked = stated[0] if stated else (int(quoted.max()) if len(quoted) else None)
        ranked_rows = quotes[quotes["rank"].notna()]
        anchors = {
            str(p): int(r) for p, r in zip(ranked_rows["province_id"], ranked_rows["rank"], strict=True)
        }
        behind = national if stated or tiers else quotes[quotes["rank_of"].notna()]
        where = {p: _where(ranked_rows[ranked_rows["province_id"] == p]) for p in anchors}
        where["N"] = _where(national[national["rank_of"].notna()] if stated else behind)
        out[int(year)] = PublishedYear(
            year=int(year),
            ranked=ranked,
            stated=bool(stated),
            tiers=tiers,
            anchors=anchors,
            source_urls=tuple(dict.fromkeys(behind["source_url"])),
            rows=where,
        )
    return out


def _published_ranks(table: pd.DataFrame, years: dict[int, PublishedYear]) -> pd.DataFrame:
    """Add published_rank_of, published_rank_min and published_rank_max to the total rows."""
    for column in ("published_rank_of", "published_rank_min", "published_rank_max"):
        table[column] = math.nan
    totals = table["component"] == "total"
    for year, info in years.items():
        if info.ranked is None:
            continue
        rows = table.index[totals & (table["year"] == year) & table["rank"].notna()]
        if rows.empty:
            continue
        ranks = table.loc[rows].set_index("province_id")["rank"]
        missing = info.ranked - len(ranks)
        if missing < 0:
            raise ValidationError(
                f"{info.rows.get('N', '')}: PAPI {year}: the published record gives N = {info.ranked}, "
                f"but parlib's source scores {len(ranks)} provinces"
            )
        offsets = {}
        for pid, published_rank in info.anchors.items():
            if pid not in ranks.index:
                continue
            offset = published_rank - int(ranks[pid])
            if not 0 <= offset <= missing:
                raise ValidationError(
                    f"{info.rows.get(pid, '')}: PAPI {year}: the published rank {published_rank} of province "
                    f"{pid} cannot follow from parlib's rank {int(ranks[pid])} with {missing} province(s) "
                    "missing from the source"
                )
            offsets[int(ranks[pid])] = offset
        low, high = [], []
        for r in ranks.to_numpy():
            below = [d for a, d in offsets.items() if a <= r]
            above = [d for a, d in offsets.items() if a >= r]
            lo, hi = max(below, default=0), min(above, default=missing)
            if lo > hi:
                where = "; ".join(w for key, w in info.rows.items() if key != "N")
                raise ValidationError(
                    f"{where}: PAPI {year}: published ranks {info.anchors} disagree with the order of "
                    "parlib's scores"
                )
            low.append(r + lo)
            high.append(r + hi)
        table.loc[rows, "published_rank_of"] = float(info.ranked)
        table.loc[rows, "published_rank_min"] = low
        table.loc[rows, "published_rank_max"] = high
    return table


def _observations(observations: pd.DataFrame | None) -> pd.DataFrame:
    if observations is None:
        from parlib.panel import load_observations

        observations = load_observations()
    obs = observations[(observations["index"] == INDEX) & (observations["geo"] == source.GEO)]
    return obs[obs["component"] != "total_weighted"]


def recompute(observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every dimension and total recomputed from its parts, next to the value read from the files.

    Columns: component, level, province_id, year, value (as read), recomputed (sum of the
    parts of that year's structure; NaN when a part is missing), difference, source (the
    file the value was read from). Dimensions are summed from the sub-dimensions as read;
    totals from the dimensions as read, as the publisher does.
    """
    obs = _observations(observations)
    wide = obs.pivot_table(index=_KEYS, columns="component", values="value", aggfunc="first")
    rows = []
    for year, frame in wide.groupby(level="year"):
        for parent in ["total", *source.children("total", int(year))]:
            parts = source.children(parent, int(year))
            have = [p for p in parts if p in frame.columns]
            if len(have) < len(parts) or parent not in frame.columns:
                sums = pd.Series(float("nan"), index=frame.index)
            else:
                sums = frame[parts].sum(axis=1, min_count=len(parts))
                sums = sums.where(frame[parts].notna().all(axis=1))
            rows.append(pd.DataFrame({"component": parent, "value": frame.get(parent), "recomputed": sums}))
    out = pd.concat(rows).reset_index()
    out = out.dropna(subset=["value"])
    out["level"] = out["component"].map(source.level)
    out["difference"] = out["recomputed"] - out["value"]
    sources = obs.set_index([*_KEYS, "component"])["source"]
    keys = zip(out["province_id"], out["year"], out["component"], strict=True)
    out["source"] = [sources.get(key) for key in keys]
    return out[["component", "level", "province_id", "year", "value", "recomputed", "difference", "source"]]


def common_core(observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """The common-core score (corruption + services) as observation rows (component 'common_core')."""
    obs = _observations(observations)
    core = obs[obs["component"].isin(COMMON_CORE)]
    wide = core.pivot_table(index=_KEYS, columns="component", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(COMMON_CORE)).dropna()
    out = wide.sum(axis=1).rename("value").reset_index()
    out["index"], out["component"], out["geo"] = INDEX, "common_core", source.GEO
    out["unit"], out["method_era"] = "points (2-20)", COMMON_CORE_ERA
    out["source"] = "parlib.indices.papi.common_core"
    return out


def scores(observations: pd.DataFrame | None = None, record: pd.DataFrame | None = None) -> IndexResult:
    """PAPI scores of every component with rank of N, quartile tier and year-on-year change.

    Table columns: those of IndexResult plus ``level`` (total, dimension, subdimension,
    common_core), ``label``, ``tier_source`` ("published": the band sizes PAPI printed for the
    year; "computed": PAPI's quartile rule over the provinces scored, an estimate when fewer than
    all were scored) and, on total rows of a year with a published N, ``published_rank_of`` and
    the province's rank among those N, ``published_rank_min`` to ``published_rank_max`` (see the
    module docstring). Ranks are among the provinces scored that year (2014: of 61).
    ``comparable`` is False for a change across a method break (2015->2016, 2017->2018,
    2020->2021); the common core stays comparable. ``record``: the published record
    (default ``parlib.sources.published.read_published()``).
    """
    obs = _observations(observations)
    frame = pd.concat([obs, common_core(obs)], ignore_index=True)
    years = published_years(record)
    counts = {(INDEX, "total", source.GEO, y): p.tiers for y, p in years.items() if p.tiers}
    table = rank_and_change(frame, tiers=True, tier_counts=counts)
    table = _published_ranks(table, years)
    labels = source.CODEBOOK.set_index("component")["label_en"].to_dict()
    labels["common_core"] = "Common core: control of corruption + public service delivery"
    table["level"] = [c if c == "common_core" else source.level(c) for c in table["component"]]
    table["label"] = table["component"].map(labels)
    table = table.sort_values(["year", "component", "rank", "province_id"], ignore_index=True)
    notes = [
        "total = sum of dimensions (6-60 to 2017, 8-80 from 2018); method breaks 2016, 2018, 2021",
        "tiers: PAPI's band sizes where it printed them (2019-2023), else quartile bands of the year's "
        "scores (linear, a cut-off score goes up: 16/16/15/16 on 63; an estimate when fewer were scored)",
        "published_rank_of: the number of provinces PAPI ranked, where the published record gives it",
        "common_core = control_of_corruption + public_services, comparable 2011-2024",
    ]
    return IndexResult(INDEX, table, notes)


def rank_phrase(rank: float, rank_of: float) -> str:
    """'13 of 61' ('' when unranked)."""
    if pd.isna(rank):
        return ""
    return f"{int(rank)} of {int(rank_of)}"
