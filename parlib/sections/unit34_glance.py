"""The 34-unit report's glance: the unit's synthetic scores for the year beside its former provinces'
official scores and ranks, then the figures published for the 34 units, with their source.

Every synthetic number is labelled so in its sentence and table header; every word comes from
``UNIT34_WORDS`` in the report's language (parlib.sections.unit34 has the lookups).
"""

from __future__ import annotations

import math

from parlib import provinces
from parlib.sections import words
from parlib.sections.cache import _year
from parlib.sections.display import Prose
from parlib.sections.text import _num
from parlib.sections.unit34 import (
    _bare,
    _cap,
    _data,
    _digits,
    _how,
    _no_data,
    _old_name,
    _olds_text,
    _say,
    _scored,
    _synthetic,
    _uid,
    _unit_name,
    _unit_of,
    _weight_year,
)
from parlib.sections.unit34_data import UNIT34_INDICES


def _unit_label(unit: str, lang: str) -> str:
    """'points, 8-80' / 'điểm, thang 8-80'; '%'; 'scale 0-1'."""
    if unit == "percent":
        return "%"
    if scale := words.scale(unit):
        return _say("unit_points", lang, scale=scale)
    if scale := words.scale(unit, "index"):
        return _say("unit_scale", lang, scale=scale)
    return unit


def _unit_phrase(unit: str, lang: str) -> str:
    """' points on the 8-80 scale' / ' điểm trên thang 8-80'; '%'; ' on the 0-1 scale'."""
    if unit == "percent":
        return "%"
    if scale := words.scale(unit):
        return _say("phrase_points", lang, scale=scale)
    if scale := words.scale(unit, "index"):
        return _say("phrase_scale", lang, scale=scale)
    return f" {unit}" if unit else ""


def _old_rank(f: dict, lang: str) -> str:
    """A former province's official rank: '13 of 61'; PAPI's N where it ranked more than the source has."""
    rank, n, big = _num(f.get("rank")), _num(f.get("rank_of")), _num(f.get("published_rank_of"))
    if not math.isfinite(rank) or not math.isfinite(n):
        return ""
    if math.isfinite(big) and big > n:
        low, high = _num(f.get("published_rank_min")), _num(f.get("published_rank_max"))
        if math.isfinite(low) and low == high:
            return _say("rank", lang, rank=words.rank_of(low, big, lang))
        return _say("rank_source", lang, rank=words.rank_of(rank, n, lang), big=int(big))
    return _say("rank", lang, rank=words.rank_of(rank, n, lang))


def _old_cell(f: dict | None, lang: str) -> str:
    if f and f.get("available"):
        value = words.num(f.get("value"), _digits(str(f.get("unit") or "")), lang)
        rank = _old_rank(f, lang)
        return _say("cell_old", lang, value=value, rank=rank) if rank else value
    fields = (f or {}).get("reason_fields") or {}
    if f and f.get("reason") == "rank_only":
        return _say("rank_only", lang, rank=words.rank_of(fields["rank"], fields["rank_of"], lang))
    return _say("cell_no_score", lang)


def _old_phrase(pid: str, f: dict | None, lang: str) -> str:
    """'Hà Giang 41.15 (rank 40 of 61)'; 'Bắc Giang (no score)'."""
    if not _scored(f):
        return f"{_bare(pid)} ({_old_cell(f, lang)})"
    value = words.num(f["value"], _digits(str(f.get("unit") or "")), lang)
    rank = _old_rank(f, lang)
    return _say("s_old", lang, name=_bare(pid), value=value, rank=rank) if rank else f"{_bare(pid)} {value}"


def _shares(data: dict, olds: list[str], weight_year: int, lang: str) -> str:
    population = data["info"]["population"]
    pops = [_num(population.get(p, {}).get(str(weight_year))) for p in olds]
    total = sum(p for p in pops if math.isfinite(p))
    return words.join(
        [
            _say("share", lang, name=_bare(p), pct=words.num(100 * x / total, 1, lang))
            for p, x in zip(olds, pops, strict=True)
        ],
        lang,
    )


