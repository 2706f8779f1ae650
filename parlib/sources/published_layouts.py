"""The three file layouts of the published record (data/raw/published/), read into record rows.

``parlib.sources.published`` lists the files, builds the record and turns it into observations;
this module only reads one CSV (``read_file``) by its header: the *point* layout (``index, year,
province, ..., value, unit, rank, rank_of, [extra], source_url, note``), the *DTI table* of 2022
and the *PCI pages*. Each row keeps the line of its file (``source_row``); a cell that cannot be
read, an unknown unit, column or layout, and province columns that disagree raise one error
naming the file and row (see ``parlib.sources.published`` for the rules).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from parlib.clean import is_missing, parse_number, parse_rank, require_columns
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.provinces import normalize
from parlib.sources import number_rows, reading

RECORD_UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),
    "index (0-1)": (0.0, 1.0),
    "points (0-100)": (0.0, 100.0),
    "points (0-10)": (0.0, 10.0),
    "points (8-80)": (8.0, 80.0),
    "units": (0.0, 1_000_000.0),
    "procedures (lower bound)": (0.0, 100_000.0),
    "percent of 2015 quota": (0.0, 100.0),
}
"""Every unit the published record may carry, with the inclusive bounds of its scale."""

UNIT_ALIASES = {"index 0-1": "index (0-1)", "points": "points (0-100)", "points (of 80)": "points (8-80)"}
"""Unit spellings in the files -> the units of ``parlib.sources.pci`` and ``parlib.sources.papi``."""

EXTRA_COLUMNS: dict[str, tuple[str, str | None, str | None]] = {
    "appraisal_score": ("appraisal", None, "points (0-100)"),
    "survey_score": ("survey", None, "points (0-100)"),
    "digital_gov": ("digital_government", "digital_gov_rank", None),
    "digital_econ": ("digital_economy", "digital_econ_rank", None),
    "digital_soc": ("digital_society", "digital_soc_rank", None),
}
"""Point-layout extra value column -> (component, its rank column, unit or None for the row's unit)."""

POINT_REQUIRED = ["index", "year", "province", "value", "unit", "rank", "rank_of", "source_url", "note"]
POINT_NAME_COLUMNS = ["province", "province_ascii", "province_vietnamcode"]

DTI_TABLE_COLUMNS: dict[str, str] = {
    "nhan_thuc_so_digital_awareness": "digital_awareness",
    "the_che_so_digital_institutions": "digital_institutions",
    "ha_tang_so_digital_infrastructure": "digital_infrastructure",
    "nhan_luc_so_digital_human_resources": "digital_human_resources",
    "an_toan_thong_tin_cybersecurity": "cybersecurity",
    "hoat_dong_chinh_quyen_so_digital_government_activity": "digital_government_activity",
    "hoat_dong_kinh_te_so_digital_economy_activity": "digital_economy_activity",
    "hoat_dong_xa_hoi_so_digital_society_activity": "digital_society_activity",
}
DTI_TABLE_REQUIRED = [
    "year",
    "dti_rank",
    "province_as_published",
    "province_vietnamcode",
    *DTI_TABLE_COLUMNS,
    "dti_score",
    "score_source_url",
    "rank_source_url",
]

PCI_SUBINDICES: dict[str, str] = {
    "pci_entry": "entry_costs",
    "pci_land": "land_access",
    "pci_transparency": "transparency",
    "pci_time": "time_costs",
    "pci_informal": "informal_charges",
    "pci_bias": "policy_bias",
    "pci_proactive": "proactivity",
    "pci_support": "business_support",
    "pci_labor": "labor_training",
    "pci_legal": "legal_institutions",
}
"""PCI pages column -> component, named as in ``parlib.sources.pci.COMPONENTS``."""
PCI_REQUIRED = [
    "year",
    "province_as_published",
    "province_vietnamcode",
    "pci_weighted",
    "pci_rank",
    *PCI_SUBINDICES,
    "source_url",
]


class Resolver:
    """Cached province normalisation that quotes the file and row on failure."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def __call__(self, names: dict[str, str], geo: str, file: str, row: int) -> str:
        ids: dict[str, str] = {}
        for column, name in names.items():
            key = (name, geo)
            if key not in self._cache:
                try:
                    self._cache[key] = normalize(name, geo=geo)
                except UnknownProvinceError as exc:
                    raise UnknownProvinceError(f"{file}, row {row}, column {column!r}: {exc}") from None
            ids[column] = self._cache[key]
        if len(set(ids.values())) != 1:
            detail = ", ".join(f"{c}={names[c]!r} -> {i}" for c, i in ids.items())
            raise SourceFormatError(file, f"province columns disagree: {detail}", row=row)
        return next(iter(ids.values()))


def _number(value: object, file: str, row: int, column: str) -> float:
    try:
        return parse_number(value)
    except ValueError as exc:
        raise SourceFormatError(file, f"column {column!r}: {exc}", row=row) from None


def _integer(value: object, file: str, row: int, column: str) -> float:
    number = _number(value, file, row, column)
    if not math.isnan(number) and number != int(number):
        raise SourceFormatError(file, f"column {column!r}: {value!r} is not a whole number", row=row)
    return number


def _rank(value: object, rank_of: object, file: str, row: int, column: str) -> tuple[float, float]:
    try:
        rank, of = parse_rank(value)
    except ValueError as exc:
        raise SourceFormatError(file, f"column {column!r}: {exc}", row=row) from None
    total = _integer(rank_of, file, row, "rank_of") if rank_of is not None else math.nan
    if not math.isnan(rank) and rank != int(rank):
        raise SourceFormatError(file, f"column {column!r}: {value!r} is not a whole rank", row=row)
    return rank, (total if not math.isnan(total) else of)


def _unit(value: object, file: str, row: int) -> str:
    unit = str(value).strip()
    unit = UNIT_ALIASES.get(unit, unit)
    if unit not in RECORD_UNITS:
        raise SourceFormatError(file, f"unit {value!r} is not one of {sorted(RECORD_UNITS)}", row=row)
    return unit


def _text(value: object) -> str:
    return "" if is_missing(value) else str(value).strip()


def _geo(frame: pd.DataFrame, name: str) -> pd.Series:
    default = "34" if "post_merger" in Path(name).name else "63"
    if "geo" in frame.columns:
        return frame["geo"].str.strip().replace("", default)
    return pd.Series(default, index=frame.index)


def _point_layout(frame: pd.DataFrame, name: str, resolve: Resolver) -> list[dict[str, object]]:
    require_columns(frame, POINT_REQUIRED, name)
    known = {*POINT_REQUIRED, *POINT_NAME_COLUMNS, "geo", *EXTRA_COLUMNS}
    known |= {rank for _, rank, _ in EXTRA_COLUMNS.values() if rank}
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        raise SourceFormatError(name, f"unknown column(s) {unknown}; known extras: {sorted(EXTRA_COLUMNS)}")
    name_columns = [c for c in POINT_NAME_COLUMNS if c in frame.columns]
    extras = [c for c in EXTRA_COLUMNS if c in frame.columns]
    geos = _geo(frame, name)
    out: list[dict[str, object]] = []
    for row, rec in frame.iterrows():
        geo, index, province = geos.loc[row], rec["index"], rec["province"]
        if not index or not province:
            raise SourceFormatError(name, "blank index or province", row=row)
        national = province.upper() == "NATIONAL"
        names = {c: rec[c] for c in name_columns if rec[c]}
        unit = _unit(rec["unit"], name, row)
        rank, rank_of = _rank(rec["rank"], rec["rank_of"], name, row, "rank")
        common = {
            "source": name,
            "source_row": row,
            "index": index,
            "year": _integer(rec["year"], name, row, "year"),
            "province_id": None if national else resolve(names, geo, name, row),
            "geo": geo,
            "is_national": national,
            "source_url": rec["source_url"],
            "note": rec["note"],
            "province": province,
        }
        value = _number(rec["value"], name, row, "value")
        out.append(
            {**common, "component": "total", "value": value, "unit": unit, "rank": rank, "rank_of": rank_of}
        )
        for column in extras:
            component, rank_column, extra_unit = EXTRA_COLUMNS[column]
            value = _number(rec[column], name, row, column)
            part_rank = math.nan
            if rank_column and rank_column in frame.columns:
                part_rank, _ = _rank(rec[rank_column], None, name, row, rank_column)
            if math.isnan(value) and math.isnan(part_rank):
                continue
            part = {"component": component, "value": value, "unit": extra_unit or unit, "rank": part_rank}
            out.append({**common, **part, "rank_of": math.nan if math.isnan(part_rank) else rank_of})
    return out


def _dti_table_layout(frame: pd.DataFrame, name: str, resolve: Resolver) -> list[dict[str, object]]:
    require_columns(frame, DTI_TABLE_REQUIRED, name)
    geos = _geo(frame, name)
    out: list[dict[str, object]] = []
    for row, rec in frame.iterrows():
        geo = geos.loc[row]
        names = {c: rec[c] for c in ("province_as_published", "province_vietnamcode") if rec[c]}
        score = _number(rec["dti_score"], name, row, "dti_score")
        score_url, rank_url = rec["score_source_url"], rec["rank_source_url"]
        url = score_url if not math.isnan(score) and score_url else rank_url
        common = {
            "source": name,
            "source_row": row,
            "index": "DTI",
            "year": _integer(rec["year"], name, row, "year"),
            "province_id": resolve(names, geo, name, row),
            "geo": geo,
            "is_national": False,
            "unit": "index (0-1)",
            "province": rec["province_as_published"],
        }
        rank, _ = _rank(rec["dti_rank"], None, name, row, "dti_rank")
        note = f"rank source: {rank_url}" if rank_url and rank_url != url else ""
        total = {"component": "total", "value": score, "rank": rank, "rank_of": float(geo)}
        out.append({**common, **total, "source_url": url, "note": note})
        for column, component in DTI_TABLE_COLUMNS.items():
            value = _number(rec[column], name, row, column)
            if not math.isnan(value):
                part = {"component": component, "value": value, "rank": math.nan, "rank_of": math.nan}
                out.append({**common, **part, "source_url": score_url, "note": ""})
    return out


def _pci_layout(frame: pd.DataFrame, name: str, resolve: Resolver) -> list[dict[str, object]]:
    require_columns(frame, PCI_REQUIRED, name)
    geos = _geo(frame, name)
    out: list[dict[str, object]] = []
    for row, rec in frame.iterrows():
        geo = geos.loc[row]
        names = {c: rec[c] for c in ("province_as_published", "province_vietnamcode") if rec[c]}
        common = {
            "source": name,
            "source_row": row,
            "index": "PCI",
            "year": _integer(rec["year"], name, row, "year"),
            "province_id": resolve(names, geo, name, row),
            "geo": geo,
            "is_national": False,
            "source_url": rec["source_url"],
            "note": "",
            "province": rec["province_as_published"],
        }
        rank, _ = _rank(rec["pci_rank"], None, name, row, "pci_rank")
        value = _number(rec["pci_weighted"], name, row, "pci_weighted")
        total = {"component": "total", "value": value, "unit": "points (0-100)", "rank": rank}
        out.append({**common, **total, "rank_of": float(geo)})
        for column, component in PCI_SUBINDICES.items():
            value = _number(rec[column], name, row, column)
            if not math.isnan(value):
                part = {"component": component, "value": value, "unit": "points (0-10)", "rank": math.nan}
                out.append({**common, **part, "rank_of": math.nan})
    return out


def read_file(path: Path, name: str, resolve: Resolver) -> list[dict[str, object]]:
    """One published CSV as record rows (cells stripped; a missing code such as '-' becomes '')."""
    with reading(path, committed=True):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.index = pd.Index(number_rows(frame, path), name="line")  # the header is line 1
    frame.columns = [str(c).replace("\ufeff", "").strip().lower() for c in frame.columns]
    frame = frame.apply(lambda col: col.map(_text))
    columns = set(frame.columns)
    if "index" in columns:
        return _point_layout(frame, name, resolve)
    if {"dti_rank", "dti_score"} <= columns:
        return _dti_table_layout(frame, name, resolve)
    if {"pci_weighted", "pci_rank"} <= columns:
        return _pci_layout(frame, name, resolve)
    raise SourceFormatError(
        name,
        f"unknown layout {list(frame.columns)}: expected the point layout {POINT_REQUIRED}, "
        "the DTI table (dti_rank, dti_score, ...) or the PCI pages (pci_weighted, pci_rank, ...)",
    )
