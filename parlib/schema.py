"""Validation schemas (pandera) for the observations and the panel.

A failure raises parlib.errors.ValidationError with one line naming the file the bad value
came from and its row there (the optional ``source_row`` / ``source_sheet`` columns of the
readers, see ``parlib.sources``), the observation (index, component, province, year) and the
rule it broke, with plain numbers:
``data/raw/ml-mcdm/data/csv/2024.csv, row 17: PAPI/total province 16 (geo 63) year 2024: value
95.2 outside 'points (8-80)' 8..80 (rule value_within_scale_of_unit)``.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from parlib import provinces
from parlib.errors import ValidationError
from parlib.sources import OBS_COLUMNS, shown_path

FIRST_YEAR = 2003
LAST_YEAR = _dt.date.today().year
PANEL_YEARS = (2005, 2024)
KEY = ["index", "component", "province_id", "geo", "year"]

_KNOWN = {geo: set(provinces.provinces(geo).index) for geo in provinces.GEOS}


def _province_known(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [pid in _KNOWN.get(geo, ()) for pid, geo in zip(frame["province_id"], frame["geo"], strict=True)],
        index=frame.index,
    )


def _ha_tay_only_before_merger(frame: pd.DataFrame) -> pd.Series:
    return ~((frame["geo"] == "63") & (frame["province_id"] == provinces.HA_TAY) & (frame["year"] > 2008))


def _row_numbers(series: pd.Series) -> pd.Series:
    number = pd.to_numeric(series, errors="coerce")
    return series.isna() | ((number >= 1) & (number == number.round()))


def observations_schema(units: Mapping[str, tuple[float, float]]) -> pa.DataFrameSchema:
    """Schema of the long observations table; ``units`` maps each allowed unit to its scale.

    ``source_row`` and ``source_sheet`` (``parlib.sources.PROVENANCE_COLUMNS``) are optional.
    """

    def unit_known(frame: pd.DataFrame) -> pd.Series:
        return frame["unit"].isin(list(units))

    def value_in_scale(frame: pd.DataFrame) -> pd.Series:
        lo = frame["unit"].map(lambda u: units.get(u, (float("nan"),) * 2)[0])
        hi = frame["unit"].map(lambda u: units.get(u, (float("nan"),) * 2)[1])
        return (frame["value"] >= lo) & (frame["value"] <= hi)

    return pa.DataFrameSchema(
        {
            "index": pa.Column(str, pa.Check.str_matches(r"^[A-Z][A-Z0-9_]*$"), nullable=False),
            "component": pa.Column(str, pa.Check.str_matches(r"^[a-z0-9_]+$"), nullable=False),
            "province_id": pa.Column(str, pa.Check.str_matches(r"^\d{2}$"), nullable=False),
            "geo": pa.Column(str, pa.Check.isin(list(provinces.GEOS)), nullable=False),
            "year": pa.Column(int, pa.Check.in_range(FIRST_YEAR, LAST_YEAR), nullable=False),
            "value": pa.Column(float, pa.Check(lambda s: s.notna(), name="not_missing"), nullable=True),
            "unit": pa.Column(str, nullable=False),
            "source": pa.Column(str, nullable=False),
            "method_era": pa.Column(str, nullable=True),
            "source_row": pa.Column(
                None, pa.Check(_row_numbers, name="row_number"), nullable=True, required=False
            ),
            "source_sheet": pa.Column(None, nullable=True, required=False),
        },
        checks=[
            pa.Check(_province_known, name="province_known_in_geo"),
            pa.Check(_ha_tay_only_before_merger, name="ha_tay_only_until_2008"),
            pa.Check(unit_known, name="unit_known"),
            pa.Check(value_in_scale, name="value_within_scale_of_unit"),
        ],
        unique=KEY,
        strict=True,
        ordered=False,
        coerce=False,
    )


def _plain(value: object) -> str:
    """A cell value as a user reads it: 95.2, 2024, 'points (8-80)' (never np.float64(...))."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.12g}"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _file(source: object, raw: Path | None) -> str:
    """The file a value came from, under ``raw`` when given (relative to the project root if inside)."""
    if raw is None or source is None or (isinstance(source, float) and math.isnan(source)):
        return str(source) if source is not None else "<unknown file>"
    return shown_path(Path(raw) / str(source))


def _where(row: pd.Series, raw: Path | None) -> str:
    """'file', 'file [sheet S]' and ', row N' when the reader recorded them."""
    text = _file(row.get("source"), raw)
    sheet = row.get("source_sheet")
    if sheet is not None and not pd.isna(sheet):
        text += f" [sheet {sheet}]"
    line = row.get("source_row")
    if line is not None and not pd.isna(line):
        text += f", row {_plain(line)}"
    return text


