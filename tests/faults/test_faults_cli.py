"""Bad input to `parlib card` (issue 8, case 7) and the CLI's edge: one line, non-zero exit."""

from __future__ import annotations

import pytest
from fault_helpers import cli, error_line

from parlib.cli import describe, main


def test_card_for_a_year_no_index_covers():
    line = error_line(cli("card", "Lạng Sơn", "1990"), "no index covers 1990", "PAPI 2011-2024")
    assert "PCI 2005-2024" in line  # after 2016: the figures published for some provinces


@pytest.mark.parametrize("year", ["-5", "99999999999999999999", "2030"])
def test_card_for_other_uncovered_years(year, capsys):
    assert main(["card", "Lạng Sơn", year]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [captured.err.strip()]
    assert f"no index covers {year}" in captured.err


def test_card_for_a_province_that_did_not_exist_that_year():
    error_line(cli("card", "28", "2024"), "Hà Tây (28)", "did not exist in 2024", "2008")
    ok = cli("card", "28", "2007")
    assert ok.returncode == 0 and "PCI 2007: 52.24" in ok.stdout, ok.stderr


def test_describe_gives_one_line_for_any_exception():
    import errno

    full = OSError(errno.ENOSPC, "No space left on device", "/data/processed/x")
    assert describe(full).startswith("/data/processed/x: no space left")
    assert "\n" not in describe(ValueError("two\nlines"))
    assert "--debug" in describe(KeyError("x"))


def test_debug_shows_the_traceback():
    proc = cli("--debug", "card", "Lạng Sơn", "1990")
    assert proc.returncode != 0 and "Traceback" in proc.stderr
