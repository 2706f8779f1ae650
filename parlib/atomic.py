"""Atomic writes: a file appears complete under its name, or not at all; nothing half-written.

Every derived file parlib writes (panel, observations, the report cache, reports, the registry)
goes through here:

- ``write(target, writer)`` calls ``writer(tmp)`` on a hidden temporary file beside ``target``
  (same folder, so the rename cannot cross file systems), flushes it to disk, gives it the mode
  a plain ``open()`` would (0666 minus the umask, so a shared project folder works: ``mkstemp``
  alone makes 0600 files) and renames it onto ``target``. On any error, Ctrl-C included, the
  temporary file is removed and ``target`` is left as it was.
- ``make_dir`` / ``temp_dir`` do the same for folders (``mkdtemp`` makes 0700 folders).
- ``lock(path)`` serialises writers of one folder across processes (two builds at once: the
  second waits for the first, then finds its result fresh).
- ``sweep(folder)`` removes temporary files left by a process killed with SIGKILL, which no
  ``finally`` can clean up. Call it only while holding the lock that owns the folder, so a
  temporary file of a running writer is never taken.

Temporary names start with a dot and contain ``TMP_MARK`` so they are never mistaken for data.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from parlib.errors import ParlibError

TMP_MARK = ".parlib-tmp"
"""Part of every temporary file and folder name made here."""


def umask() -> int:
    """The process umask (read without changing it where /proc allows; else set and restore)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)
    os.umask(old)
    return old


def file_mode() -> int:
    """0666 minus the umask: the mode ``open(path, "w")`` gives a new file."""
    return 0o666 & ~umask()


def dir_mode() -> int:
    """0777 minus the umask: the mode ``os.mkdir`` gives a new folder."""
    return 0o777 & ~umask()


def tmp_name(target: Path, tag: str = "") -> Path:
    """A fresh hidden temporary path beside ``target``."""
    target = Path(target)
    tag = f".{tag}" if tag else ""
    return target.with_name(f".{target.name}{tag}.{secrets.token_hex(4)}{TMP_MARK}")


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """Give an OSError raised inside the block ``path`` as its file name when it has none.

    A failed ``write()`` (full disk, file too large) names no file; the one-line error must.
    """
    try:
        yield
    except OSError as exc:
        if exc.filename is None and exc.errno is not None:
            raise OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path)) from exc
        raise


def write(target: Path, writer: Callable[[Path], None], *, fsync: bool = True) -> Path:
    """Write ``target`` atomically through ``writer(tmp_path)``; return ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_name(target)
    try:
        with naming(target):
            writer(tmp)
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def write_text(target: Path, text: str) -> Path:
    """``write`` for UTF-8 text with ``\\n`` line ends."""

    def writer(path: Path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)

    return write(target, writer)


def make_dir(path: Path) -> Path:
    """``mkdir -p`` whose new folders get 0777 minus the umask (as ``os.makedirs`` does)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def temp_dir(parent: Path, tag: str = "dir") -> Iterator[Path]:
    """A hidden temporary folder in ``parent`` (mode 0777 minus umask), removed unless renamed away."""
    make_dir(parent)
    path = Path(tempfile.mkdtemp(prefix=f".{tag}.", suffix=TMP_MARK, dir=parent))
    try:
        os.chmod(path, dir_mode())
        yield path
    finally:
        if path.exists():
            shutil.rmtree(path, ignore_errors=True)


def fix_modes(folder: Path) -> None:
    """Give every file and folder under ``folder`` (and itself) the umask's default mode."""
    os.chmod(folder, dir_mode())
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(Path(root) / name, dir_mode())
        for name in files:
            os.chmod(Path(root) / name, file_mode())


def sweep(folder: Path, recursive: bool = False) -> list[Path]:
    """Remove the temporary files and folders (``TMP_MARK`` or legacy ``.part``) in ``folder``.

    Only call it while holding the lock of whatever writes into ``folder``. Returns what went.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    gone: list[Path] = []
    candidates = folder.rglob(".*") if recursive else folder.glob(".*")
    for path in list(candidates):
        if TMP_MARK not in path.name and not path.name.endswith(".part"):
            continue
        with contextlib.suppress(FileNotFoundError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            gone.append(path)
    return gone


def is_disk_full(exc: BaseException) -> bool:
    """True for 'no space left' and 'file too large' (a quota or RLIMIT_FSIZE)."""
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


class LockTimeout(ParlibError):
    """Another process held a lock for longer than we were prepared to wait."""


@contextlib.contextmanager
def lock(path: Path, what: str, timeout: float = 1800.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) while the block runs.

    Waits for another holder (polling, so Ctrl-C works) up to ``timeout`` seconds, then raises
    LockTimeout naming the lock file and the holder's pid. The lock goes with the process: a
    holder killed with SIGKILL frees it at once (``flock``).
    """
    import fcntl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with naming(path):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, file_mode())
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    raise LockTimeout(
                        f"{path}: another parlib process (pid {holder}) has been {what} for over "
                        f"{timeout:.0f} s; wait for it or stop it"
                    ) from None
                time.sleep(0.1)
        with naming(path):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
