"""Shared pieces of the benchmarks: setup through ccn itself, and the printed report."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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


def report(
    name: str, ccn: list[float], raw: list[float], target: float, per: int | None = None
) -> dict[str, float]:
    a, b = statistics.median(ccn), statistics.median(raw)
    ratio = a / b
    verdict = "ok" if ratio <= target else "OVER TARGET"
    unit = f" ({a / per * 1000:.3f} ms vs {b / per * 1000:.3f} ms each)" if per else ""
    print(
        f"{name}: ccn {a:.3f}s, baseline {b:.3f}s{unit}, ratio {ratio:.2f}x "
        f"(target <= {target}x) {verdict}  [{len(ccn)} runs, medians]",
        flush=True,
    )
    return {"ccn": a, "baseline": b, "ratio": ratio, "target": target}
