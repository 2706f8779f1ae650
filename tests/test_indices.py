"""Index computation: recomputation equalities, ranks with ties, tiers, changes, card, 34-unit projection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from parlib import provinces
from parlib.indices import geo34, papi, pci, ranking
from parlib.indices.card import card
from parlib.indices.result import CoverageError, IndexResult
from parlib.panel import load_observations
from parlib.sources import published


@pytest.fixture(scope="module")
def obs(raw):
    return load_observations()


@pytest.fixture(scope="module")
def papi_result(obs):
    return papi.scores(obs)


@pytest.fixture(scope="module")
def pci_result(obs):
    return pci.scores(obs)


# --- the ranking rule ----------------------------------------------------------------------------


def test_competition_rank_ties_share_best_and_skip():
    values = pd.Series([7.0, 9.0, 8.0, 8.0, np.nan, 6.0])
    assert ranking.competition_rank(values).tolist()[:4] == [4.0, 1.0, 2.0, 2.0]
    assert math.isnan(ranking.competition_rank(values)[4])
    assert ranking.competition_rank(values)[5] == 5.0


def test_quartile_tiers_counts():
    rng = np.random.default_rng(3)
    counts = ranking.quartile_tiers(pd.Series(rng.normal(size=63))).value_counts()
    assert counts.to_dict() == {"best": 16, "high-average": 16, "low-average": 15, "poor": 16}
    # a tie at the 75th-percentile cut-off goes to the upper band
    tied = pd.Series([1.0, 2.0, 3.0, 3.0, 3.0])
    assert ranking.quartile_tiers(tied).tolist() == ["poor", "low-average", "best", "best", "best"]


def test_rank_and_change_hand_fixture():
    frame = pd.DataFrame(
        {
            "index": "X", "component": "total", "geo": "63",
            "province_id": ["01", "02", "03", "01", "02", "03", "01", "02", "03"],
            "year": [2015] * 3 + [2016] * 3 + [2017] * 3,
            "value": [5.0, 7.0, 6.0, 8.0, 7.0, 7.0, 1.0, 2.0, np.nan],
            "method_era": ["a"] * 6 + ["b"] * 3,
        }
    )
    out = ranking.rank_and_change(frame).set_index(["province_id", "year"])
    assert out.loc[("01", 2016), "rank"] == 1 and out.loc[("02", 2016), "rank"] == 2
    assert out.loc[("03", 2016), "rank"] == 2 and out.loc[("03", 2016), "rank_of"] == 3
    assert out.loc[("01", 2016), "rank_change"] == 2  # 3rd -> 1st: up two places
    assert out.loc[("01", 2016), "value_change"] == 3.0
    assert out.loc[("02", 2016), "rank_change"] == -1
    assert bool(out.loc[("01", 2016), "comparable"]) is True
    assert bool(out.loc[("01", 2017), "comparable"]) is False  # era a -> b
    assert out.loc[("02", 2017), "rank_of"] == 2 and math.isnan(out.loc[("03", 2017), "rank"])
    assert pd.isna(out.loc[("01", 2015), "comparable"])
    assert ranking.places_phrase(-31) == "down 31 places" and ranking.places_phrase(1) == "up 1 place"


# --- PAPI ------------------------------------------------------------------------------------------


def test_papi_recomputation_equals_every_published_value(obs):
    """Dimensions = sum of sub-dimensions, total = sum of dimensions, for every province-year in the files."""
    rec = papi.recompute(obs)
    assert rec["recomputed"].notna().all()
    published_files = rec[~rec["source"].str.startswith("ml-mcdm")]
    assert set(published_files["year"]) == {2011, 2012, 2013, 2014, 2015, 2016, 2018, 2019, 2022, 2023}
    assert len(published_files) > 4000
    assert published_files["difference"].abs().max() < 1e-3
    assert set(rec["year"]) == set(range(2011, 2025))
    per_year = rec[rec["component"] == "total"].groupby("year").size()
    assert per_year[2011] == 63 and per_year[2014] == 61


def test_papi_ranks_tiers_and_changes(papi_result):
    t = papi_result.table
    total = t[t["component"] == "total"]
    for year in (2011, 2012, 2013, 2015, 2016, 2017, 2019, 2020):  # years with 63 scored provinces
        counts = total.loc[total["year"] == year, "tier"].value_counts().to_dict()
        assert counts == {"best": 16, "high-average": 16, "low-average": 15, "poor": 16}, year
    assert (total.loc[total["year"] == 2014, "rank_of"] == 61).all()
    bk = total.set_index(["province_id", "year"])
    assert bk.loc[("06", 2021), "rank"] == 34 and bk.loc[("06", 2022), "rank"] == 30
    assert bk.loc[("06", 2022), "rank_change"] == 4
    assert papi.rank_phrase(bk.loc[("06", 2022), "rank"], bk.loc[("06", 2022), "rank_of"]) == "30 of 61"
    assert bk.loc[("01", 2021), "rank"] == 9
    for year in (2016, 2018, 2021):  # method breaks: changes marked, not trends
        assert not total.loc[total["year"] == year, "comparable"].dropna().any()
    assert total.loc[total["year"] == 2019, "comparable"].dropna().all()


def test_papi_common_core(papi_result):
    t = papi_result.table.set_index(["component", "province_id", "year"])
    core = t.loc[("common_core", "20", 2016), "value"]
    corruption = t.loc[("control_of_corruption", "20", 2016), "value"]
    parts = corruption + t.loc[("public_services", "20", 2016), "value"]
    assert core == pytest.approx(parts)
    core_rows = papi_result.table[papi_result.table["component"] == "common_core"]
    assert core_rows["comparable"].dropna().all()  # comparable across the 2016, 2018 and 2021 breaks
    assert set(core_rows["year"]) == set(range(2011, 2025))


def _published_checked(result: IndexResult, raw, tol: float, skip: frozenset = frozenset()) -> int:
    """Assert every published total (score within ``tol``, and rank) that ``result`` covers; count them."""
    record = published.read_published(raw)
    record = record[(record["index"] == result.index) & (record["component"] == "total")]
    record = record[~record["is_national"] & record["province_id"].notna()]
    t = result.table
    t = t[t["component"] == "total"].set_index(["province_id", "year"])
    checked = 0
    for row in record.itertuples():
        key = (row.province_id, int(row.year))
        if key not in t.index or key in skip:
            continue
        if pd.notna(row.value):
            assert t.loc[key, "value"] == pytest.approx(row.value, abs=tol), row
        if pd.notna(row.rank):
            assert t.loc[key, "rank"] == row.rank, row
        checked += 1
    return checked


def test_papi_reproduces_published_scores_and_ranks(papi_result, raw):
    assert _published_checked(papi_result, raw, tol=0.011) >= 1


def test_coverage_error_names_covered_years(papi_result, pci_result):
    with pytest.raises(CoverageError, match=r"PAPI has no data for 2009; it covers 2011-2024"):
        papi_result.year(2009)
    with pytest.raises(CoverageError, match=r"PCI has no data for 2020; it covers 2005-2016"):
        pci_result.year(2020)
    assert isinstance(papi_result, IndexResult) and "PAPI" in papi_result.summary()


# --- PCI -------------------------------------------------------------------------------------------


def test_pci_composite_reproduced_2013_2016(obs, pci_result):
    rec = pci.recompute(obs)
    assert sorted(rec["year"].unique()) == [2013, 2014, 2015, 2016]
    assert len(rec) == 4 * 63
    assert rec["difference"].abs().max() < 0.02
    t = pci_result.table
    early = t[(t["component"] == "total") & (t["year"] < 2013)]
    assert early["recomputed"].isna().all()  # earlier composites are never recomputed


def test_pci_ranks(pci_result):
    t = pci_result.table
    total = t[(t["component"] == "total")].set_index(["province_id", "year"])
    assert total.loc[("48", 2016), "rank"] == 1 and total.loc[("22", 2016), "rank"] == 2
    assert total.loc[("48", 2016), "rank_of"] == 63
    assert not total.loc[total.index.get_level_values("year") == 2013, "comparable"].dropna().any()


def test_pci_reproduces_published_vcci_pages(pci_result, raw):
    swap_2010 = frozenset({("68", 2010), ("12", 2010)})  # the documented Lâm Đồng / Lai Châu swap
    assert _published_checked(pci_result, raw, tol=0.006, skip=swap_2010) >= 50


# --- the card --------------------------------------------------------------------------------------


def test_card_for_published_province_year(obs):
    """Bắc Kạn 2022: PAPI 42.44, rank 30 (published), up from 34th in 2021."""
    c = card("Bac Kan", 2022)
    f = c.facts["PAPI"]
    assert c.province_id == "06" and c.unit_34_id == "19" and c.unit_34_name == "Thái Nguyên"
    assert f.value == pytest.approx(42.44, abs=0.005)
    assert (f.rank, f.rank_of, f.rank_change) == (30, 61, 4)
    assert f.tier == "high-average" and f.comparable is True
    totals = obs[(obs["index"] == "PAPI") & (obs["component"] == "total") & (obs["year"] == 2022)]["value"]
    assert f.national_average == pytest.approx(totals.mean())
    assert f.national_median == pytest.approx(totals.median())
    assert f.rose and f.fell and f.rose[0].value_change > 0 > f.fell[0].value_change
    assert "rank 30 of 61" in f.sentence() and "up 4 places" in f.sentence()
    assert not c.facts["PCI"].available and "covers 2005-2016" in c.facts["PCI"].message
    assert "form the province of Thái Nguyên" in c.lines()[-1]
    assert c.to_dict()["facts"]["PAPI"]["rank"] == 30


def test_card_marks_a_change_across_a_break():
    f = card("Lạng Sơn", 2018).facts["PAPI"]
    assert f.comparable is False and "method break" in f.sentence()
    assert f.rose == [] and f.fell == []


# --- 34 units --------------------------------------------------------------------------------------


def test_geo34_population_weighted_and_synthetic(papi_result, obs):
    totals = papi_result.table
    totals = totals[(totals["component"] == "total") & (totals["year"].isin([2019, 2022]))]
    out = geo34.project(totals, obs).set_index(["year", "new_id"])
    pop = geo34.population(obs)
    pop = pop[pop["year"] == 2019].set_index("province_id")["population"]
    score = totals[totals["year"] == 2019].set_index("province_id")["value"]
    expected = (score["02"] * pop["02"] + score["08"] * pop["08"]) / (pop["02"] + pop["08"])
    assert out.loc[(2019, "08"), "value"] == pytest.approx(expected)
    assert out.loc[(2019, "08"), "old_ids"] == "02 08" and out["synthetic"].all()
    assert out.loc[(2019, "20"), "value"] == pytest.approx(score["20"])  # unchanged unit: its own score
    assert out.loc[2019, "value"].notna().sum() == 34
    # 2022: Bắc Giang and Bắc Ninh unscored -> new Bắc Ninh missing, not a mean of the rest
    assert math.isnan(out.loc[(2022, "24"), "value"]) and "not scored" in out.loc[(2022, "24"), "note"]
    assert len(provinces.PROVINCES_34) == out.loc[2022].shape[0]


def test_cli_card(capsys):
    from parlib.cli import main

    assert main(["card", "Bắc Kạn", "2022"]) == 0
    out = capsys.readouterr().out
    assert "rank 30 of 61" in out and "Thái Nguyên" in out
    assert main(["card", "Gotham", "2022"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["parlib: error: unknown province 'Gotham' in geo 63"]
