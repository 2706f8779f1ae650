"""GSO statistical-yearbook figures per province, as mirrored by DSTai/web-based-interactive-visualization.

Files (registry names under data/raw, see ``FILES``):

- ``data/population/population_<year>.csv`` (2011-2022): ``code, name, area, population, density``
  -- area in km², average population in thousand persons, density in persons per km².
- ``data/grdp/grdp_<year>.csv`` (2018-2022): ``code, Name, grdp`` -- GRDP per capita, million VND.
- ``data/region.csv``: ``code, name, region`` -- the six GSO socio-economic regions (ASCII names).

Headers are matched case-insensitively after stripping whitespace and the UTF-8 BOM that some of
the files carry (``\\ufeffcode``), so ``Name``/``name`` both work; a missing column raises
``SourceFormatError`` naming the file.

Province matching: the ``code`` column is the GSO code (written without the leading zero, ``1`` for
Hà Nội) and is the key; it is zero-padded to two digits. Every row's ``name`` is also passed through
``parlib.provinces.normalize`` and must give the same code, otherwise ``SourceFormatError`` names the
file and the row (the line of the file: the header is line 1, blank lines count). ``region.csv``'s
typo ``Hai Phuong`` (code 31) is one of the registry's known spellings.

Observations: ``index='GSO'``, ``geo='63'``, ``method_era=None``, components ``population``,
``area``, ``density`` and ``grdp_per_capita``. A blank cell gives no row (missing is missing).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from parlib.clean import require_columns, to_numeric
from parlib.config import raw_dir, raw_path
from parlib.errors import SourceFormatError, UnknownProvinceError, ValidationError
from parlib.provinces import normalize
from parlib.sources import number_rows, reading, with_provenance

INDEX = "GSO"
GEO = "63"
REPO = "web-based-interactive-visualization"
POPULATION_YEARS = range(2011, 2023)
GRDP_YEARS = range(2018, 2023)

POPULATION_FILES = {year: f"{REPO}/data/population/population_{year}.csv" for year in POPULATION_YEARS}
GRDP_FILES = {year: f"{REPO}/data/grdp/grdp_{year}.csv" for year in GRDP_YEARS}
REGION_FILE = f"{REPO}/data/region.csv"

FILES: list[str] = [*POPULATION_FILES.values(), *GRDP_FILES.values(), REGION_FILE]

UNITS: dict[str, tuple[float, float]] = {
    "thousand persons": (0.0, 100_000.0),
    "km2": (0.0, 100_000.0),
    "persons per km2": (0.0, 100_000.0),
    "million VND per person": (0.0, 100_000.0),
}

# (file column, component, unit) for each file family
POPULATION_COLUMNS = [
    ("population", "population", "thousand persons"),
    ("area", "area", "km2"),
    ("density", "density", "persons per km2"),
]
GRDP_COLUMNS = [("grdp", "grdp_per_capita", "million VND per person")]

CODEBOOK: dict[str, str] = {
    "population": "average population, thousand persons (GSO yearbook)",
    "area": "area, km²",
    "density": "population density, persons per km²",
    "grdp_per_capita": "GRDP per capita at current prices, million VND",
}


def _read_csv(name: str, raw: Path | None) -> pd.DataFrame:
    """Read one file as text, with lower-case, BOM-free, stripped headers, indexed by line number."""
    path = raw_path(name, raw)
    with reading(path):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        frame.index = pd.Index(number_rows(frame, path), name="line")  # the header is line 1
    frame.columns = [str(c).replace("\ufeff", "").strip().lower() for c in frame.columns]
    return frame


def _province_ids(frame: pd.DataFrame, file: str) -> pd.Series:
    """Zero-padded GSO codes from ``code``, cross-checked against ``name`` through normalize()."""
    ids = []
    for row, code, name in zip(frame.index, frame["code"], frame["name"], strict=True):
        text = str(code).strip()
        if not text.isdigit():
            raise SourceFormatError(file, f"code {code!r} is not a GSO province code", row=row)
        province_id = text.zfill(2)
        try:
            from_name = normalize(str(name).strip())
        except UnknownProvinceError as exc:
            raise UnknownProvinceError(f"{file}, row {row}: {exc}") from None
        if from_name != province_id:
            raise SourceFormatError(
                file, f"code {code!r} and name {name!r} disagree (the name is province {from_name})", row=row
            )
        ids.append(province_id)
    ids_series = pd.Series(ids, index=frame.index, dtype=object)
    duplicated = ids_series[ids_series.duplicated()]
    if len(duplicated):
        row = duplicated.index[0]
        raise SourceFormatError(file, f"province {duplicated.iloc[0]} appears twice", row=row)
    return ids_series


def _check_bounds(obs: pd.DataFrame, rows: pd.Series, file: str) -> None:
    """Raise ValidationError naming file, row and rule for a value outside its unit's bounds."""
    for unit, (low, high) in UNITS.items():
        bad = obs[(obs["unit"] == unit) & ~obs["value"].between(low, high)]
        if len(bad):
            first = bad.index[0]
            raise ValidationError(
                f"{file}, row {rows.loc[first]}: {bad.at[first, 'component']} = {bad.at[first, 'value']} "
                f"outside [{low:g}, {high:g}] ({unit})"
            )


def _read_family(name: str, year: int, columns: list[tuple[str, str, str]], raw: Path | None) -> pd.DataFrame:
    frame = _read_csv(name, raw)
    require_columns(frame, ["code", "name", *[c for c, _, _ in columns]], name)
    ids = _province_ids(frame, name)
    parts = []
    for column, component, unit in columns:
        values = to_numeric(frame[column], name)
        part = pd.DataFrame(
            {
                "index": INDEX,
                "component": component,
                "province_id": ids,
                "geo": GEO,
                "year": year,
                "value": values,
                "unit": unit,
                "source": name,
                "method_era": None,
                "source_row": frame.index,
            }
        )
        parts.append(part[part["value"].notna()])
    obs = pd.concat(parts, ignore_index=True)
    _check_bounds(obs, obs["source_row"], name)
    return obs


def read(raw: Path | None = None) -> pd.DataFrame:
    """Population, area, density (2011-2022) and GRDP per capita (2018-2022) as tidy observations.

    ``source_row`` is the line of the province in its file (header = line 1).
    """
    raw = raw or raw_dir()
    frames = [_read_family(name, year, POPULATION_COLUMNS, raw) for year, name in POPULATION_FILES.items()]
    frames += [_read_family(name, year, GRDP_COLUMNS, raw) for year, name in GRDP_FILES.items()]
    obs = with_provenance(pd.concat(frames, ignore_index=True))
    obs["year"] = obs["year"].astype("int64")
    obs["value"] = obs["value"].astype("float64")
    obs["method_era"] = obs["method_era"].astype(object)
    return obs.sort_values(["component", "province_id", "year"], ignore_index=True)


def read_regions(raw: Path | None = None) -> pd.DataFrame:
    """The region of each province in ``region.csv``: DataFrame(province_id, region_ascii), 63 rows."""
    frame = _read_csv(REGION_FILE, raw)
    require_columns(frame, ["code", "name", "region"], REGION_FILE)
    regions = pd.DataFrame(
        {"province_id": _province_ids(frame, REGION_FILE), "region_ascii": frame["region"].str.strip()}
    )
    blank = regions[regions["region_ascii"] == ""]
    if len(blank):
        raise SourceFormatError(REGION_FILE, "blank region", row=blank.index[0])
    return regions.sort_values("province_id", ignore_index=True)
