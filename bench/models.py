"""Time the regression inference on a synthetic 63 x 14 unbalanced panel (figures printed, no assertions).

Targets (issue 4): two-way fixed effects with CR1 < 50 ms, wild cluster bootstrap with 9,999 draws
including the test-inversion interval < 5 s, randomisation inference with 5,000 permutations < 5 s.

Issue 9: parlib against pyfixest 0.60 in the same run, side by side (times and ratio): TWFE + CRV1
from the panel, and the wild cluster bootstrap with 9,999 draws (pyfixest runs wildboottest's
numba WCR11, p-value only; parlib is timed for its p-value alone and with the test-inversion
interval); then CR2 with Bell-McCaffrey df, and the one-row-per-province designs (a long
difference with 9,999 permutations; a 9-province cross-section with all 9! permutations).

Run: .venv/bin/python bench/models.py   (or `make bench`)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from parlib.models.permutation import randomization_inference
from parlib.models.wild import cr1_se, wild_cluster_bootstrap

G, T, FIRST_YEAR = 63, 14, 2011


def synthetic_panel(seed: int = 0) -> pd.DataFrame:
    """63 provinces x 2011-2024, about 10% of province-years missing, a driver and two controls."""
    rng = np.random.default_rng(seed)
    prov, year = np.repeat(np.arange(G), T), np.tile(np.arange(T), G)
    keep = rng.random(G * T) > 0.1
    prov, year = prov[keep], year[keep]
    alpha, lam = rng.normal(size=G), rng.normal(size=T)
    x = 0.5 * alpha[prov, None] + 0.5 * lam[year, None] + rng.normal(size=(len(prov), 3))
    y = alpha[prov] + lam[year] + x @ [0.5, 0.1, -0.2] + rng.normal(size=len(prov))
    return pd.DataFrame(
        {
            "province_id": [f"P{p:02d}" for p in prov],
            "year": FIRST_YEAR + year,
            "bench_outcome": y,
            "bench_driver": x[:, 0],
            "bench_control_a": x[:, 1],
            "bench_control_b": x[:, 2],
        }
    )


def timed(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time in seconds over ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def own_twfe(panel: pd.DataFrame) -> dict:
    """TWFE by QR of the dummy matrix + CR1 (the contract formula): the arrays the inference needs."""
    prov = pd.factorize(panel["province_id"])[0]
    year = pd.factorize(panel["year"])[0]
    n, n_years = len(panel), year.max() + 1
    dummies = np.hstack(
        [
            (prov[:, None] == np.arange(G)).astype(float),
            (year[:, None] == np.arange(1, n_years)).astype(float),
        ]
    )
    q, _ = np.linalg.qr(dummies)

    def resid(v: np.ndarray) -> np.ndarray:
        return v - q @ (q.T @ v)

    x_raw = panel[["bench_driver", "bench_control_a", "bench_control_b"]].to_numpy()
    y, X = resid(panel["bench_outcome"].to_numpy()), resid(x_raw)
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    factor = G / (G - 1) * (n - 1) / (n - X.shape[1] - n_years)  # fixest's K
    se = cr1_se(X, y - X @ beta, prov, factor)
    return dict(y=y, X=X, x_raw=x_raw, prov=prov, year=year, resid=resid, factor=factor, beta=beta, se=se)


def versus_pyfixest(panel: pd.DataFrame) -> None:
    """parlib and pyfixest on the same panel, same model, in this process: medians and the ratio."""
    import warnings

    from parlib.models import fit
    from parlib.models.wild import draw_weights, wild_pvalue_function

    try:
        import pyfixest as pf
    except ImportError:
        print("pyfixest not installed (pip install -e '.[dev]'): no side-by-side figures")
        return
    warnings.simplefilter("ignore")
    data = panel.assign(cluster=pd.factorize(panel["province_id"])[0])  # numeric: wildboottest's numba
    formula = "bench_outcome ~ bench_driver + bench_control_a + bench_control_b | province_id + year"
    controls = ["bench_control_a", "bench_control_b"]

    def ours():
        return fit(data, "bench_outcome", ["bench_driver"], controls=controls, lag=0)

    def theirs():
        return pf.feols(formula, data=data, vcov={"CRV1": "cluster"})

    ours(), theirs()  # warm-up
    a, res = timed(ours, 20)
    b, model = timed(theirs, 20)
    print(f"TWFE + CRV1 from the panel: parlib {a * 1000:.1f} ms, pyfixest {b * 1000:.1f} ms, "
          f"pyfixest / parlib = {b / a:.2f}  [SE {res.table.loc[0, 'std_error']:.6f} vs "
          f"{model.se()['bench_driver']:.6f}]")  # fmt: skip

    start = time.perf_counter()
    model.wildboottest(param="bench_control_a", reps=9999, seed=1)  # true 0.1: a p-value away from 0
    compile_s = time.perf_counter() - start
    b, boot = timed(lambda: model.wildboottest(param="bench_control_a", reps=9999, seed=1), 3)
    clusters = data["cluster"].to_numpy()
    v = draw_weights(9999, G, "rademacher", 1)

    def p_only():
        return wild_pvalue_function(res._y, res._x, clusters, 1, cr1_factor=res.spec["cr1_factor"],
                                    weight_matrix=v)(0.0)  # fmt: skip

    a, p = timed(p_only, 3)
    c, _ = timed(lambda: fit(data, "bench_outcome", ["bench_driver"], controls=controls, lag=0,
                             inference=("cr1", "wild"), n_boot=9999, seed=1), 3)  # fmt: skip
    print(f"wild cluster bootstrap of bench_control_a, 9,999 Rademacher draws: parlib p-value {a:.3f} s, "
          f"pyfixest (wildboottest, numba) {b:.3f} s, pyfixest / parlib = {b / a:.1f}; parlib fit with the "
          f"test-inversion interval {c:.3f} s (pyfixest / parlib {b / c:.1f}); pyfixest's first call "
          f"(numba compile) {compile_s:.1f} s  [p {p:.4f} vs {float(boot['Pr(>|t|)']):.4f}]")  # fmt: skip


def other_designs(panel: pd.DataFrame) -> None:
    """CR2 in the panel, and the one-row-per-province designs with their permutation tests."""
    from parlib.models import fit, fit_change, fit_year

    controls = ["bench_control_a", "bench_control_b"]
    s, _ = timed(lambda: fit(panel, "bench_outcome", ["bench_driver"], controls=controls, lag=0,
                             inference=("cr1", "cr2")), 10)  # fmt: skip
    print(f"TWFE + CR1 + CR2 (Bell-McCaffrey df): {s * 1000:.1f} ms")
    s, _ = timed(lambda: fit_change(panel, "bench_outcome", 2011, 2024, ["bench_driver"], n_perm=9999), 3)
    n = panel["province_id"].nunique()
    print(f"long difference 2011-2024, {n} provinces, 9,999 permutations: {s:.3f} s")
    observed = sorted(panel.loc[panel["year"] == 2024, "province_id"].unique())[:9]
    nine = panel[panel["province_id"].isin(observed)]
    s, res = timed(lambda: fit_year(nine, "bench_outcome", ["bench_driver"], 2024), 3)
    print(f"cross-section of {res.n} provinces, all {res.spec['n_perm']:,} permutations (exact): {s:.3f} s")


def main() -> None:
    panel = synthetic_panel()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"panel: {len(panel)} province-years, {G} provinces, {T} years; K = 3 (driver + 2 controls)")

    try:
        from parlib.models import fit
    except ImportError as err:
        fit = None
        print(f"parlib.models.fit not importable ({err}); timing the bench's own TWFE instead")
    if fit is not None:
        base = dict(controls=["bench_control_a", "bench_control_b"], fe=("province", "year"), lag=0)
        runs = [
            ("TWFE + CR1 (lag 0)", ("cr1",), 20, "  (target < 50 ms)"),
            ("cr1 + wild (9,999 draws, CI)", ("cr1", "wild"), 1, ""),
            ("cr1 + ri (5,000 permutations)", ("cr1", "ri"), 1, ""),
        ]
        for label, inference, repeat, target in runs:
            kwargs = dict(base, inference=inference)
            try:
                fit(panel, "bench_outcome", ["bench_driver"], **kwargs)  # warm-up (and first failure)
                s, _ = timed(lambda kw=kwargs: fit(panel, "bench_outcome", ["bench_driver"], **kw), repeat)
                print(f"parlib.models.fit {label}: {s * 1000:.1f} ms{target}")
            except Exception as err:  # the bench reports, it does not fail
                print(f"parlib.models.fit {label} failed: {type(err).__name__}: {err}")

    versus_pyfixest(panel)
    other_designs(panel)

    s, arrays = timed(lambda: own_twfe(panel), 20)
    print(f"array-level TWFE + CR1 (QR of dummies): {s * 1000:.1f} ms")

    args = (arrays["y"], arrays["X"], arrays["prov"], 0)
    for weights in ("rademacher", "webb"):
        s, w = timed(
            lambda w=weights: wild_cluster_bootstrap(*args, cr1_factor=arrays["factor"], weights=w), 3
        )
        print(
            f"wild cluster bootstrap, {weights}, 9,999 draws + test-inversion CI: {s:.3f} s   (target < 5 s)"
            f"  [p {w['p_value']:.4f}, CI {w['conf_low']:.4f} .. {w['conf_high']:.4f}]"
        )
    for annihilator_name, annihilator in (("callable QQ'", arrays["resid"]), ("(N, N) matrix", None)):
        m = annihilator if annihilator is not None else arrays["resid"](np.eye(len(arrays["y"])))
        for statistic in ("t", "coef"):
            s, ri = timed(
                lambda m=m, statistic=statistic: randomization_inference(
                    arrays["y"],
                    arrays["x_raw"][:, :1],
                    arrays["X"][:, 1:],
                    m,
                    arrays["year"],
                    n_perm=5000,
                    statistic=statistic,
                    clusters=arrays["prov"],
                ),
                3,
            )
            print(
                f"randomisation inference, 5,000 permutations, statistic={statistic!r}, "
                f"M as {annihilator_name}: {s:.3f} s   (target < 5 s)  [p {ri.loc[0, 'p_value']:.4f}]"
            )


if __name__ == "__main__":
    main()
