"""parlib.models.fit against pyfixest (the Python port of R's fixest) to 1e-8, on the real panel.

Why: an applied econometrician would check our numbers with fixest. Estimates, CRV1 standard
errors (fixest's default small-sample correction: nested fixed effects out of K, one counted back),
t(G-1) p-values and 95% intervals must agree in every specification (pyfixest's demeaning is run
to 1e-14; at its default tolerance its standard errors differ from the exact projection by up to
1e-8): two-way effects named in
either order, province effects only, pooled OLS with method-era dummies, controls, first
differences (with break dummies or year effects), population weights, and province plus
region x year effects. The wild cluster bootstrap is compared with wildboottest (what pyfixest
calls) fed the same weight matrix (exact) and with independent draws (within Monte Carlo error).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from parlib.models import fit, with_controls
from parlib.models.wild import draw_weights, wild_cluster_bootstrap
from parlib.panel import load_panel

pf = pytest.importorskip("pyfixest")

OUTCOME = "papi_admin_procedures"
DRIVER = "papi_egov_portal_access"
TOL = 1e-8


@pytest.fixture(scope="module")
def panel(raw):
    return with_controls(load_panel())


def _fixest(res, fe: str, weights: str | None = None):
    """pyfixest on the exact sample parlib used (terms renamed: formulas cannot hold '[')."""
    data = res.data.copy()
    names = {t: f"t{i}" for i, t in enumerate(res.terms)}
    data = data.rename(columns=names | {res.outcome: "y"})
    data["cluster"] = pd.factorize(data["province_id"])[0]  # numeric: wildboottest's numba needs it
    formula = "y ~ " + " + ".join(names.values()) + (f" | {fe}" if fe else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pf.feols(
            formula,
            data=data,
            vcov={"CRV1": "cluster"},
            weights=weights,
            fixef_tol=1e-14,
            fixef_maxiter=100_000,
        )
    tidy = model.tidy().rename(index={v: k for k, v in names.items()})
    return model, tidy.loc[res.terms]


SPECS = {
    "two-way": dict(fe=("province", "year"), years=(2018, 2024)),
    "two-way, year named first": dict(fe=("year", "province"), years=(2018, 2024)),
    "two-way, controls": dict(
        fe=("province", "year"), years=(2019, 2022), controls=["gso_log_population", "papi_internet_access"]
    ),
    "province effects": dict(fe=("province",), years=(2018, 2024)),
    "pooled with era dummies": dict(fe=(), years=(2012, 2024)),
    "first differences with break dummies": dict(fe=(), years=(2012, 2024), first_difference=True),
    "first differences with year effects": dict(fe=("year",), years=(2012, 2024), first_difference=True),
    "two-way, population weights": dict(
        fe=("province", "year"), years=(2018, 2024), weights="gso_population"
    ),
    "pooled, population weights": dict(fe=(), years=(2012, 2024), weights="gso_population"),
    "province and region-year": dict(fe=("province", "region-year"), years=(2018, 2024)),
    "region-year named first, weights": dict(
        fe=("region-year", "province"), years=(2018, 2024), weights="gso_population"
    ),
}
FIXEST_FE = {
    (): "",
    ("province",): "province_id",
    ("year",): "year",
    ("province", "year"): "province_id + year",
    ("province", "region-year"): "province_id + region^year",
}


@pytest.mark.parametrize("name", SPECS)
def test_fit_equals_fixest(panel, name):
    spec = dict(SPECS[name])
    res = fit(panel, OUTCOME, [DRIVER], lag=1, **spec)
    fe = tuple(sorted(res.spec["fe"], key=("province", "year", "region-year").index))
    model, ref = _fixest(res, FIXEST_FE[fe], spec.get("weights"))
    ours = res.table[res.table["method"] == "cr1"].set_index("term").loc[res.terms]
    assert np.allclose(ours["estimate"], ref["Estimate"], rtol=TOL, atol=1e-12)
    assert np.allclose(ours["std_error"], ref["Std. Error"], rtol=TOL, atol=1e-12)
    assert np.allclose(ours["p_value"], ref["Pr(>|t|)"], rtol=TOL, atol=1e-12)
    assert np.allclose(ours["conf_low"], ref["2.5%"], rtol=TOL, atol=1e-12)
    assert np.allclose(ours["conf_high"], ref["97.5%"], rtol=TOL, atol=1e-12)
    assert res.spec["k_total"] == model._df_k
    if "era" in name or "break" in name:
        assert any(t.startswith(("era[", "break[")) for t in res.terms)


def test_order_of_fixed_effects_does_not_change_the_model(panel):
    """Defect 1 of issue 9: ("year", "province") gave K = 69 and SE 0.3093 instead of 0.2813."""
    a = fit(panel, OUTCOME, [DRIVER], fe=("province", "year"), years=(2018, 2024))
    b = fit(panel, OUTCOME, [DRIVER], fe=("year", "province"), years=(2018, 2024))
    pd.testing.assert_frame_equal(a.table, b.table, rtol=1e-12)
    assert a.spec["k_total"] == b.spec["k_total"] == 7
    assert a.table.loc[0, "std_error"] == pytest.approx(0.281287026721, abs=1e-10)


@pytest.fixture(scope="module")
def twoway(panel):
    res = fit(panel, OUTCOME, [DRIVER], fe=("province", "year"), years=(2018, 2024))
    model, _ = _fixest(res, "province_id + year")
    return res, model


def _parlib_wild(res, weight_matrix: np.ndarray | None, seed: int = 0) -> float:
    from parlib.models import ols

    clusters = pd.factorize(res.data["province_id"])[0]
    absorbed = ols.absorb(res.data, ("province", "year"), clusters)
    out = wild_cluster_bootstrap(
        res._y, res._x, clusters, 0, cr1_factor=res.spec["cr1_factor"], weight_matrix=weight_matrix,
        n_boot=9999, seed=seed, annihilator=absorbed.resid,
    )  # fmt: skip
    return out["p_value"]


def test_wild_bootstrap_equals_wildboottest_on_the_same_draws(twoway):
    """wildboottest's WCR11 (what pyfixest's .wildboottest() runs) with our weight matrix: same p."""
    from wildboottest.wildboottest import WildboottestCL

    res, model = twoway
    clusters = pd.factorize(res.data["province_id"])[0]
    y, x, names = model._model_matrix_one_hot()  # the dummy-variable regression pyfixest bootstraps
    r = np.zeros(len(names))
    r[names.index("t0")] = 1
    v = draw_weights(999, clusters.max() + 1, "rademacher", 5)
    boot = WildboottestCL(X=x, Y=y, cluster=clusters, R=r, B=999, seed=1, parallel=False)
    boot.get_scores(bootstrap_type="11", impose_null=True, adj=True, cluster_adj=True)
    boot.get_weights("rademacher")
    boot.v, boot.B = v.T, v.shape[0]
    for step in ("get_numer", "get_denom", "get_tboot", "get_vcov", "get_tstat", "get_pvalue"):
        getattr(boot, step)()
    ours = _parlib_wild(res, v)
    assert ours == float(boot.pvalue)
    assert 0.05 < ours < 0.2  # the real panel's bootstrap p, away from 0 and 1 so the check can fail


def test_wild_bootstrap_agrees_with_pyfixest_on_independent_draws(twoway):
    res, model = twoway
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = float(model.wildboottest(param="t0", reps=9999, seed=11, parallel=False)["Pr(>|t|)"])
    ours = _parlib_wild(res, None, seed=12)
    mc_se = np.sqrt(2 * ours * (1 - ours) / 9999)  # the difference of two independent MC estimates
    assert abs(ours - theirs) <= 4 * mc_se, (ours, theirs, mc_se)


def _simulated(seed: int = 11) -> pd.DataFrame:
    """An unbalanced 63-province panel with a region, a weight, a break in 2016 and a known slope."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(63):
        years = np.sort(rng.choice(np.arange(2011, 2025), int(rng.integers(6, 15)), replace=False))
        rows += [dict(province_id=f"{p:02d}", year=int(y), region=p % 6) for y in years]
    df = pd.DataFrame(rows)
    alpha = rng.normal(size=63)[df["province_id"].astype(int)]
    shock = rng.normal(size=(6, 14))[df["region"], df["year"] - 2011]
    df["papi_driver_x"] = 0.5 * alpha + shock + rng.normal(size=len(df))
    df["control_z"] = rng.normal(size=len(df))
    df["w"] = np.exp(rng.normal(size=63))[df["province_id"].astype(int)]
    df["papi_method_era"] = np.where(df["year"] >= 2016, "2016-", "2011-2015")
    noise = rng.normal(size=len(df))
    df["sim_outcome"] = alpha + shock + 0.5 * df["papi_driver_x"] - 0.3 * df["control_z"] + noise
    df["papi_simulated"] = df["sim_outcome"] + 1.5 * (df["year"] >= 2016)
    return df


