"""A reviewed fact table written into parlib's researcher tables (``to_tables``), which the rest of
parlib reads as they are: ``parlib extract ... --to-tables DIR``.

Why: a researcher reviews the fact table (``parlib.extract.vocab.FACT_COLUMNS``); retyping its
figures into the templates would be a second, unchecked copy. ``to_tables`` writes, in ``folder``:

- ``drivers.csv``, a driver table (``parlib/data/templates/driver_template.csv``) holding every
  driver fact: yearly facts (qualifier ``exact``, ``approx``, ``at_least``, ``at_most``) and
  period facts (qualifier ``period``, with ``period_start``/``period_end``, ``year`` =
  ``period_end``). Period facts go into the SAME table, not into a ``period_drivers.csv``: the
  period readers read a driver table's period rows (``parlib.sources.period_tables``), so one
  reviewed file feeds both designs: ``read_driver_table``/``merge_drivers`` (yearly values; bound
  rows left out unless ``bounds="as_value"``, period rows left out) and
  ``read_period_table``/``period_drivers`` (the long difference), without retyping. ``source``
  is the article's URL (``urls[file]``) when known, else the file name; ``source_url`` the URL;
  ``note`` is ``extracted: <quote>`` on one line.
- ``par_index.csv`` and ``sipas.csv``, index tables in the templates' format (``province, year,
  total, rank`` + ``source_url``, ``note``) for the ``total`` facts of PAR INDEX and SIPAS, which
  ``parlib.indices.par_index.par_index(tables=[...])`` and ``parlib.indices.sipas.sipas(tables=[...])``
  combine with the published record by province and year. ``rank`` is ``59/63`` when the
  fact gives ``rank_of``; ``note`` is ``extracted from <source>: <quote>``.

Only tables with rows are written (an older file of a table without rows is left as it is, and
said). Every table is read back with its reader (``read_driver_table``, ``read_period_table``,
``read_index_table``) before anything is written, and then written atomically
(``parlib.atomic``): what ``to_tables`` writes, parlib reads; a table the reader refuses is an
error naming the fact row, and nothing is written.

Facts left out, each counted in ``result.notes`` with its reason (``result.left_out`` lists them):
kind ``internal`` (never the province's figure); a blank ``province_id`` (never guessed);
qualifier ``target`` (a target is never an achievement); PAPI, PCI and DTI facts (parlib reads
their full published tables; ``parlib extract --check`` compares a quoted figure with them); an
index component other than ``total``; an index figure that is a bound or a period; a fact with
no value (a driver) or neither value nor rank (an index); a repeat.

Repeats: the researcher reviewed the table, so the same figure twice (same province, year or
period, and indicator or index) is most likely a second article repeating it. When the repeats
agree (same value, unit and qualifier; for an index, value, rank and rank_of equal where both
give them) the first is written (an index row takes a value or rank only the repeat gives) and
the others are left out, each noted; when they differ, ``to_tables`` refuses in one line naming
both rows: which figure is right is the researcher's call, not parlib's.

Numbers are written plainly so that every reader reads them back as they were: dot decimal, no
thousands separator, whole numbers without decimals (``1876``, ``13.13``); three decimals get a
fourth zero (``57.7880``) because ``57.788`` is ambiguous to parlib's readers ("Reading numbers",
``parlib.sources.table_units``).

Bad facts are refused (``ValidationError``, one line naming the fact table's row as in a
spreadsheet, header = row 1): a missing column, an unknown kind, qualifier (with a suggestion) or
index, an unknown ``province_id``, an unreadable number or year, a period fact without its years,
running backwards or whose ``year`` is not ``period_end``, period years on another fact, a driver
without a unit, conflicting repeats.
"""

from __future__ import annotations

import difflib
import math
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from parlib import atomic
from parlib.errors import ParlibError, ValidationError
from parlib.extract.vocab import DRIVERS, INDICES, KINDS, QUALIFIERS
from parlib.provinces import provinces
from parlib.sources.driver_tables import read_driver_table
from parlib.sources.index_tables import read_index_table
from parlib.sources.period_tables import read_period_table

