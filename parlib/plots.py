"""Figures of the driver -> outcome models: the coefficient plot and the within scatter, and
``place_labels``, which keeps point labels clear of each other.

Each function draws on ``ax`` (a new pyplot figure when None) and returns the Axes; nothing is
shown or saved, so they run headless (``MPLBACKEND=Agg``) and in notebooks alike. matplotlib is
imported when a function is called, so ``import parlib`` stays light (and ``parlib/__init__``
does not import this module). seaborn is not imported at all: it imports statsmodels (about a
second), which the report notebooks must not pay for; the palette is seaborn's "colorblind",
copied. The province report's own figures (ranks over the years, dimension profile, map) are in
parlib.sections.figures.

Artists carry a ``gid`` so that tests and callers can find them: ``interval:<method>`` for each
confidence interval, ``points:<method>`` for the estimates of a method, ``zero`` for the zero
line (coef_plot); ``points``, ``highlight``, ``highlight-year``, ``fit`` (within_scatter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from parlib.provinces import normalize, provinces

if TYPE_CHECKING:
    from matplotlib.axes import Axes

METHOD_LABELS: dict[str, str] = {
    "cr1": "cr1: cluster-robust CR1 t",
    "cr2": "cr2: CR2 t with Bell-McCaffrey df",
    "wild-rademacher": "wild-rademacher: wild cluster bootstrap (Rademacher)",
    "wild-webb": "wild-webb: wild cluster bootstrap (Webb)",
    "ri": "ri: randomisation inference (p only)",
    "hc1": "hc1: heteroskedasticity-robust HC1 t",
    "hc3": "hc3: heteroskedasticity-robust HC3 t",
    "perm": "perm: permutation test (p only)",
}
"""Inference method (the ``method`` column of a ModelResult table) -> legend label, in plot order."""

_FORMATS = {"cr1": "o", "cr2": "v", "wild-rademacher": "s", "wild-webb": "D", "ri": "^",
            "hc1": "o", "hc3": "v", "perm": "^"}  # fmt: skip


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


# seaborn.color_palette("colorblind"), without importing seaborn (see the module docstring).
COLORBLIND = (
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
    "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9",
)  # fmt: skip


def _palette(n: int) -> list[tuple[float, float, float]]:
    """``n`` colours of the colorblind palette (cycling, as seaborn does)."""
    from matplotlib.colors import to_rgb

    return [to_rgb(COLORBLIND[i % len(COLORBLIND)]) for i in range(n)]


def _format_p(p: float) -> str:
    if not math.isfinite(p):
        return "p = n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def coef_plot(
    table: pd.DataFrame,
    ax: Axes | None = None,
    *,
    methods: Sequence[str] | None = None,
    annotate: str | None = None,
    level: float = 0.95,
    method_labels: Mapping[str, str] | None = None,
    annotation: Callable[[float], str] | None = None,
) -> Axes:
    """Point estimates with one horizontal interval per inference method, one row per term.

    ``table``: a ModelResult table (columns term, estimate, conf_low, conf_high, p_value, method;
    with an ``outcome`` column and several outcomes, one row per outcome and term). Methods are
    drawn in ``METHOD_LABELS`` order (or ``methods``), dodged vertically within a row. A row
    without an interval (randomisation inference) shows its point, annotated with its p-value;
    ``annotate`` names a column (e.g. an adjusted p-value) to print beside every point instead.
    ``level`` only labels the x axis. ``method_labels``: method -> legend label (default
    ``METHOD_LABELS``); ``annotation`` writes an annotated value (default '<annotate> = 0.120').
    """
    needed = ["term", "estimate", "conf_low", "conf_high", "p_value", "method"]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise ValueError(f"coef_plot: table lacks column(s) {missing}; pass ModelResult.table")
    if table.empty:
        raise ValueError("coef_plot: the table has no rows")
    if annotate is not None and annotate not in table.columns:
        raise ValueError(f"coef_plot: no column {annotate!r} to annotate; columns are {list(table.columns)}")
    data = table.copy()
    if "outcome" not in data.columns:
        data["outcome"] = ""
    present = list(dict.fromkeys(data["method"]))
    order = list(methods) if methods is not None else [m for m in METHOD_LABELS if m in present]
    order += [m for m in present if m not in order and methods is None]
    data = data[data["method"].isin(order)]
    if data.empty:
        raise ValueError(f"coef_plot: no rows for methods {order}; the table has {present}")

    rows = list(dict.fromkeys(zip(data["outcome"], data["term"], strict=True)))
    one_outcome = len({o for o, _ in rows}) == 1
    one_term = len({t for _, t in rows}) == 1
    labels = [t if one_outcome else o if one_term else f"{o}: {t}" for o, t in rows]
    position = {row: i for i, row in enumerate(rows)}
    step = 0.7 / max(len(order), 1)
    offset = {m: (i - (len(order) - 1) / 2) * step for i, m in enumerate(order)}

    ax = _axes(ax, (7.5, 1.2 + 0.55 * len(rows) * max(1, len(order) / 2)))
    colours = dict(zip(order, _palette(len(order)), strict=True))
    for method in order:
        part = data[data["method"] == method]
        ys = np.array(
            [position[(o, t)] + offset[method] for o, t in zip(part["outcome"], part["term"], strict=True)]
        )
        colour = colours[method]
        for y, low, high in zip(ys, part["conf_low"], part["conf_high"], strict=True):
            if math.isfinite(low) and math.isfinite(high):
                ax.plot(
                    [low, high],
                    [y, y],
                    color=colour,
                    linewidth=2,
                    solid_capstyle="butt",
                    gid=f"interval:{method}",
                )
        ax.plot(
            part["estimate"].to_numpy(float),
            ys,
            linestyle="none",
            marker=_FORMATS.get(method, "o"),
            color=colour,
            markersize=6,
            label=(method_labels or METHOD_LABELS).get(method, method),
            gid=f"points:{method}",
        )
        if annotate:
            values = part[annotate]
        else:  # only where there is no interval to read
            values = part["p_value"].where(part["conf_low"].isna() | part["conf_high"].isna())
        right = part[["estimate", "conf_high"]].max(axis=1)  # beside the interval, not on it
        for y, x, value in zip(ys, right, values, strict=True):
            if pd.notna(value):
                text = _format_p(float(value))
                text = f"{annotate} {text.removeprefix('p ')}" if annotate else text
                text = annotation(float(value)) if annotation is not None else text
                ax.annotate(text, (x, y), xytext=(6, 0), textcoords="offset points", va="center",
                            fontsize=8, color=colour, gid=f"annotation:{method}")  # fmt: skip
    ax.axvline(0, color="0.3", linewidth=0.8, linestyle="--", zorder=0, gid="zero")
    if ax.texts:  # room on the right for the annotations
        low, high = ax.get_xlim()
        ax.set_xlim(low, high + 0.25 * (high - low))
    ax.set_yticks(range(len(rows)), labels)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    ax.set_xlabel(f"estimate with {level:.0%} interval per inference method")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def within_scatter(
    within: pd.DataFrame,
    driver: str,
    outcome: str,
    highlight: object | None = None,
    ax: Axes | None = None,
    *,
    slope: float | None = None,
    geo: str = "63",
    points_label: str | None = None,
    fit_label: str | None = None,
) -> Axes:
    """The partial (within) scatter of ``outcome`` against ``driver`` with the fitted line.

    ``within``: columns province_id, year and the residualised ``outcome`` and ``driver``
    (``ModelResult.within()``). The line goes through the origin with ``slope`` (default:
    ``within.attrs['slope']``, else the least-squares slope through the origin, which equals
    the fixed-effects estimate). ``highlight``: a province (name or GSO code, resolved with
    ``parlib.provinces.normalize``) drawn in a distinct colour with its years labelled, the labels
    placed clear of each other and of the marks (``place_labels``); an unknown name raises
    UnknownProvinceError, a province without rows ValueError. ``points_label`` and ``fit_label``
    replace the legend's 'province-years (n = ...)' and 'fitted slope = ...'. Lay the figure out
    before calling (the labels are placed for the axes' size and limits at the time of the call).
    """
    missing = [c for c in ("province_id", "year", driver, outcome) if c not in within.columns]
    if missing:
        raise ValueError(f"within_scatter: missing column(s) {missing}; columns are {list(within.columns)}")
    data = within.dropna(subset=[driver, outcome])
    x = data[driver].to_numpy(float)
    y = data[outcome].to_numpy(float)
    if slope is None:
        slope = within.attrs.get("slope")
    if slope is None:
        slope = float(x @ y / (x @ x)) if len(x) and x @ x > 0 else math.nan

    ax = _axes(ax, (6.5, 5.0))
    base, accent = _palette(4)[0], _palette(4)[3]
    label = points_label if points_label is not None else f"province-years (n = {len(x)})"
    ax.scatter(x, y, s=14, color=base, alpha=0.45, linewidths=0, label=label, gid="points")
    if len(x):
        span = np.array([x.min(), x.max()])
        label = fit_label if fit_label is not None else f"fitted slope = {slope:.4g}"
        ax.plot(span, slope * span, color="0.15", linewidth=1.5, label=label, gid="fit")
    ax.axhline(0, color="0.8", linewidth=0.6, zorder=0)
    ax.axvline(0, color="0.8", linewidth=0.6, zorder=0)
    if highlight is not None:
        pid = normalize(highlight, geo=geo)
        mine = data[data["province_id"].astype(str) == pid].sort_values("year")
        name = provinces(geo).loc[pid, "name_vi"]
        if mine.empty:
            raise ValueError(f"within_scatter: {name} ({pid}) has no rows in the within data")
        xy = mine[[driver, outcome]].to_numpy(float)
        ax.scatter(
            xy[:, 0], xy[:, 1], s=40, color=accent, edgecolors="black", linewidths=0.6,
            zorder=3, label=f"{name} ({pid})", gid="highlight",
        )  # fmt: skip
        leader = {"arrowstyle": "-", "color": accent, "linewidth": 0.6, "shrinkA": 1, "shrinkB": 4}
        backing = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.7}
        texts = [
            ax.annotate(
                str(int(year)),
                (xi, yi),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                color=accent,
                zorder=4,
                gid="highlight-year",
                arrowprops=leader,
                bbox=backing,
            )
            for year, (xi, yi) in zip(mine["year"], xy, strict=True)
        ]
        ax.autoscale_view()
        place_labels(ax, texts, xy)
    ax.set_xlabel(f"{driver} (within)")
    ax.set_ylabel(f"{outcome} (within)")
    ax.set_title("net of the fixed effects and the other regressors", fontsize=9)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax


def _overlap(a, b) -> float:
    """The area two display boxes share (0 when apart)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0.0) * max(h, 0.0)


