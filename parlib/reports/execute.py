"""Executing a template in a kernel: papermill, the IPC kernel manager, one retry.

Decision (processes, not threads, the kernel side): papermill runs with ``cwd`` fixed at the
project root, ``request_save_on_cell_execute=False``, ``autosave_cell_every=0``, its per-cell
bar off and the idle kernel killed once the last cell has replied
(``shutdown_kernel="immediate"``). Kernels talk over IPC sockets in a private temp folder, so
parallel kernels never race for TCP ports (papermill #511); a kernel that still dies at
start-up ("Address already in use") is retried once. Kernels get the inline matplotlib backend.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from parlib import config
from parlib.reports.inprocess import INLINE_BACKEND
from parlib.reports.tasks import Task
from parlib.reports.watchdog import _KERNELS, _kernel_dir

KERNEL_NAME = "python3"
ENGINES = ("warm", "papermill")
"""``warm``: cells run in a fresh fork of a warmed worker (``parlib.reports.warm``); ``papermill``:
papermill's own engine, a new kernel per report. Both write the same executed notebook."""
START_TIMEOUT = 120
# Kernels started from `make` or pytest inherit MPLBACKEND=Agg, which would drop every figure:
# they get the inline backend (INLINE_BACKEND, as the warm engine's shell does).


def validate_engine(engine: str) -> str:
    """``engine`` if it is one of ENGINES, else a one-line ReportParameterError."""
    from parlib.reports.params import ReportParameterError

    if engine not in ENGINES:
        raise ReportParameterError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def _kernel_manager_class() -> type | None:
    """A kernel manager on IPC sockets in a private temp folder (no TCP port races, papermill #511)."""
    if os.name != "posix":
        return None
    from jupyter_client.manager import AsyncKernelManager

    folder = _kernel_dir()

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any) -> None:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("connection_file", str(folder / f"k-{uuid.uuid4().hex[:12]}.json"))
            super().__init__(**kwargs)
            _KERNELS.add(self)  # killed by _orphaned() if the batch's parent dies

    return IPCKernelManager


def _is_kernel_start_clash(exc: BaseException) -> bool:
    """ZMQ 'Address already in use', or a kernel that died before replying at start-up."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current)
        if "Address already in use" in text or "Kernel died before replying to kernel_info" in text:
            return True
        current = current.__cause__ or current.__context__
    return False


@contextlib.contextmanager
def _inline_figures() -> Iterator[None]:
    """Kernels inherit os.environ: give them the inline backend (MPLBACKEND=Agg would drop figures)."""
    old = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = old


def _execute(task: Task, out: Path, timeout_s: float | None = None) -> int:
    """papermill.execute_notebook into ``out``, retried once on a kernel start-up clash; returns attempts.

    ``timeout_s``: papermill's ``execution_timeout`` (per cell; the warm engine's is per notebook).
    """
    import papermill

    kwargs: dict[str, Any] = {}
    if timeout_s:
        kwargs["execution_timeout"] = timeout_s
    manager = _kernel_manager_class()
    if manager is not None:
        kwargs["kernel_manager_class"] = manager
    for attempt in (1, 2):
        try:
            with _inline_figures():
                papermill.execute_notebook(
                    str(task.template),
                    str(out),
                    parameters=dict(task.parameters),
                    kernel_name=KERNEL_NAME,
                    cwd=str(config.project_root()),
                    request_save_on_cell_execute=False,
                    autosave_cell_every=0,
                    progress_bar=False,
                    start_timeout=START_TIMEOUT,
                    # the notebook is complete when the last reply is in: kill the idle kernel
                    # rather than wait for a graceful exit (about 0.3 s a report)
                    shutdown_kernel="immediate",
                    **kwargs,
                )
            return attempt
        except papermill.PapermillExecutionError:
            raise
        except Exception as exc:
            if attempt == 1 and _is_kernel_start_clash(exc):
                with contextlib.suppress(OSError):
                    out.unlink()
                continue
            raise
    raise AssertionError("unreachable")  # pragma: no cover
