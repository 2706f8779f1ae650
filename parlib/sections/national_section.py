"""The province report's national estimates section (``drivers_section``), read from the cache.

The models are fitted once per cache (parlib.sections.national); this section shows the
coefficient plot (the cached PNG in English, drawn in other languages) and a within scatter with
the province's years marked. Effects are stated per 10 percentage points of the driver (a share).
"""

from __future__ import annotations

import math
import textwrap

from parlib.sections import words
from parlib.sections.cache import _file, _year
from parlib.sections.display import Chart, Image, Prose, Section, _figure
from parlib.sections.national import _STEP, _p_value
from parlib.sections.province import _name, _pid, latest_year

_WORDS = {
    "unavailable": {
        "en": "The national estimates are not available: {error}.",
        "vi": "Không có ước lượng toàn quốc: {error}.",
    },
    "coef": {
        "en": "national estimates of {term} on {n} PAPI outcomes",
        "vi": "ước lượng toàn quốc của {term} đối với {n} chỉ số kết quả PAPI",
    },
    "scatter_title": {
        "en": "{label}: within-province changes",
        "vi": "{label}: thay đổi trong từng tỉnh",
    },
    "scatter_y": {
        "en": "{label}, points (within province)",
        "vi": "{label}, điểm (so với trung bình của tỉnh)",
    },
    "scatter_x": {
        "en": "citizens using e-government portals the year before, percentage points (within province)",
        "vi": "tỷ lệ người dân sử dụng cổng dịch vụ công trực tuyến năm trước, điểm phần trăm (so với trung "
        "bình của tỉnh)",
    },
    "scatter_points": {"en": "province-years (n = {n})", "vi": "tỉnh-năm (n = {n})"},
    "scatter_fit": {
        "en": "fitted line: {slope} points per {step} percentage points",
        "vi": "đường ước lượng: {slope} điểm cho mỗi {step} điểm phần trăm",
    },
    "scatter_chart": {
        "en": "within scatter of {label}, {name} marked",
        "vi": "biểu đồ phân tán trong từng tỉnh về {label}, đánh dấu {name}",
    },
    "intro": {
        "en": "Across {provinces} provinces and the outcome years {first}-{last} ({n} province-years), "
        "{step} percentage points more citizens using e-government portals in one year go with the following "
        "differences the next year, comparing each province with its own average and with the national "
        "change of that year:",
        "vi": "Trên {provinces} tỉnh và các năm kết quả {first}-{last} ({n} tỉnh-năm), tỷ lệ người dân sử "
        "dụng cổng dịch vụ công trực tuyến cao hơn {step} điểm phần trăm trong một năm đi cùng các chênh "
        "lệch sau vào năm tiếp theo, khi so sánh mỗi tỉnh với mức trung bình của chính tỉnh đó và với thay "
        "đổi chung của cả nước trong năm:",
    },
    "estimate": {
        "en": "- {label}: {estimate} points (95% interval {low} to {high}; p {p}, Holm-adjusted {holm}).",
        "vi": "- {label}: {estimate} điểm (khoảng tin cậy 95%: {low} đến {high}; p {p}, hiệu chỉnh Holm "
        "{holm}).",
    },
    "only": {
        "en": "the association is distinguishable from zero for {outcomes} only",
        "vi": "mối liên hệ chỉ khác 0 có ý nghĩa thống kê đối với {outcomes}",
    },
    "every": {
        "en": "the association is distinguishable from zero for every outcome",
        "vi": "mối liên hệ khác 0 có ý nghĩa thống kê đối với mọi chỉ số kết quả",
    },
    "none": {
        "en": "no association is distinguishable from zero",
        "vi": "không có mối liên hệ nào khác 0 có ý nghĩa thống kê",
    },
    "agree": {
        "en": "the {methods} inference methods agree at the 5% level for every outcome",
        "vi": "{methods} phương pháp suy luận cho cùng kết luận ở mức ý nghĩa 5% với mọi chỉ số kết quả",
    },
    "disagree": {
        "en": "the {methods} inference methods disagree at the 5% level for {k} outcome(s)",
        "vi": "{methods} phương pháp suy luận cho kết luận khác nhau ở mức ý nghĩa 5% với {k} chỉ số kết quả",
    },
    "verdict": {
        "en": "After adjusting for testing {n} outcomes, {verdict}; {consistency} (first figure).",
        "vi": "Sau khi hiệu chỉnh cho việc kiểm định {n} chỉ số kết quả, {verdict}; {consistency} (biểu đồ "
        "thứ nhất).",
    },
    "marked": {
        "en": "{name}'s own years are marked in the scatter of {label} (second figure), the outcome with the "
        "clearest association.",
        "vi": "Các năm của {name} được đánh dấu trên biểu đồ phân tán về {label} (biểu đồ thứ hai), chỉ số "
        "kết quả có mối liên hệ rõ nhất.",
    },
    "unmarked": {
        "en": "{name} has no years in the estimation sample, so it is not marked in the scatter.",
        "vi": "{name} không có năm nào trong mẫu ước lượng nên không được đánh dấu trên biểu đồ phân tán.",
    },
    "caveat": {
        "en": "These are national associations, not effects, and not estimates for {name}: the driver and "
        "the outcomes come from the same PAPI survey, and provinces that improve their portals may change "
        "other things at the same time. {where}",
        "vi": "Đây là các mối liên hệ trên phạm vi toàn quốc, không phải tác động nhân quả, cũng không phải "
        "ước lượng riêng cho {name}: biến giải thích và các chỉ số kết quả cùng lấy từ khảo sát PAPI, và "
        "các tỉnh cải thiện cổng dịch vụ công trực tuyến có thể đồng thời thay đổi những yếu tố khác. "
        "{where}",
    },
}
"""Every sentence and label of the section in both languages (``words.say``)."""


