"""The province report's map section (``map_``): the year's PAPI totals by province, the province outlined.

The shaded map is the same in every report of the year and has no words: ``prepare()`` renders it
once (parlib.sections.geometry) and the report draws on top, in its language, its province's
outline and name, the title, the colour bar's label, the legend and the inset's names (same figure
size, axes and limits).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from parlib.sections import words
from parlib.sections.cache import _ensure, _file, _read, _year
from parlib.sections.card_text import rank_text
from parlib.sections.display import Chart, Prose, Section, _backdrop, _figure
from parlib.sections.geometry import _ARCHIPELAGOS, _decode_rings
from parlib.sections.province import _card, _meta, _name, _no_papi, _pid, _source_gap
from parlib.sections.text import _num

_WORDS = {
    "no_map_year": {"en": "no map for this year", "vi": "không có bản đồ cho năm này"},
    "no_map": {
        "en": "No map: the province boundaries are not available ({error}).",
        "vi": "Không có bản đồ: không có dữ liệu ranh giới các tỉnh ({error}).",
    },
    "shades": {
        "en": "Yellow and green shades are higher totals, blue and purple lower.",
        "vi": "Màu vàng và xanh lá là tổng điểm cao hơn, màu xanh lam và tím là thấp hơn.",
    },
    "not_on_map": {
        "en": "{name} is not on the map of the 63 provinces. {shades}",
        "vi": "{name} không có trên bản đồ 63 tỉnh, thành phố. {shades}",
    },
    "scored": {
        "en": "{name} (outlined in red) scored {value}, {ranked}. {shades}",
        "vi": "{name} (viền đỏ) đạt {value} điểm, {ranked}. {shades}",
    },
    "rank": {"en": "rank {rank}", "vi": "xếp thứ {rank}"},
    "no_total": {
        "en": "{name} (outlined in red) has no PAPI total for {year}{gap}. {shades}",
        "vi": "{name} (viền đỏ) không có tổng điểm PAPI năm {year}{gap}. {shades}",
    },
    "no_source_score": {
        "en": " No score in parlib's source for {year} (grey, hatched): {names}.",
        "vi": " Nguồn của parlib không có điểm năm {year} (tô xám, gạch chéo): {names}.",
    },
    "not_scored": {
        "en": " Not scored in {year} (grey, hatched): {names}.",
        "vi": " Không được chấm điểm năm {year} (tô xám, gạch chéo): {names}.",
    },
    "title": {"en": "PAPI total {year} by province", "vi": "Tổng điểm PAPI năm {year} theo tỉnh, thành phố"},
    "bar": {"en": "PAPI total {year} ({scale} scale)", "vi": "Tổng điểm PAPI năm {year} (thang {scale})"},
    "no_score": {"en": "no score", "vi": "không có điểm"},
    "inset": {"en": "Offshore islands (smaller scale)", "vi": "Các quần đảo xa bờ (tỷ lệ nhỏ hơn)"},
    "archipelago": {"en": "{name} archipelago\n({province})", "vi": "Quần đảo {name}\n({province})"},
    "chart": {
        "en": "map of the PAPI total {year} by province, {name} outlined",
        "vi": "bản đồ tổng điểm PAPI năm {year} theo tỉnh, {name} viền đỏ",
    },
}
"""Every sentence and label of the map section in both languages (``words.say``)."""


def map_(province: object, year: int, lang: str = "en") -> Section | Prose:
    """Vietnam's provinces shaded by the year's PAPI total, the province outlined in red.

    The mainland fills the figure's height, the colour bar beside it; the offshore archipelagos
    (Hoàng Sa, Trường Sa) are in an inset at a smaller scale.
    """
    from parlib.sections.figures import _no_score_handle, _outline

    words.check_lang(lang)
    year = _year(year)
    missing = _no_papi(year, words.say(_WORDS, "no_map_year", lang), lang)
    if missing:
        return missing
    pid = _pid(province)
    name = _name(pid, year)
    base, layout = _file(year, "map_base.png"), _file(year, "map_base.json")
    if not base:
        error = _file(year, "map.json").get("error", "")
        return Prose(words.say(_WORDS, "no_map", lang, error=error))
    width, height = layout["size"]
    fig = _figure((width, height))
    fig.set_dpi(layout["dpi"])
    _backdrop(fig, base)
    ax = fig.add_axes(layout["position"], zorder=1)  # above the image
    ax.set_xlim(*layout["xlim"])
    ax.set_ylim(*layout["ylim"])
    ax.set_axis_off()
    inset = None
    if layout.get("inset"):
        inset = fig.add_axes(layout["inset"]["position"], zorder=1)
        inset.set_xlim(*layout["inset"]["xlim"])
        inset.set_ylim(*layout["inset"]["ylim"])
        inset.set_axis_off()
    rings, near, far = _rings(str(_ensure(year) / "map.json"))
    if near.get(pid):
        _outline(ax, near[pid], name)
    if far.get(pid) and inset is not None:
        _outline(inset, far[pid], None, width=0.8)  # islands: specks a thick line would hide
    totals = _file(year, "papi.parquet")
    totals = totals[(totals["component"] == "total") & (totals["year"] == year)]
    totals = pd.Series(totals["value"].to_numpy(), index=totals["province_id"].astype(str))
    left, top = layout["position"][0], layout["position"][1] + layout["position"][3]
    fig.text(left, (top + 1) / 2, words.say(_WORDS, "title", lang, year=year), fontsize=12, va="center")
    scale = str(_meta(year)["papi_units"].get(str(year), ""))
    scale = scale[8:-1] if scale.startswith("points (") else scale
    fig.text(*layout["colorbar_label"], words.say(_WORDS, "bar", lang, year=year, scale=scale), rotation=90,
             va="center", ha="left", fontsize=10)  # fmt: skip
    if any(p not in totals.index for p in rings):
        handle = _no_score_handle(words.say(_WORDS, "no_score", lang))
        ax.legend(handles=[handle], loc="lower left", fontsize=9, frameon=False)
    if inset is not None:
        _inset_words(inset, far, year, lang)
    chart = Chart(fig, words.say(_WORDS, "chart", lang, year=year, name=name))
    return Section(chart, Prose(_map_text(pid, year, name, totals, bool(rings.get(pid)), lang)))


@lru_cache(maxsize=8)
def _rings(path: str) -> tuple[dict, dict, dict]:
    """The cache's province rings, and those of the mainland and offshore (``figures._offshore``).

    Cached by path, which names the content (as ``cache._read``): every report of a year shares
    them (about 20 ms a map to decode and split).
    """
    from parlib.sections.figures import _offshore

    rings = _decode_rings(_read(path))
    near, far = _offshore(rings) if rings else ({}, {})
    return rings, near, far


def _inset_words(inset, far: dict, year: int, lang: str) -> None:
    """The inset's title and the name of each archipelago (under the northern one, above the others)."""
    inset.set_title(words.say(_WORDS, "inset", lang), fontsize=9, loc="left", color="0.25", y=1.0)
    groups = sorted(far.items(), key=lambda item: -np.vstack(item[1])[:, 1].max())
    for k, (pid, parts) in enumerate(groups):
        points = np.vstack(parts)
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        province = _name(pid, year)
        label = province
        if pid in _ARCHIPELAGOS:
            label = words.say(_WORDS, "archipelago", lang, name=_ARCHIPELAGOS[pid], province=province)
        y, va = (y0 - 0.3, "top") if k == 0 else (y1 + 0.3, "bottom")
        inset.text((x0 + x1) / 2, y, label, ha="center", va=va, fontsize=8, color="0.2", gid="archipelago")


