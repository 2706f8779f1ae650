"""Figures for driver -> outcome models: a coefficient plot and the within (partial) scatter.

Each function draws on ``ax`` (a new figure when None) and returns the Axes; nothing is shown
or saved, so they run headless (``MPLBACKEND=Agg``) and in notebooks alike. matplotlib and
seaborn are imported when a function is called, so ``import parlib`` stays light (and
``parlib/__init__`` does not import this module).

Artists carry a ``gid`` so that tests and callers can find them: ``interval:<method>`` for each
confidence interval, ``points:<method>`` for the estimates of a method, ``zero`` for the zero
line (coef_plot); ``points``, ``highlight``, ``fit`` (within_scatter).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from parlib.provinces import normalize, provinces

if TYPE_CHECKING:
    from matplotlib.axes import Axes

METHOD_LABELS: dict[str, str] = {
    "cr1": "cr1: cluster-robust CR1 t",
    "wild-rademacher": "wild-rademacher: wild cluster bootstrap (Rademacher)",
    "wild-webb": "wild-webb: wild cluster bootstrap (Webb)",
    "ri": "ri: randomisation inference (p only)",
}
"""Inference method (the ``method`` column of a ModelResult table) -> legend label, in plot order."""

_FORMATS = {"cr1": "o", "wild-rademacher": "s", "wild-webb": "D", "ri": "^"}


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def _palette(n: int) -> list[tuple[float, float, float]]:
    import seaborn as sns

    return list(sns.color_palette("colorblind", n))


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
