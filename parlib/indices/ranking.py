"""The one ranking rule, PAPI's quartile tiers, and year-on-year changes.

Ranks everywhere are *competition ranks* ("1224" ranking): higher scores rank better, ties
share the best rank of their group, and the next rank skips (scores 9, 8, 8, 7 rank 1, 2, 2,
4). Provinces without a score are not ranked; ``rank_of`` is the number of ranked provinces
("13 of 61").

**PAPI tiers.** PAPI groups provinces into four bands by the quartiles of the year's scores
(papi.org.vn data pages: "from the 75th percentile up", "50th-75th", "25th-50th", "below the
25th"; http://origin.papi.org.vn/du-lieu?y=2014). ``quartile_tiers`` computes them with linear
interpolation between order statistics (numpy's default ``linear`` method, which is Excel's
QUARTILE / PERCENTILE.INC), and a score equal to a cut-off goes to the upper band: ``best`` >=
Q3, ``high-average`` >= median, ``low-average`` >= Q1, ``poor`` below. On 63 provinces this
gives 16/16/15/16. It reproduces every grouping PAPI published for a year in which it scored
all 63 provinces that we found:

- 2017, 2019, 2020 totals: 16 best, 16 high-average, 15 low-average, 16 poor
  (https://enternews.vn/quang-ninh-tang-21-bac-trong-chi-so-papi-2017-127226.html,
  https://ddcilaocai.vn/tin-tuc/cai-thien-nang-cao-chi-so-hieu-qua-quan-tri-va-hanh-chinh-cong-cap-tinh-papi-cua-tinh-lao-cai-nam-2020/,
  https://www.vietmaz.com/2021/04/quang-ninh-provine-tops-public-administration-performance-index/);
  2017 Quảng Ninh, 32nd of 63 (the median province), is high-average (enternews): the median
  goes up;
- the 2016 best group (all 16 named) and 16 memberships in 2017
  (https://cecodes.org/so-sanh-papi-2%EF%B8%8F016-voi-papi-2017/);
- Nam Định, Hà Tĩnh, Quảng Trị, Đà Nẵng and Long An best in every year 2011-2015 (Hà Tĩnh and
  Đà Nẵng 16th of 63 in 2012 and 2015; https://e.vnexpress.net/news/business/data-speaks/how-citizens-view-vietnam-s-governance-in-2015-3385876.html);
- the 2022 public-service-delivery map, whose legend gives each band's lowest and highest score
  to 4 decimals (https://fliphtml5.com/vfkvv/ojkr/B%C3%A1o_c%C3%A1o_Ch%E1%BB%89_s%E1%BB%91_PAPI_2022/108).

**Years in which PAPI withheld provinces.** PAPI printed these band sizes: 2021 15/15/15/15 (60
scored), 2022 16/16/14/15 (61), 2023 15/15/15/16 (61)
(https://susta.vn/da-chieu/papi-nam-2022-cua-tinh-son-la-25386,
https://m.hanoitimes.vn/thua-thien-hue-province-tops-nationwide-in-public-administration-2023-papi-report-326500.html).
2022 and 2023 both have 61 published scores, no tie near a cut-off, and different band sizes,
so no rule computed from the published scores alone reproduces both. Each is 16/16/15/16 less
the withheld provinces, which fits PAPI setting its bands over all 63 surveyed provinces, the
withheld ones included (their band is not published). So where PAPI printed a year's band
sizes, ``rank_and_change(tier_counts=...)`` assigns them by rank (``tier_source`` "published");
elsewhere tiers are computed by ``quartile_tiers`` over the provinces scored
(``tier_source`` "computed"). That matches PAPI when all 63 were scored, and is only an estimate
otherwise: callers must say so.

Candidate rules checked against these groupings, 374 in all: the 13 numpy percentile methods,
a cut-off score going up or down, scores rounded to 2 or 4 decimals before the cut or the
comparison (or not), percentiles of the scores or of their negatives; band sizes from n*k/4
rounded five ways from either end; each tried with and without the zeros that the 2022 UNDP
file holds for the two provinces PAPI did not score. 29 reproduce every 63-province grouping,
the memberships quoted for 2014, 2018 and 2021, and 2021's band sizes; the rule above is the
simplest (it is Excel's). None reproduces 2022; the 58 that reproduce 2023 (among them linear
with a cut-off score going down, and Stata's ``xtile``) all fail the 63-province years; none
reproduces both 2022 and 2023. Ties at a cut-off never occur in the published data; the rule
sends them to the upper band.

Changes compare a year with the year before (``year - 1``): ``value_change`` = value - previous
value; ``rank_change`` = previous rank - rank, so +5 means up five places. ``comparable`` is
False when the two years lie in different method eras: such a change is marked, not a trend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

TIERS = ["best", "high-average", "low-average", "poor"]
GROUP = ["index", "component", "geo", "year"]
SERIES = ["index", "component", "geo", "province_id"]


def competition_rank(values: pd.Series, ascending: bool = False) -> pd.Series:
    """Competition ranks (ties share the best rank, the next skips); NaN stays unranked."""
    return values.rank(method="min", ascending=ascending, na_option="keep")


def quartile_tiers(values: pd.Series) -> pd.Series:
    """PAPI quartile band of each value among the non-missing values (see module docstring)."""
    present = values.dropna()
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    if present.empty:
        return out
    q25, q50, q75 = np.percentile(present.to_numpy(), [25, 50, 75])
    bands = np.select([present >= q75, present >= q50, present >= q25], TIERS[:3], default=TIERS[3])
    out.loc[present.index] = bands
    return out


def _grouped_quartile_tiers(values: pd.Series, grouped: Any) -> pd.Series:
    """``quartile_tiers`` of every group at once: the same linear quartiles as np.percentile.

    A value can only sit on a quartile that is one of the values (or between two equal ones),
    where both compute it exactly, so the bands are the same.
    """
    q25, q50, q75 = (grouped.transform("quantile", q) for q in (0.25, 0.5, 0.75))
    bands = np.select([values >= q75, values >= q50, values >= q25], TIERS[:3], default=TIERS[3])
    return pd.Series(bands, index=values.index, dtype="object").where(values.notna(), pd.NA)


def tiers_from_counts(values: pd.Series, counts: Sequence[int]) -> pd.Series:
    """Bands of published sizes (best, high-average, low-average, poor), assigned by competition rank.

    ``counts`` must add up to the number of non-missing values (else ValueError). A province whose
    rank is at most ``counts[0]`` is best, at most ``counts[0] + counts[1]`` high-average, and so
    on; provinces tied across a band edge share the better band, as they share the better rank.
    """
    present = values.dropna()
    counts = [int(c) for c in counts]
    if len(counts) != len(TIERS) or min(counts) < 0 or sum(counts) != len(present):
        raise ValueError(f"band sizes {counts} do not split the {len(present)} scored provinces")
    out = pd.Series(pd.NA, index=values.index, dtype="object")
    if present.empty:
        return out
    ranks = competition_rank(present)
    edges = np.cumsum(counts)[:3]
    bands = np.select([ranks <= edges[0], ranks <= edges[1], ranks <= edges[2]], TIERS[:3], TIERS[3])
    out.loc[present.index] = bands
    return out


def rank_and_change(
    frame: pd.DataFrame,
    *,
    tiers: bool = False,
    tier_counts: Mapping[tuple, Sequence[int]] | None = None,
    ascending: bool = False,
) -> pd.DataFrame:
    """Add rank, rank_of, [tier, tier_source], previous_value, value_change, rank_change and comparable.

    ``frame`` holds observation rows (index, component, geo, year, province_id, value and
    method_era). Ranking is within (index, component, geo, year); changes follow each
    (index, component, geo, province_id) series from year - 1 to year.

    ``tiers``: add ``tier`` and ``tier_source``. ``tier_counts`` maps a group key (index,
    component, geo, year) to the band sizes its publisher printed; a group whose scored provinces
    they split exactly gets them (``tiers_from_counts``, ``tier_source`` "published"), every other
    group the computed quartile bands (``quartile_tiers``, "computed"). Band sizes that do not add
    up to the group's scored provinces (the publisher grouped another set) are not used.
    """
    out = frame.copy()
    grouped = out.groupby(GROUP, sort=False)["value"]
    # competition_rank and quartile_tiers per group, in pandas' grouped (compiled) routines
    out["rank"] = grouped.rank(method="min", ascending=ascending, na_option="keep")
    out["rank_of"] = grouped.transform("count").where(out["value"].notna())
    if tiers:
        out["tier"] = _grouped_quartile_tiers(out["value"], grouped)
        out["tier_source"] = pd.Series("computed", index=out.index, dtype="object").where(
            out["value"].notna()
        )
        groups = out.groupby(GROUP, sort=False).groups
        for key, published in (tier_counts or {}).items():
            rows = groups.get(tuple(key))
            if rows is None or sum(published) != out.loc[rows, "value"].notna().sum():
                continue
            out.loc[rows, "tier"] = tiers_from_counts(out.loc[rows, "value"], published)
            out.loc[rows, "tier_source"] = out.loc[rows, "tier_source"].where(
                out.loc[rows, "value"].isna(), "published"
            )
    previous = out[[*SERIES, "year", "value", "rank", "method_era"]].copy()
    previous["year"] = previous["year"] + 1
    previous = previous.rename(
        columns={"value": "previous_value", "rank": "previous_rank", "method_era": "previous_era"}
    )
    out = out.merge(previous, on=[*SERIES, "year"], how="left")
    out["value_change"] = out["value"] - out["previous_value"]
    out["rank_change"] = out["previous_rank"] - out["rank"]
    same_era = out["method_era"].fillna("") == out["previous_era"].fillna("")
    out["comparable"] = same_era.where(out["previous_value"].notna(), other=pd.NA).astype("boolean")
    return out.drop(columns=["previous_era"])


def places_phrase(rank_change: float) -> str:
    """'up 3 places', 'down 31 places', 'unchanged' (NaN, None or NA -> ''); ``facts.places_phrase``."""
    from parlib.indices.facts import places_phrase as phrase

    return "" if pd.isna(rank_change) else phrase(float(rank_change))
