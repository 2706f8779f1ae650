"""PAPI (Provincial Governance and Public Administration Performance Index): provincial scores.

Three raw sources, read as they are (see ../shared/data/SOURCES.md):

- the UNDP/CECODES tables for 2011-2016 in mdtrinh/vietnamdata (``PAPI_2011-2016.xlsx``):
  sub-dimensions, dimensions and the published unweighted total;
- the UNDP/CECODES indicator workbook in HungNT1st/CS571_Project
  (``PAPI-2015-2023(eng).xlsm``), sheets 2018, 2019, 2022, 2023: sub-dimensions, dimensions,
  the unweighted total and (2019 only) the weighted total. Its sheets 2020 and 2021 are copies
  of 2019; they are detected by their values and never used;
- hnks-gh/ml-mcdm (``data/csv/<year>.csv``), 2011-2024: sub-dimensions only, with column
  labels that follow the 2018+ structure in every year (the label shift is resolved by era
  here). Dimensions and totals are derived: a dimension is the sum of its sub-dimensions
  and the total the sum of the dimensions, each only where every part is present.

``read()`` combines them into one row per (component, province, year); see its docstring
for the precedence rule. Components carry stable semantic names (``CODEBOOK``); a
sub-dimension keeps its name across eras even when its position in the files moves
(``poverty_lists`` is the first transparency column before 2018 and the second after).

Not scored: mdtrinh prints 0 (2014 Bắc Giang, Đồng Tháp), the UNDP sheets print 'KCDL'
(không có dữ liệu; 2018 Quảng Ninh, Đồng Tháp: transparency and corruption), 0 (2022 Bắc
Giang, Bắc Ninh, in part) or blank (2023), ml-mcdm leaves the cell blank. None of them
gives a row; a province-year with a missing part has no derived or published total.

Scales: each dimension runs 1-10 and is the sum of its k sub-dimensions, each on
[1/k, 10/k]; the total is the sum of the dimensions: 6-60 up to 2017, 8-80 from 2018
(methodology.md 1.2). The UNDP sheets print the total's scale as "10-80"; the sum of eight
1-10 dimensions runs 8-80, which UNITS uses.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import openpyxl
import pandas as pd

from parlib import config
from parlib.clean import is_missing, parse_number, require_columns, to_numeric
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.provinces import PROVINCES_63, normalize
from parlib.sources import OBS_COLUMNS, PROVENANCE_COLUMNS, number_rows, reading, with_provenance

INDEX = "PAPI"
GEO = "63"

MDTRINH_FILE = "vietnamdata/data-raw/PAPI/PAPI_2011-2016.xlsx"
UNDP_FILE = "CS571_Project/data/PAPI-2015-2023(eng).xlsm"
UNDP_FILE_VI = "CS571_Project/data/PAPI-2015-2023.xlsm"
"""The same workbook with Vietnamese province names; its score cells equal UNDP_FILE's (tested)."""
MLMCDM_PROVINCES_FILE = "ml-mcdm/data/codebook/codebook_provinces.csv"
MLMCDM_YEARS = tuple(range(2011, 2025))
MDTRINH_YEARS = tuple(range(2011, 2017))
UNDP_YEARS = (2018, 2019, 2022, 2023)
"""Sheets of UNDP_FILE in UNDP format with their own data (2020 and 2021 repeat 2019)."""


def mlmcdm_file(year: int) -> str:
    """Registry name of the ml-mcdm file for ``year``."""
    return f"ml-mcdm/data/csv/{year}.csv"


FILES: list[str] = [MDTRINH_FILE, UNDP_FILE, MLMCDM_PROVINCES_FILE, *(mlmcdm_file(y) for y in MLMCDM_YEARS)]

FIRST_YEAR, LAST_YEAR = MLMCDM_YEARS[0], MLMCDM_YEARS[-1]

# ---------------------------------------------------------------------------------------------
# Method eras


ERAS = ("2011-2015", "2016-2017", "2018-2020", "2021-")
"""Breaks: 2016 (D1, D3, D5 re-specified), 2018 (8 dimensions), 2021 (construction permits dropped)."""


def method_era(year: int) -> str:
    """The PAPI method era of a survey year; raises ValueError before 2011 (no data here)."""
    year = int(year)
    if year < 2011:
        raise ValueError(f"PAPI method eras start in 2011, got {year}")
    if year <= 2015:
        return "2011-2015"
    if year <= 2017:
        return "2016-2017"
    if year <= 2020:
        return "2018-2020"
    return "2021-"


def _era_span(era: str) -> tuple[int, int]:
    start, _, end = era.partition("-")
    return int(start), int(end) if end else 9999


# ---------------------------------------------------------------------------------------------
# Codebook

