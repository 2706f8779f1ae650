"""reports/index.html and index.csv, built from the rows ``site.write_index`` collects.

The page works offline and sends no request: its style and script are inline (read from
parlib/reports/html_template/index/), the map is inline SVG (paths from ``site.map_paths``),
and every value from a sidecar is HTML-escaped. One section per geography (the 63 provinces;
the 34 units from 1 July 2025, synthetic), one table per year in each (a year selector shows
one and colours the map), columns that sort when their header is clicked (numbers as numbers,
missing values last), a region filter, each language's report linked, a line naming the
provinces a year's reports give no score, and the rows as CSV (index.csv, and the shown rows
from a button). Without JavaScript every year's table shows.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parlib import provinces
from parlib.sections import words

STATIC = Path(__file__).with_name("html_template") / "index"
"""index.css and index.js, inlined into the page."""

CSV_COLUMNS = (
    "geo", "year", "province_id", "province", "region", "papi_total", "papi_rank", "papi_rank_of",
    "papi_rank_text", "papi_tier", "papi_rank_change", "synthetic", "languages", "report_en", "report_vi",
)  # fmt: skip
"""index.csv's columns: one row per province, year and geography (the table's rows)."""

TIER_ORDER = tuple(words.TIERS["en"])
PALETTE = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")
"""viridis, as the reports' own map (low -> high PAPI total)."""
NO_SCORE = "#e0e0e0"
MAP_NOTE = "Hoàng Sa and Trường Sa archipelagos not drawn at this size."
GEO_TITLES = {
    "63": "63 provinces (until 30 June 2025) · 63 tỉnh, thành phố",
    "34": "34 provinces from 1 July 2025 · 34 tỉnh, thành phố từ 1/7/2025",
}
GEO_NOTES = {
    "34": "Scores of the 34 units are synthetic: population-weighted means of the provinces each absorbed.",
}

e = html.escape


@dataclass
class Row:
    """One province (geography, year): its sidecars' numbers and each language's report links."""

    geo: str
    year: int
    slug: str
    side: dict[str, Any]
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # lang -> (html href, ipynb href)

    @property
    def records(self) -> dict[str, Any]:
        rec = self.side.get("records")
        return rec if isinstance(rec, dict) else {}

    @property
    def province(self) -> str:
        return str(self.side.get("province") or self.records.get("province") or self.slug)

    @property
    def province_id(self) -> str:
        return str(self.records.get("province_id") or self.side.get("province_id") or "")

    @property
    def region(self) -> str:
        table = provinces.PROVINCES_34 if self.geo == "34" else provinces.PROVINCES_63
        pid = self.province_id
        if pid in table.index:
            return str(table.loc[pid, "region"])
        hit = table.index[table["slug"] == self.slug]
        return str(table.loc[hit[0], "region"]) if len(hit) else ""


@dataclass
class Block:
    """A year's reports of one geography: the rows and the failed logs (name, href or None, error)."""

    rows: list[Row] = field(default_factory=list)
    failed: list[tuple[str, str | None, str]] = field(default_factory=list)


def _total(row: Row) -> float | None:
    return number(row.records.get("papi_total"))


def number(value: object) -> float | None:
    """A finite number, or None (missing, NaN, a bool, text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def fmt(value: object, digits: int = 2) -> str:
    """A sidecar value as the table prints it ('—' when missing)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def places(value: object) -> str:
    """A change of rank in words ('up 3 places'); '—' when missing."""
    if number(value) is None:
        return "—"
    from parlib.indices.ranking import places_phrase

    return places_phrase(value)


def rank_cell(rec: dict[str, Any]) -> str:
    """The Rank cell: ``papi_rank_text`` as the report prints it (PAPI's N), kept short.

    'rank 29 of 63 (PAPI ranked 63; 2 are missing ...)' shows '29 of 63' with the whole text as
    the cell's title (a tooltip); 'rank 28-30 of 63 (...)' shows '28-30 of 63'. A sidecar
    without ``papi_rank_text`` (older reports, other templates) shows ``papi_rank`` of
    ``papi_rank_of``.
    """
    rank, rank_of = rec.get("papi_rank"), rec.get("papi_rank_of")
    rank_txt = "—" if rank is None else f"{fmt(rank, 0)} of {fmt(rank_of, 0)}"
    text = rec.get("papi_rank_text")
    if not isinstance(text, str) or not text.strip():
        return f'<td class="num">{e(rank_txt)}</td>'
    full = " ".join(text.split())
    m = re.match(r"(?:rank )?(\d+(?:-\d+)? of \d+|\d+)\b", full)
    short = m[1] if m else rank_txt
    rest = full[m.end() :].strip() if m else full
    title = f' title="{e(full)}"' if rest else ""
    return f'<td class="num"{title}>{e(short)}</td>'


