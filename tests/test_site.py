"""reports/index.html, index.csv and the report bar (parlib.reports.site, parlib.reports.index_page).

The index is built from hand-written sidecars in a temporary reports folder (no kernel): two
years of the 63 provinces with English and Vietnamese reports, provinces without a score, a
hostile province name, temporary and incomplete files, failed logs, and a year of 34-unit
reports. The assertions read the page with selectolax, as a browser would see its elements.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from selectolax.lexbor import LexborHTMLParser

from parlib import provinces
from parlib.reports import index_page, site
from parlib.sections import words

HOSTILE = '=1+2 <script>alert("x")</script> & <b>'
LONG = "rank 12 of 63 (PAPI ranked 63; 2 are missing from parlib's source: Vĩnh Phúc, Tiền Giang)"
SHA = "abcdef0123456789" * 4


def _side(pid, name, total, rank=None, *, tier=None, change=None, text=None, lang=None, geo=None, **more):
    records = {"province_id": pid, "province": name, "papi_total": total, "papi_rank": rank}
    records |= {"papi_rank_of": 61 if rank else None, "papi_tier": tier, "papi_rank_change": change}
    if text:
        records["papi_rank_text"] = text
    records |= more
    side = {"status": "ok", "province_id": pid, "province": name, "records": records}
    side |= {k: v for k, v in (("lang", lang), ("geo", geo)) if v}
    return side


def _report(folder: Path, stem: str, side: dict, *, html: bool = True) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.json").write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
    (folder / f"{stem}.ipynb").write_text("{}", encoding="utf-8")
    if html:
        (folder / f"{stem}.html").write_text("<html></html>", encoding="utf-8")


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory):
    """A reports folder of hand-written sidecars, and its index page written once."""
    root = tmp_path_factory.mktemp("reports")
    y24, y22, g34 = root / "2024", root / "2022", root / "2024" / "geo34"
    lang_son = _side("20", "Lạng Sơn", 45.00362277, 12, tier="best", change=9, text=LONG)
    _report(y24, "lang-son", lang_son)
    _report(y24, "lang-son.vi", {**lang_son, "lang": "vi"})
    _report(y24, "ha-noi", _side("01", "Hà Nội", 43.2, 29, tier="low-average", change=-3))
    _report(y24, "ca-mau", _side("96", "Cà Mau", 44.52, 17, tier="high-average", change=38))
    _report(y24, "can-tho", _side("92", "Cần Thơ", 40.44, 59, tier="poor", change=-6))
    _report(y24, "vinh-phuc", _side("26", "Vĩnh Phúc", None))
    _report(y24, "tien-giang", _side("82", "Tiền Giang", None))
    _report(y24, "x", _side("99", HOSTILE, None))
    _report(y24, ".lang-son.batch1.tmp", _side("20", "TEMPFILE", 1.0, 1))  # another batch's temporary file
    _report(y24, "half", _side("02", "HALFDONE", 1.0, 1), html=False)  # no .html: not a report
    (y24 / "failed").mkdir()
    failed = {
        "status": "failed",
        "province": "Cao Bằng",
        "error": {"ename": "RuntimeError", "evalue": "boom"},
    }
    (y24 / "failed" / "cao-bang.json").write_text(json.dumps(failed), encoding="utf-8")
    (y24 / "failed" / "cao-bang.ipynb").write_text("{}", encoding="utf-8")
    (y24 / "failed" / "cao-bang.vi.json").write_text(json.dumps({**failed, "lang": "vi"}), encoding="utf-8")
    _report(y22, "lang-son", _side("20", "Lạng Sơn", 42.0, 21, tier="high", change=3))
    unit = _side("20", "Lạng Sơn", 44.9, 10, geo="34", synthetic=True)
    _report(g34, "lang-son", unit)
    _report(g34, "lang-son.vi", {**unit, "lang": "vi"})
    _report(g34, "phu-tho.vi", _side("25", "Phú Thọ", 43.0, 20, geo="34", lang="vi", synthetic=True))
    _report(g34, "ha-noi", _side("01", "Hà Nội", None, geo="34", synthetic=True))
    index = site.write_index(root)
    text = index.read_text(encoding="utf-8")
    return {"root": root, "page": text, "tree": LexborHTMLParser(text)}


def _rows(node) -> list:
    return node.css("tbody tr")


def _block(tree, geo: str, year: int):
    return tree.css_first(f'section#geo{geo} div.year[data-year="{year}"]')


def test_columns_carry_what_sorting_needs(site_dir):
    block = _block(site_dir["tree"], "63", 2024)
    heads = block.css("th[data-key]")
    assert [h.attributes["data-key"] for h in heads] == ["name", "region", "total", "rank", "tier", "change"]
    kinds = {h.attributes["data-key"]: h.attributes["data-type"] for h in heads}
    assert kinds == {
        "name": "text",
        "region": "text",
        "total": "num",
        "rank": "num",
        "tier": "num",
        "change": "num",
    }
    assert all(h.css_first("button") is not None for h in heads)  # clickable, keyboard-reachable
    by_key = {h.attributes["data-key"]: h for h in heads}
    assert by_key["total"].attributes["data-first"] == "descending"  # the best first on the first click
    assert by_key["rank"].attributes["aria-sort"] == "ascending"  # the rows' initial order
    rows = _rows(block)
    # by rank, then the provinces without a rank by name (missing values last)
    names = [r.attributes["data-name"] for r in rows]
    assert names == ["Lạng Sơn", "Cà Mau", "Hà Nội", "Cần Thơ", HOSTILE, "Tiền Giang", "Vĩnh Phúc"]
    first = rows[0].attributes
    assert float(first["data-total"]) == 45.00362277 and first["data-rank"] == "12"
    assert first["data-change"] == "9" and first["data-tier"] == "0"  # tiers sort best .. poor
    assert [r.attributes["data-tier"] for r in rows[:4]] == ["0", "1", "2", "3"]
    assert all(r.attributes["data-total"] == "" for r in rows[4:])  # missing: empty, sorted last
    assert [int(r.attributes["data-i"]) for r in rows] == list(range(len(rows)))  # ties keep this order
    assert rows[0].css("td")[3].text() == "12 of 63" and rows[0].css("td")[3].attributes["title"] == LONG


def test_region_filter_lists_the_regions_and_rows_carry_theirs(site_dir):
    tree = site_dir["tree"]
    for geo in ("63", "34"):
        options = tree.css(f"section#geo{geo} select.region option")
        assert [o.attributes["value"] for o in options] == ["", *provinces.REGIONS]
        for option, key in zip(options[1:], provinces.REGIONS, strict=True):
            assert option.text() == f"{words.region(key, 'en')} · {words.region(key, 'vi')}"
    rows = {r.attributes["data-name"]: r for r in _rows(_block(tree, "63", 2024))}
    assert rows["Lạng Sơn"].attributes["data-region"] == "northern_midlands_mountains"
    assert rows["Cà Mau"].attributes["data-region"] == "mekong_delta"
    assert rows["Cà Mau"].css("td")[1].text() == "Mekong River Delta"
    assert (
        rows[HOSTILE].attributes["data-region"] == ""
    )  # an unknown province: no region, shown with every one
    years = [o.attributes["value"] for o in tree.css("section#geo63 select.year option")]
    assert years == ["2024", "2022"]


def test_csv_rows_equal_the_table_rows(site_dir):
    text = (site_dir["root"] / "index.csv").read_bytes().decode("utf-8")  # its \r\n line ends as written
    assert text.startswith("\ufeff")
    lines = text[1:].split("\r\n")
    assert lines[-1] == "" and lines[0] == ",".join(index_page.CSV_COLUMNS)
    rows = site_dir["tree"].css("section.geo tbody tr")
    assert [r.attributes["data-csv"] for r in rows] == lines[1:-1]  # the button's rows are the file's
    for section in site_dir["tree"].css("section.geo"):
        assert section.attributes["data-csv-header"] == lines[0]
    table = list(csv.DictReader(lines[1:-1], fieldnames=index_page.CSV_COLUMNS))
    assert len(table) == len(rows) == 11
    for rec, tr in zip(table, rows, strict=True):
        cells = [td.text() for td in tr.css("td")]
        name = rec["province"][1:] if rec["province"].startswith("'=") else rec["province"]
        assert cells[0] == name == tr.attributes["data-name"]
        assert cells[1] == (words.region(rec["region"], "en") if rec["region"] else "—")
        assert cells[2] == (f"{float(rec['papi_total']):.2f}" if rec["papi_total"] else "—")
        assert tr.css_first("td a").attributes["href"] == (rec["report_en"] or rec["report_vi"])
        assert rec["languages"].split() == tr.attributes["data-langs"].split()
    first = table[0]
    assert (first["geo"], first["year"], first["province_id"], first["region"]) == (
        "63",
        "2024",
        "20",
        "northern_midlands_mountains",
    )
    assert (first["papi_total"], first["papi_rank"], first["papi_rank_of"]) == ("45.00362277", "12", "61")
    assert first["papi_rank_text"] == LONG and first["languages"] == "en vi"
    assert first["report_vi"] == "2024/lang-son.vi.html"
    geo34 = [r for r in table if r["geo"] == "34"]
    assert {r["synthetic"] for r in geo34} == {"true"} and {r["province_id"] for r in geo34} == {
        "20",
        "25",
        "01",
    }


def test_a_line_names_the_provinces_without_a_score(site_dir):
    block = _block(site_dir["tree"], "63", 2024)
    line = block.css_first("p.noscore").text()
    assert line.startswith(f"Not scored in 2024 (không có điểm năm 2024): {HOSTILE}, Tiền Giang, Vĩnh Phúc.")
    assert "(PAPI ranked 63; 2 are missing from parlib's source: Vĩnh Phúc, Tiền Giang)" in line
    assert _block(site_dir["tree"], "63", 2022).css_first("p.noscore") is None
    assert (
        "Not scored in 2024 (không có điểm năm 2024): Hà Nội." in _block(site_dir["tree"], "34", 2024).text()
    )


def test_34_unit_reports_have_their_own_section(site_dir):
    tree, page = site_dir["tree"], site_dir["page"]
    assert page.index('id="geo63"') < page.index('id="geo34"')
    assert "34 provinces from 1 July 2025" in tree.css_first("section#geo34 h2").text()
    assert "synthetic" in tree.css_first("section#geo34").text()
    assert not [a for a in tree.css("section#geo63 a") if "geo34/" in a.attributes.get("href", "")]
    rows = {r.attributes["data-name"]: r for r in _rows(_block(tree, "34", 2024))}
    assert list(rows) == ["Lạng Sơn", "Phú Thọ", "Hà Nội"]
    links = [a.attributes["href"] for a in rows["Lạng Sơn"].css("a")]
    assert links == [
        "2024/geo34/lang-son.html",
        "2024/geo34/lang-son.html",
        "2024/geo34/lang-son.ipynb",
        "2024/geo34/lang-son.vi.html",
        "2024/geo34/lang-son.vi.ipynb",
    ]
    assert rows["Phú Thọ"].css_first("td a").attributes["href"] == "2024/geo34/phu-tho.vi.html"  # vi only
    assert rows["Phú Thọ"].attributes["data-region"] == provinces.PROVINCES_34.loc["25", "region"]
    assert tree.css_first('nav a[href="#y2024-34"]') is not None
    assert tree.css_first("div.year#y2024-34") is not None


def test_each_language_is_linked(site_dir):
    tree = site_dir["tree"]
    rows = {r.attributes["data-name"]: r for r in _rows(_block(tree, "63", 2024))}
    lang_son = rows["Lạng Sơn"]
    assert lang_son.attributes["data-langs"] == "en vi" and rows["Hà Nội"].attributes["data-langs"] == "en"
    assert lang_son.css_first("td a").attributes["href"] == "2024/lang-son.html"  # the name: English first
    links = [
        (a.text(), a.attributes["href"], a.attributes.get("hreflang")) for a in lang_son.css("td.links a")
    ]
    assert links == [  # each language's page, its notebook beside it as a secondary link
        ("EN", "2024/lang-son.html", "en"),
        (".ipynb", "2024/lang-son.ipynb", None),
        ("VI", "2024/lang-son.vi.html", "vi"),
        (".ipynb", "2024/lang-son.vi.ipynb", None),
    ]
    assert "13 reports (3 in Vietnamese)" in site_dir["page"]  # a report per language


def test_only_complete_reports_count_and_failed_logs_are_listed(site_dir):
    page = site_dir["page"]
    assert "TEMPFILE" not in page and ".lang-son" not in page and "HALFDONE" not in page
    failed = _block(site_dir["tree"], "63", 2024).css("li.failed")
    assert [li.text() for li in failed] == [
        "Cao Bằng: RuntimeError: boom",
        "Cao Bằng (vi): RuntimeError: boom",
    ]
    assert failed[0].css_first("a").attributes["href"] == "2024/failed/cao-bang.ipynb"
    assert failed[1].css_first("a") is None  # no notebook kept: no link


def test_no_external_urls(site_dir):
    page = site_dir["page"]
    tags = r"<(?:script|link|img|iframe|source|image|use|embed|object)\b[^>]*"
    assert not re.search(tags + r"\b(?:src|href|data)\s*=\s*[\"']?\s*(?:https?:)?//", page, re.I)
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", page, re.I)  # every script inline
    assert not re.search(r"@import|url\(\s*[\"']?\s*(?:https?:)?//|@font-face", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert len(re.findall(r"<script\b", page)) == 1
    assert re.findall(r"<link\b[^>]*>", page) == ['<link rel="icon" href="data:,">']  # no favicon request


def test_hostile_province_name_is_escaped(site_dir):
    page = site_dir["page"]
    assert HOSTILE not in page and '<script>alert("x")' not in page and "<b>" not in page
    escaped = "=1+2 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;"
    assert f'<td><a href="2024/x.html">{escaped}</a></td>' in page
    assert f'data-name="{escaped}"' in page
    row = next(r for r in site_dir["tree"].css("tbody tr") if r.attributes["data-name"] == HOSTILE)
    record = next(csv.reader([row.attributes["data-csv"]]))
    assert record[3] == "'" + HOSTILE  # a spreadsheet reads it as text, not as a formula
    with open(site_dir["root"] / "index.csv", encoding="utf-8-sig", newline="") as fh:
        assert [r["province"] for r in csv.DictReader(fh) if r["province_id"] == "99"] == ["'" + HOSTILE]


def test_map_is_inline_small_and_coloured_by_year(site_dir):
    tree, page = site_dir["tree"], site_dir["page"]
    assert len(page.encode()) < 300_000
    svg63, svg34 = tree.css_first("section#geo63 svg.map"), tree.css_first("section#geo34 svg.map")
    if svg63 is None:
        pytest.skip("no province boundaries in data/raw (run `make data`)")
    assert len(svg63.html) < 60_000
    paths63 = {p.attributes["data-pid"]: p for p in svg63.css("path")}
    assert set(paths63) == set(provinces.PROVINCES_63.index) - {provinces.HA_TAY}
    lang_son = paths63["20"].attributes
    hi = index_page.colour(45.00362277, 40.44, 45.00362277)
    assert lang_son["fill"] == lang_son["data-f2024"] == hi == index_page.PALETTE[-1]
    assert lang_son["data-f2022"] == index_page.colour(42.0, 42.0, 42.0)  # one score: the middle
    assert paths63["92"].attributes["data-f2024"] == index_page.PALETTE[0]  # Cần Thơ, the lowest
    assert (
        paths63["26"].attributes["fill"] == index_page.NO_SCORE
        and "data-f2024" not in paths63["26"].attributes
    )
    assert paths63["20"].css_first("title").text() == "Lạng Sơn"
    units = {p.attributes["data-pid"] for p in svg34.css("path")}
    assert units == set(provinces.PROVINCES_34.index)  # each old province drawn with its unit's colour
    absorbed = [p for p in svg34.css("path") if p.attributes["data-pid"] == "25"]
    assert len(absorbed) == 3 and {p.attributes["fill"] for p in absorbed} == {index_page.PALETTE[0]}


def test_index_is_written_atomically_page_staged_first(tmp_path, monkeypatch):
    """The page is staged, then index.csv written, then the page renamed in: a write that fails
    (a full disk) leaves both old files and no temporary one."""
    written = []
    real = site._write_text
    monkeypatch.setattr(site, "_write_text", lambda path, text: written.append(path.name) or real(path, text))
    index = site.write_index(tmp_path)
    assert written[0].startswith(".index.html.index.") and written[1:] == ["index.csv"]
    assert index == tmp_path / "index.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.csv", "index.html"]
    assert "No reports yet" in index.read_text(encoding="utf-8")
    assert (tmp_path / "index.csv").read_bytes().decode() == "\ufeff" + ",".join(
        index_page.CSV_COLUMNS
    ) + "\r\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.csv", "index.html"]


# --------------------------------------------------------------------------- the report's own page


@pytest.fixture
def notebook(tmp_path):
    """An executed-looking notebook: prose, code with its output, a cell tagged remove-cell."""
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("SECRET_CODE = 1\nprint('OUTPUT_MARK')", execution_count=1)
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="OUTPUT_MARK\n")]
    nb.cells = [nbformat.v4.new_markdown_cell("Tổng điểm PAPI của tỉnh"), code]
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)
    return path


def _provenance(**more):
    data = {"panel": {"sha256": SHA}, "report_cache": {"sha256": "9" * 64}}
    side = {"slug": "lang-son", "parlib_version": "0.1.0", "started": "2025-05-01T10:00:00+00:00"}
    return side | {"inputs": {"data": data}, "parameters": {"province": "Lang Son", "year": 2024}} | more


def _bars(page: str) -> tuple:
    tree = LexborHTMLParser(page)
    return tree, tree.css_first("nav.parlib-top"), tree.css_first("footer.parlib-bottom")


def test_vietnamese_report_page(notebook, tmp_path):
    target = tmp_path / "2024" / "lang-son.vi.html"
    page = site.to_html(notebook, "Lạng Sơn 2024", provenance=_provenance(lang="vi"), target=target)
    tree, top, bottom = _bars(page)
    assert tree.css_first("html").attributes["lang"] == "vi"
    assert top.css_first("a.parlib-index").attributes["href"] == "../index.html"
    other = top.css_first("a.parlib-lang")
    assert other.attributes["href"] == "lang-son.html" and other.attributes["hreflang"] == "en"
    assert other.text() == "This report in English"
    made = bottom.text()
    assert "Tạo ngày 2025-05-01 bằng parlib 0.1.0" in made and f"bảng {SHA[:12]}" in made and "9" * 12 in made
    assert bottom.css_first("a.parlib-index").attributes["href"] == "../index.html"
    assert "SECRET_CODE" not in page and "OUTPUT_MARK" in page and "Tổng điểm PAPI" in page
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', page)


def test_34_unit_english_report_page(notebook, tmp_path):
    target = tmp_path / "2024" / "geo34" / "lang-son.html"
    side = _provenance(geo="34", finished="2025-05-02T10:00:00+00:00")
    page = site.to_html(notebook, "Lạng Sơn 2024", provenance=side, target=target)
    tree, top, bottom = _bars(page)
    assert tree.css_first("html").attributes["lang"] == "en"
    assert top.css_first("a.parlib-index").attributes["href"] == "../../index.html"
    other = top.css_first("a.parlib-lang")
    assert other.attributes["href"] == "lang-son.vi.html" and other.text() == "Báo cáo này bằng tiếng Việt"
    assert f"Generated 2025-05-02 by parlib 0.1.0 · data panel {SHA[:12]}" in bottom.text()


def test_report_page_arguments_and_escaping(notebook):
    side = _provenance(parlib_version="<script>x</script>", lang="en")
    page = site.to_html(
        notebook, "T", provenance=side, lang="vi", index_href="../i.html?a=1&b=2", alternates={}
    )
    tree, top, bottom = _bars(page)
    assert tree.css_first("html").attributes["lang"] == "vi"  # the argument wins over the sidecar
    assert top.css_first("a.parlib-lang") is None
    assert 'href="../i.html?a=1&amp;b=2"' in page
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page
    assert "không rõ" not in bottom.text()
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        site.to_html(notebook, "T", lang="fr")
