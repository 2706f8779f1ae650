"""Where ``render`` runs: the local process pool, or Dask distributed (``--scheduler``).

Decisions:

- **The process pool** (default): ``watchdog.process_pool(jobs)``, a spawn ``ProcessPoolExecutor`` whose
  workers die with the batch (``parlib.reports.watchdog``).
- **Dask** (``run(..., scheduler=...)``, ``parlib report --scheduler``): ``"local"`` starts a
  ``LocalCluster`` of ``jobs`` worker processes (one thread each) on this machine and closes it
  at the end; ``"tcp://HOST:PORT"`` connects a ``Client`` to an existing cluster and leaves it
  running (``--jobs`` is then ignored: each worker process renders one report at a time).
  ``distributed`` is the optional extra ``pip install -e '.[dask]'``, imported only here and only
  when a scheduler is given. Same bar, failure rows, summary and Ctrl-C as the pool: queued
  tasks are cancelled and the client (and a local cluster) closed.
- **Reports are written by the workers**, with the same atomic ``render`` into the reports folder
  (a hidden temporary folder renamed into place, sidecar last), not returned to the client: the
  failure logs, the atomic commit and the up-to-date check stay one code path, and no notebook or
  HTML crosses the network. For a remote cluster the reports folder (``PARLIB_REPORTS_DIR`` on
  the client) must therefore be a shared folder mounted at the same path on every worker, and
  the workers need the same data/processed (shared, or built from the same raw files and parlib)
  and the template at the same path. Before rendering, a worker checks (``_mismatch``, once per
  batch and year in each worker process) that it sees this batch's marker file in the reports
  folder (a worker without the share would otherwise write reports onto its own disk), the
  template's sha256 and the data stamp's sha256 (panel and report cache) of the task's context;
  a worker that differs fails that task with one line naming the file, and renders nothing.
- **A worker killed mid-task** leaves only its hidden temporary folder, which the batch's sweep
  removes; Dask re-runs the task on another worker. A task whose workers keep dying is given up
  after ``distributed.scheduler.allowed-failures`` deaths (Dask's default 3) and ends as a
  ``KilledWorker`` failure row, not a crash. The client keeps one task in flight per worker
  process, so a worker's death implicates the report it was rendering (and, rarely, a retried
  one the scheduler had queued behind it on that worker: Dask counts that death against it too).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from parlib import atomic
from parlib.errors import ParlibError
from parlib.reports.params import ReportParameterError, _report_data
from parlib.reports.provenance import _sha256_file, data_stamp
from parlib.reports.results import BatchReport, Failure, TaskResult
from parlib.reports.tasks import Task
from parlib.reports.watchdog import _EXIT
from parlib.reports.worker import render

LOCAL = "local"
"""``--scheduler local``: a LocalCluster on this machine."""
DASK_EXTRA = "--scheduler needs the dask extra: pip install -e '.[dask]'"
CONNECT_TIMEOUT_S = 30
"""How long to try to reach a remote scheduler, then how long to wait for its first worker."""
_ADDRESS = re.compile(r"tcp://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.\-]*):(\d{1,5})")


# --------------------------------------------------------------------------- collecting results


def failure_result(task: Task, exc: BaseException) -> TaskResult:
    """A failure row for a task whose worker died (BrokenProcessPool, KilledWorker) or a runner bug."""
    evalue, stage = str(exc), None
    if type(exc).__name__ == "KilledWorker":  # distributed.KilledWorker, without importing it
        last = getattr(getattr(exc, "last_worker", None), "address", "?")
        tries = getattr(exc, "allowed_failures", 0) + 1
        evalue = (
            f"the worker rendering this report died {tries} times (the last: {last}); Dask gave up "
            "(distributed.scheduler.allowed-failures); see the worker logs"
        )
        stage = "dask worker"
    failure = Failure(task.province_id, task.province, task.year, type(exc).__name__, evalue, stage=stage)
    return TaskResult(task.province_id, task.year, "failed", failure=failure)


def record(report: BatchReport, bar: Any, task: Task, outcome: Callable[[], TaskResult]) -> None:
    """Add ``outcome()`` (a finished future's result) to the report and the bar; KeyboardInterrupt passes."""
    try:
        result = outcome()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        result = failure_result(task, exc)
    report.results.append(result)
    if result.failure is not None:
        bar.write("FAILED " + result.failure.line(), file=sys.stderr)
    bar.set_postfix_str(f"{task.slug} {task.year}", refresh=False)
    bar.update(1)


# --------------------------------------------------------------------------- the scheduler argument


def validate_scheduler(scheduler: str | None) -> str | None:
    """``None``, ``"local"`` or ``"tcp://HOST:PORT"``; anything else, or no dask extra, is one line."""
    if scheduler is None:
        return None
    text = str(scheduler).strip()
    match = _ADDRESS.fullmatch(text)
    if text != LOCAL and not (match and 0 < int(match.group(2)) < 65536):
        raise ReportParameterError(f"--scheduler must be 'local' or tcp://HOST:PORT, got {scheduler!r}")
    _distributed()
    return text


def is_remote(scheduler: str | None) -> bool:
    """True for a scheduler address (a cluster this batch does not own)."""
    return scheduler is not None and scheduler != LOCAL


def _distributed() -> Any:
    """``import distributed``, or the one-line error naming the extra."""
    try:
        import distributed
    except ImportError:
        raise ReportParameterError(DASK_EXTRA) from None
    return distributed


@contextlib.contextmanager
def dask_client(scheduler: str, jobs: int) -> Iterator[Any]:
    """A ``distributed.Client``: on a LocalCluster of ``jobs`` processes (closed after), or connected."""
    distributed = _distributed()
    if scheduler == LOCAL:
        cluster = distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        try:
            client = distributed.Client(cluster, set_as_default=False)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ParlibError(f"--scheduler {scheduler}: cannot reach the Dask scheduler: {exc}") from None
    try:
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise ParlibError(
                f"--scheduler {scheduler}: no Dask worker joined within {CONNECT_TIMEOUT_S} s"
            ) from None
        yield client
    finally:
        client.close()


# --------------------------------------------------------------------------- on the worker


_RENDER_LOCK = threading.Lock()  # one report at a time per worker process (papermill's cwd, os.environ)
_CHECKED: dict[object, object] = {}  # what this worker process has hashed for the current batch


def _marker(batch: str) -> str:
    """The file the client puts in each reports folder: seen by a worker, it shares the folder."""
    return f".dask.{batch}.reports{atomic.TMP_MARK}"


def _memo(batch: str, key: object, compute: Callable[[], object]) -> object:
    if _CHECKED.get("batch") != batch:
        _CHECKED.clear()
        _CHECKED["batch"] = batch
    if key not in _CHECKED:
        _CHECKED[key] = compute()
    return _CHECKED[key]


def _short(sha: object) -> str:
    return f"{sha[:12]}…" if isinstance(sha, str) else "missing"


def _mismatch(task: Task, context: dict[str, object], batch: str) -> str | None:
    """Why this worker must not render ``task`` (not the client's folder, template or data), or None."""
    where = f"worker {socket.gethostname()} (pid {os.getpid()})"
    if not (task.reports_dir / _marker(batch)).is_file():
        return (
            f"{where}: not the client's reports folder (PARLIB_REPORTS_DIR must be shared by the client "
            f"and every worker, at the same path): {task.reports_dir}"
        )
    template = context["template"]["sha256"]  # type: ignore[index]
    path = task.template
    here = _memo(batch, ("template", path), lambda: _sha256_file(path) if path.is_file() else None)
    if here != template:
        return (
            f"{where}: template sha256 {_short(here)}, the client's {_short(template)} (the same "
            f"template at the same path on every worker): {task.template}"
        )
    wanted: dict[str, Any] = context["inputs"]["data"]  # type: ignore[index]
    got = _memo(batch, ("data", task.year), lambda: _worker_stamp(task.year, "report_cache" in wanted))
    for name, entry in wanted.items():
        mine = got.get(name, {})  # type: ignore[attr-defined]
        if mine.get("sha256") != entry.get("sha256"):
            return (
                f"{where}: {name} sha256 {_short(mine.get('sha256'))}, the client's "
                f"{_short(entry.get('sha256'))} (give every worker the client's data/processed: shared, "
                f"or the same build): {mine.get('path', '?')}"
            )
    return None


def _worker_stamp(year: int, with_cache: bool) -> dict[str, Any]:
    """This worker's data stamp: its panel and the report cache its notebooks would read."""
    module = _report_data() if with_cache else None
    cache = module.cache_dir(year) if module is not None and hasattr(module, "cache_dir") else None
    return data_stamp(year, cache)


def render_on_worker(
    task: Task, context: dict[str, object], batch: str, parent: int | None = None
) -> TaskResult:
    """``render`` on a Dask worker, after checking that the worker sees the client's folder and data.

    ``parent``: the client's pid when the cluster is local (the workers' kernel folders are then
    named after it and removed with the batch's, even for a worker that was killed).
    """
    if parent is not None and _EXIT["parent"] is None:
        _EXIT["parent"] = parent
    with _RENDER_LOCK:
        problem = _mismatch(task, context, batch)
        if problem is not None:
            where = {"stage": "checking the worker"}
            failure = Failure(task.province_id, task.province, task.year, "WorkerMismatch", problem, **where)
            return TaskResult(task.province_id, task.year, "failed", failure=failure)
        return render(task, context, batch)


# --------------------------------------------------------------------------- the Dask batch


def run_dask(
    todo: list[tuple[Task, dict[str, object]]],
    report: BatchReport,
    batch: str,
    progress: bool,
    tqdm: Any,
    scheduler: str,
) -> None:
    """Render ``todo`` on Dask workers, one task in flight per worker process; results into ``report``."""
    distributed = _distributed()
    roots = sorted({task.reports_dir for task, _ in todo})
    bar = None
    try:
        with dask_client(scheduler, report.jobs) as client:
            for root in roots:
                atomic.write_text(atomic.make_dir(root) / _marker(batch), f"{batch}\n")
            workers = len(client.nthreads())
            if is_remote(scheduler):
                report.jobs = max(1, min(workers, len(todo)))
            parent = None if is_remote(scheduler) else os.getpid()
            bar = tqdm(total=len(todo), unit="report", desc="reports", disable=not progress, file=sys.stderr)
            pending = deque(enumerate(todo))
            running: dict[Any, Task] = {}
            done = distributed.as_completed(loop=client.loop)

            def top_up() -> None:
                slots = max(1, len(client.nthreads())) if pending else 0
                while pending and len(running) < slots:
                    i, (task, ctx) = pending.popleft()
                    key = f"parlib-report-{i}-{task.year}-{task.stem}-{batch}"
                    future = client.submit(render_on_worker, task, ctx, batch, parent, key=key, pure=False)
                    running[future] = task
                    done.add(future)

            try:
                top_up()
                for future in done:
                    task = running.pop(future)
                    record(report, bar, task, future.result)
                    top_up()
                bar.close()  # before the cluster closes (a few seconds)
            except BaseException:
                pending.clear()
                with contextlib.suppress(Exception):
                    client.cancel(list(running), force=True)
                raise
    finally:
        if bar is not None:
            bar.close()
        for root in roots:
            with contextlib.suppress(OSError):
                (root / _marker(batch)).unlink()
