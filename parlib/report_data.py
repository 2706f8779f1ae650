"""Data for the report notebooks: computed once per year, cached, then loaded section by section.

``prepare(year)`` does the heavy work once (index scores and province cards, the national
driver -> outcome regressions, the simplified map geometry) and writes small files into
``config.processed_dir()/report_cache/<year>/<key>/``; the notebooks then only load and draw.
``<key>`` is the sha256 of what the cache is made from (``cache_inputs``: the content of the
current panel generation, of the boundary file and of the code that computes the cache), so
freshness is decided by content alone: new inputs mean a new folder, the same inputs the same
folder, whatever the file times. A folder is written whole to a temporary name and renamed into
place with its manifest (``build.json``: key and sha256 of every file); a loader that finds no
intact folder for the current inputs calls ``prepare()`` itself.

Loaders, one per report section, take any spelling of a province and return objects that display
themselves in a notebook and print as plain text elsewhere: ``Prose`` (Markdown), ``Chart`` (a
PNG rendered from a matplotlib figure that pyplot does not track, so it shows once and the
same way under any matplotlib backend), ``Section`` (several of those). A year or an index
without data gives a one-line ``Prose`` instead of an error. Sentences are generated from the
numbers; nothing is written by hand for a province.

Import cost: numpy, pandas and parlib.provinces at import; matplotlib when a chart is drawn;
parlib.indices and parlib.models only inside ``prepare()`` and the drivers-notebook helpers.
Never seaborn or statsmodels (``tests/test_notebooks.py`` checks the report kernel).

The drivers notebook (notebooks/templates/drivers_regression.ipynb) fits its own model:
``fit_drivers()`` and the section helpers at the end of this module present one ModelResult.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from parlib import config, provinces
from parlib.record import jsonable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from parlib.models import ModelResult

CACHE_FORMAT = 4
"""Bumped when the cache layout changes: an older manifest counts as stale."""

CACHE_DIRNAME = "report_cache"
MANIFEST = "build.json"
"""The cache folder's manifest (parlib.store): its inputs key and the sha256 of every file."""
CACHE_FILES = (
    "meta.json",
    "cards.json",
    "provinces.json",
    "papi.parquet",
    "papi_sub.parquet",
    "national.parquet",
    "drivers.json",
    "drivers_table.parquet",
    "drivers_within.parquet",
    "drivers_coef.png",
    "map.json",
    "map_base.png",
    "map_base.json",
)
"""The files of one year's cache, besides the manifest."""

GEOJSON = "CS571_Project/data/Vietnam_provinces.geojson"
"""Registry name of the province boundaries (properties ``Name`` -> provinces.normalize)."""

MAP_TOLERANCE = 0.01
"""Douglas-Peucker tolerance in degrees (about 1 km) for the stored map rings."""

NATIONAL_DRIVER = "papi_egov_portal_access"
NATIONAL_OUTCOMES = ("papi_admin_procedures", "papi_public_services", "papi_control_of_corruption")
NATIONAL_SPEC: dict[str, Any] = {
    "years": (2018, 2024),
    "lag": 1,
    "fe": ("province", "year"),
    "cluster": "province",
    "inference": ("cr1", "wild", "ri"),
    "n_boot": 9999,
    "n_perm": 5000,
    "seed": 20251,
}
"""The national driver -> outcome specification of notebooks/exploratory/3.1 (Holm/BH across outcomes)."""

INDEX_NAMES = {"PAPI": "PAPI", "PCI": "PCI", "SIPAS": "SIPAS", "PAR_INDEX": "PAR INDEX"}
DPI = 96
PNG_OPTIONS = {"compress_level": 1}
"""Fast PNG compression: level 6 (the default) costs about 3x the time for files only ~3% smaller."""


# --------------------------------------------------------------------------- display objects


class Prose:
    """Generated text: Markdown in a notebook, plain text (``plain``, default the Markdown) elsewhere."""

    def __init__(self, markdown: str, plain: str | None = None) -> None:
        self.markdown = markdown.strip()
        self.plain = (plain if plain is not None else markdown).strip()

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.plain

    __str__ = __repr__


class Chart:
    """A matplotlib figure shown as one PNG; ``ax``/``axes``/``figure`` give access to it.

    The figure is a bare ``matplotlib.figure.Figure`` (not registered with pyplot), so the inline
    backend does not show it a second time and a non-interactive backend (MPLBACKEND=Agg) still
    shows it. The plain-text form is a stable one-line description (no sizes or addresses). The
    loaders lay their figures out by hand: ``bbox_inches="tight"`` would draw every figure twice.
    """

    def __init__(self, figure: Figure, description: str) -> None:
        self.figure = figure
        self.description = description

    @property
    def axes(self) -> list:
        return list(self.figure.axes)

    @property
    def ax(self):
        return self.figure.axes[0]

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs=PNG_OPTIONS)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def save(self, path: str | Path) -> Path:
        """Write the figure (format from the suffix)."""
        self.figure.savefig(path, dpi=DPI, facecolor="white")
        return Path(path)

    def __repr__(self) -> str:
        return f"[figure: {self.description}]"


class Image:
    """A PNG rendered once by ``prepare()`` and stored in the cache (shown as is)."""

    def __init__(self, png: bytes, description: str) -> None:
        self.data = png
        self.description = description

    def _repr_png_(self) -> bytes:
        return self.data

    def __repr__(self) -> str:
        return f"[figure: {self.description}]"


class Section:
    """Several display objects shown one after the other (``parts``)."""

    def __init__(self, *parts: Prose | Chart | Image) -> None:
        self.parts = [p for p in parts if p is not None]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for part in self.parts:
            display(part)

    def __iter__(self):
        return iter(self.parts)

    def __repr__(self) -> str:
        return "\n\n".join(repr(p) for p in self.parts)


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size)


# --------------------------------------------------------------------------- the cache


CACHE_CODE = [
    "report_data.py", "record.py", "provinces.py", "sources/papi.py", "indices/*.py", "models/*.py",
    "data/*.csv",
]  # fmt: skip
"""parlib's files whose change makes a report cache stale."""

LOCK = ".prepare.lock"


def _year_root(year: int) -> Path:
    return config.processed_dir() / CACHE_DIRNAME / str(_year(year))


def cache_inputs(year: int) -> dict[str, Any] | None:
    """What a year's cache is made from, by content; None while no panel is built.

    The current build's key (the sha256 of every raw file it read and of its code), the sha256
    of its files, of the boundary file and of the code that computes the cache, and the cache
    format and national specification.
    """
    from parlib import store
    from parlib.freshness import code_hashes, sha256_file

    try:
        gen = store.current()
    except store.DamagedBuildError:
        return None
    if gen is None:
        return None
    geo = config.raw_dir() / GEOJSON
    return {
        "format": CACHE_FORMAT,
        "year": _year(year),
        # the build's key covers every raw file it read (the published tables that parlib.indices
        # reads again, such as point_figures.csv, among them); the files, what was built from them
        "build": gen.key,
        "panel": dict(gen.manifest.get("files", {})),
        "geojson": sha256_file(geo) if geo.is_file() else None,
        "code": code_hashes(CACHE_CODE),
        "national_spec": jsonable(NATIONAL_SPEC),
    }