def _index_parts(data: dict, index: str, year: int, uid: str, lang: str) -> tuple[list[str], str] | None:
    """One index's table row and sentence; None when no former province has a figure for it (PAPI, the
    report's index, always has its row in a PAPI year)."""
    olds = provinces.from_34(uid)
    cards = data["cards"]
    facts = {p: (cards.get(p) or {}).get("facts", {}).get(index) for p in olds}
    figures = [f for f in facts.values() if _scored(f) or (f and f.get("reason") == "rank_only")]
    if not figures and index != "PAPI":
        return None
    unit = _unit_of(data, index, year) or next((str(f["unit"]) for f in facts.values() if _scored(f)), "")
    name = words.index_name(index, lang)
    row = _synthetic(data, index, year, uid)
    value = _num(None if row is None else row["value"])
    missing = [_bare(p) for p, f in facts.items() if not _scored(f)]
    olds_list = words.join([_old_phrase(p, f, lang) for p, f in facts.items()], lang)
    how = _how(uid, lang)
    if math.isfinite(value):
        shown = words.num(value, _digits(unit), lang)
        cell, rank = shown, ""
        if index == "PAPI" and math.isfinite(_num(row["rank34"])):
            of = words.rank_of(row["rank34"], row["rank34_of"], lang)
            cell = _say("cell_synthetic", lang, value=shown, rank=of)
            rank = _say("s_rank", lang, rank=of)
        sentence = _say(
            "s_value",
            lang,
            index=name,
            year=year,
            how=how,
            value=shown,
            unit=_unit_phrase(unit, lang),
            rank=rank,
        )
    else:
        gap = words.join(missing or [_bare(p) for p in olds], lang)
        cell = _say("cell_not_computed", lang, names=gap)
        sentence = _say("s_not_computed", lang, index=name, year=year, names=gap)
    sentence += " " + _say("s_olds", lang, list=olds_list)
    label = _say("index_unit", lang, index=name, unit=_unit_label(unit, lang)) if unit else name
    return [label, cell, *(_old_cell(f, lang) for f in facts.values())], sentence


def _published(data: dict, uid: str, lang: str) -> list[str]:
    """Figures published for the unit as one of the 34 (shown as published, with the source)."""
    rows = [r for r in data["info"]["published"] if r["province_id"] == uid]
    if not rows:
        return [_say("s_no_published", lang, unit=_unit_name(uid, lang))]
    lines = [_say("published_head", lang)]
    for r in rows:
        unit = str(r.get("unit") or "")
        value = (
            words.num(r["value"], _digits(unit), lang) + _unit_phrase(unit, lang)
            if r["value"] is not None
            else _say("published_no_value", lang)
        )
        rank = (
            _say("published_rank", lang, rank=words.rank_of(r["rank"], r["rank_of"], lang))
            if r["rank"] is not None and r["rank_of"] is not None
            else ""
        )
        text = _say(
            "s_published",
            lang,
            index=words.index_name(r["index"], lang),
            year=r["year"],
            value=value,
            rank=rank,
            url=r["source_url"],
        )
        if r.get("note"):
            text += _say("published_note", lang, note=r["note"])
        lines.append(f"  - {text}")
    return lines


def unit34_glance(province: object, year: int, lang: str = "en") -> Prose:
    """The unit's synthetic scores for ``year`` beside its former provinces' official scores and ranks,
    then the figures published for the 34 units (official, with their source)."""
    lang, year, uid = words.check_lang(lang), _year(year), _uid(province)
    data = _data(year)
    if data is None:
        return _no_data(uid, year, lang)
    unit = _unit_name(uid, lang)
    olds = provinces.from_34(uid)
    meta = data["meta"]
    header = [_say("col_index", lang), _say("col_synthetic", lang, unit=_cap(unit))]
    header += [_say("col_old", lang, name=_say("old_label", lang, name=_bare(p))) for p in olds]
    rows, bullets, absent, no_year = [], [], [], []
    for index in UNIT34_INDICES:
        facts = [((data["cards"].get(p) or {}).get("facts", {}).get(index) or {}) for p in olds]
        if all(f.get("reason") == "no_year" for f in facts):
            if index == "PAPI":
                bullets.append(_say("no_papi", lang, year=year, coverage=meta["papi_coverage"], unit=unit))
            else:
                no_year.append(words.index_name(index, lang))
            continue
        parts = _index_parts(data, index, year, uid, lang)
        if parts is None:
            absent.append(words.index_name(index, lang))
            continue
        rows.append(parts[0])
        bullets.append(parts[1])
    lines = [_say("glance_head", lang, unit=unit, year=year), ""]
    if rows:
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        weight_year = _weight_year(data, year, uid)
        if len(olds) > 1:
            foot = _say(
                "foot_merged",
                lang,
                olds=_olds_text(olds, lang),
                wyear=weight_year,
                shares=_shares(data, olds, weight_year, lang),
            )
        else:
            foot = _say("foot_same", lang, old=_old_name(olds[0], lang))
        lines += ["", f"*{foot}*", ""]
    if absent:
        bullets.append(
            _say("s_none", lang, year=year, indices=words.join(absent, lang), olds=_olds_text(olds, lang))
        )
    if no_year:
        bullets.append(_say("s_no_year", lang, year=year, indices=words.join(no_year, lang)))
    lines += [f"- {b}" for b in bullets]
    lines += [f"- {line}" if not line.startswith("  ") else line for line in _published(data, uid, lang)]
    return Prose("\n".join(lines))
