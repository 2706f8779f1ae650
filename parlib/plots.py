"""Figures: driver -> outcome models (coefficient plot, within scatter) and the province report
(trajectory over years, dimension profile, choropleth map).

Each function draws on ``ax`` (a new pyplot figure when None) and returns the Axes; nothing is
shown or saved, so they run headless (``MPLBACKEND=Agg``) and in notebooks alike. matplotlib is
imported when a function is called, so ``import parlib`` stays light (and ``parlib/__init__``
does not import this module). seaborn is not imported at all: it imports statsmodels (about a
second), which the report notebooks must not pay for; the palette is seaborn's "colorblind",
copied.

Artists carry a ``gid`` so that tests and callers can find them: ``interval:<method>`` for each
confidence interval, ``points:<method>`` for the estimates of a method, ``zero`` for the zero
line (coef_plot); ``points``, ``highlight``, ``fit`` (within_scatter); ``province``, ``median``,
``peer``, ``break``, ``year`` (trajectory); ``bars``, ``median``, ``range`` (profile);
``provinces``, ``missing``, ``highlight``, ``highlight-label`` (choropleth).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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

RED = "#d62728"
"""The highlight colour of the map."""

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
) -> Axes:
    """Point estimates with one horizontal interval per inference method, one row per term.

    ``table``: a ModelResult table (columns term, estimate, conf_low, conf_high, p_value, method;
    with an ``outcome`` column and several outcomes, one row per outcome and term). Methods are
    drawn in ``METHOD_LABELS`` order (or ``methods``), dodged vertically within a row. A row
    without an interval (randomisation inference) shows its point, annotated with its p-value;
    ``annotate`` names a column (e.g. an adjusted p-value) to print beside every point instead.
    ``level`` only labels the x axis.
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
            label=METHOD_LABELS.get(method, method),
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
) -> Axes:
    """The partial (within) scatter of ``outcome`` against ``driver`` with the fitted line.

    ``within``: columns province_id, year and the residualised ``outcome`` and ``driver``
    (``ModelResult.within()``). The line goes through the origin with ``slope`` (default:
    ``within.attrs['slope']``, else the least-squares slope through the origin, which equals
    the fixed-effects estimate). ``highlight``: a province (name or GSO code, resolved with
    ``parlib.provinces.normalize``) drawn in a distinct colour with its years labelled; an
    unknown name raises UnknownProvinceError, a province without rows ValueError.
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
    ax.scatter(
        x, y, s=14, color=base, alpha=0.45, linewidths=0, label=f"province-years (n = {len(x)})", gid="points"
    )
    if len(x):
        span = np.array([x.min(), x.max()])
        ax.plot(
            span, slope * span, color="0.15", linewidth=1.5, label=f"fitted slope = {slope:.4g}", gid="fit"
        )
    if highlight is not None:
        pid = normalize(highlight, geo=geo)
        mine = data[data["province_id"].astype(str) == pid].sort_values("year")
        name = provinces(geo).loc[pid, "name_vi"]
        if mine.empty:
            raise ValueError(f"within_scatter: {name} ({pid}) has no rows in the within data")
        ax.scatter(
            mine[driver], mine[outcome], s=40, color=accent, edgecolors="black", linewidths=0.6,
            zorder=3, label=f"{name} ({pid})", gid="highlight",
        )  # fmt: skip
        for year, xi, yi in zip(mine["year"], mine[driver], mine[outcome], strict=True):
            ax.annotate(str(int(year)), (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=8,
                        color=accent, gid="highlight-year")  # fmt: skip
    ax.axhline(0, color="0.8", linewidth=0.6, zorder=0)
    ax.axvline(0, color="0.8", linewidth=0.6, zorder=0)
    ax.set_xlabel(f"{driver} (within)")
    ax.set_ylabel(f"{outcome} (within)")
    ax.set_title("net of the fixed effects and the other regressors", fontsize=9)
    ax.legend(loc="best", fontsize=8, frameon=False)
    return ax


# --------------------------------------------------------------------------- province report


def _segments(series: pd.Series, breaks: Sequence[int]) -> list[pd.Series]:
    """A year-indexed series cut at method breaks (a break year starts a new segment)."""
    series = series.sort_index()
    edges = sorted(int(b) for b in breaks)
    keys = np.searchsorted(edges, series.index.to_numpy(int), side="right")
    return [part for _, part in series.groupby(keys) if len(part)]


def trajectory(
    values: pd.DataFrame,
    province: object,
    *,
    median: pd.Series | None = None,
    peers: Sequence[str] = (),
    year: int | None = None,
    breaks: Sequence[int] = (),
    ax: Axes | None = None,
    ylabel: str = "score",
    geo: str = "63",
) -> Axes:
    """One province's score over the years against the national median and a set of peers.

    ``values``: long frame with province_id, year, value (any number of provinces). ``median``:
    national median indexed by year (dashed). ``peers``: province ids drawn as thin grey lines
    (e.g. the province's region). ``breaks``: years that start a new method era; lines are not
    joined across them and a dotted line marks each. ``year``: the report year, circled.
    ``province`` is resolved with ``parlib.provinces.normalize``; a province without values
    raises ValueError.
    """
    missing = [c for c in ("province_id", "year", "value") if c not in values.columns]
    if missing:
        raise ValueError(f"trajectory: missing column(s) {missing}; columns are {list(values.columns)}")
    from matplotlib.collections import LineCollection

    pid = normalize(province, geo=geo)
    ids = values["province_id"].astype(str)
    by_province = {p: g.set_index("year")["value"].dropna() for p, g in values.groupby(ids, sort=False)}
    mine = by_province.get(pid)
    if mine is None or mine.empty:
        raise ValueError(f"trajectory: {pid} has no values")
    name = provinces(geo).loc[pid, "name_vi"]
    ax = _axes(ax, (8.0, 4.2))
    base, orange, accent = _palette(4)[0], _palette(4)[1], _palette(4)[3]
    lines = [
        np.column_stack([part.index.to_numpy(float), part.to_numpy(float)])
        for peer in dict.fromkeys(str(p) for p in peers)
        if peer != pid and peer in by_province
        for part in _segments(by_province[peer], breaks)
    ]
    if lines:  # one artist for all peers: drawing 50 separate lines costs more than the rest of the plot
        peer_lines = LineCollection(
            lines, colors="0.72", linewidths=0.8, zorder=1, label="provinces of the region"
        )
        peer_lines.set_gid("peer")
        ax.add_collection(peer_lines)
    if median is not None:
        for i, part in enumerate(_segments(median.dropna(), breaks)):
            ax.plot(part.index, part.to_numpy(float), color="0.15", linestyle="--", linewidth=1.3, zorder=2,
                    gid="median", label="national median" if i == 0 else None)  # fmt: skip
    for i, part in enumerate(_segments(mine, breaks)):
        ax.plot(part.index, part.to_numpy(float), color=accent, marker="o", markersize=4, linewidth=2.2,
                zorder=3, gid="province", label=name if i == 0 else None)  # fmt: skip
    for i, b in enumerate(sorted(breaks)):
        ax.axvline(b - 0.5, color=base, linestyle=":", linewidth=1, zorder=0, gid="break",
                   label="method change" if i == 0 else None)  # fmt: skip
    if year is not None and year in mine.index:
        ax.plot([year], [mine[year]], marker="o", markersize=11, markerfacecolor="none", color=orange,
                markeredgewidth=2, zorder=4, linestyle="none", gid="year", label=str(year))  # fmt: skip
    ax.autoscale_view()
    ax.set_xlabel("survey year")
    ax.set_ylabel(ylabel)
    years = sorted(set(mine.index) | (set(median.dropna().index) if median is not None else set()))
    step = 1 if len(years) <= 15 else 2
    ax.set_xticks(years[::step])
    ax.grid(axis="y", color="0.92", linewidth=0.6)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def profile(
    scores: pd.Series,
    *,
    median: pd.Series | None = None,
    low: pd.Series | None = None,
    high: pd.Series | None = None,
    ax: Axes | None = None,
    xlabel: str = "score",
    label: str = "province",
    xlim: tuple[float, float] | None = None,
) -> Axes:
    """Horizontal bars of ``scores`` (index = component labels, first on top) with the national
    ``median`` as a black tick and the national range ``low``-``high`` as a grey line behind.

    The median, low and high series are aligned on the labels of ``scores``; labels they lack
    are drawn without a marker. Each bar is labelled with its value.
    """
    if scores.empty:
        raise ValueError("profile: no scores to draw")
    labels = [str(i) for i in scores.index]
    ys = np.arange(len(labels))
    ax = _axes(ax, (8.0, 0.9 + 0.42 * len(labels)))
    colour = _palette(1)[0]
    if low is not None and high is not None:
        lo, hi = low.reindex(scores.index).to_numpy(float), high.reindex(scores.index).to_numpy(float)
        for y, a, b in zip(ys, lo, hi, strict=True):
            if math.isfinite(a) and math.isfinite(b):
                ax.plot(
                    [a, b], [y, y], color="0.8", linewidth=7, solid_capstyle="butt", zorder=1, gid="range"
                )
    ax.barh(ys, scores.to_numpy(float), height=0.45, color=colour, zorder=2, gid="bars", label=label)
    if median is not None:
        med = median.reindex(scores.index).to_numpy(float)
        ok = np.isfinite(med)
        ax.plot(med[ok], ys[ok], linestyle="none", marker="|", markersize=16, markeredgewidth=2.2,
                color="0.1", zorder=3, gid="median", label="national median")  # fmt: skip
    for y, v in zip(ys, scores.to_numpy(float), strict=True):
        if math.isfinite(v):
            ax.annotate(
                f"{v:.2f}", (v, y), xytext=(4, -9), textcoords="offset points", fontsize=8, color="0.2"
            )
    if low is not None and high is not None:
        ax.plot([], [], color="0.8", linewidth=7, label="range across provinces")
    ax.set_yticks(ys, labels)
    ax.set_ylim(len(labels) - 0.5, -0.6)
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", color="0.92", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize=8, frameon=False)
    return ax


def _compound_path(rings: Sequence[np.ndarray]):
    """One matplotlib Path made of several closed rings (a province and its islands)."""
    from matplotlib.path import Path

    parts = [np.asarray(r, float) for r in rings if len(r) >= 3]
    codes = []
    for ring in parts:
        code = np.full(len(ring), Path.LINETO, dtype=Path.code_type)
        code[0], code[-1] = Path.MOVETO, Path.CLOSEPOLY
        codes.append(code)
    return Path(np.vstack(parts), np.concatenate(codes))


def outline_province(ax: Axes, rings: Sequence[np.ndarray], province: object, *, geo: str = "63"):
    """Outline one province's ``rings`` in red on a map and label it with its name; return a legend handle.

    Artists: ``highlight`` (the outline) and ``highlight-label`` (the name).
    """
    from matplotlib.patches import Patch, PathPatch

    pid = normalize(province, geo=geo)
    parts = [np.asarray(r, float) for r in rings if len(r) >= 3]
    outline = PathPatch(_compound_path(parts), facecolor="none", edgecolor=RED, linewidth=1.8, zorder=3)
    outline.set_gid("highlight")
    ax.add_patch(outline)
    name = provinces(geo).loc[pid, "name_vi"]
    ax.annotate(
        name,
        max(parts, key=len).mean(axis=0),
        xytext=(14, 10),
        textcoords="offset points",
        fontsize=9,
        fontweight="bold",
        color=RED,
        gid="highlight-label",
        arrowprops={"arrowstyle": "-", "color": RED, "linewidth": 0.8},
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
    )
    return Patch(facecolor="none", edgecolor=RED, linewidth=1.8, label=name)


def choropleth(
    rings: Mapping[str, Sequence[np.ndarray]],
    values: Mapping[str, float] | pd.Series,
    *,
    highlight: object | None = None,
    ax: Axes | None = None,
    cmap: str = "viridis",
    label: str = "",
    geo: str = "63",
) -> Axes:
    """Provinces shaded by ``values`` (province_id -> number), from polygon rings (no geopandas).

    ``rings``: province_id -> list of (n, 2) arrays of lon/lat (exterior rings). Provinces
    without a value are light grey and hatched ("no score"). ``highlight``: a province (any
    spelling) outlined in red and labelled with its name. A colour bar carries ``label``.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Patch, PathPatch

    if not rings:
        raise ValueError("choropleth: no geometry to draw")
    values = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values.astype(float)
    ax = _axes(ax, (6.5, 7.0))
    shaded, shade, blank = [], [], []
    for pid, parts in rings.items():
        value = values.get(pid, math.nan)
        patch = PathPatch(_compound_path(parts))  # one patch per province, however many islands
        if math.isfinite(value):
            shaded.append(patch)
            shade.append(value)
        else:
            blank.append(patch)
    if shaded:
        coll = PatchCollection(shaded, cmap=cmap, edgecolor="white", linewidth=0.3)
        coll.set_gid("provinces")
        coll.set_array(np.asarray(shade))
        ax.add_collection(coll)
        bar = ax.figure.colorbar(coll, ax=ax, shrink=0.55, pad=0.02)
        bar.set_label(label)
    if blank:
        grey = PatchCollection(blank, facecolor="0.88", edgecolor="white", linewidth=0.3, hatch="///")
        grey.set_gid("missing")
        ax.add_collection(grey)
    handles = [Patch(facecolor="0.88", hatch="///", edgecolor="0.6", label="no score")] if blank else []
    if highlight is not None:
        pid = normalize(highlight, geo=geo)
        if pid not in rings:
            raise ValueError(f"choropleth: no geometry for province {pid}")
        handles.append(outline_province(ax, rings[pid], pid, geo=geo))
    points = np.vstack([np.asarray(r, float) for parts in rings.values() for r in parts])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    ax.set_xlim(x0 - 0.2, x1 + 0.2)
    ax.set_ylim(y0 - 0.2, y1 + 0.2)
    ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    if handles:
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)
    return ax
