"""HTML: a report's page (``to_html``, no code) and the index page of every report (``write_index``).

Decision (atomic outputs, the index): reports/index.html is written atomically; an index page
that cannot be written is one more line in the batch summary (the old page stays) and the exit
status is 1 (``run``).
"""

from __future__ import annotations

import html
import json
import math
import re
from pathlib import Path
from typing import Any

from parlib import config
from parlib.reports.files import _write_text
from parlib.reports.provenance import RECORD_MIMETYPE, _now, _parlib_version


def to_html(notebook: Path, title: str) -> str:
    """HTML of an executed notebook without code input or prompts.

    Cells tagged ``remove-cell`` and outputs that carry recorded values (``RECORD_MIMETYPE``) are
    dropped. The template is nbconvert's "lab" without the scripts it loads from CDNs (require.js,
    MathJax, mermaid; parlib/reports/html_template/offline): a report opens offline and sends no
    request. Its figures are embedded PNGs and its style is inline.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:  # recorded values are machine-readable data, not part of the page
        if "outputs" in cell:
            cell.outputs = [o for o in cell.outputs if RECORD_MIMETYPE not in o.get("data", {})]
    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        extra_template_basedirs=[str(Path(__file__).with_name("html_template"))],
        template_name="offline",
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell", "remove_cell"}, enabled=True), enabled=True
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:60rem;
padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:.25rem .5rem;border-bottom:1px solid #eee;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777}.failed{color:#a00}
"""


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _fmt(value: object, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _places(value: object) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    from parlib.indices.ranking import places_phrase

    return places_phrase(value)


def _rank_cell(rec: dict[str, Any]) -> str:
    """The Rank cell: ``papi_rank_text`` as the report prints it (PAPI's N), kept short.

    'rank 29 of 63 (PAPI ranked 63; 2 are missing ...)' shows '29 of 63' with the whole text as
    the cell's title (a tooltip); 'rank 28-30 of 63 (...)' shows '28-30 of 63'. A sidecar
    without ``papi_rank_text`` (older reports, other templates) shows ``papi_rank`` of
    ``papi_rank_of``.
    """
    e = html.escape
    rank, rank_of = rec.get("papi_rank"), rec.get("papi_rank_of")
    rank_txt = "—" if rank is None else f"{_fmt(rank, 0)} of {_fmt(rank_of, 0)}"
    text = rec.get("papi_rank_text")
    if not isinstance(text, str) or not text.strip():
        return f'<td class="num">{e(rank_txt)}</td>'
    full = " ".join(text.split())
    m = re.match(r"(?:rank )?(\d+(?:-\d+)? of \d+|\d+)\b", full)
    short = m[1] if m else rank_txt
    rest = full[m.end() :].strip() if m else full
    title = f' title="{e(full)}"' if rest else ""
    return f'<td class="num"{title}>{e(short)}</td>'


def write_index(reports_dir: Path | None = None) -> Path:
    """reports/index.html: every report grouped by year (latest first), with a summary table each.

    Rows come from the sidecars (a report counts only with its sidecar, .ipynb and .html);
    failed logs are listed under the table. Self-contained HTML, every value escaped.
    """
    root = Path(reports_dir or config.reports_dir())
    root.mkdir(parents=True, exist_ok=True)
    e = html.escape
    sections: list[str] = []
    total = 0
    years = sorted((p for p in root.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}", p.name)), reverse=True)
    for folder in years:
        rows = []
        for side_path in sorted(folder.glob("*.json")):
            stem = side_path.stem
            if stem.startswith("."):  # another batch's temporary file
                continue
            side = _read_json(side_path)
            if not side or side.get("status") != "ok":
                continue
            if not (folder / f"{stem}.html").is_file() or not (folder / f"{stem}.ipynb").is_file():
                continue
            rows.append((side, stem))
        failed = [p for p in sorted((folder / "failed").glob("*.json")) if not p.name.startswith(".")]
        if not rows and not failed:
            continue

        def order(item: tuple[dict[str, Any], str]) -> tuple[float, str]:
            rank = (item[0].get("records") or {}).get("papi_rank")
            ok = isinstance(rank, (int, float)) and not isinstance(rank, bool) and math.isfinite(rank)
            return (float(rank) if ok else math.inf, str(item[0].get("province", item[1])))

        body = []
        for side, stem in sorted(rows, key=order):
            rec = side.get("records") or {}
            year_dir = e(folder.name)
            body.append(
                "<tr>"
                f'<td><a href="{year_dir}/{e(stem)}.html">{e(str(side.get("province", stem)))}</a></td>'
                f'<td class="num">{e(_fmt(rec.get("papi_total")))}</td>'
                f"{_rank_cell(rec)}"
                f"<td>{e(_fmt(rec.get('papi_tier')))}</td>"
                f"<td>{e(_places(rec.get('papi_rank_change')))}</td>"
                f'<td><a class="muted" href="{year_dir}/{e(stem)}.ipynb">notebook</a></td>'
                "</tr>"
            )
        total += len(rows)
        part = [
            f'<h2 id="y{e(folder.name)}">{e(folder.name)} '
            f'<span class="muted">({len(rows)} reports)</span></h2>',
            "<table><thead><tr><th>Province</th><th class='num'>PAPI total</th><th class='num'>Rank</th>"
            "<th>Tier</th><th>Change in rank</th><th></th></tr></thead><tbody>",
            *body,
            "</tbody></table>",
        ]
        if failed:
            items = []
            for fpath in failed:
                side = _read_json(fpath) or {}
                err = side.get("error") or {}
                name = e(str(side.get("province", fpath.stem)))
                if fpath.with_suffix(".ipynb").is_file():  # a cut-off notebook is not kept as a log
                    name = f'<a href="{e(folder.name)}/failed/{e(fpath.stem)}.ipynb">{name}</a>'
                items.append(
                    f'<li class="failed">{name}: {e(str(err.get("ename", "")))}: '
                    f"{e(str(err.get('evalue', ''))[:200])}</li>"
                )
            part += [f"<p class='failed'>Failed ({len(failed)}), executed notebooks kept as logs:</p>"]
            part += ["<ul>", *items, "</ul>"]
        sections.append("\n".join(part))
    nav = " · ".join(f'<a href="#y{e(p.name)}">{e(p.name)}</a>' for p in years)
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>parlib reports</title><style>{_CSS}</style></head><body>",
            "<h1>Province reports</h1>",
            f"<p class='muted'>{total} reports, generated {e(_now())} by parlib {e(_parlib_version())}. "
            "Rank is among the provinces scored that year; change in rank is since the year before.</p>",
            f"<p>{nav}</p>" if nav else "<p>No reports yet: run <code>parlib report --all</code>.</p>",
            *sections,
            "</body></html>",
            "",
        ]
    )
    target = root / "index.html"
    _write_text(target, page)
    return target
