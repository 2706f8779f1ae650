"""Driver tables (``read_driver_table``, ``merge_drivers``), researcher tables of the kind
described in ``parlib.sources.tables``: one row per province, year and indicator, columns
``province, year, indicator, value, unit, source`` (+ ``note``, ``source_url`` and the optional
``qualifier``, ``period_start``, ``period_end``).

Driver tables (staffing, online services ...): the researcher names each ``indicator`` in
snake_case (``staff_admin_agencies``, ``staff_cut_pct_public_units``, ``online_services_share``;
case, spaces and hyphens are normalised as in column names) and gives it ONE ``unit`` of
``DRIVER_UNITS`` (case-insensitive; ``%`` = ``percent``), whose bounds the value must respect.
``source`` (where the figure comes from) is required on every row. A blank value (or a missing
code such as ``-``, ``n/a``) means "not available" and the row is left out. The observations
have ``index = "DRIVER"``, ``component`` = the indicator, ``method_era`` None and ``source`` =
``"<file> | <source cell>"``; in a panel they become columns ``driver_<indicator>``
(``merge_drivers``).

Qualifiers (column ``qualifier``, one of ``DRIVER_QUALIFIERS``, the words of a fact table:
``parlib.extract.vocab.QUALIFIERS``; case, spaces and hyphens normalised; blank = ``exact``).
Why: a provincial report says "over 98%", "striving to reach 100%" or "13.13% in 2011-2020",
and none of these is the yearly value the panel designs need, so a reviewed fact table keeps
them as rows that say what they are instead of flattening them into values:

- ``exact`` and ``approx`` rows are values, as without the column.
- ``at_least`` / ``at_most`` rows are bounds, not values: ``read_driver_table`` leaves them out
  by default (``bounds="drop"``) and reads them as values only with ``bounds="as_value"``.
- ``target`` rows are always left out: a target is never an achievement.
- ``period`` rows give ONE figure for the years ``period_start``..``period_end`` (both required,
  ``year`` = ``period_end``): not yearly values, so ``read_driver_table`` leaves them out and
  ``parlib.sources.period_tables.read_period_table`` / ``period_drivers`` read them (one reviewed
  file feeds the yearly and the long-difference designs). Period rows follow the period-table
  rules: two periods of one province and indicator may share a boundary year but not overlap.

What was left out is said, not warned: the observations carry ``attrs["notes"]`` (one line per
kind of row left out or read as a value, with its spreadsheet rows; ``[]`` when none) and
``attrs["file"]``. A table whose rows are all left out gives no observations (an empty frame
with its notes), not an error.

Errors: an unknown unit or qualifier (with a suggestion), an indicator whose unit changes
between rows, the same province, year and indicator twice (among the rows that are not period
or target rows), a value outside its unit, a ``persons`` or ``count`` value that is not a whole
number, an ambiguous value ("Reading numbers" in ``parlib.sources.table_units``), every value
blank; period columns on a row that is not a period row or missing on a period row,
``period_start`` after ``period_end``, ``year`` other than ``period_end``, overlapping periods.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from parlib.errors import SourceFormatError, ValidationError
from parlib.sources import OBS_COLUMNS
from parlib.sources.sheets import _load_sheet
from parlib.sources.table_columns import (
    FIRST_YEAR,
    _check_columns,
    _duplicates,
    _map_column,
    _place,
    _province_ids,
    _quantities,
    _require_rows,
    _years,
)
from parlib.sources.table_units import DRIVER_UNITS, WHOLE_UNITS

DRIVER_INDEX = "DRIVER"
"""``index`` of driver observations; a panel names their columns ``driver_<indicator>``."""
DRIVER_REQUIRED = ["province", "year", "indicator", "value", "unit", "source"]
DRIVER_OPTIONAL = ["qualifier", "period_start", "period_end"]
"""Optional columns of a driver table (besides ``note`` and ``source_url``): see the module docstring."""
DRIVER_UNIT_ALIASES = {"%": "percent", "pct": "percent"}
DRIVER_QUALIFIERS = ("exact", "at_least", "at_most", "approx", "target", "period")
"""The qualifiers of a driver row (= ``parlib.extract.vocab.QUALIFIERS``); blank = ``exact``."""
BOUND_QUALIFIERS = ("at_least", "at_most")
BOUNDS = ("drop", "as_value")
"""``read_driver_table(bounds=...)``: leave bound rows out (default) or read them as values."""
_INDICATOR_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def _indicator_name(text: str) -> str:
    """'Staff cut pct - admin agencies' -> 'staff_cut_pct_admin_agencies'; ValueError if not snake_case."""
    indicator = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if not _INDICATOR_RE.match(indicator):
        raise ValueError(
            f"indicator {text!r} is not a snake_case name (a-z, digits and single underscores, "
            "starting with a letter; e.g. staff_admin_agencies)"
        )
    return indicator


def _driver_unit(text: str) -> str:
    """A unit of ``DRIVER_UNITS`` (any case, spacing collapsed, '%' = percent); ValueError otherwise."""
    unit = " ".join(text.split()).lower().replace("vnd", "VND")
    unit = DRIVER_UNIT_ALIASES.get(unit, unit)
    if unit not in DRIVER_UNITS:
        close = difflib.get_close_matches(unit, list(DRIVER_UNITS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown unit {text!r}{hint}; the units are {list(DRIVER_UNITS)}")
    return unit


def _qualifier(text: str) -> str:
    """'At least' -> 'at_least', '' -> 'exact'; ValueError (with a suggestion) for an unknown one."""
    word = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if not word:
        return "exact"
    if word not in DRIVER_QUALIFIERS:
        close = difflib.get_close_matches(word, DRIVER_QUALIFIERS, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown qualifier {text!r}{hint}; the qualifiers are {list(DRIVER_QUALIFIERS)}")
    return word


def _bounds_text(unit: str) -> str:
    low, high = DRIVER_UNITS[unit]
    return f">= {low:g}" if math.isinf(high) else f"{low:g}-{high:g}"


def _load_rows(
    path: str | Path,
    sheet: str | int,
    required: list[str],
    geo: str,
    decimal: str | None,
    optional: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The rows of a driver or period table with their province ids: (frame, raw cells, file name).

    Refuses a missing or unknown column (``optional`` columns are allowed), an empty table and a
    blank indicator, unit or source.
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.', ',' or None, got {decimal!r}")
    path = Path(path)
    name = path.name
    frame, cells = _load_sheet(path, sheet)
    _check_columns(frame, required, optional or [], name)
    _require_rows(frame, name)
    for column in ("indicator", "unit", "source"):
        blank = frame[column] == ""
        if blank.any():
            why = "say where the figure comes from" if column == "source" else "every row needs one"
            raise SourceFormatError(name, f"blank {column}: {why}", row=blank[blank].index[0])
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    return frame, cells, name


def _check_values(frame: pd.DataFrame, name: str, what: Callable[[pd.Series], str]) -> None:
    """Refuse a value outside its unit's bounds, or a count with decimals; ``what(row)`` names the figure."""
    low = frame["unit"].map(lambda u: DRIVER_UNITS[u][0])
    high = frame["unit"].map(lambda u: DRIVER_UNITS[u][1])
    outside = (frame["value"] < low) | (frame["value"] > high)
    if outside.any():
        rec = frame.loc[outside[outside].index[0]]
        hint = ""
        if rec["unit"] in ("share", "index (0-1)") and 1 < rec["value"] <= 100:
            hint = f": a {rec['unit']} is a fraction (0.45, not 45); use unit 'percent' for a percentage"
        raise ValidationError(
            f"{name}, row {rec.name}: {what(rec)}: value {rec['value']:g} outside "
            f"{_bounds_text(rec['unit'])} ({rec['unit']}){hint}"
        )
    counted = frame["unit"].isin(WHOLE_UNITS) & (frame["value"] % 1 != 0)
    if counted.any():
        rec = frame.loc[counted[counted].index[0]]
        raise ValidationError(
            f"{name}, row {rec.name}: {what(rec)}: {rec['value']:g} {rec['unit']} is "
            f"not a whole number (a count has no decimals)"
        )


