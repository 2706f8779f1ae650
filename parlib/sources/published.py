"""The curated record of officially published figures (data/raw/published/), one fact per row.

Every CSV under ``<raw>/published/`` enters ``read_published()``. Three layouts are recognised from
the header (anything else raises ``SourceFormatError`` naming the file):

- *point* layout (sipas/, par_index/, dti/ except 2022, drivers/, point_figures.csv): ``index, year,
  province, [province_ascii, province_vietnamcode], value, unit, rank, rank_of, [extra], source_url,
  note``. Known extra columns become further components (``EXTRA_COLUMNS``): the PAR INDEX 2012
  ``appraisal`` and ``survey`` parts, and the DTI pillars ``digital_government``, ``digital_economy``,
  ``digital_society`` with their ranks. An unknown extra column is an error (no fact is dropped).
- *DTI table* (``dti_2022_provincial_rank_dti_gov_vn.csv``): all 63 ranks, scores for a few, and
  the 8 main indices of the 2021+ method (``DTI_TABLE_COLUMNS``; ``digital_government_activity`` is
  a main index, not the ``digital_government`` pillar of the other DTI files).
- *PCI pages* (``pci/pci_partial_...csv``): composite ``pci_weighted`` and the 10 sub-indices
  (0-10). PCI and PAPI are read from their upstream files elsewhere; here they serve as checks.

Provinces: every name column present (``province``, ``province_ascii``, ``province_vietnamcode`` or
``province_as_published``) goes through ``parlib.provinces.normalize`` and all must give the same
code (else ``SourceFormatError`` naming file and row; an unknown name raises
``UnknownProvinceError`` quoting file, row and name). ``province = NATIONAL`` rows carry the
published provincial average (``province_id`` None, ``is_national`` True). Files whose name
contains ``post_merger`` (or that have a ``geo`` column) are resolved in the 34-unit geography.
Rows are the lines of the file (the header is line 1, blank lines count), as ``source_row`` says.

``read()`` turns the record into observations (``parlib.sources`` contract) for the indices that no
upstream file provides: SIPAS, PAR_INDEX, DTI, EGOV_IT_APPLICATION_MIC, ICT_INDEX and the driver
figures that have a province and a year. Rules:

- values go to their component (``total``, ``appraisal``, ``survey``, DTI pillars ...); every
  published rank (of a rank-only row or of a row with a value) goes to component ``rank``
  (``<pillar>_rank`` for a pillar), unit ``rank`` (1-63), or ``rank (of 34)`` for the 34
  post-merger units: ranks of partial tables cannot be recomputed from the values shipped.
- unit spellings are normalised to the strings the other readers use (``UNIT_ALIASES``:
  ``index 0-1`` -> ``index (0-1)``, ``points`` -> ``points (0-100)``, PAPI ``points (of 80)`` ->
  ``points (8-80)``), so one unit string means one scale across parlib.
- NATIONAL rows are not observations: see ``national_averages()``. Rows without a year are dropped.
- One (index, component, province, geo, year) comes out ONCE. A per-index table wins over a
  ``*point_figures*.csv``; between two tables of equal standing the first file in sorted order
  (then the first row) wins. Values are never averaged. When the dropped value differs from the
  kept one, the disagreement is listed by ``conflicts()``. ``CONFLICT``/``DERIVED`` flags written
  by the transcriber stay in ``read_published()['note']``.
- ``method_era`` (``METHOD_ERAS``): SIPAS ``2015-pilot`` / ``2017-2021`` / ``2022-`` (2022
  redesign, confirmed); PAR_INDEX ``2012-2016`` / ``2017-2021`` / ``2022-``: from
  research/methodology.md section 2, where only the 2022 structure is confirmed (the 2017 break is
  partly unconfirmed); DTI ``2020`` / ``2021-`` (the 2021 DTI sums 9 main indices, 2020 three
  pillars). Other indices have no break (None).
- every value is checked against the bounds of its unit (``RECORD_UNITS``) and every rank against
  1..rank_of; a breach raises ``ValidationError`` naming file, row and rule.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from parlib.config import raw_dir
from parlib.errors import MissingRawFileError, ValidationError
from parlib.sources import OBS_COLUMNS, with_provenance
from parlib.sources.published_layouts import (  # the layouts' vocabulary, also read as published.X
    DTI_TABLE_COLUMNS,
    RECORD_UNITS,
    Resolver,
    read_file,
)
from parlib.sources.published_layouts import EXTRA_COLUMNS as EXTRA_COLUMNS
from parlib.sources.published_layouts import PCI_SUBINDICES as PCI_SUBINDICES
from parlib.sources.published_layouts import UNIT_ALIASES as UNIT_ALIASES

PUBLISHED_DIR = "published"
POINT_FIGURES = "published/point_figures.csv"

FILES: list[str] = [
    "published/drivers/drivers_point_figures_partial.csv",
    "published/drivers/egov_it_application_index_2017_mic_partial.csv",
    "published/dti/dti_2020_partial.csv",
    "published/dti/dti_2021_partial.csv",
    "published/dti/dti_2022_provincial_rank_dti_gov_vn.csv",
    "published/dti/dti_2023_partial.csv",
    "published/dti/dti_2024_partial.csv",
    "published/dti/dti_2024_post_merger_34units_partial.csv",
    *[f"published/par_index/par_index_{y}_partial.csv" for y in (2012, 2013, 2015, *range(2017, 2025))],
    "published/pci/pci_partial_2006_2024_from_pcivietnam_pages.csv",
    POINT_FIGURES,
    *[f"published/sipas/sipas_{y}_partial.csv" for y in (2015, *range(2017, 2025))],
]
"""The files shipped today; ``read_published`` reads whatever CSV is under published/."""

RECORD_COLUMNS = (
    "index year province_id geo is_national component value unit rank rank_of source source_url note "
    "province source_row"
).split()
"""Columns of ``read_published``; ``province`` is the name as written, ``source_row`` the row."""

RANK_UNITS = {"63": "rank", "34": "rank (of 34)"}

UNITS: dict[str, tuple[float, float]] = {
    "percent": (0.0, 100.0),
    "index (0-1)": (0.0, 1.0),
    "points (0-100)": (0.0, 100.0),
    "units": (0.0, 1_000_000.0),
    "rank": (1.0, 63.0),
    "rank (of 34)": (1.0, 34.0),
}
"""Units emitted by ``read()`` (the PAR INDEX 2012 parts are ``points (0-100)``)."""

EXCLUDED_INDICES = frozenset({"PAPI", "PCI"})
"""Indices read from their upstream files; their published figures are kept only in the record."""

METHOD_ERAS: dict[str, list[tuple[int, str]]] = {
    "SIPAS": [(2017, "2015-pilot"), (2022, "2017-2021"), (10_000, "2022-")],
    "PAR_INDEX": [(2017, "2012-2016"), (2022, "2017-2021"), (10_000, "2022-")],
    "DTI": [(2021, "2020"), (10_000, "2021-")],
}
"""index -> [(first year of the NEXT era, era label), ...]; see the module docstring for sources."""

CODEBOOK: dict[str, dict[str, str]] = {
    "SIPAS": {"total": "satisfaction index, percent", "rank": "published rank"},
    "PAR_INDEX": {
        "total": "PAR INDEX, percent of the maximum score",
        "appraisal": "2012: MOHA appraisal part, points of 100 (appraisal + survey = total)",
        "survey": "2012: sociological-survey part, points of 100",
        "rank": "published rank",
    },
    "DTI": {
        "total": "provincial digital transformation index (0-1)",
        "digital_government": "pillar (0-1)",
        "digital_economy": "pillar (0-1)",
        "digital_society": "pillar (0-1)",
        **{c: "2022 main index (0-1)" for c in DTI_TABLE_COLUMNS.values()},
        "rank": "published rank",
        "<pillar>_rank": "published pillar rank",
    },
    "EGOV_IT_APPLICATION_MIC": {
        "total": "MIC IT application / e-government index 2017 (0-1)",
        "rank": "rank",
    },
    "ICT_INDEX": {"total": "Vietnam ICT Index (0-1)", "rank": "published rank"},
}


def method_era(index: str, year: int) -> str | None:
    """The method era of an index in a year (``METHOD_ERAS``), None when the index has no break."""
    for next_start, label in METHOD_ERAS.get(index, []):
        if year < next_start:
            return label
    return None


# ----------------------------------------------------------------------------- the record
def _check(frame: pd.DataFrame, units: dict[str, tuple[float, float]]) -> None:
    """Raise ValidationError naming file, row and rule for a unit, value or rank out of scale."""

    def fail(mask: pd.Series, rule: str) -> None:
        if mask.any():
            rec = frame[mask.to_numpy()].iloc[0]
            year = "(no year)" if pd.isna(rec["year"]) else int(rec["year"])
            raise ValidationError(
                f"{rec['source']}, row {rec['source_row']}: {rec['index']} {year} {rec['province']} "
                f"{rec['component']}: {rule.format(**rec)}"
            )

    fail(~frame["unit"].isin(list(units)), "unit {unit!r} is not one of " + str(sorted(units)))
    low = frame["unit"].map(lambda u: units[u][0])
    high = frame["unit"].map(lambda u: units[u][1])
    fail(
        frame["value"].notna() & ~frame["value"].between(low, high),
        "value {value:g} outside the {unit!r} scale",
    )
    if "rank" in frame.columns:
        size = frame["geo"].astype(float)
        top = frame["rank_of"].fillna(size)
        ranked = frame["rank"].notna()
        fail(ranked & ((frame["rank"] < 1) | (frame["rank"] > top)), "rank {rank:g} outside 1..rank_of")
        fail(
            frame["rank_of"].notna() & (frame["rank_of"] > size),
            "rank_of {rank_of:g} exceeds the {geo} provinces",
        )


PERIODS_DIR = "periods"
"""``<raw>/published/periods/``: figures per province and PERIOD (staffing cuts 2011-2020), not
province-year facts; ``parlib.sources.period_tables`` reads them and checks their sha256."""
EXTRACTED_DIR = "extracted"  # reviewed `parlib extract` facts as researcher tables: their readers read them


def published_files(raw: Path | None = None) -> list[str]:
    """Registry names of every CSV under ``<raw>/published`` but ``periods/`` and ``extracted/``, sorted."""
    base = raw or raw_dir()
    found = sorted((base / PUBLISHED_DIR).glob("**/*.csv"))
    skipped = (PERIODS_DIR, EXTRACTED_DIR)
    return [p.relative_to(base).as_posix() for p in found if p.parent.name not in skipped]


def read_published(raw: Path | None = None) -> pd.DataFrame:
    """The curated record: every row of every published CSV, tidy (``RECORD_COLUMNS``).

    Wide rows are split into one row per component (a blank part is skipped; the ``total`` row is
    always kept, so every source row appears). ``value`` is NaN on rank-only rows; ``rank`` and
    ``rank_of`` are nullable integers; ``year`` is missing where the page gives none.
    """
    from parlib.freshness import sha256_file

    base = raw or raw_dir()
    names = published_files(base)
    if not names:
        raise MissingRawFileError(f"{base / PUBLISHED_DIR}: no published CSV files; run `parlib data pull`")
    contents = tuple((name, sha256_file(base / name)) for name in names)
    return _read_published(str(base), contents).copy()


@lru_cache(maxsize=4)
def _read_published(base: str, contents: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    """The record of the files named in ``contents``, kept per process by their sha256 (not by time)."""
    base = Path(base)
    names = [name for name, _ in contents]
    resolve = Resolver()
    rows = [r for name in names for r in read_file(base / name, name, resolve)]
    frame = pd.DataFrame(rows)
    frame["value"] = frame["value"].astype("float64")
    frame["rank"] = frame["rank"].astype("float64")
    frame["rank_of"] = frame["rank_of"].astype("float64")
    _check(frame, RECORD_UNITS)
    for column in ("year", "rank", "rank_of"):
        frame[column] = frame[column].astype("Int64")
    frame["is_national"] = frame["is_national"].astype(bool)
    frame["province_id"] = frame["province_id"].astype(object).where(frame["province_id"].notna(), None)
    return frame[RECORD_COLUMNS].reset_index(drop=True)


# ----------------------------------------------------------------------------- observations


def _priority(source: pd.Series) -> pd.Series:
    """0 for a per-index table, 1 for a collection of point figures (which loses a tie)."""
    return source.str.contains("point_figures", regex=False).astype(int)


def _dedupe(frame: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one row per key (preferred source first); return (kept, conflicting dropped rows)."""
    ordered = frame.assign(_priority=_priority(frame["source"])).sort_values(
        [*keys, "_priority", "source", "source_row"], kind="stable", na_position="first"
    )
    first = ~ordered.duplicated(keys, keep="first")
    kept = ordered[first]
    dropped = ordered[~first]
    merged = dropped.merge(kept, on=keys, suffixes=("_dropped", ""), how="left", validate="many_to_one")
    differs = ~((merged["value"] - merged["value_dropped"]).abs() < 1e-9)
    conflicts = pd.DataFrame(
        {
            **{k: merged[k] for k in keys},
            "value": merged["value"],
            "source": merged["source"],
            "source_row": merged["source_row"],
            "other_value": merged["value_dropped"],
            "other_source": merged["source_dropped"],
            "other_source_row": merged["source_row_dropped"],
            "other_source_url": merged["source_url_dropped"],
            "other_note": merged["note_dropped"],
        }
    )[differs.to_numpy()]
    return kept.drop(columns="_priority"), conflicts.reset_index(drop=True)


