"""parlib.report_data (the report cache and its section loaders), parlib.record and the report plots.

The cache tests run against a private copy of data/processed (PARLIB_PROCESSED_DIR in tmp) so
they never touch the project's own cache; the numbers are checked against parlib itself.
``rd`` is the facade the notebooks import; the code lives in parlib.sections, so a test patches a
name in the module that looks it up (``cache``: parlib.sections.cache), never on the facade.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from parlib import config
from parlib.record import MIMETYPE, jsonable, payload, read_records, strip_records
from parlib.sections import cache, figures

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(scope="module")
def rd(raw, tmp_path_factory):
    """parlib.report_data with PARLIB_PROCESSED_DIR pointing at a copy of the built panel."""
    from parlib import report_data
    from parlib.panel import load_panel

    load_panel()  # build first if stale, so the copy below is current
    folder = tmp_path_factory.mktemp("processed") / "processed"
    skip = shutil.ignore_patterns("report_cache", ".*")
    shutil.copytree(config.processed_dir(), folder, symlinks=True, ignore=skip)  # one generation
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PARLIB_PROCESSED_DIR", str(folder))
        yield report_data


@pytest.fixture(scope="module")
def prepared(rd):
    """The 2022 cache, built cold once: its folder."""
    return rd.prepare(2022)


@pytest.fixture(scope="module")
def papi_table():
    from parlib.indices import papi

    return papi.scores().table


def _files(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name: (p.stat().st_ino, p.read_bytes()) for p in folder.iterdir()}


# --------------------------------------------------------------------------- the cache


def test_prepare_writes_the_cache_under_processed_dir(rd, prepared):
    folder = prepared
    root = config.processed_dir() / "report_cache" / "2022"
    assert folder.parent == root and root.parent.parent == Path(os.environ["PARLIB_PROCESSED_DIR"])
    names = {p.name for p in folder.iterdir()}
    assert names == {*rd.CACHE_FILES, rd.MANIFEST}
    manifest = json.loads((folder / rd.MANIFEST).read_text("utf-8"))
    assert manifest["year"] == 2022 and manifest["inputs"]["format"] == rd.CACHE_FORMAT
    assert manifest["key"].startswith(folder.name) and set(manifest["files"]) == set(rd.CACHE_FILES)
    assert "built" not in manifest  # no timestamp: equal inputs give equal bytes
    assert rd.is_fresh(2022)


def test_second_prepare_rewrites_nothing(rd, prepared):
    before = _files(prepared)
    assert rd.prepare(2022) == prepared
    assert _files(prepared) == before


def test_force_rewrites_the_same_bytes(rd, prepared):
    before = _files(prepared)
    assert rd.prepare(2022, force=True) == prepared
    after = _files(prepared)
    assert set(after) == set(before)
    assert all(after[name][0] != before[name][0] for name in before)  # new files ...
    assert {n: b for n, (_, b) in after.items()} == {n: b for n, (_, b) in before.items()}  # ... same bytes
    assert not [p for p in prepared.parent.iterdir() if p.name.startswith(".") and "tmp" in p.name]


def test_freshness_is_content_not_file_times(rd, prepared):
    for path in [prepared, *prepared.iterdir()]:
        os.utime(path, (0, 0))  # as old as can be: still fresh
    cache._VERIFIED.clear()
    assert rd.is_fresh(2022)
    cards = prepared / "cards.json"
    stamp = cards.stat()
    cards.write_bytes(cards.read_bytes()[:100])  # damaged, and its mtime put back
    os.utime(cards, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    cache._VERIFIED.clear()
    assert not rd.is_fresh(2022)
    assert rd.prepare(2022) == prepared and rd.is_fresh(2022)
    assert json.loads(cards.read_text("utf-8"))["20"]["province_id"] == "20"


def test_new_inputs_give_a_new_folder(rd, prepared, monkeypatch):
    monkeypatch.setattr(cache, "CACHE_FORMAT", cache.CACHE_FORMAT + 100)  # stands for any changed input
    assert rd.cache_inputs(2022)["format"] == rd.CACHE_FORMAT + 100  # the patch reaches the key
    assert not rd.is_fresh(2022)
    folder = rd.prepare(2022)
    assert folder != prepared and folder.parent == prepared.parent and not prepared.exists()
    monkeypatch.undo()
    assert rd.prepare(2022) == prepared


def test_a_failed_write_leaves_no_temporary_file_and_the_old_cache(rd, prepared, monkeypatch):
    before = _files(prepared)
    real = cache._bytes

    def broken(name, value):
        if name.endswith(".parquet"):
            raise OSError(28, "No space left on device")
        return real(name, value)

    monkeypatch.setattr(cache, "_bytes", broken)
    with pytest.raises(OSError, match="No space left"):
        rd.prepare(2022, force=True)
    assert [p.name for p in prepared.parent.iterdir() if p.name.startswith(".") and "tmp" in p.name] == []
    assert _files(prepared) == before


def test_loaders_prepare_a_missing_year_themselves(rd, prepared):
    shutil.rmtree(rd.cache_dir(2021), ignore_errors=True)
    cache._VERIFIED.clear()
    assert not rd.is_fresh(2021)
    facts = rd.key_facts("Lạng Sơn", 2021)
    assert rd.is_fresh(2021)
    assert facts["year"] == 2021 and facts["papi_comparable"] is False  # 2021 is a method break


def test_cache_code_covers_every_module_of_parlib_sections():
    """A change to any module of parlib.sections (or to the facade) makes the report cache stale."""
    from parlib.freshness import code_hashes

    covered = set(code_hashes(cache.CACHE_CODE))
    modules = {
        p.relative_to(config.PACKAGE_DIR).as_posix() for p in (config.PACKAGE_DIR / "sections").glob("*.py")
    }
    assert "sections/cache.py" in modules and "sections/national.py" in modules
    assert modules <= covered, sorted(modules - covered)
    assert "report_data.py" in covered
    sources = config.PACKAGE_DIR / "sources"
    papi = {p.relative_to(config.PACKAGE_DIR).as_posix() for p in sources.glob("papi*.py")}
    assert papi <= covered and "sources/papi_codebook.py" in papi  # the codebook the sections print
    assert "plots.py" in covered  # the map and coefficient PNGs are drawn there


def test_report_data_reexports_every_public_name_of_parlib_sections():
    """The facade holds the sections' own objects (one lru_cache, one _VERIFIED), and misses none.

    parlib.sections.words, the wording toolkit the sections share (num, places, say ...), is used
    as ``from parlib.sections import words``: the facade re-exports only its constants.
    """
    import importlib
    import pkgutil

    from parlib import report_data, sections

    for info in pkgutil.iter_modules(sections.__path__):
        module = importlib.import_module(f"parlib.sections.{info.name}")
        for name, obj in vars(module).items():
            own = getattr(obj, "__module__", None) == module.__name__ and info.name != "words"
            own = own or name.isupper()
            if own and not name.startswith("_") and name != "TYPE_CHECKING":
                assert getattr(report_data, name, None) is obj, f"parlib.report_data lacks {info.name}.{name}"
    assert report_data._VERIFIED is cache._VERIFIED and report_data._bytes is cache._bytes
    assert set(report_data.__all__) <= set(vars(report_data))


def test_parlib_sections_imports_one_way():
    """No import cycle among the modules of parlib.sections (module level or inside functions)."""
    import ast
    import graphlib

    folder = config.PACKAGE_DIR / "sections"
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        deps = graph.setdefault(path.stem, set())
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("parlib.sections"):
                target = node.module.removeprefix("parlib.sections").lstrip(".")
                deps.update([target] if target else [a.name for a in node.names])
            elif isinstance(node, ast.Import):
                deps.update(a.name.split(".")[2] for a in node.names if a.name.startswith("parlib.sections."))
    assert graph.pop("__init__") == set()  # the package imports nothing: importing one module is cheap
    list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle


def test_report_years(rd):
    years = rd.report_years()
    assert years == list(range(2011, 2025))
    assert rd.latest_year() == 2024


# --------------------------------------------------------------------------- numbers


def test_key_facts_match_papi_scores(rd, prepared, papi_table):
    facts = rd.key_facts("Bac Kan", 2022)  # any spelling
    row = papi_table.query("component == 'total' and year == 2022 and province_id == '06'").iloc[0]
    assert facts["province_id"] == "06" and facts["province"] == "Bắc Kạn" and facts["year"] == 2022
    assert facts["papi_total"] == pytest.approx(row["value"], abs=1e-9)
    assert (facts["papi_rank"], facts["papi_rank_of"], facts["papi_rank_change"]) == (30, 61, 4)
    assert facts["papi_tier"] == "high-average"
    assert facts["papi_value_change"] == pytest.approx(row["value_change"], abs=1e-9)
    assert facts["unit_34"] == "Thái Nguyên" and facts["unit_34_id"] == "19"
    assert facts["pci_total"] is None and facts["sipas_total"] is None
    totals = papi_table.query("component == 'total' and year == 2022")["value"]
    assert facts["papi_national_median"] == pytest.approx(totals.median())
    json.dumps(facts, allow_nan=False)


def test_glance_sentences_and_table(rd, prepared):
    text = str(rd.glance("Lạng Sơn", 2022))
    md = rd.glance("Lạng Sơn", 2022)._repr_markdown_()
    assert "| PAPI | 43.85 (scale 8-80) | 13 of 61 | best | -1.99, down 9 places |" in md
    assert "- PAPI 2022: 43.85 points on the 8-80 scale, rank 13 of 61 (best tier), down 9 places" in md
    # PCI after 2016 is known from the figures published for some provinces, not for Lạng Sơn in 2022
    assert (
        "- PCI 2022: parlib has no published figure for this province and year (the published table "
        "lists 22 provinces)." in md
    )
    lines = text.splitlines()
    assert sum("SIPAS 2022" in line for line in lines) == 1  # an index without data: one line
    assert "From 1 July 2025" in text


def test_a_province_without_papi_gets_one_line_per_section(rd, prepared):
    glance = rd.glance("Bắc Ninh", 2022)._repr_markdown_()
    assert "- PAPI 2022: not scored or not published for this province." in glance
    movers = rd.movers("Bắc Ninh", 2022)
    assert isinstance(movers, rd.Prose) and len(str(movers).splitlines()) == 1, str(movers)
    _, prose = rd.profile("Bắc Ninh", 2022).parts  # 4 of its 8 dimensions are scored
    assert "above the national median on 4 of the 4 dimensions" in str(prose)
    assert str(prose).count("No score for 2022 in ") == 1
    section = rd.map_("Bắc Ninh", 2022)
    assert "has no PAPI total for 2022" in str(section)
    assert rd.key_facts("Bắc Ninh", 2022)["papi_total"] is None


def test_a_year_without_papi_gets_one_line(rd):
    for loader in (rd.trajectory, rd.profile, rd.movers, rd.map_):
        out = loader("Lạng Sơn", 2010)
        assert isinstance(out, rd.Prose)
        assert str(out).count("\n") == 0
        assert str(out).startswith("PAPI has no scores for 2010 (the survey covers 2011-2024)")
    facts = rd.key_facts("Lạng Sơn", 2010)
    assert facts["papi_total"] is None and facts["pci_total"] == pytest.approx(50.2, abs=0.005)
    assert "PCI 2010: 50.20 points" in str(rd.glance("Lạng Sơn", 2010))


def test_movers(rd, prepared, papi_table):
    text = str(rd.movers("Bắc Kạn", 2022))
    assert text.startswith("Compared with 2021, Bắc Kạn's PAPI total rose by 0.28 points (42.15 to 42.44)")
    assert "from 34 to 30 (up 4 places)" in text
    dims = papi_table.query("level == 'dimension' and year == 2022 and province_id == '06'")
    top = dims.sort_values("value_change").iloc[-1]
    assert f"The largest rise was in {top['label']} ({top['value_change']:+.2f})" in text
    assert "method" in str(rd.movers("Bắc Kạn", 2021)) and "\n" not in str(rd.movers("Bắc Kạn", 2021))
    assert str(rd.movers("Bắc Kạn", 2011)).startswith("2011 is the first PAPI year")


def test_trajectory_and_profile_numbers(rd, prepared, papi_table):
    section = rd.trajectory("Lạng Sơn", 2022)
    chart, prose = section.parts
    ax = chart.ax
    mine = [line for line in ax.get_lines() if line.get_gid() == "province"]
    ys = np.concatenate([line.get_ydata() for line in mine])  # the rank each year: scales do not mix
    ours = papi_table.query("component == 'total' and province_id == '20'").sort_values("year")
    assert np.allclose(ys, ours["rank"].to_numpy())
    median = np.concatenate([line.get_ydata() for line in ax.get_lines() if line.get_gid() == "median"])
    of = papi_table.query("component == 'total' and value.notna()").groupby("year")["rank_of"].max()
    assert np.allclose(median, (of.to_numpy() + 1) / 2)  # the national median's place
    assert len([line for line in ax.get_lines() if line.get_gid() == "break"]) == 3
    assert "Its best rank was 1 of 61 (2018)" in str(prose)
    for year, value in zip(ours["year"], ours["value"], strict=True):  # the scores, in the table
        assert f" | {value:.2f} | " in prose._repr_markdown_(), year
    chart, prose = rd.profile("Lạng Sơn", 2022).parts
    bars = [p.get_width() for p in chart.ax.patches]
    dims = papi_table.query("level == 'dimension' and year == 2022 and province_id == '20'")
    assert sorted(np.round(bars, 9)) == sorted(np.round(dims["value"].to_numpy(), 9))
    assert "above the national median on 7 of the 8 dimensions" in str(prose)


def test_map_outlines_the_province_on_the_cached_base_map(rd, prepared):
    import io

    from matplotlib.image import imread

    chart, prose = rd.map_("Lạng Sơn", 2022).parts
    assert [p.get_gid() for p in chart.ax.patches] == ["highlight"]
    assert [t.get_text() for t in chart.ax.texts] == ["Lạng Sơn"]
    assert "Not scored in 2022 (grey, hatched): Bắc Giang and Bắc Ninh." in str(prose)
    assert "rank 13 of 61" in str(prose)
    folder = rd.cache_dir(2022)
    base = imread(io.BytesIO((folder / "map_base.png").read_bytes()))
    report = imread(io.BytesIO(chart.png()))
    assert base.shape == report.shape  # the outline is drawn on the base, pixel for pixel
    changed = np.abs(base - report).sum(axis=2) > 0.1
    assert 0 < changed.mean() < 0.05  # only the outline, the name and the words (title, legend) differ
    # the base map shades the 61 scored provinces and hatches the 2 others
    geo = json.loads((folder / "map.json").read_text("utf-8"))
    assert len(geo["provinces"]) == 63 and geo["points"][1] < geo["points"][0] / 2
    papi = pd.read_parquet(folder / "papi.parquet").query("component == 'total' and year == 2022")
    values = pd.Series(papi["value"].to_numpy(), index=papi["province_id"].astype(str))
    _, ax = plt.subplots()
    figures._choropleth(rd._decode_rings(geo), values, ax=ax)
    gids = {c.get_gid(): c for c in ax.collections}
    assert len(gids["provinces"].get_paths()) == 61 and len(gids["missing"].get_paths()) == 2
    plt.close("all")


def test_drivers_section_matches_a_fresh_fit(rd, prepared):
    from parlib.models import fit
    from parlib.panel import load_panel

    res = fit(
        load_panel(), "papi_control_of_corruption", ["papi_egov_portal_access"], years=(2018, 2024), lag=1
    )
    section = rd.drivers_section("Lạng Sơn", 2022)
    prose, coef, scatter = section.parts
    per_10_points = 0.1 * res.estimate(res.drivers[0])  # the driver is a share: per 10 percentage points
    assert f"Control of Corruption in the Public Sector: {per_10_points:+.2f} points" in str(prose)
    assert "Across 63 provinces and the outcome years 2019-2024 (365 province-years)" in str(prose)
    assert coef._repr_png_().startswith(b"\x89PNG")
    highlight = [c for c in scatter.ax.collections if c.get_gid() == "highlight"]
    assert len(highlight) == 1 and len(highlight[0].get_offsets()) == 6  # Lạng Sơn 2019-2024


def test_display_objects_have_stable_text_and_png(rd, prepared):
    chart = rd.trajectory("Lạng Sơn", 2022).parts[0]
    assert repr(chart).startswith("[figure: ") and "0x" not in repr(chart)
    assert chart._repr_png_().startswith(b"\x89PNG")
    assert "Figure" not in repr(rd.profile("Lạng Sơn", 2022))
    title = rd.title("Lang Son", 2022)
    assert title._repr_markdown_().startswith("## Lạng Sơn (Lang Son), 2022")


def test_loaders_do_not_import_statsmodels_or_seaborn(rd, prepared):
    code = (
        "import sys\n"
        "from parlib import report_data as rd\n"
        "for f in (rd.title, rd.glance, rd.trajectory, rd.profile, rd.movers, rd.map_, rd.drivers_section):\n"
        "    out = f('Lạng Sơn', 2022)\n"
        "    for part in getattr(out, 'parts', [out]):\n"
        "        getattr(part, '_repr_png_', lambda: None)()\n"
        "print(sorted(m for m in ('statsmodels', 'seaborn', 'scipy', 'parlib.models', 'parlib.indices') "
        "if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


# --------------------------------------------------------------------------- geometry


def test_simplify_ring_keeps_corners_and_drops_collinear_points(rd):
    square = np.array([[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1], [0.5, 1], [0, 1], [0, 0.5], [0, 0]], float)
    dense = np.vstack(
        [np.linspace(a, b, 10, endpoint=False) for a, b in itertools.pairwise(square)] + [square[:1]]
    )
    small = rd.simplify_ring(dense, 0.01)
    assert {tuple(p) for p in small} == {(0, 0), (1, 0), (1, 1), (0, 1)}
    assert len(rd.simplify_ring(square[:5], 0.01)) == 5  # tiny rings are kept as they are


# --------------------------------------------------------------------------- parlib.record


def test_jsonable_converts_numpy_and_missing():
    value = {"a": np.float64(1.5), "b": np.int64(3), "c": float("nan"), "d": (1, np.bool_(True)), 5: pd.NA}
    assert jsonable(value) == {"a": 1.5, "b": 3, "c": None, "d": [1, True], "5": None}
    assert type(jsonable(np.float64(2.0))) is float
    assert jsonable(pd.DataFrame({"x": [1.0, math.nan]})) == [{"x": 1.0}, {"x": None}]
    with pytest.raises(TypeError, match="object"):
        jsonable(object())
    with pytest.raises(ValueError):
        payload("", 1)


def test_read_and_strip_records():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("x")
    cell.outputs = [
        new_output("display_data", data={MIMETYPE: {"name": "a", "value": 1}}),
        new_output("stream", name="stdout", text="hi\n"),
        new_output("display_data", data={MIMETYPE: {"name": "a", "value": 2}}),
        new_output("display_data", data={MIMETYPE: json.dumps({"name": "b", "value": [1, None]})}),
    ]
    nb = new_notebook(cells=[cell])
    assert read_records(nb) == {"a": 2, "b": [1, None]}
    stripped = strip_records(nb)
    assert [o["output_type"] for o in stripped.cells[0].outputs] == ["stream"]
    assert len(nb.cells[0].outputs) == 4  # a copy
    nbformat.validate(nb)


def test_record_is_silent_outside_a_kernel(capsys):
    from parlib.record import record

    assert record("x", np.float64(1.0)) is None
    assert capsys.readouterr().out == ""


# --------------------------------------------------------------------------- years with gaps in the source
# (the report figures themselves: tests/test_report_figures.py)


def test_2024_report_prints_the_publisher_n_and_the_missing_provinces(rd, prepared):
    """PAPI 2024: Hà Nội 29/63 (kinhtedothi); parlib's source (ml-mcdm 2024.csv) has 61: Vĩnh Phúc and
    Tiền Giang are blank there. Reports say so instead of calling them unscored (issue 8, case 12)."""
    md = rd.glance("Hà Nội", 2024)._repr_markdown_()
    row = (
        "| PAPI | 43.77 (scale 8-80) | 29 of 63 (29 of the 61 in parlib's source) | high-average (computed "
        "over the 61 in parlib's source; PAPI grouped 63) | -0.19, down 14 places |"
    )
    assert row in md
    assert "rank 29 of 63 (PAPI ranked 63; 2 are missing from parlib's source: Vĩnh Phúc, Tiền Giang)" in md
    facts = rd.key_facts("Hà Nội", 2024)
    assert (facts["papi_rank"], facts["papi_rank_of"], facts["papi_rank_of_published"]) == (29, 61, 63)
    assert facts["papi_rank_text"].startswith("rank 29 of 63 (PAPI ranked 63;")
    assert facts["papi_tier"] == "high-average" and facts["papi_tier_source"] == "computed"
    gap = rd.glance("Vĩnh Phúc", 2024)._repr_markdown_()
    assert "not scored" not in gap.split("- PCI")[0]
    assert (
        "PAPI 2024: no score in parlib's source, which has 61 provinces for 2024 while PAPI ranked 63" in gap
    )
    _, prose = rd.map_("Hà Nội", 2024).parts
    assert "rank 29 of 63 (PAPI ranked 63;" in str(prose)
    assert "No score in parlib's source for 2024 (grey, hatched): Vĩnh Phúc and Tiền Giang." in str(prose)
    assert "in parlib's source (PAPI ranked 63, as published), so there is no change" in str(
        rd.movers("Vĩnh Phúc", 2024)
    )
    # below the last published rank (Cao Bằng 51/63) the missing two could rank above: a range
    assert (
        "| 52-54 of 63 (52 of the 61 in parlib's source) | poor (computed over"
        in rd.glance("Gia Lai", 2024)._repr_markdown_()
    )
    assert "its rank in parlib's source went from 51 to 52" in str(rd.movers("Gia Lai", 2024))
    assert "+0.97, down 1 place in parlib's source |" in rd.glance("Gia Lai", 2024)._repr_markdown_()
    _, prose = rd.trajectory("Tây Ninh", 2024).parts  # 2nd in 2024, its best year
    assert "Its best rank was 2 of 61 in parlib's source (2024; PAPI ranked 63)" in str(prose)
    _, prose = rd.trajectory("Hà Nội", 2024).parts
    assert "of the 10 provinces of the Red River Delta region in parlib's source" in str(prose)


def test_2023_report_tiers_are_as_published(rd, prepared):
    """PAPI 2023 grouped its 61 scored provinces 15/15/15/16: Hà Nội (43.96) is the last of the 15 best,
    Vĩnh Phúc (43.95) high-average (hanoitimes, issue 8 case 11)."""
    md = rd.glance("Vĩnh Phúc", 2023)._repr_markdown_()
    assert "| PAPI | 43.95 (scale 8-80) | 16 of 61 | high-average | -0.36, down 7 places |" in md
    assert rd.key_facts("Vĩnh Phúc", 2023)["papi_tier"] == "high-average"
    assert rd.key_facts("Hà Nội", 2023)["papi_tier"] == "best"
    assert rd.key_facts("Vĩnh Phúc", 2023)["papi_tier_source"] == "published"