def _one_unit_per_indicator(frame: pd.DataFrame, name: str) -> None:
    """Refuse an indicator whose unit changes between rows (driver and period tables)."""
    first_unit = frame.groupby("indicator", sort=False)["unit"].transform("first")
    mixed = frame["unit"] != first_unit
    if mixed.any():
        rec = frame.loc[mixed[mixed].index[0]]
        earlier = frame[frame["indicator"] == rec["indicator"]].index[0]
        raise ValidationError(
            f"{name}, row {rec.name}: indicator {rec['indicator']!r} is in {rec['unit']!r} here but in "
            f"{first_unit[rec.name]!r} in row {earlier}: one indicator has one unit (name the other "
            f"one differently, e.g. {rec['indicator']}_{rec['unit'].split()[0].lower()})"
        )


def _period_what(rec: pd.Series) -> str:
    """'x of Lạng Sơn (20) 2011-2020': a period figure, for messages."""
    period = f"{rec['start_year']}-{rec['end_year']}"
    return f"{rec['indicator']} of {rec['province']} ({rec['province_id']}) {period}"


def _check_periods(frame: pd.DataFrame, name: str) -> None:
    """Refuse, per province and indicator, a period given twice or overlapping another (file order).

    ``frame`` has ``start_year`` and ``end_year``; periods that share only a boundary year follow
    each other and are accepted.
    """
    for _, group in frame.groupby(["province_id", "indicator"], sort=False):
        seen: list[tuple[int, int, int]] = []
        for row, start, end in zip(group.index, group["start_year"], group["end_year"], strict=True):
            for earlier, s, e in seen:
                rec = frame.loc[row]
                if (s, e) == (start, end):
                    raise ValidationError(
                        f"{name}, row {row}: {_period_what(rec)} is already given in row {earlier}"
                    )
                if start < e and s < end:
                    raise ValidationError(
                        f"{name}, row {row}: {_period_what(rec)} overlaps {s}-{e} in row {earlier}: one "
                        f"figure per province, indicator and period (keep one, or name the other indicator "
                        f"differently, e.g. {rec['indicator']}_{start}_{end})"
                    )
            seen.append((row, start, end))


