"""Driver tables (``read_driver_table``, ``merge_drivers``), researcher tables of the kind
described in ``parlib.sources.tables``: one row per province, year and indicator, columns
``province, year, indicator, value, unit, source``.

Driver tables (staffing, online services ...): the researcher names each ``indicator`` in
snake_case (``staff_admin_agencies``, ``staff_cut_pct_public_units``, ``online_services_share``;
case, spaces and hyphens are normalised as in column names) and gives it ONE ``unit`` of
``DRIVER_UNITS`` (case-insensitive; ``%`` = ``percent``), whose bounds the value must respect.
``source`` (where the figure comes from) is required on every row. A blank value (or a missing
code such as ``-``, ``n/a``) means "not available" and the row is left out. The observations
have ``index = "DRIVER"``, ``component`` = the indicator, ``method_era`` None and ``source`` =
``"<file> | <source cell>"``; in a panel they become columns ``driver_<indicator>``
(``merge_drivers``). Errors: an unknown unit (with a suggestion), an indicator whose unit
changes between rows, the same province, year and indicator twice, a value outside its unit,
a ``persons`` or ``count`` value that is not a whole number, an ambiguous value ("Reading
numbers" in ``parlib.sources.table_units``), every value blank.
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
DRIVER_UNIT_ALIASES = {"%": "percent", "pct": "percent"}
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


def _bounds_text(unit: str) -> str:
    low, high = DRIVER_UNITS[unit]
    return f">= {low:g}" if math.isinf(high) else f"{low:g}-{high:g}"


def _load_rows(
    path: str | Path, sheet: str | int, required: list[str], geo: str, decimal: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The rows of a driver or period table with their province ids: (frame, raw cells, file name).

    Refuses a missing column, an empty table and a blank indicator, unit or source.
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.', ',' or None, got {decimal!r}")
    path = Path(path)
    name = path.name
    frame, cells = _load_sheet(path, sheet)
    _check_columns(frame, required, [], name)
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


def read_driver_table(
    path: str | Path, geo: str = "63", sheet: str | int = 0, decimal: str | None = None
) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``, index ``DRIVER``) from a researcher's driver table.

    Columns ``province, year, indicator, value, unit, source`` (+ ``note``, ``source_url``); one
    row per province, year and indicator; provinces resolved in ``geo``. ``component`` is the
    indicator and ``source`` is ``"<file> | <source cell>"``. Rows with a blank value are left out.
    See the module docstring for the rules and ``DRIVER_UNITS`` for the units. ``decimal`` ('.' or
    ',') declares the decimal point of every value written as text in the file (see "Reading
    numbers", ``parlib.sources.table_units``); by default a value that two readings fit, such as
    ``57,788`` million VND, is refused.
    """
    frame, cells, name = _load_rows(path, sheet, DRIVER_REQUIRED, geo, decimal)
    frame["year"] = _years(cells, FIRST_YEAR[DRIVER_INDEX], name)
    frame["indicator"] = _map_column(frame["indicator"], _indicator_name, name)
    frame["unit"] = _map_column(frame["unit"], _driver_unit, name)
    frame["value"] = _quantities(cells["value"], frame["unit"], name, decimal)

    _one_unit_per_indicator(frame, name)
    _duplicates(
        frame, ["province_id", "year", "indicator"], name, lambda r: f"{r['indicator']} of {_place(r)}"
    )
    frame = frame[frame["value"].notna()]
    if frame.empty:
        raise SourceFormatError(name, "no values: every row has a blank value")
    _check_values(frame, name, lambda rec: f"{rec['indicator']} of {_place(rec)}")
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
        }
    )[OBS_COLUMNS]
    return obs.sort_values(["index", "component", "province_id", "geo", "year"], ignore_index=True)


def merge_drivers(
    panel: pd.DataFrame,
    tables: str | Path | pd.DataFrame | Iterable[str | Path | pd.DataFrame],
    geo: str = "63",
    decimal: str | None = None,
) -> pd.DataFrame:
    """``panel`` with one float column ``driver_<indicator>`` per driver indicator, matched on
    (``province_id``, ``year``); NaN where a table has no value.

    ``tables`` are driver-table paths (read with ``read_driver_table``) or observations it
    returned; ``decimal`` is passed to ``read_driver_table`` for every path. Refused
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
        obs = table if isinstance(table, pd.DataFrame) else read_driver_table(table, geo=geo, decimal=decimal)
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
