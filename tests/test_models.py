"""parlib.models.fit: equality with linearmodels/statsmodels, the CR1 convention, lags, guards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels import PanelOLS

from parlib.models import ModelSpecError, fit, overlap
from parlib.panel import load_panel


@pytest.fixture(scope="module")
def panel(raw):
    return load_panel()


def simulated_panel(seed: int = 7, provinces: int = 63, years: range = range(2011, 2025)) -> pd.DataFrame:
    """Unbalanced province-year panel with correlated effects and a known slope 0.5."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(provinces):
        alpha = rng.normal()
        span = rng.integers(7, len(years) + 1)
        start = rng.integers(0, len(years) - span + 1)
        for y in list(years)[start : start + span]:
            x = 0.8 * alpha + 0.1 * (y - 2011) + rng.normal()
            z = rng.normal()
            rows.append(dict(province_id=f"{p:02d}", year=y, x=x, z=z, alpha=alpha))
    df = pd.DataFrame(rows)
    year_effect = {y: rng.normal() for y in years}
    df["y"] = (
        0.5 * df["x"] - 0.3 * df["z"] + df["alpha"] + df["year"].map(year_effect) + rng.normal(size=len(df))
    )
    return df


def _lm(data: pd.DataFrame, y: str, terms: list[str], entity: bool, time: bool):
    """linearmodels with every small-sample adjustment off: the plain cluster sandwich."""
    d = data.set_index(["province_id", "year"])
    return PanelOLS(d[y], d[terms], entity_effects=entity, time_effects=time).fit(
        cov_type="clustered",
        cluster_entity=True,
        debiased=False,
        group_debias=False,
        auto_df=False,
        count_effects=False,
    )


@pytest.mark.parametrize("entity, time", [(True, True), (True, False)])
def test_coefficients_and_cr1_match_linearmodels_simulated(entity, time):
    df = simulated_panel()
    fe = ("province", "year") if time else ("province",)
    res = fit(df, "y", ["x"], controls=["z"], fe=fe, lag=0)
    ours = res.table[res.table["method"] == "cr1"].set_index("term")
    ref = _lm(res.data, "y", ["x", "z"], entity, time)
    assert np.abs(ours["estimate"].to_numpy() - ref.params.to_numpy()).max() < 1e-8
    n, g, t = len(res.data), res.data["province_id"].nunique(), res.data["year"].nunique()
    k_total = 2 + (t if time else 1)  # fixest: nested province effects out, one counted back
    ours_factor = g / (g - 1) * (n - 1) / (n - k_total)
    assert res.spec["cr1_factor"] == pytest.approx(ours_factor, rel=1e-12)
    # CR1 = documented factor x the plain sandwich
    assert np.allclose(
        ours["std_error"].to_numpy(), ref.std_errors.to_numpy() * np.sqrt(ours_factor), rtol=1e-10
    )
    if time:  # without year effects the common trend in x biases the slope, as it should
        assert abs(ours.loc["x", "estimate"] - 0.5) < 0.1


def test_twfe_matches_linearmodels_on_real_panel(panel):
    res = fit(
        panel,
        "papi_admin_procedures",
        ["papi_egov_portal_access", "papi_internet_access"],
        controls=["gso_population"],
        years=(2018, 2024),
        lag=0,
    )
    ref = _lm(res.data, "papi_admin_procedures", res.terms, True, True)
    ours = res.table[res.table["method"] == "cr1"]
    assert np.abs(ours["estimate"].to_numpy() - ref.params.to_numpy()).max() < 1e-8
    n, g, t = len(res.data), res.data["province_id"].nunique(), res.data["year"].nunique()
    assert res.spec["cr1_factor"] == pytest.approx(g / (g - 1) * (n - 1) / (n - 3 - t), rel=1e-12)
    scale = np.sqrt(res.spec["cr1_factor"])
    assert np.allclose(ours["std_error"].to_numpy(), ref.std_errors.to_numpy() * scale, rtol=1e-10)


def test_pooled_ols_matches_statsmodels():
    df = simulated_panel(3)
    res = fit(df, "y", ["x"], controls=["z"], fe=(), lag=0)
    ref = sm.OLS(res.data["y"], sm.add_constant(res.data[["x", "z"]])).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(res.data["province_id"])[0]}
    )
    ours = res.table[res.table["method"] == "cr1"].set_index("term")
    assert ours.loc["x", "estimate"] == pytest.approx(ref.params["x"], abs=1e-10)
    # statsmodels' cluster correction is G/(G-1) (N-1)/(N-K) with K = slopes + intercept: ours exactly
    assert ours.loc["x", "std_error"] == pytest.approx(ref.bse["x"], rel=1e-10)


