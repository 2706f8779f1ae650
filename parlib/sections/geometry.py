"""The province map for the cache: boundary rings (simplified), and the year's base choropleth.

``prepare()`` stores the rings (``map.json``) and the shaded map without a highlighted province
(``map_base.png`` and its axes layout, ``map_base.json``); the report's map section
(parlib.sections.scores.map_) draws its province on top.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from parlib import config, provinces
from parlib.sections.display import DPI, Chart, _figure

GEOJSON = "CS571_Project/data/Vietnam_provinces.geojson"
"""Registry name of the province boundaries (properties ``Name`` -> provinces.normalize)."""

MAP_TOLERANCE = 0.01
"""Douglas-Peucker tolerance in degrees (about 1 km) for the stored map rings."""

MAP_SIZE = (7.2, 6.6)


def _decode_rings(geo: Mapping) -> dict[str, list[np.ndarray]]:
    return {
        pid: [np.asarray(r, dtype=float).reshape(-1, 2) for r in parts]
        for pid, parts in geo["provinces"].items()
    }


def _map_title(year: int, unit: str) -> tuple[str, str]:
    scale = unit[8:-1] + " scale" if unit.startswith("points (") else unit
    return f"PAPI total {year} by province", f"PAPI total {year} ({scale})"


def _map_base(
    year: int, geo: Mapping, main: pd.DataFrame, papi_years: list[int], totals: pd.DataFrame
) -> dict:
    """The year's choropleth without a highlighted province, rendered once: ``map_base.png`` and the
    axes layout (``map_base.json``) that lets a report draw its province on top, pixel for pixel."""
    if year not in papi_years or not geo.get("provinces"):
        return {"map_base.png": b"", "map_base.json": {}}
    from parlib import plots

    values = main[(main["component"] == "total") & (main["year"] == year)]
    values = pd.Series(values["value"].to_numpy(), index=values["province_id"].astype(str))
    unit = str(totals.loc[totals["year"] == year, "unit"].iloc[0])
    title, label = _map_title(year, unit)
    fig = _figure(MAP_SIZE)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.95)
    ax = fig.add_subplot()
    plots.choropleth(_decode_rings(geo), values, ax=ax, label=label)
    ax.set_title(title, fontsize=10)
    png = Chart(fig, title).png()  # drawing applies the aspect: the position below is the final one
    layout = {
        "size": list(MAP_SIZE),
        "dpi": DPI,
        "position": list(ax.get_position().bounds),
        "xlim": list(ax.get_xlim()),
        "ylim": list(ax.get_ylim()),
    }
    return {"map_base.png": png, "map_base.json": layout}


def simplify_ring(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker simplification of one ring (an (n, 2) array); small rings are kept as they are."""
    n = len(points)
    if n <= 8:
        return points
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = points[i], points[j]
        seg = points[i + 1 : j]
        dx, dy = b - a
        norm = math.hypot(dx, dy)
        if norm == 0:
            dist = np.hypot(seg[:, 0] - a[0], seg[:, 1] - a[1])
        else:
            dist = np.abs(dx * (seg[:, 1] - a[1]) - dy * (seg[:, 0] - a[0])) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    out = points[keep]
    return out if len(out) >= 4 else points


@lru_cache(maxsize=2)
def _map_rings(stamp: str) -> dict:
    """Exterior rings per province from the registry's geojson, simplified; ``error`` when missing."""
    from parlib.errors import ParlibError

    try:
        path = config.raw_path(GEOJSON)
        features = json.loads(path.read_text("utf-8"))["features"]
    except (ParlibError, OSError, ValueError, KeyError) as exc:
        return {"error": f"no map: {exc}", "provinces": {}}
    rings: dict[str, list[list[float]]] = {}
    n_in = n_out = 0
    for feature in features:
        pid = provinces.normalize(feature["properties"]["Name"], "63")
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        )
        for polygon in polygons:
            ring = np.asarray(polygon[0], dtype=float)[:, :2]
            small = simplify_ring(ring, MAP_TOLERANCE)
            n_in, n_out = n_in + len(ring), n_out + len(small)
            rings.setdefault(pid, []).append(np.round(small, 3).ravel().tolist())
    return {"source": GEOJSON, "tolerance": MAP_TOLERANCE, "points": [n_in, n_out], "provinces": rings}
