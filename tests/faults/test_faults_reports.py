"""Faults of `parlib report` (issue 8, the report runner's parts of cases 5, 7, 9 and 10).

Each test runs the CLI in a subprocess with PARLIB_REPORTS_DIR in a temporary folder:

- a template that is not a notebook (/etc/passwd, not JSON, empty, no ``parameters`` cell, a
  folder) is refused in one line naming it, without echoing its content;
- a full disk during a batch (RLIMIT_FSIZE with SIGXFSZ ignored, so writes fail with EFBIG):
  each report is complete or absent, the previous one untouched, the failure logs complete or
  absent, the index page's failure one line of the summary, which is printed; exit status 1;
- SIGKILL of the `parlib report` process: its workers, their kernels and the multiprocessing
  resource tracker are gone within seconds, and no temporary file is left.

The batch tests run ``parlib.cli.main`` through ``DRIVER``: the same CLI with the data layer
pinned (``report_years`` is [2022], no report cache: the stub template reads none), so the
panel is neither loaded nor rebuilt there and the file-size limit only meets the report files.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from fault_helpers import ROOT, cli, env, error_line, snapshot

STUB = ROOT / "tests" / "fixtures" / "report_stub.ipynb"  # raises for Cao Bằng (04)
TMP_MARK = ".parlib-tmp"

DRIVER = """
import os, resource, signal, sys
from parlib import cli, reports
# patched in the modules that look them up: run() in reports.pool, plan() in reports.tasks,
# validate_year's default in reports.params
reports.pool._prepare_year = lambda year: None
reports.tasks.report_years = reports.params.report_years = lambda: [2022]
if os.environ.get("FAULT_UMASK"):
    os.umask(int(os.environ["FAULT_UMASK"], 8))
if os.environ.get("FAULT_FSIZE"):
    limit = int(os.environ["FAULT_FSIZE"])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.exit(cli.main(sys.argv[1:]))
