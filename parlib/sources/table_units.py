"""The units of researcher tables (``parlib.sources.tables``), their bounds, and how a number is
read in each (``NUMBER_RULES``). The index tables' units (``UNITS``) and the driver units
(``DRIVER_UNITS``) are both here because one rule table is built from them, and a unit string
means one scale in both.

Reading numbers (``parlib.clean.parse_quantity``, one ``NUMBER_RULES`` entry per unit). The
raw upstream readers keep ``parlib.clean.parse_number``; these rules are for researcher tables:

- A number cell of an XLSX is the number it holds, read by its number format: ``57.788`` stays
  57.788 whatever it shows. A percent-formatted cell (``0.00%``: Excel stores 81.45% as 0.8145)
  is the percent it shows: 81.45 in ``percent`` and ``percent change`` (so an index table's
  ``total``), 0.8145 in ``share`` (a share is a fraction, and 81.45% of the whole is 0.8145),
  and refused in every other unit (points, index (0-1), counts, amounts, days, ranks: a
  percentage there has no single meaning). A text cell of an XLSX is read like a CSV cell.
- Text: an optional sign, digits, separators, an optional trailing ``%`` (read as a
  percent-formatted cell). A space only separates thousands (``57 788``). Thousands separators
  group digits in threes (``1.234.567``, ``1,234,567``; ``12,34,567`` is refused); when both
  ``.`` and ``,`` appear, the later one is the decimal point (``1.234.567,5``, ``1,234.5``); a
  single separator followed by other than three digits is the decimal point (``81,45``,
  ``0,788``, ``57,7880``).
- One separator followed by exactly three digits (``57,788``, ``1.850``) fits two readings.
  A reading outside the unit's bounds is dropped: ``81,450`` percent or points is 81.45
  (81450 is not a percent). A count (``persons``, ``count``) has no
  decimals: ``1.850`` and ``1,850`` persons are 1850 (and ``1,5`` persons is refused as not
  whole). Where both readings fit the unit (``million VND``, ``million VND per person``,
  ``days``, ``percent change``), the cell is refused as ambiguous, with the row, the two
  readings and how to write it: ``57788`` (or ``57,788.0`` / ``57.788,0``) for 57788,
  ``57,7880`` for 57.788. Nothing is guessed from the other cells of the file.
- ``read_driver_table(..., decimal=",")`` (or ``"."``, also in ``merge_drivers``) declares the
  file's decimal point: every text value is then read with it (``57.788`` = 57788 and
  ``57,788`` = 57.788 with ``decimal=","``), and a text that breaks it is refused.
- Years, ranks and answers are whole numbers read by the same rules (``2022``; ``13`` or
  ``13/63``; ``4`` or ``4,0``); a percentage is refused in them.
"""

from __future__ import annotations

import math

from parlib.clean import NumberRule

UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),
    "points (0-100)": (0.0, 100.0),
    "rank": (1.0, 63.0),
    "rank (of 34)": (1.0, 34.0),
}
"""Units emitted by ``read_index_table`` (the same strings and scales as the published record)."""

DRIVER_UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),  # a share in percent, or a cut as a positive percent of its base
    "percent change": (-100.0, math.inf),  # a signed change: -12.5 = down 12.5%
    "share": (0.0, 1.0),  # a fraction: 0.45, not 45
    "index (0-1)": (0.0, 1.0),
    "points (0-100)": (0.0, 100.0),
    "persons": (0.0, math.inf),
    "count": (0.0, math.inf),
    "days": (0.0, math.inf),
    "million VND": (0.0, 1e10),  # the bounds of parlib.sources.budget
    "million VND per person": (0.0, 100_000.0),  # the bounds of parlib.sources.gso
}
"""The closed list of driver units -> inclusive bounds (a unit shared with another source keeps its
scale: one unit string means one scale everywhere, ``parlib.panel.units``)."""
WHOLE_UNITS = frozenset({"persons", "count"})
"""Driver units whose values must be whole numbers (a count has no decimals: '1.850' persons is 1850)."""
PERCENT_SIGN: dict[str, str] = {"percent": "same", "percent change": "same", "share": "fraction"}
"""What a percentage (``81,45%``, or a cell formatted ``0.00%``) is in a unit: ``same`` = the percent
shown (81.45), ``fraction`` = the percent / 100 (0.8145, a share). Every other unit refuses it."""
NUMBER_RULES: dict[str, NumberRule] = {
    unit: NumberRule(unit, low, high, whole=unit in WHOLE_UNITS, percent=PERCENT_SIGN.get(unit, "refuse"))
    for unit, (low, high) in {**DRIVER_UNITS, **UNITS}.items()
}
"""Unit -> how its numbers are read (``parlib.clean.parse_quantity``): the rule per unit of the
module docstring. Ranks are whole numbers; ``rank`` and ``rank (of 34)`` refuse a percentage."""
NUMBER_RULES.update({unit: NumberRule(unit, *UNITS[unit], whole=True) for unit in ("rank", "rank (of 34)")})
YEAR_RULE = NumberRule("year", 1900.0, 2100.0, whole=True)
ANSWER_RULE = NumberRule("answer (1-5)", 1.0, 5.0, whole=True)
