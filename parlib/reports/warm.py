"""Warm execution: a worker imports what reports need once, then forks a fresh child per report.

Decisions:

- **Warm once, fork per report.** ``prepare`` (once per worker process) makes the IPython
  shell with the inline backend and imports papermill, pandas, matplotlib and
  ``parlib.report_data``. ``warm_up`` then runs one of parlib's templates once in the worker,
  output discarded, per (template, year, language, geography), so the year's cache, fonts and
  lazy imports are loaded (a researcher's template is not run: it may be slow or write files);
  it pins the year's cache key (``sections.cache.pin``: a batch's inputs are fixed when it
  starts) and freezes the loaded objects out of the garbage collector (``gc.freeze``: forks
  neither scan nor copy them). Each report then runs in ``os.fork()``'s child, through
  papermill with the in-process engine (``parlib.reports.inprocess``): the child starts as a copy of the warm
  worker, runs one notebook with a reset shell and exits. Nothing a report does reaches the
  worker or the next report.
- **The same notebook.** papermill parameterises, times and writes the notebook as with a
  kernel; the engine builds outputs as ipykernel and nbclient do (tests/test_warm.py compares
  the two engines' notebooks cell by cell).
- **A child that crashes or hangs does not take the worker down.** The worker waits with a
  deadline (``timeout_s`` per notebook); a child past it is killed (SIGKILL) and the report
  fails with ``ReportTimeout``; a child killed by a signal (a segfault, the OOM killer) fails
  with ``ReportProcessDied``; a failing cell comes back as papermill's
  ``PapermillExecutionError`` (pickled through a pipe), so ``render`` reports it as today.
- **Children die with their worker** (``prctl(PR_SET_PDEATHSIG, SIGKILL)`` in the child, and
  the worker's ``_orphaned`` kills them), as workers die with the batch.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import random
import select
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from parlib import config
from parlib.reports import inprocess
from parlib.reports.tasks import Task
from parlib.reports.watchdog import _CHILDREN, _parent_death_signal

NOTEBOOK_TIMEOUT_S = 1800.0
"""Default deadline of one report (seconds); a report takes seconds, so this only stops a hang."""

_STATE: dict[str, Any] = {"prepared": False, "warm": set()}


class ReportTimeout(TimeoutError):
    """A report's process ran past its deadline and was killed."""


class ReportProcessDied(RuntimeError):
    """A report's process ended without a result (killed by a signal, or exited on its own)."""


def prepare() -> None:
    """Once per process: the shell (inline figures) and the imports every report makes."""
    if _STATE["prepared"]:
        return
    os.environ["MPLBACKEND"] = inprocess.INLINE_BACKEND
    inprocess.shell()
    import matplotlib.pyplot  # noqa: F401  (loads the inline backend, hooked to the shell)
    import nbformat  # noqa: F401
    import pandas  # noqa: F401
    import papermill  # noqa: F401

    import parlib.report_data
    import parlib.sections  # noqa: F401

    inprocess.register()
    inprocess._language_info()  # read here once, not in every fork
    inprocess.keep_warning_filters()
    _STATE["prepared"] = True


def _papermill(template: Path, out: Path, parameters: dict[str, Any], cwd: Path | None = None) -> None:
    """papermill with the in-process engine: ``template`` with ``parameters`` into ``out``."""
    import papermill

    papermill.execute_notebook(
        str(template),
        str(out),
        parameters=dict(parameters),
        engine_name=inprocess.ENGINE_NAME,
        kernel_name="python3",
        cwd=str(cwd or config.project_root()),
        request_save_on_cell_execute=False,
        autosave_cell_every=0,
        progress_bar=False,
    )


def _warm_key(task: Task) -> tuple[object, ...]:
    return (str(task.template), task.year, task.lang, task.geo)


def warm_up(task: Task, timeout_s: float = 120.0) -> None:
    """Run ``task``'s template once in this process, output discarded (once per template/year/lang/geo).

    Only parlib's own templates (notebooks/templates/) are run: a researcher's template may be
    slow or write files, and gets the imports of ``prepare`` only. A failure is ignored (the
    report's own run says what is wrong). The run is bounded by ``timeout_s`` through SIGALRM
    where this is the main thread; elsewhere (a Dask worker thread) only ``prepare`` warms.
    """
    prepare()
    key = _warm_key(task)
    if key in _STATE["warm"]:
        return
    _STATE["warm"].add(key)
    with contextlib.suppress(Exception):  # the year's cache key, once for this worker and its forks
        from parlib.sections import cache

        cache.pin(task.year)
    templates = (config.project_root() / "notebooks" / "templates").resolve()
    ours = Path(task.template).resolve().parent == templates
    if not ours or threading.current_thread() is not threading.main_thread():
        gc.freeze()
        return

    def _late(signum: int, frame: object) -> None:
        raise ReportTimeout("warm-up")

    old = signal.signal(signal.SIGALRM, _late)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        with tempfile.TemporaryDirectory(prefix="parlib-warm-") as folder:
            _papermill(task.template, Path(folder) / "warm.ipynb", task.parameters)
    except Exception as exc:
        if getattr(exc, "ename", None) == "KeyboardInterrupt":  # Ctrl-C during the warm-up: stop
            raise KeyboardInterrupt from exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        inprocess.fresh(inprocess.shell())  # reset here, once: the forks start with a clean shell
        gc.freeze()  # what is loaded now stays: the collector skips it, forks share its pages


