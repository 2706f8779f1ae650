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
    "civic_knowledge": "Tri thức công dân",
    "election_opportunities": "Cơ hội tham gia (bầu cử)",
    "village_head_elections": "Chất lượng bầu cử (trưởng thôn)",
    "voluntary_contributions": "Đóng góp tự nguyện",
    "access_to_information": "Tiếp cận thông tin",
    "poverty_lists": "Công khai danh sách hộ nghèo",
    "communal_budget": "Công khai thu chi ngân sách cấp xã",
    "land_use_plans": "Công khai quy hoạch, kế hoạch sử dụng đất và khung giá đất",
    "interactions": "Tương tác với chính quyền địa phương",
    "inspection_boards": "Ban Thanh tra nhân dân",
    "investment_supervision_boards": "Ban Giám sát đầu tư cộng đồng",
    "responsiveness": "Phản hồi của chính quyền với khiếu nại, tố cáo của người dân",
    "access_to_justice": "Tiếp cận dịch vụ tư pháp",
    "corruption_local_government": "Kiểm soát tham nhũng trong chính quyền địa phương",
    "corruption_service_delivery": "Kiểm soát tham nhũng trong cung ứng dịch vụ công",
    "equity_state_employment": "Công bằng trong tuyển dụng vào khu vực nhà nước",
    "willingness_to_fight_corruption": "Quyết tâm chống tham nhũng",
    "certification": "Thủ tục chứng thực, xác nhận",
    "construction_permits": "Thủ tục cấp phép xây dựng",
    "land_title": "Thủ tục cấp giấy chứng nhận quyền sử dụng đất",
    "personal_procedures": "Thủ tục hành chính cấp xã, phường",
    "health_care": "Y tế công lập",
    "primary_education": "Giáo dục tiểu học công lập",
    "basic_infrastructure": "Cơ sở hạ tầng căn bản",
    "law_and_order": "An ninh, trật tự",
    "environmental_protection": "Tính nghiêm túc trong bảo vệ môi trường",
    "air_quality": "Chất lượng không khí",
    "water_quality": "Chất lượng nguồn nước",
    "egov_portal_access": "Tiếp cận cổng thông tin điện tử của chính quyền",
    "internet_access": "Tiếp cận Internet",
    "e_responsiveness": "Phản hồi của chính quyền qua cổng thông tin điện tử",
}
"""PAPI's dimensions and sub-dimensions in Vietnamese, after the Vietnamese PAPI report (the English
names are the codebook's); tests/test_report_languages.py checks every codebook component has one."""


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


def scale(unit: str | None, kind: str = "points") -> str | None:
    """The scale of a unit written as the panel writes it: 'points (8-80)' -> '8-80' (``kind``
    "index": 'index (0-1)' -> '0-1'); None for any other unit."""
    text = unit or ""
    head = f"{kind} ("
    return text[len(head) : -1] if text.startswith(head) and text.endswith(")") else None


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
