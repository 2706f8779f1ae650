"""Period driver tables (``read_period_table``, ``period_drivers``): ONE figure per province,
indicator and PERIOD, such as Lạng Sơn "2011-2020: administrative staff cut by 13.13%".

Why: a long-difference regression relates the change of an outcome between two years to a
reform driver over the same span. Provincial reports state such drivers for a period, not per
year, so they do not fit the yearly driver tables (``parlib.sources.driver_tables``).

Format (CSV or XLSX, header in row 1, as every researcher table of ``parlib.sources.tables``):
columns ``province, start_year, end_year, indicator, value, unit, source`` (+ ``note``,
``source_url``), one row per province, period and indicator; template
``parlib/data/templates/period_driver_template.csv`` (``write_template("period_driver", ...)``).
The rules are those of driver tables, with the same helpers: provinces in any spelling
``parlib.provinces.normalize`` knows; ``indicator`` in snake_case; ONE ``unit`` of
``DRIVER_UNITS`` per indicator, whose bounds the value must respect (``persons`` and ``count``
whole); ``source`` (where the figure comes from: a URL or a document) required on every row;
a blank value (or ``-``, ``n/a``) = not available, the row is left out; numbers read in their
unit ("Reading numbers", ``parlib.sources.table_units``); a row whose ``note`` starts with
``EXAMPLE`` refused. Years are whole numbers from ``FIRST_YEAR["DRIVER"]`` (2003) to this year,
``start_year <= end_year``. Periods are spans between two years: two periods of one province and
indicator overlap when they share more than a boundary year (2011-2020 and 2015-2021 overlap;
2011-2015 and 2015-2020 follow each other), and overlapping or identical periods are refused
(keep one, or name the other indicator differently, e.g. ``staff_cut_pct_admin_2016_2020``).

A DRIVER table (``parlib.sources.driver_tables``) with period rows is read too: a file with
columns ``year`` and ``qualifier``/``period_start``/``period_end`` instead of ``start_year`` and
``end_year`` is a driver table, and its rows with qualifier ``period`` are its period figures
(``start_year`` = ``period_start``, ``end_year`` = ``period_end``; every row of the file is checked
by the driver-table rules, the other rows are not period figures and are not returned). So one
reviewed table (``parlib extract ... --to-tables`` writes ``drivers.csv``) feeds both the yearly
designs (``read_driver_table``) and the long difference (``period_drivers``). A driver table
without a period figure is refused here.

A file inside ``parlib.config.raw_dir()`` that ``data/raw/registry.csv`` lists is checked
against its registered sha256 (``parlib.fetch.verify``) before it is read: a committed table that
changed is refused, not silently read.

Errors: ONE line naming the file and the spreadsheet row. ``SourceFormatError`` for what cannot
be read (missing or unknown column, blank source, unknown province or unit, unreadable or
ambiguous number, an example row), ``ValidationError`` for a rule the values break (year out of
range, start after end, overlapping periods, a unit that changes within an indicator, a value out
of its unit's bounds), ``HashMismatchError`` for a registered file that changed.
``period_drivers`` raises ``ValidationError`` when an indicator has no figure for the asked
period, listing the periods it has.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from parlib import config, fetch
from parlib.errors import SourceFormatError, ValidationError
from parlib.sources.driver_tables import (
    DRIVER_INDEX,
    _check_periods,
    _check_values,
    _driver_rows,
    _driver_unit,
    _indicator_name,
    _load_rows,
    _one_unit_per_indicator,
)
from parlib.sources.driver_tables import _period_what as _what
from parlib.sources.sheets import _load_sheet
from parlib.sources.table_columns import (
    FIRST_YEAR,
    _map_column,
    _quantities,
    _years,
)

PERIOD_REQUIRED = ["province", "start_year", "end_year", "indicator", "value", "unit", "source"]
"""The required columns of a period driver table (``note`` and ``source_url`` are optional)."""
PERIOD_COLUMNS = [
    "province_id",
    "start_year",
    "end_year",
    "indicator",
    "value",
    "unit",
    "source",
    "note",
    "source_row",
]
"""Columns of ``read_period_table``: ``province_id`` (GSO code, str), ``start_year`` and
``end_year`` (int), ``indicator`` (snake_case), ``value`` (float, in ``unit``), ``unit`` (of
``DRIVER_UNITS``), ``source`` and ``note`` (the cells as written; ``note`` '' when absent),
``source_row`` (the spreadsheet row, the header being row 1)."""


def _registered_name(path: Path) -> str | None:
    """The registry name of ``path`` when it lies in data/raw and the registry lists it, else None."""
    raw = config.raw_dir()
    try:
        name = path.resolve().relative_to(raw.resolve()).as_posix()
    except ValueError:
        return None
    registry = raw / "registry.csv"
    if not registry.is_file() or name not in set(fetch.load_registry(registry)["name"]):
        return None
    return name


def _is_driver_table(path: str | Path, sheet: str | int) -> bool:
    """Whether the file is a driver table (``year`` and a period column, no ``start_year``)."""
    columns = set(_load_sheet(path, sheet)[0].columns)
    return "start_year" not in columns and bool(columns & {"qualifier", "period_start", "period_end"})


def _from_driver_table(path: str | Path, geo: str, sheet: str | int, decimal: str | None) -> pd.DataFrame:
    """The period rows of a driver table as ``PERIOD_COLUMNS`` (the file checked as a driver table)."""
    frame, name = _driver_rows(path, geo, sheet, decimal)
    frame = frame[frame["qualifier"] == "period"]
    if frame.empty:
        raise SourceFormatError(
            name,
            "no period figure: a driver table gives one as a row with qualifier 'period', period_start "
            "and period_end (year = period_end) and a value",
        )
    return frame.assign(start_year=frame["period_start"], end_year=frame["period_end"])


def read_period_table(
    path: str | Path, geo: str = "63", sheet: str | int = 0, decimal: str | None = None
) -> pd.DataFrame:
    """A period driver table as ``PERIOD_COLUMNS``, one row per province, period and indicator.

    Columns ``province, start_year, end_year, indicator, value, unit, source`` (+ ``note``,
    ``source_url``), or a driver table's period rows (module docstring); provinces resolved in
    ``geo``; rows with a blank value left out; sorted by indicator, province and period. A
    registered file under data/raw is verified (sha256) first. ``decimal`` ('.' or ',') declares
    the decimal point of every text value, as in ``read_driver_table``. See the module docstring
    for the rules and errors.
    """
    registered = _registered_name(Path(path))
    if registered is not None:
        fetch.verify([registered], config.raw_dir())
    if _is_driver_table(path, sheet):
        return _period_frame(_from_driver_table(path, geo, sheet, decimal), Path(path).name)
    frame, cells, name = _load_rows(path, sheet, PERIOD_REQUIRED, geo, decimal)
    frame["start_year"] = _years(cells, FIRST_YEAR[DRIVER_INDEX], name, "start_year")
    frame["end_year"] = _years(cells, FIRST_YEAR[DRIVER_INDEX], name, "end_year")
    backwards = frame["start_year"] > frame["end_year"]
    if backwards.any():
        rec = frame.loc[backwards[backwards].index[0]]
        raise ValidationError(
            f"{name}, row {rec.name}: start_year {rec['start_year']} is after end_year {rec['end_year']}: "
            "a period runs from start_year to end_year"
        )
    frame["indicator"] = _map_column(frame["indicator"], _indicator_name, name)
    frame["unit"] = _map_column(frame["unit"], _driver_unit, name)
    frame["value"] = _quantities(cells["value"], frame["unit"], name, decimal)

    _one_unit_per_indicator(frame, name)
    _check_periods(frame, name)
    frame = frame[frame["value"].notna()]
    if frame.empty:
        raise SourceFormatError(name, "no values: every row has a blank value")
    _check_values(frame, name, _what)
    return _period_frame(frame, name)


def _period_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Checked period rows (indexed by spreadsheet row) as ``PERIOD_COLUMNS``, sorted."""
    out = pd.DataFrame(
        {
            "province_id": frame["province_id"].astype(str),
            "start_year": frame["start_year"].astype("int64"),
            "end_year": frame["end_year"].astype("int64"),
            "indicator": frame["indicator"].astype(str),
            "value": frame["value"].astype("float64"),
            "unit": frame["unit"].astype(str),
            "source": frame["source"].astype(str),
            "note": frame["note"].astype(str) if "note" in frame.columns else "",
            "source_row": frame.index.astype("int64"),
        }
    )[PERIOD_COLUMNS]
    out = out.sort_values(["indicator", "province_id", "start_year", "end_year"], ignore_index=True)
    out.attrs["file"] = name
    return out


