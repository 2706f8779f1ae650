"""The province report's PAPI sections of the year: profile (the dimensions against the national median
and range) and movers (changes since the year before), in English or Vietnamese.

The other PAPI sections are re-exported from here for parlib.report_data: trajectory (the rank over
the years: parlib.sections.trajectory_section) and map_ (parlib.sections.map_section).
"""

from __future__ import annotations

import math
import textwrap

import pandas as pd

from parlib.sections import words
from parlib.sections.cache import _file, _year
from parlib.sections.display import Chart, Prose, Section, _figure
from parlib.sections.map_section import map_  # noqa: F401  (parlib.report_data imports it from here)
from parlib.sections.province import _card, _meta, _name, _no_papi, _pid, _source_gap
from parlib.sections.text import _in_source, _num
from parlib.sections.trajectory_section import trajectory  # noqa: F401  (as map_)

_WORDS = {
    "no_profile": {"en": "no dimension profile", "vi": "không có điểm các chỉ số nội dung"},
    "no_dims": {
        "en": "{name} has no PAPI dimension scores for {year}{gap}.",
        "vi": "{name} không có điểm các chỉ số nội dung PAPI năm {year}{gap}.",
    },
    "dims_above": {
        "en": "In {year} {name} scored above the national median on {above} of the {n} dimensions.",
        "vi": "Năm {year}, {name} có điểm cao hơn trung vị toàn quốc ở {above}/{n} chỉ số nội dung.",
    },
    "furthest_above": {
        "en": " Furthest above: {label} ({value} against {median}).",
        "vi": " Cao hơn trung vị nhiều nhất: {label} ({value} so với {median}).",
    },
    "furthest_below": {
        "en": " Furthest below: {label} ({value} against {median}).",
        "vi": " Thấp hơn trung vị nhiều nhất: {label} ({value} so với {median}).",
    },
    "best_dim": {
        "en": " Its best-ranked dimension is {label} (rank {rank}).",
        "vi": " Chỉ số nội dung có thứ hạng tốt nhất là {label} (xếp thứ {rank}).",
    },
    "unscored_dims": {
        "en": " No score for {year} in {labels}.",
        "vi": " Không có điểm năm {year} cho {labels}.",
    },
    "profile_xlabel": {"en": "dimension score (1-10)", "vi": "điểm chỉ số nội dung (thang 1-10)"},
    "profile_median": {"en": "national median", "vi": "trung vị toàn quốc"},
    "profile_range": {
        "en": "range across provinces (lowest to highest)",
        "vi": "khoảng điểm giữa các tỉnh (thấp nhất đến cao nhất)",
    },
    "profile_chart": {
        "en": "PAPI dimension scores of {name} in {year} against the national median",
        "vi": "điểm các chỉ số nội dung PAPI của {name} năm {year} so với trung vị toàn quốc",
    },
    "nothing": {"en": "nothing to compare", "vi": "không có gì để so sánh"},
    "no_change": {
        "en": "{name} has no PAPI total for {year}{gap}, so there is no change to report.",
        "vi": "{name} không có tổng điểm PAPI năm {year}{gap}, nên không có thay đổi để báo cáo.",
    },
    "first_year": {
        "en": "{year} is the first PAPI year: there is no earlier year to compare with.",
        "vi": "{year} là năm khảo sát PAPI đầu tiên: không có năm trước để so sánh.",
    },
    "method": {
        "en": "PAPI changed its method between {before} and {year}: the scores of the two years are not "
        "comparable, so changes are not shown.",
        "vi": "PAPI đã thay đổi phương pháp giữa năm {before} và năm {year}: điểm của hai năm không so sánh "
        "được, nên không trình bày thay đổi.",
    },
    "rose": {
        "en": "Compared with {year}, {name}'s PAPI total rose by {amount} points ({before} to {after}), and "
        "its rank{in_source} went from {previous} to {rank} ({places}).",
        "vi": "So với năm {year}, tổng điểm PAPI của {name} tăng {amount} điểm (từ {before} lên {after}); "
        "thứ hạng{in_source} từ thứ {previous} sang thứ {rank} ({places}).",
    },
    "fell": {
        "en": "Compared with {year}, {name}'s PAPI total fell by {amount} points ({before} to {after}), and "
        "its rank{in_source} went from {previous} to {rank} ({places}).",
        "vi": "So với năm {year}, tổng điểm PAPI của {name} giảm {amount} điểm (từ {before} xuống {after}); "
        "thứ hạng{in_source} từ thứ {previous} sang thứ {rank} ({places}).",
    },
    "same": {
        "en": "Compared with {year}, {name}'s PAPI total was unchanged ({before} to {after}), and its "
        "rank{in_source} went from {previous} to {rank} ({places}).",
        "vi": "So với năm {year}, tổng điểm PAPI của {name} không đổi ({before} và {after}); thứ "
        "hạng{in_source} từ thứ {previous} sang thứ {rank} ({places}).",
    },
    "in_source": {"en": " in parlib's source", "vi": " trong nguồn của parlib"},
    "of_dims": {
        "en": "Of the {n} dimensions, {up} improved and {down} declined.",
        "vi": "Trong {n} chỉ số nội dung, {up} chỉ số tăng điểm và {down} chỉ số giảm điểm.",
    },
    "largest_rise": {
        "en": " The largest rise was in {label} ({change})",
        "vi": " Tăng nhiều nhất là {label} ({change})",
    },
    "largest_fall": {
        "en": " the largest fall in {label} ({change}).",
        "vi": " giảm nhiều nhất là {label} ({change}).",
    },
    "movers_head": {
        "en": "| Dimension | {before} | {year} | Change | Rank {before} -> {year} |",
        "vi": "| Chỉ số nội dung | {before} | {year} | Thay đổi | Xếp hạng {before} -> {year} |",
    },
    "subs": {
        "en": "Among the {n} sub-dimensions, the largest rise was in {rise} ({rise_change}) and the largest "
        "fall in {fall} ({fall_change}).",
        "vi": "Trong {n} nội dung thành phần, tăng nhiều nhất là {rise} ({rise_change}) và giảm nhiều nhất "
        "là {fall} ({fall_change}).",
    },
}
"""Every sentence, header and label of these sections in both languages (``words.say``)."""


