"""Run every benchmark and print one table (the README's "Performance" section).

    python benchmarks/run_all.py              # targets at 100,000 clusters, growth 1k-100k
    python benchmarks/run_all.py --quick      # a smaller, faster pass

Absolute times are noisy on shared machines; the ratios against baselines measured
in the same run are what count.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time

import bench_import
import bench_postgres
import bench_reports
import bench_startup
import bench_transitions


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10,000 clusters, 3 runs")
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    n, runs = (10_000, 3) if args.quick else (100_000, 5)
    scales = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    started = time.perf_counter()
    rows: list[tuple[str, dict[str, float]]] = []
    growth: dict[str, list[float]] = {}

    print(f"# ccn benchmarks: {n:,} clusters, {runs} runs, Python {platform.python_version()}")
    for scale in scales:
        r = bench_transitions.measure(clusters=scale, moves=400, runs=runs)
        growth.setdefault("1 transition (ms each)", []).append(r["ccn"] / 400 * 1000)
        if scale == n:
            rows.append(("1 transition throughput", r))
        r = bench_import.measure(clusters=scale, runs=runs)
        growth.setdefault("2 import (s)", []).append(r["ccn"])
        if scale == n:
            rows.append((f"2 cluster import {n:,}", r))
        reports = bench_reports.measure(clusters=scale, runs=runs)
        for name, r in reports.items():
            growth.setdefault(f"{name} (s)", []).append(r["ccn"])
            if scale == n:
                rows.append((name, r))
    for name, r in bench_startup.measure(clusters=n, runs=max(runs, 9)).items():
        rows.append((name, r))
    worst_rss = max(r.get("rss_mb", 0.0) for _, r in rows)
    if not args.no_postgres:
        for name, r in bench_postgres.measure(clusters=n, runs=runs).items():
            rows.append((f"8 {name[2:]} on PostgreSQL", r))

    print()
    print("| # | benchmark | ccn (median) | baseline (median) | ratio | target |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        num, _, label = name.partition(" ")
        ok = "" if r["ratio"] <= r["target"] else " **over**"
        print(f"| {num} | {label} | {r['ccn']:.3f} s | {r['baseline']:.3f} s | "
              f"{r['ratio']:.2f}x{ok} | <= {r['target']}x |")  # fmt: skip
    print(f"| 7 | peak RSS of any report at {n:,} clusters | {worst_rss:.0f} MB | | | "
          f"<= {bench_reports.RSS_MB} MB |")  # fmt: skip
    print()
    print("Growth of ccn's median time with the number of clusters:")
    print()
    print("| benchmark | " + " | ".join(f"{s:,}" for s in scales) + " |")
    print("|---|" + "---|" * len(scales))
    for name, values in growth.items():
        print(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values) + " |")
    print(f"\nTotal {time.perf_counter() - started:.0f} s.", file=sys.stderr)


if __name__ == "__main__":
    main()
