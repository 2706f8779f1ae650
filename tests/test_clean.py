"""Number, percent and rank parsing: missing is NaN, never 0."""

from __future__ import annotations

import datetime as dt
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


# --------------------------------------------------------------------------- numbers by unit (tables)

AMOUNT = clean.NumberRule("million VND", 0.0, 1e10)
PERSONS = clean.NumberRule("persons", 0.0, math.inf, whole=True)
PERCENT = clean.NumberRule("percent", 0.0, 100.0, percent="same")
SHARE = clean.NumberRule("share", 0.0, 1.0, percent="fraction")
CHANGE = clean.NumberRule("percent change", -100.0, math.inf, percent="same")
POINTS = clean.NumberRule("points (0-100)", 0.0, 100.0)


def test_raw_readers_keep_parse_number_and_tables_read_by_unit():
    # the upstream readers' parse_number is unchanged: a single comma is a decimal comma ...
    assert clean.parse_number("57,788") == pytest.approx(57.788)
    assert clean.parse_number("1.850") == pytest.approx(1.85)
    # ... while a researcher table reads the same text in its unit, or refuses it
    assert clean.parse_quantity("1.850", PERSONS) == 1850.0
    assert clean.parse_quantity("57,788", PERCENT) == pytest.approx(57.788)
    with pytest.raises(clean.AmbiguousNumberError):
        clean.parse_quantity("57,788", AMOUNT)


@pytest.mark.parametrize(
    "text, rule, expected",
    [
        ("57788", AMOUNT, 57788.0),
        ("1,234,567", AMOUNT, 1234567.0),
        ("1.234.567", AMOUNT, 1234567.0),
        ("1.234.567,5", AMOUNT, 1234567.5),
        ("1,234,567.5", AMOUNT, 1234567.5),
        ("1.234,567", AMOUNT, 1234.567),  # both separators: the later one is the decimal point
        ("57 788", AMOUNT, 57788.0),  # a space only groups thousands
        ("57\u00a0788,25", AMOUNT, 57788.25),
        ("57,7880", AMOUNT, 57.788),  # four decimals: no thousands group
        ("57,78", AMOUNT, 57.78),
        ("0,788", AMOUNT, 0.788),  # a group never starts with 0
        (",5", AMOUNT, 0.5),
        ("1.850", PERSONS, 1850.0),  # a count has no decimals
        ("1,850", PERSONS, 1850.0),
        ("1.000", PERSONS, 1000.0),
        ("1,5", PERSONS, 1.5),  # read, then refused by the caller as not whole
        ("81,45", PERCENT, 81.45),
        ("81,450", PERCENT, 81.45),  # 81450 is not a percent
        ("100,000", PERCENT, 100.0),
        ("81,45%", PERCENT, 81.45),
        ("81,45 %", SHARE, 0.8145),  # a percentage written in a share: the fraction
        ("0,62", SHARE, 0.62),
        ("-12,500", CHANGE, -12.5),  # -12500 % is below -100
        ("\u221212,5%", CHANGE, -12.5),  # a typographic minus
        ("+3", CHANGE, 3.0),
        ("26,45", POINTS, 26.45),
        ("1e-05", AMOUNT, 1e-05),
        (7, PERSONS, 7.0),
        (57.788, AMOUNT, 57.788),  # a number is a number
    ],
)
def test_parse_quantity(text, rule, expected):
    assert clean.parse_quantity(text, rule) == pytest.approx(expected, rel=1e-15, abs=0)


@pytest.mark.parametrize("text", ["", " ", "-", "n/a", None, float("nan")])
def test_parse_quantity_missing_is_nan(text):
    assert math.isnan(clean.parse_quantity(text, AMOUNT))


