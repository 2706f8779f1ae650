"""The warm engine (parlib.reports.warm + parlib.reports.inprocess) against papermill's own.

The executed notebook must be papermill's: same cells, outputs (images included), injected
parameters cell, metadata, error cell and PapermillExecutionError. A notebook that crashes or
hangs its process fails alone; no state passes from one notebook to the next; the forked
processes die with their worker.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from parlib import config
from parlib.record import read_records
from parlib.reports import warm

ROOT = config.PACKAGE_DIR.parent
TEMPLATES = ROOT / "notebooks" / "templates"
GOLDEN = Path(__file__).parent / "golden"
sys.path.insert(0, str(GOLDEN))
from refresh import GOLDENS, _clean  # noqa: E402  (the golden copies' own recipe)

pytestmark = pytest.mark.slow

# A notebook with every kind of output a kernel produces, then a failing cell and one after it.
KINDS = [
    ("parameters", "x = 1\nlabel = 'a'"),
    (None, "print('out', x)\nprint('more')\nimport sys\nprint('err', file=sys.stderr)"),
    (None, "from IPython.display import Markdown, display\ndisplay(Markdown('**bold**'))\nx + 1"),
    (None, "h = display(Markdown('first'), display_id=True)\nh.update(Markdown('second'))"),
    (None, "import warnings\nwarnings.warn('careful', UserWarning)\n'done'"),
    (None, "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.title(label)"),
    (None, "from matplotlib.figure import Figure\nf = Figure(figsize=(2, 1))\nf.add_subplot().plot([0])\nf"),
    (None, "   "),
    ("skip-execution", "raise RuntimeError('never run')"),
    ("raises-exception", "1 / 0"),
    (None, "from parlib.record import record\nrecord('twice', x * 2)\nrecord('when', 2022)"),
    (None, "{'a': [1, 2], 'b': None}"),
    (None, "print('before the error')\nraise ValueError(f'bad value {x}')"),
    (None, "print('not reached')"),
]


def _notebook(path: Path, cells: list[tuple[str | None, str]]) -> Path:
    nb = nbformat.v4.new_notebook()
    for tag, source in cells:
        cell = nbformat.v4.new_code_cell(source)
        if tag:
            cell.metadata["tags"] = [tag]
        nb.cells.append(cell)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("# A heading"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _masked(path: Path) -> dict:
    """The notebook without what differs from run to run: times, the injected cell's id, paths, pids."""
    text = re.sub(r"ipykernel_\d+", "ipykernel_PID", path.read_text(encoding="utf-8"))
    nb = json.loads(text)
    meta = nb["metadata"]["papermill"]
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        assert key in meta
        meta[key] = None
    for cell in nb["cells"]:
        for key in ("start_time", "end_time", "duration"):
            if key in cell["metadata"].get("papermill", {}):
                cell["metadata"]["papermill"][key] = None
        if "execution" in cell["metadata"]:
            assert set(cell["metadata"]["execution"]) == {
                "iopub.status.busy",
                "iopub.execute_input",
                "shell.execute_reply",
                "iopub.status.idle",
            }
            cell["metadata"]["execution"] = None
        if "injected-parameters" in cell["metadata"].get("tags", []) or "papermill-error-cell-tag" in cell[
            "metadata"
        ].get("tags", []):
            cell["id"] = None
    return nb


@pytest.fixture(scope="module")
def runner():
    with warm.Runner() as r:
        yield r


def _papermill(template: Path, out: Path, parameters: dict, cwd: Path) -> None:
    """papermill's own engine, a new kernel, with figures inline as `parlib report` runs it."""
    from parlib.reports.execute import _inline_figures

    with _inline_figures():
        pm.execute_notebook(
            str(template), str(out), parameters=parameters, kernel_name="python3", progress_bar=False, cwd=cwd
        )


# --------------------------------------------------------------------------- the same notebook


