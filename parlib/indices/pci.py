"""PCI: the composite from the ten sub-indices (2013+ weights), ranks and changes.

VCCI's composite is 10 x the weighted sum of the ten sub-indices with the 2013 methodology's
weights (parlib.sources.pci.WEIGHTS_2013; checked against every province 2013-2016). Earlier
composites were built with other weights and sub-indices (policy bias only from 2013;
implementation in 2005): they keep their published value and are never recomputed.
"""

from __future__ import annotations

import pandas as pd

from parlib.indices.ranking import rank_and_change
from parlib.indices.result import IndexResult
from parlib.sources import pci as source

INDEX = "PCI"


def _observations(observations: pd.DataFrame | None) -> pd.DataFrame:
    if observations is None:
        from parlib.panel import load_observations

        observations = load_observations()
    return observations[(observations["index"] == INDEX) & (observations["geo"] == source.GEO)]


def recompute(observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Published composite next to 10 x the weighted sum, for the 2013- era (province_id, year, ...)."""
    obs = _observations(observations)
    published = obs[obs["component"] == "total"].set_index(["province_id", "year"])["value"]
    computed = source.composite_2013(obs)
    out = pd.concat([published.rename("value"), computed.rename("recomputed")], axis=1, join="inner")
    out["difference"] = out["recomputed"] - out["value"]
    return out.reset_index()


def scores(observations: pd.DataFrame | None = None) -> IndexResult:
    """PCI composite and sub-indices with ranks of N and year-on-year changes.

    Table: IndexResult columns plus ``level`` (total, subindex), ``label`` and ``recomputed``
    (the 2013+ composite from the sub-indices; NaN for earlier years, whose published
    composite stands). ``comparable`` is False for the 2012->2013 change (methodology revision).
    """
    obs = _observations(observations)
    table = rank_and_change(obs)
    rec = recompute(obs)[["province_id", "year", "recomputed"]].assign(component="total")
    table = table.merge(rec, on=["province_id", "year", "component"], how="left")
    table["level"] = table["component"].map(lambda c: "total" if c in ("total", "unweighted") else "subindex")
    table["label"] = table["component"].map(source.COMPONENTS)
    table = table.sort_values(["year", "component", "rank", "province_id"], ignore_index=True)
    notes = [
        "composite = 10 x weighted sum of ten sub-indices (2013+ weights); earlier composites as published",
        "PCI 2010 Lâm Đồng and Lai Châu look swapped against VCCI's current pages (kept as in the table)",
    ]
    return IndexResult(INDEX, table, notes)