def test_number_cells_are_read_by_their_format():
    cell = clean.NumberCell(0.8145, percent=True)  # Excel shows 81.45%
    assert cell.shown() == "81.45%"
    assert clean.parse_quantity(cell, PERCENT) == 81.45  # exactly, not 81.45000000000002
    assert clean.parse_quantity(cell, CHANGE) == 81.45
    assert clean.parse_quantity(cell, SHARE) == 0.8145
    for rule in (AMOUNT, PERSONS, POINTS):
        with pytest.raises(ValueError, match=r"the cell shows 81\.45% \(a percent format\)"):
            clean.parse_quantity(cell, rule)
    # a plain number cell is never ambiguous: 57.788 stays 57.788 in an amount
    assert clean.parse_quantity(clean.NumberCell(57.788), AMOUNT) == 57.788
    assert clean.parse_quantity(clean.NumberCell(57788), AMOUNT) == 57788.0


@pytest.mark.parametrize(
    "fmt, percent",
    [("0.00%", True), ("0%", True), ("#,##0.0 %", True), ("[Red]0.0%;-0.0%", True), ('0.00"%"', False),
     ("0.00\\%", False), ("General", False), ("#,##0", False), (None, False)],
)  # fmt: skip
def test_is_percent_format(fmt, percent):
    assert clean.is_percent_format(fmt) is percent


def test_ambiguous_amount_is_refused_with_how_to_write_it():
    with pytest.raises(clean.AmbiguousNumberError) as exc:
        clean.parse_quantity("57,788", AMOUNT)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(
        "'57,788' (million VND) is ambiguous: 57788 (',' separating thousands) or 57.788"
    )
    assert "Write 57788 (or 57,788.0) for the first, 57,7880 for the second" in message
    assert "decimal='.' (the first) or decimal=',' (the second)" in message
    with pytest.raises(clean.AmbiguousNumberError, match=r"Write 57788 \(or 57\.788,0\)"):
        clean.parse_quantity("57.788", AMOUNT)
    with pytest.raises(clean.AmbiguousNumberError, match="12500"):
        clean.parse_quantity("12,500", CHANGE)  # +12500 % is a possible change


def test_declared_decimal_point():
    assert clean.parse_quantity("57,788", AMOUNT, decimal=",") == pytest.approx(57.788)
    assert clean.parse_quantity("57,788", AMOUNT, decimal=".") == 57788.0
    assert clean.parse_quantity("57.788", AMOUNT, decimal=",") == 57788.0
    assert clean.parse_quantity("1.234.567,5", AMOUNT, decimal=",") == 1234567.5
    assert clean.parse_quantity("57 788", AMOUNT, decimal=".") == 57788.0
    assert clean.parse_quantity("1,850", PERSONS, decimal=",") == pytest.approx(1.85)  # then not whole
    with pytest.raises(ValueError, match=r"'1,5' does not follow decimal='\.'"):
        clean.parse_quantity("1,5", AMOUNT, decimal=".")
    with pytest.raises(ValueError, match="decimal must be"):
        clean.parse_quantity("1", AMOUNT, decimal=";")


@pytest.mark.parametrize(
    "text, rule, words",
    [
        ("12%", PERSONS, "'12%' is a percentage, but 'persons' is not a percentage"),
        ("26,45%", POINTS, "'points (0-100)' is not a percentage"),
        ("1.2.3,4", AMOUNT, "not a number: '1.2.3,4' (thousands separators group the digits in threes"),
        ("12,34,567", AMOUNT, "not a number: '12,34,567'"),
        ("1 2", AMOUNT, "not a number: '1 2'"),
        ("5.", AMOUNT, "not a number: '5.'"),
        ("8l.45", PERCENT, "not a number: '8l.45'"),
        (True, PERCENT, "not a number: True"),
        (dt.datetime(2022, 1, 5), PERCENT, "not a number: a date cell (2022-01-05T00:00:00)"),
    ],
)
def test_parse_quantity_refuses(text, rule, words):
    with pytest.raises(ValueError) as exc:
        clean.parse_quantity(text, rule)
    assert words in str(exc.value)
