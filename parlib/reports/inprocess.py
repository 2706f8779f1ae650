"""A papermill engine that runs a notebook's cells in this process, as the kernel would.

``InProcessEngine`` (papermill entry point ``parlib``: ``papermill --engine parlib IN OUT``)
executes each code cell with an IPython shell living in the current process instead of a
kernel reached over ZeroMQ. papermill still does everything around it (parameters, the
injected-parameters cell, its metadata, the error cell and ``PapermillExecutionError``), and
the outputs are built as ipykernel + nbclient build them:

- a cell's result is an ``execute_result`` with the prompt number, printed text a ``stream``
  (stdout, stderr, in order with the displays), ``display()`` a ``display_data``, an exception
  an ``error`` (name, value, IPython's traceback), all bundles JSON-packed as jupyter_client
  packs them (bytes as base64);
- empty cells and cells tagged ``skip-execution`` are not run; a cell tagged
  ``raises-exception`` may fail and the next cells run; any other failure stops the notebook;
- cell metadata ``execution`` carries nbclient's four timestamps, the notebook metadata
  ``language_info`` is ipykernel's;
- the shell is reset before each notebook (empty namespace, execution count 1), so every
  notebook starts as in a fresh kernel; matplotlib's inline backend is configured as in a kernel.

Why: a kernel costs a process start, imports and a ZeroMQ handshake per notebook. In a process
that has already imported parlib this engine runs a report in about a quarter of the time;
``parlib.reports.warm`` forks such a process once per report, so no state passes between
reports. tests/test_warm.py checks that both engines write the same notebook.
"""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

ENGINE_NAME = "parlib"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
SKIP_TAG = "skip-execution"
ALLOW_ERROR_TAG = "raises-exception"


def _now() -> str:
    """nbclient's timestamp format (``iopub.execute_input`` etc.)."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _packed(content: dict[str, Any]) -> dict[str, Any]:
    """``content`` as a kernel message carries it: JSON-packed by jupyter_client (bytes -> base64)."""
    from jupyter_client.session import json_packer, json_unpacker

    return json_unpacker(json_packer(content))


class _Outputs:
    """The outputs of the cell being run (what nbclient would collect from IOPub)."""

    def __init__(self) -> None:
        self.cell: list[Any] = []
        self.clear_on_next = False
        self.display_ids: dict[str, list[Any]] = {}

    def add(self, output_type: str, **content: Any) -> None:
        import nbformat

        if self.clear_on_next:
            self.cell[:] = []
            self.clear_on_next = False
        if output_type == "stream" and self.cell:
            last = self.cell[-1]
            if last.output_type == "stream" and last.name == content["name"]:
                last.text += content["text"]  # one kernel flush: consecutive writes, one output
                return
        self.cell.append(nbformat.v4.new_output(output_type, **content))

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_on_next = True
        else:
            self.cell[:] = []


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr during a cell: text goes to the cell's outputs as a ``stream``."""

    def __init__(self, name: str, outputs: _Outputs) -> None:
        self.name = name
        self._outputs = outputs

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._outputs.add("stream", name=self.name, text=text)
        return len(text)

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:
        return "UTF-8"


def _classes() -> tuple[type, type, type]:
    """The shell, display publisher and display hook classes (IPython imported on first use)."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        """display() -> display_data (update_display_data rewrites earlier outputs, as nbclient does)."""

        outputs: _Outputs | None = None

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
            if self.outputs is None:
                return
            content = _packed({"data": data, "metadata": metadata or {}})
            display_id = (transient or {}).get("display_id")
            if update:
                for output in self.outputs.display_ids.get(display_id, []):
                    output.data, output.metadata = content["data"], content["metadata"]
                return
            self.outputs.add("display_data", **content)
            if display_id:
                self.outputs.display_ids.setdefault(display_id, []).append(self.outputs.cell[-1])

        def clear_output(self, wait=False):
            if self.outputs is not None:
                self.outputs.clear(wait)

    class Hook(DisplayHook):
        """A cell's value -> execute_result with the prompt number (ZMQShellDisplayHook's fields)."""

        outputs: _Outputs | None = None
        _content: dict[str, Any] | None = None

        def start_displayhook(self):
            self._content = {"data": {}, "metadata": {}}

        def write_output_prompt(self):
            if self._content is not None:
                self._content["execution_count"] = self.prompt_count

        def write_format_data(self, format_dict, md_dict=None):
            if self._content is not None:
                self._content["data"] = format_dict
                self._content["metadata"] = md_dict

        def finish_displayhook(self):
            content, self._content = self._content, None
            if content and content["data"] and self.outputs is not None:
                self.outputs.add("execute_result", **_packed(content))

    class Shell(InteractiveShell):
        """An IPython shell whose displays, results and errors become notebook outputs."""

        display_pub_class = Publisher
        displayhook_class = Hook
        outputs: _Outputs | None = None

        def _showtraceback(self, etype, evalue, stb):
            if self.outputs is not None:
                self.outputs.add("error", ename=str(etype.__name__), evalue=str(evalue), traceback=stb)

        def enable_gui(self, gui=None):
            """No event loop in a notebook run."""

    return Shell, Publisher, Hook


def shell() -> Any:
    """The process's IPython shell (made on first call, with the inline matplotlib backend)."""
    import os

    from IPython.core.interactiveshell import InteractiveShell

    if InteractiveShell.initialized():
        current = InteractiveShell.instance()
        if hasattr(current, "outputs"):
            return current
        raise RuntimeError("an IPython shell is already running in this process; run the notebook elsewhere")
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # no sqlite file or writer thread per process
    Shell, _, _ = _classes()
    from ipykernel.compiler import XCachingCompiler

    # ipykernel's compiler: cells are named /tmp/ipykernel_<pid>/<hash>.py in warnings, as in a kernel
    new = Shell.instance(config=config, compiler_class=XCachingCompiler)
    keep_warning_filters()
    # as ipykernel does: figures go inline unless the caller chose a backend
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    if "matplotlib.pyplot" in sys.modules:  # imported before the shell: hook the backend up now
        from matplotlib_inline.backend_inline import _enable_matplotlib_integration

        _enable_matplotlib_integration()
    return new


