"""reports/index.html and a report in a real browser: Debian's chromium driven by Playwright.

Two real reports (Lạng Sơn 2022 in English, and in Vietnamese when the template declares
``lang``) are rendered by the runner into a temporary reports folder; four hand-written 2022
sidecars beside them give the table rows to sort and filter. The folder is served on 127.0.0.1.
The browser must send no request elsewhere, log no console error, and load every image.

Skipped with the reason when chromium (``apt-get install chromium``; .ci/run installs it) or the
playwright package (the dev extra) is missing: Playwright's own browser downloads are not used.
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from urllib.parse import urlsplit

import pytest

from parlib import reports
from parlib.reports import site

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium)"),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])"
)

YEAR = 2022


def _declares_lang() -> bool:
    try:
        return "lang" in reports.template_parameters(reports.default_template())
    except Exception:  # no template yet: the Vietnamese part is skipped with its reason
        return False


VI = _declares_lang()
# name, slug, province_id, region, PAPI total (None: not scored)
OTHERS = [
    ("Cà Mau", "ca-mau", "96", "mekong_delta", 44.5),
    ("Hà Nội", "ha-noi", "01", "red_river_delta", 41.25),
    ("Cần Thơ", "can-tho", "92", "mekong_delta", 47.75),
    ("Vĩnh Phúc", "vinh-phuc", "26", "red_river_delta", None),
]
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The reports folder (two real reports, four hand-written), served on 127.0.0.1."""
    root = tmp_path_factory.mktemp("reports")
    tasks = reports.plan(["Lạng Sơn"], [YEAR], reports_dir=root)
    if VI:
        tasks += reports.plan(["Lạng Sơn"], [YEAR], reports_dir=root, parameters={"lang": "vi"})
    batch = reports.run(tasks, jobs=len(tasks), progress=False, index=False)
    assert batch.ok, batch.summary()
    folder = root / str(YEAR)
    for name, slug, pid, _, total in OTHERS:
        records = {"province_id": pid, "province": name, "papi_total": total, "papi_rank": None}
        side = {"status": "ok", "province_id": pid, "province": name, "records": records}
        (folder / f"{slug}.json").write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
        (folder / f"{slug}.ipynb").write_text("{}", encoding="utf-8")
        page = (
            f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{slug}</title></head></html>'
        )
        (folder / f"{slug}.html").write_text(page, encoding="utf-8")
    site.write_index(root)
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"root": root, "url": f"http://127.0.0.1:{server.server_address[1]}/"}
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records every request, console error and page error; checked at the end."""
    context = browser.new_context()
    tab = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("console", lambda m: errors.append(f"{m.text} ({m.location})") if m.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    foreign = [u for u in requests if urlsplit(u).scheme not in ("data", "blob", "about", "file")]
    foreign = [u for u in foreign if urlsplit(u).hostname not in LOCAL]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert not errors, f"console errors: {errors}"


def _names(tab) -> list[str]:
    return tab.eval_on_selector_all(
        f'#geo63 div.year[data-year="{YEAR}"] tbody tr:not([hidden])', "rows => rows.map(r => r.dataset.name)"
    )


def _images_loaded(tab) -> int:
    """How many images the page has; fails when one did not load."""
    tab.wait_for_load_state("load")
    sizes = tab.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert all(w > 0 for w in sizes), f"images not loaded: {sizes}"
    return len(sizes)


def test_index_sorts_filters_and_links_to_a_report_and_back(served, page):
    page.goto(served["url"] + "index.html")
    assert page.title().startswith("parlib reports")
    assert page.locator("html").get_attribute("lang") == "en"
    totals = {name: total for name, _, _, _, total in OTHERS}
    totals["Lạng Sơn"] = json.loads((served["root"] / str(YEAR) / "lang-son.json").read_text())["records"][
        "papi_total"
    ]
    names = _names(page)
    assert names[0] == "Lạng Sơn" and sorted(names) == sorted(totals)  # ranked first, the others by name
    header = page.locator(f'#geo63 div.year[data-year="{YEAR}"] th[data-key="total"] button')
    scored = sorted((n for n in totals if totals[n] is not None), key=lambda n: totals[n])
    header.click()  # the first click: highest first, not scored last
    assert _names(page) == [*reversed(scored), "Vĩnh Phúc"]
    assert header.locator("..").get_attribute("aria-sort") == "descending"
    header.click()
    assert _names(page) == [*scored, "Vĩnh Phúc"]  # missing values stay last
    page.select_option("#geo63 select.region", "mekong_delta")
    assert _names(page) == sorted(["Cà Mau", "Cần Thơ"], key=lambda n: totals[n])
    dimmed = page.locator("#geo63 svg.map path.dim").count()
    assert 0 < dimmed < page.locator("#geo63 svg.map path").count()
    assert "2 shown" in page.locator(f'#geo63 div.year[data-year="{YEAR}"] .count').inner_text()
    page.select_option("#geo63 select.region", "")
    assert len(_names(page)) == 5
    assert _images_loaded(page) == 0  # the index has none: its map is inline SVG

    page.click(f'#geo63 a[href="{YEAR}/lang-son.html"] >> nth=0')
    page.wait_for_url(f"**/{YEAR}/lang-son.html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Lạng Sơn" in page.title()
    assert _images_loaded(page) > 0  # the report's figures are embedded
    assert "Generated" in page.locator("footer.parlib-bottom").inner_text()
    page.click("nav.parlib-top a.parlib-index")
    page.wait_for_url("**/index.html")
    assert _names(page)[0] == "Lạng Sơn"


@pytest.mark.skipif(
    not VI, reason="the report template declares no 'lang' parameter yet: no Vietnamese report"
)
def test_vietnamese_report(served, page):
    page.goto(served["url"] + "index.html")
    page.click(f'#geo63 a[href="{YEAR}/lang-son.vi.html"]')
    page.wait_for_url(f"**/{YEAR}/lang-son.vi.html")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "điểm" in page.locator("main").inner_text()
    assert _images_loaded(page) > 0
    page.click("nav.parlib-top a.parlib-lang")  # the same report in English
    page.wait_for_url(f"**/{YEAR}/lang-son.html")
    assert page.locator("html").get_attribute("lang") == "en"
