"""Researcher-supplied tables (CSV or XLSX), validated like every other source.

Three kinds of file, each with a template in ``parlib/data/templates/`` (``write_template``):

- **index tables** for PAR INDEX and SIPAS (``read_index_table``): one row per province and
  year with columns ``province, year, total`` and, optionally, ``rank`` and (PAR INDEX only) the
  parts ``appraisal, survey`` and the 8 fields ``FIELDS``. The result follows the observation
  contract of ``parlib.sources``: ``total`` in unit ``percent`` (0-100), parts and fields in
  ``points (0-100)``, a rank as component ``rank`` (unit ``rank``, or ``rank (of 34)``), source =
  the file name, ``method_era`` from ``parlib.sources.published.method_era``.
- **SIPAS survey answers** (``read_survey_answers``): one row per respondent and criterion,
  columns ``province, year, respondent_id, element, criterion, answer``.
- **driver tables** (``read_driver_table``, ``merge_drivers``): one row per province, year and
  indicator, columns ``province, year, indicator, value, unit, source`` (rules below).

Every kind also accepts a ``note`` and a ``source_url`` column (kept out of the data). A row
whose ``note`` starts with ``EXAMPLE`` is the template's illustration and is refused, so an
example row can never be read as data. Any other column is an error (a misspelt ``apraisal``
would otherwise be dropped silently). Column names are matched without regard to case, and
spaces or hyphens in them count as underscores (``Respondent ID`` = ``respondent_id``).

Rows are numbered as in a spreadsheet (the header is row 1; an XLSX is read from its first
sheet unless ``sheet`` is given, and its header must be in row 1); blank rows are skipped
but keep their number. Numbers are read in their unit (below, "Reading numbers"). Every
error is ONE line naming the file and the row: ``SourceFormatError`` for what cannot be read
(missing or unknown column, unknown province, unreadable or ambiguous number, unknown answer,
an example row; an unknown province also is an ``UnknownProvinceError``, with ``normalize``'s
suggestion), ``ValidationError`` for a rule the values break (duplicate; a value, rank, year or
answer out of range; parts or fields that do not add up to the total). Reading is pure:
nothing is written.

A file that is not a table is refused with one line naming it (``SourceFormatError``): an empty
(0-byte) file, a damaged or truncated XLSX, a CSV that is not UTF-8 (or is UTF-16), an XLSX
named ``.csv`` or a CSV named ``.xlsx``, an Excel 97-2003 ``.xls`` (save it as ``.xlsx``: its
number formats are not read), a formula cell whose value was never saved (a workbook written
by a program: open and save it in Excel or LibreOffice), a missing ``sheet``. So is a table
with no data rows (only its header), and an answers file whose answers are all blank.

Reading numbers (``parlib.clean.parse_quantity``, one ``NUMBER_RULES`` entry per unit). The
raw upstream readers keep ``parlib.clean.parse_number``; these rules are for researcher tables:

- A number cell of an XLSX is the number it holds, read by its number format: ``57.788`` stays
  57.788 whatever it shows. A percent-formatted cell (``0.00%``: Excel stores 81.45% as 0.8145)
  is the percent it shows: 81.45 in ``percent`` and ``percent change`` (so an index table's
  ``total``), 0.8145 in ``share`` (a share is a fraction, and 81.45% of the whole is 0.8145),
  and refused in every other unit (points, index (0-1), counts, amounts, days, ranks: a
  percentage there has no single meaning). A text cell of an XLSX is read like a CSV cell.
- Text: an optional sign, digits, separators, an optional trailing ``%`` (read as a
  percent-formatted cell). A space only separates thousands (``57 788``). Thousands separators
  group digits in threes (``1.234.567``, ``1,234,567``; ``12,34,567`` is refused); when both
  ``.`` and ``,`` appear, the later one is the decimal point (``1.234.567,5``, ``1,234.5``); a
  single separator followed by other than three digits is the decimal point (``81,45``,
  ``0,788``, ``57,7880``).
- One separator followed by exactly three digits (``57,788``, ``1.850``) fits two readings.
  A reading outside the unit's bounds is dropped: ``81,450`` percent or points is 81.45
  (81450 is not a percent). A count (``persons``, ``count``) has no
  decimals: ``1.850`` and ``1,850`` persons are 1850 (and ``1,5`` persons is refused as not
  whole). Where both readings fit the unit (``million VND``, ``million VND per person``,
  ``days``, ``percent change``), the cell is refused as ambiguous, with the row, the two
  readings and how to write it: ``57788`` (or ``57,788.0`` / ``57.788,0``) for 57788,
  ``57,7880`` for 57.788. Nothing is guessed from the other cells of the file.
- ``read_driver_table(..., decimal=",")`` (or ``"."``, also in ``merge_drivers``) declares the
  file's decimal point: every text value is then read with it (``57.788`` = 57788 and
  ``57,788`` = 57.788 with ``decimal=","``), and a text that breaks it is refused.
- Years, ranks and answers are whole numbers read by the same rules (``2022``; ``13`` or
  ``13/63``; ``4`` or ``4,0``); a percentage is refused in them.

Rules on index tables (bounds in ``UNITS``, maxima in ``PART_MAXIMA``):

- ``total`` is a percentage, 0-100. A row needs at least one of total, a part, a field or rank.
- ``appraisal`` / ``survey``: points, 0 to their maximum: 68 and 32 from 2022 (the 68/32 split
  of the 2022 scheme, methodology.md section 2, confirmed); before 2022 the maxima are
  unconfirmed and only 0-100 is checked. When both and the total are given, appraisal +
  survey must equal the total within ``PART_TOLERANCE`` (0.011: two-decimal rounding, as in
  the published 2012 table where the parts add up exactly).
- fields: points, 0-100 each (the per-field maxima are UNCONFIRMED). When all 8 and the total
  are given, their sum / ``MAX_POINTS`` x 100 must equal the total within
  ``FIELD_TOLERANCE`` (0.05: nine two-decimal roundings); fewer fields may not exceed it.
- ``rank``: a whole number 1..N (N = 63, or 34 in the 34-unit geography), or ``13/63``.
- the same province and year twice is an error (naming both rows).

Answers (``ANSWER_COLUMNS``): ``answer`` is either a point of the 1-5 satisfaction scale
(``1``-``5``; ``4.0`` is read as 4) or yes/no, written ``yes``/``no``, ``y``/``n``,
``true``/``false`` (also Excel's TRUE/FALSE cells) or ``có``/``không`` (with or without
diacritics, any case). ``0`` and ``1`` are NOT read as no/yes: a number is always a scale
point, so ``0`` is out of range and ``1`` means "very dissatisfied". Satisfied = 4 or 5, or
yes. A blank answer means "not answered" and the row is left out. All answers to one
criterion (element + criterion) must use the same scale; a respondent answers a criterion
once per province and year.

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
numbers"), every value blank.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.cell.read_only import EmptyCell
from openpyxl.utils import get_column_letter

from parlib.clean import (
    RANK_RE,
    AmbiguousNumberError,
    NumberCell,
    NumberRule,
    is_missing,
    is_percent_format,
    parse_quantity,
)
from parlib.config import PACKAGE_DIR
from parlib.errors import MissingRawFileError, SourceFormatError, UnknownProvinceError, ValidationError
from parlib.provinces import normalize, provinces, strip_diacritics
from parlib.sources import OBS_COLUMNS
from parlib.sources.published import RANK_UNITS, method_era

INDICES = ("PAR_INDEX", "SIPAS")

FIELDS: dict[str, str] = {
    "field_direction": "direction and management of PAR",
    "field_institutions": "institutional reform",
    "field_admin_procedures": "administrative procedure reform",
    "field_apparatus": "reform of the administrative apparatus",
    "field_civil_service": "civil service reform",
    "field_public_finance": "public finance reform",
    "field_digital_government": "e-government / digital government",
    "field_impact": "impact of PAR on people, organisations and socio-economic development",
}
"""The 8 PAR INDEX fields (methodology.md section 2, partly confirmed) -> English label."""

PARTS: dict[str, str] = {
    "appraisal": "appraisal of reports and documents (MOHA)",
    "survey": "sociological survey",
}
"""The two PAR INDEX parts -> label; appraisal + survey = total."""

REQUIRED = ["province", "year", "total"]
OPTIONAL: dict[str, list[str]] = {"PAR_INDEX": ["rank", *PARTS, *FIELDS], "SIPAS": ["rank"]}
IGNORED = ["note", "source_url"]
ANSWER_REQUIRED = ["province", "year", "respondent_id", "element", "criterion", "answer"]
ANSWER_COLUMNS = [
    "province_id", "geo", "year", "respondent_id", "element", "criterion",
    "answer_value", "scale", "satisfied", "source", "source_row",
]  # fmt: skip
"""Columns of ``read_survey_answers``: ``scale`` is '1-5' or 'yes/no'; ``answer_value`` is the
scale point, or 1.0 (yes) / 0.0 (no); ``source_row`` is the spreadsheet row."""

UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),
    "points (0-100)": (0.0, 100.0),
    "rank": (1.0, 63.0),
    "rank (of 34)": (1.0, 34.0),
}
"""Units emitted by ``read_index_table`` (the same strings and scales as the published record)."""

MAX_POINTS = 100.0
"""Maximum points of the PAR INDEX (100 in the 2022 scheme, confirmed; assumed for earlier years)."""
PART_MAXIMA: dict[str, dict[str, float]] = {"2022-": {"appraisal": 68.0, "survey": 32.0}}
"""PAR INDEX method era -> maximum points of each part; other eras: 0-100 only (unconfirmed)."""
PART_TOLERANCE = 0.011
FIELD_TOLERANCE = 0.05
FIRST_YEAR = {"PAR_INDEX": 2011, "SIPAS": 2015, "DRIVER": 2003}  # DRIVER: parlib.schema.FIRST_YEAR
LAST_YEAR = pd.Timestamp.today().year

DRIVER_INDEX = "DRIVER"
"""``index`` of driver observations; a panel names their columns ``driver_<indicator>``."""
DRIVER_REQUIRED = ["province", "year", "indicator", "value", "unit", "source"]
DRIVER_UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),  # a share in percent, or a cut as a positive percent of its base
    "percent change": (-100.0, math.inf),  # a signed change: -12.5 = down 12.5%
    "share": (0.0, 1.0),  # a fraction: 0.45, not 45
    "index (0-1)": (0.0, 1.0),
    "points (0-100)": (0.0, 100.0),
    "persons": (0.0, math.inf),
    "count": (0.0, math.inf),
    "days": (0.0, math.inf),
    "million VND": (0.0, 1e10),  # the bounds of parlib.sources.budget
    "million VND per person": (0.0, 100_000.0),  # the bounds of parlib.sources.gso
}
"""The closed list of driver units -> inclusive bounds (a unit shared with another source keeps its
scale: one unit string means one scale everywhere, ``parlib.panel.units``)."""
DRIVER_UNIT_ALIASES = {"%": "percent", "pct": "percent"}
WHOLE_UNITS = frozenset({"persons", "count"})
"""Driver units whose values must be whole numbers (a count has no decimals: '1.850' persons is 1850)."""
PERCENT_SIGN: dict[str, str] = {"percent": "same", "percent change": "same", "share": "fraction"}
"""What a percentage (``81,45%``, or a cell formatted ``0.00%``) is in a unit: ``same`` = the percent
shown (81.45), ``fraction`` = the percent / 100 (0.8145, a share). Every other unit refuses it."""
NUMBER_RULES: dict[str, NumberRule] = {
    unit: NumberRule(unit, low, high, whole=unit in WHOLE_UNITS, percent=PERCENT_SIGN.get(unit, "refuse"))
    for unit, (low, high) in {**DRIVER_UNITS, **UNITS}.items()
}
"""Unit -> how its numbers are read (``parlib.clean.parse_quantity``): the rule per unit of the
module docstring. Ranks are whole numbers; ``rank`` and ``rank (of 34)`` refuse a percentage."""
NUMBER_RULES.update({unit: NumberRule(unit, *UNITS[unit], whole=True) for unit in ("rank", "rank (of 34)")})
YEAR_RULE = NumberRule("year", 1900.0, 2100.0, whole=True)
ANSWER_RULE = NumberRule("answer (1-5)", 1.0, 5.0, whole=True)
_INDICATOR_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

TEMPLATES: dict[str, str] = {
    "par_index": "par_index_template.csv",
    "sipas": "sipas_template.csv",
    "sipas_survey": "sipas_survey_template.csv",
    "driver": "driver_template.csv",
}
TEMPLATE_DIR = PACKAGE_DIR / "data" / "templates"

_YES = frozenset({"yes", "y", "true", "co"})
_NO = frozenset({"no", "n", "false", "khong"})


class UnknownTableProvinceError(SourceFormatError, UnknownProvinceError):
    """An unknown province in a researcher table: both a format error and an unknown province."""


class _OutOfRange(ValueError):
    """A readable value outside its scale: reported as a ValidationError."""


# ----------------------------------------------------------------------------- reading a sheet


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


def _years(cells: pd.DataFrame, first: int, name: str) -> pd.Series:
    def parse(cell: object) -> int:
        number = parse_quantity(cell, YEAR_RULE)
        if math.isnan(number):
            raise ValueError("blank year")
        if number != int(number):
            raise ValueError(f"year {_cell_text(cell)!r} is not a whole number")
        if not first <= number <= LAST_YEAR:
            raise _OutOfRange(f"year {int(number)} outside {first}-{LAST_YEAR}")
        return int(number)

    return _map_column(cells["year"], parse, name).astype("int64")


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


def _ranks(cells: pd.Series, geo: str, name: str) -> pd.Series:
    size = len(provinces(geo)) - (1 if geo == "63" else 0)  # Hà Tây is not ranked with the 63
    rule = NUMBER_RULES[RANK_UNITS[geo]]

    def parse(cell: object) -> float:
        text = _cell_text(cell)
        match = RANK_RE.match(text) if isinstance(cell, str) else None
        if match:
            rank, of = float(match.group(1)), float(match.group(2))
        else:
            rank, of = parse_quantity(cell, rule), math.nan
        if math.isnan(rank):
            return rank
        if rank != int(rank):
            raise ValueError(f"rank {text!r} is not a whole number")
        top = size if math.isnan(of) else of
        if of > size:
            raise _OutOfRange(f"rank {text!r}: there are {size} provinces")
        if not 1 <= rank <= top:
            raise _OutOfRange(f"rank {text!r} outside 1-{int(top)}")
        return rank

    return _map_column(cells, parse, name).astype("float64")


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


# ----------------------------------------------------------------------------- index tables


def read_index_table(path: str | Path, index: str, geo: str = "63", sheet: str | int = 0) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``) from a researcher's PAR INDEX or SIPAS table.

    ``index`` is ``PAR_INDEX`` or ``SIPAS``; provinces are resolved in ``geo``. See the module
    docstring for the columns, bounds and errors. One row per component that has a value.
    """
    if index not in INDICES:
        raise ValueError(f"index must be one of {INDICES}, got {index!r}")
    path = Path(path)
    name = path.name
    frame, cells = _load_sheet(path, sheet)
    _check_columns(frame, REQUIRED, OPTIONAL[index], name)
    _require_rows(frame, name)
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(cells, FIRST_YEAR[index], name)
    values = [c for c in ["total", *PARTS, *FIELDS] if c in frame.columns]
    for column in values:
        frame[column] = _quantities(cells[column], "percent" if column == "total" else "points (0-100)", name)
    if "rank" in frame.columns:
        frame["rank"] = _ranks(cells["rank"], geo, name)
    given = [*values, *(["rank"] if "rank" in frame.columns else [])]
    empty = frame[given].isna().all(axis=1)
    if empty.any():
        rec = frame.loc[empty[empty].index[0]]
        raise ValidationError(f"{name}, row {rec.name}: {_place(rec)} has no total, part, field or rank")
    _duplicates(frame, ["province_id", "year"], name, _place)
    frame["method_era"] = [method_era(index, int(y)) for y in frame["year"]]
    _check_index_values(frame, index, name)
    return _to_observations(frame, index, geo, name, values)


