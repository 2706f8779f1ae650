"""The estimation sample of a panel model: lagged drivers, complete rows, differences, breaks.

Every row left out is kept with its reason (``dropped``: province_id, year, reason), so a
result can say exactly which province-years it used and why the others are missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from parlib.errors import ParlibError
from parlib.models.overlap import era_column, overlap

BOOTSTRAP_WEIGHTS = ("rademacher", "webb")
"""The wild bootstrap's weight schemes: names that ``weights=`` (regression weights) refuses."""


class ModelSpecError(ParlibError, ValueError):
    """A model that cannot be estimated as asked; the message says what to change."""


def check_drivers(outcome: str, drivers: str | Sequence[str]) -> list[str]:
    """The drivers as a list; refused when empty or when one is part of the outcome (``overlap``)."""
    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    if not drivers:
        raise ModelSpecError("give at least one driver")
    for driver in drivers:
        why = overlap(outcome, driver)
        if why:
            raise ModelSpecError(
                f"driver {driver} overlaps the outcome {outcome}: {why}; choose an outcome that does not "
                "contain it (e.g. another PAPI dimension) or another driver"
            )
    return drivers


def check_weights(panel: pd.DataFrame, weights: str | None) -> None:
    """A weight column must exist and be positive and finite where it is given."""
    if weights is None:
        return
    if not isinstance(weights, str) or weights in BOOTSTRAP_WEIGHTS:
        raise ModelSpecError(
            f"weights={weights!r}: weights= names a panel column of regression weights (e.g. "
            "'gso_population'); the wild bootstrap's scheme is bootstrap_weights='rademacher' or 'webb'"
        )
    if weights not in panel.columns:
        raise ModelSpecError(f"weights: unknown panel column {weights!r}; see parlib.load_panel().columns")
    values = panel[weights].dropna()
    bad = values[(values <= 0) | ~np.isfinite(values)]
    if len(bad):
        row = panel.loc[bad.index[0]]
        raise ModelSpecError(
            f"weights {weights!r} must be positive and finite: {bad.iloc[0]!r} for province "
            f"{row.get('province_id')} in {row.get('year')}"
        )


def prepare(
    panel: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    controls: Sequence[str],
    *,
    lag: int,
    years: tuple[int, int] | None,
    standardize: str | None,
    keep: Sequence[str] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The estimation sample, the rows dropped (province_id, year, reason) and the driver columns.

    Lagged drivers are named ``<driver>_lag<lag>`` (plain name when lag = 0). ``keep``: other
    panel columns the model needs row by row (the weight, the region); a row missing one of them
    is dropped with that reason.
    """
    keep = [c for c in dict.fromkeys(keep) if c not in (outcome, *controls)]
    needed = [outcome, *drivers, *controls, *keep]
    missing = [c for c in needed if c not in panel.columns]
    if missing:
        raise ModelSpecError(f"unknown panel column(s) {missing}; see parlib.load_panel().columns")
    if not 0 <= lag <= 2:
        raise ModelSpecError(f"lag must be 0, 1 or 2 (got {lag})")
    base = panel[["province_id", "year", outcome, *controls, *keep]].copy()
    era = era_column(outcome)
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
        *[(c, "column") for c in keep],
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


def first_difference(sample: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Year-on-year changes of ``columns`` within each province (consecutive years only).

    A row keeps its own year's other columns (weight, region); ``method_era`` becomes the
    pair "<era before>-><era after>" where the difference spans a method break, else the era.
    """
    sample = sample.sort_values(["province_id", "year"])
    extra = ["method_era"] if "method_era" in sample else []
    prev = sample.groupby("province_id")[["year", *columns, *extra]].shift(1)
    ok = (sample["year"] - prev["year"]) == 1
    diffed = sample.copy()
    diffed[columns] = sample[columns] - prev[columns]
    if extra:
        crossed = ok & (prev["method_era"] != sample["method_era"])
        diffed.loc[crossed, "method_era"] = prev["method_era"][crossed] + "->" + sample["method_era"][crossed]
    dropped = sample.loc[~ok, ["province_id", "year"]].assign(
        reason="no observation the year before (first difference)"
    )
    return diffed[ok].reset_index(drop=True), dropped


def break_terms(sample: pd.DataFrame, differenced: bool) -> pd.DataFrame:
    """Regressors for method breaks when year effects do not absorb them (empty frame if none).

    In levels a break shifts the outcome from the new era on: one dummy per era after the first
    (``era[2016-2017]``). In first differences the same shift shows only in the difference that
    spans the break: one dummy per crossing (``break[2011-2015->2016-2017]``), zero elsewhere. An
    era dummy in differences would model a different drift per era instead.
    """
    if "method_era" not in sample:
        return pd.DataFrame(index=sample.index)
    eras = sample["method_era"].astype(str)
    if differenced:
        crossings = sorted(e for e in eras.unique() if "->" in e)
        return pd.DataFrame({f"break[{c}]": (eras == c).astype(float) for c in crossings}, index=sample.index)
    if eras.nunique() < 2:
        return pd.DataFrame(index=sample.index)
    dummies = pd.get_dummies(eras, dtype=float)
    dummies.columns = [f"era[{c}]" for c in dummies.columns]
    return dummies.iloc[:, 1:]


def drop_singletons(sample: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Provinces observed once carry no within-province information under province effects."""
    codes = pd.factorize(sample["province_id"])[0]
    single = np.bincount(codes)[codes] == 1
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
