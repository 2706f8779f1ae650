"""The province report: a province looked up in the cached year, and its title, glance and key facts.

Also the years a report can be made for (``report_years``, ``latest_year``). The other sections
of the template are in parlib.sections.scores and parlib.sections.national_section.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from parlib import provinces
from parlib.sections import words
from parlib.sections.cache import _file, _year
from parlib.sections.card_text import card_lines
from parlib.sections.display import Prose
from parlib.sections.text import _in_source, _num


def _pid(province: object) -> str:
    return provinces.normalize(province, "63")


def _meta(year: int) -> dict:
    return _file(year, "meta.json")


def _card(province: object, year: int) -> dict:
    return _file(year, "cards.json")[_pid(province)]


def _name(pid: str, year: int) -> str:
    return _file(year, "provinces.json")[pid]["name_vi"]


def _region_label(key: str, lang: str = "en") -> str:
    return words.region(key, lang)


def _source_gap(pid: str, year: int, lang: str = "en") -> str:
    """' in parlib's source (PAPI ranked 63, as published)' for a province the source lacks, else ''."""
    facts = _card(pid, year)["facts"]["PAPI"]
    if facts.get("available") or _name(pid, year) not in (facts.get("missing_from_source") or []):
        return ""
    return words.say(_WORDS, "source_gap", lang, n=int(_num(facts["published_rank_of"])))


def _no_papi(year: int, what: str, lang: str = "en") -> Prose | None:
    meta = _meta(year)
    if year in meta["papi_years"]:
        return None
    return Prose(words.say(_WORDS, "no_papi", lang, year=year, coverage=meta["papi_coverage"], what=what))


def report_years() -> list[int]:
    """The years a province report can be made for: the PAPI survey years in the panel."""
    from parlib.panel import load_panel

    panel = load_panel()
    return sorted(int(y) for y in panel.loc[panel["papi_total"].notna(), "year"].unique())


def latest_year() -> int:
    """The latest PAPI year in the panel."""
    return report_years()[-1]


# --------------------------------------------------------------------------- report sections

_WORDS = {
    "title": {"en": "## {name}, {year}", "vi": "## {name}, năm {year}"},
    "subtitle": {
        "en": "{region} region; GSO code {pid}; {unit}.",
        "vi": "Vùng {region}; mã GSO {pid}; {unit}.",
    },
    "merged": {
        "en": "from 1 July 2025 part of the new province of {unit} (with {others})",
        "vi": "từ ngày 1/7/2025 thuộc tỉnh mới {unit} (cùng {others})",
    },
    "continues": {
        "en": "from 1 July 2025 it continues as a province ({unit})",
        "vi": "từ ngày 1/7/2025 tiếp tục là một tỉnh ({unit})",
    },
    "no_papi": {
        "en": "PAPI has no scores for {year} (the survey covers {coverage}): {what}.",
        "vi": "Chỉ số PAPI không có điểm cho năm {year} (khảo sát có các năm {coverage}): {what}.",
    },
    "source_gap": {
        "en": " in parlib's source (PAPI ranked {n}, as published)",
        "vi": " trong nguồn của parlib (PAPI xếp hạng {n} tỉnh, theo công bố)",
    },
    "glance_plain": {"en": "{name} in {year} at a glance", "vi": "{name} năm {year}: tổng quan"},
    "header": {
        "en": "| Index | Score | Rank | Tier | Change since {before} |",
        "vi": "| Chỉ số | Điểm | Xếp hạng | Nhóm | Thay đổi so với năm {before} |",
    },
    "no_index": {
        "en": "No index has a score for {name} in {year}.",
        "vi": "{name} không có điểm chỉ số nào trong năm {year}.",
    },
    "scale": {"en": "{value} (scale {scale})", "vi": "{value} (thang {scale})"},
    "no_before": {"en": "no score the year before", "vi": "không có điểm năm trước"},
    "not_comparable": {
        "en": " (across a method change: not comparable)",
        "vi": " (qua một lần đổi phương pháp: không so sánh được)",
    },
    "in_source": {"en": " in parlib's source", "vi": " trong nguồn của parlib"},
    "not_ranked": {"en": "not ranked", "vi": "không xếp hạng"},
    "rank_published": {
        "en": "{shown} of {big} ({rank} of the {n} in parlib's source)",
        "vi": "{shown}/{big} (thứ {rank}/{n} trong nguồn của parlib)",
    },
    "tier_source": {
        "en": "{tier} (computed over the {n} in parlib's source; PAPI grouped {big})",
        "vi": "{tier} (tính trên {n} tỉnh trong nguồn của parlib; PAPI phân nhóm {big} tỉnh)",
    },
    "tier_scored": {
        "en": "{tier} (computed over the {n} scored)",
        "vi": "{tier} (tính trên {n} tỉnh có điểm)",
    },
}


