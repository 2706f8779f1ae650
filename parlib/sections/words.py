"""The reports' two languages: numbers, ranks, lists and names as English or Vietnamese words.

One source of truth per sentence: a section keeps a message table ``{key: {"en": ..., "vi": ...}}``
beside its logic and renders it with ``say`` (``str.format`` fields), so the logic is written once
and a sentence cannot exist in one language only (``check_table`` is run on every table by the
tests). Numbers go through ``num`` (Vietnamese: decimal comma, thousands dot: 43,85; 1.876), ranks
through ``rank_of`` (13 of 61; 13/61), rank changes through ``places`` (up 9 places; tăng 9 bậc).
Index, tier, dimension and region names are as their publishers write them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

LANGS = ("en", "vi")
"""The languages a report is written in; ``en`` is the default."""

INDEX_NAMES = {
    "en": {"PAPI": "PAPI", "PCI": "PCI", "SIPAS": "SIPAS", "PAR_INDEX": "PAR INDEX", "DTI": "DTI"},
    "vi": {
        "PAPI": "Chỉ số PAPI",
        "PCI": "Chỉ số PCI",
        "SIPAS": "Chỉ số SIPAS",
        "PAR_INDEX": "Chỉ số cải cách hành chính PAR INDEX",
        "DTI": "Chỉ số chuyển đổi số DTI",
    },
}
"""Index names as the publishers write them (the Vietnamese ones as in MOHA's and UNDP's reports)."""

TIERS = {
    "en": {"best": "best", "high-average": "high-average", "low-average": "low-average", "poor": "poor"},
    "vi": {
        "best": "nhóm điểm cao nhất",
        "high-average": "nhóm trung bình cao",
        "low-average": "nhóm trung bình thấp",
        "poor": "nhóm điểm thấp nhất",
    },
}
"""PAPI's four bands (quartiles of the year's provinces), as the PAPI report names them."""

DIMENSIONS_VI = {
    "participation": "Tham gia của người dân ở cấp cơ sở",
    "transparency": "Công khai, minh bạch trong việc ra quyết định ở địa phương",
    "vertical_accountability": "Trách nhiệm giải trình với người dân",
    "control_of_corruption": "Kiểm soát tham nhũng trong khu vực công",
    "admin_procedures": "Thủ tục hành chính công",
    "public_services": "Cung ứng dịch vụ công",
    "environmental_governance": "Quản trị môi trường",
    "e_governance": "Quản trị điện tử",
    "total": "Tổng điểm PAPI",
}
"""PAPI's dimensions as the Vietnamese PAPI report names them (English names: the codebook)."""


def check_lang(lang: object) -> str:
    """``lang`` if it is a report language; otherwise a one-line ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: reports are written in {', '.join(LANGS)}")
    return str(lang)


def say(table: Mapping[str, Mapping[str, str]], key: str, lang: str, **fields: Any) -> str:
    """The message ``key`` of ``table`` in ``lang``, its ``{fields}`` filled in."""
    return table[key][check_lang(lang)].format(**fields)


def check_table(table: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Problems of a message table: a key without both languages, or whose languages' fields differ."""
    import string

    problems = []
    for key, texts in table.items():
        missing = [lang for lang in LANGS if not texts.get(lang)]
        if missing:
            problems.append(f"{key}: no {', '.join(missing)}")
            continue
        fields = [{f for _, f, _, _ in string.Formatter().parse(texts[lang]) if f} for lang in LANGS]
        if fields[0] != fields[1]:
            problems.append(f"{key}: fields differ between languages ({sorted(fields[0] ^ fields[1])})")
    return problems


def num(value: Any, digits: int = 2, lang: str = "en", *, sign: bool = False) -> str:
    """A number in ``lang``: 1,876.50 / 1.876,50; 'n/a' / 'không có' when missing."""
    x = math.nan if value is None else float(value)
    if not math.isfinite(x):
        return "n/a" if lang == "en" else "không có"
    text = f"{x:+,.{digits}f}" if sign else f"{x:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def rank_of(rank: Any, of: Any, lang: str = "en") -> str:
    """'13 of 61' / '13/61'."""
    return f"{int(rank)} of {int(of)}" if lang == "en" else f"{int(rank)}/{int(of)}"


def places(change: Any, lang: str = "en") -> str:
    """A change of rank (positive: up): 'up 9 places' / 'tăng 9 bậc'; 'same rank' / 'giữ nguyên thứ hạng'."""
    x = math.nan if change is None else float(change)
    if not math.isfinite(x):
        return ""
    if x == 0:
        return "same rank" if lang == "en" else "giữ nguyên thứ hạng"
    n = abs(int(x))
    if lang == "vi":
        return f"{'tăng' if x > 0 else 'giảm'} {n} bậc"
    return f"{'up' if x > 0 else 'down'} {n} place{'s' if n != 1 else ''}"


def join(items: Iterable[object], lang: str = "en") -> str:
    """'a', 'a and b', 'a, b and c' / 'a, b và c'."""
    words = [str(i) for i in items]
    if not words:
        return ""
    last = " and " if lang == "en" else " và "
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + last + words[-1]


def index_name(key: str, lang: str = "en") -> str:
    """'PAR_INDEX' -> 'PAR INDEX' / 'Chỉ số cải cách hành chính PAR INDEX'."""
    return INDEX_NAMES[check_lang(lang)].get(key, key)


def tier(name: str | None, lang: str = "en") -> str:
    """A PAPI tier ('high-average') in ``lang``; '' when there is none."""
    return "" if not name else TIERS[check_lang(lang)].get(name, name)


def dimension(component: str, label_en: str, lang: str = "en") -> str:
    """A PAPI component's name: the codebook's English label, or the Vietnamese report's name."""
    return label_en if lang == "en" else DIMENSIONS_VI.get(component, label_en)


def region(key: str, lang: str = "en") -> str:
    """A region's short name: 'Red River Delta' / 'Đồng bằng sông Hồng' (from provinces.REGIONS)."""
    from parlib.provinces import REGIONS

    full = REGIONS.get(key, key)
    if " (" not in full:
        return full
    en, vi = full.split(" (", 1)
    return en if lang == "en" else vi.rstrip(")")
