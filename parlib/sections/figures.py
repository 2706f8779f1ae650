"""The province report's figures on matplotlib axes: ranks over the years, the dimension profile, the map.

Private helpers of the report sections (trajectory_section.py draws the rank trajectory, scores.py
the profile, geometry.py the base map and map_section.py the province on top of it), all at the
page's width (``_WIDTH``). They take their words ready made, so each section words them in its
language from its own message table; numbers on axes are written with ``_decimal_comma`` in
Vietnamese. matplotlib is imported when a function is called.

Artists carry a ``gid`` so that tests can find them: ``province``, ``rank-label``, ``median``,
``peer``, ``break``, ``period``, ``year`` (rank trajectory); ``bars``, ``value``, ``median``,
``range`` (profile); ``provinces``, ``missing`` (map), ``highlight``, ``highlight-label`` (outline).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_WIDTH = 9.5
"""Figure width in inches: the page (nbconvert's lab template shows a figure at the column's width)."""

_RED = "#d62728"
"""The highlight colour of the map."""

_ACCENT, _ORANGE, _BLUE, _GREY = "#d55e00", "#de8f05", "#0173b2", "0.72"
"""The colorblind palette's colours the report figures use (parlib.plots.COLORBLIND)."""


def _decimal_comma(ax: Axes, *axes: str) -> None:
    """Write the tick numbers of ``axes`` ('x', 'y') the Vietnamese way: 0,5 and 1.000."""
    from matplotlib.ticker import ScalarFormatter

    class Comma(ScalarFormatter):
        def __call__(self, x, pos=None):
            text = super().__call__(x, pos)
            return text.replace(",", "\0").replace(".", ",").replace("\0", ".")

    for name in axes:
        getattr(ax, f"{name}axis").set_major_formatter(Comma())


# --------------------------------------------------------------------------- ranks over the years


def _runs(series: pd.Series) -> list[pd.Series]:
    """A year-indexed series cut where a year is missing (a line must not bridge a year without a value)."""
    series = series.sort_index()
    years = series.index.to_numpy(int)
    cuts = (np.flatnonzero(np.diff(years) > 1) + 1).tolist()
    return [series.iloc[a:b] for a, b in zip([0, *cuts], [*cuts, len(years)], strict=True) if b > a]


