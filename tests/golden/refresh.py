"""Regenerate the executed golden copies of the report templates that nbval compares.

tests/test_notebooks.py runs ``pytest --nbval-lax`` on tests/golden/*.ipynb: every cell must run
without error, and the cells marked ``# NBVAL_CHECK_OUTPUT`` (the key facts: the province card,
the movers table, the recorded numbers; the model summary and records of the drivers notebook)
must print what is stored here. Run this after a deliberate change to a template, to
parlib.report_data or to the data, then review ``git diff tests/golden``:

    .venv/bin/python tests/golden/refresh.py

Each template is executed by papermill with its default parameters (kernel ``python3``); the
Vietnamese copy of the province report (province_report.vi.ipynb) with ``lang="vi"``. Images
are dropped (nbval never compares them) and run-specific metadata (timings, execution stamps) is
removed, so the diff shows only changed outputs.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import nbformat
import papermill as pm

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parents[1] / "notebooks" / "templates"
GOLDENS = {
    "province_report.ipynb": ("province_report.ipynb", {}),
    "province_report.vi.ipynb": ("province_report.ipynb", {"lang": "vi"}),
    "drivers_regression.ipynb": ("drivers_regression.ipynb", {}),
    "unit34_report.ipynb": ("unit34_report.ipynb", {}),
}
"""Golden copy -> (template, parameters besides the template's defaults)."""
NOTEBOOKS = tuple(GOLDENS)


def _clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop images and run-specific metadata from an executed notebook."""
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data:
                for mimetype in [m for m in data if m.startswith("image/")]:
                    del data[mimetype]
            output.get("metadata", {}).clear()
    return nb


def refresh(names: tuple[str, ...] = NOTEBOOKS) -> list[Path]:
    """Execute each template with its defaults and write its cleaned golden copy; return the paths."""
    from parlib import report_data

    report_data.prepare(2022)  # the templates' default year; a warm cache keeps the run short
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            template, parameters = GOLDENS[name]
            out = Path(tmp) / name
            pm.execute_notebook(
                str(TEMPLATES / template),
                str(out),
                parameters=parameters,
                kernel_name="python3",
                progress_bar=False,
                cwd=tmp,
            )
            nb = _clean(nbformat.read(out, as_version=4))
            target = HERE / name
            nbformat.write(nb, target)
            written.append(target)
    return written


if __name__ == "__main__":
    for path in refresh(tuple(sys.argv[1:]) or NOTEBOOKS):
        print(f"wrote {path}")
