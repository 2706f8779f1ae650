"""Build and load the validated observations (long) and the province-year panel (wide).

``build()`` verifies every raw file against data/raw/registry.csv (sha256), calls every source
reader, validates the union, and publishes data/processed/observations.parquet and
data/processed/panel.parquet as ONE generation (parlib.store), with the facts of every province
card computed from them (cards.json, read by ``parlib card``: parlib.indices.card_store): the
files and their manifest appear together with one atomic switch, so a failed or interrupted build
leaves data/processed exactly as it was. Freshness is decided by content (parlib.freshness): the
processed data is stale when a raw file, the registry or parlib's reading code has other bytes
than the build recorded, never by file times (the cards also when the index code changed).

Panel layout: one row per geo-63 province and year, 2005-2024, for every province in force
that year (Hà Tây up to 2008). Columns: ``province_id``, ``year``, ``name_vi``, ``region``,
one float column per index component named ``<index>_<component>`` in lower case
(``papi_total``, ``papi_e_governance``, ``pci_total``, ``gso_population`` ...) and, for each
index with method breaks, ``<index>_method_era``. A province that was not scored is NaN.
Observations on the 34-unit geography (geo "34") stay in the observations table only.
"""

from __future__ import annotations

import contextlib
import importlib
import shutil
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from parlib import config
from parlib.errors import MissingRawFileError, ValidationError

if TYPE_CHECKING:  # pandas, the sources and the registry are imported where used: the freshness check
    import pandas as pd  # (``generation_stale_reason``, run by ``parlib card``) needs none of them

    from parlib.store import Generation

OBSERVATIONS_FILE = "observations.parquet"
PANEL_FILE = "panel.parquet"
ID_COLUMNS = ["province_id", "year", "name_vi", "region"]


def source_modules() -> list[ModuleType]:
    """The source reader modules, in precedence-free order (each owns distinct indices)."""
    from parlib.sources import SOURCE_MODULES

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


def read_observations(
    raw: Path | None = None,
    cache: Path | None = None,
    refresh: bool = False,
    keep: list[Callable[[], None]] | None = None,
    hashes: dict[str, str | None] | None = None,
) -> pd.DataFrame:
    """Read every source and return the validated long table (nothing is written).

    ``cache``: a folder of kept reader outputs (``read_source``; ``refresh`` reads every file
    anyway); None reads every file. What should be kept is appended to ``keep`` as calls that
    write it, for the caller to make once the build has succeeded. ``hashes``: name -> sha256 of
    the raw files, when the caller has just computed them.
    """
    import pandas as pd

    from parlib.sources import OBS_COLUMNS, with_provenance  # provenance: source_row / sheet for messages

    raw = raw or config.raw_dir()
    modules = source_modules()
    frames = [read_source(m, raw, cache, refresh, keep, hashes) for m in modules]
    obs = pd.concat([with_provenance(f) for f in frames if len(f)], ignore_index=True)
    obs = obs.astype(
        {"index": str, "component": str, "province_id": str, "geo": str, "unit": str, "source": str}
    )
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    obs["method_era"] = obs["method_era"].astype("object").where(obs["method_era"].notna(), None)
    from parlib import schema  # pandera is only needed to build, not to load

    schema.validate_observations(obs, units(modules), raw=raw)
    return obs[OBS_COLUMNS].sort_values(schema.KEY, ignore_index=True)


READERS = "readers"
"""Sub-folder of data/processed holding each reader's last output, named by the hash of its inputs."""


def read_source(
    module: ModuleType,
    raw: Path,
    cache: Path | None = None,
    refresh: bool = False,
    keep: list[Callable[[], None]] | None = None,
    hashes: dict[str, str | None] | None = None,
) -> pd.DataFrame:
    """``module.read(raw)``, or its output kept in ``cache`` from a read of the same bytes by the same code.

    The entry is named by the sha256 of the module's raw files and of parlib's reading code
    (``CODE``), and its file is checked against its manifest before use: a changed input reads
    the files again, a damaged entry is read again too. Only the module whose files changed is
    read again, so a build after editing one table takes about a second instead of six. A new
    entry is written by the call appended to ``keep`` (at once when ``keep`` is None).
    """
    if cache is None:
        return module.read(raw)
    from parlib import store
    from parlib.freshness import code_hashes, sha256_json

    short = module.__name__.rsplit(".", 1)[-1]
    names = sorted({*getattr(module, "FILES", []), *_discovered(raw, DISCOVERED.get(short, []))})
    known = hashes or {}
    inputs = {
        "module": short,
        "raw": {n: known[n] if n in known else _sha256(raw / n) for n in names},
        "code": code_hashes(CODE),
    }
    key = sha256_json(inputs)
    entry = cache / f"{short}-{key[:16]}"
    try:
        manifest = store.read_manifest(entry / store.MANIFEST, "")
        if manifest.get("key") == key and not refresh:
            store.verify_folder(entry, manifest, "")
            import pandas as pd

            return pd.read_parquet(entry / OBSERVATIONS_FILE)
    except store.DamagedBuildError:
        pass  # no entry, or a damaged one: read the files
    frame = module.read(raw)

    def write() -> None:
        manifest = {"key": key, "inputs": inputs}
        store.write_folder(cache, entry.name, {OBSERVATIONS_FILE: _parquet_bytes(frame)}, manifest)
        for old in cache.glob(f"{short}-*"):  # this reader's entries for other inputs
            if old != entry and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)

    if keep is None:
        write()
    else:
        keep.append(write)
    return frame