def _rank_trajectory(
    ranks: pd.DataFrame,
    pid: str,
    name: str,
    *,
    ax: Axes,
    words: Mapping[str, str],
    peers: Sequence[str] = (),
    year: int | None = None,
    breaks: Sequence[int] = (),
    periods: Sequence[tuple[int, int, str]] = (),
) -> Axes:
    """The province's rank among the provinces scored each year, rank 1 on top.

    ``ranks``: province_id, year, rank, rank_of (any number of provinces). Drawn: the province
    (``province``, its rank written above each point), the ``peers`` (grey), the middle rank of
    each year (``median``: the national median's place), a dotted line before each year of
    ``breaks`` (method changes), the ``periods`` (first year, last year, words: the scale) written
    above the axes and the report ``year`` circled. ``words``: peers, median, break, xlabel,
    ylabel (legend and axis labels).
    """
    from matplotlib.collections import LineCollection
    from matplotlib.transforms import blended_transform_factory

    ranked = ranks.assign(province_id=ranks["province_id"].astype(str)).dropna(subset=["rank"])
    by_province = {p: g["rank"] for p, g in ranked.set_index("year").groupby("province_id", sort=False)}
    mine = by_province.get(pid)
    if mine is None or mine.empty:
        raise ValueError(f"rank trajectory: {pid} has no ranks")
    lines = [
        np.column_stack([part.index.to_numpy(float), part.to_numpy(float)])
        for peer in dict.fromkeys(str(p) for p in peers)
        if peer != pid and peer in by_province
        for part in _runs(by_province[peer])
    ]
    if lines:  # one artist for all peers
        peer_lines = LineCollection(lines, colors=_GREY, linewidths=0.8, zorder=1, label=words["peers"])
        peer_lines.set_gid("peer")
        ax.add_collection(peer_lines)
    of = ranks.groupby("year")["rank_of"].max().sort_index()
    middle = (of + 1) / 2  # the national median's place: half the provinces above it
    for i, part in enumerate(_runs(middle)):
        ax.plot(part.index, part.to_numpy(float), color="0.15", linestyle="--", linewidth=1.2, zorder=2,
                gid="median", label=words["median"] if i == 0 else None)  # fmt: skip
    for i, part in enumerate(_runs(mine)):
        ax.plot(part.index, part.to_numpy(float), color=_ACCENT, marker="o", markersize=4.5, linewidth=2.2,
                zorder=3, gid="province", label=name if i == 0 else None)  # fmt: skip
    for x, y in mine.items():  # the rank above a point the line reaches from below, else under it
        near = [mine[x + d] for d in (-1, 1) if x + d in mine.index]
        under = bool(near) and y > sum(near) / len(near)
        ax.annotate(f"{int(y)}", (x, y), xytext=(0, -9 if under else 7), textcoords="offset points",
                    ha="center", va="top" if under else "bottom", fontsize=7.5, color=_ACCENT, zorder=5,
                    gid="rank-label")  # fmt: skip
    for i, b in enumerate(sorted(breaks)):
        ax.axvline(b - 0.5, color=_BLUE, linestyle=":", linewidth=1, zorder=0, gid="break",
                   label=words["break"] if i == 0 else None)  # fmt: skip
    if year is not None and year in mine.index:
        ax.plot([year], [mine[year]], marker="o", markersize=11, markerfacecolor="none", color=_ORANGE,
                markeredgewidth=2, zorder=4, linestyle="none", gid="year", label=str(year))  # fmt: skip
    years = sorted(set(mine.index) | set(of.index))
    n = int(of.max())
    ax.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    tall = ax.get_position().height * ax.figure.get_size_inches()[1] * 72  # points
    room = 20 * n / max(tall - 40, 20)  # ranks: a label's height and offset beyond the first and last rank
    ax.set_ylim(n + 0.5 + room, 0.5 - room)  # rank 1 on top
    ax.set_yticks([1, *range(10, n + 1, 10)])
    ax.set_xticks(years[:: 1 if len(years) <= 15 else 2])
    above = blended_transform_factory(ax.transData, ax.transAxes)
    for first, last, text in periods:
        ax.annotate("", (first - 0.45, 1.03), xytext=(last + 0.45, 1.03), xycoords=above,
                    arrowprops={"arrowstyle": "|-|,widthA=0.25,widthB=0.25", "color": "0.35",
                                "linewidth": 0.8})  # fmt: skip
        ax.text((first + last) / 2, 1.05, text, transform=above, ha="center", va="bottom", fontsize=8,
                color="0.25", gid="period")  # fmt: skip
    ax.set_xlabel(words["xlabel"])
    ax.set_ylabel(words["ylabel"])
    ax.grid(axis="y", color="0.92", linewidth=0.6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=5, fontsize=8, frameon=False)
    return ax


# --------------------------------------------------------------------------- dimension profile


def _profile(
    dims: pd.DataFrame,
    *,
    ax: Axes,
    words: Mapping[str, str],
    number: Callable[[float], str],
    xlim: tuple[float, float] | None = None,
) -> Axes:
    """One row per dimension (first on top): the province's score as a bar, and above the bar the
    national range as a whisker with the national median as a diamond on it; the score is written
    at the end of the bar, in the bar's lane, so no mark crosses another.

    ``dims``: label, value, median, low, high (a row without median or range is drawn without
    them). ``words``: province, median, range, xlabel. ``number`` writes a score.
    """
    if dims.empty:
        raise ValueError("profile: no scores to draw")
    ys = np.arange(len(dims), dtype=float)
    bar_y, whisker_y = ys + 0.14, ys - 0.24  # two lanes per row (the y axis runs downwards)
    values = dims["value"].to_numpy(float)
    ax.barh(bar_y, values, height=0.36, color=_BLUE, zorder=2, gid="bars", label=words["province"])
    low, high = dims["low"].to_numpy(float), dims["high"].to_numpy(float)
    ok = np.isfinite(low) & np.isfinite(high)
    for y, a, b in zip(whisker_y[ok], low[ok], high[ok], strict=True):
        ax.plot([a, b], [y, y], color="0.45", linewidth=1.5, solid_capstyle="butt", marker="|",
                markersize=7, markeredgewidth=1.5, zorder=3, gid="range")  # fmt: skip
    med = dims["median"].to_numpy(float)
    has = np.isfinite(med)
    ax.plot(med[has], whisker_y[has], linestyle="none", marker="D", markersize=6, color="0.05",
            markeredgecolor="white", markeredgewidth=0.6, zorder=4, gid="median")  # fmt: skip
    for y, v in zip(bar_y, values, strict=True):
        if math.isfinite(v):
            ax.annotate(number(v), (v, y), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=8, color="0.15", zorder=5, gid="value")  # fmt: skip
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=_BLUE, label=words["province"]),
        Line2D([], [], linestyle="none", marker="D", markersize=6, color="0.05", label=words["median"]),
        Line2D([], [], color="0.45", linewidth=1.5, marker="|", markersize=7, label=words["range"]),
    ]
    ax.set_yticks(ys, [str(label) for label in dims["label"]])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(dims) - 0.45, -0.62)
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel(words["xlabel"])
    ax.grid(axis="x", color="0.92", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, fontsize=8,
              frameon=False)  # fmt: skip
    return ax


