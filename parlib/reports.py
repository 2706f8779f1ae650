"""The report runner: papermill templates -> reports/<year>/<slug>.ipynb, .html and .json.

>>> from parlib import reports
>>> tasks = reports.plan(["Lạng Sơn", "Cao Bằng"], [2022])      # validated, no kernel started
>>> batch = reports.run(tasks, jobs=2)                            # parallel processes, one bar
>>> print(batch.summary()); batch.index                           # reports/index.html

Decisions (the issue and DESIGN.md "Reports" are the spec):

- **Validation first.** ``plan()``/``validate()`` refuse, before any kernel starts: a template
  that is not a Jupyter notebook (a folder, an empty file, not JSON, no cell tagged
  ``parameters``; its content is never echoed), an unknown or hostile province, a year outside
  ``report_years()``, a province in a year it did not exist (Hà Tây after July 2008), and any
  parameter the template does not declare (``papermill.inspect_notebook``). Declared parameters
  go through ``TEMPLATE_RULES``: one table per template, keyed by parameter name (the drivers
  template's ``outcome``, ``drivers``, ``years``, ``lag``, ``method``, ``seed`` are checked for
  range and shape, and the outcome against the drivers); a template not in the table gets the
  rules of every table by parameter name. The notebook receives only the registry's ASCII name
  (``province="Lang Son"``) and an ``int`` year, and output paths are built only from the
  registry slug, never from user text.
- **Processes, not threads.** Each task runs in a worker of a ``ProcessPoolExecutor``
  (``spawn`` context, default ``os.cpu_count()`` workers) with ``cwd`` fixed at the project
  root, ``request_save_on_cell_execute=False``, ``autosave_cell_every=0``, papermill's
  per-cell bar off, the idle kernel killed once the last cell has replied
  (``shutdown_kernel="immediate"``) and one tqdm bar over the batch. Kernels talk over IPC sockets in a
  private temp folder, so parallel kernels never race for TCP ports (papermill #511); a
  kernel that still dies at start-up ("Address already in use") is retried once.
- **Workers die with the batch.** A worker exits when its parent does (SIGKILL included): on
  Linux ``prctl(PR_SET_PDEATHSIG, SIGTERM)``, everywhere a watchdog thread polling
  ``os.getppid()``. Either way it kills the kernels it started (their process group), removes
  its temporary folder and exits; the multiprocessing resource tracker then exits too (its
  pipe closes). The kernels would also go on their own (ipykernel's parent poller, 1 s).
- **Atomic outputs.** Every file is written with ``parlib.atomic`` (fsync, mode 0666 minus the
  umask: 0644 by default) into a hidden temporary folder beside the targets
  (``.<slug>.<batch>.*.parlib-tmp``) and renamed into place at the end (sidecar last, after
  removing the old one, so a sidecar always describes the .ipynb/.html beside it). The
  temporary folder goes on failure, Ctrl-C, a full disk and the parent's death. A failed render
  keeps its executed notebook, if complete, as a log under reports/<year>/failed/<slug>.ipynb
  (+ .json), each written atomically (complete or absent), and leaves any earlier complete
  report as it was; a later successful render removes the log. A write that fails (full disk,
  quota, file size limit) fails that report only, naming the file; an index page that cannot be
  written is one more line in the summary (the old page stays), and the exit status is 1.
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

import ast
import contextlib
import difflib
import errno
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
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from parlib import atomic, config, provinces
from parlib.errors import ParlibError, UnknownProvinceError

GEO = "63"
KERNEL_NAME = "python3"
START_TIMEOUT = 120
RECORD_MIMETYPE = "application/vnd.parlib.record+json"
SIDECAR_SCHEMA = "parlib.report/1"
VERSION_PACKAGES = ("pandas", "numpy", "matplotlib", "papermill", "nbconvert", "nbclient", "ipykernel")
# Kernels started from `make` or pytest inherit MPLBACKEND=Agg, which would drop every figure.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
_TMP_MARK = atomic.TMP_MARK
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


def parse_years(text: str, what: str = "years") -> list[int]:
    """'2022' -> [2022]; '2018-2024' -> [2018, ..., 2024]; '2018,2020-2022' -> [2018, 2020, 2021, 2022].

    ``what`` names the input in the error (the CLI passes ``--years``); an empty text is refused
    (it never means "the latest year").
    """
    if not str(text).strip():
        raise ReportParameterError(f"{what} is empty: give YYYY, YYYY-YYYY or a comma list of them")
    years: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ReportParameterError(f"{what} {text!r}: expected YYYY, YYYY-YYYY or a comma list of them")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise ReportParameterError(f"{what} {text!r}: range {part} runs backwards")
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


def check_in_force(province_id: str, year: int) -> None:
    """Refuse a province in a year it did not exist (``provinces.check_in_force``), as a parameter error."""
    try:
        provinces.check_in_force(province_id, year, GEO)
    except UnknownProvinceError as exc:
        raise ReportParameterError(str(exc)) from None


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


# --------------------------------------------------------------------------- the template

MAX_TEMPLATE_BYTES = 64 * 1024 * 1024
"""A template larger than this is refused unread (templates are a few hundred KB)."""


def _template_error(path: Path, problem: str) -> ReportParameterError:
    return ReportParameterError(f"template {path} {problem}")


def _read_template(path: Path) -> dict[str, Any]:
    """The template's JSON, checked to be a notebook with a cell tagged ``parameters``.

    Errors name the template and what is wrong with it, never its content.
    """
    if not path.exists():
        raise _template_error(path, "not found")
    if path.is_dir():
        raise _template_error(path, "is a folder, not a Jupyter notebook (.ipynb)")
    if not path.is_file():
        raise _template_error(path, "is not a regular file, not a Jupyter notebook (.ipynb)")
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise _template_error(path, f"is {size:,} bytes: too large to be a notebook template")
        data = path.read_bytes()
    except OSError as exc:
        raise _template_error(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        empty = "is empty (0 bytes)" if not data else "holds only whitespace"
        raise _template_error(path, f"{empty}: not a Jupyter notebook (JSON)")
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _template_error(path, "is not a Jupyter notebook (JSON): not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _template_error(
            path, f"is not a Jupyter notebook (JSON): {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise _template_error(path, "is JSON but not a Jupyter notebook (no 'cells' list)")
    if nb.get("nbformat") != 4:
        version = nb.get("nbformat")
        shown = f" (it is {version})" if isinstance(version, int) and not isinstance(version, bool) else ""
        raise _template_error(path, f"is not an nbformat 4 notebook{shown}; save it with JupyterLab")
    import nbformat

    try:
        nbformat.validate(nbformat.from_dict(nb))
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or []) or "the top level"
        raise _template_error(
            path, f"is not a valid Jupyter notebook (nbformat schema, at {where})"
        ) from None
    if not any("parameters" in (cell.get("metadata") or {}).get("tags", []) for cell in nb["cells"]):
        raise _template_error(
            path,
            "has no cell tagged 'parameters': papermill injects the parameters after that cell "
            "(add the tag in JupyterLab: Property Inspector > Cell Tags)",
        )
    return nb


@lru_cache(maxsize=16)
def _template_info(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, ...], dict[str, object]]:
    """(declared names, their defaults) of a checked template; cached while the file is unchanged."""
    _read_template(Path(path))
    import papermill

    try:
        with warnings.catch_warnings():  # papermill warns on a name without .ipynb: one line only
            warnings.simplefilter("ignore")
            declared = papermill.inspect_notebook(path)
    except Exception as exc:
        raise _template_error(
            Path(path), f"has a 'parameters' cell papermill cannot read ({type(exc).__name__})"
        ) from None
    defaults: dict[str, object] = {}
    for name, info in declared.items():
        with contextlib.suppress(ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            defaults[name] = ast.literal_eval(str(info.get("default")))
    return tuple(declared), defaults


def check_template(template: Path | str) -> Path:
    """The template's resolved path, once it is known to be a notebook with a ``parameters`` cell.

    Raises ReportParameterError naming the template: not found, a folder, empty, not JSON, not a
    notebook, no cell tagged ``parameters``. The file's content is never put in the message.
    """
    path = Path(template).expanduser().resolve()
    _template_parts(path)
    return path


def _template_parts(path: Path) -> tuple[tuple[str, ...], dict[str, object]]:
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is None or not path.is_file():
        _read_template(path)  # raises the right message (not found, a folder ...)
    return _template_info(str(path), st.st_mtime_ns, st.st_size)


def template_parameters(template: Path | str) -> list[str]:
    """Names declared in the template's cell tagged ``parameters`` (no kernel is started)."""
    return list(_template_parts(Path(template).expanduser().resolve())[0])


