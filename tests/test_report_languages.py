"""The province report in English and Vietnamese (issue 11, point 1) and the report parameters
``--lang`` and ``--geo`` (refused before any kernel starts).

The English card sentences of the report are worded by parlib.sections.card_text from the card's
numbers; ``parlib card`` words them in parlib.indices.card. The two implementations must agree
for every province and year, which checks both. The Vietnamese is checked against the numbers
written the Vietnamese way (43,85 điểm; xếp thứ 13/61; giảm 9 bậc).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "faults"))
from fault_helpers import cli, error_line

# --------------------------------------------------------------------------- words


def test_numbers_ranks_and_changes_in_both_languages():
    from parlib.sections import words

    assert words.num(43.85, 2, "vi") == "43,85"
    assert words.num(1876, 0, "vi") == "1.876" and words.num(1876, 0, "en") == "1,876"
    assert words.num(-1.99, 2, "vi", sign=True) == "-1,99"
    assert words.num(None, 2, "vi") == "không có" and words.num(float("nan")) == "n/a"
    assert words.rank_of(13, 61, "vi") == "13/61" and words.rank_of(13, 61) == "13 of 61"
    assert words.places(9, "vi") == "tăng 9 bậc" and words.places(-1) == "down 1 place"
    assert words.join(["A", "B", "C"], "vi") == "A, B và C"
    assert words.region("mekong_delta", "vi") == "Đồng bằng sông Cửu Long"
    assert words.index_name("PAR_INDEX", "vi") == "Chỉ số cải cách hành chính PAR INDEX"
    from parlib.sources.papi import CODEBOOK

    parts = CODEBOOK.loc[CODEBOOK["level"] != "total", "component"]
    assert set(parts) <= set(words.DIMENSIONS_VI), sorted(set(parts) - set(words.DIMENSIONS_VI))
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        words.check_lang("fr")


def test_every_message_table_has_both_languages_with_the_same_fields():
    import importlib
    import pkgutil

    import parlib.sections
    from parlib.sections import words

    tables = {}
    for info in pkgutil.iter_modules(parlib.sections.__path__):
        module = importlib.import_module(f"parlib.sections.{info.name}")
        for name, value in vars(module).items():
            if name.endswith("_WORDS") and isinstance(value, dict):
                tables[f"{info.name}.{name}"] = value
    assert {"card_text._WORDS", "province._WORDS", "about._WORDS", "reported._WORDS"} <= set(tables)
    for name, table in tables.items():
        assert words.check_table(table) == [], name
    differ = ["x: fields differ between languages (['a', 'b'])"]
    assert words.check_table({"x": {"en": "{a}", "vi": "{b}"}}) == differ
    assert words.check_table({"x": {"en": "a"}}) == ["x: no vi"]


# --------------------------------------------------------------------------- the card, two ways


def test_english_card_sentences_agree_with_parlib_card_for_every_province_and_year():
    from parlib import provinces
    from parlib.indices import card
    from parlib.sections.card_text import card_lines

    results = card.results()
    checked = 0
    years = (2009, 2017, 2018, 2024)  # no PAPI; a 6-60 year; the 8-80 break; PAPI's 63 vs 61
    made = {(c.province_id, c.year): c for c in card.every_card(results, years)}  # = card(); test_card_store
    for year in years:
        for pid in provinces.provinces("63", year).index:
            c = made[pid, year]
            theirs = [s.replace("PAR_INDEX ", "PAR INDEX ", 1) for s in c.lines()]
            theirs = [s if s.endswith(".") else s + "." for s in theirs]
            assert card_lines(c.to_dict(), "en") == theirs, (pid, year)
            checked += 1
    assert checked == 252


def test_vietnamese_card_sentences_carry_the_same_numbers():
    from parlib.indices import card
    from parlib.sections.card_text import card_lines

    results = card.results()
    lines = card_lines(card.card("20", 2022, scored=results).to_dict(), "vi")
    assert lines[0] == (
        "Chỉ số PAPI 2022: 43,85 điểm trên thang 8-80, xếp thứ 13/61 (nhóm điểm cao nhất), giảm 9 bậc "
        "(-1,99) so với năm 2021; tăng mạnh nhất ở Tham gia của người dân ở cấp cơ sở; giảm mạnh nhất ở "
        "Kiểm soát tham nhũng trong khu vực công. Trung bình toàn quốc 42,34."
    )
    assert "(bảng công bố chỉ có 22 tỉnh)" in lines[1]  # PCI 2022: the published partial table
    vinh_phuc = card_lines(card.card("26", 2024, scored=results).to_dict(), "vi")
    assert vinh_phuc[0].startswith("Chỉ số PAPI 2024: nguồn của parlib không có điểm của tỉnh")
    assert "2 tỉnh không có trong nguồn: Vĩnh Phúc, Tiền Giang" in vinh_phuc[0]
    assert vinh_phuc[-1] == "Từ ngày 1/7/2025, Vĩnh Phúc, Hòa Bình và Phú Thọ hợp nhất thành tỉnh Phú Thọ."


# --------------------------------------------------------------------------- sections


def test_title_and_glance_in_vietnamese(rd):
    title = rd.title("Lạng Sơn", 2022, "vi")._repr_markdown_()
    assert title.startswith("## Lạng Sơn, năm 2022\n\nVùng Trung du và miền núi phía Bắc; mã GSO 20;")
    glance = rd.glance("Lạng Sơn", 2022, "vi")._repr_markdown_()
    assert "| Chỉ số | Điểm | Xếp hạng | Nhóm | Thay đổi so với năm 2021 |" in glance
    assert "| Chỉ số PAPI | 43,85 (thang 8-80) | 13/61 | nhóm điểm cao nhất | -1,99, giảm 9 bậc |" in glance
    english = rd.glance("Lạng Sơn", 2022)._repr_markdown_()
    assert "| PAPI | 43.85 (scale 8-80) | 13 of 61 | best | -1.99, down 9 places |" in english
    assert rd.key_facts("Lạng Sơn", 2022, "vi")["lang"] == "vi"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        rd.glance("Lạng Sơn", 2022, "fr")


def test_intros_and_sources_link_the_registry_and_the_publishers(rd):
    assert rd.intro("glance", "vi")._repr_markdown_().startswith("### Tổng quan")
    with pytest.raises(ValueError, match="unknown report section"):
        rd.intro("nope")
    text = rd.sources("Hải Phòng", 2022, "en")._repr_markdown_()
    assert "[hnks-gh/ml-mcdm](https://github.com/hnks-gh/ml-mcdm/tree/" in text
    assert "Published figures for Hải Phòng in 2022:" in text
    assert "- PCI: <https://" in text  # Hải Phòng's PCI 2022 from its publisher's page
    vi = rd.sources("Hải Phòng", 2022, "vi")._repr_markdown_()
    assert vi.startswith("### Nguồn số liệu") and "Số liệu công bố của Hải Phòng năm 2022:" in vi


# --------------------------------------------------------------------------- parameters


def test_a_vietnamese_task_writes_beside_the_english_one(tmp_path):
    from parlib import reports

    en = reports.make_task("Lạng Sơn", 2022, reports_dir=tmp_path)
    vi = reports.make_task("Lạng Sơn", 2022, reports_dir=tmp_path, parameters={"lang": "vi"})
    assert en.html == tmp_path.resolve() / "2022" / "lang-son.html"
    assert vi.html == tmp_path.resolve() / "2022" / "lang-son.vi.html"
    assert vi.sidecar.name == "lang-son.vi.json" and vi.failed_log.name == "lang-son.vi.ipynb"
    refused = "parameter 'lang': expected one of en, vi, got 'fr'"
    with pytest.raises(reports.ReportParameterError, match=refused):
        reports.make_task("Lạng Sơn", 2022, reports_dir=tmp_path, parameters={"lang": "fr"})


def test_report_languages_and_geographies_refused_before_any_kernel():
    error_line(cli("report", "--province", "Lạng Sơn", "--lang", "fr"), "--lang fr", "en and vi")
    error_line(cli("report", "--province", "Lạng Sơn", "--geo", "35"), "--geo 35", "geo 63", "geo 34")
    error_line(
        cli("report", "--province", "Hà Giang", "--geo", "34"),
        "Hà Giang is not one of the 34 provinces",
        "it joined Tuyên Quang",
    )
    error_line(cli("report", "--province", "Lạng Sơn", "-p", "lang", "vi"), "give the language with --lang")


def test_unit_names_in_either_geography():
    from parlib import reports
    from parlib.errors import UnknownProvinceError

    assert reports.validate_unit("Tuyên Quang") == "08"
    assert reports.validate_province("Hà Giang") == "02"
    with pytest.raises(UnknownProvinceError, match=r"it joined Tuyên Quang \(use --geo 34"):
        reports.validate_unit("Hà Giang")
    assert reports.validate_langs("vi,en") == ["vi", "en"]
    with pytest.raises(reports.ReportParameterError, match="--lang vi,fr"):
        reports.validate_langs("vi,fr")


def test_sources_of_the_34_units_are_kept_apart_from_the_63():
    from parlib.sections.source_links import cache_sources

    data = cache_sources(2024)
    dti34 = [p["url"] for p in data["pages34"]["31"] if p["index"] == "DTI"]  # Hải Phòng, 34-unit code 31
    assert dti34 and all(url.startswith("https://") for url in dti34)
    assert not set(dti34) & {p["url"] for p in data["pages"].get("31", [])}  # not on the old province's
    assert {d["source"] for d in data["datasets"]} >= {"hnks-gh/ml-mcdm", "mdtrinh/vietnamdata"}
