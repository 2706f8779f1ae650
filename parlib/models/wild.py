"""Wild cluster bootstrap (WCR: null imposed, restricted residuals) with t-statistics studentized by CR1.

Why: with 63 province clusters, an unbalanced panel and drivers whose variation sits in a few
provinces, CR1 t-tests can over-reject; the restricted wild cluster bootstrap-t (Cameron, Gelbach
and Miller 2008; MacKinnon and Webb 2017; Roodman et al. 2019, "boottest") is the standard repair.

Inputs follow the array contract of ``parlib.models``: ``y`` and ``X`` already residualized on
the fixed effects (Frisch-Waugh-Lovell), integer cluster codes, and the core's CR1 factor, which
is passed through unchanged so bootstrap and analytic t-statistics use the same scale.

Algorithm (one precomputation, then every p(beta0) costs O(B)). Write x = X[:, j], Z = X without
column j, c = M_Z x (so c/c'c is row j of (X'X)^-1 X'), a = M_Z y, and E_h for "keep cluster h".
Under H0: beta_j = b0 the restricted residual is u~(b0) = M_Z (y - b0 x) = a - b0 c, affine in b0.
A draw v (one weight per cluster) gives y* = (y - u~) + u~ * v, and because y - u~ lies in the
span of X:

* numerator:  (b*_j - b0) c'c = sum_g v_g c_g'u~_g = (V A) - b0 (V C),
  with A_g = c_g'a_g and C_g = c_g'c_g;
* CR1 score of draw b in cluster g: c_g' (M_X [M_FE] u~*v)_g = sum_h v_bh (W0 - b0 W1)[g, h],
  with W0 = (E*c)' M_X [M_FE] (E*a) and W1 the same with c for a (G x G matrices), so with
  S0 = V W0', S1 = V W1' (B x G) the bootstrap variance is
  cr1 / (c'c)^2 * sum_g (S0 - b0 S1)^2 = cr1 / (c'c)^2 * (q00 - 2 b0 q01 + b0^2 q11),
  a quadratic in b0 whose three coefficients are B-vectors.

Hence t*_b(b0)^2 = (n0_b - b0 n1_b)^2 / (cr1 (q00_b - 2 b0 q01_b + b0^2 q11_b)): after the
O(N G^2 + B G^2) precomputation (no refit, no loop over draws) each p(b0) is a handful of length-B
vector operations, which is what makes the confidence interval by test inversion cheap.

``annihilator`` (optional, the fixed-effect residual maker M_FE as matrix or callable) also
re-residualizes the bootstrap residuals on the fixed effects, which makes the bootstrap CR1 equal,
draw by draw, to that of a refit with the dummy variables included. Without it the bootstrap
residuals are M_X (u~ * v); the coefficient is identical either way and the difference in the
standard error is of order 1/G (year-effect part of u~ * v).

Conventions: symmetric two-sided p = share of the B draws with |t*| >= |t| (the observed
statistic is not added; ties within a relative 1e-9 count as extreme). A value b0 is rejected at
level 1 - ``level`` when p(b0) <= 1 - level; the interval is the set of b0 not rejected, found on
each side of the estimate by doubling steps of one CR1 standard error until p <= 1 - level and then
bisecting p(b0) - (1 - level) with the SAME weight draws for every b0.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Literal

import numpy as np

WeightKind = Literal["rademacher", "webb"]
Annihilator = Callable[[np.ndarray], np.ndarray] | np.ndarray

TIE_RTOL = 1e-9  # |t*| >= |t| (1 - TIE_RTOL) counts as "at least as extreme"
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def draw_weights(
    n_boot: int, n_clusters: int, kind: WeightKind = "rademacher", rng: np.random.Generator | int = 0
) -> np.ndarray:
    """A (n_boot, n_clusters) matrix of cluster weights: Rademacher (+-1) or Webb's six-point.

    Public so that a reference implementation can reuse exactly the draws of
    ``wild_cluster_bootstrap`` (same seed, same call -> same matrix).
    """
    rng = np.random.default_rng(rng)
    if kind == "rademacher":
        return rng.integers(0, 2, size=(n_boot, n_clusters)).astype(float) * 2.0 - 1.0
    if kind == "webb":
        return WEBB[rng.integers(0, 6, size=(n_boot, n_clusters))]
    raise ValueError(f"weights must be 'rademacher' or 'webb', not {kind!r}")


def rademacher_enumeration(n_clusters: int) -> np.ndarray:
    """All 2^G sign vectors (rows), used instead of random draws when 2^G <= n_boot."""
    return np.array(list(itertools.product((1.0, -1.0), repeat=n_clusters)))


def _apply(annihilator: Annihilator, v: np.ndarray) -> np.ndarray:
    if callable(annihilator):
        return np.asarray(annihilator(v), dtype=float)
    return np.asarray(annihilator, dtype=float) @ v


def cluster_codes(clusters: np.ndarray) -> tuple[np.ndarray, int]:
    """Cluster labels as codes 0..G-1 and G (labels need not already be codes)."""
    _, codes = np.unique(np.asarray(clusters), return_inverse=True)
    return codes.ravel(), int(codes.max()) + 1


def cr1_se(X: np.ndarray, resid: np.ndarray, clusters: np.ndarray, cr1_factor: float) -> np.ndarray:
    """CR1 standard errors by the contract formula (bread M bread times the core's factor)."""
    codes, g = cluster_codes(clusters)
    bread = np.linalg.inv(X.T @ X)
    scores = np.zeros((g, X.shape[1]))
    np.add.at(scores, codes, X * resid[:, None])
    return np.sqrt(np.diag(cr1_factor * bread @ (scores.T @ scores) @ bread))


def _prepare(y: np.ndarray, X: np.ndarray, clusters: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Validated float copies: y (N,), X (N, K); finite, same rows, j a column."""
    y = np.asarray(y, dtype=float).ravel()
    X = np.asarray(X, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.shape[0] != y.shape[0] or len(clusters) != y.shape[0]:
        raise ValueError(
            f"y, X and clusters must have the same rows: {y.shape[0]}, {X.shape[0]}, {len(clusters)}"
        )
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise ValueError("y and X must be finite: drop rows with missing values before the bootstrap")
    if not 0 <= j < X.shape[1]:
        raise ValueError(f"j={j} is not a column of X (K={X.shape[1]})")
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("X is collinear after the fixed effects: drop the redundant regressor")
    return y, X


class _WildStat:
    """The precomputed affine/quadratic pieces; ``pvalue(b0)`` is O(B)."""

    def __init__(
        self,
        y: np.ndarray,
        X: np.ndarray,
        clusters: np.ndarray,
        j: int,
        cr1_factor: float,
        V: np.ndarray,
        annihilator: Annihilator | None,
    ) -> None:
        codes, g = cluster_codes(clusters)
        xtx_inv = np.linalg.inv(X.T @ X)
        beta = xtx_inv @ (X.T @ y)
        resid = y - X @ beta
        self.cr1 = float(cr1_factor)
        self.estimate = float(beta[j])
        self.se = float(cr1_se(X, resid, codes, cr1_factor)[j])
        cc = 1.0 / xtx_inv[j, j]
        c = X @ xtx_inv[:, j] * cc  # M_Z x
        a = resid + beta[j] * c  # M_Z y
        onehot = np.zeros((len(y), g))
        onehot[np.arange(len(y)), codes] = 1.0
        ec, ea = onehot * c[:, None], onehot * a[:, None]
        ya, yc = ea, ec
        if annihilator is not None:
            ya, yc = _apply(annihilator, ea), _apply(annihilator, ec)
        proj = X @ xtx_inv  # M_X v = v - X (X'X)^-1 X'v
        w0 = ec.T @ (ya - proj @ (X.T @ ya))
        w1 = ec.T @ (yc - proj @ (X.T @ yc))
        big_a, big_c = ec.T @ a, ec.T @ c
        self.n0, self.n1 = V @ big_a, V @ big_c
        s0, s1 = V @ w0.T, V @ w1.T
        self.q00 = np.einsum("bg,bg->b", s0, s0)
        self.q01 = np.einsum("bg,bg->b", s0, s1)
        self.q11 = np.einsum("bg,bg->b", s1, s1)
        self.n_boot = V.shape[0]

    def t_obs(self, b0: float) -> float:
        return (self.estimate - b0) / self.se

    def t_star(self, b0: float) -> np.ndarray:
        """Bootstrap t-statistics for H0: beta_j = b0 (inf where the bootstrap variance is 0)."""
        num = self.n0 - b0 * self.n1
        var = np.maximum(self.q00 - 2.0 * b0 * self.q01 + b0 * b0 * self.q11, 0.0) * self.cr1
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(var > 0, num / np.sqrt(var), np.where(num == 0, 0.0, np.inf))

    def pvalue(self, b0: float) -> float:
        t = abs(self.t_obs(b0))
        return float(np.mean(np.abs(self.t_star(b0)) >= t * (1.0 - TIE_RTOL)))

    def bound(self, side: int, alpha: float) -> float:
        """Edge of {b0 : p(b0) > alpha} on one side (+1 upper, -1 lower) of the estimate."""
        scale = self.se if self.se > 0 else max(abs(self.estimate), 1.0)
        inside, step = self.estimate, scale
        for _ in range(60):
            outside = self.estimate + side * step
            if self.pvalue(outside) <= alpha:
                break
            inside, step = outside, step * 2.0
        else:
            return side * np.inf
        for _ in range(200):
            mid = 0.5 * (inside + outside)
            if abs(outside - inside) <= 1e-10 * scale or mid in (inside, outside):
                break
            if self.pvalue(mid) <= alpha:
                outside = mid
            else:
                inside = mid
        return 0.5 * (inside + outside)


def wild_cluster_bootstrap(
    y: np.ndarray,
    X: np.ndarray,
    clusters: np.ndarray,
    j: int,
    *,
    cr1_factor: float,
    n_boot: int = 9999,
    weights: WeightKind = "rademacher",
    seed: int = 0,
    level: float = 0.95,
    beta0: float = 0.0,
    weight_matrix: np.ndarray | None = None,
    annihilator: Annihilator | None = None,
) -> dict:
    """WCR bootstrap-t test of H0: beta_j = beta0 and its test-inversion confidence interval.

    ``y`` (N,), ``X`` (N, K): residualized on the fixed effects; ``clusters`` (N,) codes;
    ``cr1_factor``: the core's small-sample factor. ``weight_matrix`` (B, G) overrides the
    seeded draws (for reference checks). With Rademacher weights and 2^G <= n_boot, all 2^G
    sign vectors are enumerated instead (the bootstrap is then exact for its own distribution).

    Returns dict(p_value, conf_low, conf_high, t_stat, n_boot, weights, estimate, std_error,
    beta0, level, enumerated, note). ``std_error`` is the analytic CR1 one; ``t_stat`` tests beta0.
    """
    y, X = _prepare(y, X, clusters, j)
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    _, g = cluster_codes(clusters)
    notes = []
    enumerated = False
    if weight_matrix is not None:
        V = np.asarray(weight_matrix, dtype=float)
        if V.ndim != 2 or V.shape[1] != g:
            raise ValueError(f"weight_matrix must be (B, {g}), got {V.shape}")
        kind = "custom"
    else:
        kind = weights
        if weights == "rademacher" and 2.0**g <= n_boot:
            V = rademacher_enumeration(g)
            enumerated = True
            notes.append(
                f"Rademacher weights with G={g} clusters allow only 2^{g}={2**g} distinct draws: all "
                "were enumerated; p-values are multiples of 1/2^G, consider weights='webb'"
            )
        else:
            V = draw_weights(n_boot, g, weights, np.random.default_rng(seed))
            if weights == "rademacher" and g <= 12:
                notes.append(f"only G={g} clusters: Webb weights are advised with fewer than ~12 clusters")
    stat = _WildStat(y, X, clusters, j, cr1_factor, V, annihilator)
    alpha = 1.0 - level
    return {
        "p_value": stat.pvalue(beta0),
        "conf_low": stat.bound(-1, alpha),
        "conf_high": stat.bound(+1, alpha),
        "t_stat": stat.t_obs(beta0),
        "n_boot": stat.n_boot,
        "weights": kind,
        "estimate": stat.estimate,
        "std_error": stat.se,
        "beta0": float(beta0),
        "level": level,
        "enumerated": enumerated,
        "note": "; ".join(notes),
    }


def wild_pvalue_function(
    y: np.ndarray,
    X: np.ndarray,
    clusters: np.ndarray,
    j: int,
    *,
    cr1_factor: float,
    weight_matrix: np.ndarray,
    annihilator: Annihilator | None = None,
) -> Callable[[float], float]:
    """p(beta0) for fixed draws: the function the interval inverts (exposed for checks and plots)."""
    y, X = _prepare(y, X, clusters, j)
    stat = _WildStat(y, X, clusters, j, cr1_factor, np.asarray(weight_matrix, dtype=float), annihilator)
    return stat.pvalue
