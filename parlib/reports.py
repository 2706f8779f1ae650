"""The report runner: papermill templates -> reports/<year>/<slug>.ipynb, .html and .json.

>>> from parlib import reports
>>> tasks = reports.plan(["Lạng Sơn", "Cao Bằng"], [2022])      # validated, no kernel started
>>> batch = reports.run(tasks, jobs=2)                            # parallel processes, one bar
>>> print(batch.summary()); batch.index                           # reports/index.html

Decisions (the issue and DESIGN.md "Reports" are the spec):

- **Validation first.** ``plan()``/``validate()`` refuse an unknown or hostile province, a
  year outside ``report_years()`` and any parameter the template does not declare
  (``papermill.inspect_notebook``) before any kernel starts. The notebook receives only the
  registry's ASCII name (``province="Lang Son"``) and an ``int`` year, and output paths are
  built only from the registry slug, never from user text.
- **Processes, not threads.** Each task runs in a worker of a ``ProcessPoolExecutor``
  (``spawn`` context, default ``os.cpu_count()`` workers) with ``cwd`` fixed at the project
  root, ``request_save_on_cell_execute=False``, ``autosave_cell_every=0``, papermill's
  per-cell bar off, the idle kernel killed once the last cell has replied
  (``shutdown_kernel="immediate"``) and one tqdm bar over the batch. Kernels talk over IPC sockets in a
  private temp folder, so parallel kernels never race for TCP ports (papermill #511); a
  kernel that still dies at start-up ("Address already in use") is retried once.
- **Atomic outputs.** Everything is written to hidden temporary files beside the target
  and renamed into place at the end (sidecar last, after removing the old one, so a
  sidecar always describes the .ipynb/.html beside it). Temporary files are removed on
  failure and on Ctrl-C. A failed render keeps its executed notebook as a log under
  reports/<year>/failed/<slug>.ipynb (+ .json) and leaves any earlier complete report as
  it was; a later successful render removes the log.
- **Up to date.** A report is skipped when its .ipynb, .html and .json exist and the
  sidecar was made from the same template sha256, parameters and data stamp (sha256 of
  data/processed/panel.parquet and of the report cache from ``report_data.prepare``),
  unless ``force=True``.
- **Heavy work once.** ``report_data.prepare(year)`` runs once per year in the parent
  before the batch, so notebooks only load the cache.
- **Scale.** DESIGN.md mentions Dask distributed for batches beyond one machine. The
  executor is built by ``_executor()`` and only ``submit``/``as_completed`` are used, so a
  ``dask.distributed.Client`` (whose ``get_executor()`` follows the same protocol) could be
  swapped in there; parlib does not depend on Dask.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import math
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from parlib import config, provinces
from parlib.errors import ParlibError, UnknownProvinceError

GEO = "63"
KERNEL_NAME = "python3"
START_TIMEOUT = 120
RECORD_MIMETYPE = "application/vnd.parlib.record+json"
SIDECAR_SCHEMA = "parlib.report/1"
VERSION_PACKAGES = ("pandas", "numpy", "matplotlib", "papermill", "nbconvert", "nbclient", "ipykernel")
# Kernels started from `make` or pytest inherit MPLBACKEND=Agg, which would drop every figure.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_TMP_MARK = ".parlib-tmp"
_MAX_NAME = 64
STALE_TMP_S = 24 * 3600
"""Temporary files older than this (from a batch killed with SIGKILL) are removed by the next run."""


class ReportParameterError(ParlibError, ValueError):
    """A report parameter refused before any kernel starts (unknown name, bad year or value)."""


def default_template() -> Path:
    """notebooks/templates/province_report.ipynb under the project root."""
    return config.project_root() / "notebooks" / "templates" / "province_report.ipynb"


# --------------------------------------------------------------------------- validation


def _report_data() -> Any | None:
    """parlib.report_data if it is installed (it prepares the per-year cache), else None."""
    try:
        from parlib import report_data
    except ImportError:
        return None
    return report_data


def report_years() -> list[int]:
    """The years a report can be made for: ``report_data.report_years()``.

    Without parlib.report_data: the panel's years with at least one PAPI total.
    """
    module = _report_data()
    if module is not None:
        return sorted(int(y) for y in module.report_years())
    from parlib import panel

    data = panel.load_panel()
    return sorted(int(y) for y in data.loc[data["papi_total"].notna(), "year"].unique())


def latest_year() -> int:
    """The latest year with report data."""
    module = _report_data()
    if module is not None:
        return int(module.latest_year())
    return report_years()[-1]


def format_years(years: Iterable[int]) -> str:
    """[2011, 2012, 2013, 2015] -> '2011-2013, 2015'."""
    ys = sorted(set(years))
    parts: list[str] = []
    start = prev = None
    for y in [*ys, None]:
        if start is not None and (y is None or y != prev + 1):
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if y is not None and start is None:
            start = y
        prev = y
    return ", ".join(parts) or "none"


def parse_years(text: str) -> list[int]:
    """'2022' -> [2022]; '2018-2024' -> [2018, ..., 2024]; '2018,2020-2022' -> [2018, 2020, 2021, 2022]."""
    years: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ReportParameterError(f"years {text!r}: expected YYYY, YYYY-YYYY or a comma list of them")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise ReportParameterError(f"years {text!r}: range {part} runs backwards")
        years.update(range(lo, hi + 1))
    return sorted(years)


def _check_name_text(value: object) -> object:
    """Refuse a province string that is not plausibly a name or a code (paths, code, control chars)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UnknownProvinceError(f"province must be a name or a GSO code, got {type(value).__name__}")
    if isinstance(value, int):
        return value
    text = value.strip()
    ok = (
        0 < len(text) <= _MAX_NAME
        and ".." not in text
        and all(ch.isalnum() or ch in " -.," or unicodedata.category(ch).startswith("M") for ch in text)
    )
    if not ok:
        raise UnknownProvinceError(
            f"unknown province {value!r}: a province is a name or a GSO code (letters, digits, spaces, "
            "'-', '.'); see `parlib provinces`"
        )
    return text