"""


def _driver(*args: object) -> list[str]:
    return [sys.executable, "-c", DRIVER, *map(str, args)]


def _files(root: Path) -> dict[str, str]:
    """snapshot() without the folders: files and their sha256."""
    return {k: v for k, v in snapshot(root).items() if v != "<dir>"}


def _temporary(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if TMP_MARK in p.name]


def _old_report(root: Path) -> None:
    """An earlier complete report of Lạng Sơn 2022 and an index page, to be left byte-identical."""
    folder = root / "2022"
    folder.mkdir(parents=True)
    for ext in ("ipynb", "html"):
        (folder / f"lang-son.{ext}").write_text(f"OLD {ext}", encoding="utf-8")
    (folder / "lang-son.json").write_text('{"status": "ok", "province": "OLD"}', encoding="utf-8")
    (root / "index.html").write_text("OLD INDEX", encoding="utf-8")


# --------------------------------------------------------------------------- case 5: the template

SECRET = "root:x:0:0:SECRET-FIRST-LINE:/root:/bin/bash"


def _bad_template(tmp_path: Path, kind: str) -> Path:
    if kind == "etc_passwd":
        if not Path("/etc/passwd").is_file():
            pytest.skip("no /etc/passwd here")
        return Path("/etc/passwd")
    path = tmp_path / f"{kind}.ipynb"
    if kind == "passwd_like":
        path = tmp_path / "passwd"
        path.write_text(SECRET + "\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n", encoding="utf-8")
    elif kind == "not_json":
        path.write_text('{"cells": [{"SECRET-FIRST-LINE"', encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "json_not_notebook":
        path.write_text('{"SECRET-FIRST-LINE": 1}', encoding="utf-8")
    elif kind == "no_parameters":
        nb = nbformat.read(STUB, as_version=4)
        nb.cells[1].metadata["tags"] = []
        nbformat.write(nb, path)
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("etc_passwd", "is not a Jupyter notebook (JSON)"),
        ("passwd_like", "is not a Jupyter notebook (JSON)"),
        ("not_json", "is not a Jupyter notebook (JSON)"),
        ("empty", "is empty (0 bytes): not a Jupyter notebook (JSON)"),
        ("json_not_notebook", "is JSON but not a Jupyter notebook"),
        ("no_parameters", "has no cell tagged 'parameters'"),
        ("folder", "is a folder, not a Jupyter notebook"),
    ],
)
def test_template_that_is_not_a_notebook_is_refused_in_one_line(tmp_path, kind, problem):
    template = _bad_template(tmp_path, kind)
    root = tmp_path / "reports"
    _old_report(root)
    before = snapshot(root)
    proc = cli(
        "report", "--province", "Lạng Sơn", "--year", "2022", "--template", template, "--no-progress",
        environ=env(PARLIB_REPORTS_DIR=root),
    )  # fmt: skip
    error_line(proc, f"template {template} {problem}", code=1)
    content = Path(template).read_text(errors="replace").splitlines() if Path(template).is_file() else []
    for secret in ["SECRET-FIRST-LINE", *content[:1]]:  # the file's content is never echoed
        if len(secret) > 8:
            assert secret not in proc.stderr and secret not in proc.stdout
    assert proc.stdout == ""
    assert snapshot(root) == before


# --------------------------------------------------------------------------- case 9: a full disk


def _batch(root: Path, *args: object, fsize: int, umask: str = "022") -> subprocess.CompletedProcess:
    argv = _driver("report", *args, "--year", "2022", "--template", STUB, "--jobs", "2", "--no-progress")
    environ = env(PARLIB_REPORTS_DIR=root, FAULT_FSIZE=fsize, FAULT_UMASK=umask)
    return subprocess.run(argv, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=900)


def test_full_disk_everywhere_changes_nothing_and_still_prints_the_summary(tmp_path):
    """500 bytes: every notebook, log and the index page are refused."""
    root = tmp_path / "reports"
    _old_report(root)
    before = _files(root)
    proc = _batch(root, "--province", "20", "--province", "04", "--force", fsize=500)
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr and "parlib: error" not in proc.stderr, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("parlib report: 0 rendered, 0 up to date (skipped), 2 failed"), proc.stdout
    too_large = "file too large for this file system or limit"
    for name, slug in (("Lạng Sơn (20)", "lang-son"), ("Cao Bằng (04)", "cao-bang")):
        (line,) = [x for x in lines if x.startswith(f"FAILED {name}, 2022: ")]
        assert f"writing: OSError: {root / '2022' / slug}.ipynb: {too_large}" in line, line
        assert f"[log not written: {root / '2022' / 'failed' / slug}.json: {too_large}]" in line, line
    assert lines[-1] == f"FAILED index page {root / 'index.html'}: {too_large} (the previous page is kept)"
    assert not any(x.startswith("index: ") for x in lines)
    assert _files(root) == before  # the old report and index byte for byte; no partial log
    assert _temporary(root) == []


def test_full_disk_for_the_html_keeps_the_old_report_and_writes_complete_logs(tmp_path):
    """50 kB: the executed notebook (8 kB), its logs and the index fit; the HTML (about 280 kB) does not."""
    root = tmp_path / "reports"
    _old_report(root)
    before = _files(root)
    proc = _batch(root, "--province", "20", "--force", fsize=50_000, umask="027")
    assert proc.returncode == 1, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("parlib report: 0 rendered, 0 up to date (skipped), 1 failed"), proc.stdout
    folder = root / "2022"
    log = folder / "failed" / "lang-son.ipynb"
    assert lines[1] == (
        f"FAILED Lạng Sơn (20), 2022: writing: OSError: {folder / 'lang-son.html'}: file too large for this "
        f"file system or limit (the previous report, if any, is kept) [log: {log}]"
    )
    assert lines[2] == f"index: {root / 'index.html'}"
    after = _files(root)
    for name in ("2022/lang-son.ipynb", "2022/lang-son.html", "2022/lang-son.json"):
        assert after[str(root / name)] == before[str(root / name)]
    logs = [folder / "failed" / "lang-son.ipynb", folder / "failed" / "lang-son.json"]
    assert nbformat.read(logs[0], as_version=4).cells
    assert json.loads(logs[1].read_text(encoding="utf-8"))["error"]["stage"] == "writing"
    page = (root / "index.html").read_text(encoding="utf-8")
    assert "2022/failed/lang-son.ipynb" in page and "file too large" in page
    for path in [*logs, root / "index.html"]:  # atomic writes with the umask's mode (027 -> 0640)
        assert path.stat().st_mode & 0o777 == 0o640, path
    assert _temporary(root) == []


# --------------------------------------------------------------------------- case 10: SIGKILL


def _proc_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (ppid, state, start time) from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(entry.name)] = (int(fields[1]), fields[0], fields[19])
    return out


def _descendants(root_pid: int) -> dict[int, tuple[str, str]]:
    """Every process below ``root_pid``: pid -> (start time, command line)."""
    table, found, frontier = _proc_table(), {}, {root_pid}
    while frontier:
        children = {pid for pid, (ppid, _, _) in table.items() if ppid in frontier and pid not in found}
        for pid in children:
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                cmd = "?"
            found[pid] = (table[pid][2], cmd)
        frontier = children
    return found


def _alive(pids: dict[int, tuple[str, str]]) -> dict[int, str]:
    table = _proc_table()
    return {
        pid: cmd
        for pid, (start, cmd) in pids.items()
        if pid in table and table[pid][2] == start and table[pid][1] not in ("Z", "X")
    }


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads the process table from /proc")
@pytest.mark.parametrize("engine", ["papermill", "warm"])
def test_sigkill_of_the_batch_takes_its_workers_kernels_and_tracker_along(tmp_path, engine):
    """papermill: two workers, each with a kernel; warm: two workers, each with a forked report."""
    nb = nbformat.read(STUB, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(
            "import os, pathlib, time\npathlib.Path(os.environ['STUB_STARTED'], pid).touch()\ntime.sleep(120)"
        )
    )
    slow, started, root = tmp_path / "slow.ipynb", tmp_path / "started", tmp_path / "reports"
    nbformat.write(nb, slow)
    started.mkdir()
    argv = _driver("report", "--province", "20", "--province", "01", "--province", "02", "--year", "2022")
    argv += ["--jobs", "2", "--template", slow, "--no-progress", "--engine", engine]
    with open(tmp_path / "stderr", "wb") as err:
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env(PARLIB_REPORTS_DIR=root, STUB_STARTED=started),
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    family: dict[int, tuple[str, str]] = {}
    try:
        deadline = time.monotonic() + 600
        while len(list(started.iterdir())) < 2:  # two kernels are in the sleeping cell
            assert proc.poll() is None, (tmp_path / "stderr").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the two notebooks never started"
            time.sleep(0.2)
        family = _descendants(proc.pid)
        kinds = [cmd for _, cmd in family.values()]
        forks = 2 if engine == "warm" else 0  # a forked report has its worker's command line
        assert sum("spawn_main" in c for c in kinds) == 2 + forks, kinds
        assert sum("ipykernel" in c for c in kinds) == 2 - forks, kinds
        assert sum("resource_tracker" in c for c in kinds) == 1, kinds
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # liveness, not speed: the resource tracker exits when the last holder of its pipe has gone,
        # which a loaded 2-core machine (the other test worker starting kernels) can delay past 10 s
        deadline = time.monotonic() + 60
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive(family) == {}, "still running after the parent's SIGKILL"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in _alive(family):  # only the processes this test started
            os.kill(pid, signal.SIGKILL)
    # the workers removed their temporary folders and kernel folders on the way out
    assert [p.relative_to(root).as_posix() for p in root.rglob("*")] == ["2022"]
    assert list(Path(tempfile.gettempdir()).glob(f"parlib-k-{proc.pid}-*")) == []
