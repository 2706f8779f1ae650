"""Parameter rules per template, and ``validate``: what a notebook may be given.

Decision (validation first, the parameters): ``validate()`` refuses any parameter the template
does not declare (``papermill.inspect_notebook``). Declared parameters go through
``TEMPLATE_RULES``: one table per template, keyed by parameter name (the drivers template's
``outcome``, ``drivers``, ``years``, ``lag``, ``method``, ``seed`` are checked for range and
shape, and the outcome against the drivers; the province report's ``tables`` must be readable
researcher tables); a template not in the table gets the rules of every table by parameter name.
The notebook receives only the registry's ASCII name (``province="Lang Son"``) and an ``int``
year.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from parlib import config, provinces
from parlib.reports.params import (
    LANGS,
    ReportParameterError,
    check_in_force,
    format_years,
    validate_province,
    validate_unit,
    validate_year,
)
from parlib.reports.template import template_defaults, template_parameters

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


def _rule_unit(name: str, value: object) -> str:
    """One of the 34 provinces from 1 July 2025 (an old province is refused naming its unit)."""
    return str(provinces.PROVINCES_34.loc[validate_unit(value), "name_ascii"])


def _rule_lang(name: str, value: object) -> str:
    if value not in LANGS:
        raise _refuse(name, value, f"expected one of {', '.join(LANGS)}")
    return str(value)


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


def _rule_report_tables(name: str, value: object) -> list[str]:
    """Researcher tables for the province report: a list of paths (or 'a.csv,b.csv'), each an
    existing, readable SIPAS, PAR INDEX, driver or period table, read by its reader here, before any
    kernel starts (``parlib.sections.reported.check_tables``). The notebook gets absolute paths
    (its kernel runs in the project folder), and their sha256 enter the report's inputs key."""
    items = [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(i, (str, Path)) and str(i) for i in items):
        raise _refuse(name, value, "expected a list of table paths (CSV or XLSX)")
    from parlib.errors import ParlibError
    from parlib.sections.reported import check_tables

    try:
        return [str(path) for path in check_tables(items)]
    except ParlibError as exc:
        raise ReportParameterError(f"parameter {name!r}: {exc}") from None
    except OSError as exc:
        raise ReportParameterError(f"parameter {name!r}: {exc.filename}: {exc.strerror or exc}") from None


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
        from parlib.models.overlap import overlap

        for driver in drivers:
            why = overlap(outcome, str(driver))
            if why:
                raise ReportParameterError(
                    f"parameters 'outcome' and 'drivers': driver {driver} overlaps the outcome {outcome}: "
                    f"{why}; choose another outcome or driver"
                )
    one_row = values.get("design", "panel") != "panel" or values.get("tables")  # _check_design's
    if isinstance(span, list) and len(span) == 2 and all(isinstance(y, int) for y in span) and not one_row:
        has = _panel_facts()[1].get(outcome, ())
        if not any(span[0] <= y <= span[1] for y in has):
            source = "" if "years" in given else " (the template's default)"
            raise ReportParameterError(
                f"parameters 'outcome' and 'years': {outcome} has no data in {span[0]}-{span[1]}{source}; "
                f"it has values for {format_years(has)}"
            )


def _rule_driver_columns(name: str, value: object) -> list[str]:
    """Panel columns, or ``driver_<indicator>`` names the researcher tables give (``_check_design``)."""
    columns = _panel_facts()[0]
    items = _names(name, value, "panel columns")
    return [c if c.startswith("driver_") and c not in columns else _column(name, c) for c in items]


def _rule_years(name: str, value: object) -> list[int]:
    """[first, last] (``_rule_span``), or one year ('YYYY', [YYYY]) for design cross_section."""
    one = value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else value
    if isinstance(one, (list, tuple)) or (isinstance(one, str) and "-" in one):
        return _rule_span(name, value)
    year = _whole(name, one, 1000, 9999, "expected 'YYYY-YYYY' or a [first, last] pair of years (one year: "
                  "design cross_section)")  # fmt: skip
    covered = _panel_facts()[1][""]
    if not covered[0] <= year <= covered[-1]:
        raise _refuse(name, value, f"expected years within the panel's {covered[0]}-{covered[-1]}")
    return [year]


def _rule_design(name: str, value: object) -> str:
    from parlib.sections.designs import DESIGNS, design_name

    try:
        return design_name(value) if isinstance(value, str) else design_name("?")
    except ValueError:
        raise _refuse(name, value, f"expected a design: {', '.join(DESIGNS)}") from None


def _rule_tables(name: str, value: object) -> list[str]:
    """Paths of existing files (a list, '["a.csv"]' or 'a.csv,b.csv'), made absolute for the kernel."""
    from parlib.sections.designs import _as_list

    try:
        items = _as_list(value)
    except (ValueError, SyntaxError):
        raise _refuse(name, value, "expected a list of table paths") from None
    out = []
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise _refuse(name, value, "expected a list of table paths (CSV or XLSX files)")
        path = Path(item.strip()).expanduser()
        if not path.is_file():
            raise ReportParameterError(f"parameter {name!r}: {item}: no such file")
        out.append(str(path.resolve()))
    if len(set(out)) != len(out):
        raise _refuse(name, value, "expected distinct tables")
    return out


