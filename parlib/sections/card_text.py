"""The province card's sentences in English and Vietnamese, worded from its numbers.

``index_sentence(facts, lang)`` words one index of a card (``parlib.indices.card.IndexFacts`` as
the cache stores it) the way ``IndexFacts.sentence()`` does, in either language, from one
message table. The English is the card's own sentence, with the index named as its publisher
writes it ("PAR INDEX 2022: ..."): tests/test_report_languages.py checks both agree for every
province and year, so the two implementations keep each other honest.
"""

from __future__ import annotations

import math
from typing import Any

from parlib import provinces
from parlib.sections import words
from parlib.sections.text import _num

_WORDS = {
    "head": {"en": "{index} {year}: {value}{unit}", "vi": "{index} {year}: {value}{unit}"},
    "unit_scale": {"en": " points on the {scale} scale", "vi": " điểm trên thang {scale}"},
    "unit_points": {"en": " points", "vi": " điểm"},
    "rank": {"en": "rank {rank} of {of}", "vi": "xếp thứ {rank}/{of}"},
    "rank_alone": {"en": "rank {rank}", "vi": "xếp thứ {rank}"},
    "lacks": {"en": "{k} are missing from parlib's source", "vi": "{k} tỉnh không có trong nguồn của parlib"},
    "lacks_one": {"en": "{k} is missing from parlib's source", "vi": "{k} tỉnh không có trong nguồn parlib"},
    "lacks_names": {"en": "{lacks}: {names}", "vi": "{lacks}: {names}"},
    "lacks_some": {
        "en": "{lacks} (no score there for {names})",
        "vi": "{lacks} (nguồn không có điểm của {names})",
    },
    "rank_published": {
        "en": "rank {rank} of {big} (PAPI ranked {big}; {lacks})",
        "vi": "xếp thứ {rank}/{big} (PAPI xếp hạng {big} tỉnh; {lacks})",
    },
    "rank_range": {
        "en": "rank {low}-{high} of {big} ({rank} of the {n} in parlib's source; PAPI ranked {big}, {lacks})",
        "vi": "xếp thứ {low}-{high}/{big} (thứ {rank}/{n} trong nguồn của parlib; PAPI xếp hạng {big} tỉnh, "
        "{lacks})",
    },
    "tier": {"en": "{tier} tier", "vi": "{tier}"},
    "tier_source": {
        "en": "{tier} tier, computed over the {n} in parlib's source (PAPI grouped {big})",
        "vi": "{tier}, tính trên {n} tỉnh trong nguồn của parlib (PAPI phân nhóm {big} tỉnh)",
    },
    "tier_scored": {
        "en": "{tier} tier, computed over the {n} scored provinces "
        "(PAPI's band sizes not recorded for {year})",
        "vi": "{tier}, tính trên {n} tỉnh có điểm (không có số tỉnh mỗi nhóm PAPI công bố cho năm {year})",
    },
    "in_source": {"en": " in parlib's source", "vi": " trong nguồn của parlib"},
    "unchanged": {"en": "unchanged", "vi": "giữ nguyên thứ hạng"},
    "across_break": {
        "en": "; {change} on {before}, across a method break: not a trend",
        "vi": "; {change} so với năm {before}, qua một lần đổi phương pháp: không phải xu hướng",
    },
    "compared": {"en": "{sep} {change} compared to {before}", "vi": "{sep} {change} so với năm {before}"},
    "rose": {"en": "; the strongest increase was in {label}", "vi": "; tăng mạnh nhất ở {label}"},
    "fell": {"en": "; the strongest decrease was in {label}", "vi": "; giảm mạnh nhất ở {label}"},
    "average": {"en": ". National average {value}", "vi": ". Trung bình toàn quốc {value}"},
    "no_year": {
        "en": "no data for {year} (covers {coverage})",
        "vi": "không có số liệu năm {year} (có các năm {coverage})",
    },
    "not_scored": {
        "en": "not scored or not published for this province",
        "vi": "tỉnh không được chấm điểm hoặc không được công bố",
    },
    "not_listed": {
        "en": "parlib has no published figure for this province and year (the published table lists {listed} "
        "provinces)",
        "vi": "parlib không có số liệu công bố của tỉnh cho năm này (bảng công bố chỉ có {listed} tỉnh)",
    },
    "rank_only": {
        "en": "rank {rank} of {rank_of} as published; the source gives no score",
        "vi": "xếp thứ {rank}/{rank_of} theo công bố; nguồn không có điểm",
    },
    "missing": {
        "en": "no score in parlib's source, which has {in_source} provinces for {year} while PAPI ranked "
        "{published_of} (as published)",
        "vi": "nguồn của parlib không có điểm của tỉnh: nguồn có {in_source} tỉnh năm {year}, còn "
        "PAPI xếp hạng {published_of} tỉnh (theo công bố)",
    },
    "missing_names": {
        "en": "; the {k} missing from the source: {names}",
        "vi": "; {k} tỉnh không có trong nguồn: {names}",
    },
    "unit_from": {
        "en": "From 1 July 2025, {together} form the province of {unit}.",
        "vi": "Từ ngày 1/7/2025, {together} hợp nhất thành tỉnh {unit}.",
    },
    "unit_same": {
        "en": "From 1 July 2025 {name} continues as a province unit ({unit}).",
        "vi": "Từ ngày 1/7/2025, {name} tiếp tục là một đơn vị hành chính cấp tỉnh ({unit}).",
    },
}


