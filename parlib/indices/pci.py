"""PCI: the composite from the ten sub-indices (2013+ weights), ranks and changes.

VCCI's composite is 10 x the weighted sum of the ten sub-indices with the 2013 methodology's
weights (parlib.sources.pci.WEIGHTS_2013; checked against every province 2013-2016). Earlier
composites were built with other weights and sub-indices (policy bias only from 2013;
implementation in 2005): they keep their published value and are never recomputed.

After 2016 (the last year of the upstream tables, ``parlib.sources.pci``) the PCI is known only
from the figures VCCI and the press published for some provinces (the published record:
``data/raw/published/pci/`` and ``point_figures.csv``, read by ``parlib.sources.published.figures``;
``parlib.sources.published.read`` leaves PCI out because the panel takes PCI from the upstream
tables, where these figures serve as checks). ``scores`` shows them for the years the upstream
lacks, by the rule of ``parlib.indices.par_index`` for partial published years: the published
rank of 63 is kept (``rank_source`` 'published'), never a rank recomputed among the few
provinces present; a province with a published rank but no score is a row with ``value`` NaN;
changes follow the ranks so resolved. No national average or tier is computed from these
partial years. The upstream years are left exactly as they are (``from_published`` False).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parlib.indices.ranking import SERIES, rank_and_change
from parlib.indices.result import IndexResult, describe_years
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


def published_figures(observations: pd.DataFrame, record: pd.DataFrame | None = None) -> pd.DataFrame:
    """PCI figures of the published record for the years the upstream tables lack (observation rows).

    Values by component and the published rank as component ``rank`` (with ``rank_of``, the N
    published: 63), ``method_era`` from ``parlib.sources.pci.method_era``. ``record``: the
    published record (default ``read_published()``). Years that ``observations`` cover are left out.
    """
    from parlib.sources.published import figures

    found = figures(INDEX, record=record)
    found = found[(found["geo"] == source.GEO) & ~found["year"].isin(set(observations["year"]))]
    return found.assign(method_era=[source.method_era(int(y)) for y in found["year"]])


def _resolve_published(table: pd.DataFrame, ranks: pd.DataFrame) -> pd.DataFrame:
    """Published years: the published rank of 63 replaces the rank among the provinces present,
    and rank changes follow the ranks so resolved (upstream rows are left as they are)."""
    keys = ["province_id", "year", "component"]
    ranks = ranks.assign(component="total").rename(columns={"value": "published_rank"})
    table = table.merge(
        ranks[[*keys, "published_rank", "rank_of"]], on=keys, how="left", suffixes=("", "_pub")
    )
    published = table["from_published"]
    table.loc[published, "rank"] = table.loc[published, "published_rank"]
    table.loc[published, "rank_of"] = table.loc[published, "rank_of_pub"]
    table["rank_source"] = np.where(published, "published", "computed")
    table["rank_source"] = table["rank_source"].where(table["rank"].notna(), None)
    previous = table[[*SERIES, "year", "rank"]].assign(year=table["year"] + 1)
    previous = previous.rename(columns={"rank": "_previous_rank"})
    table = table.merge(previous, on=[*SERIES, "year"], how="left")
    table.loc[published, "previous_rank"] = table.loc[published, "_previous_rank"]
    table.loc[published, "rank_change"] = table.loc[published, "previous_rank"] - table.loc[published, "rank"]
    return table.drop(columns=["published_rank", "rank_of_pub", "_previous_rank"])


def scores(observations: pd.DataFrame | None = None, record: pd.DataFrame | None = None) -> IndexResult:
    """PCI composite and sub-indices with ranks of N and year-on-year changes.

    Table: IndexResult columns plus ``level`` (total, subindex), ``label``, ``recomputed``
    (the 2013+ composite from the sub-indices; NaN for earlier years, whose published
    composite stands, and for published years), ``from_published`` (True for the years after
    the upstream tables, taken from the published record) and ``rank_source`` ('computed' among
    every province of an upstream year, 'published' as published, of 63; None unranked).
    ``comparable`` is False for the 2012->2013 change (methodology revision). ``record``: the
    published record (default ``parlib.sources.published.read_published()``).
    """
    obs = _observations(observations)
    extra = published_figures(obs, record)
    is_rank = extra["component"] == "rank"
    values, ranks = extra[~is_rank], extra[is_rank]
    # a province with a published rank but no published score: a total row without a value
    keys = ["province_id", "year"]
    rank_only = ranks.merge(
        values.loc[values["component"] == "total", keys], on=keys, how="left", indicator=True
    )
    rank_only = rank_only[rank_only["_merge"] == "left_only"].drop(columns="_merge")
    rank_only = rank_only.assign(component="total", value=np.nan, unit=source.unit_of("total"))
    frame = pd.concat([obs, values, rank_only], ignore_index=True)
    frame["from_published"] = frame["year"].isin(set(extra["year"]))
    table = rank_and_change(frame[[*obs.columns.intersection(frame.columns), "from_published"]])
    table = _resolve_published(table, ranks)
    rec = recompute(obs)[["province_id", "year", "recomputed"]].assign(component="total")
    table = table.merge(rec, on=["province_id", "year", "component"], how="left")
    table["level"] = table["component"].map(lambda c: "total" if c in ("total", "unweighted") else "subindex")
    table["label"] = table["component"].map(source.COMPONENTS)
    table = table.sort_values(["year", "component", "rank", "province_id"], ignore_index=True)
    notes = [
        "composite = 10 x weighted sum of ten sub-indices (2013+ weights); earlier composites as published",
        "PCI 2010 Lâm Đồng and Lai Châu look swapped against VCCI's current pages (kept as in the table)",
    ]
    published = sorted(int(y) for y in set(extra["year"]))
    if published:
        notes.append(
            f"years {describe_years(published)}: the figures published for some provinces (published "
            "record), with their published ranks of 63, never re-ranked; no national average"
        )
    return IndexResult(INDEX, table, notes)