def _describe_row(row: pd.Series) -> str:
    return (
        f"{row.get('index')}/{row.get('component')} province {row.get('province_id')} "
        f"(geo {row.get('geo')}) year {_plain(row.get('year'))}"
    )


def validate_observations(
    frame: pd.DataFrame, units: Mapping[str, tuple[float, float]], raw: Path | None = None
) -> pd.DataFrame:
    """Validate observations; raise ValidationError naming file, row and rule on the first failure.

    ``frame`` has ``OBS_COLUMNS`` and optionally ``source_row`` / ``source_sheet``: with them the
    message names the row of the raw file (without them, the file only). ``raw`` (the raw data
    folder) makes the message name the file by its path instead of its registry name.
    """
    missing = [c for c in OBS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(f"observations: missing column(s) {missing}")
    dup = frame.duplicated(KEY, keep=False)
    if dup.any():
        raise ValidationError(_duplicate(frame[dup], raw))
    try:
        observations_schema(units).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise ValidationError(_first_failure(frame, exc.failure_cases, units, raw)) from None
    return frame


def _duplicate(dups: pd.DataFrame, raw: Path | None) -> str:
    """'a.csv, row 5 and b.csv, row 7: duplicate key ...' for the first key given twice."""
    first, second = (row for _, row in dups.sort_values(KEY, kind="stable").head(2).iterrows())
    a, b = _where(first, raw), _where(second, raw)
    same = [first.get(c) for c in ("source", "source_sheet")] == [
        second.get(c) for c in ("source", "source_sheet")
    ]
    if same and ", row " in a and ", row " in b:
        where = f"{a.replace(', row ', ', rows ')} and {_plain(second.get('source_row'))}"
    elif a == b:
        where = f"{a} (twice)"
    else:
        where = f"{a} and {b}"
    return f"{where}: duplicate key {_describe_row(first)} (rule unique_key)"


def _first_failure(
    frame: pd.DataFrame, cases: pd.DataFrame, units: Mapping[str, tuple[float, float]], raw: Path | None
) -> str:
    """The failure on the first row of ``frame`` (reader order), in words."""
    cases = cases.assign(_at=pd.to_numeric(cases["index"], errors="coerce"))
    cases = cases.sort_values("_at", na_position="first", kind="stable")
    case = cases.iloc[0]
    idx, rule, column = case["index"], case["check"], case["column"]
    if rule == "column_in_schema":
        return f"observations: unexpected column {_plain(case['failure_case'])} (rule {rule})"
    if idx is None or pd.isna(idx) or idx not in frame.index:
        return f"observations: rule {rule} failed ({column}: {_plain(case['failure_case'])})"
    row = frame.loc[idx]
    if rule in ("not_missing", "value_within_scale_of_unit") and pd.isna(row["value"]):
        detail = "value is missing"
    elif rule == "value_within_scale_of_unit":
        low, high = units[row["unit"]]
        detail = f"value {_plain(row['value'])} outside {row['unit']!r} {_plain(low)}..{_plain(high)}"
    elif rule == "unit_known":
        detail = f"unit {_plain(row['unit'])} is not one of {sorted(units)}"
    elif rule == "province_known_in_geo":
        detail = f"province {row['province_id']} is not a province of geo {row['geo']}"
    elif rule == "ha_tay_only_until_2008":
        detail = f"Hà Tây ({provinces.HA_TAY}) merged into Hà Nội in 2008"
    elif column in frame.columns:
        detail = f"{column} {_plain(row[column])} breaks the rule"
    else:
        detail = f"{column} {_plain(case['failure_case'])} breaks the rule"
    return f"{_where(row, raw)}: {_describe_row(row)}: {detail} (rule {rule})"


def panel_schema(value_columns: list[str]) -> pa.DataFrameSchema:
    """Schema of the wide panel: one row per (province_id, year), numeric value columns."""
    columns = {
        "province_id": pa.Column(str, pa.Check.isin(sorted(_KNOWN["63"])), nullable=False),
        "year": pa.Column(int, pa.Check.in_range(*PANEL_YEARS), nullable=False),
    }
    columns.update({c: pa.Column(float, nullable=True) for c in value_columns})
    return pa.DataFrameSchema(columns, unique=["province_id", "year"], strict=False)


def validate_panel(frame: pd.DataFrame, value_columns: list[str], file: object = "panel") -> pd.DataFrame:
    """Validate the panel; raise ValidationError naming file, row and rule."""
    try:
        panel_schema(value_columns).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        case = exc.failure_cases.iloc[0]
        raise ValidationError(
            f"{file}, row {_plain(case['index'])}: rule {case['check']} failed "
            f"({case['column']}={_plain(case['failure_case'])})"
        ) from None
    return frame
