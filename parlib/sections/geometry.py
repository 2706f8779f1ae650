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

MAP_SIZE = (9.5, 11.0)
"""The map figure in inches: the page's width, and tall enough to find a province on it."""

_ARCHIPELAGOS = {"48": "Hoàng Sa", "56": "Trường Sa"}
"""The archipelagos of the rings drawn in the map's inset, by province (the rest: the province's name)."""


def _decode_rings(geo: Mapping) -> dict[str, list[np.ndarray]]:
    return {
        pid: [np.asarray(r, dtype=float).reshape(-1, 2) for r in parts]
        for pid, parts in geo["provinces"].items()
    }


def _box(rings: Mapping[str, list[np.ndarray]], pad: float) -> tuple[float, float, float, float, float]:
    """(x0, x1, y0, y1, aspect) of ``rings`` widened by ``pad`` degrees; aspect = 1 / cos(mean latitude)."""
    points = np.vstack([r for parts in rings.values() for r in parts])
    (x0, y0), (x1, y1) = points.min(axis=0) - pad, points.max(axis=0) + pad
    return x0, x1, y0, y1, 1 / math.cos(math.radians((y0 + y1) / 2))


def _map_layout(rings: Mapping[str, list[np.ndarray]]) -> dict:
    """Where the map's parts go, in figure fractions: the mainland (as tall as the figure allows, at
    its true aspect), the colour bar beside it, the offshore islands in a smaller inset below the bar."""
    from parlib.sections.figures import _offshore

    width, height = MAP_SIZE
    near, far = _offshore(rings)
    x0, x1, y0, y1, k = _box(near, 0.2)
    top, bottom, left = 0.55, 0.15, 0.1  # inches: room for the title above
    tall = height - top - bottom
    wide = tall * (x1 - x0) / ((y1 - y0) * k)
    layout = {
        "size": list(MAP_SIZE),
        "dpi": DPI,
        "position": [left / width, bottom / height, wide / width, tall / height],
        "xlim": [x0, x1],
        "ylim": [y0, y1],
        "aspect": k,
        "offshore": sorted(far),
    }
    right = left + wide
    layout["colorbar"] = [(right + 0.12) / width, 0.52, 0.2 / width, 0.34]
    if far:
        a0, a1, b0, b1, ak = _box(far, 0.3)
        box_w = width - right - 0.75 - 0.15
        box_h = box_w * (b1 - b0) * ak / (a1 - a0)
        layout["inset"] = {
            "position": [(right + 0.75) / width, (bottom + 0.35) / height, box_w / width, box_h / height],
            "xlim": [a0, a1],
            "ylim": [b0, b1],
        }
    return layout


def _map_base(
    year: int, geo: Mapping, main: pd.DataFrame, papi_years: list[int], totals: pd.DataFrame
) -> dict:
    """The year's choropleth without words or a highlighted province, rendered once: ``map_base.png``
    and its layout (``map_base.json``: the axes of the mainland, of the inset and of the colour bar,
    and where the bar's label goes), so that a report draws its province, title and labels on top, in
    its language, pixel for pixel."""
    if year not in papi_years or not geo.get("provinces"):
        return {"map_base.png": b"", "map_base.json": {}}
    from matplotlib.colors import Normalize
    from matplotlib.ticker import MaxNLocator

    from parlib.sections.figures import _choropleth, _offshore

    values = main[(main["component"] == "total") & (main["year"] == year)]
    values = pd.Series(values["value"].to_numpy(), index=values["province_id"].astype(str))
    rings = _decode_rings(geo)
    layout = _map_layout(rings)
    near, far = _offshore(rings)
    norm = Normalize(float(values.min()), float(values.max()))
    fig = _figure(MAP_SIZE)
    ax = fig.add_axes(layout["position"])
    coll = _choropleth(near, values, ax=ax, norm=norm, fit=False)
    ax.set_xlim(*layout["xlim"])
    ax.set_ylim(*layout["ylim"])
    if far:
        inset = fig.add_axes(layout["inset"]["position"])
        _choropleth(far, values, ax=inset, norm=norm, fit=False, edges="face")
        inset.set_xlim(*layout["inset"]["xlim"])
        inset.set_ylim(*layout["inset"]["ylim"])
        inset.set_axis_on()  # a frame, no ticks
        inset.set_xticks([])
        inset.set_yticks([])
        for spine in inset.spines.values():
            spine.set_color("0.6")
    cax = fig.add_axes(layout["colorbar"])
    if coll is not None:
        bar = fig.colorbar(coll, cax=cax)
        bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole numbers: the same in every language
        bar.ax.tick_params(labelsize=9)
    renderer = fig._get_renderer()
    edge = cax.get_tightbbox(renderer).transformed(fig.transFigure.inverted()).x1
    layout["colorbar_label"] = [
        float(edge) + 0.06 / MAP_SIZE[0],
        layout["colorbar"][1] + layout["colorbar"][3] / 2,
    ]
    png = Chart(fig, f"map {year}").png()
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
