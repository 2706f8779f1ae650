"""Tasks: one report each (a province and a year from a template), validated up front by ``plan``.

Decision (validation first, the outputs): output paths are built only from the registry slug,
never from user text: ``reports_dir/<year>/<slug>.*`` (English), ``<slug>.vi.*`` (Vietnamese),
and ``reports_dir/<year>/geo34/`` for the 34 provinces in force from 1 July 2025.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from parlib import config, provinces
from parlib.reports.checks import _panel_facts
from parlib.reports.params import (
    GEO,
    ReportParameterError,
    report_years,
    validate_province,
    validate_unit,
    validate_year,
)
from parlib.reports.rules import rules_for, validate
from parlib.reports.template import check_template, default_template, template_parameters


@dataclass(frozen=True)
class Task:
    """One report: a province and year rendered from a template into ``reports_dir/<year>/<stem>.*``.

    ``geo`` "34": ``province_id`` is one of the 34 provinces from 1 July 2025 and the files go to
    ``<year>/geo34/``; ``parameters["lang"]`` "vi" adds ``.vi`` to the stem.
    """

    province_id: str
    year: int
    template: Path
    reports_dir: Path
    parameters: dict[str, object] = field(hash=False, compare=True)
    geo: str = GEO

    @property
    def _registry(self) -> pd.DataFrame:
        return provinces.PROVINCES_34 if self.geo == "34" else provinces.PROVINCES_63

    @property
    def province(self) -> str:
        """The province's Vietnamese name."""
        return str(self._registry.loc[self.province_id, "name_vi"])

    @property
    def slug(self) -> str:
        """The registry slug: the only source of output file names."""
        return str(self._registry.loc[self.province_id, "slug"])

    @property
    def lang(self) -> str:
        """The report's language: the template's ``lang`` parameter (default en)."""
        return str(self.parameters.get("lang", "en"))

    @property
    def stem(self) -> str:
        """The file name without suffix: the slug, with ``.vi`` for a Vietnamese report."""
        return self.slug if self.lang == "en" else f"{self.slug}.{self.lang}"

    @property
    def folder(self) -> Path:
        year = self.reports_dir / str(self.year)
        return year / "geo34" if self.geo == "34" else year

    @property
    def ipynb(self) -> Path:
        return self.folder / f"{self.stem}.ipynb"

    @property
    def html(self) -> Path:
        return self.folder / f"{self.stem}.html"

    @property
    def sidecar(self) -> Path:
        return self.folder / f"{self.stem}.json"

    @property
    def failed_log(self) -> Path:
        return self.folder / "failed" / f"{self.stem}.ipynb"

    @property
    def label(self) -> str:
        extra = ", geo 34" if self.geo == "34" else ""
        extra += f", {self.lang}" if self.lang != "en" else ""
        return f"{self.province} ({self.province_id}), {self.year}{extra}"


def make_task(
    province: object,
    year: object,
    template: Path | str | None = None,
    reports_dir: Path | None = None,
    *,
    years: Sequence[int] | None = None,
    parameters: Mapping[str, object] | None = None,
    **extra: object,
) -> Task:
    """A validated Task (raises before any kernel starts); ``years`` as in ``validate``.

    More template parameters go in ``parameters`` (or as keywords, for names that are not
    arguments of this function: a template's own ``years`` must go through ``parameters``).
    """
    template = check_template(template or default_template())
    declared = template_parameters(template)
    if "province" not in declared and "year" not in declared:
        raise ReportParameterError(
            f"template {template.name} takes no 'province' or 'year' (it declares: {', '.join(declared)}); "
            "`parlib report` renders one report per province and year: run it with papermill"
        )
    given = {**dict(parameters or {}), **extra}
    params = validate(template, {"province": province, "year": year, **given}, years=years)
    geo = rules_for(template).geo
    pid = validate_unit(province) if geo == "34" else validate_province(province)
    folder = Path(reports_dir or config.reports_dir()).resolve()
    return Task(pid, int(params["year"]), template, folder, params, geo)


def plan(
    names: Sequence[object] | None,
    years: Sequence[object],
    template: Path | str | None = None,
    reports_dir: Path | None = None,
    parameters: Mapping[str, object] | None = None,
) -> list[Task]:
    """Tasks for some provinces (``names``) or, with ``names=None``, every province in force each year.

    ``parameters``: more template parameters, the same for every task (``parlib report -p``).
    Every parameter is validated up front: nothing runs if any of them is refused, the template
    first (``check_template``), and a named province in a year it did not exist is refused.
    """
    template = check_template(template or default_template())
    _panel_facts.cache_clear()  # the panel may have been rebuilt since the last plan
    extra = dict(parameters or {})
    covered = report_years()
    checked_years = [validate_year(y, covered) for y in years]
    if not checked_years:
        raise ReportParameterError("no year given")
    geo = rules_for(template).geo
    check = validate_unit if geo == "34" else validate_province
    tasks: dict[tuple[str, int], Task] = {}
    for year in checked_years:
        ids = (
            [check(n) for n in names]
            if names is not None
            else list(provinces.PROVINCES_34.index if geo == "34" else provinces.provinces(GEO, year).index)
        )
        for pid in ids:
            if (pid, year) not in tasks:
                tasks[(pid, year)] = make_task(
                    pid, year, template, reports_dir, years=covered, parameters=extra
                )
    return list(tasks.values())
