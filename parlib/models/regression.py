"""Driver -> outcome regressions on the province-year panel: ``fit()`` and ``fit_family()``.

Specifications: pooled OLS (``fe=()``), province fixed effects (``fe=("province",)``), two-way
fixed effects (``fe=("province", "year")``, the baseline), province and region x year effects
(``fe=("province", "region-year")``: the six GSO regions may move differently each year), first
differences (``first_difference=True``, consecutive years only). The order in which effects are
named does not matter. Drivers are lagged ``lag`` years (0-2; the value of year t - lag of the
same province, never the previous row). Outcomes may be standardised within year
(``standardize="within_year"``: z-scores across the provinces in the sample each year), which
keeps method breaks from masquerading as trends. ``weights`` names a panel column (e.g.
``"gso_population"``) for weighted least squares.

Method breaks: with year (or region-year) effects a break is absorbed. Without them, levels get
one dummy per method era after the first; first differences get one dummy per break crossed
(the difference that spans the break), because after differencing a level shift shows only there.

Inference (``inference=``): ``"cr1"`` cluster-robust by province (fixest's small-sample
convention, see parlib.models.ols; t with G-1 df), ``"cr2"`` the bias-reduced CR2 with
Bell-McCaffrey degrees of freedom (parlib.models.cr2; for few or unbalanced clusters),
``"wild"`` wild cluster bootstrap with the null imposed (Rademacher or Webb weights, 9,999 draws
by default, seeded; interval by test inversion), ``"ri"`` randomisation inference (drivers
permuted across provinces within year; p-values only; studentized, see
parlib.models.permutation). Every analytic row carries its degrees of freedom and the minimum
detectable effect at 80% power (``mde``). Guards refuse, with a message that says what to change:
a driver that is part of the outcome, too few observations or clusters, a driver without
within-province variation under province effects, and perfectly collinear regressors.
One-row-per-province designs (a single year, a long difference) are in parlib.models.cross_section.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from parlib.models import ols
from parlib.models.result import FamilyResult, ModelResult, family, finish_table, mde
from parlib.models.sample import (
    ModelSpecError,
    break_terms,
    check_drivers,
    check_weights,
    drop_singletons,
    prepare,
)
from parlib.models.sample import first_difference as difference

MIN_CLUSTERS = 10
MIN_RESIDUAL_DF = 10
INFERENCE = ("cr1", "cr2", "wild", "ri")


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_fe(panel: pd.DataFrame, fe: tuple[str, ...]) -> None:
    if set(fe) - set(ols.FE_NAMES) or len(set(fe)) != len(fe):
        raise ModelSpecError(f"fe must name effects from {ols.FE_NAMES}, each once (got {fe})")
    if {"year", "region-year"} <= set(fe):
        raise ModelSpecError("fe: region-year effects contain the year effects; drop 'year'")
    if "region-year" in fe and "region" not in panel.columns:
        raise ModelSpecError("fe: region-year effects need the panel's 'region' column")


def _label(fe: tuple[str, ...], first_diff: bool) -> str:
    if first_diff:
        return "first differences" + (f" with {' and '.join(fe)} effects" if fe else "")
    return {
        (): "pooled OLS",
        ("province",): "province fixed effects",
        ("year",): "year fixed effects",
        ("region-year",): "region x year fixed effects",
        ("province", "year"): "two-way fixed effects (province, year)",
        ("province", "region-year"): "province and region x year fixed effects",
    }[tuple(sorted(fe, key=ols.FE_NAMES.index))]


def _t_row(term: str, b: float, se: float, df: float, level: float, method: str) -> dict:
    crit = stats.t.ppf(0.5 + level / 2, df)
    return dict(
        term=term,
        estimate=b,
        std_error=se,
        conf_low=b - crit * se,
        conf_high=b + crit * se,
        p_value=2 * stats.t.sf(abs(b / se), df),
        method=method,
        df=df,
        mde=float(mde(se, df, level)),
    )


def _panel_sample(
    panel: pd.DataFrame,
    outcome: str,
    drivers: list[str],
    controls: list[str],
    fe: tuple[str, ...],
    *,
    lag: int,
    years: tuple[int, int] | None,
    standardize: str | None,
    first_difference: bool,
    keep: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], list[str], tuple[str, ...], list[str]]:
    """Sample, dropped rows, driver names, terms (with break dummies), the effects left, notes."""
    sample, dropped, names = prepare(
        panel, outcome, drivers, controls, lag=lag, years=years, standardize=standardize, keep=keep
    )
    notes = []
    if first_difference:
        sample, gone = difference(sample, [outcome, *names, *controls])
        dropped = pd.concat([dropped, gone], ignore_index=True)
        fe = tuple(f for f in fe if f != "province")
        notes.append("first differences: province effects differenced out; consecutive years only")
    if "province" in fe:
        sample, gone = drop_singletons(sample)
        dropped = pd.concat([dropped, gone], ignore_index=True)
    terms = [*names, *controls]
    eras = sample["method_era"].astype(str) if "method_era" in sample else pd.Series(dtype=str)
    crosses = eras.str.contains("->").any() if first_difference else eras.nunique() > 1
    if crosses and not {"year", "region-year"} & set(fe):
        breaks = break_terms(sample, differenced=first_difference)
        sample = pd.concat([sample, breaks], axis=1)
        terms += list(breaks.columns)
        kind = "method-era dummies"
        if first_difference:
            kind = "break dummies (the difference spanning each break)"
        notes.append(f"outcome crosses a method break: {kind} added: {list(breaks.columns)}")
    elif crosses:
        notes.append("outcome crosses a method break: absorbed by the year effects")
    return sample, dropped, names, terms, fe, notes


def _check_regressors(x: np.ndarray, x_scaled: np.ndarray, terms: list[str], *, within: bool) -> None:
    """Refuse a regressor without variation within provinces (under province effects) or collinear ones."""
    if within:
        norms = np.linalg.norm(x, axis=0)
        flat = [t for i, t in enumerate(terms) if norms[i] <= 1e-9 * max(1, np.linalg.norm(x_scaled[:, i]))]
        if flat:
            raise ModelSpecError(
                f"no within-province variation in {flat} under province fixed effects; "
                "drop it, or use fe=('year',) / pooled OLS for a time-invariant driver"
            )
    collinear = ols.collinear_columns(x, terms)
    if collinear:
        raise ModelSpecError(
            f"perfectly collinear regressors: {collinear} are linear combinations of the others "
            "(after fixed effects); drop them"
        )


def _resampling_rows(
    y: np.ndarray,
    x: np.ndarray,
    x_raw: np.ndarray,
    res: ols.OLSFit,
    absorbed: ols.Absorbed,
    sample: pd.DataFrame,
    names: list[str],
    inference: Sequence[str],
    notes: list[str],
    *,
    n_boot: int,
    bootstrap_weights: str | Sequence[str],
    n_perm: int,
    seed: int,
    level: float,
) -> list[dict]:
    """The wild-bootstrap and randomisation rows of the drivers (their notes appended to ``notes``)."""
    clusters = pd.factorize(sample["province_id"])[0]
    rows = []
    if "wild" in inference:
        from parlib.models.wild import wild_cluster_bootstrap

        for scheme, (j, term) in itertools.product(_as_list(bootstrap_weights), enumerate(names)):
            boot = wild_cluster_bootstrap(
                y, x, clusters, j, cr1_factor=res.cr1_factor, n_boot=n_boot, weights=scheme, seed=seed,
                level=level, annihilator=absorbed.resid,
            )  # fmt: skip
            if boot.get("note") and boot["note"] not in notes:
                notes.append(boot["note"])
            rows.append(
                dict(term=term, estimate=res.beta[j], conf_low=boot["conf_low"], conf_high=boot["conf_high"],
                     p_value=boot["p_value"], method=f"wild-{scheme}")
            )  # fmt: skip
    if "ri" in inference:
        from parlib.models.permutation import randomization_inference

        ri = randomization_inference(
            y, x_raw[:, : len(names)], x[:, len(names) :], absorbed.resid_raw,
            pd.factorize(sample["year"])[0], n_perm=n_perm, seed=seed, clusters=clusters,
        )  # fmt: skip
        rows += [
            dict(term=term, estimate=res.beta[j], p_value=float(ri["p_value"].iloc[j]), method="ri")
            for j, term in enumerate(names)
        ]
    return rows


def fit(
    panel: pd.DataFrame | None,
    outcome: str,
    drivers: Sequence[str],
    controls: Sequence[str] = (),
    *,
    fe: Sequence[str] = ("province", "year"),
    lag: int = 1,
    years: tuple[int, int] | None = None,
    standardize: str | None = None,
    cluster: str = "province",
    first_difference: bool = False,
    weights: str | None = None,
    inference: Sequence[str] = ("cr1",),
    n_boot: int = 9999,
    bootstrap_weights: str | Sequence[str] = "rademacher",
    n_perm: int = 5000,
    seed: int = 20251,
    level: float = 0.95,
) -> ModelResult:
    """Estimate ``outcome ~ drivers (lagged) + controls + fixed effects`` on a province-year panel.

    ``panel``: parlib.load_panel() (or any frame with province_id, year and the columns named);
    None loads it. Returns a ModelResult whose table (``result.TABLE_COLUMNS``) has one row per
    term and inference method: 'cr1', 'cr2', 'wild-rademacher' / 'wild-webb', 'ri'. Bootstrap
    and randomisation rows are given for the drivers only; ``bootstrap_weights=("rademacher",
    "webb")`` gives a wild-bootstrap row for each weight scheme.
    """
    if panel is None:
        from parlib.panel import load_panel

        panel = load_panel()
    controls, fe = list(controls), tuple(fe)
    unknown = [m for m in inference if m not in INFERENCE]
    if unknown or not inference:
        raise ModelSpecError(f"inference must be a subset of {INFERENCE} (got {list(inference)})")
    _check_fe(panel, fe)
    check_weights(panel, weights)
    if cluster != "province":
        raise ModelSpecError("only clustering by province is implemented (cluster='province')")
    drivers = check_drivers(outcome, drivers)
    keep = [c for c in (weights, "region" if "region-year" in fe else None) if c]
    sample, dropped, names, terms, fe, notes = _panel_sample(
        panel, outcome, drivers, controls, fe, lag=lag, years=years, standardize=standardize,
        first_difference=first_difference, keep=keep,
    )  # fmt: skip
    n_obs, n_prov = len(sample), sample["province_id"].nunique()
    if n_prov < MIN_CLUSTERS:
        raise ModelSpecError(
            f"too few clusters: {n_prov} provinces with complete data, need >= {MIN_CLUSTERS} "
            f"({MIN_CLUSTERS - n_prov} more); widen the years, use lag 0, drop drivers/controls with many "
            "missing values, or use parlib.models.fit_year / fit_change for one row per province"
        )
    clusters = pd.factorize(sample["province_id"])[0]
    w = sample[weights].to_numpy(float) if weights else None
    absorbed = ols.absorb(sample, fe, clusters, w)
    if absorbed.note:
        notes.append(absorbed.note)
    if n_obs - len(terms) - absorbed.rank < MIN_RESIDUAL_DF:
        raise ModelSpecError(
            f"too few observations: {n_obs} rows for {len(terms)} regressors and {absorbed.rank} "
            f"fixed effects (need >= {MIN_RESIDUAL_DF} residual degrees of freedom); "
            "widen the years or use fewer terms"
        )
    s = absorbed.sqrt_w
    y = absorbed.resid(s * sample[outcome].to_numpy(float))
    x_raw = sample[terms].to_numpy(float)
    x = absorbed.resid(s[:, None] * x_raw)
    _check_regressors(x, s[:, None] * x_raw, terms, within="province" in fe)
    res = ols.ols_cr1(y, x, clusters, absorbed.k_fe)
    n_years = sample["year"].nunique()
    df = res.n_clusters - 1
    rows = [  # CR1 rows always: the reference every other method is read against
        _t_row(t, res.beta[i], res.std_error[i], df, level, "cr1") for i, t in enumerate(terms)
    ]
    if "cr2" in inference:
        from parlib.models.cr2 import cr2

        c2 = cr2(x, res.resid, clusters, q_nested=absorbed.q_nested, q_other=absorbed.q_other)
        rows += [_t_row(t, res.beta[i], c2.std_error[i], c2.df[i], level, "cr2") for i, t in enumerate(terms)]
    rows += _resampling_rows(
        y, x, x_raw, res, absorbed, sample, names, inference, notes, n_boot=n_boot,
        bootstrap_weights=bootstrap_weights, n_perm=n_perm, seed=seed, level=level,
    )  # fmt: skip
    table = finish_table(rows, outcome, n_obs, n_prov, n_years)
    spec = dict(
        label=_label(fe, first_difference),
        design="panel",
        fe=fe,
        lag=lag,
        standardize=standardize,
        cluster=cluster,
        weights=weights,
        shown=("lag", "standardize", "cluster", "weights"),
        n_obs=n_obs,
        n_provinces=n_prov,
        n_years=n_years,
        first_year=int(sample["year"].min()),
        last_year=int(sample["year"].max()),
        cr1_factor=res.cr1_factor,
        k_total=res.k_total,
        inference=list(inference),
        n_boot=n_boot,
        n_perm=n_perm,
        seed=seed,
        bootstrap_weights=bootstrap_weights,
        level=level,
    )
    data = sample[["province_id", "year", outcome, *terms, *keep]]
    data = data.loc[:, ~data.columns.duplicated()]
    return ModelResult(outcome, names, terms, table, data, dropped, spec, notes, y, x)


def fit_family(
    panel: pd.DataFrame | None, outcomes: Sequence[str], drivers: Sequence[str], **kwargs
) -> FamilyResult:
    """``fit()`` for each outcome with the same drivers and options; Holm and BH across outcomes."""
    if panel is None:
        from parlib.panel import load_panel

        panel = load_panel()
    return family({outcome: fit(panel, outcome, drivers, **kwargs) for outcome in outcomes})
