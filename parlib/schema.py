"""Validation schemas (pandera) for the observations and the panel.

A failure raises parlib.errors.ValidationError with one line naming the file the bad value
came from, its row (index, component, province, year) and the rule it broke.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping

import pandas as pd
import pandera.pandas as pa

from parlib import provinces
from parlib.errors import ValidationError
from parlib.sources import OBS_COLUMNS

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


def observations_schema(units: Mapping[str, tuple[float, float]]) -> pa.DataFrameSchema:
    """Schema of the long observations table; ``units`` maps each allowed unit to its scale."""

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


def _describe_row(frame: pd.DataFrame, idx: object) -> str:
    row = frame.loc[idx]
    return (
        f"{row.get('source', '<unknown file>')}: {row.get('index')}/{row.get('component')} "
        f"province {row.get('province_id')} (geo {row.get('geo')}) year {row.get('year')}"
    )


def validate_observations(frame: pd.DataFrame, units: Mapping[str, tuple[float, float]]) -> pd.DataFrame:
    """Validate observations; raise ValidationError naming file, row and rule on the first failure."""
    missing = [c for c in OBS_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(f"observations: missing column(s) {missing}")
    dup = frame.duplicated(KEY, keep=False)
    if dup.any():
        clash = frame[dup].sort_values(KEY).head(2)
        files = " and ".join(sorted(set(clash["source"])))
        raise ValidationError(
            f"{files}: duplicate key {tuple(clash.iloc[0][KEY])} (rows {list(clash.index)}): rule unique_key"
        )
    try:
        observations_schema(units).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise ValidationError(_first_failure(frame, exc.failure_cases)) from None
    return frame


def _first_failure(frame: pd.DataFrame, cases: pd.DataFrame) -> str:
    cases = cases.sort_values("index", key=lambda s: pd.to_numeric(s, errors="coerce"), na_position="first")
    case = cases.iloc[0]
    idx, rule, column = case["index"], case["check"], case["column"]
    if idx is None or pd.isna(idx) or idx not in frame.index:
        return f"observations: rule {rule} failed ({column}: {case['failure_case']!r})"
    row = frame.loc[idx]
    detail = (
        f"value {row['value']!r} {row['unit']!r}"
        if "value" in str(rule)
        else f"{column}={case['failure_case']!r}"
    )
    return f"{_describe_row(frame, idx)} (row {idx}): rule {rule} failed ({detail})"


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
            f"{file}, row {case['index']}: rule {case['check']} failed "
            f"({case['column']}={case['failure_case']!r})"
        ) from None
    return frame
