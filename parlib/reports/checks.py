"""The checks behind the template rules: one function per parameter, and checks across parameters.

Each ``_rule_<name>(name, value)`` returns the value the notebook receives or raises a one-line
``ReportParameterError`` naming the parameter; each ``_check_<what>(values, given)`` checks
parameters against each other (the drivers template's outcome against its drivers, a design
against its years and tables). ``parlib.reports.rules`` puts them into one table per template.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from parlib import provinces
from parlib.reports.params import (
    LANGS,
    ReportParameterError,
    format_years,
    validate_province,
    validate_unit,
)

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
