"""PCI (Provincial Competitiveness Index, VCCI/USAID) 2005-2016 from the mdtrinh/vietnamdata tables.

The twelve yearly workbooks (``PCI_2005.xls`` ... ``PCI_2016.xlsx``) differ in layout. The
upstream layout guide ``PCI_Import.csv`` gives, per year, the sheet, the first and last data
row and the column of each sub-index (all 1-based, as Excel numbers them). Its ``Province``
column is either the column of province names (plain layout: 2005-2007, 2009) or ``0``: each
sub-index is then a (province, score) pair sorted by score, with the province names in the
column just before the score (paired layout: 2008, 2010-2016; checked by inspection). This
module is driven by that guide, not by a table of its own, and checks every guide entry
against the sheet: the header above each column must name the expected sub-index, the rows
just outside the range must not be data, every value must be a number on its scale, and all
the pairs of a year must cover the same provinces once each. Any mismatch raises
``SourceFormatError`` quoting the file, the sheet and the (1-based) row.

Components (``COMPONENTS``): ``total`` is the official weighted composite (0-100) as
published; ``unweighted`` the unweighted composite where published (2007, 2008, 2010);
the sub-indices are on a 0-10 scale. Coverage follows the files: 42 provinces in 2005 (Hà Tây,
``"28"``, among them), 64 in 2006-2008 (with Hà Tây), 63 from 2009. ``implementation`` (consistency of central
policy implementation) exists in 2005 only. ``policy_bias`` is the SOE-bias sub-index in
2005-2008 (the 2005 table has it too, as "Ưu đãi đối với doanh nghiệp nhà nước") and the
equal-competition sub-index ("Cạnh tranh bình đẳng") from 2013; 2009-2012 have none.

Method eras: ``2005-2012`` and ``2013-`` (VCCI's 2013 methodology revision). From 2013 the
composite is 10 x the weighted sum of the ten sub-indices with ``WEIGHTS_2013``
(methodology.md section 4; reproduced within 0.02 for every province 2013-2016). Earlier
composites used other weights and are kept as published, never recomputed.

Known quirk, deliberately NOT corrected here (the decision is the lead's): in PCI 2010 this
table gives Lâm Đồng (``"68"``) total 58.26 and Lai Châu (``"12"``) total 51.77 (entry 6.88,
land 4.15, transparency 5.02, time 5.90, informal 6.47, proactivity 5.70, support 4.65,
labour 4.05, legal 2.66). VCCI's current Lâm Đồng page (pcivietnam.vn/en/provinces/lam-dong)
shows exactly that Lai Châu row (51.77, rank 57) as Lâm Đồng's 2010 score, so the two
provinces look swapped in one of the two sources. The other 54 overlapping composites agree
with the VCCI pages (to 0.005). tests/test_source_pci.py records the current values.

Two sub-index differences with the VCCI pages are NOT errors of this table: 2013 informal
charges (the pages' values do not reproduce the pages' own 2013 composites with
``WEIGHTS_2013``; this table's do, to 1e-5) and 2009 business support (this table matches its
own detail sheet 'Ho tro doanh nghiep'; the pages differ by 0.06-1.8).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from parlib.clean import is_missing, parse_number, require_columns
from parlib.config import raw_path
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.provinces import normalize, strip_diacritics
from parlib.sources import finish, read_guide, reading

INDEX = "PCI"
GEO = "63"
_DIR = "vietnamdata/data-raw/PCI"
IMPORT_FILE = f"{_DIR}/PCI_Import.csv"
YEARS = tuple(range(2005, 2017))

FILES: list[str] = [IMPORT_FILE] + [f"{_DIR}/PCI_{y}.{'xls' if y <= 2011 else 'xlsx'}" for y in YEARS]

UNIT_COMPOSITE = "points (0-100)"
UNIT_SUBINDEX = "points (0-10)"
UNITS: dict[str, tuple[float, float]] = {UNIT_COMPOSITE: (0.0, 100.0), UNIT_SUBINDEX: (0.0, 10.0)}

COMPONENTS: dict[str, str] = {
    "total": "PCI, official weighted composite (as published)",
    "unweighted": "PCI, unweighted composite",
    "entry_costs": "Entry costs",
    "land_access": "Land access and security of tenure",
    "transparency": "Transparency and access to information",
    "time_costs": "Time costs of regulatory compliance",
    "informal_charges": "Informal charges",
    "implementation": "Implementation and consistency of central policies (2005 only)",
    "policy_bias": "Policy bias: SOE bias (2005-2008), equal competition (2013-)",
    "proactivity": "Proactivity of provincial leadership",
    "business_support": "Business support services (private sector development policies before 2009)",
    "labor_training": "Labour training",
    "legal_institutions": "Legal institutions",
}
"""The codebook: component -> label. ``total`` and ``unweighted`` aggregate the others."""

WEIGHTS_2013: dict[str, float] = {
    "entry_costs": 0.05,
    "land_access": 0.05,
    "transparency": 0.20,
    "time_costs": 0.05,
    "informal_charges": 0.10,
    "policy_bias": 0.05,
    "proactivity": 0.05,
    "business_support": 0.20,
    "labor_training": 0.20,
    "legal_institutions": 0.05,
}
"""Sub-index weights of the 2013+ methodology (sum 1): total = 10 x sum(weight x sub-index)."""

# PCI_Import.csv column -> component; the header above each column must match the pattern
# (lower-case ASCII, single spaces) and must not match the exclusion, if any.
_IMPORT_COLUMNS: dict[str, str] = {
    "Entry Costs": "entry_costs",
    "Land Access and Security of Tenure": "land_access",
    "Transparency and Access to Information": "transparency",
    "Time Costs and Regulatory Compliance": "time_costs",
    "Informal Charges": "informal_charges",
    "Implementation and Consistency of Policies": "implementation",
    "Policy Bias": "policy_bias",
    "Proactivity of Provincial Leadership": "proactivity",
    "Business Support Services": "business_support",
    "Labor and Training": "labor_training",
    "Legal Institutions": "legal_institutions",
    "Unweighted Col": "unweighted",
    "Weighted Col": "total",
}
_LAYOUT_COLUMNS = ["Year", "Type", "Sheet", "Begin Row", "End Row", "Province"]
_HEADERS: dict[str, tuple[str, str | None]] = {
    "province": (r"\btinh\b", None),
    "entry_costs": (r"gia nhap", None),
    "land_access": (r"dat dai", None),
    "transparency": (r"minh bach", None),
    "time_costs": (r"thoi gian", None),
    "informal_charges": (r"khong chinh thuc", None),
    "implementation": (r"thuc hien chinh sach", None),
    "policy_bias": (r"uu dai|binh dang", None),
    "proactivity": (r"nang dong", None),
    "business_support": (r"ho tro|phat trien (khu vuc )?(kinh te tu nhan|kttn)", None),
    "labor_training": (r"dao tao", None),
    "legal_institutions": (r"thiet che", None),
    "unweighted": (r"chua co trong so", None),
    "total": (r"\bpci\b|co trong so", r"chua co"),
}


def method_era(year: int) -> str:
    """PCI method era of a year: ``2005-2012`` or ``2013-`` (the 2013 revision)."""
    return "2005-2012" if year <= 2012 else "2013-"


def unit_of(component: str) -> str:
    """Unit string of a component: composites on 0-100, sub-indices on 0-10."""
    return UNIT_COMPOSITE if component in ("total", "unweighted") else UNIT_SUBINDEX


@dataclass(frozen=True)
class Layout:
    """One year of PCI_Import.csv, converted to 0-based positions."""

    year: int
    file: str  # registry name
    sheet: int  # 0-based sheet position
    first: int  # 0-based first data row
    last: int  # 0-based last data row (inclusive)
    province_col: int | None  # 0-based; None for the paired layout
    columns: dict[str, int]  # component -> 0-based score column
    guide_row: int  # line of the year in PCI_Import.csv (header = line 1)

    def province_column(self, component: str) -> int:
        """Column of the province names that go with ``component``."""
        return self.columns[component] - 1 if self.province_col is None else self.province_col


def _int(value: str, what: str, line: int, minimum: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise SourceFormatError(IMPORT_FILE, f"{what}: {value!r} is not an integer", row=line) from None
    if number < minimum:
        raise SourceFormatError(IMPORT_FILE, f"{what}: {number} is below {minimum}", row=line)
    return number


def layouts(raw: Path | None = None) -> list[Layout]:
    """Parse PCI_Import.csv into one Layout per year (no sheet is opened here)."""
    guide, lines = read_guide(raw_path(IMPORT_FILE, raw))
    require_columns(guide, _LAYOUT_COLUMNS + list(_IMPORT_COLUMNS), IMPORT_FILE)
    out: list[Layout] = []
    for i, row in guide.fillna("").iterrows():
        line = lines[int(i)]
        year = _int(row["Year"], "Year", line, 1990)
        kind = row["Type"].strip()
        file = f"{_DIR}/PCI_{year}.{kind}"
        if file not in FILES:
            raise SourceFormatError(IMPORT_FILE, f"names {file!r}, which is not a known PCI file", row=line)
        first = _int(row["Begin Row"], "Begin Row", line, 1) - 1
        last = _int(row["End Row"], "End Row", line, 1) - 1
        if last < first:
            message = f"End Row {last + 1} is above Begin Row {first + 1}"
            raise SourceFormatError(IMPORT_FILE, message, row=line)
        province = _int(row["Province"], "Province", line, 0)
        columns = {
            component: _int(row[name], name, line, 1) - 1
            for name, component in _IMPORT_COLUMNS.items()
            if row[name].strip()
        }
        if "total" not in columns:
            raise SourceFormatError(IMPORT_FILE, f"{year}: no 'Weighted Col'", row=line)
        if province == 0 and min(columns.values()) < 1:
            raise SourceFormatError(IMPORT_FILE, f"{year}: paired layout with a score in column 1", row=line)
        out.append(
            Layout(
                year=year,
                file=file,
                sheet=_int(row["Sheet"], "Sheet", line, 1) - 1,
                first=first,
                last=last,
                province_col=None if province == 0 else province - 1,
                columns=columns,
                guide_row=line,
            )
        )
    years = [lay.year for lay in out]
    if len(set(years)) != len(years):
        raise SourceFormatError(IMPORT_FILE, f"a year is listed twice: {sorted(years)}")
    return out


def _fold(text: object) -> str:
    """Header text as lower-case ASCII with single spaces ('Tính  năng\\nđộng' -> 'tinh nang dong')."""
    if is_missing(text):
        return ""
    return " ".join(strip_diacritics(str(text)).lower().split())


def _col_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_sheet(path: Path, layout: Layout) -> tuple[str, pd.DataFrame]:
    """The sheet named by the layout, as a header-less frame of raw cells."""
    with warnings.catch_warnings():
        # pandas 3 flags xlrd as deprecated; openpyxl notes extensions it ignores. Neither matters here.
        warnings.filterwarnings("ignore", message=".*xlrd.*")
        warnings.filterwarnings("ignore", message=".*extension is not supported.*")
        # xlrd reports a damaged .xls on stdout unless given a log file
        engine_kwargs = {"logfile": io.StringIO()} if path.suffix.lower() == ".xls" else None
        with reading(path), pd.ExcelFile(path, engine_kwargs=engine_kwargs) as book:
            names = book.sheet_names
            if layout.sheet >= len(names):
                message = f"PCI_Import.csv asks for sheet {layout.sheet + 1}; the file has {len(names)}"
                raise SourceFormatError(layout.file, message)
            frame = pd.read_excel(book, sheet_name=names[layout.sheet], header=None, dtype=object)
    return str(names[layout.sheet]), frame


def _province(value: object, file: str, where: str, row: int) -> str:
    if is_missing(value):
        raise SourceFormatError(file, f"{where}: empty province cell inside the data rows", row=row)
    try:
        return normalize(str(value).strip(), GEO)
    except UnknownProvinceError as exc:
        raise UnknownProvinceError(f"{file}, row {row}: {where}: {exc}") from None


def _is_data_row(frame: pd.DataFrame, row: int, pcol: int, col: int) -> bool:
    """True when the cells look like a (province, number) data row."""
    if row < 0 or row >= len(frame):
        return False
    name, value = frame.iat[row, pcol], frame.iat[row, col]
    if is_missing(name) or is_missing(value):
        return False
    try:
        normalize(str(name).strip(), GEO)
        parse_number(value)
    except (UnknownProvinceError, ValueError):
        return False
    return True


def _read_year(layout: Layout, raw: Path | None) -> pd.DataFrame:
    """Observations of one year, after checking the sheet against its layout."""
    file = layout.file
    sheet, frame = _read_sheet(raw_path(file, raw), layout)
    n_rows, n_cols = frame.shape
    if layout.last >= n_rows:
        message = f"sheet {sheet!r} ends at row {n_rows}, above End Row"
        raise SourceFormatError(file, message, row=layout.last + 1)
    rows: list[dict[str, object]] = []
    coverage: dict[str, set[str]] = {}
    for component, col in layout.columns.items():
        pcol = layout.province_column(component)
        where = f"sheet {sheet!r}, column {_col_letter(col)} ({component})"
        if col >= n_cols:
            message = f"{where}: the sheet has only {n_cols} columns"
            raise SourceFormatError(file, message, row=layout.first + 1)
        header = " ".join(_fold(frame.iat[r, col]) for r in range(layout.first)).strip()
        pattern, exclude = _HEADERS[component]
        if not re.search(pattern, header) or (exclude and re.search(exclude, header)):
            raise SourceFormatError(
                file, f"{where}: header {header!r} does not name {component!r}", row=max(layout.first, 1)
            )
        if _is_data_row(frame, layout.first - 1, pcol, col):
            raise SourceFormatError(file, f"{where}: data start above Begin Row", row=layout.first)
        if _is_data_row(frame, layout.last + 1, pcol, col):
            raise SourceFormatError(file, f"{where}: data continue below End Row", row=layout.last + 2)
        low, high = UNITS[unit_of(component)]
        seen: set[str] = set()
        for r in range(layout.first, layout.last + 1):
            excel_row = r + 1
            pid = _province(frame.iat[r, pcol], file, where, excel_row)
            if pid in seen:
                raise SourceFormatError(file, f"{where}: province {pid} appears twice", row=excel_row)
            seen.add(pid)
            try:
                value = parse_number(frame.iat[r, col])
            except ValueError as exc:
                raise SourceFormatError(file, f"{where}: {exc}", row=excel_row) from None
            if pd.isna(value):
                continue  # missing is missing: no row
            if not low <= value <= high:
                raise SourceFormatError(
                    file, f"{where}: {value} is outside {unit_of(component)}", row=excel_row
                )
            rows.append(
                {
                    "component": component,
                    "province_id": pid,
                    "value": value,
                    "source_row": excel_row,
                    "source_sheet": sheet,
                }
            )
        coverage[component] = seen
    if layout.province_col is not None:
        header = " ".join(_fold(frame.iat[r, layout.province_col]) for r in range(layout.first))
        if not re.search(_HEADERS["province"][0], header):
            where = f"sheet {sheet!r}, column {_col_letter(layout.province_col)}"
            message = f"{where}: header {header!r} does not name the province ('Tỉnh')"
            raise SourceFormatError(file, message, row=max(layout.first, 1))
    reference = coverage["total"]
    for component, seen in coverage.items():
        if seen != reference:
            diff = sorted(seen ^ reference)
            raise SourceFormatError(
                file, f"sheet {sheet!r}: {component} and total cover different provinces: {diff}"
            )
    out = pd.DataFrame(rows, columns=["component", "province_id", "value", "source_row", "source_sheet"])
    out["year"] = layout.year
    out["source"] = file
    return out


def read(raw: Path | None = None) -> pd.DataFrame:
    """All PCI observations 2005-2016 (long, ``OBS_COLUMNS``), driven by PCI_Import.csv.

    ``source_row`` is the Excel row (1-based) of the value in sheet ``source_sheet``: in the
    paired layout, the row of the (province, score) pair of that sub-index.
    """
    parts = [_read_year(layout, raw) for layout in layouts(raw)]
    obs = pd.concat(parts, ignore_index=True)
    return finish(
        obs, index=INDEX, geo=GEO, unit_of=unit_of, method_era=method_era, components=list(COMPONENTS)
    )


def composite_2013(obs: pd.DataFrame) -> pd.Series:
    """10 x the WEIGHTS_2013-weighted sum of the sub-indices, per (province_id, year), 2013- era only.

    A province-year lacking any of the ten sub-indices gets no value. Used to check that the
    published composite is what the methodology says; earlier eras are never recomputed.
    """
    rows = obs[(obs["index"] == INDEX) & (obs["method_era"] == "2013-") & obs["component"].isin(WEIGHTS_2013)]
    keys = ["province_id", "year"]
    wide = rows.pivot_table(index=keys, columns="component", values="value", aggfunc="first")
    wide = wide.reindex(columns=list(WEIGHTS_2013)).dropna()
    weights = pd.Series(WEIGHTS_2013)
    return (wide * weights).sum(axis=1).mul(10).rename("composite_2013")
