"""parlib.sources.gso against the real DSTai GSO yearbook files (population 2011-2022, GRDP 2018-2022)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from parlib.errors import SourceFormatError
from parlib.provinces import PROVINCES_63
from parlib.sources import OBS_COLUMNS, gso

IDS_63 = set(PROVINCES_63.index) - {"28"}  # Hà Tây (28) ended in 2008
HA_NOI, LANG_SON, HAI_PHONG = "01", "20", "31"


@pytest.fixture(scope="module")
def obs(raw: Path) -> pd.DataFrame:
    return gso.read(raw)


@pytest.fixture(scope="module")
def wide(obs: pd.DataFrame) -> pd.DataFrame:
    return obs.pivot_table(index=["province_id", "year"], columns="component", values="value")


def test_contract(obs: pd.DataFrame, raw: Path) -> None:
    assert list(obs.columns) == [*OBS_COLUMNS, "source_row"]  # + provenance
    assert set(obs["index"]) == {"GSO"} and set(obs["geo"]) == {"63"}
    assert obs["method_era"].isna().all()
    assert not obs.duplicated(["index", "component", "province_id", "geo", "year"]).any()
    units = obs.groupby("component")["unit"].unique().map(list).to_dict()
    assert units == {
        "area": ["km2"],
        "density": ["persons per km2"],
        "grdp_per_capita": ["million VND per person"],
        "population": ["thousand persons"],
    }
    for unit, (low, high) in gso.UNITS.items():
        values = obs.loc[obs["unit"] == unit, "value"]
        assert len(values) and values.between(low, high).all() and (values > 0).all(), unit
    assert set(obs["source"]) <= set(gso.FILES)
    assert len(gso.FILES) == 18 and all((raw / f).is_file() for f in gso.FILES)


def test_63_provinces_every_year(obs: pd.DataFrame) -> None:
    counts = obs.groupby(["component", "year"])["province_id"].nunique()
    assert set(counts.index) == {
        *[(c, y) for c in ("population", "area", "density") for y in range(2011, 2023)],
        *[("grdp_per_capita", y) for y in range(2018, 2023)],
    }
    assert (counts == 63).all()
    assert set(obs["province_id"]) == IDS_63


def test_spot_values(wide: pd.DataFrame) -> None:
    assert wide.loc[(HA_NOI, 2022), "grdp_per_capita"] == pytest.approx(141.61)
    # population_2016.csv: "1,Ha Noi,3358.9,7590.8,2259.91" and "20,Lang Son,8310.2,763.4,91.86"
    assert wide.loc[(HA_NOI, 2016), "population"] == pytest.approx(7590.8)
    assert wide.loc[(HA_NOI, 2016), "area"] == pytest.approx(3358.9)
    assert wide.loc[(LANG_SON, 2016), "population"] == pytest.approx(763.4)
    assert wide.loc[(LANG_SON, 2016), "density"] == pytest.approx(91.86)


def test_density_is_population_over_area(wide: pd.DataFrame) -> None:
    rows = wide.dropna(subset=["population", "area", "density"])
    assert len(rows) == 63 * 12
    implied = rows["population"] * 1000 / rows["area"]
    # 2011-2018 print density to 2 decimals, 2019-2022 to whole persons per km²
    tolerance = rows.index.get_level_values("year").map(lambda y: 0.51 if y >= 2019 else 0.01)
    off = (implied - rows["density"]).abs()
    assert (off <= tolerance).all(), off[off > tolerance]


def test_regions_cover_63(raw: Path) -> None:
    regions = gso.read_regions(raw)
    assert list(regions.columns) == ["province_id", "region_ascii"]
    assert set(regions["province_id"]) == IDS_63 and regions["province_id"].is_unique
    assert regions["region_ascii"].value_counts().to_dict() == {
        "Trung du va mien nui phia Bac": 14,
        "Bac Trung Bo va Duyen hai mien Trung": 14,
        "Dong bang song Cuu Long": 13,
        "Dong bang song Hong": 11,
        "Dong Nam Bo": 6,
        "Tay Nguyen": 5,
    }
    # region.csv spells Hải Phòng "Hai Phuong": a known spelling in the province registry
    assert regions.set_index("province_id").at[HAI_PHONG, "region_ascii"] == "Dong bang song Hong"


# --------------------------------------------------------------------------- broken copies


@pytest.fixture
def tmp_raw(raw: Path, tmp_path: Path) -> Path:
    shutil.copytree(raw / gso.REPO, tmp_path / gso.REPO)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_renamed_column_names_the_file(tmp_raw: Path) -> None:
    name = gso.GRDP_FILES[2020]
    _edit(tmp_raw / name, "code,Name,grdp", "code,Name,gdp")
    with pytest.raises(SourceFormatError, match=r"grdp_2020\.csv.*missing column.*'grdp'"):
        gso.read(tmp_raw)


def test_code_and_name_disagreeing_names_file_and_row(tmp_raw: Path) -> None:
    name = gso.POPULATION_FILES[2015]
    _edit(tmp_raw / name, "\n20,Lang Son,", "\n20,Cao Bang,")
    pattern = r"population_2015\.csv, row \d+: code '20' and name 'Cao Bang'"
    with pytest.raises(SourceFormatError, match=pattern):
        gso.read(tmp_raw)


def test_non_number_names_file_and_row(tmp_raw: Path) -> None:
    name = gso.POPULATION_FILES[2012]
    lines = (tmp_raw / name).read_text(encoding="utf-8-sig").splitlines()
    parts = lines[3].split(",")
    parts[3] = "abc"
    lines[3] = ",".join(parts)
    (tmp_raw / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"population_2012\.csv, row 4: column 'population'"):
        gso.read(tmp_raw)


# ------------------------------------------------------------------ source rows (issue 8)


def test_source_row_is_the_line_of_the_file(obs: pd.DataFrame, raw: Path) -> None:
    row = obs[(obs["component"] == "population") & (obs["province_id"] == LANG_SON) & (obs["year"] == 2022)]
    assert row["source_row"].tolist() == [20]
    line = (raw / gso.POPULATION_FILES[2022]).read_text(encoding="utf-8-sig").splitlines()[20 - 1]
    assert line.startswith("20,") and "802.09" in line
    assert obs["source_row"].notna().all() and obs["source_row"].dtype == "Int64"


def test_blank_line_does_not_shift_the_row(tmp_raw: Path) -> None:
    name = gso.POPULATION_FILES[2012]
    lines = (tmp_raw / name).read_text(encoding="utf-8-sig").splitlines()
    parts = lines[3].split(",")
    parts[3] = "abc"
    lines[3] = ",".join(parts)
    lines.insert(2, "")  # a blank line 3: the bad value moves to line 5
    (tmp_raw / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceFormatError, match=r"population_2012\.csv, row 5: column 'population'"):
        gso.read(tmp_raw)


def test_empty_file_names_the_file(tmp_raw: Path) -> None:
    name = gso.GRDP_FILES[2020]
    (tmp_raw / name).write_bytes(b"")
    with pytest.raises(SourceFormatError, match=r"grdp_2020\.csv: not a readable CSV file \(No columns"):
        gso.read(tmp_raw)
