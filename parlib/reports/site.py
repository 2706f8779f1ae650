"""HTML: a report's page (``to_html``, no code) and the index of every report (``write_index``).

A report's page says what it is made from: a bar at its top and bottom links back to the index
and to the same report in the other language, and the bottom one gives the generation date, the
parlib version and the data stamp (short sha256 of the panel and the year's report cache), all
from the sidecar the worker builds. The index page (``parlib.reports.index_page`` builds it)
lists every year, language and geography found in reports/.

Decision (atomic outputs, the index): the page is staged first, then index.csv and the page are
atomically; an index page that cannot be written is one more line in the batch summary (the old
page stays) and the exit status is 1 (``run``).
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from parlib import atomic, config
from parlib.reports import index_page
from parlib.reports.files import _write_text
from parlib.reports.index_page import Block, Row
from parlib.reports.provenance import RECORD_MIMETYPE, _now, _parlib_version
from parlib.sections import words

MAP_TOLERANCE = 0.03
"""Douglas-Peucker tolerance in degrees for the index map (the stored rings use 0.01)."""
MAP_SCALE = 40
"""SVG units per degree of latitude (coordinates are whole units: about 2.8 km)."""
MIN_ISLAND = 0.005
"""Rings smaller than this (square degrees, about 60 km2) are left out, unless a province's largest."""
MAP_EAST = 110.0
"""Rings centred east of this longitude (the Hoàng Sa and Trường Sa archipelagos) are not drawn:
at this size they would be dots and double the map's width (the caption says so)."""
GEO34_DIR = "geo34"
"""The 34-unit reports of a year: reports/<year>/geo34/<slug>[.vi].*"""

BAR_WORDS = {
    "index": {"en": "All reports", "vi": "Tất cả báo cáo"},
    "other": {"en": "This report in English", "vi": "Báo cáo này bằng tiếng Việt"},
    "made": {
        "en": "Generated {date} by parlib {version} · data {stamp}",
        "vi": "Tạo ngày {date} bằng parlib {version} · dữ liệu {stamp}",
    },
    "panel": {"en": "panel", "vi": "bảng"},
    "report_cache": {"en": "cache", "vi": "bộ đệm"},
    "unknown": {"en": "unknown", "vi": "không rõ"},
}
"""The report bar's words (``words.say``); "other" is in the language it links to."""


def _stamp(provenance: Mapping[str, Any], lang: str) -> str:
    """'panel 911fb5b69d8a, cache 037ae27fb507': the data stamp's sha256s, short."""
    data = (provenance.get("inputs") or {}).get("data") or {}
    parts = []
    for key in ("panel", "report_cache"):
        sha = (data.get(key) or {}).get("sha256") if isinstance(data.get(key), dict) else None
        if isinstance(sha, str) and sha:
            parts.append(f"{words.say(BAR_WORDS, key, lang)} {sha[:12]}")
    return ", ".join(parts) or words.say(BAR_WORDS, "unknown", lang)


def _bars(
    lang: str, provenance: Mapping[str, Any], index_href: str, alternates: Mapping[str, str]
) -> tuple[str, str]:
    """The header and footer bars (escaped HTML) of a report page."""
    e = html.escape
    links = [f'<a class="parlib-index" href="{e(index_href)}">← {words.say(BAR_WORDS, "index", lang)}</a>']
    links += [
        f'<a class="parlib-lang" href="{e(href)}" hreflang="{e(other)}" lang="{e(other)}">'
        f"{e(words.say(BAR_WORDS, 'other', other))}</a>"
        for other, href in alternates.items()
        if other != lang and other in words.LANGS
    ]
    when = str(provenance.get("finished") or provenance.get("started") or _now())[:10]
    made = words.say(
        BAR_WORDS,
        "made",
        lang,
        date=when,
        version=provenance.get("parlib_version") or _parlib_version(),
        stamp=_stamp(provenance, lang),
    )
    nav = " ".join(links)
    top = f'<nav class="parlib-bar parlib-top">{nav}</nav>'
    bottom = f'<footer class="parlib-bar parlib-bottom"><span>{nav}</span><span>{e(made)}</span></footer>'
    return top, bottom