DRIVER_FILE = "drivers.csv"
INDEX_FILES: dict[str, str] = {"PAR_INDEX": "par_index.csv", "SIPAS": "sipas.csv"}
"""The index tables written, by index (PAR INDEX and SIPAS: the indices parlib reads researcher tables of)."""
NO_TABLE = "(no table)"
"""``table`` of the facts no table takes (internal facts, PAPI, PCI, DTI)."""
DRIVER_TABLE_COLUMNS = [
    "province", "year", "indicator", "value", "unit", "qualifier", "period_start", "period_end",
    "source", "source_url", "note",
]  # fmt: skip
"""Columns of ``drivers.csv`` (the driver template's, with ``source_url``)."""
INDEX_TABLE_COLUMNS = ["province", "year", "total", "rank", "source_url", "note"]
"""Columns of ``par_index.csv`` and ``sipas.csv``."""
RESULT_COLUMNS = ["table", "written", "left_out"]
"""Columns of ``ToTablesResult.table``: per table, rows written and facts left out."""
LEFT_OUT_COLUMNS = ["row", "file", "kind", "index", "province_id", "year", "table", "reason"]
"""Columns of ``ToTablesResult.left_out``: one line per fact left out (``row`` as in the spreadsheet)."""
USED_COLUMNS = [
    "file", "province_id", "kind", "index", "component", "year", "value", "unit", "rank", "rank_of",
    "qualifier", "period_start", "period_end", "quote",
]  # fmt: skip
"""The fact columns ``to_tables`` needs (of ``FACT_COLUMNS``)."""

INTERNAL = "kind internal: a department's, district's or commune's figure, or the province's own ranking"
NO_PROVINCE = "blank province_id: the text does not say which province (never guessed)"
NO_YEAR = "blank year: the text does not say when (an undated 'so far'); write the year in after review"
TARGET = "qualifier target: a target is never an achievement"
NO_VALUE = "no value: a driver row needs its figure"
NO_INDEX_VALUE = "neither value nor rank"
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


@dataclass(repr=False)
class ToTablesResult:
    """What ``to_tables`` wrote: ``paths`` (the files), ``notes`` (what was left out and why, one
    line each), ``table`` (``RESULT_COLUMNS``: per table, rows written and facts left out) and
    ``left_out`` (``LEFT_OUT_COLUMNS``, one row per fact left out)."""

    folder: Path
    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=RESULT_COLUMNS))
    left_out: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LEFT_OUT_COLUMNS))

    def summary(self) -> str:
        """A few lines for a human: facts in, rows per table written, and the notes."""
        written, left = int(self.table["written"].sum()), int(self.table["left_out"].sum())
        facts, rows = _count(written + left, "fact"), _count(written, "row")
        lines = [f"{facts}: {rows} written to {self.folder}, {left} left out"]
        for rec in self.table.itertuples(index=False):
            if rec.written or rec.left_out:
                lines.append(
                    f"  {rec.table}: {_count(rec.written, 'row')} written, {rec.left_out} facts left out"
                )
        lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ToTablesResult {[p.name for p in self.paths]}, {len(self.notes)} notes>"


class _Fact:
    """One fact row being read: its spreadsheet row and cells, and the table label for errors."""

    def __init__(self, row: int, cells: dict[str, object], label: str) -> None:
        self.row, self.cells, self.label = row, cells, label

    def fail(self, message: str) -> ValidationError:
        return ValidationError(f"{self.label}, row {self.row}: {message}")

    def text(self, column: str) -> str:
        """The cell as stripped one-line text ('' for blank or NaN; 2022.0 -> '2022')."""
        value = self.cells.get(column)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            return ""
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        return " ".join(str(value).split())

    def number(self, column: str) -> float | None:
        """A dot-decimal number, or None when blank; refused otherwise ('1,876' is not one)."""
        value = self.cells.get(column)
        if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            return None if math.isnan(float(value)) else float(value)
        text = self.text(column)
        if not text:
            return None
        if not _NUMBER_RE.match(text):
            raise self.fail(
                f"{column} {text!r} is not a dot-decimal number (a fact table writes 1876 or 13.13, no "
                "thousands separator)"
            )
        return float(text)

    def whole(self, column: str, required: bool = False) -> int | None:
        """A whole number (a year, a rank), or None when blank and not ``required``."""
        number = self.number(column)
        if number is None:
            if required:
                raise self.fail(f"blank {column}")
            return None
        if not number.is_integer():
            raise self.fail(f"{column} {number:g} is not a whole number")
        return int(number)