def _period_years(frame: pd.DataFrame, cells: pd.DataFrame, name: str) -> None:
    """Read ``qualifier``, ``period_start`` and ``period_end`` into ``frame`` (in place) and refuse a
    period column on a row that is not a period row, a period row without both, a period that
    runs backwards and a period row whose ``year`` is not its ``period_end``."""
    if "qualifier" in frame.columns:
        frame["qualifier"] = _map_column(frame["qualifier"], _qualifier, name).astype(str)
    else:
        frame["qualifier"] = "exact"
    is_period = frame["qualifier"] == "period"
    for column in ("period_start", "period_end"):
        years = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        if column in frame.columns:
            filled = frame[column] != ""
            stray = filled & ~is_period
            if stray.any():
                rec = frame.loc[stray[stray].index[0]]
                raise ValidationError(
                    f"{name}, row {rec.name}: {column} {rec[column]!r} on a row with qualifier "
                    f"{rec['qualifier']!r}: only a 'period' row has a period (set the qualifier or clear the "
                    "cell)"
                )
            if filled.any():
                years[filled] = _years(cells.loc[filled], FIRST_YEAR[DRIVER_INDEX], name, column)
        missing = is_period & years.isna()
        if missing.any():
            raise SourceFormatError(
                name,
                f"qualifier 'period' needs {column} (the period's years: period_start and period_end, "
                "with year = period_end); it is blank",
                row=missing[missing].index[0],
            )
        frame[column] = years
    backwards = is_period & (frame["period_start"] > frame["period_end"]).fillna(False)
    if backwards.any():
        rec = frame.loc[backwards[backwards].index[0]]
        raise ValidationError(
            f"{name}, row {rec.name}: period_start {rec['period_start']} is after period_end "
            f"{rec['period_end']}: a period runs from period_start to period_end"
        )
    other_year = is_period & (frame["year"] != frame["period_end"]).fillna(False)
    if other_year.any():
        rec = frame.loc[other_year[other_year].index[0]]
        raise ValidationError(
            f"{name}, row {rec.name}: year {rec['year']} of a period row is not its period_end "
            f"{rec['period_end']}: a period figure's year is the period's last year"
        )


