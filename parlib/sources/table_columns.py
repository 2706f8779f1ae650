"""The columns of a researcher table (``parlib.sources.tables``): which columns a table may
have, and reading the columns every kind shares (province, year, numbers in their unit), with
the errors that name the file and row.

Every kind also accepts a ``note`` and a ``source_url`` column (kept out of the data). A row
whose ``note`` starts with ``EXAMPLE`` is the template's illustration and is refused, so an
example row can never be read as data. Any other column is an error (a misspelt ``apraisal``
would otherwise be dropped silently). A table with no data rows (only its header) is refused.
A province is any spelling ``parlib.provinces.normalize`` knows in the table's ``geo``; an
unknown one is an ``UnknownTableProvinceError`` (a ``SourceFormatError`` and an
``UnknownProvinceError``, with ``normalize``'s suggestion). A year is a whole number from the
kind's first year (``FIRST_YEAR``) to this year.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from parlib.clean import AmbiguousNumberError, parse_quantity
from parlib.errors import SourceFormatError, UnknownProvinceError, ValidationError
from parlib.provinces import normalize
from parlib.sources.sheets import _cell_text
from parlib.sources.table_units import NUMBER_RULES, YEAR_RULE

IGNORED = ["note", "source_url"]
FIRST_YEAR = {"PAR_INDEX": 2011, "SIPAS": 2015, "DRIVER": 2003}  # DRIVER: parlib.schema.FIRST_YEAR
LAST_YEAR = pd.Timestamp.today().year


class UnknownTableProvinceError(SourceFormatError, UnknownProvinceError):
    """An unknown province in a researcher table: both a format error and an unknown province."""


class _OutOfRange(ValueError):
    """A readable value outside its scale: reported as a ValidationError."""


def _rows(index: pd.Index) -> str:
    """'row 2' or 'rows 2-9' (first and last of the spreadsheet rows in ``index``)."""
    return f"row {index[0]}" if len(index) == 1 else f"rows {index[0]}-{index[-1]}"


def _require_rows(frame: pd.DataFrame, name: str) -> None:
    """A table without data rows (only the header, or blank rows below it) is refused."""
    if frame.empty:
        raise SourceFormatError(name, "no data rows: the file has only its header (row 1); fill in the rows")


def _check_columns(frame: pd.DataFrame, required: list[str], optional: list[str], name: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            name, f"missing column(s) {', '.join(map(repr, missing))}; found {list(frame.columns)}", row=1
        )
    allowed = [*required, *optional, *IGNORED]
    unknown = [c for c in frame.columns if c not in allowed]
    if unknown:
        raise SourceFormatError(
            name, f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are {allowed}", row=1
        )
    if "note" in frame.columns:
        example = frame["note"].str.upper().str.startswith("EXAMPLE")
        if example.any():
            row = example[example].index[0]
            raise SourceFormatError(
                name, "an example row of the template (note 'EXAMPLE ...'): replace or delete it", row=row
            )


def _map_column(
    series: pd.Series, parse: Callable[[object], object], name: str, label: str | None = None
) -> pd.Series:
    """Apply ``parse`` to each cell (once per distinct cell); the first failing row (file order) raises."""
    results: dict[tuple[type, object], object] = {}
    out = []
    for row, value in zip(series.index, series.to_numpy(dtype=object), strict=True):
        key = (type(value), value)
        if key not in results:
            try:
                results[key] = parse(value)
            except (ValueError, UnknownProvinceError) as exc:
                message = f"column {label or series.name!r}: {exc}"
                if isinstance(exc, UnknownProvinceError):
                    raise UnknownTableProvinceError(name, message, row=row) from None
                if isinstance(exc, _OutOfRange):
                    raise ValidationError(f"{name}, row {row}: {message}") from None
                raise SourceFormatError(name, message, row=row) from None
        out.append(results[key])
    return pd.Series(out, index=series.index, name=series.name, dtype=object)


def _province_ids(frame: pd.DataFrame, geo: str, name: str) -> pd.Series:
    def parse(text: str) -> str:
        if not text:
            raise ValueError("blank province")
        return normalize(text, geo=geo)

    return _map_column(frame["province"], parse, name)


def _years(cells: pd.DataFrame, first: int, name: str, column: str = "year") -> pd.Series:
    """The whole years of ``column``, each from ``first`` to this year."""

    def parse(cell: object) -> int:
        number = parse_quantity(cell, YEAR_RULE)
        if math.isnan(number):
            raise ValueError("blank year")
        if number != int(number):
            raise ValueError(f"year {_cell_text(cell)!r} is not a whole number")
        if not first <= number <= LAST_YEAR:
            raise _OutOfRange(f"year {int(number)} outside {first}-{LAST_YEAR}")
        return int(number)

    return _map_column(cells[column], parse, name).astype("int64")


def _quantities(cells: pd.Series, units: str | pd.Series, name: str, decimal: str | None = None) -> pd.Series:
    """Each cell read in its unit (``NUMBER_RULES``; ``units``: one for the column, or per row) by
    ``parse_quantity``, as float (NaN = blank). The first unreadable cell (file order) raises
    SourceFormatError naming its row; an ambiguous one also names the column's other ambiguous rows.
    """
    rows = list(cells.index)
    values = cells.to_numpy(dtype=object)
    rules = [NUMBER_RULES[units if isinstance(units, str) else units[row]] for row in rows]
    out = []
    for i, (row, cell, rule) in enumerate(zip(rows, values, rules, strict=True)):
        try:
            out.append(parse_quantity(cell, rule, decimal))
        except ValueError as exc:
            message = f"column {cells.name!r}: {exc}"
            if isinstance(exc, AmbiguousNumberError):
                others = []
                for later, other, other_rule in zip(
                    rows[i + 1 :], values[i + 1 :], rules[i + 1 :], strict=True
                ):
                    try:
                        parse_quantity(other, other_rule, decimal)
                    except AmbiguousNumberError:
                        others.append(str(later))
                    except ValueError:
                        pass
                if others:
                    more = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
                    message += f" (also ambiguous: {len(others)} more in this column, rows {more})"
            raise SourceFormatError(name, message, row=row) from None
    return pd.Series(out, index=cells.index, name=cells.name, dtype="float64")


def _duplicates(
    frame: pd.DataFrame, keys: list[str], name: str, describe: Callable[[pd.Series], str]
) -> None:
    repeated = frame.duplicated(keys, keep="first")
    if repeated.any():
        row = repeated[repeated].index[0]
        rec = frame.loc[row]
        same = (frame[keys] == rec[keys]).all(axis=1)
        first = same[same].index[0]
        raise ValidationError(f"{name}, row {row}: {describe(rec)} is already given in row {first}")


def _place(rec: pd.Series) -> str:
    return f"{rec['province']} ({rec['province_id']}) {rec['year']}"
