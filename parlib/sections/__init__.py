"""What the report notebooks show: the per-year cache, display objects, one module per template's sections.

Data for the report notebooks is computed once per year (``cache.prepare``), cached, then loaded
section by section. The notebooks import the facade ``parlib.report_data``
(``from parlib import report_data as rd``), which re-exports the names of these modules. A name
is looked up in the module that defines it: patch it there (``parlib.sections.cache._bytes``),
not on the facade.

Modules, each importing only those listed above it (no cycles; this file imports nothing):

    text.py              wording helpers shared by the sections: _num, _fmt, _places, _in_source,
                         _ordinal, _and, _p
    display.py           Prose, Chart, Image, Section (what the loaders return) and _figure
    geometry.py          the map for the cache: GEOJSON, simplify_ring, the stored rings, the base map
    national.py          the national driver -> outcome models for the cache and their coefficient PNG
    cache.py             the per-year cache: CACHE_FORMAT, CACHE_FILES, CACHE_CODE, cache_inputs,
                         cache_dir, is_fresh, prepare (and _build), reading it back (_file)
    province.py          the province report: lookups in the cached year, title, glance, key_facts,
                         report_years, latest_year
    scores.py            the province report's PAPI sections: trajectory, profile, movers, map_
    national_section.py  the province report's national estimates: drivers_section
    reported.py          the province report's researcher tables (parameter ``tables``):
                         reported_figures, table_kind, check_tables (the report rule's check)
    designs.py           the drivers notebook's designs (panel, long difference, cross-section) on
                         the panel plus researcher tables: the sample, the fit, power and refusals
    drivers.py           the drivers notebook: fit_drivers and the sections of one ModelResult

Import cost (the report kernel pays for every import): numpy, pandas and parlib.provinces at
import; matplotlib when a chart is drawn; parlib.indices and parlib.models only inside
``prepare()`` and the drivers-notebook helpers (parlib.indices also in ``reported_figures`` when
the report is given tables). Never seaborn or statsmodels
(``tests/test_notebooks.py`` checks the report kernel).
"""