def _driver_rows(
    path: str | Path, geo: str, sheet: str | int, decimal: str | None
) -> tuple[pd.DataFrame, str]:
    """Every row of a driver table that has a value, checked (all the rules of the module
    docstring, on every row whatever its qualifier), with ``qualifier`` and the period years;
    indexed by spreadsheet row. Shared by ``read_driver_table`` (yearly rows) and
    ``read_period_table`` (period rows), so that one file is refused by both or by neither."""
    frame, cells, name = _load_rows(path, sheet, DRIVER_REQUIRED, geo, decimal, DRIVER_OPTIONAL)
    frame["year"] = _years(cells, FIRST_YEAR[DRIVER_INDEX], name)
    _period_years(frame, cells, name)
    frame["indicator"] = _map_column(frame["indicator"], _indicator_name, name)
    frame["unit"] = _map_column(frame["unit"], _driver_unit, name)
    frame["value"] = _quantities(cells["value"], frame["unit"], name, decimal)

    _one_unit_per_indicator(frame, name)
    yearly = ~frame["qualifier"].isin(["period", "target"])
    _duplicates(
        frame[yearly],
        ["province_id", "year", "indicator"],
        name,
        lambda r: f"{r['indicator']} of {_place(r)}",
    )
    periods = frame[frame["qualifier"] == "period"]
    _check_periods(periods.assign(start_year=periods["period_start"], end_year=periods["period_end"]), name)
    frame = frame[frame["value"].notna()]
    if frame.empty:
        raise SourceFormatError(name, "no values: every row has a blank value")
    _check_values(frame, name, lambda rec: f"{rec['indicator']} of {_place(rec)}")
    return frame, name


def _row_list(index: pd.Index) -> str:
    """'row 4' or 'rows 4, 6, 9' (at most 10 listed)."""
    rows = [str(r) for r in index]
    more = f", ... ({len(rows)} in all)" if len(rows) > 10 else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(rows[:10]) + more