def validate_province(value: object) -> str:
    """The geo-63 GSO code of a province name or code; hostile strings refused."""
    return provinces.normalize(_check_name_text(value), GEO)


def validate_year(value: object, years: Sequence[int] | None = None) -> int:
    """An int year covered by the report data (one-line error naming the covered years)."""
    if isinstance(value, bool):
        raise ReportParameterError(f"year must be an integer, got {value!r}")
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ReportParameterError(f"year must be an integer, got {value!r}")
    covered = list(years) if years is not None else report_years()
    if value not in covered:
        raise ReportParameterError(f"no report data for {value}: reports cover {format_years(covered)}")
    return value


@lru_cache(maxsize=16)
def _template_parameters(path: str, mtime_ns: int) -> tuple[str, ...]:
    import papermill

    return tuple(papermill.inspect_notebook(path))


def template_parameters(template: Path | str) -> list[str]:
    """Names declared in the template's cell tagged ``parameters`` (no kernel is started)."""
    path = Path(template).resolve()
    if not path.is_file():
        raise ReportParameterError(f"template {path} not found")
    return list(_template_parameters(str(path), path.stat().st_mtime_ns))


_PLAIN = (str, int, float, bool, type(None))


def validate(
    template: Path | str, params: dict[str, object], *, years: Sequence[int] | None = None
) -> dict[str, object]:
    """Check ``params`` against ``template`` before any kernel starts; return what the notebook gets.

    Unknown parameter names are refused; ``province`` goes through the registry (the notebook
    receives the registry's ASCII name), ``year`` must be an int within ``report_years()``;
    any other declared parameter must be a plain str/int/float/bool/None or a list of them.
    ``years``: the covered years, when the caller already has them (default: ``report_years()``).
    """
    declared = template_parameters(template)
    unknown = [name for name in params if name not in declared]
    if unknown:
        known = ", ".join(declared) if declared else "none (no cell tagged 'parameters')"
        raise ReportParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for template {Path(template).name}; "
            f"it declares: {known}"
        )
    out: dict[str, object] = {}
    for name, value in params.items():
        if name == "province":
            out[name] = str(provinces.PROVINCES_63.loc[validate_province(value), "name_ascii"])
        elif name == "year":
            out[name] = validate_year(value, years)
        elif isinstance(value, _PLAIN) or (
            isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value)
        ):
            out[name] = value
        else:
            raise ReportParameterError(
                f"parameter {name!r}: {type(value).__name__} is not passed to notebooks "
                "(use str, int, float, bool, None or a list of them)"
            )
    return out


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class Task:
    """One report: a province and year rendered from a template into ``reports_dir/<year>/<slug>.*``."""

    province_id: str
    year: int
    template: Path
    reports_dir: Path
    parameters: dict[str, object] = field(hash=False, compare=True)

    @property
    def province(self) -> str:
        """The province's Vietnamese name."""
        return str(provinces.PROVINCES_63.loc[self.province_id, "name_vi"])

    @property
    def slug(self) -> str:
        """The registry slug: the only source of output file names."""
        return str(provinces.PROVINCES_63.loc[self.province_id, "slug"])

    @property
    def folder(self) -> Path:
        return self.reports_dir / str(self.year)

    @property
    def ipynb(self) -> Path:
        return self.folder / f"{self.slug}.ipynb"

    @property
    def html(self) -> Path:
        return self.folder / f"{self.slug}.html"

    @property
    def sidecar(self) -> Path:
        return self.folder / f"{self.slug}.json"

    @property
    def failed_log(self) -> Path:
        return self.folder / "failed" / f"{self.slug}.ipynb"

    @property
    def label(self) -> str:
        return f"{self.province} ({self.province_id}), {self.year}"