def template_defaults(template: Path | str) -> dict[str, object]:
    """The declared parameters' default values (those that are Python literals)."""
    return dict(_template_parts(Path(template).expanduser().resolve())[1])


# --------------------------------------------------------------------------- parameter rules

_PLAIN = (str, int, float, bool, type(None))
Rule = Callable[[str, object], object]
Check = Callable[[dict[str, object], set[str]], None]

SEED_MAX = 2**32 - 1
"""Largest seed: numpy's legacy seeding and most tools take 32-bit seeds."""


def _refuse(name: str, value: object, expected: str) -> ReportParameterError:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return ReportParameterError(f"parameter {name!r}: {expected}, got {shown}")


def _plain(name: str, value: object) -> object:
    """Any other declared parameter: str, finite int/float, bool, None, or a list of them."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, _PLAIN):
            raise ReportParameterError(
                f"parameter {name!r}: {type(item).__name__} is not passed to notebooks "
                "(use str, int, float, bool, None or a list of them)"
            )
        if isinstance(item, float) and not math.isfinite(item):
            raise _refuse(name, value, "expected a finite number")
    return value


def _whole(name: str, value: object, lo: int, hi: int, expected: str) -> int:
    """An int in lo..hi (an integral float or a digit string is accepted; bool, NaN are not)."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,20}\s*", value):
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise _refuse(name, value, expected)
    return value


