"""Time SIPAS from survey answers with its bootstrap: 600 respondents x 63 provinces x 20 criteria.

Target: a few seconds for 999 draws (a full national survey). Run:
.venv/bin/python bench/sipas_bootstrap.py   (or `make bench`)
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from parlib.indices.sipas import from_answers
from parlib.provinces import provinces


def survey(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` respondents per province answering 20 criteria (5 elements x 4), 80% satisfied."""
    rng = np.random.default_rng(seed)
    ids = [f"{i:02d}" for i in provinces("63", 2022).index.astype(int) if i != 28]
    items = [(f"e{e}", f"c{c}") for e in range(5) for c in range(4)]
    size = len(ids) * n * len(items)
    return pd.DataFrame(
        {
            "province_id": np.repeat(ids, n * len(items)),
            "geo": "63",
            "year": 2022,
            "respondent_id": np.tile(np.repeat(np.arange(n), len(items)), len(ids)).astype(str),
            "element": np.tile([e for e, _ in items], len(ids) * n),
            "criterion": np.tile([c for _, c in items], len(ids) * n),
            "satisfied": rng.random(size) < 0.8,
        }
    )


def main() -> None:
    answers = survey(600)
    start = time.perf_counter()
    from_answers(answers, n_boot=999, seed=1)
    elapsed = time.perf_counter() - start
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    print(f"sipas.from_answers: {len(answers):,} answers, 999 bootstrap draws: {elapsed:.2f} s")


if __name__ == "__main__":
    main()
