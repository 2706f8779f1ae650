"""The drivers notebook (notebooks/templates/drivers_regression.ipynb): it fits its own model.

``fit_drivers()`` fits it (parlib.models, imported here only when called) in one of three designs
(``panel``, ``long_difference``, ``cross_section``) on the panel with the researcher tables
(``parlib.sections.designs``), and the section helpers present the result: specification, power,
estimates, summary, dropped, coef_chart, within_chart, caveats, model_facts. A design the data
cannot support is a ``Refusal``: ``power`` says why, with the n found and needed, and every other
section says in one line that there is nothing to show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from parlib.sections import designs
from parlib.sections.designs import Refusal
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
    years: Sequence[int] | str | None = (2018, 2024),
    lag: int = 1,
    method: str | Sequence[str] = ("cr1", "wild", "ri"),
    seed: int = 20251,
    n_boot: int = 9999,
    n_perm: int = 5000,
    design: str = "panel",
    tables: str | Sequence[str] = (),
) -> ModelResult | Refusal:
    """The notebook's model in ``design`` on the panel with ``tables`` merged (``designs``).

    ``panel``: two-way fixed effects (province, year), clustered by province (``parlib.models.fit``);
    ``long_difference``: ``fit_change`` from years[0] to years[1]; ``cross_section``: ``fit_year``
    in years[-1]. ``lag`` and ``method`` are the panel's only. Takes the notebook's parameters as
    papermill passes them (lists, or their text from ``-p``). A design the data cannot support
    (too few provinces, a method break, no period figure) returns a ``Refusal``.
    """
    from parlib.models import ModelSpecError, fit

    drivers, method, design = designs._as_list(drivers), designs._as_list(method), designs.design_name(design)
    asked = None if years is None else designs._as_years(years)
    data = designs.design_data(designs.read_tables(designs._as_list(tables)))
    kinds = [(path.name, kind) for path, kind in data.tables.kinds]
    if design != "panel":
        if asked is None or (len(asked) != 2 and (design == "long_difference" or len(asked) != 1)):
            one = " or [year]" if design == "cross_section" else ""
            raise ValueError(f"design {design}: years must be [first, last]{one} (got {years!r})")
        result = designs._fit_one_row(design, data, outcome, drivers, asked, seed=int(seed), n_perm=n_perm)
        span = tuple(asked)
    else:
        span = None
        if asked is not None:
            if len(asked) != 2:
                raise ValueError(f"years must be [first, last] (got {years!r})")
            span = (int(asked[0]), int(asked[1]))
        try:
            result = fit(data.panel, outcome, drivers, fe=("province", "year"), lag=int(lag), years=span,
                         inference=tuple(method), seed=int(seed), n_boot=n_boot, n_perm=n_perm)  # fmt: skip
        except ModelSpecError as exc:
            result = designs._refusal(exc, "panel", outcome, drivers)
    result.spec.update(requested_years=span, driver_columns=drivers, design_name=design, tables=kinds)
    if isinstance(result, Refusal):
        result.notes += data.notes
    elif kinds:
        result.notes += data.notes + designs._table_row_notes(
            result, data, int(lag) if design == "panel" else 0
        )
    return result


def _tables_line(spec: dict) -> list[str]:
    """The Tables bullet (none without tables: the default run's text is unchanged)."""
    kinds = spec.get("tables") or []
    return [f"- **Tables**: {', '.join(f'{n} ({designs._KINDS[k]})' for n, k in kinds)}"] if kinds else []


def _refused(result: Refusal) -> Prose:
    return Prose(f"Not estimated: design `{result.design}` was refused (see *Sample size and power*).")


def specification(result: ModelResult | Refusal) -> Prose:
    """The model in words: outcome, drivers, fixed effects (or design), sample, inference, tables."""
    if isinstance(result, Refusal):
        s = result.spec
        years = "-".join(str(y) for y in dict.fromkeys(s.get("requested_years") or ()))
        lines = [
            f"- **Design**: `{result.design}`" + (f", years {years}" if years else ""),
            f"- **Outcome**: `{result.outcome}`",
            f"- **Drivers**: {', '.join(f'`{d}`' for d in result.drivers)}",
            "- **Result**: refused: the data cannot support this design (see *Sample size and power*)",
        ]
        return Prose("\n".join(lines + _tables_line(s)))
    if result.spec["design"] != "panel":
        return Prose("\n".join(designs._specification(result, _label) + _tables_line(result.spec)))
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
    return Prose("\n".join(lines + _tables_line(s)))


def power(result: ModelResult | Refusal) -> Prose:
    """The n the data allow and the minimum detectable effect per driver, or the refusal with the
    n found and needed: read before the estimates, since a null below the MDE says little."""
    if isinstance(result, Refusal):
        lines = [f"**Refused**: the data cannot support design `{result.design}`: {result.message}."]
        need = f"; this design needs at least {result.n_needed}" if result.n_needed else ""
        if result.n_found is not None and "method break" in result.message:
            lines.append(f"**n**: without the break the data would give {result.n_found} provinces{need}.")
        elif result.n_found is not None:
            lines.append(f"**n**: {result.n_found} provinces with complete data found{need}.")
        lines.append("No minimum detectable effect: nothing was estimated.")
        return Prose("\n\n".join(lines))
    s, table = result.spec, result.table
    if s["design"] == "panel":
        n = (
            f"**n** = {s['n_obs']} province-years ({s['n_provinces']} provinces, {s['first_year']}-"
            f"{s['last_year']}); inference rests on the {s['n_provinces']} province clusters."
        )
        rows, basis = table[table["method"] == "cr1"], "CR1 standard error"
    else:
        n = f"**n** = {s['n_obs']} provinces, one row each ({s['label']})."
        rows, basis = table[table["method"] == "hc3"], "classical standard error"
    lines = [n]
    level = s.get("level", 0.95)
    for driver in result.drivers:
        r = rows[rows["term"] == driver].iloc[0]
        side = "above" if abs(r["estimate"]) >= r["mde"] else "below"
        lines.append(
            f"**MDE** of `{driver}`: {r['mde']:.4g} (80% power, two-sided {1 - level:.0%} test, {basis}, "
            f"t with {r['df']:.0f} df); the estimate {r['estimate']:.4g} is {side} it."
        )
    lines.append(
        "A true effect smaller than the MDE would be missed more than 20% of the time: a "
        "non-significant estimate below it is not evidence of no effect."
    )
    return Prose("\n\n".join(lines))


def estimates(result: ModelResult | Refusal) -> Prose:
    """The estimates table (one row per term and inference method), as Markdown."""
    if isinstance(result, Refusal):
        return _refused(result)
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


def summary(result: ModelResult | Refusal) -> Prose:
    """``result.summary()`` as preformatted text."""
    if isinstance(result, Refusal):
        return _refused(result)
    text = result.summary()
    return Prose(f"```text\n{text}\n```", text)


def dropped(result: ModelResult | Refusal) -> Prose:
    """The rows left out of the estimation sample, counted by reason with their years."""
    if isinstance(result, Refusal):
        return _refused(result)
    rows = result.dropped
    if result.spec["design"] != "panel":
        return designs._dropped(rows)
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


def coef_chart(result: ModelResult | Refusal) -> Chart | Prose:
    """The coefficient plot of every term, one interval per inference method."""
    from parlib import plots

    if isinstance(result, Refusal):
        return _refused(result)
    n = result.table[["term"]].drop_duplicates().shape[0]
    fig = _figure((8.5, 1.6 + 0.8 * n))
    ax = fig.add_subplot()
    plots.coef_plot(result.table, ax=ax)
    ax.set_title(f"{result.outcome}: estimates by inference method", fontsize=10, loc="left")
    return Chart(fig, f"coefficient plot of {result.outcome} on {', '.join(result.terms)}")


def within_chart(result: ModelResult | Refusal, highlight: object | None = None) -> Chart | Prose:
    """One within (partial) scatter per driver, ``highlight`` (a province) marked; for a one-row-per-
    province design the plain scatter across provinces (there is no within-province variation)."""
    from parlib import plots

    if isinstance(result, Refusal):
        return _refused(result)
    if result.spec["design"] != "panel":
        return designs._scatter(result)
    fig = _figure((6.0 * len(result.drivers), 4.8))
    for k, driver in enumerate(result.drivers):
        ax = fig.add_subplot(1, len(result.drivers), k + 1)
        plots.within_scatter(result.within(driver), driver, result.outcome, highlight=highlight, ax=ax)
    return Chart(fig, f"within scatter of {result.outcome} on {', '.join(result.drivers)}")


def caveats(result: ModelResult | Refusal) -> Prose:
    """What the estimate can and cannot support, generated from the result."""
    from parlib.models import overlap

    if isinstance(result, Refusal):
        notes = [f"- **Note**: {note}." for note in result.notes]
        return Prose(
            "\n".join(["- **Refused**: nothing was estimated (see *Sample size and power*).", *notes])
        )
    if result.spec["design"] != "panel":
        return designs._caveats(result)
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


def model_facts(result: ModelResult | Refusal) -> dict[str, Any]:
    """Key numbers of a fitted model for ``parlib.record``: the first driver's estimate and p-values
    (CR1 for a panel, HC3 with the MDE for the other designs; a refusal's message and n)."""
    if isinstance(result, Refusal):
        return {
            "design": result.design,
            "outcome": result.outcome,
            "drivers": result.drivers,
            "refused": result.message,
            "n_found": result.n_found,
            "n_needed": result.n_needed,
        }
    if result.spec["design"] != "panel":
        return designs._model_facts(result)
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
