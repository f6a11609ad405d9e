"""Shared pieces of the benchmarks: setup through ccn itself, and the printed report."""

from __future__ import annotations

import argparse
import compileall
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _as_installed() -> None:
    """Byte-compile ccn's sources, as `pip install` does for an installed package.

    The baselines' libraries were compiled when pip installed them; an editable
    checkout under PYTHONDONTWRITEBYTECODE=1 (set on these machines) would otherwise
    recompile cli.py and every module in each timed process, about 10 ms for
    `ccn --help` and 60 ms for an import, which is not ccn's cost but the checkout's.
    """
    for folder in ("workflow", "states", "db"):
        compileall.compile_dir(ROOT / folder, quiet=1)
    compileall.compile_file(ROOT / "cli.py", quiet=1)


_as_installed()

from db import SqlUnitOfWork, open_engine  # noqa: E402
from db.schema import upgrade  # noqa: E402
from states import default_definition  # noqa: E402
from workflow import services  # noqa: E402
from workflow.services import NewCluster  # noqa: E402


def empty_db(path: Path) -> Path:
    """A fresh, initialised ccn database with the default workflow pinned."""
    engine = open_engine(f"sqlite:///{path}", create_dir=True)
    upgrade(engine)
    with SqlUnitOfWork(engine) as uow:
        uow.definitions.pin(default_definition())
        uow.commit()
    engine.dispose()
    return path


def setup_import(path: Path, clusters: int) -> Path:
    """A fresh ccn database holding `clusters` registered clusters C0, C1, ..."""
    engine = open_engine(f"sqlite:///{path}", create_dir=True)
    upgrade(engine)
    rows = [(i, NewCluster(f"C{i}", f"Cụm {i}")) for i in range(clusters)]
    services.import_clusters(SqlUnitOfWork(engine), rows, actor="bench")
    engine.dispose()
    return path


def run_main(doc: str, measure: Callable[..., object], runs: int = 5) -> None:
    """The command line every benchmark script shares: --clusters N --runs R."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--clusters", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=runs)
    args = ap.parse_args()
    measure(clusters=args.clusters, runs=args.runs)


def report(
    name: str, ccn: list[float], raw: list[float], target: float, per: int | None = None
) -> dict[str, float]:
    a, b = statistics.median(ccn), statistics.median(raw)
    ratio = a / b
    # Targets are set for 100,000 clusters; smaller runs only show growth.
    verdict = "ok" if ratio <= target else "over target"
    goal = f"target <= {target}x" if target != float("inf") else "no target"
    if target == float("inf"):
        verdict = "measured"
    unit = f" ({a / per * 1000:.3f} ms vs {b / per * 1000:.3f} ms each)" if per else ""
    print(
        f"{name}: ccn {a:.3f}s, baseline {b:.3f}s{unit}, ratio {ratio:.2f}x "
        f"({goal}) {verdict}  [{len(ccn)} runs, medians]",
        flush=True,
    )
    return {"ccn": a, "baseline": b, "ratio": ratio, "target": target}
