"""Build a realistic, repeatable portfolio of N clusters through ccn's own paths.

Clusters are registered by the CSV import service, then each gets a history
through the same service checks as `ccn advance` & co., batched into one
transaction per few thousand steps (services.apply_steps). Histories run from
2015 to 2026 with sends back, suspensions and cancellations, about ten entries
per cluster on average. Seeded: the same N and seed give the same database.

    python benchmarks/generate.py N [--out FILE] [--seed 2026]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from pathlib import Path
from typing import cast

from common import ROOT, empty_db

from db import SqlUnitOfWork, open_engine
from workflow import services
from workflow.services import NewCluster, Step

END = date(2026, 11, 20)
MAIN = ["planned", "planning_compliant", "establishment", "investment_approval",
        "infrastructure", "operating"]  # fmt: skip
NEEDS_REF = {"investment_approval", "infrastructure"}
PLACES = ["Cao Lộc", "Bắc Sơn", "Hữu Lũng", "Chi Lăng", "Lộc Bình", "Văn Quan", "Bình Gia",
          "Đình Lập", "Văn Lãng", "Bảo Thắng", "Sa Pa", "Văn Bàn", "Yên Bình"]  # fmt: skip


def default_path(n: int) -> Path:
    return ROOT / "benchmarks" / ".data" / f"portfolio-{n}.db"


def history(r: random.Random, code: str, since: date) -> list[Step]:
    steps: list[Step] = []
    origin: str | None
    state, origin, day = "planned", None, since
    while len(steps) < 16:
        gap = r.randint(15, 250)
        if day + timedelta(days=gap) > END:
            break
        day += timedelta(days=gap)
        if state == "suspended":
            if r.random() < 0.96:
                steps.append(Step(code, "resume", on=day))
                state, origin = cast(str, origin), None  # set by the suspension
            else:
                steps.append(Step(code, "cancel", on=day, note="Rút khỏi phương án"))
                break
            continue
        if state in ("operating", "cancelled"):
            break
        roll = r.random()
        i = MAIN.index(state)
        if roll < 0.03:
            break  # stays where it is: some clusters stall
        if roll < 0.22 and i >= 1:
            back = MAIN[r.randrange(0, i)]
            steps.append(Step(code, "send_back", to=back, on=day, note="Hồ sơ trả lại"))
            state = back
        elif roll < 0.36:
            steps.append(Step(code, "suspend", on=day, note="Chờ bố trí vốn"))
            state, origin = "suspended", state
        elif roll < 0.365:
            steps.append(Step(code, "cancel", on=day, note="Không đủ điều kiện"))
            break
        else:
            nxt = MAIN[i + 1]
            ref = f"QĐ {r.randint(1, 3000)}/QĐ-UBND" if nxt in NEEDS_REF else None
            steps.append(Step(code, "advance", on=day, ref=ref))
            state = nxt
    return steps


def generate(n: int, out: Path, seed: int = 2026, batch: int = 20_000) -> Path:
    r = random.Random(seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in (out, Path(f"{out}-wal"), Path(f"{out}-shm")):
        stale.unlink(missing_ok=True)
    empty_db(out)
    engine = open_engine(f"sqlite:///{out}")
    clusters = []
    for i in range(n):
        since = date(2015, 1, 1) + timedelta(days=r.randint(0, 4 * 365))
        code = f"CCN{i:06d}"
        name = f"Cụm công nghiệp {r.choice(PLACES)} {i}"
        clusters.append((i + 2, NewCluster(code, name, r.choice(PLACES), r.randint(10, 75),
                                           None, since=since)))  # fmt: skip
    services.import_clusters(SqlUnitOfWork(engine), clusters, actor="generator")
    pending: list[Step] = []
    for _, c in clusters:
        assert c.since is not None
        pending += history(r, c.code, c.since)
        if len(pending) >= batch:
            services.apply_steps(SqlUnitOfWork(engine), pending, actor="generator")
            pending = []
    if pending:
        services.apply_steps(SqlUnitOfWork(engine), pending, actor="generator")
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of clusters")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    out = args.out or default_path(args.n)
    started = time.perf_counter()
    generate(args.n, out, args.seed)
    print(f"{out}: {args.n} clusters in {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