def _safe_text(value: object) -> str:
    """A text cell for a spreadsheet: a leading = + - @ would be read as a formula, so it gets a '."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_fields(row: Row) -> list[str]:
    """The row's values in ``CSV_COLUMNS`` order (numbers as stored, text guarded against formulas)."""
    rec = row.records

    def raw(key: str) -> str:
        value = rec.get(key)
        return "" if number(value) is None else repr(value) if isinstance(value, float) else str(value)

    def link(lang: str) -> str:
        return row.links[lang][0] if lang in row.links else ""

    synthetic = rec.get("synthetic")
    return [
        row.geo, str(row.year), _safe_text(row.province_id), _safe_text(row.province), row.region,
        raw("papi_total"), raw("papi_rank"), raw("papi_rank_of"), _safe_text(rec.get("papi_rank_text")),
        _safe_text(rec.get("papi_tier")), raw("papi_rank_change"),
        "" if synthetic is None else str(bool(synthetic)).lower(), " ".join(sorted(row.links)),
        link("en"), link("vi"),
    ]  # fmt: skip


def csv_line(fields: Sequence[str]) -> str:
    """One CSV record without its line end (RFC 4180 quoting)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def csv_text(rows: Sequence[Row]) -> str:
    """index.csv: a byte-order mark (spreadsheets then read the names as UTF-8), the header, the rows."""
    lines = [csv_line(CSV_COLUMNS), *(csv_line(csv_fields(r)) for r in rows)]
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def colour(value: float, lo: float, hi: float) -> str:
    """``value`` on the palette between ``lo`` and ``hi`` (linear in RGB between the stops)."""
    t = 0.5 if hi <= lo else min(1.0, max(0.0, (value - lo) / (hi - lo)))
    pos = t * (len(PALETTE) - 1)
    i = min(int(pos), len(PALETTE) - 2)
    a, b = (tuple(int(c[k : k + 2], 16) for k in (1, 3, 5)) for c in PALETTE[i : i + 2])
    return "#" + "".join(f"{round(x + (y - x) * (pos - i)):02x}" for x, y in zip(a, b, strict=True))


def map_svg(
    geo: str, size: tuple[int, int], paths: list[tuple[str, str]], blocks: Mapping[int, Block]
) -> str:
    """The geography's choropleth: one path per old province, its fill per year as ``data-f<year>``.

    For the 34 units each old province takes its unit's colour (the units are unions of them).
    The first fill is the latest year's, so the map is coloured without JavaScript too.
    """
    if not paths:
        return ""
    fills: dict[int, dict[str, str]] = {}
    for year, block in blocks.items():
        values = {r.province_id: v for r in block.rows if (v := _total(r)) is not None}
        lo, hi = (min(values.values()), max(values.values())) if values else (0.0, 0.0)
        fills[year] = {pid: colour(v, lo, hi) for pid, v in values.items()}
    latest = max(blocks) if blocks else None
    out = [
        f'<svg class="map" viewBox="0 0 {size[0]} {size[1]}" width="{size[0]}" height="{size[1]}" '
        f'role="img" aria-label="PAPI total by province" data-missing="{NO_SCORE}">'
    ]
    table = provinces.PROVINCES_34 if geo == "34" else provinces.PROVINCES_63
    for pid, d in paths:
        key = provinces.to_34(pid) if geo == "34" else pid
        if key not in table.index:
            continue
        attrs = "".join(f' data-f{y}="{f[key]}"' for y, f in sorted(fills.items()) if key in f)
        first = fills.get(latest, {}).get(key, NO_SCORE) if latest is not None else NO_SCORE
        out.append(
            f'<path d="{d}" data-pid="{e(key)}" data-region="{e(str(table.loc[key, "region"]))}" '
            f'fill="{first}"{attrs}><title>{e(str(table.loc[key, "name_vi"]))}</title></path>'
        )
    out.append("</svg>")
    return "".join(out)


def legend(block: Block) -> str:
    """The year's colour scale: lowest and highest PAPI total, and the grey of no score."""
    values = [v for r in block.rows if (v := _total(r)) is not None]
    scale = f'{fmt(min(values))} <span class="ramp"></span> {fmt(max(values))}' if values else "no scores"
    grey = '<span class="swatch"></span> no score or no report'
    return f'<p class="legend">Map: PAPI total {scale} · {grey}</p>'


