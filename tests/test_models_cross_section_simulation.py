"""Monte Carlo: HC3 intervals and the studentized permutation test of fit_year / fit_change hold their level.

Two designs shaped like ours, each with REPLICATIONS = 1,000 seeded replications, batched across
replications with the module's array-level functions (``hc_fit``, ``perm_t``, ``permutations``: the
code the public functions run), and three replications re-run through ``fit_year`` /
``fit_change`` to prove the batched path gives the same numbers:

* cross-section: 30 provinces, a bounded driver x ~ U(0, 20) (like a percent staff cut),
  population-like weights w ~ lognormal(0, 0.5), error sd (1 + 0.1 x) / sqrt(w) (heteroskedastic
  in the driver; survey noise shrinking with size), beta = 0.1; weighted least squares;
* long difference: 40 provinces, the change of the outcome on a period driver (U(0, 20) plus
  0.4 x the centred baseline level y0 ~ N(50, 5), so correlated with the control y0), error sd
  1 + 0.1 |driver|, beta = -0.15.

For each: the share of 95% HC3 intervals covering beta, and the rejection rate at 5% of the
permutation test of the sharp null beta = beta0 (outcome minus beta0 x driver, tested at 0;
N_PERM = 399 random permutations each). The error variance depends on the driver, so the sharp
null is false while beta = beta0 holds: the studentized statistic is what keeps the size. Bands:
[0.93, 0.97] and [0.03, 0.07]; with 1,000 replications the Monte Carlo se is 0.0069 at 0.95 and
at 0.05, so the bands are +-2.9 se.

Measured here (seed 20260): cross-section coverage 0.948, permutation rejection 0.062; long
difference 0.953, 0.056. With 4,000 replications (two other seeds): cross-section 0.948 / 0.950
and 0.056 / 0.052, long difference 0.954 / 0.950 and 0.055 / 0.057; homoskedastic errors 0.947-0.952
and 0.051-0.053 (n = 12-30). Caution, also measured with 4,000 replications: with a normal
(unbounded) driver and error sd 1 + 0.5 |x| (large errors at the high-leverage provinces), HC3
covers 0.935-0.946 and the permutation test rejects 0.059-0.071 at n = 12-40; with sd 0.5 + |x|
and uneven weights (lognormal(0, 0.7)) at n = 25, 0.923 and 0.077-0.083. Studentization makes
the test valid asymptotically, not at any n. About 7 s of tests on the 2-core machine
(plus pytest's start-up).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from parlib.models.cross_section import fit_change, fit_year, hc_fit, perm_t, permutations

pytestmark = pytest.mark.slow

REPLICATIONS, N_PERM, SEED, BLOCK = 1000, 399, 20260, 100
N_CROSS, N_CHANGE = 30, 40
CHECKED = (0, 1, 2)  # replications re-run through the public functions


def cross_section(rng: np.random.Generator, beta: float = 0.1, n: int = N_CROSS) -> dict:
    x = rng.uniform(0, 20, size=(REPLICATIONS, n))
    w = rng.lognormal(0.0, 0.5, size=(REPLICATIONS, n))
    y = 1.0 + beta * x + (1 + 0.1 * x) / np.sqrt(w) * rng.normal(size=(REPLICATIONS, n))
    return dict(y=y, x=x[..., None], w=w, beta=beta)


def long_difference(rng: np.random.Generator, beta: float = -0.15, n: int = N_CHANGE) -> dict:
    y0 = rng.normal(50, 5, size=(REPLICATIONS, n))
    cut = rng.uniform(0, 20, size=(REPLICATIONS, n)) + 0.4 * (y0 - 50)
    dy = 1 - 0.2 * (y0 - 50) + beta * cut + (1 + 0.1 * np.abs(cut)) * rng.normal(size=(REPLICATIONS, n))
    return dict(y=dy, x=np.stack([cut, y0], axis=-1), w=None, beta=beta)


def batched(sim: dict) -> dict:
    """Coverage of the HC3 interval and permutation p-values of the sharp null, for every replication."""
    y, x, w, beta = sim["y"], sim["x"], sim["w"], sim["beta"]
    fit = hc_fit(y, x, w)
    crit = stats.t.ppf(0.975, fit.df)
    covered = np.abs(fit.beta[:, 0] - beta) <= crit * fit.hc3[:, 0]
    y0 = y - beta * x[..., 0]
    null = hc_fit(y0, x, w)
    t_obs = null.beta[:, 0] / null.hc3[:, 0]
    n = y.shape[1]
    idx = np.stack([permutations(n, N_PERM, SEED + r)[0] for r in range(REPLICATIONS)])
    p = np.empty(REPLICATIONS)
    for s in range(0, REPLICATIONS, BLOCK):
        blk = slice(s, s + BLOCK)
        t = perm_t(y0[blk], x[blk], 0, idx[blk], None if w is None else w[blk])
        extreme = (~(np.abs(t) < np.abs(t_obs[blk, None]) * (1 - 1e-9))).sum(axis=1)
        p[blk] = (1 + extreme) / (1 + N_PERM)
    return dict(fit=fit, covered=covered, p=p)


@pytest.fixture(scope="module")
def designs() -> dict:
    rng = np.random.default_rng(SEED)
    sims = {"cross-section": cross_section(rng), "long difference": long_difference(rng)}
    return {name: (sim, batched(sim)) for name, sim in sims.items()}


@pytest.mark.parametrize("design", ["cross-section", "long difference"])
def test_hc3_coverage_and_permutation_size(designs, design):
    _, out = designs[design]
    coverage, size = out["covered"].mean(), (out["p"] <= 0.05).mean()
    print(f"{design}: HC3 coverage {coverage:.3f}, permutation rejection {size:.3f}")
    assert 0.93 <= coverage <= 0.97
    assert 0.03 <= size <= 0.07


def test_batched_path_equals_fit_year(designs):
    sim, out = designs["cross-section"]
    for r in CHECKED:
        ids = [f"{i:02d}" for i in range(N_CROSS)]
        frame = pd.DataFrame({"province_id": ids, "year": 2020, "y": sim["y"][r], "x": sim["x"][r, :, 0],
                              "w": sim["w"][r]})  # fmt: skip
        frame["y0"] = frame["y"] - sim["beta"] * frame["x"]
        res = fit_year(frame, "y", ["x"], 2020, weights="w", n_perm=N_PERM, seed=SEED + r)
        hc3 = res.table[res.table["method"] == "hc3"].iloc[0]
        assert hc3["std_error"] == pytest.approx(out["fit"].hc3[r, 0], rel=1e-12)
        assert hc3["estimate"] == pytest.approx(out["fit"].beta[r, 0], rel=1e-12)
        assert bool(hc3["conf_low"] <= sim["beta"] <= hc3["conf_high"]) == out["covered"][r]
        null = fit_year(frame, "y0", ["x"], 2020, weights="w", n_perm=N_PERM, seed=SEED + r)
        assert null.table.loc[null.table["method"] == "perm", "p_value"].iloc[0] == out["p"][r]


def test_batched_path_equals_fit_change(designs):
    sim, out = designs["long difference"]
    for r in CHECKED:
        ids = [f"{i:02d}" for i in range(N_CHANGE)]
        dx, y0 = sim["x"][r, :, 0], sim["x"][r, :, 1]
        periods = pd.DataFrame({"province_id": ids, "driver_dx": dx})
        for outcome_change, key in ((sim["y"][r], "fit"), (sim["y"][r] - sim["beta"] * dx, "null")):
            start = pd.DataFrame({"province_id": ids, "year": 2018, "y": y0, "c": y0})
            end = pd.DataFrame({"province_id": ids, "year": 2020, "y": y0 + outcome_change, "c": 0.0})
            panel = pd.concat([start, end])
            res = fit_change(panel, "y", 2018, 2020, ["driver_dx"], controls=["c"], period_drivers=periods,
                             n_perm=N_PERM, seed=SEED + r)  # fmt: skip
            assert res.terms == ["driver_dx", "c_2018"]
            np.testing.assert_allclose(res.data["y"], outcome_change, rtol=1e-12, atol=1e-11)
            if key == "fit":
                hc3 = res.table[res.table["method"] == "hc3"].iloc[0]
                assert hc3["std_error"] == pytest.approx(out["fit"].hc3[r, 0], rel=1e-10)
                assert bool(hc3["conf_low"] <= sim["beta"] <= hc3["conf_high"]) == out["covered"][r]
            else:
                assert res.table.loc[res.table["method"] == "perm", "p_value"].iloc[0] == out["p"][r]