def _map_text(pid: str, year: int, name: str, totals: pd.Series, on_map: bool, lang: str) -> str:
    shades = words.say(_WORDS, "shades", lang)
    unscored = [_name(p, year) for p in _meta(year)["in_force"] if p not in totals.index]
    if not on_map:
        text = words.say(_WORDS, "not_on_map", lang, name=name, shades=shades)
    elif pid in totals.index:
        facts = _card(pid, year)["facts"]["PAPI"]
        ranked = rank_text(facts, lang) or words.say(
            _WORDS, "rank", lang, rank=words.rank_of(_num(facts["rank"]), _num(facts["rank_of"]), lang)
        )
        value = words.num(totals[pid], 2, lang)
        text = words.say(_WORDS, "scored", lang, name=name, value=value, ranked=ranked, shades=shades)
    else:
        gap = _source_gap(pid, year, lang)
        text = words.say(_WORDS, "no_total", lang, name=name, year=year, gap=gap, shades=shades)
    if unscored:
        lacking = _card(pid, year)["facts"]["PAPI"].get("missing_from_source") or []
        key = "no_source_score" if lacking else "not_scored"  # PAPI ranked them; parlib's source lacks them
        text += words.say(_WORDS, key, lang, year=year, names=words.join(unscored, lang))
    return text
