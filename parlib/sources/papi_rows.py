"""Cells to PAPI observation rows: the helpers the three PAPI readers share.

Province cells (a GSO code, a name, a code cross-checked against the name printed beside it),
number cells (with the UNDP no-data mark 'KCDL'), one observation ``record`` and the frame
``to_frame`` builds from records, in OBS_COLUMNS order with the provenance columns, dropping
the cells not scored (missing or 0).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable

import pandas as pd

from parlib.clean import is_missing, parse_number
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.provinces import PROVINCES_63, normalize
from parlib.sources import OBS_COLUMNS, PROVENANCE_COLUMNS, with_provenance
from parlib.sources.papi_codebook import GEO, INDEX, method_era, unit


def nfc(text: object) -> str:
    return unicodedata.normalize("NFC", "" if text is None else str(text)).strip()


def province_from_code(code: object, file: object, row: object) -> str:
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


def province_from_name(name: object, file: object, row: object) -> str:
    try:
        return normalize(nfc(name), GEO)
    except UnknownProvinceError as exc:
        raise UnknownProvinceError(f"{file}, row {row}: {exc}") from None


def check_name(pid: str, name: object, file: object, row: object) -> None:
    """Cross-check a code against the name printed beside it (catches shifted columns)."""
    if is_missing(name):
        return
    other = province_from_name(name, file, row)
    if other != pid:
        raise SourceFormatError(
            file, f"province code {pid} printed beside the name {name!r} ({other})", row=row
        )


def to_frame(records: Iterable[dict[str, object]]) -> pd.DataFrame:
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


def record(
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


NO_DATA = frozenset({"kcdl"})
"""'KCDL' (không có dữ liệu, no data): the UNDP 2018 sheet's mark for cells not scored."""


def cell_number(value: object, file: object, row: object, what: str) -> float:
    """parse_number, plus the UNDP no-data mark; a non-number raises SourceFormatError."""
    if isinstance(value, str) and value.strip().lower() in NO_DATA:
        return math.nan
    try:
        return parse_number(value)
    except ValueError as exc:
        raise SourceFormatError(file, f"{what}: {exc}", row=row) from None