# One line per component: name | level | parent | first year | last year ('-': still in use) | label.
_CODEBOOK_TABLE = """
total                           | total        | -                        | 2011 | -    | PAPI aggregate: unweighted sum of the dimensions
total_weighted                  | total        | -                        | 2019 | 2019 | PAPI aggregate weighted by UNDP (in these files for 2019 only; not the canonical total)
participation                   | dimension    | total                    | 2011 | -    | Participation at Local Levels
transparency                    | dimension    | total                    | 2011 | -    | Transparency in Local Decision-making
vertical_accountability         | dimension    | total                    | 2011 | -    | Vertical Accountability
control_of_corruption           | dimension    | total                    | 2011 | -    | Control of Corruption in the Public Sector
admin_procedures                | dimension    | total                    | 2011 | -    | Public Administrative Procedures
public_services                 | dimension    | total                    | 2011 | -    | Public Service Delivery
environmental_governance        | dimension    | total                    | 2018 | -    | Environmental Governance
e_governance                    | dimension    | total                    | 2018 | -    | E-Governance
civic_knowledge                 | subdimension | participation            | 2011 | -    | Civic Knowledge
election_opportunities          | subdimension | participation            | 2011 | -    | Opportunities for Participation (in Elections)
village_head_elections          | subdimension | participation            | 2011 | -    | Quality of (Village Head) Elections
voluntary_contributions         | subdimension | participation            | 2011 | -    | Voluntary Contributions
access_to_information           | subdimension | transparency             | 2018 | -    | Access to Information
poverty_lists                   | subdimension | transparency             | 2011 | -    | Poverty List Transparency
communal_budget                 | subdimension | transparency             | 2011 | -    | Communal Budget (and Expenditure) Transparency
land_use_plans                  | subdimension | transparency             | 2011 | -    | Land-Use Plans/Price Frames
interactions                    | subdimension | vertical_accountability  | 2011 | -    | Interactions with Local Authorities
inspection_boards               | subdimension | vertical_accountability  | 2011 | 2017 | People's Inspection Boards
investment_supervision_boards   | subdimension | vertical_accountability  | 2011 | 2015 | Community Investment Supervision Boards
responsiveness                  | subdimension | vertical_accountability  | 2016 | -    | Government Responsiveness to Citizen Appeals
access_to_justice               | subdimension | vertical_accountability  | 2018 | -    | Access to Justice Services
corruption_local_government     | subdimension | control_of_corruption    | 2011 | -    | Limits on Corruption in Local Government
corruption_service_delivery     | subdimension | control_of_corruption    | 2011 | -    | Limits on Corruption in Service Delivery
equity_state_employment         | subdimension | control_of_corruption    | 2011 | -    | Equity in State Employment
willingness_to_fight_corruption | subdimension | control_of_corruption    | 2011 | -    | Willingness to Fight Corruption
certification                   | subdimension | admin_procedures         | 2011 | -    | Certification Procedures
construction_permits            | subdimension | admin_procedures         | 2011 | 2020 | Construction Permits
land_title                      | subdimension | admin_procedures         | 2011 | -    | Land Title (Land-Use Rights) Procedures
personal_procedures             | subdimension | admin_procedures         | 2011 | -    | Personal Procedures (commune level)
health_care                     | subdimension | public_services          | 2011 | -    | Public Health Care
primary_education               | subdimension | public_services          | 2011 | -    | Public Primary Education
basic_infrastructure            | subdimension | public_services          | 2011 | -    | Basic Infrastructure
law_and_order                   | subdimension | public_services          | 2011 | -    | Law and Order
environmental_protection        | subdimension | environmental_governance | 2018 | -    | Seriousness in Environmental Protection
air_quality                     | subdimension | environmental_governance | 2018 | -    | Quality of Air
water_quality                   | subdimension | environmental_governance | 2018 | -    | Quality of Water
egov_portal_access              | subdimension | e_governance             | 2018 | -    | Access to E-Government Portals
internet_access                 | subdimension | e_governance             | 2018 | -    | Access to the Internet
e_responsiveness                | subdimension | e_governance             | 2019 | -    | E-Responsiveness of Provincial Authorities
"""  # noqa: E501


def _parse_codebook(text: str) -> list[tuple[str, str, str | None, str, int, int | None]]:
    out = []
    for line in text.strip().splitlines():
        name, lvl, parent, first, last, label = (part.strip() for part in line.split("|"))
        out.append(
            (
                name,
                lvl,
                None if parent == "-" else parent,
                label,
                int(first),
                None if last == "-" else int(last),
            )
        )
    return out


# (component, level, parent, label_en, first_year, last_year or None)
_COMPONENTS = _parse_codebook(_CODEBOOK_TABLE)


def _eras_between(first: int, last: int | None) -> str:
    last = 9999 if last is None else last
    return ",".join(e for e in ERAS if _era_span(e)[0] <= last and _era_span(e)[1] >= first)


