"""Faults in the raw files, as the source readers and the observations schema report them.

Issue 8: a value out of scale is reported with the raw file and ITS row (line of a CSV, Excel
row of a sheet), with plain numbers. Issue 5 (raw part): a damaged raw file (truncated
workbook, bad encoding, empty CSV) is one SourceFormatError naming the file, not a traceback.

Every test damages a private copy of data/raw; the registry of that copy is updated with the
new sha256 (a deliberate edit), so the build's hash check lets the reader see the file.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from fault_helpers import cli, copy_processed, copy_raw, env, error_line, reregister, snapshot

from parlib import config, panel, schema
from parlib.errors import SourceFormatError, ValidationError
from parlib.sources import budget, gso, papi, pci

PAPI_XLSX = papi.MDTRINH_FILE
UNDP_XLSM = papi.UNDP_FILE
PCI_XLS = "vietnamdata/data-raw/PCI/PCI_2008.xls"
PCI_XLSX = "vietnamdata/data-raw/PCI/PCI_2014.xlsx"
BUDGET_XLS = "vietnamdata/data-raw/Budget/Final_2010.xls"
MLMCDM_2024 = papi.mlmcdm_file(2024)


def _truncate(raw: Path, name: str, size: int = 6000) -> Path:
    path = raw / name
    path.write_bytes(path.read_bytes()[:size])
    reregister(raw, name)
    return path


def _set_cell(raw: Path, name: str, sheet: str, row: int, header: str, value: object) -> None:
    """Write ``value`` in the column headed ``header`` (row 1) of ``sheet``, at Excel ``row``."""
    path = raw / name
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    column = next(c.column for c in ws[1] if c.value == header)
    ws.cell(row=row, column=column, value=value)
    wb.save(path)
    reregister(raw, name)


def _edit_csv_field(raw: Path, name: str, line: int, field: int, value: str) -> None:
    path = raw / name
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[line - 1].split(",")
    fields[field] = value
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    reregister(raw, name)


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text, text
    assert "np." not in text and "numpy" not in text, text
    return text


# ------------------------------------------------------------------ the guard itself


def _reading(path: Path, **options: object):
    from parlib.sources import reading  # imported here: the other tests also run on code without it

    return reading(path, **options)


def test_reading_turns_a_parser_error_into_one_line_naming_the_file() -> None:
    path = Path("data/raw") / PAPI_XLSX
    with pytest.raises(SourceFormatError) as info, _reading(path):
        raise zipfile.BadZipFile("File is not a zip file")
    assert str(info.value) == (
        f"{path}: not a readable XLSX workbook (File is not a zip file); "
        "delete it and run `parlib data pull` to restore it"
    )
    assert info.value.file == path and info.value.__cause__ is None


def test_reading_lets_parlib_errors_through_unchanged() -> None:
    own = SourceFormatError("some.csv", "column 'x' missing", row=4)
    with pytest.raises(SourceFormatError) as info, _reading(Path("some.csv")):
        raise own
    assert info.value is own


def test_reading_names_a_missing_sheet_and_a_committed_file() -> None:
    with pytest.raises(SourceFormatError, match=r"^t\.xlsx: not a readable XLSX workbook \(KeyError: "):
        with _reading(Path("t.xlsx")):
            raise KeyError("Worksheet 2019 does not exist.")  # openpyxl's wb["2019"]
    with pytest.raises(SourceFormatError, match=r"restore it with `git checkout -- published/x\.csv`$"):
        with _reading(Path("published/x.csv"), committed=True):
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")


# ------------------------------------------------------------------ damaged raw files (case 5)

DAMAGED: list[tuple[str, str, Callable[[Path], object], str]] = [
    (
        PAPI_XLSX,
        "truncated",
        papi.read_undp_2011_2016,
        "not a readable XLSX workbook (File is not a zip file)",
    ),
    (
        UNDP_XLSM,
        "truncated",
        lambda raw: papi.read_undp_2018_2023(raw, expected_copies=papi.KNOWN_COPIES),
        "not a readable XLSX workbook (File is not a zip file)",
    ),
    (PCI_XLS, "truncated", pci.read, "not a readable XLS workbook ("),
    (PCI_XLSX, "truncated", pci.read, "not a readable XLSX workbook (File is not a zip file)"),
    (PCI_XLSX, "empty", pci.read, "not a readable XLSX workbook ("),
    (BUDGET_XLS, "truncated", budget.read, "not a readable XLS workbook ("),
    (MLMCDM_2024, "latin-1", papi.read_mlmcdm, "not a readable CSV file ('utf-8' codec can't decode"),
    (pci.IMPORT_FILE, "latin-1", pci.layouts, "not a readable CSV file ('utf-8' codec can't decode"),
    (budget.GUIDES["plan"], "latin-1", budget.layouts, "not a readable CSV file ('utf-8' codec"),
    (
        gso.POPULATION_FILES[2015],
        "empty",
        gso.read,
        "not a readable CSV file (No columns to parse from file)",
    ),
]


@pytest.mark.parametrize(
    ("name", "damage", "reader", "message"),
    DAMAGED,
    ids=[f"{n.split('/')[-1]}-{d}" for n, d, _, _ in DAMAGED],
)
def test_damaged_raw_file_is_one_error_naming_it(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], name: str, damage: str, reader, message: str
) -> None:
    raw = copy_raw(config.raw_dir(), tmp_path / "raw")
    path = raw / name
    if damage == "truncated":
        _truncate(raw, name)
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a non-UTF-8 byte, as a latin-1 editor would save 'Hà'
        path.write_bytes(path.read_bytes() + "Hà Noi\n".encode("latin-1"))
    with pytest.raises(SourceFormatError) as info:
        reader(raw)
    text = _one_line(info.value)
    assert text.startswith(f"{path}: {message}"), text
    assert text.endswith("delete it and run `parlib data pull` to restore it"), text
    out, err = capfd.readouterr()
    assert "WARNING" not in out + err  # xlrd's complaints about a damaged .xls stay quiet


def test_truncated_workbook_cli_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    raw = copy_raw(config.raw_dir(), tmp_path / "raw")
    _truncate(raw, PAPI_XLSX)
    processed = tmp_path / "processed"
    proc = cli("data", "build", environ=env(PARLIB_RAW_DIR=raw, PARLIB_PROCESSED_DIR=processed))
    line = error_line(proc, "PAPI_2011-2016.xlsx", "not a readable XLSX workbook (File is not a zip file)")
    assert "parlib data pull" in line
    assert not list(processed.rglob("*.parquet"))  # nothing written


# ------------------------------------------------------------------ values out of scale (case 8)


def test_mlmcdm_value_out_of_scale_names_the_line_of_the_csv(tmp_path: Path) -> None:
    raw = copy_raw(config.raw_dir(), tmp_path / "raw")
    _edit_csv_field(raw, MLMCDM_2024, line=17, field=1, value="95.2")  # P16, SC11
    with pytest.raises(SourceFormatError) as info:
        panel.read_observations(raw)
    text = _one_line(info.value)
    assert text == (
        f"{raw / MLMCDM_2024}, row 17: column SC11 (civic_knowledge): 95.2 is outside 'points (0.25-2.5)'"
    )


def test_workbook_value_out_of_scale_names_sheet_and_excel_row(tmp_path: Path, built_processed) -> None:
    raw = copy_raw(config.raw_dir(), tmp_path / "raw")
    _set_cell(raw, PAPI_XLSX, "2013_PAPI", 15, "Un-weighted2015PAPI", 95.2)  # row 15: Lạng Sơn
    readers = shutil.copytree(built_processed / panel.READERS, tmp_path / "readers")  # others kept
    with pytest.raises(ValidationError) as info:
        panel.read_observations(raw, cache=readers)
    text = _one_line(info.value)
    assert text == (
        f"{raw / PAPI_XLSX} [sheet 2013_PAPI], row 15: PAPI/total province 20 (geo 63) year 2013: "
        "value 95.2 outside 'points (6-60)' 6..60 (rule value_within_scale_of_unit)"
    )


def test_workbook_value_out_of_scale_cli_is_one_line_and_writes_nothing(
    tmp_path: Path, built_processed
) -> None:
    raw = copy_raw(config.raw_dir(), tmp_path / "raw")
    _set_cell(raw, PAPI_XLSX, "2016_PAPI", 3, "Un-weighted2015PAPI", 61.5)  # row 3: Hà Nội
    processed = copy_processed(built_processed, tmp_path / "processed")
    before = snapshot(processed)
    proc = cli("data", "build", environ=env(PARLIB_RAW_DIR=raw, PARLIB_PROCESSED_DIR=processed))
    error_line(
        proc,
        "PAPI_2011-2016.xlsx [sheet 2016_PAPI], row 3: PAPI/total province 01 (geo 63) year 2016",
        "value 61.5 outside 'points (6-60)' 6..60",
    )
    assert snapshot(processed) == before  # nothing written


@pytest.fixture(scope="module")
def gso_obs() -> pd.DataFrame:
    return gso.read()


def test_schema_message_has_plain_numbers_and_the_file_row(gso_obs: pd.DataFrame) -> None:
    obs = gso_obs.copy()
    at = obs.index[(obs["component"] == "population") & (obs["province_id"] == "20") & (obs["year"] == 2022)]
    obs.loc[at, "value"] = 123456.789
    with pytest.raises(ValidationError) as info:
        schema.validate_observations(obs, gso.UNITS, raw=Path("/data/raw"))
    assert _one_line(info.value) == (
        "/data/raw/web-based-interactive-visualization/data/population/population_2022.csv, row 20: "
        "GSO/population province 20 (geo 63) year 2022: value 123456.789 outside 'thousand persons' "
        "0..100000 (rule value_within_scale_of_unit)"
    )


def test_schema_without_source_rows_names_the_file_only(gso_obs: pd.DataFrame) -> None:
    obs = gso_obs.drop(columns="source_row")
    at = obs.index[(obs["component"] == "area") & (obs["province_id"] == "01") & (obs["year"] == 2011)]
    obs.loc[at, "value"] = -1.5
    with pytest.raises(ValidationError) as info:
        schema.validate_observations(obs, gso.UNITS)
    text = _one_line(info.value)
    assert text.startswith(
        "web-based-interactive-visualization/data/population/population_2011.csv: GSO/area"
    )
    assert "value -1.5 outside 'km2' 0..100000" in text and "row" not in text


def test_duplicate_key_names_both_files_and_rows(gso_obs: pd.DataFrame) -> None:
    first = gso_obs[(gso_obs["component"] == "population") & (gso_obs["province_id"] == "20")].head(1)
    other = first.assign(source="published/drivers/drivers_point_figures_partial.csv", source_row=7)
    obs = pd.concat([gso_obs, other], ignore_index=True)
    with pytest.raises(ValidationError) as info:
        schema.validate_observations(obs, gso.UNITS)
    assert _one_line(info.value) == (
        "web-based-interactive-visualization/data/population/population_2011.csv, row 20 and "
        "published/drivers/drivers_point_figures_partial.csv, row 7: "
        "duplicate key GSO/population province 20 (geo 63) year 2011 (rule unique_key)"
    )


def test_duplicate_key_in_one_file_names_both_rows(gso_obs: pd.DataFrame) -> None:
    first = gso_obs[(gso_obs["component"] == "population") & (gso_obs["province_id"] == "20")].head(1)
    obs = pd.concat([gso_obs, first.assign(source_row=64)], ignore_index=True)
    with pytest.raises(ValidationError) as info:
        schema.validate_observations(obs, gso.UNITS)
    text = _one_line(info.value)
    assert text.startswith(
        "web-based-interactive-visualization/data/population/population_2011.csv, rows 20 and 64:"
    )
    assert text.endswith(": duplicate key GSO/population province 20 (geo 63) year 2011 (rule unique_key)")
