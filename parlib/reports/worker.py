"""The worker function: ``render`` executes one task and writes its report atomically.

Decision (atomic outputs): every file goes into a hidden temporary folder beside the targets
(``.<slug>.<batch>.*.parlib-tmp``) and is renamed into place at the end (sidecar last, after
removing the old one, so a sidecar always describes the .ipynb/.html beside it). The temporary
folder goes on failure, Ctrl-C, a full disk and the parent's death. A failed render keeps its
executed notebook, if complete, as a log under reports/<year>/failed/<slug>.ipynb (+ .json),
each written atomically (complete or absent), and leaves any earlier complete report as it
was; a later successful render removes the log. A write that fails (full disk, quota, file
size limit) fails that report only, naming the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from parlib import atomic
from parlib.reports import warm
from parlib.reports.execute import KERNEL_NAME
from parlib.reports.execute import _execute as _papermill_execute
from parlib.reports.files import (
    _complete_notebook,
    _display_path,
    _finish_notebook,
    _write_error,
    _write_text,
)
from parlib.reports.provenance import (
    SIDECAR_SCHEMA,
    _jsonable,
    _now,
    _parlib_version,
    package_versions,
    read_records,
)
from parlib.reports.results import Failure, TaskResult
from parlib.reports.site import to_html
from parlib.reports.tasks import Task
from parlib.reports.watchdog import _COMMIT_LOCK, _EXIT, _active, _orphaned


def _execute(task: Task, out: Path, engine: str = "warm", timeout_s: float | None = None) -> int:
    """Run the task's notebook into ``out`` with ``engine`` (``warm`` or ``papermill``); returns attempts."""
    if engine == "warm":
        return warm.execute(task, out, timeout_s)
    return _papermill_execute(task, out, timeout_s)


def render(task: Task, context: dict[str, object], batch: str = "solo") -> TaskResult:
    """Execute one task and write its report atomically (the worker function; runs in any process).

    ``context``: ``inputs`` (``inputs_key``), ``template`` (path and sha256), ``raw_files``,
    ``engine`` (``warm``, the default, or ``papermill``) and ``timeout_s`` (per notebook).
    Everything is written into a temporary folder ``.<slug>.<batch>.*.parlib-tmp`` beside the
    targets and renamed into place; the folder is removed on any failure, KeyboardInterrupt or
    the death of the batch's parent. Never raises for a failed report (a cell, the kernel, a
    full disk): the TaskResult says what failed and where.
    """
    started, t0 = _now(), time.perf_counter()
    side: dict[str, object] = {
        "schema": SIDECAR_SCHEMA,
        "status": "running",
        "province_id": task.province_id,
        "province": task.province,
        "slug": task.slug,
        "year": task.year,
        "geo": task.geo,
        "lang": task.lang,
        "parameters": task.parameters,
        "template": context["template"],
        "inputs": context["inputs"],
        "raw_files": context["raw_files"],
        "parlib_version": _parlib_version(),
        "versions": package_versions(),
        "kernel": KERNEL_NAME,
        "engine": context.get("engine", "warm"),
        "started": started,
    }
    try:
        with atomic.temp_dir(task.folder, tag=f"{task.stem}.{batch}") as work, _active(work):
            how = {"engine": side["engine"], "timeout_s": context.get("timeout_s")}
            return _render_in(task, work, side, t0, how)
    except OSError as exc:  # the temporary folder itself: a full disk, a read-only folder
        text = f"{_write_error(task.folder, exc)} (the previous report, if any, is kept)"
        failure = Failure(
            task.province_id, task.province, task.year, type(exc).__name__, text, stage="writing"
        )
        return TaskResult(task.province_id, task.year, "failed", time.perf_counter() - t0, failure)


