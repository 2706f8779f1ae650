"""parlib.extract.tables.to_tables: a reviewed fact table written into the researcher tables, read
back by parlib's own readers (driver, period and index tables; par_index and sipas)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parlib.clean import parse_quantity
from parlib.errors import ValidationError
from parlib.extract.tables import (
    DRIVER_TABLE_COLUMNS,
    INDEX_TABLE_COLUMNS,
    LEFT_OUT_COLUMNS,
    RESULT_COLUMNS,
    number_text,
    to_tables,
)
from parlib.extract.vocab import FACT_COLUMNS, QUALIFIERS
from parlib.sources.driver_tables import DRIVER_QUALIFIERS, read_driver_table
from parlib.sources.index_tables import read_index_table
from parlib.sources.period_tables import period_drivers, read_period_table
from parlib.sources.table_units import NUMBER_RULES

LANG_SON = "20"
ARTICLE = "reports/langson_par_2011_2020.html"
URL = "https://old.baolangson.vn/en/politics/14346-summary-of-the-public-administration-reform.html"
NEWS = "reports/langson_sipas_2022.html"  # no URL known: the file name is the source


def fact(**cells: object) -> dict[str, str]:
    """A fact row of Lạng Sơn from ARTICLE, every cell text (as a fact CSV is read)."""
    row = dict.fromkeys(FACT_COLUMNS, "")
    row.update(file=ARTICLE, province_id=LANG_SON, province="Lạng Sơn", qualifier="exact", confidence="0.9")
    row.update({k: str(v) for k, v in cells.items()})
    return row


def period(indicator: str, value: str, unit: str, quote: str, start: int = 2011) -> dict[str, str]:
    return fact(kind="driver", index=indicator, year=2020, value=value, unit=unit, qualifier="period",
                period_start=start, period_end=2020, quote=quote)  # fmt: skip


# a hand-written fact table (rows 2-13 as in the spreadsheet); the figures of Lạng Sơn's 2011-2020
# summary and its published SIPAS / PAR INDEX 2022 results
FACTS = [
    period("staff_cut_pct_admin_agencies", "13.13", "percent", "13.13% (decreasing 315 people)\n in administrative agencies"),  # noqa: E501
    period("staff_cut_persons_admin_agencies", "315", "persons", "decreasing 315 people"),
    fact(kind="driver", index="staff_cut_pct_public_units", year=2020, value="7.72", unit="percent",
         quote="7.72% (decreasing 1,876 people) in non-business units"),
    fact(kind="driver", index="staff_cut_persons_public_units", year=2020, value="1876", unit="persons",
         quote="decreasing 1,876 people"),
    period("online_services_level4_share", "33", "percent", "33% of procedures at level 4", start=2016),
    fact(file=NEWS, kind="index", index="SIPAS", component="total", year=2022, value="75.44", unit="percent",
         rank=59, rank_of=63, quote="SIPAS 2022 đạt 75,44%, xếp thứ 59/63"),
    fact(file=NEWS, kind="index", index="PAR_INDEX", component="total", year=2022, value="81.45",
         unit="percent", rank=54, quote="PAR INDEX 2022 đạt 81,45%, xếp thứ 54"),
    fact(kind="driver", index="online_services_full_process_share", year=2025, value="100", unit="percent",
         qualifier="target", quote="phấn đấu 100% thủ tục trực tuyến toàn trình"),
    fact(kind="internal", index="", year=2022, value="90.2", unit="percent", quote="Sở Nội vụ đạt 90,2%"),
    fact(kind="driver", index="on_time_share", year=2022, value="99.1", unit="percent", province_id="",
         province="", quote="99.1% hồ sơ đúng hạn"),
    fact(kind="index", index="PAPI", component="total", year=2022, value="41.83", unit="points",
         quote="PAPI 2022 đạt 41,83 điểm"),
    fact(kind="driver", index="online_dossiers_share", year=2022, value="98", unit="percent",
         qualifier="at_least", quote="trên 98% hồ sơ trực tuyến"),
]  # fmt: skip


def facts(rows: list[dict[str, str]] | None = None) -> pd.DataFrame:
    return pd.DataFrame(FACTS if rows is None else rows, columns=FACT_COLUMNS)


@pytest.fixture()
def written(tmp_path: Path):
    return to_tables(facts(), tmp_path / "tables", urls={ARTICLE: URL})


# --------------------------------------------------------------------------- what is written


def test_the_tables_written(written, tmp_path: Path) -> None:
    folder = tmp_path / "tables"
    assert [p.name for p in written.paths] == ["drivers.csv", "par_index.csv", "sipas.csv"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "drivers.csv",
        "par_index.csv",
        "sipas.csv",
    ]  # no temp
    drivers = pd.read_csv(folder / "drivers.csv", dtype=str, keep_default_na=False)
    assert list(drivers.columns) == DRIVER_TABLE_COLUMNS
    rows = drivers.set_index("indicator")
    assert rows.loc["staff_cut_persons_public_units", "value"] == "1876"  # plain numbers
    assert rows.loc["staff_cut_pct_admin_agencies", "value"] == "13.13"
    ls = rows.loc["staff_cut_pct_admin_agencies"]
    assert (ls["province"], ls["year"], ls["qualifier"], ls["period_start"], ls["period_end"]) == (
        "Lạng Sơn", "2020", "period", "2011", "2020",
    )  # fmt: skip
    assert (ls["source"], ls["source_url"]) == (URL, URL)
    assert ls["note"] == "extracted: 13.13% (decreasing 315 people) in administrative agencies"  # one line
    assert rows.loc["online_dossiers_share", "qualifier"] == "at_least"  # kept, said to be a bound
    assert rows.loc["staff_cut_pct_public_units", ["qualifier", "period_start"]].tolist() == ["exact", ""]
    assert len(drivers) == 6
    sipas = pd.read_csv(folder / "sipas.csv", dtype=str, keep_default_na=False)
    assert list(sipas.columns) == INDEX_TABLE_COLUMNS
    assert sipas.iloc[0][["province", "year", "total", "rank", "source_url"]].tolist() == [
        "Lạng Sơn", "2022", "75.44", "59/63", "",
    ]  # fmt: skip
    assert (
        sipas.iloc[0]["note"]
        == "extracted from langson_sipas_2022.html: SIPAS 2022 đạt 75,44%, xếp thứ 59/63"
    )
    par = pd.read_csv(folder / "par_index.csv", dtype=str, keep_default_na=False)
    assert par.iloc[0][["total", "rank"]].tolist() == ["81.45", "54"]


def test_notes_and_the_result_table(written) -> None:
    assert list(written.table.columns) == RESULT_COLUMNS
    assert written.table.set_index("table").to_dict("index") == {
        "drivers.csv": {"written": 6, "left_out": 2},
        "par_index.csv": {"written": 1, "left_out": 0},
        "sipas.csv": {"written": 1, "left_out": 0},
        "(no table)": {"written": 0, "left_out": 2},
    }
    assert list(written.left_out.columns) == LEFT_OUT_COLUMNS
    assert written.left_out["row"].tolist() == [9, 10, 11, 12]
    notes = written.notes
    assert len(notes) == 4
    assert notes[0] == "1 fact left out (qualifier target: a target is never an achievement): row 9"
    assert notes[1].startswith("1 fact left out (kind internal:") and notes[1].endswith("row 10")
    assert notes[2].startswith("1 fact left out (blank province_id:") and notes[2].endswith("row 11")
    assert "PAPI: parlib reads the full published PAPI tables" in notes[3] and notes[3].endswith("row 12")
    summary = written.summary()
    assert summary.splitlines()[0].startswith("12 facts: 8 rows written to ")
    assert "drivers.csv: 6 rows written, 2 facts left out" in summary
    assert all(note in summary for note in notes)


# --------------------------------------------------------------------------- read back by parlib


def test_drivers_read_back_as_yearly_values(written) -> None:
    path = written.paths[0]
    obs = read_driver_table(path)
    values = obs.set_index(["component", "province_id", "year"])["value"].to_dict()
    assert values == {
        ("staff_cut_pct_public_units", LANG_SON, 2020): 7.72,
        ("staff_cut_persons_public_units", LANG_SON, 2020): 1876.0,
    }
    assert set(obs["source"]) == {f"drivers.csv | {URL}"}
    notes = obs.attrs["notes"]
    assert any("(at_least/at_most) left out: a bound is not a value" in n for n in notes)
    assert any("(period) left out" in n for n in notes)
    bounds = read_driver_table(path, bounds="as_value").set_index("component")["value"]
    assert bounds["online_dossiers_share"] == 98.0


def test_period_facts_feed_the_long_difference(written) -> None:
    path = written.paths[0]
    cuts = period_drivers(
        path, ["staff_cut_pct_admin_agencies", "staff_cut_persons_admin_agencies"], 2011, 2020
    )
    assert cuts.to_dict("list") == {
        "province_id": [LANG_SON],
        "driver_staff_cut_pct_admin_agencies": [13.13],
        "source_staff_cut_pct_admin_agencies": [URL],
        "driver_staff_cut_persons_admin_agencies": [315.0],
        "source_staff_cut_persons_admin_agencies": [URL],
    }
    online = period_drivers(path, "online_services_level4_share", 2016, 2020)
    assert online["driver_online_services_level4_share"].tolist() == [33.0]
    assert len(read_period_table(path)) == 3


def test_index_tables_are_read_by_par_index_and_sipas(written, raw: Path) -> None:
    from parlib.indices.par_index import par_index
    from parlib.indices.sipas import sipas

    folder = written.folder
    res = sipas(tables=[folder / "sipas.csv"])
    year = res.year(2022).set_index("province_id")
    ls = year.loc[LANG_SON]
    assert (ls["value"], ls["rank"], ls["rank_of"], ls["source"]) == (75.44, 59, 63, "sipas.csv")
    assert (year.loc["22", "value"], year.loc["22", "rank"]) == (87.59, 1)  # Quảng Ninh, as published
    assert {"19", "96", "74", "38", "31", "14"} <= set(year.index)  # the other published 2022 provinces
    assert "give 1 province-years in [2022]" in "\n".join(res.notes)
    par = par_index(tables=[folder / "par_index.csv"])
    year = par.year(2022).set_index("province_id")
    assert (year.loc[LANG_SON, "value"], year.loc[LANG_SON, "rank"]) == (81.45, 54)
    assert {"22", "31", "01", "24", "48", "14", "36", "75"} <= set(year.index)
    obs = read_index_table(folder / "sipas.csv", "SIPAS")
    assert obs.set_index("component")["value"].to_dict() == {"rank": 59.0, "total": 75.44}


def test_index_facts_that_are_not_a_total_value_are_left_out(tmp_path: Path) -> None:
    sipas = FACTS[5]
    rows = [
        {**sipas, "component": "access"},
        {**sipas, "qualifier": "at_least"},
        {**sipas, "value": "", "rank": "", "rank_of": ""},
        {**sipas, "index": "DTI", "value": "0.4"},
    ]
    res = to_tables(facts(rows), tmp_path)
    assert res.paths == [] and sorted(tmp_path.iterdir()) == []
    assert res.table.set_index("table")["left_out"].to_dict() == {
        "drivers.csv": 0, "par_index.csv": 0, "sipas.csv": 3, "(no table)": 1,
    }  # fmt: skip
    assert [n.split(": row")[0] for n in res.notes] == [
        "1 fact left out (SIPAS component 'access': only totals are written)",
        "1 fact left out (SIPAS figure with qualifier at_least: a bound or a period is not the index's "
        "value)",
        "1 fact left out (SIPAS: neither value nor rank)",
        "1 fact left out (DTI: parlib reads the full published DTI tables, so a figure quoted in a report is "
        "not written (parlib extract --check compares it with them))",
    ]


# --------------------------------------------------------------------------- repeats


def test_agreeing_repeats_are_written_once(tmp_path: Path) -> None:
    second = "reports/another_article.html"
    rows = [
        FACTS[0],
        {**FACTS[0], "file": second, "quote": "giảm 13,13%"},  # a second article, the same figure
        fact(kind="index", index="SIPAS", component="total", year=2022, value="75.44", quote="75,44%"),
        fact(kind="index", index="SIPAS", component="total", year=2022, rank=59, rank_of=63, quote="59/63"),
    ]
    res = to_tables(facts(rows), tmp_path)
    assert res.table.set_index("table")["written"].tolist() == [1, 0, 1, 0]
    assert res.left_out["row"].tolist() == [3, 5]
    assert res.notes == [
        "2 repeated facts written once: staff_cut_pct_admin_agencies of Lạng Sơn (20) 2011-2020: row 3 "
        "repeats row 2; SIPAS 2022 of Lạng Sơn (20): row 5 repeats row 4"
    ]
    sipas = pd.read_csv(tmp_path / "sipas.csv", dtype=str, keep_default_na=False)
    assert sipas[["total", "rank"]].values.tolist() == [["75.44", "59/63"]]  # value and rank combined


def test_differing_repeats_are_refused(tmp_path: Path) -> None:
    rows = [FACTS[2], {**FACTS[2], "file": "reports/b.html", "value": "7.7"}]
    with pytest.raises(ValidationError) as exc:
        to_tables(facts(rows), tmp_path / "out")
    assert str(exc.value) == (
        "fact table, rows 2 and 3: staff_cut_pct_public_units of Lạng Sơn (20) 2020 is 7.72 percent in row 2 "
        f"({ARTICLE}) but 7.7 percent in row 3 (reports/b.html): keep the right one"
    )
    bound = [FACTS[2], {**FACTS[2], "qualifier": "at_least"}]
    with pytest.raises(ValidationError, match=r"is 7.72 percent in row 2 .* but 7.72 percent \(at_least\)"):
        to_tables(facts(bound), tmp_path / "out")
    ranks = [FACTS[5], {**FACTS[5], "rank": "58"}]
    with pytest.raises(ValidationError, match=r"rows 2 and 3: SIPAS 2022 of Lạng Sơn .* rank 59/63 in row 2"):
        to_tables(facts(ranks), tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written


# --------------------------------------------------------------------------- bad facts


BAD = {
    "unknown_qualifier": (
        fact(kind="driver", index="x", year=2020, value="1", unit="percent", qualifier="atleast"),
        "row 2: unknown qualifier 'atleast' (did you mean 'at_least'?)",
    ),
    "unknown_kind": (fact(kind="drivers", index="x", year=2020, value="1"), "row 2: unknown kind 'drivers'"),
    "unknown_index": (
        fact(kind="index", index="PAR INDEX", component="total", year=2022, value="1"),
        "row 2: unknown index 'PAR INDEX'",
    ),
    "unknown_province": (
        fact(kind="driver", index="on_time_share", year=2020, value="1", province_id="99"),
        "row 2: province_id '99' is not a GSO code",
    ),
    "thousands_separator": (
        fact(kind="driver", index="staff_count", year=2020, value="1,876"),
        "row 2: value '1,876' is not a dot-decimal number",
    ),
    "period_without_years": (
        fact(kind="driver", index="staff_count", year=2020, value="1", qualifier="period"),
        "row 2: a period fact needs period_start and period_end",
    ),
    "period_backwards": (
        period("staff_count", "1", "persons", "q", start=2021),
        "row 2: period_start 2021 is after period_end 2020",
    ),
    "year_not_period_end": (
        {**period("staff_count", "1", "persons", "q"), "year": "2019"},
        "row 2: year 2019 of a period fact is not its period_end 2020",
    ),
    "period_on_exact": (
        {**FACTS[2], "period_start": "2011"},
        "row 2: period_start/period_end on a fact with qualifier 'exact'",
    ),
    "no_unit": (
        fact(kind="driver", index="new_indicator", year=2020, value="1"),
        "row 2: driver 'new_indicator' has no unit",
    ),
    "bad_year": (
        fact(kind="driver", index="staff_count", year="2020.5", value="1"),
        "row 2: year 2020.5 is not a whole number",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_facts_are_refused(tmp_path: Path, case: str) -> None:
    row, words = BAD[case]
    table = facts([row])
    table.attrs["file"] = "facts.csv"
    with pytest.raises(ValidationError) as exc:
        to_tables(table, tmp_path / "out")
    message = str(exc.value)
    assert "\n" not in message and message.startswith("facts.csv, ")
    assert words in message, message
    assert not (tmp_path / "out").exists()


def test_missing_fact_columns(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"fact table: missing column\(s\) \['qualifier'"):
        to_tables(facts().drop(columns=["qualifier", "period_start"]), tmp_path)


def test_a_table_the_reader_refuses_is_not_written(tmp_path: Path) -> None:
    """The tables are read back before anything is written: SIPAS starts in 2015."""
    rows = [FACTS[2], fact(kind="index", index="SIPAS", component="total", year=2012, value="70", quote="q")]
    with pytest.raises(ValidationError) as exc:
        to_tables(facts(rows), tmp_path / "out")
    message = str(exc.value)
    assert message.startswith("sipas.csv, row 2: column 'year': year 2012 outside 2015-")
    assert message.endswith("(that line is fact table row 3): nothing written")
    assert not (tmp_path / "out").exists()


def test_only_tables_with_rows_are_written(tmp_path: Path) -> None:
    (tmp_path / "sipas.csv").write_text("province,year,total\nLạng Sơn,2021,70\n", encoding="utf-8")
    res = to_tables(facts([FACTS[2], {**FACTS[6], "province_id": 20.0}]), tmp_path)  # a code read as a number
    assert [p.name for p in res.paths] == ["drivers.csv", "par_index.csv"]
    assert res.notes == [
        f"sipas.csv: no rows from these facts; the sipas.csv already in {tmp_path} (an earlier run?) is left "
        "as it is"
    ]
    assert (tmp_path / "sipas.csv").read_text(encoding="utf-8").endswith("2021,70\n")  # untouched
    assert read_driver_table(res.paths[0])["value"].tolist() == [7.72]


# --------------------------------------------------------------------------- numbers and vocabulary


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1876.0, "persons", "1876"),
        (13.13, "percent", "13.13"),
        (57.788, "million VND", "57.7880"),  # '57.788' would be ambiguous
        (1234.567, "million VND", "1234.5670"),
        (0.788, "share", "0.7880"),
        (-12.5, "percent change", "-12.5"),
        (57788.0, "million VND", "57788"),
        (0.00001, "share", "0.00001"),  # never 1e-05
        (81.45, "percent", "81.45"),
    ],
)
def test_numbers_are_written_plainly(value: float, unit: str, text: str) -> None:
    assert number_text(value) == text
    assert parse_quantity(text, NUMBER_RULES[unit]) == value  # read back as written


def test_qualifiers_are_the_vocabulary() -> None:
    assert DRIVER_QUALIFIERS == QUALIFIERS


def test_a_fact_without_a_year_is_left_out_with_a_note(tmp_path: Path) -> None:
    """An undated 'so far' figure (Hưng Yên's 527 level-3 services, seed 001) has no year: left out,
    counted with the reason, the other facts written."""
    from parlib.extract import extract_text, to_tables

    text = (
        "Hung Yen province: to date, the province has provided 527 online public services at level 3. "
        "In 2022 the rate of dossiers settled on time reached 99.1 percent."
    )
    facts = extract_text(text, file="hung_yen.txt")
    assert facts["year"].isna().sum() == 1
    result = to_tables(facts, tmp_path)
    assert any("blank year" in note for note in result.notes)
    written = pd.read_csv(tmp_path / "drivers.csv", dtype=str)
    assert written[["province", "year", "indicator", "value"]].values.tolist() == [
        ["Hưng Yên", "2022", "on_time_share", "99.1"]
    ]
