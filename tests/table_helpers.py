"""Helpers shared by the researcher-template tests: write a table, check a one-line error."""

from __future__ import annotations

from pathlib import Path

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
