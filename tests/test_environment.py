"""environment.yml (for conda users) lists exactly the packages and bounds of pyproject.toml."""

from __future__ import annotations

import re
import tomllib

from parlib import config


def _norm(spec: str) -> tuple[str, str]:
    spec = spec.replace(" ", "")
    name = re.match(r"[A-Za-z0-9_.\-]+", spec).group(0)
    return name.lower().replace("_", "-"), spec[len(name) :]


def test_environment_yml_matches_pyproject():
    root = config.project_root()
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    extras = [s for group in project["optional-dependencies"].values() for s in group]  # dev, dask
    wanted = dict(_norm(s) for s in project["dependencies"] + extras)
    conda = {}
    text = (root / "environment.yml").read_text()
    for line in text[text.index("dependencies:") :].splitlines():
        m = re.match(r"^  - ([A-Za-z].*)$", line)
        if m and not m.group(1).startswith("pip"):
            name, bound = _norm(m.group(1))
            conda[name] = bound
    python = conda.pop("python")
    assert python == ">=" + project["requires-python"].lstrip(">=")
    assert conda == wanted