def _key(year: int) -> str | None:
    from parlib.freshness import sha256_json

    inputs = cache_inputs(year)
    return None if inputs is None else sha256_json(inputs)


def cache_dir(year: int) -> Path:
    """data/processed/report_cache/<year>/<key>/ for the current inputs (not created).

    The folder is named by the sha256 of its inputs (``cache_inputs``), so a folder, once
    complete, never changes: new inputs give a new folder.
    """
    key = _key(year)
    return _year_root(year) / (key[:16] if key else "unbuilt")


def _year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, (int, np.integer, str)):
        raise TypeError(f"year must be an integer (got {year!r})")
    try:
        return int(year)
    except ValueError:
        raise ValueError(f"year must be an integer (got {year!r})") from None


_VERIFIED: set[tuple[str, str]] = set()
"""(folder, key) pairs this process has verified: a complete key folder never changes."""


def is_fresh(year: int) -> bool:
    """True when the cache of the current inputs exists and its files match its manifest (sha256)."""
    from parlib import store

    key = _key(year)
    if key is None:
        return False
    directory = _year_root(year) / key[:16]
    if (str(directory), key) in _VERIFIED and (directory / MANIFEST).is_file():
        return True  # verified earlier in this process, and not removed since
    try:
        manifest = store.read_manifest(directory / MANIFEST, "")
        if manifest.get("key") != key or set(manifest.get("files", {})) != set(CACHE_FILES):
            return False
        store.verify_folder(directory, manifest, "")
    except store.DamagedBuildError:
        return False
    _VERIFIED.add((str(directory), key))
    return True


