"""Benchmarks 5 and 6: start-up cost of whole commands.

5: `ccn cluster show CODE` on the N-cluster database vs `python -c "import click,
   sqlalchemy.orm, transitions"`.
6: `ccn --help` vs `python -c "import click"`.

    python benchmarks/bench_startup.py [--clusters 100000] [--runs 15]
"""

from __future__ import annotations

import subprocess
import sys
import time

from bench_reports import portfolio
from common import ROOT, report, run_main


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(clusters: int = 100_000, runs: int = 15) -> dict[str, dict[str, float]]:
    db = portfolio(clusters)
    code = f"CCN{clusters // 2:06d}"
    pairs = {
        "5 cluster show": ([sys.executable, "-m", "cli", "--db", str(db), "cluster", "show", code],
                           [sys.executable, "-c", "import click, sqlalchemy.orm, transitions"],
                           1.1),
        "6 ccn --help": ([sys.executable, "-m", "cli", "--help"],
                         [sys.executable, "-c", "import click"], 1.3),
    }  # fmt: skip
    results = {}
    for name, (a_cmd, b_cmd, goal) in pairs.items():
        timed(a_cmd)  # warm the OS caches for both
        timed(b_cmd)
        a_times, b_times = [], []
        for _ in range(runs):
            a_times.append(timed(a_cmd))
            b_times.append(timed(b_cmd))
        results[name] = report(name, a_times, b_times, target=goal)
    return results


def main() -> None:
    run_main(__doc__ or "", measure, runs=15)


if __name__ == "__main__":
    main()