CODEBOOK: pd.DataFrame = pd.DataFrame(
    [
        {
            "component": c,
            "level": lvl,
            "parent": parent,
            "label_en": label,
            "first_year": first,
            "last_year": last,
            "eras": _eras_between(first, last),
        }
        for c, lvl, parent, label, first, last in _COMPONENTS
    ]
).astype({"first_year": "Int64", "last_year": "Int64"})
"""One row per PAPI component: component (unique within PAPI), level ('total' | 'dimension' |
'subdimension'), parent, label_en, first_year / last_year (NA: still in use) and eras (the
method eras in which it exists, comma-separated). ``total`` is the canonical aggregate."""

COMPONENTS: list[str] = [c[0] for c in _COMPONENTS]

_BY_NAME = {c[0]: c for c in _COMPONENTS}


def _exists(component: str, year: int) -> bool:
    _, _, _, _, first, last = _BY_NAME[component]
    return first <= year and (last is None or year <= last)


def components(year: int) -> list[str]:
    """Components PAPI scores in ``year`` (``total_weighted`` only where the files publish it)."""
    return [c[0] for c in _COMPONENTS if _exists(c[0], year)]


def children(component: str, year: int) -> list[str]:
    """The parts summing to ``component`` in ``year``: the dimensions, or a dimension's sub-dimensions."""
    return [
        c[0] for c in _COMPONENTS if c[2] == component and _exists(c[0], year) and c[0] != "total_weighted"
    ]


def level(component: str) -> str:
    """'total', 'dimension' or 'subdimension'."""
    return _BY_NAME[component][1]


# ---------------------------------------------------------------------------------------------
# Units

UNITS: dict[str, tuple[float, float]] = {
    "points (6-60)": (6.0, 60.0),  # total, 6 dimensions (2011-2017)
    "points (8-80)": (8.0, 80.0),  # total, 8 dimensions (2018-)
    "points (1-10)": (1.0, 10.0),  # a dimension
    "points (0.25-2.5)": (0.25, 2.5),  # a sub-dimension of a 4-part dimension
    # a sub-dimension of a 3-part dimension: 1/3 .. 10/3, with the lower bound widened to the
    # 0.33 that PAPI prints as the scale: the published files hold 0.33174 (2020 Phú Yên,
    # e-gov portals) and 0.33235 (2022 Bến Tre, same) below 1/3, rounded at the source.
    "points (0.33-3.33)": (0.33, 10.0 / 3.0),
    "points (0.5-5)": (0.5, 5.0),  # a sub-dimension of a 2-part dimension (e-governance 2018)
}

_SUBDIM_UNIT = {2: "points (0.5-5)", 3: "points (0.33-3.33)", 4: "points (0.25-2.5)"}


def unit(component: str, year: int) -> str:
    """The UNITS key of ``component`` in ``year`` (a sub-dimension's scale depends on its siblings)."""
    lvl = level(component)
    if lvl == "total":
        return "points (6-60)" if year <= 2017 else "points (8-80)"
    if lvl == "dimension":
        return "points (1-10)"
    k = len(children(_BY_NAME[component][2], year))
    return _SUBDIM_UNIT[k]


# ---------------------------------------------------------------------------------------------
# Helpers shared by the readers


def _nfc(text: object) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text)).strip()


def _province_from_code(code: object, file: object, row: object) -> str:
    """Two-digit GSO code from a numeric code cell, checked against the registry."""
    try:
        number = parse_number(code)
    except ValueError:
        raise SourceFormatError(file, f"province code {code!r} is not a number", row=row) from None
    if math.isnan(number) or number != int(number):
        raise SourceFormatError(file, f"province code {code!r} is not an integer", row=row)
    pid = f"{int(number):02d}"
    if pid not in PROVINCES_63.index or pid == "28":  # Hà Tây was gone before PAPI went national
        raise UnknownProvinceError(f"{file}, row {row}: unknown province code {code!r} in geo 63")
    return pid


def _province_from_name(name: object, file: object, row: object) -> str:
    try:
        return normalize(_nfc(name), GEO)
    except UnknownProvinceError as exc:
        raise UnknownProvinceError(f"{file}, row {row}: {exc}") from None


def _check_name(pid: str, name: object, file: object, row: object) -> None:
    """Cross-check a code against the name printed beside it (catches shifted columns)."""
    if is_missing(name):
        return
    other = _province_from_name(name, file, row)
    if other != pid:
        raise SourceFormatError(
            file, f"province code {pid} printed beside the name {name!r} ({other})", row=row
        )


def _frame(records: Iterable[dict[str, object]]) -> pd.DataFrame:
    """Observations in OBS_COLUMNS order with stable dtypes; rows with a missing or 0 value dropped."""
    columns = [c for c in OBS_COLUMNS if c != "index"] + PROVENANCE_COLUMNS
    frame = pd.DataFrame.from_records(list(records), columns=columns)
    frame.insert(0, "index", INDEX)
    frame["value"] = frame["value"].astype("float64")
    frame = frame[frame["value"].notna() & (frame["value"] != 0)]
    frame = frame.astype({"year": "int64"})
    for col in ("index", "component", "province_id", "geo", "unit", "source", "method_era"):
        frame[col] = frame[col].astype("str")
    return with_provenance(frame).reset_index(drop=True)


