"""Build and load the validated observations (long) and the province-year panel (wide).

``build()`` calls every source reader, validates the union, and writes
data/processed/observations.parquet and data/processed/panel.parquet. Both are written to
temporary files and renamed only after both are complete and valid, so a failed or
interrupted build leaves data/processed exactly as it was.

Panel layout: one row per geo-63 province and year, 2005-2024, for every province in force
that year (Hà Tây up to 2008). Columns: ``province_id``, ``year``, ``name_vi``, ``region``,
one float column per index component named ``<index>_<component>`` in lower case
(``papi_total``, ``papi_e_governance``, ``pci_total``, ``gso_population`` ...) and, for each
index with method breaks, ``<index>_method_era``. A province that was not scored is NaN.
Observations on the 34-unit geography (geo "34") stay in the observations table only.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from pathlib import Path
from types import ModuleType

import pandas as pd

from parlib import config, provinces
from parlib.errors import ValidationError
from parlib.sources import OBS_COLUMNS, SOURCE_MODULES

OBSERVATIONS_FILE = "observations.parquet"
PANEL_FILE = "panel.parquet"
STAMP_FILE = "build.json"
ID_COLUMNS = ["province_id", "year", "name_vi", "region"]


def source_modules() -> list[ModuleType]:
    """The source reader modules, in precedence-free order (each owns distinct indices)."""
    return [importlib.import_module(f"parlib.sources.{name}") for name in SOURCE_MODULES]


def units(modules: list[ModuleType] | None = None) -> dict[str, tuple[float, float]]:
    """The union of the modules' UNITS; one unit string must mean one scale everywhere."""
    merged: dict[str, tuple[float, float]] = {}
    for module in modules or source_modules():
        for unit, bounds in module.UNITS.items():
            if unit in merged and tuple(merged[unit]) != tuple(bounds):
                raise ValidationError(
                    f"{module.__name__}: unit {unit!r} has bounds {bounds}, "
                    f"another source uses {merged[unit]}"
                )
            merged[unit] = tuple(bounds)
    return merged


def read_observations(raw: Path | None = None) -> pd.DataFrame:
    """Read every source and return the validated long table (nothing is written)."""
    modules = source_modules()
    frames = [m.read(raw) for m in modules]
    obs = pd.concat([f[OBS_COLUMNS] for f in frames if len(f)], ignore_index=True)
    obs = obs.astype(
        {"index": str, "component": str, "province_id": str, "geo": str, "unit": str, "source": str}
    )
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    obs["method_era"] = obs["method_era"].astype("object").where(obs["method_era"].notna(), None)
    from parlib import schema  # pandera is only needed to build, not to load

    schema.validate_observations(obs, units(modules))
    return obs.sort_values(schema.KEY, ignore_index=True)


def to_panel(obs: pd.DataFrame) -> pd.DataFrame:
    """Pivot geo-63 observations to one row per province and year (full grid, NaN if missing)."""
    from parlib import schema

    first, last = schema.PANEL_YEARS
    grid = pd.concat(
        [
            provinces.provinces("63", year)[["name_vi", "region"]].reset_index().assign(year=year)
            for year in range(first, last + 1)
        ],
        ignore_index=True,
    )[ID_COLUMNS]
    sub = obs[(obs["geo"] == "63") & obs["year"].between(first, last)]
    column = sub["index"].str.lower() + "_" + sub["component"]
    wide = sub.assign(column=column).pivot(index=["province_id", "year"], columns="column", values="value")
    eras = (
        sub.dropna(subset=["method_era"])
        .assign(column=lambda d: d["index"].str.lower() + "_method_era")
        .drop_duplicates(["province_id", "year", "column"])
        .pivot(index=["province_id", "year"], columns="column", values="method_era")
    )
    panel = grid.merge(wide.reset_index(), on=["province_id", "year"], how="left")
    panel = panel.merge(eras.reset_index(), on=["province_id", "year"], how="left")
    value_cols = sorted(wide.columns)
    era_cols = sorted(eras.columns)
    panel = panel[ID_COLUMNS + value_cols + era_cols]
    panel[value_cols] = panel[value_cols].astype("float64")
    panel["year"] = panel["year"].astype("int64")
    panel.columns.name = None
    return panel.sort_values(["province_id", "year"], ignore_index=True)


