"""The drivers notebook's researcher tables and its one-row-per-province designs.

Why: the drivers template takes researcher tables (``tables``) and a ``design``: ``panel``
(``parlib.models.fit``), ``long_difference`` (``fit_change``: the change of the outcome from
years[0] to years[1] on a driver of the same period) or ``cross_section`` (``fit_year``: one year).
SIPAS, PAR INDEX and staffing figures are too sparse for a panel in most years, so a design the
data cannot support is a ``Refusal`` shown in prose (the models' message, the n found and
needed), not a traceback. A request that is wrong whatever the data (an overlapping driver, an
unknown column, a bad table) still raises.

Tables are told apart by their header (``parlib.sections.reported.table_kind``, shared with the
province report): a period driver table (``indicator``, ``start_year``, ``end_year``;
``read_period_table``), a driver table (``indicator``, ``year``; ``merge_drivers`` gives columns
``driver_<indicator>``; its ``qualifier`` 'period' rows are period figures when
``read_period_table`` reads them), a PAR INDEX table (a part or field column, or ``par_index`` in
the file name) or a SIPAS table (``sipas`` in the file name). PAR INDEX and SIPAS tables are
combined with the published record by province and year (``par_index(tables=...)``,
``sipas(tables=...)``) and replace that index's panel columns; the result's notes say which
sample values came from tables.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from parlib.sections.display import Chart, Prose, _figure
from parlib.sections.text import _and, _p

if TYPE_CHECKING:
    from parlib.models import ModelResult

DESIGNS = ("panel", "long_difference", "cross_section")
DESIGN_PARAMETERS: dict[str, tuple[str, ...]] = {
    "panel": ("outcome", "drivers", "years", "lag", "method", "seed", "tables"),
    "long_difference": ("outcome", "drivers", "years", "seed", "tables"),
    "cross_section": ("outcome", "drivers", "years", "seed", "tables"),
}
"""The template parameters each design uses: ``lag`` and ``method`` are the panel's only."""
_KINDS = {"DRIVER": "driver table", "PERIOD": "period driver table", "PAR_INDEX": "PAR INDEX table",
          "SIPAS": "SIPAS table"}  # fmt: skip
"""``parlib.sections.reported.table_kind`` -> what the notebook calls the table."""
_DATA_LIMITS = re.compile(
    r"^(too few|no within-province variation|no variation|perfectly collinear|province \S+ has leverage 1)"
    r"|crosses a method break|has no figure for"
)
"""Messages about what the data support (a Refusal), not about the request (an error)."""


def _as_list(value: object) -> list:
    """A notebook parameter as a list: papermill's ``-p`` passes '["a", "b"]' or 'a,b' as text."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return list(json.loads(text))
            except ValueError:
                return list(ast.literal_eval(text))
        return [v.strip() for v in text.split(",") if v.strip()]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _as_years(value: object) -> list[int]:
    """``years`` as ints: a list, '[2017, 2022]', '2017-2022' or one year."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*-\s*\d{4}\s*", value):
        return [int(y) for y in value.split("-")]
    return [int(y) for y in _as_list(value)]


def design_name(value: object) -> str:
    """'long-difference' -> 'long_difference'; ValueError naming the designs otherwise."""
    name = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    if name not in DESIGNS:
        raise ValueError(f"unknown design {value!r}: the designs are {', '.join(DESIGNS)}")
    return name


@dataclass
class TableSet:
    """The researcher tables read: yearly driver observations, period rows, index tables by index."""

    kinds: list[tuple[Path, str]] = field(default_factory=list)
    yearly: list[pd.DataFrame] = field(default_factory=list)
    periods: list[pd.DataFrame] = field(default_factory=list)
    index: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def indicators(self) -> tuple[dict[str, set[int]], dict[str, set[tuple[int, int]]]]:
        """(indicator -> years of the driver tables, indicator -> periods of the period rows)."""
        yearly: dict[str, set[int]] = {}
        for obs in self.yearly:
            for ind, year in zip(obs["component"], obs["year"], strict=True):
                yearly.setdefault(str(ind), set()).add(int(year))
        periods: dict[str, set[tuple[int, int]]] = {}
        for frame in self.periods:
            for ind, s, e in zip(frame["indicator"], frame["start_year"], frame["end_year"], strict=True):
                periods.setdefault(str(ind), set()).add((int(s), int(e)))
        return yearly, periods