def make_task(
    province: object,
    year: object,
    template: Path | str | None = None,
    reports_dir: Path | None = None,
    *,
    years: Sequence[int] | None = None,
    **extra: object,
) -> Task:
    """A validated Task (raises before any kernel starts); ``years`` as in ``validate``."""
    template = Path(template or default_template()).resolve()
    params = validate(template, {"province": province, "year": year, **extra}, years=years)
    pid = validate_province(province)
    folder = Path(reports_dir or config.reports_dir()).resolve()
    return Task(pid, int(params["year"]), template, folder, params)


def plan(
    names: Sequence[object] | None,
    years: Sequence[object],
    template: Path | str | None = None,
    reports_dir: Path | None = None,
) -> list[Task]:
    """Tasks for some provinces (``names``) or, with ``names=None``, every province in force each year.

    Every parameter is validated up front: nothing runs if any of them is refused.
    """
    template = Path(template or default_template()).resolve()
    covered = report_years()
    checked_years = [validate_year(y, covered) for y in years]
    if not checked_years:
        raise ReportParameterError("no year given")
    tasks: dict[tuple[str, int], Task] = {}
    for year in checked_years:
        ids = (
            [validate_province(n) for n in names]
            if names is not None
            else list(provinces.provinces(GEO, year).index)
        )
        for pid in ids:
            if (pid, year) not in tasks:
                tasks[(pid, year)] = make_task(pid, year, template, reports_dir, years=covered)
    return list(tasks.values())


# --------------------------------------------------------------------------- results


@dataclass
class Failure:
    """Where and how a report failed."""

    province_id: str
    province: str
    year: int
    ename: str
    evalue: str
    cell_index: int | None = None  # in the executed notebook (papermill's index)
    template_cell: int | None = None  # the same cell in the template
    exec_count: int | None = None
    log: str | None = None

    def line(self) -> str:
        """One line: province, cell and error."""
        where = "kernel/runner"
        if self.cell_index is not None:
            where = f"cell {self.cell_index}"
            if self.template_cell is not None and self.template_cell != self.cell_index:
                where = f"template cell {self.template_cell} (executed cell {self.cell_index})"
        evalue = (self.evalue or "").strip().splitlines()
        text = f"{self.ename}: {evalue[0][:200]}" if evalue else self.ename
        log = f" [log: {self.log}]" if self.log else ""
        return f"{self.province} ({self.province_id}), {self.year}: {where}: {text}{log}"


@dataclass
class TaskResult:
    """What happened to one task."""

    province_id: str
    year: int
    status: str  # "ok", "failed" or "skipped"
    duration_s: float = 0.0
    failure: Failure | None = None
    attempts: int = 0