def _check_index_values(frame: pd.DataFrame, index: str, name: str) -> None:
    """Ranges, then parts and fields against the total; ValidationError on the first breach."""

    def fail(mask: pd.Series, rule: Callable[[pd.Series], str]) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            rec = frame.loc[mask[mask].index[0]]
            raise ValidationError(f"{name}, row {rec.name}: {_place(rec)}: {rule(rec)}")

    total = frame["total"]
    fail(~total.between(0, 100) & total.notna(), lambda r: f"total {r['total']:g} outside 0-100 (percent)")
    for part in PARTS:
        if part in frame.columns:
            top = frame["method_era"].map(lambda era, p=part: PART_MAXIMA.get(era, {}).get(p, MAX_POINTS))
            fail(
                frame[part].notna() & ~frame[part].between(0, top),
                lambda r, p=part: (
                    f"{p} {r[p]:g} outside 0-{PART_MAXIMA.get(r['method_era'], {}).get(p, 100):g}"
                    f" points ({index} {r['method_era']})"
                ),
            )
    for column in FIELDS:
        if column in frame.columns:
            fail(
                frame[column].notna() & ~frame[column].between(0, MAX_POINTS),
                lambda r, c=column: f"{c} {r[c]:g} outside 0-{MAX_POINTS:g} points",
            )
    if {"appraisal", "survey"} <= set(frame.columns):
        parts = frame["appraisal"] + frame["survey"]
        fail(
            (parts - total).abs() > PART_TOLERANCE,
            lambda r: (
                f"appraisal {r['appraisal']:g} + survey {r['survey']:g} = "
                f"{r['appraisal'] + r['survey']:.2f}, not the total {r['total']:g} "
                f"(tolerance {PART_TOLERANCE})"
            ),
        )
    for part in PARTS:
        if part in frame.columns:
            fail(frame[part] > total + PART_TOLERANCE, lambda r, p=part: f"{p} {r[p]:g} exceeds the total")
    fields = [c for c in FIELDS if c in frame.columns]
    if fields:
        given = frame[fields].notna().sum(axis=1)
        points = frame[fields].sum(axis=1, min_count=1)
        percent = points / MAX_POINTS * 100
        all_eight = given == len(FIELDS)
        fail(
            all_eight & ((percent - total).abs() > FIELD_TOLERANCE),
            lambda r: (
                f"the 8 fields sum to {r[fields].sum():.2f} points = "
                f"{r[fields].sum() / MAX_POINTS * 100:.2f}%, not the total {r['total']:g} "
                f"(tolerance {FIELD_TOLERANCE})"
            ),
        )
        fail(
            ~all_eight & (percent > total + FIELD_TOLERANCE),
            lambda r: (
                f"the fields given sum to {r[fields].sum():.2f} points, more than the total {r['total']:g}"
            ),
        )


