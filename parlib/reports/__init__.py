"""The report runner: papermill templates -> reports/<year>/<slug>.ipynb, .html and .json.

>>> from parlib import reports
>>> tasks = reports.plan(["Lạng Sơn", "Cao Bằng"], [2022])      # validated, no kernel started
>>> batch = reports.run(tasks, jobs=2)                            # parallel processes, one bar
>>> print(batch.summary()); batch.index                           # reports/index.html

The issue and DESIGN.md "Reports" are the spec. Each decision is documented in the module that
carries it out; the modules import one way, top to bottom:

- ``params``: the error, the province and the year (**validation first**: a hostile province,
  a year outside ``report_years()``, a province in a year it did not exist);
- ``template``: the template must be a notebook with a cell tagged ``parameters`` (its content
  is never echoed);
- ``checks``: one check per parameter (``_rule_<name>``) and across parameters (``_check_<what>``);
- ``rules``: ``TEMPLATE_RULES`` (the checks of each template) and ``validate``: unknown parameters
  refused, each declared one checked by its template's rule;
- ``tasks``: ``Task``, ``make_task``, ``plan`` (output paths only from the registry slug);
- ``results``: ``Failure``, ``TaskResult``, ``BatchReport``;
- ``files``: **atomic outputs** (``parlib.atomic``) and one-line write errors;
- ``provenance``: hashes, data stamp, versions, recorded values; **up to date** by content;
- ``watchdog``: **workers die with the batch** (parent-death signal, watchdog thread);
- ``execute``: the engines (``ENGINES``: warm, papermill) and papermill's own: a kernel on IPC
  sockets per report, retried once on a start-up clash;
- ``inprocess``: the papermill engine ``parlib``: cells run in this process's IPython shell,
  outputs built as ipykernel and nbclient build them;
- ``warm``: **warm execution**: a worker imports and warms once, then each report runs in a fresh
  ``fork`` of it (per-report timeout, a crash or hang fails that report only); ``Runner`` for
  tests and scripts;
- ``index_page``: the index page's HTML and CSV from the reports' rows (sortable, filtered by
  region, a choropleth per year; inline script and style only);
- ``site``: a report's page without code and with its bar (``to_html``: back to the index, the
  other language, date, version, data stamp) and reports/index.html + index.csv (``write_index``);
- ``worker``: ``render``, the worker function: one report into a temporary folder, renamed
  into place, failure logs kept apart;
- ``executors``: where ``render`` runs: the spawn process pool (``watchdog.process_pool``) or, for
  **scale**, Dask distributed (``--scheduler local`` or ``tcp://HOST:PORT``; workers write into
  a shared reports folder after checking they see the client's folder, template and data);
- ``pool``: ``run``: **processes, not threads** (a spawn process pool, or Dask), **heavy work
  once** (``report_data.prepare`` per year in the parent), failures collected.

The names below are re-exported for callers, with the few private ones that bench/batch.py
and the tests read (``_executor``, ``_execute``, ``_write_text``, ``_sha256_file``,
``_TMP_MARK``). A test that replaces a function patches it in the module that looks it up
(``reports.pool._executor``, ``reports.worker._execute``): patching it here changes nothing.
"""

from __future__ import annotations

from parlib.reports import _lean_imports  # noqa: F401  (first: before anything imports nbformat)
from parlib.reports.checks import SEED_MAX
from parlib.reports.execute import ENGINES, INLINE_BACKEND, KERNEL_NAME, START_TIMEOUT, validate_engine
from parlib.reports.execute import _execute as _execute
from parlib.reports.executors import LOCAL as SCHEDULER_LOCAL
from parlib.reports.executors import validate_scheduler
from parlib.reports.files import _write_text as _write_text
from parlib.reports.params import (
    GEO,
    GEOS,
    LANGS,
    ReportParameterError,
    check_in_force,
    format_years,
    latest_year,
    parse_years,
    report_years,
    validate_geo,
    validate_langs,
    validate_province,
    validate_unit,
    validate_year,
)
from parlib.reports.pool import _TMP_MARK as _TMP_MARK
from parlib.reports.pool import STALE_TMP_S, run
from parlib.reports.pool import _executor as _executor
from parlib.reports.provenance import (
    RECORD_MIMETYPE,
    SIDECAR_SCHEMA,
    VERSION_PACKAGES,
    data_stamp,
    inputs_key,
    is_up_to_date,
    package_versions,
    raw_file_hashes,
    read_records,
    table_hashes,
)
from parlib.reports.provenance import _sha256_file as _sha256_file
from parlib.reports.results import BatchReport, Failure, TaskResult
from parlib.reports.rules import (
    DRIVERS_RULES,
    PROVINCE_RULES,
    TEMPLATE_RULES,
    Check,
    Rule,
    TemplateRules,
    cli_parameters,
    rules_for,
    validate,
)
from parlib.reports.site import to_html, write_index
from parlib.reports.tasks import Task, make_task, plan
from parlib.reports.template import (
    MAX_TEMPLATE_BYTES,
    check_template,
    default_template,
    template_defaults,
    template_parameters,
    unit34_template,
)
from parlib.reports.warm import NOTEBOOK_TIMEOUT_S, ReportProcessDied, ReportTimeout
from parlib.reports.watchdog import PR_SET_PDEATHSIG, WATCH_INTERVAL_S
from parlib.reports.worker import render

__all__ = [
    "DRIVERS_RULES",
    "ENGINES",
    "GEO",
    "GEOS",
    "INLINE_BACKEND",
    "KERNEL_NAME",
    "LANGS",
    "MAX_TEMPLATE_BYTES",
    "NOTEBOOK_TIMEOUT_S",
    "PROVINCE_RULES",
    "PR_SET_PDEATHSIG",
    "RECORD_MIMETYPE",
    "SCHEDULER_LOCAL",
    "SEED_MAX",
    "SIDECAR_SCHEMA",
    "STALE_TMP_S",
    "START_TIMEOUT",
    "TEMPLATE_RULES",
    "VERSION_PACKAGES",
    "WATCH_INTERVAL_S",
    "BatchReport",
    "Check",
    "Failure",
    "ReportParameterError",
    "ReportProcessDied",
    "ReportTimeout",
    "Rule",
    "Task",
    "TaskResult",
    "TemplateRules",
    "check_in_force",
    "check_template",
    "cli_parameters",
    "data_stamp",
    "default_template",
    "format_years",
    "inputs_key",
    "is_up_to_date",
    "latest_year",
    "make_task",
    "package_versions",
    "parse_years",
    "plan",
    "raw_file_hashes",
    "read_records",
    "render",
    "report_years",
    "rules_for",
    "run",
    "table_hashes",
    "template_defaults",
    "template_parameters",
    "to_html",
    "unit34_template",
    "validate",
    "validate_engine",
    "validate_geo",
    "validate_langs",
    "validate_province",
    "validate_scheduler",
    "validate_unit",
    "validate_year",
    "write_index",
]
