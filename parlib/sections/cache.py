"""The per-year report cache: computed once per year, cached, then read by the section loaders.

``prepare(year)`` does the heavy work once (index scores and province cards, the national
driver -> outcome regressions, the simplified map geometry) and writes small files into
``config.processed_dir()/report_cache/<year>/<key>/``; the notebooks then only load and draw.
``<key>`` is the sha256 of what the cache is made from (``cache_inputs``: the content of the
current panel generation, of the boundary file and of the code that computes the cache), so
freshness is decided by content alone: new inputs mean a new folder, the same inputs the same
folder, whatever the file times. A folder is written whole to a temporary name and renamed into
place with its manifest (``build.json``: key and sha256 of every file); a loader that finds no
intact folder for the current inputs calls ``prepare()`` itself (``_file``).

The code that computes the cache is listed in ``CACHE_CODE`` (every module of parlib.sections
among it), so a change to it makes the cache stale. parlib.indices and parlib.models are
imported only inside ``prepare()``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from parlib import config, provinces
from parlib.record import jsonable
from parlib.sections.geometry import GEOJSON, _map_base, _map_rings
from parlib.sections.national import NATIONAL_SPEC, _drivers_coef_png, _national_models
from parlib.sections.unit34_data import _unit34_files

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
    "drivers_coef.vi.png",
    "map.json",
    "map_base.png",
    "map_base.json",
    "sources.json",
    "unit34.parquet",
    "unit34.json",
)
"""The files of one year's cache, besides the manifest."""

CACHE_CODE = [
    "report_data.py", "sections/*.py", "record.py", "provinces.py", "plots.py", "sources/papi*.py",
    "indices/*.py", "models/*.py", "data/*.csv",
]  # fmt: skip
"""parlib's files whose change makes a report cache stale (every module of parlib.sections among them)."""

LOCK = ".prepare.lock"


def _year_root(year: int) -> Path:
    return config.processed_dir() / CACHE_DIRNAME / str(_year(year))


@lru_cache(maxsize=4)
def _code_hashes(names: tuple[str, ...]) -> dict[str, str]:
    """sha256 of the code that computes the cache, hashed once per process.

    The code a process runs is the code it imported (parlib's modules are never re-imported), so
    its hash is taken once: hashing some 70 files at every section load cost a report kernel
    seconds. A process that should see edited code is restarted, as a Jupyter kernel is.
    """
    from parlib.freshness import code_hashes

    return code_hashes(names)


def cache_inputs(year: int) -> dict[str, Any] | None:
    """What a year's cache is made from, by content; None while no panel is built.

    The current build's key (the sha256 of every raw file it read and of its code), the sha256
    of its files, of the boundary file and of the code that computes the cache, and the cache
    format and national specification.
    """
    from parlib import store
    from parlib.freshness import sha256_file

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
        "code": dict(_code_hashes(tuple(CACHE_CODE))),
        "national_spec": jsonable(NATIONAL_SPEC),
    }


_PINNED: dict[int, str | None] = {}
"""Cache keys fixed for the rest of this process by ``pin`` (a report worker and its forks)."""


def pin(year: int) -> str | None:
    """Fix the year's cache key for the rest of this process, and return it.

    A section load otherwise recomputes the key (hashing the boundary file and reading the build's
    manifest: about 15 ms, 20 times a report). A report worker pins the key when it warms up: a
    batch's inputs are fixed when it starts (its sidecars record them), and a notebook must not
    mix two builds. Interactive sessions do not pin, so a rebuild is seen at the next call.
    """
    year = _year(year)
    _PINNED.pop(year, None)
    _PINNED[year] = _key(year)
    return _PINNED[year]


def _key(year: int) -> str | None:
    from parlib.freshness import sha256_json

    if _PINNED and _year(year) in _PINNED:
        return _PINNED[_year(year)]
    inputs = cache_inputs(year)
    return None if inputs is None else sha256_json(inputs)


def cache_dir(year: int) -> Path:
    """data/processed/report_cache/<year>/<key>/ for the current inputs (not created).

    The folder is named by the sha256 of its inputs (``cache_inputs``), so a folder, once
    complete, never changes: new inputs give a new folder.
    """
    return _folder(year, _key(year))


def _folder(year: int, key: str | None) -> Path:
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
    return _is_fresh(year, _key(year))


def _is_fresh(year: int, key: str | None) -> bool:
    """``is_fresh`` for a key already computed (a section load computes it once)."""
    from parlib import store

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
    from parlib.panel import PANEL_FILE, current_file, load_panel

    year = _year(year)
    current_file(PANEL_FILE)  # one staleness check; rebuilds when the raw files or readers changed
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
    made = {c.province_id: c for c in card.every_card(results, years=[year])}  # = card(pid, year)
    cards = {}
    for pid in provinces.provinces("63", year).index:  # the provinces in force that year
        c = made.get(pid) or card.card(pid, year, scored=results)  # (which says why there is none)
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
        "drivers_coef.vi.png": _drivers_coef_png(drivers_meta, drivers_table, "vi"),
        "sources.json": _sources(year),
        **_unit34_files(year, results),
    }


def _sources(year: int) -> dict[str, Any]:
    from parlib.sections.source_links import cache_sources

    return cache_sources(year)


# --------------------------------------------------------------------------- reading the cache


def _ensure(year: int) -> Path:
    """The cache folder of the current inputs, prepared first when missing or damaged.

    The key is computed once: freshness and the folder name then describe the same inputs.
    """
    key = _key(year)
    return _folder(year, key) if _is_fresh(year, key) else prepare(year)


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