def value_columns(panel: pd.DataFrame) -> list[str]:
    """The numeric index-component columns of a panel."""
    return [c for c in panel.columns if c not in ID_COLUMNS and not c.endswith("_method_era")]


def _write_parquet_atomic(frames: dict[Path, pd.DataFrame]) -> None:
    """Write every frame to a temp file first; rename them into place only when all are written."""
    temps: dict[Path, Path] = {}
    try:
        for target, frame in frames.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
            os.close(fd)
            temps[target] = Path(tmp)
            frame.to_parquet(temps[target], index=False)
        for target, tmp in temps.items():
            os.replace(tmp, target)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)


def build(raw: Path | None = None, out: Path | None = None) -> pd.DataFrame:
    """Read, validate and write observations.parquet and panel.parquet; return the panel."""
    out = out or config.processed_dir()
    obs = read_observations(raw)
    panel = to_panel(obs)
    from parlib import schema

    schema.validate_panel(panel, value_columns(panel), file=out / PANEL_FILE)
    _write_parquet_atomic({out / OBSERVATIONS_FILE: obs, out / PANEL_FILE: panel})
    _write_stamp(out, raw or config.raw_dir())
    return panel


def _inputs(raw: Path) -> list[Path]:
    """Files whose change makes the processed data stale: raw inputs and the code that reads them."""
    paths = [raw / "registry.csv"]
    for module in source_modules():
        paths += [raw / name for name in getattr(module, "FILES", [])]
        paths.append(Path(module.__file__))
    pkg = config.PACKAGE_DIR
    paths += [pkg / name for name in ("panel.py", "schema.py", "provinces.py", "clean.py")]
    paths += [pkg / "sources" / "__init__.py", *sorted((pkg / "data").glob("*.csv"))]
    return [p for p in paths if p.exists()]


def _write_stamp(out: Path, raw: Path) -> None:
    """Record what a build read, so that loading can check staleness without importing the readers."""
    stamp = {"raw": str(raw.resolve()), "inputs": [str(p) for p in _inputs(raw)]}
    tmp = out / f".{STAMP_FILE}.part"
    tmp.write_text(json.dumps(stamp, indent=1), encoding="utf-8")
    os.replace(tmp, out / STAMP_FILE)


def is_stale(raw: Path | None = None, out: Path | None = None) -> bool:
    """True when a processed file is missing or older than a raw input or the code that built it.

    The inputs are those recorded by the last build (data/processed/build.json).
    """
    raw = raw or config.raw_dir()
    out = out or config.processed_dir()
    targets = [out / OBSERVATIONS_FILE, out / PANEL_FILE, out / STAMP_FILE]
    if not all(t.is_file() for t in targets):
        return True
    stamp = json.loads((out / STAMP_FILE).read_text(encoding="utf-8"))
    if stamp.get("raw") != str(raw.resolve()):
        return True
    built = min(t.stat().st_mtime for t in targets[:2])
    for name in stamp.get("inputs", []):
        path = Path(name)
        if not path.exists() or path.stat().st_mtime > built:
            return True
    return False


def _load(name: str, rebuild: bool | None) -> pd.DataFrame:
    if rebuild or (rebuild is None and is_stale()):
        build()
    return pd.read_parquet(config.processed_dir() / name)


def load_panel(rebuild: bool | None = None) -> pd.DataFrame:
    """The province-year panel (see the module docstring for its columns).

    Builds first when the parquet is missing or stale; ``rebuild=True`` forces a build,
    ``rebuild=False`` never builds.
    """
    return _load(PANEL_FILE, rebuild)


def load_observations(rebuild: bool | None = None) -> pd.DataFrame:
    """The long observations table (columns: parlib.sources.OBS_COLUMNS)."""
    return _load(OBSERVATIONS_FILE, rebuild)


def summary(obs: pd.DataFrame) -> pd.DataFrame:
    """Per index and geography: components, years covered, provinces, values and method eras."""
    grouped = obs.groupby(["index", "geo"], sort=True)
    table = pd.DataFrame(
        {
            "components": grouped["component"].nunique(),
            "first_year": grouped["year"].min(),
            "last_year": grouped["year"].max(),
            "years": grouped["year"].nunique(),
            "provinces": grouped["province_id"].nunique(),
            "values": grouped.size(),
            "method_eras": grouped["method_era"].agg(lambda s: ", ".join(sorted(s.dropna().unique())) or "-"),
        }
    )
    return table.reset_index()
