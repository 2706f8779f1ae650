"""Content hashes: the one rule that decides whether a derived file is stale.

DESIGN.md, "Freshness": every derived file (the panel generation, the report cache, a report)
records the sha256 of every input it was made from and of the code that made it, and it is
stale exactly when one of those changes. File modification times and build timestamps never
decide anything (``cp -p`` keeps an old mtime on new content; a rebuild gives the same content
a new mtime).

A derived file keeps its inputs as ``{"name": sha256, ...}`` dicts; ``changed(recorded, now)``
names the first difference, which is what a stale message shows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from parlib import config


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_json(obj: object) -> str:
    """Hex sha256 of ``obj`` as canonical JSON (sorted keys): the key of a set of inputs."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=True, separators=(",", ":"), default=str)
    return sha256_bytes(text.encode())


def file_hashes(paths: Iterable[Path], base: Path) -> dict[str, str]:
    """``{path relative to base: sha256}`` for files that exist (a missing file is left out)."""
    out: dict[str, str] = {}
    for path in sorted(set(map(Path, paths))):
        if path.is_file():
            try:
                name = path.resolve().relative_to(Path(base).resolve()).as_posix()
            except ValueError:
                name = str(path)
            out[name] = sha256_file(path)
    return out


def code_hashes(names: Iterable[str]) -> dict[str, str]:
    """sha256 of parlib's own files named relative to the package (globs allowed: ``indices/*.py``)."""
    pkg = config.PACKAGE_DIR
    paths: list[Path] = []
    for name in names:
        paths += sorted(pkg.glob(name)) if any(c in name for c in "*?[") else [pkg / name]
    return file_hashes(paths, pkg)


def changed(recorded: Mapping[str, object], now: Mapping[str, object], what: str = "") -> str | None:
    """The first difference between two input records, as words; None when they are equal."""
    for name in sorted(set(recorded) | set(now)):
        before, after = recorded.get(name), now.get(name)
        if before == after:
            continue
        label = f"{what}{name}"
        if isinstance(before, Mapping) and isinstance(after, Mapping):
            inner = changed(before, after, f"{label}/")
            if inner:
                return inner
            continue
        if before is None:
            return f"{label} is new"
        if after is None:
            return f"{label} is gone"
        return f"{label} changed"
    return None
