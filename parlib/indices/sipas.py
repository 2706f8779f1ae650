"""SIPAS: satisfaction percentages from survey answers (with bootstrap CIs), and from tables.

From answers (``from_answers``; answers read by ``parlib.sources.tables.read_survey_answers``):

- a respondent is *satisfied* on a criterion when the answer is 4 or 5 on the 1-5 scale, or yes;
- criterion % = 100 x satisfied respondents / respondents who answered that criterion;
- element % = unweighted mean of its criteria's percentages;
- overall % = unweighted mean of the elements' percentages (each element counts the same
  whatever its number of criteria).

This is the usual reading of SIPAS ("satisfied" + "very satisfied" on a 5-point scale, averaged
over criteria and then over elements). It is NOT confirmed by MOHA's methodology: no MOHA
methodological text was reachable (methodology.md section 3), nor is how the 2022 survey's
third aspect (basic public services) enters the headline index. Treat computed percentages
as the project's estimate, not as the published SIPAS.

Confidence intervals: a nonparametric bootstrap that resamples RESPONDENTS within each
province and year (with replacement; a resampled respondent carries all of their answers,
so the correlation between one person's answers is kept), recomputes the criterion, element
and overall percentages, and takes the percentile interval (``ci``, default 95%, numpy's
linear interpolation). Each province-year draws from ``numpy.random.default_rng([seed, year,
province code])``, so a province's interval does not depend on which other provinces are in
the input and the same seed gives the same intervals. A criterion that no resampled
respondent answered is left out of that draw's element mean.

From tables (``sipas``): the published SIPAS record and researcher tables, with the rules of
``parlib.indices.par_index`` (published ranks kept on partial years, national average computed
on a complete year else published, a researcher table's province-years replace the published
ones and the other provinces are kept). The 2022 redesign is a method break (eras
``2015-pilot``, ``2017-2021``, ``2022-``): a 2021 -> 2022 change has ``comparable`` False. The
2015 pilot ranked 10 provinces (``rank_of`` 10).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from parlib.errors import ValidationError
from parlib.indices.par_index import GEO, TableIndexResult, table_index
from parlib.indices.ranking import rank_and_change
from parlib.indices.result import IndexResult
from parlib.sources.published import method_era
from parlib.sources.tables import read_survey_answers

INDEX = "SIPAS"
LEVELS = ["overall", "element", "criterion"]
ESTIMATE_COLUMNS = [
    "province_id", "geo", "year", "level", "element", "criterion", "value", "conf_low", "conf_high",
    "n_respondents",
]  # fmt: skip
"""Columns of ``SipasResult.estimates``; ``element`` / ``criterion`` are None above their level."""


@dataclass(repr=False)  # keep IndexResult's short repr
class SipasResult(IndexResult):
    """SIPAS computed from answers: ``table`` (overall as component ``total`` and one component per
    element, with ranks and changes) plus the tidy ``estimates`` of every level with its CI."""

    estimates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ESTIMATE_COLUMNS))
    n_boot: int = 0
    ci: float = 0.95
    seed: int | None = None


def _levels(num: np.ndarray, den: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, ...]:
    """Criterion, element and overall percentages from satisfied counts and answer counts (..., C)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        criterion = 100.0 * num / den
        present = ~np.isnan(criterion)
        element = (np.where(present, criterion, 0.0) @ members) / (present @ members)
        counted = ~np.isnan(element)
        overall = np.where(counted, element, 0.0).sum(axis=-1) / counted.sum(axis=-1)
    return criterion, element, overall


def _interval(draws: np.ndarray, ci: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - ci) / 2.0 * 100.0
    with np.errstate(invalid="ignore"):
        low, high = np.nanpercentile(draws, [tail, 100.0 - tail], axis=0)
    return low, high


