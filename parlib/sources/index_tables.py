"""PAR INDEX and SIPAS index tables (``read_index_table``), researcher tables of the kind
described in ``parlib.sources.tables``: one row per province and year, columns
``province, year, total`` and, optionally, ``rank`` and (PAR INDEX only) the parts
``appraisal, survey`` and the 8 fields ``FIELDS``.

Rules on index tables (bounds in ``parlib.sources.table_units.UNITS``, maxima in ``PART_MAXIMA``):

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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from parlib.clean import RANK_RE, parse_quantity
from parlib.errors import ValidationError
from parlib.provinces import provinces
from parlib.sources import OBS_COLUMNS
from parlib.sources.published import RANK_UNITS, method_era
from parlib.sources.sheets import _cell_text, _load_sheet
from parlib.sources.table_columns import (
    FIRST_YEAR,
    _check_columns,
    _duplicates,
    _map_column,
    _OutOfRange,
    _place,
    _province_ids,
    _quantities,
    _require_rows,
    _years,
)
from parlib.sources.table_units import NUMBER_RULES

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

MAX_POINTS = 100.0
"""Maximum points of the PAR INDEX (100 in the 2022 scheme, confirmed; assumed for earlier years)."""
PART_MAXIMA: dict[str, dict[str, float]] = {"2022-": {"appraisal": 68.0, "survey": 32.0}}
"""PAR INDEX method era -> maximum points of each part; other eras: 0-100 only (unconfirmed)."""
PART_TOLERANCE = 0.011
FIELD_TOLERANCE = 0.05


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
