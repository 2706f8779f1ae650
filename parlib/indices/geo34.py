"""Pre-2025 scores projected onto the 34 units in force from 1 July 2025: synthetic, labelled so.

A 34-unit score for a year before the merger is the population-weighted mean of the scores
of the old provinces it absorbed (methodology.md section 6: PAPI and SIPAS are survey means,
so an unweighted mean would over-weight small provinces). Weights are GSO average population
of the same year; for years after the last GSO year in the data, the latest year available
(``weight_year`` says which). When any absorbed province has no score the projection is
missing: a mean over the others would describe a different territory. Never rank these
against official post-merger releases without saying they are synthetic.
"""

from __future__ import annotations

import pandas as pd

from parlib import provinces

SYNTHETIC_NOTE = "synthetic: population-weighted mean of the pre-2025 provinces (not an official score)"


def population(observations: pd.DataFrame) -> pd.DataFrame:
    """GSO population (thousand persons) by province_id and year, from the observations."""
    pop = observations[(observations["index"] == "GSO") & (observations["component"] == "population")]
    return pop[["province_id", "year", "value"]].rename(columns={"value": "population"})


def project(
    scores: pd.DataFrame, observations: pd.DataFrame | None = None, value: str = "value"
) -> pd.DataFrame:
    """Project geo-63 scores onto the 34 units.

    ``scores``: rows with province_id, year, ``value`` and optionally index and component
    (each index/component/year is projected separately). Returns one row per 34-unit, year
    (and index, component): new_id, name_vi, value, synthetic (True), old_ids (the absorbed
    provinces), scored (how many of them had a score), weight_year, note.
    """
    if observations is None:
        from parlib.panel import load_observations

        observations = load_observations()
    pop = population(observations)
    if pop.empty:
        raise ValueError("no GSO population in the observations: cannot weight the projection")
    groups = [c for c in ("index", "component") if c in scores.columns]
    frame = scores[[*groups, "province_id", "year", value]].rename(columns={value: "score"})
    frame = frame[frame["province_id"] != provinces.HA_TAY]
    years = sorted(pop["year"].unique())
    frame["weight_year"] = frame["year"].map(lambda y: max([p for p in years if p <= y], default=years[0]))
    frame = frame.merge(
        pop.rename(columns={"year": "weight_year"}), on=["province_id", "weight_year"], how="left"
    )
    rows = []
    members = provinces.PROVINCES_34["old_ids"].str.split()
    names = provinces.PROVINCES_34["name_vi"]
    for key, grp in frame.groupby([*groups, "year"], sort=True):
        scored = grp.dropna(subset=["score", "population"])
        score, weight = scored["score"].to_numpy(float), scored["population"].to_numpy(float)
        at: dict[str, list[int]] = {}  # province -> its rows, in the table's order
        for i, pid in enumerate(scored["province_id"]):
            at.setdefault(pid, []).append(i)
        fields = dict(zip([*groups, "year"], key, strict=True))
        weight_year = int(grp["weight_year"].iloc[0])
        for new_id, old in members.items():
            have = sorted(i for pid in set(old) for i in at.get(pid, []))  # the table's order, as a filter
            complete = len(have) == len(old)
            # the sums of a filtered Series (few rows: numpy adds them in order, as pandas does)
            value = (score[have] * weight[have]).sum() / weight[have].sum() if complete else float("nan")
            gap = f"missing: {len(old) - len(have)} of {len(old)} not scored"
            rows.append(
                {
                    **fields,
                    "new_id": new_id,
                    "name_vi": names[new_id],
                    "value": value,
                    "synthetic": True,
                    "old_ids": " ".join(old),
                    "scored": len(have),
                    "weight_year": weight_year,
                    "note": SYNTHETIC_NOTE if complete else gap,
                }
            )
    return pd.DataFrame(rows)
