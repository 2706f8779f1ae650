"""The province report's PAPI sections: trajectory (over the years), profile (the year's dimensions),
movers (changes since the year before) and map_ (the year's map, the province outlined)."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd

from parlib.sections.cache import _file, _year
from parlib.sections.display import Chart, Prose, Section, _figure
from parlib.sections.province import _card, _meta, _name, _no_papi, _pid, _region_label, _source_gap
from parlib.sections.text import _and, _fmt, _in_source, _num, _ordinal, _places


def _papi_component(year: int, component: str) -> pd.DataFrame:
    papi = _file(year, "papi.parquet")
    return papi[papi["component"] == component]


def _medians(year: int, component: str = "total") -> pd.Series:
    national = _file(year, "national.parquet")
    rows = national[national["component"] == component]
    return rows.set_index("year")["median"]


def _rank_of(facts: dict, year: int, rank: float, rank_of: float) -> str:
    """'12 of 61 (2022)'; '2 of 61 in parlib's source (2024; PAPI ranked 63)' in a year PAPI ranked more."""
    by_year = facts.get("published_rank_of_by_year") or {}
    published = by_year.get(str(year), by_year.get(year))
    if published is not None and int(published) > int(rank_of):
        return f"{int(rank)} of {int(rank_of)} in parlib's source ({year}; PAPI ranked {int(published)})"
    return f"{int(rank)} of {int(rank_of)} ({year})"


def trajectory(province: object, year: int) -> Section | Prose:
    """The PAPI total over the survey years against the national median and the region's provinces."""
    from parlib import plots

    year = _year(year)
    missing = _no_papi(year, "no trajectory to show")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    totals = _papi_component(year, "total")
    mine = totals[totals["province_id"] == pid].set_index("year").sort_index()
    if mine.empty:
        return Prose(f"{name} has no PAPI total in any year.")
    info = _file(year, "provinces.json")
    region = info[pid]["region"]
    peers = [p for p, row in info.items() if row["region"] == region and p != pid]
    meta = _meta(year)
    fig = _figure((9.0, 4.2))
    fig.subplots_adjust(left=0.08, right=0.73, bottom=0.13, top=0.9)
    ax = fig.add_subplot()
    plots.trajectory(
        totals.loc[totals["province_id"].isin([pid, *peers]), ["province_id", "year", "value"]],
        pid,
        median=_medians(year),
        peers=peers,
        year=year if year in mine.index else None,
        breaks=meta["papi_breaks"],
        ax=ax,
        ylabel="PAPI total (6-60 to 2017, 8-80 from 2018)",
    )
    ax.set_title(f"{name}: PAPI total {mine.index.min()}-{mine.index.max()}", fontsize=10, loc="left")
    chart = Chart(fig, f"PAPI total of {name} by year, national median, {len(peers)} provinces of its region")

    medians = _medians(year).reindex(mine.index)
    above = int((mine["value"] > medians).sum())
    best, worst = mine["rank"].idxmin(), mine["rank"].idxmax()
    facts = _card(pid, year)["facts"]["PAPI"]
    text = (
        f"{name} was above the national median in {above} of its {len(mine)} PAPI years "
        f"({mine.index.min()}-{mine.index.max()}). Its best rank was "
        f"{_rank_of(facts, best, mine.loc[best, 'rank'], mine.loc[best, 'rank_of'])}, its lowest "
        f"{_rank_of(facts, worst, mine.loc[worst, 'rank'], mine.loc[worst, 'rank_of'])}."
    )
    this_year = totals[(totals["year"] == year) & totals["province_id"].isin([pid, *peers])]
    if pid in set(this_year["province_id"]):
        order = this_year.sort_values("value", ascending=False)["province_id"].tolist()
        gap = facts.get("missing_from_source") or []
        regional = [_name(p, year) for p in peers if p not in set(this_year["province_id"])]
        which = f"{len(order)} scored provinces of the {_region_label(region)} region"
        if set(regional) & set(gap):
            which = f"{len(order)} provinces of the {_region_label(region)} region in parlib's source"
        text += f" In {year} it had the {_ordinal(order.index(pid) + 1)}highest total of the {which}."
    else:
        text += f" It has no PAPI total for {year}{_source_gap(pid, year)}."
    text += (
        f" PAPI changed its method in {_and(meta['papi_breaks'])} (dotted lines): compare levels within a "
        "period, not across a change."
    )
    return Section(chart, Prose(text))


