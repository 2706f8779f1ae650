"""The notebooks: templates run through papermill (numbers read back with parlib.record and checked
against parlib itself), and nbval on the executed golden copies and the exploratory notebook.

The templates run through papermill with parlib's warm engine (``parlib.reports.warm.Runner``:
one warmed process, a fresh fork per notebook), which writes the notebook papermill's kernel
engine writes (tests/test_warm.py compares them); the Lạng Sơn report also runs in a kernel.

nbval runs in a subprocess (``python -m pytest --nbval-lax ...``) so that plain ``python -m pytest``
covers it: nbval only collects notebooks named on its command line. ``--nbval-lax`` runs every cell
and fails on any error; the cells marked ``# NBVAL_CHECK_OUTPUT`` (the province card, the movers, the
recorded key facts; the model summary, dropped rows and records of the drivers notebook) must also
print exactly what the golden copy stores, after tests/nbval_sanitize.cfg. When a deliberate change
alters those outputs, regenerate the goldens with ``python tests/golden/refresh.py`` and review the
diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from parlib import config
from parlib.record import read_records

ROOT = config.PACKAGE_DIR.parent
TEMPLATES = ROOT / "notebooks" / "templates"
GOLDEN = Path(__file__).parent / "golden"
EXPLORATORY = [
    ROOT / "notebooks" / "exploratory" / "3.1-egov-access-vs-outcomes.ipynb",
    ROOT / "notebooks" / "exploratory" / "3.2-staffing-cuts-long-difference.ipynb",
    ROOT / "notebooks" / "exploratory" / "4.1-staffing-cuts-and-satisfaction.ipynb",
]
SANITIZE = Path(__file__).parent / "nbval_sanitize.cfg"
TEMPLATE_NAMES = ("province_report.ipynb", "drivers_regression.ipynb", "unit34_report.ipynb")
GOLDEN_COPIES = {  # golden copy -> the template it executes (tests/golden/refresh.py)
    "province_report.ipynb": "province_report.ipynb",
    "province_report.vi.ipynb": "province_report.ipynb",
    "drivers_regression.ipynb": "drivers_regression.ipynb",
    "unit34_report.ipynb": "unit34_report.ipynb",
}
CHART_CELLS = ("trajectory", "profile", "map", "drivers")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cache(raw):
    """Warm report caches for the years the notebooks below use (built once, in this process)."""
    from parlib import report_data

    return {year: report_data.prepare(year) for year in (2022, 2010)}


@pytest.fixture(scope="module")
def papi_totals():
    from parlib.indices import papi

    return papi.scores().table.query("component == 'total'").set_index(["province_id", "year"])


@pytest.fixture(scope="module")
def runner():
    """One warm process for this module's notebooks (each runs in a fresh fork of it)."""
    from parlib.reports.warm import Runner

    with Runner() as r:
        yield r


def _execute(
    template: Path, out: Path, probe: bool = False, runner=None, **parameters
) -> nbformat.NotebookNode:
    """papermill ``template`` into ``out`` (cwd: its folder): in ``runner`` (warm) or else a kernel.

    ``probe``: record the heavy modules loaded.
    """
    source = template
    if probe:
        nb = nbformat.read(template, as_version=4)
        heavy = "('statsmodels', 'seaborn', 'parlib.models')"
        check = f"import sys\nrecord('_modules', sorted(m for m in {heavy} if m in sys.modules))"
        nb.cells.append(nbformat.v4.new_code_cell(check))
        source = out.with_name(f"probe-{template.name}")
        nbformat.write(nb, source)
    if runner is not None:
        runner.run(source, out, parameters, cwd=out.parent)
    else:
        pm.execute_notebook(
            str(source),
            str(out),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=str(out.parent),
        )
    return nbformat.read(out, as_version=4)


def _cell(nb: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.get("id") == cell_id)


def _texts(cell: nbformat.NotebookNode, mimetype: str = "text/plain") -> list[str]:
    out = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            out.append(output["text"])
        elif mimetype in output.get("data", {}):
            out.append(output["data"][mimetype])
    return out


