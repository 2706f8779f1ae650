"""Each index fact beside parlib's own figure: does the report agree with the published record?

``check(facts)`` adds ``parlib_value``, ``parlib_rank``, ``verdict`` and ``check_note``:

- ``agrees``: the printed value is parlib's value rounded as printed (43.85 agrees with
  43.8512: within half a unit of the last decimal printed), and the printed rank, rank change
  and value change, where the fact gives them, equal parlib's (a PAPI rank parlib knows only as
  a range, because its source lacks provinces PAPI ranked, agrees when it falls in the range);
- ``differs``: something printed is not parlib's figure; ``check_note`` says what ("value 430
  vs parlib 4.3"), which catches typos and misreadings as well as wrong reports;
- ``not covered``: parlib has no figure for the province, year and component (the published
  SIPAS and PAR INDEX tables list 10-20 provinces a year), or the fact has no province or year.

Every fact (index or driver) whose value no longer appears in its quote is flagged in
``check_note`` ("value 45 is not in the quote: edited by hand?"): the researcher's edit is kept,
since the researcher is the authority, but the reviewer sees it.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from parlib.extract import numbers
from parlib.extract.vocab import CHECK_COLUMNS


def _decimals(value: float) -> int:
    text = numbers.format_value(value)
    return len(text.split(".")[1]) if "." in text else 0


def _close(printed: float, parlib: float) -> bool:
    """True when ``printed`` is ``parlib`` rounded to the decimals printed (publisher's rounding)."""
    half = 0.5 * 10 ** (-_decimals(printed))
    return abs(printed - parlib) <= half + 1e-9


def in_quote(fact: pd.Series) -> bool:
    """True when the fact's value (or rank, for a rank-only fact) is among the numbers of its quote."""
    quote = str(fact.get("quote") or "")
    wanted = fact["value"] if pd.notna(fact["value"]) else fact["rank"]
    if pd.isna(wanted) or not quote:
        return True
    found = []
    for token in numbers.NUMBER_RE.findall(quote) + re.findall(r"\d+", quote):
        found += [
            v for v in (numbers.read_count(token), numbers.read_value(token, math.inf)) if v is not None
        ]
    return any(abs(float(v) - float(wanted)) < 1e-9 for v in found)


def _lookup(results: dict, panel: pd.DataFrame | None, fact: pd.Series) -> dict | None:
    """parlib's row for the fact's index, component, province and year, or None."""
    index, component = fact["index"], fact["component"] or "total"
    pid, year = fact["province_id"], int(fact["year"])
    if index in results:
        t = results[index].table
        rows = t[(t["component"] == component) & (t["province_id"] == pid) & (t["year"] == year)]
        if rows.empty:
            return None
        row = rows.iloc[0]
        rank = row.get("published_rank") if pd.notna(row.get("published_rank", float("nan"))) else row["rank"]
        low = row.get("published_rank_min", float("nan"))
        high = row.get("published_rank_max", float("nan"))
        return {
            "value": row["value"],
            "rank": rank,
            "rank_range": (low, high) if pd.notna(low) and pd.notna(high) else None,
            "value_change": row.get("value_change") if row.get("comparable") is not False else float("nan"),
            "rank_change": row.get("rank_change") if row.get("comparable") is not False else float("nan"),
        }
    if index == "DTI" and panel is not None and component == "total":
        rows = panel[(panel["province_id"] == pid) & (panel["year"] == year)]
        if rows.empty or "dti_total" not in rows:
            return None
        row = rows.iloc[0]
        return {
            "value": row.get("dti_total"),
            "rank": row.get("dti_rank"),
            "rank_range": None,
            "value_change": float("nan"),
            "rank_change": float("nan"),
        }
    return None


def _compare(fact: pd.Series, known: dict) -> tuple[str, str]:
    """(verdict, note) for a fact and parlib's figures."""
    problems, agreed = [], []
    if pd.notna(fact["value"]) and pd.notna(known["value"]):
        value, mine = float(fact["value"]), float(known["value"])
        (agreed if _close(value, mine) else problems).append(
            f"value {numbers.format_value(value)} vs parlib {mine:.{max(2, _decimals(value))}f}"
        )
    if pd.notna(fact["rank"]):
        rank = int(fact["rank"])
        if known["rank_range"] is not None:
            low, high = known["rank_range"]
            ok = low <= rank <= high
            (agreed if ok else problems).append(f"rank {rank} vs parlib {int(low)}-{int(high)}")
        elif pd.notna(known["rank"]):
            (agreed if rank == int(known["rank"]) else problems).append(
                f"rank {rank} vs parlib {int(known['rank'])}"
            )
    for column in ("value_change", "rank_change"):
        printed, mine = fact[column], known.get(column)
        if pd.notna(printed) and mine is not None and pd.notna(mine):
            same = (
                _close(float(printed), float(mine)) if column == "value_change" else int(printed) == int(mine)
            )
            shown = numbers.format_value(float(printed))
            text = f"{column.replace('_', ' ')} {shown} vs parlib {float(mine):.2f}"
            (agreed if same else problems).append(
                text if column == "value_change" else f"rank change {int(printed)} vs parlib {int(mine)}"
            )
    if problems:
        return "differs", "; ".join(problems)
    if agreed:
        return "agrees", "; ".join(agreed)
    return "not covered", "parlib has no value or rank to compare for this figure"


def check(
    facts: pd.DataFrame, results: dict | None = None, panel: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``facts`` with ``CHECK_COLUMNS`` (see the module docstring). ``results`` (index -> IndexResult,
    default ``parlib.indices.card.results()``) and ``panel`` (default ``parlib.load_panel()``, for DTI)
    are parlib's figures."""
    out = facts.copy()
    if results is None:
        from parlib.indices.card import results as all_results

        results = all_results()
    if panel is None:
        from parlib import panel as panel_module

        panel = panel_module.load_panel()
    values, ranks, verdicts, notes = [], [], [], []
    for _, fact in out.iterrows():
        value = rank = float("nan")
        verdict = note = ""
        if fact["kind"] == "index":
            known = None
            if fact["province_id"] and pd.notna(fact["year"]):
                known = _lookup(results, panel, fact)
            if known is None:
                verdict = "not covered"
                note = (
                    "no province or year in the fact"
                    if not fact["province_id"] or pd.isna(fact["year"])
                    else f"parlib has no {fact['index']} {fact['component'] or 'total'} for this province "
                    f"and year"
                )
            else:
                value, rank = known["value"], known["rank"]
                verdict, note = _compare(fact, known)
        if not in_quote(fact):
            shown = fact["value"] if pd.notna(fact["value"]) else fact["rank"]
            flag = f"{numbers.format_value(float(shown))} is not in the quote: edited by hand?"
            note = f"{flag}; {note}" if note else flag
        values.append(value)
        ranks.append(rank)
        verdicts.append(verdict)
        notes.append(note)
    out["parlib_value"] = pd.to_numeric(pd.Series(values, index=out.index)).astype("float64")
    out["parlib_rank"] = pd.array(pd.Series(ranks, index=out.index).round(), dtype="Int64")
    out["verdict"] = verdicts
    out["check_note"] = notes
    assert list(out.columns[-len(CHECK_COLUMNS) :]) == CHECK_COLUMNS
    return out
