"""Provincial budgets (Ministry of Finance, Phụ lục 09/CKTC-NSNN) from the mdtrinh/vietnamdata tables.

Two series, one sheet per year: final accounts (``Final_2006.xls`` ... ``Final_2014.xls``,
"Quyết toán") and plans (``Plan_2006.xls`` ... ``Plan_2017.xls``, "Dự toán"). The upstream
layout guides ``Final_Import.csv`` and ``Plan_Import.csv`` give, per year, the sheet
(``sheetIndex``, 1-based), the row after which the data start (``startRow``, 1-based) and the
sheet columns to keep (``keepRow``, 1-based, R syntax such as ``"2:6, 8"``); the first kept
column holds the province names. Data rows are those below ``startRow`` whose first column
holds the running number (STT); region subtotal rows (I, II ...) and the national total are
skipped.

The guides' columns do NOT mean the same thing every year (the upstream R script names them
by position and so mixes concepts): the fifth kept column is the TOTAL central transfer in
the final accounts and in the plans 2006-2012 but the BALANCING transfer alone in the plans
2013-2017, and the plan 2017 guide lists its targeted-transfer column twice (in the slot used
for investment transfers elsewhere). This module therefore classifies every kept column by
its header text (merged header cells are spread over the columns they cover) and names the
component after what the header says; a header it cannot classify, a component found twice,
a sheet without the MoF title of the right year and kind, or without a "triệu đồng" unit line
raises ``SourceFormatError`` naming the file (and row). English sub-headers count too: in
``Final_2007.xls`` the targeted-transfer column is headed "Bổ sung cân đối" (balancing) in
Vietnamese, a slip for "Bổ sung có mục tiêu" (its English reads "Target transfers", and the
total is the balancing column plus this one).

Components, prefixed ``final_`` or ``plan_`` (``COMPONENTS`` is the codebook):

- ``revenue``: total state budget revenue collected in the province (Tổng thu NSNN trên địa bàn).
- ``retention_rate``: percentage of the shared revenues left to the provincial budget
  (Tỷ lệ phân chia nguồn thu giữa NSTW và NSĐP / tỷ lệ điều tiết phần NSĐP được hưởng).
- ``expenditure``: total balanced local budget expenditure (Tổng chi cân đối NSĐP); the 2017
  plan's column includes the local surplus or deficit ("bao gồm bội thu, bội chi NSĐP").
- ``transfers_total``: all transfers from the central budget (Bổ sung từ NSTW cho NSĐP, tổng
  số): final accounts 2006-2014, plans 2006-2012.
- ``transfers_balancing``: balancing transfers (Số bổ sung cân đối): plans 2013-2017.
- ``transfers_targeted``: targeted transfers (Bổ sung có mục tiêu). In the final accounts
  2011-2014 MoF splits it into foreign capital and important tasks; the value here is their
  sum (a blank part counts as none).
- ``transfers_investment`` (plans 2006-2016): the targeted transfer of investment capital for
  important projects (from 2016: for target programmes).

Unit: the sheets state "Đơn vị tính: Triệu đồng", so money is in ``million VND`` as published
(not converted); the retention rate is in ``percent``. A blank cell gives no row (MoF leaves
the cell blank where a province receives nothing of a kind, e.g. Hà Nội's balancing transfer
in the 2014 plan); a zero printed in the sheet is kept as 0 because it is a published
amount, not a missing score. MoF is not consistent here: the 2013 plan prints 0 as the
balancing transfer of the 13 provinces that get none, the 2014-2017 plans leave those cells
blank (no row).
Coverage: 64 provinces (with Hà Tây, ``"28"``) in the final accounts 2006-2007 and the plans
2006-2008, 63 otherwise. ``method_era`` is None. The guides do not cover
``Plan_2003.xls`` and ``Plan_2004.xls``, which are not read.

Cross-check: the upstream R output ``Vietnam_National_Budget_Final.csv`` (despite its name,
the PLAN series 2006-2015) equals these plan values on all 633 province-years; its
``balance.trans`` is our ``plan_transfers_total`` (2006-2012) or ``plan_transfers_balancing``
(2013-2015), with 0 where the sheet is blank.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import xlrd

from parlib.clean import is_missing, parse_number, require_columns
from parlib.config import raw_path
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.provinces import normalize
from parlib.sources import finish, read_guide, reading

INDEX = "BUDGET"
GEO = "63"
_DIR = "vietnamdata/data-raw/Budget"
GUIDES = {"final": f"{_DIR}/Final_Import.csv", "plan": f"{_DIR}/Plan_Import.csv"}
YEARS = {"final": tuple(range(2006, 2015)), "plan": tuple(range(2006, 2018))}

FILES: list[str] = [
    GUIDES["final"],
    GUIDES["plan"],
    *(f"{_DIR}/Final_{y}.xls" for y in YEARS["final"]),
    *(f"{_DIR}/Plan_{y}.xls" for y in YEARS["plan"]),
]

UNIT_MONEY = "million VND"
UNIT_PERCENT = "percent"
UNITS: dict[str, tuple[float, float]] = {UNIT_MONEY: (0.0, 1e10), UNIT_PERCENT: (0.0, 100.0)}

_LABELS = {
    "revenue": "Total state budget revenue collected in the province",
    "retention_rate": "Share of shared revenues left to the provincial budget",
    "expenditure": "Total balanced local budget expenditure",
    "transfers_total": "Transfers from the central budget, total",
    "transfers_balancing": "Balancing transfers from the central budget",
    "transfers_targeted": "Targeted transfers from the central budget",
    "transfers_investment": "Targeted transfers of investment capital (important projects / programmes)",
}
COMPONENTS: dict[str, str] = {
    f"{kind}_{name}": f"{label} ({'final accounts' if kind == 'final' else 'plan'})"
    for kind in ("final", "plan")
    for name, label in _LABELS.items()
}
"""The codebook: component -> label (every item either series could carry; see the module
docstring for the years each one is actually published)."""

# Header classification, first match wins (header text folded to lower-case ASCII).
_RULES: list[tuple[str, str]] = [
    ("retention_rate", r"\bty le\b"),
    ("expenditure", r"\btong chi\b"),
    ("revenue", r"\bthu nsnn\b"),
    ("transfers_investment", r"cong trinh quan trong|d\.an quan trong|von dau tu|von d\.tu"),
    ("targeted_foreign", r"von ngoai nuoc"),
    ("targeted_tasks", r"nhiem vu quan trong"),
    ("transfers_targeted", r"co muc tieu|\btarget(ed)? transfers?\b"),
    ("transfers_balancing", r"\bcan doi\b"),
    ("transfers_total", r"\btong so\b"),
]
_REQUIRED = ("revenue", "retention_rate", "expenditure", "transfers_targeted")


def unit_of(component: str) -> str:
    """Unit of a component: percent for the retention rate, million VND otherwise."""
    return UNIT_PERCENT if component.endswith("retention_rate") else UNIT_MONEY


def _fold(text: object) -> str:
    """Cell text as lower-case ASCII with single spaces ('TỔNG  SỐ' -> 'tong so')."""
    if is_missing(text):
        return ""
    text = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class Layout:
    """One row of a layout guide, converted to 0-based positions."""

    kind: str  # "final" or "plan"
    year: int
    file: str  # registry name
    sheet: int  # 0-based
    start: int  # 0-based; data rows are below it
    columns: tuple[int, ...]  # 0-based sheet columns, province names first
    guide: str
    guide_row: int


def _parse_keep(spec: str, guide: str, line: int) -> tuple[int, ...]:
    """'2:6, 8' -> (1, 2, 3, 4, 5, 7) (0-based), keeping order and repeats as written."""
    out: list[int] = []
    for part in spec.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?::\s*(\d+)\s*)?", part)
        if not match:
            raise SourceFormatError(guide, f"keepRow {spec!r}: cannot read {part!r}", row=line)
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if low < 1 or high < low:
            raise SourceFormatError(guide, f"keepRow {spec!r}: bad range {part.strip()!r}", row=line)
        out.extend(c - 1 for c in range(low, high + 1))
    return tuple(out)


def layouts(raw: Path | None = None) -> list[Layout]:
    """Both layout guides as Layout rows (final accounts first); no workbook is opened."""
    out: list[Layout] = []
    for kind, guide in GUIDES.items():
        frame, lines = read_guide(raw_path(guide, raw))
        require_columns(frame, ["year", "sheetIndex", "startRow", "keepRow"], guide)
        years: set[int] = set()
        for i, row in frame.fillna("").iterrows():
            line = lines[int(i)]
            try:
                year, sheet, start = (int(row[c]) for c in ("year", "sheetIndex", "startRow"))
            except ValueError:
                message = "year, sheetIndex and startRow must be integers"
                raise SourceFormatError(guide, message, row=line) from None
            file = f"{_DIR}/{kind.capitalize()}_{year}.xls"
            if file not in FILES:
                raise SourceFormatError(guide, f"names {file!r}, which is not a known budget file", row=line)
            if year in years:
                raise SourceFormatError(guide, f"year {year} is listed twice", row=line)
            if sheet < 1 or start < 1:
                raise SourceFormatError(guide, "sheetIndex and startRow are 1-based", row=line)
            years.add(year)
            columns = _parse_keep(row["keepRow"], guide, line)
            out.append(Layout(kind, year, file, sheet - 1, start - 1, columns, guide, line))
    return out


def _header_texts(sheet: xlrd.sheet.Sheet, top: int, bottom: int) -> list[str]:
    """Folded header text of every column over rows [top, bottom), merged cells spread out."""
    grid = [[_fold(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(top, bottom)]
    for rlo, rhi, clo, chi in sheet.merged_cells:
        if top <= rlo < bottom:
            value = grid[rlo - top][clo]
            for r in range(rlo, min(rhi, bottom)):
                for c in range(clo, min(chi, sheet.ncols)):
                    grid[r - top][c] = grid[r - top][c] or value
    texts = []
    for c in range(sheet.ncols):
        cells = [grid[r][c] for r in range(len(grid)) if re.search(r"[a-z]", grid[r][c])]
        texts.append(" ".join(dict.fromkeys(cells)))  # merged text once
    return texts


def _classify(header: str) -> str | None:
    for name, pattern in _RULES:
        if re.search(pattern, header):
            return name
    return None


def _stt(value: object) -> int | None:
    """The running number of a province row, or None for anything else."""
    if isinstance(value, float) and value.is_integer() and value > 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _open_sheet(path: Path, layout: Layout) -> xlrd.sheet.Sheet:
    with reading(path):  # xlrd reports a damaged file on stdout unless given a log file
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True, logfile=io.StringIO())
    if layout.sheet >= book.nsheets:
        message = f"{Path(layout.guide).name} asks for sheet {layout.sheet + 1}; there are {book.nsheets}"
        raise SourceFormatError(layout.file, message)
    with reading(path):
        return book.sheet_by_index(layout.sheet)


def _read_sheet(layout: Layout, raw: Path | None) -> pd.DataFrame:
    """Observations of one guide row, after checking the sheet against it."""
    file = layout.file
    sheet = _open_sheet(raw_path(file, raw), layout)
    where = f"sheet {sheet.name!r}"
    if layout.start >= sheet.nrows or max(layout.columns) >= sheet.ncols:
        message = f"{where} is {sheet.nrows} x {sheet.ncols}; the guide points outside it"
        raise SourceFormatError(file, message)
    cells = (sheet.cell_value(r, c) for r in range(layout.start) for c in range(sheet.ncols))
    top_text = " ".join(_fold(value) for value in cells)
    title = "quyet toan" if layout.kind == "final" else "du toan"
    if title not in top_text or f"nam {layout.year}" not in top_text:
        raise SourceFormatError(file, f"{where}: no title '{title} ... năm {layout.year}' above startRow")
    data_rows = [r for r in range(layout.start + 1, sheet.nrows) if _stt(sheet.cell_value(r, 0)) is not None]
    if not data_rows:
        message = f"{where}: no numbered province row below startRow"
        raise SourceFormatError(file, message, row=layout.start + 1)
    for want, r in enumerate(data_rows, start=1):
        got = _stt(sheet.cell_value(r, 0))
        if got != want:
            raise SourceFormatError(file, f"{where}: running number {got}, expected {want}", row=r + 1)
    unit_rows = [
        r
        for r in range(data_rows[0])
        for c in range(sheet.ncols)
        if "trieu dong" in _fold(sheet.cell_value(r, c))
    ]
    if not unit_rows:
        raise SourceFormatError(file, f"{where}: no unit line 'Triệu đồng' above the data")
    headers = _header_texts(sheet, max(unit_rows) + 1, data_rows[0])

    province_col, *value_cols = dict.fromkeys(layout.columns)  # a repeated column is read once
    if not re.search(r"\btinh\b", headers[province_col]):
        message = f"column {province_col + 1} header {headers[province_col]!r} is not 'Tỉnh, thành phố'"
        raise SourceFormatError(file, f"{where}: {message}")
    classes: dict[str, int] = {}
    for col in value_cols:
        name = _classify(headers[col])
        if name is None:
            message = f"column {col + 1} header {headers[col]!r} is not a known budget item"
            raise SourceFormatError(file, f"{where}: {message}")
        if name in classes:
            raise SourceFormatError(
                file, f"{where}: columns {classes[name] + 1} and {col + 1} both read as {name!r}"
            )
        classes[name] = col
    if ("targeted_foreign" in classes) != ("targeted_tasks" in classes):
        raise SourceFormatError(file, f"{where}: only one of the two targeted-transfer parts is listed")
    parts = [classes.pop("targeted_foreign", None), classes.pop("targeted_tasks", None)]
    if None not in parts:
        if "transfers_targeted" in classes:
            raise SourceFormatError(file, f"{where}: targeted transfers both as a total and as parts")
        classes["transfers_targeted"] = -1  # sum of the parts
    missing = [name for name in _REQUIRED if name not in classes]
    if missing or not ({"transfers_total", "transfers_balancing"} & set(classes)):
        raise SourceFormatError(file, f"{where}: no column for {missing or 'central transfers'}")

    def cell(r: int, col: int, name: str) -> float:
        try:
            return parse_number(sheet.cell_value(r, col))
        except ValueError as exc:
            raise SourceFormatError(file, f"{where}, column {col + 1} ({name}): {exc}", row=r + 1) from None

    rows: list[dict[str, object]] = []
    seen: set[str] = set()
    for r in data_rows:
        name_cell = sheet.cell_value(r, province_col)
        if not isinstance(name_cell, str) or is_missing(name_cell):
            raise SourceFormatError(file, f"{where}: province cell {name_cell!r} is not a name", row=r + 1)
        try:
            pid = normalize(name_cell.strip(), GEO)
        except UnknownProvinceError as exc:
            raise UnknownProvinceError(f"{file}, row {r + 1}: {exc}") from None
        if pid in seen:
            message = f"{where}: province {pid} ({name_cell.strip()}) appears twice"
            raise SourceFormatError(file, message, row=r + 1)
        seen.add(pid)
        for name, col in classes.items():
            if col == -1:
                values = [cell(r, c, name) for c in parts if c is not None]
                value = float(pd.Series(values).sum(min_count=1))
            else:
                value = cell(r, col, name)
            if pd.isna(value):
                continue  # blank: no row
            component = f"{layout.kind}_{name}"
            low, high = UNITS[unit_of(component)]
            if not low <= value <= high:
                raise SourceFormatError(
                    file, f"{where}, column {col + 1}: {value} is outside {unit_of(component)}", row=r + 1
                )
            rows.append(
                {
                    "component": component,
                    "province_id": pid,
                    "value": value,
                    "source_row": r + 1,
                    "source_sheet": sheet.name,
                }
            )
    out = pd.DataFrame(rows, columns=["component", "province_id", "value", "source_row", "source_sheet"])
    out["year"] = layout.year
    out["source"] = file
    return out


def read(raw: Path | None = None) -> pd.DataFrame:
    """Final accounts 2006-2014 and plans 2006-2017 as observations (long, ``OBS_COLUMNS``).

    ``source_row`` is the Excel row (1-based) of the province in sheet ``source_sheet``.
    """
    obs = pd.concat([_read_sheet(layout, raw) for layout in layouts(raw)], ignore_index=True)
    return finish(obs, index=INDEX, geo=GEO, unit_of=unit_of, method_era=None, components=list(COMPONENTS))