def to_panel(obs: pd.DataFrame) -> pd.DataFrame:
    """Pivot geo-63 observations to one row per province and year (full grid, NaN if missing)."""
    import pandas as pd

    from parlib import provinces, schema

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


CODE = ["sources/*.py", "panel.py", "schema.py", "provinces.py", "clean.py", "fetch.py", "data/*.csv"]
"""parlib's files (relative to the package) whose change makes the processed data stale."""

DISCOVERED = {"published": ["published/**/*.csv"]}
"""Reader -> globs under data/raw whose matches it reads besides its FILES (a new file is an input)."""
_PATTERNS = [pattern for patterns in DISCOVERED.values() for pattern in patterns]


def raw_inputs(raw: Path | None = None) -> list[str]:
    """Registry names of every raw file the build reads: each module's FILES and DISCOVERED matches."""
    raw = raw or config.raw_dir()
    names = {name for module in source_modules() for name in getattr(module, "FILES", [])}
    names.update(_discovered(raw))
    return sorted(names)


def _discovered(raw: Path, patterns: list[str] = _PATTERNS) -> list[str]:
    return sorted({p.relative_to(raw).as_posix() for pattern in patterns for p in raw.glob(pattern)})


def _state(raw: Path, names: list[str]) -> dict[str, object]:
    """What a build is made from, by content: the registry, each raw file, parlib's code."""
    from parlib.freshness import code_hashes

    return {
        "registry": _sha256(raw / "registry.csv"),
        "raw": {name: _sha256(raw / name) for name in names},
        "code": code_hashes(CODE),
    }


