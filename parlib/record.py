"""Named values recorded by a notebook and read back from the executed file.

``record(name, value)`` emits a ``display_data`` output whose only mimetype is
``application/vnd.parlib.record+json`` carrying ``{"name": name, "value": value}``: no renderer
knows that mimetype, so JupyterLab and nbconvert's HTML show nothing (nbconvert warns "not able
to be represented" once per output; ``strip_records()`` removes them before an export).
``read_records(notebook)`` returns ``{name: value}`` from an executed notebook (the last record
of a name wins), which is how tests and the runner's index page read a report's key numbers
(the pattern of scrapbook's ``glue``, without the dependency).

Values are made JSON-safe by ``jsonable()``: numpy scalars become Python numbers, NaN, NA and
infinities become None, tuples and sets lists, mappings dicts with string keys, and pandas
Series/DataFrames lists of records. Anything else raises TypeError naming the type.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MIMETYPE = "application/vnd.parlib.record+json"


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (see the module docstring); NaN -> None."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):  # np.float64 too
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v) for v in items]
    module = type(value).__module__.split(".")[0]
    if module == "numpy":
        import numpy as np

        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return jsonable(float(value))
        if isinstance(value, np.ndarray):
            return [jsonable(v) for v in value.tolist()]
        if isinstance(value, np.datetime64):
            return str(value)
    if module == "pandas":
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, pd.DataFrame):
            return [jsonable(row) for row in value.to_dict(orient="records")]
        if isinstance(value, pd.Series):
            return jsonable(value.to_dict())
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
    raise TypeError(
        f"record: cannot store a {type(value).__name__} as JSON; pass numbers, strings, lists or dicts"
    )


SIGNIFICANT = 12
"""Significant digits a recorded float keeps: the last bits of a float differ between machines
(BLAS builds, summation order), and a golden copy compared by nbval must not see that."""


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.{SIGNIFICANT}g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def payload(name: str, value: Any) -> dict[str, Any]:
    """The record's JSON body: ``{"name": name, "value": jsonable(value)}``, floats to 12 digits."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"record: the name must be a non-empty string (got {name!r})")
    body = {"name": name, "value": _rounded(jsonable(value))}
    json.dumps(body, allow_nan=False)  # fail here rather than in the notebook writer
    return body


def record(name: str, value: Any) -> None:
    """Record ``value`` under ``name`` in the running notebook (invisible output; no-op outside IPython)."""
    body = payload(name, value)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipykernel
        return
    if get_ipython() is None:
        return
    from IPython.display import display

    display({MIMETYPE: body}, raw=True)


def _cells(notebook: Any) -> list:
    if isinstance(notebook, (str, Path)):
        import nbformat

        notebook = nbformat.read(str(notebook), as_version=4)
    return notebook["cells"]


def _records(output: Mapping) -> Any:
    data = output.get("data") or {}
    if MIMETYPE not in data:
        return None
    body = data[MIMETYPE]
    return json.loads(body) if isinstance(body, str) else body


def read_records(notebook: str | Path | Mapping) -> dict[str, Any]:
    """``{name: value}`` of every record in an executed notebook (a path or a NotebookNode/dict)."""
    out: dict[str, Any] = {}
    for cell in _cells(notebook):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            body = _records(output)
            if body is not None:
                out[body["name"]] = body["value"]
    return out


def strip_records(notebook: Mapping) -> Any:
    """A copy of ``notebook`` without record outputs (for an HTML export that should not warn)."""
    clean = copy.deepcopy(notebook)
    for cell in clean["cells"]:
        if cell.get("cell_type") == "code" and cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if _records(o) is None]
    return clean