def title(province: object, year: int, lang: str = "en") -> Prose:
    """The report heading: name, year, region and the 34-unit province it belongs to from July 2025."""
    words.check_lang(lang)
    year = _year(year)
    c = _card(province, year)
    merged = provinces.from_34(c["unit_34_id"])
    if len(merged) > 1:
        others = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in merged if p != c["province_id"]]
        unit = words.say(_WORDS, "merged", lang, unit=c["unit_34_name"], others=", ".join(others))
    else:
        unit = words.say(_WORDS, "continues", lang, unit=c["unit_34_name"])
    name = f"{c['name_vi']} ({c['name_en']})" if lang == "en" else c["name_vi"]
    head = words.say(_WORDS, "title", lang, name=name, year=year)
    sub = words.say(
        _WORDS, "subtitle", lang, region=_region_label(c["region"], lang), pid=c["province_id"], unit=unit
    )
    return Prose(f"{head}\n\n{sub}")


def _score_cell(facts: dict, lang: str = "en") -> str:
    unit = facts.get("unit") or ""
    value = _num(facts.get("value"))
    if unit == "percent":
        return f"{words.num(value, 1, lang)}%"
    if scale := words.scale(unit):
        return words.say(_WORDS, "scale", lang, value=words.num(value, 2, lang), scale=scale)
    return f"{words.num(value, 2, lang)} {unit}".strip() if lang == "en" else words.num(value, 2, lang)


def _change_cell(facts: dict, year: int, lang: str = "en") -> str:
    change = _num(facts.get("value_change"))
    if not math.isfinite(change):
        return words.say(_WORDS, "no_before", lang)
    text = words.num(change, 2, lang, sign=True)
    places = words.places(_num(facts.get("rank_change")), lang)
    if places and _in_source(facts):
        places += words.say(_WORDS, "in_source", lang)
    text += f", {places}" if places else ""
    if facts.get("comparable") is False:
        text += words.say(_WORDS, "not_comparable", lang)
    return text


def _rank_cell(facts: dict, lang: str = "en") -> str:
    """'13 of 61'; '29 of 63 (29 of the 61 in parlib's source)' when PAPI ranked more than the source has."""
    rank = _num(facts.get("rank"))
    if not math.isfinite(rank):
        return words.say(_WORDS, "not_ranked", lang)
    n, published = int(_num(facts.get("rank_of"))), _num(facts.get("published_rank_of"))
    if not math.isfinite(published) or int(published) <= n:
        return words.rank_of(rank, n, lang)
    low, high = _num(facts.get("published_rank_min")), _num(facts.get("published_rank_max"))
    low = int(low) if math.isfinite(low) else int(rank)
    high = int(high) if math.isfinite(high) else int(rank) + int(published) - n
    shown = f"{low}" if low == high else f"{low}-{high}"
    return words.say(_WORDS, "rank_published", lang, shown=shown, big=int(published), rank=int(rank), n=n)


def _tier_cell(facts: dict, lang: str = "en") -> str:
    """The tier, with '(computed over the 61 ...)' when it is not PAPI's own banding."""
    tier = facts.get("tier")
    if not tier:
        return "-"
    shown = words.tier(tier, lang)
    if (facts.get("tier_text") or f"{tier} tier") == f"{tier} tier":
        return shown
    n, published = int(_num(facts.get("rank_of"))), _num(facts.get("published_rank_of"))
    if math.isfinite(published) and int(published) > n:
        return words.say(_WORDS, "tier_source", lang, tier=shown, n=n, big=int(published))
    return words.say(_WORDS, "tier_scored", lang, tier=shown, n=n)