def _to_observations(frame: pd.DataFrame, index: str, geo: str, name: str, values: list[str]) -> pd.DataFrame:
    long = []
    columns = [*values, *(["rank"] if "rank" in frame.columns else [])]
    for column in columns:
        part = frame[frame[column].notna()]
        unit = "percent" if column == "total" else RANK_UNITS[geo] if column == "rank" else "points (0-100)"
        long.append(
            pd.DataFrame(
                {
                    "index": index,
                    "component": column,
                    "province_id": part["province_id"].astype(str),
                    "geo": geo,
                    "year": part["year"],
                    "value": part[column],
                    "unit": unit,
                    "source": name,
                    "method_era": part["method_era"],
                }
            )
        )
    obs = pd.concat(long, ignore_index=True)[OBS_COLUMNS]
    obs = obs.astype({"year": "int64", "value": "float64"})
    obs["method_era"] = obs["method_era"].astype(object).where(obs["method_era"].notna(), None)
    return obs.sort_values(["index", "component", "province_id", "geo", "year"], ignore_index=True)


# ----------------------------------------------------------------------------- survey answers


def parse_answer(text: object) -> tuple[str, float, bool]:
    """(scale, answer_value, satisfied) of one answer; ('', nan, False) for a blank.

    '4' -> ('1-5', 4.0, True); 'có' -> ('yes/no', 1.0, True). Raises ValueError on anything else.
    ``text`` may also be a spreadsheet cell (a ``NumberCell``, or a bool for TRUE/FALSE).
    """
    value = text.shown() if isinstance(text, NumberCell) else _cell_text(text)
    if is_missing(value):
        return "", math.nan, False
    word = strip_diacritics(value).lower()
    if word in _YES:
        return "yes/no", 1.0, True
    if word in _NO:
        return "yes/no", 0.0, False
    try:
        number = parse_quantity(text if isinstance(text, NumberCell) else value, ANSWER_RULE)
    except ValueError:
        raise ValueError(f"answer {value!r} is neither a point of the 1-5 scale nor yes/no") from None
    if number != int(number) or not 1 <= number <= 5:
        raise _OutOfRange(f"answer {value!r} is not a point of the 1-5 scale (yes/no must be words)")
    return "1-5", float(number), number >= 4