def _periods_text(periods: Iterable[tuple[int, int]]) -> str:
    return ", ".join(f"{s}-{e}" for s, e in sorted(set(periods))) or "none"


def period_drivers(
    table: str | Path | pd.DataFrame, indicators: str | Iterable[str], start: int, end: int
) -> pd.DataFrame:
    """One row per province: ``province_id``, then per indicator ``driver_<indicator>`` (float) and
    ``source_<indicator>`` (the row's source, to cite the value), for the period exactly start..end.

    ``table`` is a period driver table's path, or a driver table's with period rows (read with
    ``read_period_table``), or what that returned. Provinces are those with a figure for any of
    ``indicators`` in that period (NaN and '' where one indicator has none), sorted by
    ``province_id``. Refused (ValidationError): an
    indicator with no row for start..end (the message lists the periods it has).
    """
    frame = table if isinstance(table, pd.DataFrame) else read_period_table(table)
    label = frame.attrs.get("file", "period table") if isinstance(table, pd.DataFrame) else Path(table).name
    missing = [c for c in PERIOD_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(f"{label}: missing column(s) {missing}: not a period table (read_period_table)")
    wanted = [indicators] if isinstance(indicators, str) else list(indicators)
    if not wanted:
        raise ValueError("period_drivers: give at least one indicator")
    names = [_indicator_name(i) for i in wanted]
    start, end = int(start), int(end)
    known = sorted(set(frame["indicator"]))
    keep = (frame["start_year"] == start) & (frame["end_year"] == end)
    out: pd.DataFrame | None = None
    for indicator in dict.fromkeys(names):
        rows = frame[frame["indicator"] == indicator]
        if rows.empty:
            raise ValidationError(f"{label}: no indicator {indicator!r}; the indicators are {known}")
        chosen = rows[keep[rows.index]]
        if chosen.empty:
            periods = _periods_text(zip(rows["start_year"], rows["end_year"], strict=True))
            raise ValidationError(
                f"{label}: {indicator} has no figure for {start}-{end}; its periods are {periods}"
            )
        part = chosen.set_index("province_id")[["value", "source"]].rename(
            columns={"value": f"{DRIVER_INDEX.lower()}_{indicator}", "source": f"source_{indicator}"}
        )
        out = part if out is None else out.join(part, how="outer")
    assert out is not None
    for column in out.columns:
        if column.startswith("source_"):
            out[column] = out[column].fillna("").astype(str)
        else:
            out[column] = out[column].astype("float64")
    out.index.name = "province_id"
    return out.sort_index().reset_index()
