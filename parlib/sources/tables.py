"""Researcher-supplied tables (CSV or XLSX), validated like every other source.

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
  indicator, columns ``province, year, indicator, value, unit, source`` (rules below).

Every kind also accepts a ``note`` and a ``source_url`` column (kept out of the data). A row
whose ``note`` starts with ``EXAMPLE`` is the template's illustration and is refused, so an
example row can never be read as data. Any other column is an error (a misspelt ``apraisal``
would otherwise be dropped silently). Column names are matched without regard to case, and
spaces or hyphens in them count as underscores (``Respondent ID`` = ``respondent_id``).

Rows are numbered as in a spreadsheet (the header is row 1; an XLSX is read from its first
sheet unless ``sheet`` is given, and its header must be in row 1); blank rows are skipped
but keep their number. Numbers may use a decimal comma (``81,45``) or a ``%`` sign. Every
error is ONE line naming the file and the row: ``SourceFormatError`` for what cannot be read
(missing or unknown column, unknown province, unreadable number, unknown answer, an example
row; an unknown province also is an ``UnknownProvinceError``, with ``normalize``'s suggestion),
``ValidationError`` for a rule the values break (duplicate; a value, rank, year or answer out
of range; parts or fields that do not add up to the total). Reading is pure: nothing is written.

Rules on index tables (bounds in ``UNITS``, maxima in ``PART_MAXIMA``):

- ``total`` is a percentage, 0-100. A row needs at least one of total, a part, a field or rank.
- ``appraisal`` / ``survey``: points, 0 to their maximum: 68 and 32 from 2022 (the 68/32 split
  of the 2022 scheme, methodology.md section 2, confirmed); before 2022 the maxima are
  unconfirmed and only 0-100 is checked. When both and the total are given, appraisal +
  survey must equal the total within ``PART_TOLERANCE`` (0.011: two-decimal rounding, as in
  the published 2012 table where the parts add up exactly).
- fields: points, 0-100 each (the per-field maxima are UNCONFIRMED). When all 8 and the total
  are given, their sum / ``MAX_POINTS`` x 100 must equal the total within
  ``FIELD_TOLERANCE`` (0.05: nine two-decimal roundings); fewer fields may not exceed it.
- ``rank``: a whole number 1..N (N = 63, or 34 in the 34-unit geography), or ``13/63``.
- the same province and year twice is an error (naming both rows).

Answers (``ANSWER_COLUMNS``): ``answer`` is either a point of the 1-5 satisfaction scale
(``1``-``5``; ``4.0`` is read as 4) or yes/no, written ``yes``/``no``, ``y``/``n``,
``true``/``false`` (also Excel's TRUE/FALSE cells) or ``có``/``không`` (with or without
diacritics, any case). ``0`` and ``1`` are NOT read as no/yes: a number is always a scale
point, so ``0`` is out of range and ``1`` means "very dissatisfied". Satisfied = 4 or 5, or
yes. A blank answer means "not answered" and the row is left out. All answers to one
criterion (element + criterion) must use the same scale; a respondent answers a criterion
once per province and year.

Driver tables (staffing, online services ...): the researcher names each ``indicator`` in
snake_case (``staff_admin_agencies``, ``staff_cut_pct_public_units``, ``online_services_share``;
case, spaces and hyphens are normalised as in column names) and gives it ONE ``unit`` of
``DRIVER_UNITS`` (case-insensitive; ``%`` = ``percent``), whose bounds the value must respect.
``source`` (where the figure comes from) is required on every row. A blank value (or a missing
code such as ``-``, ``n/a``) means "not available" and the row is left out. The observations
have ``index = "DRIVER"``, ``component`` = the indicator, ``method_era`` None and ``source`` =
``"<file> | <source cell>"``; in a panel they become columns ``driver_<indicator>``
(``merge_drivers``). Errors: an unknown unit (with a suggestion), an indicator whose unit
changes between rows, the same province, year and indicator twice, a value outside its unit,
a ``persons`` or ``count`` value that is not a whole number (``1.850`` reads as 1.85: a single
dot or comma is a decimal point, so write counts without thousands separators).
"""

from __future__ import annotations