@dataclass
class BatchReport:
    """The outcome of ``run()``."""

    results: list[TaskResult] = field(default_factory=list)
    duration_s: float = 0.0
    jobs: int = 0
    index: Path | None = None

    def _count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def rendered(self) -> int:
        return self._count("ok")

    @property
    def skipped(self) -> int:
        return self._count("skipped")

    @property
    def failures(self) -> list[Failure]:
        return [r.failure for r in self.results if r.failure is not None]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        """Counts, then one line per failure naming province, cell and error."""
        head = (
            f"{self.rendered} rendered, {self.skipped} up to date (skipped), {len(self.failures)} failed "
            f"in {self.duration_s:.1f} s with {self.jobs} worker(s)"
        )
        return "\n".join([head, *("FAILED " + f.line() for f in self.failures)])


# --------------------------------------------------------------------------- provenance helpers


def _sha256_file(path: Path) -> str:
    from parlib.fetch import sha256

    return sha256(path)


def _sha256_json(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, ensure_ascii=True).encode()).hexdigest()


def _stamp_path(path: Path) -> dict[str, object]:
    """sha256 of a file, or of a folder's files (names and contents)."""
    if path.is_file():
        return {"path": _display_path(path), "sha256": _sha256_file(path)}
    if path.is_dir():
        digest = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f.relative_to(path).as_posix().encode() + b"\0" + _sha256_file(f).encode())
        return {"path": _display_path(path), "sha256": digest.hexdigest()}
    return {"path": _display_path(path), "sha256": None}


def _display_path(path: Path) -> str:
    """Relative to the project root when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(config.project_root().resolve()).as_posix()
    except ValueError:
        return str(path)


def _prepare_year(year: int) -> Path | None:
    """``report_data.prepare(year)`` in the parent (once per year); None without report_data."""
    module = _report_data()
    return None if module is None else Path(module.prepare(year))


def data_stamp(year: int, cache: Path | None) -> dict[str, object]:
    """What a report's data is: the panel's sha256 and the year's report cache."""
    from parlib import panel

    stamp: dict[str, object] = {"panel": _stamp_path(config.processed_dir() / panel.PANEL_FILE)}
    if cache is not None:
        stamp["report_cache"] = _stamp_path(cache)
    return stamp


def raw_file_hashes() -> dict[str, object]:
    """The registry's sha256 and name -> sha256 of the raw files the panel and reports read."""
    from parlib import fetch, panel

    registry = fetch.load_registry()
    used: set[str] = set()
    for module in panel.source_modules():
        used.update(getattr(module, "FILES", []))
    module = _report_data()
    used.update(getattr(module, "FILES", []) or [])
    if getattr(module, "GEOJSON", None):  # the map's boundaries
        used.add(module.GEOJSON)
    rows = registry[registry["name"].isin(used)] if used else registry
    return {
        "registry": _display_path(config.registry_path()),
        "registry_sha256": _sha256_file(config.registry_path()),
        "files": dict(zip(rows["name"], rows["sha256"], strict=True)),
    }


def package_versions() -> dict[str, str]:
    """Versions of python and the packages that shape a report."""
    out = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _parlib_version() -> str:
    import parlib

    return str(getattr(parlib, "__version__", "unknown"))


def inputs_key(task: Task, template_sha256: str, stamp: dict[str, object]) -> dict[str, object]:
    """What must match for a report to be up to date."""
    return {"template_sha256": template_sha256, "parameters": task.parameters, "data": stamp}


