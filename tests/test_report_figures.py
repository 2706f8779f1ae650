"""The province report's figures and their two languages: parlib.sections.figures, the sections that
draw them (trajectory, profile, map_, drivers_section) and their message tables.

Layout checks are made on the matplotlib objects (display boxes from an Agg renderer), on small
synthetic frames and on the real 2022 cache (a private copy of data/processed, as in
tests/test_report_data.py).
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from parlib import plots
from parlib.sections import (
    figures,
    map_section,
    national,
    national_section,
    scores,
    trajectory_section,
    words,
)
from parlib.sections.display import DPI

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox

TABLES = {
    "scores": scores._WORDS,
    "map_section": map_section._WORDS,
    "trajectory_section": trajectory_section._WORDS,
    "national": national._WORDS,
    "national_section": national_section._WORDS,
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")



def _renderer(fig):
    """An Agg renderer of ``fig``, drawn (so every position is final)."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _box(text, renderer) -> Bbox:
    """A text's own box (an annotation's leader line left out)."""
    if hasattr(text, "update_positions"):
        text.update_positions(renderer)
    return Text.get_window_extent(text, renderer)


def _apart(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    return a.x1 <= b.x0 + slack or b.x1 <= a.x0 + slack or a.y1 <= b.y0 + slack or b.y1 <= a.y0 + slack


def _marker_boxes(ax, xy: np.ndarray, size_points: float) -> list[Bbox]:
    r = size_points / 2 * ax.figure.dpi / 72
    return [Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in ax.transData.transform(xy)]


def _gid(items, gid: str) -> list:
    return [item for item in items if item.get_gid() == gid]


# --------------------------------------------------------------------------- the two languages


@pytest.mark.parametrize("module", sorted(TABLES))
def test_every_message_exists_in_both_languages_with_the_same_fields(module):
    table = TABLES[module]
    assert table and words.check_table(table) == []
    for key, texts in table.items():
        assert set(texts) == set(words.LANGS), key


def test_the_coefficient_plot_names_the_methods_as_plots_does_in_english():
    for method in ("cr1", "wild-rademacher", "ri"):
        assert national._WORDS[method]["en"] == plots.METHOD_LABELS[method]


@pytest.mark.parametrize("section", [scores.trajectory, scores.profile, scores.movers, map_section.map_])
def test_an_unknown_language_is_refused_in_one_line(section):
    with pytest.raises(ValueError, match="unknown language 'fr'") as info:
        section("Lạng Sơn", 2022, "fr")
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="unknown language"):
        national_section.drivers_section("Lạng Sơn", 2022, lang="de")


def test_decimal_comma_on_axes():
    fig, ax = plt.subplots()
    ax.plot([0, 0.25], [1000, 2500])
    figures._decimal_comma(ax, "x", "y")
    _renderer(fig)
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert "0,10" in xs and not any("." in x for x in xs)
    assert "2000" in ys or "2.000" in ys  # matplotlib writes no thousands separator; a comma would be wrong
    assert not any("," in y for y in ys)


# --------------------------------------------------------------------------- profile (synthetic)


def _dims() -> pd.DataFrame:
    """The cases that used to collide: a median at the bar's end (where the value is written), a range
    that the bar covered, a row without national figures."""
    return pd.DataFrame(
        {
            "label": ["median at the end", "range under the bar", "median beyond", "no national figures"],
            "value": [5.0, 7.0, 3.0, 4.0],
            "median": [5.05, 6.8, 3.2, np.nan],
            "low": [3.0, 4.0, 2.9, np.nan],
            "high": [6.0, 7.2, 6.5, np.nan],
        }
    )


