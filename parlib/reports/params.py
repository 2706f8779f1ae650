"""Report parameters every template shares: the province, the year and the years covered.

Decision (validation first, the province and the year): before any kernel starts, an unknown or
hostile province (a path, code, control characters) is refused, and so are a year outside
``report_years()`` and a province in a year it did not exist (Hà Tây after July 2008).
``ReportParameterError`` is the one error of a refused parameter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from parlib import provinces
from parlib.errors import ParlibError, UnknownProvinceError

GEO = "63"
"""The provinces a report is about by default: the 63 in force until June 2025 (what PAPI scored)."""
GEOS = ("63", "34")
"""``--geo 63``: the 63 provinces until June 2025; ``--geo 34``: the 34 in force from 1 July 2025."""
LANGS = ("en", "vi")
"""The languages a report is written in (parlib.sections.words.LANGS)."""
_MAX_NAME = 64


class ReportParameterError(ParlibError, ValueError):
    """A report parameter refused before any kernel starts (unknown name, bad year or value)."""


def _report_data() -> Any | None:
    """parlib.report_data if it is installed (it prepares the per-year cache), else None."""
    try:
        from parlib import report_data
    except ImportError:
        return None
    return report_data


def report_years() -> list[int]:
    """The years a report can be made for: ``report_data.report_years()``.

    Without parlib.report_data: the panel's years with at least one PAPI total.
    """
    module = _report_data()
    if module is not None:
        return sorted(int(y) for y in module.report_years())
    from parlib import panel

    data = panel.load_panel()
    return sorted(int(y) for y in data.loc[data["papi_total"].notna(), "year"].unique())


def latest_year() -> int:
    """The latest year with report data."""
    module = _report_data()
    if module is not None:
        return int(module.latest_year())
    return report_years()[-1]


def format_years(years: Iterable[int]) -> str:
    """[2011, 2012, 2013, 2015] -> '2011-2013, 2015'."""
    ys = sorted(set(years))
    parts: list[str] = []
    start = prev = None
    for y in [*ys, None]:
        if start is not None and (y is None or y != prev + 1):
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if y is not None and start is None:
            start = y
        prev = y
    return ", ".join(parts) or "none"


def parse_years(text: str, what: str = "years") -> list[int]:
    """'2022' -> [2022]; '2018-2024' -> [2018, ..., 2024]; '2018,2020-2022' -> [2018, 2020, 2021, 2022].

    ``what`` names the input in the error (the CLI passes ``--years``); an empty text is refused
    (it never means "the latest year").
    """
    if not str(text).strip():
        raise ReportParameterError(f"{what} is empty: give YYYY, YYYY-YYYY or a comma list of them")
    years: set[int] = set()
    for part in str(text).replace(" ", "").split(","):
        m = re.fullmatch(r"(\d{4})(?:-(\d{4}))?", part)
        if not m:
            raise ReportParameterError(f"{what} {text!r}: expected YYYY, YYYY-YYYY or a comma list of them")
        lo, hi = int(m[1]), int(m[2] or m[1])
        if hi < lo:
            raise ReportParameterError(f"{what} {text!r}: range {part} runs backwards")
        years.update(range(lo, hi + 1))
    return sorted(years)


def _check_name_text(value: object) -> object:
    """Refuse a province string that is not plausibly a name or a code (paths, code, control chars)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise UnknownProvinceError(f"province must be a name or a GSO code, got {type(value).__name__}")
    if isinstance(value, int):
        return value
    text = value.strip()
    ok = (
        0 < len(text) <= _MAX_NAME
        and ".." not in text
        and all(ch.isalnum() or ch in " -.," or unicodedata.category(ch).startswith("M") for ch in text)
    )
    if not ok:
        raise UnknownProvinceError(
            f"unknown province {value!r}: a province is a name or a GSO code (letters, digits, spaces, "
            "'-', '.'); see `parlib provinces`"
        )
    return text


def validate_province(value: object) -> str:
    """The geo-63 GSO code of a province name or code; hostile strings refused.

    A name only the 34 units have (Huế is also Thừa Thiên Huế's, so in practice a 34-unit code)
    is refused naming the old provinces it covers.
    """
    text = _check_name_text(value)
    try:
        return provinces.normalize(text, GEO)
    except UnknownProvinceError as exc:
        try:
            unit = provinces.normalize(text, "34")
        except UnknownProvinceError:
            raise exc from None
        covers = ", ".join(provinces.PROVINCES_63.loc[p, "name_vi"] for p in provinces.from_34(unit))
        name = provinces.PROVINCES_34.loc[unit, "name_vi"]
        raise UnknownProvinceError(
            f"{value!r} is {name}, one of the 34 provinces from 1 July 2025, covering {covers} "
            "(geo 63): give one of those, or use --geo 34"
        ) from None


def validate_unit(value: object) -> str:
    """The id of one of the 34 provinces in force from 1 July 2025; an old province is refused
    naming the unit it joined."""
    text = _check_name_text(value)
    try:
        return provinces.normalize(text, "34")
    except UnknownProvinceError as exc:
        try:
            old = provinces.normalize(text, GEO)
        except UnknownProvinceError:
            raise exc from None
        unit = provinces.to_34(old)
        raise UnknownProvinceError(
            f"{provinces.PROVINCES_63.loc[old, 'name_vi']} is not one of the 34 provinces from 1 July 2025: "
            f"it joined {provinces.PROVINCES_34.loc[unit, 'name_vi']} (use --geo 34 --province "
            f"\"{provinces.PROVINCES_34.loc[unit, 'name_vi']}\", or --geo 63 for the old province)"
        ) from None


def validate_geo(value: object) -> str:
    """'63' or '34' (one-line error naming both)."""
    text = str(value).strip()
    if text not in GEOS:
        raise ReportParameterError(
            f"--geo {value}: reports are for geo 63 (the provinces until June 2025) or geo 34 "
            "(from 1 July 2025)"
        )
    return text


def validate_langs(value: object) -> list[str]:
    """'vi,en' -> ['vi', 'en']; an unknown language is refused in one line naming the choices."""
    items = [s.strip() for s in str(value).split(",") if s.strip()] if value is not None else []
    bad = [s for s in items if s not in LANGS]
    if not items or bad:
        raise ReportParameterError(
            f"--lang {value}: reports are written in {' and '.join(LANGS)} (give en, vi or vi,en)"
        )
    return list(dict.fromkeys(items))


def check_in_force(province_id: str, year: int) -> None:
    """Refuse a province in a year it did not exist (``provinces.check_in_force``), as a parameter error."""
    try:
        provinces.check_in_force(province_id, year, GEO)
    except UnknownProvinceError as exc:
        raise ReportParameterError(str(exc)) from None


def validate_year(value: object, years: Sequence[int] | None = None) -> int:
    """An int year covered by the report data (one-line error naming the covered years)."""
    if isinstance(value, bool):
        raise ReportParameterError(f"year must be an integer, got {value!r}")
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}\s*", value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int):
        raise ReportParameterError(f"year must be an integer, got {value!r}")
    covered = list(years) if years is not None else report_years()
    if value not in covered:
        raise ReportParameterError(f"no report data for {value}: reports cover {format_years(covered)}")
    return value