# --------------------------------------------------------------------------- map


def _offshore(rings: Mapping[str, Sequence[np.ndarray]]) -> tuple[dict, dict]:
    """(mainland, offshore) rings per province: a ring is offshore when it lies wholly outside the
    box of every province's largest ring widened by half a degree (Hoàng Sa, Trường Sa); islands
    near the coast (Phú Quốc, Côn Đảo, Bạch Long Vĩ) are within it."""
    main = [max(parts, key=len) for parts in rings.values() if len(parts)]
    points = np.vstack(main)
    (x0, y0), (x1, y1) = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    near: dict[str, list[np.ndarray]] = {}
    far: dict[str, list[np.ndarray]] = {}
    for pid, parts in rings.items():
        for ring in parts:
            (a, b), (c, d) = ring.min(axis=0), ring.max(axis=0)
            outside = a > x1 or c < x0 or b > y1 or d < y0
            (far if outside else near).setdefault(pid, []).append(ring)
    return near, far


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


def _outline(ax: Axes, rings: Sequence[np.ndarray], name: str | None, width: float = 1.8) -> None:
    """Outline ``rings`` in red (``highlight``, ``width`` points) and, given a ``name``, label the largest
    ring with it."""
    from matplotlib.patches import PathPatch

    parts = [np.asarray(r, float) for r in rings if len(r) >= 3]
    if not parts:
        return
    outline = PathPatch(_compound_path(parts), facecolor="none", edgecolor=_RED, linewidth=width, zorder=3)
    outline.set_gid("highlight")
    ax.add_patch(outline)
    if name is None:
        return
    ax.annotate(
        name,
        max(parts, key=len).mean(axis=0),
        xytext=(14, 10),
        textcoords="offset points",
        fontsize=10,
        fontweight="bold",
        color=_RED,
        gid="highlight-label",
        arrowprops={"arrowstyle": "-", "color": _RED, "linewidth": 0.8},
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
    )


def _choropleth(
    rings: Mapping[str, Sequence[np.ndarray]],
    values: Mapping[str, float] | pd.Series,
    *,
    ax: Axes,
    cmap: str = "viridis",
    norm=None,
    fit: bool = True,
    edges: str = "white",
):
    """Provinces shaded by ``values`` (province_id -> number) from polygon rings (no geopandas);
    provinces without a value light grey and hatched (``missing``). No words: the caller titles it.

    ``fit``: limits to the rings (plus 0.2 degrees) with the aspect of the mean latitude, axes off.
    ``edges``: the provinces' edge colour ("face": as the fill, which keeps specks of islands visible).
    Returns the shaded collection (``provinces``, for a colour bar) or None when nothing is shaded.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch

    if not rings:
        raise ValueError("choropleth: no geometry to draw")
    values = pd.Series(values, dtype=float) if not isinstance(values, pd.Series) else values.astype(float)
    shaded, shade, blank = [], [], []
    for pid, parts in rings.items():
        value = values.get(pid, math.nan)
        patch = PathPatch(_compound_path(parts))  # one patch per province, however many islands
        if math.isfinite(value):
            shaded.append(patch)
            shade.append(value)
        else:
            blank.append(patch)
    coll = None
    if shaded:
        width = 0.8 if edges == "face" else 0.3
        coll = PatchCollection(shaded, cmap=cmap, norm=norm, edgecolor=edges, linewidth=width)
        coll.set_gid("provinces")
        coll.set_array(np.asarray(shade))
        ax.add_collection(coll)
    if blank:
        grey = PatchCollection(blank, facecolor="0.88", edgecolor="white", linewidth=0.3, hatch="///")
        grey.set_gid("missing")
        ax.add_collection(grey)
    if fit:
        points = np.vstack([np.asarray(r, float) for parts in rings.values() for r in parts])
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        ax.set_xlim(x0 - 0.2, x1 + 0.2)
        ax.set_ylim(y0 - 0.2, y1 + 0.2)
        ax.set_aspect(1 / math.cos(math.radians((y0 + y1) / 2)))
    ax.set_axis_off()
    return coll


def _no_score_handle(label: str):
    from matplotlib.patches import Patch

    return Patch(facecolor="0.88", hatch="///", edgecolor="0.6", label=label)
