"""parlib.plots on small synthetic frames (headless: MPLBACKEND=Agg is set in conftest)."""

from __future__ import annotations

import math
import subprocess
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from parlib import plots
from parlib.errors import UnknownProvinceError

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _lines(ax: Axes, prefix: str) -> list:
    return [line for line in ax.get_lines() if (line.get_gid() or "").startswith(prefix)]


def _table(outcomes: tuple[str, ...] = ("papi_admin_procedures",)) -> pd.DataFrame:
    rows = []
    for k, outcome in enumerate(outcomes):
        b = 0.2 + k
        rows += [
            ("egov_lag1", b, 0.1, b - 0.2, b + 0.2, 0.04, "cr1"),
            ("pop", -0.1, 0.05, -0.2, 0.0, 0.05, "cr1"),
            ("egov_lag1", b, np.nan, b - 0.25, b + 0.25, 0.06, "wild-rademacher"),
            ("egov_lag1", b, np.nan, b - 0.3, b + 0.3, 0.07, "wild-webb"),
            ("egov_lag1", b, np.nan, np.nan, np.nan, 0.0512, "ri"),
        ]
        rows = [(outcome, *r) if len(r) == 7 else r for r in rows]
    columns = ["outcome", "term", "estimate", "std_error", "conf_low", "conf_high", "p_value", "method"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- coef_plot


def test_coef_plot_one_outcome() -> None:
    table = _table()
    ax = plots.coef_plot(table)
    assert isinstance(ax, Axes)
    intervals = _lines(ax, "interval:")
    assert len(intervals) == 4  # cr1 x 2 terms, wild x 2; none for ri
    assert sorted(line.get_gid() for line in intervals) == [
        "interval:cr1", "interval:cr1", "interval:wild-rademacher", "interval:wild-webb",
    ]  # fmt: skip
    cr1 = next(line for line in intervals if line.get_gid() == "interval:cr1" and line.get_xdata()[1] > 0.3)
    assert list(cr1.get_xdata()) == pytest.approx([0.0, 0.4])
    points = {line.get_gid(): line for line in _lines(ax, "points:")}
    assert set(points) == {"points:cr1", "points:wild-rademacher", "points:wild-webb", "points:ri"}
    assert list(points["points:cr1"].get_xdata()) == pytest.approx([0.2, -0.1])
    assert list(points["points:ri"].get_xdata()) == pytest.approx([0.2])  # the RI point without interval
    notes = [t.get_text() for t in ax.texts if t.get_gid() == "annotation:ri"]
    assert notes == ["p = 0.051"]
    assert not [t for t in ax.texts if t.get_gid() == "annotation:cr1"]
    zero = _lines(ax, "zero")
    assert len(zero) == 1 and list(zero[0].get_xdata()) == [0, 0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["egov_lag1", "pop"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [plots.METHOD_LABELS[m] for m in ("cr1", "wild-rademacher", "wild-webb", "ri")]
    # the methods of one row are dodged around the row's position
    ys = {gid: line.get_ydata()[0] for gid, line in points.items()}
    assert ys["points:cr1"] < ys["points:wild-rademacher"] < ys["points:wild-webb"] < ys["points:ri"]
    assert np.mean(list(ys.values())) == pytest.approx(0.0)


def test_coef_plot_several_outcomes_and_annotation() -> None:
    table = _table(("papi_admin_procedures", "papi_public_services", "papi_control_of_corruption"))
    table = table[table["term"] == "egov_lag1"].assign(p_holm=lambda d: np.minimum(1, 3 * d["p_value"]))
    _, ax = plt.subplots()
    out = plots.coef_plot(table, ax=ax, annotate="p_holm")
    assert out is ax
    assert len(_lines(ax, "interval:")) == 9
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["papi_admin_procedures", "papi_public_services", "papi_control_of_corruption"]
    notes = [t.get_text() for t in ax.texts]
    assert len(notes) == 12 and "p_holm = 0.120" in notes


def test_coef_plot_choose_methods_and_errors() -> None:
    ax = plots.coef_plot(_table(), methods=["cr1"])
    assert {line.get_gid() for line in _lines(ax, "interval:")} == {"interval:cr1"}
    with pytest.raises(ValueError, match="lacks column"):
        plots.coef_plot(_table().drop(columns="method"))
    with pytest.raises(ValueError, match="no rows for methods"):
        plots.coef_plot(_table(), methods=["hc3"])


# --------------------------------------------------------------------------- within_scatter


def _within(slope: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    ids = ["20", "79", "01", "48"]
    frame = pd.DataFrame([(p, y) for p in ids for y in range(2018, 2024)], columns=["province_id", "year"])
    frame["egov_lag1"] = rng.normal(size=len(frame))
    frame["papi_admin_procedures"] = slope * frame["egov_lag1"] + rng.normal(scale=0.1, size=len(frame))
    return frame


def test_within_scatter_highlight_and_fit() -> None:
    within = _within()
    ax = plots.within_scatter(within, "egov_lag1", "papi_admin_procedures", highlight="Lang Son", slope=0.47)
    assert isinstance(ax, Axes)
    points = [c for c in ax.collections if c.get_gid() == "points"]
    assert len(points) == 1 and len(points[0].get_offsets()) == len(within)
    (mark,) = [c for c in ax.collections if c.get_gid() == "highlight"]
    mine = within[within["province_id"] == "20"].sort_values("year")
    np.testing.assert_allclose(mark.get_offsets(), mine[["egov_lag1", "papi_admin_procedures"]].to_numpy())
    years = [t.get_text() for t in ax.texts if t.get_gid() == "highlight-year"]
    assert years == [str(y) for y in mine["year"]]
    assert not np.allclose(mark.get_facecolors()[0], points[0].get_facecolors()[0])  # a distinct colour
    (fit,) = _lines(ax, "fit")
    (x0, x1), (y0, y1) = fit.get_xdata(), fit.get_ydata()
    assert (y1 - y0) / (x1 - x0) == pytest.approx(0.47)
    assert y0 == pytest.approx(0.47 * x0)  # through the origin
    assert "Lạng Sơn (20)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_within_scatter_slope_defaults() -> None:
    within = _within()
    x, y = within["egov_lag1"], within["papi_admin_procedures"]
    ax = plots.within_scatter(within, "egov_lag1", "papi_admin_procedures", highlight="79")
    (fit,) = _lines(ax, "fit")
    slope = np.diff(fit.get_ydata())[0] / np.diff(fit.get_xdata())[0]
    assert slope == pytest.approx((x @ y) / (x @ x))  # least squares through the origin
    within.attrs["slope"] = 0.123  # as ModelResult.within() sets it
    ax = plots.within_scatter(within, "egov_lag1", "papi_admin_procedures")
    (fit,) = _lines(ax, "fit")
    assert np.diff(fit.get_ydata())[0] / np.diff(fit.get_xdata())[0] == pytest.approx(0.123)
    assert not [c for c in ax.collections if c.get_gid() == "highlight"]


def test_within_scatter_errors() -> None:
    within = _within()
    with pytest.raises(UnknownProvinceError, match="Atlantis"):
        plots.within_scatter(within, "egov_lag1", "papi_admin_procedures", highlight="Atlantis")
    with pytest.raises(ValueError, match="no rows"):
        plots.within_scatter(within, "egov_lag1", "papi_admin_procedures", highlight="Cà Mau")
    with pytest.raises(ValueError, match="missing column"):
        plots.within_scatter(within, "egov", "papi_admin_procedures")
    assert math.isfinite(plots.within_scatter(within, "egov_lag1", "papi_admin_procedures").get_xlim()[0])


def test_parlib_does_not_import_plots() -> None:
    code = "import sys, parlib; print('parlib.plots' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_coef_plot_method_labels_and_annotation() -> None:
    table = _table().assign(p_holm=0.25)
    labels = {"cr1": "cr1: kiểm định t", "ri": "ri: suy luận ngẫu nhiên hóa"}
    ax = plots.coef_plot(
        table, annotate="p_holm", method_labels=labels, annotation=lambda p: f"p Holm {p:.2f}"
    )
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["cr1: kiểm định t", "wild-rademacher", "wild-webb", "ri: suy luận ngẫu nhiên hóa"]
    assert {t.get_text() for t in ax.texts} == {"p Holm 0.25"}


# --------------------------------------------------------------------------- label placement


def _crowded() -> pd.DataFrame:
    """Ho Chi Minh City's case: three of a province's years within a few pixels of each other."""
    frame = _within()
    close = {2019: (0.018, -0.05), 2020: (0.019, -0.20), 2021: (0.013, -0.18), 2022: (0.016, -0.12)}
    for year, (x, y) in close.items():
        row = (frame["province_id"] == "79") & (frame["year"] == year)
        frame.loc[row, ["egov_lag1", "papi_admin_procedures"]] = (x * 10, y)
    return frame


def _boxes_apart(boxes) -> bool:
    return all(
        a.x1 <= b.x0 + 0.5 or b.x1 <= a.x0 + 0.5 or a.y1 <= b.y0 + 0.5 or b.y1 <= a.y0 + 0.5
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
    )


def test_within_scatter_year_labels_do_not_overlap() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig = Figure(figsize=(9.5, 5.0))
    ax = fig.add_subplot()
    plots.within_scatter(_crowded(), "egov_lag1", "papi_admin_procedures", highlight="79", ax=ax)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_gid() == "highlight-year"]
    assert [t.get_text() for t in labels] == [str(y) for y in range(2018, 2024)]
    boxes = []
    for text in labels:
        text.update_positions(renderer)
        boxes.append(Text.get_window_extent(text, renderer))
    (mark,) = [c for c in ax.collections if c.get_gid() == "highlight"]
    r = 3.2 * fig.dpi / 72  # the markers' radius (s=40)
    marks = [
        Bbox.from_extents(x - r, y - r, x + r, y + r) for x, y in ax.transData.transform(mark.get_offsets())
    ]
    assert _boxes_apart(boxes)
    assert all(_boxes_apart([box, m]) for box in boxes for m in marks)  # no label on a marker
    frame = ax.get_window_extent(renderer)
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)


def test_within_scatter_legend_words() -> None:
    ax = plots.within_scatter(
        _within(), "egov_lag1", "papi_admin_procedures", points_label="tỉnh-năm", fit_label="đường ước lượng"
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["tỉnh-năm", "đường ước lượng"]


def test_place_labels_without_labels_is_a_no_op() -> None:
    _, ax = plt.subplots()
    assert plots.place_labels(ax, [], np.empty((0, 2))) == []


def test_label_boxes_are_what_matplotlib_lays_out() -> None:
    """place_labels measures each label once and computes its box at each candidate place: the boxes
    equal matplotlib's own layout of the label there (every direction, distance and alignment)."""
    import math

    from matplotlib.text import Text

    fig, ax = plt.subplots(figsize=(4, 3), dpi=96)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    label = ax.annotate("2019", (4, 6), xytext=(4, 4), textcoords="offset points", fontsize=8)
    renderer = fig.canvas.get_renderer()
    pixels = fig.dpi / 72
    measured = plots._measure(label, renderer)
    checked = 0
    for radius in (5, 9, 14, 20, 28, 38):
        for angle in plots._DIRECTIONS:
            dx, dy = radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle))
            ha = "left" if dx > 0.5 else "right" if dx < -0.5 else "center"
            va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
            label.set_position((dx, dy))
            label.set_ha(ha)
            label.set_va(va)
            label.update_positions(renderer)
            drawn = Text.get_window_extent(label, renderer)
            ours = plots._label_box(measured, dx, dy, ha, va, pixels)
            assert np.allclose(ours.extents, drawn.extents, atol=1e-6), (radius, angle, ours, drawn)
            checked += 1
    assert checked == 48 and measured[2] > 10 and measured[3] > 5
    plt.close(fig)
