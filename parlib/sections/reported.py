"""The province report's researcher tables: the figures they give for the province, each with its source.

``parlib report --tables a.csv b.csv`` (the template's ``tables`` parameter) hands a report
researcher tables (``parlib.sources.tables``) of four kinds, told apart by their header columns
(``table_kind``):

- SIPAS and PAR INDEX tables (``read_index_table``: ``province, year, total`` [, ``rank``], and
  for the PAR INDEX the parts and fields): combined with the published record by province and
  year (``parlib.indices.sipas.sipas(tables=...)``, ``parlib.indices.par_index.par_index(tables=
  ...)``): a rank is computed only when the year then has all 63 provinces, else the rank given
  is kept. A part or field column makes a PAR INDEX table; a table with only ``province, year,
  total`` [, ``rank``] fits both indices, so its file name must say which (``sipas`` or
  ``par_index`` in it, as in the templates ``sipas_template.csv`` and ``par_index_template.csv``).
- driver tables (``read_driver_table``: ``province, year, indicator, value, unit, source``);
- period tables (``read_period_table``: ``province, start_year, end_year, indicator, ...``).

``check_tables`` reads every table with its reader: the report rule
(``parlib.reports.rules``) calls it before any kernel starts, so a bad table is refused in one
line naming the file and row. ``reported_figures`` is the report section: every figure the
tables give for the province (all their years), with its source: the row's ``source`` cell
(driver and period tables) and its ``source_url`` cell, shown as a link when it is a URL, then
the file and row. parlib.indices is imported only when tables are given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from parlib import provinces
from parlib.errors import SourceFormatError, ValidationError
from parlib.sections import words
from parlib.sections.display import Prose

_GEO = "63"
_KINDS = ("SIPAS", "PAR_INDEX", "DRIVER", "PERIOD")
"""The kinds of table a report takes, in the order the section shows them."""
_INDEXES = ("SIPAS", "PAR_INDEX")
"""The indices a researcher table can give, in the order the section shows them."""

_PAR_ONLY = {
    "appraisal", "survey", "field_direction", "field_institutions", "field_admin_procedures",
    "field_apparatus", "field_civil_service", "field_public_finance", "field_digital_government",
    "field_impact",
}  # fmt: skip
"""Columns only a PAR INDEX table has (``parlib.sources.index_tables.PARTS`` and ``FIELDS``)."""
_NAMED = {"SIPAS": ("sipas",), "PAR_INDEX": ("par_index", "parindex")}
"""Words in the file name of an index table with only province, year, total [, rank] that say its index."""
_URL = re.compile(r"https?://\S+$")

_WORDS = {
    "source": {"en": "Source: {parts} ({where}).", "vi": "Nguồn: {parts} ({where})."},
    "no_source": {"en": "Source: {where} (no source or source_url given).",
                  "vi": "Nguồn: {where} (không ghi source hoặc source_url)."},
    "row": {"en": "{file}, row {row}", "vi": "{file}, dòng {row}"},
    "not_ranked": {
        "en": "not ranked (a partial year: parlib never ranks among the few provinces given)",
        "vi": "không xếp hạng (năm chỉ có một phần số liệu: parlib không xếp hạng trong số ít tỉnh "
        "được cung cấp)",
    },
    "computed": {"en": "computed: with the published record the year has every province",
                 "vi": "tính toán: cùng số liệu công bố, năm này có đủ các tỉnh"},
    "given": {"en": "as given", "vi": "như được cung cấp"},
    "rank": {"en": "rank {rank} ({how})", "vi": "xếp thứ {rank} ({how})"},
    "no_score": {"en": "no score", "vi": "không có điểm"},
    "derived": {"en": " (from the {what})", "vi": " (tính từ {what})"},
    "not_published": {"en": "- Not as in the published record: {note}.",
                      "vi": "- Khác với số liệu công bố: {note}."},
    "about": {"en": "about ", "vi": "khoảng "},
    "at_least": {"en": "at least", "vi": "ít nhất"},
    "at_most": {"en": "at most", "vi": "nhiều nhất"},
    "target": {"en": "target", "vi": "mục tiêu"},
    "bound": {"en": "a bound, not a value", "vi": "một giới hạn, không phải giá trị"},
    "goal": {"en": "a target, not an achievement", "vi": "một mục tiêu, không phải kết quả đạt được"},
    "no_tables": {
        "en": "No researcher tables were given to this report (`parlib report --tables`, parameter "
        "`tables`): its figures are parlib's published record only.",
        "vi": "Báo cáo này không được cung cấp bảng số liệu của nhà nghiên cứu (`parlib report --tables`, "
        "tham số `tables`): các số liệu chỉ lấy từ số liệu đã công bố trong parlib.",
    },
    "no_figure": {
        "en": "The researcher tables given to this report ({files}) have no figure for {name}.",
        "vi": "Các bảng của nhà nghiên cứu cung cấp cho báo cáo này ({files}) không có số liệu của {name}.",
    },
    "combined": {"en": "; SIPAS and the PAR INDEX are combined with parlib's published record",
                 "vi": "; SIPAS và PAR INDEX được kết hợp với số liệu đã công bố trong parlib"},
    "head": {
        "en": "Figures for {name} from the researcher tables given to this report ({files}), every year they "
        "give (this report is for {year}){combined}:",
        "vi": "Số liệu của {name} từ các bảng của nhà nghiên cứu cung cấp cho báo cáo này ({files}), mọi năm "
        "có trong bảng (báo cáo này cho năm {year}){combined}:",
    },
}  # fmt: skip
_UNITS_VI = {"persons": "người", "count": "", "share": "tỷ lệ", "index (0-1)": "chỉ số 0-1"}


def _folded_name(path: Path) -> str:
    return re.sub(r"[\s\-]+", "_", path.stem.lower())


def table_kind(path: str | Path) -> str:
    """'SIPAS', 'PAR_INDEX', 'DRIVER' or 'PERIOD', from the table's header (SourceFormatError if none).

    ``start_year`` and ``end_year`` with ``indicator``: a period table; ``year`` with
    ``indicator``: a driver table; ``total`` without ``indicator``: an index table, PAR INDEX when
    it has a part or field column, else as its file name says (``sipas`` / ``par_index``).
    """
    from parlib.sources.sheets import read_sheet

    path = Path(path)
    columns = set(read_sheet(path).columns)
    if "indicator" in columns and {"start_year", "end_year"} <= columns:
        return "PERIOD"
    if "indicator" in columns and "year" in columns:
        return "DRIVER"
    if "total" in columns and "year" in columns:
        if columns & _PAR_ONLY:
            return "PAR_INDEX"
        name = _folded_name(path)
        said = [kind for kind, words in _NAMED.items() if any(word in name for word in words)]
        if len(said) == 1:
            return said[0]
        raise SourceFormatError(
            path.name,
            "a SIPAS or a PAR INDEX table? its columns (province, year, total [, rank]) fit both: put "
            "'sipas' or 'par_index' in the file name",
            row=1,
        )
    raise SourceFormatError(
        path.name,
        f"not a table the province report shows: columns {sorted(columns)}; expected a SIPAS or PAR INDEX "
        "table (province, year, total ...), a driver table (province, year, indicator, value, unit, source) "
        "or a period table (province, start_year, end_year, indicator, value, unit, source)",
        row=1,
    )


def _read(path: Path, kind: str) -> pd.DataFrame:
    """The table read by the reader of its kind (errors name the file and row)."""
    from parlib.sources.driver_tables import read_driver_table
    from parlib.sources.index_tables import read_index_table
    from parlib.sources.period_tables import read_period_table

    if kind == "DRIVER":
        return read_driver_table(path, geo=_GEO)
    if kind == "PERIOD":
        return read_period_table(path, geo=_GEO)
    return read_index_table(path, kind, geo=_GEO)


def check_tables(tables: Iterable[str | Path]) -> list[Path]:
    """The tables as absolute paths, each read by its kind's reader; raises on the first problem.

    Refused: a path that is not a file, a table of no known kind (``table_kind``), a table its
    reader refuses, the same file twice, and two SIPAS (or PAR INDEX) tables giving the same
    province, year and component (``par_index`` would refuse it in the kernel).
    """
    from parlib.errors import MissingRawFileError

    paths: list[Path] = []
    index_obs: list[pd.DataFrame] = []
    for given in tables:
        path = Path(given).expanduser().resolve()
        if not path.is_file():
            raise MissingRawFileError(f"{given}: no such file")
        if path in paths:
            raise ValidationError(f"{given}: the same table is given twice")
        kind = table_kind(path)
        obs = _read(path, kind)
        if kind in _INDEXES:
            index_obs.append(obs)
        paths.append(path)
    if index_obs:
        obs = pd.concat(index_obs, ignore_index=True)
        key = ["index", "component", "province_id", "year"]
        repeated = obs[obs.duplicated(key, keep=False)]
        if len(repeated):
            rec = repeated.iloc[0]
            same = repeated[(repeated[key] == rec[key]).all(axis=1)]
            raise ValidationError(
                f"{words.index_name(rec['index'])} {rec['year']} province {rec['province_id']} "
                f"{rec['component']} "
                f"is given by more than one table: {', '.join(same['source'])}"
            )
    return paths


# --------------------------------------------------------------------------- the section


def _link(text: str) -> str:
    """A URL as a Markdown link, other text as it is."""
    text = " ".join(str(text).split())
    if _URL.match(text):
        target = text.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[{text}]({target})"
    return text


def _sources(source: str, url: str, file: str, row: object, lang: str = "en") -> str:
    """'Source: <source cell>, <source_url> (file, row 2).' with links for URLs."""
    parts = [_link(s) for s in dict.fromkeys(x.strip() for x in (source, url)) if s]
    where = words.say(_WORDS, "row", lang, file=file, row=row) if row is not None else file
    if not parts:
        return words.say(_WORDS, "no_source", lang, where=where)
    return words.say(_WORDS, "source", lang, parts="; ".join(parts), where=where)


def _sheet(path: Path) -> pd.DataFrame:
    """The table's rows as text with ``province_id`` and ``row`` (the spreadsheet row)."""
    from parlib.sources.sheets import read_sheet

    sheet = read_sheet(path)
    out = sheet.copy()
    out["province_id"] = [provinces.normalize(p, _GEO) for p in sheet["province"]]
    out["row"] = sheet.index
    for column in ("source", "source_url"):
        if column not in out.columns:
            out[column] = ""
    return out.reset_index(drop=True)


