"""parlib.extract: facts read from short English and Vietnamese snippets (tests/fixtures/extract/
snippets, figures from published sources listed in sources.csv), the number conventions, the
check against parlib's figures and the ``parlib extract`` command."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parlib import cli
from parlib.extract import FACT_COLUMNS, check, extract_text, numbers
from parlib.extract.vocab import DRIVERS, INDICES, QUALIFIERS

SNIPPETS = Path(__file__).parent / "fixtures" / "extract" / "snippets"


def facts(name: str, **kwargs: object) -> pd.DataFrame:
    path = SNIPPETS / name
    table = extract_text(path.read_text(encoding="utf-8"), file=name, **kwargs)
    text = path.read_text(encoding="utf-8")
    for row in table.itertuples():  # every quote is the text at its offsets
        assert text[row.start : row.end] == row.quote
    return table


def row(table: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column] == value
    assert mask.sum() == 1, f"{where}: {mask.sum()} rows\n{table.to_string()}"
    return table[mask].iloc[0]


@pytest.mark.parametrize(
    ("token", "count", "value"),
    [
        ("1,876", 1876, 1.876),
        ("1.876", 1876, 1.876),
        ("43,85", None, 43.85),
        ("43.85", None, 43.85),
        ("81,450", 81450, 81.45),
        ("1.234.567", 1234567, None),
        ("1.234,5", None, None),
        ("593", 593, None),
    ],
)
def test_numbers_are_read_by_what_they_count(token: str, count: int | None, value: float | None) -> None:
    assert numbers.read_count(token) == count
    assert numbers.read_value(token) == value


def test_columns_and_vocabulary() -> None:
    table = facts("en_lang_son_2022.txt")
    assert list(table.columns) == FACT_COLUMNS
    assert set(table["kind"]) <= {"index", "driver", "internal"}
    assert set(table["qualifier"]) <= set(QUALIFIERS)
    assert {"online_services_level4_share", "staff_cut_pct_admin_agencies", "staff_count"} <= set(DRIVERS)
    assert set(INDICES) == {"PAPI", "PCI", "SIPAS", "PAR_INDEX", "DTI"}


@pytest.mark.parametrize("name", ["en_lang_son_2022.txt", "vi_lang_son_2022.txt"])
def test_lang_son_2022_indices_in_both_languages(name: str) -> None:
    table = facts(name)
    papi = row(table, index="PAPI", kind="index")
    assert (papi["province_id"], papi["year"], papi["value"], papi["rank"], papi["rank_of"]) == (
        "20",
        2022,
        43.85,
        13,
        61,
    )
    sipas = row(table, index="SIPAS", kind="index")
    assert (sipas["year"], sipas["value"], sipas["rank"], sipas["rank_of"], sipas["rank_change"]) == (
        2022,
        75.44,
        59,
        63,
        -28,
    )
    par = row(table, index="PAR_INDEX", kind="index")
    assert (par["year"], par["value"], par["rank"], par["rank_change"]) == (2022, 81.45, 54, -31)
    # the Department of Justice's score in the province's own ranking is never the province's index
    internal = row(table, value=91.21)
    assert internal["kind"] == "internal"
    assert not ((table["kind"] == "index") & (table["value"] == 91.21)).any()


@pytest.mark.parametrize("name", ["en_staffing_2011_2020.txt", "vi_staffing_2011_2020.txt"])
def test_staffing_cuts_are_period_figures(name: str) -> None:
    table = facts(name, province="Lạng Sơn")
    expected = {
        "staff_cut_pct_admin_agencies": 13.13,
        "staff_cut_persons_admin_agencies": 315,
        "staff_cut_pct_public_units": 7.72,
        "staff_cut_persons_public_units": 1876,
        "units_cut_count": 103,
    }
    for indicator, value in expected.items():
        fact = row(table, index=indicator)
        assert fact["value"] == value and fact["province_id"] == "20"
        assert (fact["qualifier"], fact["period_start"], fact["period_end"], fact["year"]) == (
            "period",
            2011,
            2020,
            2020,
        )
        assert fact["unit"] == DRIVERS[indicator]["unit"]


def test_vietnamese_services_bounds_and_targets() -> None:
    table = facts("vi_staffing_2011_2020.txt")
    assert row(table, index="online_services_level3_count")["value"] == 527
    assert row(table, index="online_services_level4_count")["value"] == 284
    on_time = row(table, index="on_time_share")
    assert (on_time["value"], on_time["qualifier"]) == (98.0, "at_least")
    target = row(table, index="online_dossiers_share")
    assert (target["value"], target["qualifier"], target["year"]) == (40.0, "target", 2025)


def test_level4_share_from_an_english_report() -> None:
    share = row(facts("en_staffing_2011_2020.txt"), index="online_services_level4_share")
    assert (share["value"], share["unit"], share["year"]) == (33.0, "percent", 2020)


def test_a_list_of_provinces_gives_one_fact_each() -> None:
    table = facts("en_ranking_list_2016.txt")
    got = {(r.province_id, r.value) for r in table.itertuples() if r.index == "PAPI"}
    assert got == {("92", 39.57), ("42", 39.32), ("48", 38.58), ("79", 34.91)}
    assert row(table, province_id="92")["rank"] == 1  # "topped"
    assert table["year"].eq(2016).all()
    assert not (table["value"] == 60).any()  # "a scale from 6 to 60 points" is not a score


def test_ranks_named_before_their_index() -> None:
    table = facts("en_cao_bang_ranks.txt")
    ranks = {r.index: (r.rank, r.rank_of, r.year) for r in table.itertuples() if r.kind == "index"}
    assert ranks == {"PAR_INDEX": (63, 63, 2024), "SIPAS": (57, 63, 2024), "PAPI": (51, 63, 2024)}
    target = row(table, index="on_time_share")
    assert (target["qualifier"], target["value"]) == ("target", 98.0)  # a target, never an achievement


def test_a_province_the_text_does_not_name_is_left_blank() -> None:
    table = facts("en_no_province.txt")
    fact = row(table, index="PAR_INDEX")
    assert fact["province_id"] == "" and fact["confidence"] < 0.5
    assert (fact["rank"], fact["rank_of"], fact["rank_change"], fact["year"]) == (31, 63, 29, 2022)
    given = facts("en_no_province.txt", province="Lang Son")
    assert row(given, index="PAR_INDEX")["province_id"] == "20"


def test_last_year_and_so_far_are_resolved_from_the_publication_year() -> None:
    table = facts("en_last_year.txt", published=2025)
    papi = row(table, index="PAPI")
    assert (papi["province_id"], papi["year"], papi["value"], papi["rank"]) == ("74", 2024, 45.39, 9)
    assert row(table, index="procedures_count")[["value", "year"]].tolist() == [1890, 2025]


def test_check_confirms_refutes_and_flags_edits() -> None:
    table = facts("en_lang_son_2022.txt")
    checked = check(table)
    papi = row(checked, index="PAPI", kind="index")
    assert (
        papi["verdict"] == "agrees" and round(papi["parlib_value"], 2) == 43.85 and papi["parlib_rank"] == 13
    )
    edited = table.copy()
    at = edited.index[(edited["index"] == "PAPI") & (edited["kind"] == "index")][0]
    edited.loc[at, "value"] = 44.85  # a typo, or a hand edit that no longer matches the quote
    again = check(edited).loc[at]
    assert again["verdict"] == "differs"
    assert "value 44.85 vs parlib 43.85" in again["check_note"]
    assert "not in the quote" in again["check_note"]


def test_cli_extract_check_writes_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "facts.csv"
    assert cli.main(["extract", str(SNIPPETS / "en_lang_son_2022.txt"), "--check", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table.columns) == [*FACT_COLUMNS, "parlib_value", "parlib_rank", "verdict", "check_note"]
    assert row(table, index="PAPI", kind="index")["verdict"] == "agrees"
    assert "check: " in capsys.readouterr().err


def test_cli_bad_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert cli.main(["extract", str(empty)]) == 0
    assert "empty file" in capsys.readouterr().err
    assert cli.main(["extract", str(empty), "--province", "Lang Sonn"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("parlib: error:") and "\n" not in err and "did you mean 'Lang Son'" in err
    blob = tmp_path / "scan.png"
    blob.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert cli.main(["extract", str(blob)]) == 1
    err = capsys.readouterr().err.strip()
    assert "scan.png" in err and "OCR" in err and "\n" not in err


def test_respectively_gives_the_ith_figure_to_the_ith_index_and_skips_the_national_average() -> None:
    table = facts("vi_respectively_an_giang_2019.txt")
    par = row(table, index="PAR_INDEX", kind="index")
    sipas = row(table, index="SIPAS", kind="index")
    assert (par["province_id"], par["year"], par["value"], par["rank"]) == ("89", 2019, 83.32, 11)
    assert (sipas["value"], sipas["rank"], sipas["rank_of"]) == (89.81, 8, 63)
    assert not (table["value"] == 81.15).any()  # "trung bình của cả nước": not An Giang's


def test_ordinal_words_and_the_province_named_after_them() -> None:
    table = facts("vi_ordinals_sipas_2017.txt")
    got = {(r.province_id, r.value, None if pd.isna(r.rank) else int(r.rank)) for r in table.itertuples()}
    # Vĩnh Phúc 1st, Ninh Bình 2nd ("vị trí thứ hai thuộc về"), Thái Nguyên 3rd ("thứ ba là");
    # "khép lại nhóm 10 địa phương dẫn đầu" closes a group: Đồng Nai is not first
    assert got == {("26", 95.75, 1), ("37", 95.1, 2), ("19", 94.04, 3), ("75", 88.7, None)}


def test_figures_with_their_own_years_and_a_regional_rank() -> None:
    table = facts("en_history_phu_tho_pci.txt", published=2022)
    got = {(int(r.year), r.value, int(r.rank)) for r in table.itertuples() if r.index == "PCI"}
    assert got == {(2021, 66.11, 20), (2020, 64.52, 22), (2019, 65.54, 26)}
    assert table.loc[table["index"] == "PCI", "province_id"].eq("25").all()
    assert not (table["province_id"] == "80").any()  # "first in the Mekong Delta" is not rank 1 of 63


def test_a_reviewed_fact_table_is_read_back_and_an_edit_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "facts.csv"
    assert cli.main(["extract", str(SNIPPETS / "en_lang_son_2022.txt"), "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    at = table.index[(table["index"] == "PAPI") & (table["kind"] == "index")][0]
    table.loc[at, "value"] = "44.85"  # the reviewer's edit: kept, but no longer the quote's figure
    table.to_csv(out, index=False)
    checked = tmp_path / "checked.csv"
    assert cli.main(["extract", str(out), "--check", "--out", str(checked)]) == 0
    again = pd.read_csv(checked, dtype=str, keep_default_na=False)
    papi = row(again, index="PAPI", kind="index")
    assert papi["value"] == "44.85" and papi["verdict"] == "differs"
    assert "44.85 is not in the quote: edited by hand?" in papi["check_note"]
    assert row(again, index="SIPAS", kind="index")["verdict"] == "not covered"
    # --to-tables takes the reviewed table as it is
    assert cli.main(["extract", str(out), "--to-tables", str(tmp_path / "tables")]) == 0
    sipas = pd.read_csv(tmp_path / "tables" / "sipas.csv", dtype=str)
    assert sipas[["province", "year", "total", "rank"]].values.tolist() == [
        ["Lạng Sơn", "2022", "75.44", "59/63"]
    ]
    bad = tmp_path / "bad.csv"
    table.loc[at, "value"] = "forty"
    table.to_csv(bad, index=False)
    capsys.readouterr()
    assert cli.main(["extract", str(bad)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == f"parlib: error: bad.csv, row {at + 2}: column 'value': 'forty' is not a number"