_DIRECTIONS = (45, 135, 315, 225, 90, 270, 0, 180)
"""Where a label may go around its point (degrees, preferred first: above right)."""


def place_labels(
    ax: Axes,
    texts: Sequence,
    points: np.ndarray,
    *,
    radii: Sequence[float] = (5, 9, 14, 20, 28, 38),
    marker: float = 4.5,
) -> list:
    """Place offset-point annotations (``texts``, one per row of ``points`` in data coordinates) so
    that no label covers another label or any of the ``points``' markers (radius ``marker``
    points), and stays inside the axes.

    A greedy search in display coordinates: each label in turn takes the first free place around
    its point, trying the directions of ``_DIRECTIONS`` at growing distances (``radii``, points);
    when none is free, the place that covers least. Returns the labels' display boxes. The axes
    must be laid out and scaled first (labels are placed for the figure as it is). Each label is
    measured once; its box at a candidate place is then arithmetic (``_label_box``: what
    matplotlib's layout gives for an unrotated label, checked in tests/test_plots.py), which
    saves drawing every label at 48 places.
    """
    from matplotlib.transforms import Bbox

    if not len(texts):
        return []
    renderer = ax.figure._get_renderer()
    frame = ax.get_window_extent(renderer)
    pixels = ax.figure.dpi / 72
    centres = ax.transData.transform(np.asarray(points, float))
    r = marker * pixels
    marks = [Bbox.from_extents(cx - r, cy - r, cx + r, cy + r) for cx, cy in centres]
    placed: list = []
    for text in texts:
        measured = _measure(text, renderer)
        best = None
        for radius in radii:
            for angle in _DIRECTIONS:
                dx, dy = radius * math.cos(math.radians(angle)), radius * math.sin(math.radians(angle))
                ha = "left" if dx > 0.5 else "right" if dx < -0.5 else "center"
                va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
                box = _label_box(measured, dx, dy, ha, va, pixels).padded(1.5 * pixels)
                outside = box.width * box.height - _overlap(box, frame)
                cost = sum(_overlap(box, o) for o in placed + marks) + 4 * outside
                if best is None or cost < best[0]:
                    best = (cost, (dx, dy), ha, va, box)
            if best[0] == 0:
                break
        _, position, ha, va, box = best
        text.set_position(position)
        text.set_ha(ha)
        text.set_va(va)
        placed.append(box)
    return placed


def _measure(text, renderer) -> tuple[float, float, float, float]:
    """An offset-points label's anchor (its point, in display pixels) and its width and height."""
    from matplotlib.text import Text

    text.set_position((0.0, 0.0))
    text.set_ha("left")
    text.set_va("bottom")
    text.update_positions(renderer)
    box = Text.get_window_extent(text, renderer)
    return box.x0, box.y0, box.width, box.height


def _label_box(
    measured: tuple[float, float, float, float], dx: float, dy: float, ha: str, va: str, pixels: float
):
    """The display box of a measured label ``dx``, ``dy`` points from its point, aligned ``ha``, ``va``."""
    from matplotlib.transforms import Bbox

    x, y, width, height = measured
    left = x + dx * pixels - {"left": 0.0, "right": width, "center": width / 2}[ha]
    bottom = y + dy * pixels - {"bottom": 0.0, "top": height, "center": height / 2}[va]
    return Bbox.from_bounds(left, bottom, width, height)