def read_survey_answers(path: str | Path, geo: str = "63", sheet: str | int = 0) -> pd.DataFrame:
    """SIPAS answers, one row per respondent and criterion (``ANSWER_COLUMNS``), validated.

    See the module docstring for what ``answer`` accepts. Blank answers are left out.
    """
    path = Path(path)
    name = path.name
    frame, cells = _load_sheet(path, sheet)
    _check_columns(frame, ANSWER_REQUIRED, [], name)
    _require_rows(frame, name)
    for column in ("respondent_id", "element", "criterion"):
        blank = frame[column] == ""
        if blank.any():
            raise SourceFormatError(name, f"blank {column}", row=blank[blank].index[0])
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(cells, FIRST_YEAR["SIPAS"], name)
    parsed = _map_column(cells["answer"], parse_answer, name)
    frame["scale"] = parsed.map(lambda t: t[0])
    frame["answer_value"] = parsed.map(lambda t: t[1]).astype("float64")
    frame["satisfied"] = parsed.map(lambda t: t[2]).astype(bool)
    frame = frame[frame["scale"] != ""]
    if frame.empty:
        raise SourceFormatError(
            name,
            f"no answers: every answer is blank ({_rows(cells.index)}): nothing to read",
        )

    def who(rec: pd.Series) -> str:
        return (
            f"respondent {rec['respondent_id']!r} of {_place(rec)}, element {rec['element']!r}, "
            f"criterion {rec['criterion']!r}"
        )

    _duplicates(frame, ["province_id", "year", "respondent_id", "element", "criterion"], name, who)
    first_scale = frame.groupby(["element", "criterion"], sort=False)["scale"].transform("first")
    mixed = frame["scale"] != first_scale
    if mixed.any():
        rec = frame.loc[mixed[mixed].index[0]]
        earlier = frame[(frame["element"] == rec["element"]) & (frame["criterion"] == rec["criterion"])]
        raise ValidationError(
            f"{name}, row {rec.name}: answer {rec['answer']!r} is {rec['scale']}, but criterion "
            f"{rec['criterion']!r} of element {rec['element']!r} is answered on the {first_scale[rec.name]} "
            f"scale in row {earlier.index[0]}"
        )
    out = frame.assign(geo=geo, source=name, source_row=frame.index)
    return out[ANSWER_COLUMNS].reset_index(drop=True)