def _render_in(task: Task, work: Path, side: dict[str, object], t0: float, how: dict[str, Any]) -> TaskResult:
    from papermill import PapermillExecutionError

    def failed(exc: BaseException, text: str | None = None, **where: Any) -> TaskResult:
        evalue = str(exc) if text is None else text
        failure = Failure(task.province_id, task.province, task.year, type(exc).__name__, evalue, **where)
        return _keep_failed(task, work, tmp_nb, side, failure, t0)

    tmp_nb = work / f"{task.stem}.ipynb"
    tmp_html = work / f"{task.stem}.html"
    tmp_json = work / f"{task.stem}.json"
    try:
        attempts = _execute(task, tmp_nb, **how)
    except PapermillExecutionError as exc:
        if exc.ename == "KeyboardInterrupt":
            raise KeyboardInterrupt from exc
        failure = Failure(
            task.province_id,
            task.province,
            task.year,
            exc.ename,
            exc.evalue,
            cell_index=exc.cell_index,
            template_cell=_template_cell(task.template, exc.source),
            exec_count=exc.exec_count,
        )
        return _keep_failed(task, work, tmp_nb, side, failure, t0)
    except OSError as exc:
        if exc.filename is None and atomic.is_disk_full(exc):  # papermill writing the executed notebook
            text = f"{_write_error(task.ipynb, exc)} (the previous report, if any, is kept)"
            return failed(exc, text, stage="writing")
        return failed(exc)
    except Exception as exc:
        return failed(exc)
    target = task.ipynb
    try:
        _finish_notebook(tmp_nb)
        target = task.html
        page = to_html(tmp_nb, f"{task.province} {task.year}", provenance=side, target=task.html)
        _write_text(tmp_html, page)
        target = task.sidecar
        side.update(
            status="ok",
            outputs={"ipynb": task.ipynb.name, "html": task.html.name},
            finished=_now(),
            duration_s=round(time.perf_counter() - t0, 3),
            attempts=attempts,
            records=_jsonable(read_records(tmp_nb)),
        )
        _write_text(tmp_json, json.dumps(_jsonable(side), indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        text = f"{_write_error(target, exc)} (the previous report, if any, is kept)"
        return failed(exc, text, stage="writing")
    except Exception as exc:  # nbconvert, a notebook whose records cannot be read
        return failed(exc, stage="converting to HTML" if target == task.html else "reading records")
    try:
        _commit(task, tmp_nb, tmp_html, tmp_json)
    except OSError as exc:
        text = f"{_write_error(task.folder, exc)} while renaming the report into place; run it again"
        return failed(exc, text, stage="writing")
    for stale in (task.failed_log, task.failed_log.with_suffix(".json")):
        with contextlib.suppress(OSError):
            stale.unlink()
    return TaskResult(task.province_id, task.year, "ok", time.perf_counter() - t0, attempts=attempts)


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold SIGINT back for a few renames (main thread, POSIX); a Ctrl-C lands right after."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _commit(task: Task, tmp_nb: Path, tmp_html: Path, tmp_json: Path) -> None:
    """Rename the finished files into place: old sidecar out first, new sidecar in last.

    A sidecar therefore always describes the .ipynb and .html beside it; SIGINT is deferred
    for the four renames so Ctrl-C cannot split them, and so is the exit of a worker whose
    parent died (``_orphaned`` waits for ``_COMMIT_LOCK``).
    """
    _EXIT["committing"] = True
    try:
        with _COMMIT_LOCK, _sigint_deferred():
            with contextlib.suppress(FileNotFoundError):
                task.sidecar.unlink()
            os.replace(tmp_nb, task.ipynb)
            os.replace(tmp_html, task.html)
            os.replace(tmp_json, task.sidecar)
    finally:
        _EXIT["committing"] = False
    if _EXIT["pending"] is not None:
        _orphaned(int(_EXIT["pending"]))


def _keep_failed(
    task: Task, work: Path, tmp_nb: Path, side: dict[str, object], failure: Failure, t0: float
) -> TaskResult:
    """Keep the executed notebook as failed/<slug>.ipynb (if complete) with failed/<slug>.json beside it.

    Each log is complete or absent (renamed from ``work``; a cut-off notebook is not kept, nor
    is an older run's log that would no longer match). A log that cannot be written (a full
    disk) is noted in the failure, never raised: the batch goes on.
    """
    log_nb, log_json = task.failed_log, task.failed_log.with_suffix(".json")
    problems: list[str] = []
    try:
        log_nb.parent.mkdir(parents=True, exist_ok=True)
        if _complete_notebook(tmp_nb):
            _finish_notebook(tmp_nb)
            os.replace(tmp_nb, log_nb)
            failure.log = _display_path(log_nb)
        else:
            with contextlib.suppress(FileNotFoundError):
                log_nb.unlink()
    except OSError as exc:
        problems.append(_write_error(log_nb, exc))
        with contextlib.suppress(OSError):
            log_nb.unlink()
    failure.log_error = "; ".join(problems) or None
    side.update(
        status="failed",
        finished=_now(),
        duration_s=round(time.perf_counter() - t0, 3),
        error=asdict(failure),
    )
    tmp_json = work / f"{task.stem}.failed.json"
    try:
        _write_text(tmp_json, json.dumps(_jsonable(side), indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp_json, log_json)
    except OSError as exc:
        problems.append(_write_error(log_json, exc))
        with contextlib.suppress(OSError):
            log_json.unlink()
    failure.log_error = "; ".join(problems) or None
    return TaskResult(task.province_id, task.year, "failed", time.perf_counter() - t0, failure)


def _template_cell(template: Path, source: str | None) -> int | None:
    """Index of the template cell whose source is ``source`` (the failing cell)."""
    if not source:
        return None
    import nbformat

    with contextlib.suppress(Exception):
        nb = nbformat.read(str(template), as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and cell.source == source:
                return i
    return None
