"""Score ``parlib.extract`` against the hand-labelled gold set in bench/extract_gold/.

The gold (bench/extract_gold/gold.csv, rules in bench/extract_gold/README.md) labels every index
fact, driver fact and internal figure of four sets of texts: ``seeds`` and ``articles`` (in
../shared beside the repository, or $PARLIB_SHARED; a set whose folder is missing is skipped with a
printed line) and ``vi_written`` / ``en_written`` (bench/extract_gold/texts/). Each file is
extracted with its article year as ``published`` (articles: index.csv; written texts:
texts/sources.csv; seeds: None), all files timed together.

Matching: a prediction and a gold fact match when set, file, kind, province_id and year are equal
and, for index facts, index, component, value (the prediction rounded to the gold's printed
decimals; blank == blank) and rank are equal; for driver facts the value (same rule) is enough,
the indicator and qualifier are then scored among the matches. Each gold fact matches at most one
prediction. Precision = matched predictions / predictions of the kind; recall = matched gold /
gold of the kind. Predictions of kind ``internal`` are listed, not scored. A violation is a
prediction of kind ``index`` whose value equals a gold ``internal`` figure of the same file.

Run: .venv/bin/python bench/extract.py [--verbose] [--sets vi_written en_written]
     .venv/bin/python bench/extract.py --self-test   (scores the gold and a perturbed copy; no extractor)
     .venv/bin/python bench/extract.py --heldout     (scores extract_gold/heldout/ instead, its own gold.csv)
     .venv/bin/python bench/extract.py --final       (scores extract_gold/final/ instead, its own gold.csv)
     .venv/bin/python bench/extract.py --audit       (scores extract_gold/audit/ instead, its own gold.csv)
     .venv/bin/python bench/extract.py --blind       (scores extract_gold/blind/ instead, its own gold.csv)
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "bench" / "extract_gold"
GOLD_CSV = GOLD_DIR / "gold.csv"
SOURCES_CSV = GOLD_DIR / "texts" / "sources.csv"
SETS = ("seeds", "articles", "vi_written", "en_written")
HELDOUT_DIR = GOLD_DIR / "heldout"  # a held-out set the extractor was not tuned on (--heldout)
HELDOUT_SETS = ("vi_heldout", "en_heldout")
FINAL_DIR = GOLD_DIR / "final"  # the final set, used for no tuning at all (--final)
FINAL_SETS = ("vi_final", "en_final")
AUDIT_DIR = GOLD_DIR / "audit"  # an audit set written after all others were used for tuning (--audit)
AUDIT_SETS = ("vi_audit", "en_audit")
BLIND_DIR = GOLD_DIR / "blind"  # a blind set written after the audit set was used for tuning (--blind)
BLIND_SETS = ("vi_blind", "en_blind")
SET_LANG = {
    "seeds": "en",
    "articles": "en",
    "vi_written": "vi",
    "en_written": "en",
    "vi_heldout": "vi",
    "en_heldout": "en",
    "vi_final": "vi",
    "en_final": "en",
    "vi_audit": "vi",
    "en_audit": "en",
    "vi_blind": "vi",
    "en_blind": "en",
}
NOT_IN_GOLD = ("file", "province", "start", "end", "confidence")
"""Fact columns a labeller does not write: the file is named per set, the rest is the extractor's."""
COMPONENTS = {
    "PAPI": {
        "participation",
        "transparency",
        "vertical_accountability",
        "control_of_corruption",
        "admin_procedures",
        "public_services",
        "environmental_governance",
        "e_governance",
    },
    "PAR_INDEX": {
        "field_direction",
        "field_institutions",
        "field_admin_procedures",
        "field_apparatus",
        "field_civil_service",
        "field_public_finance",
        "field_digital_government",
        "field_impact",
    },
    "PCI": {
        "entry_costs",
        "land_access",
        "transparency",
        "time_costs",
        "informal_charges",
        "policy_bias",
        "proactivity",
        "business_support",
        "labor_training",
        "legal_institutions",
    },
    "DTI": {"digital_government", "digital_economy", "digital_society"},
    "SIPAS": set(),
}
TARGETS = {
    ("index", "precision"): 0.95,
    ("index", "recall"): 0.85,
    ("driver", "precision"): 0.90,
    ("driver", "recall"): 0.70,
    ("driver", "indicator"): 0.80,
}
TARGET_SECONDS_PER_100 = 10.0


