"""Shared fixtures. Tests run on the real pulled files in data/raw (`make test` pulls them first)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
# Two test workers on two cores: one BLAS thread each. OpenBLAS's default (a thread per core, busy
# waiting) makes two workers thrash; set here, before numpy is first imported, and inherited by
# the kernels and subprocesses the tests start.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import parlib.reports  # noqa: E402, F401  (before the test modules import nbformat: parlib/reports/_lean_imports.py)
from parlib import config  # noqa: E402  (after the BLAS settings)


@pytest.fixture(scope="session")
def raw():
    """data/raw, checked to hold the pulled files."""
    path = config.raw_dir()
    if not (path / "ml-mcdm").is_dir():
        pytest.fail(f"{path} has no pulled files: run `make data` (or `parlib data pull`) first")
    return path


@pytest.fixture(scope="session")
def built_processed(tmp_path_factory, raw):
    """A processed folder built once per test run from the real raw files (copy it to change it).

    Under pytest-xdist the workers share one folder in the run's temporary root: the first to
    get there builds it (every raw file read, about 20 s of CPU), the others wait on the build's
    own lock (``store.build_lock``) and find it current, as a second ``parlib data build`` would.
    """
    from parlib import panel

    if os.environ.get("PYTEST_XDIST_WORKER"):  # basetemp is <run root>/<worker id>
        out = tmp_path_factory.getbasetemp().parent / "built" / "processed"
    else:
        out = tmp_path_factory.mktemp("built") / "processed"
    panel.build(raw=raw, out=out)
    return out


@pytest.fixture(scope="session")
def sm_multipletests():
    """statsmodels' ``multipletests`` (the reference for parlib.models.multiple) without the
    ``gc.collect()`` its Holm branch runs on every call: 0.2-0.5 s each with the heap of a test
    process, for nothing (the adjusted p-values do not depend on it)."""
    import gc
    from unittest import mock

    from statsmodels.stats.multitest import multipletests

    def call(*args, **kwargs):
        with mock.patch.object(gc, "collect", lambda *_: 0):
            return multipletests(*args, **kwargs)

    return call


@pytest.fixture(scope="session")
def processed_copy(raw, tmp_path_factory):
    """A copy of the built data/processed (one panel generation, no report cache), once per test
    process: the report tests read it, so they never touch the project's own cache, and the
    year caches they build are shared by their modules."""
    import shutil

    from parlib.panel import load_panel

    load_panel()  # build first if stale, so the copy is current
    folder = tmp_path_factory.mktemp("processed") / "processed"
    skip = shutil.ignore_patterns("report_cache", ".*")
    shutil.copytree(config.processed_dir(), folder, symlinks=True, ignore=skip)
    return folder


@pytest.fixture(scope="module")
def rd(processed_copy):
    """parlib.report_data reading ``processed_copy`` (PARLIB_PROCESSED_DIR) for one test module."""
    from parlib import report_data

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARLIB_PROCESSED_DIR", str(processed_copy))
        yield report_data


def pytest_collectstart(collector):
    """nbval (tests/test_notebooks.py runs it on tests/golden/*.ipynb): in the cells it compares
    (# NBVAL_CHECK_OUTPUT), ignore HTML reprs (pandas changes them between versions), JavaScript
    and stderr (warnings). Text, Markdown and parlib records are still compared."""
    if hasattr(collector, "skip_compare") and str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("text/html", "application/javascript", "stderr")