def number_text(value: float) -> str:
    """A number as parlib's readers read it back unambiguously: '1876', '13.13', '57.7880', '-12.5'."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = np.format_float_positional(float(value), trim="-")  # shortest round-trip digits, never 1e-05
    if re.fullmatch(r"-?\d+\.\d{3}", text):  # '57.788' fits two readings: 57.7880 fits one
        text += "0"
    return text


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _qualifier(fact: _Fact) -> str:
    word = re.sub(r"[\s\-]+", "_", fact.text("qualifier").lower()) or "exact"
    if word not in QUALIFIERS:
        close = difflib.get_close_matches(word, QUALIFIERS, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise fact.fail(
            f"unknown qualifier {fact.text('qualifier')!r}{hint}; the qualifiers are {list(QUALIFIERS)}"
        )
    return word


def _province(fact: _Fact, names: pd.Series) -> str:
    """The GSO code of the fact ('20'; a number read from a CSV, 4 or 4.0, is '04')."""
    pid = fact.text("province_id")
    if pid.isdigit() and len(pid) < 2:
        pid = pid.zfill(2)
    if pid not in names.index:
        raise fact.fail(f"province_id {pid!r} is not a GSO code of the 63 provinces (e.g. '20' for Lạng Sơn)")
    return pid


def _source(fact: _Fact, urls: Mapping[str, str]) -> tuple[str, str]:
    """(source, source_url): the article's URL when ``urls`` knows the file, else the file name."""
    file = fact.text("file")
    if not file:
        raise fact.fail("blank file: a written row must say where its figure comes from")
    url = urls.get(file) or urls.get(Path(file).name) or ""
    return (url or Path(file).name), url


def _period(fact: _Fact, qualifier: str) -> tuple[int, int | None, int | None]:
    """(year, period_start, period_end), checked: a period fact has both years and year = period_end."""
    start, end = fact.whole("period_start"), fact.whole("period_end")
    if qualifier != "period":
        if start is not None or end is not None:
            raise fact.fail(
                f"period_start/period_end on a fact with qualifier {qualifier!r}: only a period fact "
                "has a period"
            )
        return fact.whole("year", required=True), None, None
    if start is None or end is None:
        raise fact.fail("a period fact needs period_start and period_end (the period's years)")
    if start > end:
        raise fact.fail(f"period_start {start} is after period_end {end}")
    year = fact.whole("year")
    if year is not None and year != end:
        raise fact.fail(
            f"year {year} of a period fact is not its period_end {end} (year = the period's last year)"
        )
    return end, start, end


def _same(a: float | None, b: float | None) -> bool:
    return a is None or b is None or math.isclose(a, b, rel_tol=1e-12, abs_tol=0.0)


def _left_out_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=LEFT_OUT_COLUMNS).astype({"row": "int64"})


def _row_text(rows: list[int]) -> str:
    more = f", ... ({len(rows)} in all)" if len(rows) > 10 else ""
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(map(str, rows[:10])) + more


