"""The province report's trajectory section: the province's PAPI rank over the survey years (rank 1
on top: ranks do not depend on PAPI's changes of scale), the region's provinces beside it, and its
scores in a table below, in English or Vietnamese."""

from __future__ import annotations

import pandas as pd

from parlib.sections import words
from parlib.sections.cache import _file, _year
from parlib.sections.display import Chart, Prose, Section, _figure
from parlib.sections.province import _card, _meta, _name, _no_papi, _pid, _region_label, _source_gap
from parlib.sections.text import _ordinal

_WORDS = {
    "no_trajectory": {"en": "no trajectory to show", "vi": "không có diễn biến qua các năm để trình bày"},
    "no_total": {
        "en": "{name} has no PAPI total in any year.",
        "vi": "{name} không có tổng điểm PAPI năm nào.",
    },
    "rank_year": {"en": "{rank} ({year})", "vi": "{rank} (năm {year})"},
    "rank_year_source": {
        "en": "{rank} in parlib's source ({year}; PAPI ranked {big})",
        "vi": "{rank} trong nguồn của parlib (năm {year}; PAPI xếp hạng {big} tỉnh)",
    },
    "above": {
        "en": "{name} was above the national median in {above} of its {n} PAPI years ({first}-{last}). Its "
        "best rank was {best}, its lowest {worst}.",
        "vi": "{name} có tổng điểm cao hơn trung vị toàn quốc trong {above}/{n} năm khảo sát PAPI "
        "({first}-{last}). Thứ hạng cao nhất là {best}, thấp nhất là {worst}.",
    },
    "which": {
        "en": "{n} scored provinces of the {region} region",
        "vi": "{n} tỉnh có điểm của vùng {region}",
    },
    "which_source": {
        "en": "{n} provinces of the {region} region in parlib's source",
        "vi": "{n} tỉnh của vùng {region} trong nguồn của parlib",
    },
    "place": {
        "en": " In {year} it had the {ordinal}highest total of the {which}.",
        "vi": " Năm {year}, tỉnh có tổng điểm cao {ordinal} trong {which}.",
    },
    "no_total_year": {
        "en": " It has no PAPI total for {year}{gap}.",
        "vi": " Tỉnh không có tổng điểm PAPI năm {year}{gap}.",
    },
    "ranks": {
        "en": " The chart shows its rank among the provinces scored each year (1 = highest total), which "
        "does not depend on PAPI's scale. The scores, in the table, compare only within a period: PAPI "
        "changed its method in {breaks} (dotted lines){scales}.",
        "vi": " Biểu đồ thể hiện thứ hạng của tỉnh trong số các tỉnh được chấm điểm mỗi năm (1 = tổng điểm "
        "cao nhất), không phụ thuộc vào thang điểm. Điểm số trong bảng chỉ so sánh được trong cùng một giai "
        "đoạn: PAPI đã thay đổi phương pháp vào các năm {breaks} (đường chấm){scales}.",
    },
    "scales": {"en": " and its scale {changes}", "vi": " và thang điểm {changes}"},
    "scale_change": {"en": "from {old} to {new} in {year}", "vi": "từ {old} sang {new} năm {year}"},
    "table_head": {
        "en": "| Year | PAPI total | Scale | National median | Rank |",
        "vi": "| Năm | Tổng điểm PAPI | Thang điểm | Trung vị toàn quốc | Xếp hạng |",
    },
    "published_note": {
        "en": "Ranks are among the provinces in parlib's source; PAPI itself ranked {counts}.",
        "vi": "Thứ hạng tính trong số các tỉnh có trong nguồn của parlib; PAPI xếp hạng {counts}.",
    },
    "count_year": {"en": "{n} in {year}", "vi": "{n} tỉnh năm {year}"},
    "period": {"en": "scale {scale}", "vi": "thang điểm {scale}"},
    "traj_title": {
        "en": "{name}: rank by PAPI total, {first}-{last}",
        "vi": "{name}: thứ hạng theo tổng điểm PAPI, {first}-{last}",
    },
    "traj_ylabel": {
        "en": "rank among the provinces scored (1 = highest)",
        "vi": "thứ hạng trong số các tỉnh có điểm (1 = cao nhất)",
    },
    "traj_xlabel": {"en": "survey year", "vi": "năm khảo sát"},
    "traj_peers": {"en": "provinces of the region", "vi": "các tỉnh cùng vùng"},
    "traj_median": {"en": "national median (middle rank)", "vi": "trung vị toàn quốc (thứ hạng giữa)"},
    "traj_break": {"en": "method change", "vi": "thay đổi phương pháp"},
    "traj_chart": {
        "en": "PAPI rank of {name} by year, national median, {n} provinces of its region",
        "vi": "thứ hạng PAPI của {name} qua các năm, trung vị toàn quốc, {n} tỉnh cùng vùng",
    },
}
"""Every sentence, header and label of the section in both languages (``words.say``)."""


def _papi_component(year: int, component: str) -> pd.DataFrame:
    papi = _file(year, "papi.parquet")
    return papi[papi["component"] == component]


def _medians(year: int, component: str = "total") -> pd.Series:
    national = _file(year, "national.parquet")
    rows = national[national["component"] == component]
    return rows.set_index("year")["median"]


def _rank_of(facts: dict, year: int, rank: float, rank_of: float, lang: str = "en") -> str:
    """'12 of 61 (2022)'; '2 of 61 in parlib's source (2024; PAPI ranked 63)' in a year PAPI ranked more."""
    by_year = facts.get("published_rank_of_by_year") or {}
    published = by_year.get(str(year), by_year.get(year))
    shown = words.rank_of(rank, rank_of, lang)
    if published is not None and int(published) > int(rank_of):
        return words.say(_WORDS, "rank_year_source", lang, rank=shown, year=year, big=int(published))
    return words.say(_WORDS, "rank_year", lang, rank=shown, year=year)


