"""Report batches on Dask distributed (``parlib report --scheduler``), on LocalClusters of two workers.

``--scheduler local`` is compared with the process pool; the worker-death tests share one
LocalCluster reached by its tcp:// address (the path of an existing cluster). The stub template
(tests/fixtures/report_stub.ipynb) renders in one kernel round-trip; a copy with one more cell kills
its worker (the kernel's parent) for the provinces in ``PARLIB_TEST_KILL``: ``once`` (a marker file
lets the retry through) or ``always``. Batches run with ``prepare=False`` (or ``_prepare_year``
patched to None in the client), so no report cache is built.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from parlib import cli, reports
from parlib.reports import executors

distributed = pytest.importorskip("distributed")

STUB = Path(__file__).parent / "fixtures" / "report_stub.ipynb"
YEAR = 2022
VOLATILE = {"started", "finished", "duration_s", "attempts"}  # attempts: a kernel start retried under load
KILL_CELL = """\
import json, os, pathlib, signal, time
_how = json.loads(os.environ.get("PARLIB_TEST_KILL", "{}")).get(province)
_mark = pathlib.Path(os.environ.get("PARLIB_TEST_KILL_DIR", ".")) / f"{province}-{year}"
if _how == "always" or (_how == "once" and not _mark.exists()):
    with open(_mark, "a") as fh:
        fh.write("killed\\n")
    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent: the Dask worker rendering this report
    time.sleep(10)
"""


def _tmp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if reports._TMP_MARK in p.name or p.name.startswith(".")]


def _complete(root: Path, slug: str) -> bool:
    """The report's three files exist and are whole (a notebook with cells, a sidecar that says ok)."""
    folder = root / str(YEAR)
    if not all((folder / f"{slug}.{ext}").is_file() for ext in ("ipynb", "html", "json")):
        return False
    side = json.loads((folder / f"{slug}.json").read_text(encoding="utf-8"))
    return side["status"] == "ok" and bool(nbformat.read(folder / f"{slug}.ipynb", as_version=4).cells)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A LocalCluster of two workers that the batches reach by its tcp:// address (an existing cluster).

    Its workers see ``PARLIB_TEST_KILL`` (Lạng Sơn: once, Hà Nội: always), a marker folder and a
    short TMPDIR (their kernel folders, removed after); Dask gives a task up after 2 worker deaths.
    """
    import dask

    folder = tmp_path_factory.mktemp("dask")
    nb = nbformat.read(STUB, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(KILL_CELL))  # before the stub's failing cell
    template = folder / "killer.ipynb"
    nbformat.write(nb, template)
    marks = folder / "marks"
    marks.mkdir()
    worker_tmp = Path(tempfile.mkdtemp(prefix="pd-"))  # short: kernels' unix socket paths
    with pytest.MonkeyPatch.context() as mp, dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        mp.setenv("PARLIB_TEST_KILL", json.dumps({"Lang Son": "once", "Ha Noi": "always"}))
        mp.setenv("PARLIB_TEST_KILL_DIR", str(marks))
        mp.setenv("TMPDIR", str(worker_tmp))  # the workers' (spawned) temp folder; this process keeps its own
        with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        ) as local:
            yield local.scheduler_address, template, marks
    shutil.rmtree(worker_tmp, ignore_errors=True)


def _kills(marks: Path, province: str) -> int:
    path = marks / f"{province}-{YEAR}"
    return len(path.read_text().splitlines()) if path.exists() else 0


# --------------------------------------------------------------------------- (a) same reports as the pool


def test_local_cluster_renders_what_the_process_pool_renders(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reports.pool, "_prepare_year", lambda year: None)
    argv = ["report", "--province", "Lạng Sơn", "--province", "Hà Nội", "--year", str(YEAR), "--jobs", "2"]
    argv += ["--template", str(STUB), "--engine", "papermill", "--no-progress"]
    roots = {"pool": tmp_path / "pool", "dask": tmp_path / "dask"}
    for name, extra in (("pool", []), ("dask", ["--scheduler", "local"])):
        monkeypatch.setenv("PARLIB_REPORTS_DIR", str(roots[name]))
        assert cli.main(argv + extra) == 0
        out = capsys.readouterr().out
        assert out.startswith("parlib report: 2 rendered, 0 up to date (skipped), 0 failed"), out
        assert "with 2 worker(s)" in out
    for slug in ("lang-son", "ha-noi"):
        sides = [
            json.loads((roots[n] / str(YEAR) / f"{slug}.json").read_text(encoding="utf-8")) for n in roots
        ]
        pool, dask = ({k: v for k, v in s.items() if k not in VOLATILE} for s in sides)
        assert pool == dask and dask["records"]["province_id"] in {"20", "01"}
        nbs = [nbformat.read(r / str(YEAR) / f"{slug}.ipynb", as_version=4) for r in roots.values()]
        cells = [[(c.cell_type, c.source, c.get("outputs")) for c in nb.cells] for nb in nbs]
        assert cells[0] == cells[1]
    assert (roots["pool"] / "index.csv").read_bytes() == (roots["dask"] / "index.csv").read_bytes()
    assert _tmp_files(roots["dask"]) == []


# --------------------------------------------------------------------------- (b) a worker killed mid-batch


def test_a_worker_killed_mid_batch_reruns_its_task_and_leaves_nothing_half_written(cluster, tmp_path):
    """On an existing cluster (tcp://): the batch connects to it and leaves it running."""
    address, template, marks = cluster
    assert address.startswith("tcp://")
    root = tmp_path / "reports"
    tasks = reports.plan(["20", "48", "79"], [YEAR], template, root)  # Lạng Sơn kills its worker once
    batch = reports.run(tasks, jobs=2, progress=False, prepare=False, engine="papermill", scheduler=address)
    assert batch.failures == [] and batch.rendered == 3, batch.summary()
    assert batch.jobs == 2  # the cluster's workers, not --jobs
    assert _kills(marks, "Lang Son") == 1
    for task in tasks:
        assert _complete(root, task.slug), task.slug
    assert _tmp_files(root) == []
    assert not (root / str(YEAR) / "failed").exists()
    with distributed.Client(address) as client:  # the batch left the cluster running
        assert client.nthreads()


# --------------------------------------------------------------------------- (c) the argument


@pytest.mark.parametrize("bad", ["remote", "http://h:8786", "tcp://h", "tcp://h:0", "tcp://:8786", " "])
def test_a_bad_scheduler_is_one_line(bad, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path))
    argv = ["report", "--province", "20", "--year", str(YEAR), "--template", str(STUB), "--scheduler", bad]
    assert cli.main([*argv, "--no-progress"]) == 1
    out, err = capsys.readouterr()
    assert err == f"parlib: error: --scheduler must be 'local' or tcp://HOST:PORT, got {bad!r}\n"
    assert out == "" and list(tmp_path.iterdir()) == []


