"""The province registry: the 63 provinces (Aug 2008 - Jun 2025, plus Hà Tây for older rows),
the 34 units in force from 1 July 2025, the old -> new crosswalk, and name normalisation.

A province is identified by its two-digit GSO code *within a geography*: ``geo="63"`` or
``geo="34"``. Codes are reused across the two for different territory (80 is Long An in
geo 63 and Tây Ninh in geo 34), so never join on a bare code across them.

The tables are the project's own facts (parlib/data/provinces_63.csv, provinces_34.csv);
the crosswalk follows methodology.md section 6 (old Tiền Giang goes to new Đồng Tháp at
province level). Regions are the six GSO socio-economic regions; a 34-unit takes the region
of the old province whose name it keeps (an assumption: GSO has not published new regions).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from parlib.config import PACKAGE_DIR
from parlib.errors import UnknownProvinceError

GEOS = ("63", "34")

REGIONS = {
    "red_river_delta": "Red River Delta (Đồng bằng sông Hồng)",
    "northern_midlands_mountains": "Northern Midlands and Mountains (Trung du và miền núi phía Bắc)",
    "north_central_central_coast": "North Central and Central Coast (Bắc Trung Bộ và duyên hải miền Trung)",
    "central_highlands": "Central Highlands (Tây Nguyên)",
    "south_east": "South East (Đông Nam Bộ)",
    "mekong_delta": "Mekong River Delta (Đồng bằng sông Cửu Long)",
}

HA_TAY = "28"
MERGER_DATE = pd.Timestamp("2025-07-01")


def _read_table(name: str) -> pd.DataFrame:
    frame = pd.read_csv(PACKAGE_DIR / "data" / name, dtype=str, keep_default_na=False)
    return frame.set_index("province_id")


PROVINCES_63: pd.DataFrame = _read_table("provinces_63.csv")
"""64 rows: the 63 provinces of Aug 2008 - Jun 2025 and Hà Tây ("28", until 31 Jul 2008)."""

PROVINCES_34: pd.DataFrame = _read_table("provinces_34.csv")
"""The 34 units in force from 1 July 2025; ``old_ids`` lists the merged geo-63 codes."""

CROSSWALK_2025: pd.DataFrame = (
    PROVINCES_34["old_ids"]
    .str.split()
    .explode()
    .rename("old_id")
    .rename_axis("new_id")
    .reset_index()[["old_id", "new_id"]]
    .sort_values("old_id", ignore_index=True)
)
"""Old (geo 63) -> new (geo 34) province codes: 63 rows, columns old_id, new_id."""

# Spellings that no mechanical rule reaches: abbreviations, English forms, old romanisations.
# Keys are in _key() form (ASCII, lower case, no spaces or punctuation).
_ALIASES_63 = {
    "hcm": "79",
    "hcmc": "79",
    "tphcm": "79",
    "hochiminhcity": "79",
    "saigon": "79",
    "tpsaigon": "79",
    "brvt": "77",
    "bariavungtau": "77",
    "baria": "77",
    "vungtau": "77",
    "tthue": "46",
    "hue": "46",
    "thuathien": "46",
    "daclac": "66",
    "darlac": "66",
    "daklac": "66",
    "daclak": "66",
    "dacnong": "67",
    "daknong": "67",
    "bacan": "06",
    "baccan": "06",
    "kontum": "62",
    "haiphong": "31",
    "hanoi": "01",
    "danang": "48",
    "cantho": "92",
    "hatay": "28",
    "haiphuong": "31",  # typo in DSTai region.csv (code 31)
}

# Provinces older than the registry: named in an error instead of being guessed.
_DEFUNCT = {"habac": "Hà Bắc was split into Bắc Giang (24) and Bắc Ninh (27) on 1 January 1997"}

_ALIASES_34 = {
    "hcm": "79",
    "hcmc": "79",
    "tphcm": "79",
    "hochiminhcity": "79",
    "saigon": "79",
    "hue": "46",
    "thuathienhue": "46",
    "tthue": "46",
    "daclac": "66",
    "darlac": "66",
    "daklac": "66",
    "daclak": "66",
    "haiphong": "31",
    "hanoi": "01",
    "danang": "48",
    "cantho": "92",
}

# Words that name the kind of unit rather than the unit ("Tỉnh Lạng Sơn", "TP. Cần Thơ", "Lang Son province").
# Only stripped at the start or the end: "tinh" is also part of Hà Tĩnh.
_PREFIX = re.compile(r"^(?:(?:tinh|thanh pho|tp|t p|province of|city of)\s+)+")
_SUFFIX = re.compile(r"(?:\s+(?:province|provincial|city|municipality))+$")


def strip_diacritics(text: str) -> str:
    """'Đắk Lắk' -> 'Dak Lak'; works for both tone-mark placements (Hòa/Hoà)."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _words(name: str) -> str:
    """Lower-case ASCII words with unit-kind words and punctuation removed."""
    text = strip_diacritics(str(name)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = " ".join(text.split())
    return _SUFFIX.sub("", _PREFIX.sub("", text))


def _key(name: str) -> str:
    """The matching key: 'TP. Hồ Chí Minh' -> 'hochiminh', 'Thua Thien-Hue' -> 'thuathienhue'."""
    return _words(name).replace(" ", "")


@lru_cache(maxsize=2)
def _lookup(geo: str) -> dict[str, str]:
    table = PROVINCES_63 if geo == "63" else PROVINCES_34
    keys: dict[str, str] = {}
    for pid, row in table.iterrows():
        for field in ("name_vi", "name_ascii", "name_en", "slug"):
            keys[_key(row[field])] = pid
    keys.update(_ALIASES_63 if geo == "63" else _ALIASES_34)
    return keys


def _check_geo(geo: str) -> str:
    geo = str(geo)
    if geo not in GEOS:
        raise ValueError(f"geo must be one of {GEOS}, got {geo!r}")
    return geo


def normalize(name: object, geo: str = "63") -> str:
    """Map a province name (any spelling found in the raw files, or typed) to its GSO code.

    Accepts diacritics or none, any case, 'Tỉnh'/'Thành phố'/'TP.'/'province'/'city',
    hyphen and space variants, English forms and common abbreviations (TP HCM, HCMC, BRVT,
    Dac Lac ...), and a code that exists in ``geo`` ('20', 20). Raises UnknownProvinceError
    quoting the input and suggesting the closest names; never guesses.
    """
    geo = _check_geo(geo)
    table = PROVINCES_63 if geo == "63" else PROVINCES_34
    if isinstance(name, (int,)) and not isinstance(name, bool):
        name = f"{name:02d}"
    text = "" if name is None else str(name).strip()
    if re.fullmatch(r"\d{1,2}", text):
        code = f"{int(text):02d}"
        if code in table.index:
            return code
        raise UnknownProvinceError(f"unknown province code {text!r} in geo {geo}")
    key = _key(text)
    found = _lookup(geo).get(key)
    if found is not None:
        return found
    hint = ""
    if key in _DEFUNCT:
        raise UnknownProvinceError(f"unknown province {name!r} in geo {geo}: {_DEFUNCT[key]}")
    if geo == "34":
        old = _lookup("63").get(key)
        if old is not None:
            new = CROSSWALK_2025.set_index("old_id").loc[old, "new_id"]
            hint = (
                f"; {PROVINCES_63.loc[old, 'name_vi']} is a geo-63 province, merged into "
                f"{PROVINCES_34.loc[new, 'name_vi']} ({new}) on 1 July 2025 (use to_34())"
            )
            raise UnknownProvinceError(f"unknown province {name!r} in geo 34{hint}")
    names = {_key(n): n for n in table["name_ascii"]}
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    if close:
        hint = "; did you mean " + ", ".join(repr(names[c]) for c in close) + "?"
    raise UnknownProvinceError(f"unknown province {name!r} in geo {geo}{hint}")


def normalize_many(names: pd.Series, geo: str = "63", file: object = None) -> pd.Series:
    """Vectorised normalize(); an unknown name raises with the file and row that hold it."""
    cache: dict[object, str] = {}
    out = []
    for row, value in names.items():
        if value not in cache:
            try:
                cache[value] = normalize(value, geo)
            except UnknownProvinceError as exc:
                where = f"{file}, row {row}: " if file is not None else f"row {row}: "
                raise UnknownProvinceError(where + str(exc)) from None
        out.append(cache[value])
    return pd.Series(out, index=names.index, name="province_id", dtype="object")


def provinces(geo: str = "63", year: int | None = None) -> pd.DataFrame:
    """The units of ``geo`` as a DataFrame indexed by province_id.

    For geo 63, ``year`` keeps the provinces in force on 1 January of that year and at any
    point of it: Hà Tây up to 2008, the 63 others throughout.
    """
    geo = _check_geo(geo)
    if geo == "63" and year is not None:
        return _in_force_frame(int(year)).copy()
    return (PROVINCES_63 if geo == "63" else PROVINCES_34).copy()


@lru_cache(maxsize=256)
def _in_force_frame(year: int) -> pd.DataFrame:
    """The geo-63 rows in force in ``year`` (callers get a copy: the indices ask ~500 times a build)."""
    return PROVINCES_63.loc[list(_in_force_63(year))]


@lru_cache(maxsize=256)
def _in_force_63(year: int) -> tuple[str, ...]:
    """The geo-63 codes in force at any point of ``year`` (registry order)."""
    start = pd.to_datetime(PROVINCES_63["valid_from"])
    end = pd.to_datetime(PROVINCES_63["valid_to"])
    keep = (start <= pd.Timestamp(f"{year}-12-31")) & (end >= pd.Timestamp(f"{year}-01-01"))
    return tuple(PROVINCES_63.index[keep])


def check_in_force(province_id: str, year: int, geo: str = "63") -> None:
    """Refuse a geo-63 province in a year it did not exist (Hà Tây, "28", merged into Hà Nội in 2008).

    A province counts for a year when it existed at any point of it (as in ``provinces``).
    """
    if _check_geo(geo) != "63" or province_id in provinces(geo, year).index:
        return
    row = PROVINCES_63.loc[province_id]
    start, end = str(row["valid_from"]), str(row["valid_to"])
    raise UnknownProvinceError(
        f"province {row['name_vi']} ({province_id}) did not exist in {year}: it existed from {start} "
        f"to {end} (years {start[:4]}-{end[:4]})"
    )


@dataclass(frozen=True)
class Province:
    """One province of one geography."""

    province_id: str
    geo: str
    name_vi: str
    name_ascii: str
    name_en: str
    slug: str
    region: str


def get(name_or_id: object, geo: str = "63") -> Province:
    """The Province record for a name or code."""
    pid = normalize(name_or_id, geo)
    row = (PROVINCES_63 if geo == "63" else PROVINCES_34).loc[pid]
    return Province(pid, geo, row["name_vi"], row["name_ascii"], row["name_en"], row["slug"], row["region"])


def to_34(old_id: object) -> str:
    """The geo-34 unit that a geo-63 province belongs to from 1 July 2025.

    Hà Tây (merged into Hà Nội in 2008) maps to Hà Nội.
    """
    pid = normalize(old_id, "63")
    if pid == HA_TAY:
        pid = "01"
    return str(CROSSWALK_2025.set_index("old_id").loc[pid, "new_id"])


def from_34(new_id: object) -> list[str]:
    """The geo-63 provinces merged into a geo-34 unit."""
    pid = normalize(new_id, "34")
    return PROVINCES_34.loc[pid, "old_ids"].split()


def slug(name_or_id: object, geo: str = "63") -> str:
    """File-name slug ('lang-son') for a name or code."""
    return get(name_or_id, geo).slug