def glance(province: object, year: int, lang: str = "en") -> Prose:
    """The province card: a table of the indices with data, then one sentence per index."""
    words.check_lang(lang)
    year = _year(year)
    c = _card(province, year)
    available = {k: f for k, f in c["facts"].items() if f["available"]}
    lines: list[str] = []
    plain = [words.say(_WORDS, "glance_plain", lang, name=c["name_vi"], year=year)]
    if available:
        lines += [words.say(_WORDS, "header", lang, before=year - 1), "|---|---|---|---|---|"]
        for key, f in available.items():
            row = [words.index_name(key, lang), _score_cell(f, lang), _rank_cell(f, lang),
                   _tier_cell(f, lang), _change_cell(f, year, lang)]  # fmt: skip
            lines.append("| " + " | ".join(row) + " |")
            plain.append("  ".join(row))
        lines.append("")
    else:
        lines += [words.say(_WORDS, "no_index", lang, name=c["name_vi"], year=year), ""]
        plain.append(lines[-2])
    for sentence in card_lines(c, lang):
        lines.append(f"- {sentence}")
        plain.append(f"- {sentence}")
    return Prose("\n".join(lines), "\n".join(plain))


def key_facts(province: object, year: int, lang: str = "en") -> dict[str, Any]:
    """The report's key numbers for ``parlib.record`` and the runner's index page (None when missing).

    Keys: province_id, province, slug, year, papi_total, papi_rank, papi_rank_of, papi_tier,
    papi_value_change, papi_rank_change, papi_comparable, papi_national_median, pci_total, pci_rank,
    sipas_total, par_index_total, unit_34 (name of the July-2025 unit), unit_34_id; and for the
    ranks and tiers as PAPI published them: papi_rank_of_published (N, the provinces PAPI ranked,
    None where the published record has no N; it exceeds papi_rank_of, the provinces in parlib's
    source, in 2024), papi_rank_text ('rank 29 of 63 (PAPI ranked 63; 2 are missing ...)'),
    papi_tier_source ('published': PAPI's band sizes; 'computed': PAPI's quartile rule over the
    provinces in the source); lang (the report's language) and geo ("63": the provinces it reports on).
    """
    words.check_lang(lang)
    year = _year(year)
    c = _card(province, year)

    def fact(index: str, key: str, kind: Callable = float) -> Any:
        f = c["facts"].get(index)
        if not f or not f["available"] or f.get(key) is None:
            return None
        value = f[key]
        if kind is int:
            return int(value) if math.isfinite(_num(value)) else None
        return kind(value)

    return {
        "province_id": c["province_id"],
        "province": c["name_vi"],
        "slug": c["slug"],
        "year": year,
        "papi_total": fact("PAPI", "value"),
        "papi_rank": fact("PAPI", "rank", int),
        "papi_rank_of": fact("PAPI", "rank_of", int),
        "papi_tier": fact("PAPI", "tier", str),
        "papi_tier_source": fact("PAPI", "tier_source", str),
        "papi_rank_of_published": fact("PAPI", "published_rank_of", int),
        "papi_rank_text": fact("PAPI", "rank_text", str),
        "papi_value_change": fact("PAPI", "value_change"),
        "papi_rank_change": fact("PAPI", "rank_change", int),
        "papi_comparable": fact("PAPI", "comparable", bool),
        "papi_national_median": fact("PAPI", "national_median"),
        "pci_total": fact("PCI", "value"),
        "pci_rank": fact("PCI", "rank", int),
        "sipas_total": fact("SIPAS", "value"),
        "par_index_total": fact("PAR_INDEX", "value"),
        "unit_34": c["unit_34_name"],
        "unit_34_id": c["unit_34_id"],
        "lang": lang,
        "geo": "63",
    }
