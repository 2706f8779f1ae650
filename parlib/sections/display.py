"""Display objects: what every section loader returns.

Loaders, one per report section, take any spelling of a province and return objects that display
themselves in a notebook and print as plain text elsewhere: ``Prose`` (Markdown), ``Chart`` (a
PNG rendered from a matplotlib figure that pyplot does not track, so it shows once and the
same way under any matplotlib backend), ``Image`` (a PNG rendered once by ``prepare()``),
``Section`` (several of those). A year or an index without data gives a one-line ``Prose``
instead of an error. Sentences are generated from the numbers; nothing is written by hand for a
province.

matplotlib is imported only when a figure is made (``_figure``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


DPI = 96
PNG_OPTIONS = {"compress_level": 1}
"""Fast PNG compression: level 6 (the default) costs about 3x the time for files only ~3% smaller."""


class Prose:
    """Generated text: Markdown in a notebook, plain text (``plain``, default the Markdown) elsewhere."""

    def __init__(self, markdown: str, plain: str | None = None) -> None:
        self.markdown = markdown.strip()
        self.plain = (plain if plain is not None else markdown).strip()

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.plain

    __str__ = __repr__


class Chart:
    """A matplotlib figure shown as one PNG; ``ax``/``axes``/``figure`` give access to it.

    The figure is a bare ``matplotlib.figure.Figure`` (not registered with pyplot), so the inline
    backend does not show it a second time and a non-interactive backend (MPLBACKEND=Agg) still
    shows it. The plain-text form is a stable one-line description (no sizes or addresses). The
    loaders lay their figures out by hand: ``bbox_inches="tight"`` would draw every figure twice.
    """

    def __init__(self, figure: Figure, description: str) -> None:
        self.figure = figure
        self.description = description

    @property
    def axes(self) -> list:
        return list(self.figure.axes)

    @property
    def ax(self):
        return self.figure.axes[0]

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", pil_kwargs=PNG_OPTIONS)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def save(self, path: str | Path) -> Path:
        """Write the figure (format from the suffix)."""
        self.figure.savefig(path, dpi=DPI, facecolor="white")
        return Path(path)

    def __repr__(self) -> str:
        return f"[figure: {self.description}]"


class Image:
    """A PNG rendered once by ``prepare()`` and stored in the cache (shown as is)."""

    def __init__(self, png: bytes, description: str) -> None:
        self.data = png
        self.description = description

    def _repr_png_(self) -> bytes:
        return self.data

    def __repr__(self) -> str:
        return f"[figure: {self.description}]"


class Section:
    """Several display objects shown one after the other (``parts``)."""

    def __init__(self, *parts: Prose | Chart | Image) -> None:
        self.parts = [p for p in parts if p is not None]

    def _ipython_display_(self) -> None:
        from IPython.display import display

        for part in self.parts:
            display(part)

    def __iter__(self):
        return iter(self.parts)

    def __repr__(self) -> str:
        return "\n\n".join(repr(p) for p in self.parts)


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size)