class _Sorter:
    """Sends each fact to its table (``drivers``, ``indices``) or to ``left`` with its reason,
    checking it and merging repeats (module docstring)."""

    def __init__(self, label: str, urls: Mapping[str, str]) -> None:
        self.label, self.urls = label, urls
        self.names: pd.Series = provinces("63")["name_vi"]
        self.left: list[dict[str, object]] = []
        self.repeats: list[str] = []
        self.drivers: dict[tuple, dict[str, object]] = {}
        self.indices: dict[str, dict[tuple, dict[str, object]]] = {index: {} for index in INDEX_FILES}

    def leave(self, fact: _Fact, kind: str, table: str, reason: str) -> None:
        self.left.append(
            {
                "row": fact.row,
                "file": fact.text("file"),
                "kind": kind,
                "index": fact.text("index"),
                "province_id": fact.text("province_id"),
                "year": fact.text("year"),
                "table": table,
                "reason": reason,
            }
        )

    def add(self, fact: _Fact) -> None:
        kind = fact.text("kind").lower()
        if kind not in KINDS:
            raise fact.fail(f"unknown kind {fact.text('kind')!r}; the kinds are {list(KINDS)}")
        index = fact.text("index")
        if kind == "index" and index not in INDICES:
            raise fact.fail(f"unknown index {index!r}; the indices are {list(INDICES)}")
        table = {"driver": DRIVER_FILE, "index": INDEX_FILES.get(index, NO_TABLE)}.get(kind, NO_TABLE)
        if kind == "internal":
            return self.leave(fact, kind, table, INTERNAL)
        if not fact.text("province_id"):
            return self.leave(fact, kind, table, NO_PROVINCE)
        if not fact.text("year") and not fact.text("period_end"):
            return self.leave(fact, kind, table, NO_YEAR)
        qualifier = _qualifier(fact)
        if qualifier == "target":
            return self.leave(fact, kind, table, TARGET)
        if kind == "index" and index not in INDEX_FILES:
            reason = (
                f"{index}: parlib reads the full published {index} tables, so a figure quoted in a "
                "report is not written (parlib extract --check compares it with them)"
            )
            return self.leave(fact, kind, table, reason)
        if kind == "index":
            return self.add_index(fact, index, qualifier)
        return self.add_driver(fact, index, qualifier)

    def add_index(self, fact: _Fact, index: str, qualifier: str) -> None:
        table = INDEX_FILES[index]
        component = fact.text("component").lower()
        if component != "total":
            reason = f"{index} component {component or '(blank)'!r}: only totals are written"
            return self.leave(fact, "index", table, reason)
        if qualifier not in ("exact", "approx"):
            reason = (
                f"{index} figure with qualifier {qualifier}: a bound or a period is not the index's value"
            )
            return self.leave(fact, "index", table, reason)
        pid = _province(fact, self.names)
        year = fact.whole("year", required=True)
        value, rank, rank_of = fact.number("value"), fact.whole("rank"), fact.whole("rank_of")
        if value is None and rank is None:
            return self.leave(fact, "index", table, f"{index}: {NO_INDEX_VALUE}")
        new = {"row": fact.row, "file": fact.text("file"), "value": value, "rank": rank, "rank_of": rank_of}
        old = self.indices[index].get((pid, year))
        if old is not None:
            what = f"{index} {year} of {self.names[pid]} ({pid})"
            if not all(_same(old[k], new[k]) for k in ("value", "rank", "rank_of")):
                raise self.conflict(old, new, what, _index_text)
            for k in ("value", "rank", "rank_of"):  # a value or rank only the repeat gives
                old[k] = new[k] if old[k] is None else old[k]
            return self.repeat(fact, "index", table, old, what)
        source, url = _source(fact, self.urls)
        approx = " (approx)" if qualifier == "approx" else ""
        self.indices[index][(pid, year)] = {
            **new,
            "province_id": pid,
            "year": year,
            "source_url": url,
            "note": _one_line(f"extracted from {source}{approx}: {fact.text('quote')}"),
        }

    def add_driver(self, fact: _Fact, indicator: str, qualifier: str) -> None:
        unit = fact.text("unit") or str(DRIVERS.get(indicator, {}).get("unit", ""))
        if not unit:
            raise fact.fail(
                f"driver {indicator!r} has no unit (a DRIVERS indicator of parlib.extract.vocab has one)"
            )
        pid = _province(fact, self.names)
        year, start, end = _period(fact, qualifier)
        value = fact.number("value")
        if value is None:
            return self.leave(fact, "driver", DRIVER_FILE, NO_VALUE)
        new = {
            "row": fact.row,
            "file": fact.text("file"),
            "value": value,
            "unit": unit,
            "qualifier": qualifier,
        }
        key = (pid, indicator, year if start is None else (start, end))
        old = self.drivers.get(key)
        if old is not None:
            what = f"{indicator} of {self.names[pid]} ({pid}) {year if start is None else f'{start}-{end}'}"
            same = (old["unit"], old["qualifier"]) == (unit, qualifier)
            if not (same and math.isclose(old["value"], value, rel_tol=1e-12)):
                raise self.conflict(old, new, what, _driver_text)
            return self.repeat(fact, "driver", DRIVER_FILE, old, what)
        source, url = _source(fact, self.urls)
        self.drivers[key] = {
            **new,
            "province_id": pid,
            "province": self.names[pid],
            "year": year,
            "indicator": indicator,
            "period_start": start,
            "period_end": end,
            "source": source,
            "source_url": url,
            "note": _one_line(f"extracted: {fact.text('quote')}"),
        }

    def repeat(self, fact: _Fact, kind: str, table: str, old: Mapping[str, object], what: str) -> None:
        self.leave(fact, kind, table, f"repeats row {old['row']} (the same figure): written once")
        self.repeats.append(f"{what}: row {fact.row} repeats row {old['row']}")

    def conflict(
        self,
        old: Mapping[str, object],
        new: Mapping[str, object],
        what: str,
        show: Callable[[Mapping[str, object]], str],
    ) -> ValidationError:
        """The one-line refusal of two facts giving one figure differently, naming both rows."""
        return ValidationError(
            f"{self.label}, rows {old['row']} and {new['row']}: {what} is {show(old)} in row {old['row']} "
            f"({old['file']}) but {show(new)} in row {new['row']} ({new['file']}): keep the right one"
        )