def _sha256(path: Path) -> str | None:
    """sha256 of a file; None when it is missing (a missing input is a changed input)."""
    from parlib.freshness import sha256_file

    return sha256_file(path) if path.is_file() else None


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as parquet bytes (deterministic: the same frame gives the same bytes)."""
    import io

    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def build(raw: Path | None = None, out: Path | None = None, force: bool = False) -> pd.DataFrame:
    """Verify, read, validate and publish observations.parquet and panel.parquet; return the panel.

    Every raw file is checked against data/raw/registry.csv (sha256) before any is read; a
    mismatch stops the build with one line naming the file. Both files and their manifest become
    visible together as one generation (parlib.store). When the current generation was made
    from exactly these inputs (content hashes), nothing is rebuilt; a reader whose own files did
    not change gives its kept output (``read_source``). ``force`` reads every file again.
    Concurrent builds of one folder take turns (the second then finds the first's result fresh).

    The generation also holds the facts of every province card (``cards.json``, written by
    ``_publish``; parlib.indices.card_store), keyed by the build and the index code: when only
    they are stale (the index code changed), the same panel files are published again with new
    cards, and no raw file is read.
    """
    import pandas as pd

    from parlib import fetch, store
    from parlib.freshness import sha256_json
    from parlib.indices import card_store

    raw = raw or config.raw_dir()
    out = store.folder(out)
    with store.build_lock(out):
        from parlib import atomic

        atomic.sweep(out / READERS)  # what a killed build left (we hold the lock)
        names = raw_inputs(raw)
        state = _state(raw, names)  # every file hashed once, for the check, the verification and the readers
        if not force and panel_stale_reason(raw, out, state) is None:
            gen = store.current(out)
            if card_store.stale_reason(gen) is None:
                return pd.read_parquet(gen.file(PANEL_FILE))
            files = {name: gen.file(name).read_bytes() for name in (OBSERVATIONS_FILE, PANEL_FILE)}
            _publish(out, raw, files, {k: v for k, v in gen.manifest.items() if k not in ("schema", "files")})
            return pd.read_parquet(store.current(out).file(PANEL_FILE))
        fetch.verify(names, raw, hashes=state["raw"])  # before any reader opens a file
        keep: list[Callable[[], None]] = []
        obs = read_observations(raw, cache=out / READERS, refresh=force, keep=keep, hashes=state["raw"])
        panel = to_panel(obs)
        from parlib import schema

        schema.validate_panel(panel, value_columns(panel), file=out / PANEL_FILE)
        manifest = {
            "key": sha256_json(state),
            "inputs": state,
            "discovered": {pattern: _discovered(raw, [pattern]) for pattern in _PATTERNS},
            "rows": {OBSERVATIONS_FILE: len(obs), PANEL_FILE: len(panel)},
        }
        files = {OBSERVATIONS_FILE: _parquet_bytes(obs), PANEL_FILE: _parquet_bytes(panel)}
        _publish(out, raw, files, manifest)
        for write in keep:  # only a build that succeeded keeps its readers' outputs
            with contextlib.suppress(OSError):  # a full disk now costs the next build time, not this one
                write()
    return panel


def _publish(out: Path, raw: Path, files: dict[str, bytes], manifest: dict[str, Any]) -> None:
    """Publish ``files`` as the current generation, with the facts of every card computed from them.

    The cards are computed from the observations as a reader loads them back (the same frame
    ``parlib.indices.card.results()`` scores). A parlib error in that computation (a published
    record that contradicts itself) is recorded instead of the cards: the panel is still built,
    and ``parlib card`` reports the error as before.
    """
    import io

    import pandas as pd

    from parlib import store
    from parlib.errors import ParlibError
    from parlib.indices import card_store

    inputs = card_store.inputs(manifest["key"])
    record: dict[str, Any] = {"inputs": inputs}
    try:
        document = card_store.compute(pd.read_parquet(io.BytesIO(files[OBSERVATIONS_FILE])), raw)
    except ParlibError as exc:
        record["error"] = " ".join(str(exc).split())
    else:
        files = {**files, card_store.FILE: card_store.encode(document, inputs)}
    store.publish(out, files, {**manifest, "cards": record})


def stale_reason(
    raw: Path | None = None, out: Path | None = None, state: dict[str, object] | None = None
) -> str | None:
    """Why ``parlib data build`` must build, in words; None when everything is up to date.

    The panel's reason (``panel_stale_reason``), else the stored cards' (made by other index
    code, or by a build before they were stored: parlib.indices.card_store). Loading the panel
    waits for the first only (``is_stale``).
    """
    reason = panel_stale_reason(raw, out, state)
    if reason is not None:
        return reason
    from parlib import store
    from parlib.indices import card_store

    try:
        return card_store.stale_reason(store.current(out))
    except store.DamagedBuildError as exc:
        return str(exc)


def panel_stale_reason(
    raw: Path | None = None, out: Path | None = None, state: dict[str, object] | None = None
) -> str | None:
    """Why the observations and the panel must be rebuilt, in words; None when they are up to date.

    Up to date means: a current generation whose files match their manifest, made from raw files,
    a registry and code with the sha256 they have now (no new file under DISCOVERED either).
    ``state``: the inputs as ``_state`` measured them just now, when the caller has them.
    """
    from parlib import store

    try:
        gen = store.current(out)
    except store.DamagedBuildError as exc:
        return str(exc)
    if gen is None:
        return "not built yet"
    return generation_stale_reason(gen, raw, state)


def generation_stale_reason(
    gen: Generation, raw: Path | None = None, state: dict[str, object] | None = None
) -> str | None:
    """``panel_stale_reason`` of one generation (``parlib card`` checks the one it reads; no pandas)."""
    from parlib import store

    raw = raw or config.raw_dir()
    try:
        gen.verify()
    except store.DamagedBuildError as exc:
        return str(exc)
    recorded = gen.manifest.get("inputs", {})
    names = sorted(dict(recorded.get("raw", {})))
    for pattern, matched in dict(gen.manifest.get("discovered", {})).items():
        now = _discovered(raw, [pattern])
        if now != matched:
            new = sorted(set(now) ^ set(matched))
            return f"{raw / new[0]} is {'new' if new[0] in now else 'gone'}"
    from parlib.freshness import changed

    return changed(recorded, state if state is not None else _state(raw, names))


def is_stale(raw: Path | None = None, out: Path | None = None) -> bool:
    """True when the panel must be rebuilt before it is loaded (``panel_stale_reason`` says why).

    Stale stored cards alone do not count: ``parlib card`` computes in full until the next
    ``parlib data build``.
    """
    return panel_stale_reason(raw, out) is not None


def current_file(name: str, rebuild: bool | None = None) -> Path:
    """Path of ``name`` in the current generation, rebuilt first when stale (see ``load_panel``)."""
    from parlib import store

    if rebuild is True:
        build(force=True)
    elif rebuild is None and is_stale():
        build()
    gen = store.current()
    if gen is None:
        raise MissingRawFileError(f"{config.processed_dir()}: no panel built yet; run `parlib data build`")
    if rebuild is False:
        gen.verify()
    return gen.file(name)


def _load(name: str, rebuild: bool | None) -> pd.DataFrame:
    import pandas as pd

    return pd.read_parquet(current_file(name, rebuild))


def load_panel(rebuild: bool | None = None) -> pd.DataFrame:
    """The province-year panel (see the module docstring for its columns).

    Builds first when it is missing or stale by content (a raw file, the registry or parlib's
    code changed, or a processed file no longer matches its manifest); ``rebuild=True`` forces
    a build, ``rebuild=False`` never builds (and raises if the processed files are damaged).
    """
    return _load(PANEL_FILE, rebuild)


def load_observations(rebuild: bool | None = None) -> pd.DataFrame:
    """The long observations table (columns: parlib.sources.OBS_COLUMNS)."""
    return _load(OBSERVATIONS_FILE, rebuild)


def summary(obs: pd.DataFrame) -> pd.DataFrame:
    """Per index and geography: components, years covered, provinces, values and method eras."""
    import pandas as pd

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