SIMULATED = {
    "two-way": dict(fe=("province", "year")),
    "two-way, year first, weights": dict(fe=("year", "province"), weights="w"),
    "province and region-year": dict(fe=("region-year", "province")),
    "pooled with an era dummy": dict(fe=(), outcome="papi_simulated"),
    "first differences with a break dummy, weights": dict(
        fe=(), outcome="papi_simulated", first_difference=True, weights="w"
    ),
    "first differences with year effects": dict(fe=("year",), first_difference=True),
}


@pytest.mark.parametrize("name", SIMULATED)
def test_fit_equals_fixest_on_a_simulated_panel(name):
    spec = dict(SIMULATED[name])
    outcome = spec.pop("outcome", "sim_outcome")
    res = fit(_simulated(), outcome, ["papi_driver_x"], controls=["control_z"], lag=0, **spec)
    fe = tuple(sorted(res.spec["fe"], key=("province", "year", "region-year").index))
    model, ref = _fixest(res, FIXEST_FE[fe], spec.get("weights"))
    ours = res.table[res.table["method"] == "cr1"].set_index("term").loc[res.terms]
    for column, theirs in [("estimate", "Estimate"), ("std_error", "Std. Error"), ("p_value", "Pr(>|t|)"),
                           ("conf_low", "2.5%"), ("conf_high", "97.5%")]:  # fmt: skip
        assert np.allclose(ours[column], ref[theirs], rtol=TOL, atol=1e-12), column
    assert res.spec["k_total"] == model._df_k
    if "dummy" in name:
        assert any(t.startswith(("era[", "break[")) for t in res.terms)
