"""parlib.models.cross_section: fit_year / fit_change against statsmodels, pyfixest, exact rational
arithmetic and brute-force permutation loops; guards, dropped provinces, MDE by hand."""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
import statsmodels.api as sm
from scipy import stats

from parlib.models import ModelSpecError, with_controls
from parlib.models.cross_section import all_permutations, fit_change, fit_year, hc_fit, perm_t, permutations
from parlib.panel import load_panel

RTOL_SM, RTOL_PF = 1e-10, 1e-8


@pytest.fixture(scope="module")
def panel(raw):
    return with_controls(load_panel())


def simulated(n: int, seed: int = 3, year: int = 2020) -> pd.DataFrame:
    """n provinces, heteroskedastic errors, a driver correlated with a control, positive weights."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    z = 0.5 * x1 + rng.normal(size=n)
    x2 = rng.gamma(2.0, size=n)
    y = 1 + 0.4 * x1 - 0.2 * x2 + 0.3 * z + (0.5 + np.abs(x1)) * rng.normal(size=n)
    return pd.DataFrame({"province_id": [f"{i:02d}" for i in range(n)], "year": year, "y": y, "x1": x1,
                         "x2": x2, "z": z, "w": rng.uniform(0.5, 3.0, n)})  # fmt: skip


def rows(res, method: str) -> pd.DataFrame:
    return res.table[res.table["method"] == method].set_index("term")


def assert_matches_statsmodels(res, y: str, terms: list[str], weights: str | None) -> None:
    d = res.data
    x = sm.add_constant(d[terms].to_numpy(float))
    model = (
        sm.WLS(d[y].to_numpy(float), x, weights=d[weights]) if weights else sm.OLS(d[y].to_numpy(float), x)
    )
    for cov in ("HC1", "HC3"):
        ref = model.fit(cov_type=cov, use_t=True)
        ours = rows(res, cov.lower()).loc[terms]
        np.testing.assert_allclose(ours["estimate"], ref.params[1:], rtol=RTOL_SM)
        np.testing.assert_allclose(ours["std_error"], ref.bse[1:], rtol=RTOL_SM)
        np.testing.assert_allclose(ours["p_value"], ref.pvalues[1:], rtol=RTOL_SM)
        np.testing.assert_allclose(ours[["conf_low", "conf_high"]], ref.conf_int()[1:], rtol=RTOL_SM)
        assert (ours["df"] == ref.df_resid).all() and ref.df_resid == len(d) - len(terms) - 1


def assert_matches_pyfixest(res, y: str, terms: list[str], weights: str | None) -> None:
    d = res.data.rename(columns={t: f"v{i}" for i, t in enumerate(terms)})
    formula = f"{y} ~ " + " + ".join(f"v{i}" for i in range(len(terms)))
    ref = pf.feols(formula, data=d, vcov="hetero", weights=weights)
    ours = rows(res, "hc1").loc[terms]
    np.testing.assert_allclose(ours["estimate"], ref.coef().to_numpy()[1:], rtol=RTOL_PF)
    np.testing.assert_allclose(ours["std_error"], ref.se().to_numpy()[1:], rtol=RTOL_PF)
    np.testing.assert_allclose(ours["p_value"], ref.pvalue().to_numpy()[1:], rtol=RTOL_PF)
    np.testing.assert_allclose(ours[["conf_low", "conf_high"]], ref.confint().to_numpy()[1:], rtol=RTOL_PF)


@pytest.mark.parametrize("weights", [None, "gso_population"])
def test_year_matches_statsmodels_and_pyfixest_on_real_panel(panel, weights):
    drivers = ["papi_admin_procedures", "papi_transparency"]
    res = fit_year(panel, "par_index_total", drivers, 2012, weights=weights, n_perm=99)
    assert res.n == 19 and res.spec["label"] == "cross-section 2012" and res.spec["design"] == "cross-section"
    assert_matches_statsmodels(res, "par_index_total", drivers, weights)
    assert_matches_pyfixest(res, "par_index_total", drivers, weights)
    # lagged drivers by calendar year: SIPAS 2017 (12 provinces) on the PAPI of 2016
    lagged = fit_year(
        panel, "sipas_total", ["papi_admin_procedures"], 2017, lag=1, weights=weights, n_perm=99
    )
    assert lagged.drivers == ["papi_admin_procedures_lag1"] and lagged.n == 12
    src = panel[panel["year"] == 2016].set_index("province_id")["papi_admin_procedures"]
    d = lagged.data.set_index("province_id")
    np.testing.assert_array_equal(d["papi_admin_procedures_lag1"], src.loc[d.index])
    assert_matches_statsmodels(lagged, "sipas_total", ["papi_admin_procedures_lag1"], weights)
    assert_matches_pyfixest(lagged, "sipas_total", ["papi_admin_procedures_lag1"], weights)


@pytest.mark.parametrize("weights", [None, "gso_population"])
def test_change_matches_statsmodels_and_pyfixest_on_real_panel(panel, weights):
    res = fit_change(panel, "papi_total", 2018, 2020, ["gso_grdp_per_capita"],
                     controls=["gso_log_population"], weights=weights, n_perm=99)  # fmt: skip
    terms = ["gso_grdp_per_capita_change", "gso_log_population_2018"]
    assert res.terms == terms and res.spec["label"] == "long difference 2018-2020"
    assert_matches_statsmodels(res, "papi_total", terms, weights)
    assert_matches_pyfixest(res, "papi_total", terms, weights)
    at = {yr: panel[panel["year"] == yr].set_index("province_id") for yr in (2018, 2020)}
    d = res.data.set_index("province_id")
    change = at[2020]["papi_total"] - at[2018]["papi_total"]
    np.testing.assert_allclose(d["papi_total"], change.loc[d.index], rtol=1e-14)
    grdp = at[2020]["gso_grdp_per_capita"] - at[2018]["gso_grdp_per_capita"]
    np.testing.assert_allclose(d["gso_grdp_per_capita_change"], grdp.loc[d.index], rtol=1e-14)
    assert (d["year"] == 2020).all() and len(d) == change.notna().sum() == 61


@pytest.mark.parametrize("weights", [None, "w"])
def test_simulated_matches_statsmodels_and_pyfixest(weights):
    df = simulated(30)
    res = fit_year(df, "y", ["x1", "x2"], 2020, controls=["z"], weights=weights, n_perm=99)
    assert_matches_statsmodels(res, "y", ["x1", "x2", "z"], weights)
    assert_matches_pyfixest(res, "y", ["x1", "x2", "z"], weights)


def test_hc_equals_exact_rational_arithmetic_where_statsmodels_drifts(panel):
    """Population both as control and weight (ill-conditioned): statsmodels' pinv drifts ~1e-10, the QR
    path stays within 1e-12 of the exact fractions (HC1 and HC3 computed with Fraction)."""
    res = fit_year(panel, "par_index_total", ["papi_transparency"], 2012, controls=["gso_population"],
                   weights="gso_population", n_perm=9)  # fmt: skip
    d = res.data
    x = [
        [Fraction(1), Fraction(a), Fraction(b)]
        for a, b in zip(d["papi_transparency"], d["gso_population"], strict=True)
    ]
    y, w = [Fraction(v) for v in d["par_index_total"]], [Fraction(v) for v in d["gso_population"]]
    n, k = len(y), 3
    xtwx = [[sum(w[i] * x[i][a] * x[i][b] for i in range(n)) for b in range(k)] for a in range(k)]
    aug = [[*row, *(Fraction(int(i == j)) for j in range(k))] for i, row in enumerate(xtwx)]
    for c in range(k):  # Gauss-Jordan in exact arithmetic
        aug[c] = [v / aug[c][c] for v in aug[c]]
        for i in range(k):
            if i != c:
                aug[i] = [a - aug[i][c] * b for a, b in zip(aug[i], aug[c], strict=True)]
    inv = [row[k:] for row in aug]
    rows_ = [[sum(inv[a][c] * x[i][c] for c in range(k)) for i in range(n)] for a in range(k)]
    beta = [sum(rows_[a][i] * w[i] * y[i] for i in range(n)) for a in range(k)]
    e = [y[i] - sum(x[i][a] * beta[a] for a in range(k)) for i in range(n)]
    h = [w[i] * sum(x[i][a] * rows_[a][i] for a in range(k)) for i in range(n)]
    hc1 = [sum((rows_[a][i] * w[i] * e[i]) ** 2 for i in range(n)) * Fraction(n, n - k) for a in range(k)]
    hc3 = [sum((rows_[a][i] * w[i] * e[i] / (1 - h[i])) ** 2 for i in range(n)) for a in range(k)]
    for method, exact in (("hc1", hc1), ("hc3", hc3)):
        np.testing.assert_allclose(rows(res, method)["std_error"], np.sqrt([float(v) for v in exact[1:]]),
                                   rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(rows(res, "hc1")["estimate"], [float(b) for b in beta[1:]], rtol=1e-12)
    ref = sm.WLS(d["par_index_total"], sm.add_constant(d[["papi_transparency", "gso_population"]]),
                 weights=d["gso_population"]).fit(cov_type="HC3")  # fmt: skip
    np.testing.assert_allclose(rows(res, "hc3")["std_error"], ref.bse[1:], rtol=1e-8)


def hc3_t_slow(y: np.ndarray, x: np.ndarray, w: np.ndarray | None, j: int) -> float:
    """HC3 t of column j by the textbook formulas (explicit hat matrix), intercept added."""
    s = np.ones(len(y)) if w is None else np.sqrt(w)
    xs = s[:, None] * np.column_stack([np.ones(len(y)), x])
    ys = s * y
    inv = np.linalg.inv(xs.T @ xs)
    beta = inv @ xs.T @ ys
    u = ys - xs @ beta
    h = np.diag(xs @ inv @ xs.T)
    cov = inv @ xs.T @ np.diag((u / (1 - h)) ** 2) @ xs @ inv
    return beta[j + 1] / np.sqrt(cov[j + 1, j + 1])


@pytest.mark.parametrize("weights", [None, "w"])
def test_exact_permutation_p_equals_brute_force_loop(weights):
    df = simulated(7, seed=11)
    res = fit_year(df, "y", ["x1"], 2020, controls=["z"], weights=weights)
    y, x = df["y"].to_numpy(), df[["x1", "z"]].to_numpy()
    w = df["w"].to_numpy() if weights else None
    t_obs = hc3_t_slow(y, x, w, 0)
    assert rows(res, "hc3").loc["x1", "estimate"] / rows(res, "hc3").loc["x1", "std_error"] == pytest.approx(
        t_obs, rel=1e-10
    )
    count = 0
    for perm in itertools.permutations(range(7)):
        xp = x.copy()
        xp[:, 0] = x[list(perm), 0]
        count += abs(hc3_t_slow(y, xp, w, 0)) >= abs(t_obs) * (1 - 1e-9)
    assert rows(res, "perm").loc["x1", "p_value"] == count / 5040
    assert res.spec["exact"] and res.spec["n_perm"] == 5040 and res.spec["perm_mc_se"] == {"x1": 0.0}
    assert any("exact (all n! permutations" in n for n in res.notes)
    assert np.isnan(rows(res, "perm")[["std_error", "conf_low", "conf_high", "df", "mde"]].to_numpy()).all()


def test_monte_carlo_p_value_and_its_error():
    df = simulated(14, seed=5)
    res = fit_year(df, "y", ["x1", "x2"], 2020, controls=["z"], n_perm=999, seed=4)
    y, x = df["y"].to_numpy(), df[["x1", "x2", "z"]].to_numpy()
    idx, exact = permutations(14, 999, 4)
    assert not exact and idx.shape == (999, 14)
    for j, term in enumerate(["x1", "x2"]):
        t_obs = hc3_t_slow(y, x, None, j)
        count = 0
        for perm in idx:
            xp = x.copy()
            xp[:, j] = x[perm, j]
            count += abs(hc3_t_slow(y, xp, None, j)) >= abs(t_obs) * (1 - 1e-9)
        p = (1 + count) / 1000
        assert rows(res, "perm").loc[term, "p_value"] == pytest.approx(p, abs=1e-15)
        assert res.spec["perm_mc_se"][term] == pytest.approx(np.sqrt(p * (1 - p) / 999), rel=1e-12)
        assert f"{term} {res.spec['perm_mc_se'][term]:.4f}" in res.notes[0]
    assert "999 random permutations (seed 4); Monte Carlo se of p" in res.notes[0]
    again = fit_year(df, "y", ["x1", "x2"], 2020, controls=["z"], n_perm=999, seed=4)
    other = fit_year(df, "y", ["x1", "x2"], 2020, controls=["z"], n_perm=999, seed=5)
    assert again.table.equals(res.table) and not other.table.equals(res.table)


def test_permutation_helpers():
    assert (all_permutations(7) == np.array(list(itertools.permutations(range(7))))).all()
    df = simulated(20, seed=2)
    y, x, w = df["y"].to_numpy(), df[["x1", "x2", "z"]].to_numpy(), df["w"].to_numpy()
    fit = hc_fit(y, x, w)
    for j in range(3):  # the identity permutation gives the HC3 t of the fit
        assert perm_t(y, x, j, np.arange(20)[None], w)[0] == pytest.approx(
            fit.beta[j] / fit.hc3[j], rel=1e-12
        )
    idx = permutations(20, 5, 0)[0]
    slow = [hc3_t_slow(y, np.column_stack([x[p, 0], x[:, 1:]]), w, 0) for p in idx]
    np.testing.assert_allclose(perm_t(y, x, 0, idx, w), slow, rtol=1e-10)


def test_nine_provinces_enumerate_all_permutations_quickly():
    df = simulated(9, seed=8)
    start = time.perf_counter()
    res = fit_year(df, "y", ["x1"], 2020)
    elapsed = time.perf_counter() - start
    assert res.spec["exact"] and res.spec["n_perm"] == 362880 and elapsed < 3.0


def test_mde_equals_hand_computation():
    df = simulated(16, seed=9)
    res = fit_year(df, "y", ["x1", "x2"], 2020, controls=["z"], weights="w", n_perm=99, level=0.9)
    s = np.sqrt(df["w"].to_numpy())
    xs = s[:, None] * np.column_stack([np.ones(16), df[["x1", "x2", "z"]].to_numpy()])
    ys = s * df["y"].to_numpy()
    beta, rss = np.linalg.lstsq(xs, ys, rcond=None)[:2]
    se = np.sqrt(np.diag(np.linalg.inv(xs.T @ xs)) * rss[0] / (16 - 4))[1:]
    hand = (stats.t.ppf(0.95, 12) + stats.t.ppf(0.80, 12)) * se
    for method in ("hc1", "hc3"):
        np.testing.assert_allclose(rows(res, method)["mde"], hand, rtol=1e-10)
    np.testing.assert_allclose([res.spec["mde"][t] for t in ("x1", "x2", "z")], hand, rtol=1e-10)
    assert res.spec["intercept"] == pytest.approx(beta[0], rel=1e-10)


def test_too_few_provinces_refused_with_the_count(panel):
    with pytest.raises(ModelSpecError) as err:  # SIPAS 2019: five provinces
        fit_year(panel, "sipas_total", ["papi_admin_procedures"], 2019)
    msg = str(err.value)
    assert "5 provinces with complete data; this design needs at least 6: 1 more" in msg
    assert f"outcome sipas_total missing: {panel[panel['year'] == 2019]['province_id'].nunique() - 5}." in msg
    df = simulated(7)  # five coefficients (incl. the intercept) need n - k >= 3: eight provinces
    with pytest.raises(
        ModelSpecError, match="7 provinces with complete data; this design needs at least 8: 1 more"
    ):
        fit_year(df, "y", ["x1", "x2"], 2020, controls=["z", "w"])


def test_a_year_without_the_outcome_is_too_few_not_a_break(panel):
    """SIPAS was not published for 2020: the era of 2020 is unknown, and the refusal says why."""
    with pytest.raises(ModelSpecError) as err:
        fit_change(panel, "sipas_total", 2017, 2020, ["papi_admin_procedures"], driver_values="start")
    msg = str(err.value)
    assert "0 provinces with complete data" in msg and "outcome sipas_total missing in 2020" in msg
    assert "method break" not in msg


def test_change_across_a_method_break_refused_then_allowed(panel):
    with pytest.raises(ModelSpecError) as err:
        fit_change(panel, "papi_total", 2011, 2020, ["gso_grdp_per_capita"], driver_values="start")
    msg = str(err.value)
    for part in ("2011 is in the 2011-2015 method era", "2020 in 2018-2020", "mixes reform and method",
                 "standardize='within_year'", "allow_break=True"):  # fmt: skip
        assert part in msg
    z = fit_change(panel, "papi_total", 2011, 2020, ["pci_total"], driver_values="start",
                   standardize="within_year", n_perm=99)  # fmt: skip
    assert "standardized within year" in z.notes[0] and z.spec["crosses_break"] and not z.spec["allow_break"]
    at = {yr: panel[panel["year"] == yr].set_index("province_id")["papi_total"] for yr in (2011, 2020)}
    ids = z.data["province_id"]
    zs = [(at[yr].loc[ids] - at[yr].loc[ids].mean()) / at[yr].loc[ids].std() for yr in (2011, 2020)]
    np.testing.assert_allclose(z.data["papi_total"], (zs[1] - zs[0]).to_numpy(), rtol=1e-12, atol=1e-14)
    forced = fit_change(panel, "papi_total", 2011, 2020, ["pci_total"], driver_values="start",
                        allow_break=True, n_perm=99)  # fmt: skip
    assert forced.spec["allow_break"] and "allowed by allow_break=True" in forced.notes[0]
    assert "allow_break=True" in forced.summary()
    within = fit_change(panel, "papi_total", 2018, 2020, ["gso_grdp_per_capita"], n_perm=99)
    assert not within.spec["crosses_break"]


def test_overlap_unknown_and_collinear_refused(panel):
    with pytest.raises(ModelSpecError, match="overlaps the outcome"):
        fit_year(panel, "papi_total", ["papi_e_governance"], 2020)
    with pytest.raises(ModelSpecError, match="overlaps the outcome"):
        fit_change(panel, "papi_total", 2018, 2020, ["papi_e_governance"])
    with pytest.raises(ModelSpecError, match="unknown column"):
        fit_change(panel, "papi_total", 2018, 2020, ["driver_nothing"])
    df = simulated(12).assign(x3=lambda d: 2 * d["x1"] - d["z"])
    with pytest.raises(ModelSpecError, match="collinear"):
        fit_year(df, "y", ["x1", "x3"], 2020, controls=["z"])


def test_period_drivers_frame_dropped_provinces_and_sources(panel):
    ids = sorted(panel["province_id"].unique())
    frame = pd.DataFrame({"province_id": [*ids[:30], "99"]})
    frame["driver_staff_cut_pct_admin_agencies"] = np.r_[np.linspace(2, 15, 30), 5.0]
    frame.loc[[3, 4], "driver_staff_cut_pct_admin_agencies"] = np.nan
    frame["source_staff_cut_pct_admin_agencies"] = [f"report {i}" for i in range(31)]
    drivers = ["driver_staff_cut_pct_admin_agencies", "gso_grdp_per_capita"]
    res = fit_change(panel, "papi_total", 2018, 2020, drivers, period_drivers=frame, n_perm=99)
    at = {yr: panel[panel["year"] == yr].set_index("province_id")["papi_total"] for yr in (2018, 2020)}
    expected = {"99": ("not in the panel", 2020)}
    for p in ids:
        if pd.isna(at[2018].get(p)):
            expected[p] = ("outcome papi_total missing in 2018", 2018)
        elif pd.isna(at[2020].get(p)):
            expected[p] = ("outcome papi_total missing in 2020", 2020)
        elif p in ids[3:5] or p in ids[30:]:
            expected[p] = (
                "driver driver_staff_cut_pct_admin_agencies missing in period_drivers (2018-2020)",
                2020,
            )
    got = {p: (r, y) for p, r, y in res.dropped[["province_id", "reason", "year"]].itertuples(index=False)}
    assert got == expected and len(res.data) == len(ids) - len(expected) + 1
    d = res.data.set_index("province_id")
    src = frame.set_index("province_id")
    assert (
        d["source_staff_cut_pct_admin_agencies"] == src.loc[d.index, "source_staff_cut_pct_admin_agencies"]
    ).all()
    np.testing.assert_array_equal(d["driver_staff_cut_pct_admin_agencies"],
                                  src.loc[d.index, "driver_staff_cut_pct_admin_agencies"])  # fmt: skip
    assert res.drivers == ["driver_staff_cut_pct_admin_agencies", "gso_grdp_per_capita_change"]
    assert_matches_statsmodels(res, "papi_total", res.terms, None)


def test_start_levels_within_and_summary(panel):
    res = fit_change(panel, "papi_e_governance", 2018, 2020, ["gso_grdp_per_capita"],
                     controls=["gso_log_population"], driver_values="start", n_perm=99)  # fmt: skip
    assert res.terms == ["gso_grdp_per_capita_2018", "gso_log_population_2018"]
    lvl = panel[panel["year"] == 2018].set_index("province_id")["gso_grdp_per_capita"]
    d = res.data.set_index("province_id")
    np.testing.assert_array_equal(d["gso_grdp_per_capita_2018"], lvl.loc[d.index])
    part = res.within("gso_grdp_per_capita_2018")
    slope = np.polyfit(part["gso_grdp_per_capita_2018"], part["papi_e_governance"], 1)[0]
    assert slope == pytest.approx(part.attrs["slope"], rel=1e-9)
    text = res.summary()
    assert "long difference 2018-2020" in text and "driver_values=start" in text and "perm" in text
    keys = (
        "label design shown n_obs n_provinces n_years first_year last_year level start end seed n_perm exact"
    )
    assert set(keys.split()) | {"weights", "standardize", "perm_mc_se", "mde"} <= set(res.spec)
