"""The one ranking rule, PAPI-style quartile tiers, and year-on-year changes.

Ranks everywhere are *competition ranks* ("1224" ranking): higher scores rank better, ties
share the best rank of their group, and the next rank skips (scores 9, 8, 8, 7 rank 1, 2, 2,
4). Provinces without a score are not ranked; ``rank_of`` is the number of ranked provinces
("13 of 61").

Tiers follow PAPI's quartile bands on the year's scores (numpy's default linear-interpolated
percentiles): ``best`` >= 75th percentile, ``high-average`` >= median, ``low-average`` >= 25th
percentile, ``poor`` below it. On 63 provinces without ties this gives 16/16/15/16, the
counts PAPI publishes. PAPI's exact tie and boundary rule is not published (methodology.md
1.2): a tie at a cut-off goes to the upper band.

Changes compare a year with the year before (``year - 1``): ``value_change`` = value - previous
value; ``rank_change`` = previous rank - rank, so +5 means up five places. ``comparable`` is
False when the two years lie in different method eras: such a change is marked, not a trend.
"""

from __future__ import annotations

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


def rank_and_change(
    frame: pd.DataFrame,
    *,
    tiers: bool = False,
    ascending: bool = False,
) -> pd.DataFrame:
    """Add rank, rank_of, [tier], previous_value, value_change, rank_change and comparable.

    ``frame`` holds observation rows (index, component, geo, year, province_id, value and
    method_era). Ranking is within (index, component, geo, year); changes follow each
    (index, component, geo, province_id) series from year - 1 to year.
    """
    out = frame.copy()
    grouped = out.groupby(GROUP, sort=False)["value"]
    out["rank"] = grouped.transform(lambda s: competition_rank(s, ascending=ascending))
    out["rank_of"] = grouped.transform("count").where(out["value"].notna())
    if tiers:
        out["tier"] = grouped.transform(quartile_tiers)
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
    """'up 3 places', 'down 31 places', 'unchanged' (NaN -> '')."""
    if pd.isna(rank_change):
        return ""
    n = int(rank_change)
    if n == 0:
        return "unchanged"
    word = "place" if abs(n) == 1 else "places"
    return f"{'up' if n > 0 else 'down'} {abs(n)} {word}"
