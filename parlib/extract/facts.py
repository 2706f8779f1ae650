"""Facts from one text: index facts (score, rank, change of a national index) and driver facts.

How a sentence is read (the rules a reviewer can check against the quote):

- **Index.** The index is the one named in the sentence nearest before the figure ("the PAPI of
  Lạng Sơn reached 43.85 points"), or the one named just after a rank ("63/63 in the PAR-INDEX");
  a sentence that names none takes the index named in the three sentences before it, but only
  for a rank, a change of rank or a score in points or percent, and never in a sentence about a
  driver. A component is named between the index and the figure ("Dimension of Transparency was
  5.61"). A value is read only after a verb ("reached", "scored", "đạt") or with its unit after
  "was"/"with" ("with 37 criteria" is not a score), and must be plausible for the index (a PAPI
  total is 6-80, a dimension 0-10, SIPAS and PAR INDEX 0-100).
- **Province.** The province named in the sentence nearest before the figure, else the one the
  document is about (``parlib.extract.places.main_province``), else blank (never guessed).
- **Year.** The year written beside the index ("PAPI 2016", "PAPI năm 2022", "the PAR INDEX in
  2022"), else a year in the sentence that is not a comparison ("compared to 2021", "so với năm
  2021") or a date ("the results announced in 2024" are read as the 2024 index: translated
  provincial news names the index year so, as Cao Bằng's PAPI rank 51 of 2024 confirms);
  "last year" is the year before the article's; else the last year named before; else the year
  before the article's.
- **Internal.** A figure whose subject is a department, district, commune, centre or agency, or
  the province's own ranking, is kind ``internal``, never the province's index.
- **Drivers** (``parlib.extract.drivers``): a cue and a number in one clause. A cut (staff,
  units) in a document or paragraph about a period ("the 2011-2020 period") is a period figure;
  a level (a share, a count) takes the year written, "so far"/"currently" the article's year,
  else the period's last year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parlib.extract import cues, drivers, numbers, places, text
from parlib.extract.vocab import DRIVERS, INDICES

PLAUSIBLE = {
    ("PAPI", True): (6.0, 80.0),
    ("PAPI", False): (0.0, 10.0),
    ("PCI", True): (20.0, 100.0),
    ("PCI", False): (0.0, 10.0),
    ("SIPAS", True): (30.0, 100.0),
    ("SIPAS", False): (0.0, 100.0),
    ("PAR_INDEX", True): (30.0, 100.0),
    ("PAR_INDEX", False): (0.0, 100.0),
    ("DTI", True): (0.0, 1.0),
    ("DTI", False): (0.0, 1.0),
}
"""(index, total?) -> the range a printed value must fall in to be read as that index's value."""

_FLOWS = {"units_cut_count"} | {d for d in DRIVERS if d.startswith("staff_cut_")}
_REPORTER = re.compile(
    r"(?:according to|based on|a report (?:of|by|from)|reported by|theo báo cáo của|theo|báo cáo của)"
    r"[^,.;]{0,80}",
    cues.F,
)
_CLAUSE = re.compile(r"[,;:()]|\bwhile\b|\bwhereas\b|\btrong khi\b", cues.F)


@dataclass
class Figure:
    """A number read in a sentence: what it is (value, rank, value_change, rank_change) and where."""

    role: str
    start: int
    end: int
    value: float
    of: int | None = None
    token: str = ""
    index_after: str | None = None
    paren: bool = False
    year: int | None = None
    province_after: bool = False  # "Vị trí thứ hai thuộc về Ninh Bình": the province named next


def _year_ok(doc: text.Document, pos: int) -> bool:
    before = doc.text[max(0, pos - 30) : pos]
    return not cues.COMPARISON_YEAR.search(before) and not any(s <= pos < e for s, e in doc.skip)


def _years(doc: text.Document, start: int, end: int) -> list[tuple[int, int]]:
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


def _plausible(index: str, total: bool, value: float) -> bool:
    low, high = PLAUSIBLE[(index, total)]
    return low <= value <= high