def _check_design(values: dict[str, object], given: set[str]) -> None:
    """Design, years, lag, method, drivers and tables together: what ``fit_drivers`` would refuse.

    Which parameters each design uses: ``parlib.sections.designs.DESIGN_PARAMETERS`` (``lag`` and
    ``method`` are the panel's only: given with another design, refused). The tables are read (a
    table that is none of the four kinds, or breaks its rules, is refused naming it); a
    ``driver_<indicator>`` must come from them (a period figure for ``years`` only in a long
    difference); the outcome must have data in the years the design uses.
    """
    from parlib.errors import ParlibError
    from parlib.sections import designs

    design, span = values.get("design", "panel"), values.get("years")
    if not {"design", "tables", "years", "lag", "method", "drivers", "outcome"} & given or not isinstance(
        span, list
    ):
        return
    uses = designs.DESIGN_PARAMETERS.get(str(design), ())
    if design == "long_difference" and (len(span) != 2 or span[0] >= span[1]):
        raise ReportParameterError(
            f"parameters 'design' and 'years': design long_difference needs [start, end] with start < end, "
            f"got {span}"
        )
    if design == "panel" and len(span) != 2:
        raise ReportParameterError(
            f"parameters 'design' and 'years': design panel needs [first, last], got {span} (one year: "
            "design cross_section)"
        )
    unused = [p for p in ("lag", "method") if p in given and p not in uses]
    if unused:
        raise ReportParameterError(
            f"parameter(s) {', '.join(map(repr, unused))}: design panel only; design {design} uses "
            f"{', '.join(uses)}"
        )
    outcome, drivers = values.get("outcome"), values.get("drivers")
    if not isinstance(outcome, str) or not isinstance(drivers, list):
        return
    try:
        tables = designs.read_tables(list(values.get("tables") or []))  # type: ignore[arg-type]
    except ParlibError as exc:
        raise ReportParameterError(f"parameter 'tables': {exc}") from None
    yearly, periods = tables.indicators()
    columns, has_years = _panel_facts()
    for driver in [d for d in drivers if d not in columns]:
        ind = str(driver).removeprefix("driver_")
        if ind in yearly or (design == "long_difference" and tuple(span) in periods.get(ind, ())):
            continue
        if ind in periods:
            spans = ", ".join(f"[{a}, {b}]" for a, b in sorted(periods[ind]))
            fix = (
                f"years {spans}" if design == "long_difference" else f"design long_difference, years {spans}"
            )
            raise ReportParameterError(
                f"parameters 'drivers', 'design' and 'years': {driver} is a period figure of the tables, "
                f"none for design {design} with years {span}: use {fix}"
            )
        known = sorted(f"driver_{i}" for i in {*yearly, *periods})
        raise ReportParameterError(
            f"parameter 'drivers': {driver!r} is not a panel column and no table gives it"
            + (f"; the tables give {', '.join(known)}" if known else "; pass its table in 'tables'")
        )
    has = set(has_years.get(outcome, ()))
    for kind, frames in tables.index.items():
        if outcome.startswith(kind.lower() + "_"):
            has |= {int(y) for frame in frames for y in frame["year"]}
    needed = {"long_difference": list(span), "cross_section": list(span[-1:])}.get(str(design))
    missing = [y for y in needed or [] if y not in has]
    if needed is None and not any(span[0] <= y <= span[-1] for y in has):
        missing = [f"{span[0]}-{span[-1]}"]
    if missing:
        raise ReportParameterError(
            f"parameters 'outcome' and 'years': {outcome} has no data in {', '.join(map(str, missing))} "
            f"(design {design}); it has values for {format_years(has)}"
        )


@dataclass(frozen=True)
class TemplateRules:
    """How one template's parameters are checked: a rule per name, then checks across names."""

    rules: Mapping[str, Rule]
    checks: tuple[Check, ...] = ()
    geo: str = "63"
    """The provinces its ``province`` names: "63" (until June 2025) or "34" (from 1 July 2025)."""


PROVINCE_RULES = TemplateRules(
    {
        "province": _rule_province,
        "year": lambda name, value: value,
        "lang": _rule_lang,
        "tables": _rule_report_tables,
    }
)
"""province_report.ipynb. ``year`` is listed for its place in the order; ``validate`` checks it
against ``report_years()`` (the covered years are its argument), then the province's existence.
``tables``: researcher tables, each read before any kernel starts (``_rule_report_tables``);
``lang``: en or vi."""

UNIT34_RULES = TemplateRules(
    {"province": _rule_unit, "year": lambda name, value: value, "lang": _rule_lang}, geo="34"
)
"""unit34_report.ipynb: one of the 34 provinces from 1 July 2025, a year, en or vi. Every year of
the report data is allowed: the unit's history is the projection of the provinces it absorbed."""

DRIVERS_RULES = TemplateRules(
    {
        "outcome": _rule_outcome,
        "drivers": _rule_driver_columns,
        "years": _rule_years,
        "lag": _rule_lag,
        "method": _rule_method,
        "seed": _rule_seed,
        "design": _rule_design,
        "tables": _rule_tables,
    },
    (_check_model, _check_design),
)
"""drivers_regression.ipynb: what ``report_data.fit_drivers`` and ``parlib.models`` accept. Designs:
``panel`` uses outcome, drivers, years [first, last], lag, method, seed, tables;
``long_difference`` outcome, drivers, years [start, end] (start < end), seed, tables;
``cross_section`` outcome, drivers, years (the last, or one year), seed, tables. ``lag`` or
``method`` given with another design is refused, as are an unknown design, a table that does not
exist or is not a driver, period driver, PAR INDEX or SIPAS table, and a ``driver_<indicator>``
no table gives (``_check_design``)."""

TEMPLATE_RULES: dict[str, TemplateRules] = {
    "province_report.ipynb": PROVINCE_RULES,
    "drivers_regression.ipynb": DRIVERS_RULES,
    "unit34_report.ipynb": UNIT34_RULES,
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
        if table.geo != "63":  # a copy names geo-63 provinces unless it is the 34-unit template
            continue
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
    if "province" in out and "year" in out and table.geo == "63":
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
