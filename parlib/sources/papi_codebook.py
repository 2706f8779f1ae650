"""The PAPI codebook: method eras, components and their hierarchy, units.

What every PAPI reader (``papi_mdtrinh``, ``papi_undp``, ``papi_mlmcdm``) maps its cells to.
Components carry stable semantic names (``CODEBOOK``); a sub-dimension keeps its name across
eras even when its position in the files moves (``poverty_lists`` is the first transparency
column before 2018 and the second after).

Scales: each dimension runs 1-10 and is the sum of its k sub-dimensions, each on
[1/k, 10/k]; the total is the sum of the dimensions: 6-60 up to 2017, 8-80 from 2018
(methodology.md 1.2). The UNDP sheets print the total's scale as "10-80"; the sum of eight
1-10 dimensions runs 8-80, which UNITS uses.
"""

from __future__ import annotations

import pandas as pd

INDEX = "PAPI"
GEO = "63"


# ---------------------------------------------------------------------------------------------
# Method eras


ERAS = ("2011-2015", "2016-2017", "2018-2020", "2021-")
"""Breaks: 2016 (D1, D3, D5 re-specified), 2018 (8 dimensions), 2021 (construction permits dropped)."""


def method_era(year: int) -> str:
    """The PAPI method era of a survey year; raises ValueError before 2011 (no data here)."""
    year = int(year)
    if year < 2011:
        raise ValueError(f"PAPI method eras start in 2011, got {year}")
    if year <= 2015:
        return "2011-2015"
    if year <= 2017:
        return "2016-2017"
    if year <= 2020:
        return "2018-2020"
    return "2021-"


def _era_span(era: str) -> tuple[int, int]:
    start, _, end = era.partition("-")
    return int(start), int(end) if end else 9999


# ---------------------------------------------------------------------------------------------
# Codebook

# One line per component: name | level | parent | first year | last year ('-': still in use) | label.
_CODEBOOK_TABLE = """
total                           | total        | -                        | 2011 | -    | PAPI aggregate: unweighted sum of the dimensions
total_weighted                  | total        | -                        | 2019 | 2019 | PAPI aggregate weighted by UNDP (in these files for 2019 only; not the canonical total)
participation                   | dimension    | total                    | 2011 | -    | Participation at Local Levels
transparency                    | dimension    | total                    | 2011 | -    | Transparency in Local Decision-making
vertical_accountability         | dimension    | total                    | 2011 | -    | Vertical Accountability
control_of_corruption           | dimension    | total                    | 2011 | -    | Control of Corruption in the Public Sector
admin_procedures                | dimension    | total                    | 2011 | -    | Public Administrative Procedures
public_services                 | dimension    | total                    | 2011 | -    | Public Service Delivery
environmental_governance        | dimension    | total                    | 2018 | -    | Environmental Governance
e_governance                    | dimension    | total                    | 2018 | -    | E-Governance
civic_knowledge                 | subdimension | participation            | 2011 | -    | Civic Knowledge
election_opportunities          | subdimension | participation            | 2011 | -    | Opportunities for Participation (in Elections)
village_head_elections          | subdimension | participation            | 2011 | -    | Quality of (Village Head) Elections
voluntary_contributions         | subdimension | participation            | 2011 | -    | Voluntary Contributions
access_to_information           | subdimension | transparency             | 2018 | -    | Access to Information
poverty_lists                   | subdimension | transparency             | 2011 | -    | Poverty List Transparency
communal_budget                 | subdimension | transparency             | 2011 | -    | Communal Budget (and Expenditure) Transparency
land_use_plans                  | subdimension | transparency             | 2011 | -    | Land-Use Plans/Price Frames
interactions                    | subdimension | vertical_accountability  | 2011 | -    | Interactions with Local Authorities
inspection_boards               | subdimension | vertical_accountability  | 2011 | 2017 | People's Inspection Boards
investment_supervision_boards   | subdimension | vertical_accountability  | 2011 | 2015 | Community Investment Supervision Boards
responsiveness                  | subdimension | vertical_accountability  | 2016 | -    | Government Responsiveness to Citizen Appeals
access_to_justice               | subdimension | vertical_accountability  | 2018 | -    | Access to Justice Services
corruption_local_government     | subdimension | control_of_corruption    | 2011 | -    | Limits on Corruption in Local Government
corruption_service_delivery     | subdimension | control_of_corruption    | 2011 | -    | Limits on Corruption in Service Delivery
equity_state_employment         | subdimension | control_of_corruption    | 2011 | -    | Equity in State Employment
willingness_to_fight_corruption | subdimension | control_of_corruption    | 2011 | -    | Willingness to Fight Corruption
certification                   | subdimension | admin_procedures         | 2011 | -    | Certification Procedures
construction_permits            | subdimension | admin_procedures         | 2011 | 2020 | Construction Permits
land_title                      | subdimension | admin_procedures         | 2011 | -    | Land Title (Land-Use Rights) Procedures
personal_procedures             | subdimension | admin_procedures         | 2011 | -    | Personal Procedures (commune level)
health_care                     | subdimension | public_services          | 2011 | -    | Public Health Care
primary_education               | subdimension | public_services          | 2011 | -    | Public Primary Education
basic_infrastructure            | subdimension | public_services          | 2011 | -    | Basic Infrastructure
law_and_order                   | subdimension | public_services          | 2011 | -    | Law and Order
environmental_protection        | subdimension | environmental_governance | 2018 | -    | Seriousness in Environmental Protection
air_quality                     | subdimension | environmental_governance | 2018 | -    | Quality of Air
water_quality                   | subdimension | environmental_governance | 2018 | -    | Quality of Water
egov_portal_access              | subdimension | e_governance             | 2018 | -    | Access to E-Government Portals
internet_access                 | subdimension | e_governance             | 2018 | -    | Access to the Internet
e_responsiveness                | subdimension | e_governance             | 2019 | -    | E-Responsiveness of Provincial Authorities
"""  # noqa: E501


