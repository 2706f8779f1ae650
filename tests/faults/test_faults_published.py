"""PAPI tiers and the publisher's N, through the real CLI (issue 8, cases 11 and 12).

Case 11: PAPI 2023 grouped its 61 scored provinces 15/15/15/16; Hà Nội (43.96) is the last of the
15 best and Vĩnh Phúc (43.95) is high-average
(https://m.hanoitimes.vn/thua-thien-hue-province-tops-nationwide-in-public-administration-2023-papi-report-326500.html).
Case 12: PAPI 2024 is printed "of 63" (Hà Nội 29/63,
https://kinhtedothi.vn/ha-noi-hoan-thanh-muc-tieu-nhiem-ky-ve-chi-so-papi.673431.html) while
parlib's source (ml-mcdm data/csv/2024.csv) leaves Vĩnh Phúc and Tiền Giang blank. The card must
print the publisher's N, name what the source lacks and never call the gap "not scored"; a
published record that contradicts itself is one error line naming the file and its rows.

The cards are read through the CLI's own ``main`` in this process (the index results are computed
once per build); a damaged record goes through the CLI in a subprocess on private copies
(PARLIB_RAW_DIR, PARLIB_PROCESSED_DIR), and at the function level for the other contradictions.
"""

from __future__ import annotations

import pytest
from fault_helpers import cli, copy_raw, error_line, reregister, snapshot

from parlib import config
from parlib.cli import main
from parlib.errors import ValidationError
from parlib.indices import papi
from parlib.sources.published import read_published

POINTS = "published/point_figures.csv"


class Out:
    """What ``parlib card`` printed, run in this process."""

    def __init__(self, capsys, *args: str) -> None:
        self.returncode = main(["card", *args])
        captured = capsys.readouterr()
        self.stdout, self.stderr = captured.out, captured.err


def _papi_line(stdout: str, year: int) -> str:
    lines = [line for line in stdout.splitlines() if line.startswith(f"PAPI {year}: ")]
    assert len(lines) == 1, stdout
    return lines[0]


def test_card_2024_prints_the_publisher_n_and_the_missing_provinces(raw, capsys):
    before = snapshot(config.processed_dir())
    proc = Out(capsys, "Hà Nội", "2024")
    assert proc.returncode == 0, proc.stderr
    line = _papi_line(proc.stdout, 2024)
    assert (
        "43.77 points on the 8-80 scale, rank 29 of 63 (PAPI ranked 63; 2 are missing from parlib's " in line
    )
    assert "source: Vĩnh Phúc, Tiền Giang)" in line and "of 61" not in line
    assert "high-average tier, computed over the 61 in parlib's source (PAPI grouped 63)" in line
    assert "down 14 places (-0.19) compared to 2023" in line  # 15th of 61 in 2023 (kinhtedothi: down 14)
    proc = Out(capsys, "Gia Lai", "2024")
    assert "rank 52-54 of 63 (52 of the 61 in parlib's source;" in _papi_line(proc.stdout, 2024)
    assert snapshot(config.processed_dir()) == before  # a card reads, it writes nothing


def test_card_2024_of_a_province_the_source_lacks_does_not_say_not_scored(raw, capsys):
    proc = Out(capsys, "Vĩnh Phúc", "2024")
    assert proc.returncode == 0, proc.stderr
    line = _papi_line(proc.stdout, 2024)
    assert "not scored" not in line
    assert line.startswith(
        "PAPI 2024: no score in parlib's source, which has 61 provinces for 2024 while PAPI ranked 63"
    )


def test_card_2023_tier_as_published(raw, capsys):
    proc = Out(capsys, "Vĩnh Phúc", "2023")
    assert proc.returncode == 0, proc.stderr
    assert "43.95 points on the 8-80 scale, rank 16 of 61 (high-average tier)" in _papi_line(
        proc.stdout, 2023
    )
    proc = Out(capsys, "Hà Nội", "2023")
    assert "43.96 points on the 8-80 scale, rank 15 of 61 (best tier)" in _papi_line(proc.stdout, 2023)


def _append(raw, *rows: str) -> None:
    path = raw / POINTS
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    reregister(raw, POINTS)


def _rows(raw) -> int:
    return len((raw / POINTS).read_text(encoding="utf-8").splitlines())


def test_a_contradictory_published_record_is_one_error_line(site):
    raw, _, _, environ = site
    _append(raw, "PAPI,2023,NATIONAL,,points (of 80),,63,a second count,https://example.org")
    line = error_line(cli("card", "Hà Nội", "2024", environ=environ), POINTS, "NATIONAL rows state N")
    assert f"row {_rows(raw)}" in line  # the appended row, counted as in a spreadsheet


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "PAPI,2023,NATIONAL,,points (of 80),,61,tiers=16/16/15/16,https://example.org",
            "band sizes disagree",
        ),
        ("PAPI,2024,Ha Noi,,points (of 80),33,63,a wrong rank,https://example.org", "published rank 33"),
    ],
)
def test_other_contradictions_name_the_file_and_row(raw, tmp_path, row, message):
    copy = copy_raw(raw, tmp_path / "raw")
    _append(copy, row)
    record = read_published(copy)
    with pytest.raises(ValidationError) as err:
        if "NATIONAL" in row:
            papi.published_years(record)
        else:
            from parlib.panel import load_observations

            papi.scores(load_observations(), record=record)
    text = str(err.value)
    assert "\n" not in text and POINTS in text and message in text, text
    if "NATIONAL" in row:
        assert f"row {_rows(copy)}" in text
