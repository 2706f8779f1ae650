"""The national driver -> outcome models for the cache: fitted once per panel, and their coefficient plot.

The specification is that of notebooks/exploratory/3.1; the province report shows it in
``drivers_section`` (parlib.sections.national_section). parlib.models is imported only when the
models are fitted (inside ``prepare()``). The coefficient plot states the estimates per 10
percentage points of the driver (``_STEP``); its PNG is drawn once per language into the cache
(``drivers_coef.png``, ``drivers_coef.vi.png``).
"""

from __future__ import annotations

import math
import textwrap
from functools import lru_cache
from typing import Any

import pandas as pd

from parlib.sections import words
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


_STEP = 0.1
"""The driver is a share (0-1) whose within-province changes span about -0.1 to 0.15: effects are
stated per 10 percentage points (the slope and its interval times 0.1), the unit people read."""

_WORDS = {
    "title": {
        "en": "National estimates by inference method, Holm-adjusted p",
        "vi": "Ước lượng toàn quốc theo phương pháp suy luận, giá trị p hiệu chỉnh Holm",
    },
    "xlabel": {
        "en": "points of the outcome per {step} percentage points more citizens using e-government portals "
        "(95% interval)",
        "vi": "số điểm của chỉ số kết quả khi tỷ lệ người dân sử dụng cổng dịch vụ công trực tuyến cao hơn "
        "{step} điểm phần trăm (khoảng tin cậy 95%)",
    },
    "holm": {"en": "Holm p {p}", "vi": "p Holm {p}"},
    "cr1": {"en": "cr1: cluster-robust CR1 t", "vi": "cr1: kiểm định t, sai số chuẩn vững theo cụm CR1"},
    "wild-rademacher": {
        "en": "wild-rademacher: wild cluster bootstrap (Rademacher)",
        "vi": "wild-rademacher: bootstrap hoang dã theo cụm (Rademacher)",
    },
    "ri": {
        "en": "ri: randomisation inference (p only)",
        "vi": "ri: suy luận ngẫu nhiên hóa (chỉ có giá trị p)",
    },
}
"""The coefficient plot's words in both languages (``words.say``); the methods' English: METHOD_LABELS."""


def _p_value(p: float, lang: str) -> str:
    """'= 0.184', '< 0.001' (Vietnamese: '= 0,184')."""
    if not math.isfinite(p):
        return "= " + words.num(p, 3, lang)
    return "< " + words.num(0.001, 3, lang) if p < 0.001 else "= " + words.num(p, 3, lang)


def _coef_chart(meta: dict, table: pd.DataFrame, lang: str = "en") -> Chart:
    """The national coefficient plot in ``lang``: estimates per 10 percentage points of the driver."""
    from parlib import plots
    from parlib.sections.figures import _WIDTH, _decimal_comma

    rows = table[table["term"] == meta["term"]]
    labels = {
        o: textwrap.fill(words.dimension(o.removeprefix("papi_"), info["label"], lang), 24)
        for o, info in meta["outcomes"].items()
    }
    scaled = rows.assign(
        outcome=rows["outcome"].map(labels),
        **{c: rows[c] * _STEP for c in ("estimate", "conf_low", "conf_high")},
    )
    fig = _figure((_WIDTH, 4.8))
    fig.subplots_adjust(left=0.2, right=0.97, bottom=0.34, top=0.92)
    ax = fig.add_subplot()
    methods = {m: words.say(_WORDS, m, lang) if m in _WORDS else m for m in plots.METHOD_LABELS}
    plots.coef_plot(
        scaled,
        ax=ax,
        annotate="p_holm",
        method_labels=methods,
        annotation=lambda p: words.say(_WORDS, "holm", lang, p=_p_value(p, lang)),
    )
    ax.legend(loc="upper center", bbox_to_anchor=(0.45, -0.27), ncols=2, fontsize=8, frameon=False)
    step = words.num(_STEP * 100, 0, lang)
    ax.set_xlabel(textwrap.fill(words.say(_WORDS, "xlabel", lang, step=step), 120), fontsize=8)
    ax.set_title(words.say(_WORDS, "title", lang), fontsize=10, loc="left")
    if lang == "vi":
        _decimal_comma(ax, "x")
    return Chart(fig, "coefficient plot")


def _drivers_coef_png(meta: dict, table: pd.DataFrame, lang: str = "en") -> bytes:
    """The national coefficient plot in ``lang`` (the same in every report), rendered once per cache."""
    if "error" in meta:
        return b""
    return _coef_chart(meta, table, lang).png()