def _bytes(name: str, value: Any) -> bytes:
    """A cache file's content: JSON text, PNG bytes or parquet (deterministic for equal values)."""
    if name.endswith(".json"):
        text = json.dumps(jsonable(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        return text.encode()
    if name.endswith(".png"):
        return bytes(value)
    buffer = io.BytesIO()
    value.to_parquet(buffer, index=False)
    return buffer.getvalue()


def prepare(year: int, *, force: bool = False) -> Path:
    """Compute and cache everything the report notebooks of ``year`` load; return the cache folder.

    The panel is brought up to date first (parlib.panel: rebuilt when a raw file or the code
    changed). A no-op (nothing written) when the cache of these inputs exists and is intact;
    ``force`` rebuilds it. Concurrent calls take turns on a lock and the later ones find the
    earlier's cache. A year without PAPI (e.g. 2010) is cached too: its loaders say so in one line.
    """
    from parlib import atomic, fetch, store
    from parlib.panel import is_stale, load_panel

    year = _year(year)
    if is_stale():
        load_panel()  # rebuilds observations and panel when the raw files or readers changed
    if (config.raw_dir() / GEOJSON).is_file():
        fetch.verify([GEOJSON])  # the map reads it: a changed boundary file is refused like any raw file
    if not force and is_fresh(year):
        return cache_dir(year)
    root = atomic.make_dir(_year_root(year))
    with atomic.lock(root / LOCK, f"preparing the {year} report cache"):
        atomic.sweep(root)
        if not force and is_fresh(year):
            return cache_dir(year)
        key = _key(year)
        panel = load_panel(rebuild=False)
        files = _build(year, panel, key)
        manifest = {"key": key, "year": year, "inputs": cache_inputs(year), "parlib_version": _version()}
        payload = {name: _bytes(name, value) for name, value in files.items()}
        folder = store.write_folder(root, key[:16], payload, manifest)
        store.prune(root, keep={folder})
        _VERIFIED.clear()
    return folder


def _version() -> str:
    from parlib import __version__

    return __version__


def _describe_years(years: Iterable[int]) -> str:
    from parlib.indices.result import describe_years

    return describe_years(years)


def _build(year: int, panel: pd.DataFrame, stamp: str) -> dict[str, Any]:
    from parlib.indices import card
    from parlib.sources import papi as papi_source

    results = card.results()  # cached per build key
    cards = {}
    for pid in provinces.provinces("63", year).index:  # the provinces in force that year
        c = card.card(pid, year, scored=results)
        cards[pid] = {**c.to_dict(), "lines": c.lines()}
    table = results["PAPI"].table
    keep = ["province_id", "year", "component", "level", "label", "value", "unit", "method_era", "rank"]
    keep += [
        "rank_of",
        "tier",
        "previous_value",
        "previous_rank",
        "value_change",
        "rank_change",
        "comparable",
    ]
    papi = table[table["value"].notna()][keep].copy()
    papi["comparable"] = papi["comparable"].astype("boolean")
    papi["year"] = papi["year"].astype("int64")
    papi = papi.reset_index(drop=True)
    national = (
        papi.groupby(["year", "component"])["value"]
        .agg(median="median", mean="mean", low="min", high="max", n="size")
        .reset_index()
    )
    totals = papi[papi["component"] == "total"]
    eras = totals.groupby("year")["method_era"].first()
    breaks = [int(y) for y, prev in zip(eras.index[1:], eras.to_numpy()[:-1], strict=True) if eras[y] != prev]
    # What the notebook reads, small and categorical (fast to load): totals and dimensions of every
    # year, and the sub-dimensions of the report year only. Labels, units and eras go to meta.json.
    small = ["province_id", "year", "component", "level", "value", "rank", "rank_of", "tier"]
    small += ["previous_rank", "value_change", "rank_change", "comparable"]
    main = papi[papi["level"].isin(["total", "dimension", "common_core"])][small]
    subs = papi[(papi["level"] == "subdimension") & (papi["year"] == year)][small]
    categories = {c: "category" for c in ("province_id", "component", "level", "tier")}
    main = main.astype(categories).reset_index(drop=True)
    subs = subs.astype(categories).reset_index(drop=True)
    codebook = papi_source.CODEBOOK
    dimensions = codebook.loc[codebook["parent"] == "total", "component"].tolist()
    info = {
        pid: {
            "name_vi": row["name_vi"],
            "name_en": row["name_en"],
            "slug": row["slug"],
            "region": row["region"],
            "unit_34_id": provinces.to_34(pid),
        }
        for pid, row in provinces.PROVINCES_63.iterrows()
    }
    for entry in info.values():
        entry["unit_34_name"] = provinces.PROVINCES_34.loc[entry["unit_34_id"], "name_vi"]
    papi_years = sorted(int(y) for y in totals["year"].unique())
    meta = {
        "year": year,
        "papi_years": papi_years,
        "papi_coverage": _describe_years(papi_years),
        "papi_breaks": breaks,
        "papi_units": totals.groupby("year")["unit"].first().to_dict(),
        "dimensions": dimensions,
        "labels": codebook.set_index("component")["label_en"].to_dict(),
        "regions": provinces.REGIONS,
        "in_force": sorted(provinces.provinces("63", year).index),
    }
    drivers_meta, drivers_table, drivers_within = _national_models(stamp)
    return {
        "meta.json": meta,
        "cards.json": cards,
        "provinces.json": info,
        "papi.parquet": main,
        "papi_sub.parquet": subs,
        "national.parquet": national,
        "drivers.json": drivers_meta,
        "drivers_table.parquet": drivers_table,
        "drivers_within.parquet": drivers_within,
        "map.json": _map_rings(stamp),
        **_map_base(year, _map_rings(stamp), main, papi_years, totals),
        "drivers_coef.png": _drivers_coef_png(drivers_meta, drivers_table),
    }


@lru_cache(maxsize=2)
def _national_models(stamp: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The 3.1 specification fitted once per process and panel: (meta, fit_family table, within data)."""
    from parlib.errors import ParlibError
    from parlib.models import fit_family
    from parlib.panel import load_panel
    from parlib.sources.papi import CODEBOOK

    empty_within = pd.DataFrame(
        {"outcome": [], "province_id": [], "year": [], "outcome_within": [], "driver_within": []}
    )
    try:
        family = fit_family(
            load_panel(rebuild=False), list(NATIONAL_OUTCOMES), [NATIONAL_DRIVER], **NATIONAL_SPEC
        )
    except ParlibError as exc:  # e.g. a panel without the driver: the section says so in one line
        return {"error": str(exc)}, pd.DataFrame({"outcome": [], "term": []}), empty_within
    labels = CODEBOOK.set_index("component")["label_en"].to_dict()
    outcomes, frames = {}, []
    for outcome, res in family.results.items():
        within = res.within()
        driver = res.drivers[0]
        frames.append(
            within.rename(columns={outcome: "outcome_within", driver: "driver_within"}).assign(
                outcome=outcome
            )
        )
        outcomes[outcome] = {
            "label": labels.get(outcome.removeprefix("papi_"), outcome),
            "slope": within.attrs["slope"],
            "n_obs": res.spec["n_obs"],
            "n_provinces": res.spec["n_provinces"],
            "n_years": res.spec["n_years"],
            "first_year": res.spec["first_year"],
            "last_year": res.spec["last_year"],
            "n_dropped": len(res.dropped),
            "notes": res.notes,
            "label_spec": res.spec["label"],
        }
    term = family.results[NATIONAL_OUTCOMES[0]].drivers[0]
    meta = {
        "driver": NATIONAL_DRIVER,
        "driver_label": labels.get(NATIONAL_DRIVER.removeprefix("papi_"), NATIONAL_DRIVER),
        "term": term,
        "outcomes": outcomes,
        "spec": NATIONAL_SPEC,
    }
    within = pd.concat(frames, ignore_index=True)[list(empty_within.columns)]
    return meta, family.table.reset_index(drop=True), within


def _drivers_coef_png(meta: dict, table: pd.DataFrame) -> bytes:
    """The national coefficient plot (the same in every report), rendered once."""
    if "error" in meta:
        return b""
    from parlib import plots

    rows = table[table["term"] == meta["term"]]
    labels = {o: textwrap.fill(info["label"], 24) for o, info in meta["outcomes"].items()}
    fig = _figure((8.0, 4.3))
    fig.subplots_adjust(left=0.24, right=0.97, bottom=0.3, top=0.92)
    ax = fig.add_subplot()
    plots.coef_plot(rows.assign(outcome=rows["outcome"].map(labels)), ax=ax, annotate="p_holm")
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.2), ncols=2, fontsize=8, frameon=False)
    ax.set_xlabel("points of the outcome per point of the driver (95% interval)", fontsize=8)
    ax.set_title("National estimates by inference method, Holm-adjusted p", fontsize=10, loc="left")
    return Chart(fig, "coefficient plot").png()


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


# --------------------------------------------------------------------------- reading the cache


def _ensure(year: int) -> Path:
    """The cache folder of the current inputs, prepared first when missing or damaged."""
    return cache_dir(year) if is_fresh(year) else prepare(year)


@lru_cache(maxsize=64)
def _read(path: str) -> Any:
    """A cache file's content; cached by path, which names its content (key folders never change)."""
    if path.endswith(".json"):
        return json.loads(Path(path).read_text("utf-8"))
    if path.endswith(".png"):
        return Path(path).read_bytes()
    return pd.read_parquet(path)


def _file(year: int, name: str) -> Any:
    return _read(str(_ensure(year) / name))


def _pid(province: object) -> str:
    return provinces.normalize(province, "63")


def _meta(year: int) -> dict:
    return _file(year, "meta.json")


def _card(province: object, year: int) -> dict:
    return _file(year, "cards.json")[_pid(province)]


def _name(pid: str, year: int) -> str:
    return _file(year, "provinces.json")[pid]["name_vi"]


def _region_label(key: str) -> str:
    return provinces.REGIONS.get(key, key).split(" (")[0]


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def _fmt(value: float, digits: int = 2) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.{digits}f}"


def _places(change: float) -> str:
    if not math.isfinite(change) or change == 0:
        return "same rank" if change == 0 else ""
    n = abs(int(change))
    return f"{'up' if change > 0 else 'down'} {n} place{'s' if n != 1 else ''}"


def _no_papi(year: int, what: str) -> Prose | None:
    meta = _meta(year)
    if year in meta["papi_years"]:
        return None
    return Prose(f"PAPI has no scores for {year} (the survey covers {meta['papi_coverage']}): {what}.")


def report_years() -> list[int]:
    """The years a province report can be made for: the PAPI survey years in the panel."""
    from parlib.panel import load_panel

    panel = load_panel()
    return sorted(int(y) for y in panel.loc[panel["papi_total"].notna(), "year"].unique())


def latest_year() -> int:
    """The latest PAPI year in the panel."""
    return report_years()[-1]


# --------------------------------------------------------------------------- report sections


def title(province: object, year: int) -> Prose:
    """The report heading: name, year, region and the 34-unit province it belongs to from July 2025."""
    year = _year(year)
    c = _card(province, year)
    merged = provinces.from_34(c["unit_34_id"])
    if len(merged) > 1:
        others = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in merged if p != c["province_id"]]
        unit = f"from 1 July 2025 part of the new province of {c['unit_34_name']} (with {', '.join(others)})"
    else:
        unit = f"from 1 July 2025 it continues as a province ({c['unit_34_name']})"
    text = (
        f"## {c['name_vi']} ({c['name_en']}), {year}\n\n"
        f"{_region_label(c['region'])} region; GSO code {c['province_id']}; {unit}."
    )
    return Prose(text)


def _score_cell(facts: dict) -> str:
    unit = facts.get("unit") or ""
    value = _num(facts.get("value"))
    if unit == "percent":
        return f"{_fmt(value, 1)}%"
    if unit.startswith("points (") and unit.endswith(")"):
        return f"{_fmt(value)} (scale {unit[8:-1]})"
    return f"{_fmt(value)} {unit}".strip()


def _change_cell(facts: dict, year: int) -> str:
    change = _num(facts.get("value_change"))
    if not math.isfinite(change):
        return "no score the year before"
    text = f"{change:+.2f}"
    places = _places(_num(facts.get("rank_change")))
    text += f", {places}{_in_source(facts)}" if places else ""
    if facts.get("comparable") is False:
        text += " (across a method change: not comparable)"
    return text


def _in_source(facts: dict) -> str:
    """Return ' in parlib's source' when the province's rank among PAPI's N is not its rank there."""
    rank = _num(facts.get("rank"))
    bounds = (_num(facts.get("published_rank_min")), _num(facts.get("published_rank_max")))
    return "" if all(not math.isfinite(b) or b == rank for b in bounds) else " in parlib's source"


def _rank_cell(facts: dict) -> str:
    """'13 of 61'; '29 of 63 (29 of the 61 in parlib's source)' when PAPI ranked more than the source has."""
    rank = _num(facts.get("rank"))
    if not math.isfinite(rank):
        return "not ranked"
    n, published = int(_num(facts.get("rank_of"))), _num(facts.get("published_rank_of"))
    if not math.isfinite(published) or int(published) <= n:
        return f"{int(rank)} of {n}"
    low, high = _num(facts.get("published_rank_min")), _num(facts.get("published_rank_max"))
    low = int(low) if math.isfinite(low) else int(rank)
    high = int(high) if math.isfinite(high) else int(rank) + int(published) - n
    shown = f"{low}" if low == high else f"{low}-{high}"
    return f"{shown} of {int(published)} ({int(rank)} of the {n} in parlib's source)"


def _tier_cell(facts: dict) -> str:
    """The tier, with '(computed over the 61 ...)' when it is not PAPI's own banding."""
    tier = facts.get("tier")
    if not tier:
        return "-"
    if (facts.get("tier_text") or f"{tier} tier") == f"{tier} tier":
        return tier
    n, published = int(_num(facts.get("rank_of"))), _num(facts.get("published_rank_of"))
    if math.isfinite(published) and int(published) > n:
        return f"{tier} (computed over the {n} in parlib's source; PAPI grouped {int(published)})"
    return f"{tier} (computed over the {n} scored)"


def _rank_of(facts: dict, year: int, rank: float, rank_of: float) -> str:
    """'12 of 61 (2022)'; '2 of 61 in parlib's source (2024; PAPI ranked 63)' in a year PAPI ranked more."""
    by_year = facts.get("published_rank_of_by_year") or {}
    published = by_year.get(str(year), by_year.get(year))
    if published is not None and int(published) > int(rank_of):
        return f"{int(rank)} of {int(rank_of)} in parlib's source ({year}; PAPI ranked {int(published)})"
    return f"{int(rank)} of {int(rank_of)} ({year})"


def _source_gap(pid: str, year: int) -> str:
    """' in parlib's source (PAPI ranked 63, as published)' for a province the source lacks, else ''."""
    facts = _card(pid, year)["facts"]["PAPI"]
    if facts.get("available") or _name(pid, year) not in (facts.get("missing_from_source") or []):
        return ""
    return f" in parlib's source (PAPI ranked {int(_num(facts['published_rank_of']))}, as published)"


def glance(province: object, year: int) -> Prose:
    """The province card: a table of the indices with data, then one sentence per index."""
    year = _year(year)
    c = _card(province, year)
    available = {k: f for k, f in c["facts"].items() if f["available"]}
    lines: list[str] = []
    plain = [f"{c['name_vi']} in {year} at a glance"]
    if available:
        lines += [f"| Index | Score | Rank | Tier | Change since {year - 1} |", "|---|---|---|---|---|"]
        for key, f in available.items():
            row = [INDEX_NAMES.get(key, key), _score_cell(f), _rank_cell(f), _tier_cell(f),
                   _change_cell(f, year)]  # fmt: skip
            lines.append("| " + " | ".join(row) + " |")
            plain.append("  ".join(row))
        lines.append("")
    else:
        lines += [f"No index has a score for {c['name_vi']} in {year}.", ""]
        plain.append(lines[-2])
    for sentence in c["lines"]:
        for key, shown in INDEX_NAMES.items():
            if sentence.startswith(f"{key} "):
                sentence = shown + sentence[len(key) :]
        sentence = sentence if sentence.endswith(".") else sentence + "."
        lines.append(f"- {sentence}")
        plain.append(f"- {sentence}")
    return Prose("\n".join(lines), "\n".join(plain))


def _papi_component(year: int, component: str) -> pd.DataFrame:
    papi = _file(year, "papi.parquet")
    return papi[papi["component"] == component]


def _medians(year: int, component: str = "total") -> pd.Series:
    national = _file(year, "national.parquet")
    rows = national[national["component"] == component]
    return rows.set_index("year")["median"]


def trajectory(province: object, year: int) -> Section | Prose:
    """The PAPI total over the survey years against the national median and the region's provinces."""
    from parlib import plots

    year = _year(year)
    missing = _no_papi(year, "no trajectory to show")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    totals = _papi_component(year, "total")
    mine = totals[totals["province_id"] == pid].set_index("year").sort_index()
    if mine.empty:
        return Prose(f"{name} has no PAPI total in any year.")
    info = _file(year, "provinces.json")
    region = info[pid]["region"]
    peers = [p for p, row in info.items() if row["region"] == region and p != pid]
    meta = _meta(year)
    fig = _figure((9.0, 4.2))
    fig.subplots_adjust(left=0.08, right=0.73, bottom=0.13, top=0.9)
    ax = fig.add_subplot()
    plots.trajectory(
        totals.loc[totals["province_id"].isin([pid, *peers]), ["province_id", "year", "value"]],
        pid,
        median=_medians(year),
        peers=peers,
        year=year if year in mine.index else None,
        breaks=meta["papi_breaks"],
        ax=ax,
        ylabel="PAPI total (6-60 to 2017, 8-80 from 2018)",
    )
    ax.set_title(f"{name}: PAPI total {mine.index.min()}-{mine.index.max()}", fontsize=10, loc="left")
    chart = Chart(fig, f"PAPI total of {name} by year, national median, {len(peers)} provinces of its region")

    medians = _medians(year).reindex(mine.index)
    above = int((mine["value"] > medians).sum())
    best, worst = mine["rank"].idxmin(), mine["rank"].idxmax()
    facts = _card(pid, year)["facts"]["PAPI"]
    text = (
        f"{name} was above the national median in {above} of its {len(mine)} PAPI years "
        f"({mine.index.min()}-{mine.index.max()}). Its best rank was "
        f"{_rank_of(facts, best, mine.loc[best, 'rank'], mine.loc[best, 'rank_of'])}, its lowest "
        f"{_rank_of(facts, worst, mine.loc[worst, 'rank'], mine.loc[worst, 'rank_of'])}."
    )
    this_year = totals[(totals["year"] == year) & totals["province_id"].isin([pid, *peers])]
    if pid in set(this_year["province_id"]):
        order = this_year.sort_values("value", ascending=False)["province_id"].tolist()
        gap = facts.get("missing_from_source") or []
        regional = [_name(p, year) for p in peers if p not in set(this_year["province_id"])]
        which = f"{len(order)} scored provinces of the {_region_label(region)} region"
        if set(regional) & set(gap):
            which = f"{len(order)} provinces of the {_region_label(region)} region in parlib's source"
        text += f" In {year} it had the {_ordinal(order.index(pid) + 1)}highest total of the {which}."
    else:
        text += f" It has no PAPI total for {year}{_source_gap(pid, year)}."
    text += (
        f" PAPI changed its method in {_and(meta['papi_breaks'])} (dotted lines): compare levels within a "
        "period, not across a change."
    )
    return Section(chart, Prose(text))


def _ordinal(n: int) -> str:
    """'' for 1 ('the highest'), '2nd-' ... for the others ('the 2nd-highest')."""
    if n == 1:
        return ""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}-"


