"""Driver -> outcome regressions on the province-year panel: one entry point, ``fit()``.

Specifications: pooled OLS (``fe=()``), province fixed effects (``fe=("province",)``), two-way
fixed effects (``fe=("province", "year")``, the baseline), first differences
(``first_difference=True``, consecutive years only). Drivers are lagged ``lag`` years
(0-2; the value of year t - lag of the same province, never the previous row). Outcomes may
be standardised within year (``standardize="within_year"``: z-scores across the provinces in
the sample each year), which keeps method breaks from masquerading as trends. Where an
outcome crosses a method break and year effects are not in the model, method-era dummies
are added; with year effects they are absorbed.

Inference (``inference=``): ``"cr1"`` cluster-robust by province (see parlib.models.ols for
the small-sample convention; t with G-1 df), ``"wild"`` wild cluster bootstrap with the
null imposed (Rademacher or Webb weights, 9,999 draws by default, seeded; interval by test
inversion), ``"ri"`` randomisation inference (drivers permuted across provinces within
year; p-values only; the statistic is the coefficient over its clustered standard error,
because a within-year shuffle breaks the drivers' persistence and the raw coefficient's
permutation distribution is then too narrow: 82% coverage against 95% in the simulation
test). Guards refuse, with a message that says what to change: a driver that
is part of the outcome, too few observations or clusters, a driver without within-province
variation under province effects, and perfectly collinear regressors.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from parlib.errors import ParlibError
from parlib.models import ols

MIN_CLUSTERS = 10
MIN_RESIDUAL_DF = 10
INFERENCE = ("cr1", "wild", "ri")
TABLE_COLUMNS = [
    "outcome",
    "term",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "method",
    "n_obs",
    "n_provinces",
    "n_years",
]


class ModelSpecError(ParlibError, ValueError):
    """A model that cannot be estimated as asked; the message says what to change."""


# --- mechanical overlap -------------------------------------------------------------------------

_PREFIXES = [("par_index_", "PAR_INDEX"), ("papi_", "PAPI"), ("pci_", "PCI"), ("sipas_", "SIPAS")]


def _index_component(column: str) -> tuple[str, str] | None:
    for prefix, index in _PREFIXES:
        if column.startswith(prefix):
            return index, column[len(prefix) :]
    return None


def _papi_family(component: str) -> set[str]:
    """The PAPI components that contain ``component`` or that it contains (itself included)."""
    from parlib.sources.papi import CODEBOOK

    parent = CODEBOOK.set_index("component")["parent"].to_dict()
    if component not in parent:
        return {component}
    up, node = {component}, component
    while parent.get(node):
        node = parent[node]
        up.add(node)
    down, frontier = {component}, {component}
    while frontier:
        frontier = {c for c, p in parent.items() if p in frontier}
        down |= frontier
    return up | down


def overlap(outcome: str, driver: str) -> str | None:
    """Why ``driver`` is mechanically part of ``outcome`` (or None when it is not)."""
    out, drv = _index_component(outcome), _index_component(driver)
    if out is None or drv is None or out[0] != drv[0]:
        return None
    index, oc = out
    dc = drv[1]
    if oc == dc:
        return f"{driver} is the outcome itself"
    if index == "PAPI":
        if dc in _papi_family(oc):
            return f"{driver} and {outcome} are parts of one another in PAPI's structure"
        return None
    aggregates = {"total", "unweighted"}
    if oc in aggregates or dc in aggregates:
        return f"{driver} enters the {index} aggregate {outcome}"
    return None


# --- data preparation ---------------------------------------------------------------------------


def _era_column(outcome: str) -> str | None:
    parsed = _index_component(outcome)
    return f"{parsed[0].lower()}_method_era" if parsed else None


def prepare(
    panel: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    controls: Sequence[str],
    *,
    lag: int,
    years: tuple[int, int] | None,
    standardize: str | None,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The estimation sample, the rows dropped (province_id, year, reason) and the driver columns.

    Lagged drivers are named ``<driver>_lag<lag>`` (plain name when lag = 0).
    """
    needed = [outcome, *drivers, *controls]
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise ModelSpecError(f"unknown panel column(s) {missing}; see parlib.load_panel().columns")
    if not 0 <= lag <= 2:
        raise ModelSpecError(f"lag must be 0, 1 or 2 (got {lag})")
    base = panel[["province_id", "year", outcome, *controls]].copy()
    era = _era_column(outcome)
    if era and era in panel.columns:
        base["method_era"] = panel[era]
    lagged = panel[["province_id", "year", *drivers]].copy()
    lagged["year"] = lagged["year"] + lag
    names = [d if lag == 0 else f"{d}_lag{lag}" for d in drivers]
    lagged = lagged.rename(columns=dict(zip(drivers, names, strict=True)))
    frame = base.merge(lagged, on=["province_id", "year"], how="left")
    if years is not None:
        frame = frame[frame["year"].between(*years)]
    else:
        frame = frame[frame["year"].isin(frame.loc[frame[outcome].notna(), "year"].unique())]
    reasons = pd.Series("", index=frame.index)
    for column, label in [
        (outcome, "outcome"),
        *[(n, "driver") for n in names],
        *[(c, "control") for c in controls],
    ]:
        gone = frame[column].isna() & (reasons == "")
        reasons[gone] = f"{label} {column} missing"
    dropped = frame.loc[reasons != "", ["province_id", "year"]].assign(reason=reasons[reasons != ""])
    sample = frame[reasons == ""].copy()
    if standardize == "within_year":
        grouped = sample.groupby("year")[outcome]
        sample[outcome] = (sample[outcome] - grouped.transform("mean")) / grouped.transform("std")
    elif standardize is not None:
        raise ModelSpecError(f"standardize must be None or 'within_year' (got {standardize!r})")
    return sample.reset_index(drop=True), dropped.reset_index(drop=True), names