def _scale(unit: str) -> str:
    """'points (8-80)' -> '8-80'."""
    return words.scale(unit) or unit


def trajectory(province: object, year: int, lang: str = "en") -> Section | Prose:
    """The province's PAPI rank over the survey years (comparable across PAPI's changes of scale and
    method) against the middle rank and the region's provinces; its scores in a table below."""
    from parlib.sections.figures import _WIDTH, _rank_trajectory

    words.check_lang(lang)
    year = _year(year)
    missing = _no_papi(year, words.say(_WORDS, "no_trajectory", lang), lang)
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    totals = _papi_component(year, "total")
    mine = totals[totals["province_id"] == pid].set_index("year").sort_index()
    if mine.empty:
        return Prose(words.say(_WORDS, "no_total", lang, name=name))
    info = _file(year, "provinces.json")
    region = info[pid]["region"]
    peers = [p for p, row in info.items() if row["region"] == region and p != pid]
    meta = _meta(year)
    units = {int(y): _scale(u) for y, u in meta["papi_units"].items()}
    periods, changes = [], []
    for y in sorted(units):
        if periods and periods[-1][2] == units[y]:
            periods[-1][1] = y
        else:
            if periods:
                changes.append(
                    words.say(_WORDS, "scale_change", lang, old=periods[-1][2], new=units[y], year=y)
                )
            periods.append([y, y, units[y]])
    first, last = mine.index.min(), mine.index.max()
    fig = _figure((_WIDTH, 5.2))
    fig.subplots_adjust(left=0.075, right=0.98, bottom=0.24, top=0.84)
    ax = fig.add_subplot()
    _rank_trajectory(
        totals.loc[totals["province_id"].isin([pid, *peers]), ["province_id", "year", "rank", "rank_of"]],
        pid,
        name,
        ax=ax,
        words={
            k: words.say(_WORDS, f"traj_{k}", lang) for k in ("peers", "median", "break", "xlabel", "ylabel")
        },
        peers=peers,
        year=year if year in mine.index else None,
        breaks=meta["papi_breaks"],
        periods=[(a, b, words.say(_WORDS, "period", lang, scale=s)) for a, b, s in periods],
    )
    ax.set_title(words.say(_WORDS, "traj_title", lang, name=name, first=first, last=last), fontsize=10,
                 loc="left", pad=30, y=1.0)  # fmt: skip  (y given: no search for ticks above the axes)
    chart = Chart(fig, words.say(_WORDS, "traj_chart", lang, name=name, n=len(peers)))

    medians = _medians(year).reindex(mine.index)
    above = int((mine["value"] > medians).sum())
    best, worst = mine["rank"].idxmin(), mine["rank"].idxmax()
    facts = _card(pid, year)["facts"]["PAPI"]
    text = words.say(
        _WORDS, "above", lang, name=name, above=above, n=len(mine), first=first, last=last,
        best=_rank_of(facts, best, mine.loc[best, "rank"], mine.loc[best, "rank_of"], lang),
        worst=_rank_of(facts, worst, mine.loc[worst, "rank"], mine.loc[worst, "rank_of"], lang),
    )  # fmt: skip
    this_year = totals[(totals["year"] == year) & totals["province_id"].isin([pid, *peers])]
    if pid in set(this_year["province_id"]):
        order = this_year.sort_values("value", ascending=False)["province_id"].tolist()
        gap = facts.get("missing_from_source") or []
        regional = [_name(p, year) for p in peers if p not in set(this_year["province_id"])]
        key = "which_source" if set(regional) & set(gap) else "which"
        which = words.say(_WORDS, key, lang, n=len(order), region=_region_label(region, lang))
        k = order.index(pid) + 1
        ordinal = _ordinal(k) if lang == "en" else "nhất" if k == 1 else f"thứ {k}"
        text += words.say(_WORDS, "place", lang, year=year, ordinal=ordinal, which=which)
    else:
        text += words.say(_WORDS, "no_total_year", lang, year=year, gap=_source_gap(pid, year, lang))
    if meta["papi_breaks"]:
        scales = words.say(_WORDS, "scales", lang, changes=words.join(changes, lang)) if changes else ""
        text += words.say(_WORDS, "ranks", lang, breaks=words.join(meta["papi_breaks"], lang), scales=scales)
    return Section(chart, Prose(text + "\n\n" + _score_table(mine, medians, facts, year, lang)))


def _score_table(mine: pd.DataFrame, medians: pd.Series, facts: dict, year: int, lang: str) -> str:
    """The province's PAPI totals by year: score, scale, national median and rank (the report year bold)."""
    units = {int(y): _scale(u) for y, u in _meta(year)["papi_units"].items()}
    by_year = {int(y): int(n) for y, n in (facts.get("published_rank_of_by_year") or {}).items()}
    lines = [words.say(_WORDS, "table_head", lang), "|---|--:|---|--:|--:|"]
    more = []
    for y, row in mine.iterrows():
        shown = f"**{y}**" if y == year else str(y)
        rank = words.rank_of(row["rank"], row["rank_of"], lang)
        cells = [
            shown,
            words.num(row["value"], 2, lang),
            units.get(int(y), ""),
            words.num(medians.get(y), 2, lang),
            rank,
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if by_year.get(int(y), 0) > int(row["rank_of"]):
            more.append(words.say(_WORDS, "count_year", lang, n=by_year[int(y)], year=y))
    if more:
        lines += ["", words.say(_WORDS, "published_note", lang, counts=words.join(more, lang))]
    return "\n".join(lines)