def is_up_to_date(task: Task, key: dict[str, object]) -> bool:
    """True when .ipynb, .html and .json exist and the sidecar was made from ``key``."""
    if not (task.ipynb.is_file() and task.html.is_file() and task.sidecar.is_file()):
        return False
    try:
        side = json.loads(task.sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return side.get("status") == "ok" and side.get("inputs") == json.loads(json.dumps(key))


# --------------------------------------------------------------------------- records


def read_records(path: Path) -> dict[str, object]:
    """Values the notebook recorded (``parlib.record.read_records`` when available)."""
    try:
        from parlib.record import read_records as reader
    except ImportError:
        reader = None
    if reader is not None:
        return dict(reader(path))
    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    out: dict[str, object] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get(RECORD_MIMETYPE)
            if isinstance(data, dict) and "name" in data:
                out[str(data["name"])] = data.get("value")
    return out


def _jsonable(value: object) -> object:
    """NaN/inf -> None, numpy scalars -> Python, containers recursively."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(Exception):
            value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# --------------------------------------------------------------------------- the worker


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

    return IPCKernelManager


@lru_cache(maxsize=1)
def _kernel_dir() -> Path:
    """This process's folder for kernel connection files and sockets, removed when it exits."""
    from multiprocessing import util

    # Short path: unix socket paths are limited to ~100 characters.
    path = Path(tempfile.mkdtemp(prefix="parlib-k-"))
    # Finalize (not atexit): pool workers leave through os._exit, which skips atexit handlers.
    util.Finalize(None, shutil.rmtree, args=(str(path),), kwargs={"ignore_errors": True}, exitpriority=10)
    return path


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


def _execute(task: Task, out: Path) -> int:
    """papermill.execute_notebook into ``out``, retried once on a kernel start-up clash; returns attempts."""
    import papermill

    kwargs: dict[str, Any] = {}
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


def to_html(notebook: Path, title: str) -> str:
    """HTML of an executed notebook without code input or prompts.

    Cells tagged ``remove-cell`` and outputs that carry recorded values (``RECORD_MIMETYPE``) are
    dropped. nbconvert's default "lab" template.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:  # recorded values are machine-readable data, not part of the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if RECORD_MIMETYPE not in o.get("data", {})]
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell", "remove_cell"}, enabled=True), enabled=True
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _write_text(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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


def _tmp(folder: Path, slug: str, batch: str, suffix: str) -> Path:
    return folder / f".{slug}.{batch}.{secrets.token_hex(4)}{_TMP_MARK}{suffix}"


def render(task: Task, context: dict[str, object], batch: str = "solo") -> TaskResult:
    """Execute one task and write its report atomically (the worker function; runs in any process).

    ``context``: ``inputs`` (``inputs_key``), ``template`` (path and sha256), ``raw_files``.
    Temporary files are named ``.<slug>.<batch>.*.parlib-tmp*`` beside their targets and are
    removed on any failure or KeyboardInterrupt.
    """
    from papermill import PapermillExecutionError

    task.folder.mkdir(parents=True, exist_ok=True)
    tmp_nb = _tmp(task.folder, task.slug, batch, ".ipynb")
    tmp_html = _tmp(task.folder, task.slug, batch, ".html")
    tmp_json = _tmp(task.folder, task.slug, batch, ".json")
    started, t0 = _now(), time.perf_counter()
    side: dict[str, object] = {
        "schema": SIDECAR_SCHEMA,
        "status": "running",
        "province_id": task.province_id,
        "province": task.province,
        "slug": task.slug,
        "year": task.year,
        "geo": GEO,
        "parameters": task.parameters,
        "template": context["template"],
        "inputs": context["inputs"],
        "raw_files": context["raw_files"],
        "parlib_version": _parlib_version(),
        "versions": package_versions(),
        "kernel": KERNEL_NAME,
        "started": started,
    }
    attempts = 0
    try:
        try:
            attempts = _execute(task, tmp_nb)
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
            return _keep_failed(task, tmp_nb, side, failure, t0, batch)
        except Exception as exc:
            failure = Failure(task.province_id, task.province, task.year, type(exc).__name__, str(exc))
            return _keep_failed(task, tmp_nb, side, failure, t0, batch)
        _write_text(tmp_html, to_html(tmp_nb, f"{task.province} {task.year}"))
        side.update(
            status="ok",
            outputs={"ipynb": task.ipynb.name, "html": task.html.name},
            finished=_now(),
            duration_s=round(time.perf_counter() - t0, 3),
            attempts=attempts,
            records=_jsonable(read_records(tmp_nb)),
        )
        _write_text(tmp_json, json.dumps(_jsonable(side), indent=2, ensure_ascii=False) + "\n")
        _commit(task, tmp_nb, tmp_html, tmp_json)
        for stale in (task.failed_log, task.failed_log.with_suffix(".json")):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        return TaskResult(task.province_id, task.year, "ok", time.perf_counter() - t0, attempts=attempts)
    finally:
        for tmp in (tmp_nb, tmp_html, tmp_json):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


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
    for the four renames so Ctrl-C cannot split them.
    """
    with _sigint_deferred():
        with contextlib.suppress(FileNotFoundError):
            task.sidecar.unlink()
        os.replace(tmp_nb, task.ipynb)
        os.replace(tmp_html, task.html)
        os.replace(tmp_json, task.sidecar)


def _keep_failed(
    task: Task, tmp_nb: Path, side: dict[str, object], failure: Failure, t0: float, batch: str
) -> TaskResult:
    """Move the failed executed notebook to failed/<slug>.ipynb with a failed/<slug>.json beside it."""
    log_dir = task.failed_log.parent
    log_dir.mkdir(parents=True, exist_ok=True)
    if tmp_nb.is_file():
        os.replace(tmp_nb, task.failed_log)
        failure.log = _display_path(task.failed_log)
    side.update(
        status="failed",
        finished=_now(),
        duration_s=round(time.perf_counter() - t0, 3),
        error=asdict(failure),
    )
    tmp_json = _tmp(log_dir, task.slug, batch, ".json")
    try:
        _write_text(tmp_json, json.dumps(_jsonable(side), indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp_json, task.failed_log.with_suffix(".json"))
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_json.unlink()
    return TaskResult(task.province_id, task.year, "failed", time.perf_counter() - t0, failure)


# --------------------------------------------------------------------------- the batch


def _executor(jobs: int) -> Executor:
    """The pool that runs ``render``: worker processes (spawn). Swap point for e.g. Dask's executor."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def _sweep(folders: Iterable[Path], batch: str, older_than_s: float | None = None) -> None:
    """Remove this batch's temporary files (left by a worker that was killed).

    With ``older_than_s``: any batch's temporary files older than that (a batch killed with -9).
    """
    pattern = f".*{_TMP_MARK}*" if older_than_s is not None else f".*.{batch}.*{_TMP_MARK}*"
    now = time.time()
    for folder in folders:
        for sub in (folder, folder / "failed"):
            if sub.is_dir():
                for tmp in sub.glob(pattern):
                    with contextlib.suppress(OSError):
                        if older_than_s is None or now - tmp.stat().st_mtime > older_than_s:
                            tmp.unlink()


def run(
    tasks: Sequence[Task],
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    *,
    prepare: bool = True,
    index: bool = True,
) -> BatchReport:
    """Render ``tasks`` in parallel worker processes; failures are collected, not raised.

    ``jobs``: worker processes (default ``os.cpu_count()``, at most one per task). ``force``:
    re-render reports that are up to date. ``progress``: one tqdm bar on stderr for the batch.
    ``prepare``: call ``report_data.prepare(year)`` once per year first. ``index``: rewrite
    reports/index.html for every reports folder touched. Ctrl-C stops the batch, removes
    temporary files and re-raises KeyboardInterrupt.
    """
    from tqdm.auto import tqdm

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
        }
        todo.append((task, context))
    report.jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    folders = {t.folder for t in tasks}
    _sweep(folders, batch, older_than_s=STALE_TMP_S)
    try:
        if todo:
            _run_pool(todo, report, batch, progress, tqdm)
    finally:
        _sweep(folders, batch)
        report.duration_s = time.perf_counter() - t0
    order = {(t.province_id, t.year): i for i, t in enumerate(tasks)}
    report.results.sort(key=lambda r: order.get((r.province_id, r.year), len(order)))
    if index:
        for root in sorted({t.reports_dir for t in tasks}):
            report.index = write_index(root)
    return report


def _run_pool(
    todo: list[tuple[Task, dict[str, object]]], report: BatchReport, batch: str, progress: bool, tqdm: Any
) -> None:
    bar = tqdm(total=len(todo), unit="report", desc="reports", disable=not progress, file=sys.stderr)
    pool = _executor(report.jobs)
    futures: dict[Future, Task] = {}
    try:
        futures = {pool.submit(render, task, ctx, batch): task for task, ctx in todo}
        for future in as_completed(futures):
            task = futures[future]
            try:
                result = future.result()
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # a worker that died (BrokenProcessPool) or a runner bug
                failure = Failure(task.province_id, task.province, task.year, type(exc).__name__, str(exc))
                result = TaskResult(task.province_id, task.year, "failed", failure=failure)
            report.results.append(result)
            if result.failure is not None:
                bar.write("FAILED " + result.failure.line(), file=sys.stderr)
            bar.set_postfix_str(f"{task.slug} {task.year}", refresh=False)
            bar.update(1)
    except BaseException:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        bar.close()


# --------------------------------------------------------------------------- index page

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;
padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:.25rem .5rem;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777}.failed{color:#a00}
"""


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fmt(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _places(value: object) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    from parlib.indices.ranking import places_phrase

    return places_phrase(value)


def write_index(reports_dir: Path | None = None) -> Path:
    """reports/index.html: every report grouped by year (latest first), with a summary table each.

    Rows come from the sidecars (a report counts only with its sidecar, .ipynb and .html);
    failed logs are listed under the table. Self-contained HTML, every value escaped.
    """
    root = Path(reports_dir or config.reports_dir())
    root.mkdir(parents=True, exist_ok=True)
    e = html.escape
    sections: list[str] = []
    total = 0
    years = sorted((p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)), reverse=True)
    for folder in years:
        rows = []
        for side_path in sorted(folder.glob("*.json")):
            stem = side_path.stem
            if stem.startswith("."):  # another batch's temporary file
                continue
            side = _read_json(side_path)
            if not side or side.get("status") != "ok":
                continue
            if not (folder / f"{stem}.html").is_file() or not (folder / f"{stem}.ipynb").is_file():
                continue
            rows.append((side, stem))
        failed = [p for p in sorted((folder / "failed").glob("*.json")) if not p.name.startswith(".")]
        if not rows and not failed:
            continue

        def order(item: tuple[dict[str, Any], str]) -> tuple[float, str]:
            rank = (item[0].get("records") or {}).get("papi_rank")
            ok = isinstance(rank, (int, float)) and not isinstance(rank, bool) and math.isfinite(rank)
            return (float(rank) if ok else math.inf, str(item[0].get("province", item[1])))

        body = []
        for side, stem in sorted(rows, key=order):
            rec = side.get("records") or {}
            rank, rank_of = rec.get("papi_rank"), rec.get("papi_rank_of")
            rank_txt = "—" if rank is None else f"{_fmt(rank, 0)} of {_fmt(rank_of, 0)}"
            year_dir = e(folder.name)
            body.append(
                "<tr>"
                f'<td><a href="{year_dir}/{e(stem)}.html">{e(str(side.get("province", stem)))}</a></td>'
                f'<td class="num">{e(_fmt(rec.get("papi_total")))}</td>'
                f'<td class="num">{e(rank_txt)}</td>'
                f"<td>{e(_fmt(rec.get('papi_tier')))}</td>"
                f"<td>{e(_places(rec.get('papi_rank_change')))}</td>"
                f'<td><a class="muted" href="{year_dir}/{e(stem)}.ipynb">notebook</a></td>'
                "</tr>"
            )
        total += len(rows)
        part = [
            f'<h2 id="y{e(folder.name)}">{e(folder.name)} '
            f'<span class="muted">({len(rows)} reports)</span></h2>',
            "<table><thead><tr><th>Province</th><th class='num'>PAPI total</th><th class='num'>Rank</th>"
            "<th>Tier</th><th>Change in rank</th><th></th></tr></thead><tbody>",
            *body,
            "</tbody></table>",
        ]
        if failed:
            items = []
            for fpath in failed:
                side = _read_json(fpath) or {}
                err = side.get("error") or {}
                items.append(
                    f'<li class="failed"><a href="{e(folder.name)}/failed/{e(fpath.stem)}.ipynb">'
                    f"{e(str(side.get('province', fpath.stem)))}</a>: {e(str(err.get('ename', '')))}: "
                    f"{e(str(err.get('evalue', ''))[:200])}</li>"
                )
            part += [f"<p class='failed'>Failed ({len(failed)}), executed notebooks kept as logs:</p>"]
            part += ["<ul>", *items, "</ul>"]
        sections.append("\n".join(part))
    nav = " · ".join(f'<a href="#y{e(p.name)}">{e(p.name)}</a>' for p in years)
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>parlib reports</title><style>{_CSS}</style></head><body>",
            "<h1>Province reports</h1>",
            f"<p class='muted'>{total} reports, generated {e(_now())} by parlib {e(_parlib_version())}. "
            "Rank is among the provinces scored that year; change in rank is since the year before.</p>",
            f"<p>{nav}</p>" if nav else "<p>No reports yet: run <code>parlib report --all</code>.</p>",
            *sections,
            "</body></html>",
            "",
        ]
    )
    target = root / "index.html"
    tmp = root / f".index.{secrets.token_hex(4)}{_TMP_MARK}.html"
    try:
        _write_text(tmp, page)
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target
