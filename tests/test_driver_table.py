"""parlib.sources.tables driver tables: read_driver_table and merge_drivers, CSV and XLSX, good and bad."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from table_helpers import Fmt, error, write, write_xlsx

from parlib import schema
from parlib.errors import ParlibError, SourceFormatError, UnknownProvinceError, ValidationError
from parlib.sources import OBS_COLUMNS, tables
from parlib.sources.period_tables import period_drivers, read_period_table

FORMATS = ["csv", "xlsx"]
HEADER = tables.DRIVER_REQUIRED
SRC = "Sở Nội vụ: báo cáo 2022"


GOOD = [
    ["Lạng Sơn", 2021, "staff_admin_agencies", 1850, "persons", SRC],
    ["Lạng Sơn", 2022, "staff_admin_agencies", "1820", "Persons", SRC],
    ["Lang Son", 2022, "Staff cut pct - admin agencies", "10,5", "%", SRC],  # names and units normalised
    ["TP HCM", 2022, "online_services_share", 0.62, "share", SRC],
    ["TP HCM", 2023, "online_services_share", "", "share", SRC],  # blank: not available, left out
    ["Cao Bằng", 2022, "staff_change_pct", -12.5, "percent change", SRC],
]


# --------------------------------------------------------------------------- good input


@pytest.mark.parametrize("fmt", FORMATS)
def test_driver_table_observations(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path / f"drivers.{fmt}", [*HEADER, "note", "source_url"], [[*r, "", ""] for r in GOOD])
    before = sorted(tmp_path.iterdir())
    obs = tables.read_driver_table(path)
    assert sorted(tmp_path.iterdir()) == before  # reading writes nothing
    assert list(obs.columns) == OBS_COLUMNS
    assert len(obs) == 5
    assert set(obs["index"]) == {"DRIVER"} and set(obs["geo"]) == {"63"}
    assert obs["method_era"].isna().all()
    assert set(obs["source"]) == {f"{path.name} | {SRC}"}
    values = obs.set_index(["component", "province_id", "year"])["value"]
    assert values[("staff_admin_agencies", "20", 2021)] == 1850.0
    assert values[("staff_admin_agencies", "20", 2022)] == 1820.0
    assert values[("staff_cut_pct_admin_agencies", "20", 2022)] == 10.5
    assert values[("online_services_share", "79", 2022)] == 0.62
    assert ("online_services_share", "79", 2023) not in values.index
    assert values[("staff_change_pct", "04", 2022)] == -12.5
    units = obs.drop_duplicates("component").set_index("component")["unit"].to_dict()
    assert units == {
        "online_services_share": "share",
        "staff_admin_agencies": "persons",
        "staff_change_pct": "percent change",
        "staff_cut_pct_admin_agencies": "percent",
    }
    schema.validate_observations(obs, tables.DRIVER_UNITS)  # the observation contract holds


def test_csv_and_xlsx_read_the_same(tmp_path: Path) -> None:
    a = tables.read_driver_table(write(tmp_path / "d.csv", HEADER, GOOD))
    b = tables.read_driver_table(write(tmp_path / "d.xlsx", HEADER, GOOD))
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))


def test_driver_units_agree_with_the_other_sources() -> None:
    from parlib import panel

    merged = panel.units()
    for unit, bounds in tables.DRIVER_UNITS.items():
        assert merged.get(unit, bounds) == bounds, unit
    assert tables.DRIVER_UNITS["persons"] == (0.0, math.inf)


# --------------------------------------------------------------------------- numbers by unit

NUMBERS = [
    # value as written, unit, value read
    ("1.850", "persons", 1850.0),  # a count has no decimals: the dot groups thousands
    ("1,850", "persons", 1850.0),
    ("1.234.567", "count", 1234567.0),
    ("1,234,567", "million VND", 1234567.0),
    ("1.234.567,5", "million VND", 1234567.5),
    ("57 788", "million VND", 57788.0),
    ("57788,0", "million VND", 57788.0),
    ("57,7880", "million VND per person", 57.788),
    ("12,5", "percent", 12.5),
    ("81,450", "percent", 81.45),  # 81450 is not a percent
    ("45%", "share", 0.45),  # a percentage in a share is the fraction
    ("-12,5%", "percent change", -12.5),
    ("3,5", "days", 3.5),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_driver_numbers_are_read_in_their_unit(tmp_path: Path, fmt: str) -> None:
    rows = [
        ["Lang Son", 2000 + 10 + i, f"x{i}", text, unit, SRC] for i, (text, unit, _) in enumerate(NUMBERS)
    ]
    obs = tables.read_driver_table(write(tmp_path / f"d.{fmt}", HEADER, rows))
    got = obs.set_index("component")["value"]
    for i, (text, unit, expected) in enumerate(NUMBERS):
        assert got[f"x{i}"] == pytest.approx(expected, rel=1e-15, abs=0), (text, unit)


def test_percent_formatted_cells_in_a_driver_table(tmp_path: Path) -> None:
    rows = [
        ["Lang Son", 2022, "online_services_pct", Fmt(0.8145, "0.00%"), "percent", SRC],  # shows 81.45%
        ["Lang Son", 2022, "online_services_share", Fmt(0.8145, "0.00%"), "share", SRC],
        ["Lang Son", 2022, "staff_change_pct", Fmt(-0.125, "0.0%"), "percent change", SRC],
        ["Lang Son", 2022, "it_spending", Fmt(57.788, "#,##0.000"), "million VND", SRC],  # a number: as is
        ["Lang Son", 2022, "it_budget", "57,788", "million VND", SRC],  # text: read like a CSV cell
    ]
    path = write_xlsx(tmp_path / "d.xlsx", HEADER, rows[:4])
    values = tables.read_driver_table(path).set_index("component")["value"].to_dict()
    assert values == {
        "online_services_pct": 81.45,
        "online_services_share": 0.8145,
        "staff_change_pct": -12.5,
        "it_spending": 57.788,
    }
    with pytest.raises(SourceFormatError) as exc:
        tables.read_driver_table(write_xlsx(tmp_path / "text.xlsx", HEADER, rows[3:]))
    assert "'57,788' (million VND) is ambiguous" in error(exc, "text.xlsx", 3)
    bad = [["Lang Son", 2022, "it_spending", Fmt(0.8145, "0.00%"), "million VND", SRC]]
    with pytest.raises(SourceFormatError) as exc:
        tables.read_driver_table(write_xlsx(tmp_path / "bad.xlsx", HEADER, bad))
    message = error(exc, "bad.xlsx", 2)
    assert "the cell shows 81.45% (a percent format), but 'million VND' is not a percentage" in message


def test_ambiguous_values_name_the_other_rows(tmp_path: Path) -> None:
    rows = [["Lang Son", 2010 + i, "it_spending", text, "million VND", SRC] for i, text in
            enumerate(["57788", "57,788", "1.234.567,5", "12,500", "12,5", "999,999"])]  # fmt: skip
    path = write(tmp_path / "budget.csv", HEADER, rows)
    with pytest.raises(SourceFormatError) as exc:
        tables.read_driver_table(path)
    message = error(exc, "budget.csv", 3)
    assert message.endswith("(also ambiguous: 2 more in this column, rows 5, 7)")


def test_declared_decimal_point(tmp_path: Path) -> None:
    rows = [
        ["Lang Son", 2021, "it_spending", "57,788", "million VND", SRC],
        ["Lang Son", 2022, "it_spending", "1.234,5", "million VND", SRC],
        ["Lang Son", 2022, "staff_admin_agencies", "1.850", "persons", SRC],
    ]
    path = write(tmp_path / "vn.csv", HEADER, rows)
    obs = tables.read_driver_table(path, decimal=",")
    assert obs["value"].tolist() == [57.788, 1234.5, 1850.0]
    with pytest.raises(SourceFormatError) as exc:  # '1.234,5' cannot follow decimal='.'
        tables.read_driver_table(path, decimal=".")
    assert "'1.234,5' does not follow decimal='.'" in error(exc, "vn.csv", 3)
    merged = tables.merge_drivers(_panel(), write(tmp_path / "en.csv", HEADER, rows[:1]), decimal=".")
    driver = merged["driver_it_spending"]
    assert driver.iloc[0] == 57788.0 and driver.iloc[1:].isna().all()
    with pytest.raises(ValueError, match="decimal must be"):
        tables.read_driver_table(path, decimal="comma")


# --------------------------------------------------------------------------- bad input


def _bad_cases() -> list[tuple[str, list[str], list[list[object]], int, type, str]]:
    """(id, header, rows, row named, error class, text in the message)."""
    ok = ["Ha Noi", 2022, "staff_admin_agencies", 5200, "persons", SRC]
    # a good row 2, then a bad row 3: (id, row 3, error class, text in the message)
    # fmt: off
    row_3 = [
        ("unknown province", ["Lang Sonn", 2022, "staff_admin_agencies", 1850, "persons", SRC],
         UnknownProvinceError, "'Lang Sonn'"),
        ("duplicate", ["Hà Nội", 2022, "Staff admin agencies", 5100, "persons", SRC],
         ValidationError, "staff_admin_agencies of Hà Nội (01) 2022 is already given in row 2"),
        ("unknown unit", ["Lang Son", 2022, "staff_cut_pct_admin_agencies", 10, "percnt", SRC],
         SourceFormatError, "unknown unit 'percnt' (did you mean 'percent'?)"),
        ("unit changes", ["Lang Son", 2022, "staff_admin_agencies", 10, "percent", SRC],
         ValidationError, "is in 'percent' here but in 'persons' in row 2"),
        ("percent above 100", ["Lang Son", 2022, "staff_cut_pct_public_units", 120, "percent", SRC],
         ValidationError, "value 120 outside 0-100 (percent)"),
        ("negative persons", ["Lang Son", 2022, "staff_admin_agencies", -3, "persons", SRC],
         ValidationError, "value -3 outside >= 0 (persons)"),
        ("share written as a percentage", ["Lang Son", 2022, "online_services_share", 45, "share", SRC],
         ValidationError, "use unit 'percent' for a percentage"),
        ("cut of more than 100 percent", ["Lang Son", 2022, "staff_change_pct", -101, "percent change", SRC],
         ValidationError, "value -101 outside >= -100 (percent change)"),
        ("bad number", ["Lang Son", 2022, "staff_admin_agencies", "18S0", "persons", SRC],
         SourceFormatError, "not a number: '18S0'"),
        ("decimals in a count", ["Lang Son", 2022, "staff_admin_agencies", "1,5", "persons", SRC],
         ValidationError, "1.5 persons is not a whole number (a count has no decimals)"),
        ("ambiguous amount", ["Lang Son", 2022, "it_spending", "57,788", "million VND", SRC],
         SourceFormatError,
         "'57,788' (million VND) is ambiguous: 57788 (',' separating thousands) or 57.788"),
        ("ambiguous days", ["Lang Son", 2022, "processing_days", "1.500", "days", SRC],
         SourceFormatError, "'1.500' (days) is ambiguous"),
        ("percentage in a count", ["Lang Son", 2022, "staff_admin_agencies", "12%", "persons", SRC],
         SourceFormatError, "'12%' is a percentage, but 'persons' is not a percentage"),
        ("thousands not in threes", ["Lang Son", 2022, "it_spending", "12,34,567", "million VND", SRC],
         SourceFormatError, "not a number: '12,34,567' (thousands separators group the digits in threes"),
        ("blank source", ["Lang Son", 2022, "staff_admin_agencies", 1850, "persons", ""],
         SourceFormatError, "blank source"),
        ("indicator not snake_case", ["Lang Son", 2022, "số cán bộ", 1850, "persons", SRC],
         SourceFormatError, "not a snake_case name"),
        ("bad year", ["Lang Son", 1990, "staff_admin_agencies", 1850, "persons", SRC],
         ValidationError, "year 1990 outside 2003-"),
    ]
    # fmt: on
    return [
        *[(name, HEADER, [ok, bad], 3, cls, text) for name, bad, cls, text in row_3],
        (
            "missing column",
            ["province", "year", "indicator", "value", "source"],
            [["Lang Son", 2022, "staff_admin_agencies", 1850, SRC]],
            1,
            SourceFormatError,
            "missing column(s) 'unit'",
        ),
        (
            "unknown column",
            [*HEADER, "comment"],
            [[*ok, "x"]],
            1,
            SourceFormatError,
            "unknown column(s) 'comment'",
        ),
        (
            "example row",
            [*HEADER, "note"],
            [[*ok, "EXAMPLE (invented)"]],
            2,
            SourceFormatError,
            "example row",
        ),
        (
            "no values",
            HEADER,
            [["Lang Son", 2022, "staff_admin_agencies", "", "persons", SRC]],
            None,
            SourceFormatError,
            "no values",
        ),
        (
            "header only",
            HEADER,
            [],
            None,
            SourceFormatError,
            "no data rows: the file has only its header (row 1)",
        ),
    ]


BAD = _bad_cases()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("header", "rows", "row", "cls", "text"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_driver_table(tmp_path: Path, fmt: str, header, rows, row, cls, text) -> None:
    path = write(tmp_path / f"bad_drivers.{fmt}", header, rows)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(cls) as exc:
        tables.read_driver_table(path)
    assert isinstance(exc.value, ParlibError)
    message = error(exc, "bad_drivers", row)
    assert text in message, message
    assert sorted(tmp_path.iterdir()) == before  # nothing written


def test_unknown_unit_lists_the_units(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", HEADER, [["Lang Son", 2022, "x", 1, "furlongs", SRC]])
    with pytest.raises(SourceFormatError) as exc:
        tables.read_driver_table(path)
    message = error(exc, "d.csv", 2)
    assert "did you mean" not in message and "'million VND'" in message


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("fmt", FORMATS)
def test_driver_template(tmp_path: Path, fmt: str) -> None:
    dest = tables.write_template("driver", tmp_path / f"drivers.{fmt}")
    with pytest.raises(SourceFormatError) as exc:
        tables.read_driver_table(dest)
    assert "example row" in error(exc, dest.name, 2)
    frame = pd.read_csv(tables.template_path("driver"), dtype=str, keep_default_na=False)
    assert list(frame.columns) == [*HEADER[:5], *QUALIFIER_COLUMNS, "source", "note"]
    assert frame["note"].str.startswith("EXAMPLE (invented values)").all()
    assert set(frame["qualifier"]) == {"", "approx", "at_least", "target", "period"}
    filled = write(tmp_path / f"filled.{fmt}", list(frame.columns), frame.assign(note="").values.tolist())
    obs = tables.read_driver_table(filled)
    values = frame[frame["qualifier"].isin(["", "approx"])]
    assert set(obs["component"]) == set(values["indicator"])  # bound, target and period rows left out
    assert obs.set_index("component").loc["it_spending", "value"] == 57788.0  # the amount example
    assert len(obs.attrs["notes"]) == 3
    period = period_drivers(filled, "staff_cut_pct_public_units", 2011, 2020)  # the period example
    assert period["driver_staff_cut_pct_public_units"].tolist() == [7.5]


# --------------------------------------------------------------------------- qualifiers and periods

QUALIFIER_COLUMNS = ["qualifier", "period_start", "period_end"]
Q_HEADER = [*HEADER, *QUALIFIER_COLUMNS]
# fmt: off
QUALIFIED = [
    ["Lạng Sơn", 2022, "on_time_share", 97.5, "percent", SRC, "", "", ""],  # row 2: blank = exact
    ["Lạng Sơn", 2022, "procedures_count", 1900, "count", SRC, "approx", "", ""],  # row 3: a value
    ["Lạng Sơn", 2022, "online_dossiers_share", 98, "percent", SRC, "At least", "", ""],  # row 4: a bound
    ["Lạng Sơn", 2022, "processing_days", 5, "days", SRC, "at-most", "", ""],  # row 5: a bound
    ["Lạng Sơn", 2025, "online_services_full_process_share", 100, "percent", SRC, "target", "", ""],  # row 6
    ["Lạng Sơn", 2020, "staff_cut_pct_admin_agencies", "13.13", "percent", SRC, "period", 2011, 2020],  # 7
    ["Lạng Sơn", 2020, "staff_cut_pct_admin_agencies", 1.5, "percent", SRC, "exact", "", ""],  # row 8: yearly
    ["Lạng Sơn", 2022, "staff_cut_pct_admin_agencies", 2.0, "percent", SRC, "period", 2020, 2022],  # row 9
]
# fmt: on


@pytest.mark.parametrize("fmt", FORMATS)
def test_qualified_rows(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path / f"qualified.{fmt}", Q_HEADER, QUALIFIED)
    obs = tables.read_driver_table(path)
    values = obs.set_index(["component", "year"])["value"].to_dict()
    assert values == {
        ("on_time_share", 2022): 97.5,
        ("procedures_count", 2022): 1900.0,
        ("staff_cut_pct_admin_agencies", 2020): 1.5,  # the yearly row, not the 2011-2020 figure
    }
    name = path.name
    assert obs.attrs == {
        "file": name,
        "notes": [
            f"{name}: rows 4, 5 (at_least/at_most) left out: a bound is not a value "
            "(bounds='as_value' reads them as values)",
            f"{name}: row 6 (target) left out: a target is not an achievement",
            f"{name}: rows 7, 9 (period) left out: a period figure is not a yearly value "
            "(read_period_table and period_drivers read them)",
        ],
    }
    schema.validate_observations(obs, tables.DRIVER_UNITS)
    bounds = tables.read_driver_table(path, bounds="as_value")
    assert bounds.set_index("component")["value"].to_dict() == {
        "on_time_share": 97.5,
        "procedures_count": 1900.0,
        "online_dossiers_share": 98.0,
        "processing_days": 5.0,
        "staff_cut_pct_admin_agencies": 1.5,
    }
    assert (
        bounds.attrs["notes"][0] == f"{name}: rows 4, 5 (at_least/at_most) read as values (bounds='as_value')"
    )
    with pytest.raises(ValueError, match="bounds must be one of"):
        tables.read_driver_table(path, bounds="keep")


def test_a_table_of_period_rows_only_gives_no_yearly_values(tmp_path: Path) -> None:
    path = write(tmp_path / "periods.csv", Q_HEADER, [QUALIFIED[5], QUALIFIED[7]])  # rows 7 and 9
    obs = tables.read_driver_table(path)
    assert obs.empty and list(obs.columns) == OBS_COLUMNS
    assert obs.attrs["notes"] == [
        "periods.csv: rows 2, 3 (period) left out: a period figure is not a yearly value "
        "(read_period_table and period_drivers read them)"
    ]
    assert list(tables.merge_drivers(_panel(), path).columns) == list(_panel().columns)


def test_merge_drivers_on_a_qualified_table(tmp_path: Path) -> None:
    rows = [
        ["Lạng Sơn", 2022, "on_time_share", 97.5, "percent", SRC, "", "", ""],
        ["Lạng Sơn", 2022, "online_dossiers_share", 98, "percent", SRC, "at_least", "", ""],
        ["Lạng Sơn", 2022, "staff_cut_pct_admin_agencies", 9.5, "percent", SRC, "period", 2016, 2022],
        ["Lạng Sơn", 2022, "online_services_full_process_share", 100, "percent", SRC, "target", "", ""],
    ]
    path = write(tmp_path / "q.csv", [*Q_HEADER, "note", "source_url"], [[*r, "n", ""] for r in rows])
    merged = tables.merge_drivers(_panel(), path)
    assert [c for c in merged.columns if c.startswith("driver_")] == ["driver_on_time_share"]
    driver = merged["driver_on_time_share"]
    assert driver.iloc[1] == 97.5 and driver.drop(index=driver.index[1]).isna().all()
    both = tables.merge_drivers(_panel(), path, bounds="as_value")
    assert [c for c in both.columns if c.startswith("driver_")] == [
        "driver_on_time_share",
        "driver_online_dossiers_share",
    ]
    assert both["driver_online_dossiers_share"].iloc[1] == 98.0


PERIOD_ROW = ["Hà Nội", 2020, "staff_cut_pct_admin_agencies", 12.5, "percent", SRC, "period", 2011, 2020]


def _row(year: object, indicator: str, value: object, qualifier: str, start: object = "", end: object = ""):
    return ["Lang Son", year, indicator, value, "percent", SRC, qualifier, start, end]


# (id, header, rows, row named, error class, text in the message)
# fmt: off
QUALIFIER_BAD = [
    ("unknown qualifier", Q_HEADER, [PERIOD_ROW, _row(2022, "online_dossiers_share", 98, "atleast")], 3,
     SourceFormatError, "column 'qualifier': unknown qualifier 'atleast' (did you mean 'at_least'?)"),
    ("period years on an exact row", Q_HEADER, [PERIOD_ROW, _row(2022, "on_time_share", 98, "", 2011)], 3,
     ValidationError, "period_start '2011' on a row with qualifier 'exact': only a 'period' row has"),
    ("period years without a qualifier column", [*HEADER, "period_start", "period_end"],
     [["Lang Son", 2020, "on_time_share", 98, "percent", SRC, 2011, 2020]], 2,
     ValidationError, "period_start '2011' on a row with qualifier 'exact'"),
    ("period row without its end", Q_HEADER, [PERIOD_ROW, _row(2020, "x", 13.13, "period", 2011)], 3,
     SourceFormatError, "qualifier 'period' needs period_end"),
    ("period running backwards", Q_HEADER, [PERIOD_ROW, _row(2011, "x", 13.13, "period", 2020, 2011)], 3,
     ValidationError, "period_start 2020 is after period_end 2011"),
    ("year other than the period end", Q_HEADER, [PERIOD_ROW, _row(2019, "x", 13.13, "period", 2011, 2020)],
     3, ValidationError, "year 2019 of a period row is not its period_end 2020"),
    ("period year unreadable", Q_HEADER, [PERIOD_ROW, _row(2020, "x", 13.13, "period", "20l1", 2020)], 3,
     SourceFormatError, "column 'period_start'"),
    ("overlapping periods", Q_HEADER,
     [PERIOD_ROW, ["Ha Noi", 2021, "staff_cut_pct_admin_agencies", 3, "percent", SRC, "period", 2015, 2021]],
     3, ValidationError,
     "staff_cut_pct_admin_agencies of Ha Noi (01) 2015-2021 overlaps 2011-2020 in row 2"),
    ("a bound and a value of one year", Q_HEADER,
     [PERIOD_ROW, _row(2022, "on_time_share", 97, ""), _row(2022, "on_time_share", 98, "at_least")], 4,
     ValidationError, "on_time_share of Lang Son (20) 2022 is already given in row 3"),
]
# fmt: on


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("header", "rows", "row", "cls", "text"),
    [c[1:] for c in QUALIFIER_BAD],
    ids=[c[0] for c in QUALIFIER_BAD],
)
def test_bad_qualifiers_and_periods(tmp_path: Path, fmt: str, header, rows, row, cls, text) -> None:
    path = write(tmp_path / f"bad_drivers.{fmt}", header, rows)
    with pytest.raises(cls) as exc:
        tables.read_driver_table(path)
    assert text in error(exc, path.name, row)
    with pytest.raises(cls) as again:  # the period reader refuses the same file the same way
        read_period_table(path)
    assert str(again.value) == str(exc.value)


# --------------------------------------------------------------------------- merge_drivers


def _panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "province_id": ["20", "20", "79", "79"],
            "year": [2021, 2022, 2021, 2022],
            "papi_total": [40.0, 41.0, 42.0, 43.0],
        },
        index=[10, 11, 12, 13],
    )


def test_merge_drivers(tmp_path: Path) -> None:
    staff = write(tmp_path / "staff.csv", HEADER, GOOD[:3])
    online = tables.read_driver_table(write(tmp_path / "online.xlsx", HEADER, GOOD[3:5]))
    panel = _panel()
    merged = tables.merge_drivers(panel, [staff, online])
    assert list(panel.columns) == ["province_id", "year", "papi_total"]  # not modified
    assert list(merged.index) == list(panel.index)
    assert list(merged.columns) == [
        "province_id",
        "year",
        "papi_total",
        "driver_online_services_share",
        "driver_staff_admin_agencies",
        "driver_staff_cut_pct_admin_agencies",
    ]  # fmt: skip  (driver columns in alphabetical order)
    assert merged["driver_staff_admin_agencies"].tolist()[:2] == [1850.0, 1820.0]
    assert merged["driver_staff_cut_pct_admin_agencies"].isna().tolist() == [True, False, True, True]
    assert merged["driver_online_services_share"].tolist()[3] == 0.62
    assert merged.dtypes[3:].eq("float64").all()
    # values for province-years not in the panel (Cao Bằng) are left out; a single path is accepted
    alone = tables.merge_drivers(panel, write(tmp_path / "cb.csv", HEADER, GOOD[5:]))
    assert alone["driver_staff_change_pct"].isna().all()


def test_merge_drivers_refuses_a_clash(tmp_path: Path) -> None:
    path = write(tmp_path / "staff.csv", HEADER, GOOD[:2])
    panel = _panel().assign(driver_staff_admin_agencies=1.0)
    with pytest.raises(
        ValidationError, match=r"panel already has column\(s\) \['driver_staff_admin_agencies'\]"
    ):
        tables.merge_drivers(panel, path)
    merged = tables.merge_drivers(_panel(), path)
    with pytest.raises(ValidationError, match="panel already has"):
        tables.merge_drivers(merged, path)


def test_merge_drivers_refuses_conflicts_across_tables(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", HEADER, GOOD[:1])
    b = write(tmp_path / "b.csv", HEADER, [["Lang Son", 2021, "staff_admin_agencies", 1900, "persons", SRC]])
    with pytest.raises(ValidationError) as exc:
        tables.merge_drivers(_panel(), [a, b])
    assert "a.csv and b.csv: staff_admin_agencies of province 20 2021 is given twice" in str(exc.value)
    c = write(tmp_path / "c.csv", HEADER, [["Lang Son", 2022, "staff_admin_agencies", 3, "percent", SRC]])
    with pytest.raises(ValidationError, match="in units \\['percent', 'persons'\\]"):
        tables.merge_drivers(_panel(), [a, c])
    with pytest.raises(ValidationError, match="missing column"):
        tables.merge_drivers(_panel().drop(columns="year"), [a])
    with pytest.raises(ValidationError, match="not driver observations"):
        tables.merge_drivers(_panel(), [pd.DataFrame({"x": [1]})])