def to_html(
    notebook: Path,
    title: str,
    *,
    lang: str | None = None,
    provenance: Mapping[str, Any] | None = None,
    target: Path | None = None,
    index_href: str | None = None,
    alternates: Mapping[str, str] | None = None,
) -> str:
    """HTML of an executed notebook without code input or prompts, with the report bar.

    Cells tagged ``remove-cell`` and outputs that carry recorded values (``RECORD_MIMETYPE``) are
    dropped. The template is nbconvert's "lab" without the scripts it loads from CDNs (require.js,
    MathJax, mermaid; parlib/reports/html_template/offline): a report opens offline and sends no
    request. Its figures are embedded PNGs and its style is inline.

    What the bar says comes from ``provenance`` (the worker's sidecar dict): ``lang`` (else the
    ``parameters``' lang, else en) sets ``<html lang>``, ``geo`` "34" puts the index two folders
    up; ``target`` (the final .html path) names the other language's file beside it
    (<slug>.html, <slug>.vi.html). Each can be given explicitly instead.
    """
    import nbformat

    side = dict(provenance or {})
    params = side.get("parameters") if isinstance(side.get("parameters"), dict) else {}
    lang = words.check_lang(lang or side.get("lang") or params.get("lang") or "en")
    geo34 = str(side.get("geo")) == "34" or (target is not None and Path(target).parent.name == GEO34_DIR)
    if index_href is None:
        index_href = "../../index.html" if geo34 else "../index.html"
    if alternates is None:
        name = Path(target).name if target is not None else f"{side.get('slug') or ''}.html"
        slug = re.sub(r"(\.vi)?\.html$", "", name)
        alternates = {other: f"{slug}{'' if other == 'en' else '.' + other}.html" for other in words.LANGS}
        alternates = alternates if slug else {}
    top, bottom = _bars(lang, side, index_href, alternates)

    # nbformat.read without its validation: the exporter validates once, after its preprocessors
    nb = nbformat.convert(nbformat.reader.reads(Path(notebook).read_text("utf-8")), 4)
    for cell in nb.cells:  # recorded values are machine-readable data, not part of the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if RECORD_MIMETYPE not in o.get("data", {})]
    resources = {"metadata": {"name": title}, "parlib_header": top, "parlib_footer": bottom}
    body, _ = _exporter(lang).from_notebook_node(nb, resources=resources)
    return body