def _record(
    component: str,
    pid: str,
    year: int,
    value: float,
    source: str,
    row: object = None,
    sheet: str | None = None,
) -> dict[str, object]:
    """One observation; ``row`` / ``sheet``: where in ``source`` it was read (PROVENANCE_COLUMNS)."""
    return {
        "component": component,
        "province_id": pid,
        "geo": GEO,
        "year": year,
        "value": value,
        "unit": unit(component, year),
        "source": source,
        "method_era": method_era(year),
        "source_row": row,
        "source_sheet": sheet,
    }


_NO_DATA = frozenset({"kcdl"})
"""'KCDL' (không có dữ liệu, no data): the UNDP 2018 sheet's mark for cells not scored."""


def _number(value: object, file: object, row: object, what: str) -> float:
    """parse_number, plus the UNDP no-data mark; a non-number raises SourceFormatError."""
    if isinstance(value, str) and value.strip().lower() in _NO_DATA:
        return math.nan
    try:
        return parse_number(value)
    except ValueError as exc:
        raise SourceFormatError(file, f"{what}: {exc}", row=row) from None


# ---------------------------------------------------------------------------------------------
# mdtrinh/vietnamdata: UNDP tables 2011-2016

_MDTRINH_ID_COLUMNS = ("tinhid", "tentinh_eng", "tentinh_vie")
_MDTRINH_COLUMNS = {
    "Un-weighted2015PAPI": "total",  # the unweighted aggregate (it equals the sum of the dimensions)
    "Participation at Local Levels": "participation",
    "Civic Knowledge": "civic_knowledge",
    "Opportunities for Participation": "election_opportunities",
    "Quality of Elections": "village_head_elections",
    "Voluntary Contributions": "voluntary_contributions",
    "Transparency": "transparency",
    "Poverty Lists": "poverty_lists",
    "Communal Budget and Expenditure": "communal_budget",
    "Land-Use Plans/Price Frames": "land_use_plans",
    "Vertical Accountability": "vertical_accountability",
    "Interactions With Local Authorities": "interactions",
    "People's Inspection Boards": "inspection_boards",
    "Community Investment Boards": "investment_supervision_boards",
    "Responsive to Citizen Actions": "responsiveness",
    "Control of Corruption": "control_of_corruption",
    "Limits on Public Sector Corruption": "corruption_local_government",
    "Limits on Corruption in Service Delivery": "corruption_service_delivery",
    "Equity in Employment": "equity_state_employment",
    "Willingness to Fight Corruption": "willingness_to_fight_corruption",
    "Public Administrative Procedures": "admin_procedures",
    "Certification Procedures": "certification",
    "Construction Permits": "construction_permits",
    "Land-Use Rights Procedures": "land_title",
    "Personal Procedures": "personal_procedures",
    "Public Service Delivery": "public_services",
    "Public Health": "health_care",
    "Public Primary Education": "primary_education",
    "Basic Infrastructure": "basic_infrastructure",
    "Law and Order": "law_and_order",
}
_AGGREGATE_CODES = {999}  # the 'Highest' (best score) row under the provinces


def read_undp_2011_2016(raw: Path | None = None) -> pd.DataFrame:
    """PAPI 2011-2016 from the UNDP/CECODES tables in mdtrinh's workbook (one sheet per year).

    Emits the sub-dimensions, dimensions and the published unweighted total as printed.
    Skips the Vietnamese label row and the 'Highest' row; a 0 (2014 Bắc Giang, Đồng Tháp:
    not scored) gives no row.
    """
    path = config.raw_path(MDTRINH_FILE, raw)
    with reading(path):
        sheets = pd.read_excel(path, sheet_name=None, header=0, dtype=object)
    records = []
    for year in MDTRINH_YEARS:
        name = f"{year}_PAPI"
        if name not in sheets:
            raise SourceFormatError(path, f"sheet {name!r} not found; sheets are {list(sheets)}")
        sheet = sheets[name]
        sheet.columns = [_nfc(c) for c in sheet.columns]
        where = f"{path} [sheet {name}]"
        require_columns(sheet, [*_MDTRINH_ID_COLUMNS], where)
        measures = [c for c in sheet.columns if c not in _MDTRINH_ID_COLUMNS]
        unknown = [c for c in measures if c not in _MDTRINH_COLUMNS]
        if unknown:
            raise SourceFormatError(where, f"unexpected column(s) {unknown}")
        found = {_MDTRINH_COLUMNS[c] for c in measures}
        expected = set(components(year)) - {"total_weighted"}
        if found != expected:
            missing = sorted(expected - found)
            extra = sorted(found - expected)
            raise SourceFormatError(
                where, f"columns do not match PAPI {year}: missing {missing}, unexpected {extra}"
            )
        for idx, row in sheet.iterrows():
            excel_row = int(idx) + 2
            code = row["tinhid"]
            if _nfc(code) == "tinhid":  # row 0 repeats the labels in Vietnamese
                continue
            if is_missing(code):
                raise SourceFormatError(where, "blank tinhid", row=excel_row)
            if _number(code, where, excel_row, "tinhid") in _AGGREGATE_CODES:
                continue
            pid = _province_from_code(code, where, excel_row)
            _check_name(pid, row["tentinh_vie"], where, excel_row)
            for col in measures:
                value = _number(row[col], where, excel_row, f"column {col!r}")
                records.append(
                    _record(_MDTRINH_COLUMNS[col], pid, year, value, MDTRINH_FILE, excel_row, name)
                )
    return _frame(records)


