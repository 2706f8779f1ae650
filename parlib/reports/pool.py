"""The batch: ``run`` renders tasks in a pool of worker processes, with one progress bar.

Decisions:

- **Processes, not threads.** Each task runs in a worker of a ``ProcessPoolExecutor``
  (``spawn`` context, default ``os.cpu_count()`` workers, ``render`` as the worker function;
  ``parlib.reports.watchdog.process_pool``, also importable here as ``_executor``) and one tqdm
  bar covers the batch. Workers die with the batch (``parlib.reports.watchdog``).
- **Heavy work once.** ``report_data.prepare(year)`` runs once per year in the parent before
  the batch (``_prepare_year``), so notebooks only load the cache.
- **Failures are collected, not raised**: a failed report, a worker that died, an index page
  that cannot be written (one more line in the summary; the old page stays) end up in the
  ``BatchReport``. Temporary files of this batch, and those of a batch killed with SIGKILL
  more than ``STALE_TMP_S`` ago, are swept.
- **Scale.** ``run(..., scheduler="local" | "tcp://HOST:PORT")`` hands the same tasks to Dask
  distributed instead (``parlib.reports.executors``: a LocalCluster, or an existing cluster whose
  workers write into a shared reports folder); same bar, failure rows, summary and sweep. Dask is
  the optional extra ``.[dask]``, imported only then. Interrupted on a remote cluster, the batch's
  temporary files are not swept: reports already running there finish (atomically) on their own.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, as_completed
from pathlib import Path
from typing import Any

from parlib import atomic
from parlib.reports.execute import validate_engine
from parlib.reports.executors import is_remote, record, run_dask, validate_scheduler
from parlib.reports.files import _display_path, _write_error
from parlib.reports.params import _report_data
from parlib.reports.provenance import (
    _sha256_file,
    data_stamp,
    inputs_key,
    is_up_to_date,
    raw_file_hashes,
)
from parlib.reports.results import BatchReport, TaskResult
from parlib.reports.site import write_index
from parlib.reports.tasks import Task
from parlib.reports.watchdog import process_pool as _executor
from parlib.reports.worker import render

_TMP_MARK = atomic.TMP_MARK
STALE_TMP_S = 24 * 3600
"""Temporary files older than this (from a batch killed with SIGKILL) are removed by the next run."""


def _prepare_year(year: int) -> Path | None:
    """``report_data.prepare(year)`` in the parent (once per year); None without report_data."""
    module = _report_data()
    return None if module is None else Path(module.prepare(year))


def _sweep(folders: Iterable[Path], batch: str, older_than_s: float | None = None) -> None:
    """Remove this batch's temporary files and folders (left by a worker that was killed).

    With ``older_than_s``: any batch's temporary files older than that (a batch killed with -9).
    """
    pattern = f".*{_TMP_MARK}*" if older_than_s is not None else f".*.{batch}.*{_TMP_MARK}*"
    now = time.time()
    for folder in folders:
        for sub in (folder, folder / "failed"):
            if sub.is_dir():
                for tmp in sub.glob(pattern):
                    with contextlib.suppress(OSError):
                        if older_than_s is None or now - tmp.lstat().st_mtime > older_than_s:
                            if tmp.is_dir() and not tmp.is_symlink():
                                shutil.rmtree(tmp)
                            else:
                                tmp.unlink()


def _sweep_kernel_dirs() -> None:
    """Remove the kernel folders of this process's pool workers (a worker killed with -9 leaves its own)."""
    for folder in Path(tempfile.gettempdir()).glob(f"parlib-k-{os.getpid()}-*"):
        shutil.rmtree(folder, ignore_errors=True)