def test_first_difference_uses_consecutive_years_only():
    df = simulated_panel(5)
    df = df[
        ~((df["province_id"] == "00") & (df["year"] == df.loc[df["province_id"] == "00", "year"].min() + 2))
    ]
    res = fit(df, "y", ["x"], fe=(), first_difference=True, lag=0)
    d = df.sort_values(["province_id", "year"]).copy()
    prev = d.groupby("province_id")[["year", "x", "y"]].shift(1)
    ok = (d["year"] - prev["year"]) == 1
    dx, dy = (d["x"] - prev["x"])[ok], (d["y"] - prev["y"])[ok]
    ref = sm.OLS(dy.to_numpy(), sm.add_constant(dx.to_numpy())).fit()
    assert res.estimate("x") == pytest.approx(ref.params[1], abs=1e-10)
    assert len(res.data) == ok.sum()
    assert (res.dropped["reason"].str.contains("first difference")).sum() == (~ok).sum()


def test_lag_is_same_province_year_minus_lag(panel):
    res = fit(panel, "papi_public_services", ["papi_internet_access"], years=(2019, 2024), lag=1)
    data = res.data.set_index(["province_id", "year"])
    source = panel.set_index(["province_id", "year"])["papi_internet_access"]
    for (pid, year), value in data["papi_internet_access_lag1"].items():
        assert value == source[(pid, year - 1)]
    res2 = fit(panel, "papi_public_services", ["papi_internet_access"], years=(2020, 2024), lag=2)
    first = res2.data.iloc[0]
    assert first["papi_internet_access_lag2"] == source[(first["province_id"], first["year"] - 2)]


def test_within_year_standardisation(panel):
    res = fit(
        panel, "papi_public_services", ["papi_internet_access"], years=(2019, 2024), standardize="within_year"
    )
    by_year = res.data.groupby("year")["papi_public_services"]
    assert np.allclose(by_year.mean(), 0, atol=1e-12) and np.allclose(by_year.std(), 1)


def test_era_dummies_when_no_year_effects(panel):
    res = fit(panel, "papi_public_services", ["gso_population"], fe=("province",), years=(2016, 2019), lag=0)
    assert [t for t in res.terms if t.startswith("era[")] == ["era[2018-2020]"]  # relative to 2016-2017
    twfe = fit(panel, "papi_public_services", ["gso_population"], years=(2016, 2019), lag=0)
    assert not [t for t in twfe.terms if t.startswith("era[")]
    assert any("absorbed by the year effects" in n for n in twfe.notes)


def test_dropped_rows_say_why(panel):
    res = fit(panel, "papi_admin_procedures", ["papi_egov_portal_access"], years=(2018, 2024))
    reasons = res.dropped["reason"].value_counts()
    assert reasons["driver papi_egov_portal_access_lag1 missing"] >= 63  # 2018 has no 2017 e-governance
    assert len(res.data) + len(res.dropped) == 7 * 63
    assert (res.data["year"] >= 2019).all()


def test_within_scatter_slope_equals_estimate(panel):
    res = fit(
        panel,
        "papi_admin_procedures",
        ["papi_egov_portal_access"],
        controls=["gso_population"],
        years=(2018, 2024),
    )
    w = res.within()
    x, y = w["papi_egov_portal_access_lag1"], w["papi_admin_procedures"]
    assert (x @ y) / (x @ x) == pytest.approx(res.estimate("papi_egov_portal_access_lag1"), rel=1e-9)
    assert w.attrs["slope"] == pytest.approx(res.estimate("papi_egov_portal_access_lag1"))


# --- guards ---------------------------------------------------------------------------------------


def test_overlap_refused_naming_both(panel):
    with pytest.raises(
        ModelSpecError, match=r"driver papi_egov_portal_access overlaps the outcome papi_total"
    ):
        fit(panel, "papi_total", ["papi_egov_portal_access"])
    with pytest.raises(ModelSpecError, match="pci_transparency overlaps the outcome pci_total"):
        fit(panel, "pci_total", ["pci_transparency"])
    assert overlap("papi_admin_procedures", "papi_egov_portal_access") is None
    assert overlap("papi_e_governance", "papi_internet_access")
    assert overlap("papi_internet_access", "papi_e_governance")


def test_too_few_clusters(panel):
    few = panel[panel["province_id"].isin(["01", "02", "04", "06", "08"])]
    with pytest.raises(ModelSpecError, match=r"too few clusters: 5 provinces .* widen the years"):
        fit(few, "papi_public_services", ["papi_internet_access"], years=(2019, 2024))


def test_too_few_observations():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        [
            dict(province_id=f"{p:02d}", year=y, x=rng.normal(), z=rng.normal(), y=rng.normal())
            for p in range(12)
            for y in (2011, 2012)
        ]
    )  # 24 rows, 2 slopes, 13 fixed effects: 9 residual degrees of freedom
    with pytest.raises(
        ModelSpecError, match="too few observations: 24 rows for 2 regressors and 13 fixed effects"
    ):
        fit(df, "y", ["x", "z"], lag=0)


