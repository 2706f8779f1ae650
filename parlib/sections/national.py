"""The national driver -> outcome models for the cache: fitted once per panel, and their coefficient PNG.

The specification is that of notebooks/exploratory/3.1; the province report shows it in
``drivers_section`` (parlib.sections.national_section). parlib.models is imported only when the
models are fitted (inside ``prepare()``).
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Any

import pandas as pd

from parlib.sections.display import Chart, _figure

NATIONAL_DRIVER = "papi_egov_portal_access"
NATIONAL_OUTCOMES = ("papi_admin_procedures", "papi_public_services", "papi_control_of_corruption")
NATIONAL_SPEC: dict[str, Any] = {
    "years": (2018, 2024),
    "lag": 1,
    "fe": ("province", "year"),
    "cluster": "province",
    "inference": ("cr1", "wild", "ri"),
    "n_boot": 9999,
    "n_perm": 5000,
    "seed": 20251,
}
"""The national driver -> outcome specification of notebooks/exploratory/3.1 (Holm/BH across outcomes)."""


@lru_cache(maxsize=2)
def _national_models(stamp: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """The 3.1 specification fitted once per process and panel: (meta, fit_family table, within data)."""
    from parlib.errors import ParlibError
    from parlib.models import fit_family
    from parlib.panel import load_panel
    from parlib.sources.papi import CODEBOOK

    empty_within = pd.DataFrame(
        {"outcome": [], "province_id": [], "year": [], "outcome_within": [], "driver_within": []}
    )
    try:
        family = fit_family(
            load_panel(rebuild=False), list(NATIONAL_OUTCOMES), [NATIONAL_DRIVER], **NATIONAL_SPEC
        )
    except ParlibError as exc:  # e.g. a panel without the driver: the section says so in one line
        return {"error": str(exc)}, pd.DataFrame({"outcome": [], "term": []}), empty_within
    labels = CODEBOOK.set_index("component")["label_en"].to_dict()
    outcomes, frames = {}, []
    for outcome, res in family.results.items():
        within = res.within()
        driver = res.drivers[0]
        frames.append(
            within.rename(columns={outcome: "outcome_within", driver: "driver_within"}).assign(
                outcome=outcome
            )
        )
        outcomes[outcome] = {
            "label": labels.get(outcome.removeprefix("papi_"), outcome),
            "slope": within.attrs["slope"],
            "n_obs": res.spec["n_obs"],
            "n_provinces": res.spec["n_provinces"],
            "n_years": res.spec["n_years"],
            "first_year": res.spec["first_year"],
            "last_year": res.spec["last_year"],
            "n_dropped": len(res.dropped),
            "notes": res.notes,
            "label_spec": res.spec["label"],
        }
    term = family.results[NATIONAL_OUTCOMES[0]].drivers[0]
    meta = {
        "driver": NATIONAL_DRIVER,
        "driver_label": labels.get(NATIONAL_DRIVER.removeprefix("papi_"), NATIONAL_DRIVER),
        "term": term,
        "outcomes": outcomes,
        "spec": NATIONAL_SPEC,
    }
    within = pd.concat(frames, ignore_index=True)[list(empty_within.columns)]
    return meta, family.table.reset_index(drop=True), within


def _drivers_coef_png(meta: dict, table: pd.DataFrame) -> bytes:
    """The national coefficient plot (the same in every report), rendered once."""
    if "error" in meta:
        return b""
    from parlib import plots

    rows = table[table["term"] == meta["term"]]
    labels = {o: textwrap.fill(info["label"], 24) for o, info in meta["outcomes"].items()}
    fig = _figure((8.0, 4.3))
    fig.subplots_adjust(left=0.24, right=0.97, bottom=0.3, top=0.92)
    ax = fig.add_subplot()
    plots.coef_plot(rows.assign(outcome=rows["outcome"].map(labels)), ax=ax, annotate="p_holm")
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.2), ncols=2, fontsize=8, frameon=False)
    ax.set_xlabel("points of the outcome per point of the driver (95% interval)", fontsize=8)
    ax.set_title("National estimates by inference method, Holm-adjusted p", fontsize=10, loc="left")
    return Chart(fig, "coefficient plot").png()
