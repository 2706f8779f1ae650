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
