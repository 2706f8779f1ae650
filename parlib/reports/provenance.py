"""Provenance: the hashes, data stamp and versions in a report's sidecar, and what "up to date" means.

Decision (up to date): a report is skipped when its .ipynb, .html and .json exist and the
sidecar was made from the same template sha256, parameters and data stamp (sha256 of
data/processed/panel.parquet and of the report cache from ``report_data.prepare``) and, for a
report given researcher tables (parameter ``tables``), the same sha256 of each table
(``table_hashes``: editing a table re-renders the report), unless ``run(force=True)``. The
sidecar also carries the raw files' sha256, the package versions and the values the notebook
recorded (``read_records``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import platform
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from parlib import config
from parlib.reports.files import _display_path
from parlib.reports.params import _report_data
from parlib.reports.tasks import Task

RECORD_MIMETYPE = "application/vnd.parlib.record+json"
SIDECAR_SCHEMA = "parlib.report/1"
VERSION_PACKAGES = ("pandas", "numpy", "matplotlib", "papermill", "nbconvert", "nbclient", "ipykernel")


def _sha256_file(path: Path) -> str:
    from parlib.freshness import sha256_file

    return sha256_file(path)


def _stamp_path(path: Path) -> dict[str, object]:
    """sha256 of a file, or of a folder's files (names and contents)."""
    if path.is_file():
        return {"path": _display_path(path), "sha256": _sha256_file(path)}
    if path.is_dir():
        digest = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f.relative_to(path).as_posix().encode() + b"\0" + _sha256_file(f).encode())
        return {"path": _display_path(path), "sha256": digest.hexdigest()}
    return {"path": _display_path(path), "sha256": None}


def data_stamp(year: int, cache: Path | None) -> dict[str, object]:
    """What a report's data is: the panel's sha256 and the year's report cache."""
    from parlib import panel

    stamp: dict[str, object] = {"panel": _stamp_path(config.processed_dir() / panel.PANEL_FILE)}
    if cache is not None:
        stamp["report_cache"] = _stamp_path(cache)
    return stamp


def raw_file_hashes() -> dict[str, object]:
    """The registry's sha256 and name -> sha256 of the raw files the panel and reports read."""
    from parlib import fetch, panel

    registry = fetch.load_registry()
    used: set[str] = set()
    for module in panel.source_modules():
        used.update(getattr(module, "FILES", []))
    module = _report_data()
    used.update(getattr(module, "FILES", []) or [])
    if getattr(module, "GEOJSON", None):  # the map's boundaries
        used.add(module.GEOJSON)
    rows = registry[registry["name"].isin(used)] if used else registry
    return {
        "registry": _display_path(config.registry_path()),
        "registry_sha256": _sha256_file(config.registry_path()),
        "files": dict(zip(rows["name"], rows["sha256"], strict=True)),
    }


def package_versions() -> dict[str, str]:
    """Versions of python and the packages that shape a report.

    Read once per process (about 15 ms a report otherwise): a worker runs the packages it
    imported when it started, whatever is installed on disk later.
    """
    return dict(_versions())


@lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _parlib_version() -> str:
    import parlib

    return str(getattr(parlib, "__version__", "unknown"))


def table_hashes(tables: object) -> dict[str, str | None]:
    """Path -> sha256 of each researcher table a report is given (None for a file gone since)."""
    paths = [tables] if isinstance(tables, (str, Path)) else list(tables or [])  # type: ignore[call-overload]
    return {str(p): (_sha256_file(Path(p)) if Path(p).is_file() else None) for p in paths}


def inputs_key(task: Task, template_sha256: str, stamp: dict[str, object]) -> dict[str, object]:
    """What must match for a report to be up to date (``tables``: only when the report has some)."""
    key: dict[str, object] = {
        "template_sha256": template_sha256,
        "parameters": task.parameters,
        "data": stamp,
    }
    tables = task.parameters.get("tables")
    if tables:
        key["tables"] = table_hashes(tables)
    return key


def is_up_to_date(task: Task, key: dict[str, object]) -> bool:
    """True when .ipynb, .html and .json exist and the sidecar was made from ``key``."""
    if not (task.ipynb.is_file() and task.html.is_file() and task.sidecar.is_file()):
        return False
    try:
        side = json.loads(task.sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return side.get("status") == "ok" and side.get("inputs") == json.loads(json.dumps(key))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_records(path: Path) -> dict[str, object]:
    """Values the notebook recorded (``parlib.record.read_records`` when available)."""
    try:
        from parlib.record import read_records as reader
    except ImportError:
        reader = None
    if reader is not None:
        return dict(reader(path))
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    out: dict[str, object] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(RECORD_MIMETYPE)
            if isinstance(data, dict) and "name" in data:
                out[str(data["name"])] = data.get("value")
    return out


def _jsonable(value: object) -> object:
    """NaN/inf -> None, numpy scalars -> Python, containers recursively."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(Exception):
            value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
