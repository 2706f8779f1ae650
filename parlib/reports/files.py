"""Writing report files: atomic text, the executed notebook's flush, one-line write errors.

Decision (atomic outputs): every file is written with ``parlib.atomic`` (fsync, mode 0666
minus the umask: 0644 by default); a write that fails (full disk, quota, file size limit) is
told in one line naming the file and the problem.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from parlib import atomic, config
from parlib.errors import os_problem


def _display_path(path: Path) -> str:
    """Relative to the project root when inside it (symbolic links resolved)."""
    return config.shown_path(Path(path).resolve())


def _write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically (``parlib.atomic``: fsync, umask mode; complete or absent)."""
    return atomic.write_text(path, text)


def _write_error(target: Path, exc: BaseException) -> str:
    """One line: the file that could not be written and why (a full disk, a quota ...)."""
    if isinstance(exc, OSError):
        what = os_problem(exc)
    else:
        what = f"{type(exc).__name__}: {exc}"
    return f"{_display_path(target)}: {' '.join(str(what).split())}"


def _complete_notebook(path: Path) -> bool:
    """True when ``path`` holds a whole notebook (papermill may have been cut off by a full disk)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(nb, dict) and isinstance(nb.get("cells"), list)


def _finish_notebook(path: Path) -> None:
    """papermill wrote ``path`` with a plain open(): flush it to disk and give it atomic's mode."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
    os.chmod(path, atomic.file_mode())
