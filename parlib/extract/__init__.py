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
    "is_fact_table",
    "read_facts",
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
    languages: dict[str, str] = field(default_factory=dict)
    """file -> ``en`` or ``vi`` (as given by ``lang``, or detected from the text)."""

    def summary(self) -> str:
        t = self.table
        counts = t.groupby("kind").size().to_dict() if len(t) else {}
        lines = [
            f"{len(t)} facts from {len(self.files)} file(s): "
            + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            if len(t)
            else f"no facts in {len(self.files)} file(s)"
        ]
        if self.languages:
            langs = pd.Series(self.languages).value_counts().to_dict()
            lines.append("languages: " + ", ".join(f"{n} {lang}" for lang, n in sorted(langs.items())))
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

    ``lang`` is ``auto``, ``en`` or ``vi``: the language recorded per file (``Facts.languages``);
    the patterns of both languages are always tried, since translated reports mix their conventions.
    A CSV fact table (``is_fact_table``: what ``--out`` wrote, reviewed) is read as it is. A file
    that cannot be read raises ``ExtractInputError`` (one
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
    languages: dict[str, str] = {}
    for path in paths:
        if is_fact_table(path):  # a fact table reviewed (and perhaps edited) by hand: taken as it is
            table = read_facts(path)
            files.append(str(path))
            rows += table.astype(object).where(table.notna(), None).to_dict("records")
            continue
        doc = read_document(path, lang=lang, encoding=encoding)
        files.append(str(path))
        languages[str(path)] = doc.lang
        notes += [f"{path}: {note}" for note in doc.notes if not note.startswith("decoded as")]
        found = reader.Reader(
            prepare.prepare(doc.text, published=published, province_id=pid), str(path)
        ).read()
        if not found and doc.text.strip():
            notes.append(f"{path}: no index or driver facts found")
        rows += found
    return Facts(table=_frame(rows), notes=notes, files=files, languages=languages)


def is_fact_table(path: str | Path) -> bool:
    """True for a CSV whose header holds the fact columns (a table ``parlib extract --out`` wrote)."""
    path = Path(path)
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline().strip().split(",")
    return set(FACT_COLUMNS) <= set(header)


def read_facts(path: str | Path) -> pd.DataFrame:
    """A fact table as ``parlib extract --out`` wrote it, after review: ``FACT_COLUMNS`` (extra
    columns, such as an earlier check's, are dropped). The researcher is the authority: an edited
    value is kept even when it no longer matches its quote (``check`` flags it). Refused in one line
    naming the file and row: a number that is not one, a kind or qualifier outside the vocabulary."""
    from parlib.errors import SourceFormatError

    name = Path(path).name
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = raw[FACT_COLUMNS].copy()
    for column in ["value", "value_change", "confidence", *_INT_COLUMNS]:
        text = table[column].str.strip()
        number = pd.to_numeric(text.where(text != ""), errors="coerce")
        bad = (text != "") & number.isna()
        if bad.any():
            row = int(bad.idxmax()) + 2
            raise SourceFormatError(
                name, f"column {column!r}: {text[bad.idxmax()]!r} is not a number", row=row
            )
        table[column] = number
    for column, allowed in (("kind", ("index", "driver", "internal")), ("qualifier", QUALIFIERS)):
        bad = ~table[column].isin(allowed)
        if bad.any():
            row = int(bad.idxmax()) + 2
            raise SourceFormatError(
                name,
                f"column {column!r}: {table[column][bad.idxmax()]!r} is not one of {list(allowed)}",
                row=row,
            )
    return _frame(table.to_dict("records"))


def check(facts: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """``facts`` with ``CHECK_COLUMNS``: each index fact beside parlib's figure
    (``parlib.extract.compare``)."""
    from parlib.extract.compare import check as _check

    return _check(facts, **kwargs)


def to_tables(facts: pd.DataFrame, folder: str | Path, **kwargs: object):
    """Write reviewed facts as researcher tables (``parlib.extract.tables.to_tables``)."""
    from parlib.extract.tables import to_tables as _to_tables

    return _to_tables(facts, folder, **kwargs)
