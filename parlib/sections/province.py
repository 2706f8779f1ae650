"""The province report: a province looked up in the cached year, and its title, glance and key facts.

Also the years a report can be made for (``report_years``, ``latest_year``). The other sections
of the template are in parlib.sections.scores and parlib.sections.national_section.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from parlib import provinces
from parlib.sections.cache import _file, _year
from parlib.sections.display import Prose
from parlib.sections.text import _fmt, _in_source, _num, _places

INDEX_NAMES = {"PAPI": "PAPI", "PCI": "PCI", "SIPAS": "SIPAS", "PAR_INDEX": "PAR INDEX"}


def _pid(province: object) -> str:
    return provinces.normalize(province, "63")


def _meta(year: int) -> dict:
    return _file(year, "meta.json")


def _card(province: object, year: int) -> dict:
    return _file(year, "cards.json")[_pid(province)]


def _name(pid: str, year: int) -> str:
    return _file(year, "provinces.json")[pid]["name_vi"]


def _region_label(key: str) -> str:
    return provinces.REGIONS.get(key, key).split(" (")[0]


def _source_gap(pid: str, year: int) -> str:
    """' in parlib's source (PAPI ranked 63, as published)' for a province the source lacks, else ''."""
    facts = _card(pid, year)["facts"]["PAPI"]
    if facts.get("available") or _name(pid, year) not in (facts.get("missing_from_source") or []):
        return ""
    return f" in parlib's source (PAPI ranked {int(_num(facts['published_rank_of']))}, as published)"


def _no_papi(year: int, what: str) -> Prose | None:
    meta = _meta(year)
    if year in meta["papi_years"]:
        return None
    return Prose(f"PAPI has no scores for {year} (the survey covers {meta['papi_coverage']}): {what}.")


def report_years() -> list[int]:
    """The years a province report can be made for: the PAPI survey years in the panel."""
    from parlib.panel import load_panel

    panel = load_panel()
    return sorted(int(y) for y in panel.loc[panel["papi_total"].notna(), "year"].unique())


def latest_year() -> int:
    """The latest PAPI year in the panel."""
    return report_years()[-1]


# --------------------------------------------------------------------------- report sections


def title(province: object, year: int) -> Prose:
    """The report heading: name, year, region and the 34-unit province it belongs to from July 2025."""
    year = _year(year)
    c = _card(province, year)
    merged = provinces.from_34(c["unit_34_id"])
    if len(merged) > 1:
        others = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in merged if p != c["province_id"]]
        unit = f"from 1 July 2025 part of the new province of {c['unit_34_name']} (with {', '.join(others)})"
    else:
        unit = f"from 1 July 2025 it continues as a province ({c['unit_34_name']})"
    text = (
        f"## {c['name_vi']} ({c['name_en']}), {year}\n\n"
        f"{_region_label(c['region'])} region; GSO code {c['province_id']}; {unit}."
    )
    return Prose(text)


def _score_cell(facts: dict) -> str:
    unit = facts.get("unit") or ""
    value = _num(facts.get("value"))
    if unit == "percent":
        return f"{_fmt(value, 1)}%"
    if unit.startswith("points (") and unit.endswith(")"):
        return f"{_fmt(value)} (scale {unit[8:-1]})"
    return f"{_fmt(value)} {unit}".strip()


def _change_cell(facts: dict, year: int) -> str:
    change = _num(facts.get("value_change"))
    if not math.isfinite(change):
        return "no score the year before"
    text = f"{change:+.2f}"
    places = _places(_num(facts.get("rank_change")))
    text += f", {places}{_in_source(facts)}" if places else ""
    if facts.get("comparable") is False:
        text += " (across a method change: not comparable)"
    return text


def _rank_cell(facts: dict) -> str:
    """'13 of 61'; '29 of 63 (29 of the 61 in parlib's source)' when PAPI ranked more than the source has."""
    rank = _num(facts.get("rank"))
    if not math.isfinite(rank):
        return "not ranked"
    n, published = int(_num(facts.get("rank_of"))), _num(facts.get("published_rank_of"))
    if not math.isfinite(published) or int(published) <= n:
        return f"{int(rank)} of {n}"
    low, high = _num(facts.get("published_rank_min")), _num(facts.get("published_rank_max"))
    low = int(low) if math.isfinite(low) else int(rank)
    high = int(high) if math.isfinite(high) else int(rank) + int(published) - n
    shown = f"{low}" if low == high else f"{low}-{high}"
    return f"{shown} of {int(published)} ({int(rank)} of the {n} in parlib's source)"


def _tier_cell(facts: dict) -> str:
    """The tier, with '(computed over the 61 ...)' when it is not PAPI's own banding."""
    tier = facts.get("tier")
    if not tier:
        return "-"
    if (facts.get("tier_text") or f"{tier} tier") == f"{tier} tier":
        return tier
    n, published = int(_num(facts.get("rank_of"))), _num(facts.get("published_rank_of"))
    if math.isfinite(published) and int(published) > n:
        return f"{tier} (computed over the {n} in parlib's source; PAPI grouped {int(published)})"
    return f"{tier} (computed over the {n} scored)"


def glance(province: object, year: int) -> Prose:
    """The province card: a table of the indices with data, then one sentence per index."""
    year = _year(year)
    c = _card(province, year)
    available = {k: f for k, f in c["facts"].items() if f["available"]}
    lines: list[str] = []
    plain = [f"{c['name_vi']} in {year} at a glance"]
    if available:
        lines += [f"| Index | Score | Rank | Tier | Change since {year - 1} |", "|---|---|---|---|---|"]
        for key, f in available.items():
            row = [INDEX_NAMES.get(key, key), _score_cell(f), _rank_cell(f), _tier_cell(f),
                   _change_cell(f, year)]  # fmt: skip
            lines.append("| " + " | ".join(row) + " |")
            plain.append("  ".join(row))
        lines.append("")
    else:
        lines += [f"No index has a score for {c['name_vi']} in {year}.", ""]
        plain.append(lines[-2])
    for sentence in c["lines"]:
        for key, shown in INDEX_NAMES.items():
            if sentence.startswith(f"{key} "):
                sentence = shown + sentence[len(key) :]
        sentence = sentence if sentence.endswith(".") else sentence + "."
        lines.append(f"- {sentence}")
        plain.append(f"- {sentence}")
    return Prose("\n".join(lines), "\n".join(plain))


def key_facts(province: object, year: int) -> dict[str, Any]:
    """The report's key numbers for ``parlib.record`` and the runner's index page (None when missing).

    Keys: province_id, province, slug, year, papi_total, papi_rank, papi_rank_of, papi_tier,
    papi_value_change, papi_rank_change, papi_comparable, papi_national_median, pci_total, pci_rank,
    sipas_total, par_index_total, unit_34 (name of the July-2025 unit), unit_34_id; and for the
    ranks and tiers as PAPI published them: papi_rank_of_published (N, the provinces PAPI ranked,
    None where the published record has no N; it exceeds papi_rank_of, the provinces in parlib's
    source, in 2024), papi_rank_text ('rank 29 of 63 (PAPI ranked 63; 2 are missing ...)'),
    papi_tier_source ('published': PAPI's band sizes; 'computed': PAPI's quartile rule over the
    provinces in the source).
    """
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
    }
