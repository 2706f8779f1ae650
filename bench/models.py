"""Time the regression inference on a synthetic 63 x 14 unbalanced panel (figures printed, no assertions).

Targets (issue 4): two-way fixed effects with CR1 < 50 ms, wild cluster bootstrap with 9,999 draws
including the test-inversion interval < 5 s, randomisation inference with 5,000 permutations < 5 s.

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
    factor = G / (G - 1) * (n - 1) / (n - X.shape[1] - (n_years - 1))
    se = cr1_se(X, y - X @ beta, prov, factor)
    return dict(y=y, X=X, x_raw=x_raw, prov=prov, year=year, resid=resid, factor=factor, beta=beta, se=se)


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