# ---------------------------------------------------------------------------------------------
# hnks-gh/ml-mcdm: sub-dimensions 2011-2024 under 2018+ column labels

_SC = [
    f"SC{d}{s}"
    for d, n in ((1, 4), (2, 4), (3, 3), (4, 4), (5, 4), (6, 4), (7, 3), (8, 3))
    for s in range(1, n + 1)
]

_SC_COMMON_PRE2018 = {
    "SC11": "civic_knowledge",
    "SC12": "election_opportunities",
    "SC13": "village_head_elections",
    "SC14": "voluntary_contributions",
    # before 2018 the three transparency sub-dimensions sit in SC21-SC23
    "SC21": "poverty_lists",
    "SC22": "communal_budget",
    "SC23": "land_use_plans",
    "SC31": "interactions",
    "SC41": "corruption_local_government",
    "SC42": "corruption_service_delivery",
    "SC43": "equity_state_employment",
    "SC44": "willingness_to_fight_corruption",
    "SC51": "certification",
    "SC52": "construction_permits",
    "SC53": "land_title",
    "SC54": "personal_procedures",
    "SC61": "health_care",
    "SC62": "primary_education",
    "SC63": "basic_infrastructure",
    "SC64": "law_and_order",
}
_SC_2018 = {
    **{k: v for k, v in _SC_COMMON_PRE2018.items() if not k.startswith("SC2")},
    "SC21": "access_to_information",
    "SC22": "poverty_lists",
    "SC23": "communal_budget",
    "SC24": "land_use_plans",
    "SC32": "responsiveness",
    "SC33": "access_to_justice",
    "SC71": "environmental_protection",
    "SC72": "air_quality",
    "SC73": "water_quality",
    "SC81": "egov_portal_access",
    "SC82": "internet_access",
    "SC83": "e_responsiveness",
}
MLMCDM_COLUMNS: dict[str, dict[str, str]] = {
    "2011-2015": {**_SC_COMMON_PRE2018, "SC32": "inspection_boards", "SC33": "investment_supervision_boards"},
    "2016-2017": {**_SC_COMMON_PRE2018, "SC32": "responsiveness", "SC33": "inspection_boards"},
    "2018-2020": _SC_2018,
    "2021-": {k: v for k, v in _SC_2018.items() if k != "SC52"},
}
"""ml-mcdm column -> component by method era (the files label every year with the 2018+ names).
A column whose component does not exist in a year (SC83 in 2018) must be empty there."""


def mlmcdm_columns(year: int) -> dict[str, str]:
    """ml-mcdm column -> component for ``year`` (only the components PAPI scores that year)."""
    return {sc: c for sc, c in MLMCDM_COLUMNS[method_era(year)].items() if _exists(c, year)}


def _mlmcdm_provinces(raw: Path | None) -> dict[str, str]:
    path = config.raw_path(MLMCDM_PROVINCES_FILE, raw)
    table = _read_csv(path)
    require_columns(table, ["Variable_Code", "Variable_Name"], path)
    out: dict[str, str] = {}
    for line, row in table.iterrows():
        out[row["Variable_Code"].strip()] = _province_from_name(row["Variable_Name"], path, line)
    ids = list(out.values())
    if len(set(ids)) != len(ids) or ids != sorted(ids):  # P01..P63 are in GSO order
        raise SourceFormatError(path, "province codes are not 63 distinct provinces in GSO order")
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    """An ml-mcdm CSV as text cells, indexed by line number (header = line 1)."""
    with reading(path):
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table.index = pd.Index(number_rows(table, path), name="line")
    return table


def _derive(subdims: pd.DataFrame) -> pd.DataFrame:
    """Dimensions (sum of sub-dimensions) and totals (sum of dimensions) where every part is present."""
    out = []
    parts = subdims
    for lvl in ("dimension", "total"):
        made = []
        for (pid, year), group in parts.groupby(["province_id", "year"], sort=True):
            have = dict(zip(group["component"], group["value"], strict=True))
            src, line = group["source"].iloc[0], group["source_row"].iloc[0]  # one row of one file
            for parent in (c for c in components(int(year)) if level(c) == lvl and c != "total_weighted"):
                kids = children(parent, int(year))
                if all(k in have for k in kids):
                    made.append(_record(parent, pid, int(year), sum(have[k] for k in kids), src, line))
        parts = _frame(made)
        out.append(parts)
    return pd.concat(out, ignore_index=True)


