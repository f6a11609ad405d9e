"""Benchmark 2: `ccn cluster import` of N clusters against a raw sqlite3 executemany script.

Both are whole commands (a new Python process each), on copies of the same empty
ccn database, reading the same CSV. Interleaved runs, medians, ratio.

    python benchmarks/bench_import.py [--clusters 100000] [--runs 5]
"""

from __future__ import annotations

import csv
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, empty_db, report, run_main

STATES = ["planned"] * 5 + ["planning_compliant", "establishment", "investment_approval",
                            "infrastructure", "operating"]  # fmt: skip
PLACES = ["Cao Lộc", "Bắc Sơn", "Hữu Lũng", "Chi Lăng", "Lộc Bình", "Văn Quan"]


def write_csv(path: Path, n: int, seed: int = 7) -> Path:
    r = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "locality", "area_ha", "developer", "state", "since", "ref"])
        for i in range(n):
            w.writerow([f"K{i:06d}", f"Cụm công nghiệp số {i}", r.choice(PLACES),
                        f"{r.uniform(10, 80):.1f}", "Công ty CP Hạ tầng", r.choice(STATES),
                        f"{r.randint(2015, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                        f"QĐ {r.randint(1, 3000)}/QĐ-UBND"])  # fmt: skip
    return path


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(clusters: int = 100_000, runs: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = write_csv(folder / "in.csv", clusters)
        seed = empty_db(folder / "seed.db")
        a_times, b_times = [], []
        for i in range(runs):
            a, b = folder / f"a{i}.db", folder / f"b{i}.db"
            shutil.copy(seed, a)
            shutil.copy(seed, b)
            a_times.append(timed([sys.executable, "-m", "cli", "--db", str(a), "--actor", "bench",
                                  "cluster", "import", str(data)]))  # fmt: skip
            b_times.append(timed([sys.executable, str(ROOT / "benchmarks" / "raw_import.py"),
                                  str(b), str(data)]))  # fmt: skip
    return report(f"2 import {clusters:,} clusters", a_times, b_times, target=2.5)


def main() -> None:
    run_main(__doc__ or "", measure, runs=5)


if __name__ == "__main__":
    main()