# ----------------------------------------------------------------------------- driver tables


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


def read_driver_table(
    path: str | Path, geo: str = "63", sheet: str | int = 0, decimal: str | None = None
) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``, index ``DRIVER``) from a researcher's driver table.

    Columns ``province, year, indicator, value, unit, source`` (+ ``note``, ``source_url``); one
    row per province, year and indicator; provinces resolved in ``geo``. ``component`` is the
    indicator and ``source`` is ``"<file> | <source cell>"``. Rows with a blank value are left out.
    See the module docstring for the rules and ``DRIVER_UNITS`` for the units. ``decimal`` ('.' or
    ',') declares the decimal point of every value written as text in the file (see "Reading
    numbers"); by default a value that two readings fit, such as ``57,788`` million VND, is refused.
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.', ',' or None, got {decimal!r}")
    path = Path(path)
    name = path.name
    frame, cells = _load_sheet(path, sheet)
    _check_columns(frame, DRIVER_REQUIRED, [], name)
    _require_rows(frame, name)
    for column in ("indicator", "unit", "source"):
        blank = frame[column] == ""
        if blank.any():
            why = "say where the figure comes from" if column == "source" else "every row needs one"
            raise SourceFormatError(name, f"blank {column}: {why}", row=blank[blank].index[0])
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(cells, FIRST_YEAR[DRIVER_INDEX], name)
    frame["indicator"] = _map_column(frame["indicator"], _indicator_name, name)
    frame["unit"] = _map_column(frame["unit"], _driver_unit, name)
    frame["value"] = _quantities(cells["value"], frame["unit"], name, decimal)

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
    _duplicates(
        frame, ["province_id", "year", "indicator"], name, lambda r: f"{r['indicator']} of {_place(r)}"
    )
    frame = frame[frame["value"].notna()]
    if frame.empty:
        raise SourceFormatError(name, "no values: every row has a blank value")
    low = frame["unit"].map(lambda u: DRIVER_UNITS[u][0])
    high = frame["unit"].map(lambda u: DRIVER_UNITS[u][1])
    outside = (frame["value"] < low) | (frame["value"] > high)
    if outside.any():
        rec = frame.loc[outside[outside].index[0]]
        hint = ""
        if rec["unit"] in ("share", "index (0-1)") and 1 < rec["value"] <= 100:
            hint = f": a {rec['unit']} is a fraction (0.45, not 45); use unit 'percent' for a percentage"
        raise ValidationError(
            f"{name}, row {rec.name}: {rec['indicator']} of {_place(rec)}: value {rec['value']:g} outside "
            f"{_bounds_text(rec['unit'])} ({rec['unit']}){hint}"
        )
    counted = frame["unit"].isin(WHOLE_UNITS) & (frame["value"] % 1 != 0)
    if counted.any():
        rec = frame.loc[counted[counted].index[0]]
        raise ValidationError(
            f"{name}, row {rec.name}: {rec['indicator']} of {_place(rec)}: {rec['value']:g} {rec['unit']} is "
            f"not a whole number (a count has no decimals)"
        )
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


# ----------------------------------------------------------------------------- templates


def template_path(kind: str) -> Path:
    """The shipped template of ``kind`` (``par_index``, ``sipas``, ``sipas_survey`` or ``driver``)."""
    if kind not in TEMPLATES:
        raise ValueError(f"template kind must be one of {sorted(TEMPLATES)}, got {kind!r}")
    return TEMPLATE_DIR / TEMPLATES[kind]


def write_template(kind: str, dest: str | Path, overwrite: bool = False) -> Path:
    """Copy a template to ``dest`` (a file, or a folder to copy it into) and return the new path.

    A ``.xlsx`` destination gets the template as a spreadsheet. An existing file is kept
    (FileExistsError) unless ``overwrite``. Its example rows (note ``EXAMPLE ...``) must be
    replaced or deleted before the file is read.
    """
    source = template_path(kind)
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / source.name
    if dest.exists() and not overwrite:
        raise FileExistsError(f"{dest} exists; pass overwrite=True to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.suffix.lower() == ".xlsx":
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
        for column in table.columns:  # numbers as number cells, blanks as empty cells
            cells = table[column].replace("", None)
            numbers = pd.to_numeric(cells, errors="coerce")
            table[column] = numbers if numbers.notna().sum() == cells.notna().sum() else cells
        table.to_excel(dest, index=False, sheet_name=kind)
    else:
        shutil.copyfile(source, dest)
    return dest
