"""Least squares with fixed effects partialled out (Frisch-Waugh-Lovell) and CR1 standard errors.

Fixed effects are absorbed by projecting every column off the span of the dummy matrix D
(province and/or year dummies, or just an intercept): for 63 provinces x 14 years D has at
most 77 columns, so one thin QR of D is cheaper and exact than iterative demeaning on an
unbalanced panel. The slope estimates equal those of the regression with the dummies
included (FWL) and those of linearmodels.PanelOLS with entity and time effects.

CR1 convention (documented, tested against linearmodels): V = c * (X'X)^-1 M (X'X)^-1 with
the cluster meat M = sum_g (X_g'u_g)(X_g'u_g)' and c = G/(G-1) * (N-1)/(N-K), where K counts
the slopes plus the fixed-effect parameters NOT nested in the clusters (province effects
are nested in province clusters and are not counted; year effects and an intercept are).
This is the reghdfe / fixest "nested" convention; inference uses t with G-1 degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Absorbed:
    """A fitted fixed-effects projection: residualize any (N,) or (N, k) array with ``resid``."""

    q: np.ndarray  # (N, r) orthonormal basis of the fixed-effect dummies
    rank: int
    nested: int  # fixed-effect parameters nested in the clusters (not counted in K)

    def resid(self, v: np.ndarray) -> np.ndarray:
        return v - self.q @ (self.q.T @ v)


def dummies(codes: np.ndarray, drop_first: bool) -> np.ndarray:
    """One-hot matrix of integer codes, optionally without the first level."""
    levels = np.unique(codes)
    mat = (codes[:, None] == levels[None, :]).astype(float)
    return mat[:, 1:] if drop_first else mat


def absorb(frame: pd.DataFrame, fe: tuple[str, ...], cluster: str | None) -> Absorbed:
    """Basis of the fixed effects ``fe`` (subset of 'province', 'year'; empty = intercept only)."""
    columns = {"province": "province_id", "year": "year"}
    blocks, nested = [], 0
    if not fe:
        blocks.append(np.ones((len(frame), 1)))
    for i, name in enumerate(fe):
        codes = pd.factorize(frame[columns[name]])[0]
        block = dummies(codes, drop_first=i > 0)
        blocks.append(block)
        if cluster == name and i == 0:
            nested = block.shape[1]
    d = np.hstack(blocks)
    q, r = np.linalg.qr(d)
    keep = np.abs(np.diag(r)) > 1e-10 * max(1.0, np.abs(np.diag(r)).max())
    return Absorbed(q=q[:, keep], rank=int(keep.sum()), nested=nested)


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