def _no_stray_reprs(nb: nbformat.NotebookNode) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", cell.source
            text = output.get("text", "") + output.get("data", {}).get("text/plain", "")
            assert not re.search(r"<(Figure|Axes|matplotlib)|0x[0-9a-f]{6}", text), (cell.source, text)


# --------------------------------------------------------------------------- the templates


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_shape(name):
    nb = nbformat.read(TEMPLATES / name, as_version=4)
    assert nb.metadata["kernelspec"] == {"name": "python3", "display_name": "Python 3", "language": "python"}
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    expected = {
        "province_report.ipynb": ["province", "year", "lang", "tables"],
        "unit34_report.ipynb": ["province", "year", "lang"],
        "drivers_regression.ipynb": [
            "outcome",
            "drivers",
            "years",
            "lag",
            "method",
            "seed",
            "tables",
            "design",
        ],
    }[name]
    assert list(pm.inspect_notebook(str(TEMPLATES / name))) == expected
    # the golden copies nbval runs are this template, executed: same cells, same sources
    for copy in [g for g, t in GOLDEN_COPIES.items() if t == name]:
        golden = nbformat.read(GOLDEN / copy, as_version=4)
        cells = [c for c in golden.cells if "injected-parameters" not in c.metadata.get("tags", [])]
        assert [c.source for c in cells] == [c.source for c in nb.cells], (
            f"tests/golden/{copy} is out of date: run `python tests/golden/refresh.py`"
        )


# --------------------------------------------------------------------------- province report


@pytest.mark.parametrize(
    ("province", "pid", "rank", "rank_of", "rank_change", "unit_34", "engine"),
    [
        ("Lạng Sơn", "20", 13, 61, -9, "Lạng Sơn", "kernel"),
        ("Bac Kan", "06", 30, 61, 4, "Thái Nguyên", "warm"),
    ],
)
def test_province_report(
    cache, papi_totals, runner, tmp_path, province, pid, rank, rank_of, rank_change, unit_34, engine
):
    nb = _execute(
        TEMPLATES / "province_report.ipynb",
        tmp_path / "report.ipynb",
        probe=True,
        runner=runner if engine == "warm" else None,
        province=province,
        year=2022,
    )
    records = read_records(nb)
    expected = papi_totals.loc[(pid, 2022)]
    assert records["province_id"] == pid and records["year"] == 2022
    assert records["papi_total"] == pytest.approx(expected["value"], abs=1e-9)
    assert records["papi_value_change"] == pytest.approx(expected["value_change"], abs=1e-9)
    assert (records["papi_rank"], records["papi_rank_of"], records["papi_rank_change"]) == (
        rank,
        rank_of,
        rank_change,
    )
    assert records["papi_tier"] == expected["tier"]
    assert records["unit_34"] == unit_34
    assert records["_modules"] == []  # no statsmodels, seaborn or parlib.models in the report kernel
    _no_stray_reprs(nb)
    for cell_id in CHART_CELLS:
        outputs = _cell(nb, cell_id).outputs
        assert any("image/png" in o.get("data", {}) for o in outputs), cell_id
    glance = "".join(_texts(_cell(nb, "glance"), "text/markdown"))
    places = f"{'up' if rank_change > 0 else 'down'} {abs(rank_change)} places"
    assert f"rank {rank} of {rank_of}" in glance and places in glance
    # an index without data for the province says so in one line (SIPAS 2022 for both)
    assert len([line for line in glance.splitlines() if line.startswith("- SIPAS 2022")]) == 1
    assert "- SIPAS 2022: parlib has no published figure for this province and year" in glance


def test_province_report_for_a_year_without_papi(cache, runner, tmp_path):
    """The runner refuses 2010 (not a report year), but plain papermill must not crash on it."""
    nb = _execute(
        TEMPLATES / "province_report.ipynb",
        tmp_path / "report.ipynb",
        runner=runner,
        province="Lang Son",
        year=2010,
    )
    _no_stray_reprs(nb)
    for cell_id in ("trajectory", "profile", "movers", "map"):
        (text,) = _texts(_cell(nb, cell_id))
        assert "\n" not in text and text.startswith("PAPI has no scores for 2010"), (cell_id, text)
    records = read_records(nb)
    assert records["papi_total"] is None and records["papi_rank"] is None
    assert records["pci_total"] == pytest.approx(50.2, abs=0.005)  # PCI covers 2010
    assert "PCI 2010: 50.20 points" in "".join(_texts(_cell(nb, "glance")))


