"""Reading the file of a researcher table (``parlib.sources.tables``): a CSV, or one sheet of an
XLSX, as text cells and as typed cells, rows numbered as in a spreadsheet.

The header is row 1 (an XLSX is read from its first sheet unless ``sheet`` is given, and its
header must be in row 1); blank rows are skipped but keep their number. Column names are
matched without regard to case, and spaces or hyphens in them count as underscores
(``Respondent ID`` = ``respondent_id``); a column without a name must be blank, and a name may
appear once. A number cell of an XLSX is kept as a ``NumberCell`` (its value and whether it is
percent-formatted), so that it is read by its number format (``parlib.sources.table_units``).

A file that is not a table is refused with one line naming it (``SourceFormatError``): an empty
(0-byte) file, a damaged or truncated XLSX, a CSV that is not UTF-8 (or is UTF-16), an XLSX
named ``.csv`` or a CSV named ``.xlsx``, an Excel 97-2003 ``.xls`` (save it as ``.xlsx``: its
number formats are not read), a formula cell whose value was never saved (a workbook written
by a program: open and save it in Excel or LibreOffice), a missing ``sheet``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.cell.read_only import EmptyCell
from openpyxl.utils import get_column_letter

from parlib.clean import NumberCell, is_missing, is_percent_format
from parlib.errors import MissingRawFileError, SourceFormatError


def _cell_text(value: object) -> str:
    """A cell as stripped text ('' for a blank; 2022.0 -> '2022'; Excel TRUE -> 'true')."""
    if type(value) is str:
        return value.replace("\ufeff", "").strip()
    if isinstance(value, NumberCell):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_missing(value) and not isinstance(value, str):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value).replace("\ufeff", "").strip()


_TYPED = (NumberCell, bool, dt.datetime, dt.date, dt.time)
"""Cells that number readers get as they are (``_load_sheet``): every other cell is its text."""


def _column_name(value: object) -> str:
    return re.sub(r"[\s\-]+", "_", _cell_text(value).lower())


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls, or an encrypted (password) workbook


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample is text
        return exc.start >= len(head) - 3
    return True


def _read_csv(path: Path, name: str, head: bytes) -> pd.DataFrame:
    if head.startswith(_ZIP_MAGIC):
        raise SourceFormatError(name, "an XLSX workbook (zip), not a CSV: rename it .xlsx")
    if head.startswith(_OLE_MAGIC):
        raise SourceFormatError(name, "an Excel .xls workbook, not a CSV: save it as .xlsx or as 'CSV UTF-8'")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceFormatError(
            name, "UTF-16 text ('Unicode Text'), not UTF-8: save the sheet as 'CSV UTF-8'"
        )
    if b"\x00" in head:
        raise SourceFormatError(name, "a binary file, not CSV text: save the sheet as 'CSV UTF-8'")
    try:
        return pd.read_csv(
            path,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError:
        raise SourceFormatError(name, "not UTF-8 text: save the sheet as 'CSV UTF-8'") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceFormatError(name, f"cannot read the file as CSV: {first}") from None


def _sheet_rows(path: Path, sheet: str | int, data_only: bool, name: str) -> tuple[list[list[object]], bool]:
    """The cells of one sheet (openpyxl) and whether a present cell has no value.

    ``data_only``: values, a number as a ``NumberCell``; otherwise formulas ('=...') and None for
    every other cell. A present cell without a value is a styled blank or a formula whose value
    was never saved (a workbook written by a program, not by Excel): only then are the formulas
    looked up.
    """
    book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        if isinstance(sheet, str):
            if sheet not in book.sheetnames:
                raise SourceFormatError(name, f"no sheet {sheet!r}; the sheets are {book.sheetnames}")
            ws = book[sheet]
        else:
            if not -len(book.sheetnames) <= sheet < len(book.sheetnames):
                raise SourceFormatError(name, f"no sheet number {sheet}; the sheets are {book.sheetnames}")
            ws = book.worksheets[sheet]
        rows, valueless = [], False
        for row in ws.iter_rows():
            cells: list[object] = []
            for cell in row:
                value = cell.value
                if not data_only:
                    value = value if getattr(cell, "data_type", None) == "f" else None
                elif value is None:
                    valueless = valueless or not isinstance(cell, EmptyCell)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    value = NumberCell(value, is_percent_format(getattr(cell, "number_format", None)))
                cells.append(value)
            while cells and cells[-1] is None:
                cells.pop()
            rows.append(cells)
        return rows, valueless
    finally:
        book.close()


def _read_xlsx(path: Path, sheet: str | int, name: str, head: bytes) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(text, cells) of the sheet: ``cells`` keeps number cells (``NumberCell``), bools and dates."""
    if head.startswith(_OLE_MAGIC):
        raise SourceFormatError(
            name, "an Excel 97-2003 (.xls) or password-protected workbook: save it as an unprotected .xlsx"
        )
    if not head.startswith(_ZIP_MAGIC):
        what = "text (a CSV?): rename it .csv" if _looks_like_text(head) else "not a spreadsheet"
        raise SourceFormatError(name, f"not an XLSX workbook: the file is {what}")
    try:
        rows, valueless = _sheet_rows(path, sheet, True, name)
        formulas = _sheet_rows(path, sheet, False, name)[0] if valueless else []
    except SourceFormatError:
        raise
    except Exception as exc:  # any failure inside openpyxl: a damaged workbook
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise SourceFormatError(
            name, f"cannot read the XLSX workbook (damaged or truncated?): {type(exc).__name__}: {first}"
        ) from None
    for r, row in enumerate(formulas):
        for c, formula in enumerate(row):
            if formula is not None and (r >= len(rows) or c >= len(rows[r]) or rows[r][c] is None):
                raise SourceFormatError(
                    name,
                    f"cell {get_column_letter(c + 1)}{r + 1} holds a formula ({formula}) with no saved "
                    "value: open the workbook in Excel or LibreOffice and save it, so its values are stored",
                    row=r + 1,
                )
    width = max((len(row) for row in rows), default=0)
    text, typed = [], []
    for row in rows:
        row = row + [None] * (width - len(row))
        words = [_cell_text(v) for v in row]
        text.append(words)
        typed.append([v if isinstance(v, _TYPED) else w for v, w in zip(row, words, strict=True)])
    return pd.DataFrame(text, dtype=object), pd.DataFrame(typed, dtype=object)


