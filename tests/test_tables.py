"""parlib.sources.tables: researcher tables and survey answers in CSV and XLSX, good and bad."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from table_helpers import Fmt, error, write, write_xlsx

from parlib.errors import ParlibError, SourceFormatError, UnknownProvinceError, ValidationError
from parlib.sources import OBS_COLUMNS, tables
from parlib.sources.period_tables import read_period_table

FORMATS = ["csv", "xlsx"]
PAR_HEADER = ["province", "year", "total", "appraisal", "survey"]
FIELDS = list(tables.FIELDS)


# --------------------------------------------------------------------------- good input


@pytest.mark.parametrize("fmt", FORMATS)
def test_index_table_observations(tmp_path: Path, fmt: str) -> None:
    rows = [
        ["Lạng Sơn", 2022, 81.45, 55.0, 26.45],
        ["TP HCM", 2022, "87,5", "", ""],  # decimal comma; parts optional
        ["Da Nang", 2012, "", 50.0, 30.0],  # parts without a total
    ]
    path = write(tmp_path / f"par.{fmt}", [*PAR_HEADER, "rank"], [[*r, ""] for r in rows])
    before = sorted(tmp_path.iterdir())
    obs = tables.read_index_table(path, "PAR_INDEX")
    assert sorted(tmp_path.iterdir()) == before  # reading writes nothing
    assert list(obs.columns) == OBS_COLUMNS
    assert set(obs["source"]) == {path.name}
    values = obs.set_index(["component", "province_id", "year"])["value"]
    assert values[("total", "20", 2022)] == 81.45
    assert values[("total", "79", 2022)] == 87.5
    assert values[("appraisal", "48", 2012)] == 50.0
    assert ("total", "48", 2012) not in values.index  # derived later by par_index(), not here
    units = obs.set_index("component")["unit"].to_dict()
    assert units == {"total": "percent", "appraisal": "points (0-100)", "survey": "points (0-100)"}
    assert set(obs.loc[obs["year"] == 2022, "method_era"]) == {"2022-"}
    assert set(obs.loc[obs["year"] == 2012, "method_era"]) == {"2012-2016"}
    assert all(
        tables.UNITS[u][0] <= v <= tables.UNITS[u][1] for u, v in zip(obs["unit"], obs["value"], strict=True)
    )


def test_csv_and_xlsx_read_the_same(tmp_path: Path) -> None:
    header = ["province", "year", "total", "rank", *FIELDS]
    rows = [["Quảng Ninh", 2023, 92.18, "1/63", *[11.5225] * 8], ["Bac Kan", 2023, 80.0, 60, *[""] * 8]]
    a = tables.read_index_table(write(tmp_path / "t.csv", header, rows), "PAR_INDEX")
    b = tables.read_index_table(write(tmp_path / "t.xlsx", header, rows), "PAR_INDEX")
    pd.testing.assert_frame_equal(a.drop(columns="source"), b.drop(columns="source"))
    ranks = a[a["component"] == "rank"].set_index("province_id")["value"]
    assert ranks.to_dict() == {"06": 60.0, "22": 1.0}


def test_headers_ignore_case_and_spacing_and_blank_rows_keep_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "Province,Year,Total,Note\nHa Noi,2022,89.58,\n\n,,,\nHai Phong,2022,120,\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as exc:
        tables.read_index_table(path, "PAR_INDEX")
    assert "outside 0-100" in error(exc, "t.csv", 5)  # rows 3 and 4 are blank


def test_sipas_table(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", ["province", "year", "total", "rank"], [["Quang Ninh", 2022, 87.59, 1]])
    obs = tables.read_index_table(path, "SIPAS")
    assert set(obs["index"]) == {"SIPAS"} and set(obs["method_era"]) == {"2022-"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_survey_answers(tmp_path: Path, fmt: str) -> None:
    header = ["Province", "Year", "Respondent ID", "element", "criterion", "answer"]
    rows = [
        ["Lạng Sơn", 2022, "R1", "access", "a1", 5],
        ["Lạng Sơn", 2022, "R1", "access", "a2", "Có"],
        ["Lạng Sơn", 2022, "R1", "staff", "s1", "4.0"],
        ["Lạng Sơn", 2022, "R2", "access", "a1", 3],
        ["Lạng Sơn", 2022, "R2", "access", "a2", "KHONG"],
        ["Lạng Sơn", 2022, "R2", "staff", "s1", ""],  # not answered: left out
        ["Lang Son", 2022, 7, "access", "a2", True if fmt == "xlsx" else "yes"],
    ]
    answers = tables.read_survey_answers(write(tmp_path / f"a.{fmt}", header, rows))
    assert list(answers.columns) == tables.ANSWER_COLUMNS
    assert len(answers) == 6
    assert answers["satisfied"].tolist() == [True, True, True, False, False, True]
    assert answers["scale"].tolist() == ["1-5", "yes/no", "1-5", "1-5", "yes/no", "yes/no"]
    assert answers["answer_value"].tolist() == [5.0, 1.0, 4.0, 3.0, 0.0, 1.0]
    assert answers["respondent_id"].tolist()[-1] == "7"
    assert answers["source_row"].tolist() == [2, 3, 4, 5, 6, 8]
    assert set(answers["province_id"]) == {"20"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5", ("1-5", 5.0, True)),
        ("4", ("1-5", 4.0, True)),
        ("3", ("1-5", 3.0, False)),
        ("1", ("1-5", 1.0, False)),  # 1 is a scale point, not "yes"
        ("có", ("yes/no", 1.0, True)),
        ("Không", ("yes/no", 0.0, False)),
        ("TRUE", ("yes/no", 1.0, True)),
        ("n", ("yes/no", 0.0, False)),
    ],
)
def test_parse_answer(text: str, expected: tuple) -> None:
    assert tables.parse_answer(text) == expected


def test_parse_answer_blank() -> None:
    scale, value, satisfied = tables.parse_answer("")
    assert scale == "" and math.isnan(value) and not satisfied


# --------------------------------------------------------------------------- numbers by their format


def test_percent_formatted_cells_are_the_percent_they_show(tmp_path: Path) -> None:
    rows = [
        ["Lạng Sơn", 2022, Fmt(0.8145, "0.00%"), 55.0, 26.45],  # Excel shows 81.45%
        ["Cao Bằng", 2022, Fmt(0.7, "0%"), "", ""],
        ["Hà Nội", 2022, Fmt(89.58, '0.00"%"'), "", ""],  # a literal % sign: the number as it is
        ["Bắc Kạn", 2022, "80,450", "", ""],  # text: 80450 is not a percent
    ]
    obs = tables.read_index_table(write_xlsx(tmp_path / "par.xlsx", PAR_HEADER, rows), "PAR_INDEX")
    totals = obs[obs["component"] == "total"].set_index("province_id")["value"].to_dict()
    assert totals == {"20": 81.45, "04": 70.0, "01": 89.58, "06": 80.45}
    sipas = [["Quảng Ninh", 2022, Fmt(0.8759, "0.00%")]]
    obs = tables.read_index_table(
        write_xlsx(tmp_path / "s.xlsx", ["province", "year", "total"], sipas), "SIPAS"
    )
    assert obs["value"].tolist() == [87.59]


def test_percent_formatted_cells_that_cannot_be_read(tmp_path: Path) -> None:
    typed = [["Lạng Sơn", 2022, Fmt(81.45, "0.00%"), "", ""]]  # 81.45 typed into a % cell: 8145%
    with pytest.raises(ValidationError) as exc:
        tables.read_index_table(write_xlsx(tmp_path / "typed.xlsx", PAR_HEADER, typed), "PAR_INDEX")
    assert "total 8145 outside 0-100 (percent)" in error(exc, "typed.xlsx", 2)
    part = [["Lạng Sơn", 2022, 81.45, Fmt(0.55, "0%"), 26.45]]
    with pytest.raises(SourceFormatError) as exc:
        tables.read_index_table(write_xlsx(tmp_path / "part.xlsx", PAR_HEADER, part), "PAR_INDEX")
    assert "the cell shows 55% (a percent format), but 'points (0-100)' is not a percentage" in error(
        exc, "part.xlsx", 2
    )
    rank = [["Lạng Sơn", 2022, 81.45, Fmt(0.05, "0%")]]
    with pytest.raises(SourceFormatError) as exc:
        path = write_xlsx(tmp_path / "rank.xlsx", ["province", "year", "total", "rank"], rank)
        tables.read_index_table(path, "PAR_INDEX")
    assert "'rank' is not a percentage" in error(exc, "rank.xlsx", 2)


def test_a_formula_without_a_saved_value_is_refused(tmp_path: Path) -> None:
    rows = [["Lạng Sơn", 2022, 81.45, 55.0, 26.45], ["Cao Bằng", 2022, "=D3+E3", 50.0, 20.0]]
    with pytest.raises(SourceFormatError) as exc:
        tables.read_index_table(write_xlsx(tmp_path / "f.xlsx", PAR_HEADER, rows), "PAR_INDEX")
    assert "cell C3 holds a formula (=D3+E3) with no saved value" in error(exc, "f.xlsx", 3)


# --------------------------------------------------------------------------- bad input


def _bad_index_cases() -> list[tuple[str, str, list[str], list[list[object]], int | None, type, str]]:
    """(id, index, header, rows, row named, error class, text in the message)."""
    ok = ["Ha Noi", 2022, 89.58, 61.0, 28.58]
    return [
        (
            "unknown province",
            "PAR_INDEX",
            PAR_HEADER,
            [ok, ["Lang Sonn", 2022, 81.45, "", ""]],
            3,
            UnknownProvinceError,
            "'Lang Sonn'",
        ),
        (
            "duplicate",
            "PAR_INDEX",
            PAR_HEADER,
            [ok, ["Hà Nội", 2022, 89.58, "", ""]],
            3,
            ValidationError,
            "already given in row 2",
        ),
        (
            "total out of range",
            "PAR_INDEX",
            PAR_HEADER,
            [ok, ["Lang Son", 2022, 120, "", ""]],
            3,
            ValidationError,
            "total 120 outside 0-100",
        ),
        (
            "SIPAS 120",
            "SIPAS",
            ["province", "year", "total"],
            [["Lang Son", 2022, 80], ["Cao Bang", 2022, 120]],
            3,
            ValidationError,
            "total 120 outside 0-100",
        ),
        (
            "appraisal above its 2022 maximum",
            "PAR_INDEX",
            PAR_HEADER,
            [["Lang Son", 2022, 81.45, 70, 11.45]],
            2,
            ValidationError,
            "appraisal 70 outside 0-68",
        ),
        (
            "negative part",
            "PAR_INDEX",
            PAR_HEADER,
            [["Lang Son", 2012, 81.45, 90, -8.55]],
            2,
            ValidationError,
            "survey -8.55 outside 0-100",
        ),
        (
            "parts do not add up",
            "PAR_INDEX",
            PAR_HEADER,
            [ok, ["Lang Son", 2022, 81.45, 55.0, 26.0]],
            3,
            ValidationError,
            "not the total 81.45",
        ),
        (
            "fields do not add up",
            "PAR_INDEX",
            ["province", "year", "total", *FIELDS],
            [["Lang Son", 2022, 81.45, *[10.0] * 8]],
            2,
            ValidationError,
            "the 8 fields sum to 80.00",
        ),
        (
            "field out of range",
            "PAR_INDEX",
            ["province", "year", "total", "field_impact"],
            [["Lang Son", 2022, 81.45, 101]],
            2,
            ValidationError,
            "field_impact 101 outside 0-100",
        ),
        (
            "missing column",
            "PAR_INDEX",
            ["province", "total"],
            [["Lang Son", 81.45]],
            1,
            SourceFormatError,
            "missing column(s) 'year'",
        ),
        (
            "unknown column",
            "PAR_INDEX",
            [*PAR_HEADER, "apraisal"],
            [[*ok, 1]],
            1,
            SourceFormatError,
            "unknown column(s) 'apraisal'",
        ),
        (
            "part in a SIPAS table",
            "SIPAS",
            ["province", "year", "total", "survey"],
            [["Lang Son", 2022, 80, 30]],
            1,
            SourceFormatError,
            "unknown column(s) 'survey'",
        ),
        (
            "bad number",
            "PAR_INDEX",
            PAR_HEADER,
            [ok, ["Lang Son", 2022, "8l.45", "", ""]],
            3,
            SourceFormatError,
            "not a number: '8l.45'",
        ),
        (
            "bad year",
            "PAR_INDEX",
            PAR_HEADER,
            [ok, ["Lang Son", "2022.5", 81.45, "", ""]],
            3,
            SourceFormatError,
            "not a whole number",
        ),
        (
            "bad rank",
            "PAR_INDEX",
            ["province", "year", "total", "rank"],
            [["Lang Son", 2022, 81.45, 64]],
            2,
            ValidationError,
            "rank '64' outside 1-63",
        ),
        (
            "empty row",
            "PAR_INDEX",
            ["province", "year", "total", "rank"],
            [["Lang Son", 2022, "", ""]],
            2,
            ValidationError,
            "has no total, part, field or rank",
        ),
        (
            "example row",
            "PAR_INDEX",
            ["province", "year", "total", "note"],
            [["Lang Son", 2022, 80, "EXAMPLE (invented)"]],
            2,
            SourceFormatError,
            "example row",
        ),
        (
            "header only",
            "SIPAS",
            ["province", "year", "total"],
            [],
            None,
            SourceFormatError,
            "no data rows: the file has only its header (row 1)",
        ),
        (
            "only blank rows",
            "PAR_INDEX",
            PAR_HEADER,
            [["", "", "", "", ""], ["", "", "", "", ""]],
            None,
            SourceFormatError,
            "no data rows",
        ),
        (
            "total written with a percent sign in a part",
            "PAR_INDEX",
            PAR_HEADER,
            [["Lang Son", 2022, 81.45, "55%", 26.45]],
            2,
            SourceFormatError,
            "'55%' is a percentage, but 'points (0-100)' is not a percentage",
        ),
    ]


BAD_INDEX = _bad_index_cases()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("index", "header", "rows", "row", "cls", "text"), [c[1:] for c in BAD_INDEX],
                         ids=[c[0] for c in BAD_INDEX])  # fmt: skip
def test_bad_index_table(tmp_path: Path, fmt: str, index, header, rows, row, cls, text) -> None:
    path = write(tmp_path / f"bad_table.{fmt}", header, rows)
    before = sorted(tmp_path.iterdir())
    with pytest.raises(cls) as exc:
        tables.read_index_table(path, index)
    assert isinstance(exc.value, ParlibError)
    assert text in error(exc, "bad_table", row)
    assert sorted(tmp_path.iterdir()) == before  # nothing written


def test_unknown_province_is_a_format_error_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", PAR_HEADER, [["Lang Sonn", 2022, 81.45, "", ""]])
    with pytest.raises(SourceFormatError) as exc:
        tables.read_index_table(path, "PAR_INDEX")
    assert "did you mean 'Lang Son'" in error(exc, "t.csv", 2)


def _bad_answer_cases() -> list[tuple[str, list[list[object]], int, type, str]]:
    ok = ["Lang Son", 2022, "R1", "access", "a1", 4]
    return [
        (
            "unknown answer",
            [ok, ["Lang Son", 2022, "R2", "access", "a1", "maybe"]],
            3,
            SourceFormatError,
            "neither a point of the 1-5 scale nor yes/no",
        ),
        (
            "answer 6",
            [ok, ["Lang Son", 2022, "R2", "access", "a1", 6]],
            3,
            ValidationError,
            "not a point of the 1-5 scale",
        ),
        (
            "answer 0",
            [ok, ["Lang Son", 2022, "R2", "access", "a1", 0]],
            3,
            ValidationError,
            "not a point of the 1-5 scale",
        ),
        (
            "duplicate answer",
            [ok, ["Lạng Sơn", 2022, "R1", "access", "a1", 5]],
            3,
            ValidationError,
            "already given in row 2",
        ),
        (
            "mixed scales",
            [ok, ["Lang Son", 2022, "R2", "access", "a1", "yes"]],
            3,
            ValidationError,
            "answered on the 1-5 scale in row 2",
        ),
        (
            "unknown province",
            [ok, ["Atlantis", 2022, "R2", "access", "a1", 4]],
            3,
            UnknownProvinceError,
            "'Atlantis'",
        ),
        (
            "blank criterion",
            [ok, ["Lang Son", 2022, "R2", "access", "", 4]],
            3,
            SourceFormatError,
            "blank criterion",
        ),
        (
            "year before SIPAS",
            [["Lang Son", 2010, "R1", "access", "a1", 4]],
            2,
            ValidationError,
            "outside 2015-",
        ),
        (
            "header only",
            [],
            None,
            SourceFormatError,
            "no data rows: the file has only its header (row 1)",
        ),
        (
            "every answer blank",
            [["Lang Son", 2022, "R1", "access", "a1", ""], ["Lang Son", 2022, "R2", "access", "a1", " "]],
            None,
            SourceFormatError,
            "no answers: every answer is blank (rows 2-3)",
        ),
    ]


BAD_ANSWERS = _bad_answer_cases()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("rows", "row", "cls", "text"), [c[1:] for c in BAD_ANSWERS],
                         ids=[c[0] for c in BAD_ANSWERS])  # fmt: skip
def test_bad_answers(tmp_path: Path, fmt: str, rows, row, cls, text) -> None:
    path = write(tmp_path / f"bad_answers.{fmt}", tables.ANSWER_REQUIRED, rows)
    with pytest.raises(cls) as exc:
        tables.read_survey_answers(path)
    assert text in error(exc, "bad_answers", row)


@pytest.mark.parametrize("fmt", FORMATS)
def test_answers_missing_column(tmp_path: Path, fmt: str) -> None:
    path = write(
        tmp_path / f"a.{fmt}", tables.ANSWER_REQUIRED[:-1], [["Lang Son", 2022, "R1", "access", "a1"]]
    )
    with pytest.raises(SourceFormatError) as exc:
        tables.read_survey_answers(path)
    assert "missing column(s) 'answer'" in error(exc, f"a.{fmt}", 1)


def _workbook(tmp_path: Path) -> bytes:
    rows = [["Lạng Sơn", 2022, 81.45, 55.0, 26.45], ["Cao Bằng", 2022, 70.0, 50.0, 20.0]]
    return write(tmp_path / "good.xlsx", PAR_HEADER, rows).read_bytes()


@pytest.mark.parametrize("cut", [10, 500, 2000, "half", -30])
def test_truncated_workbook(tmp_path: Path, cut: int | str) -> None:
    data = _workbook(tmp_path)
    end = len(data) // 2 if cut == "half" else cut
    path = tmp_path / "par_2022.xlsx"
    path.write_bytes(data[:end])
    before = sorted(tmp_path.iterdir())
    with pytest.raises(SourceFormatError) as exc:
        tables.read_index_table(path, "PAR_INDEX")
    message = error(exc, "par_2022.xlsx", None)
    assert message.startswith("par_2022.xlsx: cannot read the XLSX workbook (damaged or truncated?): ")
    assert sorted(tmp_path.iterdir()) == before


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)  # the start of an Excel 97-2003 file


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        ("empty.csv", b"", "the file is empty (0 bytes)"),
        ("empty.xlsx", b"", "the file is empty (0 bytes)"),
        ("csv.xlsx", "province,year,total\nLạng Sơn,2022,80\n".encode(), "the file is text (a CSV?)"),
        ("zip.csv", "workbook", "an XLSX workbook (zip), not a CSV: rename it .xlsx"),
        ("old.xlsx", OLE, "an Excel 97-2003 (.xls) or password-protected workbook"),
        ("old.xls", OLE, "an Excel 97-2003 .xls workbook: save it as .xlsx"),
        ("utf16.csv", "province,year,total\n".encode("utf-16"), "UTF-16 text ('Unicode Text')"),
        ("binary.xlsx", bytes(range(256)) * 4, "not an XLSX workbook: the file is not a spreadsheet"),
        ("ragged.csv", b'province,year,total\nHa Noi,2022,"80\n', "cannot read the file as CSV"),
    ],
)  # fmt: skip
def test_unreadable_file_is_one_line_naming_it(
    tmp_path: Path, name: str, content: bytes | str, text: str
) -> None:
    path = tmp_path / name
    path.write_bytes(_workbook(tmp_path) if content == "workbook" else content)
    for read in (
        lambda p: tables.read_index_table(p, "PAR_INDEX"),
        tables.read_driver_table,
        tables.read_survey_answers,
    ):
        with pytest.raises(SourceFormatError) as exc:
            read(path)
        assert text in error(exc, name, None)


def test_missing_sheet(tmp_path: Path) -> None:
    path = write(tmp_path / "t.xlsx", PAR_HEADER, [["Lạng Sơn", 2022, 81.45, 55.0, 26.45]])
    with pytest.raises(SourceFormatError, match=r"t\.xlsx: no sheet 'par'; the sheets are \['Sheet1'\]"):
        tables.read_index_table(path, "PAR_INDEX", sheet="par")
    with pytest.raises(SourceFormatError, match=r"t\.xlsx: no sheet number 3"):
        tables.read_index_table(path, "PAR_INDEX", sheet=3)


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ParlibError, match="no such file"):
        tables.read_index_table(tmp_path / "missing.csv", "PAR_INDEX")
    odd = tmp_path / "t.txt"
    odd.write_text("province,year,total\n")
    with pytest.raises(SourceFormatError, match=r"expected \.csv or \.xlsx"):
        tables.read_index_table(odd, "PAR_INDEX")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("province,year,total\nL\xe0o Cai,2022,80\n".encode("latin-1"))
    with pytest.raises(SourceFormatError, match="CSV UTF-8"):
        tables.read_index_table(latin, "PAR_INDEX")
    with pytest.raises(ValueError, match="index must be one of"):
        tables.read_index_table(latin, "PAPI")


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("kind", sorted(tables.TEMPLATES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_templates(tmp_path: Path, kind: str, fmt: str) -> None:
    read = {
        "par_index": lambda p: tables.read_index_table(p, "PAR_INDEX"),
        "sipas": lambda p: tables.read_index_table(p, "SIPAS"),
        "sipas_survey": tables.read_survey_answers,
        "driver": tables.read_driver_table,
        "period_driver": read_period_table,
    }[kind]
    dest = tables.write_template(kind, tmp_path / f"{kind}.{fmt}")
    assert dest.is_file()
    with pytest.raises(FileExistsError):
        tables.write_template(kind, dest)
    with pytest.raises(SourceFormatError) as exc:  # the example rows must be replaced first
        read(dest)
    assert "example row" in error(exc, dest.name, 2)
    # the same rows without the EXAMPLE note are valid input
    frame = pd.read_csv(tables.template_path(kind), dtype=str, keep_default_na=False)
    assert frame["note"].str.startswith("EXAMPLE").all() and len(frame) >= 2
    filled = write(tmp_path / f"filled.{fmt}", list(frame.columns), frame.assign(note="").values.tolist())
    assert len(read(filled)) > 0


def test_write_template_into_a_folder(tmp_path: Path) -> None:
    dest = tables.write_template("par_index", tmp_path)
    assert dest == tmp_path / "par_index_template.csv"
    assert dest.read_bytes() == tables.template_path("par_index").read_bytes()
    with pytest.raises(ValueError, match="template kind"):
        tables.write_template("papi", tmp_path)


# --------------------------------------------------------------------------- module layout

TABLE_MODULES = ["sheets", "table_units", "table_columns", "index_tables", "survey_answers", "driver_tables"]
"""The modules that ``parlib.sources.tables`` (the entry point) re-exports, in import order."""


def _own_names(module_name: str) -> tuple[object, set[str]]:
    """A table module and the public names it defines itself (assigned, def or class at top level)."""
    import ast
    import importlib

    module = importlib.import_module(f"parlib.sources.{module_name}")
    names = set()
    for node in ast.parse(Path(module.__file__).read_text("utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return module, {n for n in names if not n.startswith("_")}


@pytest.mark.parametrize("module_name", TABLE_MODULES)
def test_tables_reexports_every_public_name(module_name: str) -> None:
    """``from parlib.sources import tables; tables.<name>`` reaches every public name of the split."""
    module, names = _own_names(module_name)
    assert names, module_name
    for name in names:
        assert getattr(tables, name, None) is getattr(module, name), f"tables lacks {module_name}.{name}"
        assert name in tables.__all__, name
    assert set(tables.__all__) <= set(vars(tables))


def test_table_modules_import_one_way() -> None:
    """No cycle among the table modules (module level or inside functions); none imports the entry
    point ``tables``, so each imports alone."""
    import ast
    import graphlib

    known = [*TABLE_MODULES, "tables"]
    folder = Path(tables.__file__).parent
    graph: dict[str, set[str]] = {}
    for stem in known:
        deps = graph.setdefault(stem, set())
        for node in ast.walk(ast.parse((folder / f"{stem}.py").read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "parlib.sources":
                deps.update(a.name for a in node.names if a.name in known)
            elif isinstance(node, ast.ImportFrom) and node.module:
                deps.update({node.module.removeprefix("parlib.sources.")} & set(known))
            elif isinstance(node, ast.Import):
                deps.update({a.name.removeprefix("parlib.sources.") for a in node.names} & set(known))
    assert graph["tables"] == set(TABLE_MODULES)
    assert all("tables" not in deps for deps in graph.values())
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order[-1] == "tables"
