"""The numbers of a sentence that an index fact is made of: scores, ranks and changes, each with
its own year when the text gives one ("64.52 points (22nd) in 2020", "than in 2019, when it scored
66.56 points"). A mixin of ``parlib.extract.facts.Reader`` (for the index names and the document)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parlib.extract import cues, numbers
from parlib.extract.text import years_in as _years


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


class FigureReading:
    """``_figures``: the figures of one sentence, sorted, with their years (a rank named before its
    index, "63/63 in the PAR-INDEX", looks the index up with ``IndexReading._index_at``)."""

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
            cues.SCORE_AFTER_RANK,
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
            m = cues.SCORE_PAREN.match(self.doc.text, mention.end) or cues.SCORE_AFTER_NAME.match(
                self.doc.text, mention.end
            )
            if m and free(m.start() - s, m.end() - s):
                val = numbers.read_value(m["num"])
                if val is not None:
                    figs.append(
                        Figure("value", m.start("num"), m.end("num"), val, token=m["num"], paren=True)
                    )
                    taken.append((m.start() - s, m.end() - s))
        figs.sort(key=lambda f: f.start)
        multi_year = len({y for _, y in _years(self.doc, s, e)}) > 1
        previous: Figure | None = None
        for fig in figs:
            fig.year = self._figure_year(fig, s)
            between = self.doc.text[previous.end : fig.start] if previous else ""
            if (
                fig.year is None
                and previous is not None
                and previous.year is not None
                and re.match(
                    r"[^.;]{0,40}?\b(?:when|khi|and (?:was|it was|ranked|came)|và (?:đứng|xếp|được))\b",
                    between,
                    cues.F,
                )
            ):
                fig.year = previous.year  # "... 66.56 points and was placed 19th": the same earlier year
            if fig.year is None and multi_year:
                fig.year = self._clause_year(fig, s)
            previous = fig
        return figs

    def _clause_year(self, fig: Figure, s: int) -> int | None:
        """In a sentence naming several years ("Năm 2011 ... đạt 59,63 điểm; sang năm 2012 tụt xuống
        vị trí thứ 44"), the year that opens the figure's own clause."""
        before = self.doc.text[s : fig.start]
        clause = max([m.end() for m in re.finditer(r"[;]|, (?:sang|đến|and in|while in)\b", before)] + [0])
        found = [y for p, y in _years(self.doc, s + clause, fig.start)]
        return found[-1] if found else None

    def _figure_year(self, fig: Figure, s: int) -> int | None:
        """The year written with a figure: right after it ("81.24 percent in 2018"), or before the
        brackets it stands in ("so với năm 2023 (66,79 điểm, xếp thứ 30)")."""
        m = cues.FIGURE_YEAR.match(self.doc.text, fig.end)
        if m and fig.role in ("value", "rank"):
            return int(m["year"])
        if re.search(
            r"\b(?:up|down|rising|falling|climbing|slipping) from\s+(?:the\s+)?$|\btừ\s+(?:vị trí\s+)?$",
            self.doc.text[max(s, fig.start - 25) : fig.start],
            cues.F,
        ):
            later = re.match(
                r"[^.;]{0,40}?\b(?:in|for|năm)\s+((?:19|20)\d\d)\b", self.doc.text[fig.end : fig.end + 60]
            )
            if later:
                return int(later.group(1))  # "down from third place in the first DTI, for 2020"
        named = cues.YEAR_RESULT.search(self.doc.text[max(s, fig.start - 40) : fig.start])
        if named:
            return int(named["year"])
        bracket = re.search(
            r"\((?:năm|in)\s+((?:19|20)\d\d)\s*:\s*$", self.doc.text[max(s, fig.start - 20) : fig.start]
        )
        if bracket:
            return int(bracket.group(1))  # "(năm 2015: 5.18 điểm)"
        when = list(cues.WHEN_CLAUSE.finditer(self.doc.text, s, fig.start))
        if when and not re.search(r"[.;]", self.doc.text[when[-1].end() : fig.start]):
            return int(when[-1]["year"] or when[-1]["year2"])
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
