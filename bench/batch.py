"""Time the 63 province reports of one year against the papermill floor, with the same workers.

Reports: ``parlib.reports.run(plan(None, [year]), jobs=2, force=True)`` into a temporary reports
folder ($PARLIB_REPORTS_DIR): executed notebook + HTML + sidecar each, and the index page.
Floor: 63 plain ``papermill.execute_notebook`` runs of a notebook that only imports pandas and
matplotlib, on the same executor (``parlib.reports._executor``: spawn process pool) with the
same worker count and papermill options, once before and once after the reports (their
mean is the floor: this machine's load drifts). The year's report cache is prepared (and timed)
before either, as `parlib report` does once per year. Targets: reports <= 0.5 x floor with the
warm engine (the default: each report a fresh fork of a warmed worker), <= 1.5 x floor with
``--engine papermill`` (a new kernel per report); ``--engine both`` times both in one run. The
machine's load average is printed before and after.

Run: .venv/bin/python bench/batch.py [--year YEAR] [--jobs 2] [--engine warm|papermill|both]
(or `make bench`)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import as_completed
from pathlib import Path

TARGETS = {"warm": 0.5, "papermill": 1.5}


def floor_one(template: str, out: str, province: str, year: int, cwd: str) -> None:
    """One plain papermill run (module level: the spawn workers import it)."""
    import papermill

    papermill.execute_notebook(
        template,
        out,
        parameters={"province": province, "year": year},
        kernel_name="python3",
        cwd=cwd,
        request_save_on_cell_execute=False,
        autosave_cell_every=0,
        progress_bar=False,
        start_timeout=120,
    )


def write_floor_notebook(path: Path) -> None:
    """A parameters cell and one cell importing pandas and matplotlib."""
    import nbformat

    params = nbformat.v4.new_code_cell('province = "Lang Son"\nyear = 2022')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell("import pandas as pd\nimport matplotlib.pyplot as plt")
    nb = nbformat.v4.new_notebook(cells=[params, body])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, help="default: the latest PAPI year")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--engine", choices=["warm", "papermill", "both"], default="warm")
    args = parser.parse_args()
    engines = ["warm", "papermill"] if args.engine == "both" else [args.engine]

    from parlib import config, reports

    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    load_before = os.getloadavg()
    template = reports.default_template()
    missing = [str(p) for p in (template, config.PACKAGE_DIR / "report_data.py") if not p.is_file()]
    if missing:
        print(f"skipped: {', '.join(missing)} not there yet")
        return 0
    from parlib import report_data

    year = args.year or report_data.latest_year()
    start = time.perf_counter()
    report_data.prepare(year)
    prepare_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory(prefix="parlib-bench-") as tmp:
        tmp_path = Path(tmp)
        os.environ["PARLIB_REPORTS_DIR"] = str(tmp_path / "reports")
        tasks = reports.plan(None, [year])
        floor_nb = tmp_path / "floor.ipynb"
        write_floor_notebook(floor_nb)
        cwd = str(config.project_root())
        names = [t.parameters["province"] for t in tasks]

        floor_one(str(floor_nb), str(tmp_path / "warmup.ipynb"), names[0], year, cwd)  # disk caches warm

        def floor() -> float:
            start = time.perf_counter()
            with reports._executor(args.jobs) as pool:
                futures = [
                    pool.submit(floor_one, str(floor_nb), str(tmp_path / f"floor-{i}.ipynb"), name, year, cwd)
                    for i, name in enumerate(names)
                ]
                for future in as_completed(futures):
                    future.result()
            return time.perf_counter() - start

        # floor, reports, floor: the mean of the two floors absorbs drift in the machine's load
        floor_before = floor()
        times = {}
        for engine in engines:
            start = time.perf_counter()
            batch = reports.run(tasks, jobs=args.jobs, force=True, progress=False, engine=engine)
            times[engine] = time.perf_counter() - start
            print(f"reports ({engine}): {batch.summary()}")
        floor_after = floor()

    n = len(tasks)
    floor_s = (floor_before + floor_after) / 2
    load_after = os.getloadavg()
    print(f"year {year}: {n} provinces, {args.jobs} workers; report cache prepare: {prepare_s:.1f} s")
    print(f"load average (1, 5, 15 min): before {_load(load_before)}, after {_load(load_after)}")
    print(f"floor:   {floor_s:6.1f} s ({floor_s / n:.2f} s each, {n} papermill runs, pandas+matplotlib)")
    print(f"         mean of {floor_before:.1f} s before and {floor_after:.1f} s after the reports")
    for engine, reports_s in times.items():
        ratio, target = reports_s / floor_s, TARGETS[engine]
        each = reports_s / n
        print(f"reports ({engine}): {reports_s:6.1f} s ({each:.2f} s each, notebook + HTML + sidecar)")
        verdict = "ok" if ratio <= target else "OVER TARGET"
        print(f"ratio reports ({engine})/floor: {ratio:.2f}x (target <= {target}x: {verdict})")
    return 0


def _load(load: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in load)


if __name__ == "__main__":
    sys.exit(main())
