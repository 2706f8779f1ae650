"""Data for the report notebooks: computed once per year, cached, then loaded section by section.

The names the notebooks use (``from parlib import report_data as rd``), re-exported from the
modules of ``parlib.sections`` that define them; its docstring has the module map, the import
cost (importing this module imports all of them: numpy, pandas and parlib.provinces, never
matplotlib, parlib.indices or parlib.models) and the cache decisions (``parlib.sections.cache``).

This module holds no code. To patch a name, patch it where it is looked up, in its defining
module (``parlib.sections.cache._bytes``, ``parlib.sections.cache.CACHE_FORMAT``): a patch here
changes nothing the loaders see. ``prepare``, ``report_years`` and ``latest_year`` are looked up
here by parlib.reports (``report_data.prepare``), so patching those here does reach the runner.
"""

from __future__ import annotations

from parlib.sections.about import SECTIONS, intro, sources
from parlib.sections.cache import (
    _VERIFIED,
    CACHE_CODE,
    CACHE_DIRNAME,
    CACHE_FILES,
    CACHE_FORMAT,
    LOCK,
    MANIFEST,
    _bytes,
    cache_dir,
    cache_inputs,
    is_fresh,
    pin,
    prepare,
)
from parlib.sections.card_text import card_lines, index_sentence, rank_text
from parlib.sections.designs import (
    DESIGN_PARAMETERS,
    DESIGNS,
    DesignData,
    Refusal,
    TableSet,
    design_data,
    design_name,
    read_tables,
)
from parlib.sections.display import DPI, Chart, Image, Prose, Section
from parlib.sections.drivers import (
    caveats,
    coef_chart,
    dropped,
    estimates,
    fit_drivers,
    model_facts,
    power,
    specification,
    summary,
    within_chart,
)
from parlib.sections.geometry import GEOJSON, MAP_SIZE, MAP_TOLERANCE, _decode_rings, simplify_ring
from parlib.sections.map_section import map_
from parlib.sections.national import NATIONAL_DRIVER, NATIONAL_OUTCOMES, NATIONAL_SPEC
from parlib.sections.national_section import drivers_section
from parlib.sections.province import glance, key_facts, latest_year, report_years, title
from parlib.sections.reported import check_tables, reported_figures, table_kind
from parlib.sections.scores import movers, profile
from parlib.sections.source_links import cache_sources
from parlib.sections.trajectory_section import trajectory
from parlib.sections.unit34 import unit34_about, unit34_key_facts, unit34_title
from parlib.sections.unit34_chart import unit34_trajectory
from parlib.sections.unit34_data import UNIT34_INDICES
from parlib.sections.unit34_glance import unit34_glance
from parlib.sections.unit34_words import UNIT34_WORDS
from parlib.sections.words import DIMENSIONS_VI, INDEX_NAMES, LANGS, TIERS

__all__ = [
    "CACHE_CODE",
    "CACHE_DIRNAME",
    "CACHE_FILES",
    "CACHE_FORMAT",
    "DESIGNS",
    "DESIGN_PARAMETERS",
    "DIMENSIONS_VI",
    "DPI",
    "GEOJSON",
    "INDEX_NAMES",
    "LANGS",
    "LOCK",
    "MANIFEST",
    "MAP_SIZE",
    "MAP_TOLERANCE",
    "NATIONAL_DRIVER",
    "NATIONAL_OUTCOMES",
    "NATIONAL_SPEC",
    "SECTIONS",
    "TIERS",
    "UNIT34_INDICES",
    "UNIT34_WORDS",
    "_VERIFIED",
    "Chart",
    "DesignData",
    "Image",
    "Prose",
    "Refusal",
    "Section",
    "TableSet",
    "_bytes",
    "_decode_rings",
    "cache_dir",
    "cache_inputs",
    "cache_sources",
    "card_lines",
    "caveats",
    "check_tables",
    "coef_chart",
    "design_data",
    "design_name",
    "drivers_section",
    "dropped",
    "estimates",
    "fit_drivers",
    "glance",
    "index_sentence",
    "intro",
    "is_fresh",
    "key_facts",
    "latest_year",
    "map_",
    "model_facts",
    "movers",
    "pin",
    "power",
    "prepare",
    "profile",
    "rank_text",
    "read_tables",
    "report_years",
    "reported_figures",
    "simplify_ring",
    "sources",
    "specification",
    "summary",
    "table_kind",
    "title",
    "trajectory",
    "unit34_about",
    "unit34_glance",
    "unit34_key_facts",
    "unit34_title",
    "unit34_trajectory",
    "within_chart",
]
"""Every name re-exported: the public ones, and _VERIFIED, _bytes, _decode_rings that tests read."""
