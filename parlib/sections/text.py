"""Wording helpers shared by the report sections: numbers, ranks, lists and p-values as words."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)






def _in_source(facts: dict) -> str:
    """Return ' in parlib's source' when the province's rank among PAPI's N is not its rank there."""
    rank = _num(facts.get("rank"))
    bounds = (_num(facts.get("published_rank_min")), _num(facts.get("published_rank_max")))
    return "" if all(not math.isfinite(b) or b == rank for b in bounds) else " in parlib's source"


def _ordinal(n: int) -> str:
    """'' for 1 ('the highest'), '2nd-' ... for the others ('the 2nd-highest')."""
    if n == 1:
        return ""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}-"


def _and(items: Iterable[object]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    words = [str(i) for i in items]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _p(p: float) -> str:
    if not math.isfinite(p):
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
