"""The province registry, name normalisation and the 2025 crosswalk."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from parlib import provinces
from parlib.errors import UnknownProvinceError
from parlib.provinces import normalize


def test_registry_shape():
    p63 = provinces.provinces("63")
    assert len(p63) == 64  # 63 + Hà Tây
    assert len(provinces.provinces("63", 2009)) == 63
    assert "28" in provinces.provinces("63", 2008).index
    assert len(provinces.provinces("34")) == 34
    for table in (provinces.PROVINCES_63, provinces.PROVINCES_34):
        assert table.index.is_unique
        assert table["slug"].is_unique
        assert table["slug"].str.fullmatch(r"[a-z]+(-[a-z]+)*").all()
        assert set(table["region"]) <= set(provinces.REGIONS)
    counts = provinces.provinces("63", 2020)["region"].value_counts().to_dict()
    assert counts == {
        "northern_midlands_mountains": 14,
        "red_river_delta": 11,
        "north_central_central_coast": 14,
        "central_highlands": 5,
        "south_east": 6,
        "mekong_delta": 13,
    }


def test_crosswalk_covers_every_old_province_once():
    cw = provinces.CROSSWALK_2025
    assert len(cw) == 63 and cw["old_id"].is_unique
    assert set(cw["old_id"]) == set(provinces.provinces("63", 2020).index)
    assert set(cw["new_id"]) == set(provinces.PROVINCES_34.index)
    assert (cw.groupby("new_id").size() == 1).sum() == 11  # 11 units unchanged
    assert provinces.to_34("Tiền Giang") == "82"  # to new Đồng Tháp, the official province-level mapping
    assert provinces.to_34("Long An") == "80"  # Tây Ninh: code 80 reused for other territory
    assert provinces.to_34("Hà Tây") == "01"
    assert provinces.from_34("79") == ["74", "77", "79"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Lạng Sơn", "20"),
        ("lang son", "20"),
        ("LANG SON", "20"),
        ("Tỉnh Lạng Sơn", "20"),
        ("Lang Son province", "20"),
        ("lang-son", "20"),
        (20, "20"),
        ("20", "20"),
        ("Hòa Bình", "17"),
        ("Hoà Bình", "17"),  # both tone-mark placements
        ("Khánh Hoà", "56"),
        ("Thanh Hoá", "38"),
        ("TP HCM", "79"),
        ("TP. Hồ Chí Minh", "79"),
        ("HCMC", "79"),
        ("Ho Chi Minh City", "79"),
        ("Thành phố Hồ Chí Minh", "79"),
        ("Thua Thien-Hue", "46"),
        ("Thừa Thiên - Huế", "46"),
        ("Thua Thien Hue", "46"),
        ("BRVT", "77"),
        ("Ba Ria - Vung Tau", "77"),
        ("Bà Rịa–Vũng Tàu", "77"),
        ("Ba Ria-Vung Tau", "77"),
        ("Dak Lak", "66"),
        ("Đắk Lắk", "66"),
        ("Dac Lac", "66"),
        ("Đắc Lắc", "66"),
        ("Dak Nong", "67"),
        ("Hanoi", "01"),
        ("Ha Noi", "01"),
        ("TP. Hà Nội", "01"),
        ("Haiphong", "31"),
        ("Can Tho city", "92"),
        ("Bắc Cạn", "06"),
        ("Kontum", "62"),
        ("Hà Tây", "28"),
        ("TP. Đà Nẵng", "48"),
    ],
)
def test_normalize_spellings(name, expected):
    assert normalize(name) == expected


def test_normalize_geo34():
    assert normalize("Huế", "34") == "46"
    assert normalize("Thừa Thiên Huế", "34") == "46"
    assert normalize("Đồng Tháp", "34") == "82"
    assert normalize("Dong Thap", "63") == "87"


@pytest.mark.parametrize("bad", ["Gotham", "", "Lang", "Ha", "12345", "99", "Saigon Province City XYZ"])
def test_normalize_rejects_garbage(bad):
    with pytest.raises(UnknownProvinceError, match=re.escape(repr(bad))):
        normalize(bad)


def test_unknown_name_suggests_closest():
    with pytest.raises(UnknownProvinceError, match="did you mean 'Lang Son'"):
        normalize("Lang Sonn")
    with pytest.raises(UnknownProvinceError, match="merged into Tuyên Quang"):
        normalize("Hà Giang", "34")


def test_normalize_many_names_file_and_row():
    names = pd.Series(["Lạng Sơn", "Atlantis"], index=[4, 5])
    with pytest.raises(UnknownProvinceError, match=r"x\.csv, row 5: unknown province 'Atlantis'"):
        provinces.normalize_many(names, file="x.csv")


def _names_in_raw_files(raw) -> set[str]:
    """Every province spelling found in the raw files that carry names as text."""
    names: set[str] = set()
    papi = raw / "vietnamdata/data-raw/PAPI/PAPI_2011-2016.xlsx"
    for sheet in pd.ExcelFile(papi).sheet_names:
        frame = pd.read_excel(papi, sheet_name=sheet).iloc[1:]
        frame = frame[frame["tinhid"] != 999]
        names |= set(frame["tentinh_eng"]) | set(frame["tentinh_vie"])
    names |= set(pd.read_csv(raw / "ml-mcdm/data/codebook/codebook_provinces.csv")["Variable_Name"])
    for f in (raw / "web-based-interactive-visualization/data").rglob("*.csv"):
        frame = pd.read_csv(f, encoding="utf-8-sig")
        names |= set(frame[next(c for c in frame.columns if c.lower() == "name")])
    for f in (raw / "published").rglob("*.csv"):
        frame = pd.read_csv(f, dtype=str)
        for col in ("province", "province_ascii", "province_vietnamcode", "province_as_published"):
            if col in frame.columns:
                names |= {v for v in frame[col].dropna() if v not in ("NATIONAL", "province")}
    geo = json.loads((raw / "CS571_Project/data/Vietnam_provinces.geojson").read_text(encoding="utf-8"))
    names |= {f["properties"]["Name"] for f in geo["features"]}
    # Provinces.csv's "original" column holds R-escaped mojibake ('B<U+1EA0>C LI\ufffdU'), not spellings
    # of any data file; its "fixed" column and prov.csv are real spellings.
    names |= set(pd.read_csv(raw / "vietnamdata/data-raw/Budget/Provinces.csv")["fixed"].str.strip())
    names |= set(pd.read_csv(raw / "vietnamdata/data-raw/Budget/prov.csv")["x"])
    names.discard("Ha Bac")  # Provinces.csv lists the pre-1997 Hà Bắc: see test_defunct_province
    return {str(n) for n in names if str(n).strip()}


def test_defunct_province_is_named_not_guessed():
    with pytest.raises(UnknownProvinceError, match="split into Bắc Giang"):
        normalize("Hà Bắc")


def test_every_name_in_the_raw_files_maps(raw):
    names = _names_in_raw_files(raw)
    assert len(names) > 150
    failures = []
    for name in sorted(names):
        try:
            normalize(name)
        except UnknownProvinceError:
            try:
                normalize(name, "34")
            except UnknownProvinceError as exc:
                failures.append(str(exc))
    assert not failures, failures


def test_agrees_with_vietnamcode_crosswalk(raw):
    """Cross-check against LaDilettante/vietnamcode: names, diacritic names, GSO codes and regexes."""
    vc = pd.read_csv(raw / "vietnamcode/data/vietnamcode_data.csv", dtype=str).dropna(
        subset=["province_name"]
    )
    assert len(vc) == 64
    for row in vc.itertuples():
        code = f"{int(row.enterprise_census):02d}"
        for name in (row.province_name, row.province_name_full, row.province_name_diacritics):
            assert normalize(name) == code, (name, code)
        assert re.search(row.regex, provinces.PROVINCES_63.loc[code, "name_ascii"], flags=re.IGNORECASE), row


def test_regions_agree_with_gso_region_table(raw):
    table = pd.read_csv(raw / "web-based-interactive-visualization/data/region.csv", encoding="utf-8-sig")
    gso = {
        "Dong bang song Hong": "red_river_delta",
        "Trung du va mien nui phia Bac": "northern_midlands_mountains",
        "Bac Trung Bo va Duyen hai mien Trung": "north_central_central_coast",
        "Tay Nguyen": "central_highlands",
        "Dong Nam Bo": "south_east",
        "Dong bang song Cuu Long": "mekong_delta",
    }
    assert set(table["region"]) == set(gso)
    for row in table.itertuples():
        assert provinces.PROVINCES_63.loc[f"{row.code:02d}", "region"] == gso[row.region], row
