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

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from parlib import config
from parlib.reports.checks import (
    Check,
    Rule,
    _check_design,
    _check_model,
    _plain,
    _rule_design,
    _rule_driver_columns,
    _rule_lag,
    _rule_lang,
    _rule_method,
    _rule_outcome,
    _rule_province,
    _rule_report_tables,
    _rule_seed,
    _rule_tables,
    _rule_unit,
    _rule_years,
)
from parlib.reports.params import (
    ReportParameterError,
    check_in_force,
    validate_province,
    validate_year,
)
from parlib.reports.template import template_defaults, template_parameters


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
