"""Faults of the researcher-supplied tables (issue 8, case 3 and parts of case 5).

No CLI command reads a researcher table: the entry points are Python functions
(``read_driver_table``, ``merge_drivers``, ``read_index_table``, ``read_survey_answers``,
``sipas.from_answers``). Each test feeds one a damaged or misleading file and checks that the
number is read as written or refused with ONE line naming the file (and the spreadsheet row
where there is one), and that nothing is written (``snapshot`` of the folder before and after).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fault_helpers import snapshot
from table_helpers import Fmt, write, write_xlsx

from parlib.errors import ParlibError
from parlib.indices import sipas
from parlib.sources import tables

DRIVER = tables.DRIVER_REQUIRED
SRC = "Sở Tài chính: quyết toán 2022"


def refused(call, folder: Path, *names: str) -> str:
    """Run ``call``: a ParlibError whose one-line message holds ``names``; nothing written."""
    before = snapshot(folder)
    with pytest.raises(ParlibError) as exc:
        call()
    message = str(exc.value)
    assert "\n" not in message, message
    for name in names:
        assert name in message, (name, message)
    assert snapshot(folder) == before
    return message


# --------------------------------------------------------------------------- 1: '57,788' million VND


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_thousands_comma_in_an_amount_is_not_read_as_a_decimal(tmp_path: Path, fmt: str) -> None:
    rows = [
        ["Lạng Sơn", 2021, "it_spending", "48211", "million VND", SRC],
        ["Lạng Sơn", 2022, "it_spending", "57,788", "million VND", SRC],  # 57788 or 57.788?
    ]
    path = write(tmp_path / f"budget.{fmt}", DRIVER, rows)
    message = refused(lambda: tables.read_driver_table(path), tmp_path, f"budget.{fmt}, row 3", "'57,788'")
    assert "is ambiguous: 57788 (',' separating thousands) or 57.788 (',' as the decimal point)?" in message
    assert "Write 57788 (or 57,788.0) for the first, 57,7880 for the second" in message
    panel = pd.DataFrame({"province_id": ["20", "20"], "year": [2021, 2022]})
    refused(lambda: tables.merge_drivers(panel, [path]), tmp_path, f"budget.{fmt}, row 3")
    # declared, or written without ambiguity, it is read as meant
    assert tables.read_driver_table(path, decimal=".")["value"].tolist() == [48211.0, 57788.0]
    assert tables.read_driver_table(path, decimal=",")["value"].tolist() == [48211.0, 57.788]
    rows[1][3] = "57.788,0"
    again = tables.read_driver_table(write(tmp_path / f"fixed.{fmt}", DRIVER, rows))
    assert again["value"].tolist() == [48211.0, 57788.0]


def test_thousands_dot_in_a_count(tmp_path: Path) -> None:
    rows = [["Lạng Sơn", 2022, "staff_admin_agencies", "1.850", "persons", SRC]]
    obs = tables.read_driver_table(write(tmp_path / "staff.csv", DRIVER, rows))
    assert obs["value"].tolist() == [1850.0]  # not 1.85: a count has no decimals


# --------------------------------------------------------------------------- 2: a percent-formatted cell


def test_percent_formatted_cell_is_the_percent_it_shows(tmp_path: Path) -> None:
    par = write_xlsx(
        tmp_path / "par_2022.xlsx",
        ["province", "year", "total", "appraisal", "survey"],
        [["Lạng Sơn", 2022, Fmt(0.8145, "0.00%"), 55.0, 26.45]],  # Excel shows 81.45%
    )
    obs = tables.read_index_table(par, "PAR_INDEX").set_index("component")["value"]
    assert obs["total"] == 81.45 and obs["appraisal"] + obs["survey"] == pytest.approx(81.45)
    drivers = write_xlsx(
        tmp_path / "online.xlsx",
        DRIVER,
        [
            ["TP HCM", 2023, "online_services_pct", Fmt(0.8145, "0.00%"), "percent", SRC],
            ["TP HCM", 2023, "online_services_share", Fmt(0.8145, "0.00%"), "share", SRC],
        ],
    )
    values = tables.read_driver_table(drivers).set_index("component")["value"]
    assert values.to_dict() == {"online_services_pct": 81.45, "online_services_share": 0.8145}


def test_percent_formatted_cell_in_an_amount_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "budget.xlsx",
        DRIVER,
        [
            ["Lạng Sơn", 2021, "it_spending", 48211, "million VND", SRC],
            ["Lạng Sơn", 2022, "it_spending", Fmt(0.8145, "0.00%"), "million VND", SRC],
        ],
    )
    message = refused(lambda: tables.read_driver_table(path), tmp_path, "budget.xlsx, row 3")
    assert "the cell shows 81.45% (a percent format), but 'million VND' is not a percentage" in message


# --------------------------------------------------------------------------- 3: a header-only table


def test_header_only_tables_are_refused(tmp_path: Path) -> None:
    index = write(tmp_path / "sipas_2023.csv", ["province", "year", "total"], [])
    drivers = write(tmp_path / "drivers.xlsx", DRIVER, [])
    answers = write(tmp_path / "answers.csv", tables.ANSWER_REQUIRED, [])
    panel = pd.DataFrame({"province_id": ["20"], "year": [2022]})
    for call, name in [
        (lambda: tables.read_index_table(index, "SIPAS"), "sipas_2023.csv"),
        (lambda: tables.read_driver_table(drivers), "drivers.xlsx"),
        (lambda: tables.merge_drivers(panel, drivers), "drivers.xlsx"),
        (lambda: tables.read_survey_answers(answers), "answers.csv"),
        (lambda: sipas.from_answers(answers, n_boot=0), "answers.csv"),
    ]:
        message = refused(call, tmp_path, name)
        assert message == f"{name}: no data rows: the file has only its header (row 1); fill in the rows"


# --------------------------------------------------------------------------- 4: files that are not tables


def _workbook(tmp_path: Path) -> bytes:
    rows = [["Lạng Sơn", 2022, 81.45], ["Cao Bằng", 2022, 70.0]]
    return write(tmp_path / "good.xlsx", ["province", "year", "total"], rows).read_bytes()


def test_truncated_workbook(tmp_path: Path) -> None:
    path = tmp_path / "par_2022.xlsx"
    path.write_bytes(_workbook(tmp_path)[:2000])
    message = refused(lambda: tables.read_index_table(path, "PAR_INDEX"), tmp_path, "par_2022.xlsx")
    assert message == (
        "par_2022.xlsx: cannot read the XLSX workbook (damaged or truncated?): "
        "BadZipFile: File is not a zip file"
    )


def test_files_that_are_not_what_their_name_says(tmp_path: Path) -> None:
    workbook = _workbook(tmp_path)
    cases = {
        "csv_named.xlsx": (
            "province,year,total\nLạng Sơn,2022,81.45\n".encode(),
            "the file is text (a CSV?)",
        ),
        "workbook_named.csv": (workbook, "an XLSX workbook (zip), not a CSV: rename it .xlsx"),
        "latin1.csv": ("province,year,total\nLào Cai,2022,80\n".encode("latin-1"), "not UTF-8 text"),
        "utf16.csv": ("province,year,total\n".encode("utf-16"), "UTF-16 text ('Unicode Text')"),
        "empty.csv": (b"", "the file is empty (0 bytes)"),
        "empty.xlsx": (b"", "the file is empty (0 bytes)"),
    }
    for name, (content, text) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        for call in (
            lambda p=path: tables.read_index_table(p, "SIPAS"),
            lambda p=path: tables.read_driver_table(p),
            lambda p=path: sipas.from_answers(p, n_boot=0),
        ):
            assert refused(call, tmp_path, name, text).startswith(f"{name}: ")


# --------------------------------------------------------------------------- 5: answers all blank


def test_survey_answers_all_blank(tmp_path: Path) -> None:
    rows = [["Lạng Sơn", 2022, f"R{i}", "access", "a1", ""] for i in range(1, 4)]
    path = write(tmp_path / "sipas_answers.csv", tables.ANSWER_REQUIRED, rows)
    for call in (lambda: tables.read_survey_answers(path), lambda: sipas.from_answers(path)):
        message = refused(call, tmp_path, "sipas_answers.csv")
        assert message == "sipas_answers.csv: no answers: every answer is blank (rows 2-4): nothing to read"
