"""Where a province is named in a text, and which province a document is about.

Names are matched on a folded copy of the text (ASCII, lower case, one character per
character, so offsets are the text's own): "Lạng Sơn", "Lang Son", "LangSon" and "Lang-Son"
all match, as do the English forms and abbreviations ``parlib.provinces`` knows ("HCMC",
"TP.HCM", "Daknong", "Hanoi"). A match must start with a capital letter in the text (lower-case
"long an" is not Long An) and is skipped after a title or a family name ("Mr. Nguyen Thai Binh"
is a person). "Ho Chi Minh" alone (a person, a thought) is not the city: the city is "Ho Chi Minh
City", "HCMC", "TP.HCM" or "Thành phố Hồ Chí Minh".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from parlib import provinces

_EXTRA = {
    "79": [
        r"ho chi minh city",
        r"hcm city",
        r"hcmc",
        r"tp\.? ?hcm",
        r"tp\.? ?ho chi minh",
        r"thanh pho ho chi minh",
        r"sai gon",
        r"saigon",
    ],
    "77": [r"ba ria[\s\-]*vung tau", r"brvt", r"ba ria", r"vung tau"],
    "46": [r"thua thien[\s\-]*hue", r"hue"],
    "66": [r"dak ?lak", r"dac ?lac", r"dak ?lac", r"darlac"],
    "67": [r"dak ?nong", r"dac ?nong"],
    "06": [r"bac ?[kc]an"],
    "62": [r"kon ?tum"],
}
"""Spellings beyond the registry's names (regular expressions on folded text)."""
_NOT_ALONE = {"79"}  # 'Ho Chi Minh' alone is not the city
_TITLE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Comrade|Ông|Bà|Đồng chí|Anh|Chị)\.?\s+(?:\w+\s+){0,2}"
    r"|\b(?:Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Ngô|Dương|Lý|Trịnh|Đinh|Lâm|Nguyen|Tran|"
    r"Le|Pham|Hoang|Huynh|Vu|Vo|Dang|Bui|Ngo|Duong|Trinh|Dinh)\s+(?:\w+\s+)?)$"
)
"""Before a name that is a person's ("Mr. Nguyen Thai Binh", "ông Hồ Tiến Thiệu"): case-sensitive, on the
text as printed ("thứ ba là Thái Nguyên" is not "Mrs ... Thái Nguyên")."""


def fold(text: str) -> str:
    """ASCII lower-case copy of ``text`` with the same length: 'Lạng Sơn' -> 'lang son'."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base.lower() if len(base.lower()) == 1 else ch)
    return "".join(out)


def _pattern(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", fold(name)).split()
    return r"[\s\-]?".join(re.escape(w) for w in words)


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regular expression over every province name, and group name -> province id."""
    table = provinces.PROVINCES_63
    alternatives: list[str] = []
    groups: dict[str, str] = {}
    for pid, row in table.iterrows():
        if pid == provinces.HA_TAY:
            continue
        names = {_pattern(row[f]) for f in ("name_vi", "name_ascii", "name_en")}
        if pid in _NOT_ALONE:
            names = set()
        names |= set(_EXTRA.get(pid, []))
        group = f"p{pid}"
        groups[group] = pid
        ordered = sorted(names, key=len, reverse=True)
        alternatives.append(f"(?P<{group}>{'|'.join(ordered)})")
    return re.compile(r"(?<![a-z0-9])(?:" + "|".join(alternatives) + r")(?![a-z0-9])"), groups


_DATELINE = re.compile(r"\s*(?:\([A-Za-zĐđ]{2,6}\)\s*)?(?:-|–|—)\s")


@dataclass(frozen=True)
class Mention:
    """A province named in the text at ``start:end``."""

    province_id: str
    start: int
    end: int
    dateline: bool = False  # "KON TUM - ...", "Yen Bai (YBO) - ...": the paper's place line


def mentions(text: str, folded: str | None = None) -> list[Mention]:
    """Every province named in ``text``, in order (see the module docstring for the rules)."""
    folded = fold(text) if folded is None else folded
    pattern, groups = _matcher()
    found = []
    for m in pattern.finditer(folded):
        first = text[m.start()]
        if not (first.isupper() or first.isdigit()):
            continue
        if _TITLE.search(text[max(0, m.start() - 40) : m.start()]):
            continue
        group = next(g for g, v in m.groupdict().items() if v is not None)
        line_start = text.rfind("\n", 0, m.start()) + 1
        dateline = m.start() - line_start <= 2 and bool(_DATELINE.match(text, m.end()))
        found.append(Mention(groups[group], m.start(), m.end(), dateline))
    return found


def main_province(found: list[Mention], title_end: int = 0) -> tuple[str | None, float]:
    """The province a document is about, and how clearly: (id, share of mentions) or (None, 0).

    A mention in the title (before ``title_end``) counts twice. The province is the most named
    one when it has at least twice the mentions of the next; otherwise None (never guessed).
    """
    counts: Counter[str] = Counter()
    for m in found:
        counts[m.province_id] += 2 if m.start < title_end or m.dateline else 1
    if not counts:
        return None, 0.0
    ranked = counts.most_common()
    top, n = ranked[0]
    if len(ranked) > 1 and n < 2 * ranked[1][1]:
        return None, 0.0
    return top, n / sum(counts.values())


def name(province_id: str) -> str:
    """The Vietnamese name of a geo-63 province id."""
    return str(provinces.PROVINCES_63.loc[province_id, "name_vi"])