def _and(items: Iterable[object]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _dimensions(year: int, pid: str) -> pd.DataFrame:
    """The province's dimension rows for ``year`` in publication order, with national figures."""
    meta = _meta(year)
    papi = _file(year, "papi.parquet")
    rows = papi[(papi["year"] == year) & (papi["province_id"] == pid) & (papi["level"] == "dimension")]
    order = {c: i for i, c in enumerate(meta["dimensions"])}
    component = rows["component"].astype(str)
    rows = rows.assign(order=component.map(order), label=component.map(meta["labels"])).sort_values("order")
    national = _file(year, "national.parquet")
    national = national[national["year"] == year].set_index("component")
    return rows.join(national[["median", "low", "high"]], on="component")


def profile(province: object, year: int) -> Section | Prose:
    """The PAPI dimension scores of the year against the national median and range."""
    from parlib import plots

    year = _year(year)
    missing = _no_papi(year, "no dimension profile")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    dims = _dimensions(year, pid)
    if dims.empty:
        return Prose(f"{name} has no PAPI dimension scores for {year}{_source_gap(pid, year)}.")
    labels = dims["label"].tolist()
    height = 1.3 + 0.42 * len(dims)
    fig = _figure((9.0, height))
    fig.subplots_adjust(left=0.36, right=0.97, bottom=0.55 / height, top=1 - 0.55 / height)
    ax = fig.add_subplot()
    plots.profile(pd.Series(dims["value"].to_numpy(), index=labels),
                  median=pd.Series(dims["median"].to_numpy(), index=labels),
                  low=pd.Series(dims["low"].to_numpy(), index=labels),
                  high=pd.Series(dims["high"].to_numpy(), index=labels),
                  ax=ax, xlabel="dimension score (1-10)", label=name, xlim=(0, 10))  # fmt: skip
    chart = Chart(fig, f"PAPI dimension scores of {name} in {year} against the national median")
    gap = dims["value"] - dims["median"]
    above = int((gap > 0).sum())
    top, bottom = dims.loc[gap.idxmax()], dims.loc[gap.idxmin()]
    text = f"In {year} {name} scored above the national median on {above} of the {len(dims)} dimensions."
    if gap.max() > 0:
        text += f" Furthest above: {top['label']} ({top['value']:.2f} against {top['median']:.2f})."
    if gap.min() < 0:
        text += f" Furthest below: {bottom['label']} ({bottom['value']:.2f} against {bottom['median']:.2f})."
    best = dims.sort_values("rank").iloc[0]
    text += (
        f" Its best-ranked dimension is {best['label']} (rank {int(best['rank'])} of {int(best['rank_of'])})."
    )
    national = _file(year, "national.parquet")
    scored = national[(national["year"] == year) & national["component"].isin(_meta(year)["dimensions"])]
    unscored = sorted(set(scored["component"]) - set(dims["component"].astype(str)))
    if unscored:
        labels = [_meta(year)["labels"].get(c, c) for c in unscored]
        text += f" No score for {year} in {_and(labels)}."
    return Section(chart, Prose(text))


def movers(province: object, year: int) -> Prose:
    """What moved most since the year before: the total, a table of the dimensions, the sub-dimensions."""
    year = _year(year)
    missing = _no_papi(year, "nothing to compare")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    facts = _card(pid, year)["facts"]["PAPI"]
    if not facts["available"]:
        return Prose(
            f"{name} has no PAPI total for {year}{_source_gap(pid, year)}, so there is no change to report."
        )
    if year - 1 not in _meta(year)["papi_years"]:
        return Prose(f"{year} is the first PAPI year: there is no earlier year to compare with.")
    if facts.get("comparable") is False:
        return Prose(
            f"PAPI changed its method between {year - 1} and {year}: the scores of the two years are not "
            "comparable, so changes are not shown."
        )
    change = _num(facts["value_change"])
    if not math.isfinite(change):
        return Prose(f"{name} has no PAPI total for {year - 1}, so there is no change to report.")
    rank, previous = int(_num(facts["rank"])), int(_num(facts["rank"]) + _num(facts["rank_change"]))
    verb = "rose" if change > 0 else "fell" if change < 0 else "was unchanged"
    amount = f" by {abs(change):.2f} points" if change else ""
    places = _places(_num(facts["rank_change"]))
    lines = [
        f"Compared with {year - 1}, {name}'s PAPI total {verb}{amount} "
        f"({_fmt(_num(facts['previous_value']))} to {_fmt(_num(facts['value']))}), and its rank"
        f"{_in_source(facts)} went from {previous} to {rank} ({places}).",
        "",
    ]
    dims = _dimensions(year, pid)
    dims = dims[dims["comparable"].fillna(False).astype(bool) & dims["value_change"].notna()]
    if dims.empty:
        return Prose("\n".join(lines))
    dims = dims.sort_values("value_change", ascending=False)
    up, down = dims[dims["value_change"] > 0], dims[dims["value_change"] < 0]
    summary = f"Of the {len(dims)} dimensions, {len(up)} improved and {len(down)} declined."
    if len(up):
        summary += f" The largest rise was in {up.iloc[0]['label']} ({up.iloc[0]['value_change']:+.2f})"
        summary += ";" if len(down) else "."
    if len(down):
        summary += f" the largest fall in {down.iloc[-1]['label']} ({down.iloc[-1]['value_change']:+.2f})."
    lines += [summary, "", f"| Dimension | {year - 1} | {year} | Change | Rank {year - 1} -> {year} |",
              "|---|--:|--:|--:|---|"]  # fmt: skip
    plain = [lines[0], summary]
    for _, row in dims.iterrows():
        before = _fmt(row["value"] - row["value_change"])
        ranks = (
            f"{int(row['previous_rank'])} -> {int(row['rank'])}" if pd.notna(row["previous_rank"]) else "-"
        )
        cells = [row["label"], before, _fmt(row["value"]), f"{row['value_change']:+.2f}", ranks]
        lines.append("| " + " | ".join(cells) + " |")
        plain.append("  ".join(cells))
    papi = _file(year, "papi_sub.parquet")
    subs = papi[papi["province_id"] == pid]
    subs = subs.assign(label=subs["component"].astype(str).map(_meta(year)["labels"]))
    subs = subs[subs["comparable"].fillna(False).astype(bool) & subs["value_change"].notna()]
    if len(subs):
        subs = subs.sort_values("value_change")
        fall, rise = subs.iloc[0], subs.iloc[-1]
        text = (
            f"Among the {len(subs)} sub-dimensions, the largest rise was in {rise['label']} "
            f"({rise['value_change']:+.2f}) and the largest fall in {fall['label']} "
            f"({fall['value_change']:+.2f})."
        )
        lines += ["", text]
        plain.append(text)
    return Prose("\n".join(lines), "\n".join(plain))


def map_(province: object, year: int) -> Section | Prose:
    """Vietnam's provinces shaded by the year's PAPI total, the province outlined in red.

    The shaded map is the same in every report of the year: ``prepare()`` renders it once and the
    report draws only its province's outline and name on top (same figure size, axes and limits).
    """
    from matplotlib.image import imread

    from parlib import plots

    year = _year(year)
    missing = _no_papi(year, "no map for this year")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    base, layout = _file(year, "map_base.png"), _file(year, "map_base.json")
    if not base:
        error = _file(year, "map.json").get("error", "")
        return Prose(f"No map: the province boundaries are not available ({error}).")
    fig = _figure(tuple(layout["size"]))
    fig.set_dpi(layout["dpi"])
    fig.figimage(imread(io.BytesIO(base)), 0, 0, origin="upper", zorder=0)
    ax = fig.add_axes(layout["position"], zorder=1)  # above the image
    ax.set_xlim(*layout["xlim"])
    ax.set_ylim(*layout["ylim"])
    ax.set_axis_off()
    rings = _file(year, "map.json")["provinces"].get(pid)
    if rings:
        plots.outline_province(ax, [np.asarray(r, dtype=float).reshape(-1, 2) for r in rings], pid)
    chart = Chart(fig, f"map of the PAPI total {year} by province, {name} outlined")
    totals = _papi_component(year, "total")
    totals = totals[totals["year"] == year]
    totals = pd.Series(totals["value"].to_numpy(), index=totals["province_id"].astype(str))
    unscored = [_name(p, year) for p in _meta(year)["in_force"] if p not in totals.index]
    shades = "Yellow and green shades are higher totals, blue and purple lower."
    if not rings:
        text = f"{name} is not on the map of the 63 provinces. {shades}"
    elif pid in totals.index:
        facts = _card(pid, year)["facts"]["PAPI"]
        ranked = facts.get("rank_text") or f"rank {int(_num(facts['rank']))} of {int(_num(facts['rank_of']))}"
        text = f"{name} (outlined in red) scored {totals[pid]:.2f}, {ranked}. {shades}"
    else:
        text = f"{name} (outlined in red) has no PAPI total for {year}{_source_gap(pid, year)}. {shades}"
    if unscored:
        lacking = _card(pid, year)["facts"]["PAPI"].get("missing_from_source") or []
        if lacking:  # PAPI ranked them (as published); parlib's source has no score for them
            text += f" No score in parlib's source for {year} (grey, hatched): {_and(unscored)}."
        else:
            text += f" Not scored in {year} (grey, hatched): {_and(unscored)}."
    return Section(chart, Prose(text))


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def drivers_section(province: object, year: int | None = None) -> Section | Prose:
    """The national e-government access -> outcome estimates: sentences, then the coefficient plot and
    the within scatter of the outcome with the clearest association, this province's years marked.

    Year-independent (the cache of ``year``, default the latest PAPI year, is used).
    """
    from parlib import plots

    year = latest_year() if year is None else _year(year)
    meta = _file(year, "drivers.json")
    if "error" in meta:
        return Prose(f"The national estimates are not available: {meta['error']}.")
    pid = _pid(province)
    name = _name(pid, year)
    table = _file(year, "drivers_table.parquet")
    within = _file(year, "drivers_within.parquet")
    term, outcomes = meta["term"], meta["outcomes"]
    rows = table[table["term"] == term]
    cr1 = rows[rows["method"] == "cr1"].set_index("outcome")
    shown = str(cr1["p_holm"].idxmin())  # the clearest association gets the scatter
    info = outcomes[shown]

    coef = Image(
        _file(year, "drivers_coef.png"), f"national estimates of {term} on {len(outcomes)} PAPI outcomes"
    )
    fig = _figure((7.0, 4.6))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
    sub = fig.add_subplot()
    part = within[within["outcome"] == shown].rename(columns={"outcome_within": shown, "driver_within": term})
    has_rows = pid in set(part["province_id"])
    plots.within_scatter(
        part[["province_id", "year", shown, term]],
        term,
        shown,
        highlight=pid if has_rows else None,
        ax=sub,
        slope=info["slope"],
    )
    sub.set_title(f"{info['label']}: within-province changes", fontsize=9)
    sub.set_ylabel(f"{info['label']} (within)", fontsize=8)
    sub.set_xlabel(f"{meta['driver_label']}, previous year (within)", fontsize=8)
    chart = Chart(fig, f"within scatter of {info['label'].lower()}, {name} marked")

    first = next(iter(outcomes.values()))
    lines = [
        f"Across {first['n_provinces']} provinces and the outcome years {first['first_year']}-"
        f"{first['last_year']} ({first['n_obs']} province-years), one point more "
        f"{meta['driver_label'].lower()} in one year goes with the following differences the next year, "
        "comparing each province with its own average and with the national change of that year:",
        "",
    ]
    clear, agree = [], []
    for outcome, out in outcomes.items():
        row = cr1.loc[outcome]
        lines.append(
            f"- {out['label']}: {row['estimate']:+.2f} points (95% interval {row['conf_low']:.2f} to "
            f"{row['conf_high']:.2f}; p = {_p(row['p_value'])}, Holm-adjusted {_p(row['p_holm'])})."
        )
        if row["p_holm"] < 0.05:
            clear.append(out["label"].lower())
        ps = rows.loc[rows["outcome"] == outcome, "p_value"].dropna()
        agree.append(bool((ps < 0.05).all() or (ps >= 0.05).all()))
    lines.append("")
    n = len(outcomes)
    if clear and len(clear) < n:
        verdict = f"the association is distinguishable from zero for {' and '.join(clear)} only"
    elif clear:
        verdict = "the association is distinguishable from zero for every outcome"
    else:
        verdict = "no association is distinguishable from zero"
    methods = len(rows["method"].unique())
    consistency = (
        f"the {methods} inference methods agree at the 5% level for every outcome"
        if all(agree)
        else f"the {methods} inference methods disagree at the 5% level for {agree.count(False)} outcome(s)"
    )
    lines.append(f"After adjusting for testing {n} outcomes, {verdict}; {consistency} (first figure).")
    where = (
        f"{name}'s own years are marked in the scatter of {info['label'].lower()} (second figure), the "
        "outcome with the clearest association."
        if has_rows
        else f"{name} has no years in the estimation sample, so it is not marked in the scatter."
    )
    lines.append(
        f"These are national associations, not effects, and not estimates for {name}: the driver and the "
        "outcomes come from the same PAPI survey, and provinces that improve their portals may change "
        f"other things at the same time. {where}"
    )
    return Section(Prose("\n".join(lines)), coef, chart)


def key_facts(province: object, year: int) -> dict[str, Any]:
    """The report's key numbers for ``parlib.record`` and the runner's index page (None when missing).

    Keys: province_id, province, slug, year, papi_total, papi_rank, papi_rank_of, papi_tier,
    papi_value_change, papi_rank_change, papi_comparable, papi_national_median, pci_total, pci_rank,
    sipas_total, par_index_total, unit_34 (name of the July-2025 unit), unit_34_id; and for the
    ranks and tiers as PAPI published them: papi_rank_of_published (N, the provinces PAPI ranked,
    None where the published record has no N; it exceeds papi_rank_of, the provinces in parlib's
    source, in 2024), papi_rank_text ('rank 29 of 63 (PAPI ranked 63; 2 are missing ...)'),
    papi_tier_source ('published': PAPI's band sizes; 'computed': PAPI's quartile rule over the
    provinces in the source).
    """
    year = _year(year)
    c = _card(province, year)

    def fact(index: str, key: str, kind: Callable = float) -> Any:
        f = c["facts"].get(index)
        if not f or not f["available"] or f.get(key) is None:
            return None
        value = f[key]
        if kind is int:
            return int(value) if math.isfinite(_num(value)) else None
        return kind(value)

    return {
        "province_id": c["province_id"],
        "province": c["name_vi"],
        "slug": c["slug"],
        "year": year,
        "papi_total": fact("PAPI", "value"),
        "papi_rank": fact("PAPI", "rank", int),
        "papi_rank_of": fact("PAPI", "rank_of", int),
        "papi_tier": fact("PAPI", "tier", str),
        "papi_tier_source": fact("PAPI", "tier_source", str),
        "papi_rank_of_published": fact("PAPI", "published_rank_of", int),
        "papi_rank_text": fact("PAPI", "rank_text", str),
        "papi_value_change": fact("PAPI", "value_change"),
        "papi_rank_change": fact("PAPI", "rank_change", int),
        "papi_comparable": fact("PAPI", "comparable", bool),
        "papi_national_median": fact("PAPI", "national_median"),
        "pci_total": fact("PCI", "value"),
        "pci_rank": fact("PCI", "rank", int),
        "sipas_total": fact("SIPAS", "value"),
        "par_index_total": fact("PAR_INDEX", "value"),
        "unit_34": c["unit_34_name"],
        "unit_34_id": c["unit_34_id"],
    }


# --------------------------------------------------------------------------- drivers notebook


def _label(column: str) -> str:
    """'papi_control_of_corruption' -> 'Control of Corruption in the Public Sector' (else the name)."""
    if column.startswith("papi_"):
        from parlib.sources.papi import CODEBOOK

        labels = CODEBOOK.set_index("component")["label_en"].to_dict()
        base = column.removeprefix("papi_").split("_lag")[0]
        return labels.get(base, column)
    return column


def fit_drivers(
    outcome: str,
    drivers: str | Sequence[str],
    *,
    years: Sequence[int] | None = (2018, 2024),
    lag: int = 1,
    method: str | Sequence[str] = ("cr1", "wild", "ri"),
    seed: int = 20251,
    n_boot: int = 9999,
    n_perm: int = 5000,
) -> ModelResult:
    """Two-way fixed effects (province, year), clustered by province: ``parlib.models.fit`` on the panel.

    Takes the notebook's parameters as papermill passes them (lists, not tuples).
    """
    from parlib.models import fit
    from parlib.panel import load_panel

    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    method = [method] if isinstance(method, str) else list(method)
    span = None
    if years is not None:
        if len(years) != 2:
            raise ValueError(f"years must be [first, last] (got {years!r})")
        span = (int(years[0]), int(years[1]))
    result = fit(load_panel(), outcome, drivers, fe=("province", "year"), lag=int(lag), years=span,
                 inference=tuple(method), seed=int(seed), n_boot=n_boot, n_perm=n_perm)  # fmt: skip
    result.spec["requested_years"] = span
    result.spec["driver_columns"] = drivers
    return result


def specification(result: ModelResult) -> Prose:
    """The model in words: outcome, drivers, fixed effects, sample, inference."""
    s = result.spec
    inference = []
    for m in s["inference"]:
        if m == "cr1":
            inference.append(f"CR1 cluster-robust t with {s['n_provinces'] - 1} degrees of freedom")
        elif m == "wild":
            weights = s["weights"] if isinstance(s["weights"], str) else ", ".join(s["weights"])
            inference.append(
                f"wild cluster bootstrap ({weights} weights, null imposed, {s['n_boot']:,} draws, "
                f"seed {s['seed']})"
            )
        elif m == "ri":
            inference.append(
                f"randomisation inference (drivers permuted across provinces within year, {s['n_perm']:,} "
                f"permutations, seed {s['seed']})"
            )
    columns = s.get("driver_columns") or [d.split("_lag")[0] for d in result.drivers]
    drivers = ", ".join(f"`{c}` ({_label(c)})" for c in columns)
    lagged = ", ".join(f"`{d}`" for d in result.drivers)
    requested = s.get("requested_years")
    asked = f" (asked: {requested[0]}-{requested[1]})" if requested else ""
    if requested and tuple(requested) == (s["first_year"], s["last_year"]):
        asked = ""
    lines = [
        f"- **Outcome**: `{result.outcome}` ({_label(result.outcome)})",
        f"- **Drivers**: {drivers}, lagged {s['lag']} year{'s' if s['lag'] != 1 else ''}"
        + (f" ({lagged})" if s["lag"] else ""),
        f"- **Model**: {s['label']}; standard errors clustered by {s['cluster']}",
        f"- **Sample**: outcome years {s['first_year']}-{s['last_year']}{asked}, {s['n_obs']} "
        f"province-years, {s['n_provinces']} provinces; {len(result.dropped)} rows dropped (see below)",
        f"- **Inference**: {'; '.join(inference)}",
    ]
    return Prose("\n".join(lines))


def estimates(result: ModelResult) -> Prose:
    """The estimates table (one row per term and inference method), as Markdown."""
    lines = [
        "| Term | Method | Estimate | Std. error | 95% interval | p-value |",
        "|---|---|--:|--:|---|--:|",
    ]
    for _, r in result.table.iterrows():
        interval = (
            f"{r['conf_low']:.4f} to {r['conf_high']:.4f}" if pd.notna(r["conf_low"]) else "- (p-value only)"
        )
        se = f"{r['std_error']:.4f}" if pd.notna(r["std_error"]) else "-"
        lines.append(
            f"| {r['term']} | {r['method']} | {r['estimate']:.4f} | {se} | {interval} | {_p(r['p_value'])} |"
        )
    return Prose("\n".join(lines))


def summary(result: ModelResult) -> Prose:
    """``result.summary()`` as preformatted text."""
    text = result.summary()
    return Prose(f"```text\n{text}\n```", text)


def dropped(result: ModelResult) -> Prose:
    """The rows left out of the estimation sample, counted by reason with their years."""
    rows = result.dropped
    if rows.empty:
        return Prose(
            "No rows were dropped: every province-year in the range has the outcome and the drivers."
        )
    lines = [f"{len(rows)} province-years were left out:", "", "| Reason | Rows | Years | Provinces |",
             "|---|--:|---|--:|"]  # fmt: skip
    for reason, grp in rows.groupby("reason", sort=False):
        years = sorted(int(y) for y in grp["year"].unique())
        span = ", ".join(str(y) for y in years) if len(years) <= 4 else f"{years[0]}-{years[-1]}"
        lines.append(f"| {reason} | {len(grp)} | {span} | {grp['province_id'].nunique()} |")
    return Prose("\n".join(lines))


def coef_chart(result: ModelResult) -> Chart:
    """The coefficient plot of every term, one interval per inference method."""
    from parlib import plots

    n = result.table[["term"]].drop_duplicates().shape[0]
    fig = _figure((8.5, 1.6 + 0.8 * n))
    ax = fig.add_subplot()
    plots.coef_plot(result.table, ax=ax)
    ax.set_title(f"{result.outcome}: estimates by inference method", fontsize=10, loc="left")
    return Chart(fig, f"coefficient plot of {result.outcome} on {', '.join(result.terms)}")


def within_chart(result: ModelResult, highlight: object | None = None) -> Chart:
    """One within (partial) scatter per driver, ``highlight`` (a province) marked."""
    from parlib import plots

    fig = _figure((6.0 * len(result.drivers), 4.8))
    for k, driver in enumerate(result.drivers):
        ax = fig.add_subplot(1, len(result.drivers), k + 1)
        plots.within_scatter(result.within(driver), driver, result.outcome, highlight=highlight, ax=ax)
    return Chart(fig, f"within scatter of {result.outcome} on {', '.join(result.drivers)}")


def caveats(result: ModelResult) -> Prose:
    """What the estimate can and cannot support, generated from the result."""
    from parlib.models import overlap

    s, table = result.spec, result.table
    g = s["n_provinces"]
    lines = []
    if g >= 50:
        lines.append(
            f"**Clusters**: {g} provinces. Enough for CR1 to be usable; the wild bootstrap and "
            "randomisation inference check it without relying on a large number of clusters."
        )
    else:
        lines.append(
            f"**Clusters**: only {g} provinces. CR1 p-values can be too small with this few "
            "clusters; read the wild-bootstrap and randomisation p-values."
        )
    lines.append(
        f"**Years**: outcomes {s['first_year']}-{s['last_year']} ({s['n_years']} years), drivers lagged "
        f"{s['lag']} year{'s' if s['lag'] != 1 else ''}; {len(result.dropped)} province-years dropped "
        "(see above)."
    )
    checks = [overlap(result.outcome, d.split("_lag")[0]) for d in result.drivers]
    same = [d for d in result.drivers if d.split("_")[0] == result.outcome.split("_")[0]]
    text = "**Overlap**: no driver is a component of the outcome (checked by parlib.models.overlap)."
    if any(checks):
        text = "**Overlap**: " + "; ".join(c for c in checks if c)
    if same:
        text += (
            " But the driver and the outcome come from the same survey: a province-year whose respondents "
            "answer more positively lifts both (common-method bias); the lag reduces this, it does not "
            "remove it."
        )
    lines.append(text)
    for driver in result.drivers:
        w = result.within(driver)[driver].std()
        raw = result.data[driver].std()
        if raw > 0:
            lines.append(
                f"**Variation**: the within-province, within-year SD of `{driver}` is {w:.3g}, "
                f"{w / raw:.0%} of its raw SD ({raw:.3g}); the estimate rests on these movements only."
            )
    for driver in result.drivers:
        ps = table[(table["term"] == driver)]["p_value"].dropna()
        if len(ps) > 1:
            agree = "agree" if ((ps < 0.05).all() or (ps >= 0.05).all()) else "disagree"
            lines.append(
                f"**Inference**: for `{driver}` the {len(ps)} methods give p from {_p(ps.min())} to "
                f"{_p(ps.max())}: they {agree} at the 5% level."
            )
    for note in result.notes:
        lines.append(f"**Note**: {note}.")
    lines.append(
        "**Interpretation**: an association within provinces over time, net of nationwide year shocks; not "
        "a causal effect. Province-specific trends and simultaneous reforms are not controlled."
    )
    return Prose("\n".join(f"- {line}" for line in lines))


def model_facts(result: ModelResult) -> dict[str, Any]:
    """Key numbers of a fitted model for ``parlib.record``: the first driver's estimate and p-values."""
    s, table = result.spec, result.table
    term = result.drivers[0]
    rows = table[table["term"] == term].set_index("method")
    cr1 = rows.loc["cr1"]
    facts: dict[str, Any] = {
        "outcome": result.outcome,
        "drivers": result.drivers,
        "term": term,
        "estimate": float(cr1["estimate"]),
        "std_error": float(cr1["std_error"]),
        "conf_low": float(cr1["conf_low"]),
        "conf_high": float(cr1["conf_high"]),
        "p_cr1": float(cr1["p_value"]),
        "n_obs": int(s["n_obs"]),
        "n_provinces": int(s["n_provinces"]),
        "n_years": int(s["n_years"]),
        "first_year": int(s["first_year"]),
        "last_year": int(s["last_year"]),
        "lag": int(s["lag"]),
        "seed": int(s["seed"]),
        "n_dropped": len(result.dropped),
    }
    for method in rows.index:
        if method != "cr1":
            facts[f"p_{method.replace('-', '_')}"] = float(rows.loc[method, "p_value"])
    facts["estimates"] = table
    return facts