def test_profile_keeps_bar_median_range_and_value_apart():
    fig = plt.figure(figsize=(figures._WIDTH, 4.0))
    fig.subplots_adjust(left=0.3)
    ax = fig.add_subplot()
    words_ = {"province": "Lạng Sơn", "median": "median", "range": "range", "xlabel": "score"}
    figures._profile(_dims(), ax=ax, words=words_, number=lambda v: f"{v:.2f}", xlim=(0, 10))
    renderer = _renderer(fig)
    bars = list(ax.containers[0])
    assert [b.get_width() for b in bars] == [5.0, 7.0, 3.0, 4.0]
    values = _gid(ax.texts, "value")
    assert [t.get_text() for t in values] == ["5.00", "7.00", "3.00", "4.00"]
    (median,) = _gid(ax.get_lines(), "median")
    assert list(median.get_xdata()) == [5.05, 6.8, 3.2]
    ranges = _gid(ax.get_lines(), "range")
    assert [list(line.get_xdata()) for line in ranges] == [[3.0, 6.0], [4.0, 7.2], [2.9, 6.5]]
    diamonds = _marker_boxes(ax, np.column_stack([median.get_xdata(), median.get_ydata()]), 6)
    range_boxes = [line.get_window_extent(renderer) for line in ranges]
    bar_boxes = [b.get_window_extent(renderer) for b in bars]
    for text in values:
        label = _box(text, renderer)
        assert all(_apart(label, d) for d in diamonds), text.get_text()
        assert all(_apart(label, r) for r in range_boxes), text.get_text()
    for mark in [*diamonds, *range_boxes]:  # nothing drawn behind a bar: every mark stays visible
        assert all(_apart(mark, b) for b in bar_boxes)
    assert median.get_visible() and all(line.get_visible() for line in ranges)
    assert median.get_zorder() > bars[0].get_zorder() and ranges[0].get_zorder() > bars[0].get_zorder()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Lạng Sơn", "median", "range"]


def test_profile_refuses_an_empty_frame():
    with pytest.raises(ValueError, match="no scores"):
        figures._profile(_dims().iloc[:0], ax=plt.subplots()[1], words={}, number=str)


# --------------------------------------------------------------------------- ranks over the years (synthetic)


def _ranks() -> pd.DataFrame:
    years = list(range(2015, 2021))
    return pd.DataFrame(
        {
            "province_id": ["20"] * 6 + ["06"] * 6,
            "year": years * 2,
            "rank": [1, 40, 3, 50, 2, 61, 5, 5, np.nan, 6, 7, 8],
            "rank_of": [63, 63, 63, 61, 61, 61] * 2,
        }
    )


def _trajectory_words() -> dict:
    return {"peers": "region", "median": "median", "break": "method", "xlabel": "year", "ylabel": "rank"}


