"""A document cut into sentences, with what each sentence inherits from the text around it:
the province the document is about, the index last named, the year last named, the period
the document covers, and the article's year.

Sentences end at ``.``, ``!`` or ``?`` followed by a space and a capital, a quote or a digit,
and at paragraph breaks. A text hard-wrapped at a fixed width (lines of similar length that do
not end a sentence) is read with its single line breaks as spaces; otherwise a line break ends
a sentence (titles, list items).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parlib.extract import cues, places

_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+(?=[\"“‘(]?[A-ZĐÀ-Ỹ0-9])|\n\s*\n|(?<=[:;])\s*\n")
_WEEKDAY_HEADER = re.compile(
    r"^\s*(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|thứ \w+|"
    r"chủ nhật)\W.*\d{4}\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_ABBREV = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|No|Nos|St|TP|Tp|Co|Ltd|Inc|vs|e\.g|i\.e|approx)\.)$")
_DATE = re.compile(
    r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+\d{1,2},?\s+(?P<y1>(?:19|20)\d\d)|\b\d{1,2}/\d{1,2}/(?P<y2>(?:19|20)\d\d)|"
    r"ngày\s+\d{1,2}\s*(?:/|tháng)\s*\d{1,2}\s*(?:/|năm)\s*(?P<y3>(?:19|20)\d\d))",
    re.IGNORECASE,
)


@dataclass
class Sentence:
    """One sentence: its span in the text and its paragraph number."""

    start: int
    end: int
    paragraph: int


@dataclass
class Document:
    """A text prepared for reading facts: sentences, province mentions, document-level context."""

    text: str
    folded: str
    sentences: list[Sentence]
    mentions: list[places.Mention]
    province_id: str | None
    period: tuple[int, int] | None
    event_year: int | None
    published: int | None
    skip: list[tuple[int, int]] = field(default_factory=list)

    def mentions_in(self, start: int, end: int) -> list[places.Mention]:
        return [m for m in self.mentions if start <= m.start and m.end <= end]


def _hard_wrapped(text: str) -> bool:
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 6:
        return False
    open_ended = [ln for ln in lines if not ln.rstrip().endswith((".", "!", "?", ":", ";", '"', "”"))]
    lengths = sorted(len(ln) for ln in lines)
    median = lengths[len(lengths) // 2]
    return len(open_ended) > 0.6 * len(lines) and 50 <= median <= 100


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` (offsets into it), in order, with their paragraph numbers."""
    wrapped = _hard_wrapped(text)
    bounds: list[tuple[int, int, bool]] = []  # (end of sentence, start of next, new paragraph)
    for m in _END.finditer(text):
        if _ABBREV.search(text[max(0, m.start() - 8) : m.start()]):
            continue
        bounds.append((m.start(), m.end(), "\n" in m.group()))
    if not wrapped:
        for m in re.finditer(r"\n", text):
            bounds.append((m.start(), m.end(), True))
    for m in re.finditer(r"^https?://\S+[ \t]*\n", text, re.MULTILINE):  # a URL line is a title
        bounds.append((m.end() - 1, m.end(), True))
    bounds.sort()
    out: list[Sentence] = []
    pos, paragraph = 0, 0
    for end, nxt, new_par in bounds:
        if end < pos:
            continue
        if text[pos:end].strip():
            s, e = pos, end
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            out.append(Sentence(s, e, paragraph))
        if new_par:
            paragraph += 1
        pos = nxt
    if text[pos:].strip():
        s = pos + len(text[pos:]) - len(text[pos:].lstrip())
        out.append(Sentence(s, len(text.rstrip()), paragraph))
    return out


def _title_end(text: str) -> int:
    first = text.lstrip()
    lead = len(text) - len(first)
    line = first.split("\n", 1)[0]
    if line.startswith("http"):
        rest = first[len(line) :].lstrip("\n")
        return lead + len(line) + 1 + len(rest.split("\n", 1)[0])
    return lead + len(line)


def prepare(text: str, published: int | None = None, province_id: str | None = None) -> Document:
    """The document with its sentences and context (see the module docstring)."""
    folded = places.fold(text)
    skip = [(m.start(), m.end()) for m in _WEEKDAY_HEADER.finditer(text)]
    found = places.mentions(text, folded)
    main, _share = places.main_province(found, _title_end(text))
    head = text[: max(600, _title_end(text) + 1)]
    period = None
    for m in cues.PERIOD_RE.finditer(head):
        a, b = int(m["a"]), int(m["b"])
        if a < b <= a + 20 and not any(s <= m.start() < e for s, e in skip):
            period = (a, b)
            break
    event_year = None
    for m in _DATE.finditer(text):
        if any(s <= m.start() < e for s, e in skip):
            continue
        lead = text[max(0, m.start() - 30) : m.start()]
        line_start = text.rfind("\n", 0, m.start()) + 1
        dateline = m.start() - line_start <= 40 and m.start() < 400  # "Hanoi, April 5, 2017 - ..."
        if not dateline and not re.search(
            r"(?:\bon|morning of|afternoon of|ngày|sáng|chiều)\s*(?:the\s+)?$", lead, re.IGNORECASE
        ):
            continue  # a resolution's date ("Resolution 30c of November 8, 2011") is not the article's
        event_year = int(m["y1"] or m["y2"] or m["y3"])
        break
    return Document(
        text=text,
        folded=folded,
        sentences=split_sentences(text),
        mentions=found,
        province_id=province_id or main,
        period=period,
        event_year=event_year,
        published=published,
        skip=skip,
    )


def _year_ok(doc: Document, pos: int) -> bool:
    before = doc.text[max(0, pos - 30) : pos]
    return not cues.COMPARISON_YEAR.search(before) and not any(s <= pos < e for s, e in doc.skip)


def years_in(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    """(position, year) of the years in ``text[start:end]`` that can be a figure's year."""
    out = []
    seg = doc.text[start:end]
    periods = [(m.start(), m.end()) for m in cues.PERIOD_RE.finditer(seg)]
    for m in cues.YEAR_RE.finditer(seg):
        pos = start + m.start()
        if any(a <= m.start() < b for a, b in periods) or not _year_ok(doc, pos):
            continue
        before = seg[max(0, m.start() - 30) : m.start()]
        if re.search(
            r"(?:January|February|March|April|May|June|July|August|September|October|November|"
            r"December)\s+\d{1,2},?\s*$|\d{1,2}/\d{1,2}/$|(?:/|tháng\s*\d{1,2}\s*năm\s*)$",
            before,
            cues.F,
        ) and not cues.AS_OF.search(doc.text[max(0, pos - 45) : pos]):
            continue
        if re.search(
            r"(?:No\.?|số|Decree|Decision|Resolution|Nghị định|Quyết định)\s*[\w/-]*$", before, cues.F
        ):
            continue
        out.append((pos, int(m.group())))
    return out
