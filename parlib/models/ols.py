"""Least squares with fixed effects partialled out (Frisch-Waugh-Lovell) and CR1 standard errors.

Fixed effects are absorbed by projecting every column off the span of their dummies: for 63
provinces x 14 years there are at most ~160 dummy columns (with region-year effects), so one
pivoted QR is cheap and exact on an unbalanced panel. The dummies are split in two orthonormal
bases: ``q_nested`` spans the effects nested in the clusters (province effects when clustering
by province), ``q_other`` the rest (intercept, year, region-year effects) projected off the
first. The split does not depend on the order in which effects are named, and CR2 needs it.

Weights (analytic, e.g. population): every row is scaled by sqrt(weight) before absorbing, so
the fit is weighted least squares and the covariance formulas apply to the scaled rows, as in
fixest and pyfixest (``weights_type="aweights"``).

CR1 follows fixest's default, ``ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE)`` (and
pyfixest's ``ssc(k_fixef="nonnested")``): V = c (X'X)^-1 M (X'X)^-1, M = sum_g (X_g'u_g)(X_g'u_g)',
c = G/(G-1) (N-1)/(N-K). K = slopes + fixed-effect parameters, counted as fixest does: the levels
of all effects minus one for each effect after the first; effects nested in the clusters are
taken out and one parameter is counted back for each of them (the constant they contain).
Without effects, K = slopes + 1 (the intercept). Inference uses t with G - 1 df.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

FE_NAMES = ("province", "year", "region-year")


@dataclass
class Absorbed:
    """A fitted fixed-effects projection: residualize (N,) or (N, k) arrays with ``resid``."""

    q_nested: np.ndarray  # (N, r1) orthonormal basis of the effects nested in the clusters
    q_other: np.ndarray  # (N, r2) the other effects (or the intercept), orthogonal to q_nested
    k_fe: int  # fixed-effect parameters counted in K (fixest's "nested" convention)
    sqrt_w: np.ndarray  # (N,) square roots of the weights (ones when unweighted)
    note: str | None = None

    @property
    def rank(self) -> int:
        return self.q_nested.shape[1] + self.q_other.shape[1]

    def resid(self, v: np.ndarray) -> np.ndarray:
        """M_FE v for rows already scaled by sqrt(weight)."""
        out = v - self.q_nested @ (self.q_nested.T @ v)
        return out - self.q_other @ (self.q_other.T @ out)

    def resid_raw(self, v: np.ndarray) -> np.ndarray:
        """M_FE (sqrt(w) v) for raw (unscaled) rows: what randomisation inference permutes."""
        w = self.sqrt_w if np.ndim(v) == 1 else self.sqrt_w[:, None]
        return self.resid(w * v)


def fe_codes(frame: pd.DataFrame, name: str) -> np.ndarray:
    """Integer codes of one fixed effect's levels (province, year, or region x year)."""
    if name == "province":
        return pd.factorize(frame["province_id"])[0]
    if name == "year":
        return pd.factorize(frame["year"])[0]
    return pd.factorize(frame["region"].astype(str) + "|" + frame["year"].astype(str))[0]


def dummies(codes: np.ndarray) -> np.ndarray:
    """One-hot matrix of integer codes (one column per level)."""
    levels = np.unique(codes)
    return (codes[:, None] == levels[None, :]).astype(float)


