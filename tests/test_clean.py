"""Number, percent and rank parsing: missing is NaN, never 0."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from parlib import clean
from parlib.errors import SourceFormatError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("43,85", 43.85),
        ("43.85", 43.85),
        ("89.18%", 89.18),
        ("89,18 %", 89.18),
        (" 7 ", 7.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("1,234,567", 1234567.0),
        (42, 42.0),
        (0.5, 0.5),
        ("0", 0.0),
        ("-3,5", -3.5),
        ("\u00a012,5", 12.5),
    ],
)
def test_parse_number(text, expected):
    assert clean.parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "  ", "-", "–", "n/a", "NA", None, float("nan"), "..", pd.NA])
def test_missing_is_nan_not_zero(text):
    assert math.isnan(clean.parse_number(text))


@pytest.mark.parametrize("text", ["abc", "12a", "1/2/3", True])
def test_parse_number_rejects_text(text):
    with pytest.raises(ValueError, match="not a number"):
        clean.parse_number(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13/61", (13, 61)),
        ("13 / 63", (13, 63)),
        ("54 of 63", (54, 63)),
        ("5", (5, math.nan)),
        (7, (7, math.nan)),
    ],
)
def test_parse_rank(text, expected):
    rank, of = clean.parse_rank(text)
    assert rank == expected[0]
    assert (math.isnan(of) and math.isnan(expected[1])) or of == expected[1]


def test_parse_rank_missing():
    assert all(math.isnan(v) for v in clean.parse_rank("-"))


def test_to_numeric_names_file_and_row():
    s = pd.Series(["1,5", "", "x7"], index=[10, 11, 12], name="value")
    with pytest.raises(SourceFormatError, match=r"f\.csv, row 12: column 'value': not a number: 'x7'"):
        clean.to_numeric(s, "f.csv")
    assert clean.to_numeric(s.iloc[:2], "f.csv").isna().tolist() == [False, True]


def test_require_columns():
    with pytest.raises(SourceFormatError, match=r"f\.csv: missing column\(s\) 'b'"):
        clean.require_columns(pd.DataFrame(columns=["a"]), ["a", "b"], "f.csv")
