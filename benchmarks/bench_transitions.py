"""Benchmark 1: in-process transition throughput against raw sqlite3.

ccn: one service call and one committed transaction per transition (version
check, hash chain and history insert included). Baseline: plain sqlite3 on a copy
of the same database (same tables, indexes and triggers) doing the same work per
commit: read the cluster, UPDATE it where its version is unchanged, INSERT the
history row with its SHA-256, in WAL with synchronous=FULL. Runs are interleaved
(A B A B ...) and the medians compared: the ratio is what counts.

    python benchmarks/bench_transitions.py [--clusters 200] [--moves 400] [--runs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from common import report, setup_import

from db import SqlUnitOfWork, open_engine
from workflow import services


def _plan(m: int, clusters: int) -> tuple[str, bool]:
    """Cluster code and whether to suspend (else resume) for move `m`."""
    return f"C{m % clusters}", (m // clusters) % 2 == 0


def ccn_run(db: Path, clusters: int, moves: int) -> float:
    engine = open_engine(f"sqlite:///{db}")
    start = time.perf_counter()
    for m in range(moves):
        code, suspend = _plan(m, clusters)
        if suspend:
            services.suspend(SqlUnitOfWork(engine), code, actor="bench", reason="r")
        else:
            services.resume(SqlUnitOfWork(engine), code, actor="bench")
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def raw_run(db: Path, clusters: int, moves: int) -> float:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    start = time.perf_counter()
    for m in range(moves):
        code, _ = _plan(m, clusters)
        now = datetime.now(UTC)
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        con.execute("BEGIN IMMEDIATE")
        cid, state, origin, version, seq, head = con.execute(
            "SELECT id, state, suspended_from, version, last_seq, head_hash FROM clusters"
            " WHERE code_key = ?",
            (code,),
        ).fetchone()
        target, new_origin = ("suspended", state) if state != "suspended" else (origin, None)
        event = "suspend" if state != "suspended" else "resume"
        fields = [code, seq + 1, event, state, target, stamp, stamp, "bench", None, "r", head]
        digest = hashlib.sha256(
            json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
        ).hexdigest()
        con.execute(
            "UPDATE clusters SET state=?, since=?, since_on=?, suspended_from=?, version=?,"
            " last_seq=?, head_hash=? WHERE code_key=? AND version=?",
            (target, stamp, now.date().isoformat(), new_origin, version + 1, seq + 1, digest,
             code, version),
        )  # fmt: skip
        con.execute(
            "INSERT INTO transitions (cluster_id, seq, event, from_state, to_state,"
            " effective_at, effective_on, recorded_at, actor, ref, note, prev_hash, hash)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (cid, seq + 1, event, state, target, stamp, now.date().isoformat(), stamp, "bench",
             None, "r", head, digest),
        )  # fmt: skip
        con.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def measure(clusters: int = 200, moves: int = 400, runs: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed = setup_import(folder / "seed.db", clusters)
        ccn_times, raw_times = [], []
        for i in range(runs):
            a, b = folder / f"a{i}.db", folder / f"b{i}.db"
            shutil.copy(seed, a)
            shutil.copy(seed, b)
            ccn_times.append(ccn_run(a, clusters, moves))
            raw_times.append(raw_run(b, clusters, moves))
    return report("1 transition throughput", ccn_times, raw_times, target=2.0, per=moves)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clusters", type=int, default=200)
    ap.add_argument("--moves", type=int, default=400)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    measure(args.clusters, args.moves, args.runs)


if __name__ == "__main__":
    main()