def _names(name: str, value: object, what: str) -> list[str]:
    """A non-empty list of distinct identifiers: a list of str, or 'a,b' (as given on the command line)."""
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise _refuse(name, value, f"expected a non-empty list of {what}")
    for item in items:
        if not isinstance(item, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", item):
            raise _refuse(name, value, f"expected a list of {what} (names like papi_total)")
    if len(set(items)) != len(items):
        raise _refuse(name, value, f"expected distinct {what}")
    return list(items)


@lru_cache(maxsize=1)
def _panel_facts() -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    """The panel's value columns and, for each, the years it has values (cleared by ``plan``)."""
    from parlib import panel

    data = panel.load_panel()
    columns = tuple(panel.value_columns(data))
    years = {c: tuple(sorted(int(y) for y in data.loc[data[c].notna(), "year"].unique())) for c in columns}
    years[""] = tuple(sorted(int(y) for y in data["year"].unique()))
    return columns, years


def _column(name: str, column: str) -> str:
    columns, _ = _panel_facts()
    if column in columns:
        return column
    close = difflib.get_close_matches(column, columns, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
    raise ReportParameterError(
        f"parameter {name!r}: {column!r} is not a panel column{hint} (see parlib.load_panel().columns)"
    )


def _rule_province(name: str, value: object) -> str:
    return str(provinces.PROVINCES_63.loc[validate_province(value), "name_ascii"])


def _rule_outcome(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _refuse(name, value, "expected a panel column name")
    return _column(name, value.strip())


def _rule_drivers(name: str, value: object) -> list[str]:
    return [_column(name, c) for c in _names(name, value, "panel columns")]


def _rule_span(name: str, value: object) -> list[int]:
    """[first, last] outcome years: 'YYYY-YYYY' or a pair, first <= last, within the panel's years."""
    expected = "expected 'YYYY-YYYY' or a [first, last] pair of years"
    pair: list[object]
    if isinstance(value, str):
        m = re.fullmatch(r"\s*(\d{4})\s*-\s*(\d{4})\s*", value)
        if not m:
            raise _refuse(name, value, expected)
        pair = [int(m[1]), int(m[2])]
    elif isinstance(value, (list, tuple)) and len(value) == 2:
        pair = list(value)
    else:
        raise _refuse(name, value, expected)
    first, last = (_whole(name, y, 1000, 9999, expected) for y in pair)
    if first > last:
        raise _refuse(name, value, "expected first <= last")
    covered = _panel_facts()[1][""]
    if first < covered[0] or last > covered[-1]:
        raise _refuse(name, value, f"expected years within the panel's {covered[0]}-{covered[-1]}")
    return [first, last]


def _rule_lag(name: str, value: object) -> int:
    return _whole(name, value, 0, 2, "expected an integer 0, 1 or 2 (years between driver and outcome)")


def _rule_method(name: str, value: object) -> list[str]:
    from parlib.models.regression import INFERENCE

    methods = _names(name, value, "inference methods")
    unknown = [m for m in methods if m not in INFERENCE]
    if unknown:
        raise _refuse(name, value, f"expected methods from {', '.join(INFERENCE)}")
    return methods


def _rule_seed(name: str, value: object) -> int:
    return _whole(name, value, 0, SEED_MAX, f"expected an integer 0-{SEED_MAX} (2**32-1)")


def _check_model(values: dict[str, object], given: set[str]) -> None:
    """Outcome, drivers and years together (given or the template's defaults): what ``fit`` refuses.

    A driver that is the outcome or part of it (``parlib.models.regression.overlap``), and an
    outcome without data in the years asked.
    """
    if not {"outcome", "drivers"} & given and "years" not in given:
        return
    outcome, drivers, span = values.get("outcome"), values.get("drivers"), values.get("years")
    if not isinstance(outcome, str):
        return
    if isinstance(drivers, list):
        from parlib.models.regression import overlap

        for driver in drivers:
            why = overlap(outcome, str(driver))
            if why:
                raise ReportParameterError(
                    f"parameters 'outcome' and 'drivers': driver {driver} overlaps the outcome {outcome}: "
                    f"{why}; choose another outcome or driver"
                )
    if isinstance(span, list) and len(span) == 2 and all(isinstance(y, int) for y in span):
        has = _panel_facts()[1].get(outcome, ())
        if not any(span[0] <= y <= span[1] for y in has):
            source = "" if "years" in given else " (the template's default)"
            raise ReportParameterError(
                f"parameters 'outcome' and 'years': {outcome} has no data in {span[0]}-{span[1]}{source}; "
                f"it has values for {format_years(has)}"
            )


@dataclass(frozen=True)
class TemplateRules:
    """How one template's parameters are checked: a rule per name, then checks across names."""

    rules: Mapping[str, Rule]
    checks: tuple[Check, ...] = ()


PROVINCE_RULES = TemplateRules({"province": _rule_province, "year": lambda name, value: value})
"""province_report.ipynb. ``year`` is listed for its place in the order; ``validate`` checks it
against ``report_years()`` (the covered years are its argument), then the province's existence."""

DRIVERS_RULES = TemplateRules(
    {
        "outcome": _rule_outcome,
        "drivers": _rule_drivers,
        "years": _rule_span,
        "lag": _rule_lag,
        "method": _rule_method,
        "seed": _rule_seed,
    },
    (_check_model,),
)
"""drivers_regression.ipynb: what ``report_data.fit_drivers`` and ``parlib.models.fit`` accept."""

TEMPLATE_RULES: dict[str, TemplateRules] = {
    "province_report.ipynb": PROVINCE_RULES,
    "drivers_regression.ipynb": DRIVERS_RULES,
}
"""Per template (file name under notebooks/templates): the rule of each parameter name."""


def rules_for(template: Path | str) -> TemplateRules:
    """The template's rules; any other template (a copy, a test stub) gets every table's, by name."""
    path = Path(template)
    bundled = config.project_root() / "notebooks" / "templates"
    if path.name in TEMPLATE_RULES and path.resolve().parent == bundled.resolve():
        return TEMPLATE_RULES[path.name]
    merged: dict[str, Rule] = {}
    checks: list[Check] = []
    for table in TEMPLATE_RULES.values():
        merged.update(table.rules)
        checks += [c for c in table.checks if c not in checks]
    return TemplateRules(merged, tuple(checks))


def validate(
    template: Path | str, params: dict[str, object], *, years: Sequence[int] | None = None
) -> dict[str, object]:
    """Check ``params`` against ``template`` before any kernel starts; return what the notebook gets.

    The template must be a notebook with a ``parameters`` cell (``check_template``); unknown
    parameter names are refused; each value goes through the template's rule
    (``TEMPLATE_RULES``): ``province`` through the registry (the notebook receives its ASCII
    name), ``year`` an int within ``report_years()`` in which the province existed, the drivers
    template's parameters within what the models allow; a parameter without a rule must be a
    plain str/int/float (finite)/bool/None or a list of them. ``years``: the covered years,
    when the caller already has them (default: ``report_years()``).
    """
    declared = template_parameters(template)
    unknown = [name for name in params if name not in declared]
    if unknown:
        known = ", ".join(declared) if declared else "none (no cell tagged 'parameters')"
        raise ReportParameterError(
            f"unknown parameter(s) {', '.join(map(repr, unknown))} for template {Path(template).name}; "
            f"it declares: {known}"
        )
    table = rules_for(template)
    order = {name: i for i, name in enumerate(table.rules)}
    out: dict[str, object] = {}
    for name in sorted(params, key=lambda n: order.get(n, len(order))):
        value = params[name]
        if name == "year":
            out[name] = validate_year(value, years)
        else:
            out[name] = table.rules.get(name, _plain)(name, value)
    if "province" in out and "year" in out:
        check_in_force(validate_province(out["province"]), int(out["year"]))  # type: ignore[arg-type]
    effective = {**template_defaults(template), **out}
    for check in table.checks:
        check(effective, set(out))
    return {name: out[name] for name in params}


def cli_parameters(pairs: Iterable[Sequence[str]]) -> dict[str, object]:
    """``-p NAME VALUE`` pairs -> parameters, typed as papermill's ``-p`` does.

    'True'/'False'/'None', integers and floats are converted; anything else stays text (the
    rules split 'a,b' into a list where a list is expected). ``province`` and ``year`` are
    refused (use --province / --year), so is a name given twice.
    """
    out: dict[str, object] = {}
    for name, text in pairs:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
            raise ReportParameterError(f"-p {name!r}: a parameter name is a Python identifier")
        if name in ("province", "year"):
            raise ReportParameterError(f"-p {name}: give the {name} with --{name}, not -p")
        if name in out:
            raise ReportParameterError(f"-p {name}: given twice")
        value: object = text
        if text in ("True", "False", "None"):
            value = {"True": True, "False": False, "None": None}[text]
        else:
            for kind in (int, float):
                try:
                    value = kind(text)
                    break
                except ValueError:
                    continue
        out[name] = value
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
    parameters: Mapping[str, object] | None = None,
    **extra: object,
) -> Task:
    """A validated Task (raises before any kernel starts); ``years`` as in ``validate``.

    More template parameters go in ``parameters`` (or as keywords, for names that are not
    arguments of this function: a template's own ``years`` must go through ``parameters``).
    """
    template = check_template(template or default_template())
    declared = template_parameters(template)
    if "province" not in declared and "year" not in declared:
        raise ReportParameterError(
            f"template {template.name} takes no 'province' or 'year' (it declares: {', '.join(declared)}); "
            "`parlib report` renders one report per province and year: run it with papermill"
        )
    given = {**dict(parameters or {}), **extra}
    params = validate(template, {"province": province, "year": year, **given}, years=years)
    pid = validate_province(province)
    folder = Path(reports_dir or config.reports_dir()).resolve()
    return Task(pid, int(params["year"]), template, folder, params)


def plan(
    names: Sequence[object] | None,
    years: Sequence[object],
    template: Path | str | None = None,
    reports_dir: Path | None = None,
    parameters: Mapping[str, object] | None = None,
) -> list[Task]:
    """Tasks for some provinces (``names``) or, with ``names=None``, every province in force each year.

    ``parameters``: more template parameters, the same for every task (``parlib report -p``).
    Every parameter is validated up front: nothing runs if any of them is refused, the template
    first (``check_template``), and a named province in a year it did not exist is refused.
    """
    template = check_template(template or default_template())
    _panel_facts.cache_clear()  # the panel may have been rebuilt since the last plan
    extra = dict(parameters or {})
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
                tasks[(pid, year)] = make_task(
                    pid, year, template, reports_dir, years=covered, parameters=extra
                )
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
    stage: str | None = None  # what the runner was doing when it was not a cell: "writing" ...
    log_error: str | None = None  # why the failure log could not be written (a full disk)

    def line(self) -> str:
        """One line: province, cell and error."""
        where = self.stage or "kernel/runner"
        if self.cell_index is not None:
            where = f"cell {self.cell_index}"
            if self.template_cell is not None and self.template_cell != self.cell_index:
                where = f"template cell {self.template_cell} (executed cell {self.cell_index})"
        evalue = (self.evalue or "").strip().splitlines()
        text = f"{self.ename}: {evalue[0][:200]}" if evalue else self.ename
        log = f" [log: {self.log}]" if self.log else ""
        if self.log_error:
            log += f" [log not written: {self.log_error}]"
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
    index_errors: list[str] = field(default_factory=list)  # index pages that could not be written

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
        return not self.failures and not self.index_errors

    def summary(self) -> str:
        """Counts, then one line per failure (province, cell, error) and per index page not written."""
        head = (
            f"{self.rendered} rendered, {self.skipped} up to date (skipped), {len(self.failures)} failed "
            f"in {self.duration_s:.1f} s with {self.jobs} worker(s)"
        )
        lines = [head, *("FAILED " + f.line() for f in self.failures)]
        return "\n".join(lines + ["FAILED index page " + e for e in self.index_errors])


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
            _KERNELS.add(self)  # killed by _orphaned() if the batch's parent dies

    return IPCKernelManager


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


def _write_text(path: Path, text: str) -> Path:
    """Write UTF-8 text atomically (``parlib.atomic``: fsync, umask mode; complete or absent)."""
    return atomic.write_text(path, text)


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


_OS_PROBLEMS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for this file system or limit",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
}


def _write_error(target: Path, exc: BaseException) -> str:
    """One line: the file that could not be written and why (a full disk, a quota ...)."""
    if isinstance(exc, OSError):
        what = _OS_PROBLEMS.get(exc.errno) or exc.strerror or str(exc)
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


def render(task: Task, context: dict[str, object], batch: str = "solo") -> TaskResult:
    """Execute one task and write its report atomically (the worker function; runs in any process).

    ``context``: ``inputs`` (``inputs_key``), ``template`` (path and sha256), ``raw_files``.
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
    try:
        with atomic.temp_dir(task.folder, tag=f"{task.slug}.{batch}") as work, _active(work):
            return _render_in(task, work, side, t0)
    except OSError as exc:  # the temporary folder itself: a full disk, a read-only folder
        text = f"{_write_error(task.folder, exc)} (the previous report, if any, is kept)"
        failure = Failure(
            task.province_id, task.province, task.year, type(exc).__name__, text, stage="writing"
        )
        return TaskResult(task.province_id, task.year, "failed", time.perf_counter() - t0, failure)


def _render_in(task: Task, work: Path, side: dict[str, object], t0: float) -> TaskResult:
    from papermill import PapermillExecutionError

    def failed(exc: BaseException, text: str | None = None, **where: Any) -> TaskResult:
        evalue = str(exc) if text is None else text
        failure = Failure(task.province_id, task.province, task.year, type(exc).__name__, evalue, **where)
        return _keep_failed(task, work, tmp_nb, side, failure, t0)

    tmp_nb = work / f"{task.slug}.ipynb"
    tmp_html = work / f"{task.slug}.html"
    tmp_json = work / f"{task.slug}.json"
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
        page = to_html(tmp_nb, f"{task.province} {task.year}")
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
    tmp_json = work / f"{task.slug}.failed.json"
    try:
        _write_text(tmp_json, json.dumps(_jsonable(side), indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp_json, log_json)
    except OSError as exc:
        problems.append(_write_error(log_json, exc))
        with contextlib.suppress(OSError):
            log_json.unlink()
    failure.log_error = "; ".join(problems) or None
    return TaskResult(task.province_id, task.year, "failed", time.perf_counter() - t0, failure)


# --------------------------------------------------------------------------- workers die with the batch

PR_SET_PDEATHSIG = 1
"""prctl option (linux/prctl.h): the signal a process gets when the thread that forked it dies."""
WATCH_INTERVAL_S = 0.5
"""How often a worker's watchdog thread checks that its parent is still there."""

_KERNELS: weakref.WeakSet = weakref.WeakSet()  # kernel managers this process started
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


def _kill_kernels() -> None:
    """SIGKILL the process group of every kernel this process started that is still running."""
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


# --------------------------------------------------------------------------- the batch


def _executor(jobs: int) -> Executor:
    """The pool that runs ``render``: worker processes (spawn) that die with this process.

    Swap point for e.g. Dask's executor.
    """
    return ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_worker_init,
        initargs=(os.getpid(),),
    )


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
) -> BatchReport:
    """Render ``tasks`` in parallel worker processes; failures are collected, not raised.

    ``jobs``: worker processes (default ``os.cpu_count()``, at most one per task). ``force``:
    re-render reports that are up to date. ``progress``: one tqdm bar on stderr for the batch.
    ``prepare``: call ``report_data.prepare(year)`` once per year first. ``index``: rewrite
    reports/index.html for every reports folder touched; a page that cannot be written (a full
    disk) is listed in ``index_errors`` and the old page stays. Ctrl-C stops the batch, removes
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
    folders = {t.folder for t in tasks} | {t.reports_dir for t in tasks}
    _sweep(folders, batch, older_than_s=STALE_TMP_S)
    try:
        if todo:
            _run_pool(todo, report, batch, progress, tqdm)
    finally:
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
                name = e(str(side.get("province", fpath.stem)))
                if fpath.with_suffix(".ipynb").is_file():  # a cut-off notebook is not kept as a log
                    name = f'<a href="{e(folder.name)}/failed/{e(fpath.stem)}.ipynb">{name}</a>'
                items.append(
                    f'<li class="failed">{name}: {e(str(err.get("ename", "")))}: '
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
    _write_text(target, page)
    return target
