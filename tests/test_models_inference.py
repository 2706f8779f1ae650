"""Wild cluster bootstrap, randomisation inference and multiple-testing adjustment (array level, fast).

The bootstrap and permutation p-values are checked against slow, independent implementations
(explicit restricted refits with numpy.linalg.lstsq of every draw or permutation, including a refit
with the fixed-effect dummies) that use the same draws, so any algebra slip in the vectorised
shortcuts shows up as a mismatch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from parlib.models.multiple import adjust, benjamini_hochberg, holm
from parlib.models.permutation import randomization_inference, within_year_permutations
from parlib.models.wild import (
    cr1_se,
    draw_weights,
    wild_cluster_bootstrap,
    wild_pvalue_function,
)

G, T = 63, 14


def unbalanced_panel(rng: np.random.Generator, g: int = G, t: int = T, beta: float = 0.3) -> dict:
    """A g x t panel with 7..t years per province, FE correlated with the drivers, 2 drivers + 1 control."""
    rows = []
    for i in range(g):
        n = int(rng.integers(min(7, t), t + 1))
        years = np.sort(rng.choice(t, n, replace=False))
        rows.append(np.column_stack([np.full(n, i), years]))
    prov, year = np.concatenate(rows).T
    alpha, lam = rng.normal(size=g), rng.normal(size=t)
    x_raw = rng.normal(size=(len(prov), 3)) + 0.5 * alpha[prov, None] + 0.5 * lam[year, None]
    sigma = np.exp(rng.uniform(-0.7, 0.7, size=g))
    y_raw = (
        alpha[prov]
        + lam[year]
        + x_raw @ np.array([beta, 0.0, -0.2])
        + sigma[prov] * rng.normal(size=len(prov))
    )
    dummies = np.hstack(
        [(prov[:, None] == np.arange(g)).astype(float), (year[:, None] == np.arange(1, t)).astype(float)]
    )
    q, _ = np.linalg.qr(dummies)
    m = np.eye(len(prov)) - q @ q.T
    n_obs, k = len(prov), 3
    return {
        "prov": prov,
        "year": year,
        "x_raw": x_raw,
        "y_raw": y_raw,
        "dummies": dummies,
        "M": m,
        "resid": lambda v: v - q @ (q.T @ v),
        "y": m @ y_raw,
        "X": m @ x_raw,
        "cr1": g / (g - 1) * (n_obs - 1) / (n_obs - k - (t - 1)),
    }


@pytest.fixture(scope="module")
def data() -> dict:
    return unbalanced_panel(np.random.default_rng(42))


def cr1_sandwich(W: np.ndarray, u: np.ndarray, clusters: np.ndarray, factor: float) -> np.ndarray:
    """Independent CR1 covariance (explicit loop over clusters) for the reference implementations."""
    bread = np.linalg.inv(W.T @ W)
    meat = np.zeros((W.shape[1], W.shape[1]))
    for g in np.unique(clusters):
        s = W[clusters == g].T @ u[clusters == g]
        meat += np.outer(s, s)
    return factor * bread @ meat @ bread


def reference_wild_p(y, W, clusters, j, beta0, factor, V) -> float:
    """Slow WCR: for each draw, rebuild y*, refit by lstsq, CR1 t-statistic; share |t*| >= |t|.

    The draws are the columns of one lstsq call and of one sum over clusters (the cluster sums of
    (row j of the bread) x_i u*_i, squared: the [j, j] element of ``cr1_sandwich``), not a loop.
    """
    b = np.linalg.lstsq(W, y, rcond=None)[0]
    t = (b[j] - beta0) / np.sqrt(cr1_sandwich(W, y - W @ b, clusters, factor)[j, j])
    Z = np.delete(W, j, axis=1)
    y_r = y - beta0 * W[:, j]
    u_r = y_r - Z @ np.linalg.lstsq(Z, y_r, rcond=None)[0]
    fitted = y - u_r
    y_star = fitted[:, None] + u_r[:, None] * V[:, clusters].T  # (N, B): one column per draw
    b_star = np.linalg.lstsq(W, y_star, rcond=None)[0]
    u_star = y_star - W @ b_star
    row_j = W @ np.linalg.inv(W.T @ W)[:, j]  # bread row j times x_i
    indicator = (clusters[:, None] == np.unique(clusters)[None, :]).astype(float)  # (N, G)
    se_star = np.sqrt(factor * ((indicator.T @ (row_j[:, None] * u_star)) ** 2).sum(axis=0))
    return float(np.mean(np.abs((b_star[j] - beta0) / se_star) >= abs(t) * (1 - 1e-9)))


# ---------------------------------------------------------------- wild cluster bootstrap


def test_cr1_se_matches_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    clusters = np.repeat(np.arange(30), 8)
    X = np.column_stack([np.ones(240), rng.normal(size=(240, 2))])
    y = X @ [1.0, 0.5, 0.0] + rng.normal(size=30)[clusters] + rng.normal(size=240)
    res = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": clusters})
    factor = 30 / 29 * 239 / (240 - 3)
    assert np.allclose(cr1_se(X, res.resid, clusters, factor), res.bse, rtol=1e-10)


def test_wild_reproduces_with_seed_and_changes_with_another(data):
    args = (data["y"], data["X"], data["prov"], 0)
    a = wild_cluster_bootstrap(*args, cr1_factor=data["cr1"], n_boot=999, seed=7, beta0=0.2)
    b = wild_cluster_bootstrap(*args, cr1_factor=data["cr1"], n_boot=999, seed=7, beta0=0.2)
    c = wild_cluster_bootstrap(*args, cr1_factor=data["cr1"], n_boot=999, seed=8, beta0=0.2)
    assert a == b
    assert (a["p_value"], a["conf_low"], a["conf_high"]) != (c["p_value"], c["conf_low"], c["conf_high"])
    assert a["t_stat"] == c["t_stat"] and a["n_boot"] == 999


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_wild_weights_run_and_p_is_one_at_the_estimate(data, weights):
    args = (data["y"], data["X"], data["prov"], 0)
    res = wild_cluster_bootstrap(*args, cr1_factor=data["cr1"], n_boot=999, weights=weights)
    assert res["weights"] == weights and not res["enumerated"]
    assert 0 <= res["p_value"] <= 1 and res["conf_low"] < res["estimate"] < res["conf_high"]
    at = wild_cluster_bootstrap(
        *args, cr1_factor=data["cr1"], n_boot=999, weights=weights, beta0=res["estimate"]
    )
    assert at["p_value"] == pytest.approx(1.0)
    assert np.unique(draw_weights(500, G, weights, 0)).size == (2 if weights == "rademacher" else 6)


def test_wild_interval_edges_sit_at_alpha(data):
    n_boot, seed = 1999, 3
    res = wild_cluster_bootstrap(
        data["y"], data["X"], data["prov"], 0, cr1_factor=data["cr1"], n_boot=n_boot, seed=seed
    )
    V = draw_weights(n_boot, G, "rademacher", np.random.default_rng(seed))  # the same draws
    p = wild_pvalue_function(data["y"], data["X"], data["prov"], 0, cr1_factor=data["cr1"], weight_matrix=V)
    eps = 1e-6 * res["std_error"]
    for edge, inward in ((res["conf_low"], +1), (res["conf_high"], -1)):
        assert p(edge) == pytest.approx(0.05, abs=3 / n_boot)
        assert p(edge + inward * eps) > 0.05 >= p(edge - inward * eps)
    assert p(res["estimate"]) == 1.0


def test_wild_interval_close_to_cr1_with_many_clusters():
    """200 clusters of 5, normal homoskedastic errors: CR1 inference is fine, the wild CI should agree."""
    rng = np.random.default_rng(5)
    g = 200
    clusters = np.repeat(np.arange(g), 5)
    X = rng.normal(size=(1000, 2))
    y = X @ [0.4, -0.1] + rng.normal(size=1000)
    factor = g / (g - 1) * 999 / (1000 - 2)
    res = wild_cluster_bootstrap(y, X, clusters, 0, cr1_factor=factor, n_boot=4999, seed=1)
    b = np.linalg.lstsq(X, y, rcond=None)[0]
    se = np.sqrt(cr1_sandwich(X, y - X @ b, clusters, factor)[0, 0])
    crit = stats.t.ppf(0.975, g - 1)
    assert res["std_error"] == pytest.approx(se, rel=1e-12)
    width = 2 * crit * se
    assert abs(res["conf_low"] - (b[0] - crit * se)) < 0.05 * width
    assert abs(res["conf_high"] - (b[0] + crit * se)) < 0.05 * width


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_wild_equals_slow_reference_exactly(data, weights):
    V = draw_weights(199, G, weights, np.random.default_rng(11))
    y, X, prov = data["y"], data["X"], data["prov"]
    p = wild_pvalue_function(y, X, prov, 0, cr1_factor=data["cr1"], weight_matrix=V)
    for beta0 in (0.0, 0.2, 0.3, 0.35, 0.45):
        assert p(beta0) == reference_wild_p(y, X, prov, 0, beta0, data["cr1"], V)
    res = wild_cluster_bootstrap(y, X, prov, 1, cr1_factor=data["cr1"], weight_matrix=V, beta0=0.1)
    assert res["p_value"] == reference_wild_p(y, X, prov, 1, 0.1, data["cr1"], V)
    assert res["weights"] == "custom" and res["n_boot"] == 199


def test_wild_with_annihilator_equals_refit_with_dummies(data):
    """Passing M_FE makes every bootstrap draw identical to a refit that includes the FE dummies."""
    V = draw_weights(199, G, "rademacher", np.random.default_rng(12))
    y, X, prov = data["y"], data["X"], data["prov"]
    W = np.hstack([data["x_raw"], data["dummies"]])
    reference = {b: reference_wild_p(data["y_raw"], W, prov, 0, b, data["cr1"], V) for b in (0.1, 0.25, 0.4)}
    for annihilator in (data["M"], data["resid"]):
        p = wild_pvalue_function(
            y, X, prov, 0, cr1_factor=data["cr1"], weight_matrix=V, annihilator=annihilator
        )
        for beta0, expected in reference.items():
            assert p(beta0) == expected


def test_wild_few_clusters_enumerates_rademacher():
    rng = np.random.default_rng(3)
    clusters = np.repeat(np.arange(6), 10)
    X = rng.normal(size=(60, 1))
    y = 0.5 * X[:, 0] + rng.normal(size=60)
    res = wild_cluster_bootstrap(y, X, clusters, 0, cr1_factor=1.2, n_boot=999)
    assert res["enumerated"] and res["n_boot"] == 64 and "2^6" in res["note"]
    assert (res["p_value"] * 64) == pytest.approx(round(res["p_value"] * 64))
    webb = wild_cluster_bootstrap(y, X, clusters, 0, cr1_factor=1.2, n_boot=999, weights="webb")
    assert not webb["enumerated"] and webb["n_boot"] == 999


def test_wild_refuses_bad_input(data):
    with pytest.raises(ValueError, match="not a column"):
        wild_cluster_bootstrap(data["y"], data["X"], data["prov"], 5, cr1_factor=1.0)
    y = data["y"].copy()
    y[0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        wild_cluster_bootstrap(y, data["X"], data["prov"], 0, cr1_factor=1.0)
    with pytest.raises(ValueError, match="collinear"):
        wild_cluster_bootstrap(
            data["y"], np.column_stack([data["X"], data["X"][:, 0]]), data["prov"], 0, cr1_factor=1.0
        )
    with pytest.raises(ValueError, match="weights"):
        wild_cluster_bootstrap(data["y"], data["X"], data["prov"], 0, cr1_factor=1.0, weights="normal")


# ---------------------------------------------------------------- randomisation inference


def reference_ri_p(y, xd_raw, x_other, m, idx, beta0, clusters=None) -> np.ndarray:
    """Slow RI: loop over permutations, lstsq of y0 on [M Xd_perm, X_other], optional CR0 t."""
    y0 = y - m @ xd_raw @ beta0
    kd = xd_raw.shape[1]

    def stat(xd):
        W = np.hstack([m @ xd, x_other])
        b = np.linalg.lstsq(W, y0, rcond=None)[0]
        if clusters is None:
            return b[:kd]
        return b[:kd] / np.sqrt(np.diag(cr1_sandwich(W, y0 - W @ b, clusters, 1.0))[:kd])

    obs = np.abs(stat(xd_raw))
    hits = sum((np.abs(stat(xd_raw[rows])) >= obs * (1 - 1e-9)).astype(int) for rows in idx)
    return (1 + hits) / (1 + len(idx))


def test_permutations_stay_within_year(data):
    idx = within_year_permutations(data["year"], 300, np.random.default_rng(0))
    assert idx.shape == (300, len(data["year"]))
    assert (data["year"][idx] == data["year"][None, :]).all()
    assert all(np.array_equal(np.sort(row), np.arange(len(row))) for row in idx)  # bijections
    assert (idx != np.arange(idx.shape[1])).mean() > 0.9  # and they do move rows
    assert np.array_equal(idx, within_year_permutations(data["year"], 300, np.random.default_rng(0)))


@pytest.mark.parametrize("statistic", ["t", "coef"])
def test_ri_equals_slow_reference_and_reproduces(data, statistic):
    y, xd, xo, m, prov = data["y"], data["x_raw"][:, :2], data["X"][:, 2:], data["M"], data["prov"]
    beta0 = np.array([0.25, 0.0])
    kwargs = {"n_perm": 60, "seed": 4, "beta0": beta0, "statistic": statistic, "clusters": prov, "chunk": 25}
    res = randomization_inference(y, xd, xo, m, data["year"], **kwargs)
    idx = within_year_permutations(data["year"], 60, np.random.default_rng(4))
    ref = reference_ri_p(y, xd, xo, m, idx, beta0, prov if statistic == "t" else None)
    assert np.array_equal(res["p_value"].to_numpy(), ref)
    again = randomization_inference(y, xd, xo, data["resid"], data["year"], **kwargs)  # callable M
    assert np.array_equal(again["p_value"].to_numpy(), res["p_value"].to_numpy())
    full = np.linalg.lstsq(np.hstack([xd, data["x_raw"][:, 2:], data["dummies"]]), data["y_raw"], rcond=None)[
        0
    ]
    assert np.allclose(res["estimate"], full[:2], atol=1e-10)
    if statistic == "coef":
        assert np.allclose(res["statistic"], full[:2] - beta0, atol=1e-10)


def test_ri_seed_and_convention(data):
    args = (data["y"], data["x_raw"][:, :1], data["X"][:, 1:], data["M"], data["year"])
    a = randomization_inference(*args, n_perm=200, seed=1, clusters=data["prov"], names=["it"])
    b = randomization_inference(*args, n_perm=200, seed=1, clusters=data["prov"], names=["it"])
    c = randomization_inference(*args, n_perm=200, seed=2, clusters=data["prov"], names=["it"])
    pd.testing.assert_frame_equal(a, b)
    assert a.loc[0, "term"] == "it" and a.loc[0, "n_perm"] == 200
    assert a.loc[0, "p_value"] >= 1 / 201  # observed assignment included
    assert ((a.loc[0, "p_value"] * 201) % 1) == pytest.approx(0, abs=1e-9)
    null = randomization_inference(
        *args, n_perm=200, seed=2, clusters=data["prov"], beta0=a.loc[0, "estimate"]
    )
    assert null.loc[0, "p_value"] == 1.0
    assert not np.array_equal(a["p_value"], c["p_value"]) or a.loc[0, "p_value"] == 1 / 201
    with pytest.raises(ValueError, match="clusters"):
        randomization_inference(*args, n_perm=10)


def test_ri_pvalues_roughly_uniform_under_the_null():
    """True effect 0 and drivers exchangeable within year: p-values over 150 data sets ~ U(0, 1)."""
    pvalues = {"t": [], "coef": []}
    for rep in range(150):
        rng = np.random.default_rng(1000 + rep)
        d = unbalanced_panel(rng, g=40, t=8, beta=0.0)
        for statistic in pvalues:
            res = randomization_inference(
                d["y"],
                d["x_raw"][:, :1],
                None,
                d["resid"],
                d["year"],
                n_perm=99,
                seed=rep,
                statistic=statistic,
                clusters=d["prov"],
            )
            pvalues[statistic].append(res.loc[0, "p_value"])
    for p in pvalues.values():
        p = np.asarray(p)
        assert 0.4 < p.mean() < 0.6
        assert 0.0 <= (p <= 0.05).mean() < 0.12
        assert stats.kstest(p, "uniform").pvalue > 0.001


# ---------------------------------------------------------------- multiple testing


@pytest.mark.parametrize("m", [1, 2, 3, 8, 40])
def test_adjustments_match_statsmodels(m, sm_multipletests):
    multipletests = sm_multipletests
    rng = np.random.default_rng(m)
    p = rng.random(m) ** 3
    p[: m // 3] = p[0]  # ties
    assert np.allclose(holm(p), multipletests(p, method="holm")[1], rtol=0, atol=1e-12)
    assert np.allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=0, atol=1e-12)


def test_adjustments_keep_nan_cap_and_order(sm_multipletests):
    multipletests = sm_multipletests
    p = np.array([0.01, np.nan, 0.04, 0.03, 0.9, 0.005])
    ok = ~np.isnan(p)
    for func, name in ((holm, "holm"), (benjamini_hochberg, "fdr_bh")):
        adj = func(p)
        assert np.isnan(adj[1]) and np.allclose(adj[ok], multipletests(p[ok], method=name)[1], atol=1e-12)
        assert (adj[ok] <= 1).all() and (adj[ok] >= p[ok]).all()
        order = np.argsort(p[ok])
        assert (np.diff(adj[ok][order]) >= 0).all()
    assert holm([]).size == 0 and np.isnan(benjamini_hochberg([np.nan])).all()
    with pytest.raises(ValueError, match="0, 1"):
        holm([0.5, 1.5])


def test_adjust_table_by_family(sm_multipletests):
    multipletests = sm_multipletests
    outcomes = ["procedures", "services", "corruption", "participation"]
    table = pd.DataFrame(
        {
            "term": ["egov"] * 8,
            "method": ["wild"] * 4 + ["cr1"] * 4,
            "outcome": outcomes * 2,
            "p_value": [0.01, 0.04, np.nan, 0.2, 0.003, 0.02, 0.5, 0.04],
        }
    )
    out = adjust(table, method="holm")
    assert list(out.columns) == [*table.columns, "p_holm"] and "p_holm" not in table.columns
    wild = out[out["method"] == "wild"]
    assert np.allclose(wild["p_holm"].iloc[[0, 1, 3]], multipletests([0.01, 0.04, 0.2], method="holm")[1])
    assert np.isnan(wild["p_holm"].iloc[2])
    bh = adjust(table, method="fdr_bh", column="q")
    cr1 = bh[bh["method"] == "cr1"]["q"].to_numpy()
    assert np.allclose(cr1, multipletests([0.003, 0.02, 0.5, 0.04], method="fdr_bh")[1], atol=1e-12)
    with pytest.raises(ValueError, match="more than once"):
        adjust(table, by="term")
    with pytest.raises(ValueError, match="method"):
        adjust(table, method="bonferroni")
