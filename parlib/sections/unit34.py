"""The 34-unit report (notebooks/templates/unit34_report.ipynb): one unit of the 34 in force from 1 July 2025.

Sections, each ``(province, year, lang="en")`` and printing its own heading: ``unit34_title``,
``unit34_about`` and ``unit34_key_facts`` here (with the lookups the other two modules share),
``unit34_glance`` in parlib.sections.unit34_glance, ``unit34_trajectory`` in
parlib.sections.unit34_chart. ``province`` is a 34-unit name (any spelling) or code; a name or
code of one of the 63 former provinces that is not also a unit's is refused in one line saying
which unit it joined. Scores before the merger are synthetic (``parlib.indices.geo34``: the
population-weighted mean of the absorbed provinces' official scores, missing when one of them has
no score), labelled so in every sentence and table header, and shown beside each former
province's official score and rank; figures published for the 34 units (DTI 2024) are shown as
published, with their source. A year without data is a one-line note, not an error.

Every word comes from ``UNIT34_WORDS`` (parlib.sections.unit34_words) in the report's language
(``lang``: ``en`` or ``vi``, anything else is a ValueError). Data come from the per-year cache
(``unit34.parquet``, ``unit34.json``, ``cards.json``, ``meta.json``; parlib.sections.unit34_data).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from parlib import provinces
from parlib.errors import UnknownProvinceError
from parlib.sections import words
from parlib.sections.cache import _read, _year, cache_dir, is_fresh, prepare
from parlib.sections.display import Prose
from parlib.sections.text import _num
from parlib.sections.unit34_words import UNIT34_WORDS

_CITIES_34 = frozenset({"01", "31", "46", "48", "79", "92"})
"""The centrally run cities among the 34 units (thành phố trực thuộc trung ương)."""
_CITIES_63 = frozenset({"01", "31", "48", "79", "92"})
"""The centrally run cities among the 63 former provinces (Thừa Thiên Huế is named as a province)."""
_UNCOVERED: set[str] = set()
"""Cache folders (one per year and inputs) whose year no index covers: not prepared again."""


def _say(key: str, lang: str, **fields: Any) -> str:
    return words.say(UNIT34_WORDS, key, lang, **fields)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _uid(province: object) -> str:
    """The 34-unit code of ``province``; a former province's name gives a one-line error naming its unit."""
    try:
        return provinces.normalize(province, "34")
    except UnknownProvinceError as exc:
        try:
            old = provinces.normalize(province, "63")
        except UnknownProvinceError:
            raise exc from None
    new = provinces.to_34(old)
    old_name, new_name = (
        provinces.PROVINCES_63.loc[old, "name_vi"],
        provinces.PROVINCES_34.loc[new, "name_vi"],
    )
    raise UnknownProvinceError(
        f"{province!r} is {old_name} ({old}), a province before the 1 July 2025 merger, now part of "
        f"{new_name} ({new}): this report is for the 34 units; give {new_name!r} (or make a province report "
        f"of {old_name})"
    )


def _unit_name(uid: str, lang: str) -> str:
    key = "unit_city" if uid in _CITIES_34 else "unit_province"
    return _say(key, lang, name=provinces.PROVINCES_34.loc[uid, "name_vi"])


def _old_name(pid: str, lang: str) -> str:
    key = "old_city" if pid in _CITIES_63 else "old_province"
    return _say(key, lang, name=provinces.PROVINCES_63.loc[pid, "name_vi"])


def _bare(pid: str) -> str:
    return str(provinces.PROVINCES_63.loc[pid, "name_vi"])


def _olds_text(olds: list[str], lang: str) -> str:
    return words.join([_old_name(p, lang) for p in olds], lang)


def _how(uid: str, lang: str) -> str:
    """What the synthetic score is: 'population-weighted mean of Hà Giang and Tuyên Quang'."""
    olds = provinces.from_34(uid)
    if len(olds) > 1:
        return _say("how_merged", lang, olds=_olds_text(olds, lang))
    return _say("how_same", lang, old=_old_name(olds[0], lang))


def _no_data(uid: str, year: int, lang: str) -> Prose:
    key = "no_data_after" if year >= provinces.MERGER_DATE.year else "no_data_before"
    return Prose(_cap(_say(key, lang, unit=_unit_name(uid, lang), year=year)))


def _data(year: int) -> dict[str, Any] | None:
    """The year's cache files this report reads; None when no index covers ``year`` (nothing to cache).

    The folder is looked up once per call (each lookup hashes the cache's inputs), and every file
    is read from that one folder.
    """
    folder = cache_dir(year)
    if str(folder) in _UNCOVERED:
        return None
    if not is_fresh(year):
        try:
            folder = prepare(year)
        except LookupError as exc:
            from parlib.indices.result import CoverageError  # prepare() has imported parlib.indices already

            if not isinstance(exc, CoverageError):
                raise
            _UNCOVERED.add(str(folder))
            return None
    names = {"meta": "meta.json", "cards": "cards.json", "proj": "unit34.parquet", "info": "unit34.json"}
    return {key: _read(str(folder / name)) for key, name in {**names, "papi": "papi.parquet"}.items()}


