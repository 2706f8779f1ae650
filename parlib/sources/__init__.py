"""Source readers: one module per raw source, each reading the ORIGINAL files as they are.

Contract every source module follows (``parlib.panel`` relies on it):

- ``FILES: list[str]``: the registry names (paths under data/raw, e.g.
  ``"ml-mcdm/data/csv/2011.csv"``) the module reads. Used for staleness checks.
- ``UNITS: dict[str, tuple[float, float]]``: every ``unit`` string the module emits, with
  the inclusive bounds of its scale. The panel schema rejects a value outside them.
- ``read(raw: Path | None = None) -> pandas.DataFrame``: tidy observations with exactly
  the columns of ``OBS_COLUMNS`` (one row per index, component, province, geo, year):

  ========== ======== ==========================================================
  index      str      PAPI, PCI, PAR_INDEX, SIPAS, DTI, GSO, BUDGET, or a driver name
  component  str      ``total``, a dimension, a sub-dimension, a sub-index (unique
                      within the index; the hierarchy lives in the module's codebook)
  province_id str     two-digit GSO code (``"20"``), from ``parlib.provinces.normalize``
  geo        str      ``"63"`` (Aug 2008 - Jun 2025, plus Hà Tây ``"28"``) or ``"34"``
  year       int      survey / reference year
  value      float    never 0 for "not scored": such rows are dropped (missing is missing)
  unit       str      a key of the module's UNITS
  source     str      registry name of the file the value was read from
  method_era str|None the method era (PAPI ``2011-2015`` ...), None when there is no break
  ========== ======== ==========================================================

  Optional provenance columns (``PROVENANCE_COLUMNS``), after those, where the reader knows
  them; ``parlib.schema.validate_observations`` uses them to name the cell of a bad value, and
  ``parlib.panel`` does not write them:

  ============ ============ ========================================================
  source_row   Int64 (NA)   the row the user sees in ``source``: for a CSV its line number
                            (header = line 1), for a workbook the row number as Excel shows
                            it (1-based) in ``source_sheet``. A value derived from several
                            cells of one row (a PAPI dimension from ml-mcdm) carries that row.
  source_sheet str | None   the workbook sheet the value was read from; None for a CSV
  ============ ============ ========================================================

  A renamed or missing column raises ``parlib.errors.SourceFormatError`` naming the file;
  an unknown province raises ``UnknownProvinceError`` (quote file and row).

Every read of a raw file (``pd.read_csv``, ``pd.read_excel``, openpyxl / xlrd, ``json``) goes
through ``reading(path)``, which turns a file the library cannot parse (truncated, not the
format its name says, bad encoding, missing sheet) into one ``SourceFormatError`` naming it.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd

from parlib.config import shown_path
from parlib.errors import ParlibError, SourceFormatError

OBS_COLUMNS = ["index", "component", "province_id", "geo", "year", "value", "unit", "source", "method_era"]

PROVENANCE_COLUMNS = ["source_row", "source_sheet"]
"""Optional columns of a reader's observations (see above); never written to the parquet files."""

SOURCE_MODULES = ["papi", "pci", "gso", "published", "budget"]


def finish(
    obs: pd.DataFrame,
    *,
    index: str,
    geo: str,
    unit_of: Callable[[str], str],
    method_era: Callable[[int], str | None] | None,
    components: Sequence[str],
) -> pd.DataFrame:
    """Complete a reader's rows (component, province_id, year, value, source) to the contract.

    Adds index, geo, unit and method_era, fixes the dtypes and sorts by year, province and
    the codebook order of ``components``. ``source_row`` and ``source_sheet``, when the rows
    have them, are kept after ``OBS_COLUMNS`` (see ``with_provenance``).
    """
    obs = obs.copy()
    obs["index"], obs["geo"] = index, geo
    obs["unit"] = obs["component"].map(unit_of)
    obs["method_era"] = obs["year"].map(method_era) if method_era else None
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    order = {c: i for i, c in enumerate(components)}
    obs = obs.sort_values(
        ["year", "province_id", "component"], key=lambda s: s.map(order) if s.name == "component" else s
    )
    return with_provenance(obs).reset_index(drop=True)


def with_provenance(obs: pd.DataFrame) -> pd.DataFrame:
    """``OBS_COLUMNS`` plus whichever of ``PROVENANCE_COLUMNS`` ``obs`` has, with their dtypes
    (``source_row`` nullable Int64, ``source_sheet`` str or None)."""
    extra = [c for c in PROVENANCE_COLUMNS if c in obs.columns]
    out = obs[OBS_COLUMNS + extra]
    if extra:
        out = out.copy()
    if "source_row" in extra:
        out["source_row"] = out["source_row"].astype("Int64")
    if "source_sheet" in extra:
        sheet = out["source_sheet"].astype(object)
        out["source_sheet"] = sheet.where(sheet.notna(), None)
    return out