def test_no_within_variation():
    df = simulated_panel(2)
    df["constant_per_province"] = df["alpha"]
    with pytest.raises(ModelSpecError, match=r"no within-province variation in \['constant_per_province'\]"):
        fit(df, "y", ["constant_per_province"], lag=0)
    fit(df, "y", ["constant_per_province"], fe=("year",), lag=0)  # fine without province effects


def test_perfect_collinearity():
    df = simulated_panel(4)
    df["x_twice"] = 2 * df["x"]
    with pytest.raises(ModelSpecError, match=r"perfectly collinear regressors: \['x_twice'\]"):
        fit(df, "y", ["x"], controls=["x_twice"], lag=0)


def test_bad_arguments(panel):
    with pytest.raises(ModelSpecError, match="unknown panel column"):
        fit(panel, "papi_nope", ["papi_internet_access"])
    with pytest.raises(ModelSpecError, match="lag must be 0, 1 or 2"):
        fit(panel, "papi_public_services", ["papi_internet_access"], lag=3)
    with pytest.raises(ModelSpecError, match="inference must be a subset"):
        fit(panel, "papi_public_services", ["papi_internet_access"], inference=("bayes",))


def test_family_adjustment_across_outcomes(panel, sm_multipletests):
    from parlib.models import fit_family

    multipletests = sm_multipletests

    outcomes = ["papi_admin_procedures", "papi_public_services", "papi_control_of_corruption"]
    fam = fit_family(panel, outcomes, ["papi_egov_portal_access"], years=(2018, 2024))
    cr1 = fam.table[fam.table["method"] == "cr1"]
    assert list(cr1["outcome"]) == outcomes
    assert np.allclose(cr1["p_holm"], multipletests(cr1["p_value"], method="holm")[1])
    assert np.allclose(cr1["p_bh"], multipletests(cr1["p_value"], method="fdr_bh")[1])
    assert "adjusted across outcomes" in fam.summary()


def test_budget_per_capita_control(panel):
    from parlib.models import with_controls

    p = with_controls(panel).set_index(["province_id", "year"])
    row = p.loc[("20", 2013)]
    assert row["budget_final_expenditure_per_capita"] == pytest.approx(
        row["budget_final_expenditure"] / (row["gso_population"] * 1000)
    )
    assert p["budget_final_expenditure_per_capita"].dropna().index.get_level_values("year").min() == 2011
    res = fit(
        with_controls(panel),
        "papi_public_services",
        ["pci_total"],
        controls=["budget_plan_expenditure_per_capita"],
        years=(2011, 2016),
        lag=0,
    )
    assert res.spec["n_obs"] > 300 and "budget_plan_expenditure_per_capita" in res.terms


def test_first_differences_across_a_break_model_a_shift_in_the_break_year_only():
    """Defect 3 of issue 9: after differencing, a level break is a dummy for the year whose difference
    spans it. The driver jumps in the break year too, so the old era dummy (a different drift per
    era) biased the slope: it gave ~0.86 here, and a break effect spread over five years."""
    rng = np.random.default_rng(2016)
    years = np.arange(2011, 2021)
    prov, year = np.repeat(np.arange(63), len(years)), np.tile(years, 63)
    after = (year >= 2016).astype(float)
    x = 0.3 * (year - 2011) + 1.0 * after + rng.normal(size=len(year))
    alpha = rng.normal(size=63)[prov]
    y = alpha + 2.0 * after + 0.5 * x + rng.normal(scale=0.3, size=len(year))
    df = pd.DataFrame(
        {"province_id": [f"{p:02d}" for p in prov], "year": year, "papi_simulated": y, "x": x,
         "papi_method_era": np.where(after == 1, "2016-2017", "2011-2015")}
    )  # fmt: skip
    res = fit(df, "papi_simulated", ["x"], fe=(), lag=0, first_difference=True)
    assert res.terms == ["x", "break[2011-2015->2016-2017]"]
    spans = res.data["break[2011-2015->2016-2017]"] == 1
    assert (res.data.loc[spans, "year"] == 2016).all() and spans.sum() == 63
    table = res.table.set_index("term")
    assert abs(table.loc["x", "estimate"] - 0.5) < 3 * table.loc["x", "std_error"]
    assert abs(table.loc["break[2011-2015->2016-2017]", "estimate"] - 2.0) < 0.15
    assert any("break dummies" in n for n in res.notes)
    levels = fit(df, "papi_simulated", ["x"], fe=("province",), lag=0)  # in levels: one era dummy
    assert levels.terms == ["x", "era[2016-2017]"]
    assert abs(levels.estimate("era[2016-2017]") - 2.0) < 0.15