@lru_cache(maxsize=len(words.LANGS))
def _exporter(lang: str) -> Any:
    """The HTML exporter of one language, made once per process: its Jinja templates compile once
    (about half a second a report when each report made its own)."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        extra_template_basedirs=[str(Path(__file__).with_name("html_template"))],
        template_name="offline",
        language_code=lang,
        optimistic_validation=True,  # validate once after the preprocessors, not after each (~20 ms)
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell", "remove_cell"}, enabled=True), enabled=True
    )
    return exporter


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _collect_folder(root: Path, folder: Path, geo: str, year: int) -> Block:
    """A folder's complete reports (an ok sidecar with its .ipynb and .html), one row per slug, and its
    failed logs."""
    rel = folder.relative_to(root).as_posix()
    rows: dict[str, Row] = {}
    for side_path in sorted(folder.glob("*.json")):
        stem = side_path.stem
        if stem.startswith("."):  # another batch's temporary file
            continue
        side = _read_json(side_path)
        if not side or side.get("status") != "ok":
            continue
        if not (folder / f"{stem}.html").is_file() or not (folder / f"{stem}.ipynb").is_file():
            continue
        slug = stem[: -len(".vi")] if stem.endswith(".vi") else stem
        lang = side.get("lang") if side.get("lang") in words.LANGS else ("vi" if stem != slug else "en")
        row = rows.setdefault(slug, Row(geo, year, slug, side))
        if lang in row.links:
            continue
        row.links[lang] = (f"{rel}/{stem}.html", f"{rel}/{stem}.ipynb")
        if lang == "en":  # the English sidecar's numbers first (both languages record the same)
            row.side = side
    block = Block(rows=sorted(rows.values(), key=_order))
    for fpath in sorted((folder / "failed").glob("*.json")):
        if fpath.name.startswith("."):
            continue
        side = _read_json(fpath) or {}
        err = side.get("error") if isinstance(side.get("error"), dict) else {}
        name = str(side.get("province", fpath.stem))
        if fpath.stem.endswith(".vi") or side.get("lang") == "vi":
            name += " (vi)"
        # a cut-off notebook is not kept as a log
        href = f"{rel}/failed/{fpath.stem}.ipynb" if fpath.with_suffix(".ipynb").is_file() else None
        block.failed.append((name, href, f"{err.get('ename', '')}: {str(err.get('evalue', ''))[:200]}"))
    return block


def _order(row: Row) -> tuple[float, str]:
    rank = index_page.number(row.records.get("papi_rank"))
    return (rank if rank is not None else float("inf"), row.province)


def _collect(root: Path) -> dict[str, dict[int, Block]]:
    """geo -> year -> Block for every year folder of ``root`` (latest first), geo 63 then 34."""
    sections: dict[str, dict[int, Block]] = {"63": {}, "34": {}}
    years = sorted((p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)), reverse=True)
    for folder in years:
        for geo, where in (("63", folder), ("34", folder / GEO34_DIR)):
            if where.is_dir():
                block = _collect_folder(root, where, geo, int(folder.name))
                if block.rows or block.failed:
                    sections[geo][int(folder.name)] = block
    return {geo: blocks for geo, blocks in sections.items() if blocks}


def _rings(sides: list[dict[str, Any]]) -> dict[str, Any]:
    """The province rings the report cache stored (map.json), else ``geometry._map_rings`` (raw file)."""
    processed = config.processed_dir().resolve()
    for side in sides:
        cache = ((side.get("inputs") or {}).get("data") or {}).get("report_cache") or {}
        path = cache.get("path") if isinstance(cache, dict) else None
        if not isinstance(path, str):
            continue
        folder = (config.project_root() / path).resolve()
        if folder.is_relative_to(processed) and (rings := _read_json(folder / "map.json")):
            if rings.get("provinces"):
                return rings["provinces"]
    from parlib.sections.geometry import _map_rings

    try:
        return _map_rings("index page").get("provinces") or {}
    except Exception:  # the map is a figure of the page, never a reason to lose the page: no map
        return {}


def map_paths(
    rings: Mapping[str, Sequence[Sequence[float]]],
) -> tuple[tuple[int, int], list[tuple[str, str]]]:
    """The index map's SVG size and (province_id, path) per province, from lon/lat rings ([x0, y0, ...]).

    Further simplified (``MAP_TOLERANCE``), islands under ``MIN_ISLAND`` left out, projected
    with the cosine of 16°N and written as whole units with relative moves.
    """
    import numpy as np

    from parlib.sections.geometry import simplify_ring

    def area(p: np.ndarray) -> float:
        x, y = p[:, 0], p[:, 1]
        return float(abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))) / 2)

    kept: dict[str, list[np.ndarray]] = {}
    for pid, parts in rings.items():
        arrays = [np.asarray(r, dtype=float).reshape(-1, 2) for r in parts]
        arrays = [a for a in arrays if len(a) >= 3 and a[:, 0].mean() <= MAP_EAST]
        if not arrays:
            continue
        big = max(area(a) for a in arrays)
        kept[str(pid)] = [simplify_ring(a, MAP_TOLERANCE) for a in arrays if area(a) >= min(big, MIN_ISLAND)]
    if not kept:
        return (0, 0), []
    points = np.concatenate([a for parts in kept.values() for a in parts])
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    kx = math.cos(math.radians(16)) * MAP_SCALE
    size = (math.ceil((x1 - x0) * kx) + 2, math.ceil((y1 - y0) * MAP_SCALE) + 2)
    out = []
    for pid, parts in sorted(kept.items()):
        d = []
        for a in parts:
            x, y = np.round((a[:, 0] - x0) * kx) + 1, np.round((y1 - a[:, 1]) * MAP_SCALE) + 1
            xy = np.column_stack([x, y])
            steps = np.diff(xy, axis=0).astype(int)
            steps = steps[(steps != 0).any(axis=1)]
            moves = " ".join(f"{dx} {dy}" for dx, dy in steps).replace(" -", "-")
            d.append(f"M{int(xy[0, 0])} {int(xy[0, 1])}l{moves}z")
        out.append((pid, "".join(d)))
    return size, out


def write_index(reports_dir: Path | None = None) -> Path:
    """reports/index.html and index.csv: every report by geography and year (latest first).

    Rows come from the sidecars (a report counts only with its sidecar, .ipynb and .html; files
    starting with '.' are another batch's temporary files); a province's English and Vietnamese
    reports share a row; failed logs are listed under their year's table. Self-contained HTML,
    every value escaped. Returns the index.html path.
    """
    root = Path(reports_dir or config.reports_dir())
    root.mkdir(parents=True, exist_ok=True)
    sections = _collect(root)
    rows = [row for blocks in sections.values() for block in blocks.values() for row in block.rows]
    maps: dict[str, str] = {}
    if rows:
        size, paths = map_paths(_rings([r.side for r in rows]))
        maps = {geo: index_page.map_svg(geo, size, paths, blocks) for geo, blocks in sections.items()}
    target = root / "index.html"
    staged = atomic.tmp_name(target, "index")  # the page first: a full disk then changes nothing
    _write_text(staged, index_page.page(sections, maps, _now(), _parlib_version()))
    try:
        _write_text(root / "index.csv", index_page.csv_text(rows))
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    return target
