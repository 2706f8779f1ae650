"""data/processed as a series of build generations, one of them current, switched atomically.

A build writes its files (observations.parquet, panel.parquet) and its manifest (build.json:
the sha256 of every input and of every file written) into a new folder
``generations/<key>-<random>/``, then makes it current by replacing ONE symbolic link,
``current``, in a single ``rename``. A reader resolves ``current`` once and reads every file
from that folder, so it sees one build or the other, never observations of one build with the
panel of another, whatever is interrupted where (Ctrl-C, SIGKILL, a full disk).

The familiar paths stay valid: ``data/processed/panel.parquet``, ``observations.parquet`` and
``build.json`` are fixed links into ``current/``. Builds serialise on ``.build.lock``; the
holder sweeps temporary files left by killed builds and keeps the current and previous
generation (a reader that resolved the previous one a moment ago can still finish).

Layout::

    data/processed/
      current -> generations/3f2a9c81d0b4-a1b2c3
      panel.parquet -> current/panel.parquet          (also observations.parquet, build.json)
      generations/3f2a9c81d0b4-a1b2c3/{observations.parquet, panel.parquet, build.json}
      .build.lock
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parlib import atomic, config
from parlib.errors import ParlibError
from parlib.freshness import sha256_file

SCHEMA = "parlib.build/2"
MANIFEST = "build.json"
CURRENT = "current"
GENERATIONS = "generations"
LOCK = ".build.lock"


class DamagedBuildError(ParlibError):
    """A processed file that does not match its build manifest (truncated or edited after the build)."""


@dataclass(frozen=True)
class Generation:
    """One complete build: its folder and its manifest."""

    path: Path
    manifest: Mapping[str, Any]

    @property
    def key(self) -> str:
        """sha256 of the build's inputs (raw files and code): equal keys, equal content."""
        return str(self.manifest.get("key", ""))

    def file(self, name: str) -> Path:
        """Path of one of the generation's files."""
        return self.path / name

    def verify(self) -> None:
        """Raise DamagedBuildError unless every file has the sha256 its manifest recorded."""
        verify_folder(self.path, self.manifest, "run `parlib data build`")


def verify_folder(path: Path, manifest: Mapping[str, Any], remedy: str) -> None:
    """Raise DamagedBuildError unless each file in ``manifest["files"]`` has its recorded sha256."""
    for name, expected in dict(manifest.get("files", {})).items():
        file = Path(path) / name
        if not file.is_file():
            raise DamagedBuildError(f"{file}: missing from its build; {remedy}")
        if sha256_file(file) != expected:
            raise DamagedBuildError(
                f"{file}: does not match its build manifest (truncated or changed after the build); {remedy}"
            )


def read_manifest(path: Path, remedy: str) -> dict[str, Any]:
    """The manifest ``path`` (build.json), refused with DamagedBuildError when missing or unreadable."""
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DamagedBuildError(f"{path}: no build manifest; {remedy}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        what = exc.__class__.__name__
        raise DamagedBuildError(f"{path}: unreadable build manifest ({what}); {remedy}") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise DamagedBuildError(f"{path}: not a {SCHEMA} manifest; {remedy}")
    return manifest


def write_folder(parent: Path, name: str, files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Path:
    """Write ``files`` and a manifest (adds ``schema`` and ``files``: name -> sha256) as ``parent/name``.

    Everything goes into a hidden temporary folder first, synced, given the umask's modes, and
    renamed into place in one step; an existing ``parent/name`` (a damaged copy) is moved aside
    and removed only after the new one is in place. On any error the temporary folder goes.
    """
    from parlib.freshness import sha256_bytes

    atomic.make_dir(parent)
    record = {
        **manifest,
        "schema": SCHEMA,
        "files": {file_name: sha256_bytes(data) for file_name, data in files.items()},
    }
    final = Path(parent) / name
    with atomic.temp_dir(parent, tag=name) as tmp:
        for file_name, data in files.items():
            _write_synced(tmp / file_name, data)
        _write_synced(tmp / MANIFEST, (json.dumps(record, indent=1, sort_keys=True) + "\n").encode())
        atomic.fix_modes(tmp)
        _fsync_dir(tmp)
        aside = None
        if final.exists():
            aside = atomic.tmp_name(final, "old")
            os.rename(final, aside)
        os.rename(tmp, final)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    _fsync_dir(Path(parent))
    return final


def folder(out: Path | None = None) -> Path:
    """The processed folder (``config.processed_dir()``), refused when it is a file."""
    out = Path(out or config.processed_dir())
    if out.exists() and not out.is_dir():
        raise ParlibError(
            f"{out}: the processed-data folder is a file, not a folder "
            "(check PARLIB_PROCESSED_DIR or PARLIB_ROOT)"
        )
    return out


def current(out: Path | None = None) -> Generation | None:
    """The current generation, or None when there is none (never built, or the pre-2 layout).

    Raises DamagedBuildError when the link points at a folder whose manifest is missing or
    unreadable (the files are not checked here: ``Generation.verify``).
    """
    out = folder(out)
    link = out / CURRENT
    if not link.is_symlink() and not link.is_dir():
        return None
    target = link.resolve()
    return Generation(target, read_manifest(target / MANIFEST, "run `parlib data build`"))


@contextlib.contextmanager
def build_lock(out: Path | None = None) -> Iterator[None]:
    """Serialise builds of one processed folder; the holder sweeps what killed builds left."""
    out = folder(out)
    atomic.make_dir(out)
    with atomic.lock(out / LOCK, "building the panel"):
        atomic.sweep(out)
        atomic.sweep(out / GENERATIONS)
        yield


def publish(out: Path, files: Mapping[str, bytes], manifest: Mapping[str, Any]) -> Generation:
    """Write ``files`` and their manifest as a new generation and make it current (hold build_lock).

    Nothing is visible until the final rename of ``current``; on any error the half-made
    generation is removed and the current one stays current.
    """
    out = folder(out)
    generations = out / GENERATIONS
    name = f"{str(manifest.get('key', 'nokey'))[:12]}-{secrets.token_hex(3)}"
    final = write_folder(generations, name, files, manifest)
    link = out / CURRENT
    previous = link.resolve() if link.is_symlink() else None
    _switch(link, Path(GENERATIONS) / name)
    for file_name in [*files, MANIFEST]:
        _ensure_link(out / file_name, Path(CURRENT) / file_name)
    prune(generations, keep={final, previous})
    return Generation(final, read_manifest(final / MANIFEST, "run `parlib data build`"))


def _write_synced(path: Path, data: bytes) -> None:
    with atomic.naming(path), open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _switch(link: Path, target: Path) -> None:
    """Point ``link`` at ``target`` with one rename (atomic on POSIX)."""
    tmp = atomic.tmp_name(link)
    os.symlink(target, tmp)
    try:
        os.replace(tmp, link)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    _fsync_dir(link.parent)


def _ensure_link(path: Path, target: Path) -> None:
    """Make ``path`` a link to ``target`` (replacing a regular file of the pre-generation layout)."""
    if path.is_symlink() and Path(os.readlink(path)) == target:
        return
    _switch(path, target)


def prune(parent: Path, keep: set[Path | None]) -> None:
    """Remove every folder of ``parent`` but ``keep`` (e.g. the new generation and the one it replaced)."""
    kept = {p.resolve() for p in keep if p is not None}
    for old in Path(parent).iterdir():
        if old.is_dir() and not old.name.startswith(".") and old.resolve() not in kept:
            shutil.rmtree(old, ignore_errors=True)
