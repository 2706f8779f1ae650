"""PAR INDEX: percentage from the fields or the parts, ranks, national average and changes.

Formula (methodology.md section 2):

- the index is achieved points / maximum points x 100. The 2022+ scheme has 100 points in all
  (68 appraisal + 32 survey, 8 fields; CONFIRMED), so points = percent. ``MAX_POINTS`` = 100 is
  ASSUMED for earlier years (the 2012 parts add up to the published percentage, which fits).
- from the 8 fields: total = sum of the fields / 100 x 100, only when all 8 are given. The
  maximum of each field is UNCONFIRMED, so a field is reported in points, never as a share.
- from the parts: total = appraisal + survey (CONFIRMED as data for 2012: every published
  province, ranks 1-19; the 2012 maximum of each part is UNCONFIRMED).
- a total that is given is kept as given; ``recomputed`` shows the total from the fields (or
  else the parts) beside it, and ``derived_from`` says which parts made a total that was not given.

Ranks (``ranking`` rule, competition ranks) need every province. The shipped published tables
are PARTIAL (top and bottom lists), and ranks computed among a partial year's provinces would
be wrong, so per component and year:

- all provinces in force have a value (63; e.g. a researcher's full table): ranks are
  computed, ``rank_source`` = 'computed', ``rank_of`` = 63;
- otherwise the PUBLISHED rank is kept (the component ``rank`` of the observations; a part or
  field has none): ``rank_source`` = 'published', ``rank_of`` = 63 (the publisher ranks all 63;
  the 2015 SIPAS pilot ranked 10, ``PUBLISHED_RANK_OF``). A province with a published rank but
  no published score is a row with ``value`` NaN. Without either, rank is NaN.

``rank_change`` = previous rank - rank on the ranks so resolved (``ranking.rank_and_change``'s
rule; a published rank of 2021 and a computed rank of 2022 are both ranks of 63).
``comparable`` is False across a method era (PAR INDEX 2012-2016 / 2017-2021 / 2022-; the 2017
break is partly unconfirmed), also for a change known only from ranks.

National average (``result.national``, one row per year of the result that has one; also
``result.national_average(year)``): the mean (and median) of the provinces' totals on a
complete year (``basis`` 'computed'), else the published national average (``basis``
'published', ``parlib.sources.published.national_averages``; the published figure is also in
``published_value`` on computed years), with its change on the year before.

Researcher tables (``tables``, read by ``parlib.sources.tables.read_index_table``) are
combined with the published record by province and year: a province-year the table gives
replaces the published rows of that province and year (values and ranks: a published rank
belongs to the published value), and every other published row is kept, so typing six rows
never drops the other provinces of those years. Where the table and the replaced published
figures disagree beyond rounding (0.011), or a computed rank or average differs from a published
one, each conflict is listed in ``result.notes``. Two tables giving the same province, year and
component is an error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from parlib import provinces
from parlib.errors import MissingRawFileError, ValidationError
from parlib.indices.ranking import SERIES, rank_and_change
from parlib.indices.result import IndexResult
from parlib.sources import tables as researcher
from parlib.sources.published import method_era, national_averages

INDEX = "PAR_INDEX"
GEO = "63"
MAX_POINTS = researcher.MAX_POINTS
TOLERANCE = researcher.PART_TOLERANCE
PUBLISHED_RANK_OF: dict[tuple[str, int], int] = {("SIPAS", 2015): 10}
"""(index, year) -> number of provinces the publisher ranked, when not all in force (2015 pilot)."""

KEY = ["index", "component", "province_id", "geo", "year"]
LABELS: dict[str, str] = {
    "total": "PAR INDEX (percent of the maximum points)",
    **researcher.PARTS,
    **researcher.FIELDS,
}
LEVELS: dict[str, str] = {"total": "total", **dict.fromkeys(researcher.PARTS, "part")}
LEVELS.update(dict.fromkeys(researcher.FIELDS, "field"))

TABLE_COLUMNS = [
    "index", "component", "level", "label", "province_id", "geo", "year", "value", "unit", "method_era",
    "rank", "rank_of", "rank_source", "published_rank", "previous_value", "value_change", "previous_rank",
    "rank_change", "comparable", "recomputed", "derived_from", "source",
]  # fmt: skip
"""Columns of ``TableIndexResult.table`` (see ``table_index``)."""

NATIONAL_COLUMNS = [
    "index", "geo", "year", "value", "basis", "median", "n_provinces", "n_in_force",
    "published_value", "published_source", "method_era", "value_change", "comparable",
]  # fmt: skip


@dataclass(repr=False)  # keep IndexResult's short repr
class TableIndexResult(IndexResult):
    """An IndexResult with the national average per year (``national``, ``NATIONAL_COLUMNS``).

    ``national.basis`` is 'computed' (mean of a complete year; ``median`` too) or 'published'.
    """

    national: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NATIONAL_COLUMNS))

    def national_average(self, year: int) -> float:
        """The national average of ``year`` (NaN when neither computed nor published)."""
        self.year(year)  # CoverageError for an uncovered year
        row = self.national[self.national["year"] == year]
        return float(row["value"].iloc[0]) if len(row) else float("nan")


def in_force(geo: str, year: int) -> int:
    """How many provinces a complete year has (63 from 2009 on; Hà Tây not counted after 2008)."""
    return len(provinces.provinces(geo, year)) if geo == "63" else len(provinces.provinces(geo))


def _rank_component(component: str) -> str | None:
    """'rank' -> 'total', 'appraisal_rank' -> 'appraisal', anything else -> None."""
    if component == "rank":
        return "total"
    if component.endswith("_rank"):
        return component[: -len("_rank")]
    return None


def _read_tables(paths: Iterable[str | Path], index: str, geo: str) -> pd.DataFrame:
    frames = [researcher.read_index_table(p, index, geo=geo) for p in paths]
    if not frames:
        return pd.DataFrame(columns=[*KEY, "value", "unit", "source", "method_era"])
    obs = pd.concat(frames, ignore_index=True)
    repeated = obs.duplicated(KEY, keep=False)
    if repeated.any():
        rec = obs[repeated].iloc[0]
        same = obs[repeated & (obs[KEY] == rec[KEY]).all(axis=1)]
        raise ValidationError(
            f"{index} {rec['year']} province {rec['province_id']} {rec['component']} is given by more "
            f"than one table: {', '.join(same['source'])}"
        )
    return obs


def _derive_totals(values: pd.DataFrame) -> pd.DataFrame:
    """Add ``recomputed`` (total from all 8 fields, else appraisal + survey) and derived totals."""
    keys = ["index", "geo", "year", "province_id"]
    wide = values.pivot_table(index=keys, columns="component", values="value", aggfunc="first")
    fields = list(researcher.FIELDS)
    from_fields = (
        wide.reindex(columns=fields).sum(axis=1, min_count=len(fields)) / MAX_POINTS * 100
        if set(fields) <= set(wide.columns)
        else pd.Series(np.nan, index=wide.index)
    )
    from_parts = wide.reindex(columns=["appraisal", "survey"]).sum(axis=1, min_count=2)
    recomputed = from_fields.where(from_fields.notna(), from_parts)
    basis = pd.Series(np.where(from_fields.notna(), "fields", np.where(from_parts.notna(), "parts", None)))
    basis.index = wide.index
    derived = pd.DataFrame({"recomputed": recomputed, "derived_from": basis}).dropna(subset=["recomputed"])
    derived = derived.reset_index().assign(component="total")
    out = values.merge(derived, on=[*keys, "component"], how="outer")
    missing = out["value"].isna() & out["recomputed"].notna()
    out.loc[missing, "value"] = out.loc[missing, "recomputed"]
    out.loc[missing, "unit"] = "percent"
    out.loc[missing, "source"] = out.loc[missing, "derived_from"].map(lambda b: f"derived from the {b}")
    out.loc[~missing, "derived_from"] = None
    return out


def _previous(table: pd.DataFrame) -> pd.DataFrame:
    """Previous rank (as resolved), rank_change and comparable from year - 1 of each series."""
    prev = table[[*SERIES, "year", "value", "rank", "method_era"]].copy()
    prev["year"] = prev["year"] + 1
    prev = prev.rename(columns={"value": "_pv", "rank": "previous_rank", "method_era": "_pe"})
    out = table.drop(columns=["previous_rank"]).merge(prev, on=[*SERIES, "year"], how="left")
    out["rank_change"] = out["previous_rank"] - out["rank"]
    known = out["_pv"].notna() | out["previous_rank"].notna()
    same = out["method_era"].fillna("") == out["_pe"].fillna("")
    out["comparable"] = same.where(known, other=pd.NA).astype("boolean")
    return out.drop(columns=["_pv", "_pe"])


def _fmt(value: float) -> str:
    return f"{value:g}"


def _disagreements(index: str, table: pd.DataFrame, replaced: pd.DataFrame) -> list[str]:
    """Notes where a researcher table differs from the published rows it replaces, or a
    computed rank from a rank given in the input."""
    notes = []
    ours = table.set_index(["component", "province_id", "year"])
    for rec in replaced.itertuples(index=False):
        rank_of = _rank_component(rec.component)
        component = rank_of or rec.component
        mine = ours["rank" if rank_of else "value"].get((component, rec.province_id, rec.year), np.nan)
        if pd.isna(mine) or abs(mine - rec.value) > (0 if rank_of else TOLERANCE):
            what = f"{component} rank" if rank_of else component
            ours_text = (
                "not in the researcher table(s)"
                if pd.isna(mine)
                else f"{_fmt(mine)} with the researcher table(s)"
            )
            notes.append(
                f"{index} {rec.year} province {rec.province_id} {what}: {ours_text}, "
                f"{_fmt(rec.value)} in the published record ({rec.source})"
            )
    given = table[table["published_rank"].notna() & (table["rank_source"] == "computed")]
    for rec in given[given["published_rank"] != given["rank"]].itertuples():
        notes.append(
            f"{index} {rec.year} province {rec.province_id} {rec.component}: computed rank {int(rec.rank)}, "
            f"rank {int(rec.published_rank)} in {rec.rank_source_file}"
        )
    return notes


def _rank_component_mask(frame: pd.DataFrame, rank: bool) -> pd.Series:
    is_rank = frame["component"].map(lambda c: _rank_component(c) is not None).astype(bool)
    return is_rank if rank else ~is_rank


def _published_national(index: str, geo: str, raw: Path | None = None) -> pd.DataFrame:
    try:
        national = national_averages(raw)
    except MissingRawFileError:
        return pd.DataFrame(columns=["index", "geo", "year", "value", "source"])
    return national[(national["index"] == index) & (national["geo"] == geo)]


def _national(
    index: str, geo: str, table: pd.DataFrame, published: pd.DataFrame
) -> tuple[pd.DataFrame, list]:
    totals = table[table["component"] == "total"]
    rows, notes = [], []
    pub = published.set_index("year")
    for year in sorted(set(totals["year"])):
        values = totals.loc[totals["year"] == year, "value"].dropna()
        n_force = in_force(geo, year)
        pub_value = float(pub.loc[year, "value"]) if year in pub.index else np.nan
        pub_source = str(pub.loc[year, "source"]) if year in pub.index else None
        complete = len(values) == n_force
        value = float(values.mean()) if complete else pub_value
        if complete and not np.isnan(pub_value) and abs(value - pub_value) > TOLERANCE:
            notes.append(
                f"{index} {year} national average: computed {value:.2f} from {n_force} provinces, "
                f"published {pub_value:g} ({pub_source})"
            )
        rows.append(
            {
                "index": index,
                "geo": geo,
                "year": int(year),
                "value": value,
                "basis": "computed" if complete else ("published" if not np.isnan(pub_value) else None),
                "median": float(values.median()) if complete else np.nan,
                "n_provinces": len(values),
                "n_in_force": n_force,
                "published_value": pub_value,
                "published_source": pub_source,
                "method_era": method_era(index, int(year)),
            }
        )
    national = pd.DataFrame(rows, columns=NATIONAL_COLUMNS[:-2])
    national = national.dropna(subset=["value"]).reset_index(drop=True)
    prev = national[["year", "value", "method_era"]].assign(year=national["year"] + 1)
    national = national.merge(prev, on="year", how="left", suffixes=("", "_prev"))
    national["value_change"] = national["value"] - national["value_prev"]
    same = national["method_era"].fillna("") == national["method_era_prev"].fillna("")
    national["comparable"] = same.where(national["value_prev"].notna(), other=pd.NA).astype("boolean")
    return national[NATIONAL_COLUMNS], notes


def table_index(
    index: str,
    observations: pd.DataFrame | None = None,
    tables: Iterable[str | Path] = (),
    geo: str = GEO,
    labels: dict[str, str] | None = None,
    levels: dict[str, str] | None = None,
    notes: list[str] | None = None,
    raw: Path | None = None,
) -> TableIndexResult:
    """The table-based computation shared by PAR INDEX and SIPAS (see the module docstring).

    Table columns: IndexResult's plus ``unit``, ``source``, ``level``, ``label``,
    ``rank_source`` ('computed' | 'published' | None), ``published_rank``, ``previous_rank``,
    ``recomputed`` and ``derived_from`` (totals; PAR INDEX). ``raw``: the folder whose published
    national averages are read (default: data/raw).
    """
    if observations is None:
        from parlib.panel import load_observations

        observations = load_observations()
    published = observations[(observations["index"] == index) & (observations["geo"] == geo)]
    if isinstance(tables, (str, Path)):  # one table given without a list
        tables = [tables]
    mine = _read_tables(list(tables), index, geo)
    covered = sorted(set(mine["year"].astype(int)))
    given = pd.MultiIndex.from_frame(mine[["province_id", "year"]].astype({"year": "int64"}))
    mask = pd.MultiIndex.from_frame(published[["province_id", "year"]].astype({"year": "int64"})).isin(given)
    replaced, kept = published[mask], published[~mask]
    obs = pd.concat([kept, mine], ignore_index=True)
    obs = obs.astype({"year": "int64", "value": "float64"})

    is_rank = _rank_component_mask(obs, rank=True)
    values = _derive_totals(obs[~is_rank])
    ranks = obs[is_rank].assign(component=lambda d: d["component"].map(_rank_component))
    ranks = ranks.rename(columns={"value": "published_rank", "source": "rank_source_file"})
    frame = values.merge(
        ranks[[*KEY, "published_rank", "rank_source_file"]], on=KEY, how="outer", validate="one_to_one"
    )
    frame["source"] = frame["source"].fillna(frame["rank_source_file"])
    frame["method_era"] = [method_era(index, int(y)) for y in frame["year"]]
    frame["unit"] = frame["unit"].fillna(
        frame["component"].map(lambda c: "percent" if c == "total" else None)
    )

    table = rank_and_change(frame)
    n_force = table["year"].map(lambda y: in_force(geo, int(y)))
    counts = table.groupby(["component", "year"])["value"].transform("count")
    complete = counts.eq(n_force)  # every province in force has a value of this component
    published_of = [
        PUBLISHED_RANK_OF.get((index, int(y)), n) for y, n in zip(table["year"], n_force, strict=True)
    ]
    has_published = table["published_rank"].notna()
    table["rank_source"] = np.where(complete, "computed", np.where(has_published, "published", None))
    table["rank"] = table["rank"].where(complete, table["published_rank"])
    table["rank_of"] = table["rank_of"].where(complete, pd.Series(published_of, index=table.index))
    table.loc[table["rank"].isna(), "rank_of"] = np.nan
    table["rank_source"] = table["rank_source"].where(table["rank"].notna(), None)
    table = _previous(table)

    labels = labels if labels is not None else LABELS
    levels = levels if levels is not None else LEVELS
    table["level"] = table["component"].map(levels)
    table["label"] = table["component"].map(labels)
    for column in ("recomputed", "derived_from"):
        if column not in table.columns:
            table[column] = np.nan if column == "recomputed" else None
    notes = list(notes or [])
    disagreements = _disagreements(index, table, replaced) if covered else []
    national, national_notes = _national(index, geo, table, _published_national(index, geo, raw))
    if covered:
        names = ", ".join(sorted(set(mine["source"])))
        others = len(kept.loc[kept["year"].isin(covered), ["province_id", "year"]].drop_duplicates())
        notes.append(
            f"researcher table(s) {names} give {len(given.unique())} province-years in {covered}: they "
            f"replace the published rows of the same province and year; {others} published province-years "
            "of other provinces in those years are kept"
        )
    totals = table[table["component"] == "total"]
    counts = totals.groupby("year")["value"].count()
    partial = [int(y) for y, n in counts.items() if n < in_force(geo, int(y))]
    if partial:
        notes.append(
            f"partial years {partial}: published ranks kept (rank_source 'published'), never recomputed"
        )
    notes += disagreements + national_notes
    table = table[TABLE_COLUMNS].sort_values(
        ["year", "component", "rank", "province_id"], na_position="last", ignore_index=True
    )
    return TableIndexResult(index, table, notes, national=national)


def par_index(
    observations: pd.DataFrame | None = None,
    tables: Iterable[str | Path] = (),
    geo: str = GEO,
    raw: Path | None = None,
) -> TableIndexResult:
    """PAR INDEX totals, parts and fields with ranks of 63, changes and the national average.

    ``observations`` defaults to ``parlib.panel.load_observations()`` (the published PAR_INDEX
    rows); ``tables`` are researcher CSV/XLSX tables in the template (``parlib.sources.tables``),
    which win for the years they cover. ``level`` is total / part / field. See the module
    docstring for the formula, the rank rule on partial years and what is unconfirmed.
    """
    notes = [
        "total = points / 100 x 100 (100 points: confirmed for 2022+, assumed before); "
        "from the 8 fields or from appraisal + survey when the total is not given",
        "per-field maxima unconfirmed; 2022+ parts: appraisal 68, survey 32 points (confirmed)",
        "method eras 2012-2016 / 2017-2021 / 2022-: a change across them is not comparable",
    ]
    return table_index(INDEX, observations, tables, geo, notes=notes, raw=raw)


scores = par_index
"""Alias used by ``parlib.indices.card`` (every index module has ``scores``)."""