def test_every_kind_of_output_and_the_error_are_papermills(runner, tmp_path):
    template = _notebook(tmp_path / "kinds.ipynb", KINDS)
    params = {"x": 20, "label": "Lạng Sơn"}
    with pytest.raises(pm.PapermillExecutionError) as by_kernel:
        _papermill(template, tmp_path / "kernel.ipynb", params, tmp_path)
    with pytest.raises(pm.PapermillExecutionError) as by_warm:
        runner.run(template, tmp_path / "warm.ipynb", params, cwd=tmp_path)
    for field in ("cell_index", "exec_count", "source", "ename", "evalue"):
        assert getattr(by_warm.value, field) == getattr(by_kernel.value, field), field
    assert by_warm.value.evalue == "bad value 20" and by_warm.value.exec_count == 12
    kernel, ours = _masked(tmp_path / "kernel.ipynb"), _masked(tmp_path / "warm.ipynb")
    assert ours["metadata"] == kernel["metadata"]
    assert len(ours["cells"]) == len(kernel["cells"])
    for i, (a, b) in enumerate(zip(ours["cells"], kernel["cells"], strict=True)):
        assert a == b, f"cell {i}: {json.dumps(a)[:600]}\n!=\n{json.dumps(b)[:600]}"
    # the notebook has what the test means it to have (not two equally empty notebooks)
    cells = {"".join(c["source"]).split("\n")[0]: c for c in ours["cells"] if c["cell_type"] == "code"}
    assert [o["output_type"] for o in cells["print('out', x)"]["outputs"]] == ["stream", "stream"]
    assert "".join(cells["print('out', x)"]["outputs"][0]["text"]) == "out 20\nmore\n"
    assert cells["h = display(Markdown('first'), display_id=True)"]["outputs"][0]["data"] == {
        "text/markdown": ["second"],
        "text/plain": ["<IPython.core.display.Markdown object>"],
    }
    assert "UserWarning: careful" in "".join(cells["import warnings"]["outputs"][0]["text"])
    assert "image/png" in cells["import matplotlib.pyplot as plt"]["outputs"][-1]["data"]
    assert cells["1 / 0"]["outputs"][0]["ename"] == "ZeroDivisionError"
    assert cells["raise RuntimeError('never run')"]["outputs"] == []
    assert ours["cells"][0]["metadata"]["tags"] == ["papermill-error-cell-tag"]
    assert read_records(nbformat.read(tmp_path / "warm.ipynb", as_version=4)) == {"twice": 40, "when": 2022}


