"""Every index's results kept on disk for the current build, so a new process (``parlib card``, a
report kernel, a test) reads them in a fraction of a second instead of recomputing every index
for every province and year (about 4 s).

Freshness is content, as everywhere in parlib (``parlib.freshness``): a saved file is named by
the sha256 of the build's key (every raw file, the registry and the reading code) and of every
file of parlib's own code and data, so a changed input or a changed line of parlib gives a new
name and the old file is never read. A file that cannot be read back (damaged, written by another
pandas) is recomputed and replaced, never trusted. The files are pickles that parlib writes for
itself under ``data/processed/index_results/`` (git-ignored); only the two newest are kept.
"""

from __future__ import annotations

import contextlib
import pickle
from pathlib import Path

from parlib import atomic, config
from parlib.freshness import code_hashes, sha256_json
from parlib.indices.result import IndexResult

FOLDER = "index_results"
KEEP = 2


def key(build_key: str) -> str:
    """The name of the saved results of a build: its key and the hash of parlib's code and data."""
    return sha256_json({"build": build_key, "code": code_hashes(["*.py", "*/*.py", "data/*.csv"])})


def _path(name: str) -> Path:
    return config.processed_dir() / FOLDER / f"{name}.pkl"


def load(name: str) -> dict[str, IndexResult] | None:
    """The saved results, or None when there are none or they cannot be read back."""
    path = _path(name)
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            found = pickle.load(handle)
    except Exception:  # damaged or from another pandas: recompute, never trust
        return None
    if not isinstance(found, dict) or not all(isinstance(v, IndexResult) for v in found.values()):
        return None
    return found


def save(name: str, results: dict[str, IndexResult]) -> None:
    """Write the results atomically and drop all but the ``KEEP`` newest files. A disk that
    refuses the write costs only speed: the results are still returned by the caller."""
    path = _path(name)
    data = pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        atomic.write(path, lambda tmp: tmp.write_bytes(data))
    except OSError:
        return
    older = sorted(path.parent.glob("*.pkl"), key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEEP:]
    for old in older:  # only which files to delete depends on times; which file is read never does
        with contextlib.suppress(OSError):
            old.unlink()
