"""Driver facts in a sentence: the cue and figure rules of ``parlib.extract.drivers``, with their
year or period, qualifier, province and internal subject.

A mixin of ``parlib.extract.facts.Reader`` (which holds the document and its context)."""

from __future__ import annotations

import re

from parlib.extract import cues, drivers, numbers, text
from parlib.extract.text import years_in as _years
from parlib.extract.vocab import DRIVERS

_FLOWS = {"units_cut_count"} | {d for d in DRIVERS if d.startswith("staff_cut_")}


class DriverReading:
    """Driver facts of a sentence (``driver_facts``); needs the context methods of ``Reader``."""

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
        lo = s + max([m.end() for m in re.finditer(r";", seg[: num_start - s])] + [0])
        semi = re.search(r";", seg[num_start - s :])
        hi = num_start + semi.start() if semi else e  # the clause the figure is in
        found = [(p, y) for p, y in _years(self.doc, lo, hi) if not any(a <= p - s < b for a, b in history)]
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
            if qualifier == "target":  # "phấn đấu 80% ... vào năm 2025": the target's own year
                ahead = [y for p, y in _years(self.doc, b, e) if not re.search(r"[;]", self.doc.text[b:p])]
                if ahead:
                    year, period, y_conf = ahead[0], None, 0.9
            if period and qualifier == "exact":
                qualifier = "period"
            province, p_conf = self._province(s, a, e)
            cue_a, cue_b = self._cue_span.get((a, b), (min(a, self._staff_cue(s, e)), b))
            window_start = max(s, self._last_mention_before(a, s))
            internal = bool(
                cues.INTERNAL.search(cues.REPORTER.sub(" ", self._unnamed(window_start, a)))
            ) or bool(cues.INTERNAL.search(self._after_clause(b, e)[:40]))
            internal = internal and not cues.NOT_INTERNAL.search(self.doc.text[s : b + 80])
            internal = internal or bool(
                cues.INTERNAL_STRONG.search(self.doc.text[self._clause_start(a, s) : a])
            )
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
                base = self.doc.published or self.doc.event_year
                then = int(history["year"]) if history["year"] else (base - 1 if base else None)
                if earlier is not None and then is not None:  # "... up from about 38 percent in 2022"
                    row = dict(self.rows[-1])
                    about = cues.QUAL_APPROX.search(self.doc.text[history.start() : history.start("num")])
                    row.update(
                        value=earlier,
                        year=then,
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
