"""Workers die with the batch: the parent-death guard of a pool worker and what it cleans up.

Decision: a worker exits when its parent does (SIGKILL included): on Linux
``prctl(PR_SET_PDEATHSIG, SIGTERM)``, everywhere a watchdog thread polling ``os.getppid()``.
Either way it kills the kernels it started (their process group), removes its temporary folder
and exits (``process_pool`` makes such workers); the multiprocessing resource tracker then exits
too (its pipe closes). The kernels would also go on their own (ipykernel's parent poller, 1 s).
A worker renaming a report into place finishes the renames first (``_COMMIT_LOCK``, ``_EXIT["committing"]``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path


def process_pool(jobs: int) -> Executor:
    """The pool that runs ``render``: worker processes (spawn) that die with this process."""
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


PR_SET_PDEATHSIG = 1
"""prctl option (linux/prctl.h): the signal a process gets when the thread that forked it dies."""
WATCH_INTERVAL_S = 0.5
"""How often a worker's watchdog thread checks that its parent is still there."""

_KERNELS: weakref.WeakSet = weakref.WeakSet()  # kernel managers this process started
_CHILDREN: set[int] = set()  # forked report processes of this worker (parlib.reports.warm)
_ACTIVE: set[Path] = set()  # temporary folders of the render in progress in this process
_COMMIT_LOCK = threading.Lock()
_EXIT: dict[str, object] = {"committing": False, "pending": None, "parent": None}


@contextlib.contextmanager
def _active(folder: Path) -> Iterator[Path]:
    _ACTIVE.add(folder)
    try:
        yield folder
    finally:
        _ACTIVE.discard(folder)


@lru_cache(maxsize=1)
def _kernel_dir() -> Path:
    """This process's folder for kernel connection files and sockets, removed when it exits."""
    from multiprocessing import util

    # Short path: unix socket paths are limited to ~100 characters. A pool worker's folder names
    # the batch's process, which removes it after the pool even if the worker was killed.
    parent = _EXIT["parent"]
    path = Path(tempfile.mkdtemp(prefix=f"parlib-k-{parent}-" if parent else "parlib-k-"))
    # Finalize (not atexit): pool workers leave through os._exit, which skips atexit handlers.
    util.Finalize(None, shutil.rmtree, args=(str(path),), kwargs={"ignore_errors": True}, exitpriority=10)
    return path


def _kill_kernels() -> None:
    """SIGKILL the process group of every kernel this process started that is still running."""
    for pid in list(_CHILDREN):  # the warm engine's forked report processes
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    for manager in list(_KERNELS):
        prov = getattr(manager, "provisioner", None)
        if prov is None or not getattr(prov, "has_process", False):
            continue
        pid, pgid = getattr(prov, "pid", None), getattr(prov, "pgid", None)
        with contextlib.suppress(OSError):
            if pgid and hasattr(os, "killpg") and pgid != os.getpgrp():
                os.killpg(pgid, signal.SIGKILL)  # the kernel has its own session: its children too
            elif pid:
                os.kill(pid, signal.SIGKILL)


def _orphaned(code: int = 1) -> None:
    """The batch's parent is gone: kill our kernels, remove our temporary files, exit at once."""
    _COMMIT_LOCK.acquire(timeout=10)  # renames in progress finish first; never released: we exit
    try:
        _kill_kernels()
        for folder in list(_ACTIVE):
            shutil.rmtree(folder, ignore_errors=True)
        if _kernel_dir.cache_info().currsize:
            shutil.rmtree(_kernel_dir(), ignore_errors=True)
    finally:
        os._exit(code)


def _on_sigterm(signum: int, frame: object) -> None:
    """A worker's SIGTERM (its parent died, or the pool is broken): clean up and exit."""
    if _EXIT["committing"]:  # the main thread is renaming a report into place: exit right after
        _EXIT["pending"] = 128 + signum
        return
    _orphaned(128 + signum)


def _parent_death_signal(sig: int) -> bool:
    """Linux: ask the kernel to send ``sig`` to this process when its parent dies (prctl)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    """Watchdog thread (portable): exit when the parent is no longer ``parent_pid``."""
    with contextlib.suppress(AttributeError, ValueError, OSError):  # signals stay with the main thread
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    while os.getppid() == parent_pid:
        time.sleep(WATCH_INTERVAL_S)
    _orphaned(1)


def _worker_init(parent_pid: int) -> None:
    """Pool initializer: the worker (and the kernels it started) go when the batch's parent dies."""
    _EXIT["parent"] = parent_pid
    try:
        if os.name == "posix":
            signal.signal(signal.SIGTERM, _on_sigterm)
            _parent_death_signal(signal.SIGTERM)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            _orphaned(1)
        watch = threading.Thread(target=_watch_parent, args=(parent_pid,), name="parlib-watch-parent")
        watch.daemon = True
        watch.start()
    except Exception:  # never break the pool over a best-effort guard
        pass
