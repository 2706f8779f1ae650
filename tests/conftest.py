"""Shared fixtures. Tests run on the real pulled files in data/raw (`make test` pulls them first)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

from parlib import config


@pytest.fixture(scope="session")
def raw():
    """data/raw, checked to hold the pulled files."""
    path = config.raw_dir()
    if not (path / "ml-mcdm").is_dir():
        pytest.fail(f"{path} has no pulled files: run `make data` (or `parlib data pull`) first")
    return path


def pytest_collectstart(collector):
    """nbval (tests/test_notebooks.py runs it on tests/golden/*.ipynb): in the cells it compares
    (# NBVAL_CHECK_OUTPUT), ignore HTML reprs (pandas changes them between versions), JavaScript
    and stderr (warnings). Text, Markdown and parlib records are still compared."""
    if hasattr(collector, "skip_compare") and str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("text/html", "application/javascript", "stderr")