def _dimensions(year: int, pid: str, lang: str = "en") -> pd.DataFrame:
    """The province's dimension rows for ``year`` in publication order, with national figures; ``label``
    in ``lang``."""
    meta = _meta(year)
    papi = _file(year, "papi.parquet")
    rows = papi[(papi["year"] == year) & (papi["province_id"] == pid) & (papi["level"] == "dimension")]
    order = {c: i for i, c in enumerate(meta["dimensions"])}
    component = rows["component"].astype(str)
    labels = component.map(lambda c: words.dimension(c, meta["labels"].get(c, c), lang))
    rows = rows.assign(order=component.map(order), label=labels).sort_values("order")
    national = _file(year, "national.parquet")
    national = national[national["year"] == year].set_index("component")
    return rows.join(national[["median", "low", "high"]], on="component")


def profile(province: object, year: int, lang: str = "en") -> Section | Prose:
    """The PAPI dimension scores of the year against the national median and range."""
    from parlib.sections.figures import _WIDTH, _profile

    words.check_lang(lang)
    year = _year(year)
    missing = _no_papi(year, words.say(_WORDS, "no_profile", lang), lang)
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    dims = _dimensions(year, pid, lang)
    if dims.empty:
        return Prose(
            words.say(_WORDS, "no_dims", lang, name=name, year=year, gap=_source_gap(pid, year, lang))
        )
    height = 1.2 + 0.55 * len(dims)
    fig = _figure((_WIDTH, height))
    fig.subplots_adjust(left=0.33, right=0.97, bottom=0.55 / height, top=1 - 0.5 / height)
    ax = fig.add_subplot()
    shown = dims.assign(label=dims["label"].map(lambda s: textwrap.fill(s, 36, break_on_hyphens=False)))
    _profile(
        shown[["label", "value", "median", "low", "high"]],
        ax=ax,
        words={
            "province": name,
            "median": words.say(_WORDS, "profile_median", lang),
            "range": words.say(_WORDS, "profile_range", lang),
            "xlabel": words.say(_WORDS, "profile_xlabel", lang),
        },
        number=lambda v: words.num(v, 2, lang),
        xlim=(0, 10),
    )
    chart = Chart(fig, words.say(_WORDS, "profile_chart", lang, name=name, year=year))
    gap = dims["value"] - dims["median"]
    above = int((gap > 0).sum())
    top, bottom = dims.loc[gap.idxmax()], dims.loc[gap.idxmin()]
    text = words.say(_WORDS, "dims_above", lang, year=year, name=name, above=above, n=len(dims))
    for key, row, show in (("furthest_above", top, gap.max() > 0), ("furthest_below", bottom, gap.min() < 0)):
        if show:
            text += words.say(_WORDS, key, lang, label=row["label"], value=words.num(row["value"], 2, lang),
                              median=words.num(row["median"], 2, lang))  # fmt: skip
    best = dims.sort_values("rank").iloc[0]
    rank = words.rank_of(best["rank"], best["rank_of"], lang)
    text += words.say(_WORDS, "best_dim", lang, label=best["label"], rank=rank)
    national = _file(year, "national.parquet")
    scored = national[(national["year"] == year) & national["component"].isin(_meta(year)["dimensions"])]
    unscored = sorted(set(scored["component"]) - set(dims["component"].astype(str)))
    if unscored:
        labels = [words.dimension(c, _meta(year)["labels"].get(c, c), lang) for c in unscored]
        text += words.say(_WORDS, "unscored_dims", lang, year=year, labels=words.join(labels, lang))
    return Section(chart, Prose(text))