def _no_score(year: int, block: Block) -> str:
    """Why some provinces have no score: named, with PAPI's note from a rank text when there is one."""
    names = [r.province for r in block.rows if _total(r) is None]
    if not names:
        return ""
    texts = [t for r in block.rows if isinstance(t := r.records.get("papi_rank_text"), str)]
    note = next((m[1] for t in texts if (m := re.search(r"\((PAPI ranked [^)]*)\)", t))), "")
    return (
        f'<p class="noscore">Not scored in {year} (không có điểm năm {year}): {e(", ".join(names))}. '
        "parlib's source has no PAPI total for them that year"
        f"{f' ({e(note)})' if note else ''}; provinces with no report that year are not listed.</p>"
    )


def _row(i: int, row: Row) -> str:
    rec = row.records
    tier = rec.get("papi_tier")
    tier_key = TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER) if tier else ""
    data = {"i": i, "pid": row.province_id, "region": row.region, "name": row.province, "tier": tier_key}
    for key, field_ in (("total", "papi_total"), ("rank", "papi_rank"), ("change", "papi_rank_change")):
        x = number(rec.get(field_))
        data[key] = "" if x is None else str(int(x)) if x.is_integer() else repr(x)
    data |= {"langs": " ".join(sorted(row.links)), "csv": csv_line(csv_fields(row))}
    attrs = "".join(f' data-{k}="{e(str(v))}"' for k, v in data.items())
    main = row.links.get("en") or row.links[min(row.links)]
    links = []
    for lang in words.LANGS:
        if lang in row.links:
            href, nb = row.links[lang]
            links.append(
                f'<a href="{e(href)}" hreflang="{lang}">{lang.upper()}</a> '
                f'<a class="muted" href="{e(nb)}">.ipynb</a>'
            )
    region = row.region
    region_cell = f'<td title="{e(words.region(region, "vi"))}">{e(words.region(region, "en"))}</td>'
    return (
        f"<tr{attrs}>"
        f'<td><a href="{e(main[0])}">{e(row.province)}</a></td>'
        f"{region_cell if region else '<td>—</td>'}"
        f'<td class="num">{e(fmt(rec.get("papi_total")))}</td>'
        f"{rank_cell(rec)}"
        f"<td>{e(fmt(tier))}</td>"
        f"<td>{e(places(rec.get('papi_rank_change')))}</td>"
        f'<td class="links">{" · ".join(links)}</td>'
        "</tr>"
    )


HEADER = (
    ("name", "text", "", "Province"),
    ("region", "text", "", "Region"),
    ("total", "num", "descending", "PAPI total"),
    ("rank", "num", "", "Rank"),
    ("tier", "num", "", "Tier"),
    ("change", "num", "descending", "Change in rank"),
)
"""The sortable columns: row data key, sort type, first direction (else ascending), label."""


def _table(rows: list[Row]) -> str:
    heads = []
    for key, kind, first, label in HEADER:
        cls = ' class="num"' if key in ("total", "rank") else ""
        sort = ' aria-sort="ascending"' if key == "rank" else ""
        sort += f' data-first="{first}"' if first else ""
        heads.append(
            f'<th{cls} data-key="{key}" data-type="{kind}"{sort}><button type="button">{label}</button></th>'
        )
    return (
        f"<table><thead><tr>{''.join(heads)}<th>Reports</th></tr></thead><tbody>"
        + "".join(_row(i, r) for i, r in enumerate(rows))
        + "</tbody></table>"
    )


