"""Numbers as provincial reports print them, in English and Vietnamese.

English prints ``1,876`` people and ``43.85`` points; Vietnamese prints ``1.876 người`` and
``43,85 điểm``; both appear in either language (translated articles keep the source's marks).
A number is read by what it counts, not by the language alone:

- a count (people, procedures, services, units) has no decimals, so one separator followed by
  exactly three digits groups thousands (``1,876`` = ``1.876`` = 1876), and a count that reads
  only as a decimal (``2,5`` people) is not a count (None);
- a score or a percentage is at most 100 (or 1 for DTI), so ``43,85`` = ``43.85`` = 43.85, and
  ``81,450`` is 81.45 (81450 is not a percentage);
- when ``.`` and ``,`` both appear the later one is the decimal point (``1.234,5``, ``1,234.5``);
  a separator repeated is a thousands separator (``1.234.567``).

Nothing else is guessed: a token that fits neither reading is None and the figure is not read.
"""

from __future__ import annotations

import re

NUMBER = r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
"""A number as printed: digits with optional thousands groups and a decimal part."""
NUMBER_RE = re.compile(rf"(?<![\d.,/])(?:{NUMBER})(?![\d]|[.,]\d)")


def _readings(token: str) -> list[float]:
    """Every reading of ``token`` the printing conventions allow, thousands reading first."""
    dots, commas = token.count("."), token.count(",")
    if dots and commas:
        decimal = "." if token.rfind(".") > token.rfind(",") else ","
        group = "," if decimal == "." else "."
        whole, _, frac = token.rpartition(decimal)
        if decimal in whole:
            return []
        return [float(whole.replace(group, "") + "." + frac)]
    sep = "." if dots else "," if commas else ""
    if not sep:
        return [float(token)]
    parts = token.split(sep)
    if len(parts) > 2:  # 1.234.567: thousands only
        return [float("".join(parts))] if all(len(p) == 3 for p in parts[1:]) else []
    if len(parts[1]) == 3:  # 1,876 or 43,850: both readings
        return [float(parts[0] + parts[1]), float(parts[0] + "." + parts[1])]
    return [float(parts[0] + "." + parts[1])]


def read_count(token: str) -> int | None:
    """A whole count: '1,876' = '1.876' = 1876; None for a number with decimals."""
    for value in _readings(token):
        if value.is_integer():
            return int(value)
    return None


def read_value(token: str, high: float = 100.0) -> float | None:
    """A score or percentage in [0, high]: '43,85' = '43.85' = 43.85; '81,450' = 81.45; None if none fits."""
    fits = [v for v in _readings(token) if 0 <= v <= high]
    if not fits:
        return None
    # a thousands reading within bounds (e.g. '1,000' with high 10000) cannot happen for scores <= 100
    return fits[-1] if len(fits) > 1 else fits[0]


def format_value(value: float | None) -> str:
    """A value as the fact table writes it: dot decimal, no thousands separator, no trailing zeros."""
    if value is None:
        return ""
    return f"{value:.6f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))