def _load_sheet(path: str | Path, sheet: str | int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(text, cells) of a CSV or XLSX, both as ``read_sheet`` returns its text.

    ``cells`` keeps what a number reader needs: in an XLSX, a number cell is a ``NumberCell``
    (value and percent format), TRUE/FALSE a bool and a date a datetime; text stays text. In a
    CSV every cell is text. Raises SourceFormatError naming the file.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise MissingRawFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise SourceFormatError(name, "an Excel 97-2003 .xls workbook: save it as .xlsx or as 'CSV UTF-8'")
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise SourceFormatError(name, f"unsupported file type {suffix!r}: expected .csv or .xlsx")
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise SourceFormatError(name, f"cannot read the file: {exc.strerror or exc}") from None
    if not head:
        raise SourceFormatError(name, "the file is empty (0 bytes): row 1 must hold the column names")
    if suffix == ".csv":
        text = _read_csv(path, name, head).map(_cell_text)
        cells = text
    else:
        text, cells = _read_xlsx(path, sheet, name, head)
    if text.empty:
        raise SourceFormatError(name, "the file is empty: row 1 must hold the column names")
    header = [_column_name(v) for v in text.iloc[0]]
    body = text.iloc[1:]
    body.index = range(2, len(text) + 1)  # spreadsheet rows: the header is row 1
    keep = []
    for position, column in enumerate(header):
        if column:
            keep.append(position)
        elif (body.iloc[:, position] != "").any():
            first = body.index[(body.iloc[:, position] != "").to_numpy()][0]
            raise SourceFormatError(name, f"column {position + 1} has values but no name in row 1", row=first)
    if not keep:
        raise SourceFormatError(name, "row 1 must hold the column names; it is blank")
    names = [header[p] for p in keep]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise SourceFormatError(
            name, f"column(s) {', '.join(map(repr, repeated))} appear more than once", row=1
        )
    frame = body.iloc[:, keep]
    frame.columns = names
    filled = (frame != "").any(axis=1)
    typed = cells.iloc[1:, keep]
    typed.index, typed.columns = body.index, names
    return frame[filled], typed[filled]


def read_sheet(path: str | Path, sheet: str | int = 0) -> pd.DataFrame:
    """A CSV or XLSX as text cells, columns named as in its header, indexed by spreadsheet row.

    Blank rows are dropped (their numbers are kept by the others); a column without a header
    must be blank. Raises SourceFormatError naming the file (one line) on a file that cannot be
    read: empty, truncated or damaged, not UTF-8, an XLSX named .csv or a CSV named .xlsx, an
    old .xls, a formula without a saved value. Numbers are read from the cells, not from this
    text (``_load_sheet``): a percent-formatted cell's text is its stored value (0.8145).
    """
    return _load_sheet(path, sheet)[0]
