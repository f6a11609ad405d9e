"""Benchmarks 3, 4 and 7: reports as whole commands against raw sqlite3 scripts.

3: `ccn report stalled --format json` (today) vs raw_reports.py printing the same JSON.
4: `report stalled --as-of PAST` and `report bottlenecks --as-of PAST` vs window-function SQL.
7: peak RSS of each ccn report.
Outputs are compared byte for byte before anything is timed. Interleaved runs, medians.

    python benchmarks/bench_reports.py [--clusters 100000] [--runs 5]   (as of 2021-06-30)
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT, open_engine, report, run_main, upgrade
from generate import default_path, generate

REPORTS = {
    "3 report stalled (today)": (["report", "stalled", "--format", "json"], ["stalled"], 1.5),
    "4 report stalled --as-of": (["report", "stalled", "--format", "json", "--as-of", "{d}"],
                                 ["stalled", "{d}"], 1.5),
    "4 report bottlenecks": (["report", "bottlenecks", "--format", "json", "--as-of", "{d}"],
                             ["bottlenecks", "{d}"], 1.5),
}  # fmt: skip


RSS_MB = 150  # peak RSS of any report at 100,000 clusters


def run(cmd: list[str]) -> tuple[float, bytes, int]:
    """Wall time, output and peak RSS (KB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True).stdout
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, out, max(before, after)


def portfolio(clusters: int) -> Path:
    path = default_path(clusters)
    if not path.exists():
        print(f"generating {clusters:,} clusters ...", flush=True)
        generate(clusters, path)
    else:  # a portfolio kept from an older ccn: bring its schema up to date
        engine = open_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()
    return path


def measure(
    clusters: int = 100_000, runs: int = 5, as_of: str = "2021-06-30", url: str | None = None
) -> dict[str, dict[str, float]]:
    db = portfolio(clusters)
    target = url or str(db)
    results = {}
    for name, (ccn_args, raw_args, goal) in REPORTS.items():
        a_cmd = [sys.executable, "-m", "cli", "--db", target,
                 *(x.format(d=as_of) for x in ccn_args)]  # fmt: skip
        b_cmd = [sys.executable, str(ROOT / "benchmarks" / "raw_reports.py"), str(db),
                 *(x.format(d=as_of) for x in raw_args)]  # fmt: skip
        _, a_out, _ = run(a_cmd)
        _, b_out, _ = run(b_cmd)
        if a_out != b_out:
            raise SystemExit(f"{name}: ccn and the baseline disagree; not timing")
        a_times, b_times, rss = [], [], 0
        for _ in range(runs):
            t, _, _ = run(a_cmd)
            a_times.append(t)
            b_times.append(run(b_cmd)[0])
            rss = max(rss, peak_rss(a_cmd))
        label = f"{name} [{clusters:,} clusters]" + (" on PostgreSQL" if url else "")
        results[name] = report(label, a_times, b_times, target=goal)
        results[name]["rss_mb"] = rss / 1024
        print(f"   peak RSS {rss / 1024:.0f} MB (target <= {RSS_MB} MB)", flush=True)
    return results


def peak_rss(cmd: list[str]) -> int:
    """Peak RSS in KB of one run, measured alone (GNU time is not always installed)."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *cmd], cwd=ROOT, capture_output=True,
                         check=True, text=True).stdout  # fmt: skip
    return int(out.strip())


def main() -> None:
    run_main(__doc__ or "", measure, runs=5)


if __name__ == "__main__":
    main()