def read_tables(paths: Sequence[str | Path]) -> TableSet:
    """Classify (``parlib.sections.reported.table_kind``, by header) and read every table; the
    readers' one-line errors propagate, a missing file is MissingRawFileError naming it."""
    from parlib.errors import MissingRawFileError, ParlibError
    from parlib.sections.reported import table_kind
    from parlib.sources.driver_tables import read_driver_table
    from parlib.sources.index_tables import read_index_table
    from parlib.sources.period_tables import read_period_table
    from parlib.sources.sheets import read_sheet

    tables = TableSet()
    for given in paths:
        path = Path(given).expanduser().resolve()
        if not path.is_file():
            raise MissingRawFileError(f"{given}: no such file")
        kind = table_kind(path)
        tables.kinds.append((path, kind))
        if kind == "PERIOD":
            tables.periods.append(read_period_table(path))
            continue
        if kind != "DRIVER":
            tables.index.setdefault(kind, []).append(read_index_table(path, kind))
            continue
        obs = read_driver_table(path)
        tables.yearly.append(obs)
        tables.notes += list(obs.attrs.get("notes", []))
        sheet = read_sheet(path)
        if "qualifier" in sheet and sheet["qualifier"].str.strip().str.lower().eq("period").any():
            try:  # period rows: read by read_period_table when parlib.sources.period_tables supports them
                tables.periods.append(read_period_table(path))
            except ParlibError as exc:
                tables.notes.append(f"{path.name}: its period rows are not used ({exc})")
    return tables


def _names(keys: Sequence[tuple[str, int]]) -> str:
    from parlib import provinces

    names = sorted({provinces.get(pid).name_vi for pid, _ in keys})
    return ", ".join(names) if len(names) <= 8 else f"{len(names)} provinces"


def _by_year(keys: Sequence[tuple[str, int]]) -> str:
    years = pd.Series([y for _, y in keys]).value_counts().sort_index()
    return ", ".join(f"{y}: {n}" for y, n in years.items())


@dataclass
class DesignData:
    """The panel with the tables merged, the tables, and which (province, year) came from tables."""

    panel: pd.DataFrame
    tables: TableSet
    from_tables: dict[str, set[tuple[str, int]]]
    notes: list[str]


def design_data(tables: TableSet) -> DesignData:
    """``load_panel()`` with driver tables merged and PAR INDEX / SIPAS columns replaced by the
    published record combined with the researcher tables (``load_panel()`` itself without tables)."""
    from parlib.panel import load_panel
    from parlib.sources.driver_tables import merge_drivers

    panel, notes, from_tables = load_panel(), list(tables.notes), {}
    if tables.yearly:
        panel = merge_drivers(panel, tables.yearly)
        for obs in tables.yearly:
            for ind, rows in obs.groupby("component"):
                keys = list(zip(rows["province_id"], rows["year"].astype(int), strict=True))
                from_tables.setdefault(f"driver_{ind}", set()).update(keys)
                file = rows["source"].iloc[0].split(" | ")[0]
                notes.append(f"`driver_{ind}` from {file}: {len(keys)} province-years ({_by_year(keys)})")
    index = pd.MultiIndex.from_frame(
        panel[["province_id", "year"]].astype({"province_id": str, "year": "int64"})
    )
    for kind, frames in tables.index.items():
        from parlib.indices import par_index, sipas

        paths = [path for path, k in tables.kinds if k == kind]
        files = [path.name for path in paths]
        res = (sipas.sipas if kind == "SIPAS" else par_index.par_index)(tables=paths)
        prefix, panel = kind.lower(), panel.copy()
        for comp, rows in res.table.groupby("component"):
            values = rows.set_index(["province_id", "year"])
            panel[f"{prefix}_{comp}"] = values["value"].reindex(index).to_numpy(dtype=float)
            if comp == "total":
                panel[f"{prefix}_rank"] = values["rank"].reindex(index).to_numpy(dtype=float)
        given = pd.concat(frames)[["province_id", "year"]].drop_duplicates()
        mine = set(zip(given["province_id"], given["year"].astype(int), strict=True))
        outside = sorted(k for k in mine if k not in index)
        for comp in res.table["component"].unique():
            from_tables[f"{prefix}_{comp}"] = mine - set(outside)
        notes.append(
            f"`{prefix}_*` columns: the published record combined with {', '.join(files)} by province and "
            f"year: their {len(mine)} province-years replace the published ones ({_by_year(sorted(mine))})"
        )
        if outside:
            notes.append(f"{len(outside)} province-years of {', '.join(files)} outside the panel left out")
        notes += [n for n in res.notes if "in the published record" in n or "computed rank" in n]
    return DesignData(panel, tables, from_tables, notes)


