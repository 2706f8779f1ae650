"""Parsing of the numbers found in the raw files: decimal commas, percents, ranks, missing codes.

All parsers return ``NaN`` (never 0) for a missing value: blanks, '-', 'n/a', '..'.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import pandas as pd

from parlib.errors import SourceFormatError

MISSING_CODES = frozenset({"", "-", "–", "—", "na", "n/a", "n.a.", "nan", "none", "null", "..", "...", "x"})

_RANK_RE = re.compile(r"^\s*(\d+)\s*(?:/|of|trên|\|)\s*(\d+)\s*$", re.IGNORECASE)


def is_missing(value: object) -> bool:
    """True for None, NaN and the textual missing codes."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING_CODES


def parse_number(value: object) -> float:
    """Parse '43,85', '43.85', '89.18%', '1.234,5', '1,234.5', ' 7 ' to float; missing -> NaN.

    A single comma with no dot is a decimal comma (Vietnamese style). Raises ValueError on
    text that is not a number.
    """
    if is_missing(value):
        return math.nan
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text.endswith("%"):
        text = text[:-1]
    if "," in text and "." in text:
        # the later separator is the decimal one
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def parse_percent(value: object) -> float:
    """Parse a percentage on the 0-100 scale ('89.18%', '89,18', 89.18) -> 89.18."""
    return parse_number(value)


def parse_rank(value: object) -> tuple[float, float]:
    """Parse '13/61' or '13 of 61' -> (13.0, 61.0); a bare '13' -> (13.0, NaN); missing -> (NaN, NaN)."""
    if is_missing(value):
        return math.nan, math.nan
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), math.nan
    match = _RANK_RE.match(str(value))
    if match:
        return float(match.group(1)), float(match.group(2))
    return parse_number(value), math.nan


def to_numeric(series: pd.Series, file: object = "<input>") -> pd.Series:
    """Apply parse_number to a column; a non-number raises SourceFormatError naming file and row."""
    out = []
    for row, value in series.items():
        try:
            out.append(parse_number(value))
        except ValueError as exc:
            raise SourceFormatError(file, f"column {series.name!r}: {exc}", row=row) from None
    return pd.Series(out, index=series.index, name=series.name, dtype="float64")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], file: object) -> None:
    """Raise SourceFormatError naming the file and the first missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            file, f"missing column(s) {', '.join(map(repr, missing))}; found {list(frame.columns)}"
        )
