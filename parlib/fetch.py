"""The raw-data registry: pull every registered file into data/raw and verify its sha256.

data/raw/registry.csv has one row per file: ``name`` (its path under data/raw), ``url``
(upstream, pinned to a commit; empty for the committed published tables), ``sha256``,
``source``, ``licence``, ``description``.

A file is fetched from ``$PARLIB_DATA_MIRROR`` when that is set (a folder laid out as
``<owner>/<repo>/<commit>/<path>``, i.e. the URL without its host), otherwise downloaded
with pooch. Every file is written to a temporary name beside its target, hashed, and only
renamed into place when the hash matches: a wrong file never replaces anything. A file
already present with the right hash is left alone; one present with a *different* hash is
refused (raw data is immutable: delete it by hand if you mean to replace it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from parlib import config
from parlib.errors import HashMismatchError, MissingRawFileError, SourceFormatError

REGISTRY_COLUMNS = ["name", "url", "sha256", "source", "licence", "description"]


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_registry(path: Path | None = None) -> pd.DataFrame:
    """The registry as a DataFrame (one row per raw file), checked for its columns and keys."""
    path = path or config.registry_path()
    if not path.is_file():
        raise MissingRawFileError(f"{path}: registry not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in REGISTRY_COLUMNS if c not in frame.columns]
    if missing:
        raise SourceFormatError(path, f"missing column(s) {missing}")
    dup = frame["name"].duplicated()
    if dup.any():
        raise SourceFormatError(
            path, f"duplicate name {frame.loc[dup, 'name'].iloc[0]!r}", row=int(dup.idxmax()) + 2
        )
    bad = ~frame["sha256"].str.fullmatch(r"[0-9a-f]{64}")
    if bad.any():
        raise SourceFormatError(path, "sha256 is not 64 hex digits", row=int(bad.idxmax()) + 2)
    return frame


def mirror_path(url: str, mirror: Path) -> Path:
    """Where a pinned raw.githubusercontent.com URL lives in a mirror: <owner>/<repo>/<commit>/<path>."""
    return mirror / urlparse(url).path.lstrip("/")


@dataclass
class PullReport:
    """What a pull did, file by file."""

    present: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.fetched)} fetched, {len(self.present)} already present and verified"


def _copy_verified(name: str, expected: str, target: Path, write: callable) -> None:
    """Write via ``write(tmp_path)`` to a temp file beside target, verify, then rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        actual = sha256(tmp_path)
        if actual != expected:
            raise HashMismatchError(
                f"{name}: sha256 {actual[:12]}... does not match the registry ({expected[:12]}...); "
                "not written"
            )
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def pull(
    names: Iterable[str] | None = None,
    *,
    mirror: Path | None = None,
    raw: Path | None = None,
    registry: Path | None = None,
    progress: bool = True,
) -> PullReport:
    """Fetch the registered files (all, or ``names``) into data/raw and verify each hash.

    Raises HashMismatchError naming the file when a fetched or present file differs from
    the registry, and MissingRawFileError when a file is neither present nor fetchable.
    """
    raw = raw or config.raw_dir()
    mirror = mirror if mirror is not None else config.data_mirror()
    table = load_registry(registry)
    if names is not None:
        wanted = set(names)
        unknown = wanted - set(table["name"])
        if unknown:
            raise MissingRawFileError(f"not in the registry: {', '.join(sorted(unknown))}")
        table = table[table["name"].isin(wanted)]
    report = PullReport()
    rows = list(table.itertuples(index=False))
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(rows), desc="parlib data pull", unit="file")
    try:
        for row in rows:
            target = raw / row.name
            if target.is_file():
                actual = sha256(target)
                if actual != row.sha256:
                    raise HashMismatchError(
                        f"{target}: sha256 {actual[:12]}... differs from the registry "
                        f"({row.sha256[:12]}...); "
                        "raw files are immutable: delete it to pull it again"
                    )
                report.present.append(row.name)
            else:
                _fetch_one(row, target, mirror)
                report.fetched.append(row.name)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return report


def _fetch_one(row: object, target: Path, mirror: Path | None) -> None:
    if not row.url:
        raise MissingRawFileError(
            f"{target}: missing and has no upstream URL (it is committed: check out the repo)"
        )
    if mirror is not None:
        source = mirror_path(row.url, mirror)
        if not source.is_file():
            raise MissingRawFileError(f"{row.name}: not in the mirror {mirror} (looked for {source})")
        _copy_verified(row.name, row.sha256, target, lambda tmp: shutil.copyfile(source, tmp))
        return

    def download(tmp: Path) -> None:
        import pooch

        tmp.unlink(missing_ok=True)  # pooch skips a download whose target already exists
        try:
            pooch.retrieve(row.url, known_hash=None, fname=tmp.name, path=tmp.parent, progressbar=False)
        except Exception as exc:  # network errors come in many types
            raise MissingRawFileError(f"{row.name}: download from {row.url} failed: {exc}") from None

    _copy_verified(row.name, row.sha256, target, download)


def status(raw: Path | None = None, registry: Path | None = None) -> pd.DataFrame:
    """Each registered file with its state: ``ok``, ``missing`` or ``mismatch`` (nothing is fetched)."""
    raw = raw or config.raw_dir()
    table = load_registry(registry)
    states = []
    for name, expected in zip(table["name"], table["sha256"], strict=True):
        path = raw / name
        states.append("missing" if not path.is_file() else ("ok" if sha256(path) == expected else "mismatch"))
    return table.assign(state=states)[["name", "state", "source", "description"]]


def add(
    path: Path, url: str, source: str, licence: str, description: str, registry: Path | None = None
) -> str:
    """Register a file already placed under data/raw (``path``) and return its registry name."""
    registry = registry or config.registry_path()
    raw = registry.parent
    name = Path(path).resolve().relative_to(raw.resolve()).as_posix()
    table = load_registry(registry)
    if name in set(table["name"]):
        raise SourceFormatError(registry, f"{name!r} is already registered")
    row = dict(
        name=name, url=url, sha256=sha256(Path(path)), source=source, licence=licence, description=description
    )
    table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    tmp = registry.with_suffix(".csv.part")
    table.to_csv(tmp, index=False, lineterminator="\n")
    os.replace(tmp, registry)
    return name
