"""Benchmark 9: this round's reports as whole commands, against raw sqlite3.

Each ccn command runs on the generated portfolio (benchmarks/generate.py), interleaved
with a baseline in the same run: `raw_reports.py DB stalled AS_OF`, which computes
every cluster's state on a date with one window-function query and prints JSON. That
is the part no report of a portfolio on a date can skip, so the ratio shows what each
report costs on top of it. There is no byte comparison: the outputs differ.

    python benchmarks/bench_province.py [--clusters 100000] [--runs 5]

The forecast and the page are measured at province sizes (60 and 1,000 clusters by
default): they simulate or draw every cluster, which is their point.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_reports import portfolio, run
from common import ROOT, report

AS_OF = "2021-06-30"
BASELINE = [sys.executable, str(ROOT / "benchmarks" / "raw_reports.py"), "{db}", "stalled", "{on}"]
REPORTS = {
    # Circular 14 periods start in 2024: the year 2025 ends on 14/12/2025.
    "9 report circular14 (Form 04)": ["report", "circular14", "--period", "2025", "--format",
                                      "json"],
    "9 report occupancy": ["report", "occupancy", "--as-of", AS_OF, "--format", "json"],
    "9 report deadlines": ["report", "deadlines", "--as-of", AS_OF, "--format", "json"],
    "9 report forecast": ["report", "forecast", "--as-of", AS_OF, "--format", "json"],
    "9 report html": ["report", "html", "--as-of", AS_OF, "--out", "{out}", "--force"],
}  # fmt: skip
WHOLE_PORTFOLIO = ("9 report circular14 (Form 04)", "9 report occupancy", "9 report deadlines")


def measure(
    clusters: int = 100_000,
    runs: int = 5,
    province: tuple[int, ...] = (60, 1_000),
    only: str = "",
) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "page.html")
        for name, args in REPORTS.items():
            if only not in name:
                continue
            for n in (clusters,) if name in WHOLE_PORTFOLIO else province:
                db = str(portfolio(n))
                a_cmd = [sys.executable, "-m", "cli", "--db", db,
                         *(x.format(out=out) for x in args)]  # fmt: skip
                on = "2025-12-14" if "circular14" in name else AS_OF
                b_cmd = [x.format(db=db, on=on) for x in BASELINE]
                run(a_cmd)  # warm the page cache for both
                run(b_cmd)
                a_times, b_times = [], []
                for _ in range(runs):
                    a_times.append(run(a_cmd)[0])
                    b_times.append(run(b_cmd)[0])
                label = f"{name} [{n:,} clusters]"
                # No target: these are measurements, reported in the README.
                results[label] = report(label, a_times, b_times, target=float("inf"))
                if "html" in name:
                    size = Path(out).stat().st_size
                    results[label]["bytes"] = size
                    print(f"   page size {size / 1e6:.2f} MB", flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--clusters", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--province", type=int, nargs="*", default=[60, 1_000])
    ap.add_argument("--only", default="", help="only the reports whose name holds this")
    args = ap.parse_args()
    measure(clusters=args.clusters, runs=args.runs, province=tuple(args.province),
            only=args.only)  # fmt: skip


if __name__ == "__main__":
    main()
