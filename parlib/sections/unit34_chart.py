"""The 34-unit report's trajectory: the unit's synthetic PAPI total over the years, with the official
total of each former province it absorbed, PAPI's method breaks marked; every word from
``UNIT34_WORDS`` in the report's language. matplotlib is imported only when the figure is drawn.

Artists carry a ``gid``: ``synthetic`` (the unit's line), ``old:<id>`` (a former province),
``break`` (a method change), ``year`` (the report year, circled on the synthetic line).
"""

from __future__ import annotations

import itertools
import math

import pandas as pd

from parlib import provinces
from parlib.sections import words
from parlib.sections.cache import _year
from parlib.sections.display import Chart, Prose, Section, _figure
from parlib.sections.unit34 import (
    _bare,
    _cap,
    _data,
    _how,
    _no_data,
    _say,
    _uid,
    _unit_name,
)

_SYNTHETIC_COLOUR = "#d55e00"
_OLD_COLOURS = ("#0173b2", "#029e73", "#cc78bc", "#ca9161")
"""seaborn's "colorblind" palette (parlib.plots): vermilion for the unit, the others for its provinces."""


def _eras(series: pd.Series, breaks: list[int]) -> list[pd.Series]:
    """``series`` (indexed by year) cut at each method break: lines are not joined across a break."""
    edges = [-math.inf, *sorted(breaks), math.inf]
    parts = [series[(series.index >= lo) & (series.index < hi)] for lo, hi in itertools.pairwise(edges)]
    return [p for p in parts if p.notna().any()]


def _line(ax, series: pd.Series, breaks: list[int], label: str, gid: str, style: dict) -> None:
    """One labelled line per method era (the label on the first), every artist with ``gid``."""
    for j, part in enumerate(_eras(series, breaks)):
        ax.plot(part.index, part.to_numpy(float), gid=gid, label=label if j == 0 else None, **style)


def _spans(years: list[int]) -> str:
    """'2011-2013, 2015' (runs of consecutive years)."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def _scales(units: dict[str, str], lang: str) -> str:
    """'6-60 to 2017, 8-80 from 2018' from PAPI's unit by year."""
    by_year = sorted((int(y), words.scale(u) or u) for y, u in units.items())
    runs: list[tuple[str, int, int]] = []
    for year, scale in by_year:
        if runs and runs[-1][0] == scale:
            runs[-1] = (scale, runs[-1][1], year)
        else:
            runs.append((scale, year, year))
    if len(runs) == 1:
        return runs[0][0]
    texts = [_say("scale_to", lang, scale=runs[0][0], year=runs[0][2])]
    texts += [_say("scale_from", lang, scale=s, year=first) for s, first, _ in runs[1:]]
    return ", ".join(texts)


def unit34_trajectory(province: object, year: int, lang: str = "en") -> Section | Prose:
    """The unit's synthetic PAPI total by survey year and each former province's official total."""
    lang, year, uid = words.check_lang(lang), _year(year), _uid(province)
    data = _data(year)
    if data is None:
        return _no_data(uid, year, lang)
    meta = data["meta"]
    unit = _unit_name(uid, lang)
    if year not in meta["papi_years"]:
        return Prose(_say("no_papi", lang, year=year, coverage=meta["papi_coverage"], unit=unit))
    years = [int(y) for y in meta["papi_years"]]
    breaks = [int(b) for b in meta["papi_breaks"]]
    olds = provinces.from_34(uid)
    papi = data["papi"]
    totals = papi[(papi["component"] == "total") & papi["province_id"].isin(olds)]
    old = {p: totals[totals["province_id"] == p].set_index("year")["value"].reindex(years) for p in olds}
    proj = data["proj"]
    rows = proj[(proj["index"] == "PAPI") & (proj["new_id"] == uid)]
    synthetic = rows.set_index("year")["value"].reindex(years).astype(float)
    if synthetic.isna().all() and all(s.isna().all() for s in old.values()):
        return Prose(_cap(_say("traj_none", lang, unit=unit)))

    fig = _figure((9.6, 4.4))
    fig.subplots_adjust(left=0.085, right=0.64, bottom=0.13, top=0.9)
    ax = fig.add_subplot()
    synthetic_style = {
        "color": _SYNTHETIC_COLOUR,
        "linewidth": 2.6,
        "marker": "D",
        "markersize": 5,
        "zorder": 3,
    }
    _line(
        ax, synthetic, breaks, _say("legend_synthetic", lang, unit=_cap(unit)), "synthetic", synthetic_style
    )
    for i, (pid, series) in enumerate(old.items()):
        style = {
            "color": _OLD_COLOURS[i % len(_OLD_COLOURS)],
            "linewidth": 1.2,
            "marker": "o",
            "markersize": 3.5,
        }
        _line(
            ax,
            series,
            breaks,
            _say("legend_old", lang, name=_bare(pid)),
            f"old:{pid}",
            {**style, "zorder": 2},
        )
    for i, b in enumerate(sorted(breaks)):
        ax.axvline(
            b - 0.5,
            color="0.35",
            linestyle=":",
            linewidth=1,
            zorder=0,
            gid="break",
            label=_say("legend_break", lang) if i == 0 else None,
        )
    if math.isfinite(synthetic.get(year, math.nan)):
        ax.plot(
            [year],
            [synthetic[year]],
            marker="o",
            markersize=13,
            markerfacecolor="none",
            color="0.15",
            markeredgewidth=1.6,
            linestyle="none",
            zorder=4,
            gid="year",
            label=_say("legend_year", lang, year=year),
        )
    have = [y for y in years if synthetic.notna()[y] or any(s.notna()[y] for s in old.values())]
    span = f"{have[0]}-{have[-1]}"
    ax.set_title(_say("traj_title", lang, unit=_cap(unit), span=span), fontsize=9.5, loc="left")
    ax.set_xlabel(_say("xlabel", lang))
    ax.set_ylabel(_say("ylabel", lang, scales=_scales(meta["papi_units"], lang)), fontsize=9)
    ax.set_xticks(years[:: 1 if len(years) <= 15 else 2])
    ax.grid(axis="y", color="0.92", linewidth=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    chart = Chart(fig, _say("chart", lang, unit=unit, n=len(olds)))

    scored = synthetic.dropna()
    how = _how(uid, lang)
    text = [
        _cap(
            _say(
                "traj_cover",
                lang,
                unit=unit,
                how=how,
                n=len(scored),
                m=len(years),
                span=f"{years[0]}-{years[-1]}",
            )
        )
    ]
    gaps = [y for y in years if y not in scored.index]
    if gaps:
        missed = {p: [y for y in gaps if math.isnan(old[p][y])] for p in olds}
        lacking = [f"{_bare(p)} ({_spans(ys)})" for p, ys in missed.items() if ys]
        text.append(_say("traj_gaps", lang, years=_spans(gaps), names=words.join(lacking, lang)))
    listed = words.join(
        [
            f"{_bare(p)} {words.num(old[p][year], 2, lang)}"
            if math.isfinite(old[p][year])
            else f"{_bare(p)} ({_say('cell_no_score', lang)})"
            for p in olds
        ],
        lang,
    )
    if year in scored.index:
        text.append(_say("traj_year", lang, year=year, value=words.num(scored[year], 2, lang), list=listed))
    else:
        text.append(_say("traj_year_missing", lang, year=year, list=listed))
    if breaks:
        text.append(_say("traj_breaks", lang, years=words.join(breaks, lang)))
    return Section(Prose(_say("traj_head", lang, unit=unit)), chart, Prose(" ".join(text)))
