"""Time a full panel build (read every source, validate, write parquet) and a cached load.

Run: .venv/bin/python bench/build_panel.py   (or `make bench`)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from parlib import panel


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        built = panel.build(out=Path(tmp))
        build_s = time.perf_counter() - start
    start = time.perf_counter()
    panel.load_panel(rebuild=False)
    load_s = time.perf_counter() - start
    print(f"command: {' '.join([sys.executable, *sys.argv])}")
    columns = len(panel.value_columns(built))
    print(f"panel build: {build_s:.2f} s ({len(built)} rows, {columns} value columns)")
    print(f"panel load (parquet): {load_s * 1000:.1f} ms")


if __name__ == "__main__":
    main()
