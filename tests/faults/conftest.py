"""Fixtures of the fault tests: a build of the real raw files, and a private site to damage."""

from __future__ import annotations

import pytest
from fault_helpers import copy_processed, copy_raw, env


@pytest.fixture
def site(tmp_path, raw, built_processed):
    """(raw copy, processed folder holding the real build, empty reports folder, env for the CLI)."""
    raw_copy = copy_raw(raw, tmp_path / "raw")
    processed = tmp_path / "processed"
    copy_processed(built_processed, processed)
    reports = tmp_path / "reports"
    environ = env(PARLIB_RAW_DIR=raw_copy, PARLIB_PROCESSED_DIR=processed, PARLIB_REPORTS_DIR=reports)
    return raw_copy, processed, reports, environ
