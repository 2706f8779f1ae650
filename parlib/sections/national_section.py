"""The province report's national estimates section (``drivers_section``), read from the cache.

The models are fitted once per cache (parlib.sections.national); this section draws the cached
coefficient plot and a within scatter with the province's years marked.
"""

from __future__ import annotations

from parlib.sections.cache import _file, _year
from parlib.sections.display import Chart, Image, Prose, Section, _figure
from parlib.sections.province import _name, _pid, latest_year
from parlib.sections.text import _p


def drivers_section(province: object, year: int | None = None) -> Section | Prose:
    """The national e-government access -> outcome estimates: sentences, then the coefficient plot and
    the within scatter of the outcome with the clearest association, this province's years marked.

    Year-independent (the cache of ``year``, default the latest PAPI year, is used).
    """
    from parlib import plots

    year = latest_year() if year is None else _year(year)
    meta = _file(year, "drivers.json")
    if "error" in meta:
        return Prose(f"The national estimates are not available: {meta['error']}.")
    pid = _pid(province)
    name = _name(pid, year)
    table = _file(year, "drivers_table.parquet")
    within = _file(year, "drivers_within.parquet")
    term, outcomes = meta["term"], meta["outcomes"]
    rows = table[table["term"] == term]
    cr1 = rows[rows["method"] == "cr1"].set_index("outcome")
    shown = str(cr1["p_holm"].idxmin())  # the clearest association gets the scatter
    info = outcomes[shown]

    coef = Image(
        _file(year, "drivers_coef.png"), f"national estimates of {term} on {len(outcomes)} PAPI outcomes"
    )
    fig = _figure((7.0, 4.6))
    fig.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
    sub = fig.add_subplot()
    part = within[within["outcome"] == shown].rename(columns={"outcome_within": shown, "driver_within": term})
    has_rows = pid in set(part["province_id"])
    plots.within_scatter(
        part[["province_id", "year", shown, term]],
        term,
        shown,
        highlight=pid if has_rows else None,
        ax=sub,
        slope=info["slope"],
    )
    sub.set_title(f"{info['label']}: within-province changes", fontsize=9)
    sub.set_ylabel(f"{info['label']} (within)", fontsize=8)
    sub.set_xlabel(f"{meta['driver_label']}, previous year (within)", fontsize=8)
    chart = Chart(fig, f"within scatter of {info['label'].lower()}, {name} marked")

    first = next(iter(outcomes.values()))
    lines = [
        f"Across {first['n_provinces']} provinces and the outcome years {first['first_year']}-"
        f"{first['last_year']} ({first['n_obs']} province-years), one point more "
        f"{meta['driver_label'].lower()} in one year goes with the following differences the next year, "
        "comparing each province with its own average and with the national change of that year:",
        "",
    ]
    clear, agree = [], []
    for outcome, out in outcomes.items():
        row = cr1.loc[outcome]
        lines.append(
            f"- {out['label']}: {row['estimate']:+.2f} points (95% interval {row['conf_low']:.2f} to "
            f"{row['conf_high']:.2f}; p = {_p(row['p_value'])}, Holm-adjusted {_p(row['p_holm'])})."
        )
        if row["p_holm"] < 0.05:
            clear.append(out["label"].lower())
        ps = rows.loc[rows["outcome"] == outcome, "p_value"].dropna()
        agree.append(bool((ps < 0.05).all() or (ps >= 0.05).all()))
    lines.append("")
    n = len(outcomes)
    if clear and len(clear) < n:
        verdict = f"the association is distinguishable from zero for {' and '.join(clear)} only"
    elif clear:
        verdict = "the association is distinguishable from zero for every outcome"
    else:
        verdict = "no association is distinguishable from zero"
    methods = len(rows["method"].unique())
    consistency = (
        f"the {methods} inference methods agree at the 5% level for every outcome"
        if all(agree)
        else f"the {methods} inference methods disagree at the 5% level for {agree.count(False)} outcome(s)"
    )
    lines.append(f"After adjusting for testing {n} outcomes, {verdict}; {consistency} (first figure).")
    where = (
        f"{name}'s own years are marked in the scatter of {info['label'].lower()} (second figure), the "
        "outcome with the clearest association."
        if has_rows
        else f"{name} has no years in the estimation sample, so it is not marked in the scatter."
    )
    lines.append(
        f"These are national associations, not effects, and not estimates for {name}: the driver and the "
        "outcomes come from the same PAPI survey, and provinces that improve their portals may change "
        f"other things at the same time. {where}"
    )
    return Section(Prose("\n".join(lines)), coef, chart)