def _label(outcome: str, info: dict, lang: str) -> str:
    """An outcome's name in ``lang`` (the PAPI dimension's)."""
    return words.dimension(outcome.removeprefix("papi_"), info["label"], lang)


def _inline(label: str, lang: str) -> str:
    """A name inside a sentence: lower case in English (as before), first letter lowered in Vietnamese."""
    return label.lower() if lang == "en" else label[:1].lower() + label[1:]


def _p(p: float, lang: str) -> str:
    """'0.092', '< 0.001' (Vietnamese '0,092')."""
    text = _p_value(p, lang)
    return text.removeprefix("= ") if math.isfinite(p) else words.num(p, 3, lang)


def drivers_section(province: object, year: int | None = None, lang: str = "en") -> Section | Prose:
    """The national e-government access -> outcome estimates: sentences, then the coefficient plot and
    the within scatter of the outcome with the clearest association, this province's years marked.

    Year-independent (the cache of ``year``, default the latest PAPI year, is used). Effects are per
    10 percentage points more citizens using e-government portals (the slope and interval x 0.1).
    """
    from parlib import plots
    from parlib.sections.figures import _WIDTH, _decimal_comma

    words.check_lang(lang)
    year = latest_year() if year is None else _year(year)
    meta = _file(year, "drivers.json")
    if "error" in meta:
        return Prose(words.say(_WORDS, "unavailable", lang, error=meta["error"]))
    pid = _pid(province)
    name = _name(pid, year)
    table = _file(year, "drivers_table.parquet")
    within = _file(year, "drivers_within.parquet")
    term, outcomes = meta["term"], meta["outcomes"]
    rows = table[table["term"] == term]
    cr1 = rows[rows["method"] == "cr1"].set_index("outcome")
    shown = str(cr1["p_holm"].idxmin())  # the clearest association gets the scatter
    info = outcomes[shown]
    label = _label(shown, info, lang)
    step = words.num(_STEP * 100, 0, lang)

    coef_words = words.say(_WORDS, "coef", lang, term=term, n=len(outcomes))
    png = "drivers_coef.png" if lang == "en" else f"drivers_coef.{lang}.png"  # drawn once into the cache
    coef = Image(_file(year, png), coef_words)
    fig = _figure((_WIDTH, 5.4))
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.2, top=0.93)
    sub = fig.add_subplot()
    part = within[within["outcome"] == shown].rename(columns={"outcome_within": shown, "driver_within": term})
    part = part.assign(**{term: part[term] * 100})  # a share -> percentage points
    has_rows = pid in set(part["province_id"])
    slope = words.num(info["slope"] * _STEP, 2, lang, sign=True)
    plots.within_scatter(
        part[["province_id", "year", shown, term]],
        term,
        shown,
        highlight=pid if has_rows else None,
        ax=sub,
        slope=info["slope"] / 100,
        points_label=words.say(_WORDS, "scatter_points", lang, n=len(part)),
        fit_label=words.say(_WORDS, "scatter_fit", lang, slope=slope, step=step),
    )
    sub.set_title("")  # plots' own subtitle: the axis labels say it here
    sub.set_title(words.say(_WORDS, "scatter_title", lang, label=label), fontsize=10, loc="left", y=1.0)
    sub.set_ylabel(textwrap.fill(words.say(_WORDS, "scatter_y", lang, label=label), 60), fontsize=8)
    sub.set_xlabel(words.say(_WORDS, "scatter_x", lang), fontsize=8)
    sub.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3, fontsize=8, frameon=False)
    if lang == "vi":
        _decimal_comma(sub, "x", "y")
    chart = Chart(fig, words.say(_WORDS, "scatter_chart", lang, label=_inline(label, lang), name=name))

    first = next(iter(outcomes.values()))
    lines = [
        words.say(
            _WORDS,
            "intro",
            lang,
            provinces=first["n_provinces"],
            first=first["first_year"],
            last=first["last_year"],
            n=first["n_obs"],
            step=step,
        ),
        "",
    ]
    clear, agree = [], []
    for outcome, out in outcomes.items():
        row = cr1.loc[outcome]
        lines.append(
            words.say(
                _WORDS,
                "estimate",
                lang,
                label=_label(outcome, out, lang),
                estimate=words.num(row["estimate"] * _STEP, 2, lang, sign=True),
                low=words.num(row["conf_low"] * _STEP, 2, lang),
                high=words.num(row["conf_high"] * _STEP, 2, lang),
                p=_p_value(row["p_value"], lang),
                holm=_p(row["p_holm"], lang),
            )
        )
        if row["p_holm"] < 0.05:
            clear.append(_inline(_label(outcome, out, lang), lang))
        ps = rows.loc[rows["outcome"] == outcome, "p_value"].dropna()
        agree.append(bool((ps < 0.05).all() or (ps >= 0.05).all()))
    lines.append("")
    n = len(outcomes)
    if clear and len(clear) < n:
        verdict = words.say(_WORDS, "only", lang, outcomes=words.join(clear, lang))
    else:
        verdict = words.say(_WORDS, "every" if clear else "none", lang)
    methods = len(rows["method"].unique())
    if all(agree):
        consistency = words.say(_WORDS, "agree", lang, methods=methods)
    else:
        consistency = words.say(_WORDS, "disagree", lang, methods=methods, k=agree.count(False))
    lines.append(words.say(_WORDS, "verdict", lang, n=n, verdict=verdict, consistency=consistency))
    if has_rows:
        where = words.say(_WORDS, "marked", lang, name=name, label=_inline(label, lang))
    else:
        where = words.say(_WORDS, "unmarked", lang, name=name)
    lines.append(words.say(_WORDS, "caveat", lang, name=name, where=where))
    return Section(Prose("\n".join(lines)), coef, chart)