import difflib
import math
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from parlib.clean import is_missing, parse_number, parse_rank
from parlib.config import PACKAGE_DIR
from parlib.errors import MissingRawFileError, SourceFormatError, UnknownProvinceError, ValidationError
from parlib.provinces import normalize, provinces, strip_diacritics
from parlib.sources import OBS_COLUMNS
from parlib.sources.published import RANK_UNITS, method_era

INDICES = ("PAR_INDEX", "SIPAS")

FIELDS: dict[str, str] = {
    "field_direction": "direction and management of PAR",
    "field_institutions": "institutional reform",
    "field_admin_procedures": "administrative procedure reform",
    "field_apparatus": "reform of the administrative apparatus",
    "field_civil_service": "civil service reform",
    "field_public_finance": "public finance reform",
    "field_digital_government": "e-government / digital government",
    "field_impact": "impact of PAR on people, organisations and socio-economic development",
}
"""The 8 PAR INDEX fields (methodology.md section 2, partly confirmed) -> English label."""

PARTS: dict[str, str] = {
    "appraisal": "appraisal of reports and documents (MOHA)",
    "survey": "sociological survey",
}
"""The two PAR INDEX parts -> label; appraisal + survey = total."""

REQUIRED = ["province", "year", "total"]
OPTIONAL: dict[str, list[str]] = {"PAR_INDEX": ["rank", *PARTS, *FIELDS], "SIPAS": ["rank"]}
IGNORED = ["note", "source_url"]
ANSWER_REQUIRED = ["province", "year", "respondent_id", "element", "criterion", "answer"]
ANSWER_COLUMNS = [
    "province_id", "geo", "year", "respondent_id", "element", "criterion",
    "answer_value", "scale", "satisfied", "source", "source_row",
]  # fmt: skip
"""Columns of ``read_survey_answers``: ``scale`` is '1-5' or 'yes/no'; ``answer_value`` is the
scale point, or 1.0 (yes) / 0.0 (no); ``source_row`` is the spreadsheet row."""

UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),
    "points (0-100)": (0.0, 100.0),
    "rank": (1.0, 63.0),
    "rank (of 34)": (1.0, 34.0),
}
"""Units emitted by ``read_index_table`` (the same strings and scales as the published record)."""

MAX_POINTS = 100.0
"""Maximum points of the PAR INDEX (100 in the 2022 scheme, confirmed; assumed for earlier years)."""
PART_MAXIMA: dict[str, dict[str, float]] = {"2022-": {"appraisal": 68.0, "survey": 32.0}}
"""PAR INDEX method era -> maximum points of each part; other eras: 0-100 only (unconfirmed)."""
PART_TOLERANCE = 0.011
FIELD_TOLERANCE = 0.05
FIRST_YEAR = {"PAR_INDEX": 2011, "SIPAS": 2015, "DRIVER": 2003}  # DRIVER: parlib.schema.FIRST_YEAR
LAST_YEAR = pd.Timestamp.today().year

DRIVER_INDEX = "DRIVER"
"""``index`` of driver observations; a panel names their columns ``driver_<indicator>``."""
DRIVER_REQUIRED = ["province", "year", "indicator", "value", "unit", "source"]
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
DRIVER_UNIT_ALIASES = {"%": "percent", "pct": "percent"}
WHOLE_UNITS = frozenset({"persons", "count"})
"""Driver units whose values must be whole numbers ('1.850' persons is a thousands dot misread)."""
_INDICATOR_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")

TEMPLATES: dict[str, str] = {
    "par_index": "par_index_template.csv",
    "sipas": "sipas_template.csv",
    "sipas_survey": "sipas_survey_template.csv",
    "driver": "driver_template.csv",
}
TEMPLATE_DIR = PACKAGE_DIR / "data" / "templates"

_YES = frozenset({"yes", "y", "true", "co"})
_NO = frozenset({"no", "n", "false", "khong"})


class UnknownTableProvinceError(SourceFormatError, UnknownProvinceError):
    """An unknown province in a researcher table: both a format error and an unknown province."""


class _OutOfRange(ValueError):
    """A readable value outside its scale: reported as a ValidationError."""


# ----------------------------------------------------------------------------- reading a sheet


