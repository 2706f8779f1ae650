"""Parsing of the numbers found in the raw files: decimal commas, percents, ranks, missing codes.

All parsers return ``NaN`` (never 0) for a missing value: blanks, '-', 'n/a', '..'.

Two families:

- ``parse_number`` / ``parse_percent`` / ``parse_rank`` / ``to_numeric``: the raw upstream readers
  (``parlib.sources.papi``, ``pci``, ``gso``, ``published``, ``budget``). Their rule (a single comma
  is a decimal comma) fits those files and is kept as it is.
- ``parse_quantity(value, NumberRule, decimal=None)``: researcher-supplied tables
  (``parlib.sources.tables``), where the same text can mean two numbers. It reads a number in its
  unit: a spreadsheet ``NumberCell`` by its format (a percent format is the percent shown),
  thousands separators only in groups of three, a reading the unit rules out dropped (81450 is not
  a percent, a count has no decimals), and a text that still fits two readings (``57,788`` million
  VND) refused with how to write it, unless the file's decimal point is declared. The rule per unit
  is documented in ``parlib.sources.table_units`` ("Reading numbers").
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from parlib.errors import SourceFormatError

MISSING_CODES = frozenset({"", "-", "–", "—", "na", "n/a", "n.a.", "nan", "none", "null", "..", "...", "x"})

RANK_RE = re.compile(r"^\s*(\d+)\s*(?:/|of|trên|\|)\s*(\d+)\s*$", re.IGNORECASE)
"""A rank out of a total: '13/61', '13 of 61', '13 trên 61'."""


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
    match = RANK_RE.match(str(value))
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


# ----------------------------------------------------------------------------- researcher tables
#
# The raw readers above keep parse_number (its reading of '57,788' as 57.788 is right for the
# upstream files it was written for). Researcher-supplied tables are read with parse_quantity,
# which knows the unit of the number and refuses what it cannot read for certain.

_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_DIGITS = re.compile(r"\d*(?:[., ]\d+)*")
_EXPONENT = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d+")
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')
PERCENT_READINGS = ("same", "fraction", "refuse")


@dataclass(frozen=True)
class NumberCell:
    """A number cell of a spreadsheet: its stored value and whether its format shows a percent.

    Excel stores 81.45% as 0.8145 with a format such as ``0.00%``; ``percent`` is True then.
    """

    value: float
    percent: bool = False

    def shown(self) -> str:
        """The number as the sheet shows it, without digit formatting: '81.45%' or '57788'."""
        if self.percent:
            return f"{_plain(_decimal(self.value) * 100)}%"
        return _plain(_decimal(self.value))


@dataclass(frozen=True)
class NumberRule:
    """How the numbers of one unit are read (``parse_quantity``).

    ``low``/``high``: the unit's bounds, used only to discard a reading the unit cannot have
    (the caller still checks the range and reports it). ``whole``: a count, never written with
    decimals. ``percent``: what a percentage (a trailing ``%``, or a percent-formatted cell) is in
    this unit: ``same`` (81.45% -> 81.45, for units on the 0-100 percent scale), ``fraction``
    (81.45% -> 0.8145, for a share) or ``refuse`` (every other unit: a count, an amount, points,
    an index or a rank is not a percentage).
    """

    unit: str
    low: float = -math.inf
    high: float = math.inf
    whole: bool = False
    percent: str = "refuse"

    def __post_init__(self) -> None:
        if self.percent not in PERCENT_READINGS:
            raise ValueError(f"percent must be one of {PERCENT_READINGS}, got {self.percent!r}")


class AmbiguousNumberError(ValueError):
    """A number written so that two readings fit its unit ('57,788' million VND)."""


@dataclass(frozen=True)
class _Reading:
    value: Decimal
    kind: str  # 'plain', 'thousands' or 'decimal'
    sep: str | None = None  # the separator this reading interprets: thousands or decimal
    decimal: str | None = None  # the decimal point this reading implies ('.', ',' or None)


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _plain(value: Decimal) -> str:
    """57788 -> '57788', 81.4500 -> '81.45' (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def is_percent_format(number_format: object) -> bool:
    """True if an Excel number format multiplies by 100 (an unquoted, unescaped ``%``).

    ``0.00%`` and ``#,##0.0 %`` are percent formats; ``0.00"%"`` and ``0.00\\%`` only print a
    percent sign after the number, as do ``General`` and ``@`` (no sign at all).
    """
    if not isinstance(number_format, str):
        return False
    return "%" in _QUOTED.sub("", number_format)


def _grouped(groups: list[str]) -> bool:
    """Digit groups of a number with thousands separators: 1-3 digits (no leading 0), then threes."""
    first, rest = groups[0], groups[1:]
    return 1 <= len(first) <= 3 and not first.startswith("0") and all(len(g) == 3 for g in rest)


def _readings(body: str) -> list[_Reading]:
    """Every reading of unsigned digits with separators ('.', ',', ' ' = any space)."""
    if _EXPONENT.fullmatch(body):
        return [_Reading(Decimal(body), "plain")]
    if not body or not _DIGITS.fullmatch(body) or body.startswith(" "):
        return []
    groups = re.split(r"[., ]", body)
    seps = re.findall(r"[., ]", body)
    if not seps:
        return [_Reading(Decimal(body), "plain")]
    out = []
    if len(set(seps)) == 1 and _grouped(groups):  # every separator groups thousands
        implied = {".": ",", ",": "."}.get(seps[0])  # a dot for thousands makes the comma decimal
        out.append(_Reading(Decimal("".join(groups)), "thousands", seps[0], implied))
    point, before = seps[-1], seps[:-1]
    if point in ".," and point not in before and len(set(before)) <= 1:
        whole = groups[:-1]
        if not before or _grouped(whole):
            out.append(_Reading(Decimal(f"{''.join(whole) or '0'}.{groups[-1]}"), "decimal", point, point))
    return out


def _describe(reading: _Reading) -> str:
    role = "separating thousands" if reading.kind == "thousands" else "as the decimal point"
    return f"{_plain(reading.value)} ({reading.sep!r} {role})"


def parse_quantity(value: object, rule: NumberRule, decimal: str | None = None) -> float:
    """A number of a researcher table read in its unit (``rule``); missing -> NaN.

    - A number (int, float, a ``NumberCell`` of a spreadsheet) is taken as it is, except that a
      percent-formatted cell is the percentage it shows (0.8145 shown as 81.45% is 81.45 on the
      percent scale, 0.8145 as a share, and refused in any other unit).
    - Text: an optional sign, digits with separators, an optional trailing ``%`` (read as for a
      percent-formatted cell). Spaces only separate thousands. A separator is either a thousands
      separator, grouping digits in threes (``1.234.567``, ``1,234,567``, ``57 788``), or the one
      decimal point after them (``1.234.567,5``, ``1,234.5``, ``81,45``). A text may allow both
      readings only when it has one separator followed by exactly three digits (``57,788``,
      ``1.850``). Then a reading outside the rule's bounds is dropped (``81,450`` percent is
      81.45: 81450 is not a percent); a whole-number unit keeps the thousands reading (``1.850``
      persons is 1850: a count has no decimals); if both readings remain (amounts, days, percent
      changes), the text is refused with ``AmbiguousNumberError``, saying how to write it.
    - ``decimal`` ('.' or ',') declares the decimal separator of the whole file: every text is
      then read with it (the other character can only separate thousands), and a text that does
      not follow it is refused.

    Raises ValueError (one line, without the file or row: the caller adds them) on text that is
    not a number, a percentage in a unit that is not one, or an ambiguous text. The bounds are
    NOT checked here beyond dropping a reading; the caller checks the range and wholeness.
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.', ',' or None, got {decimal!r}")
    if isinstance(value, NumberCell):
        if not value.percent:
            return float(value.value)
        shown = f"the cell shows {value.shown()} (a percent format)"
        return _percent(_decimal(value.value) * 100, rule, shown)
    if is_missing(value):
        return math.nan
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (dt.date, dt.time)):
        raise ValueError(f"not a number: a date cell ({value.isoformat()}): format the cell as a number")
    if not isinstance(value, str):
        raise ValueError(f"not a number: {value!r} (a {type(value).__name__} cell)")
    text = value.strip()
    body = _SPACES.sub(" ", text.replace("\u2212", "-"))
    percent = body.endswith("%")
    if percent:
        body = body[:-1].rstrip()
    sign = Decimal(1)
    if body[:1] in ("-", "+"):
        sign, body = (Decimal(-1) if body[0] == "-" else Decimal(1)), body[1:]
    readings = _readings(body)
    if not readings:
        hint = ""
        if re.fullmatch(r"[\d., ]+", body):
            hint = " (thousands separators group the digits in threes, e.g. 1.234.567,5 or 1,234,567.5)"
        raise ValueError(f"not a number: {value!r}{hint}")
    if decimal is not None:
        readings = [r for r in readings if r.decimal in (None, decimal)]
        if not readings:
            other = "," if decimal == "." else "."
            raise ValueError(
                f"{text!r} does not follow decimal={decimal!r}: {decimal!r} is the decimal point and "
                f"{other!r} may only separate thousands, in groups of three"
            )
    readings = [_Reading(sign * r.value, r.kind, r.sep, r.decimal) for r in readings]
    if percent:
        return _percent_text(readings, rule, text)
    return _choose(readings, rule, text)


def _percent(shown: Decimal, rule: NumberRule, what: str) -> float:
    if rule.percent == "same":
        return float(shown)
    if rule.percent == "fraction":
        return float(shown / 100)
    raise ValueError(
        f"{what}, but {rule.unit!r} is not a percentage: write the number itself (no '%', no percent format)"
    )


def _percent_text(readings: list[_Reading], rule: NumberRule, text: str) -> float:
    if rule.percent == "refuse":
        return _percent(Decimal(0), rule, f"{text!r} is a percentage")
    scale = Decimal(1) if rule.percent == "same" else Decimal("0.01")
    return _choose([_Reading(r.value * scale, r.kind, r.sep, r.decimal) for r in readings], rule, text)


def _choose(readings: list[_Reading], rule: NumberRule, text: str) -> float:
    if len(readings) > 1:
        inside = [r for r in readings if rule.low <= r.value <= rule.high]
        readings = inside or readings
    if len(readings) > 1 and rule.whole:
        readings = [r for r in readings if r.kind == "thousands"]
    if len(readings) == 1:
        return float(readings[0].value)
    thousands = next(r for r in readings if r.kind == "thousands")
    point = next(r for r in readings if r.kind == "decimal")
    percent = "%" if text.endswith("%") else ""
    stem = text[: -len(percent) or None].rstrip()
    bare = re.sub(r"[.,\s\u00a0\u2009\u202f]", "", stem)
    raise AmbiguousNumberError(
        f"{text!r} ({rule.unit}) is ambiguous: {_describe(thousands)} or {_describe(point)}? "
        f"Write {bare}{percent} (or {stem}{thousands.decimal}0{percent}) for the first, {stem}0{percent} "
        f"for the second, or pass decimal={thousands.decimal!r} (the first) or decimal={point.decimal!r} "
        "(the second) to read every number of the file that way"
    )
