"""Benchmark 8: reports 3 and 4 on PostgreSQL against the same reports on SQLite.

Starts a throwaway PostgreSQL server (as tests do), loads the SQLite benchmark
portfolio into it with COPY, checks that every report prints the same bytes on
both, then times them interleaved. Target: PostgreSQL within 2x of SQLite.

    python benchmarks/bench_postgres.py [--clusters 100000] [--runs 5]
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
from bench_reports import REPORTS, portfolio, run
from common import ROOT, report, run_main

sys.path.insert(0, str(ROOT))
from tests.pgserver import PgServer, find_bindir

TABLES = ("workflows", "clusters", "transitions")


def load(sqlite_path: Path, url: str) -> None:
    subprocess.run([sys.executable, "-m", "cli", "--db", url, "init"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    src = sqlite3.connect(sqlite_path)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as pg, pg.cursor() as cur:
        # A copy of rows already written (their db_user is the generator's login): as the
        # superuser, load them without the identity triggers.
        cur.execute("SET session_replication_role = replica")
        for table in TABLES:
            cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in src.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id"):
                    copy.write_row(row)
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        cur.execute("ANALYZE")


def measure(clusters: int = 100_000, runs: int = 5, as_of: str = "2021-06-30") -> dict:
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL server binaries not found")
    db = portfolio(clusters)
    server = PgServer(bindir)
    server.start()
    results = {}
    try:
        subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(server.port),
                        "-U", "ccn", "bench"], check=True,
                       env={"PGPASSWORD": "ccn-test-pw", "PATH": "/usr/bin:/bin"})  # fmt: skip
        url = server.url("bench")
        load(db, url)
        for name, (args, _, _) in REPORTS.items():
            argv = [x.format(d=as_of) for x in args]
            pg_cmd = [sys.executable, "-m", "cli", "--db", url, *argv]
            lite_cmd = [sys.executable, "-m", "cli", "--db", str(db), *argv]
            if run(pg_cmd)[1] != run(lite_cmd)[1]:
                raise SystemExit(f"{name}: PostgreSQL and SQLite disagree; not timing")
            pg_times, lite_times = [], []
            for _ in range(runs):
                pg_times.append(run(pg_cmd)[0])
                lite_times.append(run(lite_cmd)[0])
            results[name] = report(f"8 {name[2:]} PostgreSQL vs SQLite", pg_times, lite_times,
                                   target=2.0)  # fmt: skip
    finally:
        server.stop()
    return results


def main() -> None:
    run_main(__doc__ or "", measure, runs=5)


if __name__ == "__main__":
    main()