def _int(value: Any) -> int | None:
    x = _num(value)
    return int(x) if math.isfinite(x) else None


def _names(names: list[str]) -> str:
    return ", ".join(names)


def rank_text(f: dict, lang: str) -> str:
    """The card's rank phrase ('rank 30 of 61', with PAPI's N and what the source lacks) in ``lang``."""
    rank, n, big = _int(f.get("rank")), _int(f.get("rank_of")), _int(f.get("published_rank_of"))
    if rank is None:
        return ""
    if n is None:
        return words.say(_WORDS, "rank_alone", lang, rank=rank)
    if big is None or big <= n:
        return words.say(_WORDS, "rank", lang, rank=rank, of=n)
    k = big - n
    names = list(f.get("missing_from_source") or [])
    lacks = words.say(_WORDS, "lacks_one" if k == 1 else "lacks", lang, k=k)
    if len(names) == k:
        lacks = words.say(_WORDS, "lacks_names", lang, lacks=lacks, names=_names(names))
    elif names:
        lacks = words.say(_WORDS, "lacks_some", lang, lacks=lacks, names=_names(names))
    low, high = _int(f.get("published_rank_min")), _int(f.get("published_rank_max"))
    low = rank if low is None else low
    high = rank + k if high is None else high
    if low == high:
        return words.say(_WORDS, "rank_published", lang, rank=low, big=big, lacks=lacks)
    return words.say(_WORDS, "rank_range", lang, low=low, high=high, big=big, rank=rank, n=n, lacks=lacks)


def _tier_text(f: dict, year: int, lang: str) -> str:
    """The card's tier phrase ('high-average tier', or where a computed tier comes from) in ``lang``."""
    tier = f.get("tier")
    if not tier:
        return ""
    shown = words.tier(tier, lang)
    n, big = _int(f.get("rank_of")), _int(f.get("published_rank_of"))
    in_force = len(provinces.provinces("63", year))
    if f.get("tier_source") == "published" or n is None or n >= in_force:
        return words.say(_WORDS, "tier", lang, tier=shown)
    if big is not None and big > n:
        return words.say(_WORDS, "tier_source", lang, tier=shown, n=n, big=big)
    return words.say(_WORDS, "tier_scored", lang, tier=shown, n=n, year=year)


def _unit(unit: str, lang: str) -> str:
    if unit == "percent":
        return "%"
    if scale := words.scale(unit):
        return words.say(_WORDS, "unit_scale", lang, scale=scale)
    if unit == "points":
        return words.say(_WORDS, "unit_points", lang)
    return f" {unit}" if unit else ""