def read_mlmcdm(raw: Path | None = None, years: Sequence[int] = MLMCDM_YEARS) -> pd.DataFrame:
    """PAPI 2011-2024 from ml-mcdm: sub-dimensions, plus derived dimensions and totals.

    Columns are mapped by method era (MLMCDM_COLUMNS); columns with no component in a year
    must be empty. A blank cell is a province or part not scored. A dimension is derived
    only where all its sub-dimensions are present and the total only where all dimensions
    are: a partial sum is missing, never a smaller number. A cell outside its sub-dimension's
    scale raises SourceFormatError naming the file, line and column (checked here, before the
    sums could hide it).
    """
    provinces = _mlmcdm_provinces(raw)
    frames = []
    for year in years:
        name = mlmcdm_file(year)
        path = config.raw_path(name, raw)
        table = _read_csv(path)
        require_columns(table, ["Province", *_SC], path)
        extra = [c for c in table.columns if c not in ("Province", *_SC)]
        if extra:
            raise SourceFormatError(path, f"unexpected column(s) {extra}")
        mapping = mlmcdm_columns(year)
        values = {sc: to_numeric(table[sc], path) for sc in _SC}
        for sc in _SC:
            if sc not in mapping and values[sc].notna().any():
                first = values[sc].first_valid_index()
                raise SourceFormatError(
                    path, f"column {sc} holds values but PAPI {year} has no such part", row=first
                )
        for sc, component in mapping.items():
            # check the cells here: the dimensions and totals derived from them would hide the cell
            low, high = UNITS[unit(component, year)]
            bad = values[sc][values[sc].notna() & (values[sc] != 0) & ~values[sc].between(low, high)]
            if len(bad):
                message = f"column {sc} ({component}): {bad.iloc[0]} is outside {unit(component, year)!r}"
                raise SourceFormatError(path, message, row=bad.index[0])
        records = []
        for line, code in table["Province"].items():
            code = code.strip()
            if code not in provinces:
                raise UnknownProvinceError(f"{path}, row {line}: unknown province code {code!r}")
            for sc, component in mapping.items():
                records.append(_record(component, provinces[code], year, values[sc][line], name, line))
        frames.append(_frame(records))
    subdims = pd.concat(frames, ignore_index=True)
    return pd.concat([subdims, _derive(subdims)], ignore_index=True)


# ---------------------------------------------------------------------------------------------
# CS571_Project: UNDP indicator workbook, sheets 2018-2023


class CopiedSheetWarning(UserWarning):
    """A workbook sheet that repeats another sheet's values (UNDP_FILE '2020', '2021' = '2019')."""


_UNDP_SUBDIMS = {
    "1.1": ("civic_knowledge", "tri thức công dân"),
    "1.2": ("election_opportunities", "cơ hội tham gia"),
    "1.3": ("village_head_elections", "bầu cử"),
    "1.4": ("voluntary_contributions", "đóng góp tự nguyện"),
    "2.1": ("access_to_information", "tiếp cận thông tin"),
    "2.2": ("poverty_lists", "hộ nghèo"),
    "2.3": ("communal_budget", "ngân sách"),
    "2.4": ("land_use_plans", "sử dụng đất"),
    "3.1": ("interactions", "tiếp xúc"),
    "3.2": ("responsiveness", "khiếu nại"),
    "3.3": ("access_to_justice", "tư pháp"),
    "4.1": ("corruption_local_government", "chính quyền"),
    "4.2": ("corruption_service_delivery", "dịch vụ công"),
    "4.3": ("equity_state_employment", "tuyển dụng"),
    "4.4": ("willingness_to_fight_corruption", "quyết tâm"),
    "5.1": ("certification", "chứng thực"),
    "5.2": ("construction_permits", "xây dựng"),
    "5.3": ("land_title", "quyền sử dụng đất"),
    "5.4": ("personal_procedures", "cấp xã"),
    "6.1": ("health_care", "y tế"),
    "6.2": ("primary_education", "giáo dục"),
    "6.3": ("basic_infrastructure", "hạ tầng"),
    "6.4": ("law_and_order", "an ninh"),
    "7.1": ("environmental_protection", "môi trường"),
    "7.2": ("air_quality", "không khí"),
    "7.3": ("water_quality", "nước"),
    "8.1": ("egov_portal_access", "cổng thông tin"),
    "8.2": ("internet_access", "internet"),
    "8.3": ("e_responsiveness", "phúc đáp"),
}
"""UNDP numbering (2018+) -> (component, a word its Vietnamese label must contain)."""

_UNDP_DIMENSIONS = {
    "1": ("participation", "tham gia"),
    "2": ("transparency", "minh bạch"),
    "3": ("vertical_accountability", "trách nhiệm giải trình"),
    "4": ("control_of_corruption", "tham nhũng"),
    "5": ("admin_procedures", "thủ tục hành chính"),
    "6": ("public_services", "dịch vụ công"),
    "7": ("environmental_governance", "môi trường"),
    "8": ("e_governance", "điện tử"),
}

