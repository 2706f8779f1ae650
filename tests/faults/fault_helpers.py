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