def _province_year(group: pd.DataFrame, n_boot: int, ci: float, seed: int) -> pd.DataFrame:
    """Every level's estimate and interval for one province and year."""
    respondent, _ = pd.factorize(group["respondent_id"])
    items = group[["element", "criterion"]].drop_duplicates()
    item_index = pd.MultiIndex.from_frame(items)
    item = item_index.get_indexer(pd.MultiIndex.from_frame(group[["element", "criterion"]]))
    element_of, elements = pd.factorize(items["element"])
    n_resp, n_items = respondent.max() + 1, len(items)
    satisfied = np.zeros((n_resp, n_items))
    answered = np.zeros((n_resp, n_items))
    satisfied[respondent, item] = group["satisfied"].to_numpy(dtype=float)
    answered[respondent, item] = 1.0
    members = np.zeros((n_items, len(elements)))
    members[np.arange(n_items), element_of] = 1.0

    point = _levels(satisfied.sum(axis=0), answered.sum(axis=0), members)
    if n_boot > 0:
        pid, year = group["province_id"].iloc[0], int(group["year"].iloc[0])
        rng = np.random.default_rng([seed, year, int(pid)])
        weights = rng.multinomial(n_resp, np.full(n_resp, 1.0 / n_resp), size=n_boot).astype(float)
        draws = _levels(weights @ satisfied, weights @ answered, members)
        bounds = [_interval(d, ci) for d in draws]
    else:
        bounds = [(np.full_like(p, np.nan), np.full_like(p, np.nan)) for p in point]
    counts = [answered.sum(axis=0), ((answered @ members) > 0).sum(axis=0), np.array(n_resp)]
    frames = []
    for level, value, (low, high), n in zip(
        ["criterion", "element", "overall"], point, bounds, counts, strict=True
    ):
        if level == "criterion":
            element, criterion = items["element"].to_numpy(), items["criterion"].to_numpy()
        elif level == "element":
            element, criterion = np.asarray(elements), None
        else:
            element, criterion = None, None
        frames.append(
            pd.DataFrame(
                {
                    "level": level,
                    "element": element,
                    "criterion": criterion,
                    "value": np.atleast_1d(value),
                    "conf_low": np.atleast_1d(low),
                    "conf_high": np.atleast_1d(high),
                    "n_respondents": np.atleast_1d(n).astype("int64"),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


_NEEDED = ["province_id", "year", "respondent_id", "element", "criterion", "satisfied"]
"""The columns of ``read_survey_answers`` that ``from_answers`` uses."""


def _label(answers: pd.DataFrame) -> str:
    """The answers' file name(s) for an error message, or 'answers (a DataFrame)'."""
    if "source" in answers.columns and answers["source"].notna().any():
        return ", ".join(sorted(set(answers["source"].dropna().astype(str))))
    return "answers (a DataFrame)"


def _where(answers: pd.DataFrame, position: int) -> str:
    """'<file>, row <n>' of the answer at ``position`` (its spreadsheet row when known)."""
    rec = answers.iloc[position]
    file = rec["source"] if "source" in answers.columns else "answers (a DataFrame)"
    row = rec["source_row"] if "source_row" in answers.columns else answers.index[position]
    return f"{file}, row {row}"


def from_answers(
    answers: pd.DataFrame | str | Path, n_boot: int = 999, seed: int = 12345, ci: float = 0.95
) -> SipasResult:
    """Satisfaction % per criterion, element and overall for each province and year, with CIs.

    ``answers``: the frame of ``read_survey_answers`` (or a path to read). See the module
    docstring for the formula (the usual reading, NOT confirmed by MOHA) and the bootstrap.
    ``n_boot=0`` skips the intervals. The table's ranks are among the provinces in the
    answers (``rank_of`` = how many), by the ``ranking`` rule.
    """
    if not 0 < ci < 1:
        raise ValueError(f"ci must be between 0 and 1, got {ci}")
    if not isinstance(answers, pd.DataFrame):
        answers = read_survey_answers(answers)  # refuses a file without answers, naming it
    label = _label(answers)
    missing = [c for c in _NEEDED if c not in answers.columns]
    if missing:
        raise ValidationError(
            f"{label}: missing column(s) {missing}: pass a file or the frame of read_survey_answers"
        )
    if answers.empty:
        raise ValidationError(f"{label}: no answers to compute SIPAS from (the frame has no rows)")
    total = answers["element"] == "total"
    if total.any():
        where = _where(answers, total.to_numpy().argmax())
        raise ValidationError(
            f"{where}: an element may not be called 'total' (the overall percentage's component)"
        )
    geo = str(answers["geo"].iloc[0]) if "geo" in answers.columns and len(answers) else GEO
    parts = []
    for (pid, year), group in answers.groupby(["province_id", "year"], sort=True):
        estimate = _province_year(group, n_boot, ci, seed)
        parts.append(estimate.assign(province_id=pid, geo=geo, year=int(year)))
    if not parts:
        raise ValidationError(f"{label}: no answers to compute SIPAS from (no province and year given)")
    estimates = pd.concat(parts, ignore_index=True)
    estimates["level"] = pd.Categorical(estimates["level"], categories=LEVELS, ordered=True)
    estimates = estimates.sort_values(["province_id", "year", "level"], kind="stable", ignore_index=True)
    estimates["level"] = estimates["level"].astype(str)
    estimates = estimates[ESTIMATE_COLUMNS]

    scored = estimates[estimates["level"] != "criterion"]
    source = ", ".join(sorted(set(answers["source"]))) if "source" in answers.columns else "answers"
    frame = pd.DataFrame(
        {
            "index": INDEX,
            "component": np.where(scored["level"] == "overall", "total", scored["element"]),
            "province_id": scored["province_id"],
            "geo": scored["geo"],
            "year": scored["year"].astype("int64"),
            "value": scored["value"],
            "unit": "percent",
            "source": source,
            "method_era": [method_era(INDEX, int(y)) for y in scored["year"]],
            "level": np.where(scored["level"] == "overall", "total", "element"),
            "conf_low": scored["conf_low"],
            "conf_high": scored["conf_high"],
            "n_respondents": scored["n_respondents"],
        }
    )
    table = rank_and_change(frame).sort_values(
        ["year", "component", "rank", "province_id"], ignore_index=True
    )
    notes = [
        "satisfied = 4-5 on the 1-5 scale or yes; criterion % = share of respondents satisfied; element % = "
        "mean of its criteria; overall = mean of the elements: the usual reading, NOT confirmed by MOHA",
        f"{ci:.0%} percentile bootstrap intervals, respondents resampled within province-year "
        f"({n_boot} draws, seed {seed})"
        if n_boot
        else "no bootstrap (n_boot=0)",
        "ranks are among the provinces in the answers (rank_of = their number)",
    ]
    return SipasResult(INDEX, table, notes, estimates=estimates, n_boot=n_boot, ci=ci, seed=seed)


def sipas(
    observations: pd.DataFrame | None = None,
    tables: Iterable[str | Path] = (),
    geo: str = GEO,
    raw: Path | None = None,
) -> TableIndexResult:
    """SIPAS totals from the published record and researcher tables, ranks of 63 and changes.

    Same rules as ``parlib.indices.par_index.par_index`` (published ranks on partial years,
    ``national`` average, tables combined by province and year). The 2022 redesign is a break: a 2021 -> 2022
    change is marked ``comparable`` False. ``raw``: the folder of the published national averages.
    """
    notes = [
        "SIPAS as published (percent); eras 2015-pilot / 2017-2021 / 2022- (2022 redesign: "
        "a change across it is not comparable)",
    ]
    labels = {"total": "SIPAS satisfaction index (percent)"}
    return table_index(
        INDEX, observations, tables, geo, labels=labels, levels={"total": "total"}, notes=notes, raw=raw
    )


scores = sipas
"""Alias used by ``parlib.indices.card`` (every index module has ``scores``)."""
