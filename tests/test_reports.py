"""The report runner (parlib.reports) and `parlib report`, on a tiny stub template.

tests/fixtures/report_stub.ipynb has parameters ``province`` and ``year``, records stub
numbers derived from the GSO code, and raises for Cao Bằng ("04"): one kernel round-trip
per report, so a batch of three takes a few seconds with two workers.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from parlib import atomic, cli, config, reports
from parlib.errors import UnknownProvinceError

STUB = Path(__file__).parent / "fixtures" / "report_stub.ipynb"
STUB_PARAMS = Path(__file__).parent / "fixtures" / "report_stub_params.ipynb"  # + the drivers parameters
DRIVERS = config.project_root() / "notebooks" / "templates" / "drivers_regression.ipynb"
YEAR = 2022
OK_NAMES = {"20": ("Lạng Sơn", "lang-son"), "01": ("Hà Nội", "ha-noi")}
FAIL_ID, FAIL_NAME, FAIL_SLUG = "04", "Cao Bằng", "cao-bang"
HOSTILE = [
    "../../etc/passwd",
    "Lạng Sơn/../x",
    '"; import os; os.system("rm -rf /") #',
    "__import__('os')",
    "lang-son\\..\\..\\x",
    "Lang Son\x00",
]


def _tmp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if reports._TMP_MARK in p.name or p.name.startswith(".")]


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail loudly if anything tries to execute a notebook or start the pool."""

    def boom(*args, **kwargs):
        raise AssertionError("a kernel was started")

    import papermill

    monkeypatch.setattr(papermill, "execute_notebook", boom)
    # patched where they are looked up: run() and its pool live in parlib.reports.pool
    monkeypatch.setattr(reports.pool, "_executor", boom)
    monkeypatch.setattr(reports.pool, "render", boom)
    monkeypatch.setattr(reports.pool, "_prepare_year", boom)  # nor the per-year cache


