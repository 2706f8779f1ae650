"""Helpers shared by the researcher-template tests: write a table, check a one-line error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import pytest


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """A CSV (cells as written) or an XLSX (numbers as number cells) with a header in row 1."""
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


def error(exc_info: pytest.ExceptionInfo, name: str, row: int | None) -> str:
    """The message, checked to be one line naming the file and the row."""
    message = str(exc_info.value)
    assert "\n" not in message
    assert name in message
    if row is not None:
        assert f"row {row}" in message, message
    return message


@dataclass(frozen=True)
class Fmt:
    """A number cell with an Excel number format, for ``write_xlsx`` (``Fmt(0.8145, "0.00%")``)."""

    value: float
    number_format: str


def write_xlsx(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """An XLSX written cell by cell (openpyxl): ``Fmt`` cells get their number format, a text
    starting with '=' is a formula (saved without a value, as openpyxl does), other cells as given."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, Fmt):
                cell.value, cell.number_format = value.value, value.number_format
            elif value != "":
                cell.value = value
    book.save(path)
    return path
