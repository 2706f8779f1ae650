"""The links a report cites, collected once per year for the cache (sources.json).

``cache_sources(year)``: the upstream datasets (the registry's pinned URLs, one link per
repository at its pinned commit) and, per province, the publishers' pages of the year's figures
in the published record (its ``source_url``). ``parlib.sections.about.sources`` shows them.
"""

from __future__ import annotations

from typing import Any


def _repository(url: str) -> str:
    """The browsable page of a raw GitHub file's repository at its pinned commit; other URLs as given."""
    parts = url.split("/")
    if url.startswith("https://raw.githubusercontent.com/") and len(parts) > 5:
        return f"https://github.com/{parts[3]}/{parts[4]}/tree/{parts[5]}"
    return url


def cache_sources(year: int) -> dict[str, Any]:
    """What ``sources`` shows, for the cache: the upstream datasets and each province's published pages.

    ``datasets``: [{source, url, files, licence}] from the registry (rows with an upstream URL);
    ``pages``: {province_id: [{index, url}]} from the published record's rows of ``year`` for the
    63 provinces; ``pages34``: the same for the 34 provinces from 1 July 2025 (DTI 2024).
    """
    import pandas as pd

    from parlib import config
    from parlib.sources import published

    registry = pd.read_csv(config.registry_path(), dtype=str).fillna("")
    upstream = registry[registry["url"].str.startswith("http")]
    datasets = [
        {
            "source": str(source),
            "url": _repository(str(rows["url"].iloc[0])),
            "files": len(rows),
            "licence": str(rows["licence"].iloc[0]),
        }
        for source, rows in upstream.groupby("source", sort=True)
    ]
    record = published.read_published()
    out: dict[str, Any] = {"datasets": datasets}
    for geo, key in (("63", "pages"), ("34", "pages34")):  # the 34 units reuse some codes
        keep = (record["year"] == year) & (record["geo"].astype(str) == geo) & record["province_id"].notna()
        rows = record[keep & record["source_url"].notna()]
        pages: dict[str, list[dict[str, str]]] = {}
        for (pid, index, url), _ in rows.groupby(["province_id", "index", "source_url"], sort=True):
            pages.setdefault(str(pid), []).append({"index": str(index), "url": str(url)})
        out[key] = pages
    return out