def run(
    tasks: Sequence[Task],
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    *,
    prepare: bool = True,
    index: bool = True,
    engine: str = "warm",
    timeout_s: float | None = None,
    scheduler: str | None = None,
) -> BatchReport:
    """Render ``tasks`` in parallel worker processes; failures are collected, not raised.

    ``jobs``: worker processes (default ``os.cpu_count()``, at most one per task). ``force``:
    re-render reports that are up to date. ``progress``: one tqdm bar on stderr for the batch.
    ``prepare``: call ``report_data.prepare(year)`` once per year first. ``index``: rewrite
    reports/index.html for every reports folder touched; a page that cannot be written (a full
    disk) is listed in ``index_errors`` and the old page stays. ``engine``: ``"warm"`` (cells run
    in a fresh fork of a warmed worker, ``parlib.reports.warm``) or ``"papermill"`` (a new kernel per
    report); both write the same notebook. ``timeout_s``: a report still running after this many
    seconds is stopped and fails (warm: per notebook, default ``warm.NOTEBOOK_TIMEOUT_S``;
    papermill: per cell, default none). ``scheduler``: None (the process pool), ``"local"`` (a
    Dask LocalCluster of ``jobs`` processes) or ``"tcp://HOST:PORT"`` (an existing Dask cluster;
    ``jobs`` is then its number of workers), see ``parlib.reports.executors``. Ctrl-C stops the
    batch, removes temporary files and re-raises KeyboardInterrupt.
    """
    from tqdm.auto import tqdm

    engine = validate_engine(engine)
    scheduler = validate_scheduler(scheduler)  # before any work: a bad address, no dask extra

    t0 = time.perf_counter()
    batch = f"b{os.getpid()}{secrets.token_hex(3)}"
    tasks = list(tasks)
    report = BatchReport()
    years = sorted({t.year for t in tasks})
    caches = {y: (_prepare_year(y) if prepare else None) for y in years}
    stamps = {y: data_stamp(y, caches[y]) for y in years}
    raw = raw_file_hashes() if tasks else {}
    template_hashes = {t.template: _sha256_file(t.template) for t in tasks}
    todo: list[tuple[Task, dict[str, object]]] = []
    for task in tasks:
        sha = template_hashes[task.template]
        key = inputs_key(task, sha, stamps[task.year])
        if not force and is_up_to_date(task, key):
            report.results.append(TaskResult(task.province_id, task.year, "skipped"))
            continue
        context = {
            "inputs": key,
            "template": {"path": _display_path(task.template), "sha256": sha},
            "raw_files": raw,
            "engine": engine,
            "timeout_s": timeout_s,
        }
        todo.append((task, context))
    report.jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    folders = {t.folder for t in tasks} | {t.reports_dir for t in tasks}
    _sweep(folders, batch, older_than_s=STALE_TMP_S)
    interrupted = False
    try:
        if todo and scheduler is None:
            _run_pool(todo, report, batch, progress, tqdm)
        elif todo:
            run_dask(todo, report, batch, progress, tqdm, scheduler)
    except BaseException:
        interrupted = True
        raise
    finally:
        if not (interrupted and is_remote(scheduler)):  # a remote worker may still be renaming its report
            _sweep(folders, batch)
        _sweep_kernel_dirs()
        report.duration_s = time.perf_counter() - t0
    order = {(t.province_id, t.year): i for i, t in enumerate(tasks)}
    report.results.sort(key=lambda r: order.get((r.province_id, r.year), len(order)))
    if index:
        for root in sorted({t.reports_dir for t in tasks}):
            try:
                report.index = write_index(root)
            except OSError as exc:
                report.index_errors.append(
                    f"{_write_error(root / 'index.html', exc)} (the previous page is kept)"
                )
    return report


def _run_pool(
    todo: list[tuple[Task, dict[str, object]]], report: BatchReport, batch: str, progress: bool, tqdm: Any
) -> None:
    bar = tqdm(total=len(todo), unit="report", desc="reports", disable=not progress, file=sys.stderr)
    pool = _executor(report.jobs)
    futures: dict[Future, Task] = {}
    try:
        futures = {pool.submit(render, task, ctx, batch): task for task, ctx in todo}
        for future in as_completed(futures):  # a worker that died (BrokenProcessPool): a failure row
            record(report, bar, futures[future], future.result)
    except BaseException:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        bar.close()
