"""parlib.sources.papi on the real files: mdtrinh 2011-2016, the CS571 UNDP sheets, ml-mcdm 2011-2024."""

from __future__ import annotations

import importlib
import shutil
import warnings
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from parlib import schema
from parlib.config import raw_dir
from parlib.errors import SourceFormatError, UnknownProvinceError
from parlib.provinces import PROVINCES_63, normalize
from parlib.sources import OBS_COLUMNS, papi

KEY = ["component", "province_id", "year"]
BAC_GIANG, DONG_THAP, QUANG_NINH, BAC_NINH, HA_NOI = "24", "87", "22", "27", "01"
NO_TOTAL = {
    (2014, BAC_GIANG), (2014, DONG_THAP),
    (2018, QUANG_NINH), (2018, DONG_THAP),
    (2021, QUANG_NINH), (2021, BAC_GIANG), (2021, BAC_NINH),
    (2022, BAC_GIANG), (2022, BAC_NINH),
    (2023, QUANG_NINH), (2023, "74"),  # Bình Dương
    (2024, "26"), (2024, "82"),  # Vĩnh Phúc, Tiền Giang
}  # fmt: skip
ROWS_PER_YEAR = {
    2011: 1827, 2012: 1827, 2013: 1827, 2014: 1769, 2015: 1827, 2016: 1827, 2017: 1827,
    2018: 2309, 2019: 2457, 2020: 2394, 2021: 2220, 2022: 2292, 2023: 2257, 2024: 2257,
}  # fmt: skip


@pytest.fixture(scope="module")
def obs() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error", papi.CopiedSheetWarning)  # the known copies pass quietly
        return papi.read()


@pytest.fixture(scope="module")
def early() -> pd.DataFrame:
    return papi.read_undp_2011_2016()


@pytest.fixture(scope="module")
def late() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", papi.CopiedSheetWarning)
        return papi.read_undp_2018_2023()


@pytest.fixture(scope="module")
def ml() -> pd.DataFrame:
    return papi.read_mlmcdm()


def _values(frame: pd.DataFrame) -> pd.Series:
    return frame.set_index(KEY)["value"]