def test_a_province_report_is_papermills_byte_for_byte_but_times(runner, raw, tmp_path):
    """Lạng Sơn 2022 in Vietnamese: cells, outputs, figures (PNG bytes) and metadata are papermill's,
    run alone and as in a batch (a fork of a worker warmed up on another province's report)."""
    from parlib import report_data, reports

    report_data.prepare(2022)
    other, task = reports.plan(["Cao Bằng", "Lạng Sơn"], [2022], parameters={"lang": "vi"})
    params = dict(task.parameters)
    template = TEMPLATES / "province_report.ipynb"
    _papermill(template, tmp_path / "kernel.ipynb", params, ROOT)
    runner.run(template, tmp_path / "warm.ipynb", params)
    runner._pool.submit(warm.execute, other, tmp_path / "first.ipynb").result()  # warms up on Cao Bằng
    runner._pool.submit(warm.execute, task, tmp_path / "batch.ipynb").result()
    kernel = _masked(tmp_path / "kernel.ipynb")
    assert _masked(tmp_path / "warm.ipynb") == kernel
    ours = _masked(tmp_path / "batch.ipynb")
    assert ours == kernel
    images = [o for c in ours["cells"] for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 5


@pytest.mark.parametrize("golden", [g for g in GOLDENS if g != "province_report.vi.ipynb"])
def test_warm_runs_match_the_golden_copies(runner, raw, tmp_path, golden):
    """The golden copies (executed by papermill in a kernel, tests/golden/refresh.py) come out the same."""
    from parlib import report_data

    report_data.prepare(2022)
    template, parameters = GOLDENS[golden]
    out = tmp_path / golden
    runner.run(TEMPLATES / template, out, parameters, cwd=tmp_path)
    ours = _clean(nbformat.read(out, as_version=4))
    stored = nbformat.read(GOLDEN / golden, as_version=4)
    assert len(ours.cells) == len(stored.cells)
    for a, b in zip(ours.cells, stored.cells, strict=True):
        if "injected-parameters" in a.metadata.get("tags", []):
            a.id = b.id
        assert a == b, f"{golden}: {a.source[:60]!r}"
    assert ours.metadata == stored.metadata


# --------------------------------------------------------------------------- isolation


def test_no_state_passes_between_notebooks(runner, tmp_path):
    first = _notebook(
        tmp_path / "first.ipynb",
        [
            (None, "import parlib\nparlib.LEAK = 1\nsecret = 42"),
            (None, "import warnings\nwarnings.warn('shown each time', UserWarning)"),
        ],
    )
    second = _notebook(
        tmp_path / "second.ipynb",
        [
            (None, "import parlib\nassert not hasattr(parlib, 'LEAK')\nassert 'secret' not in globals()"),
            (None, "import warnings\nwarnings.warn('shown each time', UserWarning)"),
        ],
    )
    for name, template in (("a", first), ("b", second), ("c", second)):
        out = tmp_path / f"{name}.ipynb"
        runner.run(template, out, {})
        nb = nbformat.read(out, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert [c.execution_count for c in code] == [1, 2]  # a new kernel's prompt numbers
        assert "shown each time" in code[1].outputs[0]["text"]


def test_a_crash_or_a_hang_fails_that_notebook_only(runner, tmp_path):
    pidfile = tmp_path / "pid"
    crash = _notebook(tmp_path / "crash.ipynb", [(None, "import os\nos._exit(3)")])
    suicide = "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
    kill = _notebook(tmp_path / "kill.ipynb", [(None, suicide)])
    hang = _notebook(
        tmp_path / "hang.ipynb",
        [(None, f"import os, time\nopen({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)")],
    )
    fine = _notebook(tmp_path / "fine.ipynb", [(None, "1 + 1")])
    with pytest.raises(warm.ReportProcessDied, match="exited with code 3 without a result"):
        runner.run(crash, tmp_path / "out.ipynb")
    with pytest.raises(warm.ReportProcessDied, match="killed by SIGKILL"):
        runner.run(kill, tmp_path / "out.ipynb")
    t0 = time.monotonic()
    with pytest.raises(warm.ReportTimeout, match="did not finish in 3 s; its process was killed"):
        runner.run(hang, tmp_path / "out.ipynb", timeout_s=3)
    assert time.monotonic() - t0 < 30
    child = int(pidfile.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped: no zombie left
        os.kill(child, 0)
    runner.run(fine, tmp_path / "fine-out.ipynb")  # the warm process is still there
    assert nbformat.read(tmp_path / "fine-out.ipynb", as_version=4).cells[0].outputs[0]["data"] == {
        "text/plain": "2"
    }


def test_forked_notebooks_die_with_their_worker(tmp_path):
    pidfile = tmp_path / "pid"
    hang = _notebook(
        tmp_path / "hang.ipynb",
        [(None, f"import os, time\nopen({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)")],
    )
    runner = warm.Runner()
    worker = runner.pid()
    future = runner._pool.submit(warm.execute_notebook, hang, tmp_path / "out.ipynb", {}, None, None)
    deadline = time.monotonic() + 60
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the notebook never started"
        time.sleep(0.1)
    child = int(pidfile.read_text())
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the forked notebook outlived its worker"
        time.sleep(0.1)
    with pytest.raises(Exception):  # noqa: B017  (BrokenProcessPool: the worker is gone)
        future.result(timeout=30)
    runner.close()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has exited (its parent is gone)
    except FileNotFoundError:
        return False


# --------------------------------------------------------------------------- papermill's own CLI


def test_papermill_cli_has_the_parlib_engine(tmp_path):
    template = _notebook(tmp_path / "t.ipynb", [("parameters", "x = 1"), (None, "x * 3")])
    out = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).with_name("papermill")
    run = subprocess.run(
        [str(papermill), "--engine", "parlib", "-p", "x", "5", str(template), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    nb = nbformat.read(out, as_version=4)
    assert nb.cells[-1].outputs[0]["data"]["text/plain"] == "15"
    assert nb.cells[-1].execution_count == 3  # parameters, injected parameters, this


def test_a_pinned_cache_key_is_not_recomputed(processed_copy, monkeypatch):
    """A report worker pins the year's key: section loads stop hashing the inputs (20 times a report)."""
    from parlib.sections import cache

    monkeypatch.setenv("PARLIB_PROCESSED_DIR", str(processed_copy))
    monkeypatch.setattr(cache, "_PINNED", {})
    key = cache._key(2022)
    assert key is not None and cache.pin(2022) == key

    def recomputed(year):
        raise AssertionError("the pinned key was recomputed")

    monkeypatch.setattr(cache, "cache_inputs", recomputed)
    assert cache._key(2022) == cache._key("2022") == key
    with pytest.raises(AssertionError, match="recomputed"):  # other years are not pinned
        cache._key(2023)