# --------------------------------------------------------------------------- drivers notebook


@pytest.mark.parametrize(
    ("outcome", "method", "lag"),
    [("papi_control_of_corruption", ["cr1", "wild", "ri"], 1), ("papi_public_services", ["cr1", "wild"], 1)],
)
def test_drivers_notebook(raw, runner, tmp_path, outcome, method, lag):
    from parlib.models import fit
    from parlib.panel import load_panel

    nb = _execute(
        TEMPLATES / "drivers_regression.ipynb",
        tmp_path / "drivers.ipynb",
        runner=runner,
        outcome=outcome,
        drivers=["papi_egov_portal_access"],
        years=[2018, 2024],
        lag=lag,
        method=method,
        seed=20251,
    )
    _no_stray_reprs(nb)
    records = read_records(nb)
    res = fit(load_panel(), outcome, ["papi_egov_portal_access"], years=(2018, 2024), lag=lag,
              inference=tuple(method), seed=20251)  # fmt: skip
    term = res.drivers[0]
    cr1 = res.table.query("term == @term and method == 'cr1'").iloc[0]
    assert records["outcome"] == outcome and records["term"] == term
    assert records["estimate"] == pytest.approx(cr1["estimate"], rel=1e-9)
    assert records["p_cr1"] == pytest.approx(cr1["p_value"], rel=1e-9)
    wild = res.table.query("term == @term and method == 'wild-rademacher'").iloc[0]
    assert records["p_wild_rademacher"] == pytest.approx(wild["p_value"], rel=1e-9)
    assert ("p_ri" in records) == ("ri" in method)
    assert (records["n_obs"], records["n_provinces"]) == (res.spec["n_obs"], res.spec["n_provinces"])
    assert len(records["estimates"]) == len(res.table)
    assert any("image/png" in o.get("data", {}) for o in _cell(nb, "coef").outputs)
    caveats = "".join(_texts(_cell(nb, "caveats"), "text/markdown"))
    assert f"**Clusters**: {res.spec['n_provinces']} provinces" in caveats


def test_drivers_notebook_refuses_an_overlapping_driver(raw, runner, tmp_path):
    with pytest.raises(pm.PapermillExecutionError) as info:
        _execute(
            TEMPLATES / "drivers_regression.ipynb",
            tmp_path / "bad.ipynb",
            runner=runner,
            outcome="papi_e_governance",
        )
    assert info.value.ename == "ModelSpecError" and "overlaps the outcome" in info.value.evalue


# --------------------------------------------------------------------------- nbval


def _nbval(*notebooks: Path) -> subprocess.CompletedProcess:
    args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "parlib.reports._lean_imports",  # before nbval imports nbformat (2-3 s less per run)
        "-p",
        "nbval",  # the project's addopts leave the plugin out of the main run
        "--nbval-lax",
        "--nbval-current-env",
        "-n",
        "0",  # the project's addopts ask for xdist workers: not for this nested run
    ]
    args += ["--nbval-sanitize-with", str(SANITIZE), *map(str, notebooks)]
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, env=os.environ)


def test_nbval_golden_copies_and_exploratory_notebook(cache):
    run = _nbval(*(GOLDEN / name for name in GOLDEN_COPIES), *EXPLORATORY)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout[-2000:]


def test_nbval_detects_a_changed_key_fact(cache, tmp_path):
    """The check is not vacuous: a golden copy with one recorded number changed fails, naming the cell."""
    nb = nbformat.read(GOLDEN / "province_report.ipynb", as_version=4)
    cell = _cell(nb, "records")
    body = next(
        o for o in cell.outputs if o["data"]["application/vnd.parlib.record+json"]["name"] == "papi_rank"
    )
    body["data"]["application/vnd.parlib.record+json"]["value"] = 1
    target = tmp_path / "province_report.ipynb"
    nbformat.write(nb, target)
    run = _nbval(target)
    assert run.returncode != 0
    assert "Cell outputs differ" in run.stdout and "{'value': 1} != {'value': 13}" in run.stdout, run.stdout
