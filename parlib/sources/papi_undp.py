"""PAPI 2018-2023 from the UNDP/CECODES indicator workbook in HungNT1st/CS571_Project.

``PAPI-2015-2023(eng).xlsm``, sheets 2018, 2019, 2022, 2023: sub-dimensions, dimensions, the
unweighted total and (2019 only) the weighted total. Its sheets 2020 and 2021 are copies of
2019; they are detected by their values (``copied_sheets``) and never used. Not scored: 'KCDL'
(không có dữ liệu; 2018 Quảng Ninh, Đồng Tháp: transparency and corruption), 0 (2022 Bắc
Giang, Bắc Ninh, in part) or blank (2023): no row.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import openpyxl
import pandas as pd

from parlib import config
from parlib.clean import is_missing
from parlib.errors import SourceFormatError
from parlib.sources import reading
from parlib.sources.papi_codebook import components
from parlib.sources.papi_rows import (
    cell_number,
    check_name,
    nfc,
    province_from_code,
    province_from_name,
    record,
    to_frame,
)

UNDP_FILE = "CS571_Project/data/PAPI-2015-2023(eng).xlsm"
UNDP_FILE_VI = "CS571_Project/data/PAPI-2015-2023.xlsm"
"""The same workbook with Vietnamese province names; its score cells equal UNDP_FILE's (tested)."""
UNDP_YEARS = (2018, 2019, 2022, 2023)
"""Sheets of UNDP_FILE in UNDP format with their own data (2020 and 2021 repeat 2019)."""


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
    head = [nfc(c).lower() for c in rows[0]]
    scale_col = next((i for i, c in enumerate(head) if c.startswith("thang điểm")), None)
    if scale_col is None or scale_col == 0:
        raise SourceFormatError(where, "no 'Thang điểm' (scale) column in the first row", row=1)
    label_col, first = scale_col - 1, scale_col + 1
    width = max(len(r) for r in rows)
    cols = [c for c in range(first, width) if any(not is_missing(r[c]) for r in rows[:2] if c < len(r))]
    if head[0] == "mã tỉnh":
        ids = {c: province_from_code(rows[0][c], where, 1) for c in cols}
        for c in cols:
            check_name(ids[c], rows[1][c], where, 2)
        body = 2
    else:
        ids = {c: province_from_name(rows[0][c], where, 1) for c in cols}
        body = 1
    if len(set(ids.values())) != len(ids):
        raise SourceFormatError(where, "a province appears in two columns", row=1)
    records = []
    for i in range(body, len(rows)):
        label = nfc(rows[i][label_col] if label_col < len(rows[i]) else None).lower()
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
            value = cell_number(cell, where, i + 1, f"{component} for province {ids[c]}")
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
            records.append(record(row.component, row.province_id, year, row.value, file, row.row, str(year)))
    return to_frame(records)
