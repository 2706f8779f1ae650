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

from parlib.extract import cues, places, text
from parlib.extract.driver_facts import DriverReading
from parlib.extract.index_facts import IndexReading
from parlib.extract.text import years_in as _years

_CLAUSE = re.compile(r"[,;:()]|\bwhile\b|\bwhereas\b|\btrong khi\b", cues.F)


class Reader(IndexReading, DriverReading):
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
        inside = [
            m
            for m in self.doc.mentions_in(start, sentence_end)
            if not cues.MERGED_WITH.search(self.doc.text[max(start, m.start - 60) : m.start])
        ]
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
        if cues.INTERNAL_STRONG.search(self.doc.text[self._clause_start(pos, sentence_start) : pos]):
            return True
        window = self._unnamed(start, pos) + " " + self._after_clause(end, sentence_end)
        window = cues.REPORTER.sub(" ", window)
        return bool(cues.INTERNAL.search(window)) and not cues.NOT_INTERNAL.search(
            self.doc.text[sentence_start:end]
        )

    def _unnamed(self, start: int, end: int) -> str:
        """``text[start:end]`` with the provinces' names blanked: "Thành phố Hồ Chí Minh" is a province,
        "Thành phố Long Xuyên" a city inside one (an internal subject)."""
        chars = list(self.doc.text[start:end])
        for m in self.doc.mentions_in(start, end):
            chars[m.start - start : m.end - start] = " " * (m.end - m.start)
        return "".join(chars)

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
    def _last_mention_before(self, pos: int, s: int, provinces_only: bool = False) -> int:
        before = [m.end if provinces_only else m.start for m in self.doc.mentions_in(s, pos)]
        idx = [] if provinces_only else [p for p, _ in self._index_mentions(s, pos)]
        return max(before + idx + [s])

    def _clause_start(self, pos: int, s: int) -> int:
        seg = self.doc.text[s:pos]
        cuts = [m.end() for m in re.finditer(r"[;:]|\bwhile\b", seg)]
        return s + (cuts[-1] if cuts else 0)

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