def _dimensions(year: int, pid: str) -> pd.DataFrame:
    """The province's dimension rows for ``year`` in publication order, with national figures."""
    meta = _meta(year)
    papi = _file(year, "papi.parquet")
    rows = papi[(papi["year"] == year) & (papi["province_id"] == pid) & (papi["level"] == "dimension")]
    order = {c: i for i, c in enumerate(meta["dimensions"])}
    component = rows["component"].astype(str)
    rows = rows.assign(order=component.map(order), label=component.map(meta["labels"])).sort_values("order")
    national = _file(year, "national.parquet")
    national = national[national["year"] == year].set_index("component")
    return rows.join(national[["median", "low", "high"]], on="component")


def profile(province: object, year: int) -> Section | Prose:
    """The PAPI dimension scores of the year against the national median and range."""
    from parlib import plots

    year = _year(year)
    missing = _no_papi(year, "no dimension profile")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    dims = _dimensions(year, pid)
    if dims.empty:
        return Prose(f"{name} has no PAPI dimension scores for {year}{_source_gap(pid, year)}.")
    labels = dims["label"].tolist()
    height = 1.3 + 0.42 * len(dims)
    fig = _figure((9.0, height))
    fig.subplots_adjust(left=0.36, right=0.97, bottom=0.55 / height, top=1 - 0.55 / height)
    ax = fig.add_subplot()
    plots.profile(pd.Series(dims["value"].to_numpy(), index=labels),
                  median=pd.Series(dims["median"].to_numpy(), index=labels),
                  low=pd.Series(dims["low"].to_numpy(), index=labels),
                  high=pd.Series(dims["high"].to_numpy(), index=labels),
                  ax=ax, xlabel="dimension score (1-10)", label=name, xlim=(0, 10))  # fmt: skip
    chart = Chart(fig, f"PAPI dimension scores of {name} in {year} against the national median")
    gap = dims["value"] - dims["median"]
    above = int((gap > 0).sum())
    top, bottom = dims.loc[gap.idxmax()], dims.loc[gap.idxmin()]
    text = f"In {year} {name} scored above the national median on {above} of the {len(dims)} dimensions."
    if gap.max() > 0:
        text += f" Furthest above: {top['label']} ({top['value']:.2f} against {top['median']:.2f})."
    if gap.min() < 0:
        text += f" Furthest below: {bottom['label']} ({bottom['value']:.2f} against {bottom['median']:.2f})."
    best = dims.sort_values("rank").iloc[0]
    text += (
        f" Its best-ranked dimension is {best['label']} (rank {int(best['rank'])} of {int(best['rank_of'])})."
    )
    national = _file(year, "national.parquet")
    scored = national[(national["year"] == year) & national["component"].isin(_meta(year)["dimensions"])]
    unscored = sorted(set(scored["component"]) - set(dims["component"].astype(str)))
    if unscored:
        labels = [_meta(year)["labels"].get(c, c) for c in unscored]
        text += f" No score for {year} in {_and(labels)}."
    return Section(chart, Prose(text))


