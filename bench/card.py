"""Time ``parlib card "Lạng Sơn" 2022`` against ``python -c "import pandas"``, side by side.

Each repetition runs both as fresh subprocesses with this interpreter, in alternating order (the
machine's load drifts), and the medians are compared. ``parlib card`` reads the cards that
``parlib data build`` stores with the panel (parlib.indices.card_store): no pandas on that path.
The build is brought up to date first (not timed), and the first card is checked to come from the
store (nothing on stderr). Target: card <= 2.0 x import pandas (issue 12). The machine's load
average is printed before and after.

Run: .venv/bin/python bench/card.py [--repeat 5] [--province "Lạng Sơn"] [--year 2022]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGET = 2.0


def timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of one subprocess run (output captured)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def _load(avg: tuple[float, float, float]) -> str:
    return ", ".join(f"{x:.2f}" for x in avg)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--province", default="Lạng Sơn")
    parser.add_argument("--year", type=int, default=2022)
    args = parser.parse_args()
    print(f"command: {' '.join([sys.executable, *sys.argv])}")

    from parlib import panel

    reason = panel.stale_reason()
    if reason is not None:
        print(f"building first ({reason}) ...")
        panel.build()
    pandas = [sys.executable, "-c", "import pandas"]
    card = [sys.executable, "-m", "parlib.cli", "card", args.province, str(args.year)]
    _, first = timed(card)
    if first.returncode != 0 or first.stderr.strip():
        print(f"parlib card did not read the stored cards:\n{first.stderr.strip()}")
        return 1
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {"pandas": [], "card": []}
    for i in range(args.repeat):
        order = [("pandas", pandas), ("card", card)]
        for name, argv in order if i % 2 == 0 else order[::-1]:
            seconds, proc = timed(argv)
            if proc.returncode != 0:
                print(f"{' '.join(argv)} failed:\n{proc.stderr.strip()}")
                return 1
            times[name].append(seconds)
    load_after = os.getloadavg()
    pandas_s, card_s = statistics.median(times["pandas"]), statistics.median(times["card"])
    ratio = card_s / pandas_s
    print(f"load average (1, 5, 15 min): before {_load(load_before)}, after {_load(load_after)}")
    each = {name: ", ".join(f"{t:.3f}" for t in values) for name, values in times.items()}
    print(f"python -c 'import pandas': median {pandas_s:.3f} s ({each['pandas']})")
    print(f"parlib card {args.province!r} {args.year}: median {card_s:.3f} s ({each['card']})")
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"ratio card / import pandas: {ratio:.2f}x (target <= {TARGET}x: {verdict}), {args.repeat} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