def _parse_codebook(text: str) -> list[tuple[str, str, str | None, str, int, int | None]]:
    out = []
    for line in text.strip().splitlines():
        name, lvl, parent, first, last, label = (part.strip() for part in line.split("|"))
        out.append(
            (
                name,
                lvl,
                None if parent == "-" else parent,
                label,
                int(first),
                None if last == "-" else int(last),
            )
        )
    return out


# (component, level, parent, label_en, first_year, last_year or None)
_COMPONENTS = _parse_codebook(_CODEBOOK_TABLE)


def _eras_between(first: int, last: int | None) -> str:
    last = 9999 if last is None else last
    return ",".join(e for e in ERAS if _era_span(e)[0] <= last and _era_span(e)[1] >= first)


CODEBOOK: pd.DataFrame = pd.DataFrame(
    [
        {
            "component": c,
            "level": lvl,
            "parent": parent,
            "label_en": label,
            "first_year": first,
            "last_year": last,
            "eras": _eras_between(first, last),
        }
        for c, lvl, parent, label, first, last in _COMPONENTS
    ]
).astype({"first_year": "Int64", "last_year": "Int64"})
"""One row per PAPI component: component (unique within PAPI), level ('total' | 'dimension' |
'subdimension'), parent, label_en, first_year / last_year (NA: still in use) and eras (the
method eras in which it exists, comma-separated). ``total`` is the canonical aggregate."""

COMPONENTS: list[str] = [c[0] for c in _COMPONENTS]

_BY_NAME = {c[0]: c for c in _COMPONENTS}


def exists(component: str, year: int) -> bool:
    _, _, _, _, first, last = _BY_NAME[component]
    return first <= year and (last is None or year <= last)


def components(year: int) -> list[str]:
    """Components PAPI scores in ``year`` (``total_weighted`` only where the files publish it)."""
    return [c[0] for c in _COMPONENTS if exists(c[0], year)]


def children(component: str, year: int) -> list[str]:
    """The parts summing to ``component`` in ``year``: the dimensions, or a dimension's sub-dimensions."""
    return [
        c[0] for c in _COMPONENTS if c[2] == component and exists(c[0], year) and c[0] != "total_weighted"
    ]


def level(component: str) -> str:
    """'total', 'dimension' or 'subdimension'."""
    return _BY_NAME[component][1]


# ---------------------------------------------------------------------------------------------
# Units

UNITS: dict[str, tuple[float, float]] = {
    "points (6-60)": (6.0, 60.0),  # total, 6 dimensions (2011-2017)
    "points (8-80)": (8.0, 80.0),  # total, 8 dimensions (2018-)
    "points (1-10)": (1.0, 10.0),  # a dimension
    "points (0.25-2.5)": (0.25, 2.5),  # a sub-dimension of a 4-part dimension
    # a sub-dimension of a 3-part dimension: 1/3 .. 10/3, with the lower bound widened to the
    # 0.33 that PAPI prints as the scale: the published files hold 0.33174 (2020 Phú Yên,
    # e-gov portals) and 0.33235 (2022 Bến Tre, same) below 1/3, rounded at the source.
    "points (0.33-3.33)": (0.33, 10.0 / 3.0),
    "points (0.5-5)": (0.5, 5.0),  # a sub-dimension of a 2-part dimension (e-governance 2018)
}

_SUBDIM_UNIT = {2: "points (0.5-5)", 3: "points (0.33-3.33)", 4: "points (0.25-2.5)"}


def unit(component: str, year: int) -> str:
    """The UNITS key of ``component`` in ``year`` (a sub-dimension's scale depends on its siblings)."""
    lvl = level(component)
    if lvl == "total":
        return "points (6-60)" if year <= 2017 else "points (8-80)"
    if lvl == "dimension":
        return "points (1-10)"
    k = len(children(_BY_NAME[component][2], year))
    return _SUBDIM_UNIT[k]
