"""SIPAS survey answers (``read_survey_answers``), researcher tables of the kind described in
``parlib.sources.tables``: one row per respondent and criterion, columns
``province, year, respondent_id, element, criterion, answer``.

Answers (``ANSWER_COLUMNS``): ``answer`` is either a point of the 1-5 satisfaction scale
(``1``-``5``; ``4.0`` is read as 4) or yes/no, written ``yes``/``no``, ``y``/``n``,
``true``/``false`` (also Excel's TRUE/FALSE cells) or ``có``/``không`` (with or without
diacritics, any case). ``0`` and ``1`` are NOT read as no/yes: a number is always a scale
point, so ``0`` is out of range and ``1`` means "very dissatisfied". Satisfied = 4 or 5, or
yes. A blank answer means "not answered" and the row is left out. All answers to one
criterion (element + criterion) must use the same scale; a respondent answers a criterion
once per province and year. An answers file whose answers are all blank is refused.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from parlib.clean import NumberCell, is_missing, parse_quantity
from parlib.errors import SourceFormatError, ValidationError
from parlib.provinces import strip_diacritics
from parlib.sources.sheets import _cell_text, _load_sheet
from parlib.sources.table_columns import (
    FIRST_YEAR,
    _check_columns,
    _duplicates,
    _map_column,
    _OutOfRange,
    _place,
    _province_ids,
    _require_rows,
    _rows,
    _years,
)
from parlib.sources.table_units import ANSWER_RULE

ANSWER_REQUIRED = ["province", "year", "respondent_id", "element", "criterion", "answer"]
ANSWER_COLUMNS = [
    "province_id", "geo", "year", "respondent_id", "element", "criterion",
    "answer_value", "scale", "satisfied", "source", "source_row",
]  # fmt: skip
"""Columns of ``read_survey_answers``: ``scale`` is '1-5' or 'yes/no'; ``answer_value`` is the
scale point, or 1.0 (yes) / 0.0 (no); ``source_row`` is the spreadsheet row."""

_YES = frozenset({"yes", "y", "true", "co"})
_NO = frozenset({"no", "n", "false", "khong"})


def parse_answer(text: object) -> tuple[str, float, bool]:
    """(scale, answer_value, satisfied) of one answer; ('', nan, False) for a blank.

    '4' -> ('1-5', 4.0, True); 'có' -> ('yes/no', 1.0, True). Raises ValueError on anything else.
    ``text`` may also be a spreadsheet cell (a ``NumberCell``, or a bool for TRUE/FALSE).
    """
    value = text.shown() if isinstance(text, NumberCell) else _cell_text(text)
    if is_missing(value):
        return "", math.nan, False
    word = strip_diacritics(value).lower()
    if word in _YES:
        return "yes/no", 1.0, True
    if word in _NO:
        return "yes/no", 0.0, False
    try:
        number = parse_quantity(text if isinstance(text, NumberCell) else value, ANSWER_RULE)
    except ValueError:
        raise ValueError(f"answer {value!r} is neither a point of the 1-5 scale nor yes/no") from None
    if number != int(number) or not 1 <= number <= 5:
        raise _OutOfRange(f"answer {value!r} is not a point of the 1-5 scale (yes/no must be words)")
    return "1-5", float(number), number >= 4


def read_survey_answers(path: str | Path, geo: str = "63", sheet: str | int = 0) -> pd.DataFrame:
    """SIPAS answers, one row per respondent and criterion (``ANSWER_COLUMNS``), validated.

    See the module docstring for what ``answer`` accepts. Blank answers are left out.
    """
    path = Path(path)
    name = path.name
    frame, cells = _load_sheet(path, sheet)
    _check_columns(frame, ANSWER_REQUIRED, [], name)
    _require_rows(frame, name)
    for column in ("respondent_id", "element", "criterion"):
        blank = frame[column] == ""
        if blank.any():
            raise SourceFormatError(name, f"blank {column}", row=blank[blank].index[0])
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(cells, FIRST_YEAR["SIPAS"], name)
    parsed = _map_column(cells["answer"], parse_answer, name)
    frame["scale"] = parsed.map(lambda t: t[0])
    frame["answer_value"] = parsed.map(lambda t: t[1]).astype("float64")
    frame["satisfied"] = parsed.map(lambda t: t[2]).astype(bool)
    frame = frame[frame["scale"] != ""]
    if frame.empty:
        raise SourceFormatError(
            name,
            f"no answers: every answer is blank ({_rows(cells.index)}): nothing to read",
        )

    def who(rec: pd.Series) -> str:
        return (
            f"respondent {rec['respondent_id']!r} of {_place(rec)}, element {rec['element']!r}, "
            f"criterion {rec['criterion']!r}"
        )

    _duplicates(frame, ["province_id", "year", "respondent_id", "element", "criterion"], name, who)
    first_scale = frame.groupby(["element", "criterion"], sort=False)["scale"].transform("first")
    mixed = frame["scale"] != first_scale
    if mixed.any():
        rec = frame.loc[mixed[mixed].index[0]]
        earlier = frame[(frame["element"] == rec["element"]) & (frame["criterion"] == rec["criterion"])]
        raise ValidationError(
            f"{name}, row {rec.name}: answer {rec['answer']!r} is {rec['scale']}, but criterion "
            f"{rec['criterion']!r} of element {rec['element']!r} is answered on the {first_scale[rec.name]} "
            f"scale in row {earlier.index[0]}"
        )
    out = frame.assign(geo=geo, source=name, source_row=frame.index)
    return out[ANSWER_COLUMNS].reset_index(drop=True)
