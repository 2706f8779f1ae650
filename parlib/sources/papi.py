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
  in ``papi_mlmcdm``). Dimensions and totals are derived: a dimension is the sum of its
  sub-dimensions and the total the sum of the dimensions, each only where every part is present.

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

This module is PAPI's source module in the contract of ``parlib.sources`` (FILES, UNITS,
``read()`` and its precedence rule) and re-exports the names of its parts, which are not
sources of their own (imports run one way, down this list):

- ``papi_codebook``: method eras, components and their hierarchy, units;
- ``papi_rows``: cells to observation rows, shared by the readers;
- ``papi_mdtrinh``: ``read_undp_2011_2016`` (mdtrinh's workbook);
- ``papi_mlmcdm``: ``read_mlmcdm`` and its column maps by era (``MLMCDM_COLUMNS``);
- ``papi_undp``: ``read_undp_2018_2023`` and the copied-sheet detection.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from parlib.sources import with_provenance
from parlib.sources.papi_codebook import (
    CODEBOOK,
    COMPONENTS,
    ERAS,
    GEO,
    INDEX,
    UNITS,
    children,
    components,
    level,
    method_era,
    unit,
)
from parlib.sources.papi_mdtrinh import MDTRINH_FILE, MDTRINH_YEARS, read_undp_2011_2016
from parlib.sources.papi_mlmcdm import (
    MLMCDM_COLUMNS,
    MLMCDM_PROVINCES_FILE,
    MLMCDM_YEARS,
    mlmcdm_columns,
    mlmcdm_file,
    read_mlmcdm,
)
from parlib.sources.papi_undp import (
    KNOWN_COPIES,
    UNDP_FILE,
    UNDP_FILE_VI,
    UNDP_YEARS,
    CopiedSheetWarning,
    copied_sheets,
    read_undp_2018_2023,
)

__all__ = [
    "CODEBOOK",
    "COMPONENTS",
    "ERAS",
    "FILES",
    "FIRST_YEAR",
    "GEO",
    "INDEX",
    "KNOWN_COPIES",
    "LAST_YEAR",
    "MDTRINH_FILE",
    "MDTRINH_YEARS",
    "MLMCDM_COLUMNS",
    "MLMCDM_PROVINCES_FILE",
    "MLMCDM_YEARS",
    "UNDP_FILE",
    "UNDP_FILE_VI",
    "UNDP_YEARS",
    "UNITS",
    "CopiedSheetWarning",
    "children",
    "components",
    "copied_sheets",
    "level",
    "method_era",
    "mlmcdm_columns",
    "mlmcdm_file",
    "read",
    "read_mlmcdm",
    "read_undp_2011_2016",
    "read_undp_2018_2023",
    "unit",
]

FILES: list[str] = [MDTRINH_FILE, UNDP_FILE, MLMCDM_PROVINCES_FILE, *(mlmcdm_file(y) for y in MLMCDM_YEARS)]

FIRST_YEAR, LAST_YEAR = MLMCDM_YEARS[0], MLMCDM_YEARS[-1]


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
