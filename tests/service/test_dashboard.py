"""The page's read model, on the fake unit of work and the real stores."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from workflow import reports, services
from workflow.dashboard import ClusterRow, Dwell, Segment, Timeline
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, on


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(uow, code, state="planned", since="2025-01-06", locality=None) -> None:
    new = NewCluster(code, f"Cụm {code}", locality=locality, state=state, since=on(since),
                     ref="QĐ 1/QĐ-UBND")  # fmt: skip
    services.register(uow(), new, actor="tester")


def portfolio(uow) -> None:
    """A1 moves on; S1 is suspended for 31 days in establishment; L1 is registered later."""
    add(uow, "A1", "planning_compliant", "2024-01-10", locality="Cao Lộc")
    services.advance(uow(), "A1", actor="t", on=on("2024-03-01"), ref="TTr 1")
    services.advance(uow(), "A1", actor="t", on=on("2024-06-01"), ref="QĐ 2")
    add(uow, "S1", "establishment", "2025-01-06")
    services.suspend(uow(), "S1", actor="t", reason="vốn", on=on("2025-02-01"))
    services.resume(uow(), "S1", actor="t", on=on("2025-03-04"))
    add(uow, "L1", "planned", "2025-12-01")


def test_dashboard_agrees_with_the_reports_and_walks_each_history(uow) -> None:
    portfolio(uow)
    board = services.dashboard(uow(), as_of=on("2025-06-30"))
    assert board.as_of == on("2025-06-30")
    assert board.funnel == reports.funnel(uow(), as_of=on("2025-06-30"))
    same = reports.stalled(uow(), as_of=on("2025-06-30"), calendar=reports.work_calendar())
    assert list(board.stalled) == same
    # A1 is past investment_approval's limit, S1 past establishment's; worst first.
    assert [(r.code, r.state) for r in board.stalled] == [("A1", "investment_approval"),
                                                          ("S1", "establishment")]  # fmt: skip
    # L1 is not yet registered on 30/06/2025: in no part of the page.
    assert [r.code for r in board.clusters] == ["A1", "S1"]
    assert board.clusters[1] == ClusterRow(
        "S1", "Cụm S1", None, "establishment", on("2025-01-06"), 175 - 31, True
    )
    assert board.timelines == [
        Timeline("A1", (Segment("planning_compliant", on("2024-01-10"), on("2024-03-01")),
                        Segment("establishment", on("2024-03-01"), on("2024-06-01")),
                        Segment("investment_approval", on("2024-06-01"), on("2025-06-30")))),
        Timeline("S1", (Segment("establishment", on("2025-01-06"), on("2025-02-01")),
                        Segment("suspended", on("2025-02-01"), on("2025-03-04")),
                        Segment("establishment", on("2025-03-04"), on("2025-06-30")))),
    ]  # fmt: skip
    # Completed passages, paused days left out; the suspension is a passage of its own.
    assert list(board.dwell) == [
        Dwell("planning_compliant", (51,)),
        Dwell("establishment", (92,)),
        Dwell("suspended", (31,)),
    ]
    assert board.deadlines is None and board.targets is None


def test_dashboard_defaults_to_today_and_passes_deadlines_and_targets_through(uow) -> None:
    portfolio(uow)
    items = [services.TargetItem("3 operating", "count", on("2025-12-31"), "at_risk", 0.4)]
    board = services.dashboard(uow(), deadlines=[], targets=items)
    assert board.as_of == on("2026-03-02")
    assert [r.code for r in board.clusters] == ["A1", "L1", "S1"]
    assert board.deadlines == [] and board.targets == items
    assert board.timelines[1] == Timeline("L1", (Segment("planned", on("2025-12-01"),
                                                         on("2026-03-02")),))  # fmt: skip
