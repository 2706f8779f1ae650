"""CR2 cluster-robust covariance with Bell-McCaffrey (Satterthwaite) degrees of freedom, on arrays.

What. CR2 ("bias-reduced linearization", Bell & McCaffrey 2002) rescales each cluster's residuals
by an adjustment matrix A_g before forming the sandwich, chosen so that the variance estimator is
exactly unbiased when the errors follow a working model (here: independent and homoskedastic,
Phi = I). The Bell-McCaffrey degrees of freedom are a Satterthwaite approximation that matches the
first two moments of c'V c, under the same working model, to a scaled chi-square; the t-test or
interval then uses t(df) instead of t(G - 1).

Why. With few clusters, or clusters of very unequal size or leverage (a driver whose variation
sits in a few provinces), CR1 is biased downward and CR1 with t(G - 1) over-rejects, often badly;
the BM df falls far below G - 1 exactly in those designs. CR2 + BM df keeps the size close to
nominal in the simulations of Imbens & Kolesar (2016, REStat, "Robust standard errors in small
samples: some practical advice") and Pustejovsky & Tipton (2018, JBES, "Small-sample methods for
cluster-robust variance estimation and hypothesis testing in fixed effects models").

Inputs (the array contract of ``parlib.models``). The fixed effects are absorbed by
Frisch-Waugh-Lovell and given as two orthonormal bases:

* ``q_nested`` (N, r1): fixed effects NESTED in the clusters (province dummies when clustering by
  province, or any dummies each of which is non-zero inside a single cluster); may be empty;
* ``q_other`` (N, r2): the remaining fixed effects (intercept, year or region-year dummies)
  projected off ``q_nested``, so q_nested'q_other = 0; may be empty;
* ``x`` (N, k): regressors residualized on both (x = M_FE X_raw, hence x'q = 0);
* ``u`` (N,): the full-model OLS residuals.

Weighted least squares is the caller's business: every array (and the dummies before the bases are
built) is multiplied by sqrt(w), and the problem here is unweighted with working model Phi = I,
i.e. Phi = W^-1 (inverse-variance weights) on the original scale. This is NOT what R's clubSandwich
computes for ``lm(..., weights = w)``: by default it takes the working model Theta = I on the
original scale, and even with ``inverse_var = TRUE`` (Theta = W^-1) it forms
A_g = D'(D Omega_gg D')^{+1/2} D with D = chol(Theta_g) on the original scale, which is unbiased
under the same working model but is a different matrix root from ours (they coincide when w is
constant within each cluster, e.g. HC2). Weighted results therefore match clubSandwich run on the
sqrt(w)-transformed data exactly and its ``weights =`` results only approximately (2.4% apart in an
SE of the test panel; tests/fixtures/cr2/README.md).

Formulas (B = (x'x)^-1, rows_g the observations of cluster g, e_j the j-th unit vector):

* hat matrix of the design with the nested effects absorbed, U = [x, q_other]:
  H = q_other q_other' + x B x' (x is orthogonal to q_other);
* A_g = (I - H_gg)^-1/2, the symmetric inverse square root (eigh); an eigenvalue of I - H_gg at or
  below 1e-12 means cluster g alone identifies a regressor or a non-nested effect (leverage 1) and
  CR2 is undefined: ValueError;
* V_CR2 = B [sum_g x_g' A_g u_g u_g' A_g x_g] B, with no further small-sample factor;
* BM df of a contrast c (c = e_j for coefficient j): with the full-model annihilator
  M_X = I - q_nested q_nested' - q_other q_other' - x B x', the columns
  G_g = M_X[:, rows_g] A_g x_g B c (g = 1..G) form G (N x G), and
  df = trace(G'G)^2 / trace((G'G)^2) (eigenvalues of G'G: (sum l)^2 / sum l^2).
  Since M_X is a projection, G'G = diag(|v_g|^2) - C'C with v_g = A_g x_g B c and C the G columns
  Q'v_g of the full orthonormal basis Q = [q_nested, q_other, x R^-1] (x'x = R'R), so no N x N
  matrix is formed: O(N r k) work plus O(G^2 r) per contrast.

Nested fixed effects. A_g uses the hat matrix of [x, q_other], without q_nested: with the cluster
dummies in the design, I - H_gg is singular (its kernel contains the cluster's dummy direction), and
Pustejovsky & Tipton (2018, Theorem 2, as corrected by Pustejovsky's 2022 corrigendum: the result
holds for unweighted least squares with working model Phi = I, which the sqrt(w) transformation
gives us) show that this absorbed form equals the CR2 computed from the full design with the
Moore-Penrose inverse square root, which is what clubSandwich does for ``lm`` with dummies. The df
uses the full-model M_X (including q_nested), as clubSandwich's ``coef_test(test = "Satterthwaite")``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

LEVERAGE_TOL = 1e-12  # eigenvalue of I - H_gg at or below this: leverage 1, CR2 undefined
BASIS_TOL = 1e-8  # tolerance of the orthonormality / orthogonality checks of the inputs


@dataclass(frozen=True)
class CR2Result:
    """CR2 covariance of the k coefficients, their standard errors and BM degrees of freedom."""

    cov: np.ndarray  # (k, k)
    std_error: np.ndarray  # (k,)
    df: np.ndarray  # (k,) BM df of each coefficient (contrast e_j)
    n_clusters: int
    # kept for df_for: A_g x_g stacked in cluster order, the full basis Q in the same order,
    # cluster start offsets, and (x'x)^-1
    _ax: np.ndarray = field(repr=False)
    _q: np.ndarray = field(repr=False)
    _starts: np.ndarray = field(repr=False)
    _bread: np.ndarray = field(repr=False)

    def df_for(self, contrast: np.ndarray) -> float:
        """BM degrees of freedom of the linear combination ``contrast`` (k,) of the coefficients."""
        c = np.asarray(contrast, dtype=float).reshape(-1)
        if c.shape != (self.cov.shape[0],) or not np.all(np.isfinite(c)) or not np.any(c):
            raise ValueError(f"contrast must be a finite non-zero vector of length {self.cov.shape[0]}")
        return float(_bm_df(self._ax @ (self._bread @ c)[:, None], self._q, self._starts)[0])


def _bm_df(v: np.ndarray, q: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """BM df for each column of v (N, p): v[rows_g, j] = A_g x_g B c_j, rows in cluster order."""
    sq = np.add.reduceat(v * v, starts, axis=0)  # (G, p): |v_g|^2
    if q.shape[1]:
        c = np.add.reduceat(q[:, None, :] * v[:, :, None], starts, axis=0)  # (G, p, r): Q_g'v_g
        c = np.ascontiguousarray(c.transpose(1, 0, 2))  # (p, G, r)
        p_mat = -(c @ c.transpose(0, 2, 1))
    else:
        p_mat = np.zeros((v.shape[1], len(starts), len(starts)))
    idx = np.arange(len(starts))
    p_mat[:, idx, idx] += sq.T  # (p, G, G): G'G for each contrast
    trace = np.einsum("pgg->p", p_mat)
    return trace**2 / np.einsum("pgh,pgh->p", p_mat, p_mat)


def _adjustment(b: np.ndarray) -> tuple[Callable[[np.ndarray], np.ndarray], int | None]:
    """v -> (I - B B')^-1/2 v for a batch B (m, n, p) of clusters' rows of [q_other, x L^-T].

    Returns the map and the index of the first cluster with a leverage of 1 (or None). When p < n
    the root comes from the p x p Gram matrix (I - BB')^-1/2 = I + B K B' with
    K = W diag(f(t)) W', B'B = W diag(t) W', f(t) = ((1 - t)^-1/2 - 1) / t: O(n p^2), not O(n^3).
    """
    n, p = b.shape[1], b.shape[2]
    if p < n:
        t, w = np.linalg.eigh(b.transpose(0, 2, 1) @ b)  # t: the non-zero eigenvalues of H_gg
        low = 1.0 - t[:, -1] <= LEVERAGE_TOL
        if np.any(low):
            return lambda v: v, int(np.flatnonzero(low)[0])
        t = np.clip(t, 0.0, None)
        big = t > 1e-8
        f = np.where(big, ((1.0 - t) ** -0.5 - 1.0) / np.where(big, t, 1.0), 0.5 + 0.375 * t)  # series
        k_mat = (w * f[:, None, :]) @ w.transpose(0, 2, 1)
        bt = b.transpose(0, 2, 1)
        return lambda v: v + b @ (k_mat @ (bt @ v)), None
    vals, vecs = np.linalg.eigh(np.eye(n)[None] - b @ b.transpose(0, 2, 1))
    low = vals[:, 0] <= LEVERAGE_TOL
    if np.any(low):
        return lambda v: v, int(np.flatnonzero(low)[0])
    a = (vecs / np.sqrt(vals)[:, None, :]) @ vecs.transpose(0, 2, 1)  # symmetric (I - H_gg)^-1/2
    return lambda v: a @ v, None


def _as_basis(q: np.ndarray | None, n: int, name: str) -> np.ndarray:
    if q is None:
        return np.empty((n, 0))
    q = np.asarray(q, dtype=float)
    if q.ndim != 2 or q.shape[0] != n:
        raise ValueError(f"{name} must be an (N, r) array with N = {n} rows, got shape {q.shape}")
    if not np.all(np.isfinite(q)):
        raise ValueError(f"{name} has non-finite values")
    if q.shape[1] and not _orthonormal(q):
        raise ValueError(f"{name} must have orthonormal columns")
    return q


def _probe(r: int) -> np.ndarray:
    """A fixed vector with no special structure, for O(N r) checks of orthonormality."""
    return np.cos(np.arange(1, r + 1) * 0.7 + 0.3)


def _orthonormal(q: np.ndarray) -> bool:
    """Q'Q = I, checked on the column norms and on Q'(Q z) = z for a fixed probe z (O(N r), no Q'Q)."""
    z = _probe(q.shape[1])
    norms_ok = np.abs(np.einsum("ij,ij->j", q, q) - 1.0).max() <= BASIS_TOL
    return bool(norms_ok and np.abs(q.T @ (q @ z) - z).max() <= BASIS_TOL * np.abs(z).sum())


def _inputs(
    x: np.ndarray,
    u: np.ndarray,
    clusters: np.ndarray,
    q_nested: np.ndarray | None,
    q_other: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated float arrays x (N, k), u (N,), cluster labels (N,), q_nested, q_other."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"x must be an (N, k) array with k >= 1, got shape {x.shape}")
    n, k = x.shape
    u = np.asarray(u, dtype=float)
    if u.shape != (n,):
        raise ValueError(f"u must have shape ({n},) like the rows of x, got {u.shape}")
    clusters = np.asarray(clusters)
    if clusters.shape != (n,):
        raise ValueError(f"clusters must have shape ({n},) like the rows of x, got {clusters.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(u))):
        raise ValueError("x and u must be finite")
    qn = _as_basis(q_nested, n, "q_nested")
    qo = _as_basis(q_other, n, "q_other")
    if (
        qn.shape[1]
        and qo.shape[1]
        and np.abs(qn.T @ (qo @ _probe(qo.shape[1]))).max() > BASIS_TOL * qo.shape[1]
    ):
        raise ValueError("q_other must be orthogonal to q_nested (project the other effects off the nested)")
    tol = BASIS_TOL * np.linalg.norm(x, axis=0)
    for q in (qn, qo):
        if q.shape[1] and np.any(np.abs(q.T @ x).max(axis=0) > tol):
            raise ValueError("x must be residualized on the fixed effects (x'q_nested = x'q_other = 0)")
    if n <= k + qn.shape[1] + qo.shape[1]:
        raise ValueError(f"{n} observations for {k} regressors and {qn.shape[1] + qo.shape[1]} fixed effects")
    return x, u, clusters, qn, qo


def cr2(
    x: np.ndarray,
    u: np.ndarray,
    clusters: np.ndarray,
    *,
    q_nested: np.ndarray | None = None,
    q_other: np.ndarray | None = None,
) -> CR2Result:
    """CR2 covariance and Bell-McCaffrey df of the OLS slopes of residualized data (module docstring).

    ``x`` (N, k) and ``u`` (N,) as in the module docstring, ``clusters`` (N,) any labels; the bases
    ``q_nested`` / ``q_other`` (N, r) orthonormal, or None for none. Raises ValueError on mismatched
    shapes, non-orthonormal bases, a singular x'x, fewer than two clusters, or a cluster of leverage 1.
    """
    x, u, clusters, qn, qo = _inputs(x, u, clusters, q_nested, q_other)
    labels, codes = np.unique(clusters, return_inverse=True)
    codes = codes.reshape(-1)
    n_clusters = len(labels)
    if n_clusters < 2:
        raise ValueError("CR2 needs at least two clusters")
    xtx = x.T @ x
    try:
        chol = np.linalg.cholesky(xtx)  # x'x = L L'
    except np.linalg.LinAlgError:
        raise ValueError(
            "x'x is singular: a regressor is collinear with the others or the fixed effects"
        ) from None
    scale = np.sqrt(np.diag(xtx))
    if np.linalg.cond(xtx / np.outer(scale, scale)) > 1e12:  # scale-free collinearity check
        raise ValueError("x'x is singular: a regressor is collinear with the others or the fixed effects")
    bread = np.linalg.solve(chol.T, np.linalg.solve(chol, np.eye(x.shape[1])))

    sizes = np.bincount(codes, minlength=n_clusters)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if np.all(codes[1:] >= codes[:-1]):  # rows already grouped by cluster (sorted panels): no copy
        xs, us, qos, qns = x, u, qo, qn
    else:
        order = np.argsort(codes, kind="stable")
        xs, us, qos, qns = x[order], u[order], qo[order], qn[order]
    xo = np.linalg.solve(chol, xs.T).T  # x L^-T: orthonormal basis of span(x), sorted rows
    u_basis = np.hstack([qos, xo])  # [q_other, x L^-T]: H = u_basis u_basis'
    ax = np.empty_like(xs)
    au = np.empty_like(us)
    for size in np.unique(sizes):  # batch the clusters of equal size
        groups = np.flatnonzero(sizes == size)
        rows = starts[groups][:, None] + np.arange(size)[None, :]  # (m, size)
        apply, bad = _adjustment(u_basis[rows])
        if bad is not None:
            label = labels[groups[bad]]
            label = label.item() if isinstance(label, np.generic) else label
            raise ValueError(
                f"cluster {label!r} has a leverage of 1: CR2 undefined (I - H_gg is singular: a regressor or"
                " a non-nested fixed effect is identified by this cluster alone)"
            )
        ax[rows] = apply(xs[rows])
        au[rows] = apply(us[rows][:, :, None])[:, :, 0]
    scores = np.add.reduceat(xs * au[:, None], starts, axis=0)  # (G, k): x_g' A_g u_g
    cov = bread @ (scores.T @ scores) @ bread
    cov = (cov + cov.T) / 2
    q_full = np.hstack([qns, u_basis])
    df = _bm_df(ax @ bread, q_full, starts)
    return CR2Result(
        cov=cov,
        std_error=np.sqrt(np.diag(cov)),
        df=df,
        n_clusters=n_clusters,
        _ax=ax,
        _q=q_full,
        _starts=starts,
        _bread=bread,
    )