def _period_frame(data: DesignData, drivers: Sequence[str], start: int, end: int) -> pd.DataFrame | None:
    """``period_drivers`` of the drivers (``driver_<indicator>``) that period rows give, or None."""
    from parlib.errors import ValidationError
    from parlib.sources.period_tables import period_drivers

    if not data.tables.periods:
        return None
    rows = pd.concat(data.tables.periods, ignore_index=True)
    wanted = [
        d.removeprefix("driver_") for d in drivers if d.removeprefix("driver_") in set(rows["indicator"])
    ]
    if not wanted:
        return None
    twice = rows[rows.duplicated(["province_id", "indicator", "start_year", "end_year"], keep=False)]
    if len(twice):
        rec = twice.iloc[0]
        raise ValidationError(f"{rec['indicator']} of province {rec['province_id']} {rec['start_year']}-"
                              f"{rec['end_year']} is given by two tables: keep it in one")  # fmt: skip
    rows.attrs["file"] = ", ".join(f.attrs.get("file", "period table") for f in data.tables.periods)
    return period_drivers(rows, wanted, start, end)


@dataclass
class Refusal:
    """A design the data cannot support: the request, the models' message, the n found and needed."""

    design: str
    outcome: str
    drivers: list[str]
    message: str
    spec: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    n_found: int | None = None
    n_needed: int | None = None


def _refusal(exc: Exception, design: str, outcome: str, drivers: list[str]) -> Refusal:
    """A Refusal from a ModelSpecError/ValidationError about the data; any other error is re-raised."""
    message = str(exc)
    if not _DATA_LIMITS.search(message):
        raise exc
    found = re.search(r"(\d+) provinces? with complete data.*?(?:need >= |needs at least )(\d+)", message)
    n_found, n_needed = (int(found[1]), int(found[2])) if found else (None, None)
    if "has no figure for" in message:  # no province has the driver for the period asked
        n_found = 0
    return Refusal(design, outcome, drivers, message, {"design": design}, [], n_found, n_needed)


def _fit_one_row(
    design: str, data: DesignData, outcome: str, drivers: list[str], years: list[int], *, seed: int,
    n_perm: int,
) -> ModelResult | Refusal:  # fmt: skip
    """``fit_change`` (years[0] -> years[1]) or ``fit_year`` (years[-1]); a data limit -> Refusal."""
    from parlib.errors import ValidationError
    from parlib.models import ModelSpecError, fit_change, fit_year
    from parlib.models.cross_section import MIN_OBS, MIN_RESIDUAL_DF
    from parlib.models.sample import check_drivers

    check_drivers(outcome, drivers)  # an overlapping driver is an error, not a refusal
    period, kwargs = None, {}
    try:
        if design == "cross_section":
            return fit_year(data.panel, outcome, drivers, years[-1], seed=seed, n_perm=n_perm)
        period = _period_frame(data, drivers, years[0], years[1])
        kwargs = dict(period_drivers=period, seed=seed)
        result = fit_change(data.panel, outcome, years[0], years[1], drivers, n_perm=n_perm, **kwargs)
    except (ModelSpecError, ValidationError) as exc:
        out = _refusal(exc, design, outcome, drivers)
        out.n_needed = out.n_needed or max(MIN_OBS, len(drivers) + 1 + MIN_RESIDUAL_DF)
        if "method break" in out.message:
            out.message += (" (the template has neither option: choose years within one method era, or call "
                            "parlib.models.fit_change)")  # fmt: skip
            try:  # the n the data would give without the break
                out.n_found = fit_change(
                    data.panel, outcome, *years, drivers, allow_break=True, n_perm=1, **kwargs
                ).n
            except ModelSpecError as again:
                out.n_found = _refusal(again, design, outcome, drivers).n_found
        return out
    for d in [d for d in drivers if period is not None and d in period.columns]:
        sources = "; ".join(sorted(set(result.data[f"source_{d.removeprefix('driver_')}"])))
        result.notes.append(f"`{d}`: the period figure {years[0]}-{years[1]} from researcher tables for all "
                            f"{result.n} provinces in the sample (sources: {sources})")  # fmt: skip
    return result