_RE_SUBDIM = re.compile(r"^(\d)\.(\d)\s*:")
_RE_DIMENSION = re.compile(r"^chỉ số nội dung (\d)\s*:")
_RE_TOTAL = re.compile(r"^chỉ số papi\b.*\((không có|có) trọng số\)\**$")


def _undp_sheet(ws: openpyxl.worksheet.worksheet.Worksheet, path: Path) -> pd.DataFrame:
    """Score rows of one UNDP-format sheet as (component, province_id, value, excel_row), unchecked.

    Layout: label column(s), a 'Thang điểm' (scale) column, then one column per province.
    2019+ sheets start with a 'Mã tỉnh' row of GSO codes and a row of names; 2018 has names
    only. The Vietnamese label is the column just left of the scale column.
    """
    with reading(path):
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    where = f"{path} [sheet {ws.title}]"
    if not rows:
        raise SourceFormatError(where, "empty sheet")
    head = [_nfc(c).lower() for c in rows[0]]
    scale_col = next((i for i, c in enumerate(head) if c.startswith("thang điểm")), None)
    if scale_col is None or scale_col == 0:
        raise SourceFormatError(where, "no 'Thang điểm' (scale) column in the first row", row=1)
    label_col, first = scale_col - 1, scale_col + 1
    width = max(len(r) for r in rows)
    cols = [c for c in range(first, width) if any(not is_missing(r[c]) for r in rows[:2] if c < len(r))]
    if head[0] == "mã tỉnh":
        ids = {c: _province_from_code(rows[0][c], where, 1) for c in cols}
        for c in cols:
            _check_name(ids[c], rows[1][c], where, 2)
        body = 2
    else:
        ids = {c: _province_from_name(rows[0][c], where, 1) for c in cols}
        body = 1
    if len(set(ids.values())) != len(ids):
        raise SourceFormatError(where, "a province appears in two columns", row=1)
    records = []
    for i in range(body, len(rows)):
        label = _nfc(rows[i][label_col] if label_col < len(rows[i]) else None).lower()
        if m := _RE_SUBDIM.match(label):
            code = f"{m.group(1)}.{m.group(2)}"
            if code not in _UNDP_SUBDIMS:
                raise SourceFormatError(where, f"unknown sub-dimension {code} ({label!r})", row=i + 1)
            component, word = _UNDP_SUBDIMS[code]
        elif m := _RE_DIMENSION.match(label):
            if m.group(1) not in _UNDP_DIMENSIONS:
                raise SourceFormatError(where, f"unknown dimension {label!r}", row=i + 1)
            component, word = _UNDP_DIMENSIONS[m.group(1)]
        elif m := _RE_TOTAL.match(label):
            component, word = ("total" if m.group(1) == "không có" else "total_weighted"), "papi"
        else:
            continue  # indicators, variances, confidence bounds, observations, notes
        if word not in label:
            raise SourceFormatError(where, f"label {label!r} does not name {component}", row=i + 1)
        for c in cols:
            cell = rows[i][c] if c < len(rows[i]) else None
            value = _number(cell, where, i + 1, f"{component} for province {ids[c]}")
            records.append({"component": component, "province_id": ids[c], "value": value, "row": i + 1})
    frame = pd.DataFrame.from_records(records, columns=["component", "province_id", "value", "row"])
    dup = frame.drop_duplicates(["component", "row"]).duplicated("component")
    if dup.any():
        again = frame.drop_duplicates(["component", "row"])[dup].iloc[0]
        raise SourceFormatError(where, f"{again['component']} appears twice", row=int(again["row"]))
    return frame


