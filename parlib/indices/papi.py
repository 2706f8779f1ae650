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
"""

from __future__ import annotations

import pandas as pd

from parlib.indices.ranking import rank_and_change
from parlib.indices.result import IndexResult
from parlib.sources import papi as source

INDEX = "PAPI"
COMMON_CORE = ("control_of_corruption", "public_services")
COMMON_CORE_ERA = "common core 2011-"
_KEYS = ["province_id", "year"]


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


def scores(observations: pd.DataFrame | None = None) -> IndexResult:
    """PAPI scores of every component with rank of N, quartile tier and year-on-year change.

    Table columns: those of IndexResult plus ``level`` (total, dimension, subdimension,
    common_core) and ``label``. Ranks are among the provinces scored that year (2014: of 61).
    ``comparable`` is False for a change across a method break (2015->2016, 2017->2018,
    2020->2021); the common core stays comparable.
    """
    obs = _observations(observations)
    frame = pd.concat([obs, common_core(obs)], ignore_index=True)
    table = rank_and_change(frame, tiers=True)
    labels = source.CODEBOOK.set_index("component")["label_en"].to_dict()
    labels["common_core"] = "Common core: control of corruption + public service delivery"
    table["level"] = [c if c == "common_core" else source.level(c) for c in table["component"]]
    table["label"] = table["component"].map(labels)
    table = table.sort_values(["year", "component", "rank", "province_id"], ignore_index=True)
    notes = [
        "total = sum of dimensions (6-60 to 2017, 8-80 from 2018); method breaks 2016, 2018, 2021",
        "tiers: quartile bands of the year's scores (16/16/15/16 on 63); boundary rule unconfirmed",
        "common_core = control_of_corruption + public_services, comparable 2011-2024",
    ]
    return IndexResult(INDEX, table, notes)


def rank_phrase(rank: float, rank_of: float) -> str:
    """'13 of 61' ('' when unranked)."""
    if pd.isna(rank):
        return ""
    return f"{int(rank)} of {int(rank_of)}"
