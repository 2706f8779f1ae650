"""Facts from provincial reports: index scores, ranks and changes, and reform drivers, each with
the sentence it was read from (``parlib extract FILE...``).

A researcher reviews the fact table; ``check`` sets each index fact beside parlib's own figure,
and ``to_tables`` writes the reviewed facts into the researcher templates that the panel, the
cards, the reports and the regression notebooks read. The vocabulary (columns, indices, driver
indicators, qualifiers) is in ``parlib.extract.vocab``; how a sentence is read in
``parlib.extract.facts``.

    from parlib import extract
    facts = extract.extract_files(["report.txt"], published=2023)
    facts.table          # one row per fact, vocab.FACT_COLUMNS
    facts.summary()
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from parlib.extract.vocab import CHECK_COLUMNS, DRIVERS, FACT_COLUMNS, INDICES, QUALIFIERS

__all__ = [
    "CHECK_COLUMNS",
    "DRIVERS",
    "FACT_COLUMNS",
    "INDICES",
    "QUALIFIERS",
    "Facts",
    "check",
    "extract_files",
    "extract_text",
    "to_tables",
]

_INT_COLUMNS = ["year", "rank", "rank_of", "rank_change", "period_start", "period_end", "start", "end"]


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=FACT_COLUMNS)
    for column in _INT_COLUMNS:
        table[column] = pd.array(table[column], dtype="Int64")
    for column in ("value", "value_change", "confidence"):
        table[column] = pd.to_numeric(table[column]).astype("float64")
    return table


def _province_id(province: str | None) -> str | None:
    if province is None:
        return None
    from parlib import provinces

    return provinces.get(province, "63").province_id


def extract_text(
    text: str,
    file: str = "",
    province: str | None = None,
    published: int | None = None,
) -> pd.DataFrame:
    """The facts of one text (``FACT_COLUMNS``; offsets into ``text``).

    ``province`` (any spelling) is the province the text is about when it does not say (a
    province named in a sentence still wins for that sentence's facts); ``published`` is the
    article's year, from which "last year" and undated index figures are resolved.
    """
    from parlib.extract import facts
    from parlib.extract import text as prepare

    doc = prepare.prepare(text, published=published, province_id=_province_id(province))
    return _frame(facts.Reader(doc, file).read())


@dataclass
class Facts:
    """What ``extract_files`` read: ``table`` (one row per fact, ``FACT_COLUMNS``), ``notes``
    (one line per file with no facts, empty or refused), ``files`` (the files read)."""

    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        t = self.table
        counts = t.groupby("kind").size().to_dict() if len(t) else {}
        lines = [
            f"{len(t)} facts from {len(self.files)} file(s): "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            if len(t)
            else f"no facts in {len(self.files)} file(s)"
        ]
        unresolved = int((t["province_id"] == "").sum()) if len(t) else 0
        if unresolved:
            lines.append(f"{unresolved} fact(s) with no province (the text does not say which): review them")
        lines += self.notes
        return "\n".join(lines)


def extract_files(
    paths: Iterable[str | Path],
    lang: str = "auto",
    province: str | None = None,
    published: int | None = None,
    encoding: str | None = None,
) -> Facts:
    """The facts of every file (text, Markdown, HTML, DOCX, PDF with a text layer).

    ``lang`` is ``auto``, ``en`` or ``vi`` (the patterns of both languages are always tried; the
    language is recorded per file). A file that cannot be read raises ``ExtractInputError`` (one
    line naming it); an empty file gives a note and no facts.
    """
    from parlib.extract.read import read_document

    if lang not in ("auto", "en", "vi"):
        raise ValueError(f"--lang must be auto, en or vi, got {lang!r}")
    from parlib.extract import facts as reader
    from parlib.extract import text as prepare

    pid = _province_id(province)
    rows: list[dict[str, object]] = []
    notes, files = [], []
    for path in paths:
        doc = read_document(path, lang=lang, encoding=encoding)
        files.append(str(path))
        notes += [f"{path}: {note}" for note in doc.notes if not note.startswith("decoded as")]
        found = reader.Reader(
            prepare.prepare(doc.text, published=published, province_id=pid), str(path)
        ).read()
        if not found and doc.text.strip():
            notes.append(f"{path}: no index or driver facts found")
        rows += found
    return Facts(table=_frame(rows), notes=notes, files=files)


def check(facts: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """``facts`` with ``CHECK_COLUMNS``: each index fact beside parlib's figure
    (``parlib.extract.compare``)."""
    from parlib.extract.compare import check as _check

    return _check(facts, **kwargs)


def to_tables(facts: pd.DataFrame, folder: str | Path, **kwargs: object):
    """Write reviewed facts as researcher tables (``parlib.extract.tables.to_tables``)."""
    from parlib.extract.tables import to_tables as _to_tables

    return _to_tables(facts, folder, **kwargs)