def _cell(frame: pd.DataFrame, mask: pd.Series, column: str) -> str:
    found = frame.loc[mask, column]
    return str(found.iloc[0]) if len(found) else ""


def _row(frame: pd.DataFrame, mask: pd.Series) -> object:
    found = frame.loc[mask, "row"]
    return int(found.iloc[0]) if len(found) else None


def _value_text(value: float, unit: str, lang: str = "en") -> str:
    """A value in its unit: '81.45%', '1,850 persons', '0.62 (share)' (vi: '81,45%', '1.850 người')."""
    shown = unit if lang == "en" else _UNITS_VI.get(unit, unit)
    if unit == "percent":
        return f"{words.num(value, 2, lang)}%"
    if unit == "percent change":
        return f"{words.num(value, 2, lang, sign=True)}%"
    if unit in ("persons", "count"):
        return f"{words.num(value, 0, lang)} {shown}".strip()
    if unit in ("share", "index (0-1)"):
        return f"{words.num(value, 2, lang)} ({shown})"
    return f"{words.num(value, 2, lang)} {shown}"


def _rank_text(rec: pd.Series, lang: str = "en") -> str:
    rank, rank_of = rec["rank"], rec["rank_of"]
    if pd.isna(rank):
        return words.say(_WORDS, "not_ranked", lang)
    how = words.say(_WORDS, "computed" if rec["rank_source"] == "computed" else "given", lang)
    return words.say(_WORDS, "rank", lang, rank=words.rank_of(rank, rank_of, lang), how=how)


