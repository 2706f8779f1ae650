"""parlib.sources.published against the curated tables in data/raw/published/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from parlib.errors import SourceFormatError, UnknownProvinceError, ValidationError
from parlib.provinces import PROVINCES_34, PROVINCES_63
from parlib.sources import OBS_COLUMNS, published

KEY = ["index", "component", "province_id", "geo", "year"]
QUANG_NINH, HAI_PHONG, HCMC, HA_NOI, DA_NANG, DONG_THAP, BAC_GIANG, BRVT = (
    "22", "31", "79", "01", "48", "87", "24", "77",
)  # fmt: skip
POST_MERGER = "published/dti/dti_2024_post_merger_34units_partial.csv"
SIPAS_2022 = "published/sipas/sipas_2022_partial.csv"


@pytest.fixture(scope="module")
def record(raw: Path) -> pd.DataFrame:
    return published.read_published(raw)


@pytest.fixture(scope="module")
def obs(raw: Path) -> pd.DataFrame:
    return published.read(raw)


@pytest.fixture(scope="module")
def national(raw: Path) -> pd.Series:
    return published.national_averages(raw).set_index(["index", "year"])["value"]


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    rows = frame
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- the record


def test_files_listed(raw: Path) -> None:
    assert published.published_files(raw) == sorted(published.FILES)
    assert len(published.FILES) == 30


def test_every_row_of_every_file_is_accounted_for(record: pd.DataFrame, raw: Path) -> None:
    assert list(record.columns) == published.RECORD_COLUMNS
    for name in published.FILES:
        n_rows = len(pd.read_csv(raw / name, dtype=str, keep_default_na=False))
        rows = set(record.loc[record["source"] == name, "source_row"])
        assert rows == set(range(2, n_rows + 2)), name
        # exactly one 'total' row per source row
        totals = record[(record["source"] == name) & (record["component"] == "total")]
        assert len(totals) == n_rows and totals["source_row"].is_unique, name
    assert set(record["source"]) == set(published.FILES)


def test_every_province_maps(record: pd.DataFrame) -> None:
    provinces = record[~record["is_national"]]
    assert provinces["province_id"].notna().all()
    for geo, table in (("63", PROVINCES_63), ("34", PROVINCES_34)):
        ids = set(provinces.loc[provinces["geo"] == geo, "province_id"])
        assert ids and ids <= set(table.index), geo
    nationals = record[record["is_national"]]
    assert nationals["province_id"].isna().all() and (nationals["province"] == "NATIONAL").all()


def test_notes_and_units_kept(record: pd.DataFrame) -> None:
    assert record["note"].str.startswith("DERIVED").sum() >= 5
    assert record["note"].str.contains("CONFLICT").sum() >= 3
    assert set(record["unit"]) <= set(published.RECORD_UNITS)
    assert record["value"].isna().sum() > 100  # rank-only rows keep NaN, never 0
    assert not (record["value"] == 0).any()


def test_tra_vinh_dti_2022_score_and_rank_sources(record: pd.DataFrame) -> None:
    row = _one(record, source="published/dti/dti_2022_provincial_rank_dti_gov_vn.csv", province="Trà Vinh")
    assert row["value"] == pytest.approx(0.6077) and row["rank"] == 25 and row["rank_of"] == 63
    assert "travinh.gov.vn" in row["source_url"]
    assert row["note"] == "rank source: https://dti.gov.vn/xep-hang-2022"


# --------------------------------------------------------------------------- published values


@pytest.mark.parametrize(
    ("index", "year", "value"),
    [
        ("SIPAS", 2018, 82.99), ("SIPAS", 2019, 84.45), ("SIPAS", 2022, 80.08), ("SIPAS", 2023, 82.66),
        ("SIPAS", 2024, 83.94), ("PAR_INDEX", 2013, 77.56), ("PAR_INDEX", 2015, 85.11),
        ("PAR_INDEX", 2019, 81.15), ("PAR_INDEX", 2021, 86.37), ("PAR_INDEX", 2022, 84.79),
        ("PAR_INDEX", 2024, 88.37),
    ],
)  # fmt: skip
def test_national_averages(national: pd.Series, index: str, year: int, value: float) -> None:
    assert national.loc[(index, year)] == pytest.approx(value)


def test_national_averages_are_unique_and_not_observations(raw: Path, obs: pd.DataFrame) -> None:
    averages = published.national_averages(raw)
    assert not averages.duplicated(["index", "geo", "year"]).any()
    assert list(averages.columns) == ["index", "geo", "year", "value", "unit", "source", "source_url", "note"]
    assert obs["province_id"].str.fullmatch(r"\d{2}").all()


def test_par_2012_parts_sum_to_total(record: pd.DataFrame) -> None:
    par = record[(record["index"] == "PAR_INDEX") & (record["year"] == 2012) & ~record["is_national"]]
    par = par[par["source"] == "published/par_index/par_index_2012_partial.csv"]
    wide = par.pivot(index="province_id", columns="component", values="value")
    assert len(wide) == 19 and wide.notna().all().all()
    assert ((wide["appraisal"] + wide["survey"] - wide["total"]).abs() <= 0.011).all()


def test_sipas_2022_quang_ninh(obs: pd.DataFrame) -> None:
    values = obs.set_index(KEY)["value"]
    assert values[("SIPAS", "total", QUANG_NINH, "63", 2022)] == pytest.approx(87.59)
    assert values[("SIPAS", "rank", QUANG_NINH, "63", 2022)] == 1
    row = _one(obs, index="SIPAS", component="total", province_id=QUANG_NINH, year=2022)
    assert row["source"] == SIPAS_2022 and row["method_era"] == "2022-"


def test_dti_2024_post_merger_is_geo_34(record: pd.DataFrame, obs: pd.DataFrame) -> None:
    rows = record[record["source"] == POST_MERGER]
    assert len(rows) == 8 and set(rows["geo"]) == {"34"}
    assert set(rows["province_id"]) <= set(PROVINCES_34.index)
    merged = obs[obs["geo"] == "34"]
    assert set(merged["index"]) == {"DTI"} and set(merged["source"]) == {POST_MERGER}
    values = merged.set_index(["component", "province_id"])
    assert values.at[("total", HCMC), "value"] == pytest.approx(0.777)
    assert values.at[("rank", HAI_PHONG), "value"] == 3
    assert values.at[("rank", HAI_PHONG), "unit"] == "rank (of 34)"
    # the pre-merger 2024 ranking stays in geo 63
    assert _one(obs, index="DTI", component="rank", province_id=HCMC, geo="63", year=2024)["value"] == 1


# --------------------------------------------------------------------------- observations


def test_contract(obs: pd.DataFrame) -> None:
    assert list(obs.columns) == [*OBS_COLUMNS, "source_row"]  # + provenance
    assert not obs.duplicated(KEY).any()
    assert obs["value"].notna().all()
    assert set(obs["unit"]) <= set(published.UNITS)
    for unit, (low, high) in published.UNITS.items():
        assert obs.loc[obs["unit"] == unit, "value"].between(low, high).all(), unit
    assert not set(obs["index"]) & {"PAPI", "PCI"}
    assert {"SIPAS", "PAR_INDEX", "DTI", "EGOV_IT_APPLICATION_MIC", "ICT_INDEX"} <= set(obs["index"])
    assert set(obs["source"]) <= set(published.FILES)
    assert (obs.loc[obs["component"].str.endswith("rank"), "unit"].isin(["rank", "rank (of 34)"])).all()


def test_components(obs: pd.DataFrame) -> None:
    components = obs.groupby("index")["component"].unique().map(set).to_dict()
    assert components["SIPAS"] == {"total", "rank"}
    assert components["PAR_INDEX"] == {"total", "rank", "appraisal", "survey"}
    assert {"digital_government", "digital_government_rank", "digital_awareness"} <= components["DTI"]
    par = obs[obs["index"] == "PAR_INDEX"]
    assert set(par.loc[par["component"].isin(["appraisal", "survey"]), "year"]) == {2012}


def test_method_eras(obs: pd.DataFrame) -> None:
    eras = obs.groupby(["index", "year"])["method_era"].unique().map(list).to_dict()
    assert eras[("SIPAS", 2015)] == ["2015-pilot"]
    assert eras[("SIPAS", 2021)] == ["2017-2021"] and eras[("SIPAS", 2022)] == ["2022-"]
    assert eras[("PAR_INDEX", 2012)] == ["2012-2016"] and eras[("PAR_INDEX", 2017)] == ["2017-2021"]
    assert eras[("PAR_INDEX", 2024)] == ["2022-"]
    assert eras[("DTI", 2020)] == ["2020"] and eras[("DTI", 2021)] == ["2021-"]
    assert eras[("EGOV_IT_APPLICATION_MIC", 2017)] == [None]


def test_rank_only_rows_become_ranks(obs: pd.DataFrame) -> None:
    # SIPAS 2024: top five published in listed order, no values
    sipas = obs[(obs["index"] == "SIPAS") & (obs["year"] == 2024)]
    ranks = sipas[sipas["component"] == "rank"].set_index("province_id")["value"]
    assert ranks[HAI_PHONG] == 1 and len(ranks) == 7
    assert (sipas["component"] == "total").sum() == 1  # only Long An has a value
    egov = obs[obs["index"] == "EGOV_IT_APPLICATION_MIC"]
    assert (egov["component"] == "rank").sum() == 54 and (egov["component"] == "total").sum() == 53


def test_per_index_table_wins_over_point_figures(obs: pd.DataFrame) -> None:
    row = _one(obs, index="SIPAS", component="total", province_id=BAC_GIANG, year=2019)
    assert row["source"] == "published/sipas/sipas_2019_partial.csv"
    # the PAR INDEX 2012 figures differ between the HF compilation (table) and VietnamPlus (point figures)
    kept = _one(obs, index="PAR_INDEX", component="total", province_id=DA_NANG, year=2012)
    assert kept["value"] == pytest.approx(87.12) and "par_index_2012" in kept["source"]
    # a figure only in point_figures.csv is kept
    ict = _one(obs, index="ICT_INDEX", component="total", province_id=DA_NANG, year=2023)
    assert ict["value"] == pytest.approx(0.8485) and ict["source"] == published.POINT_FIGURES


def test_conflicts_listed(raw: Path) -> None:
    found = published.conflicts(raw)
    found = found.set_index(["index", "component", "province_id", "year"]).sort_index()
    expected = {
        ("PAR_INDEX", "total", HA_NOI, 2012): (82.77, 82.79),
        ("PAR_INDEX", "total", DA_NANG, 2012): (87.12, 87.14),
        ("PAR_INDEX", "total", DONG_THAP, 2012): (83.41, 83.44),
    }
    assert list(found.index) == list(expected)
    assert found["value"].tolist() == pytest.approx([v for v, _ in expected.values()])
    assert found["other_value"].tolist() == pytest.approx([o for _, o in expected.values()])
    assert set(found["source"]) == {"published/par_index/par_index_2012_partial.csv"}
    assert set(found["other_source"]) == {published.POINT_FIGURES}


def test_published_pci_agrees_across_files(record: pd.DataFrame) -> None:
    """PCI figures quoted on news pages match the VCCI province pages (a check; PCI comes from pci.py)."""
    pci = record[(record["index"] == "PCI") & (record["component"] == "total") & record["value"].notna()]
    pages = pci[pci["source"].str.startswith("published/pci/")]
    pages = pages.groupby(["province_id", "year"])["value"].first()
    points = pci[pci["source"] == published.POINT_FIGURES].set_index(["province_id", "year"])["value"]
    both = points.index.intersection(pages.index)
    assert {(BRVT, 2021), (QUANG_NINH, 2019)} <= set(both)
    assert (points[both] - pages[both]).abs().max() < 0.005


# --------------------------------------------------------------------------- broken copies


@pytest.fixture
def tmp_raw(raw: Path, tmp_path: Path) -> Path:
    shutil.copytree(raw / "published", tmp_path / "published")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_value_out_of_scale_names_file_row_and_rule(tmp_raw: Path) -> None:
    _edit(tmp_raw / SIPAS_2022, "Quang Ninh,87.59,percent", "Quang Ninh,120,percent")
    pattern = r"sipas_2022_partial\.csv, row 2: SIPAS 2022 Quang Ninh total: value 120 outside the 'percent'"
    with pytest.raises(ValidationError, match=pattern):
        published.read(tmp_raw)
    with pytest.raises(ValidationError, match=pattern):
        published.read_published(tmp_raw)


def test_rank_out_of_range_names_file_and_row(tmp_raw: Path) -> None:
    _edit(tmp_raw / SIPAS_2022, "Son La,82.18,percent,17,63", "Son La,82.18,percent,71,63")
    pattern = r"sipas_2022_partial\.csv, row 8: .*rank 71 outside 1\.\.rank_of"
    with pytest.raises(ValidationError, match=pattern):
        published.read(tmp_raw)


def test_renamed_column_names_the_file(tmp_raw: Path) -> None:
    path = tmp_raw / "published/sipas/sipas_2019_partial.csv"
    _edit(path, "value,unit,rank", "score,unit,rank")
    with pytest.raises(SourceFormatError, match=r"sipas_2019_partial\.csv: (missing|unknown) column"):
        published.read(tmp_raw)


def test_unknown_layout_names_the_file(tmp_raw: Path) -> None:
    path = tmp_raw / "published/par_index/par_index_2013_partial.csv"
    _edit(path, "index,year,", "indicator,year,")
    with pytest.raises(SourceFormatError, match=r"par_index_2013_partial\.csv: unknown layout"):
        published.read_published(tmp_raw)


def test_unknown_province_names_file_and_row(tmp_raw: Path) -> None:
    _edit(tmp_raw / SIPAS_2022, "Sơn La,Son La,Son La", "Atlantis,Son La,Son La")
    pattern = r"sipas_2022_partial\.csv, row 8, column 'province'.*Atlantis"
    with pytest.raises(UnknownProvinceError, match=pattern):
        published.read(tmp_raw)


def test_disagreeing_name_columns_name_file_and_row(tmp_raw: Path) -> None:
    _edit(tmp_raw / SIPAS_2022, "Sơn La,Son La,Son La", "Sơn La,Son La,Lang Son")
    with pytest.raises(SourceFormatError, match=r"sipas_2022_partial\.csv, row 8: province columns disagree"):
        published.read(tmp_raw)


def test_bad_number_names_file_and_row(tmp_raw: Path) -> None:
    _edit(tmp_raw / SIPAS_2022, "Quang Ninh,87.59,percent", "Quang Ninh,87.5x,percent")
    with pytest.raises(SourceFormatError, match=r"sipas_2022_partial\.csv, row 2: column 'value'"):
        published.read(tmp_raw)


def test_decimal_comma_and_percent_sign_parse(tmp_raw: Path) -> None:
    _edit(tmp_raw / SIPAS_2022, "Quang Ninh,87.59,percent", 'Quang Ninh,"87,59",percent')
    sipas_2023 = tmp_raw / "published/sipas/sipas_2023_partial.csv"
    _edit(sipas_2023, "Quang Ninh,90.61,percent", "Quang Ninh,90.61%,percent")
    obs = published.read(tmp_raw).set_index(KEY)["value"]
    assert obs[("SIPAS", "total", QUANG_NINH, "63", 2022)] == pytest.approx(87.59)
    assert obs[("SIPAS", "total", QUANG_NINH, "63", 2023)] == pytest.approx(90.61)


# ------------------------------------------------------------------ source rows (issue 8)


def test_source_row_is_the_line_of_the_file(obs: pd.DataFrame) -> None:
    sipas = obs[obs["source"] == "published/sipas/sipas_2023_partial.csv"].set_index(
        ["component", "province_id"]
    )
    assert sipas.loc[("total", HAI_PHONG), "source_row"] == 3
    assert sipas.loc[("rank", HAI_PHONG), "source_row"] == 3
    assert sipas.loc[("total", QUANG_NINH), "source_row"] == 2
    assert obs["source_row"].notna().all() and obs["source_row"].dtype == "Int64"


def test_undecodable_file_names_it_and_says_it_is_committed(tmp_raw: Path) -> None:
    (tmp_raw / SIPAS_2022).write_bytes(b"index,year\n\xff\xfe\xfa,2022\n")
    with pytest.raises(
        SourceFormatError,
        match=r"sipas_2022_partial\.csv: not a readable CSV file .*; restore it with `git checkout -- ",
    ):
        published.read(tmp_raw)