def _files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes (a byte-identical check of a reports folder)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _old_report(root: Path) -> dict[str, bytes]:
    """An earlier complete report (Lạng Sơn 2022) and index page in ``root``; returns its bytes."""
    folder = root / str(YEAR)
    folder.mkdir(parents=True)
    for ext in ("ipynb", "html"):
        (folder / f"lang-son.{ext}").write_text(f"OLD {ext}", encoding="utf-8")
    (folder / "lang-son.json").write_text('{"status": "ok", "province": "OLD"}', encoding="utf-8")
    (root / "index.html").write_text("OLD INDEX", encoding="utf-8")
    return _files(root)


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_province_strings_refused_before_any_kernel(bad, no_kernel, tmp_path):
    with pytest.raises(UnknownProvinceError):
        reports.validate(STUB, {"province": bad, "year": YEAR})
    with pytest.raises(UnknownProvinceError):
        reports.plan([bad], [YEAR], STUB, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_unknown_province_suggests_a_name(no_kernel):
    with pytest.raises(UnknownProvinceError, match="did you mean 'Lang Son'"):
        reports.validate(STUB, {"province": "Lang Sonn", "year": YEAR})


def test_year_without_data_names_the_covered_years(no_kernel):
    covered = reports.report_years()
    with pytest.raises(reports.ReportParameterError, match=r"no report data for 2009: reports cover 20\d\d"):
        reports.validate(STUB, {"province": "Lạng Sơn", "year": 2009})
    assert str(covered[0]) in reports.format_years(covered)
    for bad in ("2022.5", True, 2022.5, None):
        with pytest.raises(reports.ReportParameterError):
            reports.validate_year(bad)


def test_unknown_parameter_refused(no_kernel):
    with pytest.raises(reports.ReportParameterError, match=r"parameter\(s\) 'colour'.*province, year"):
        reports.validate(STUB, {"province": "Lạng Sơn", "year": YEAR, "colour": "red"})


def test_validate_passes_only_registry_text():
    assert reports.validate(STUB, {"province": "tỉnh  LẠNG sơn", "year": "2022"}) == {
        "province": "Lang Son",
        "year": 2022,
    }
    task = reports.make_task(20, YEAR, STUB, Path("/somewhere"))
    assert task.ipynb == Path("/somewhere/2022/lang-son.ipynb")
    assert task.failed_log == Path("/somewhere/2022/failed/lang-son.ipynb")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--province", "../../etc/passwd", "--year", "2022"], "unknown province '../../etc/passwd'"),
        (["--province", "__import__('os')", "--year", "2022"], "unknown province"),
        (["--province", "Atlantis", "--year", "2022"], "unknown province 'Atlantis'"),
        (["--province", "Lạng Sơn", "--year", "2009"], "no report data for 2009"),
        (["--all", "--years", "2005-2024"], "no report data for 2005"),
        (["--province", "Lạng Sơn", "--years", "22-24"], "expected YYYY"),
        (["--province", "Lạng Sơn", "--year", "2022", "--jobs", "0"], "--jobs must be at least 1"),
        # issue 8, case 7: Hà Tây was merged into Hà Nội in 2008; an empty --years is not "latest"
        (["--province", "28", "--years", "2024"], "province Hà Tây (28) did not exist in 2024"),
        (["--province", "Ha Tay", "--years", "2011-2012"], "(years 1991-2008)"),
        (["--province", "20", "--years", ""], "--years is empty"),
        (["--province", "20", "--year", " "], "--years is empty"),
        (["--province", "20", "--years", "2022,"], "--years '2022,': expected YYYY"),
    ],
)
def test_cli_refuses_bad_parameters_in_one_line(argv, message, no_kernel, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path))
    assert cli.main(["report", *argv, "--template", str(STUB), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_cli_unknown_template_parameter(no_kernel, capsys, tmp_path):
    nb = nbformat.read(STUB, as_version=4)
    nb.cells[1].source = 'province = "Lang Son"'  # no `year`: the runner's year is unknown to it
    template = tmp_path / "no_year.ipynb"
    nbformat.write(nb, template)
    assert cli.main(["report", "--province", "20", "--year", "2022", "--template", str(template)]) == 1
    assert "unknown parameter(s) 'year'" in capsys.readouterr().err


def test_years_parsing_and_formatting():
    assert reports.parse_years("2018-2020") == [2018, 2019, 2020]
    assert reports.parse_years("2018, 2020-2021,2018") == [2018, 2020, 2021]
    assert reports.format_years([2011, 2012, 2013, 2015, 2017, 2018]) == "2011-2013, 2015, 2017-2018"
    with pytest.raises(reports.ReportParameterError, match="backwards"):
        reports.parse_years("2024-2018")


# --------------------------------------------------------------------------- a batch with one failure


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """`parlib report` on 3 provinces, 2 workers, the stub template; Cao Bằng fails."""
    root = tmp_path_factory.mktemp("reports")
    cache = tmp_path_factory.mktemp("cache") / "report-cache.parquet"
    cache.write_bytes(b"stub cache")
    prepared: list[int] = []

    def prepare(year):
        prepared.append(year)
        return cache

    mp = pytest.MonkeyPatch()
    mp.setenv("PARLIB_REPORTS_DIR", str(root))
    mp.setattr(reports.pool, "_prepare_year", prepare)
    out_lines: list[str] = []
    try:
        import contextlib
        import io

        buf_out, buf_err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
            argv = ["report", "--province", "Lạng Sơn", "--province", FAIL_NAME, "--province", "Hà Nội"]
            argv += ["--year", str(YEAR), "--jobs", "2", "--template", str(STUB), "--no-progress"]
            code = cli.main(argv)
        out_lines = buf_out.getvalue().splitlines()
    finally:
        mp.undo()
    return {"root": root, "code": code, "out": out_lines, "prepared": prepared, "cache": cache}


def test_batch_writes_the_others_and_exits_non_zero(batch):
    folder = batch["root"] / str(YEAR)
    assert batch["code"] == 1
    for _, slug in OK_NAMES.values():
        for ext in ("ipynb", "html", "json"):
            assert (folder / f"{slug}.{ext}").is_file()
    for ext in ("ipynb", "html", "json"):
        assert not (folder / f"{FAIL_SLUG}.{ext}").exists()
    assert batch["prepared"] == [YEAR]  # heavy work once per year, in the parent


def test_summary_names_province_cell_and_error(batch):
    text = "\n".join(batch["out"])
    assert "2 rendered, 0 up to date (skipped), 1 failed" in text
    failed = [line for line in batch["out"] if line.startswith("FAILED")]
    assert len(failed) == 1
    # cell 5 of the template; papermill's injected-parameters cell makes it cell 6 when executed
    assert f"{FAIL_NAME} ({FAIL_ID}), {YEAR}: template cell 5 (executed cell 6)" in failed[0]
    assert f"RuntimeError: stub failure for {FAIL_ID}" in failed[0]
    assert f"failed/{FAIL_SLUG}.ipynb" in failed[0]
    assert any(line == f"index: {batch['root'] / 'index.html'}" for line in batch["out"])


def test_failed_log_is_kept_apart_and_nothing_half_written(batch):
    root = batch["root"]
    log = root / str(YEAR) / "failed" / f"{FAIL_SLUG}.ipynb"
    nb = nbformat.read(log, as_version=4)
    assert nb.metadata["papermill"]["exception"] is True
    side = json.loads(log.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["status"] == "failed"
    assert side["error"]["ename"] == "RuntimeError" and side["error"]["template_cell"] == 5
    assert _tmp_files(root) == []
    assert sorted(p.name for p in (root / str(YEAR)).iterdir()) == sorted(
        ["failed", *(f"{s}.{e}" for _, s in OK_NAMES.values() for e in ("ipynb", "html", "json"))]
    )


def test_html_has_no_code_input(batch):
    page = (batch["root"] / str(YEAR) / "lang-son.html").read_text(encoding="utf-8")
    source = STUB.read_text(encoding="utf-8")
    assert "STUB_CODE_MARKER" in source
    assert "STUB_CODE_MARKER" not in page and "provinces.normalize" not in page
    assert 'province = "Lang Son"' not in page  # neither the parameters nor the injected cell
    assert '<div class="jp-InputPrompt' not in page and "In&nbsp;[" not in page
    assert "STUB_PROSE_MARKER" in page and "STUB_OUTPUT_MARKER Lạng Sơn 2022" in page
    assert "<title>Lạng Sơn 2022</title>" in page
    assert "vnd.parlib.record" not in page
    # kernels get the inline backend even though pytest (and make) export MPLBACKEND=Agg
    assert "MPLBACKEND=module://matplotlib_inline" in page
    # offline: no script or stylesheet from the network (nbconvert's lab template loads require.js
    # and MathJax from cdnjs; the report template leaves them out)
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', page)
    assert "cdnjs" not in page and "require.min.js" not in page and "mathjax" not in page.lower()


def test_executed_notebook_keeps_parameters_and_records(batch):
    path = batch["root"] / str(YEAR) / "lang-son.ipynb"
    nb = nbformat.read(path, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'province = "Lang Son"' in injected[0].source and "year = 2022" in injected[0].source
    assert reports.read_records(path)["province_id"] == "20"


def test_provenance_sidecar(batch):
    side = json.loads((batch["root"] / str(YEAR) / "lang-son.json").read_text(encoding="utf-8"))
    for key in (
        "schema",
        "status",
        "province_id",
        "province",
        "slug",
        "year",
        "parameters",
        "template",
        "inputs",
        "raw_files",
        "parlib_version",
        "versions",
        "started",
        "finished",
        "duration_s",
        "records",
    ):
        assert key in side, key
    assert side["status"] == "ok" and side["parameters"] == {"province": "Lang Son", "year": YEAR}
    assert side["template"]["path"] == "tests/fixtures/report_stub.ipynb"
    assert side["template"]["sha256"] == reports._sha256_file(STUB)
    assert set(side["versions"]) >= {"python", "pandas", "numpy", "matplotlib", "papermill", "nbconvert"}
    raw = side["raw_files"]
    assert len(raw["registry_sha256"]) == 64 and raw["files"]
    assert all(len(h) == 64 for h in raw["files"].values())
    assert side["inputs"]["data"]["panel"]["sha256"]
    assert side["inputs"]["data"]["report_cache"]["sha256"] == reports._sha256_file(batch["cache"])
    assert side["duration_s"] > 0 and side["started"] <= side["finished"]
    assert side["records"] == {
        "province_id": "20",
        "year": YEAR,
        "papi_total": 42.0,
        "papi_rank": 21,
        "papi_rank_of": 61,
        "papi_tier": "high",
        "papi_rank_change": 3,
    }


def test_index_links_every_report_with_its_numbers(batch):
    page = (batch["root"] / "index.html").read_text(encoding="utf-8")
    for name, slug in OK_NAMES.values():
        assert f'<a href="{YEAR}/{slug}.html">{name}</a>' in page
        assert f'href="{YEAR}/{slug}.ipynb"' in page
    assert "42.00" in page and "21 of 61" in page and "up 3 places" in page and "high" in page
    assert f'href="{YEAR}/failed/{FAIL_SLUG}.ipynb"' in page and "stub failure for 04" in page
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script[^>]*\bsrc=", page)  # its sorting and filtering script is inline


def test_rerun_skips_up_to_date_and_force_renders(batch, monkeypatch):
    root = batch["root"]
    monkeypatch.setattr(reports.pool, "_prepare_year", lambda year: batch["cache"])
    tasks = reports.plan(list(OK_NAMES), [YEAR], STUB, root)
    before = {p: p.stat().st_mtime_ns for p in (root / str(YEAR)).glob("*.*")}
    again = reports.run(tasks, jobs=2, progress=False)
    assert (again.skipped, again.rendered, again.failures) == (2, 0, [])
    assert {p: p.stat().st_mtime_ns for p in (root / str(YEAR)).glob("*.*")} == before
    # the data changes -> not up to date; a different template -> not up to date
    sha = reports._sha256_file(STUB)
    key = reports.inputs_key(tasks[0], sha, reports.data_stamp(YEAR, batch["cache"]))
    assert reports.is_up_to_date(tasks[0], key)
    assert not reports.is_up_to_date(tasks[0], {**key, "template_sha256": "0" * 64})
    assert not reports.is_up_to_date(tasks[0], {**key, "data": {"panel": {"sha256": "changed"}}})
    forced = reports.run(tasks, jobs=2, force=True, progress=False)
    assert (forced.skipped, forced.rendered, forced.failures) == (0, 2, [])
    after = {p: p.stat().st_mtime_ns for p in (root / str(YEAR)).glob("*.*")}
    assert all(after[p] > before[p] for p in before if p.name != "index.html")
    assert _tmp_files(root) == []


def test_stale_temp_files_of_a_killed_batch_are_swept(batch, monkeypatch):
    folder = batch["root"] / str(YEAR)
    monkeypatch.setattr(reports.pool, "_prepare_year", lambda year: batch["cache"])
    stale = folder / f".lang-son.bdead.0000{reports._TMP_MARK}.html"
    fresh = folder / f".ha-noi.bbusy.0000{reports._TMP_MARK}.html"  # a concurrent batch's: kept
    for path in (stale, fresh):
        path.write_text("half", encoding="utf-8")
    old = time.time() - reports.STALE_TMP_S - 60
    os.utime(stale, (old, old))
    result = reports.run(reports.plan(list(OK_NAMES), [YEAR], STUB, batch["root"]), progress=False)
    assert result.skipped == 2
    assert not stale.exists() and fresh.exists()
    fresh.unlink()


def test_success_removes_an_old_failed_log(batch, tmp_path, monkeypatch):
    monkeypatch.setattr(reports.pool, "_prepare_year", lambda year: None)
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    task.failed_log.parent.mkdir(parents=True)
    shutil.copy(batch["root"] / str(YEAR) / "failed" / f"{FAIL_SLUG}.ipynb", task.failed_log)
    task.failed_log.with_suffix(".json").write_text("{}", encoding="utf-8")
    result = reports.run([task], jobs=1, progress=False)
    assert result.ok and task.sidecar.is_file()
    assert list(task.failed_log.parent.iterdir()) == []


# --------------------------------------------------------------------------- atomicity


def _fake_execute(source: Path):
    def execute(task, out, **how):
        shutil.copy(source, out)
        return 1

    return execute


def _context(task: reports.Task) -> dict:
    key = reports.inputs_key(task, reports._sha256_file(STUB), {"panel": {"sha256": "x"}})
    return {"inputs": key, "template": {"path": str(STUB), "sha256": "x"}, "raw_files": {}}


@pytest.mark.parametrize("where", ["html", "sidecar"])
def test_keyboard_interrupt_while_writing_leaves_old_report_and_no_temp(batch, tmp_path, monkeypatch, where):
    executed = batch["root"] / str(YEAR) / "lang-son.ipynb"
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    # an earlier complete report: it must survive the interrupted re-render byte for byte
    task.folder.mkdir(parents=True)
    for ext in ("ipynb", "html", "json"):
        shutil.copy(executed.with_suffix(f".{ext}"), task.folder / f"lang-son.{ext}")
    old = {p.name: p.read_bytes() for p in task.folder.iterdir()}
    monkeypatch.setattr(reports.worker, "_execute", _fake_execute(executed))
    real_write = reports._write_text

    def interrupted_write(path, text):
        real_write(path, text[: len(text) // 2])  # half a file on disk, then Ctrl-C
        if path.suffix == (".html" if where == "html" else ".json"):
            raise KeyboardInterrupt
        real_write(path, text)

    monkeypatch.setattr(reports.worker, "_write_text", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        reports.render(task, _context(task), "test")
    assert {p.name: p.read_bytes() for p in task.folder.iterdir()} == old
    assert _tmp_files(tmp_path) == []


def test_keyboard_interrupt_on_a_fresh_report_writes_nothing(batch, tmp_path, monkeypatch):
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    monkeypatch.setattr(
        reports.worker, "_execute", _fake_execute(batch["root"] / str(YEAR) / "lang-son.ipynb")
    )

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reports.worker, "to_html", interrupted)
    with pytest.raises(KeyboardInterrupt):
        reports.render(task, _context(task), "test")
    assert list(task.folder.iterdir()) == []


def test_ctrl_c_during_a_batch_cleans_up(tmp_path):
    """A real SIGINT to the `parlib report` process group while two kernels run."""
    nb = nbformat.read(STUB, as_version=4)
    started = tmp_path / "started"
    started.mkdir()
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import os, pathlib, time\npathlib.Path(os.environ['STUB_STARTED'], pid).touch()\ntime.sleep(60)"
        )
    )
    slow = tmp_path / "slow.ipynb"
    nbformat.write(nb, slow)
    root = tmp_path / "reports"
    env = {**os.environ, "PARLIB_REPORTS_DIR": str(root), "STUB_STARTED": str(started)}
    argv = [sys.executable, "-m", "parlib", "report", "--province", "20", "--province", "01"]
    argv += ["--year", str(YEAR), "--jobs", "2", "--template", str(slow), "--no-progress"]
    # How this test process treats SIGINT is inherited by the child: twice in fresh-clone runs
    # under xdist the batch ignored the SIGINT (it ran to the end, exit 0) although it stops at
    # once when this file runs alone. The child starts as from a terminal, SIGINT by default and
    # unblocked; what the parent had is kept for the failure message.
    inherited = (signal.getsignal(signal.SIGINT), signal.pthread_sigmask(signal.SIG_BLOCK, []))

    def as_from_a_terminal() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})

    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=config.project_root(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=as_from_a_terminal,
    )
    try:
        deadline = time.monotonic() + 300  # a loaded machine: the year's cache and two kernel starts
        while time.monotonic() < deadline:  # both kernels are in the sleeping cell
            if len(list(started.iterdir())) == 2:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        else:
            pytest.fail("the two notebooks never started")
        os.killpg(proc.pid, signal.SIGINT)
        # patient: with the other test worker rendering reports (the browser test), stopping two
        # kernels took over 60 s once; the assertion is that the batch stops and cleans up
        _, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, f"{err.decode()}\n(test process SIGINT handler, mask: {inherited})"
    assert "interrupted" in err.decode()
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert [p for p in left if p != str(YEAR)] == [], left  # no report, no temp file, no failed log


# --------------------------------------------------------------------------- issue 8: parameters


def test_province_in_a_year_it_did_not_exist_is_refused(no_kernel, tmp_path):
    for call in (
        lambda: reports.validate(STUB, {"province": "Hà Tây", "year": 2011}),
        lambda: reports.make_task("28", 2024, STUB, tmp_path),
        lambda: reports.plan(["Lạng Sơn", "28"], [2022, 2024], STUB, tmp_path),
    ):
        with pytest.raises(reports.ReportParameterError) as info:
            call()
        message = str(info.value)
        assert "Hà Tây (28) did not exist in" in message and "1991-10-01 to 2008-07-31" in message
        assert "\n" not in message
    assert list(tmp_path.iterdir()) == []
    # --all takes only the provinces in force each year: no Hà Tây after 2008
    assert "28" not in {t.province_id for t in reports.plan(None, [2011], STUB, tmp_path)}


@pytest.mark.parametrize(
    ("params", "name", "expected"),
    [
        ({"lag": float("nan")}, "'lag'", "integer 0, 1 or 2"),
        ({"lag": 3}, "'lag'", "integer 0, 1 or 2"),
        ({"lag": True}, "'lag'", "integer 0, 1 or 2"),
        ({"lag": "1; rm -rf /"}, "'lag'", "integer 0, 1 or 2"),
        ({"seed": 10**100}, "'seed'", "0-4294967295"),
        ({"seed": -1}, "'seed'", "0-4294967295"),
        ({"seed": 1.5}, "'seed'", "0-4294967295"),
        ({"years": "2018-2024; rm -rf"}, "'years'", "'YYYY-YYYY' or a [first, last] pair"),
        ({"years": [2018, 2020, 2024]}, "'years'", "'YYYY-YYYY' or a [first, last] pair"),
        ({"years": [2024, 2018]}, "'years'", "first <= last"),
        ({"years": [1990, 2024]}, "'years'", "within the panel's"),
        (
            {"years": "2005-2008"},
            "'outcome' and 'years'",
            "papi_control_of_corruption has no data in 2005-2008",
        ),
        ({"outcome": "papi_totl"}, "'outcome'", "not a panel column; did you mean 'papi_total'"),
        ({"outcome": ["papi_total"]}, "'outcome'", "expected a panel column name"),
        ({"drivers": []}, "'drivers'", "non-empty list"),
        ({"drivers": ["papi_egov_portal_access", "__import__('os')"]}, "'drivers'", "list of panel columns"),
        ({"drivers": ["papi_total", "papi_total"]}, "'drivers'", "distinct"),
        ({"drivers": ["gso_population", "no_such_column"]}, "'drivers'", "'no_such_column' is not a panel"),
        (
            {"outcome": "papi_e_governance"},
            "'outcome' and 'drivers'",
            "overlaps the outcome papi_e_governance",
        ),
        ({"method": ["cr1", "bootstrap"]}, "'method'", "methods from cr1, cr2, wild, ri"),
        ({"method": []}, "'method'", "non-empty list"),
    ],
)
def test_drivers_template_parameters_checked_before_any_kernel(params, name, expected, no_kernel):
    with pytest.raises(reports.ReportParameterError) as info:
        reports.validate(DRIVERS, params)
    message = str(info.value)
    assert name in message and expected in message, message
    assert "\n" not in message and len(message) < 400


def test_report_runner_refuses_a_template_without_province_and_year(no_kernel, tmp_path):
    with pytest.raises(reports.ReportParameterError) as info:
        reports.make_task("20", YEAR, DRIVERS, tmp_path)
    message = str(info.value)
    assert message.startswith("template drivers_regression.ipynb takes no 'province' or 'year'")
    assert "it declares: outcome, drivers, years, lag, method, seed" in message and "papermill" in message
    assert list(tmp_path.iterdir()) == []


def test_drivers_template_parameters_are_normalised(no_kernel):
    got = reports.validate(
        DRIVERS,
        {
            "outcome": "papi_public_services",
            "drivers": "papi_egov_portal_access, gso_population",
            "years": "2018-2024",
            "lag": 2.0,
            "method": "cr1,ri",
            "seed": 2**32 - 1,
        },
    )
    assert got == {
        "outcome": "papi_public_services",
        "drivers": ["papi_egov_portal_access", "gso_population"],
        "years": [2018, 2024],
        "lag": 2,
        "method": ["cr1", "ri"],
        "seed": 2**32 - 1,
    }
    assert reports.validate(DRIVERS, {"years": [2019, 2023], "lag": 0}) == {"years": [2019, 2023], "lag": 0}
    # one table per template, keyed by parameter name; any other template gets them all by name
    assert set(reports.rules_for(DRIVERS).rules) == {
        "outcome",
        "drivers",
        "years",
        "lag",
        "method",
        "seed",
        "design",
        "tables",
    }
    assert {"province", "lag", "seed"} <= set(reports.rules_for(STUB_PARAMS).rules)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (["lag", "nan"], "parameter 'lag': expected an integer 0, 1 or 2"),
        (["seed", str(10**100)], "parameter 'seed': expected an integer 0-4294967295"),
        (["years", "2018-2024; rm -rf"], "parameter 'years': expected 'YYYY-YYYY'"),
        (["outcome", "papi_e_governance"], "driver papi_egov_portal_access overlaps the outcome"),
        (["method", "cr1,magic"], "parameter 'method': expected methods from cr1, cr2, wild, ri"),
        (["colour", "red"], "unknown parameter(s) 'colour'"),
        (["province", "20"], "-p province: give the province with --province"),
        (["lag", "1", "-p", "lag", "2"], "-p lag: given twice"),
    ],
)
def test_cli_template_parameters_refused_in_one_line(
    pairs, message, no_kernel, capsys, tmp_path, monkeypatch
):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path))
    before = _old_report(tmp_path)
    argv = ["report", "--province", "20", "--year", "2022", "--template", str(STUB_PARAMS), "--no-progress"]
    assert cli.main([*argv, "-p", *pairs]) == 1
    out, err = capsys.readouterr()
    assert err.startswith("parlib: error: ") and err.count("\n") == 1 and message in err, err
    assert out == ""
    assert _files(tmp_path) == before


