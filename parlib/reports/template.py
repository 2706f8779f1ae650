"""The template: checked to be a Jupyter notebook with a ``parameters`` cell, and what it declares.

Decision (validation first, the template): ``check_template`` refuses, before any kernel
starts, a template that is not a Jupyter notebook (a folder, an empty file, not JSON, no cell
tagged ``parameters``); its content is never echoed. The parameters it declares are read with
``papermill.inspect_notebook`` (cached while the file is unchanged).
"""

from __future__ import annotations

import ast
import contextlib
import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from parlib import config
from parlib.reports.params import ReportParameterError


def default_template() -> Path:
    """notebooks/templates/province_report.ipynb under the project root."""
    return config.project_root() / "notebooks" / "templates" / "province_report.ipynb"


def unit34_template() -> Path:
    """notebooks/templates/unit34_report.ipynb: a report on one of the 34 provinces from July 2025."""
    return config.project_root() / "notebooks" / "templates" / "unit34_report.ipynb"


MAX_TEMPLATE_BYTES = 64 * 1024 * 1024
"""A template larger than this is refused unread (templates are a few hundred KB)."""


def _template_error(path: Path, problem: str) -> ReportParameterError:
    return ReportParameterError(f"template {path} {problem}")


def _read_template(path: Path) -> dict[str, Any]:
    """The template's JSON, checked to be a notebook with a cell tagged ``parameters``.

    Errors name the template and what is wrong with it, never its content.
    """
    if not path.exists():
        raise _template_error(path, "not found")
    if path.is_dir():
        raise _template_error(path, "is a folder, not a Jupyter notebook (.ipynb)")
    if not path.is_file():
        raise _template_error(path, "is not a regular file, not a Jupyter notebook (.ipynb)")
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise _template_error(path, f"is {size:,} bytes: too large to be a notebook template")
        data = path.read_bytes()
    except OSError as exc:
        raise _template_error(path, f"cannot be read: {exc.strerror or exc}") from None
    if not data.strip():
        empty = "is empty (0 bytes)" if not data else "holds only whitespace"
        raise _template_error(path, f"{empty}: not a Jupyter notebook (JSON)")
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _template_error(path, "is not a Jupyter notebook (JSON): not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _template_error(
            path, f"is not a Jupyter notebook (JSON): {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise _template_error(path, "is JSON but not a Jupyter notebook (no 'cells' list)")
    if nb.get("nbformat") != 4:
        version = nb.get("nbformat")
        shown = f" (it is {version})" if isinstance(version, int) and not isinstance(version, bool) else ""
        raise _template_error(path, f"is not an nbformat 4 notebook{shown}; save it with JupyterLab")
    import nbformat

    try:
        nbformat.validate(nbformat.from_dict(nb))
    except nbformat.ValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", []) or []) or "the top level"
        raise _template_error(
            path, f"is not a valid Jupyter notebook (nbformat schema, at {where})"
        ) from None
    if not any("parameters" in (cell.get("metadata") or {}).get("tags", []) for cell in nb["cells"]):
        raise _template_error(
            path,
            "has no cell tagged 'parameters': papermill injects the parameters after that cell "
            "(add the tag in JupyterLab: Property Inspector > Cell Tags)",
        )
    return nb


@lru_cache(maxsize=16)
def _template_info(path: str, mtime_ns: int, size: int) -> tuple[tuple[str, ...], dict[str, object]]:
    """(declared names, their defaults) of a checked template; cached while the file is unchanged."""
    _read_template(Path(path))
    import papermill

    try:
        with warnings.catch_warnings():  # papermill warns on a name without .ipynb: one line only
            warnings.simplefilter("ignore")
            declared = papermill.inspect_notebook(path)
    except Exception as exc:
        raise _template_error(
            Path(path), f"has a 'parameters' cell papermill cannot read ({type(exc).__name__})"
        ) from None
    defaults: dict[str, object] = {}
    for name, info in declared.items():
        with contextlib.suppress(ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            defaults[name] = ast.literal_eval(str(info.get("default")))
    return tuple(declared), defaults


def check_template(template: Path | str) -> Path:
    """The template's resolved path, once it is known to be a notebook with a ``parameters`` cell.

    Raises ReportParameterError naming the template: not found, a folder, empty, not JSON, not a
    notebook, no cell tagged ``parameters``. The file's content is never put in the message.
    """
    path = Path(template).expanduser().resolve()
    _template_parts(path)
    return path


def _template_parts(path: Path) -> tuple[tuple[str, ...], dict[str, object]]:
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is None or not path.is_file():
        _read_template(path)  # raises the right message (not found, a folder ...)
    return _template_info(str(path), st.st_mtime_ns, st.st_size)


def template_parameters(template: Path | str) -> list[str]:
    """Names declared in the template's cell tagged ``parameters`` (no kernel is started)."""
    return list(_template_parts(Path(template).expanduser().resolve())[0])


def template_defaults(template: Path | str) -> dict[str, object]:
    """The declared parameters' default values (those that are Python literals)."""
    return dict(_template_parts(Path(template).expanduser().resolve())[1])
