"""What the report notebooks show: the per-year cache, display objects, one module per template's sections.

Data for the report notebooks is computed once per year (``cache.prepare``), cached, then loaded
section by section. The notebooks import the facade ``parlib.report_data``
(``from parlib import report_data as rd``), which re-exports the names of these modules. A name
is looked up in the module that defines it: patch it there (``parlib.sections.cache._bytes``),
not on the facade.

Modules, each importing only those listed above it (no cycles; this file imports nothing):

    text.py              wording helpers shared by the sections: _num, _in_source, _ordinal,
                         _and, _p
    words.py             the two languages (en, vi): say (a message table {key: {en, vi}}),
                         check_table, num (43,85), rank_of (13/61), places (tăng 9 bậc), join,
                         index, tier, dimension and region names as their publishers write them
    display.py           Prose, Chart, Image, Section (what the loaders return) and _figure
    figures.py           the report's figures on axes (private names): rank trajectory, dimension
                         profile, the map with its offshore inset, the decimal comma
    geometry.py          the map for the cache: GEOJSON, simplify_ring, the stored rings, the base map
    national.py          the national driver -> outcome models for the cache and their coefficient PNG
    source_links.py      the links a report cites, for the cache: cache_sources (registry, publishers)
    unit34_words.py      the 34-unit report's wording: UNIT34_WORDS (en and vi, one message table)
    unit34_data.py       the 34-unit report's data for the cache (synthetic scores of the 34 units,
                         their weights, figures published for the 34): UNIT34_INDICES, _unit34_files
    cache.py             the per-year cache: CACHE_FORMAT, CACHE_FILES, CACHE_CODE, cache_inputs,
                         cache_dir, is_fresh, prepare (and _build), reading it back (_file)
    card_text.py         the card's sentences in either language: index_sentence, card_lines
    province.py          the province report: lookups in the cached year, title, glance, key_facts,
                         report_years, latest_year
    about.py             the province report's own prose: SECTIONS, intro (each section's heading
                         and introduction), sources (links)
    trajectory_section.py  the province report's PAPI rank over the years and its score table
    map_section.py       the province report's map, drawn on the wordless cached base map
    scores.py            the province report's PAPI dimensions: profile, movers (re-exports
                         trajectory, map_)
    national_section.py  the province report's national estimates: drivers_section
    reported.py          the province report's researcher tables (parameter ``tables``):
                         reported_figures, table_kind, check_tables (the report rule's check)
    designs.py           the drivers notebook's designs (panel, long difference, cross-section) on
                         the panel plus researcher tables: the sample, the fit, power and refusals
    drivers.py           the drivers notebook: fit_drivers and the sections of one ModelResult
    unit34.py            the 34-unit report (one of the 34 provinces from 1 July 2025): its lookups,
                         unit34_title, unit34_about, unit34_key_facts
    unit34_glance.py     the 34-unit report's glance: unit34_glance (synthetic beside official scores)
    unit34_chart.py      the 34-unit report's trajectory: unit34_trajectory

Import cost (the report kernel pays for every import): numpy, pandas and parlib.provinces at
import; matplotlib when a chart is drawn; parlib.indices and parlib.models only inside
``prepare()`` and the drivers-notebook helpers (parlib.indices also in ``reported_figures`` when
the report is given tables). Never seaborn or statsmodels
(``tests/test_notebooks.py`` checks the report kernel).
"""
