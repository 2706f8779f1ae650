"""Multiple-testing adjustment across a family of outcomes (e.g. the 8 PAPI dimensions).

Why: one driver tested against many outcomes will show "significant" links by chance; Holm
controls the family-wise error rate, Benjamini-Hochberg the false discovery rate. Both agree with
``statsmodels.stats.multitest.multipletests`` (methods "holm" and "fdr_bh") to 1e-12; unlike it,
NaN p-values are kept as NaN and left out of the family size m.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

Method = Literal["holm", "bh"]
_ALIASES = {"holm": "holm", "bh": "bh", "fdr_bh": "bh", "benjamini_hochberg": "bh"}


def _finite(pvalues: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    p = np.asarray(pvalues, dtype=float).ravel()
    ok = ~np.isnan(p)
    if ((p[ok] < 0) | (p[ok] > 1)).any():
        raise ValueError("p-values must lie in [0, 1]")
    return p, ok, p[ok]


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm step-down adjusted p-values: max_{k<=i} min(1, (m - k + 1) p_(k)); NaN stays NaN."""
    p, ok, q = _finite(pvalues)
    out = np.full(p.shape, np.nan)
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        adj = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * q[order]))
        res = np.empty(m)
        res[order] = adj
        out[ok] = res
    return out


def benjamini_hochberg(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg step-up adjusted p-values: min_{k>=i} min(1, m p_(k) / k); NaN stays NaN."""
    p, ok, q = _finite(pvalues)
    out = np.full(p.shape, np.nan)
    m = q.size
    if m:
        order = np.argsort(q, kind="stable")
        scaled = q[order] * m / np.arange(1, m + 1)
        adj = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
        res = np.empty(m)
        res[order] = adj
        out[ok] = res
    return out


def adjust(
    table: pd.DataFrame,
    by: str | Sequence[str] = ("term", "method"),
    method: str = "holm",
    column: str | None = None,
) -> pd.DataFrame:
    """Add an adjusted p-value column to a tidy table (term, p_value, method, outcome, ...).

    Rows sharing the values of ``by`` form one family, adjusted together: with the default
    ("term", "method") a family is one driver under one inference method across the outcomes in the
    table. The new column is ``p_holm`` or ``p_bh`` unless ``column`` is given; the input is not
    modified. A family that holds the same outcome twice means ``by`` misses a distinguishing column
    (e.g. the specification), and is refused.
    """
    key = _ALIASES.get(method)
    if key is None:
        raise ValueError(f"method must be one of {sorted(_ALIASES)}, not {method!r}")
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in [*by, "p_value"] if c not in table.columns]
    if missing:
        raise ValueError(f"table has no column(s) {missing}; it has {list(table.columns)}")
    func = holm if key == "holm" else benjamini_hochberg
    out = table.copy()
    column = column or f"p_{key}"
    out[column] = np.nan
    col = out.columns.get_loc(column)
    for values, rows in out.groupby(by, sort=False, dropna=False).indices.items():
        family = out.iloc[rows]
        if "outcome" in out.columns and "outcome" not in by and family["outcome"].duplicated().any():
            dup = family.loc[family["outcome"].duplicated(), "outcome"].iloc[0]
            named = dict(zip(by, values if isinstance(values, tuple) else (values,), strict=True))
            raise ValueError(
                f"family {named} has outcome {dup!r} more than once: add the column that tells "
                "those rows apart to `by`"
            )
        out.iloc[rows, col] = func(family["p_value"].to_numpy(dtype=float))
    return out
