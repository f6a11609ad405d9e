"""Supervisor reports through the use cases, on the fake unit of work and real stores.

The same portfolios as the CLI's report tests, so the fake's positions, irregular
histories, dwell histogram and rework are held to the numbers the real stores give.
"""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from workflow import reports, services
from workflow.reports import Funnel, FunnelRow, StalledRow, StepRow
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, on

STATES = ["planned", "planning_compliant", "establishment", "investment_approval",
          "infrastructure", "operating", "suspended", "cancelled"]  # fmt: skip


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(uow, code, state="planned", since="2025-01-06", locality=None) -> None:
    new = NewCluster(code, f"Cụm {code}", locality=locality, state=state,
                     since=date.fromisoformat(since), ref="QĐ 1/QĐ-UBND")  # fmt: skip
    services.register(uow(), new, actor="tester")


def test_stalled_as_of_a_past_date_judges_the_state_then(uow) -> None:
    add(uow, "A1", "establishment", "2025-01-06", locality="Cao Lộc")
    services.advance(uow(), "A1", actor="chị Lan", on=on("2025-07-01"), ref="QĐ 1689/QĐ-UBND")
    add(uow, "B1", "establishment", "2025-07-15")  # registered after the as-of date
    assert reports.stalled(uow(), as_of=on("2025-06-30")) == [
        StalledRow("A1", "Cụm A1", "Cao Lộc", "establishment", on("2025-01-06"), 0, 175, 117,
                   60, "working_days", 57, "tester", "QĐ 1/QĐ-UBND")
    ]  # fmt: skip


def test_stalled_today_shows_the_last_step_s_actor_and_ref(uow) -> None:
    add(uow, "A1", "establishment", "2025-01-06")
    services.advance(uow(), "A1", actor="chị Lan", on=on("2025-07-01"), ref="QĐ 1689/QĐ-UBND")
    [row] = reports.stalled(uow())
    assert (row.state, row.since, row.last_actor, row.last_ref) == (
        "investment_approval", on("2025-07-01"), "chị Lan", "QĐ 1689/QĐ-UBND")  # fmt: skip


def test_suspension_pauses_the_stall_clock(uow) -> None:
    add(uow, "HT2", "establishment", "2024-05-02")
    services.suspend(uow(), "HT2", actor="tester", reason="x", on=on("2026-02-02"))
    services.resume(uow(), "HT2", actor="tester", on=on("2026-02-16"))
    # 669 days and 459 working days since 02/05/2024, less 14 days (9 working) paused.
    assert reports.stalled(uow()) == [
        StalledRow("HT2", "Cụm HT2", None, "establishment", on("2024-05-02"), 14, 655, 450, 60,
                   "working_days", 390, "tester", None)
    ]  # fmt: skip


def test_a_reverted_advance_is_not_seen_on_a_date_between(uow) -> None:
    add(uow, "HT2", "establishment", "2024-05-02")
    services.advance(uow(), "HT2", actor="tester", ref="QĐ 2", on=on("2026-02-20"))
    services.revert(uow(), "HT2", actor="tester", reason="nhập nhầm", on=on("2026-02-25"))
    [row] = reports.stalled(uow(), as_of=on("2026-02-22"))
    assert (row.state, row.since, row.days_in_state) == ("establishment", on("2024-05-02"), 661)


def test_bottlenecks_count_rework_passages_and_suspensions(uow) -> None:
    add(uow, "R1", "establishment", "2025-01-06")
    services.send_back(uow(), "R1", actor="tester", to="planning_compliant",
                       reason="thiếu hồ sơ", on=on("2025-02-03"))  # fmt: skip
    services.advance(uow(), "R1", actor="tester", on=on("2025-03-03"))
    services.send_back(uow(), "R1", actor="tester", to="planning_compliant",
                       reason="lại thiếu", on=on("2025-04-01"))  # fmt: skip
    add(uow, "S1", "infrastructure", "2024-01-02")
    services.suspend(uow(), "S1", actor="tester", reason="tranh chấp", on=on("2024-06-03"))
    add(uow, "P1", "planned", "2024-01-01")
    data = reports.bottlenecks(uow(), as_of=on("2025-12-31"))
    by = {e.state: e for e in data.states}
    assert [e.state for e in data.states] == STATES
    assert by["planning_compliant"] == StepRow(
        state="planning_compliant", active=1, stalled=1, median_days_active=274,
        completed=1, median_days_completed=28, p90_days_completed=28, rework=2,
    )  # fmt: skip
    assert (by["establishment"].completed, by["establishment"].median_days_completed,
            by["establishment"].p90_days_completed) == (2, 28.5, 29)  # fmt: skip
    assert (by["suspended"].active, by["suspended"].stalled) == (1, 1)
    assert (by["infrastructure"].completed, by["infrastructure"].median_days_completed) == (
        0, None)  # fmt: skip
    assert (data.as_of, data.bottleneck) == (on("2025-12-31"), "planned")


def test_a_reverted_send_back_is_no_rework(uow) -> None:
    add(uow, "HT2", "establishment", "2024-05-02")
    services.send_back(uow(), "HT2", actor="tester", to="planning_compliant", reason="thiếu",
                       on=on("2026-02-02"))  # fmt: skip
    services.revert(uow(), "HT2", actor="tester", reason="nhầm")
    by = {e.state: e for e in reports.bottlenecks(uow()).states}
    assert (by["planning_compliant"].rework, by["establishment"].completed) == (0, 0)


def test_a_resumed_step_completes_without_its_paused_days(uow) -> None:
    add(uow, "HT2", "establishment", "2024-05-02")
    services.suspend(uow(), "HT2", actor="tester", reason="x", on=on("2026-01-05"))
    services.resume(uow(), "HT2", actor="tester", on=on("2026-01-15"))
    services.advance(uow(), "HT2", actor="tester", ref="QĐ 2", on=on("2026-02-02"))
    by = {e.state: e for e in reports.bottlenecks(uow()).states}
    # 641 days from 02/05/2024 to 02/02/2026, less the 10 suspended.
    assert (by["establishment"].completed, by["establishment"].median_days_completed) == (
        1, 631)  # fmt: skip
    assert (by["suspended"].completed, by["suspended"].median_days_completed) == (1, 10)


def test_empty_portfolio(uow) -> None:
    assert reports.stalled(uow()) == []
    data = reports.bottlenecks(uow())
    assert data.bottleneck is None
    assert all(e.active == 0 and e.median_days_active is None for e in data.states)
    assert reports.funnel(uow()) == Funnel(on("2026-03-02"), [FunnelRow(s, 0) for s in STATES])


def test_funnel_as_of_a_past_date_and_by_locality(uow) -> None:
    add(uow, "A1", "establishment", "2025-01-06", locality="Cao Lộc")
    services.advance(uow(), "A1", actor="tester", on=on("2025-07-01"), ref="QĐ 2/QĐ-UBND")
    add(uow, "B1", "planned", "2025-08-01", locality="Bắc Sơn")

    def counts(data):
        return {e.state: e.count for e in data.states if e.count}

    assert counts(reports.funnel(uow(), as_of=on("2025-06-30"))) == {"establishment": 1}
    assert counts(reports.funnel(uow())) == {"investment_approval": 1, "planned": 1}
    assert counts(reports.funnel(uow(), locality="bắc sơn")) == {"planned": 1}