def test_without_the_dask_extra_the_error_names_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    argv = ["report", "--province", "20", "--year", str(YEAR), "--template", str(STUB)]
    assert cli.main([*argv, "--scheduler", "local"]) == 1
    assert capsys.readouterr().err == f"parlib: error: {executors.DASK_EXTRA}\n"
    with pytest.raises(reports.ReportParameterError, match=r"pip install -e '\.\[dask\]'"):
        reports.run([], scheduler="tcp://127.0.0.1:8786")
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_scheduler_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PARLIB_REPORTS_DIR", str(tmp_path))
    monkeypatch.setattr(reports.pool, "_prepare_year", lambda year: None)
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    argv = ["report", "--province", "20", "--year", str(YEAR), "--template", str(STUB)]
    assert cli.main([*argv, "--scheduler", "tcp://127.0.0.1:9", "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("parlib: error: --scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert err.count("\n") == 1
    assert _tmp_files(tmp_path) == []


# --------------------------------------------------------------------------- (d) a task killing its workers


def test_a_task_that_always_kills_its_worker_is_one_failure_row(cluster, tmp_path):
    address, template, marks = cluster
    root = tmp_path / "reports"
    tasks = reports.plan(["01", "31"], [YEAR], template, root)  # Hà Nội kills every worker it runs on
    batch = reports.run(tasks, jobs=2, progress=False, prepare=False, engine="papermill", scheduler=address)
    assert batch.rendered == 1 and not batch.ok
    (failure,) = batch.failures
    assert failure.ename == "KilledWorker" and failure.province_id == "01"
    lines = batch.summary().splitlines()
    assert lines[0].startswith("1 rendered, 0 up to date (skipped), 1 failed") and len(lines) == 2
    died = "KilledWorker: the worker rendering this report died 2 times"
    assert lines[1].startswith(f"FAILED Hà Nội (01), {YEAR}: dask worker: {died}")
    assert _kills(marks, "Ha Noi") == 2
    assert _complete(root, tasks[1].slug)
    assert not list((root / str(YEAR)).glob("ha-noi*")) and not (root / str(YEAR) / "failed").exists()
    assert _tmp_files(root) == []


# --------------------------------------------------------------------------- (e) a worker that differs


def _context(task: reports.Task, **data: object) -> dict:
    sha = reports._sha256_file(task.template)
    stamp = {**reports.data_stamp(YEAR, None), **data}
    return {
        "inputs": reports.inputs_key(task, sha, stamp),
        "template": {"path": str(task.template), "sha256": sha},
        "raw_files": {},
        "engine": "papermill",
    }


def test_a_worker_that_differs_fails_the_task_in_one_line_and_renders_nothing(tmp_path, monkeypatch):
    def no_render(*args, **kwargs):
        raise AssertionError("rendered")

    monkeypatch.setattr(executors, "render", no_render)
    task = reports.make_task("20", YEAR, STUB, tmp_path)
    batch = "btest01"

    def failure(context: dict) -> str:
        result = executors.render_on_worker(task, context, batch)
        assert result.status == "failed" and result.failure.ename == "WorkerMismatch"
        line = result.failure.line()
        assert "\n" not in line and line.startswith(f"Lạng Sơn (20), {YEAR}: checking the worker: ")
        return line

    # no marker: this worker does not share the client's reports folder
    assert "not the client's reports folder (PARLIB_REPORTS_DIR must be shared" in failure(_context(task))
    (tmp_path / executors._marker(batch)).write_text(batch)
    other = {"panel": {"path": "data/processed/panel.parquet", "sha256": "0" * 64}}
    line = failure(_context(task, **other))
    assert ": panel sha256 " in line and "the client's 000000000000… (give every worker" in line
    bad = _context(task)
    bad["template"] = {**bad["template"], "sha256": "f" * 64}
    assert f"template sha256 {reports._sha256_file(STUB)[:12]}…, the client's ffffffffffff…" in failure(bad)
    monkeypatch.setattr(executors, "render", lambda task, context, batch: "rendered")
    assert executors.render_on_worker(task, _context(task), batch) == "rendered"
    assert list(tmp_path.iterdir()) == [tmp_path / executors._marker(batch)]