def _first_difference(sample: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    sample = sample.sort_values(["province_id", "year"])
    prev = sample.groupby("province_id")[["year", *columns]].shift(1)
    ok = (sample["year"] - prev["year"]) == 1
    diffed = sample.copy()
    diffed[columns] = sample[columns] - prev[columns]
    dropped = sample.loc[~ok, ["province_id", "year"]].assign(
        reason="no observation the year before (first difference)"
    )
    return diffed[ok].reset_index(drop=True), dropped


def _drop_singletons(sample: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    counts = sample.groupby("province_id")["year"].transform("size")
    single = counts == 1
    dropped = sample.loc[single, ["province_id", "year"]].assign(
        reason="singleton: the province's only observation (absorbed by its fixed effect)"
    )
    return sample[~single].reset_index(drop=True), dropped


def with_controls(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel plus derived controls: budget per capita and log population.

    ``budget_final_expenditure_per_capita`` and ``budget_plan_expenditure_per_capita``
    (million VND per person) divide the MoF budget (million VND) by GSO average population
    (thousand persons x 1,000), so they exist only where both do (final accounts 2011-2014,
    plans 2011-2017). ``gso_log_population`` is the natural log of population.
    """
    out = panel.copy()
    persons = out["gso_population"] * 1000
    for kind in ("final", "plan"):
        column = f"budget_{kind}_expenditure"
        if column in out:
            out[f"{column}_per_capita"] = out[column] / persons
    out["gso_log_population"] = np.log(out["gso_population"])
    return out


# --- the result ---------------------------------------------------------------------------------


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

    def within(self, driver: str | None = None) -> pd.DataFrame:
        """Added-variable (partial) data for one driver: outcome and driver net of the fixed effects
        and of every other regressor. Columns province_id, year, <outcome>, <driver>; the OLS
        slope through these points equals the driver's estimate (``attrs['slope']``)."""
        driver = driver or self.drivers[0]
        j = self.terms.index(driver)
        others = np.delete(self._x, j, axis=1)
        if others.shape[1]:
            proj = others @ np.linalg.lstsq(others, np.column_stack([self._y, self._x[:, j]]), rcond=None)[0]
            y_part, x_part = self._y - proj[:, 0], self._x[:, j] - proj[:, 1]
        else:
            y_part, x_part = self._y, self._x[:, j]
        out = self.data[["province_id", "year"]].copy()
        out[self.outcome], out[driver] = y_part, x_part
        out.attrs["slope"] = float(self.estimate(driver))
        return out

    def estimate(self, term: str, method: str = "cr1") -> float:
        rows = self.table[(self.table["term"] == term) & (self.table["method"] == method)]
        return float(rows["estimate"].iloc[0])

    def summary(self) -> str:
        s = self.spec
        lines = [
            f"Outcome: {self.outcome}    Drivers: {', '.join(self.drivers)}",
            f"Specification: {s['label']}; lag {s['lag']}; standardize={s['standardize']}; "
            f"cluster={s['cluster']}",
            f"Observations: {s['n_obs']}  provinces (clusters): {s['n_provinces']}  years: {s['n_years']} "
            f"({s['first_year']}-{s['last_year']})  dropped rows: {len(self.dropped)}",
        ]
        table = self.table[["term", "method", "estimate", "std_error", "conf_low", "conf_high", "p_value"]]
        with pd.option_context("display.width", 160, "display.float_format", "{:.4f}".format):
            lines.append(table.to_string(index=False))
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ModelResult {self.outcome} ~ {' + '.join(self.drivers)}: {self.spec['label']}>"


# --- fit ----------------------------------------------------------------------------------------


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


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
    inference: Sequence[str] = ("cr1",),
    n_boot: int = 9999,
    weights: str | Sequence[str] = "rademacher",
    n_perm: int = 5000,
    seed: int = 20251,
    level: float = 0.95,
) -> ModelResult:
    """Estimate ``outcome ~ drivers (lagged) + controls + fixed effects`` on a province-year panel.

    ``panel``: parlib.load_panel() (or any frame with province_id, year and the columns named);
    None loads it. Returns a ModelResult whose table has one row per term and inference
    method: outcome, term, estimate, std_error, conf_low, conf_high, p_value, method
    ('cr1', 'wild-rademacher' / 'wild-webb', 'ri'), n_obs, n_provinces, n_years. Bootstrap
    and randomisation rows are given for the drivers only; ``weights=("rademacher", "webb")``
    gives a wild-bootstrap row for each weight scheme.
    """
    if panel is None:
        from parlib.panel import load_panel

        panel = load_panel()
    drivers, controls, fe = list(drivers), list(controls), tuple(fe)
    if not drivers:
        raise ModelSpecError("give at least one driver")
    unknown = [m for m in inference if m not in INFERENCE]
    if unknown or not inference:
        raise ModelSpecError(f"inference must be a subset of {INFERENCE} (got {list(inference)})")
    if set(fe) - {"province", "year"} or len(set(fe)) != len(fe):
        raise ModelSpecError(f"fe must be a subset of ('province', 'year') (got {fe})")
    if cluster != "province":
        raise ModelSpecError("only clustering by province is implemented (cluster='province')")
    for driver in drivers:
        why = overlap(outcome, driver)
        if why:
            raise ModelSpecError(
                f"driver {driver} overlaps the outcome {outcome}: {why}; choose an outcome that does not "
                "contain it (e.g. another PAPI dimension) or another driver"
            )
    sample, dropped, names = prepare(
        panel, outcome, drivers, controls, lag=lag, years=years, standardize=standardize
    )
    notes = []
    if first_difference:
        sample, gone = _first_difference(sample, [outcome, *names, *controls])
        dropped = pd.concat([dropped, gone], ignore_index=True)
        fe = tuple(f for f in fe if f == "year")
        notes.append("first differences: province effects differenced out; consecutive years only")
    if "province" in fe:
        sample, gone = _drop_singletons(sample)
        dropped = pd.concat([dropped, gone], ignore_index=True)
    terms = [*names, *controls]
    if "year" not in fe and "method_era" in sample and sample["method_era"].nunique() > 1:
        eras = pd.get_dummies(sample["method_era"], prefix="era", prefix_sep="[", dtype=float)
        eras.columns = [f"{c}]" for c in eras.columns]
        eras = eras.iloc[:, 1:]
        sample = pd.concat([sample, eras], axis=1)
        terms += list(eras.columns)
        notes.append(f"method-era dummies added (outcome crosses a break): {list(eras.columns)}")
    elif "method_era" in sample and sample["method_era"].nunique() > 1:
        notes.append("outcome crosses a method break: absorbed by the year effects")
    n_obs, n_prov = len(sample), sample["province_id"].nunique()
    if n_prov < MIN_CLUSTERS:
        raise ModelSpecError(
            f"too few clusters: {n_prov} provinces with complete data (need >= {MIN_CLUSTERS}); "
            "widen the years, use lag 0, or drop drivers/controls with many missing values"
        )
    absorbed = ols.absorb(sample, fe, cluster)
    k_fe = absorbed.rank - absorbed.nested
    if n_obs - len(terms) - absorbed.rank < MIN_RESIDUAL_DF:
        raise ModelSpecError(
            f"too few observations: {n_obs} rows for {len(terms)} regressors and {absorbed.rank} "
            f"fixed effects (need >= {MIN_RESIDUAL_DF} residual degrees of freedom); "
            "widen the years or use fewer terms"
        )
    y = absorbed.resid(sample[outcome].to_numpy(float))
    x_raw = sample[terms].to_numpy(float)
    x = absorbed.resid(x_raw)
    if "province" in fe:
        flat = [
            t
            for i, t in enumerate(terms)
            if np.linalg.norm(x[:, i]) <= 1e-9 * max(1, np.linalg.norm(x_raw[:, i]))
        ]
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
    clusters = pd.factorize(sample["province_id"])[0]
    res = ols.ols_cr1(y, x, clusters, k_fe)
    n_years = sample["year"].nunique()
    crit = stats.t.ppf(0.5 + level / 2, res.n_clusters - 1)
    rows = []
    for i, term in enumerate(terms):
        b, se = res.beta[i], res.std_error[i]
        p = 2 * stats.t.sf(abs(b / se), res.n_clusters - 1)
        rows.append(
            dict(
                term=term,
                estimate=b,
                std_error=se,
                conf_low=b - crit * se,
                conf_high=b + crit * se,
                p_value=p,
                method="cr1",
            )
        )
    if "wild" in inference:
        from parlib.models.wild import wild_cluster_bootstrap

        for scheme, (j, term) in itertools.product(_as_list(weights), enumerate(names)):
            w = wild_cluster_bootstrap(
                y,
                x,
                clusters,
                j,
                cr1_factor=res.cr1_factor,
                n_boot=n_boot,
                weights=scheme,
                seed=seed,
                level=level,
                annihilator=absorbed.resid,
            )
            if w.get("note") and w["note"] not in notes:
                notes.append(w["note"])
            rows.append(
                dict(
                    term=term,
                    estimate=res.beta[j],
                    std_error=np.nan,
                    conf_low=w["conf_low"],
                    conf_high=w["conf_high"],
                    p_value=w["p_value"],
                    method=f"wild-{scheme}",
                )
            )
    if "ri" in inference:
        from parlib.models.permutation import randomization_inference

        ri = randomization_inference(
            y,
            x_raw[:, : len(names)],
            x[:, len(names) :],
            absorbed.resid,
            pd.factorize(sample["year"])[0],
            n_perm=n_perm,
            seed=seed,
            clusters=clusters,
        )
        ri = pd.DataFrame(ri)
        for j, term in enumerate(names):
            rows.append(
                dict(
                    term=term,
                    estimate=res.beta[j],
                    std_error=np.nan,
                    conf_low=np.nan,
                    conf_high=np.nan,
                    p_value=float(ri["p_value"].iloc[j]),
                    method="ri",
                )
            )
    table = pd.DataFrame(rows)
    table.insert(0, "outcome", outcome)
    table["n_obs"], table["n_provinces"], table["n_years"] = n_obs, n_prov, n_years
    label = {
        (): "pooled OLS",
        ("province",): "province fixed effects",
        ("year",): "year fixed effects",
        ("province", "year"): "two-way fixed effects (province, year)",
    }.get(tuple(sorted(fe)), str(fe))
    if first_difference:
        label = "first differences" + (" with year effects" if fe else "")
    spec = dict(
        label=label,
        fe=fe,
        lag=lag,
        standardize=standardize,
        cluster=cluster,
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
        weights=weights,
    )
    data = sample[["province_id", "year", outcome, *terms]]
    return ModelResult(outcome, names, terms, table[TABLE_COLUMNS], data, dropped, spec, notes, y, x)


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


def fit_family(
    panel: pd.DataFrame | None, outcomes: Sequence[str], drivers: Sequence[str], **kwargs
) -> FamilyResult:
    """``fit()`` for each outcome with the same drivers and options; Holm and BH across outcomes."""
    from parlib.models.multiple import benjamini_hochberg, holm

    if panel is None:
        from parlib.panel import load_panel

        panel = load_panel()
    results = {outcome: fit(panel, outcome, drivers, **kwargs) for outcome in outcomes}
    table = pd.concat([r.table for r in results.values()], ignore_index=True)
    table["p_holm"], table["p_bh"] = np.nan, np.nan
    driver_terms = {t for r in results.values() for t in r.drivers}
    for _, rows in table[table["term"].isin(driver_terms)].groupby(["term", "method"]):
        table.loc[rows.index, "p_holm"] = holm(rows["p_value"].to_numpy())
        table.loc[rows.index, "p_bh"] = benjamini_hochberg(rows["p_value"].to_numpy())
    return FamilyResult(results, table)