def _index_lines(
    index: str, paths: list[Path], pid: str, observations: pd.DataFrame, lang: str = "en"
) -> list[str]:
    """One line per year a SIPAS / PAR INDEX table gives for the province, then the conflicts."""
    from parlib.indices.par_index import par_index
    from parlib.indices.sipas import sipas

    scorer = sipas if index == "SIPAS" else par_index
    result = scorer(observations=observations, tables=paths)
    totals = result.table[(result.table["component"] == "total") & (result.table["province_id"] == pid)]
    totals = totals.set_index("year")
    lines: list[tuple[int, str]] = []
    for path in paths:
        sheet = _sheet(path)
        mine = sheet[sheet["province_id"] == pid]
        for text_year in mine["year"]:
            year = int(float(text_year))
            here = (sheet["province_id"] == pid) & (sheet["year"] == text_year)
            source = _sources("", _cell(sheet, here, "source_url"), path.name, _row(sheet, here), lang)
            if year not in totals.index:
                continue
            rec = totals.loc[year]
            value = rec["value"]
            missing = pd.isna(value)
            shown = words.say(_WORDS, "no_score", lang) if missing else _value_text(value, "percent", lang)
            if isinstance(rec["derived_from"], str):
                shown += words.say(_WORDS, "derived", lang, what=rec["derived_from"])
            named = words.index_name(index, lang)
            lines.append((year, f"- {named} {year}: {shown}, {_rank_text(rec, lang)}. {source}"))
    name = provinces.PROVINCES_63.loc[pid, "name_vi"]
    named_en = words.index_name(index)  # the notes are parlib.indices' English
    notes = sorted(
        words.say(_WORDS, "not_published", lang, note=note.replace(index, named_en, 1)).replace(
            f"province {pid} ", f"{name} "
        )
        for note in result.notes
        if f" province {pid} " in note
    )
    return [text for _, text in sorted(lines, key=lambda item: item[0])] + notes


def _qualifier(text: object) -> str:
    """A driver row's qualifier ('At least' -> 'at_least'; blank or no column -> 'exact')."""
    return re.sub(r"[\s\-]+", "_", str(text or "").strip().lower()) or "exact"


