"""PAPI 2011-2016 from mdtrinh/vietnamdata: the UNDP/CECODES tables in ``PAPI_2011-2016.xlsx``.

One sheet per year (``2011_PAPI`` ... ``2016_PAPI``): sub-dimensions, dimensions and the
published unweighted total. Row 0 below the header repeats the labels in Vietnamese, a
'Highest' row (tinhid 999) follows the provinces, and a 0 (2014 Bắc Giang, Đồng Tháp) marks a
province not scored: no row (see ../shared/data/SOURCES.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from parlib import config
from parlib.clean import is_missing, require_columns
from parlib.errors import SourceFormatError
from parlib.sources import reading
from parlib.sources.papi_codebook import components
from parlib.sources.papi_rows import cell_number, check_name, nfc, province_from_code, record, to_frame

MDTRINH_FILE = "vietnamdata/data-raw/PAPI/PAPI_2011-2016.xlsx"
MDTRINH_YEARS = tuple(range(2011, 2017))

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
        sheet.columns = [nfc(c) for c in sheet.columns]
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
            if nfc(code) == "tinhid":  # row 0 repeats the labels in Vietnamese
                continue
            if is_missing(code):
                raise SourceFormatError(where, "blank tinhid", row=excel_row)
            if cell_number(code, where, excel_row, "tinhid") in _AGGREGATE_CODES:
                continue
            pid = province_from_code(code, where, excel_row)
            check_name(pid, row["tentinh_vie"], where, excel_row)
            for col in measures:
                value = cell_number(row[col], where, excel_row, f"column {col!r}")
                records.append(record(_MDTRINH_COLUMNS[col], pid, year, value, MDTRINH_FILE, excel_row, name))
    return to_frame(records)