def _child(run: tuple[Path, Path, dict[str, Any], Path | None], pipe: int) -> int:
    """In the forked child: run the notebook, send the outcome through ``pipe``; the exit code."""
    try:
        _parent_death_signal(signal.SIGKILL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        random.seed()  # a fresh process draws fresh seeds; a fork would repeat its parent's
        with contextlib.suppress(Exception):
            import numpy

            numpy.random.seed()
        outcome: tuple[str, object] = ("ok", None)
        try:
            _papermill(*run)
        except BaseException as exc:  # the report's failure, sent to the worker to report
            outcome = ("error", exc)
        try:
            data = pickle.dumps(outcome)
        except Exception:
            exc = outcome[1]
            data = pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        view = memoryview(data)
        while view:
            view = view[os.write(pipe, view) :]
        return 0 if outcome[0] == "ok" else 1
    except BaseException:
        return 70


def execute(task: Task, out: Path, timeout_s: float | None = None) -> int:
    """Run ``task`` into ``out`` in a fork of this warm process; 1 (attempts) or raise as papermill would."""
    warm_up(task)
    return execute_notebook(task.template, out, task.parameters, timeout_s=timeout_s)


def execute_notebook(
    template: Path,
    out: Path,
    parameters: dict[str, Any],
    cwd: Path | None = None,
    timeout_s: float | None = None,
) -> int:
    """papermill ``template`` with ``parameters`` into ``out`` in a fork of this (warm) process.

    ``cwd``: the notebook's working folder (default the project root). Returns 1; raises what
    papermill raises (``PapermillExecutionError`` for a failing cell), ``ReportTimeout`` or
    ``ReportProcessDied``.
    """
    prepare()
    deadline = time.monotonic() + (timeout_s or NOTEBOOK_TIMEOUT_S)
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            os.close(read_end)
            code = _child((Path(template), Path(out), dict(parameters), cwd), write_end)
        finally:
            os._exit(code)
    _CHILDREN.add(pid)
    os.close(write_end)
    chunks: list[bytes] = []
    status: int | None = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                limit = timeout_s or NOTEBOOK_TIMEOUT_S
                raise ReportTimeout(f"the report did not finish in {limit:g} s; its process was killed")
            ready, _, _ = select.select([read_end], [], [], min(left, 0.5))
            if ready:
                data = os.read(read_end, 1 << 16)
                if data:
                    chunks.append(data)
                    continue
                break  # EOF: the child is gone (or closed its end)
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
                break
        with contextlib.suppress(OSError):  # what the child wrote before it exited
            while data := os.read(read_end, 1 << 16):
                chunks.append(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        raise
    finally:
        if status is None:
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(pid, 0)
        _CHILDREN.discard(pid)
        with contextlib.suppress(OSError):
            os.close(read_end)
    return _outcome(b"".join(chunks), status)


def _outcome(data: bytes, status: int | None) -> int:
    """1 for a notebook that ran; else raise what the child sent, or why it gave nothing."""
    if data:
        kind, exc = pickle.loads(data)
        if kind == "ok":
            return 1
        raise exc
    if status is not None and os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        raise ReportProcessDied(f"the report's process was killed by {name}")
    code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None
    raise ReportProcessDied(f"the report's process exited with code {code} without a result")


class Runner:
    """One warm process that runs notebooks, each in a fresh fork (tests, scripts, refresh jobs).

    >>> with Runner() as runner:
    ...     runner.run(template, out, {"province": "Lạng Sơn", "year": 2022})

    The process is spawned, warmed by ``prepare`` on its first notebook and dies with this one.
    """

    def __init__(self) -> None:
        from parlib.reports.watchdog import process_pool

        self._pool = process_pool(1)

    def run(
        self,
        template: Path,
        out: Path,
        parameters: dict[str, Any] | None = None,
        cwd: Path | None = None,
        timeout_s: float | None = None,
    ) -> None:
        """``execute_notebook`` in the warm process; raises what it raises."""
        args = (Path(template), Path(out), dict(parameters or {}), cwd, timeout_s)
        self._pool.submit(execute_notebook, *args).result()

    def pid(self) -> int:
        """The warm process's pid (started on first use)."""
        return self._pool.submit(os.getpid).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