_NOT_VALUES = {
    "at_least": ("at_least", "bound"),
    "at_most": ("at_most", "bound"),
    "target": ("target", "goal"),
}
"""Driver-table qualifiers whose rows are shown as written, not read as values (``read_driver_table``)."""


def _driver_lines(path: Path, pid: str, lang: str = "en") -> list[tuple[int, str]]:
    """A driver table's yearly values for the province, its bounds and targets as written, and its
    period figures (qualifier ``period``, read by ``read_period_table``)."""
    from parlib.sources.driver_tables import _indicator_name

    obs = _read(path, "DRIVER")
    obs = obs[obs["province_id"] == pid]
    sheet = _sheet(path)
    sheet["indicator_id"] = [_indicator_name(i) for i in sheet["indicator"]]
    sheet["qualifier_id"] = [_qualifier(q) for q in sheet.get("qualifier", pd.Series("", index=sheet.index))]
    mine = sheet[sheet["province_id"] == pid]
    out = []
    valued = mine[~mine["qualifier_id"].isin([*_NOT_VALUES, "period"])]
    for rec in obs.itertuples(index=False):
        here = (valued["year"] == str(rec.year)) & (valued["indicator_id"] == rec.component)
        cell = str(rec.source).split(" | ", 1)[-1]
        source = _sources(cell, _cell(valued, here, "source_url"), path.name, _row(valued, here), lang)
        about = words.say(_WORDS, "about", lang) if _cell(valued, here, "qualifier_id") == "approx" else ""
        text = f"- {rec.component} {rec.year}: {about}{_value_text(rec.value, rec.unit, lang)}. {source}"
        out.append((int(rec.year), text))
    for rec in mine[mine["qualifier_id"].isin(list(_NOT_VALUES))].to_dict("records"):
        if not rec["value"]:
            continue
        word, why = (words.say(_WORDS, key, lang) for key in _NOT_VALUES[rec["qualifier_id"]])
        source = _sources(rec["source"], rec["source_url"], path.name, rec["row"], lang)
        text = f"- {rec['indicator_id']} {rec['year']}: {word} {rec['value']} {rec['unit']} ({why}). {source}"
        out.append((int(float(rec["year"])), text))
    if (sheet["qualifier_id"] == "period").any():
        out += _period_lines(path, pid, lang)
    return out


def _period_lines(path: Path, pid: str, lang: str = "en") -> list[tuple[int, str]]:
    """The province's figures of a period table (or of a driver table's period rows)."""
    table = _read(path, "PERIOD")
    table = table[table["province_id"] == pid]
    sheet = _sheet(path).set_index("row")
    out = []
    for rec in table.itertuples(index=False):
        url = str(sheet.loc[rec.source_row, "source_url"]) if rec.source_row in sheet.index else ""
        source = _sources(rec.source, url, path.name, rec.source_row, lang)
        period = f"{rec.start_year}-{rec.end_year}"
        value = _value_text(rec.value, rec.unit, lang)
        out.append((int(rec.end_year), f"- {rec.indicator} {period}: {value}. {source}"))
    return out


def reported_figures(
    province: object, year: int, tables: Iterable[str | Path] | None = None, lang: str = "en"
) -> Prose:
    """The figures the researcher ``tables`` give for the province, each with its source.

    SIPAS and PAR INDEX combined with the published record (rank of 63 computed or as given),
    then driver and period figures, each list by year. Without tables: one line saying so.
    """
    words.check_lang(lang)
    name = provinces.PROVINCES_63.loc[provinces.normalize(province, _GEO), "name_vi"]
    pid = provinces.normalize(province, _GEO)
    paths = [Path(t) for t in (tables or [])]
    if not paths:
        return Prose(words.say(_WORDS, "no_tables", lang))
    kinds = {path: table_kind(path) for path in paths}
    files = ", ".join(f"`{p.name}`" for p in paths)
    lines: list[str] = []
    observations = None
    for index in _INDEXES:
        chosen = [p for p, k in kinds.items() if k == index]
        if chosen:
            if observations is None:
                from parlib.panel import load_observations

                observations = load_observations(rebuild=False)
            lines += _index_lines(index, chosen, pid, observations, lang)
    others: list[tuple[int, str]] = []
    for path, kind in kinds.items():
        if kind == "DRIVER":
            others += _driver_lines(path, pid, lang)
        elif kind == "PERIOD":
            others += _period_lines(path, pid, lang)
    lines += [text for _, text in sorted(others, key=lambda item: item[0])]
    if not lines:
        return Prose(words.say(_WORDS, "no_figure", lang, files=files, name=name))
    combined = words.say(_WORDS, "combined", lang) if set(kinds.values()) & set(_INDEXES) else ""
    head = words.say(_WORDS, "head", lang, name=name, files=files, year=int(year), combined=combined)
    return Prose("\n".join([head, "", *lines]))