def test_rank_trajectory_puts_rank_one_on_top_and_marks_the_scale():
    fig = plt.figure(figsize=(figures._WIDTH, 4.6))
    fig.subplots_adjust(bottom=0.25, top=0.8)
    ax = fig.add_subplot()
    periods = [(2015, 2017, "scale 6-60"), (2018, 2020, "scale 8-80")]
    figures._rank_trajectory(_ranks(), "20", "Lạng Sơn", ax=ax, words=_trajectory_words(), peers=["06"],
                             year=2019, breaks=[2018], periods=periods)  # fmt: skip
    low, high = ax.get_ylim()
    assert low > high and high < 1 < low  # rank 1 on top
    (mine,) = _gid(ax.get_lines(), "province")  # one line: ranks do not depend on the scale
    assert list(mine.get_xdata()) == list(range(2015, 2021))
    assert list(mine.get_ydata()) == [1, 40, 3, 50, 2, 61]
    medians = _gid(ax.get_lines(), "median")
    assert np.concatenate([m.get_ydata() for m in medians]).tolist() == [32, 32, 32, 31, 31, 31]
    (peer,) = _gid(ax.collections, "peer")
    assert len(peer.get_segments()) == 2  # cut at the year without a rank
    assert len(_gid(ax.get_lines(), "break")) == 1
    assert [t.get_text() for t in _gid(ax.texts, "period")] == ["scale 6-60", "scale 8-80"]
    assert len(_gid(ax.get_lines(), "year")) == 1
    renderer = _renderer(fig)
    labels = _gid(ax.texts, "rank-label")
    assert [t.get_text() for t in labels] == ["1", "40", "3", "50", "2", "61"]
    boxes = [_box(t, renderer) for t in labels]
    assert all(_apart(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    points = _marker_boxes(ax, np.column_stack([mine.get_xdata(), mine.get_ydata()]), 4.5)
    assert all(_apart(box, p) for box in boxes for p in points)  # no rank written over a point
    frame = ax.get_window_extent(renderer)
    assert all(frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)  # rank 1's label inside the axes
    with pytest.raises(ValueError, match="no ranks"):
        figures._rank_trajectory(_ranks(), "01", "Hà Nội", ax=ax, words=_trajectory_words())


# --------------------------------------------------------------------------- map (synthetic)


def test_offshore_rings_are_those_far_from_every_mainland():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
    rings = {
        "48": [square * 3, square * 0.1 + [10, 2]],  # a province and a far archipelago
        "77": [square * 2 + [3, 0], square * 0.1 + [3.5, -0.4]],  # an island near the coast
        "56": [square + np.array([1, 4]), square * 0.1 + [9, -3]],
    }
    near, far = figures._offshore(rings)
    assert sorted(far) == ["48", "56"] and len(far["48"]) == 1 and len(far["56"]) == 1
    assert [len(near[p]) for p in ("48", "77", "56")] == [1, 2, 1]


def test_choropleth_shades_hatches_and_outlines():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], float)
    rings = {"20": [square, square + 3], "06": [square + np.array([2, 0])], "01": [square + np.array([0, 2])]}
    _, ax = plt.subplots()
    coll = figures._choropleth(rings, {"20": 1.0, "06": 2.0}, ax=ax)
    figures._outline(ax, rings["20"], "Lạng Sơn")
    gids = {c.get_gid(): c for c in ax.collections}
    assert gids["provinces"] is coll
    assert len(coll.get_paths()) == 2 and len(gids["missing"].get_paths()) == 1
    assert list(coll.get_array()) == [1.0, 2.0]
    assert [t.get_text() for t in _gid(ax.texts, "highlight-label")] == ["Lạng Sơn"]
    assert [p.get_gid() for p in ax.patches] == ["highlight"]
    with pytest.raises(ValueError, match="no geometry"):
        figures._choropleth({}, {}, ax=ax)


# --------------------------------------------------------------------------- the sections on the 2022 cache


def test_every_report_figure_uses_the_page_width(rd):
    charts = [
        rd.trajectory("Lạng Sơn", 2022).parts[0],
        rd.profile("Lạng Sơn", 2022, "vi").parts[0],
        rd.map_("Lạng Sơn", 2022).parts[0],
        rd.drivers_section("Lạng Sơn", 2022, "vi").parts[2],
    ]
    for chart in charts:
        width, _ = chart.figure.get_size_inches()
        assert 9 <= width <= 10, chart.description
    coef = rd.drivers_section("Lạng Sơn", 2022, "vi").parts[1]  # a PNG from the cache
    width_px = int.from_bytes(coef.data[16:20], "big")  # the PNG header's width
    assert 9 * DPI <= width_px <= 10 * DPI, width_px


