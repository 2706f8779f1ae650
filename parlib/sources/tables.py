"""Researcher-supplied tables (CSV or XLSX), validated like every other source: the entry point.

Three kinds of file, each with a template in ``parlib/data/templates/`` (``write_template``):

- **index tables** for PAR INDEX and SIPAS (``read_index_table``): one row per province and
  year with columns ``province, year, total`` and, optionally, ``rank`` and (PAR INDEX only) the
  parts ``appraisal, survey`` and the 8 fields ``FIELDS``. The result follows the observation
  contract of ``parlib.sources``: ``total`` in unit ``percent`` (0-100), parts and fields in
  ``points (0-100)``, a rank as component ``rank`` (unit ``rank``, or ``rank (of 34)``), source =
  the file name, ``method_era`` from ``parlib.sources.published.method_era``.
- **SIPAS survey answers** (``read_survey_answers``): one row per respondent and criterion,
  columns ``province, year, respondent_id, element, criterion, answer``.
- **driver tables** (``read_driver_table``, ``merge_drivers``): one row per province, year and
  indicator, columns ``province, year, indicator, value, unit, source`` and optionally
  ``qualifier`` (``DRIVER_QUALIFIERS``: bounds, targets and period figures are rows that say what
  they are, not values) with ``period_start``, ``period_end``.

Rows are numbered as in a spreadsheet (the header is row 1; an XLSX is read from its first
sheet unless ``sheet`` is given, and its header must be in row 1); blank rows are skipped
but keep their number. Numbers are read in their unit ("Reading numbers", below). Every
error is ONE line naming the file and the row: ``SourceFormatError`` for what cannot be read
(missing or unknown column, unknown province, unreadable or ambiguous number, unknown answer,
an example row; an unknown province also is an ``UnknownProvinceError``, with ``normalize``'s
suggestion), ``ValidationError`` for a rule the values break (duplicate; a value, rank, year or
answer out of range; parts or fields that do not add up to the total). Reading is pure:
nothing is written.

This module holds the templates and re-exports the public names of the modules that hold the
rules, one job each (imports go one way: down this list, never back to this module):

- ``parlib.sources.sheets``: reading the file (CSV or XLSX, number formats; a file that is
  not a table is refused).
- ``parlib.sources.table_units``: the units and their bounds, and "Reading numbers": how a
  number is read in each unit (``NUMBER_RULES``).
- ``parlib.sources.table_columns``: the columns every kind accepts (``note``, ``source_url``,
  example rows), and reading provinces, years and numbers; duplicate rows.
- ``parlib.sources.index_tables``, ``parlib.sources.survey_answers``,
  ``parlib.sources.driver_tables``: each kind, with its rules.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from parlib.config import PACKAGE_DIR
from parlib.sources.driver_tables import (
    BOUND_QUALIFIERS,
    BOUNDS,
    DRIVER_INDEX,
    DRIVER_OPTIONAL,
    DRIVER_QUALIFIERS,
    DRIVER_REQUIRED,
    DRIVER_UNIT_ALIASES,
    merge_drivers,
    read_driver_table,
)
from parlib.sources.index_tables import (
    FIELD_TOLERANCE,
    FIELDS,
    INDICES,
    MAX_POINTS,
    OPTIONAL,
    PART_MAXIMA,
    PART_TOLERANCE,
    PARTS,
    REQUIRED,
    read_index_table,
)
from parlib.sources.sheets import read_sheet
from parlib.sources.survey_answers import ANSWER_COLUMNS, ANSWER_REQUIRED, parse_answer, read_survey_answers
from parlib.sources.table_columns import FIRST_YEAR, IGNORED, LAST_YEAR, UnknownTableProvinceError
from parlib.sources.table_units import (
    ANSWER_RULE,
    DRIVER_UNITS,
    NUMBER_RULES,
    PERCENT_SIGN,
    UNITS,
    WHOLE_UNITS,
    YEAR_RULE,
)

__all__ = [
    "ANSWER_COLUMNS",
    "ANSWER_REQUIRED",
    "ANSWER_RULE",
    "BOUNDS",
    "BOUND_QUALIFIERS",
    "DRIVER_INDEX",
    "DRIVER_OPTIONAL",
    "DRIVER_QUALIFIERS",
    "DRIVER_REQUIRED",
    "DRIVER_UNITS",
    "DRIVER_UNIT_ALIASES",
    "FIELDS",
    "FIELD_TOLERANCE",
    "FIRST_YEAR",
    "IGNORED",
    "INDICES",
    "LAST_YEAR",
    "MAX_POINTS",
    "NUMBER_RULES",
    "OPTIONAL",
    "PARTS",
    "PART_MAXIMA",
    "PART_TOLERANCE",
    "PERCENT_SIGN",
    "REQUIRED",
    "TEMPLATES",
    "TEMPLATE_DIR",
    "UNITS",
    "WHOLE_UNITS",
    "YEAR_RULE",
    "UnknownTableProvinceError",
    "merge_drivers",
    "parse_answer",
    "read_driver_table",
    "read_index_table",
    "read_sheet",
    "read_survey_answers",
    "template_path",
    "write_template",
]

TEMPLATES: dict[str, str] = {
    "par_index": "par_index_template.csv",
    "sipas": "sipas_template.csv",
    "sipas_survey": "sipas_survey_template.csv",
    "driver": "driver_template.csv",
    "period_driver": "period_driver_template.csv",
}
TEMPLATE_DIR = PACKAGE_DIR / "data" / "templates"


# ----------------------------------------------------------------------------- templates


def template_path(kind: str) -> Path:
    """The shipped template of ``kind`` (``par_index``, ``sipas``, ``sipas_survey`` or ``driver``)."""
    if kind not in TEMPLATES:
        raise ValueError(f"template kind must be one of {sorted(TEMPLATES)}, got {kind!r}")
    return TEMPLATE_DIR / TEMPLATES[kind]


def write_template(kind: str, dest: str | Path, overwrite: bool = False) -> Path:
    """Copy a template to ``dest`` (a file, or a folder to copy it into) and return the new path.

    A ``.xlsx`` destination gets the template as a spreadsheet. An existing file is kept
    (FileExistsError) unless ``overwrite``. Its example rows (note ``EXAMPLE ...``) must be
    replaced or deleted before the file is read.
    """
    source = template_path(kind)
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / source.name
    if dest.exists() and not overwrite:
        raise FileExistsError(f"{dest} exists; pass overwrite=True to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.suffix.lower() == ".xlsx":
        table = pd.read_csv(source, dtype=str, keep_default_na=False)
        for column in table.columns:  # numbers as number cells, blanks as empty cells
            cells = table[column].replace("", None)
            numbers = pd.to_numeric(cells, errors="coerce")
            table[column] = numbers if numbers.notna().sum() == cells.notna().sum() else cells
        table.to_excel(dest, index=False, sheet_name=kind)
    else:
        shutil.copyfile(source, dest)
    return dest