def _basis(mat: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space (pivoted QR, rank by a relative tolerance)."""
    if mat.shape[1] == 0:
        return mat
    q, r, _ = linalg.qr(mat, mode="economic", pivoting=True)
    diag = np.abs(np.diag(r))
    rank = int((diag > 1e-10 * max(1.0, diag.max())).sum())
    return q[:, :rank]


def nested_in(codes: np.ndarray, clusters: np.ndarray) -> bool:
    """True when every level of ``codes`` lies within one cluster."""
    codes, clusters = np.asarray(codes), np.unique(np.asarray(clusters), return_inverse=True)[1].ravel()
    pairs = np.unique(codes.astype(np.int64) * (int(clusters.max()) + 1) + clusters)
    return len(pairs) == len(np.unique(codes))


def absorb(
    frame: pd.DataFrame,
    fe: Sequence[str],
    clusters: np.ndarray | None,
    weights: np.ndarray | None = None,
) -> Absorbed:
    """The fixed effects ``fe`` (names in FE_NAMES; empty = intercept only) as two bases and fixest's K."""
    n = len(frame)
    sqrt_w = np.ones(n) if weights is None else np.sqrt(np.asarray(weights, dtype=float))
    nested, other, k_fe, n_nested = [], [], 0, 0
    for name in sorted(fe, key=FE_NAMES.index):
        codes = fe_codes(frame, name)
        levels = int(codes.max()) + 1
        k_fe += levels
        if clusters is not None and nested_in(codes, clusters):
            nested.append(dummies(codes))
            k_fe += 1 - levels
            n_nested += 1
        else:
            other.append(dummies(codes))
    if fe:
        k_fe -= len(fe) - 1
    else:
        other.append(np.ones((n, 1)))
        k_fe = 1
    q_nested = _basis(sqrt_w[:, None] * np.hstack(nested)) if nested else np.empty((n, 0))
    s = sqrt_w[:, None] * np.hstack(other) if other else np.empty((n, 0))
    q_other = _basis(s - q_nested @ (q_nested.T @ s))
    absorbed = Absorbed(q_nested, q_other, k_fe, sqrt_w)
    counted = k_fe - n_nested + sum(b.shape[1] for b in nested) if fe else 1
    if absorbed.rank != counted:
        absorbed.note = (
            f"the fixed effects have rank {absorbed.rank} where fixest counts {counted} parameters "
            "(a disconnected panel); K follows fixest's count"
        )
    return absorbed


@dataclass
class OLSFit:
    """Slopes on FE-residualized data with their CR1 covariance."""

    beta: np.ndarray
    resid: np.ndarray
    cov: np.ndarray
    cr1_factor: float
    n_obs: int
    n_clusters: int
    k_total: int

    @property
    def std_error(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))


def cluster_meat(x: np.ndarray, u: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """sum_g (X_g'u_g)(X_g'u_g)'."""
    scores = x * u[:, None]
    g = pd.factorize(clusters)[0]
    sums = np.zeros((g.max() + 1, x.shape[1]))
    np.add.at(sums, g, scores)
    return sums.T @ sums


def ols_cr1(y: np.ndarray, x: np.ndarray, clusters: np.ndarray, k_fe: int) -> OLSFit:
    """OLS of residualized ``y`` on residualized ``x`` with CR1 covariance clustered on ``clusters``.

    ``k_fe`` is the number of fixed-effect parameters counted in K (see module docstring).
    """
    n, k = x.shape
    xtx_inv = np.linalg.inv(x.T @ x)
    beta = xtx_inv @ (x.T @ y)
    resid = y - x @ beta
    n_clusters = len(np.unique(clusters))
    k_total = k + k_fe
    factor = n_clusters / (n_clusters - 1) * (n - 1) / (n - k_total)
    cov = factor * xtx_inv @ cluster_meat(x, resid, clusters) @ xtx_inv
    return OLSFit(beta, resid, cov, factor, n, n_clusters, k_total)


def collinear_columns(x: np.ndarray, names: list[str], tol: float = 1e-9) -> list[str]:
    """Names of columns that are (nearly) linear combinations of the earlier ones."""
    out, kept = [], np.empty((x.shape[0], 0))
    scale = np.linalg.norm(x, axis=0)
    for i, name in enumerate(names):
        col = x[:, i]
        if scale[i] < tol:
            out.append(name)
            continue
        if kept.shape[1]:
            coef, *_ = np.linalg.lstsq(kept, col, rcond=None)
            residual = col - kept @ coef
        else:
            residual = col
        if np.linalg.norm(residual) <= 1e-7 * scale[i]:
            out.append(name)
        else:
            kept = np.column_stack([kept, col])
    return out
