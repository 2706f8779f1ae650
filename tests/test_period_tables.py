"""parlib.sources.period_tables: period driver tables (one figure per province, indicator and period),
the cited staffing table (data/raw/published/periods/), the SYNTHETIC one (parlib/data/examples/),
and the period_driver template."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest
from faults.fault_helpers import reregister
from table_helpers import error, write

from parlib import config, provinces
from parlib.errors import HashMismatchError, SourceFormatError, UnknownProvinceError, ValidationError
from parlib.sources import tables
from parlib.sources.period_tables import PERIOD_COLUMNS, PERIOD_REQUIRED, period_drivers, read_period_table

FORMATS = ["csv", "xlsx"]
HEADER = PERIOD_REQUIRED
SRC = "https://example.org/report"
REAL = "published/periods/staffing_cuts_2011_2020.csv"
SYNTHETIC = config.example_path("SYNTHETIC_staffing_cuts_2011_2020.csv")
LANG_SON_URL = (
    "https://old.baolangson.vn/en/politics/"
    "14346-summary-of-the-public-administration-reform-par-master-program-2011-2020.html"
)

GOOD = [
    ["Lạng Sơn", 2011, 2020, "staff_cut_pct_admin_agencies", "13,13", "%", SRC],
    ["Lang Son", "2011", "2020", "Staff cut - admin agencies", "1.876", "Persons", SRC],  # names normalised
    ["Lạng Sơn", 2011, 2015, "staff_cut_pct_public_units", 4.5, "percent", SRC],
    ["Lạng Sơn", 2015, 2020, "staff_cut_pct_public_units", 3.0, "percent", SRC],  # follows 2011-2015
    ["TP HCM", 2011, 2020, "staff_cut_pct_admin_agencies", 9.5, "percent", SRC],
    ["TP HCM", 2015, 2021, "staff_cut_pct_public_units", "", "percent", SRC],  # blank: left out
]


# --------------------------------------------------------------------------- good input


@pytest.mark.parametrize("fmt", FORMATS)
def test_read_period_table(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path / f"periods.{fmt}", [*HEADER, "note"], [[*r, f"n{i}"] for i, r in enumerate(GOOD)])
    before = sorted(tmp_path.iterdir())
    table = read_period_table(path)
    assert sorted(tmp_path.iterdir()) == before  # reading writes nothing
    assert list(table.columns) == PERIOD_COLUMNS
    assert len(table) == 5
    values = table.set_index(["indicator", "province_id", "start_year", "end_year"])["value"]
    assert values[("staff_cut_pct_admin_agencies", "20", 2011, 2020)] == 13.13
    assert values[("staff_cut_admin_agencies", "20", 2011, 2020)] == 1876.0
    assert values[("staff_cut_pct_public_units", "20", 2011, 2015)] == 4.5
    assert values[("staff_cut_pct_public_units", "20", 2015, 2020)] == 3.0
    assert values[("staff_cut_pct_admin_agencies", "79", 2011, 2020)] == 9.5
    assert ("staff_cut_pct_public_units", "79", 2015, 2021) not in values.index
    rec = table[table["indicator"] == "staff_cut_admin_agencies"].iloc[0]
    assert (rec["unit"], rec["source"], rec["note"], rec["source_row"]) == ("persons", SRC, "n1", 3)
    assert table["start_year"].dtype == "int64" and table["value"].dtype == "float64"


def test_note_is_optional(tmp_path: Path) -> None:
    table = read_period_table(write(tmp_path / "p.csv", HEADER, GOOD[:1]))
    assert table["note"].tolist() == [""]


# --------------------------------------------------------------------------- bad input

BAD = {
    "start_after_end": (
        [["Lạng Sơn", 2020, 2011, "x", 1, "percent", SRC]],
        ValidationError,
        2,
        "start_year 2020 is after end_year 2011",
    ),
    "year_out_of_range": (
        [["Lạng Sơn", 1999, 2011, "x", 1, "percent", SRC]],
        ValidationError,
        2,
        "column 'start_year': year 1999 outside 2003-",
    ),
    "end_year_not_whole": (
        [["Lạng Sơn", 2011, "2020.5", "x", 1, "percent", SRC]],
        SourceFormatError,
        2,
        "column 'end_year'",
    ),
    "overlap": (
        [
            ["Lạng Sơn", 2011, 2020, "staff_cut_pct_admin_agencies", 13.13, "percent", SRC],
            ["Hà Nội", 2015, 2021, "staff_cut_pct_admin_agencies", 15.6, "percent", SRC],
            ["Lang Son", 2015, 2021, "staff_cut_pct_admin_agencies", 9, "percent", SRC],
        ],
        ValidationError,
        4,
        "staff_cut_pct_admin_agencies of Lang Son (20) 2015-2021 overlaps 2011-2020 in row 2",
    ),
    "nested": (
        [
            ["Lạng Sơn", 2011, 2020, "x", 13.13, "percent", SRC],
            ["Lạng Sơn", 2016, 2018, "x", 2, "percent", SRC],
        ],
        ValidationError,
        3,
        "overlaps 2011-2020 in row 2",
    ),
    "same_period_twice": (
        [
            ["Lạng Sơn", 2011, 2020, "x", 13.13, "percent", SRC],
            ["Lang Son", 2011, 2020, "x", "", "percent", SRC],  # even with a blank value
        ],
        ValidationError,
        3,
        "is already given in row 2",
    ),
    "no_source": ([["Lạng Sơn", 2011, 2020, "x", 1, "percent", ""]], SourceFormatError, 2, "blank source"),
    "unknown_unit": (
        [["Lạng Sơn", 2011, 2020, "x", 1, "percentt", SRC]],
        SourceFormatError,
        2,
        "unknown unit 'percentt' (did you mean 'percent'?)",
    ),
    "unit_changes": (
        [
            ["Lạng Sơn", 2011, 2020, "x", 1, "percent", SRC],
            ["Hà Nội", 2011, 2020, "x", 1, "persons", SRC],
        ],
        ValidationError,
        3,
        "one indicator has one unit",
    ),
    "value_outside_unit": (
        [["Lạng Sơn", 2011, 2020, "x", 113, "percent", SRC]],
        ValidationError,
        2,
        "value 113 outside 0-100 (percent)",
    ),
    "persons_not_whole": (
        [["Lạng Sơn", 2011, 2020, "x", "1,5", "persons", SRC]],
        ValidationError,
        2,
        "1.5 persons is not a whole number",
    ),
    "ambiguous_number": (
        [["Lạng Sơn", 2011, 2020, "x", "57,788", "million VND", SRC]],
        SourceFormatError,
        2,
        "57,788",
    ),
    "not_snake_case": (
        [["Lạng Sơn", 2011, 2020, "cut%", 1, "percent", SRC]],
        SourceFormatError,
        2,
        "not a snake_case name",
    ),
    "unknown_province": (
        [["Lạng Sớn Xyz", 2011, 2020, "x", 1, "percent", SRC]],
        UnknownProvinceError,
        2,
        "column 'province'",
    ),
    "all_blank": ([["Lạng Sơn", 2011, 2020, "x", "", "percent", SRC]], SourceFormatError, None, "no values"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_tables_are_refused(tmp_path: Path, case: str) -> None:
    rows, kind, row, words = BAD[case]
    path = write(tmp_path / f"{case}.csv", HEADER, rows)
    with pytest.raises(kind) as exc:
        read_period_table(path)
    assert words in error(exc, path.name, row)


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", ["province", "year", "indicator", "value", "unit", "source"], [])
    with pytest.raises(SourceFormatError) as exc:
        read_period_table(path)
    assert "missing column(s) 'start_year', 'end_year'" in error(exc, "p.csv", 1)
    path = write(tmp_path / "q.csv", [*HEADER, "period"], [[*GOOD[0], "2011-2020"]])
    with pytest.raises(SourceFormatError) as exc:
        read_period_table(path)
    assert "unknown column(s) 'period'" in error(exc, "q.csv", 1)


# --------------------------------------------------------------------------- period_drivers


def test_period_drivers(tmp_path: Path) -> None:
    path = write(tmp_path / "periods.xlsx", HEADER, GOOD)
    out = period_drivers(path, ["staff_cut_pct_admin_agencies", "staff_cut_admin_agencies"], 2011, 2020)
    assert list(out.columns) == [
        "province_id",
        "driver_staff_cut_pct_admin_agencies",
        "source_staff_cut_pct_admin_agencies",
        "driver_staff_cut_admin_agencies",
        "source_staff_cut_admin_agencies",
    ]
    assert out["province_id"].tolist() == ["20", "79"]
    assert out["driver_staff_cut_pct_admin_agencies"].tolist() == [13.13, 9.5]
    assert out.loc[0, "driver_staff_cut_admin_agencies"] == 1876.0
    assert pd.isna(out.loc[1, "driver_staff_cut_admin_agencies"])  # TP HCM has no count
    assert out["source_staff_cut_pct_admin_agencies"].tolist() == [SRC, SRC]
    assert out.loc[1, "source_staff_cut_admin_agencies"] == ""
    # a table already read gives the same; only the period asked for is kept
    table = read_period_table(path)
    again = period_drivers(table, "staff_cut_pct_public_units", 2015, 2020)
    assert again.to_dict("list") == {
        "province_id": ["20"],
        "driver_staff_cut_pct_public_units": [3.0],
        "source_staff_cut_pct_public_units": [SRC],
    }


def test_period_drivers_refuses_a_missing_period(tmp_path: Path) -> None:
    path = write(tmp_path / "periods.csv", HEADER, GOOD)
    with pytest.raises(ValidationError) as exc:
        period_drivers(path, ["staff_cut_pct_admin_agencies", "staff_cut_pct_public_units"], 2011, 2020)
    message = error(exc, "periods.csv", None)
    assert "staff_cut_pct_public_units has no figure for 2011-2020" in message
    assert message.endswith("its periods are 2011-2015, 2015-2020")  # the blank 2015-2021 row is no figure
    with pytest.raises(ValidationError, match=r"no indicator 'online_share'; the indicators are \["):
        period_drivers(path, "online_share", 2011, 2020)


# --------------------------------------------------------------------------- a driver table's period rows

DRIVER_HEADER = ["province", "year", "indicator", "value", "unit", "qualifier", "period_start", "period_end",
                 "source", "note"]  # fmt: skip
DRIVER_ROWS = [
    ["Lạng Sơn", 2020, "staff_cut_pct_admin_agencies", "13.13", "percent", "period", 2011, 2020, SRC, "n2"],
    ["Lạng Sơn", 2020, "staff_cut_persons_admin_agencies", 315, "persons", "period", 2011, 2020, SRC, "n3"],
    ["Lạng Sơn", 2020, "staff_cut_pct_admin_agencies", 1.5, "percent", "", "", "", SRC, "n4"],  # yearly
    ["Lạng Sơn", 2022, "online_dossiers_share", 98, "percent", "at_least", "", "", SRC, "n5"],
    ["TP HCM", 2020, "staff_cut_pct_admin_agencies", 9.5, "percent", "period", 2011, 2020, SRC, "n6"],
    ["TP HCM", 2022, "staff_cut_pct_admin_agencies", "", "percent", "period", 2020, 2022, SRC, "n7"],  # blank
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_driver_table_with_period_rows(tmp_path: Path, fmt: str) -> None:
    """One reviewed driver table feeds the long difference: its period rows are the period figures."""
    path = write(tmp_path / f"drivers.{fmt}", DRIVER_HEADER, DRIVER_ROWS)
    table = read_period_table(path)
    assert list(table.columns) == PERIOD_COLUMNS
    columns = ["province_id", "start_year", "end_year", "indicator", "value", "note", "source_row"]
    assert table[columns].values.tolist() == [
        ["20", 2011, 2020, "staff_cut_pct_admin_agencies", 13.13, "n2", 2],
        ["79", 2011, 2020, "staff_cut_pct_admin_agencies", 9.5, "n6", 6],
        ["20", 2011, 2020, "staff_cut_persons_admin_agencies", 315.0, "n3", 3],
    ]  # fmt: skip
    assert table.attrs["file"] == path.name
    cuts = period_drivers(
        path, ["staff_cut_pct_admin_agencies", "staff_cut_persons_admin_agencies"], 2011, 2020
    )
    assert cuts["province_id"].tolist() == ["20", "79"]
    assert cuts["driver_staff_cut_pct_admin_agencies"].tolist() == [13.13, 9.5]
    assert cuts.loc[0, "driver_staff_cut_persons_admin_agencies"] == 315.0
    assert cuts["source_staff_cut_pct_admin_agencies"].tolist() == [SRC, SRC]
    with pytest.raises(ValidationError, match=r"has no figure for 2020-2022; its periods are 2011-2020$"):
        period_drivers(path, "staff_cut_pct_admin_agencies", 2020, 2022)  # the blank row is no figure


def test_a_driver_table_without_period_rows_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "yearly.csv", DRIVER_HEADER, DRIVER_ROWS[2:4])
    with pytest.raises(SourceFormatError) as exc:
        read_period_table(path)
    assert "no period figure: a driver table gives one as a row with qualifier 'period'" in error(
        exc, "yearly.csv", None
    )
    # a period-table header keeps the period format and its errors
    path = write(tmp_path / "p.csv", [*HEADER, "qualifier"], [[*GOOD[0], "period"]])
    with pytest.raises(SourceFormatError) as exc:
        read_period_table(path)
    assert "unknown column(s) 'qualifier'" in error(exc, "p.csv", 1)


# --------------------------------------------------------------------------- the committed tables


def test_cited_staffing_table(raw: Path) -> None:
    table = read_period_table(raw / REAL)
    values = table.set_index(["province_id", "indicator", "start_year", "end_year"])["value"]
    # Lạng Sơn, PAR Master Program 2011-2020 summary: "13.13% (decreasing 315 people) in administrative
    # agencies and 7.72% (decreasing 1,876 people) in non-business units"
    assert values[("20", "staff_cut_pct_admin_agencies", 2011, 2020)] == 13.13
    assert values[("20", "staff_cut_admin_agencies", 2011, 2020)] == 315
    assert values[("20", "staff_cut_pct_public_units", 2011, 2020)] == 7.72
    assert values[("20", "staff_cut_public_units", 2011, 2020)] == 1876
    assert len(table) == 4 and set(table["province_id"]) == {"20"}
    assert table["source"].str.startswith("https://").all()
    assert (table["source"] == LANG_SON_URL).all()
    assert (table["note"].str.len() > 40).all()  # what the figure measures, in every row
    assert not table["source"].str.contains("SYNTHETIC").any()
    # the long difference 2011-2020: Lạng Sơn only, with its source to cite
    cuts = period_drivers(table, "staff_cut_pct_admin_agencies", 2011, 2020)
    assert cuts.to_dict("list") == {
        "province_id": ["20"],
        "driver_staff_cut_pct_admin_agencies": [13.13],
        "source_staff_cut_pct_admin_agencies": [LANG_SON_URL],
    }


def _generator():
    spec = importlib.util.spec_from_file_location("make_synthetic", SYNTHETIC.parent / "make_synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_staffing_table(raw: Path, tmp_path: Path) -> None:
    assert "SYNTHETIC" in SYNTHETIC.name
    table = read_period_table(SYNTHETIC)
    assert len(table) == 63
    assert set(table["province_id"]) == set(provinces.provinces("63", year=2020).index)
    assert set(table["indicator"]) == {"staff_cut_pct_admin_agencies"}
    assert set(zip(table["start_year"], table["end_year"], strict=True)) == {(2011, 2020)}
    label = "SYNTHETIC: generated by parlib/data/examples/make_synthetic.py, seed 20112020; not data"
    assert (table["source"] == label).all() and (table["note"] == label).all()
    assert table["value"].between(3, 20).all() and table["value"].nunique() > 50
    # the generator is deterministic: it writes the committed bytes again
    generator = _generator()
    generator.OUT = tmp_path / "again.csv"
    assert generator.main().read_bytes() == SYNTHETIC.read_bytes()


# --------------------------------------------------------------------------- registered files: sha256


def _private_raw(raw: Path, tmp_path: Path) -> Path:
    """data/raw/published/periods and the registry, copied to a private raw folder."""
    copy = tmp_path / "raw"
    shutil.copytree(raw / "published" / "periods", copy / "published" / "periods")
    shutil.copyfile(raw / "registry.csv", copy / "registry.csv")
    return copy


def test_a_changed_registered_table_is_refused(raw: Path, tmp_path: Path, monkeypatch) -> None:
    copy = _private_raw(raw, tmp_path)
    monkeypatch.setenv("PARLIB_RAW_DIR", str(copy))
    assert config.raw_dir() == copy.resolve()
    assert len(read_period_table(copy / REAL)) == 4  # registered and unchanged: read
    with (copy / REAL).open("a", encoding="utf-8") as handle:
        handle.write(f"Cao Bằng,2011,2020,staff_cut_pct_admin_agencies,12,percent,{SRC},edited\n")
    with pytest.raises(HashMismatchError) as exc:
        read_period_table(copy / REAL)
    message = error(exc, "staffing_cuts_2011_2020.csv", None)
    assert "does not match" in message and "registry.csv" in message
    reregister(copy, REAL)  # changed on purpose and recorded: read again, with the new row
    assert "04" in set(read_period_table(copy / REAL)["province_id"])
    # a copy outside data/raw, or a file the registry does not list, is read as it is
    outside = shutil.copyfile(copy / REAL, tmp_path / "mine.csv")
    assert len(read_period_table(outside)) == 5
    unlisted = shutil.copyfile(copy / REAL, copy / "published" / "periods" / "mine.csv")
    assert len(read_period_table(unlisted)) == 5


# --------------------------------------------------------------------------- template


@pytest.mark.parametrize("fmt", FORMATS)
def test_period_driver_template(tmp_path: Path, fmt: str) -> None:
    dest = tables.write_template("period_driver", tmp_path / f"periods.{fmt}")
    with pytest.raises(SourceFormatError) as exc:
        read_period_table(dest)
    assert "example row" in error(exc, dest.name, 2)
    frame = pd.read_csv(tables.template_path("period_driver"), dtype=str, keep_default_na=False)
    assert list(frame.columns) == [*HEADER, "note"]
    assert frame["note"].str.startswith("EXAMPLE (invented values)").all()
    filled = write(tmp_path / f"filled.{fmt}", list(frame.columns), frame.assign(note="").values.tolist())
    table = read_period_table(filled)
    assert set(table["indicator"]) == set(frame["indicator"]) and len(table) == len(frame) - 1  # one blank
    assert period_drivers(table, "staff_cut_pct_admin_agencies", 2011, 2020)["province_id"].tolist() == ["20"]