def _compare(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    both = pd.concat([_values(a).rename("a"), _values(b).rename("b")], axis=1)
    both["diff"] = (both["a"] - both["b"]).abs()
    return both


# ------------------------------------------------------------------ contract


def test_contract(obs: pd.DataFrame) -> None:
    assert list(obs.columns) == [*OBS_COLUMNS, "source_row", "source_sheet"]  # + provenance
    assert set(obs["index"]) == {"PAPI"} and set(obs["geo"]) == {"63"}
    assert set(obs["component"]) == set(papi.COMPONENTS)
    assert obs["province_id"].isin(PROVINCES_63.index.drop("28")).all()
    assert obs["value"].notna().all() and (obs["value"] > 0).all()
    assert (obs["method_era"] == obs["year"].map(papi.method_era)).all()
    assert set(obs["source"]) <= set(papi.FILES)
    assert all((raw_dir() / name).is_file() for name in papi.FILES)
    assert obs["year"].dtype == "int64" and obs["value"].dtype == "float64"


def test_parts_are_not_sources_of_their_own() -> None:
    """papi is the source module; its papi_* parts hold no FILES or read() and are hashed as
    the build's code by panel.CODE's ``sources/*.py`` (flat siblings, not a sub-package)."""
    from parlib.sources import SOURCE_MODULES

    parts = sorted(p.stem for p in Path(papi.__file__).parent.glob("papi_*.py"))
    assert parts and not set(parts) & set(SOURCE_MODULES)
    for name in parts:
        module = importlib.import_module(f"parlib.sources.{name}")
        assert not hasattr(module, "FILES") and not hasattr(module, "read"), name
    assert {papi.MDTRINH_FILE, papi.UNDP_FILE, papi.MLMCDM_PROVINCES_FILE} <= set(papi.FILES)
    assert papi.__all__ and all(hasattr(papi, name) for name in papi.__all__)


def test_passes_the_panel_schema(obs: pd.DataFrame) -> None:
    schema.validate_observations(obs, papi.UNITS)


def test_one_row_per_component_province_year(obs: pd.DataFrame) -> None:
    assert not obs.duplicated(KEY).any()


def test_values_within_units(obs: pd.DataFrame) -> None:
    assert set(obs["unit"]) == set(papi.UNITS)
    for unit, (low, high) in papi.UNITS.items():
        values = obs.loc[obs["unit"] == unit, "value"]
        assert values.between(low, high).all(), unit
    # the 0.33 lower bound (not 1/3) is there for exactly these two published values
    third = obs[(obs["unit"] == "points (0.33-3.33)") & (obs["value"] < 1 / 3)]
    assert sorted(zip(third["year"], third["province_id"], third["component"], strict=True)) == [
        (2020, "54", "egov_portal_access"),  # Phú Yên 0.33174
        (2022, "83", "egov_portal_access"),  # Bến Tre 0.33235
    ]


def test_units_follow_the_number_of_siblings(obs: pd.DataFrame) -> None:
    units = obs.groupby(["year", "component"])["unit"].unique().map(list)
    assert units[(2015, "poverty_lists")] == ["points (0.33-3.33)"]
    assert units[(2018, "poverty_lists")] == ["points (0.25-2.5)"]
    assert units[(2018, "internet_access")] == ["points (0.5-5)"]
    assert units[(2019, "internet_access")] == ["points (0.33-3.33)"]
    assert units[(2020, "certification")] == ["points (0.25-2.5)"]
    assert units[(2021, "certification")] == ["points (0.33-3.33)"]
    assert units[(2017, "total")] == ["points (6-60)"] and units[(2018, "total")] == ["points (8-80)"]


# ------------------------------------------------------------------ codebook and eras


def test_method_era() -> None:
    assert [papi.method_era(y) for y in (2011, 2015, 2016, 2017, 2018, 2020, 2021, 2024)] == [
        "2011-2015", "2011-2015", "2016-2017", "2016-2017", "2018-2020", "2018-2020", "2021-", "2021-",
    ]  # fmt: skip
    with pytest.raises(ValueError):
        papi.method_era(2010)


def test_codebook_structure() -> None:
    book = papi.CODEBOOK
    assert book["component"].is_unique and set(book["level"]) == {"total", "dimension", "subdimension"}
    assert set(book["parent"].dropna()) <= set(book["component"])
    subdims = book[book["level"] == "subdimension"]
    assert set(subdims["parent"]) == set(book.loc[book["level"] == "dimension", "component"])
    count = {
        y: sum(papi.level(c) == "subdimension" for c in papi.components(y))
        for y in (2011, 2016, 2018, 2019, 2021)
    }
    assert count == {2011: 22, 2016: 22, 2018: 28, 2019: 29, 2021: 28}  # methodology.md 1.1
    dims = {
        y: [len(papi.children(d, y)) for d in papi.children("total", y)] for y in (2011, 2018, 2019, 2021)
    }
    assert dims == {
        2011: [4, 3, 3, 4, 4, 4],
        2018: [4, 4, 3, 4, 4, 4, 3, 2],
        2019: [4, 4, 3, 4, 4, 4, 3, 3],
        2021: [4, 4, 3, 4, 3, 4, 3, 3],
    }
    row = book.set_index("component")
    assert row.loc["inspection_boards", "eras"] == "2011-2015,2016-2017"
    assert row.loc["responsiveness", "eras"] == "2016-2017,2018-2020,2021-"
    assert row.loc["construction_permits", "last_year"] == 2020


def test_mlmcdm_label_shift_by_era() -> None:
    assert papi.mlmcdm_columns(2015)["SC21"] == "poverty_lists"
    assert papi.mlmcdm_columns(2015)["SC33"] == "investment_supervision_boards"
    assert papi.mlmcdm_columns(2016)["SC32"] == "responsiveness"
    assert papi.mlmcdm_columns(2017)["SC33"] == "inspection_boards"
    assert papi.mlmcdm_columns(2018)["SC21"] == "access_to_information"
    assert papi.mlmcdm_columns(2018)["SC24"] == "land_use_plans"
    assert "SC24" not in papi.mlmcdm_columns(2017) and "SC83" not in papi.mlmcdm_columns(2018)
    assert "SC52" in papi.mlmcdm_columns(2020) and "SC52" not in papi.mlmcdm_columns(2021)


# ------------------------------------------------------------------ coverage


def test_rows_per_year(obs: pd.DataFrame) -> None:
    assert obs.groupby("year").size().to_dict() == ROWS_PER_YEAR


def test_province_years_without_total(obs: pd.DataFrame) -> None:
    totals = obs[obs["component"] == "total"]
    have = set(zip(totals["year"], totals["province_id"], strict=True))
    every = {(y, p) for y in range(2011, 2025) for p in PROVINCES_63.index.drop("28")}
    assert every - have == NO_TOTAL


def test_unscored_provinces_have_no_rows(obs: pd.DataFrame, early: pd.DataFrame, late: pd.DataFrame) -> None:
    for frame in (obs, early):
        rows = frame[(frame["year"] == 2014) & frame["province_id"].isin([BAC_GIANG, DONG_THAP])]
        assert rows.empty  # they print 0 in mdtrinh's 2014 sheet
    # 2022: unscored cells hold 0 in the UNDP sheet; partly scored provinces keep their other parts
    bg = set(late.loc[(late["year"] == 2022) & (late["province_id"] == BAC_GIANG), "component"])
    assert "total" not in bg and "participation" not in bg and "civic_knowledge" not in bg
    assert {"vertical_accountability", "public_services", "environmental_governance", "e_governance"} <= bg
    bn = set(late.loc[(late["year"] == 2022) & (late["province_id"] == BAC_NINH), "component"])
    assert "total" not in bn and "transparency" not in bn and "participation" in bn
    # 2018: 'KCDL' (no data) for transparency and corruption in Quảng Ninh and Đồng Tháp
    qn = set(late.loc[(late["year"] == 2018) & (late["province_id"] == QUANG_NINH), "component"])
    assert "total" not in qn and "transparency" not in qn and "control_of_corruption" not in qn
    assert "participation" in qn and "e_governance" in qn


def test_partial_sums_are_missing_not_smaller(ml: pd.DataFrame) -> None:
    # ml-mcdm 2022 Bắc Giang lacks participation's sub-dimensions: no participation, no total
    rows = ml[(ml["year"] == 2022) & (ml["province_id"] == BAC_GIANG)]
    assert "participation" not in set(rows["component"]) and "total" not in set(rows["component"])
    assert "public_services" in set(rows["component"])
    lowest = ml[ml["component"] == "total"].groupby("year")["value"].min()
    assert (lowest > 30).all()


# ------------------------------------------------------------------ sources agree


def test_mdtrinh_equals_mlmcdm_2011_2016(early: pd.DataFrame, ml: pd.DataFrame) -> None:
    ml = ml[ml["year"] <= 2016]
    assert set(map(tuple, early[KEY].values)) == set(map(tuple, ml[KEY].values))
    both = _compare(early, ml)
    # every sub-dimension (this checks the era mapping of ml-mcdm's columns), and ml-mcdm's
    # derived dimensions and totals against the published ones
    assert both["diff"].max() < 1e-4, both.sort_values("diff").tail()
    assert both.loc[both.index.get_level_values("component") == "total", "diff"].max() < 5e-6


def test_undp_sheets_equal_mlmcdm(late: pd.DataFrame, ml: pd.DataFrame) -> None:
    ml = ml[ml["year"].isin(papi.UNDP_YEARS)]
    undp = late[late["component"] != "total_weighted"]
    assert set(map(tuple, undp[KEY].values)) == set(map(tuple, ml[KEY].values))
    both = _compare(undp, ml)
    ha_noi_2022 = (both.index.get_level_values("province_id") == HA_NOI) & (
        both.index.get_level_values("year") == 2022
    )
    assert both.loc[~ha_noi_2022, "diff"].max() < 1e-4
    # Hà Nội 2022: sub-dimensions 1.3 and 1.4 are printed rounded (1.57, 1.28) in both files,
    # so ml-mcdm's derived participation and total differ from UNDP's by 0.0007
    assert both.loc[ha_noi_2022, "diff"].max() < 1e-3


def test_published_parts_add_up(early: pd.DataFrame, late: pd.DataFrame) -> None:
    published = pd.concat([early, late], ignore_index=True)
    values = _values(published)
    gaps = []
    for (component, pid, year), value in values.items():
        if papi.level(component) == "subdimension" or component == "total_weighted":
            continue
        parts = [(c, pid, year) for c in papi.children(component, year)]
        if all(p in values.index for p in parts):
            gaps.append((component, pid, year, abs(value - sum(values[p] for p in parts))))
    gaps = pd.DataFrame(gaps, columns=["component", "province_id", "year", "gap"])
    big = gaps[gaps["gap"] > 1e-4]
    assert list(zip(big["component"], big["province_id"], big["year"], strict=True)) == [
        ("participation", HA_NOI, 2022)
    ]
    assert len(gaps) > 4800  # every published dimension and total with all its parts


def test_vietnamese_workbook_has_the_same_scores(late: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", papi.CopiedSheetWarning)
        vi = papi.read_undp_2018_2023(file=papi.UNDP_FILE_VI)
    assert set(vi["source"]) == {papi.UNDP_FILE_VI}
    pd.testing.assert_series_equal(_values(vi).sort_index(), _values(late).sort_index())


# ------------------------------------------------------------------ copied sheets


def test_copied_sheets_detected_and_never_used(late: pd.DataFrame) -> None:
    path = raw_dir() / papi.UNDP_FILE
    assert papi.copied_sheets(path) == {"2020": "2019", "2021": "2019"}
    with pytest.warns(papi.CopiedSheetWarning) as record:
        papi.read_undp_2018_2023()
    assert sorted(str(w.message).split(": ", 1)[1] for w in record) == [
        "sheet '2020' repeats the values of sheet '2019'; ignored",
        "sheet '2021' repeats the values of sheet '2019'; ignored",
    ]
    for year in (2020, 2021):
        with pytest.raises(SourceFormatError, match=f"sheet '{year}' repeats"):
            papi.read_undp_2018_2023(years=(year,))
    assert set(late["year"]) == set(papi.UNDP_YEARS)


# ------------------------------------------------------------------ precedence and published figures


def test_precedence(obs: pd.DataFrame, ml: pd.DataFrame) -> None:
    sources = obs.groupby("year")["source"].unique().map(list).to_dict()
    for year in range(2011, 2025):
        if year <= 2016:
            assert sources[year] == [papi.MDTRINH_FILE]
        elif year in papi.UNDP_YEARS:
            assert sources[year] == [papi.UNDP_FILE]  # ml-mcdm has nothing the UNDP sheets lack
        else:
            assert sources[year] == [papi.mlmcdm_file(year)]
    filled = obs[obs["year"].isin([2017, 2020, 2021, 2024])]
    pd.testing.assert_frame_equal(
        filled.sort_values(KEY, ignore_index=True),
        ml[ml["year"].isin([2017, 2020, 2021, 2024])].sort_values(KEY, ignore_index=True),
    )


def _total(obs: pd.DataFrame, name: str, year: int, component: str = "total") -> float:
    pid = normalize(name)
    rows = obs[(obs["component"] == component) & (obs["province_id"] == pid) & (obs["year"] == year)]
    assert len(rows) == 1
    return float(rows["value"].iloc[0])


def _rank(obs: pd.DataFrame, name: str, year: int) -> int:
    totals = obs[(obs["component"] == "total") & (obs["year"] == year)].set_index("province_id")["value"]
    return int(totals.rank(ascending=False, method="min")[normalize(name)])


def test_published_figures(obs: pd.DataFrame) -> None:
    assert _total(obs, "Bà Rịa - Vũng Tàu", 2021) == pytest.approx(40.61, abs=0.006)  # published 40.62
    assert _total(obs, "Bắc Kạn", 2021) == pytest.approx(42.16, abs=0.01)
    assert _total(obs, "Bắc Kạn", 2022) == pytest.approx(42.44, abs=0.005)
    assert _total(obs, "Quảng Ninh", 2019) == pytest.approx(46.66, abs=0.005)
    assert _rank(obs, "Bắc Kạn", 2021) == 34 and _rank(obs, "Bắc Kạn", 2022) == 30
    assert _rank(obs, "Hà Nội", 2021) == 9 and _rank(obs, "Quảng Ninh", 2019) == 3
    # the weighted 2019 score is not the 44.66 a news page quoted either
    assert _total(obs, "Quảng Ninh", 2019, "total_weighted") == pytest.approx(52.30, abs=0.005)
    assert _total(obs, "Hà Nội", 2011) == pytest.approx(36.405, abs=0.001)


# ------------------------------------------------------------------ format errors


def _copy_mlmcdm(tmp_path: Path) -> Path:
    shutil.copytree(raw_dir() / "ml-mcdm", tmp_path / "ml-mcdm")
    return tmp_path


def test_renamed_mlmcdm_column_raises(tmp_path: Path) -> None:
    raw = _copy_mlmcdm(tmp_path)
    path = raw / papi.mlmcdm_file(2011)
    path.write_text(path.read_text(encoding="utf-8").replace("SC11", "SC11_new", 1), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"ml-mcdm/data/csv/2011\.csv.*'SC11'") as info:
        papi.read_mlmcdm(raw)
    assert info.value.file == path


def test_mlmcdm_values_in_an_empty_era_column_raise(tmp_path: Path) -> None:
    raw = _copy_mlmcdm(tmp_path)
    path = raw / papi.mlmcdm_file(2015)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, "SC24"] = "1.5"  # SC24 holds nothing before 2018
    frame.to_csv(path, index=False)
    with pytest.raises(SourceFormatError, match=r"2015\.csv, row 5: column SC24"):
        papi.read_mlmcdm(raw, years=[2015])


def test_unknown_mlmcdm_province_raises(tmp_path: Path) -> None:
    raw = _copy_mlmcdm(tmp_path)
    path = raw / papi.mlmcdm_file(2012)
    path.write_text(path.read_text(encoding="utf-8").replace("\nP07,", "\nP99,"), encoding="utf-8")
    with pytest.raises(UnknownProvinceError, match=r"2012\.csv, row 8: unknown province code 'P99'"):
        papi.read_mlmcdm(raw, years=[2012])


def test_renamed_mdtrinh_column_raises(tmp_path: Path) -> None:
    target = tmp_path / papi.MDTRINH_FILE
    target.parent.mkdir(parents=True)
    wb = openpyxl.load_workbook(raw_dir() / papi.MDTRINH_FILE)
    ws = wb["2013_PAPI"]
    cell = next(c for c in ws[1] if c.value == "Civic Knowledge")
    cell.value = "Civic Knowledge Index"
    wb.save(target)
    with pytest.raises(
        SourceFormatError, match=r"PAPI_2011-2016\.xlsx \[sheet 2013_PAPI\].*Civic Knowledge Index"
    ):
        papi.read_undp_2011_2016(tmp_path)


def _small_undp(
    tmp_path: Path, sheets: dict[str, str], edit: dict[tuple[str, int, int], object] | None = None
) -> Path:
    """A workbook at the UNDP_FILE registry path holding real sheets: {new title: real title}."""
    src = openpyxl.load_workbook(raw_dir() / papi.UNDP_FILE, read_only=True, data_only=True)
    out = openpyxl.Workbook()
    out.remove(out.active)
    for title, real in sheets.items():
        ws = out.create_sheet(title)
        for row in src[real].iter_rows(values_only=True):
            ws.append(list(row))
    src.close()
    for (title, row, col), value in (edit or {}).items():
        out[title].cell(row=row, column=col, value=value)
    target = tmp_path / papi.UNDP_FILE
    target.parent.mkdir(parents=True)
    out.save(target)
    return tmp_path


def test_undp_copy_of_a_used_year_raises(tmp_path: Path) -> None:
    raw = _small_undp(tmp_path, {"2018": "2018", "2019": "2018"})
    assert papi.copied_sheets(raw / papi.UNDP_FILE) == {"2019": "2018"}
    with pytest.raises(SourceFormatError, match="sheet '2019' repeats the values of sheet '2018'"):
        papi.read_undp_2018_2023(raw, years=(2018, 2019))


def test_undp_shifted_label_raises(tmp_path: Path) -> None:
    # row 38 of sheet 2019 is '2.1: Tiếp cận thông tin*'; give it another sub-dimension's words
    raw = _small_undp(tmp_path, {"2019": "2019"}, {("2019", 38, 1): "2.1: Công khai danh sách hộ nghèo"})
    with pytest.raises(
        SourceFormatError, match=r"\[sheet 2019\], row 38: label .* does not name access_to_info"
    ):
        papi.read_undp_2018_2023(raw, years=(2019,))


def test_undp_missing_subdimension_raises(tmp_path: Path) -> None:
    raw = _small_undp(tmp_path, {"2019": "2019"}, {("2019", 175, 1): "Phúc đáp (renamed)"})
    with pytest.raises(SourceFormatError, match=r"missing \['e_responsiveness'\]"):
        papi.read_undp_2018_2023(raw, years=(2019,))


# ------------------------------------------------------------------ source rows (issue 8)


def test_source_row_is_the_row_a_user_sees(obs: pd.DataFrame) -> None:
    at = obs.set_index(KEY)[["source_row", "source_sheet"]]
    # ml-mcdm: the CSV line (header = line 1); a derived dimension or total carries its province's line
    assert at.loc[("civic_knowledge", HA_NOI, 2024)].tolist() == [2, None]
    assert at.loc[("total", HA_NOI, 2024)].tolist() == [2, None]
    assert at.loc[("total", "20", 2024)].tolist() == [14, None]  # P13 Lạng Sơn
    # mdtrinh: the Excel row of the province in its year's sheet
    assert at.loc[("total", "20", 2013)].tolist() == [15, "2013_PAPI"]
    # UNDP sheets are transposed: the Excel row of the component (the province is a column)
    assert at.loc[("total", HA_NOI, 2019)].tolist() == [7, "2019"]
    assert at.loc[("total_weighted", HA_NOI, 2019)].tolist() == [3, "2019"]
    assert obs["source_row"].notna().all() and obs["source_row"].dtype == "Int64"


def test_source_row_holds_the_value_in_the_file(obs: pd.DataFrame) -> None:
    row = obs.set_index(KEY).loc[("total", "20", 2013)]
    wb = openpyxl.load_workbook(raw_dir() / papi.MDTRINH_FILE, read_only=True, data_only=True)
    try:
        cells = next(wb[row["source_sheet"]].iter_rows(min_row=row["source_row"], values_only=True))
    finally:
        wb.close()
    assert cells[0] == 20 and row["value"] in cells
    line = (raw_dir() / papi.mlmcdm_file(2024)).read_text(encoding="utf-8").splitlines()[14 - 1]
    assert line.startswith("P13,")


def test_mlmcdm_value_out_of_scale_names_file_row_and_column(tmp_path: Path) -> None:
    raw = _copy_mlmcdm(tmp_path)
    path = raw / papi.mlmcdm_file(2024)
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[16].split(",")  # line 17: P16
    fields[1] = "95.2"  # SC11, civic knowledge: 0.25-2.5
    lines[16] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    pattern = r"2024\.csv, row 17: column SC11 \(civic_knowledge\): 95\.2 is outside 'points \(0\.25-2\.5\)'"
    with pytest.raises(SourceFormatError, match=pattern):
        papi.read_mlmcdm(raw, years=(2024,))


def test_mlmcdm_non_number_names_the_line(tmp_path: Path) -> None:
    raw = _copy_mlmcdm(tmp_path)
    path = raw / papi.mlmcdm_file(2024)
    lines = path.read_text(encoding="utf-8").split("\n")
    fields = lines[16].split(",")
    fields[1] = "abc"
    lines[16] = ",".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"2024\.csv, row 17: column 'SC11'"):
        papi.read_mlmcdm(raw, years=(2024,))
