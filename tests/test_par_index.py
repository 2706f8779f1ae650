"""parlib.indices.par_index on the published record and on researcher tables (real + synthetic)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parlib.errors import ValidationError
from parlib.indices import par_index as module
from parlib.indices.par_index import par_index
from parlib.indices.ranking import places_phrase
from parlib.indices.result import CoverageError
from parlib.sources import published, tables

FIXTURES = Path(__file__).parent / "fixtures"
FULL_2021 = FIXTURES / "par_index_2021_synthetic_full.csv"  # SYNTHETIC, see fixtures/README.md
FULL_2022 = FIXTURES / "par_index_2022_synthetic_full.csv"
LANG_SON, SON_LA, BRVT, DONG_NAI, NAM_DINH, QUANG_NINH, HA_NOI = "20", "14", "77", "75", "36", "22", "01"


@pytest.fixture(scope="module")
def result(raw: Path) -> module.TableIndexResult:
    return par_index()


@pytest.fixture(scope="module")
def full(raw: Path) -> module.TableIndexResult:
    return par_index(tables=[FULL_2021, FULL_2022])


def _row(res: module.TableIndexResult, pid: str, year: int, component: str = "total") -> pd.Series:
    t = res.table
    rows = t[(t["province_id"] == pid) & (t["year"] == year) & (t["component"] == component)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- published record


def test_every_published_value_and_rank_is_reproduced(result, raw: Path) -> None:
    """Walk every PAR INDEX row of the shipped tables: its value and its rank are in the result,
    or the value lost to another published figure of the same fact (listed by conflicts())."""
    record = published.read_published(raw)
    record = record[(record["index"] == "PAR_INDEX") & ~record["is_national"]]
    lost = published.conflicts(raw)
    lost = set(zip(lost["component"], lost["province_id"], lost["year"], lost["other_value"], strict=True))
    checked = 0
    for rec in record.itertuples():
        row = _row(result, rec.province_id, int(rec.year), rec.component)
        if pd.notna(rec.value):
            if abs(row["value"] - rec.value) > 1e-9:
                assert (rec.component, rec.province_id, rec.year, rec.value) in lost, rec
            checked += 1
        if pd.notna(rec.rank):
            assert row["rank"] == rec.rank and row["rank_of"] == 63, rec
            assert row["rank_source"] == "published"
            checked += 1
    assert checked > 130


def test_conflicting_published_figures_keep_the_per_index_table(result) -> None:
    # 2012 Đà Nẵng: 87.12 in the 2012 table, 87.14 in point_figures.csv
    assert _row(result, "48", 2012)["value"] == 87.12


def test_2012_parts_add_up_for_ranks_1_to_19(result) -> None:
    t = result.table[result.table["year"] == 2012]
    wide = t.pivot_table(index="province_id", columns="component", values="value")
    assert len(wide) == 19
    assert ((wide["appraisal"] + wide["survey"] - wide["total"]).abs() < 0.011).all()
    totals = t[t["component"] == "total"]
    assert sorted(totals["rank"]) == list(range(1, 20))
    assert ((totals["recomputed"] - totals["value"]).abs() < 0.011).all()
    assert totals["derived_from"].isna().all()  # given totals are kept as given
    assert set(t.loc[t["component"].isin(["appraisal", "survey"]), "level"]) == {"part"}


@pytest.mark.parametrize(
    ("year", "average"),
    [(2013, 77.56), (2015, 85.11), (2019, 81.15), (2021, 86.37), (2022, 84.79), (2024, 88.37)],
)
def test_national_averages(result, year: int, average: float) -> None:
    assert result.national_average(year) == average
    row = result.national.set_index("year").loc[year]
    assert row["basis"] == "published" and pd.isna(row["median"])


def test_partial_years_keep_published_ranks(result) -> None:
    # ranks computed among a partial year's few provinces would be wrong: 2019 Bến Tre is 63rd, not 10th
    ben_tre = _row(result, "83", 2019)
    assert (ben_tre["rank"], ben_tre["rank_of"], ben_tre["rank_source"]) == (63, 63, "published")
    # a published value without a published rank stays unranked
    bac_giang = _row(result, "24", 2019)
    assert bac_giang["value"] == 81.84 and pd.isna(bac_giang["rank"]) and pd.isna(bac_giang["rank_of"])
    # a rank without a value is kept, and changes in places follow it (2017 rank 1 -> 2018 rank 1)
    qn_2017 = _row(result, QUANG_NINH, 2017)
    assert pd.isna(qn_2017["value"]) and qn_2017["rank"] == 1
    qn_2018 = _row(result, QUANG_NINH, 2018)
    assert qn_2018["rank_change"] == 0 and bool(qn_2018["comparable"]) and pd.isna(qn_2018["value_change"])
    assert any("partial years" in n for n in result.notes)


def test_published_changes(result) -> None:
    # Quảng Ngãi 2021: 86.45, rank 39, up 24 places from 63rd (a published note)
    qn = _row(result, "51", 2021)
    assert (qn["rank_change"], round(qn["value_change"], 2), bool(qn["comparable"])) == (24, 13.2, True)
    # 2021 -> 2022 crosses the 2022 method break
    assert not bool(_row(result, QUANG_NINH, 2022)["comparable"])
    # Nam Định 2023: rank 29, up 5 places, +2.46 (published)
    nd = _row(result, NAM_DINH, 2023)
    assert (nd["rank_change"], round(nd["value_change"], 2)) == (5, 2.46)


def test_coverage_error(result) -> None:
    with pytest.raises(
        CoverageError, match=r"PAR_INDEX has no data for 2016; it covers 2012-2013, 2015, 2017-2024"
    ):
        result.year(2016)
    with pytest.raises(CoverageError, match="2011"):
        result.national_average(2011)
    assert result.year(2019)["rank"].iloc[0] == 1


def test_lang_son_is_not_in_the_shipped_tables(result) -> None:
    """Lạng Sơn's 2022 result (81.45%, 54/63, down 31 places) is reported in methodology.md but
    not in data/raw/published: the synthetic full tables below demonstrate it."""
    assert LANG_SON not in set(result.table["province_id"])


# --------------------------------------------------------------------------- full researcher tables


def test_lang_son_2022_down_31_places(full) -> None:
    row = _row(full, LANG_SON, 2022)
    assert (row["value"], row["rank"], row["rank_of"], row["rank_source"]) == (81.45, 54, 63, "computed")
    assert row["rank_change"] == -31 and places_phrase(row["rank_change"]) == "down 31 places"
    assert round(row["value_change"], 2) == -5.66
    assert not bool(row["comparable"])  # 2021 -> 2022 crosses the 2022 method break
    assert row["source"] == FULL_2022.name


def test_full_year_ranks_with_ties(full) -> None:
    year = full.year(2021)
    assert len(year) == 63 and set(year["rank_source"]) == {"computed"} and set(year["rank_of"]) == {63}
    # Sơn La and Bà Rịa - Vũng Tàu tie at 87.61: both 15th, the next is 17th
    assert _row(full, SON_LA, 2021)["rank"] == 15 and _row(full, BRVT, 2021)["rank"] == 15
    assert 16 not in set(year["rank"]) and (year["rank"] == 17).sum() == 1
    assert year["rank"].tolist() == sorted(year["rank"].tolist())
    assert year["value"].is_monotonic_decreasing


def test_full_year_changes_agree_with_published_notes(full) -> None:
    # Đồng Nai 2022: "up 4 places"; Nam Định 2023: rank 29 "up 5 places" from a computed 34th
    assert _row(full, DONG_NAI, 2022)["rank_change"] == 4
    nd = _row(full, NAM_DINH, 2023)
    assert (nd["rank_source"], nd["rank_change"]) == ("published", 5)
    # Sơn La: 15th -> 13th (computed both years)
    assert _row(full, SON_LA, 2022)["rank_change"] == 2


def test_full_year_national_average_is_computed(full) -> None:
    national = full.national.set_index("year")
    for year, average in [(2021, 86.37), (2022, 84.79)]:
        row = national.loc[year]
        assert row["basis"] == "computed" and row["n_provinces"] == 63
        assert abs(row["value"] - average) < 0.005 and row["published_value"] == average
        assert pd.notna(row["median"])
    assert national.loc[2013, "basis"] == "published"
    assert not bool(national.loc[2022, "comparable"])


def test_researcher_table_replaces_the_year_and_agrees(full) -> None:
    assert any("give 126 province-years in [2021, 2022]" in n and "0 published province-years" in n
               for n in full.notes)  # fmt: skip
    assert not [n for n in full.notes if "published record" in n or "computed rank" in n]
    assert set(full.table.loc[full.table["year"] == 2022, "source"]) == {FULL_2022.name}
    # published ranks without values (Bắc Giang 4th, Đà Nẵng 5th in 2022) agree with the computed ones
    assert _row(full, "24", 2022)["rank"] == 4 and _row(full, "48", 2022)["rank"] == 5


def test_disagreements_are_noted(raw: Path, tmp_path: Path) -> None:
    table = pd.read_csv(FULL_2022, dtype=str)
    table.loc[table["province"] == "Hà Nội", "total"] = "90.50"  # published: 89.58, 3rd
    table.loc[table["province"] == "Hà Nội", "rank"] = "3"  # the rank column says 3rd; computed: 1st
    path = tmp_path / "par_index_2022_disagrees.csv"
    table.to_csv(path, index=False)
    res = par_index(tables=[path])
    notes = "\n".join(res.notes)
    assert (
        "PAR_INDEX 2022 province 01 total: 90.5 with the researcher table(s), 89.58 in the published record"
        in notes
    )
    assert (
        "PAR_INDEX 2022 province 01 total rank: 1 with the researcher table(s), 3 in the published record"
        in notes
    )
    assert (
        "PAR_INDEX 2022 province 01 total: computed rank 1, rank 3 in par_index_2022_disagrees.csv" in notes
    )
    assert "2022 national average: computed 84.80" in notes
    assert _row(res, HA_NOI, 2022)["rank"] == 1 and _row(res, HA_NOI, 2022)["published_rank"] == 3


def test_two_tables_for_the_same_fact(raw: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.csv"
    copy.write_bytes(FULL_2022.read_bytes())
    with pytest.raises(ValidationError, match=r"2022 province \d\d total is given by more than one table"):
        par_index(tables=[FULL_2022, copy])


# --------------------------------------------------------------------------- totals from parts and fields


def test_totals_from_fields_and_parts(tmp_path: Path) -> None:
    header = ["province", "year", "total", "appraisal", "survey", *tables.FIELDS]
    rows = [
        ["Lạng Sơn", 2022, "", "", "", 10, 12, 9.5, 8, 11, 10, 12.25, 8.7],  # fields only: 81.45
        ["Cao Bằng", 2022, "", 55.5, 24.25, *[""] * 8],  # parts only: 79.75
        ["Hà Giang", 2022, 80.0, 56.0, 24.0, *[""] * 8],  # given total, recomputed from parts
    ]
    path = tmp_path / "fields.csv"
    pd.DataFrame(rows, columns=header).to_csv(path, index=False)
    obs = pd.DataFrame(columns=[*module.KEY, "value", "unit", "source", "method_era"])
    res = par_index(obs, tables=[path])
    lang_son, cao_bang, ha_giang = (_row(res, p, 2022) for p in ("20", "04", "02"))
    assert lang_son["value"] == pytest.approx(81.45) and lang_son["derived_from"] == "fields"
    assert lang_son["source"] == "derived from the fields"
    assert cao_bang["value"] == pytest.approx(79.75) and cao_bang["derived_from"] == "parts"
    assert ha_giang["value"] == 80.0 and pd.isna(ha_giang["derived_from"]) and ha_giang["recomputed"] == 80.0
    fields = res.table[res.table["level"] == "field"]
    assert len(fields) == 8 and fields["unit"].eq("points (0-100)").all() and fields["label"].notna().all()
    assert set(res.year(2022)["rank_source"].dropna()) == set()  # 3 of 63 provinces: no ranks to give
    national = res.national.set_index("year")  # only the years the result covers
    assert national.index.tolist() == [2022] and national.loc[2022, "basis"] == "published"


def test_scores_alias_for_the_card() -> None:
    assert module.scores is par_index


def test_a_few_typed_rows_keep_the_other_provinces_of_their_years(tmp_path: Path) -> None:
    """Issue 10: six rows typed for 2022-2024 used to drop every other published row of those years,
    Hải Phòng's 2024 96.17 (1st of 63) among them. Now only the typed province-years are replaced."""
    rows = [
        [name, year, 85.0 + i, None]
        for i, name in enumerate(["Lạng Sơn", "Cao Bằng"])
        for year in (2022, 2023, 2024)
    ]
    path = tmp_path / "par_index_typed.csv"
    pd.DataFrame(rows, columns=["province", "year", "total", "rank"]).to_csv(path, index=False)
    before = par_index().table
    after = par_index(tables=[path])
    hp = after.table[(after.table["province_id"] == "31") & (after.table["year"] == 2024)]
    hp = hp[hp["component"] == "total"].iloc[0]
    assert (hp["value"], hp["rank"], hp["rank_of"]) == (96.17, 1, 63)
    typed = {("20", y) for y in (2022, 2023, 2024)} | {("04", y) for y in (2022, 2023, 2024)}

    def others(table: pd.DataFrame) -> pd.DataFrame:
        years = table[table["year"].between(2022, 2024) & (table["component"] == "total")]
        keep = [(p, y) not in typed for p, y in zip(years["province_id"], years["year"], strict=True)]
        return years[keep].set_index(["province_id", "year"])[["value", "rank"]].sort_index()

    pd.testing.assert_frame_equal(others(after.table), others(before), check_index_type=False)  # all kept
    assert len(others(before)) == 19  # published totals of other provinces in 2022-2024
    ls = after.table[(after.table["province_id"] == "20") & (after.table["component"] == "total")]
    assert (
        ls.set_index("year").loc[2023, "value"] == 85.0
        and ls.set_index("year").loc[2023, "source"] == path.name
    )
