"""The 34-unit report (notebooks/templates/unit34_report.ipynb, parlib.sections.unit34*).

Scores before the 1 July 2025 merger are synthetic: the population-weighted mean of the absorbed
provinces' official scores (parlib.indices.geo34). The numbers are checked against a hand
computation from the former provinces' totals and GSO populations, and an unmerged unit against
its own province; the wording against both languages' message table, the one-line notes of years
without data, and the refusal of a former province's name. The cache runs in a private copy of
data/processed (PARLIB_PROCESSED_DIR in tmp), as in tests/test_report_data.py.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from parlib import config, provinces
from parlib.errors import UnknownProvinceError
from parlib.sections import words
from parlib.sections.unit34_words import UNIT34_WORDS

matplotlib.use("Agg")

ROOT = config.PACKAGE_DIR.parent
TEMPLATE = ROOT / "notebooks" / "templates" / "unit34_report.ipynb"
GOLDEN = Path(__file__).parent / "golden" / "unit34_report.ipynb"
UNMERGED = ("01", "04", "11", "12", "14", "20", "22", "38", "40", "42", "46")



@pytest.fixture(scope="module")
def prepared(rd):
    return rd.prepare(2022)


@pytest.fixture(scope="module")
def papi_totals():
    from parlib.indices import papi

    table = papi.scores().table
    return table[table["component"] == "total"].set_index(["province_id", "year"])["value"]


@pytest.fixture(scope="module")
def population():
    from parlib.panel import load_observations

    obs = load_observations()
    pop = obs[(obs["index"] == "GSO") & (obs["component"] == "population")]
    return pop.set_index(["province_id", "year"])["value"]


def _bullets(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("- ")]


# --------------------------------------------------------------------------- wording


def test_the_message_table_has_both_languages_and_every_key_is_used():
    assert words.check_table(UNIT34_WORDS) == []
    folder = config.PACKAGE_DIR / "sections"
    code = "".join(
        (folder / f"{m}.py").read_text("utf-8") for m in ("unit34", "unit34_glance", "unit34_chart")
    )
    used = set(re.findall(r'_say\(\s*"([a-z0-9_]+)"', code))
    used |= {k for pair in re.findall(r'"([a-z0-9_]+)" if [^\n]* else "([a-z0-9_]+)"', code) for k in pair}
    assert used <= set(UNIT34_WORDS), sorted(used - set(UNIT34_WORDS))
    assert set(UNIT34_WORDS) <= used, sorted(set(UNIT34_WORDS) - used)


def test_an_unknown_language_is_a_value_error(rd):
    for section in (
        rd.unit34_title,
        rd.unit34_glance,
        rd.unit34_trajectory,
        rd.unit34_about,
        rd.unit34_key_facts,
    ):
        with pytest.raises(ValueError, match="unknown language 'fr'"):
            section("Tuyên Quang", 2022, "fr")


def test_a_former_province_is_refused_in_one_line_naming_its_unit(rd):
    for given, old, unit in [("Hà Giang", "Hà Giang (02)", "Tuyên Quang (08)"),
                             ("02", "Hà Giang (02)", "Tuyên Quang (08)"),
                             ("Tien Giang", "Tiền Giang (82)", "Đồng Tháp (82)"),
                             ("Hải Dương", "Hải Dương (30)", "Hải Phòng (31)")]:  # fmt: skip
        for section in (rd.unit34_title, rd.unit34_glance, rd.unit34_key_facts):
            with pytest.raises(UnknownProvinceError) as err:
                section(given, 2022)
            text = str(err.value)
            assert "\n" not in text and f"{old}, a province before the 1 July 2025 merger" in text, text
            assert f"now part of {unit}" in text, text
    with pytest.raises(UnknownProvinceError, match="unknown province 'Atlantis' in geo 34"):
        rd.unit34_title("Atlantis", 2022)
    # a name that is a unit's as well as a former province's is the unit
    assert rd.unit34_key_facts("Bac Ninh", 2022)["old_province_ids"] == ["24", "27"]


def test_title_names_the_unit_its_region_and_the_provinces_it_absorbed(rd):
    en = str(rd.unit34_title("Tuyen Quang", 2022))
    assert en.startswith(
        "## Tuyên Quang, 2022\n\nTuyên Quang is one of the 34 provincial units in force from 1 July"
    )
    assert (
        "(Northern Midlands and Mountains region; code 08), formed by merging the former provinces Hà Giang "
        in en
    )
    assert (
        "are synthetic: the population-weighted mean of the official scores of Hà Giang and Tuyên Quang" in en
    )
    vi = str(rd.unit34_title("Tuyen Quang", 2022, "vi"))
    assert vi.startswith(
        "## Tỉnh Tuyên Quang, năm 2022\n\nTỉnh Tuyên Quang là một trong 34 đơn vị hành chính"
    )
    assert (
        "(vùng Trung du và miền núi phía Bắc; mã 08), được hợp nhất từ tỉnh Hà Giang và tỉnh Tuyên Quang."
        in vi
    )
    city = str(rd.unit34_title("Hải Phòng", 2022, "vi"))
    assert (
        "được hợp nhất từ tỉnh Hải Dương và thành phố Hải Phòng" in city and "## Thành phố Hải Phòng" in city
    )
    same = str(rd.unit34_title("Cao Bằng", 2022))
    assert "it was not merged: its territory is that of the former province Cao Bằng" in same
    assert "each equals the official score of Cao Bằng" in same


# --------------------------------------------------------------------------- numbers


def test_synthetic_papi_is_the_population_weighted_mean_of_the_former_provinces(
    rd, prepared, papi_totals, population
):
    # by hand: PAPI 2022 totals of Hà Giang and Tuyên Quang, weighted by their GSO 2022 populations
    ha_giang, tuyen_quang = 41.146988, 43.109154  # published 41.15 and 43.11 (8-80 scale)
    pop_hg, pop_tq = 892.72, 805.78  # thousand persons, GSO 2022
    by_hand = (ha_giang * pop_hg + tuyen_quang * pop_tq) / (pop_hg + pop_tq)
    facts = rd.unit34_key_facts("Tuyên Quang", 2022)
    assert facts["papi_total"] == pytest.approx(by_hand, abs=1e-5)
    assert facts["papi_old_totals"] == pytest.approx({"02": ha_giang, "08": tuyen_quang}, abs=1e-6)
    # and exactly from parlib's own totals and populations
    weights = {p: population[(p, 2022)] for p in ("02", "08")}
    exact = sum(papi_totals[(p, 2022)] * w for p, w in weights.items()) / sum(weights.values())
    assert facts["papi_total"] == pytest.approx(exact, abs=1e-9)
    assert facts["papi_weight_year"] == 2022 and facts["synthetic"] is True and facts["geo"] == "34"
    assert (facts["papi_rank"], facts["papi_rank_of"]) == (20, 33)  # Bắc Ninh (Bắc Giang + Bắc Ninh) unscored
    md = rd.unit34_glance("Tuyên Quang", 2022)._repr_markdown_()
    assert (
        f"| PAPI (points, 8-80) | {by_hand:.2f} (synthetic rank 20 of 33) | 41.15, rank 40 of 61 "
        "| 43.11, rank 20 of 61 |" in md
    )
    share = 100 * pop_hg / (pop_hg + pop_tq)
    assert f"GSO average population 2022: Hà Giang {share:.1f}% and Tuyên Quang {100 - share:.1f}%" in md
    vi = rd.unit34_glance("Tuyên Quang", 2022, "vi")._repr_markdown_()
    assert f"{by_hand:.2f}".replace(".", ",") + " (xếp thứ 20/33 theo số liệu quy đổi)" in vi
    assert "41,15, xếp thứ 40/61" in vi


def test_three_provinces_and_a_later_year_use_the_latest_gso_weights(rd, prepared, papi_totals, population):
    proj = rd.prepare(2022) / "unit34.parquet"
    import pandas as pd

    table = pd.read_parquet(proj)
    row = table[(table["index"] == "PAPI") & (table["year"] == 2023) & (table["new_id"] == "37")].iloc[0]
    olds = ["35", "36", "37"]  # Hà Nam, Nam Định, Ninh Bình -> Ninh Bình
    last = int(max(y for _, y in population.index))
    weights = {p: population[(p, last)] for p in olds}
    by_hand = sum(papi_totals[(p, 2023)] * w for p, w in weights.items()) / sum(weights.values())
    assert row["weight_year"] == last == 2022 and row["scored"] == 3
    assert row["value"] == pytest.approx(by_hand, abs=1e-9)


def test_an_unmerged_unit_equals_its_own_province_in_every_year(rd, prepared, papi_totals):
    import pandas as pd

    table = pd.read_parquet(prepared / "unit34.parquet")
    papi = table[(table["index"] == "PAPI") & table["new_id"].isin(UNMERGED)]
    assert len(papi) == 14 * len(UNMERGED)
    for row in papi.itertuples():
        own = papi_totals.get((row.new_id, row.year), math.nan)  # not scored that year: no synthetic score
        assert (math.isnan(own) and math.isnan(row.value)) or row.value == pytest.approx(own, abs=1e-12), row
    assert papi["value"].isna().sum() == sum(
        math.isnan(papi_totals.get((p, y), math.nan)) for p in UNMERGED for y in range(2011, 2025)
    )
    facts = rd.unit34_key_facts("Cao Bằng", 2022)
    assert facts["papi_total"] == pytest.approx(papi_totals[("04", 2022)], abs=1e-12)
    assert facts["old_provinces"] == ["Cao Bằng"] and facts["old_province_ids"] == ["04"]
    assert (
        "*Synthetic: the unit was not merged, so its synthetic score is the official score of Cao Bằng"
        in str(rd.unit34_glance("Cao Bằng", 2022))
    )


def test_a_unit_with_an_unscored_province_has_no_synthetic_score(rd, prepared):
    facts = rd.unit34_key_facts("Bắc Ninh", 2022)  # PAPI 2022 scored neither Bắc Giang nor Bắc Ninh
    assert facts["papi_total"] is None and facts["papi_rank"] is None
    md = str(rd.unit34_glance("Bắc Ninh", 2022))
    assert (
        "| PAPI (points, 8-80) | not computed: no score for Bắc Giang and Bắc Ninh | no score | no score |"
        in md
    )
    assert "- PAPI 2022, synthetic: not computed, because there is no score for Bắc Giang and Bắc Ninh" in md
    # PCI 2022 is published for both: its synthetic score is computed
    assert re.search(
        r"- PCI 2022, synthetic \(population-weighted mean of Bắc Giang and Bắc Ninh, not an", md
    )
    assert facts["pci_total"] is not None


# --------------------------------------------------------------------------- labels, notes, published figures


def test_every_synthetic_number_is_labelled_in_both_languages(rd, prepared):
    for lang, label in (("en", "synthetic"), ("vi", "quy đổi")):
        for unit in ("Tuyên Quang", "Bắc Ninh", "Cần Thơ", "Lạng Sơn"):
            md = rd.unit34_glance(unit, 2022, lang)._repr_markdown_()
            header = next(line for line in md.splitlines() if line.startswith("| "))
            assert label in header.split(" | ")[1], header
            published = ("- Published for the 34 units", "- Số liệu công bố cho 34 đơn vị mới")
            for bullet in _bullets(md):  # every sentence but those on figures published for the 34 units
                assert label in bullet or bullet.startswith(published), bullet
            foot = next(line for line in md.splitlines() if line.startswith("*"))
            assert label in foot.lower(), foot


def test_a_year_without_data_is_a_one_line_note(rd, prepared):
    notes = [
        ("en", "No scores for Tuyên Quang in 2025: the unit exists from 1 July 2025"),
        ("vi", "Chưa có số liệu của tỉnh Tuyên Quang năm 2025: đơn vị được thành lập"),
    ]
    for lang, start in notes:
        for section in (rd.unit34_glance, rd.unit34_trajectory):
            out = section("Tuyên Quang", 2025, lang)
            assert isinstance(out, rd.Prose) and "\n" not in str(out) and str(out).startswith(start), str(out)
    assert str(rd.unit34_glance("Huế", 2003)) == "No scores for Huế in 2003: no index in parlib covers 2003."
    facts = rd.unit34_key_facts("Tuyên Quang", 2025)
    assert facts["papi_total"] is None and facts["year"] == 2025 and facts["synthetic"] is True
    # a year without PAPI: the trajectory is one line, the glance says so and shows PCI (synthetic)
    out = rd.unit34_trajectory("Tuyên Quang", 2010, "vi")
    assert str(out) == (
        "Chỉ số PAPI không có số liệu năm 2010 (khảo sát có các năm 2011-2024): không có tổng điểm PAPI quy "
        "đổi của tỉnh Tuyên Quang."
    )
    md = str(rd.unit34_glance("Tuyên Quang", 2010))
    assert "- PAPI has no scores for 2010 (the survey covers 2011-2024): no synthetic PAPI total" in md
    assert "- PCI 2010, synthetic (population-weighted mean of Hà Giang and Tuyên Quang" in md
    assert "weights: GSO average population 2011" in md  # before the first GSO year: its population


def test_figures_published_for_the_34_units_are_shown_as_published_with_their_source(rd, prepared):
    md = str(rd.unit34_glance("Hải Phòng", 2022))
    assert "- Published for the 34 units (official figures, not synthetic):" in md
    assert (
        "  - DTI 2024: 0.7857 on the 0-1 scale, rank 3 of 34. Source: https://dantri.com.vn/khoa-hoc/"
        "ha-noi-dan-dau-ca-nuoc-ve-chi-so-chuyen-doi-so-20251021181803153.htm" in md
    )
    vi = str(rd.unit34_glance("Cao Bằng", 2022, "vi"))
    assert (
        "  - Chỉ số chuyển đổi số DTI năm 2024: không công bố điểm, xếp thứ 32/34. Nguồn: https://vtcnews.vn/"
        in vi
    )
    assert "exact order of ranks 32-34 unknown" in vi  # the record's caveat travels with the rank
    assert "- Published for the 34 units: parlib's record has no official figure for Tuyên Quang yet." in str(
        rd.unit34_glance("Tuyên Quang", 2022)
    )


def test_trajectory_draws_the_synthetic_line_and_each_former_province(rd, prepared, papi_totals):
    import pandas as pd

    section = rd.unit34_trajectory("Tuyên Quang", 2022)
    head, chart, prose = section.parts
    assert str(head) == "### PAPI over the years: Tuyên Quang (synthetic) and its former provinces"
    ax = chart.ax
    table = pd.read_parquet(prepared / "unit34.parquet")
    synthetic = table[(table["index"] == "PAPI") & (table["new_id"] == "08")].sort_values("year")["value"]
    ys = np.concatenate([line.get_ydata() for line in ax.get_lines() if line.get_gid() == "synthetic"])
    assert np.allclose(ys, synthetic.to_numpy())
    for pid in ("02", "08"):
        ys = np.concatenate([line.get_ydata() for line in ax.get_lines() if line.get_gid() == f"old:{pid}"])
        assert np.allclose(ys, [papi_totals[(pid, y)] for y in range(2011, 2025)])
    assert len([line for line in ax.get_lines() if line.get_gid() == "break"]) == 3
    assert ax.get_title(loc="left").startswith("Tuyên Quang: PAPI total, synthetic (population-weighted mean")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == [
        "Tuyên Quang (synthetic)",
        "Hà Giang (former province, official)",
        "Tuyên Quang (former province, official)",
    ]
    assert (
        "In 2022 the synthetic total was 42.08; the former provinces' official totals: Hà Giang 41.15"
        in str(prose)
    )
    vi = rd.unit34_trajectory("Tuyên Quang", 2022, "vi").parts[1].ax
    assert vi.get_xlabel() == "năm khảo sát" and vi.get_ylabel().startswith(
        "Tổng điểm PAPI\n(thang 6-60 đến 2017"
    )
    assert "quy đổi" in vi.get_title(loc="left") and "Tỉnh Tuyên Quang (số liệu quy đổi)" in [
        t.get_text() for t in vi.get_legend().get_texts()
    ]
    assert chart._repr_png_().startswith(b"\x89PNG") and "0x" not in repr(chart)
    gaps = str(rd.unit34_trajectory("Bắc Ninh", 2022).parts[2])
    assert (
        "In 2022 there is no synthetic total; the former provinces' official totals: Bắc Giang (no score)"
        in gaps
    )


def test_key_facts_are_recordable(rd, prepared):
    facts = rd.unit34_key_facts("tuyen-quang", 2022, "vi")
    assert {k: facts[k] for k in ("province_id", "province", "slug", "year", "geo", "lang", "synthetic")} == {
        "province_id": "08", "province": "Tuyên Quang", "slug": "tuyen-quang", "year": 2022, "geo": "34",
        "lang": "vi", "synthetic": True,
    }  # fmt: skip
    assert facts["old_provinces"] == ["Hà Giang", "Tuyên Quang"]
    json.dumps(facts, allow_nan=False)
    assert provinces.PROVINCES_34.loc[facts["province_id"], "slug"] == facts["slug"]


def test_the_report_kernel_stays_light(rd, prepared):
    code = (
        "import sys\n"
        "from parlib import report_data as rd\n"
        "for f in (rd.unit34_title, rd.unit34_glance, rd.unit34_trajectory, rd.unit34_about,\n"
        "          rd.unit34_key_facts):\n"
        "    out = f('Tuyên Quang', 2022, 'vi')\n"
        "    for part in getattr(out, 'parts', [out]):\n"
        "        getattr(part, '_repr_png_', lambda: None)()\n"
        "print(sorted(m for m in ('statsmodels', 'seaborn', 'scipy', 'parlib.models', 'parlib.indices') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# --------------------------------------------------------------------------- the template


def test_template_shape_and_golden_copy():
    import nbformat
    import papermill as pm

    nb = nbformat.read(TEMPLATE, as_version=4)
    assert nb.metadata["kernelspec"] == {"name": "python3", "display_name": "Python 3", "language": "python"}
    assert list(pm.inspect_notebook(str(TEMPLATE))) == ["province", "year", "lang"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")
    assert [c for c in code if "rd." in c and "lang" not in c] == []  # every section gets the language
    assert [c.cell_type for c in nb.cells].count("markdown") == 1  # the note left out of the HTML
    golden = nbformat.read(GOLDEN, as_version=4)
    assert [c.source for c in golden.cells] == [c.source for c in nb.cells], (
        "tests/golden/unit34_report.ipynb is out of date: "
        "run `python tests/golden/refresh.py unit34_report.ipynb`"
    )


@pytest.mark.slow
def test_template_renders_vietnamese_and_records_the_key_facts(rd, prepared, tmp_path):
    import nbformat
    import papermill as pm

    from parlib.record import read_records

    out = tmp_path / "out.ipynb"
    parameters = {"province": "Lao Cai", "year": 2022, "lang": "vi"}
    pm.execute_notebook(
        str(TEMPLATE),
        str(out),
        parameters=parameters,
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(out, as_version=4)
    records = read_records(out)
    expected = rd.unit34_key_facts("Lào Cai", 2022, "vi")
    floats = ("papi_total", "papi_old_totals")  # records keep 10 significant digits
    assert {k: v for k, v in records.items() if k not in floats} == {
        k: v for k, v in json.loads(json.dumps(expected)).items() if k not in floats
    }
    assert records["papi_total"] == pytest.approx(expected["papi_total"], rel=1e-9)
    assert records["papi_old_totals"] == pytest.approx(expected["papi_old_totals"], rel=1e-9)
    assert records["province_id"] == "15" and records["old_provinces"] == ["Lào Cai", "Yên Bái"]
    texts = [o.get("data", {}).get("text/markdown", "") for c in nb.cells for o in c.get("outputs", [])]
    assert any(t.startswith("## Tỉnh Lào Cai, năm 2022") for t in texts)
    assert any(t.startswith("### Tổng quan tỉnh Lào Cai năm 2022") for t in texts)
    pngs = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    assert not any(o["output_type"] == "error" for c in nb.cells for o in c.get("outputs", []))
    assert math.isfinite(records["papi_total"])