def test_cli_template_parameters_reach_the_tasks(no_kernel, monkeypatch):
    pairs = [("lag", "2"), ("method", "cr1,wild"), ("years", "2019-2023"), ("seed", "7")]
    extra = reports.cli_parameters(pairs)
    assert extra == {"lag": 2, "method": "cr1,wild", "years": "2019-2023", "seed": 7}
    assert reports.cli_parameters([("x", "True"), ("y", "None"), ("z", "1.5"), ("w", "a b")]) == {
        "x": True,
        "y": None,
        "z": 1.5,
        "w": "a b",
    }
    (task,) = reports.plan(["20"], [YEAR], STUB_PARAMS, Path("/somewhere"), parameters=extra)
    assert task.parameters == {
        "province": "Lang Son",
        "year": YEAR,
        "lag": 2,
        "method": ["cr1", "wild"],
        "years": [2019, 2023],
        "seed": 7,
    }


# --------------------------------------------------------------------------- issue 8: a full disk


def _full_disk(monkeypatch, *names: str, code: int = errno.ENOSPC) -> list[str]:
    """``_write_text`` fails (no space left) for a file whose name contains one of ``names``.

    Patched where it is looked up: the worker's report files and logs, the site's index page.
    """
    real, refused = reports._write_text, []

    def write(path, text):
        if any(n in Path(path).name for n in names):
            refused.append(Path(path).name)
            raise OSError(code, os.strerror(code), str(path))
        return real(path, text)

    monkeypatch.setattr(reports.worker, "_write_text", write)
    monkeypatch.setattr(reports.site, "_write_text", write)
    return refused


