"""Project paths, resolved from the package location (never from the working directory).

papermill runs kernels in the caller's directory and nbval in the notebook's, so every
path in parlib comes from here. Environment overrides:

- ``PARLIB_ROOT``: project root (default: the folder that holds ``parlib/``).
- ``PARLIB_RAW_DIR``, ``PARLIB_PROCESSED_DIR``, ``PARLIB_REPORTS_DIR``: individual folders.
- ``PARLIB_DATA_MIRROR``: a local mirror of the upstream files laid out as
  ``<owner>/<repo>/<commit>/<path>``; ``parlib data pull`` copies from it instead of
  downloading.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def project_root() -> Path:
    """The project root: ``$PARLIB_ROOT`` or the parent of the package."""
    return _env_path("PARLIB_ROOT", PACKAGE_DIR.parent)


def raw_dir() -> Path:
    """data/raw: pulled upstream files (immutable) and the committed registry."""
    return _env_path("PARLIB_RAW_DIR", project_root() / "data" / "raw")


def processed_dir() -> Path:
    """data/processed: parquet files built by parlib (git-ignored)."""
    return _env_path("PARLIB_PROCESSED_DIR", project_root() / "data" / "processed")


def reports_dir() -> Path:
    """reports/: rendered notebooks and HTML."""
    return _env_path("PARLIB_REPORTS_DIR", project_root() / "reports")


def registry_path() -> Path:
    """The committed raw-data registry (one row per raw file)."""
    return raw_dir() / "registry.csv"


def data_mirror() -> Path | None:
    """The local upstream mirror named by ``$PARLIB_DATA_MIRROR``, if any."""
    value = os.environ.get("PARLIB_DATA_MIRROR")
    return Path(value).expanduser().resolve() if value else None


def raw_path(name: str, raw: Path | None = None) -> Path:
    """Path of the raw file registered as ``name`` (e.g. ``ml-mcdm/data/csv/2011.csv``).

    Raises MissingRawFileError when the file has not been pulled yet.
    """
    from parlib.errors import MissingRawFileError

    path = (raw or raw_dir()) / name
    if not path.is_file():
        raise MissingRawFileError(f"{path}: raw file not found; run `parlib data pull` first")
    return path


def example_path(name: str) -> Path:
    """A file shipped with the package under parlib/data/examples/ (SYNTHETIC tables: not data)."""
    return Path(__file__).resolve().parent / "data" / "examples" / name


def shown_path(path: object) -> str:
    """A path as the user knows it: relative to the project root when inside it (``data/raw/...``)."""
    absolute = Path(str(path)).absolute()
    try:
        return absolute.relative_to(project_root().absolute()).as_posix()
    except ValueError:
        return str(absolute)