def _same_values(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two sheets' score cells coincide: every shared (component, province) value
    is equal and they share at least 90% of the smaller sheet's scores."""
    key = ["component", "province_id"]
    a = a.dropna(subset=["value"]).set_index(key)["value"]
    b = b.dropna(subset=["value"]).set_index(key)["value"]
    common = a.index.intersection(b.index)
    if len(common) < 0.9 * min(len(a), len(b)) or len(common) == 0:
        return False
    return bool((a.loc[common] == b.loc[common]).all())


def copied_sheets(path: Path) -> dict[str, str]:
    """Year sheets of a UNDP workbook that repeat an earlier year sheet: {copy: original}.

    For UNDP_FILE this is {'2020': '2019', '2021': '2019'}.
    """
    with reading(path):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {
            ws.title: _undp_sheet(ws, path)
            for ws in wb.worksheets
            if re.fullmatch(r"20\d\d", ws.title) and int(ws.title) >= 2018
        }
    finally:
        wb.close()
    return _copies(sheets)


def _copies(sheets: dict[str, pd.DataFrame]) -> dict[str, str]:
    names = sorted(sheets)
    out: dict[str, str] = {}
    for i, name in enumerate(names):
        for earlier in names[:i]:
            if earlier not in out and _same_values(sheets[name], sheets[earlier]):
                out[name] = earlier
                break
    return out


KNOWN_COPIES = {"2020": "2019", "2021": "2019"}
"""The copied sheets of UNDP_FILE documented in SOURCES.md; read() does not warn about these."""


def read_undp_2018_2023(
    raw: Path | None = None,
    years: Sequence[int] = UNDP_YEARS,
    file: str = UNDP_FILE,
    expected_copies: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """PAPI from the UNDP/CECODES indicator workbook: sheets 2018, 2019, 2022, 2023.

    Emits sub-dimensions, dimensions, the unweighted total (``total``) and, where published
    (2019), the weighted total (``total_weighted``); indicators, variances and confidence
    bounds are skipped. Every year sheet from 2018 is compared with the others: a sheet that
    repeats an earlier one (2020 and 2021 repeat 2019) is ignored with a CopiedSheetWarning
    (none for the copies listed in ``expected_copies``), and asking for it in ``years``
    raises SourceFormatError. 0 cells (2022 Bắc Giang, Bắc
    Ninh) and blanks (2023 Quảng Ninh, Bình Dương) are not scored: no row.
    """
    path = config.raw_path(file, raw)
    with reading(path):
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        titles = [ws.title for ws in wb.worksheets]
        for year in years:
            if str(year) not in titles:
                raise SourceFormatError(path, f"sheet '{year}' not found; sheets are {titles}")
        scan = [t for t in titles if re.fullmatch(r"20\d\d", t) and int(t) >= 2018]
        sheets = {t: _undp_sheet(wb[t], path) for t in scan}
    finally:
        wb.close()
    copies = _copies(sheets)
    for copy, original in copies.items():
        if int(copy) in years:
            raise SourceFormatError(
                path, f"sheet '{copy}' repeats the values of sheet '{original}'; it is not PAPI {copy} data"
            )
    for copy, original in copies.items():
        if (expected_copies or {}).get(copy) == original:
            continue
        warnings.warn(
            f"{path}: sheet '{copy}' repeats the values of sheet '{original}'; ignored",
            CopiedSheetWarning,
            stacklevel=2,
        )
    records = []
    for year in years:
        where = f"{path} [sheet {year}]"
        sheet = sheets[str(year)]
        found = set(sheet["component"])
        expected = set(components(year))
        missing = sorted(expected - found - {"total_weighted"})
        extra = sorted(found - expected - {"total_weighted"})
        if missing or extra:
            raise SourceFormatError(
                where, f"score rows do not match PAPI {year}: missing {missing}, unexpected {extra}"
            )
        for row in sheet.itertuples(index=False):
            records.append(_record(row.component, row.province_id, year, row.value, file, row.row, str(year)))
    return _frame(records)


# ---------------------------------------------------------------------------------------------
# Combined


def read(raw: Path | None = None) -> pd.DataFrame:
    """All PAPI observations, one row per (component, province_id, year), 2011-2024.

    Precedence: the UNDP/CECODES workbooks are preferred wherever they hold a value
    (mdtrinh's tables for 2011-2016, the CS571 UNDP sheets for 2018, 2019, 2022, 2023);
    ml-mcdm fills every other (component, province, year): all of 2017, 2020, 2021 and
    2024, and any cell a preferred file leaves blank or 0 (on the current files there is
    none: in 2011-2016, 2018, 2019, 2022 and 2023 ml-mcdm scores exactly the same cells).
    Where both have a value they agree within 1e-4 (tests/test_source_papi.py), except Hà
    Nội 2022, whose sub-dimensions 1.3 and 1.4 are printed rounded to 2 decimals in both
    files: the published participation and total are kept (0.0007 off the derived sums).
    ml-mcdm's dimensions and totals are derived from complete sets of parts only.
    The UNDP sheets 2020 and 2021 (copies of 2019) are detected and skipped on every call;
    a copy other than KNOWN_COPIES raises a CopiedSheetWarning.
    Each row's ``source`` names the file its value was read from (derived values name the
    ml-mcdm file of their year), ``source_row`` its row there (the line of the CSV, header = 1;
    the Excel row of the sheet ``source_sheet``: in mdtrinh's sheets a province's row, in the
    transposed UNDP sheets the row of the component, whose province is a column).
    """
    preferred = pd.concat(
        [read_undp_2011_2016(raw), read_undp_2018_2023(raw, expected_copies=KNOWN_COPIES)], ignore_index=True
    )
    fill = read_mlmcdm(raw)
    key = ["component", "province_id", "year"]
    have = pd.MultiIndex.from_frame(preferred[key])
    fill = fill[~pd.MultiIndex.from_frame(fill[key]).isin(have)]
    out = pd.concat([preferred, fill], ignore_index=True)
    order = {c: i for i, c in enumerate(CODEBOOK["component"])}
    out = out.sort_values(
        ["year", "province_id", "component"],
        key=lambda s: s.map(order) if s.name == "component" else s,
        ignore_index=True,
    )
    return with_provenance(out)
