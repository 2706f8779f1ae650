"""Researcher tables in the province report: ``parlib report --tables``, the template's ``tables``.

The section (``parlib.sections.reported.reported_figures``) is tested directly; the rule refuses a
bad table in one line before any kernel starts; the tables' sha256 enter the report's inputs key
(editing a table re-renders the report). One real report run (slow) checks the template end to end.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parlib import cli, reports
from parlib.reports.provenance import inputs_key, is_up_to_date
from parlib.sections.reported import check_tables, reported_figures, table_kind

YEAR = 2022
SIPAS_URL = "https://sonoivu.haiphong.gov.vn/sipas-2023"


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tables(tmp_path) -> dict[str, Path]:
    """A SIPAS, a PAR INDEX, a driver and a period table with rows for Hải Phòng (31)."""
    return {
        "sipas": _write(
            tmp_path,
            "sipas_haiphong.csv",
            f"province,year,total,rank,source_url\nHải Phòng,2023,85.10,4,{SIPAS_URL}\n"
            "Đà Nẵng,2023,86.00,2,https://example.org/dn\n",
        ),
        "par": _write(
            tmp_path,
            "hp_2021.csv",
            "province,year,total,appraisal,survey\nHai Phong,2021,88.00,60.00,28.00\n",
        ),
        "driver": _write(
            tmp_path,
            "drivers.csv",
            "province,year,indicator,value,unit,source,source_url\n"
            "Hải Phòng,2022,online_services_share,0.62,share,Cổng Dịch vụ công quốc gia,"
            "https://dichvucong.gov.vn/report\n"
            "Hải Phòng,2021,staff_admin_agencies,1850,persons,Sở Nội vụ Hải Phòng: báo cáo biên chế 2021,\n"
            "Lạng Sơn,2022,staff_admin_agencies,900,persons,https://langson.gov.vn/x,\n",
        ),
        "period": _write(
            tmp_path,
            "cuts.csv",
            "province,start_year,end_year,indicator,value,unit,source\n"
            "Hải Phòng,2011,2020,staff_cut_pct_admin_agencies,13.13,percent,https://haiphong.gov.vn/par\n",
        ),
    }


# --------------------------------------------------------------------------- kinds and checks


def test_tables_are_told_apart_by_their_header(tables, tmp_path):
    kinds = {key: table_kind(path) for key, path in tables.items()}
    assert kinds == {"sipas": "SIPAS", "par": "PAR_INDEX", "driver": "DRIVER", "period": "PERIOD"}
    named = _write(tmp_path, "par-index 2021.csv", "province,year,total\nHải Phòng,2021,88\n")
    assert table_kind(named) == "PAR_INDEX"  # province, year, total only: the file name says which
    plain = _write(tmp_path, "plain.csv", "province,year,total\nHải Phòng,2021,88\n")
    with pytest.raises(Exception, match=r"plain.csv, row 1: a SIPAS or a PAR INDEX table\?"):
        table_kind(plain)
    other = _write(tmp_path, "other.csv", "a,b\n1,2\n")
    with pytest.raises(Exception, match=r"other.csv, row 1: not a table the province report shows"):
        table_kind(other)


def test_check_tables_reads_each_table_and_returns_absolute_paths(tables, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_tables(["sipas_haiphong.csv"]) == [tables["sipas"].resolve()]
    twice = _write(tmp_path, "sipas_again.csv", "province,year,total\nHai Phong,2023,85.1\n")
    with pytest.raises(Exception, match=r"SIPAS 2023 province 31 total is given by more than one table"):
        check_tables([tables["sipas"], twice])


# --------------------------------------------------------------------------- the section


def test_section_shows_a_researcher_sipas_row_with_its_source(tables):
    text = reported_figures("Hải Phòng", YEAR, [tables["sipas"]]).markdown
    line = next(x for x in text.splitlines() if x.startswith("- SIPAS 2023"))
    assert line == (
        f"- SIPAS 2023: 85.10%, rank 4 of 63 (as given). Source: [{SIPAS_URL}]({SIPAS_URL}) "
        "(sipas_haiphong.csv, row 2)."
    )
    # the published record says 88.09, 5th (sipas_2023_partial.csv): the conflict is shown
    assert "SIPAS 2023 Hải Phòng total: 85.1 with the researcher table(s), 88.09 in the published" in text
    assert "Đà Nẵng" not in text  # another province's row is not this report's


def test_section_par_index_driver_and_period_figures(tables):
    paths = [tables["par"], tables["driver"], tables["period"]]
    lines = reported_figures("Hai Phong", YEAR, paths).markdown.splitlines()
    assert lines[2].startswith("- PAR INDEX 2021: 88.00%, not ranked (a partial year")
    assert lines[2].endswith("Source: hp_2021.csv, row 2 (no source or source_url given).")
    assert (
        "- Not as in the published record: PAR INDEX 2021 Hải Phòng total: 88 with the researcher"
        in "\n".join(lines)
    )
    figures = [x for x in lines if x.startswith("- staff") or x.startswith("- online")]
    assert figures == [
        "- staff_cut_pct_admin_agencies 2011-2020: 13.13%. Source: "
        "[https://haiphong.gov.vn/par](https://haiphong.gov.vn/par) (cuts.csv, row 2).",
        "- staff_admin_agencies 2021: 1,850 persons. Source: Sở Nội vụ Hải Phòng: báo cáo biên chế 2021 "
        "(drivers.csv, row 3).",
        "- online_services_share 2022: 0.62 (share). Source: Cổng Dịch vụ công quốc gia; "
        "[https://dichvucong.gov.vn/report](https://dichvucong.gov.vn/report) (drivers.csv, row 2).",
    ]


def test_section_without_tables_or_without_rows_for_the_province(tables):
    assert "No researcher tables were given" in reported_figures("Lạng Sơn", YEAR, []).plain
    text = reported_figures("Cao Bằng", YEAR, [tables["driver"]]).plain
    assert text == "The researcher tables given to this report (`drivers.csv`) have no figure for Cao Bằng."


# --------------------------------------------------------------------------- rule, CLI and freshness


def test_rule_refuses_a_bad_table_before_any_kernel(tables, tmp_path):
    template = reports.default_template()
    bad = _write(tmp_path, "sipas_bad.csv", "province,year,total\nGotham,2023,85\n")
    with pytest.raises(
        reports.ReportParameterError, match=r"^parameter 'tables': sipas_bad.csv, row 2: .*Gotham"
    ):
        reports.validate(
            template, {"province": "Hải Phòng", "year": YEAR, "tables": [str(bad)]}, years=[YEAR]
        )
    out = reports.validate(
        template, {"province": "Hải Phòng", "year": YEAR, "tables": [str(tables["sipas"])]}, years=[YEAR]
    )
    assert out["tables"] == [str(tables["sipas"].resolve())]


def test_cli_tables_refused_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path / "reports"))
    missing = str(tmp_path / "nope.csv")
    argv = ["report", "--province", "Hải Phòng", "--year", str(YEAR), "--no-progress", "--tables", missing]
    assert cli.main(argv) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        f"parlib: error: parameter 'tables': {missing}: no such file"
    ]
    assert not (tmp_path / "reports").exists()


def test_inputs_key_has_the_tables_sha256(tables, tmp_path):
    plain = reports.make_task("Hải Phòng", YEAR, None, tmp_path, years=[YEAR])
    assert "tables" not in inputs_key(plain, "t", {})  # reports without tables: keys as before
    task = reports.make_task(
        "Hải Phòng", YEAR, None, tmp_path, years=[YEAR], parameters={"tables": [str(tables["sipas"])]}
    )
    key = inputs_key(task, "t", {})
    assert key["tables"] == {str(tables["sipas"].resolve()): reports._sha256_file(tables["sipas"])}
    tables["sipas"].write_text(tables["sipas"].read_text("utf-8").replace("85.10", "85.20"), "utf-8")
    assert inputs_key(task, "t", {})["tables"] != key["tables"]


@pytest.mark.slow
def test_report_with_a_researcher_sipas_table(tables, tmp_path):
    """One real report: the SIPAS row and its source in the HTML; editing the table makes it stale."""
    task = reports.make_task(
        "Hải Phòng", YEAR, None, tmp_path / "reports", parameters={"tables": [str(tables["sipas"])]}
    )
    result = reports.run([task], jobs=1, progress=False)
    assert result.ok, result.summary()
    page = task.html.read_text(encoding="utf-8")
    assert "SIPAS 2023: 85.10%, rank 4 of 63 (as given)" in page and f'href="{SIPAS_URL}"' in page
    side = json.loads(task.sidecar.read_text(encoding="utf-8"))
    assert side["records"]["pci_total"] == pytest.approx(70.76) and side["records"]["pci_rank"] == 3
    assert list(side["inputs"]["tables"]) == [str(tables["sipas"].resolve())]
    assert is_up_to_date(task, side["inputs"])
    tables["sipas"].write_text(tables["sipas"].read_text("utf-8").replace("85.10", "85.20"), "utf-8")
    assert not is_up_to_date(
        task, inputs_key(task, side["inputs"]["template_sha256"], side["inputs"]["data"])
    )