def to_tables(
    facts: pd.DataFrame, folder: str | Path, urls: Mapping[str, str] | None = None
) -> ToTablesResult:
    """Write a reviewed fact table into ``folder`` as ``drivers.csv``, ``par_index.csv`` and
    ``sipas.csv`` (those that have rows), each read back by its parlib reader first.

    ``facts`` has the columns of ``parlib.extract.vocab.FACT_COLUMNS`` (values as dot-decimal text
    or numbers; ``facts.attrs["file"]`` names it in errors); ``urls`` maps a fact's ``file`` to the
    URL of its article (the source cited). See the module docstring for what goes where, what is
    left out and what is refused.
    """
    label = str(facts.attrs.get("file", "fact table"))
    missing = [c for c in USED_COLUMNS if c not in facts.columns]
    if missing:
        raise ValidationError(
            f"{label}: missing column(s) {missing}: not a fact table (parlib.extract.vocab)"
        )
    folder = Path(folder)
    sorter = _Sorter(label, dict(urls or {}))
    for position, cells in enumerate(facts[USED_COLUMNS].to_dict("records")):
        sorter.add(_Fact(position + 2, cells, label))  # rows as in the spreadsheet: the header is row 1

    frames: dict[str, tuple[pd.DataFrame, list[int]]] = {}
    if sorter.drivers:
        frames[DRIVER_FILE] = _driver_frame(list(sorter.drivers.values()))
    for index, rows in sorter.indices.items():
        if rows:
            frames[INDEX_FILES[index]] = _index_frame(list(rows.values()), sorter.names)
    texts = {name: frame.to_csv(index=False, lineterminator="\n") for name, (frame, _) in frames.items()}
    _read_back(texts, {name: rows for name, (_, rows) in frames.items()}, label)

    result = ToTablesResult(folder)
    result.paths = [atomic.write_text(folder / name, text) for name, text in texts.items()]
    result.left_out = _left_out_frame(sorter.left)
    result.notes = _notes(result.left_out, sorter.repeats)
    for name in [DRIVER_FILE, *INDEX_FILES.values()]:
        if name not in texts and (folder / name).exists():
            result.notes.append(
                f"{name}: no rows from these facts; the {name} already in {folder} (an earlier run?) "
                "is left as it is"
            )
    tables = [DRIVER_FILE, *INDEX_FILES.values(), NO_TABLE]
    result.table = pd.DataFrame(
        {
            "table": tables,
            "written": [len(frames[t][0]) if t in frames else 0 for t in tables],
            "left_out": [int((result.left_out["table"] == t).sum()) for t in tables],
        }
    )[RESULT_COLUMNS]
    return result


def _index_text(rec: Mapping[str, object]) -> str:
    parts = [] if rec["value"] is None else [f"{rec['value']:g}"]
    if rec["rank"] is not None:
        parts.append(f"rank {rec['rank']}" + ("" if rec["rank_of"] is None else f"/{rec['rank_of']}"))
    return ", ".join(parts)