_KINDS = {
    ".csv": "CSV file",
    ".xlsx": "XLSX workbook",
    ".xlsm": "XLSX workbook",
    ".xls": "XLS workbook",
    ".json": "JSON file",
    ".geojson": "JSON file",
}


def _format_errors() -> tuple[type[BaseException], ...]:
    """What the parsers raise on a file they cannot read (imported lazily: xlrd is optional here)."""
    import struct
    import xml.etree.ElementTree as ET
    import zipfile
    import zlib

    errors: list[type[BaseException]] = [
        zipfile.BadZipFile,  # a truncated or non-zip .xlsx
        zlib.error,
        ET.ParseError,  # a damaged XML part inside an .xlsx
        UnicodeDecodeError,
        csv.Error,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        KeyError,  # a missing sheet (openpyxl) or part of a workbook
        ValueError,  # pandas cannot tell the format, a missing sheet (pandas), JSON syntax
        OSError,
        EOFError,
        struct.error,  # xlrd on a truncated .xls
        IndexError,  # xlrd on a truncated .xls ("array index out of range")
        AssertionError,  # xlrd's internal consistency checks
    ]
    try:
        import xlrd

        errors += [xlrd.XLRDError, xlrd.compdoc.CompDocError]
    except ImportError:  # pragma: no cover - xlrd is a dependency
        pass
    return tuple(errors)


@contextlib.contextmanager
def reading(path: object, *, kind: str | None = None, committed: bool = False) -> Iterator[None]:
    """Guard ONE raw read: a parse failure becomes a one-line SourceFormatError naming ``path``.

    ``with reading(path): frame = pd.read_csv(path)``. Wrap only the library calls that read the
    file (open, parse, iterate its rows), never parlib's own checks: parlib's errors pass through
    unchanged, and anything else raised inside is reported as the file being unreadable, e.g.
    ``.../PAPI_2011-2016.xlsx: not a readable XLSX workbook (File is not a zip file); delete it and
    run `parlib data pull` to restore it``. ``kind`` defaults to one named after the suffix;
    ``committed`` files (data/raw/published) are restored with git, not pulled.
    """
    try:
        yield
    except ParlibError:
        raise
    except _format_errors() as exc:
        what = kind or _KINDS.get(Path(str(path)).suffix.lower(), "file")
        detail = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, KeyError):
            detail = f"{type(exc).__name__}: {detail}"
        hint = (
            f"restore it with `git checkout -- {shown_path(path)}`"
            if committed
            else "delete it and run `parlib data pull` to restore it"
        )
        raise SourceFormatError(path, f"not a readable {what} ({detail}); {hint}") from None


def csv_line_numbers(path: Path, *, encoding: str = "utf-8-sig") -> list[int] | None:
    """Line number (header = line 1) of each data record of a CSV, as ``pd.read_csv`` numbers them.

    Blank lines are skipped as pandas skips them, and a record spanning several lines gets the
    line it starts on. Returns None when the file cannot be split that way (then a reader must
    not guess a row). Call it inside ``reading(path)``.
    """
    raw_lines: list[str] = []

    def feed() -> Iterator[str]:
        for line in io.StringIO(path.read_text(encoding=encoding), newline=""):
            raw_lines.append(line)
            yield line

    lines: list[int] = []
    reader = csv.reader(feed())
    start = 1
    for _ in reader:
        if reader.line_num > start or raw_lines[start - 1].strip():  # pandas skips blank lines only
            lines.append(start)
        start = reader.line_num + 1
    return lines[1:] if lines else None


def number_rows(frame: pd.DataFrame, path: Path, *, encoding: str = "utf-8-sig") -> pd.Series:
    """``frame`` (from ``pd.read_csv(path)``)'s line numbers as a nullable Int64 Series on its index.

    All NA when the line count does not match pandas' record count: no row is better than a
    wrong one.
    """
    lines = csv_line_numbers(path, encoding=encoding)
    if lines is None or len(lines) != len(frame):
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    return pd.Series(lines, index=frame.index, dtype="Int64")


def read_guide(path: Path) -> tuple[pd.DataFrame, list[int]]:
    """A small CSV layout guide as text cells, with the file line each record ends on (header = 1)."""
    import csv
    import io

    with reading(path):
        reader = csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig")))
        records, lines = [], []
        for record in reader:
            records.append(record)
            lines.append(reader.line_num)
    return pd.DataFrame(records, columns=reader.fieldnames or [], dtype=str), lines
