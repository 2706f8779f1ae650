"""The drivers notebook (notebooks/templates/drivers_regression.ipynb): it fits its own model.

``fit_drivers()`` fits it (parlib.models, imported here only when called) and the section helpers
present one ModelResult: specification, estimates, summary, dropped, coef_chart, within_chart,
caveats, model_facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from parlib.sections.display import Chart, Prose, _figure
from parlib.sections.text import _p

if TYPE_CHECKING:
    from parlib.models import ModelResult


def _label(column: str) -> str:
    """'papi_control_of_corruption' -> 'Control of Corruption in the Public Sector' (else the name)."""
    if column.startswith("papi_"):
        from parlib.sources.papi import CODEBOOK

        labels = CODEBOOK.set_index("component")["label_en"].to_dict()
        base = column.removeprefix("papi_").split("_lag")[0]
        return labels.get(base, column)
    return column


def fit_drivers(
    outcome: str,
    drivers: str | Sequence[str],
    *,
    years: Sequence[int] | None = (2018, 2024),
    lag: int = 1,
    method: str | Sequence[str] = ("cr1", "wild", "ri"),
    seed: int = 20251,
    n_boot: int = 9999,
    n_perm: int = 5000,
) -> ModelResult:
    """Two-way fixed effects (province, year), clustered by province: ``parlib.models.fit`` on the panel.

    Takes the notebook's parameters as papermill passes them (lists, not tuples).
    """
    from parlib.models import fit
    from parlib.panel import load_panel

    drivers = [drivers] if isinstance(drivers, str) else list(drivers)
    method = [method] if isinstance(method, str) else list(method)
    span = None
    if years is not None:
        if len(years) != 2:
            raise ValueError(f"years must be [first, last] (got {years!r})")
        span = (int(years[0]), int(years[1]))
    result = fit(load_panel(), outcome, drivers, fe=("province", "year"), lag=int(lag), years=span,
                 inference=tuple(method), seed=int(seed), n_boot=n_boot, n_perm=n_perm)  # fmt: skip
    result.spec["requested_years"] = span
    result.spec["driver_columns"] = drivers
    return result


def specification(result: ModelResult) -> Prose:
    """The model in words: outcome, drivers, fixed effects, sample, inference."""
    s = result.spec
    inference = []
    for m in s["inference"]:
        if m == "cr1":
            inference.append(
                f"CR1 cluster-robust t with {s['n_provinces'] - 1} degrees of freedom (fixest's small-sample "
                "correction)"
            )
        elif m == "cr2":
            inference.append("CR2 cluster-robust t with Bell-McCaffrey degrees of freedom (shown per term)")
        elif m == "wild":
            scheme = s["bootstrap_weights"]
            weights = scheme if isinstance(scheme, str) else ", ".join(scheme)
            inference.append(
                f"wild cluster bootstrap ({weights} weights, null imposed, {s['n_boot']:,} draws, "
                f"seed {s['seed']})"
            )
        elif m == "ri":
            inference.append(
                f"randomisation inference (drivers permuted across provinces within year, {s['n_perm']:,} "
                f"permutations, seed {s['seed']})"
            )
    columns = s.get("driver_columns") or [d.split("_lag")[0] for d in result.drivers]
    drivers = ", ".join(f"`{c}` ({_label(c)})" for c in columns)
    lagged = ", ".join(f"`{d}`" for d in result.drivers)
    requested = s.get("requested_years")
    asked = f" (asked: {requested[0]}-{requested[1]})" if requested else ""
    if requested and tuple(requested) == (s["first_year"], s["last_year"]):
        asked = ""
    lines = [
        f"- **Outcome**: `{result.outcome}` ({_label(result.outcome)})",
        f"- **Drivers**: {drivers}, lagged {s['lag']} year{'s' if s['lag'] != 1 else ''}"
        + (f" ({lagged})" if s["lag"] else ""),
        f"- **Model**: {s['label']}; standard errors clustered by {s['cluster']}",
        f"- **Sample**: outcome years {s['first_year']}-{s['last_year']}{asked}, {s['n_obs']} "
        f"province-years, {s['n_provinces']} provinces; {len(result.dropped)} rows dropped (see below)",
        f"- **Inference**: {'; '.join(inference)}",
    ]
    return Prose("\n".join(lines))


def estimates(result: ModelResult) -> Prose:
    """The estimates table (one row per term and inference method), as Markdown."""
    lines = [
        "| Term | Method | Estimate | Std. error | 95% interval | p-value |",
        "|---|---|--:|--:|---|--:|",
    ]
    for _, r in result.table.iterrows():
        interval = (
            f"{r['conf_low']:.4f} to {r['conf_high']:.4f}" if pd.notna(r["conf_low"]) else "- (p-value only)"
        )
        se = f"{r['std_error']:.4f}" if pd.notna(r["std_error"]) else "-"
        lines.append(
            f"| {r['term']} | {r['method']} | {r['estimate']:.4f} | {se} | {interval} | {_p(r['p_value'])} |"
        )
    return Prose("\n".join(lines))


def summary(result: ModelResult) -> Prose:
    """``result.summary()`` as preformatted text."""
    text = result.summary()
    return Prose(f"```text\n{text}\n```", text)


def dropped(result: ModelResult) -> Prose:
    """The rows left out of the estimation sample, counted by reason with their years."""
    rows = result.dropped
    if rows.empty:
        return Prose(
            "No rows were dropped: every province-year in the range has the outcome and the drivers."
        )
    lines = [f"{len(rows)} province-years were left out:", "", "| Reason | Rows | Years | Provinces |",
             "|---|--:|---|--:|"]  # fmt: skip
    for reason, grp in rows.groupby("reason", sort=False):
        years = sorted(int(y) for y in grp["year"].unique())
        span = ", ".join(str(y) for y in years) if len(years) <= 4 else f"{years[0]}-{years[-1]}"
        lines.append(f"| {reason} | {len(grp)} | {span} | {grp['province_id'].nunique()} |")
    return Prose("\n".join(lines))


def coef_chart(result: ModelResult) -> Chart:
    """The coefficient plot of every term, one interval per inference method."""
    from parlib import plots

    n = result.table[["term"]].drop_duplicates().shape[0]
    fig = _figure((8.5, 1.6 + 0.8 * n))
    ax = fig.add_subplot()
    plots.coef_plot(result.table, ax=ax)
    ax.set_title(f"{result.outcome}: estimates by inference method", fontsize=10, loc="left")
    return Chart(fig, f"coefficient plot of {result.outcome} on {', '.join(result.terms)}")


def within_chart(result: ModelResult, highlight: object | None = None) -> Chart:
    """One within (partial) scatter per driver, ``highlight`` (a province) marked."""
    from parlib import plots

    fig = _figure((6.0 * len(result.drivers), 4.8))
    for k, driver in enumerate(result.drivers):
        ax = fig.add_subplot(1, len(result.drivers), k + 1)
        plots.within_scatter(result.within(driver), driver, result.outcome, highlight=highlight, ax=ax)
    return Chart(fig, f"within scatter of {result.outcome} on {', '.join(result.drivers)}")


def caveats(result: ModelResult) -> Prose:
    """What the estimate can and cannot support, generated from the result."""
    from parlib.models import overlap

    s, table = result.spec, result.table
    g = s["n_provinces"]
    lines = []
    if g >= 50:
        lines.append(
            f"**Clusters**: {g} provinces. Enough for CR1 to be usable; the wild bootstrap and "
            "randomisation inference check it without relying on a large number of clusters."
        )
    else:
        lines.append(
            f"**Clusters**: only {g} provinces. CR1 p-values can be too small with this few "
            "clusters; read the wild-bootstrap and randomisation p-values."
        )
    lines.append(
        f"**Years**: outcomes {s['first_year']}-{s['last_year']} ({s['n_years']} years), drivers lagged "
        f"{s['lag']} year{'s' if s['lag'] != 1 else ''}; {len(result.dropped)} province-years dropped "
        "(see above)."
    )
    checks = [overlap(result.outcome, d.split("_lag")[0]) for d in result.drivers]
    same = [d for d in result.drivers if d.split("_")[0] == result.outcome.split("_")[0]]
    text = "**Overlap**: no driver is a component of the outcome (checked by parlib.models.overlap)."
    if any(checks):
        text = "**Overlap**: " + "; ".join(c for c in checks if c)
    if same:
        text += (
            " But the driver and the outcome come from the same survey: a province-year whose respondents "
            "answer more positively lifts both (common-method bias); the lag reduces this, it does not "
            "remove it."
        )
    lines.append(text)
    for driver in result.drivers:
        w = result.within(driver)[driver].std()
        raw = result.data[driver].std()
        if raw > 0:
            lines.append(
                f"**Variation**: the within-province, within-year SD of `{driver}` is {w:.3g}, "
                f"{w / raw:.0%} of its raw SD ({raw:.3g}); the estimate rests on these movements only."
            )
    for driver in result.drivers:
        ps = table[(table["term"] == driver)]["p_value"].dropna()
        if len(ps) > 1:
            agree = "agree" if ((ps < 0.05).all() or (ps >= 0.05).all()) else "disagree"
            lines.append(
                f"**Inference**: for `{driver}` the {len(ps)} methods give p from {_p(ps.min())} to "
                f"{_p(ps.max())}: they {agree} at the 5% level."
            )
    for note in result.notes:
        lines.append(f"**Note**: {note}.")
    lines.append(
        "**Interpretation**: an association within provinces over time, net of nationwide year shocks; not "
        "a causal effect. Province-specific trends and simultaneous reforms are not controlled."
    )
    return Prose("\n".join(f"- {line}" for line in lines))


def model_facts(result: ModelResult) -> dict[str, Any]:
    """Key numbers of a fitted model for ``parlib.record``: the first driver's estimate and p-values."""
    s, table = result.spec, result.table
    term = result.drivers[0]
    rows = table[table["term"] == term].set_index("method")
    cr1 = rows.loc["cr1"]
    facts: dict[str, Any] = {
        "outcome": result.outcome,
        "drivers": result.drivers,
        "term": term,
        "estimate": float(cr1["estimate"]),
        "std_error": float(cr1["std_error"]),
        "conf_low": float(cr1["conf_low"]),
        "conf_high": float(cr1["conf_high"]),
        "p_cr1": float(cr1["p_value"]),
        "n_obs": int(s["n_obs"]),
        "n_provinces": int(s["n_provinces"]),
        "n_years": int(s["n_years"]),
        "first_year": int(s["first_year"]),
        "last_year": int(s["last_year"]),
        "lag": int(s["lag"]),
        "seed": int(s["seed"]),
        "n_dropped": len(result.dropped),
    }
    for method in rows.index:
        if method != "cr1":
            facts[f"p_{method.replace('-', '_')}"] = float(rows.loc[method, "p_value"])
    facts["estimates"] = table
    return facts