class Reader:
    """Reads the facts of one prepared document (``parlib.extract.text.prepare``)."""

    def __init__(self, doc: text.Document, file: str = ""):
        self.doc = doc
        self.file = file
        self.rows: list[dict[str, object]] = []
        self.last_year: int | None = None
        self.index_year: dict[str, int] = {}
        self.recent_index: list[tuple[int, str]] = []  # (sentence number, index)
        self.paragraph_period: dict[int, tuple[int, int]] = {}
        self.paragraph_year: dict[int, int] = {}

    # ---- context -------------------------------------------------------------------------
    def _relative_year(self, seg: str, index: bool) -> int | None:
        base = self.doc.published or self.doc.event_year
        if base is None:
            return None
        if cues.LAST_YEAR.search(seg):
            return base - 1
        if cues.THIS_YEAR.search(seg):
            return base - 1 if index else base
        return None

    def _province(self, start: int, pos: int, sentence_end: int) -> tuple[str | None, float]:
        inside = [m for m in self.doc.mentions_in(start, sentence_end)]
        before = [m for m in inside if m.end <= pos]
        if before:
            return before[-1].province_id, 1.0
        if inside and not self.doc.province_id:
            return inside[0].province_id, 0.8
        if self.doc.province_id:
            return self.doc.province_id, 0.85
        earlier = [m for m in self.doc.mentions if start - 300 <= m.end <= start]
        if earlier and not inside and self._same_paragraph(earlier[-1].start, start):
            return earlier[-1].province_id, 0.7  # "Its strongest dimension ...": the province just named
        return None, 0.3

    def _same_paragraph(self, a: int, b: int) -> bool:
        return "\n\n" not in self.doc.text[a:b]

    def _internal(self, start: int, pos: int, end: int, sentence_start: int, sentence_end: int) -> bool:
        if cues.INTERNAL_STRONG.search(self.doc.text[sentence_start:pos]):
            return True
        window = self.doc.text[start:pos] + " " + self._after_clause(end, sentence_end)
        window = _REPORTER.sub(" ", window)
        return bool(cues.INTERNAL.search(window)) and not cues.NOT_INTERNAL.search(
            self.doc.text[sentence_start:end]
        )

    def _after_clause(self, end: int, limit: int | None = None) -> str:
        rest = self.doc.text[end : min(end + 60, limit if limit is not None else end + 60)]
        lead = re.match(r"\s*(?:%|percent|per cent|points?|điểm)?\s*\)?", rest, cues.F)
        rest = rest[lead.end() :] if lead else rest
        m = _CLAUSE.search(rest)
        return rest[: m.start()] if m else rest

    def _qualifier(
        self,
        clause_start: int,
        num_start: int,
    ) -> str:
        before = self.doc.text[max(clause_start, num_start - 40) : num_start]
        if cues.TARGET.search(self.doc.text[clause_start:num_start]):
            return "target"
        before = re.sub(
            r"(?:reach(?:ed|es|ing)?|đạt|was|is|the rate of|at|to|of)\s*$", "", before.rstrip(), flags=cues.F
        )
        if cues.QUAL_AT_LEAST.search(before + " ") or re.search(
            r"(?:over|more than|trên|hơn)\s*$", before, cues.F
        ):
            return "at_least"
        if cues.QUAL_AT_MOST.search(before + " "):
            return "at_most"
        if cues.QUAL_APPROX.search(before + " "):
            return "approx"
        return "exact"

    # ---- index facts ------------------------------------------------------------------------
    def _figures(self, s: int, e: int) -> list[Figure]:
        seg = self.doc.text[s:e]
        figs: list[Figure] = []
        taken: list[tuple[int, int]] = []

        def free(a: int, b: int) -> bool:
            return not any(a < y and x < b for x, y in taken)

        for m in cues.CHANGE_VALUE.finditer(seg):
            token = m["num"]
            val = numbers.read_value(token, high=1000)
            if val is None:
                continue
            sign = 1 if cues.UP_RE.match(m["dir"]) else -1
            figs.append(Figure("value_change", s + m.start(), s + m.end(), sign * val, token=token))
            taken.append((m.start(), m.end()))
            follow = cues.CHANGE_AND_RANK.match(seg, m.end())
            if follow:
                num = follow["num"] or follow["num2"]
                figs.append(Figure("rank_change", s + follow.start(), s + follow.end(), sign * int(num)))
                taken.append((follow.start(), follow.end()))
        for m in cues.CHANGE_RANK.finditer(seg):
            if not free(m.start(), m.end()):
                continue
            sign = 1 if cues.UP_RE.match(m["dir"]) else -1
            figs.append(Figure("rank_change", s + m.start(), s + m.end(), sign * int(m["num"])))
            taken.append((m.start(), m.end()))
        for rx in cues.RANK_RES:
            for m in rx.finditer(seg):
                if not free(m.start("rank"), m.end()):
                    continue
                of_text = m.groupdict().get("of")
                rank, of = int(m["rank"]), int(of_text) if of_text else None
                if rank < 1 or rank > 63 or (of is not None and (of < rank or of > 63 or of < 10)):
                    continue
                if cues.REGIONAL.match(seg, m.end()):
                    continue
                after = cues.RANK_IN_INDEX.match(seg, m.end())
                index_after = None
                if after:
                    nxt = self._index_at(s + after.end(), s + min(len(seg), after.end() + 90))
                    index_after = nxt[1] if nxt else None
                figs.append(
                    Figure("rank", s + m.start("rank"), s + m.end(), rank, of, index_after=index_after)
                )
                taken.append((m.start("rank"), m.end()))
        for m in cues.RANK_WORD.finditer(seg):
            word = next(m[g] for g in ("w1", "w2", "w3", "w4", "w5") if m[g]).lower()
            if free(m.start(), m.end()) and not cues.REGIONAL.match(seg, m.end()):
                of = cues.RANK_OF_WORD.match(seg, m.end(m.lastgroup or 0))
                rank_of = int(of["of"]) if of and 10 <= int(of["of"]) <= 63 else None
                end = of.end() if rank_of else m.end()
                after = bool(re.search(r"(?:là|thuộc về)$", m.group())) or bool(
                    re.match(r"\s+(?:thuộc về|là)\b", seg[end:], cues.F)
                )
                figs.append(
                    Figure("rank", s + m.start(), s + end, cues.ORDINALS[word], rank_of, province_after=after)
                )
                taken.append((m.start(), end))
        for m in cues.LED.finditer(seg):
            if free(m.start(), m.end()) and not cues.IN_A_GROUP.search(seg[: m.start()]):
                both = m.group().lower().endswith("both")
                ahead = seg[m.end() : m.end() + (140 if both else 50)].split("," if not both else ";")[0]
                found = self._index_mentions(s + m.end(), s + m.end() + len(ahead))
                if found and not re.match(
                    r"\s+(?:khối|group|the group|the region|vùng|khu vực)", ahead, cues.F
                ):
                    for _, name in found[: 2 if both else 1]:
                        figs.append(Figure("rank", s + m.start(), s + m.end(), 1, index_after=name))
                    taken.append((m.start(), m.end()))
        for m in cues.LED_THE_TABLE.finditer(seg):
            if free(m.start(), m.end()):
                figs.append(Figure("rank", s + m.start(), s + m.end(), 1))
                taken.append((m.start(), m.end()))
        for m in cues.RANK_FIRST.finditer(seg):
            if free(m.start(), m.end()) and not cues.IN_A_GROUP.search(seg[: m.start()]):
                ahead = seg[m.end() : m.end() + 70].split(",")[0]
                nxt = self._index_at(s + m.end(), s + m.end() + len(ahead))
                figs.append(
                    Figure("rank", s + m.start(), s + m.end(), 1, index_after=nxt[1] if nxt else None)
                )
                taken.append((m.start(), m.end()))
        for rx in (
            cues.SCORE_OF_TEN,
            cues.SCORE_SHARE,
            cues.SCORE_STRONG,
            cues.SCORE_WEAK,
            cues.SCORE_BRACKETED,
            cues.SCORE_HISTORY,
            cues.SCORE_AND,
        ):
            for m in rx.finditer(seg):
                if not free(m.start("num"), m.end("num")):
                    continue
                token = m["num"]
                val = numbers.read_value(token, high=100)
                rest = seg[m.end() : m.end() + 25]
                if val is None or (
                    m.groupdict().get("unit") is None
                    and re.match(
                        r"\s*(?:/|out of|trên \d|people|persons|citizens|votes|respondents|"
                        r"criteria|questions|người|phiếu)",
                        rest,
                        cues.F,
                    )
                ):
                    continue
                if cues.YEAR_RE.fullmatch(token) or cues.OR_MORE.match(seg, m.end("num")):
                    continue
                if cues.SCALE.search(seg[: m.start("num")]):
                    continue  # "a scale from 6 to 60 points"
                figs.append(Figure("value", s + m.start("num"), s + m.end("num"), val, token=token))
                taken.append((m.start("num"), m.end("num")))
        for m in cues.SCORE_BARE.finditer(seg):
            if not free(m.start("num"), m.end("num")) or not self._after_component(seg, m.start()):
                continue
            val = numbers.read_value(m["num"])
            if val is not None:
                figs.append(Figure("value", s + m.start("num"), s + m.end("num"), val, token=m["num"]))
                taken.append((m.start("num"), m.end("num")))
        for mention in self.doc.mentions_in(s, e):
            m = cues.SCORE_PAREN.match(self.doc.text, mention.end)
            if m and free(m.start() - s, m.end() - s):
                val = numbers.read_value(m["num"])
                if val is not None:
                    figs.append(
                        Figure("value", m.start("num"), m.end("num"), val, token=m["num"], paren=True)
                    )
                    taken.append((m.start() - s, m.end() - s))
        for fig in figs:
            fig.year = self._figure_year(fig, s)
        return sorted(figs, key=lambda f: f.start)

    def _figure_year(self, fig: Figure, s: int) -> int | None:
        """The year written with a figure: right after it ("81.24 percent in 2018"), or before the
        brackets it stands in ("so với năm 2023 (66,79 điểm, xếp thứ 30)")."""
        m = cues.FIGURE_YEAR.match(self.doc.text, fig.end)
        if m and fig.role in ("value", "rank"):
            return int(m["year"])
        before = self.doc.text[s : fig.start]
        opened = before.rfind("(")
        if opened > before.rfind(")") and opened >= 0:
            ahead = before[:opened].rstrip()
            y = re.search(r"((?:19|20)\d\d)$", ahead)
            if y and cues.COMPARISON_YEAR.search(ahead[: y.start()]):
                return int(y.group(1))
        return None

    @staticmethod
    def _after_component(seg: str, pos: int) -> bool:
        """True when a component's name ends right before ``pos`` ("access to land 7.89 points")."""
        window = seg[max(0, pos - 70) : pos]
        for rules in cues.COMPONENT_RE.values():
            for rx in rules.values():
                for m in rx.finditer(window):
                    if len(window) - m.end() <= 3:
                        return True
        return False

    def _index_at(self, s: int, e: int) -> tuple[int, str] | None:
        found = self._index_mentions(s, e)
        return found[0] if found else None

    def _index_mentions(self, s: int, e: int) -> list[tuple[int, str]]:
        seg = self.doc.text[s:e]
        found = []
        for name, rx in cues.INDEX_RE.items():
            for m in rx.finditer(seg):
                found.append((s + m.start(), name, s + m.end()))
        found.sort()
        # 'Satisfaction Index of Public Administrative Services (SIPAS)': one mention, not two
        out: list[tuple[int, str]] = []
        for pos, name, end in found:
            if out and out[-1][1] == name and pos - out[-1][0] < 120:
                self._mention_end[out[-1][0]] = max(self._mention_end.get(out[-1][0], end), end)
                continue
            out.append((pos, name))
            self._mention_end[pos] = end
        return out

    def _index_year(
        self, index: str, mention: int | None, s: int, e: int, exclude: set[int | None] | None = None
    ) -> tuple[int | None, float]:
        if mention is not None:  # "PAPI 2016", "(SIPAS) năm 2019", "PAPI for 2024", then "the 2016 PAPI"
            end = self._mention_end.get(mention, mention)
            after = _years(self.doc, mention, min(e, end + 30))
            if after:
                return after[0][1], 1.0
            before = _years(self.doc, max(s, mention - 22), mention)
            if before:
                return before[-1][1], 1.0
        found = [(p, y) for p, y in _years(self.doc, s, e) if y not in (exclude or set())]
        if found:
            return found[0][1], 0.95
        rel = self._relative_year(self.doc.text[s:e], index=True)
        if rel is not None:
            return rel, 0.85
        if index in self.index_year:
            return self.index_year[index], 0.85
        if self.last_year is not None:
            return self.last_year, 0.75
        base = self.doc.published or self.doc.event_year
        return (base - 1, 0.5) if base else (None, 0.2)

    def index_facts(self, number: int, sent: text.Sentence) -> None:
        s, e = sent.start, sent.end
        seg = self.doc.text[s:e]
        mentions = self._index_mentions(s, e)
        for pos, name in mentions:
            year, _ = self._index_year(name, pos, s, e)
            near = _years(self.doc, max(s, pos - 22), min(e, pos + 40))
            if near:
                self.index_year[name] = year  # type: ignore[assignment]
        figs = self._figures(s, e)
        if not figs:
            return
        has_driver = any(r.pattern.search(seg) for r in drivers.RULES) or drivers.STAFF_CUE.search(seg)
        self._respectively(seg, s, mentions, figs)
        context = [name for n, name in self.recent_index if number - n <= 3]
        named = {name for _, name in self.recent_index}
        if not context and len(named) == 1:
            context = list(named)  # a document about one index
        if not context and cues.DIMENSION.search(seg):
            context = [name for n, name in self.recent_index if number - n <= 12]
        groups: dict[tuple[str, str, str | None, str], dict[str, object]] = {}
        for fig in figs:
            if fig.index_after:
                index, anchor = fig.index_after, None
            else:
                before = [(p, n) for p, n in mentions if p < fig.start]
                if before:
                    anchor, index = before[-1]
                elif mentions and len({n for _, n in mentions}) == 1:
                    anchor, index = mentions[0]
                elif context and not has_driver and not mentions:
                    anchor, index = None, context[-1]
                else:
                    continue
            lead = self.doc.text[
                max(s, self._last_mention_before(fig.start, s, provinces_only=True)) : fig.start
            ]
            if cues.NATIONAL.search(lead) and not self.doc.mentions_in(max(s, fig.start - 60), fig.start):
                continue  # a national average or total, not a province's figure
            component, comp_pos = self._component(index, anchor if anchor is not None else s, fig.start)
            start = anchor if anchor is not None else s
            if fig.role == "value":
                total = component == "total"
                if not _plausible(index, total, fig.value):
                    if index == "DTI" and 1 < fig.value <= 100:
                        fig.value = round(fig.value / 100, 6)
                    else:
                        continue
            if (
                anchor is None
                and fig.role == "value"
                and not fig.paren
                and not re.match(
                    r"\s*(?:%|percent|per cent|points?|điểm)", self.doc.text[fig.end : fig.end + 10], cues.F
                )
                and component == "total"
                and not self._has_rank(figs)
            ):
                continue
            nxt_province = [m for m in self.doc.mentions_in(fig.end, e)][:1] if fig.province_after else []
            province, p_conf = (
                (nxt_province[0].province_id, 1.0) if nxt_province else self._province(s, fig.start, e)
            )
            begin = start if start < fig.start else s
            internal = self._internal(
                max(begin, self._last_mention_before(fig.start, s), self._clause_start(fig.start, s)),
                fig.start,
                fig.end,
                s,
                e,
            )
            kind = "internal" if internal else "index"
            key = (index, component, province, kind, fig.year)
            row = groups.setdefault(
                key,
                {
                    "figs": [],
                    "anchor": start,
                    "p_conf": p_conf,
                    "i_conf": 1.0 if anchor is not None else 0.75,
                    "comp": comp_pos,
                },
            )
            row["figs"].append(fig)  # type: ignore[union-attr]
        for (index, component, province, kind, fig_year), g in groups.items():
            figs_g: list[Figure] = g["figs"]  # type: ignore[assignment]
            roles = {f.role: f for f in reversed(figs_g)}
            if "value" not in roles and "rank" not in roles:
                continue
            anchor_pos = next((p for p, n in mentions if n == index), None)
            year, y_conf = self._index_year(index, anchor_pos, s, e, exclude={f.year for f in figs})
            if fig_year is not None:
                year, y_conf = fig_year, 1.0
            first = min(f.start for f in figs_g)
            anchor_at = g["anchor"] if g["i_conf"] == 1.0 else None
            pm = [m.start for m in self.doc.mentions_in(s, e) if m.start < first]
            clause = self._clause_start(first, s)
            if anchor_at is not None and first - anchor_at <= 150:  # type: ignore[operator]
                qstart = min(anchor_at, pm[-1]) if pm and pm[-1] >= anchor_at - 60 else anchor_at  # type: ignore
            elif pm and first - pm[-1] <= 150:
                qstart = pm[-1]
            else:
                qstart = max(clause, first - 150)
            qstart = min(qstart, first)
            qend = max(f.end for f in figs_g)
            after_idx = [f for f in figs_g if f.index_after]
            if after_idx:
                nxt = self._index_mentions(qend, min(e, qend + 90))
                if nxt:
                    m = cues.INDEX_RE[nxt[0][1]].search(self.doc.text, nxt[0][0])
                    qend = m.end() if m else qend
            value = roles.get("value")
            rank = roles.get("rank")
            row = self._row(
                kind=kind,
                index=index,
                component=component,
                year=year,
                province=province,
                value=value.value if value else None,
                unit=str(INDICES[index]["unit"]),
                rank=int(rank.value) if rank else None,
                rank_of=rank.of if rank else None,
                value_change=roles["value_change"].value if "value_change" in roles else None,
                rank_change=int(roles["rank_change"].value) if "rank_change" in roles else None,
                qualifier="exact",
                start=qstart,
                end=qend,
                confidence=round(0.95 * g["p_conf"] * g["i_conf"] * y_conf, 2),  # type: ignore[operator]
            )
            self.rows.append(row)

    @staticmethod
    def _respectively(seg: str, s: int, mentions: list[tuple[int, str]], figs: list[Figure]) -> None:
        """ "PAR INDEX và SIPAS lần lượt đạt 83,32% và 89,81%, xếp thứ 11/63 và 8/63": the i-th value
        and the i-th rank go to the i-th index named before them."""
        m = cues.RESPECTIVELY.search(seg)
        if not m:
            return
        named = [name for pos, name in mentions if pos < s + m.start()]
        named = list(dict.fromkeys(named))
        if len(named) < 2:
            return
        for role in ("value", "rank", "value_change", "rank_change"):
            these = [f for f in figs if f.role == role and f.start > s + m.start()]
            if len(these) == len(named):
                for fig, name in zip(these, named, strict=True):
                    fig.index_after = name

    @staticmethod
    def _has_rank(figs: list[Figure]) -> bool:
        return any(f.role in ("rank", "rank_change") for f in figs)

    def _last_mention_before(self, pos: int, s: int, provinces_only: bool = False) -> int:
        before = [m.end if provinces_only else m.start for m in self.doc.mentions_in(s, pos)]
        idx = [] if provinces_only else [p for p, _ in self._index_mentions(s, pos)]
        return max(before + idx + [s])

    def _clause_start(self, pos: int, s: int) -> int:
        seg = self.doc.text[s:pos]
        cuts = [m.end() for m in re.finditer(r"[;:]|\bwhile\b", seg)]
        return s + (cuts[-1] if cuts else 0)

    def _component(self, index: str, start: int, pos: int) -> tuple[str, int | None]:
        rules = cues.COMPONENT_RE.get(index)
        if not rules:
            return "total", None
        seg = self.doc.text[start:pos]
        clause = max([m.end() for m in re.finditer(r"[;]", seg)] + [0])
        best: tuple[int, str] | None = None
        for comp, rx in rules.items():
            for m in rx.finditer(seg, clause):
                if best is None or m.start() > best[0]:
                    best = (m.start(), comp)
        if best is None:
            return "total", None
        return best[1], start + best[0]

    # ---- driver facts -----------------------------------------------------------------------
    def _driver_year(
        self, indicator: str, s: int, e: int, num_start: int, sent: text.Sentence
    ) -> tuple[int | None, tuple[int, int] | None, float]:
        seg = self.doc.text[s:e]
        flow = indicator in _FLOWS
        periods = [
            (int(m["a"]), int(m["b"])) for m in cues.PERIOD_RE.finditer(seg) if int(m["a"]) < int(m["b"])
        ]
        if flow and periods:
            return periods[0][1], periods[0], 0.95
        history = [(m.start(), m.end()) for m in cues.DRIVER_HISTORY.finditer(seg)]
        found = [(p, y) for p, y in _years(self.doc, s, e) if not any(a <= p - s < b for a, b in history)]
        if found:
            before = [y for p, y in found if p < num_start]
            return (before[-1] if before else found[0][1]), None, 0.95
        rel = self._relative_year(seg, index=False)
        if rel is not None:
            return rel, None, 0.85
        base = self.doc.published or self.doc.event_year
        if cues.NOW.search(seg):  # "so far": the article's year; unknown when the article is undated
            return (base, None, 0.8) if base else (None, None, 0.3)
        period = self.paragraph_period.get(sent.paragraph) or self.doc.period
        if period and not flow and cues.EVERY_YEAR.search(seg):
            return period[1], None, 0.7
        if flow and period:
            return period[1], period, 0.8
        if self.paragraph_year.get(sent.paragraph) is not None:
            return self.paragraph_year[sent.paragraph], None, 0.75
        if base and self.doc.published:
            return base, None, 0.6
        if period:
            return period[1], None, 0.6
        return (base, None, 0.5) if base else (None, None, 0.2)

    def driver_facts(self, sent: text.Sentence) -> None:
        s, e = sent.start, sent.end
        seg = self.doc.text[s:e]
        hits: list[tuple[str, int, int, bool]] = []
        for indicator, a, b in drivers.staff_cuts(seg):
            hits.append((indicator, s + a, s + b, "_pct_" in indicator))
        for rule in drivers.RULES:
            for m in rule.pattern.finditer(seg):
                a, b = s + m.start("num"), s + m.end("num")
                if any(a < y and x < b for _, x, y, _ in hits):
                    continue
                hits.append((rule.indicator, a, b, rule.percent))
                self._cue_span[(a, b)] = (s + m.start(), s + m.end())
        for indicator, a, b, percent in sorted(hits, key=lambda h: h[1]):
            token = self.doc.text[a:b]
            if percent:
                value = numbers.read_value(token)
            else:
                count = numbers.read_count(token)
                value = None if count is None or cues.YEAR_RE.fullmatch(token) else float(count)
            if value is None:
                continue
            clause = self._clause_start(a, s)
            qualifier = self._qualifier(clause if clause > s else s, a)
            year, period, y_conf = self._driver_year(indicator, s, e, a, sent)
            if period and qualifier == "exact":
                qualifier = "period"
            province, p_conf = self._province(s, a, e)
            cue_a, cue_b = self._cue_span.get((a, b), (min(a, self._staff_cue(s, e)), b))
            window_start = max(s, self._last_mention_before(a, s))
            internal = bool(cues.INTERNAL.search(_REPORTER.sub(" ", self.doc.text[window_start:a]))) or bool(
                cues.INTERNAL.search(self._after_clause(b, e)[:40])
            )
            internal = internal and not cues.NOT_INTERNAL.search(self.doc.text[s : b + 80])
            internal = internal or bool(cues.INTERNAL_STRONG.search(self.doc.text[s:a]))
            qs, qe = min(cue_a, a), max(cue_b, b)
            if re.match(r"\s*(?:%|percent|per cent)", self.doc.text[b : b + 10]) and qe == b:
                qe = b + len(re.match(r"\s*(?:%|percent|per cent)", self.doc.text[b : b + 10]).group())
            self.rows.append(
                self._row(
                    kind="internal" if internal else "driver",
                    index=indicator,
                    component="",
                    year=year,
                    province=province,
                    value=value,
                    unit=DRIVERS[indicator]["unit"],
                    rank=None,
                    rank_of=None,
                    value_change=None,
                    rank_change=None,
                    qualifier=qualifier,
                    period=period if qualifier == "period" else None,
                    start=qs,
                    end=qe,
                    confidence=round(0.9 * p_conf * y_conf, 2),
                )
            )
            history = cues.DRIVER_HISTORY.search(self.doc.text, b, e) if percent else None
            if history and not any(x <= history.start("num") < y for _, x, y, _ in hits):
                earlier = numbers.read_value(history["num"])
                if earlier is not None:  # "... up from about 38 percent in 2022": the same indicator then
                    row = dict(self.rows[-1])
                    about = cues.QUAL_APPROX.search(self.doc.text[history.start() : history.start("num")])
                    row.update(
                        value=earlier,
                        year=int(history["year"]),
                        qualifier="approx" if about else "exact",
                        period_start=None,
                        period_end=None,
                        start=history.start(),
                        end=history.end(),
                        quote=history.group(),
                    )
                    self.rows.append(row)

    def _staff_cue(self, s: int, e: int) -> int:
        m = drivers.STAFF_CUE.search(self.doc.text, s, e)
        return m.start() if m else e

    # ---- rows ---------------------------------------------------------------------------------
    def _row(
        self,
        *,
        kind: str,
        index: str,
        component: str,
        year: int | None,
        province: str | None,
        value: float | None,
        unit: str,
        rank: int | None,
        rank_of: int | None,
        value_change: float | None,
        rank_change: int | None,
        qualifier: str,
        start: int,
        end: int,
        confidence: float,
        period: tuple[int, int] | None = None,
    ) -> dict[str, object]:
        return {
            "file": self.file,
            "province_id": province or "",
            "province": places.name(province) if province else "",
            "kind": kind,
            "index": index,
            "component": component,
            "year": year,
            "value": value,
            "unit": unit,
            "rank": rank,
            "rank_of": rank_of,
            "value_change": value_change,
            "rank_change": rank_change,
            "qualifier": qualifier,
            "period_start": period[0] if period else None,
            "period_end": period[1] if period else None,
            "quote": self.doc.text[start:end],
            "start": start,
            "end": end,
            "confidence": confidence if province else min(confidence, 0.3),
        }

    def _drop_headline_bounds(self) -> list[dict[str, object]]:
        """A headline's rounded driver figure ("over 99 percent ... on time") is the body's exact one
        (99.2): the bound is dropped when the same indicator, province and year has a value it bounds."""
        keep: list[dict[str, object]] = []
        title_end = text._title_end(self.doc.text)
        for row in self.rows:
            q = row["qualifier"]
            key = (row["kind"], row["index"], row["province_id"], row["year"], row["value"], q)
            if row["kind"] == "driver" and any(
                (o["kind"], o["index"], o["province_id"], o["year"], o["value"], o["qualifier"]) == key
                for o in keep
            ):
                continue  # the same figure twice (headline and body)
            in_title = int(row["start"]) <= title_end  # type: ignore[call-overload]
            if row["kind"] == "driver" and q in ("at_least", "at_most", "approx"):
                exact = [
                    o
                    for o in self.rows
                    if o is not row
                    and o["kind"] == "driver"
                    and o["qualifier"] == "exact"
                    and (o["index"], o["province_id"]) == (row["index"], row["province_id"])
                    and (in_title or o["year"] == row["year"])
                ]
                v = float(row["value"])  # type: ignore[arg-type]
                if any(
                    (q == "at_least" and float(o["value"]) >= v)
                    or (q == "at_most" and float(o["value"]) <= v)
                    or (q == "approx" and abs(float(o["value"]) - v) <= 1)
                    for o in exact
                ):  # type: ignore[arg-type]
                    continue
            keep.append(row)
        return keep

    def _merge(self) -> list[dict[str, object]]:
        """One index fact per index, component, province and year: a score in one sentence and its
        rank in the next ("reached 91.81 percent." ... "ranks 2nd out of 63") are one fact; figures
        that disagree stay separate rows for the reviewer."""
        out: list[dict[str, object]] = []
        fields = ("value", "rank", "rank_of", "value_change", "rank_change")
        for row in self._drop_headline_bounds():
            if row["kind"] != "index" or not row["province_id"]:
                out.append(row)
                continue
            key = tuple(row[k] for k in ("kind", "index", "component", "province_id", "year"))
            same = next(
                (
                    o
                    for o in out
                    if tuple(o[k] for k in ("kind", "index", "component", "province_id", "year")) == key
                ),
                None,
            )
            clash = same is not None and any(
                same[f] is not None and row[f] is not None and same[f] != row[f] for f in fields
            )
            if same is None or clash:
                out.append(row)
                continue
            for f in fields:
                if same[f] is None:
                    same[f] = row[f]
            if int(row["end"]) - int(same["start"]) <= 400:  # type: ignore[call-overload]
                same["end"] = max(int(same["end"]), int(row["end"]))  # type: ignore[call-overload]
                same["quote"] = self.doc.text[int(same["start"]) : int(same["end"])]  # type: ignore[call-overload]
        return out

    def read(self) -> list[dict[str, object]]:
        """Every fact of the document, in text order."""
        self._cue_span: dict[tuple[int, int], tuple[int, int]] = {}
        self._mention_end: dict[int, int] = {}
        for number, sent in enumerate(self.doc.sentences):
            if any(a <= sent.start < b for a, b in self.doc.skip):
                continue
            seg = self.doc.text[sent.start : sent.end]
            periods = [
                (int(m["a"]), int(m["b"]))
                for m in cues.PERIOD_RE.finditer(seg)
                if int(m["a"]) < int(m["b"]) <= int(m["a"]) + 20
            ]
            if periods:
                self.paragraph_period[sent.paragraph] = periods[0]
            self.index_facts(number, sent)
            self.driver_facts(sent)
            for _pos, name in self._index_mentions(sent.start, sent.end):
                self.recent_index.append((number, name))
            found = _years(self.doc, sent.start, sent.end)
            if found:
                self.last_year = found[-1][1]
                self.paragraph_year[sent.paragraph] = found[-1][1]
            elif (rel := self._relative_year(seg, index=False)) is not None:
                self.paragraph_year[sent.paragraph] = rel  # "Năm ngoái, ...": the next sentences too
        return self._merge()
