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

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from parlib import atomic, config
from parlib.config import shown_path
from parlib.errors import HashMismatchError, MissingRawFileError, ParlibError, SourceFormatError
from parlib.freshness import sha256_file as sha256

REGISTRY_COLUMNS = ["name", "url", "sha256", "source", "licence", "description"]


class UnregisteredFileError(ParlibError):
    """A file a reader would read that data/raw/registry.csv does not list."""


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
    """Write via ``write(tmp_path)`` to a temp file beside target, verify, then rename (parlib.atomic)."""

    def verified(tmp: Path) -> None:
        write(tmp)
        actual = sha256(tmp)
        if actual != expected:
            raise HashMismatchError(
                f"{name}: sha256 {actual[:12]}... does not match the registry ({expected[:12]}...); "
                "not written"
            )

    atomic.write(target, verified)


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
    if mirror is not None and not mirror.is_dir():
        raise MissingRawFileError(
            f"{mirror}: the data mirror (PARLIB_DATA_MIRROR or --mirror) is not a folder; give a "
            "mirror laid out as <owner>/<repo>/<commit>/<path>, or unset it to download"
        )
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
            reason = " ".join(str(exc).split())[:300]
            raise MissingRawFileError(
                f"{row.name}: download from {row.url} failed ({reason}); without network access, set "
                "PARLIB_DATA_MIRROR to the absolute path of a local mirror laid out as "
                "<owner>/<repo>/<commit>/<path> (such as ../shared/data/mirror)"
            ) from None

    _copy_verified(row.name, row.sha256, target, download)


def verify(
    names: Iterable[str],
    raw: Path | None = None,
    registry: Path | None = None,
    hashes: dict[str, str | None] | None = None,
) -> dict[str, str]:
    """Check every named raw file against the registry before anything reads it; return name -> sha256.

    One-line errors naming the file: MissingRawFileError (not pulled), UnregisteredFileError
    (not in the registry), HashMismatchError (changed or truncated since it was registered).
    ``hashes``: name -> sha256 the caller has just computed (those files are not read again).
    """
    raw = raw or config.raw_dir()
    registry_path = registry or raw / "registry.csv"
    table = load_registry(registry_path).set_index("name")
    out: dict[str, str] = {}
    for name in sorted(set(names)):
        path = raw / name
        if name not in table.index:
            raise UnregisteredFileError(
                f"{shown_path(path)}: not in {shown_path(registry_path)}; register it "
                "(README: How to add a data source) or move it out of data/raw"
            )
        if not path.is_file():
            raise MissingRawFileError(f"{shown_path(path)}: raw file not found; run `parlib data pull`")
        expected, url = table.at[name, "sha256"], table.at[name, "url"]
        actual = (hashes or {}).get(name) or sha256(path)
        if actual != expected:
            fix = (
                "delete it and run `parlib data pull` to restore it"
                if url
                else f"restore it with `git checkout -- {shown_path(path)}` (or, if you changed it on "
                f"purpose, record its new sha256 in {shown_path(registry_path)})"
            )
            raise HashMismatchError(
                f"{shown_path(path)}: sha256 {actual[:12]}... does not match {shown_path(registry_path)} "
                f"({expected[:12]}...): the file was changed or truncated; {fix}"
            )
        out[name] = actual
    return out


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
    atomic.write_text(registry, table.to_csv(index=False, lineterminator="\n"))
    return name