def _observation_rows(record: pd.DataFrame, indices: frozenset[str] | None = None) -> pd.DataFrame:
    """Province rows of the record as observation candidates (values and published ranks).

    ``indices``: only these indices (``figures``); default every index but ``EXCLUDED_INDICES``.
    """
    wanted = record["index"].isin(indices) if indices is not None else ~record["index"].isin(EXCLUDED_INDICES)
    keep = ~record["is_national"] & wanted & record["year"].notna()
    rec = record[keep]
    values = rec[rec["value"].notna()]
    ranked = rec[rec["rank"].notna()].copy()
    ranked["value"] = ranked["rank"].astype("float64")
    ranked["component"] = ranked["component"].map(lambda c: "rank" if c == "total" else f"{c}_rank")
    ranked["unit"] = ranked["geo"].map(RANK_UNITS)
    return pd.concat([values, ranked], ignore_index=True)


_OBS_KEYS = ["index", "component", "province_id", "geo", "year"]


def _observations(raw: Path | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    candidates = _observation_rows(read_published(raw))
    kept, conflicts = _dedupe(candidates, _OBS_KEYS)
    _check(kept.drop(columns=["rank", "rank_of"]), UNITS)
    return kept, conflicts


def read(raw: Path | None = None) -> pd.DataFrame:
    """Observations (``OBS_COLUMNS``) for SIPAS, PAR_INDEX, DTI, EGOV/ICT and driver figures.

    One row per (index, component, province, geo, year): see the module docstring for the
    precedence rule, ``conflicts()`` for the values that lost.
    """
    kept, _ = _observations(raw)
    obs = kept.assign(
        method_era=[method_era(i, int(y)) for i, y in zip(kept["index"], kept["year"], strict=True)]
    )
    obs = with_provenance(obs).astype({"year": "int64", "value": "float64", "province_id": "str"})
    obs["method_era"] = obs["method_era"].astype(object).where(obs["method_era"].notna(), None)
    return obs.sort_values(_OBS_KEYS, ignore_index=True)


def figures(index: str, raw: Path | None = None, record: pd.DataFrame | None = None) -> pd.DataFrame:
    """The published figures of an index that ``read()`` leaves out (``EXCLUDED_INDICES``), as observations.

    PCI and PAPI come from their upstream files, where these figures are checks; an index module
    takes them for the years its upstream lacks (``parlib.indices.pci``: PCI after 2016). The rules
    of ``read()``: values by component, every published rank as component ``rank`` (``rank``
    unit), one row per (index, component, province, geo, year) by the precedence rule; values
    checked against ``RECORD_UNITS``. Columns ``OBS_COLUMNS`` (``method_era`` None: the index
    module knows its eras) plus ``rank_of`` (the N of a published rank), ``source_row``,
    ``source_url`` and ``note``. ``record``: ``read_published(raw)`` when not given.
    """
    record = read_published(raw) if record is None else record
    kept, _ = _dedupe(_observation_rows(record, frozenset({index})), _OBS_KEYS)
    ranked = kept["component"].map(lambda c: c == "rank" or c.endswith("_rank")).astype(bool)
    out = kept.assign(method_era=None)[[*OBS_COLUMNS, "source_row", "rank_of", "source_url", "note"]]
    out["rank_of"] = out["rank_of"].astype("float64").where(ranked)
    out = out.astype({"year": "int64", "value": "float64", "province_id": str, "source_row": "Int64"})
    return out.sort_values(_OBS_KEYS, ignore_index=True)


_NATIONAL_KEYS = ["index", "geo", "year"]


def _national_rows(record: pd.DataFrame) -> pd.DataFrame:
    rows = record[record["is_national"] & (record["component"] == "total")]
    return rows[rows["value"].notna() & rows["year"].notna()]


def national_averages(raw: Path | None = None) -> pd.DataFrame:
    """Published NATIONAL figures, one per (index, year): usually the provincial average.

    Columns index, geo, year, value, unit, source, source_url, note. A NATIONAL row of a driver file
    can be a national target (see ``note``); rows without a value or year are left out. The
    precedence rule of ``read()`` applies.
    """
    kept, _ = _dedupe(_national_rows(read_published(raw)), _NATIONAL_KEYS)
    out = kept[["index", "geo", "year", "value", "unit", "source", "source_url", "note"]]
    return out.astype({"year": "int64"}).sort_values(_NATIONAL_KEYS, ignore_index=True)


def conflicts(raw: Path | None = None) -> pd.DataFrame:
    """Published facts given twice with different values: the kept one and the one that lost.

    Covers observations (keys index, component, province_id, geo, year; ranks as component
    ``rank``) and NATIONAL figures (province_id None). Columns: the keys, ``value``, ``source``,
    ``source_row`` (kept), ``other_value``, ``other_source``, ``other_source_row``,
    ``other_source_url``, ``other_note`` (dropped).
    """
    _, observed = _observations(raw)
    _, national = _dedupe(_national_rows(read_published(raw)), _NATIONAL_KEYS)
    national = national.assign(component="total", province_id=None)
    frames = [f for f in (observed, national) if len(f)]
    if not frames:
        return observed
    return pd.concat(frames, ignore_index=True)[observed.columns].reset_index(drop=True)