def _cell_text(value: object) -> str:
    """A cell as stripped text ('' for a blank; 2022.0 -> '2022'; Excel TRUE -> 'true')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_missing(value) and not isinstance(value, str):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value).replace("\ufeff", "").strip()


def _column_name(value: object) -> str:
    return re.sub(r"[\s\-]+", "_", _cell_text(value).lower())


def read_sheet(path: str | Path, sheet: str | int = 0) -> pd.DataFrame:
    """A CSV or XLSX as text cells, columns named as in its header, indexed by spreadsheet row.

    Blank rows are dropped (their numbers are kept by the others); a column without a header
    must be blank. Raises SourceFormatError naming the file.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise MissingRawFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw = pd.read_csv(
                path,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
        elif suffix in (".xlsx", ".xlsm", ".xls"):
            raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, keep_default_na=False)
        else:
            raise SourceFormatError(name, f"unsupported file type {suffix!r}: expected .csv or .xlsx")
    except UnicodeDecodeError:
        raise SourceFormatError(name, "not UTF-8 text: save the sheet as 'CSV UTF-8'") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, KeyError, OSError) as exc:
        if isinstance(exc, SourceFormatError):
            raise
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceFormatError(name, f"cannot read the file: {first}") from None
    if raw.empty:
        raise SourceFormatError(name, "the file is empty: row 1 must hold the column names")
    cells = raw.map(_cell_text)
    header = [_column_name(v) for v in raw.iloc[0]]
    body = cells.iloc[1:]
    body.index = range(2, len(cells) + 1)  # spreadsheet rows: the header is row 1
    keep = []
    for position, column in enumerate(header):
        if column:
            keep.append(position)
        elif (body.iloc[:, position] != "").any():
            first = body.index[(body.iloc[:, position] != "").to_numpy()][0]
            raise SourceFormatError(name, f"column {position + 1} has values but no name in row 1", row=first)
    if not keep:
        raise SourceFormatError(name, "row 1 must hold the column names; it is blank")
    names = [header[p] for p in keep]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if repeated:
        raise SourceFormatError(
            name, f"column(s) {', '.join(map(repr, repeated))} appear more than once", row=1
        )
    frame = body.iloc[:, keep]
    frame.columns = names
    return frame[(frame != "").any(axis=1)]


