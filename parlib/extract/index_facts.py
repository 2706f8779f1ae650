"""Index facts in a sentence: the figures (scores, ranks, changes), the index each belongs to,
its component, province and year, grouped into one fact per index, component and province.

A mixin of ``parlib.extract.facts.Reader``, which holds the document and its context (province,
year, internal subject); the rules are written in ``parlib.extract.facts``'s docstring."""

from __future__ import annotations

import re

from parlib.extract import cues, drivers, text
from parlib.extract.figures import Figure, FigureReading
from parlib.extract.text import years_in as _years
from parlib.extract.vocab import INDICES

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


def _plausible(index: str, total: bool, value: float) -> bool:
    low, high = PLAUSIBLE[(index, total)]
    return low <= value <= high


class IndexReading(FigureReading):
    """Index facts of a sentence (``index_facts``); needs the context methods of ``Reader``."""

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
            if cues.TARGET.search(self.doc.text[self._clause_start(fig.start, s) : fig.start]):
                continue  # an index target ("aims to raise that figure to 100") is never a score
            component, comp_pos = self._component(index, anchor if anchor is not None else s, fig.start)
            if component == "total":
                component = self._component_after(index, fig.end, e) or component
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

    def _component_after(self, index: str, end: int, e: int) -> str | None:
        """A component named right after its figure: "7.94 points in public service delivery",
        "0.3678 for digital society"."""
        rules = cues.COMPONENT_RE.get(index, {})
        m = re.match(
            r"\s*(?:%|percent|points?|điểm)?\s*(?:for|in|on|về|ở)\s+(?:the\s+)?", self.doc.text[end:e]
        )
        if not m:
            return None
        ahead = self.doc.text[end + m.end() : min(e, end + m.end() + 60)]
        for comp, rx in rules.items():
            found = rx.match(ahead)
            if found:
                return comp
        return None

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
