"""The 34-unit report's data for the per-year cache: synthetic scores, their weights, published figures.

``prepare()`` (parlib.sections.cache) stores, for every year alike (the report's trajectory needs
them all):

- ``unit34.parquet``: ``parlib.indices.geo34.project`` of every index total (``UNIT34_INDICES``)
  onto the 34 units, one row per index, year and unit: ``index``, ``year``, ``new_id``,
  ``value`` (synthetic; NaN when an absorbed province has no score), ``scored`` (how many
  absorbed provinces have a score), ``weight_year`` (the GSO population year used), and
  ``rank34``/``rank34_of``: the competition rank among the units with a synthetic value that
  year (higher is better for every index here), a rank of synthetic scores, never of official ones.
- ``unit34.json``: ``population`` {old province id: {GSO year: thousand persons}} (the weights the
  projection used, so a report can show each province's share), ``units`` {index: {year: unit}}
  and ``published``: the published record's figures for the 34 units (``geo`` 34, component
  ``total``: value and/or rank, with source_url and note), shown as published, never mixed with
  the synthetic ones.

parlib.indices, parlib.panel and parlib.sources are imported only inside ``_unit34_files`` (that
is, inside ``prepare()``); the report kernel imports this module and pays for none of them.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

UNIT34_INDICES = ("PAPI", "PCI", "SIPAS", "PAR_INDEX")
"""The indices whose totals are projected onto the 34 units (every index with a province card)."""


def _clean(value: Any) -> Any:
    """A record cell as JSON: NaN/NA -> None, numpy/pandas scalars -> Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _published_34() -> list[dict[str, Any]]:
    """The published record's total figures (value and/or rank) for the 34 units."""
    from parlib.sources import published

    record = published.read_published()
    rows = record[(record["geo"] == "34") & ~record["is_national"] & (record["component"] == "total")]
    rows = rows[rows["year"].notna() & (rows["value"].notna() | rows["rank"].notna())]
    keep = ["index", "year", "province_id", "value", "unit", "rank", "rank_of", "source_url", "note"]
    rows = rows.sort_values(["province_id", "index", "year"], kind="stable")
    return [{k: _clean(r[k]) for k in keep} for _, r in rows.iterrows()]


def _unit34_files(year: int, results: dict) -> dict[str, Any]:
    """The 34-unit cache files (``unit34.parquet``, ``unit34.json``) from the year's index results.

    ``year`` is the cache's year; the content is the same in every year (all years are projected).
    """
    from parlib.indices import geo34
    from parlib.panel import load_observations

    observations = load_observations()
    frames = []
    units: dict[str, dict[int, str]] = {}
    for index in UNIT34_INDICES:
        if index not in results:
            continue
        table = results[index].table
        totals = table[(table["component"] == "total") & table["value"].notna()]
        frames.append(totals[["province_id", "year", "value"]].assign(index=index, component="total"))
        units[index] = {int(y): str(u) for y, u in totals.groupby("year")["unit"].first().items()}
    scores = pd.concat(frames, ignore_index=True)
    projected = geo34.project(scores, observations)
    projected = projected[["index", "year", "new_id", "value", "scored", "weight_year"]].copy()
    projected["year"] = projected["year"].astype("int64")
    ranks = projected.groupby(["index", "year"])["value"]
    projected["rank34"] = ranks.rank(method="min", ascending=False)
    projected["rank34_of"] = ranks.transform("count").astype("float64").where(projected["value"].notna())
    projected = projected.astype({"index": "category", "new_id": "category"}).reset_index(drop=True)
    pop = geo34.population(observations)
    population: dict[str, dict[int, float]] = {}
    for pid, rows in pop.groupby("province_id", sort=True):
        population[str(pid)] = {
            int(y): float(v) for y, v in zip(rows["year"], rows["population"], strict=True)
        }
    info = {"year": int(year), "population": population, "units": units, "published": _published_34()}
    return {"unit34.parquet": projected, "unit34.json": info}
