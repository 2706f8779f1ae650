"""The result objects every model design returns: a tidy ``table`` and a ``summary()``.

``ModelResult`` (one outcome) and ``FamilyResult`` (one model per outcome, p-values adjusted
across them), in the manner of statsmodels and linearmodels results.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

TABLE_COLUMNS = [
    "outcome",
    "term",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "method",
    "df",
    "mde",
    "n_obs",
    "n_provinces",
    "n_years",
]
"""Columns of ``ModelResult.table``: one row per term and inference method. ``df``: degrees of
freedom of the t reference (NaN for resampling rows); ``mde``: minimum detectable effect at 80%
power, two-sided at 1 - level (``mde()``), on the analytic rows."""

POWER = 0.80


def mde(std_error: float | np.ndarray, df: float | np.ndarray, level: float = 0.95, power: float = POWER):
    """Minimum detectable effect: (t_{1-alpha/2, df} + t_{power, df}) x standard error.

    The smallest true effect that a two-sided test at 1 - ``level`` would detect with probability
    ``power``, given the standard error this sample delivers (Bloom 1995).
    """
    return (stats.t.ppf(0.5 + level / 2, df) + stats.t.ppf(power, df)) * np.asarray(std_error)


@dataclass
class ModelResult:
    """A fitted driver -> outcome model: ``table`` (tidy, one row per term and method), ``summary()``,
    the exact ``data`` used and the rows ``dropped`` with their reason."""

    outcome: str
    drivers: list[str]
    terms: list[str]
    table: pd.DataFrame
    data: pd.DataFrame
    dropped: pd.DataFrame
    spec: dict
    notes: list[str] = field(default_factory=list)
    _y: np.ndarray | None = field(default=None, repr=False)
    _x: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Observations used (province-years, or provinces in a cross-section)."""
        return int(self.spec["n_obs"])

    def within(self, driver: str | None = None) -> pd.DataFrame:
        """Added-variable (partial) data for one driver: outcome and driver net of the fixed effects
        and of every other regressor. Columns province_id, year, <outcome>, <driver>; the OLS
        slope through these points equals the driver's estimate (``attrs['slope']``). Under
        weights the points are the sqrt(weight)-scaled ones the weighted fit uses."""
        driver = driver or self.drivers[0]
        j = self.terms.index(driver)
        others = np.delete(self._x, j, axis=1)
        if others.shape[1]:
            proj = others @ np.linalg.lstsq(others, np.column_stack([self._y, self._x[:, j]]), rcond=None)[0]
            y_part, x_part = self._y - proj[:, 0], self._x[:, j] - proj[:, 1]
        else:
            y_part, x_part = self._y, self._x[:, j]
        out = self.data[[c for c in ("province_id", "year") if c in self.data]].copy()
        out[self.outcome], out[driver] = y_part, x_part
        out.attrs["slope"] = float(self.estimate(driver))
        return out

    def estimate(self, term: str, method: str | None = None) -> float:
        """The point estimate of ``term`` (the same on every inference row)."""
        rows = self.table[self.table["term"] == term]
        if method is not None:
            rows = rows[rows["method"] == method]
        return float(rows["estimate"].iloc[0])

    def summary(self) -> str:
        s = self.spec
        lines = [
            f"Outcome: {self.outcome}    Drivers: {', '.join(self.drivers)}",
            f"Specification: {s['label']}; " + "; ".join(f"{k}={s[k]}" for k in s.get("shown", ())),
            f"Observations: {s['n_obs']}  provinces: {s['n_provinces']}  years: {s['n_years']} "
            f"({s['first_year']}-{s['last_year']})  dropped rows: {len(self.dropped)}",
        ]
        table = self.table[
            ["term", "method", "estimate", "std_error", "conf_low", "conf_high", "p_value", "df", "mde"]
        ]
        with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
            lines.append(table.to_string(index=False))
        lines.append(
            f"mde: minimum detectable effect at {POWER:.0%} power, two-sided {1 - s.get('level', 0.95):.0%} "
            f"test, for the {s['n_obs']} observations used"
        )
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ModelResult {self.outcome} ~ {' + '.join(self.drivers)}: {self.spec['label']}, n={self.n}>"


def finish_table(rows: Sequence[dict], outcome: str, n_obs: int, n_prov: int, n_years: int) -> pd.DataFrame:
    """The tidy table in TABLE_COLUMNS order from per-row dicts (missing fields are NaN)."""
    fixed = {"outcome": outcome, "n_obs": n_obs, "n_provinces": n_prov, "n_years": n_years}
    return pd.DataFrame(
        {c: [fixed[c]] * len(rows) if c in fixed else [r.get(c, np.nan) for r in rows] for c in TABLE_COLUMNS}
    )


@dataclass
class FamilyResult:
    """One model per outcome, with p-values adjusted across the family (Holm and Benjamini-Hochberg).

    ``table``: the models' tables stacked, plus ``p_holm`` and ``p_bh``: for each driver term
    and inference method, the p-values of the outcomes are adjusted together (the family is
    the set of outcomes, e.g. the 8 PAPI dimensions). Controls are not adjusted (NaN).
    """

    results: dict[str, ModelResult]
    table: pd.DataFrame

    def summary(self) -> str:
        cols = ["outcome", "term", "method", "estimate", "conf_low", "conf_high", "p_value", "p_holm", "p_bh"]
        drivers = self.table[self.table["p_holm"].notna()][cols]
        with pd.option_context("display.width", 180, "display.float_format", "{:.4f}".format):
            return f"{len(self.results)} outcomes; p-values adjusted across outcomes\n" + drivers.to_string(
                index=False
            )


def family(results: dict[str, ModelResult]) -> FamilyResult:
    """Stack the models' tables and adjust each driver's p-values across the outcomes."""
    from parlib.models.multiple import benjamini_hochberg, holm

    table = pd.concat([r.table for r in results.values()], ignore_index=True)
    table["p_holm"], table["p_bh"] = np.nan, np.nan
    driver_terms = {t for r in results.values() for t in r.drivers}
    for _, rows in table[table["term"].isin(driver_terms)].groupby(["term", "method"]):
        table.loc[rows.index, "p_holm"] = holm(rows["p_value"].to_numpy())
        table.loc[rows.index, "p_bh"] = benjamini_hochberg(rows["p_value"].to_numpy())
    return FamilyResult(results, table)
