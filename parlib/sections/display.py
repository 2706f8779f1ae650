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

import struct
import zlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.figure import Figure


DPI = 96
_TEXT_RC = {"text.hinting": "no_hinting"}
"""How the charts draw text: unhinted glyphs. FreeType's default hinting (matplotlib's default)
costs about 1.5x the time per label at this size, and a report draws about 170 labels; at 96 dpi
unhinted text is a shade softer and keeps the font's own shapes and widths."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _encode_png(rgba: bytes, width: int, height: int, dpi: float = DPI) -> bytes:
    """A PNG of 8-bit RGBA pixels (``width`` x ``height``, rows top down), lossless.

    An opaque image (every alpha 255, as a figure on a white face) is written as RGB. The rows
    are not filtered and are deflated at level 1: for charts (flat colours, thin lines) this is
    smaller than Pillow's adaptive filters at level 1 and takes about 0.4x the time (a map:
    20 ms against 46 ms; nearly a tenth of a report's time went to PNG encoding). ``dpi`` is
    written in a pHYs chunk, as matplotlib writes it.
    """
    import numpy as np

    pixels = np.frombuffer(rgba, np.uint8)
    if pixels.size != width * height * 4:
        raise ValueError(f"_encode_png: {pixels.size} bytes are not {width} x {height} RGBA pixels")
    pixels = pixels.reshape(height, width, 4)
    opaque = bool((pixels[..., 3] == 255).all())
    channels = 3 if opaque else 4
    rows = np.empty((height, width * channels + 1), np.uint8)
    rows[:, 0] = 0  # filter type None on every row
    rows[:, 1:].reshape(height, width, channels)[...] = pixels[..., :channels]
    per_metre = round(dpi / 0.0254)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
            _chunk(b"IEND", b""),
        ]
    )


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
        """The figure at ``DPI`` on white: matplotlib draws the pixels, ``_encode_png`` writes them."""
        import io

        import matplotlib

        buffer = io.BytesIO()
        with matplotlib.rc_context(_TEXT_RC):
            self.figure.savefig(buffer, format="rgba", dpi=DPI, facecolor="white")
        width, height = (int(size * DPI) for size in self.figure.get_size_inches())
        return _encode_png(buffer.getvalue(), width, height)

    def _repr_png_(self) -> bytes:
        return self.png()

    def save(self, path: str | Path) -> Path:
        """Write the figure (format from the suffix), its text drawn as ``png`` draws it."""
        import matplotlib

        with matplotlib.rc_context(_TEXT_RC):
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


def _backdrop(figure: Figure, png: bytes) -> None:
    """Lay ``png`` under everything ``figure`` draws, at its origin, pixel for pixel.

    ``png`` is rendered at the figure's size and dpi (the map's cached base). On an Agg canvas
    of that size the pixels are copied through the renderer's ``draw_image``; a figimage would
    resample them to the same pixels first (about 60 ms, a quarter of a map's drawing). Any other
    canvas (another dpi, a vector format) draws them as a figimage does.
    """
    from matplotlib.artist import Artist
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.image import FigureImage

    pixels, upward = _decoded(png)
    image = FigureImage(figure, origin="upper")
    image.set_data(pixels)  # (a copy)

    class Backdrop(Artist):
        def draw(self, renderer) -> None:
            if not self.get_visible():
                return
            size = (int(figure.bbox.height), int(figure.bbox.width))
            if not isinstance(renderer, RendererAgg) or size != pixels.shape[:2]:
                image.draw(renderer)
                return
            gc = renderer.new_gc()
            renderer.draw_image(gc, 0, 0, upward)
            gc.restore()

    art = Backdrop()
    art.set_zorder(0)
    figure.add_artist(art)


@lru_cache(maxsize=4)
def _decoded(png: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``png``'s RGBA pixels, rows top down and bottom up (``draw_image``'s order), decoded once.

    Every map of a year lays the same cached base (the same bytes object, from ``cache._read``);
    a warm worker decodes it once and its forks share it. Read only: matplotlib never writes them.
    """
    import io

    import numpy as np
    from PIL import Image as PILImage

    pixels = np.array(PILImage.open(io.BytesIO(png)).convert("RGBA"))
    return pixels, np.ascontiguousarray(pixels[::-1])


def _figure(size: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=size)