def movers(province: object, year: int, lang: str = "en") -> Prose:
    """What moved most since the year before: the total, a table of the dimensions, the sub-dimensions."""
    words.check_lang(lang)
    year = _year(year)
    missing = _no_papi(year, words.say(_WORDS, "nothing", lang), lang)
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    facts = _card(pid, year)["facts"]["PAPI"]
    if not facts["available"]:
        return Prose(
            words.say(_WORDS, "no_change", lang, name=name, year=year, gap=_source_gap(pid, year, lang))
        )
    if year - 1 not in _meta(year)["papi_years"]:
        return Prose(words.say(_WORDS, "first_year", lang, year=year))
    if facts.get("comparable") is False:
        return Prose(words.say(_WORDS, "method", lang, before=year - 1, year=year))
    change = _num(facts["value_change"])
    if not math.isfinite(change):
        return Prose(words.say(_WORDS, "no_change", lang, name=name, year=year - 1, gap=""))
    rank, previous = int(_num(facts["rank"])), int(_num(facts["rank"]) + _num(facts["rank_change"]))
    first = words.say(
        _WORDS, "rose" if change > 0 else "fell" if change < 0 else "same", lang, year=year - 1, name=name,
        amount=words.num(abs(change), 2, lang), before=words.num(_num(facts["previous_value"]), 2, lang),
        after=words.num(_num(facts["value"]), 2, lang), previous=previous, rank=rank,
        in_source=words.say(_WORDS, "in_source", lang) if _in_source(facts) else "",
        places=words.places(_num(facts["rank_change"]), lang),
    )  # fmt: skip
    lines = [first, ""]
    dims = _dimensions(year, pid, lang)
    dims = dims[dims["comparable"].fillna(False).astype(bool) & dims["value_change"].notna()]
    if dims.empty:
        return Prose("\n".join(lines))
    dims = dims.sort_values("value_change", ascending=False)
    up, down = dims[dims["value_change"] > 0], dims[dims["value_change"] < 0]
    summary = words.say(_WORDS, "of_dims", lang, n=len(dims), up=len(up), down=len(down))
    if len(up):
        change_up = words.num(up.iloc[0]["value_change"], 2, lang, sign=True)
        summary += words.say(_WORDS, "largest_rise", lang, label=up.iloc[0]["label"], change=change_up)
        summary += ";" if len(down) else "."
    if len(down):
        change_down = words.num(down.iloc[-1]["value_change"], 2, lang, sign=True)
        summary += words.say(_WORDS, "largest_fall", lang, label=down.iloc[-1]["label"], change=change_down)
    lines += [summary, "", words.say(_WORDS, "movers_head", lang, before=year - 1, year=year),
              "|---|--:|--:|--:|---|"]  # fmt: skip
    plain = [lines[0], summary]
    for _, row in dims.iterrows():
        before = words.num(row["value"] - row["value_change"], 2, lang)
        ranks = (
            f"{int(row['previous_rank'])} -> {int(row['rank'])}" if pd.notna(row["previous_rank"]) else "-"
        )
        cells = [row["label"], before, words.num(row["value"], 2, lang),
                 words.num(row["value_change"], 2, lang, sign=True), ranks]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
        plain.append("  ".join(cells))
    papi = _file(year, "papi_sub.parquet")
    subs = papi[papi["province_id"] == pid]
    labels = _meta(year)["labels"]
    subs = subs.assign(
        label=subs["component"].astype(str).map(lambda c: words.dimension(c, labels.get(c, c), lang))
    )
    subs = subs[subs["comparable"].fillna(False).astype(bool) & subs["value_change"].notna()]
    if len(subs):
        subs = subs.sort_values("value_change")
        fall, rise = subs.iloc[0], subs.iloc[-1]
        text = words.say(
            _WORDS, "subs", lang, n=len(subs), rise=rise["label"], fall=fall["label"],
            rise_change=words.num(rise["value_change"], 2, lang, sign=True),
            fall_change=words.num(fall["value_change"], 2, lang, sign=True),
        )  # fmt: skip
        lines += ["", text]
        plain.append(text)
    return Prose("\n".join(lines), "\n".join(plain))