def movers(province: object, year: int) -> Prose:
    """What moved most since the year before: the total, a table of the dimensions, the sub-dimensions."""
    year = _year(year)
    missing = _no_papi(year, "nothing to compare")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    facts = _card(pid, year)["facts"]["PAPI"]
    if not facts["available"]:
        return Prose(
            f"{name} has no PAPI total for {year}{_source_gap(pid, year)}, so there is no change to report."
        )
    if year - 1 not in _meta(year)["papi_years"]:
        return Prose(f"{year} is the first PAPI year: there is no earlier year to compare with.")
    if facts.get("comparable") is False:
        return Prose(
            f"PAPI changed its method between {year - 1} and {year}: the scores of the two years are not "
            "comparable, so changes are not shown."
        )
    change = _num(facts["value_change"])
    if not math.isfinite(change):
        return Prose(f"{name} has no PAPI total for {year - 1}, so there is no change to report.")
    rank, previous = int(_num(facts["rank"])), int(_num(facts["rank"]) + _num(facts["rank_change"]))
    verb = "rose" if change > 0 else "fell" if change < 0 else "was unchanged"
    amount = f" by {abs(change):.2f} points" if change else ""
    places = _places(_num(facts["rank_change"]))
    lines = [
        f"Compared with {year - 1}, {name}'s PAPI total {verb}{amount} "
        f"({_fmt(_num(facts['previous_value']))} to {_fmt(_num(facts['value']))}), and its rank"
        f"{_in_source(facts)} went from {previous} to {rank} ({places}).",
        "",
    ]
    dims = _dimensions(year, pid)
    dims = dims[dims["comparable"].fillna(False).astype(bool) & dims["value_change"].notna()]
    if dims.empty:
        return Prose("\n".join(lines))
    dims = dims.sort_values("value_change", ascending=False)
    up, down = dims[dims["value_change"] > 0], dims[dims["value_change"] < 0]
    summary = f"Of the {len(dims)} dimensions, {len(up)} improved and {len(down)} declined."
    if len(up):
        summary += f" The largest rise was in {up.iloc[0]['label']} ({up.iloc[0]['value_change']:+.2f})"
        summary += ";" if len(down) else "."
    if len(down):
        summary += f" the largest fall in {down.iloc[-1]['label']} ({down.iloc[-1]['value_change']:+.2f})."
    lines += [summary, "", f"| Dimension | {year - 1} | {year} | Change | Rank {year - 1} -> {year} |",
              "|---|--:|--:|--:|---|"]  # fmt: skip
    plain = [lines[0], summary]
    for _, row in dims.iterrows():
        before = _fmt(row["value"] - row["value_change"])
        ranks = (
            f"{int(row['previous_rank'])} -> {int(row['rank'])}" if pd.notna(row["previous_rank"]) else "-"
        )
        cells = [row["label"], before, _fmt(row["value"]), f"{row['value_change']:+.2f}", ranks]
        lines.append("| " + " | ".join(cells) + " |")
        plain.append("  ".join(cells))
    papi = _file(year, "papi_sub.parquet")
    subs = papi[papi["province_id"] == pid]
    subs = subs.assign(label=subs["component"].astype(str).map(_meta(year)["labels"]))
    subs = subs[subs["comparable"].fillna(False).astype(bool) & subs["value_change"].notna()]
    if len(subs):
        subs = subs.sort_values("value_change")
        fall, rise = subs.iloc[0], subs.iloc[-1]
        text = (
            f"Among the {len(subs)} sub-dimensions, the largest rise was in {rise['label']} "
            f"({rise['value_change']:+.2f}) and the largest fall in {fall['label']} "
            f"({fall['value_change']:+.2f})."
        )
        lines += ["", text]
        plain.append(text)
    return Prose("\n".join(lines), "\n".join(plain))


def map_(province: object, year: int) -> Section | Prose:
    """Vietnam's provinces shaded by the year's PAPI total, the province outlined in red.

    The shaded map is the same in every report of the year: ``prepare()`` renders it once and the
    report draws only its province's outline and name on top (same figure size, axes and limits).
    """
    from matplotlib.image import imread

    from parlib import plots

    year = _year(year)
    missing = _no_papi(year, "no map for this year")
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    base, layout = _file(year, "map_base.png"), _file(year, "map_base.json")
    if not base:
        error = _file(year, "map.json").get("error", "")
        return Prose(f"No map: the province boundaries are not available ({error}).")
    fig = _figure(tuple(layout["size"]))
    fig.set_dpi(layout["dpi"])
    fig.figimage(imread(io.BytesIO(base)), 0, 0, origin="upper", zorder=0)
    ax = fig.add_axes(layout["position"], zorder=1)  # above the image
    ax.set_xlim(*layout["xlim"])
    ax.set_ylim(*layout["ylim"])
    ax.set_axis_off()
    rings = _file(year, "map.json")["provinces"].get(pid)
    if rings:
        plots.outline_province(ax, [np.asarray(r, dtype=float).reshape(-1, 2) for r in rings], pid)
    chart = Chart(fig, f"map of the PAPI total {year} by province, {name} outlined")
    totals = _papi_component(year, "total")
    totals = totals[totals["year"] == year]
    totals = pd.Series(totals["value"].to_numpy(), index=totals["province_id"].astype(str))
    unscored = [_name(p, year) for p in _meta(year)["in_force"] if p not in totals.index]
    shades = "Yellow and green shades are higher totals, blue and purple lower."
    if not rings:
        text = f"{name} is not on the map of the 63 provinces. {shades}"
    elif pid in totals.index:
        facts = _card(pid, year)["facts"]["PAPI"]
        ranked = facts.get("rank_text") or f"rank {int(_num(facts['rank']))} of {int(_num(facts['rank_of']))}"
        text = f"{name} (outlined in red) scored {totals[pid]:.2f}, {ranked}. {shades}"
    else:
        text = f"{name} (outlined in red) has no PAPI total for {year}{_source_gap(pid, year)}. {shades}"
    if unscored:
        lacking = _card(pid, year)["facts"]["PAPI"].get("missing_from_source") or []
        if lacking:  # PAPI ranked them (as published); parlib's source has no score for them
            text += f" No score in parlib's source for {year} (grey, hatched): {_and(unscored)}."
        else:
            text += f" Not scored in {year} (grey, hatched): {_and(unscored)}."
    return Section(chart, Prose(text))
