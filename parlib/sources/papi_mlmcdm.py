"""PAPI 2011-2024 from hnks-gh/ml-mcdm (``data/csv/<year>.csv``): sub-dimensions only.

The column labels follow the 2018+ structure in every year; the label shift is resolved by
method era (``MLMCDM_COLUMNS``). Dimensions and totals are derived: a dimension is the sum of
its sub-dimensions and the total the sum of the dimensions, each only where every part is
present. A blank cell is a province or part not scored: no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from parlib import config
from parlib.clean import require_columns, to_numeric
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.sources import number_rows, reading
from parlib.sources.papi_codebook import UNITS, children, components, exists, level, method_era, unit
from parlib.sources.papi_rows import province_from_name, record, to_frame

MLMCDM_PROVINCES_FILE = "ml-mcdm/data/codebook/codebook_provinces.csv"
MLMCDM_YEARS = tuple(range(2011, 2025))


def mlmcdm_file(year: int) -> str:
    """Registry name of the ml-mcdm file for ``year``."""
    return f"ml-mcdm/data/csv/{year}.csv"


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
    return {sc: c for sc, c in MLMCDM_COLUMNS[method_era(year)].items() if exists(c, year)}


def _mlmcdm_provinces(raw: Path | None) -> dict[str, str]:
    path = config.raw_path(MLMCDM_PROVINCES_FILE, raw)
    table = _read_csv(path)
    require_columns(table, ["Variable_Code", "Variable_Name"], path)
    out: dict[str, str] = {}
    for line, row in table.iterrows():
        out[row["Variable_Code"].strip()] = province_from_name(row["Variable_Name"], path, line)
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
                    made.append(record(parent, pid, int(year), sum(have[k] for k in kids), src, line))
        parts = to_frame(made)
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
                records.append(record(component, provinces[code], year, values[sc][line], name, line))
        frames.append(to_frame(records))
    subdims = pd.concat(frames, ignore_index=True)
    return pd.concat([subdims, _derive(subdims)], ignore_index=True)