def _table_row_notes(result: ModelResult, data: DesignData, lag: int = 0) -> list[str]:
    """Which values of the estimation sample came from researcher tables (outcome, yearly drivers)."""
    spec, sample, notes = result.spec, result.data, []
    pids = sample["province_id"].astype(str).tolist()
    change = spec["design"] == "long-difference"
    for column in dict.fromkeys([result.outcome, *spec.get("driver_columns", [])]):
        mine = data.from_tables.get(column)
        if not mine or (change and column != result.outcome and column in sample):
            continue  # a period figure: noted by _fit_one_row
        if change:
            keys = [(p, y) for p in pids for y in (spec["start"], spec["end"])]
        else:
            shift = 0 if column == result.outcome else lag
            keys = [(p, int(y) - shift) for p, y in zip(pids, sample["year"], strict=True)]
        used = [k for k in keys if k in mine]
        rest = "" if len(used) == len(keys) else ", the others from the published record"
        if used:
            notes.append(f"`{column}` in the sample: {len(used)} of {len(keys)} values from the tables "
                         f"({_by_year(used)}; {_names(used)}){rest}")  # fmt: skip
    return notes


# --------------------------------------------------------------------------- one row per province: sections


def _specification(result: ModelResult, label: Any) -> list[str]:
    """The long difference or cross-section in words (``label``: column -> readable name)."""
    s = result.spec

    def named(column: str) -> str:
        return f"`{column}`" + (f" ({label(column)})" if label(column) != column else "")

    if s["design"] == "long-difference":
        what = f"the change of {named(result.outcome)} from {s['start']} to {s['end']}"
        how = "parlib.models.fit_change: the change per province on the drivers of the same period"
        drivers = [f"`{d}` ({'its change' if d.endswith('_change') else 'the period figure'} {s['start']}-"
                   f"{s['end']})" for d in result.drivers]  # fmt: skip
    else:
        what = f"{named(result.outcome)} in {s['year']}"
        how = "parlib.models.fit_year: the outcome of one year on the drivers of that year"
        drivers = [named(d) for d in result.drivers]
    perm = f"{s['n_perm']:,} random permutations, seed {s['seed']}"
    if s["exact"]:
        perm = f"all {s['n_obs']}! = {s['n_perm']:,} permutations, exact"
    return [
        f"- **Design**: `{s['design_name']}`, {s['label']} ({how}); OLS across provinces with an intercept",
        f"- **Outcome**: {what}",
        f"- **Drivers**: {', '.join(drivers)}",
        f"- **Sample**: {s['n_obs']} provinces, one row each; {len(result.dropped)} dropped (see below)",
        f"- **Inference**: HC1 and HC3 heteroskedasticity-robust t with {s['df_resid']} degrees of freedom; "
        f"a permutation test of each driver ({perm}; studentized HC3 t)",
        "- **Not used by this design**: `lag` and `method` (design `panel` only)",
    ]


def _dropped(rows: pd.DataFrame) -> Prose:
    """The provinces a one-row-per-province design left out, by reason (named when few)."""
    from parlib import provinces

    if rows.empty:
        return Prose("No provinces were dropped: every province has the outcome and the drivers.")
    lines = [f"{len(rows)} provinces were left out:", "", "| Reason | Provinces | Which |", "|---|--:|---|"]
    for reason, grp in rows.groupby("reason", sort=False):
        names = sorted(provinces.get(pid).name_vi for pid in grp["province_id"])
        lines.append(f"| {reason} | {len(grp)} | {_and(names) if len(names) <= 8 else '-'} |")
    return Prose("\n".join(lines))