def gold_columns() -> list[str]:
    """``set, file, lang`` then the fact columns of ``parlib.extract.vocab`` a labeller writes."""
    return ["set", "file", "lang", *[c for c in load_vocab().FACT_COLUMNS if c not in NOT_IN_GOLD]]


def load_vocab():
    """parlib/extract/vocab.py loaded from its file (the package __init__ may not exist or import)."""
    path = ROOT / "parlib" / "extract" / "vocab.py"
    spec = importlib.util.spec_from_file_location("parlib_extract_vocab", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shared_dir() -> Path:
    env = os.environ.get("PARLIB_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared"


def set_dirs() -> dict[str, Path]:
    shared = shared_dir()
    return {
        "seeds": shared / "seeds",
        "articles": shared / "corpus" / "articles",
        "vi_written": GOLD_DIR / "texts" / "vi",
        "en_written": GOLD_DIR / "texts" / "en",
        "vi_heldout": HELDOUT_DIR / "texts" / "vi",
        "en_heldout": HELDOUT_DIR / "texts" / "en",
        "vi_final": FINAL_DIR / "texts" / "vi",
        "en_final": FINAL_DIR / "texts" / "en",
        "vi_audit": AUDIT_DIR / "texts" / "vi",
        "en_audit": AUDIT_DIR / "texts" / "en",
        "vi_blind": BLIND_DIR / "texts" / "vi",
        "en_blind": BLIND_DIR / "texts" / "en",
    }


# ----------------------------------------------------------------------------- normalising


def blank(x) -> bool:
    if x is None:
        return True
    if isinstance(x, float) and x != x:
        return True
    return str(x).strip() in ("", "nan", "None", "<NA>", "NaN")


def norm_int(x) -> str:
    if blank(x):
        return ""
    try:
        return str(int(Decimal(str(x).strip())))
    except (InvalidOperation, ValueError):
        return str(x).strip()


def norm_province(x) -> str:
    if blank(x):
        return ""
    s = str(x).strip()
    try:
        return f"{int(Decimal(s)):02d}"
    except (InvalidOperation, ValueError):
        return s


def norm_str(x) -> str:
    return "" if blank(x) else str(x).strip()


def value_equal(pred, gold: str) -> bool:
    """The prediction rounded to the gold's printed decimals equals the gold; blank == blank."""
    if blank(gold):
        return blank(pred)
    if blank(pred):
        return False
    gold = str(gold).strip()
    decimals = len(gold.split(".")[1]) if "." in gold else 0
    try:
        p = Decimal(repr(pred)) if isinstance(pred, float) else Decimal(str(pred).strip())
        q = p.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        return q == Decimal(gold)
    except (InvalidOperation, ValueError):
        return False


# ----------------------------------------------------------------------------- loading


def load_gold(path: Path = GOLD_CSV) -> pd.DataFrame:
    gold = pd.read_csv(path, dtype=str, keep_default_na=False)
    columns = gold_columns()
    missing = [c for c in columns if c not in gold.columns]
    if missing:
        raise SystemExit(f"{path}: missing columns {missing}")
    return gold[columns].copy()


def published_years() -> dict[tuple[str, str], int | None]:
    """(set, file) -> article year: articles from index.csv, written texts from sources.csv."""
    years: dict[tuple[str, str], int | None] = {}
    index_csv = set_dirs()["articles"] / "index.csv"
    if index_csv.exists():
        for row in pd.read_csv(index_csv, dtype=str).itertuples():
            years[("articles", row.file)] = (
                int(row.year_of_article) if not blank(row.year_of_article) else None
            )
    for sources in (
        SOURCES_CSV,
        HELDOUT_DIR / "texts" / "sources.csv",
        FINAL_DIR / "texts" / "sources.csv",
        AUDIT_DIR / "texts" / "sources.csv",
        BLIND_DIR / "texts" / "sources.csv",
    ):
        if sources.exists():
            for row in pd.read_csv(sources, dtype=str, keep_default_na=False).itertuples():
                years[(row.set, row.file)] = int(row.published_year) if row.published_year else None
    return years


def collect_files(sets: list[str]) -> tuple[dict[str, list[Path]], list[str]]:
    """The .txt files of each available set, and a line for each skipped set."""
    files: dict[str, list[Path]] = {}
    skipped = []
    for name in sets:
        folder = set_dirs()[name]
        if not folder.is_dir():
            skipped.append(f"skipped set {name}: {folder} not found (its gold facts are not scored)")
            continue
        files[name] = sorted(folder.glob("*.txt"))
    return files, skipped


# ----------------------------------------------------------------------------- running the extractor


def run_extractor(files: dict[str, list[Path]]) -> tuple[pd.DataFrame, float, int]:
    """Extract every file, grouped by published year; returns the predictions (with set/file), seconds."""
    from parlib.extract import extract_files

    years = published_years()
    groups: dict[int | None, list[tuple[str, Path]]] = defaultdict(list)
    for set_name, paths in files.items():
        for p in paths:
            groups[years.get((set_name, p.name))].append((set_name, p))
    tables = []
    start = time.perf_counter()
    for year, members in groups.items():
        paths = [str(p) for _, p in members]
        facts = extract_files(paths, lang="auto", province=None, published=year)
        tables.append(attach_set(facts.table, members))
    seconds = time.perf_counter() - start
    n_files = sum(len(v) for v in files.values())
    pred = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return pred, seconds, n_files


def attach_set(table: pd.DataFrame, members: list[tuple[str, Path]]) -> pd.DataFrame:
    """Adds columns set and name (the file's basename) by mapping the file column back to its path."""
    by_path = {str(p): (s, p.name) for s, p in members}
    by_resolved = {str(p.resolve()): (s, p.name) for s, p in members}
    by_base: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for s, p in members:
        by_base[p.name].append((s, p.name))
    out = table.copy()
    sets, names = [], []
    for f in out["file"] if "file" in out.columns else []:
        f = str(f)
        hit = by_path.get(f) or by_resolved.get(str(Path(f).resolve()))
        if hit is None and len(by_base.get(Path(f).name, [])) == 1:
            hit = by_base[Path(f).name][0]
        sets.append(hit[0] if hit else "")
        names.append(hit[1] if hit else f)
    out["set"] = sets
    out["name"] = names
    return out


# ----------------------------------------------------------------------------- scoring


@dataclass
class Score:
    gold: pd.DataFrame
    pred: pd.DataFrame
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (pred row, gold row) matched
    violations: list[int] = field(default_factory=list)  # unmatched index predictions = a gold internal
    driver_on_internal: list[int] = field(default_factory=list)
    internal_preds: list[int] = field(default_factory=list)
    internal_hits: int = 0
    unmapped: list[int] = field(default_factory=list)

    def counts(self, kind: str, by: str | None = None) -> dict[str, list[int]]:
        """slice -> [gold, predictions, matches] for one kind; by = None, 'lang' or 'set'."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])

        def key(set_name: str) -> str:
            if by == "lang":
                return SET_LANG.get(set_name, "?")
            if by == "set":
                return set_name
            return "all"

        for _, g in self.gold[self.gold["kind"] == kind].iterrows():
            out[key(g["set"])][0] += 1
        for _, p in self.pred[self.pred["_kind"] == kind].iterrows():
            out[key(p["set"])][1] += 1
        for pi, _gi in self.pairs:
            p = self.pred.loc[pi]
            if p["_kind"] == kind:
                out[key(p["set"])][2] += 1
        return out

    def matched(self, kind: str) -> list[tuple[pd.Series, pd.Series]]:
        return [
            (self.pred.loc[pi], self.gold.loc[gi])
            for pi, gi in self.pairs
            if self.gold.loc[gi, "kind"] == kind
        ]

    def share_right(self, kind: str, column: str) -> tuple[float | None, int]:
        m = self.matched(kind)
        if not m:
            return None, 0
        pcol = "_index" if column == "index" else "_qualifier"
        right = sum(1 for p, g in m if p[pcol] == g[column])
        return right / len(m), len(m)


def normalise_predictions(pred: pd.DataFrame) -> pd.DataFrame:
    pred = pred.reset_index(drop=True).copy()
    for col in ("kind", "index", "component", "qualifier"):
        pred["_" + col] = [norm_str(x) for x in pred[col]] if col in pred.columns else ""
    pred["_province"] = [norm_province(x) for x in pred["province_id"]] if "province_id" in pred else ""
    pred["_year"] = [norm_int(x) for x in pred["year"]] if "year" in pred else ""
    pred["_rank"] = [norm_int(x) for x in pred["rank"]] if "rank" in pred else ""
    if "value" not in pred.columns:
        pred["value"] = ""
    return pred


def score(gold: pd.DataFrame, pred: pd.DataFrame) -> Score:
    """Match predictions (with columns set, name and vocab.FACT_COLUMNS) to the gold, file by file."""
    gold = gold.reset_index(drop=True)
    pred = normalise_predictions(pred)
    result = Score(gold=gold, pred=pred)
    gold_by_file: dict[tuple[str, str], list[int]] = defaultdict(list)
    for gi, g in gold.iterrows():
        gold_by_file[(g["set"], g["file"])].append(gi)
    used: set[int] = set()
    for pi, p in pred.iterrows():
        if not p["set"]:
            result.unmapped.append(pi)
            continue
        candidates = gold_by_file.get((p["set"], p["name"]), [])
        kind = p["_kind"]
        if kind == "internal":
            result.internal_preds.append(pi)
            if any(
                gold.loc[gi, "kind"] == "internal" and value_equal(p["value"], gold.loc[gi, "value"])
                for gi in candidates
            ):
                result.internal_hits += 1
            continue
        best, best_rank = None, (-1, -1)
        for gi in candidates:
            if gi in used:
                continue
            g = gold.loc[gi]
            if g["kind"] != kind or g["province_id"] != p["_province"] or g["year"] != p["_year"]:
                continue
            if not value_equal(p["value"], g["value"]):
                continue
            if kind == "index" and (
                g["index"] != p["_index"] or g["component"] != p["_component"] or g["rank"] != p["_rank"]
            ):
                continue
            rank = (int(g["index"] == p["_index"]), int(g["qualifier"] == p["_qualifier"]))
            if rank > best_rank:
                best, best_rank = gi, rank
        if best is not None:
            used.add(best)
            result.pairs.append((pi, best))
        elif kind in ("index", "driver") and any(
            gold.loc[gi, "kind"] == "internal"
            and gold.loc[gi, "value"]
            and value_equal(p["value"], gold.loc[gi, "value"])
            for gi in candidates
        ):
            (result.violations if kind == "index" else result.driver_on_internal).append(pi)
    return result


# ----------------------------------------------------------------------------- reporting


def ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def fmt(x: float | None) -> str:
    return "   -" if x is None else f"{x:.3f}"


def mark(x: float | None, target: float) -> str:
    if x is None:
        return f"(target >= {target:.2f}: no data)"
    return f"(target >= {target:.2f}: {'ok' if x >= target else 'BELOW'})"


def describe(row: pd.Series, prefix: str = "") -> str:
    """One line of a gold or predicted fact."""
    g = lambda c: norm_str(row.get(prefix + c, row.get(c, "")))  # noqa: E731
    parts = [
        f"{row['set']}/{row.get('name', row.get('file'))}",
        g("kind"),
        g("index") + ("/" + g("component") if g("component") not in ("", "total") else ""),
        f"prov={g('province') if prefix else g('province_id')}",
        f"year={g('year')}",
        f"value={norm_str(row.get('value', ''))}",
        f"rank={g('rank')}",
        f"q={g('qualifier')}",
    ]
    quote = norm_str(row.get("quote", ""))
    return "  ".join(parts) + (f'  "{quote[:90]}"' if quote else "")


def report(result: Score, verbose: bool, seconds: float | None, n_files: int, skipped: list[str]) -> dict:
    """Prints the figures; returns them (for the self-test)."""
    figures: dict = {}
    for line in skipped:
        print(line)
    g = result.gold
    n_kind = g["kind"].value_counts()
    print(
        f"gold: {len(g)} facts ({n_kind.get('index', 0)} index, {n_kind.get('driver', 0)} driver, "
        f"{n_kind.get('internal', 0)} internal) in {g.groupby(['set', 'file']).ngroups} files"
    )
    head = ("kind", "slice", "gold", "pred", "match", "precision", "recall")
    print("\n{:7s} {:11s} {:>5s} {:>5s} {:>5s}  {:>9s}  {:>6s}".format(*head))
    for kind in ("index", "driver"):
        for by in (None, "lang", "set"):
            for slice_name, (n_gold, n_pred, n_match) in sorted(result.counts(kind, by).items()):
                p, r = ratio(n_match, n_pred), ratio(n_match, n_gold)
                figures[(kind, slice_name)] = (n_gold, n_pred, n_match, p, r)
                extra = ""
                if by is None:
                    extra = "   precision {} recall {}".format(
                        mark(p, TARGETS[(kind, "precision")]), mark(r, TARGETS[(kind, "recall")])
                    )
                counts = f"{n_gold:5d} {n_pred:5d} {n_match:5d}"
                print(f"{kind:7s} {slice_name:11s} {counts}  {fmt(p):>9s}  {fmt(r):>6s}{extra}")
        print()
    acc, n = result.share_right("driver", "index")
    figures["driver_indicator"] = (acc, n)
    print(f"driver indicator right: {fmt(acc)} of {n} matched {mark(acc, TARGETS[('driver', 'indicator')])}")
    for kind in ("driver", "index"):
        acc, n = result.share_right(kind, "qualifier")
        figures[f"{kind}_qualifier"] = (acc, n)
        print(f"{kind} qualifier right: {fmt(acc)} of {n} matched")
    figures["violations"] = len(result.violations)
    print(
        "violations (index predictions equal to a gold internal figure of the file): "
        f"{len(result.violations)} "
        f"(target 0: {'ok' if not result.violations else 'BELOW'})"
    )
    print(f"driver predictions equal to a gold internal figure: {len(result.driver_on_internal)}")
    print(
        f"internal predictions (not scored): {len(result.internal_preds)}, "
        f"{result.internal_hits} equal a gold internal figure"
    )
    if result.unmapped:
        print(f"predictions whose file is not one of the extracted files: {len(result.unmapped)}")
    if seconds is not None:
        per100 = seconds / n_files * 100 if n_files else None
        figures["seconds"] = (seconds, per100)
        ok = per100 is not None and per100 < TARGET_SECONDS_PER_100
        print(
            f"time: {seconds:.2f} s for {n_files} files = {per100:.2f} s per 100 articles "
            f"(target < {TARGET_SECONDS_PER_100:.0f} s: {'ok' if ok else 'BELOW'})"
        )
    if verbose:
        matched_pred = {pi for pi, _ in result.pairs}
        matched_gold = {gi for _, gi in result.pairs}
        print("\nfalse positives (predictions of kind index/driver that match no gold fact):")
        for pi, p in result.pred.iterrows():
            if pi not in matched_pred and p["_kind"] in ("index", "driver"):
                tag = " [VIOLATION]" if pi in result.violations else ""
                print("  FP " + describe(p, prefix="_") + tag)
        print("\nfalse negatives (gold index/driver facts no prediction matches):")
        for gi, grow in result.gold.iterrows():
            if gi not in matched_gold and grow["kind"] in ("index", "driver"):
                print("  FN " + describe(grow.rename({"file": "name"})))
        print("\nmatched driver facts with a wrong indicator or qualifier:")
        for p, grow in result.matched("driver"):
            if p["_index"] != grow["index"] or p["_qualifier"] != grow["qualifier"]:
                print(
                    f"  {grow['set']}/{grow['file']} value={grow['value']}: indicator {p['_index']} "
                    f"(gold {grow['index']}), qualifier {p['_qualifier']} (gold {grow['qualifier']})"
                )
        print("\ninternal predictions:")
        for pi in result.internal_preds:
            print("  IN " + describe(result.pred.loc[pi], prefix="_"))
        for pi in result.unmapped:
            print("  UNMAPPED " + describe(result.pred.loc[pi], prefix="_"))
    return figures


# ----------------------------------------------------------------------------- self-test


def gold_as_predictions(gold: pd.DataFrame) -> pd.DataFrame:
    """The gold rows in the extractor's shape (vocab.FACT_COLUMNS plus set/name)."""
    vocab = load_vocab()
    dirs = set_dirs()
    pred = pd.DataFrame({c: [""] * len(gold) for c in vocab.FACT_COLUMNS})
    for c in vocab.FACT_COLUMNS:
        if c in gold.columns:
            pred[c] = gold[c].to_numpy()
    pred["file"] = [str(dirs[s] / f) for s, f in zip(gold["set"], gold["file"], strict=True)]
    pred["set"] = gold["set"].to_numpy()
    pred["name"] = gold["file"].to_numpy()
    # numbers as the extractor would give them (floats / ints), not as the gold's strings
    pred["value"] = [float(v) if v else float("nan") for v in gold["value"]]
    pred["year"] = [int(v) if v else pd.NA for v in gold["year"]]
    pred["province_id"] = [int(v) if v else pd.NA for v in gold["province_id"]]
    return pred


def check_gold(gold: pd.DataFrame) -> list[str]:
    """Problems in the gold itself: vocabulary, units, quotes found in the available texts, duplicates."""
    vocab = load_vocab()
    dirs = set_dirs()
    problems = []
    texts: dict[tuple[str, str], str | None] = {}
    for i, g in gold.iterrows():
        where = f"row {i + 2} {g['set']}/{g['file']}"
        if g["set"] not in SET_LANG or g["lang"] != SET_LANG[g["set"]]:
            problems.append(f"{where}: set/lang {g['set']}/{g['lang']}")
        if g["kind"] not in vocab.KINDS:
            problems.append(f"{where}: kind {g['kind']}")
        if g["qualifier"] not in vocab.QUALIFIERS:
            problems.append(f"{where}: qualifier {g['qualifier']}")
        if g["kind"] == "index":
            if g["index"] not in vocab.INDICES:
                problems.append(f"{where}: index {g['index']}")
            elif g["component"] != "total" and g["component"] not in COMPONENTS[g["index"]]:
                problems.append(f"{where}: component {g['component']}")
            elif g["unit"] != vocab.INDICES[g["index"]]["unit"]:
                problems.append(f"{where}: unit {g['unit']}")
        if g["kind"] == "driver":
            if g["index"] not in vocab.DRIVERS or g["component"]:
                problems.append(f"{where}: driver {g['index']}/{g['component']}")
            elif g["unit"] != vocab.DRIVERS[g["index"]]["unit"]:
                problems.append(f"{where}: unit {g['unit']}")
        if g["qualifier"] == "period" and not (g["period_start"] and g["period_end"] == g["year"]):
            problems.append(f"{where}: period without start/end = year")
        for c in ("value", "value_change"):
            if g[c]:
                try:
                    Decimal(g[c])
                except InvalidOperation:
                    problems.append(f"{where}: {c} {g[c]!r}")
        key = (g["set"], g["file"])
        if key not in texts:
            path = dirs[g["set"]] / g["file"]
            texts[key] = path.read_text(encoding="utf-8") if path.exists() else None
        if texts[key] is not None and g["quote"] not in texts[key]:
            problems.append(f"{where}: quote not in text: {g['quote']!r}")
        if len(g["quote"]) > 200:
            problems.append(f"{where}: quote longer than 200 characters")
    dup = gold.duplicated(
        ["set", "file", "kind", "index", "component", "province_id", "year", "value", "rank"]
    )
    problems += [f"row {i + 2}: duplicate fact" for i in gold.index[dup]]
    return problems


def self_test(gold_csv: Path = GOLD_CSV, sets: tuple[str, ...] = SETS) -> int:
    gold = load_gold(gold_csv)
    problems = check_gold(gold)
    for p in problems:
        print("GOLD PROBLEM", p)
    assert not problems, f"{len(problems)} problems in the gold"
    missing = [s for s in sets if not set_dirs()[s].is_dir()]
    print(f"gold checked: {len(gold)} rows (quotes checked except in missing sets {missing or 'none'})")

    assert value_equal(43.849999, "43.85") and value_equal(90.1, "90.1") and value_equal(66.6, "66.60")
    assert value_equal("1876", "1876") and value_equal(1876.0, "1876") and value_equal(None, "")
    assert not value_equal(43.86, "43.85") and not value_equal(None, "43.85") and not value_equal(1.0, "")

    print("\n== 1. the gold fed as predictions ==")
    fig = report(score(gold, gold_as_predictions(gold)), False, None, 0, [])
    for kind in ("index", "driver"):
        for key, counts in fig.items():
            if isinstance(key, tuple) and key[0] == kind:
                n_gold, n_pred, n_match, p, r = counts
                assert n_gold == n_pred == n_match and p == r == 1.0, (key, counts)
    assert fig["driver_indicator"][0] == 1.0 and fig["driver_qualifier"][0] == 1.0
    assert fig["index_qualifier"][0] == 1.0 and fig["violations"] == 0

    print("\n== 2. a perturbed copy ==")
    pred = gold_as_predictions(gold)
    n_index = int((gold["kind"] == "index").sum())
    n_driver = int((gold["kind"] == "driver").sum())
    idx = list(gold.index[(gold["kind"] == "index") & (gold["value"] != "")])
    drv = list(gold.index[gold["kind"] == "driver"])
    drop = [idx[0], idx[5], idx[10], drv[0], drv[3]]
    changed_value, wrong_indicator, wrong_qualifier = idx[20], drv[7], drv[9]
    internal = gold.index[(gold["kind"] == "internal") & (gold["value"] != "")][0]
    pred.loc[changed_value, "value"] = pred.loc[changed_value, "value"] + 1000
    pred.loc[wrong_indicator, "index"] = (
        "staff_count" if gold.loc[wrong_indicator, "index"] != "staff_count" else "procedures_count"
    )
    pred.loc[wrong_qualifier, "qualifier"] = (
        "approx" if gold.loc[wrong_qualifier, "qualifier"] != "approx" else "exact"
    )
    as_index = pred.loc[[internal]].copy()
    as_index["kind"], as_index["component"] = "index", "total"
    as_index["index"] = (
        gold.loc[internal, "index"] if gold.loc[internal, "index"] in load_vocab().INDICES else "SIPAS"
    )
    pred = pd.concat([pred.drop(index=drop), as_index], ignore_index=True)
    fig = report(score(gold, pred), True, None, 0, [])
    n_gold, n_pred, n_match, _, _ = fig[("index", "all")]
    assert (n_gold, n_pred, n_match) == (n_index, n_index - 3 + 1, n_index - 4), fig[("index", "all")]
    n_gold, n_pred, n_match, _, _ = fig[("driver", "all")]
    assert (n_gold, n_pred, n_match) == (n_driver, n_driver - 2, n_driver - 2), fig[("driver", "all")]
    assert fig["driver_indicator"] == ((n_driver - 3) / (n_driver - 2), n_driver - 2), fig["driver_indicator"]
    assert fig["driver_qualifier"] == ((n_driver - 3) / (n_driver - 2), n_driver - 2), fig["driver_qualifier"]
    assert fig["violations"] == 1, fig["violations"]
    print(
        "\nself-test OK: perfect run scores 1.0 everywhere; perturbed run: "
        f"index {n_index - 4}/{n_index - 2} matched predictions, 4 missed gold, 1 violation; "
        "driver 2 missed, 1 wrong indicator, 1 wrong qualifier"
    )
    return 0


# ----------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list false positives and false negatives")
    parser.add_argument("--self-test", action="store_true", help="score the gold and a perturbed copy")
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--heldout",
        action="store_true",
        help="score the held-out set (extract_gold/heldout/) instead of --sets",
    )
    which.add_argument(
        "--final",
        action="store_true",
        help="score the final set (extract_gold/final/) instead of --sets",
    )
    which.add_argument(
        "--audit",
        action="store_true",
        help="score the audit set (extract_gold/audit/) instead of --sets",
    )
    which.add_argument(
        "--blind",
        action="store_true",
        help="score the blind set (extract_gold/blind/) instead of --sets",
    )
    args = parser.parse_args()
    exe = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable
    print("command: " + " ".join([exe, *sys.argv]))
    if args.blind:
        gold_csv, sets = BLIND_DIR / "gold.csv", BLIND_SETS
    elif args.audit:
        gold_csv, sets = AUDIT_DIR / "gold.csv", AUDIT_SETS
    elif args.final:
        gold_csv, sets = FINAL_DIR / "gold.csv", FINAL_SETS
    elif args.heldout:
        gold_csv, sets = HELDOUT_DIR / "gold.csv", HELDOUT_SETS
    else:
        gold_csv, sets = GOLD_CSV, tuple(args.sets)
    if args.self_test:
        return self_test(gold_csv, sets)
    gold = load_gold(gold_csv)
    files, skipped = collect_files(list(sets))
    gold = gold[gold["set"].isin(files.keys())]
    pred, seconds, n_files = run_extractor(files)
    report(score(gold, pred), args.verbose, seconds, n_files, skipped)
    return 0


if __name__ == "__main__":
    sys.exit(main())