def _driver_text(rec: Mapping[str, object]) -> str:
    qualifier = "" if rec["qualifier"] == "exact" else f" ({rec['qualifier']})"
    return f"{rec['value']:g} {rec['unit']}{qualifier}"


def _driver_frame(rows: list[dict[str, object]]) -> tuple[pd.DataFrame, list[int]]:
    """``drivers.csv`` as text cells (``DRIVER_TABLE_COLUMNS``) and the fact row of each line."""
    rows = sorted(rows, key=lambda r: (r["indicator"], r["province_id"], r["year"], r["period_start"] or 0))
    frame = pd.DataFrame(
        {
            "province": [r["province"] for r in rows],
            "year": [str(r["year"]) for r in rows],
            "indicator": [r["indicator"] for r in rows],
            "value": [number_text(r["value"]) for r in rows],
            "unit": [r["unit"] for r in rows],
            "qualifier": [r["qualifier"] for r in rows],
            "period_start": ["" if r["period_start"] is None else str(r["period_start"]) for r in rows],
            "period_end": ["" if r["period_end"] is None else str(r["period_end"]) for r in rows],
            "source": [r["source"] for r in rows],
            "source_url": [r["source_url"] for r in rows],
            "note": [r["note"] for r in rows],
        },
        dtype=object,
    )[DRIVER_TABLE_COLUMNS]
    return frame, [int(r["row"]) for r in rows]


def _index_frame(rows: list[dict[str, object]], names: pd.Series) -> tuple[pd.DataFrame, list[int]]:
    """An index table as text cells (``INDEX_TABLE_COLUMNS``) and the fact row of each line."""
    rows = sorted(rows, key=lambda r: (r["year"], r["province_id"]))

    def rank(r: Mapping[str, object]) -> str:
        if r["rank"] is None:
            return ""
        return f"{r['rank']}" if r["rank_of"] is None else f"{r['rank']}/{r['rank_of']}"

    frame = pd.DataFrame(
        {
            "province": [names[r["province_id"]] for r in rows],
            "year": [str(r["year"]) for r in rows],
            "total": ["" if r["value"] is None else number_text(r["value"]) for r in rows],
            "rank": [rank(r) for r in rows],
            "source_url": [r["source_url"] for r in rows],
            "note": [r["note"] for r in rows],
        },
        dtype=object,
    )[INDEX_TABLE_COLUMNS]
    return frame, [int(r["row"]) for r in rows]


def _read_back(texts: dict[str, str], fact_rows: dict[str, list[int]], label: str) -> None:
    """Read every table to write with its parlib reader (in a private temporary folder); a refusal
    is re-raised naming the fact row the refused line came from, before anything is written."""
    readers = {
        DRIVER_FILE: lambda p: _read_drivers(p),
        **{name: (lambda p, i=index: read_index_table(p, i)) for index, name in INDEX_FILES.items()},
    }
    with tempfile.TemporaryDirectory(prefix="parlib-to-tables-") as tmp:
        for name, text in texts.items():
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            try:
                readers[name](path)
            except ParlibError as exc:
                message = str(exc)
                found = re.search(rf"{re.escape(name)}, rows? (\d+)", message)
                where = ""
                if found and 2 <= int(found.group(1)) < len(fact_rows[name]) + 2:
                    where = f" (that line is {label} row {fact_rows[name][int(found.group(1)) - 2]})"
                raise ValidationError(f"{message}{where}: nothing written") from exc


def _read_drivers(path: Path) -> None:
    """A driver table is read as both designs read it: yearly rows, and period rows when it has any."""
    read_driver_table(path)
    if (pd.read_csv(path, dtype=str, keep_default_na=False)["qualifier"] == "period").any():
        read_period_table(path)


def _notes(left_out: pd.DataFrame, repeats: list[str]) -> list[str]:
    """One line per reason a fact was left out (with the count and rows), then the repeats."""
    notes = []
    for reason, group in left_out.groupby("reason", sort=False):
        if str(reason).startswith("repeats row"):
            continue
        rows = _row_text(group["row"].tolist())
        notes.append(f"{_count(len(group), 'fact')} left out ({reason}): {rows}")
    if repeats:
        notes.append(f"{_count(len(repeats), 'repeated fact')} written once: " + "; ".join(repeats))
    return notes