def test_map_is_large_with_the_colour_bar_beside_it_and_the_islands_in_an_inset(rd):
    from parlib.sections.cache import _file

    folder = rd.cache_dir(2022)
    layout = _file(2022, "map_base.json")
    width, height = layout["size"]
    left, _, wide, tall = layout["position"]
    assert 9 <= width <= 10 and tall * height >= 9  # the mainland is over 9 inches tall
    bar_left = layout["colorbar"][0]
    assert 0 < (bar_left - (left + wide)) * width < 0.3  # right beside the map
    assert layout["offshore"] == ["48", "56"]  # Hoàng Sa (Đà Nẵng), Trường Sa (Khánh Hòa)
    rings = rd._decode_rings(_file(2022, "map.json"))
    near, far = figures._offshore(rings)
    x1 = layout["xlim"][1]
    assert all(r[:, 0].min() > x1 for parts in far.values() for r in parts)  # not on the mainland map
    a0, a1 = layout["inset"]["xlim"]
    b0, b1 = layout["inset"]["ylim"]
    inside = [(a0 <= r[:, 0].min() and r[:, 0].max() <= a1 and b0 <= r[:, 1].min() and r[:, 1].max() <= b1)
              for parts in far.values() for r in parts]  # fmt: skip
    assert all(inside)
    assert {"91", "77", "31"} <= set(near) and "91" not in far and "77" not in far  # Phú Quốc, Côn Đảo stay
    assert (folder / "map_base.png").is_file()

    chart, _ = rd.map_("Đà Nẵng", 2022, "vi").parts
    main, inset = chart.figure.axes
    assert [p.get_gid() for p in main.patches] == ["highlight"]  # the mainland outline, named
    assert [p.get_gid() for p in inset.patches] == ["highlight"]  # and Hoàng Sa, in the inset
    assert [t.get_text() for t in main.texts] == ["Đà Nẵng"]
    assert "Quần đảo Hoàng Sa\n(Đà Nẵng)" in [t.get_text() for t in inset.texts]
    texts = [t.get_text() for t in chart.figure.texts]
    assert texts == ["Tổng điểm PAPI năm 2022 theo tỉnh, thành phố", "Tổng điểm PAPI năm 2022 (thang 8-80)"]
    assert [t.get_text() for t in main.get_legend().get_texts()] == ["không có điểm"]
    renderer = _renderer(chart.figure)
    boxes = [_box(t, renderer) for t in [*chart.figure.texts, *main.texts, *inset.texts]]
    assert all(_apart(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_trajectory_shows_ranks_and_the_scores_in_a_table(rd):
    from parlib.sections.cache import _file

    papi = _file(2022, "papi.parquet")
    mine = papi[(papi["component"] == "total") & (papi["province_id"] == "79")].sort_values("year")
    chart, prose = rd.trajectory("Hồ Chí Minh", 2022).parts
    ax = chart.ax
    ys = np.concatenate([line.get_ydata() for line in _gid(ax.get_lines(), "province")])
    assert ys.tolist() == mine["rank"].tolist()
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    assert [t.get_text() for t in _gid(ax.texts, "period")] == ["scale 6-60", "scale 8-80"]
    md = prose._repr_markdown_()
    assert "| Year | PAPI total | Scale | National median | Rank |" in md
    assert "| **2022** | 41.02 | 8-80 | 42.24 | 42 of 61 |" in md
    assert "| 2017 | 35.88 | 6-60 | 36.72 | 39 of 63 |" in md
    assert "PAPI itself ranked 63 in 2024." in md
    assert "and its scale from 6-60 to 8-80 in 2018." in md
    vi = rd.trajectory("Hồ Chí Minh", 2022, "vi").parts[1]._repr_markdown_()
    assert "| **2022** | 41,02 | 8-80 | 42,24 | 42/61 |" in vi
    assert "thấp nhất là 52/61 (năm 2018)" in vi
    renderer = _renderer(chart.figure)
    boxes = [_box(t, renderer) for t in _gid(ax.texts, "rank-label")]
    assert len(boxes) == 14 and all(_apart(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_drivers_section_states_effects_per_ten_percentage_points(rd):
    from parlib.sections.cache import _file

    table = _file(2022, "drivers_table.parquet")
    meta = _file(2022, "drivers.json")
    cr1 = table[(table["method"] == "cr1") & (table["term"] == meta["term"])].set_index("outcome")
    prose, coef, scatter = rd.drivers_section("Hồ Chí Minh", 2022).parts
    text = str(prose)
    assert "10 percentage points more citizens using e-government portals in one year" in text
    for outcome, info in meta["outcomes"].items():
        row = cr1.loc[outcome]
        est, low, high = (0.1 * row[c] for c in ("estimate", "conf_low", "conf_high"))
        assert f"- {info['label']}: {est:+.2f} points (95% interval {low:.2f} to {high:.2f}; p = " in text
    # the scatter: x in percentage points, the fitted line the same estimate
    shown = str(cr1["p_holm"].idxmin())
    ax = scatter.ax
    (fit,) = _gid(ax.get_lines(), "fit")
    slope = np.diff(fit.get_ydata())[0] / np.diff(fit.get_xdata())[0]
    assert slope * 10 == pytest.approx(0.1 * meta["outcomes"][shown]["slope"])
    assert meta["outcomes"][shown]["slope"] == pytest.approx(cr1.loc[shown, "estimate"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"fitted line: {0.1 * cr1.loc[shown, 'estimate']:+.2f} points per 10 percentage points" in legend
    (points,) = _gid(ax.collections, "points")
    assert np.abs(points.get_offsets()[:, 0]).max() > 5  # percentage points, not a share
    # the coefficient plot: the English PNG from the cache, the same drawing as in other languages
    assert coef.data == national._drivers_coef_png(meta, table)
    vi_prose, vi_coef, _ = rd.drivers_section("Hồ Chí Minh", 2022, "vi").parts
    row = cr1.loc[shown]
    assert f"+{words.num(0.1 * row['estimate'], 2, 'vi')} điểm (khoảng tin cậy 95%: " in str(vi_prose)
    assert vi_coef.data == national._drivers_coef_png(meta, table, "vi")  # cached once per language
    drawn = national._coef_chart(meta, table, "vi")
    cr1_points = _gid(drawn.ax.get_lines(), "points:cr1")[0]
    assert sorted(cr1_points.get_xdata()) == pytest.approx(sorted(0.1 * cr1["estimate"]))
    ticks = [t.get_text() for t in drawn.ax.get_xticklabels()]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks)


def test_within_scatter_labels_of_ho_chi_minh_do_not_overlap(rd):
    _, _, scatter = rd.drivers_section("79", 2022).parts  # 2019, 2020 and 2021 lie close together
    ax = scatter.ax
    labels = _gid(ax.texts, "highlight-year")
    assert [t.get_text() for t in labels] == [str(y) for y in range(2019, 2025)]
    renderer = _renderer(scatter.figure)
    boxes = [_box(t, renderer) for t in labels]
    assert all(_apart(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    (mark,) = _gid(ax.collections, "highlight")
    marks = _marker_boxes(ax, mark.get_offsets(), 6.3)
    assert all(_apart(box, m) for box in boxes for m in marks)
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)


def test_vietnamese_sections_of_lang_son_2022(rd):
    _, prose = rd.profile("Lạng Sơn", 2022, "vi").parts
    assert "Năm 2022, Lạng Sơn có điểm cao hơn trung vị toàn quốc ở 7/8 chỉ số nội dung." in str(prose)
    movers = rd.movers("Lạng Sơn", 2022, "vi")._repr_markdown_()
    assert movers.startswith(
        "So với năm 2021, tổng điểm PAPI của Lạng Sơn giảm 1,99 điểm (từ 45,84 xuống 43,85)"
    )
    assert "(giảm 9 bậc)" in movers
    assert "| Kiểm soát tham nhũng trong khu vực công | 7,54 | 6,75 | -0,79 | 6 -> 27 |" in movers
    _, prose = rd.map_("Lạng Sơn", 2022, "vi").parts
    assert str(prose).startswith("Lạng Sơn (viền đỏ) đạt 43,85 điểm, xếp thứ 13/61.")
    assert "Không được chấm điểm năm 2022 (tô xám, gạch chéo): Bắc Giang và Bắc Ninh." in str(prose)
    chart, _ = rd.trajectory("Lạng Sơn", 2022, "vi").parts
    assert chart.ax.get_ylabel() == "thứ hạng trong số các tỉnh có điểm (1 = cao nhất)"


# --------------------------------------------------------------------------- PNG encoding


def _decoded(png: bytes) -> np.ndarray:
    from io import BytesIO

    from PIL import Image as PILImage

    return np.asarray(PILImage.open(BytesIO(png)).convert("RGBA"))


def test_chart_png_has_matplotlibs_pixels_as_rgb():
    """Chart.png writes the pixels matplotlib's own PNG writer writes (text unhinted, as Chart draws
    it), opaque figures as RGB."""
    from io import BytesIO

    from PIL import Image as PILImage

    from parlib.sections.display import _TEXT_RC, Chart, _figure

    fig = _figure((3.0, 2.2))
    ax = fig.add_subplot()
    ax.plot([0, 1, 2], [2, 0, 1], color="#d55e00", linewidth=2)
    ax.set_title("Lạng Sơn 2022")
    ours = Chart(fig, "test").png()
    reference = BytesIO()
    with matplotlib.rc_context(_TEXT_RC):
        fig.savefig(reference, format="png", dpi=DPI, facecolor="white")
    image = PILImage.open(BytesIO(ours))
    assert image.mode == "RGB" and image.size == (288, 211)
    assert image.info["dpi"] == pytest.approx((DPI, DPI), abs=0.02)  # whole pixels per metre
    assert np.array_equal(_decoded(ours), _decoded(reference.getvalue()))


def test_encode_png_keeps_transparency_and_refuses_a_wrong_size():
    from parlib.sections.display import _encode_png

    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, size=(5, 7, 4), dtype=np.uint8)
    pixels[0, 0, 3] = 17  # not opaque: stays RGBA
    assert np.array_equal(_decoded(_encode_png(pixels.tobytes(), 7, 5)), pixels)
    opaque = pixels.copy()
    opaque[..., 3] = 255
    assert np.array_equal(_decoded(_encode_png(opaque.tobytes(), 7, 5)), opaque)
    with pytest.raises(ValueError, match="136 bytes are not 7 x 5 RGBA pixels"):
        _encode_png(pixels.tobytes()[:-4], 7, 5)


def test_backdrop_is_a_figimage_pixel_for_pixel_and_works_on_any_canvas(tmp_path):
    """_backdrop copies the pixels where a figimage would resample them to the same pixels."""
    from io import BytesIO

    from parlib.sections.display import Chart, _backdrop, _figure

    rng = np.random.default_rng(5)
    base = rng.integers(0, 256, size=(int(2.5 * DPI), int(3.0 * DPI), 3), dtype=np.uint8)
    with BytesIO() as buffer:
        from PIL import Image as PILImage

        PILImage.fromarray(base).save(buffer, format="png")
        png = buffer.getvalue()

    def drawn(lay) -> tuple[Chart, np.ndarray]:
        fig = _figure((3.0, 2.5))
        fig.set_dpi(DPI)
        lay(fig)
        ax = fig.add_axes((0.2, 0.2, 0.6, 0.6), zorder=1)
        ax.set_axis_off()
        ax.plot([0, 1], [0, 1], color="#d62728", linewidth=2)
        chart = Chart(fig, "_backdrop")
        return chart, _decoded(chart.png())

    chart, ours = drawn(lambda fig: _backdrop(fig, png))
    _, reference = drawn(lambda fig: fig.figimage(base, 0, 0, origin="upper", zorder=0))
    assert np.array_equal(ours, reference)
    assert np.array_equal(ours[:20, :20, :3], base[:20, :20])  # untouched corner: the base itself
    chart.figure.savefig(tmp_path / "small.png", dpi=48)  # another size: drawn as a figimage
    chart.figure.savefig(tmp_path / "map.pdf")
    assert (tmp_path / "small.png").stat().st_size > 0 and (tmp_path / "map.pdf").stat().st_size > 0