def _scatter(result: ModelResult) -> Chart:
    """The outcome against each driver across provinces (net of the other drivers when several), with
    the fitted line; provinces named when at most 20. No within scatter: one row per province."""
    from parlib import provinces

    s, one = result.spec, len(result.drivers) == 1
    fig = _figure((6.0 * len(result.drivers), 4.8))
    for k, driver in enumerate(result.drivers):
        ax = fig.add_subplot(1, len(result.drivers), k + 1)
        data = result.data if one else result.within(driver)
        x, y, b = data[driver].to_numpy(float), data[result.outcome].to_numpy(float), result.estimate(driver)
        a = s["intercept"] if one else 0.0
        ax.scatter(x, y, s=18, alpha=0.7, linewidths=0, label=f"provinces (n = {len(x)})")
        ends = [x.min(), x.max()]
        ax.plot(ends, [a + b * e for e in ends], color="0.15", linewidth=1.5, label=f"fitted slope = {b:.4g}")
        for pid, xi, yi in zip(data["province_id"], x, y, strict=True) if len(x) <= 20 else ():
            ax.annotate(provinces.get(str(pid)).name_vi, (xi, yi), xytext=(3, 3), textcoords="offset points",
                        fontsize=7)  # fmt: skip
        net = "" if one else " (net of the other drivers)"
        ax.set_xlabel(f"{driver}{net}")
        ax.set_ylabel(f"{result.outcome}{' change' if s['design'] == 'long-difference' else ''}{net}")
        ax.set_title(f"{s['label']}: one point per province", fontsize=9)
        ax.legend(loc="best", fontsize=8, frameon=False)
    return Chart(fig, f"scatter of {result.outcome} on {', '.join(result.drivers)} across provinces")


def _caveats(result: ModelResult) -> Prose:
    """What a long difference or cross-section can and cannot support, generated from the result."""
    from parlib.models import overlap

    s, table, n = result.spec, result.table, result.spec["n_obs"]
    few = " Few rows: read HC3 and the permutation p-value rather than HC1." if n < 250 else ""
    lines = [f"**Sample**: {n} provinces, one row each ({s['df_resid']} residual degrees of freedom).{few}"]
    checks = [c for c in (overlap(result.outcome, d.removesuffix("_change")) for d in result.drivers) if c]
    ok = "no driver is a component of the outcome (checked by parlib.models.overlap)."
    lines.append("**Overlap**: " + ("; ".join(checks) if checks else ok))
    for driver in result.drivers:
        ps = table[table["term"] == driver].set_index("method")["p_value"]
        agree = "agree" if ((ps < 0.05).all() or (ps >= 0.05).all()) else "disagree"
        lines += [
            f"**Variation**: `{driver}` has SD {result.data[driver].std():.3g} across the {n} provinces; the "
            "estimate rests on these differences between provinces only.",
            f"**Inference**: for `{driver}` HC1 p {_p(ps['hc1'])}, HC3 p {_p(ps['hc3'])}, permutation p "
            f"{_p(ps['perm'])}: they {agree} at the 5% level.",
        ]
    lines += [f"**Note**: {note}." for note in result.notes]
    if s["design"] == "long-difference":
        lines.append(f"**Interpretation**: an association across provinces between the change {s['start']}-"
                     f"{s['end']} and the driver: what stays constant within a province drops out, "
                     "nationwide shocks are in the intercept; not a causal effect (other reforms of the "
                     "period, province trends and regression to the mean are not controlled).")  # fmt: skip
    else:
        lines.append(f"**Interpretation**: an association across provinces in {s['year']}: every difference "
                     "between provinces that goes with the driver (size, income, region) is in the estimate; "
                     "not a causal effect.")  # fmt: skip
    return Prose("\n".join(f"- {line}" for line in lines))


def _model_facts(result: ModelResult) -> dict[str, Any]:
    """Key numbers of a long difference or cross-section: the first driver's HC3 row, MDE, p-values."""
    s, term = result.spec, result.drivers[0]
    rows = result.table[result.table["term"] == term].set_index("method")
    facts: dict[str, Any] = {"design": s["design_name"], "outcome": result.outcome, "drivers": result.drivers,
                             "term": term}  # fmt: skip
    facts.update({key: float(rows.loc["hc3", key]) for key in ("estimate", "std_error", "conf_low",
                                                               "conf_high", "mde")})  # fmt: skip
    facts.update({f"p_{m}": float(rows.loc[m, "p_value"]) for m in ("hc3", "hc1", "perm")})
    facts.update(n_obs=int(s["n_obs"]), df=int(s["df_resid"]), first_year=int(s["first_year"]),
                 last_year=int(s["last_year"]), seed=int(s["seed"]), n_perm=int(s["n_perm"]),
                 n_dropped=len(result.dropped), estimates=result.table)  # fmt: skip
    return facts