def test_full_disk_fails_that_report_only_and_keeps_the_previous_one(batch, tmp_path, monkeypatch):
    executed = batch["root"] / str(YEAR) / "lang-son.ipynb"
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    before = _old_report(tmp_path)
    monkeypatch.setattr(reports.worker, "_execute", _fake_execute(executed))
    refused = _full_disk(monkeypatch, ".html")
    result = reports.render(task, _context(task), "test")
    assert refused and result.status == "failed"
    line = result.failure.line()
    assert "\n" not in line
    assert line.startswith(
        f"Lạng Sơn (20), {YEAR}: writing: OSError: {task.html}: no space left on the device"
    )
    assert f"[log: {task.failed_log}]" in line and "log not written" not in line
    after = _files(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith(f"{YEAR}/failed/")} == before
    # the failure logs are complete, with the umask's mode (0644 under 022), and nothing else is left
    assert nbformat.read(task.failed_log, as_version=4).cells
    side = json.loads(task.failed_log.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["status"] == "failed" and side["error"]["stage"] == "writing"
    for log in (task.failed_log, task.failed_log.with_suffix(".json")):
        assert log.stat().st_mode & 0o777 == atomic.file_mode()
    assert _tmp_files(tmp_path) == []


def test_full_disk_for_the_logs_too_leaves_no_partial_log(batch, tmp_path, monkeypatch):
    executed = batch["root"] / str(YEAR) / "lang-son.ipynb"
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    before = _old_report(tmp_path)
    monkeypatch.setattr(reports.worker, "_execute", _fake_execute(executed))
    _full_disk(monkeypatch, ".json", ".html", code=errno.EDQUOT)
    result = reports.render(task, _context(task), "test")
    line = result.failure.line()
    assert "disk quota exceeded" in line and "\n" not in line
    assert f"[log not written: {task.failed_log.with_suffix('.json')}: disk quota exceeded]" in line
    assert not task.failed_log.with_suffix(".json").exists()
    assert {k: v for k, v in _files(tmp_path).items() if "/failed/" not in k} == before
    assert _tmp_files(tmp_path) == []


def test_cut_off_executed_notebook_is_not_kept_as_a_log(batch, tmp_path, monkeypatch):
    """papermill's own write of the executed notebook hits the full disk: half a notebook."""
    text = (batch["root"] / str(YEAR) / "lang-son.ipynb").read_text(encoding="utf-8")

    def execute(task, out, **how):
        Path(out).write_text(text[: len(text) // 3], encoding="utf-8")
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))  # as a failed write(): no file name

    task = reports.make_task("20", YEAR, STUB, tmp_path)
    before = _old_report(tmp_path)
    task.failed_log.parent.mkdir()
    task.failed_log.write_text("an earlier run's log", encoding="utf-8")  # would no longer match
    monkeypatch.setattr(reports.worker, "_execute", execute)
    result = reports.render(task, _context(task), "test")
    line = result.failure.line()
    assert f"writing: OSError: {task.ipynb}: file too large for this file system or limit" in line
    assert not task.failed_log.exists() and "[log:" not in line
    side = json.loads(task.failed_log.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["status"] == "failed" and side["error"]["log"] is None
    assert {k: v for k, v in _files(tmp_path).items() if "/failed/" not in k} == before
    assert _tmp_files(tmp_path) == []


def _in_process_pool(todo, report, batch, progress, tqdm):
    """``_run_pool`` without processes, so monkeypatched writers apply."""
    for task, context in todo:
        report.results.append(reports.render(task, context, batch))


def test_full_disk_on_the_index_page_is_one_summary_line(batch, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path))
    monkeypatch.setattr(reports.pool, "_prepare_year", lambda year: batch["cache"])
    monkeypatch.setattr(
        reports.worker, "_execute", _fake_execute(batch["root"] / str(YEAR) / "lang-son.ipynb")
    )
    monkeypatch.setattr(reports.pool, "_run_pool", _in_process_pool)
    (tmp_path / "index.html").write_text("OLD INDEX", encoding="utf-8")
    _full_disk(monkeypatch, "index")
    argv = ["report", "--province", "20", "--year", str(YEAR), "--template", str(STUB), "--no-progress"]
    assert cli.main(argv) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("parlib report: 1 rendered, 0 up to date (skipped), 0 failed"), out
    index = tmp_path / "index.html"
    assert lines[1:] == [
        f"FAILED index page {index}: no space left on the device (the previous page is kept)"
    ]
    assert "error" not in err
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "OLD INDEX"
    for ext in ("ipynb", "html", "json"):  # the report itself is complete, mode 0666 minus the umask
        assert (tmp_path / str(YEAR) / f"lang-son.{ext}").stat().st_mode & 0o777 == atomic.file_mode()
    assert _tmp_files(tmp_path) == []


# --------------------------------------------------------------------------- helpers


def test_retry_once_on_zmq_address_in_use(monkeypatch, tmp_path):
    import papermill

    calls = []

    def flaky(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("zmq.error.ZMQError: Address already in use (addr='tcp://127.0.0.1:5555')")
        Path(args[1]).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    assert reports._execute(task, tmp_path / "out.ipynb") == 2
    kw = calls[-1]
    assert kw["cwd"] == str(config.project_root()) and kw["kernel_name"] == "python3"
    assert kw["request_save_on_cell_execute"] is False and kw["autosave_cell_every"] == 0
    assert kw["progress_bar"] is False and kw["start_timeout"] == 120 and kw["shutdown_kernel"] == "immediate"
    assert kw["parameters"] == {"province": "Lang Son", "year": YEAR}

    def always(*args, **kwargs):
        raise RuntimeError("Address already in use")

    monkeypatch.setattr(papermill, "execute_notebook", always)
    with pytest.raises(RuntimeError):
        reports._execute(task, tmp_path / "out.ipynb")


def test_index_escapes_html(tmp_path):
    folder = tmp_path / "2022"
    folder.mkdir()
    side = {"status": "ok", "province": "<script>alert(1)</script>", "records": {"papi_tier": "<b>"}}
    (folder / "x.json").write_text(json.dumps(side), encoding="utf-8")
    (folder / "x.html").write_text("", encoding="utf-8")
    (folder / "x.ipynb").write_text("", encoding="utf-8")
    (folder / "half.json").write_text('{"status": "ok"}', encoding="utf-8")  # no .html/.ipynb: not listed
    page = reports.write_index(tmp_path).read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;" in page and "half" not in page


def test_index_rank_uses_the_publishers_n_from_papi_rank_text(tmp_path):
    """Hà Nội 2024: 29 of the 61 in parlib's source, 29 of the 63 PAPI ranked (key_facts' papi_rank_text)."""
    folder = tmp_path / "2024"
    folder.mkdir()
    long = "rank 29 of 63 (PAPI ranked 63; 2 are missing from parlib's source: Vĩnh Phúc, Tiền Giang)"
    records = {
        "ha-noi": {"papi_rank": 29, "papi_rank_of": 61, "papi_rank_text": long},
        "lang-son": {"papi_rank": 5, "papi_rank_of": 61, "papi_rank_text": "rank 5 of 61"},
        "hai-phong": {"papi_rank": 40, "papi_rank_of": 61},  # an older sidecar: no papi_rank_text
        "bac-ninh": {"papi_rank": 7, "papi_rank_of": 61, "papi_rank_text": 'rank 6-8 of 63 (x "<b>")'},
    }
    for stem, rec in records.items():
        side = {"status": "ok", "province": stem, "records": rec}
        (folder / f"{stem}.json").write_text(json.dumps(side), encoding="utf-8")
        (folder / f"{stem}.html").write_text("", encoding="utf-8")
        (folder / f"{stem}.ipynb").write_text("", encoding="utf-8")
    page = reports.write_index(tmp_path).read_text(encoding="utf-8")
    title = "rank 29 of 63 (PAPI ranked 63; 2 are missing from parlib&#x27;s source: Vĩnh Phúc, Tiền Giang)"
    assert f'<td class="num" title="{title}">29 of 63</td>' in page  # short cell, the rest as its title
    assert "29 of 61" not in page and ">PAPI ranked" not in page
    assert '<td class="num">5 of 61</td>' in page  # short already: no title
    assert '<td class="num">40 of 61</td>' in page  # the fallback: papi_rank of papi_rank_of
    assert '<td class="num" title="rank 6-8 of 63 (x &quot;&lt;b&gt;&quot;)">6-8 of 63</td>' in page


@pytest.mark.slow
@pytest.mark.skipif(not reports.default_template().is_file(), reason="province_report.ipynb not written yet")
def test_real_template_one_report(tmp_path):
    task = reports.make_task("Lạng Sơn", YEAR, None, tmp_path)
    result = reports.run([task], jobs=1, progress=False)
    assert result.ok, result.summary()
    side = json.loads(task.sidecar.read_text(encoding="utf-8"))
    assert side["records"]["province_id"] == "20" and side["records"]["year"] == YEAR
    assert {"papi_total", "papi_rank", "papi_rank_of", "papi_tier", "unit_34"} <= set(side["records"])
    page = task.html.read_text(encoding="utf-8")
    assert "import parlib" not in page and '<div class="jp-InputPrompt' not in page
    assert "<img" in page  # figures survive (the runner forces the inline backend in kernels)


def test_report_processes_do_not_compile_the_iri_grammar():
    """parlib.reports marks rfc3987_syntax absent before nbformat loads (2-3 s per report process);
    nbformat still validates notebooks without it."""
    code = (
        "import sys, parlib.reports, nbformat, papermill\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
        "print(repr(sys.modules.get('rfc3987_syntax', 'never imported')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() in ("None", "'never imported'"), out.stdout + out.stderr


def test_open_serves_the_reports_on_localhost(tmp_path):
    """`parlib open --port 0` prints the address and serves reports/ (the index page and a report)."""
    import urllib.request

    (tmp_path / "index.html").write_text("<html><body>INDEX_MARKER</body></html>", encoding="utf-8")
    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "lang-son.html").write_text("REPORT_MARKER", encoding="utf-8")
    env = {**os.environ, "PARLIB_REPORTS_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "parlib.cli", "open", "--port", "0"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/index\.html", line).group()
        with urllib.request.urlopen(url, timeout=10) as response:
            assert "INDEX_MARKER" in response.read().decode()
        with urllib.request.urlopen(url.replace("index.html", "2024/lang-son.html"), timeout=10) as response:
            assert response.read().decode() == "REPORT_MARKER"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    empty = tmp_path / "empty"
    empty.mkdir()
    env["PARLIB_REPORTS_DIR"] = str(empty)
    done = subprocess.run([sys.executable, "-m", "parlib.cli", "open", "--port", "0"], env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "no index.html yet" in done.stderr and done.stderr.count("\n") == 1
