"""Review fixes of the legal deadlines: pauses after a lapse, clocks held, back-filled
milestones, suspensions; on the fake unit of work, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from workflow import deadlines, services
from workflow.errors import CcnError
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, on


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(uow, code: str) -> None:
    new = NewCluster(code, f"Cụm {code}", state="establishment", since=on("2025-01-02"),
                     ref="QĐ 1/QĐ-UBND")  # fmt: skip
    services.register(uow(), new, actor="tester")


def mark(uow, code: str, name: str, day: str) -> None:
    deadlines.record_milestone(uow(), code, name, on=on(day), actor="tester")


def due(uow, as_of: str) -> list[tuple[str, date, int, int]]:
    return [(r.code, r.due_on, r.paused_days, r.days_left)
            for r in deadlines.deadlines(uow(), as_of=on(as_of))]  # fmt: skip


def test_deadline_a_pause_after_the_due_date_does_not_unexpire_it(uow) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")  # 25 days: due Friday 28/03/2025
    assert due(uow, "2025-04-09") == [("Q", on("2025-03-28"), 0, -12)]
    mark(uow, "Q", "dossier_returned", "2025-04-10")
    assert due(uow, "2025-04-15") == [("Q", on("2025-03-28"), 0, -18)]
    overdue = deadlines.deadlines(uow(), as_of=on("2025-04-15"), overdue=True)
    assert [r.code for r in overdue] == ["Q"]
    mark(uow, "Q", "dossier_resubmitted", "2025-04-20")
    assert due(uow, "2025-04-25") == [("Q", on("2025-03-28"), 0, -28)]


def test_deadline_a_suspension_after_the_due_date_keeps_it_overdue(uow) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")
    services.suspend(uow(), "Q", actor="tester", reason="chờ ý kiến", on=on("2025-04-10"))
    assert due(uow, "2025-04-15") == [("Q", on("2025-03-28"), 0, -18)]
    shown = services.show(uow(), "Q").milestones  # today 02/03/2026, still suspended
    assert shown is not None and shown.next_due is not None
    nxt = shown.next_due
    assert (nxt.milestone, nxt.due_on, nxt.paused_days, nxt.days_left) == (
        "appraisal_reported", on("2025-03-28"), 0, -339)  # fmt: skip
    services.resume(uow(), "Q", actor="tester", on=on("2025-05-02"))
    assert due(uow, "2025-05-05") == [("Q", on("2025-03-28"), 0, -38)]


def test_deadline_a_pause_before_the_due_date_holds_then_moves_it(uow) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")
    mark(uow, "Q", "dossier_returned", "2025-03-20")  # 17 days counted, 8 left
    assert due(uow, "2025-04-15") == []  # the clock is held: no date runs
    mark(uow, "Q", "dossier_resubmitted", "2025-04-01")  # 12 days paused
    assert due(uow, "2025-04-02") == [("Q", on("2025-04-09"), 12, 7)]


def test_deadline_a_suspension_partly_before_the_due_date_counts_only_what_moved_it(
    uow,
) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")
    services.suspend(uow(), "Q", actor="tester", reason="chờ", on=on("2025-03-26"))
    services.resume(uow(), "Q", actor="tester", on=on("2025-03-31"))  # 5 days paused
    mark(uow, "Q", "dossier_returned", "2025-05-05")  # after the (moved) due date
    # 23 days to 26/03, 2 more after 31/03: 02/04/2025.
    assert due(uow, "2025-05-06") == [("Q", on("2025-04-02"), 5, -34)]


def test_deadline_a_paused_clock_refuses_its_milestone(uow) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")
    mark(uow, "Q", "dossier_returned", "2025-03-10")
    with pytest.raises(
        CcnError,
        match=r"the clock of appraisal_reported is paused since 10/03/2025; "
        r"record dossier_resubmitted first",
    ):
        mark(uow, "Q", "appraisal_reported", "2025-03-20")
    mark(uow, "Q", "dossier_resubmitted", "2025-03-15")
    mark(uow, "Q", "appraisal_reported", "2025-03-20")
    shown = services.show(uow(), "Q").milestones
    assert shown is not None
    assert shown.paused == ()
    assert shown.deadlines[0].milestone == "decision_issued"


def test_deadline_a_returned_dossier_can_be_back_filled(uow) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")
    mark(uow, "Q", "appraisal_reported", "2025-03-25")
    mark(uow, "Q", "dossier_returned", "2025-03-10")  # back-filled: optional
    shown = services.show(uow(), "Q").milestones
    assert shown is not None
    assert shown.paused == ()  # the appraisal is done: no clock is held
    with pytest.raises(CcnError, match="before the pause it resumes, 10/03/2025"):
        mark(uow, "Q", "dossier_resubmitted", "2025-03-05")
    mark(uow, "Q", "dossier_resubmitted", "2025-03-15")
    with pytest.raises(CcnError, match="before the last pause of that clock ended on 15/03"):
        mark(uow, "Q", "dossier_returned", "2025-03-12")
    # A milestone of the order still cannot go back in time.
    with pytest.raises(CcnError, match="is before appraisal_reported, recorded for 25/03/2025"):
        mark(uow, "Q", "decision_issued", "2025-03-24")
    with pytest.raises(CcnError, match="before cluster Q entered establishment"):
        mark(uow, "Q", "dossier_returned", "2024-12-31")


def test_deadline_a_milestone_inside_a_suspension_is_refused(uow) -> None:
    add(uow, "Q")
    mark(uow, "Q", "dossier_complete", "2025-03-03")
    services.suspend(uow(), "Q", actor="tester", reason="chờ", on=on("2025-03-10"))
    services.resume(uow(), "Q", actor="tester", on=on("2025-03-20"))
    with pytest.raises(
        CcnError, match="falls while cluster Q was suspended, from 10/03/2025 to 20/03/2025"
    ):
        mark(uow, "Q", "appraisal_reported", "2025-03-15")
    mark(uow, "Q", "appraisal_reported", "2025-03-20")


def test_deadline_infrastructure_steps_run_in_parallel(uow) -> None:
    new = NewCluster("HT1", "Cụm HT1", state="infrastructure", since=on("2024-06-03"),
                     ref="QĐ 9/QĐ-UBND")  # fmt: skip
    services.register(uow(), new, actor="tester")
    mark(uow, "HT1", "land_allocated", "2024-09-10")
    mark(uow, "HT1", "eia_approved", "2024-08-01")  # before the land, recorded later
    mark(uow, "HT1", "detailed_plan_approved", "2024-07-15")
    shown = services.show(uow(), "HT1").milestones
    assert shown is not None
    assert shown.open == (
        "infrastructure_project_approved", "site_clearance_done", "construction_started",
        "wastewater_plant_built", "wastewater_plant_compliant", "commissioned",
    )  # fmt: skip
    mark(uow, "HT1", "commissioned", "2025-12-01")
    with pytest.raises(CcnError, match="is before commissioned, recorded for 01/12/2025"):
        mark(uow, "HT1", "commissioned", "2025-11-01")