def _check_columns(frame: pd.DataFrame, required: list[str], optional: list[str], name: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SourceFormatError(
            name, f"missing column(s) {', '.join(map(repr, missing))}; found {list(frame.columns)}", row=1
        )
    allowed = [*required, *optional, *IGNORED]
    unknown = [c for c in frame.columns if c not in allowed]
    if unknown:
        raise SourceFormatError(
            name, f"unknown column(s) {', '.join(map(repr, unknown))}; the columns are {allowed}", row=1
        )
    if "note" in frame.columns:
        example = frame["note"].str.upper().str.startswith("EXAMPLE")
        if example.any():
            row = example[example].index[0]
            raise SourceFormatError(
                name, "an example row of the template (note 'EXAMPLE ...'): replace or delete it", row=row
            )


def _map_column(
    series: pd.Series, parse: Callable[[str], object], name: str, label: str | None = None
) -> pd.Series:
    """Apply ``parse`` to each distinct value; the first failing row (file order) raises."""
    results: dict[str, object] = {}
    for value in series.unique():  # in order of first appearance: the first failure is the first row
        try:
            results[value] = parse(value)
        except (ValueError, UnknownProvinceError) as exc:
            row = series.index[(series == value).to_numpy()][0]
            message = f"column {label or series.name!r}: {exc}"
            if isinstance(exc, UnknownProvinceError):
                raise UnknownTableProvinceError(name, message, row=row) from None
            if isinstance(exc, _OutOfRange):
                raise ValidationError(f"{name}, row {row}: {message}") from None
            raise SourceFormatError(name, message, row=row) from None
    return series.map(results)


def _province_ids(frame: pd.DataFrame, geo: str, name: str) -> pd.Series:
    def parse(text: str) -> str:
        if not text:
            raise ValueError("blank province")
        return normalize(text, geo=geo)

    return _map_column(frame["province"], parse, name)


def _years(frame: pd.DataFrame, first: int, name: str) -> pd.Series:
    def parse(text: str) -> int:
        number = parse_number(text)
        if math.isnan(number):
            raise ValueError("blank year")
        if number != int(number):
            raise ValueError(f"year {text!r} is not a whole number")
        if not first <= number <= LAST_YEAR:
            raise _OutOfRange(f"year {int(number)} outside {first}-{LAST_YEAR}")
        return int(number)

    return _map_column(frame["year"], parse, name).astype("int64")


def _numbers(series: pd.Series, name: str) -> pd.Series:
    return _map_column(series, parse_number, name).astype("float64")


def _ranks(series: pd.Series, geo: str, name: str) -> pd.Series:
    size = len(provinces(geo)) - (1 if geo == "63" else 0)  # Hà Tây is not ranked with the 63

    def parse(text: str) -> float:
        rank, of = parse_rank(text)
        if math.isnan(rank):
            return rank
        if rank != int(rank):
            raise ValueError(f"rank {text!r} is not a whole number")
        top = size if math.isnan(of) else of
        if of > size:
            raise _OutOfRange(f"rank {text!r}: there are {size} provinces")
        if not 1 <= rank <= top:
            raise _OutOfRange(f"rank {text!r} outside 1-{int(top)}")
        return rank

    return _map_column(series, parse, name).astype("float64")


def _duplicates(
    frame: pd.DataFrame, keys: list[str], name: str, describe: Callable[[pd.Series], str]
) -> None:
    repeated = frame.duplicated(keys, keep="first")
    if repeated.any():
        row = repeated[repeated].index[0]
        rec = frame.loc[row]
        same = (frame[keys] == rec[keys]).all(axis=1)
        first = same[same].index[0]
        raise ValidationError(f"{name}, row {row}: {describe(rec)} is already given in row {first}")


def _place(rec: pd.Series) -> str:
    return f"{rec['province']} ({rec['province_id']}) {rec['year']}"


# ----------------------------------------------------------------------------- index tables


def read_index_table(path: str | Path, index: str, geo: str = "63", sheet: str | int = 0) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``) from a researcher's PAR INDEX or SIPAS table.

    ``index`` is ``PAR_INDEX`` or ``SIPAS``; provinces are resolved in ``geo``. See the module
    docstring for the columns, bounds and errors. One row per component that has a value.
    """
    if index not in INDICES:
        raise ValueError(f"index must be one of {INDICES}, got {index!r}")
    path = Path(path)
    name = path.name
    frame = read_sheet(path, sheet)
    _check_columns(frame, REQUIRED, OPTIONAL[index], name)
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(frame, FIRST_YEAR[index], name)
    values = [c for c in ["total", *PARTS, *FIELDS] if c in frame.columns]
    for column in values:
        frame[column] = _numbers(frame[column], name)
    if "rank" in frame.columns:
        frame["rank"] = _ranks(frame["rank"], geo, name)
    given = [*values, *(["rank"] if "rank" in frame.columns else [])]
    empty = frame[given].isna().all(axis=1)
    if empty.any():
        rec = frame.loc[empty[empty].index[0]]
        raise ValidationError(f"{name}, row {rec.name}: {_place(rec)} has no total, part, field or rank")
    _duplicates(frame, ["province_id", "year"], name, _place)
    frame["method_era"] = [method_era(index, int(y)) for y in frame["year"]]
    _check_index_values(frame, index, name)
    return _to_observations(frame, index, geo, name, values)


def _check_index_values(frame: pd.DataFrame, index: str, name: str) -> None:
    """Ranges, then parts and fields against the total; ValidationError on the first breach."""

    def fail(mask: pd.Series, rule: Callable[[pd.Series], str]) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            rec = frame.loc[mask[mask].index[0]]
            raise ValidationError(f"{name}, row {rec.name}: {_place(rec)}: {rule(rec)}")

    total = frame["total"]
    fail(~total.between(0, 100) & total.notna(), lambda r: f"total {r['total']:g} outside 0-100 (percent)")
    for part in PARTS:
        if part in frame.columns:
            top = frame["method_era"].map(lambda era, p=part: PART_MAXIMA.get(era, {}).get(p, MAX_POINTS))
            fail(
                frame[part].notna() & ~frame[part].between(0, top),
                lambda r, p=part: (
                    f"{p} {r[p]:g} outside 0-{PART_MAXIMA.get(r['method_era'], {}).get(p, 100):g}"
                    f" points ({index} {r['method_era']})"
                ),
            )
    for column in FIELDS:
        if column in frame.columns:
            fail(
                frame[column].notna() & ~frame[column].between(0, MAX_POINTS),
                lambda r, c=column: f"{c} {r[c]:g} outside 0-{MAX_POINTS:g} points",
            )
    if {"appraisal", "survey"} <= set(frame.columns):
        parts = frame["appraisal"] + frame["survey"]
        fail(
            (parts - total).abs() > PART_TOLERANCE,
            lambda r: (
                f"appraisal {r['appraisal']:g} + survey {r['survey']:g} = "
                f"{r['appraisal'] + r['survey']:.2f}, not the total {r['total']:g} "
                f"(tolerance {PART_TOLERANCE})"
            ),
        )
    for part in PARTS:
        if part in frame.columns:
            fail(frame[part] > total + PART_TOLERANCE, lambda r, p=part: f"{p} {r[p]:g} exceeds the total")
    fields = [c for c in FIELDS if c in frame.columns]
    if fields:
        given = frame[fields].notna().sum(axis=1)
        points = frame[fields].sum(axis=1, min_count=1)
        percent = points / MAX_POINTS * 100
        all_eight = given == len(FIELDS)
        fail(
            all_eight & ((percent - total).abs() > FIELD_TOLERANCE),
            lambda r: (
                f"the 8 fields sum to {r[fields].sum():.2f} points = "
                f"{r[fields].sum() / MAX_POINTS * 100:.2f}%, not the total {r['total']:g} "
                f"(tolerance {FIELD_TOLERANCE})"
            ),
        )
        fail(
            ~all_eight & (percent > total + FIELD_TOLERANCE),
            lambda r: (
                f"the fields given sum to {r[fields].sum():.2f} points, more than the total {r['total']:g}"
            ),
        )


def _to_observations(frame: pd.DataFrame, index: str, geo: str, name: str, values: list[str]) -> pd.DataFrame:
    long = []
    columns = [*values, *(["rank"] if "rank" in frame.columns else [])]
    for column in columns:
        part = frame[frame[column].notna()]
        unit = "percent" if column == "total" else RANK_UNITS[geo] if column == "rank" else "points (0-100)"
        long.append(
            pd.DataFrame(
                {
                    "index": index,
                    "component": column,
                    "province_id": part["province_id"].astype(str),
                    "geo": geo,
                    "year": part["year"],
                    "value": part[column],
                    "unit": unit,
                    "source": name,
                    "method_era": part["method_era"],
                }
            )
        )
    obs = pd.concat(long, ignore_index=True)[OBS_COLUMNS]
    obs = obs.astype({"year": "int64", "value": "float64"})
    obs["method_era"] = obs["method_era"].astype(object).where(obs["method_era"].notna(), None)
    return obs.sort_values(["index", "component", "province_id", "geo", "year"], ignore_index=True)


# ----------------------------------------------------------------------------- survey answers


def parse_answer(text: object) -> tuple[str, float, bool]:
    """(scale, answer_value, satisfied) of one answer; ('', nan, False) for a blank.

    '4' -> ('1-5', 4.0, True); 'có' -> ('yes/no', 1.0, True). Raises ValueError on anything else.
    """
    value = _cell_text(text)
    if is_missing(value):
        return "", math.nan, False
    word = strip_diacritics(value).lower()
    if word in _YES:
        return "yes/no", 1.0, True
    if word in _NO:
        return "yes/no", 0.0, False
    try:
        number = parse_number(value)
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
    frame = read_sheet(path, sheet)
    _check_columns(frame, ANSWER_REQUIRED, [], name)
    for column in ("respondent_id", "element", "criterion"):
        blank = frame[column] == ""
        if blank.any():
            raise SourceFormatError(name, f"blank {column}", row=blank[blank].index[0])
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(frame, FIRST_YEAR["SIPAS"], name)
    parsed = _map_column(frame["answer"], parse_answer, name)
    frame["scale"] = parsed.map(lambda t: t[0])
    frame["answer_value"] = parsed.map(lambda t: t[1]).astype("float64")
    frame["satisfied"] = parsed.map(lambda t: t[2]).astype(bool)
    frame = frame[frame["scale"] != ""]

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


# ----------------------------------------------------------------------------- driver tables


def _indicator_name(text: str) -> str:
    """'Staff cut pct - admin agencies' -> 'staff_cut_pct_admin_agencies'; ValueError if not snake_case."""
    indicator = re.sub(r"[\s\-]+", "_", text.strip().lower())
    if not _INDICATOR_RE.match(indicator):
        raise ValueError(
            f"indicator {text!r} is not a snake_case name (a-z, digits and single underscores, "
            "starting with a letter; e.g. staff_admin_agencies)"
        )
    return indicator


def _driver_unit(text: str) -> str:
    """A unit of ``DRIVER_UNITS`` (any case, spacing collapsed, '%' = percent); ValueError otherwise."""
    unit = " ".join(text.split()).lower().replace("vnd", "VND")
    unit = DRIVER_UNIT_ALIASES.get(unit, unit)
    if unit not in DRIVER_UNITS:
        close = difflib.get_close_matches(unit, list(DRIVER_UNITS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown unit {text!r}{hint}; the units are {list(DRIVER_UNITS)}")
    return unit


def _bounds_text(unit: str) -> str:
    low, high = DRIVER_UNITS[unit]
    return f">= {low:g}" if math.isinf(high) else f"{low:g}-{high:g}"


def read_driver_table(path: str | Path, geo: str = "63", sheet: str | int = 0) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``, index ``DRIVER``) from a researcher's driver table.

    Columns ``province, year, indicator, value, unit, source`` (+ ``note``, ``source_url``); one
    row per province, year and indicator; provinces resolved in ``geo``. ``component`` is the
    indicator and ``source`` is ``"<file> | <source cell>"``. Rows with a blank value are left out.
    See the module docstring for the rules and ``DRIVER_UNITS`` for the units.
    """
    path = Path(path)
    name = path.name
    frame = read_sheet(path, sheet)
    _check_columns(frame, DRIVER_REQUIRED, [], name)
    for column in ("indicator", "unit", "source"):
        blank = frame[column] == ""
        if blank.any():
            why = "say where the figure comes from" if column == "source" else "every row needs one"
            raise SourceFormatError(name, f"blank {column}: {why}", row=blank[blank].index[0])
    frame = frame.copy()
    frame["province_id"] = _province_ids(frame, geo, name)
    frame["year"] = _years(frame, FIRST_YEAR[DRIVER_INDEX], name)
    frame["indicator"] = _map_column(frame["indicator"], _indicator_name, name)
    frame["unit"] = _map_column(frame["unit"], _driver_unit, name)
    frame["value"] = _numbers(frame["value"], name)

    first_unit = frame.groupby("indicator", sort=False)["unit"].transform("first")
    mixed = frame["unit"] != first_unit
    if mixed.any():
        rec = frame.loc[mixed[mixed].index[0]]
        earlier = frame[frame["indicator"] == rec["indicator"]].index[0]
        raise ValidationError(
            f"{name}, row {rec.name}: indicator {rec['indicator']!r} is in {rec['unit']!r} here but in "
            f"{first_unit[rec.name]!r} in row {earlier}: one indicator has one unit (name the other "
            f"one differently, e.g. {rec['indicator']}_{rec['unit'].split()[0].lower()})"
        )
    _duplicates(
        frame, ["province_id", "year", "indicator"], name, lambda r: f"{r['indicator']} of {_place(r)}"
    )
    frame = frame[frame["value"].notna()]
    if frame.empty:
        raise SourceFormatError(name, "no values: every row has a blank value")
    low = frame["unit"].map(lambda u: DRIVER_UNITS[u][0])
    high = frame["unit"].map(lambda u: DRIVER_UNITS[u][1])
    outside = (frame["value"] < low) | (frame["value"] > high)
    if outside.any():
        rec = frame.loc[outside[outside].index[0]]
        hint = ""
        if rec["unit"] in ("share", "index (0-1)") and 1 < rec["value"] <= 100:
            hint = f": a {rec['unit']} is a fraction (0.45, not 45); use unit 'percent' for a percentage"
        raise ValidationError(
            f"{name}, row {rec.name}: {rec['indicator']} of {_place(rec)}: value {rec['value']:g} outside "
            f"{_bounds_text(rec['unit'])} ({rec['unit']}){hint}"
        )
    counted = frame["unit"].isin(WHOLE_UNITS) & (frame["value"] % 1 != 0)
    if counted.any():
        rec = frame.loc[counted[counted].index[0]]
        raise ValidationError(
            f"{name}, row {rec.name}: {rec['indicator']} of {_place(rec)}: {rec['value']:g} {rec['unit']} is "
            f"not a whole number (a single dot or comma is read as a decimal point: write 1850, not 1.850)"
        )
    obs = pd.DataFrame(
        {
            "index": DRIVER_INDEX,
            "component": frame["indicator"],
            "province_id": frame["province_id"].astype(str),
            "geo": geo,
            "year": frame["year"].astype("int64"),
            "value": frame["value"].astype("float64"),
            "unit": frame["unit"],
            "source": name + " | " + frame["source"],
            "method_era": None,
        }
    )[OBS_COLUMNS]
    return obs.sort_values(["index", "component", "province_id", "geo", "year"], ignore_index=True)


