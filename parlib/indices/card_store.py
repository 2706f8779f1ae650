"""The province cards as the build stores them, so ``parlib card`` reads instead of computing.

``parlib data build`` (``parlib.panel.build``) computes the facts of every card (every province in
force, every year an index covers) once and writes them into the panel's generation as
``cards.json``, switched atomically with the panel (parlib.store). The build manifest records what
they were made from (``inputs``: the build's key, which covers every raw file and the reading code,
and the sha256 of the code that computes the indices and cards, ``CODE``), so they are stale
exactly when that content changes, never by file times.

``read_card(province, year)`` is the fast path of ``parlib card``: it imports the standard library
and parlib's light modules only (no pandas), checks freshness by content hashes, and formats the
stored facts with the same code as ``ProvinceCard`` (``parlib.indices.facts``). It answers None
whenever it cannot answer exactly as ``parlib.indices.card.card`` would (a panel that must be
rebuilt, stored cards that are missing or stale, a spelling or a year the store does not hold, an
error to report), and the caller then computes the card in full. It writes nothing.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from parlib.indices import facts as wording

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from parlib.store import Generation

FILE = "cards.json"
SCHEMA = "parlib.cards/1"
"""Bumped when the layout of cards.json changes: an older one counts as stale."""

CODE = ["indices/*.py", "__init__.py", "errors.py", "config.py", "freshness.py", "store.py", "atomic.py"]
"""parlib's files, besides those of the build's own key (``parlib.panel.CODE``: the readers, the
province registry), whose change makes the stored cards stale: the index and card code and what it
imports (tests/test_card_store.py checks the list against the modules ``parlib.indices.card`` loads)."""

FAST = "run `parlib data build` to make `parlib card` fast"


def inputs(build_key: str) -> dict[str, Any]:
    """What the stored cards are made from, by content: the build's key and the card code's sha256."""
    from parlib.freshness import code_hashes

    return {"schema": SCHEMA, "build": build_key, "code": code_hashes(CODE)}


def stale_reason(gen: Generation | None) -> str | None:
    """Why ``gen``'s stored cards cannot be used (in words); None when they are current.

    Current: made by this code from this build. A build whose card computation failed with a
    parlib error records it and is current too (``parlib card`` then reports that error).
    """
    if gen is None:
        return "no build yet"
    recorded = gen.manifest.get("cards")
    if not isinstance(recorded, Mapping) or not isinstance(recorded.get("inputs"), Mapping):
        return "the build has no stored cards (made by older parlib code)"
    from parlib.freshness import changed

    change = changed(recorded["inputs"], inputs(gen.key))
    return f"the stored cards are stale ({change})" if change else None


# --------------------------------------------------------------------------- written by the build


def compute(observations: pd.DataFrame, raw: Path | None = None) -> dict[str, Any]:
    """Every card's facts, the province headings and the spellings the fast path accepts.

    ``observations``: the build's table as ``parlib.panel.load_observations`` reads it back;
    ``raw``: the raw folder whose published record the indices read (default: data/raw).
    """
    from parlib.indices import card

    scored = card.compute_results(observations, raw)
    cards: dict[str, dict[str, list[dict[str, Any]]]] = {}
    heads: dict[str, dict[str, Any]] = {}
    for c in card.every_card(scored):
        cards.setdefault(str(c.year), {})[c.province_id] = [wording.to_json(f) for f in c.facts.values()]
        if c.province_id not in heads:
            heads[c.province_id] = {
                "name_vi": c.name_vi,
                "name_en": c.name_en,
                "last": c.lines()[-1],
            }
    return {"schema": SCHEMA, "aliases": aliases(), "provinces": heads, "cards": cards}


def encode(document: Mapping[str, Any], inputs: Mapping[str, Any]) -> bytes:
    """cards.json's bytes: the document and its inputs, canonical (equal content, equal bytes)."""
    whole = {**document, "inputs": dict(inputs)}
    return json.dumps(whole, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def aliases() -> dict[str, str]:
    """Spelling -> province code for the common spellings of every geo-63 province, each checked.

    Names (Vietnamese, ASCII, English), slugs, codes and the registry's matching keys, in upper,
    lower and title case, composed and decomposed: each kept only with the code that
    ``parlib.provinces.normalize`` gives it, so the fast path resolves a name exactly as the full
    computation does (any other spelling is left to the full computation).
    """
    from parlib import provinces
    from parlib.errors import UnknownProvinceError

    table = provinces.PROVINCES_63
    bases: set[str] = set(provinces._lookup("63"))
    for pid, row in table.iterrows():
        names = (str(row[c]) for c in ("name_vi", "name_ascii", "name_en", "slug"))
        bases.update({str(pid), str(int(pid)), *names})
    spellings = {
        unicodedata.normalize(form, variant)
        for base in bases
        for variant in (base, base.lower(), base.upper(), base.title())
        for form in ("NFC", "NFD")
    }
    out: dict[str, str] = {}
    for text in sorted(spellings):
        try:
            out[text] = provinces.normalize(text, "63")
        except UnknownProvinceError:
            continue
    return out


# --------------------------------------------------------------------------- read by `parlib card`


def read_card(province: str, year: int) -> tuple[str | None, str | None]:
    """``(card text, None)`` from the stored cards; ``(None, why)`` when the full computation must answer.

    ``why`` is a one-line hint for stderr when the stored cards are missing or stale while the
    panel is current (``parlib data build`` makes them current); None when there is nothing to
    say: the panel must be rebuilt (the full computation does it), or the store does not hold
    this spelling or card (an unknown province, a year no index covers: the full computation
    gives the error).
    """
    from parlib import panel, store
    from parlib.errors import ParlibError

    try:
        gen = store.current()
        if gen is None or panel.generation_stale_reason(gen) is not None:
            return None, None
    except (ParlibError, OSError):
        return None, None  # the full computation says what is wrong, in its own words
    reason = stale_reason(gen)
    if reason is not None:
        return None, f"{reason}; computed in full: {FAST}"
    if gen.manifest["cards"].get("error"):
        return None, None  # the build's card computation failed: the full computation reports it
    try:
        with open(gen.file(FILE), encoding="utf-8") as handle:
            return text(json.load(handle), province, year), None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, f"the stored cards cannot be read ({type(exc).__name__}); computed in full: {FAST}"


def text(data: Mapping[str, Any], province: str, year: int) -> str | None:
    """The card of ``province`` (a spelling in ``aliases``) and ``year`` from cards.json's ``data``; None
    when it holds no such card."""
    pid = data["aliases"].get(province)
    stored = data["cards"].get(str(int(year)), {}).get(pid) if pid is not None else None
    if stored is None:
        return None
    head = data["provinces"][pid]
    facts = [wording.from_json(f) for f in stored]
    return wording.card_text(head["name_vi"], head["name_en"], int(year), facts, head["last"])
