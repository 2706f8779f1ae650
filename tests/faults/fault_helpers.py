"""Helpers of the fault tests: run the CLI in a subprocess, check its one-line error, snapshot folders.

Every fault test runs ``python -m parlib.cli`` with the PARLIB_* path overrides pointing into a
temporary folder, so nothing in the project's data/ or reports/ is touched.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def env(**overrides: object) -> dict[str, str]:
    """os.environ plus ``overrides`` (None removes a variable); no progress bars, Agg backend."""
    out = dict(os.environ)
    out.update({"MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"})
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = str(value)
    return out


def cli(
    *args: object, environ: Mapping[str, str] | None = None, timeout: float = 600, preexec=None
) -> subprocess.CompletedProcess:
    """``parlib ARGS`` in a subprocess (cwd: the project root); stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "parlib.cli", *map(str, args)],
        cwd=ROOT,
        env=dict(environ) if environ is not None else env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
    )


def error_line(proc: subprocess.CompletedProcess, *names: str, code: int | None = None) -> str:
    """The error, checked: non-zero exit (``code`` if given), ONE line on stderr, naming ``names``."""
    assert proc.returncode != 0, f"exit 0\nstdout: {proc.stdout[-2000:]}\nstderr: {proc.stderr[-2000:]}"
    if code is not None:
        assert proc.returncode == code, (proc.returncode, proc.stderr[-2000:])
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert len(lines) == 1, "expected one line on stderr, got:\n" + proc.stderr[-3000:]
    line = lines[0]
    assert line.startswith("parlib: error: "), line
    for name in names:
        assert name in line, f"{name!r} not in {line!r}"
    return line


def snapshot(*folders: Path) -> dict[str, str]:
    """path -> sha256 (or '->target' for a symlink) of everything under ``folders``."""
    out: dict[str, str] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.exists():
            continue
        for path in sorted(folder.rglob("*")):
            key = str(path)
            if path.is_symlink():
                out[key] = "->" + os.readlink(path)
            elif path.is_file():
                out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[key] = "<dir>"
    return out


def copy_raw(source: Path, dest: Path) -> Path:
    """A private copy of data/raw (15 MB) to damage; hidden files left out."""
    import shutil

    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".*"))
    return dest


def copy_processed(source: Path, dest: Path) -> Path:
    """A private copy of a processed folder, its build lock as a released lock leaves it (empty).

    The shared build (``built_processed``) may be checked by another test worker, holding its lock
    (which then names that worker's pid) at the moment of the copy: a snapshot taken before a
    command would differ from one after for that reason alone.
    """
    import shutil

    from parlib import store

    shutil.copytree(source, dest, symlinks=True)
    lock = dest / store.LOCK
    if lock.exists():
        lock.write_bytes(b"")
    return dest


def reregister(raw: Path, name: str) -> str:
    """Record the current sha256 of ``raw/name`` in ``raw/registry.csv`` (a deliberate edit)."""
    import pandas as pd

    from parlib.freshness import sha256_file

    registry = raw / "registry.csv"
    table = pd.read_csv(registry, dtype=str, keep_default_na=False)
    assert name in set(table["name"]), name
    sha = sha256_file(raw / name)
    table.loc[table["name"] == name, "sha256"] = sha
    table.to_csv(registry, index=False, lineterminator="\n")
    return sha


def namespaces() -> bool:
    """True when ``unshare -Urm`` can mount a tmpfs here (real read-only and full-disk tests)."""
    import shutil

    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-Urm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /tmp && echo ok"],
        capture_output=True,
        text=True,
    )
    return probe.stdout.strip() == "ok"


def in_namespace(script: str, environ: Mapping[str, str] | None = None, timeout: float = 600):
    """Run a shell ``script`` in a private user and mount namespace (mounts vanish with it)."""
    return subprocess.run(
        ["unshare", "-Urm", "sh", "-ec", script],
        cwd=ROOT,
        env=dict(environ) if environ is not None else env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def make_stale(processed: Path) -> None:
    """Make the current build stale without touching code or data: its manifest records another
    hash for panel.py, so the next `parlib data build` builds (from the kept reader outputs)."""
    import json

    manifest = Path(os.path.realpath(processed / "current")) / "build.json"
    record = json.loads(manifest.read_text(encoding="utf-8"))
    record["inputs"]["code"]["panel.py"] = "0" * 64
    manifest.write_text(json.dumps(record), encoding="utf-8")
