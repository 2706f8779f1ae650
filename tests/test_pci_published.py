"""PCI after 2016: the figures published for some provinces, with their published ranks of 63.

The upstream tables (mdtrinh/vietnamdata) end in 2016; later PCI figures are in the published
record (pci/pci_partial_..._from_pcivietnam_pages.csv, point_figures.csv). They are shown as
published: never re-ranked among the few provinces present, no national average.
"""

from __future__ import annotations

import math

import pytest

from parlib.indices import pci
from parlib.indices.card import card
from parlib.panel import load_observations
from parlib.sources import published

HAI_PHONG, LAM_DONG, LANG_SON = "31", "68", "20"


@pytest.fixture(scope="module")
def table(raw):
    return pci.scores(load_observations()).table


@pytest.fixture(scope="module")
def totals(table):
    return table[table["component"] == "total"].set_index(["province_id", "year"])


def test_card_shows_the_published_pci_2022_of_hai_phong(raw):
    f = card("Hải Phòng", 2022).facts["PCI"]
    assert f.available and f.value == pytest.approx(70.76)
    assert (f.rank, f.rank_of) == (3, 63)  # point_figures.csv: 70.76, 3rd of 63
    assert f.rank_change == -1 and f.value_change == pytest.approx(0.15)  # 2021: 70.61, 2nd
    assert math.isnan(f.national_average) and math.isnan(f.national_median)  # a partial year: none
    assert (
        f.sentence()
        == "PCI 2022: 70.76 points on the 0-100 scale, rank 3 of 63, down 1 place (+0.15) compared to 2021."
    )


def test_card_for_a_province_the_partial_table_lacks(raw):
    f = card("Lạng Sơn", 2022).facts["PCI"]
    assert not f.available
    assert f.message == (
        "parlib has no published figure for this province and year (the published table lists 22 provinces)"
    )


def test_published_years_keep_the_published_rank_of_63(totals):
    year = totals.xs(2022, level="year")
    assert set(year["rank_source"].dropna()) == {"published"} and set(year["rank_of"].dropna()) == {63}
    assert year["from_published"].all()
    # Lâm Đồng is 11th of the 18 scores present, but 17th of 63 as published: never re-ranked
    assert (year["value"] > year.loc[LAM_DONG, "value"]).sum() == 10
    assert year.loc[LAM_DONG, "rank"] == 17 and year.loc[LAM_DONG, "value"] == pytest.approx(67.62)
    # a rank published without its score (Bắc Kạn 2022: 35th) is a row without a value
    assert math.isnan(year.loc["06", "value"]) and year.loc["06", "rank"] == 35


def test_upstream_years_are_unchanged(table, totals):
    assert not table.loc[table["year"] <= 2016, "from_published"].any()
    assert sorted(table.loc[table["from_published"], "year"].unique()) == list(range(2017, 2025))
    assert "rank" not in set(table["component"])
    hp = totals.loc[(HAI_PHONG, 2016)]
    assert (
        hp["value"] == pytest.approx(60.0998, abs=1e-4)
        and hp["rank"] == 21
        and hp["rank_source"] == "computed"
    )
    # the VCCI pages' figures for 2006-2016 stay checks: the documented 2010 swap is kept as upstream
    assert totals.loc[(LAM_DONG, 2010), "value"] == pytest.approx(58.26, abs=0.005)
    assert card("Hải Phòng", 2016).facts["PCI"].national_average == pytest.approx(58.89, abs=0.005)


def test_change_from_the_last_upstream_year(totals):
    """2016 (ranked among all 63 upstream) -> 2017 (rank of 63 as published): a change of ranks of 63."""
    row = totals.loc[(LAM_DONG, 2017)]
    assert (row["previous_rank"], row["rank"], row["rank_change"]) == (27, 22, 5)
    assert row["comparable"]


def test_published_figures_are_deduplicated_and_stay_out_of_the_panel(raw):
    found = published.figures("PCI")
    quang_ninh = found[
        (found["province_id"] == "22") & (found["year"] == 2019) & (found["component"] == "total")
    ]
    assert len(quang_ninh) == 1 and quang_ninh["value"].iloc[0] == pytest.approx(73.40)  # given in two files
    assert "pci_partial" in quang_ninh["source"].iloc[0]  # the per-index table wins over point figures
    assert not (published.read()["index"] == "PCI").any()  # the panel's PCI is the upstream one
