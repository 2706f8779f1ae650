"""The report runner (parlib.reports) and `parlib report`, on a tiny stub template.

tests/fixtures/report_stub.ipynb has parameters ``province`` and ``year``, records stub
numbers derived from the GSO code, and raises for Cao Bằng ("04"): one kernel round-trip
per report, so a batch of three takes a few seconds with two workers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from parlib import cli, config, reports
from parlib.errors import UnknownProvinceError

STUB = Path(__file__).parent / "fixtures" / "report_stub.ipynb"
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
    monkeypatch.setattr(reports, "_executor", boom)
    monkeypatch.setattr(reports, "render", boom)


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
    mp.setattr(reports, "_prepare_year", prepare)
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
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_rerun_skips_up_to_date_and_force_renders(batch, monkeypatch):
    root = batch["root"]
    monkeypatch.setattr(reports, "_prepare_year", lambda year: batch["cache"])
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
    monkeypatch.setattr(reports, "_prepare_year", lambda year: batch["cache"])
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
    monkeypatch.setattr(reports, "_prepare_year", lambda year: None)
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    task.failed_log.parent.mkdir(parents=True)
    shutil.copy(batch["root"] / str(YEAR) / "failed" / f"{FAIL_SLUG}.ipynb", task.failed_log)
    task.failed_log.with_suffix(".json").write_text("{}", encoding="utf-8")
    result = reports.run([task], jobs=1, progress=False)
    assert result.ok and task.sidecar.is_file()
    assert list(task.failed_log.parent.iterdir()) == []


# --------------------------------------------------------------------------- atomicity


def _fake_execute(source: Path):
    def execute(task, out):
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
    monkeypatch.setattr(reports, "_execute", _fake_execute(executed))
    real_write = reports._write_text

    def interrupted_write(path, text):
        real_write(path, text[: len(text) // 2])  # half a file on disk, then Ctrl-C
        if path.suffix == (".html" if where == "html" else ".json"):
            raise KeyboardInterrupt
        real_write(path, text)

    monkeypatch.setattr(reports, "_write_text", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        reports.render(task, _context(task), "test")
    assert {p.name: p.read_bytes() for p in task.folder.iterdir()} == old
    assert _tmp_files(tmp_path) == []


def test_keyboard_interrupt_on_a_fresh_report_writes_nothing(batch, tmp_path, monkeypatch):
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    monkeypatch.setattr(reports, "_execute", _fake_execute(batch["root"] / str(YEAR) / "lang-son.ipynb"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reports, "to_html", interrupted)
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
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=config.project_root(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # both kernels are in the sleeping cell
            if len(list(started.iterdir())) == 2:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        else:
            pytest.fail("the two notebooks never started")
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    left = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    assert [p for p in left if p != str(YEAR)] == [], left  # no report, no temp file, no failed log


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
