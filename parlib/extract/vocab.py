"""The words of a fact table: its columns, the indices, the driver indicators and the qualifiers.

A fact is one figure read from a provincial report, with the sentence it came from. This module
is the documented vocabulary every other part of ``parlib.extract`` (and a researcher reviewing
a fact table) relies on; it holds no logic.
"""

from __future__ import annotations

FACT_COLUMNS: list[str] = [
    "file",
    "province_id",
    "province",
    "kind",
    "index",
    "component",
    "year",
    "value",
    "unit",
    "rank",
    "rank_of",
    "value_change",
    "rank_change",
    "qualifier",
    "period_start",
    "period_end",
    "quote",
    "start",
    "end",
    "confidence",
]
"""The columns of a fact table, in this order (``parlib extract`` writes them as CSV).

- ``file``: the file the fact was read from (as given on the command line).
- ``province_id``/``province``: GSO code (geo 63) and Vietnamese name; blank when the text does
  not say which province (never guessed).
- ``kind``: ``index`` (a national index of the province), ``driver`` (a reform driver of the
  province) or ``internal`` (a department's, district's or commune's figure, or the province's own
  internal ranking: never the province's national index).
- ``index``: for ``index`` facts one of ``INDICES``; for ``driver`` facts one of ``DRIVERS``.
- ``component``: ``total`` or a named component of the index; blank for drivers.
- ``year``: the year the figure refers to (PAPI 2022 is the survey year 2022, published in
  2023); for a period figure the period's last year.
- ``value``: the figure, dot decimal, no thousands separator; blank when only a rank is given.
- ``unit``: ``INDICES[index]["unit"]`` or ``DRIVERS[indicator]["unit"]``.
- ``rank``/``rank_of``: "ranked 13/61" gives 13 and 61.
- ``value_change``/``rank_change``: signed change on the previous year as printed ("down 28
  ranks" = -28: a lower place number is better, so "up 29 places" = +29 means 29 places better).
- ``qualifier``: one of ``QUALIFIERS``.
- ``period_start``/``period_end``: the years of a period figure (``qualifier == "period"``).
- ``quote``: the exact substring of the text the fact was read from; ``start``/``end`` its
  character offsets in the decoded text (``text[start:end] == quote``).
- ``confidence``: 0-1, how sure the reading is (province, year and indicator all resolved from
  the sentence itself score highest; a province taken from elsewhere in the text lower; an
  unresolved province below 0.5).
"""

KINDS = ("index", "driver", "internal")

INDICES: dict[str, dict[str, object]] = {
    "PAPI": {
        "unit": "points",
        "decimals": 2,
        "name": "Provincial Governance and Public Administration Performance Index (Chỉ số PAPI)",
    },
    "PCI": {"unit": "points", "decimals": 2, "name": "Provincial Competitiveness Index (Chỉ số PCI)"},
    "SIPAS": {
        "unit": "percent",
        "decimals": 2,
        "name": "Satisfaction Index of Public Administrative Services (Chỉ số SIPAS)",
    },
    "PAR_INDEX": {
        "unit": "percent",
        "decimals": 2,
        "name": "Public Administration Reform Index (Chỉ số cải cách hành chính PAR INDEX)",
    },
    "DTI": {"unit": "index (0-1)", "decimals": 4, "name": "Digital Transformation Index (Chỉ số DTI)"},
}
"""The national indices a fact of kind ``index`` can name, with the unit of its value and the
decimals its publisher prints (a printed value agrees with parlib's within half a unit of the
last decimal printed)."""

DRIVERS: dict[str, dict[str, str]] = {
    "online_services_level3_count": {"unit": "count", "what": "online public services at level 3"},
    "online_services_level4_count": {"unit": "count", "what": "online public services at level 4"},
    "online_services_level4_share": {
        "unit": "percent",
        "what": "share of administrative procedures offered online at level 4 (or levels 3 and 4)",
    },
    "online_services_full_process_count": {
        "unit": "count",
        "what": "online public services for the full process (toàn trình; the post-2022 name of level 4)",
    },
    "online_services_full_process_share": {
        "unit": "percent",
        "what": "share of administrative procedures offered online for the full process",
    },
    "online_dossiers_share": {
        "unit": "percent",
        "what": "share of dossiers (applications, files) received or processed online",
    },
    "on_time_share": {"unit": "percent", "what": "share of dossiers settled on time or early"},
    "one_stop_coverage_share": {
        "unit": "percent",
        "what": "share of procedures or agencies under the one-stop (một cửa) mechanism",
    },
    "procedures_count": {"unit": "count", "what": "administrative procedures under the province's authority"},
    "units_cut_count": {
        "unit": "count",
        "what": "organisational units (agencies, divisions, public units) cut",
    },
    "staff_cut_pct_admin_agencies": {
        "unit": "percent",
        "what": "staff (biên chế) cut in administrative agencies, percent of the base",
    },
    "staff_cut_persons_admin_agencies": {"unit": "persons", "what": "staff cut in administrative agencies"},
    "staff_cut_pct_public_units": {
        "unit": "percent",
        "what": "staff cut in public service (non-business) units, percent of the base",
    },
    "staff_cut_persons_public_units": {"unit": "persons", "what": "staff cut in public service units"},
    "staff_cut_pct_total": {
        "unit": "percent",
        "what": "staff cut where the report does not say in which bodies, percent of the base",
    },
    "staff_cut_persons_total": {"unit": "persons", "what": "staff cut where the report does not say where"},
    "staff_count": {"unit": "persons", "what": "cadres, civil servants and public employees in post"},
}
"""The driver indicators a fact of kind ``driver`` can name (the ``index`` column), their unit
and what they count. They are the ``indicator`` names of the driver template, so a reviewed fact
table becomes a driver table as it is (``parlib extract --to-tables``)."""

QUALIFIERS = ("exact", "at_least", "at_most", "approx", "target", "period")
"""``exact``; ``at_least`` ("over 98%", "more than 70", "trên 98%"); ``at_most`` ("under 2%");
``approx`` ("about", "nearly", "khoảng", "gần"); ``target`` ("striving to", "aims to", "phấn đấu":
a target, never an achievement); ``period`` (a figure for a span of years, e.g. 2011-2020)."""

CHECK_COLUMNS: list[str] = ["parlib_value", "parlib_rank", "verdict", "check_note"]
"""Columns ``parlib extract --check`` adds. ``verdict``: ``agrees`` (value within the publisher's
rounding and rank equal, where given), ``differs``, ``not covered`` (parlib has no figure for the
province and year), blank for facts that are not index facts. ``check_note`` says what was
compared or what differs, and flags a fact that no longer matches its quote (edited by hand)."""
