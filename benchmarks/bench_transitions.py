"""Benchmark 1: in-process transition throughput against raw sqlite3.

ccn: one service call and one committed transaction per transition (hash chain,
version check and history insert included). Baseline: plain sqlite3 doing the
same UPDATE + INSERT per commit, WAL with synchronous=FULL. Runs are
interleaved (A B A B ...) and the medians compared: the ratio is what counts.

    python benchmarks/bench_transitions.py [--clusters 200] [--moves 400] [--runs 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from db import SqlUnitOfWork, open_engine
from db.schema import upgrade
from workflow import services
from workflow.services import NewCluster


def ccn_run(folder: Path, clusters: int, moves: int) -> float:
    path = folder / f"ccn-{time.monotonic_ns()}.db"
    engine = open_engine(f"sqlite:///{path}")
    upgrade(engine)
    rows = [(i, NewCluster(f"C{i}", f"Cụm {i}")) for i in range(clusters)]
    services.import_clusters(SqlUnitOfWork(engine), rows, actor="bench")
    start = time.perf_counter()
    for m in range(moves):
        code = f"C{m % clusters}"
        if (m // clusters) % 2 == 0:
            services.suspend(SqlUnitOfWork(engine), code, actor="bench", reason="r")
        else:
            services.resume(SqlUnitOfWork(engine), code, actor="bench")
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def raw_run(folder: Path, clusters: int, moves: int) -> float:
    path = folder / f"raw-{time.monotonic_ns()}.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute(
        "CREATE TABLE clusters (id INTEGER PRIMARY KEY, code TEXT UNIQUE, state TEXT,"
        " suspended_from TEXT, version INTEGER, last_seq INTEGER)"
    )
    con.execute(
        "CREATE TABLE transitions (id INTEGER PRIMARY KEY, cluster_id INTEGER, seq INTEGER,"
        " event TEXT, from_state TEXT, to_state TEXT, effective_at TEXT, recorded_at TEXT,"
        " actor TEXT, note TEXT, UNIQUE (cluster_id, seq))"
    )
    con.executemany(
        "INSERT INTO clusters VALUES (?, ?, 'planned', NULL, 1, 1)",
        [(i, f"C{i}") for i in range(clusters)],
    )
    start = time.perf_counter()
    for m in range(moves):
        code = f"C{m % clusters}"
        now = datetime.now(UTC).isoformat()
        con.execute("BEGIN IMMEDIATE")
        cid, state, origin, version, seq = con.execute(
            "SELECT id, state, suspended_from, version, last_seq FROM clusters WHERE code = ?",
            (code,),
        ).fetchone()
        target, new_origin = ("suspended", state) if state != "suspended" else (origin, None)
        con.execute(
            "UPDATE clusters SET state=?, suspended_from=?, version=?, last_seq=?"
            " WHERE id=? AND version=?",
            (target, new_origin, version + 1, seq + 1, cid, version),
        )
        con.execute(
            "INSERT INTO transitions (cluster_id, seq, event, from_state, to_state,"
            " effective_at, recorded_at, actor, note) VALUES (?,?,?,?,?,?,?,?,?)",
            (cid, seq + 1, "suspend", state, target, now, now, "bench", "r"),
        )
        con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clusters", type=int, default=200)
    ap.add_argument("--moves", type=int, default=400)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    ccn_times, raw_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            ccn_times.append(ccn_run(Path(tmp), args.clusters, args.moves))
            raw_times.append(raw_run(Path(tmp), args.clusters, args.moves))
    a, b = statistics.median(ccn_times), statistics.median(raw_times)
    print(f"transitions: {args.moves} per run, {args.runs} runs")
    print(f"  ccn       median {a:.3f}s  ({a / args.moves * 1000:.2f} ms/transition)")
    print(f"  sqlite3   median {b:.3f}s  ({b / args.moves * 1000:.2f} ms/transition)")
    print(f"  ratio     {a / b:.2f}x  (target <= 2.0x)")


if __name__ == "__main__":
    main()