@lru_cache(maxsize=1)
def _language_info() -> dict[str, Any]:
    """ipykernel's kernel_info ``language_info`` (what nbclient writes into the notebook).

    Read once per process (ipykernel.ipkernel takes ~25 ms to import): a warm worker reads it
    before it forks.
    """
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


@contextlib.contextmanager
def _capturing(sh: Any, outputs: _Outputs) -> Iterator[None]:
    """Route the shell's displays, results, errors and sys.stdout/stderr into ``outputs``."""
    old_out, old_err = sys.stdout, sys.stderr
    sh.outputs = sh.display_pub.outputs = sh.displayhook.outputs = outputs
    sys.stdout, sys.stderr = _Stream("stdout", outputs), _Stream("stderr", outputs)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        sh.outputs = sh.display_pub.outputs = sh.displayhook.outputs = None


_WARNING_FILTERS: list[Any] | None = None


def keep_warning_filters() -> None:
    """Remember the warning filters as they are now (after the imports) for ``fresh``."""
    import warnings

    global _WARNING_FILTERS
    _WARNING_FILTERS = list(warnings.filters)


_USED = {"shell": False}
"""Whether the shell has run cells since it was made or last reset (``fresh`` resets it then)."""


def fresh(sh: Any) -> None:
    """Reset the shell to a new kernel's state: empty namespace, execution count 1, warnings shown anew.

    The shell is reset only if it has run cells (a reset collects garbage: 0.1-0.2 s in a warm
    process), so a worker resets once after its warm-up and its forks start clean. The warning
    filters go back to those kept by ``keep_warning_filters`` and every "shown once" registry is
    cleared, so a warning shown by an earlier run in this process is shown again.
    """
    import warnings

    if _USED["shell"] or sh.execution_count != 1:
        sh.reset(new_session=True)
        sh.execution_count = 1
        _USED["shell"] = False
    if _WARNING_FILTERS is not None:
        warnings.filters[:] = _WARNING_FILTERS
    warnings.onceregistry.clear()
    warnings._filters_mutated()  # invalidates every module's __warningregistry__


def run_cell(sh: Any, cell: Any) -> bool:
    """Run one code cell into ``cell.outputs`` and ``cell.execution_count``; True if it failed."""
    outputs = _Outputs()
    cell.outputs = outputs.cell
    timing = cell.metadata.setdefault("execution", {})
    timing.clear()
    timing["iopub.status.busy"] = _now()
    cell.execution_count = sh.execution_count
    timing["iopub.execute_input"] = _now()
    with _capturing(sh, outputs):
        result = sh.run_cell(cell.source, store_history=True, silent=False)
    timing["shell.execute_reply"] = _now()
    timing["iopub.status.idle"] = _now()
    cell.outputs = outputs.cell
    return bool(result.error_before_exec or result.error_in_exec)


def _engine_class() -> type:
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        """papermill engine ``parlib``: the cells run in this process's IPython shell (see module doc)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            sh = shell()
            fresh(sh)
            _USED["shell"] = True
            nb = nb_man.nb
            for index, cell in enumerate(nb.cells):
                nb_man.cell_start(cell, index)
                try:
                    if cell.cell_type != "code" or not cell.source.strip():
                        continue
                    if SKIP_TAG in cell.metadata.get("tags", []):
                        continue
                    failed = run_cell(sh, cell)
                    if failed and ALLOW_ERROR_TAG not in cell.metadata.get("tags", []):
                        nb_man.cell_exception(cell, cell_index=index)
                        break
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
            nb.metadata["language_info"] = dict(_language_info())
            return nb

    return InProcessEngine


def __getattr__(name: str) -> Any:
    """``InProcessEngine`` is made on first access (papermill's entry point loads it by name)."""
    if name == "InProcessEngine":
        engine = _engine_class()
        globals()["InProcessEngine"] = engine
        return engine
    raise AttributeError(name)


def register() -> None:
    """Register the engine with papermill in this process (the entry point does so for installs)."""
    from papermill.engines import papermill_engines

    with contextlib.suppress(Exception):
        papermill_engines.get_engine(ENGINE_NAME)
        return
    papermill_engines.register(ENGINE_NAME, __getattr__("InProcessEngine"))