def read_driver_table(
    path: str | Path,
    geo: str = "63",
    sheet: str | int = 0,
    decimal: str | None = None,
    bounds: str = "drop",
) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``, index ``DRIVER``) from a researcher's driver table.

    Columns ``province, year, indicator, value, unit, source`` (+ ``note``, ``source_url``,
    ``qualifier``, ``period_start``, ``period_end``); one row per province, year and indicator;
    provinces resolved in ``geo``. ``component`` is the indicator and ``source`` is
    ``"<file> | <source cell>"``. Rows with a blank value are left out, and so are target and
    period rows and, with ``bounds="drop"`` (the default), ``at_least``/``at_most`` rows
    (``bounds="as_value"`` reads them as values); ``attrs["notes"]`` says which. See the module
    docstring for the rules and ``DRIVER_UNITS`` for the units. ``decimal`` ('.' or ',') declares
    the decimal point of every value written as text in the file (see "Reading numbers",
    ``parlib.sources.table_units``); by default a value that two readings fit, such as ``57,788``
    million VND, is refused.
    """
    if bounds not in BOUNDS:
        raise ValueError(f"bounds must be one of {BOUNDS}, got {bounds!r}")
    frame, name = _driver_rows(path, geo, sheet, decimal)
    qualifier = frame["qualifier"]
    is_bound = qualifier.isin(BOUND_QUALIFIERS)
    notes = []
    if is_bound.any():
        where = _row_list(frame.index[is_bound])
        if bounds == "drop":
            notes.append(
                f"{name}: {where} (at_least/at_most) left out: a bound is not a value "
                "(bounds='as_value' reads them as values)"
            )
        else:
            notes.append(f"{name}: {where} (at_least/at_most) read as values (bounds='as_value')")
    target = qualifier == "target"
    if target.any():
        where = _row_list(frame.index[target])
        notes.append(f"{name}: {where} (target) left out: a target is not an achievement")
    period = qualifier == "period"
    if period.any():
        notes.append(
            f"{name}: {_row_list(frame.index[period])} (period) left out: a period figure is not a yearly "
            "value (read_period_table and period_drivers read them)"
        )
    frame = frame[~(target | period | (is_bound if bounds == "drop" else False))]
    obs = pd.DataFrame(
        {
            "index": DRIVER_INDEX,
            "component": frame["indicator"],
            "province_id": frame["province_id"].astype(str),
            "geo": geo,
            "year": frame["year"].astype("int64"),
            "value": frame["value"].astype("float64"),
            "unit": frame["unit"],
            "source": name + " | " + frame["source"],
            "method_era": None,
        },
        index=frame.index,
    )[OBS_COLUMNS]
    obs = obs.sort_values(["index", "component", "province_id", "geo", "year"], ignore_index=True)
    obs.attrs["file"] = name
    obs.attrs["notes"] = notes
    return obs


def merge_drivers(
    panel: pd.DataFrame,
    tables: str | Path | pd.DataFrame | Iterable[str | Path | pd.DataFrame],
    geo: str = "63",
    decimal: str | None = None,
    bounds: str = "drop",
) -> pd.DataFrame:
    """``panel`` with one float column ``driver_<indicator>`` per driver indicator, matched on
    (``province_id``, ``year``); NaN where a table has no value.

    ``tables`` are driver-table paths (read with ``read_driver_table``) or observations it
    returned; ``decimal`` and ``bounds`` are passed to ``read_driver_table`` for every path (so
    target and period rows, and bounds unless ``bounds="as_value"``, are left out). Refused
    (ValidationError): a column the panel already has, the same indicator in two units, or the
    same province, year and indicator in two tables. Driver values for a province-year the panel
    does not hold are left out. The panel itself is not modified.
    """
    missing = [c for c in ("province_id", "year") if c not in panel.columns]
    if missing:
        raise ValidationError(f"panel: missing column(s) {missing}; merge_drivers needs province_id and year")
    if isinstance(tables, (str, Path, pd.DataFrame)):
        tables = [tables]
    frames = []
    for table in tables:
        if isinstance(table, pd.DataFrame):
            obs = table
        else:
            obs = read_driver_table(table, geo=geo, decimal=decimal, bounds=bounds)
        label = "observations" if isinstance(table, pd.DataFrame) else Path(table).name
        if list(obs.columns[: len(OBS_COLUMNS)]) != OBS_COLUMNS or set(obs["index"]) - {DRIVER_INDEX}:
            raise ValidationError(f"{label}: not driver observations (index {DRIVER_INDEX!r}, OBS_COLUMNS)")
        other_geo = sorted(set(obs["geo"]) - {geo})
        if other_geo:
            raise ValidationError(f"{label}: observations on geo {other_geo}, but the panel is geo {geo!r}")
        frames.append(obs)
    out = panel.copy()
    if not frames:
        return out
    obs = pd.concat(frames, ignore_index=True)
    files = obs["source"].str.split(" | ", n=1, regex=False).str[0]
    units = obs.groupby("component")["unit"].unique()
    for indicator, found in units.items():
        if len(found) > 1:
            where = sorted(set(files[obs["component"] == indicator]))
            raise ValidationError(
                f"{', '.join(where)}: indicator {indicator!r} is given in units {sorted(found)}: one "
                "indicator has one unit"
            )
    repeated = obs.duplicated(["component", "province_id", "year"], keep=False)
    if repeated.any():
        rec = obs[repeated].iloc[0]
        same = repeated & (obs["component"] == rec["component"]) & (obs["province_id"] == rec["province_id"])
        same &= obs["year"] == rec["year"]
        raise ValidationError(
            f"{' and '.join(sorted(set(files[same])))}: {rec['component']} of province {rec['province_id']} "
            f"{rec['year']} is given twice: keep it in one table"
        )
    wide = obs.pivot(index=["province_id", "year"], columns="component", values="value")
    wide.columns = [f"{DRIVER_INDEX.lower()}_{c}" for c in wide.columns]
    clash = [c for c in wide.columns if c in panel.columns]
    if clash:
        raise ValidationError(
            f"panel already has column(s) {clash}: drop them from the panel first or rename the "
            "indicator(s) in the driver table"
        )
    keys = out[["province_id", "year"]].astype({"province_id": str, "year": "int64"})
    matched = keys.merge(wide.reset_index(), on=["province_id", "year"], how="left", validate="many_to_one")
    for column in wide.columns:
        out[column] = matched[column].astype("float64").to_numpy()
    return out
