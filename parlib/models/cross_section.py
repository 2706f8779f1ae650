"""One row per province: a single year (``fit_year``) and a long difference (``fit_change``).

Why: SIPAS and PAR INDEX are published for 10-20 provinces in most years, and reform drivers such
as staffing cuts come as ONE figure per province for a period ("2011-2020: 13.13% of
administrative staff"). Neither is a panel that ``fit()`` can use (too few clusters), but both
are a cross-section of provinces: the outcome of one year on the drivers, or the change of the
outcome between two years on the drivers of that span.

Model. y_i = a + x_i'b + e_i over the provinces i = 1..n with complete data, with an intercept
always, by (weighted) least squares. ``weights`` names a panel column (e.g. ``gso_population``,
taken at ``year`` / ``start``): every row is scaled by sqrt(w_i) and the formulas below apply to
the scaled rows X*, y*, as statsmodels WLS and pyfixest ``weights=`` do. ``fit_change``: y_i is
the change y_i,end - y_i,start; a driver is a column of ``period_drivers`` (one figure per
province for the period, e.g. ``driver_staff_cut_pct_admin_agencies``) or a panel column, taken
as its change (``<driver>_change``) or its level at ``start`` (``<driver>_<start>``); controls
are baseline levels at ``start`` (``<control>_<start>``). The outcome keeps its name. The table
has the slopes (the intercept is ``spec["intercept"]``); ``dropped`` lists every province left out.

Inference, one row per term and method (k = coefficients including the intercept, t with n - k
df): ``hc1`` V = n/(n-k) (X*'X*)^-1 X*' diag(u*^2) X* (X*'X*)^-1 and ``hc3`` (u*_i^2 replaced by
u*_i^2 / (1 - h_ii)^2, h the leverage of the scaled rows; MacKinnon & White 1985; Long & Ervin
2000 recommend it below n = 250). ``perm`` (drivers only): the driver's values are permuted
across the provinces, every other regressor and the weights stay with their province, and the
model is refitted (the raw-driver permutation of ritest / Stata ``permute``; Hess 2017). The
statistic is the HC3 t, so the test is exact under the sharp null of no effect for any province
when the driver is exchangeable across provinces (a random assignment), and it stays
asymptotically valid for the weak null b = 0 under heteroskedasticity (studentization: Chung &
Romano 2013; DiCiccio & Romano 2017). With controls, permuting the raw driver is exact only if
the driver is exchangeable given nothing (independent of the controls); otherwise the test is
approximate (DiCiccio & Romano's robust alternative permutes Freedman-Lane residuals; not done
here). n <= 9: all n! permutations, p = #{|T_perm| >= |T_obs|} / n! (exact, no Monte Carlo
error). Otherwise ``n_perm`` seeded random permutations, p = (1 + #{|T_perm| >= |T_obs|}) /
(1 + n_perm), Monte Carlo se sqrt(p(1-p)/n_perm) in ``notes`` and ``spec["perm_mc_se"]``. Ties
within a relative 1e-9 and degenerate permutations count as extreme (conservative). Measured
(tests/test_models_cross_section_simulation.py): at nominal level with bounded drivers; with a
normal driver and errors growing in |x|, HC3 covers ~0.94 and the test rejects ~6-7% at n = 12-40.

Small samples. ``df`` = n - k on the analytic rows; ``mde`` (minimum detectable effect at 80%
power, two-sided at 1 - level) = (t_{1-alpha/2, n-k} + t_{0.80, n-k}) x SE with the classical SE
sqrt(s^2 [(X*'X*)^-1]_jj), s^2 = RSS*/(n-k): the design's precision under homoskedasticity, the
same on the hc1 and hc3 rows (``spec["mde"]``). Refused below ``MIN_OBS`` = 6 provinces with
complete data or ``MIN_RESIDUAL_DF`` = 3 residual df; the message counts the provinces missing
and the dropped ones by reason.

Method breaks. A change whose start and end lie in different method eras of the outcome
(``<index>_method_era``) mixes reform and method and is refused, unless ``standardize=
"within_year"`` (z-scores across the sample's provinces each year: a change of relative
position) or ``allow_break=True`` (recorded in ``notes`` and ``spec``).

References: MacKinnon & White (1985) J. Econometrics 29; Long & Ervin (2000) Am. Stat. 54;
Chung & Romano (2013) Ann. Stat. 41; DiCiccio & Romano (2017) JASA 112; Hess (2017) Stata J.
17 (ritest); Bloom (1995) Eval. Rev. 19 (MDE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from parlib.models.ols import collinear_columns
from parlib.models.overlap import era_column
from parlib.models.permutation import TIE_RTOL, within_year_permutations
from parlib.models.result import ModelResult, finish_table, mde
from parlib.models.sample import ModelSpecError, check_drivers, check_weights, prepare

MIN_OBS = 6
MIN_RESIDUAL_DF = 3
EXACT_MAX = 9
CHUNK = 65536


@dataclass
class HCFit:
    """(W)LS with an intercept, batched over leading axes: slopes and their standard errors."""

    beta: np.ndarray  # (..., k) slopes (the intercept excluded)
    intercept: np.ndarray  # (...)
    hc1: np.ndarray  # (..., k) standard errors
    hc3: np.ndarray
    classical: np.ndarray  # sqrt(s^2 [(X*'X*)^-1]_jj), s^2 = RSS*/(n - k)
    leverage: np.ndarray  # (..., n) of the scaled rows
    df: int  # n - k, k counting the intercept


def _sqrt_w(y: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    return np.ones_like(y) if weights is None else np.broadcast_to(np.sqrt(weights), y.shape)


def hc_fit(y: np.ndarray, x: np.ndarray, weights: np.ndarray | None = None) -> HCFit:
    """Regress y (..., n) on an intercept and x (..., n, k); HC1, HC3 and classical SEs (QR based)."""
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    s = _sqrt_w(y, weights)
    design = np.concatenate([s[..., None], s[..., None] * x], axis=-1)
    n, k = design.shape[-2:]
    q, r = np.linalg.qr(design)
    u = s * y - np.einsum("...nk,...k->...n", q, np.einsum("...nk,...n->...k", q, s * y))
    rinv = np.linalg.inv(r)
    coef = np.einsum("...kl,...nl,...n->...k", rinv, q, s * y)
    a2 = np.einsum("...kl,...nl->...kn", rinv, q) ** 2  # rows of (X'X)^-1 X', squared
    h = (q**2).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        hc3 = np.einsum("...kn,...n->...k", a2, (u / (1 - h)) ** 2)
    hc0 = np.einsum("...kn,...n->...k", a2, u**2)
    sigma2 = (u**2).sum(axis=-1) / (n - k)
    classical = (rinv**2).sum(axis=-1) * sigma2[..., None]
    se = [np.sqrt(v)[..., 1:] for v in (hc0 * n / (n - k), hc3, classical)]
    return HCFit(coef[..., 1:], coef[..., 0], *se, h, n - k)


def perm_t(
    y: np.ndarray, x: np.ndarray, j: int, idx: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """HC3 t statistics of column j of x when its values are permuted by idx.

    y (..., n), x (..., n, k), idx (P, n) or (..., P, n): row i of permutation p takes the driver
    of row idx[p, i]; the other columns and the weights stay. Returns (..., P). By Frisch-Waugh-
    Lovell with e the permuted scaled driver net of Z* = [sqrt(w), other columns]: b = e'M y*/e'e,
    leverage h = h_Z + e^2/e'e, V_HC3 = sum e_i^2 u_i^2/(1 - h_i)^2 / (e'e)^2. NaN if e'e = 0.
    """
    y, x = np.asarray(y, dtype=float), np.asarray(x, dtype=float)
    s = _sqrt_w(y, weights)
    z = np.concatenate([s[..., None], s[..., None] * np.delete(x, j, axis=-1)], axis=-1)
    qz = np.linalg.qr(z)[0]
    hz = (qz**2).sum(axis=-1)
    ys = s * y
    yt = ys - np.einsum("...nk,...k->...n", qz, np.einsum("...nk,...n->...k", qz, ys))
    d = x[..., j][..., None, :]
    idx = np.broadcast_to(idx, d.shape[:-2] + np.shape(idx)[-2:])
    e = s[..., None, :] * np.take_along_axis(d, idx, axis=-1)
    e = e - np.einsum("...pk,...nk->...pn", np.einsum("...pn,...nk->...pk", e, qz), qz)
    ee = (e**2).sum(axis=-1)
    scale = ((s[..., None, :] * d) ** 2).sum(axis=-1)
    ee = np.where(ee <= 1e-20 * scale, np.nan, ee)
    b = np.einsum("...pn,...n->...p", e, yt) / ee
    u = yt[..., None, :] - b[..., None] * e
    h = hz[..., None, :] + e**2 / ee[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        var = ((e * u / (1 - h)) ** 2).sum(axis=-1) / ee**2
        return b / np.sqrt(var)


def all_permutations(n: int) -> np.ndarray:
    """(n!, n): every permutation of range(n), lexicographic (identity first), vectorised."""
    out = np.zeros((1, 0), dtype=np.intp)
    for m in range(1, n + 1):  # permutations of range(m) from those of range(m - 1)
        out = np.concatenate(
            [np.column_stack([np.full(len(out), f), out + (out >= f)]) for f in range(m)]
        ).astype(np.intp)
    return out


def permutations(n: int, n_perm: int, seed: int) -> tuple[np.ndarray, bool]:
    """All n! permutations when n <= EXACT_MAX (exact), else ``n_perm`` seeded random ones."""
    if n <= EXACT_MAX:
        return all_permutations(n), True
    if n_perm < 1:
        raise ModelSpecError(f"n_perm must be at least 1 (got {n_perm})")
    return within_year_permutations(np.zeros(n), n_perm, np.random.default_rng(seed)), False


def perm_pvalue(
    y: np.ndarray, x: np.ndarray, j: int, t_obs: float, idx: np.ndarray, exact: bool,
    weights: np.ndarray | None = None,
) -> tuple[float, float]:  # fmt: skip
    """(p-value, Monte Carlo se) of the studentized permutation test of column j (module docstring)."""
    extreme, threshold = 0, abs(t_obs) * (1 - TIE_RTOL)
    for start in range(0, len(idx), CHUNK):
        t = perm_t(y, x, j, idx[start : start + CHUNK], weights)
        extreme += int((~(np.abs(t) < threshold)).sum())
    if exact:
        return extreme / len(idx), 0.0
    p = (1 + extreme) / (1 + len(idx))
    return p, float(np.sqrt(p * (1 - p) / len(idx)))


def _row(term: str, b: float, se: float, df: int, level: float, method: str, mde_value: float) -> dict:
    crit = stats.t.ppf(0.5 + level / 2, df)
    p = 2 * stats.t.sf(abs(b / se), df)
    return dict(term=term, estimate=b, std_error=se, conf_low=b - crit * se, conf_high=b + crit * se,
                p_value=p, method=method, df=df, mde=mde_value)  # fmt: skip


def _estimate(
    sample: pd.DataFrame, dropped: pd.DataFrame, outcome: str, names: list[str], terms: list[str],
    weights: str | None, spec: dict, notes: list[str], *, n_perm: int, seed: int, level: float,
) -> ModelResult:  # fmt: skip
    """Guards, the fit and the table shared by both designs (sample: one complete row per province)."""
    n, k = len(sample), len(terms) + 1
    need = max(MIN_OBS, k + MIN_RESIDUAL_DF)
    if n < need:
        groups = dropped.groupby("reason", sort=False)["province_id"]
        why = "; ".join(f"{r}: {len(v)}" + (f" ({', '.join(v)})" if len(v) <= 10 else "") for r, v in groups)
        raise ModelSpecError(
            f"too few provinces for {spec['label']}: {n} province{'s' * (n != 1)} with complete data; this "
            f"design needs at least {need}: {need - n} more (MIN_OBS = {MIN_OBS} and >= {MIN_RESIDUAL_DF} "
            f"residual df with {k} coefficients incl. the intercept). Dropped: {why}. Use another year or "
            "period, or fewer drivers and controls"
        )
    y, x = sample[outcome].to_numpy(float), sample[terms].to_numpy(float)
    w = sample[weights].to_numpy(float) if weights else None
    s = np.ones(n) if w is None else np.sqrt(w)
    q0 = s / np.linalg.norm(s)
    y_t = s * y - q0 * (q0 @ (s * y))  # scaled rows net of the intercept: ModelResult.within()
    x_t = s[:, None] * x - np.outer(q0, q0 @ (s[:, None] * x))
    collinear = collinear_columns(x_t, terms)
    if collinear:
        raise ModelSpecError(
            f"no variation or perfectly collinear regressors: {collinear} are constant or linear "
            "combinations of the others across the provinces in the sample; drop them"
        )
    res = hc_fit(y, x, w)
    if res.leverage.max() > 1 - 1e-8:
        who = sample["province_id"].iloc[int(res.leverage.argmax())]
        raise ModelSpecError(f"province {who} has leverage 1 (fitted exactly): HC3 is undefined; drop a term")
    rows, mdes = [], {t: float(mde(res.classical[i], res.df, level)) for i, t in enumerate(terms)}
    for method, se in (("hc1", res.hc1), ("hc3", res.hc3)):
        rows += [_row(t, res.beta[i], se[i], res.df, level, method, mdes[t]) for i, t in enumerate(terms)]
    idx, exact = permutations(n, n_perm, seed)
    mc_se = {}
    for j, term in enumerate(names):
        p, mc_se[term] = perm_pvalue(y, x, j, res.beta[j] / res.hc3[j], idx, exact, w)
        rows.append(dict(term=term, estimate=res.beta[j], p_value=p, method="perm"))
    if exact:
        notes.append(f"perm: exact (all n! permutations: {n}! = {len(idx):,}); no Monte Carlo error")
    else:
        ses = ", ".join(f"{t} {v:.4f}" for t, v in mc_se.items())
        notes.append(f"perm: {len(idx):,} random permutations (seed {seed}); Monte Carlo se of p: {ses}")
    notes.append(
        "perm: studentized (HC3 t); the raw driver permuted across provinces, refitted with the rest"
    )
    n_years = len({spec["first_year"], spec["last_year"]})
    spec.update(n_obs=n, n_provinces=n, n_years=n_years, level=level, seed=seed, n_perm=len(idx), exact=exact,
                perm_mc_se=mc_se, mde=mdes, k=k, df_resid=res.df, intercept=float(res.intercept))  # fmt: skip
    table = finish_table(rows, outcome, n, n, n_years)
    return ModelResult(
        outcome, names, terms, table, sample.reset_index(drop=True), dropped, spec, notes, y_t, x_t
    )


def _panel(panel: pd.DataFrame | None) -> pd.DataFrame:
    if panel is None:
        from parlib.panel import load_panel

        return load_panel()
    return panel


def fit_year(
    panel: pd.DataFrame | None,
    outcome: str,
    drivers: Sequence[str],
    year: int,
    controls: Sequence[str] = (),
    *,
    lag: int = 0,
    weights: str | None = None,
    standardize: str | None = None,
    n_perm: int = 9999,
    seed: int = 20251,
    level: float = 0.95,
) -> ModelResult:
    """Cross-section of one year: ``outcome`` in ``year`` on the drivers of ``year - lag`` (calendar
    years, as ``prepare``) and the controls of ``year``. Methods hc1, hc3, perm (module docstring)."""
    panel = _panel(panel)
    drivers, controls = check_drivers(outcome, drivers), list(controls)
    check_weights(panel, weights)
    keep = [weights] if weights else []
    sample, dropped, names = prepare(
        panel, outcome, drivers, controls, lag=lag, years=(year, year), standardize=standardize, keep=keep
    )
    terms = [*names, *controls]
    columns = ["province_id", "year", outcome, *terms, *([weights] if weights else [])]
    sample = sample[list(dict.fromkeys(columns))]
    spec = dict(label=f"cross-section {year}", design="cross-section", year=year, start=year, end=year,
                shown=("lag", "standardize", "weights"), lag=lag, driver_year=year - lag, weights=weights,
                standardize=standardize, first_year=year, last_year=year)  # fmt: skip
    return _estimate(
        sample, dropped, outcome, names, terms, weights, spec, [], n_perm=n_perm, seed=seed, level=level
    )


def fit_change(
    panel: pd.DataFrame | None,
    outcome: str,
    start: int,
    end: int,
    drivers: Sequence[str],
    controls: Sequence[str] = (),
    *,
    period_drivers: pd.DataFrame | None = None,
    driver_values: str = "change",
    weights: str | None = None,
    standardize: str | None = None,
    allow_break: bool = False,
    n_perm: int = 9999,
    seed: int = 20251,
    level: float = 0.95,
) -> ModelResult:
    """Long difference: the change of ``outcome`` from ``start`` to ``end`` per province on period
    drivers (``period_drivers`` columns, or panel columns as their change or ``start`` level),
    with controls and weights at ``start``. Refuses a change across a method break (module
    docstring). ``dropped`` gives each province left out, the year where a value is missing
    (``end`` for a period driver) and the reason."""
    panel = _panel(panel)
    drivers, controls = check_drivers(outcome, drivers), list(controls)
    if not start < end:
        raise ModelSpecError(f"start must be before end (got {start}, {end})")
    if driver_values not in ("change", "start"):
        raise ModelSpecError(f"driver_values must be 'change' or 'start' (got {driver_values!r})")
    if standardize not in (None, "within_year"):
        raise ModelSpecError(f"standardize must be None or 'within_year' (got {standardize!r})")
    check_weights(panel, weights)
    period = pd.DataFrame({"province_id": []}) if period_drivers is None else period_drivers
    if "province_id" not in period or period["province_id"].duplicated().any():
        raise ModelSpecError(
            "period_drivers must have one row per province_id (parlib.sources.period_tables)"
        )
    period = period.set_index("province_id")
    unknown = [c for c in [outcome, *controls, *([weights] if weights else [])] if c not in panel]
    unknown += [d for d in drivers if d not in period and d not in panel]
    if unknown:
        raise ModelSpecError(
            f"unknown column(s) {unknown}: not in the panel (see parlib.load_panel().columns)"
            + (f" nor in period_drivers {list(period.columns)}" if period_drivers is not None else "")
        )
    in_force = panel.loc[panel["year"].isin([start, end]), "province_id"]  # not Hà Tây in 2011-2020
    provinces = sorted(set(in_force) | set(period.index))
    at = {yr: panel[panel["year"] == yr].set_index("province_id").reindex(provinces) for yr in (start, end)}
    frame = pd.DataFrame(index=pd.Index(provinces, name="province_id"))
    checks = [(pd.Series(frame.index.isin(panel["province_id"]), frame.index), "not in the panel", end)]
    for yr in (start, end):
        frame[f"_{outcome}_{yr}"] = at[yr][outcome]
        checks.append((frame[f"_{outcome}_{yr}"], f"outcome {outcome} missing in {yr}", yr))
    names = []
    for d in drivers:
        if d in period:
            frame[d] = period[d].reindex(provinces).astype(float)
            checks.append((frame[d], f"driver {d} missing in period_drivers ({start}-{end})", end))
            names.append(d)
            continue
        name = f"{d}_change" if driver_values == "change" else f"{d}_{start}"
        used = (start, end) if driver_values == "change" else (start,)
        checks += [(at[yr][d], f"driver {d} missing in {yr}", yr) for yr in used]
        frame[name] = at[end][d] - at[start][d] if driver_values == "change" else at[start][d]
        names.append(name)
    terms = [*names, *[f"{c}_{start}" for c in controls]]
    for c in controls:
        frame[f"{c}_{start}"] = at[start][c]
        checks.append((frame[f"{c}_{start}"], f"control {c} missing in {start}", start))
    if weights:
        frame[weights] = at[start][weights]
        checks.append((frame[weights], f"weights {weights} missing in {start}", start))
    reason, when = pd.Series("", index=frame.index), pd.Series(end, index=frame.index)
    for values, label, yr in checks:
        gone = (~values if values.dtype == bool else values.isna()) & (reason == "")
        reason[gone], when[gone] = label, yr
    dropped = pd.DataFrame({"province_id": frame.index, "year": when.to_numpy(), "reason": reason.to_numpy()})
    dropped = dropped[dropped["reason"] != ""].reset_index(drop=True)
    sample = frame[reason == ""].copy()
    levels = [sample[f"_{outcome}_{yr}"] for yr in (start, end)]
    if standardize == "within_year":
        levels = [(v - v.mean()) / v.std() for v in levels]
    sample[outcome] = levels[1] - levels[0]
    notes = []
    era = era_column(outcome)
    if era and era in panel:
        eras = [sorted(at[yr].loc[at[yr][outcome].notna(), era].dropna().unique()) for yr in (start, end)]
        if all(eras) and eras[0] != eras[1]:  # a year without the outcome is refused below (too few)
            crossing = f"{start} is in the {' / '.join(eras[0])} method era, {end} in {' / '.join(eras[1])}"
            if standardize != "within_year" and not allow_break:
                raise ModelSpecError(
                    f"the change of {outcome} from {start} to {end} crosses a method break: {crossing} (the "
                    "publisher changed the method between those years), so the change mixes reform and "
                    "method. Either standardize='within_year' (z-scores across the provinces in the sample "
                    "each year; the change is then a change of relative position) or allow_break=True (an "
                    "explicit override, recorded in the result's notes and spec)"
                )
            how = "allowed by allow_break=True; the change mixes reform and method"
            if standardize == "within_year":
                how = "standardized within year, so the change is a change of relative position"
            notes.append(f"outcome crosses a method break ({crossing}): {how}")
    sources = [c for c in period if c.startswith("source_")]
    sample[sources] = period[sources].reindex(sample.index)
    sample = sample.reset_index().assign(year=end)
    columns = ["province_id", "year", outcome, *terms, *([weights] if weights else []), *sources]
    sample = sample[list(dict.fromkeys(columns))]
    spec = dict(label=f"long difference {start}-{end}", design="long-difference", start=start, end=end,
                shown=("driver_values", "standardize", "weights", "allow_break"), driver_values=driver_values,
                weights=weights, standardize=standardize, allow_break=allow_break, first_year=start,
                last_year=end, crosses_break=any("method break" in n for n in notes))  # fmt: skip
    return _estimate(
        sample, dropped, outcome, names, terms, weights, spec, notes, n_perm=n_perm, seed=seed, level=level
    )