def _year_block(geo: str, year: int, block: Block) -> str:
    suffix = "" if geo == "63" else f"-{geo}"
    part = [
        f'<div class="year" data-year="{year}" id="y{year}{suffix}">',
        f'<h3>{year} <span class="muted">({len(block.rows)} provinces, '
        f'<span class="count">{len(block.rows)} shown</span>)</span></h3>',
        _no_score(year, block),
        legend(block) if block.rows else "",
        _table(block.rows) if block.rows else "",
    ]
    if block.failed:
        items = []
        for name, href, err in block.failed:
            label = f'<a href="{e(href)}">{e(name)}</a>' if href else e(name)
            items.append(f'<li class="failed">{label}: {e(err)}</li>')
        part += [f"<p class='failed'>Failed ({len(block.failed)}), executed notebooks kept as logs:</p>"]
        part += ["<ul>", *items, "</ul>"]
    part.append("</div>")
    return "\n".join(p for p in part if p)


def _section(geo: str, blocks: Mapping[int, Block], svg: str) -> str:
    years = sorted(blocks, reverse=True)
    options = "".join(f'<option value="{y}">{y}</option>' for y in years)
    regions = "".join(
        f'<option value="{e(k)}">{e(words.region(k, "en"))} · {e(words.region(k, "vi"))}</option>'
        for k in provinces.REGIONS
    )
    note = f'<p class="muted">{e(GEO_NOTES[geo])}</p>' if GEO_NOTES.get(geo) else ""
    return "\n".join(
        [
            f'<section class="geo" id="geo{geo}" data-geo="{geo}" '
            f'data-csv-header="{e(csv_line(CSV_COLUMNS))}">',
            f"<h2>{e(GEO_TITLES.get(geo, geo))}</h2>",
            note,
            '<div class="controls">'
            f'<label>Year · Năm <select class="year">{options}</select></label> '
            f'<label>Region · Vùng <select class="region"><option value="">All regions · Tất cả</option>'
            f"{regions}</select></label> "
            '<button type="button" class="csv">Download the shown rows (CSV)</button></div>',
            '<div class="layout">',
            f'<figure class="mapbox">{svg}<figcaption class="muted">{MAP_NOTE}</figcaption></figure>'
            if svg
            else "",
            '<div class="tables">',
            *(_year_block(geo, y, blocks[y]) for y in years),
            "</div></div></section>",
        ]
    )


def page(sections: Mapping[str, Mapping[int, Block]], maps: Mapping[str, str], now: str, version: str) -> str:
    """The whole index page: ``sections`` geo -> year -> Block, ``maps`` geo -> inline SVG."""
    n = sum(len(r.links) for blocks in sections.values() for b in blocks.values() for r in b.rows)
    n_vi = sum("vi" in r.links for blocks in sections.values() for b in blocks.values() for r in b.rows)
    nav = []
    for geo, blocks in sections.items():
        suffix = "" if geo == "63" else f"-{geo}"
        label = "" if geo == "63" else f"{geo} units "
        nav += [
            f'<a href="#y{y}{suffix}" data-geo="{geo}" data-year="{y}">{label}{y}</a>'
            for y in sorted(blocks, reverse=True)
        ]
    css = (STATIC / "index.css").read_text(encoding="utf-8")
    ramp = f".ramp{{background:linear-gradient(90deg,{','.join(PALETTE)})}}.swatch{{background:{NO_SCORE}}}"
    script = (STATIC / "index.js").read_text(encoding="utf-8").replace("</", "<\\/")
    body = [_section(geo, blocks, maps.get(geo, "")) for geo, blocks in sections.items()]
    if not body:
        body = ["<p>No reports yet: run <code>parlib report --all</code>.</p>"]
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">',  # no favicon request
            f"<title>parlib reports · báo cáo</title><style>{css}{ramp}</style></head><body>",
            '<h1>Province reports · <span lang="vi">Báo cáo các tỉnh</span></h1>',
            f"<p class='muted'>{n} reports ({n_vi} in Vietnamese), generated {e(now)} "
            f"by parlib {e(version)}. "
            "Rank is among the provinces scored that year; change in rank is since the year before. "
            'Click a column header to sort. All rows as CSV: <a href="index.csv" download>index.csv</a>.</p>',
            f"<nav>{' · '.join(nav)}</nav>" if nav else "",
            *body,
            f'<script type="module">{script}</script>',
            "</body></html>",
            "",
        ]
    )