def _synthetic(data: dict, index: str, year: int, uid: str) -> pd.Series | None:
    proj = data["proj"]
    rows = proj[(proj["index"] == index) & (proj["year"] == year) & (proj["new_id"] == uid)]
    return None if rows.empty else rows.iloc[0]


def _unit_of(data: dict, index: str, year: int) -> str:
    return str(data["info"]["units"].get(index, {}).get(str(year), ""))


def _weight_year(data: dict, year: int, uid: str) -> int:
    """The GSO population year that weighted the synthetic scores of ``year``."""
    proj = data["proj"]
    rows = proj[(proj["year"] == year) & (proj["new_id"] == uid)]
    return int(rows["weight_year"].iloc[0]) if len(rows) else year


def _digits(unit: str) -> int:
    return 4 if unit == "index (0-1)" else 2


def _scored(f: dict | None) -> bool:
    return bool(f and f.get("available") and math.isfinite(_num(f.get("value"))))


# --------------------------------------------------------------------------- report sections


def unit34_title(province: object, year: int, lang: str = "en") -> Prose:
    """The heading: the unit's name, the year, its region and code, the provinces it absorbed, and
    what "synthetic" means (one sentence)."""
    lang, year, uid = words.check_lang(lang), _year(year), _uid(province)
    unit = _unit_name(uid, lang)
    region = words.region(provinces.PROVINCES_34.loc[uid, "region"], lang)
    olds = provinces.from_34(uid)
    head = _say("title_head", lang, unit=_cap(unit), year=year)
    if len(olds) > 1:
        olds_text = _olds_text(olds, lang)
        line = _say("title_merged", lang, unit=_cap(unit), region=region, code=uid, olds=olds_text)
        line += " " + _say("title_synthetic", lang, unit=unit, olds=olds_text)
    else:
        old = _old_name(olds[0], lang)
        line = _say("title_same", lang, unit=_cap(unit), region=region, code=uid, old=old)
        line += " " + _say("title_synthetic_same", lang, unit=unit, old=old)
    return Prose(f"{head}\n\n{line}")


def unit34_about(province: object, year: int, lang: str = "en") -> Prose:
    """How the synthetic scores are made and what they are not (a heading and four points)."""
    words.check_lang(lang), _year(year), _uid(province)
    return Prose(_say("about", lang))


def unit34_key_facts(province: object, year: int, lang: str = "en") -> dict[str, Any]:
    """The report's key numbers for ``parlib.record`` (None when missing).

    Keys: province_id (the 34-unit code), province (its name), slug, year, geo ("34"), lang,
    synthetic (True: every score and rank here is synthetic), region, old_province_ids,
    old_provinces (names), papi_total (synthetic), papi_unit, papi_rank and papi_rank_of (the rank
    of the synthetic total among the units with one that year: not an official rank),
    papi_weight_year (the GSO population year of the weights), papi_old_totals ({former province
    id: its official total}), pci_total, sipas_total, par_index_total (synthetic).
    """
    lang, year, uid = words.check_lang(lang), _year(year), _uid(province)
    row = provinces.PROVINCES_34.loc[uid]
    olds = provinces.from_34(uid)
    facts: dict[str, Any] = {
        "province_id": uid,
        "province": row["name_vi"],
        "slug": row["slug"],
        "year": year,
        "geo": "34",
        "lang": lang,
        "synthetic": True,
        "region": row["region"],
        "old_province_ids": olds,
        "old_provinces": [_bare(p) for p in olds],
    }
    data = _data(year)

    def value(index: str, key: str = "value") -> Any:
        found = None if data is None else _synthetic(data, index, year, uid)
        x = _num(None if found is None else found[key])
        return (int(x) if key != "value" else float(x)) if math.isfinite(x) else None

    cards = {} if data is None else data["cards"]
    papi = [((cards.get(p) or {}).get("facts", {}).get("PAPI") or {}) for p in olds]
    facts |= {
        "papi_total": value("PAPI"),
        "papi_unit": (_unit_of(data, "PAPI", year) or None) if data is not None else None,
        "papi_rank": value("PAPI", "rank34"),
        "papi_rank_of": value("PAPI", "rank34_of"),
        "papi_weight_year": value("PAPI", "weight_year"),
        "papi_old_totals": {
            p: (float(f["value"]) if _scored(f) else None) for p, f in zip(olds, papi, strict=True)
        },
        "pci_total": value("PCI"),
        "sipas_total": value("SIPAS"),
        "par_index_total": value("PAR_INDEX"),
    }
    return facts
