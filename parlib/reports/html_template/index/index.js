// reports/index.html (parlib.reports.index_page): sortable columns, the year and region selectors,
// the map's colours and the CSV of the shown rows. Inline in the page; it sends no request.
const collator = new Intl.Collator("vi", { numeric: true, sensitivity: "base" });

function value(row, key, numeric) {
  const raw = row.dataset[key];
  if (raw === undefined || raw === "") return null;
  if (!numeric) return raw;
  const x = Number.parseFloat(raw);
  return Number.isFinite(x) ? x : null;
}

// Sort a table by a header: numbers as numbers, text in Vietnamese order, missing values last
// whichever the direction; ties keep the page's order.
function sortBy(th) {
  const table = th.closest("table");
  const body = table.tBodies[0];
  const key = th.dataset.key;
  const numeric = th.dataset.type === "num";
  const now = th.getAttribute("aria-sort");
  const dir = now === "ascending" ? "descending" : now === "descending" ? "ascending" : th.dataset.first || "ascending";
  for (const other of table.querySelectorAll("th[aria-sort]")) other.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", dir);
  const sign = dir === "ascending" ? 1 : -1;
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = value(a, key, numeric);
    const y = value(b, key, numeric);
    const tie = Number(a.dataset.i) - Number(b.dataset.i);
    if (x === null || y === null) return x === null && y === null ? tie : x === null ? 1 : -1;
    const c = numeric ? x - y : collator.compare(x, y);
    return c !== 0 ? sign * c : tie;
  });
  for (const row of rows) body.appendChild(row);
}

// Show the selected year's table, hide the rows outside the selected region, colour the map.
function refresh(section) {
  const yearSelect = section.querySelector("select.year");
  if (!yearSelect) return;
  const year = yearSelect.value;
  const region = section.querySelector("select.region").value;
  for (const block of section.querySelectorAll("div.year")) {
    block.hidden = block.dataset.year !== year;
    let shown = 0;
    const rows = block.querySelectorAll("tbody tr");
    for (const row of rows) {
      row.hidden = region !== "" && row.dataset.region !== region;
      if (!row.hidden) shown += 1;
    }
    const count = block.querySelector(".count");
    if (count) count.textContent = `${shown} shown`;
  }
  const svg = section.querySelector("svg.map");
  if (svg) {
    for (const path of svg.querySelectorAll("path")) {
      path.setAttribute("fill", path.getAttribute(`data-f${year}`) || svg.dataset.missing);
      path.classList.toggle("dim", region !== "" && path.dataset.region !== region);
    }
  }
}

// The shown rows of the shown year, in the shown order, as CSV (the columns of index.csv).
function download(section) {
  const year = section.querySelector("select.year").value;
  const block = section.querySelector(`div.year[data-year="${year}"]`);
  const rows = block ? Array.from(block.querySelectorAll("tbody tr")).filter((r) => !r.hidden) : [];
  const lines = [section.dataset.csvHeader, ...rows.map((r) => r.dataset.csv)];
  const blob = new Blob([`\ufeff${lines.join("\r\n")}\r\n`], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = `parlib-reports-${section.dataset.geo}-${year}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

for (const section of document.querySelectorAll("section.geo")) {
  for (const th of section.querySelectorAll("th[data-key]")) {
    th.querySelector("button").addEventListener("click", () => sortBy(th));
  }
  for (const select of section.querySelectorAll("select")) {
    select.addEventListener("change", () => refresh(section));
  }
  const button = section.querySelector("button.csv");
  if (button) button.addEventListener("click", () => download(section));
  refresh(section);
}

// A year link (nav, or the address's #y2024) selects that year in its section.
function goTo(hash) {
  const target = hash && document.getElementById(hash.slice(1));
  const section = target && target.closest("section.geo");
  if (!section || !target.dataset.year) return;
  section.querySelector("select.year").value = target.dataset.year;
  refresh(section);
  target.scrollIntoView();
}
window.addEventListener("hashchange", () => goTo(window.location.hash));
goTo(window.location.hash);