def _unavailable(f: dict, lang: str) -> str:
    reason, fields = f.get("reason") or "", dict(f.get("reason_fields") or {})
    if lang == "en" or reason not in _WORDS:
        return str(f.get("message", ""))
    if reason == "missing":
        text = words.say(
            _WORDS, "missing", lang, year=f["year"], **{k: fields[k] for k in ("in_source", "published_of")}
        )
        if fields.get("names"):
            text += words.say(_WORDS, "missing_names", lang, k=fields["k"], names=_names(fields["names"]))
        return text
    if reason == "no_year":
        return words.say(_WORDS, "no_year", lang, year=f["year"], coverage=fields["coverage"])
    return words.say(_WORDS, reason, lang, **fields)


def _label(mover: dict, lang: str) -> str:
    return words.dimension(str(mover.get("component", "")), str(mover.get("label", "")), lang)


def index_sentence(f: dict, lang: str = "en") -> str:
    """One index of a card as a sentence in ``lang``: score, rank, tier, change, movers, average."""
    words.check_lang(lang)
    year = int(f["year"])
    index = words.index_name(f["index"], lang)
    if not f.get("available"):
        return f"{index} {year}: {_unavailable(f, lang)}."
    text = words.say(_WORDS, "head", lang, index=index, year=year, value=words.num(f.get("value"), 2, lang),
                     unit=_unit(str(f.get("unit") or ""), lang))  # fmt: skip
    ranked, tiered = rank_text(f, lang), _tier_text(f, year, lang)
    long = "(" in ranked or "," in tiered
    if ranked:
        text += f", {ranked}"
    if tiered:
        text += f"; {tiered}" if long else f" ({tiered})"
    change = _num(f.get("value_change"))
    if math.isfinite(change):
        step = _num(f.get("rank_change"))
        places = ""
        if math.isfinite(step):
            places = words.say(_WORDS, "unchanged", lang) if step == 0 else words.places(step, lang)
        shifted = _num(f.get("published_rank_min")), _num(f.get("published_rank_max"))
        if places and not all(not math.isfinite(x) or x == _num(f.get("rank")) for x in shifted):
            places += words.say(_WORDS, "in_source", lang)
        amount = words.num(change, 2, lang, sign=True)
        shown = f"{places} ({amount})" if places else amount
        if f.get("comparable") is False:
            text += words.say(_WORDS, "across_break", lang, change=shown, before=year - 1)
        else:
            text += words.say(
                _WORDS, "compared", lang, sep=";" if long else ",", change=shown, before=year - 1
            )
    if f.get("comparable") and f.get("rose"):
        text += words.say(_WORDS, "rose", lang, label=_label(f["rose"][0], lang))
    if f.get("comparable") and f.get("fell"):
        text += words.say(_WORDS, "fell", lang, label=_label(f["fell"][0], lang))
    average = _num(f.get("national_average"))
    if math.isfinite(average):
        text += words.say(_WORDS, "average", lang, value=words.num(average, 2, lang))
    return text + "."


def _unit_sentence(card: dict, lang: str = "en") -> str:
    """The card's last line: the 34-unit province the province belongs to from 1 July 2025."""
    merged = provinces.from_34(card["unit_34_id"])
    if len(merged) > 1:
        others = [provinces.PROVINCES_63.loc[p, "name_vi"] for p in merged if p != card["province_id"]]
        together = words.join([card["name_vi"], *others], lang)
        return words.say(_WORDS, "unit_from", lang, together=together, unit=card["unit_34_name"])
    return words.say(_WORDS, "unit_same", lang, name=card["name_vi"], unit=card["unit_34_name"])


def card_lines(card: dict, lang: str = "en") -> list[str]:
    """Every line of a card in ``lang``: one sentence per index, then the 2025 unit."""
    return [*(index_sentence(f, lang) for f in card["facts"].values()), _unit_sentence(card, lang)]