def merge_drivers(
    panel: pd.DataFrame,
    tables: str | Path | pd.DataFrame | Iterable[str | Path | pd.DataFrame],
    geo: str = "63",
) -> pd.DataFrame:
    """``panel`` with one float column ``driver_<indicator>`` per driver indicator, matched on
    (``province_id``, ``year``); NaN where a table has no value.

    ``tables`` are driver-table paths (read with ``read_driver_table``) or observations it
    returned. Refused (ValidationError): a column the panel already has, the same indicator in
    two units, or the same province, year and indicator in two tables. Driver values for a
    province-year the panel does not hold are left out. The panel itself is not modified.
    """
    missing = [c for c in ("province_id", "year") if c not in panel.columns]
    if missing:
        raise ValidationError(f"panel: missing column(s) {missing}; merge_drivers needs province_id and year")
    if isinstance(tables, (str, Path, pd.DataFrame)):
        tables = [tables]
    frames = []
    for table in tables:
        obs = table if isinstance(table, pd.DataFrame) else read_driver_table(table, geo=geo)
        label = "observations" if isinstance(table, pd.DataFrame) else Path(table).name
        if list(obs.columns[: len(OBS_COLUMNS)]) != OBS_COLUMNS or set(obs["index"]) - {DRIVER_INDEX}:
            raise ValidationError(f"{label}: not driver observations (index {DRIVER_INDEX!r}, OBS_COLUMNS)")
        other_geo = sorted(set(obs["geo"]) - {geo})
        if other_geo:
            raise ValidationError(f"{label}: observations on geo {other_geo}, but the panel is geo {geo!r}")
        frames.append(obs)
    out = panel.copy()
    if not frames:
        return out
    obs = pd.concat(frames, ignore_index=True)
    files = obs["source"].str.split(" | ", n=1, regex=False).str[0]
    units = obs.groupby("component")["unit"].unique()
    for indicator, found in units.items():
        if len(found) > 1:
            where = sorted(set(files[obs["component"] == indicator]))
            raise ValidationError(
                f"{', '.join(where)}: indicator {indicator!r} is given in units {sorted(found)}: one "
                "indicator has one unit"
            )
    repeated = obs.duplicated(["component", "province_id", "year"], keep=False)
    if repeated.any():
        rec = obs[repeated].iloc[0]
        same = repeated & (obs["component"] == rec["component"]) & (obs["province_id"] == rec["province_id"])
        same &= obs["year"] == rec["year"]
        raise ValidationError(
            f"{' and '.join(sorted(set(files[same])))}: {rec['component']} of province {rec['province_id']} "
            f"{rec['year']} is given twice: keep it in one table"
        )
    wide = obs.pivot(index=["province_id", "year"], columns="component", values="value")
    wide.columns = [f"{DRIVER_INDEX.lower()}_{c}" for c in wide.columns]
    clash = [c for c in wide.columns if c in panel.columns]
    if clash:
        raise ValidationError(
            f"panel already has column(s) {clash}: drop them from the panel first or rename the "
            "indicator(s) in the driver table"
        )
    keys = out[["province_id", "year"]].astype({"province_id": str, "year": "int64"})
    matched = keys.merge(wide.reset_index(), on=["province_id", "year"], how="left", validate="many_to_one")
    for column in wide.columns:
        out[column] = matched[column].astype("float64").to_numpy()
    return out


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
