"""Stall clocks that only the world can move: suspensions pause, reverts vanish."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.model import GENESIS, Transition
from workflow.stepclock import clock_on
from workflow.workdays import WorkCalendar

from ..conftest import FROZEN_NOW

CAL = WorkCalendar()


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def j(result):
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def ok(result):
    assert result.exit_code == 0, result.stderr
    return result


def stalled(ccn, *args):
    return {r["code"]: r for r in j(ccn("report", "stalled", "--format", "json", *args))}


def register_ht2(ccn):
    ok(ccn("cluster", "add", "HT2", "--name", "Cụm công nghiệp Hợp Thành 2", "--state",
           "establishment", "--since", "2024-05-02"))  # fmt: skip


def test_suspend_and_resume_pause_the_clock_without_resetting_it(ccn) -> None:
    register_ht2(ccn)
    before = stalled(ccn)["HT2"]
    ok(ccn("suspend", "HT2", "--reason", "x", "--on", "2026-02-02"))
    ok(ccn("resume", "HT2", "--on", "2026-02-16"))
    after = stalled(ccn)["HT2"]
    assert after["since"] == "2024-05-02"  # the day the step was entered
    assert after["paused_days"] == 14
    assert after["days_in_state"] == before["days_in_state"] - 14
    paused_wd = CAL.working_days(date(2026, 2, 2), date(2026, 2, 16))
    assert after["working_days_in_state"] == before["working_days_in_state"] - paused_wd
    assert after["overdue"] == before["overdue"] - paused_wd
    assert after["last_actor"] == "tester"


def test_a_suspended_cluster_is_judged_by_its_suspension(ccn) -> None:
    register_ht2(ccn)
    ok(ccn("suspend", "HT2", "--reason", "chờ vốn", "--on", "2025-01-02"))
    row = stalled(ccn)["HT2"]
    assert (row["state"], row["since"], row["paused_days"]) == ("suspended", "2025-01-02", 0)
    assert row["days_in_state"] == (date(2026, 3, 2) - date(2025, 1, 2)).days
    show = j(ccn("cluster", "show", "HT2", "--format", "json"))
    assert show["resumes_to"] == "establishment"
    table = ok(ccn("cluster", "show", "HT2")).stdout
    assert "resumes_to:    establishment\n" in table


def test_show_of_a_cluster_registered_as_suspended_says_resume_needs_to(ccn) -> None:
    ok(ccn("cluster", "add", "S9", "--name", "Cụm S9", "--state", "suspended"))
    assert (
        "resumes_to:    (unknown: resume needs --to)\n" in ok(ccn("cluster", "show", "S9")).stdout
    )


def test_a_reverted_advance_leaves_no_trace_in_clocks_or_reports(ccn) -> None:
    register_ht2(ccn)
    before = stalled(ccn)["HT2"]
    ok(ccn("advance", "HT2", "--ref", "QĐ 1/QĐ-UBND", "--on", "2026-02-20"))
    ok(ccn("revert", "HT2", "--reason", "nhập nhầm", "--on", "2026-02-25"))
    assert stalled(ccn)["HT2"] == before
    # Asked about a day between the advance and its revert: as if it never happened.
    on_22 = stalled(ccn, "--as-of", "2026-02-22")["HT2"]
    assert (on_22["state"], on_22["since"]) == ("establishment", "2024-05-02")
    funnel = j(ccn("report", "funnel", "--as-of", "2026-02-22", "--format", "json"))
    counts = {e["state"]: e["count"] for e in funnel["states"]}
    assert (counts["establishment"], counts["investment_approval"]) == (1, 0)
    steps = {e["state"]: e for e in j(ccn("report", "bottlenecks", "--format", "json"))["states"]}
    assert steps["establishment"]["completed"] == 0
    assert steps["investment_approval"]["completed"] == 0
    assert j(ccn("cluster", "show", "HT2", "--format", "json"))["since"] == "2024-05-02"


def test_a_reverted_suspension_never_paused_the_clock(ccn) -> None:
    register_ht2(ccn)
    before = stalled(ccn)["HT2"]
    ok(ccn("suspend", "HT2", "--reason", "x", "--on", "2026-02-02"))
    ok(ccn("revert", "HT2", "--reason", "nhầm"))
    assert stalled(ccn)["HT2"] == before


def test_a_resumed_step_completes_without_its_paused_days(ccn) -> None:
    register_ht2(ccn)
    ok(ccn("suspend", "HT2", "--reason", "x", "--on", "2026-01-05"))
    ok(ccn("resume", "HT2", "--on", "2026-01-15"))
    ok(ccn("advance", "HT2", "--ref", "QĐ 2", "--on", "2026-02-02"))
    steps = {e["state"]: e for e in j(ccn("report", "bottlenecks", "--format", "json"))["states"]}
    total = (date(2026, 2, 2) - date(2024, 5, 2)).days
    assert steps["establishment"]["completed"] == 1
    assert steps["establishment"]["median_days_completed"] == total - 10
    assert (steps["suspended"]["completed"], steps["suspended"]["median_days_completed"]) == (1, 10)


def test_a_reverted_send_back_is_no_rework(ccn) -> None:
    register_ht2(ccn)
    ok(ccn("send-back", "HT2", "--to", "planning_compliant", "--reason", "thiếu", "--on",
           "2026-02-02"))  # fmt: skip
    ok(ccn("revert", "HT2", "--reason", "nhầm"))
    steps = {e["state"]: e for e in j(ccn("report", "bottlenecks", "--format", "json"))["states"]}
    assert steps["planning_compliant"]["rework"] == 0
    assert steps["establishment"]["completed"] == 0


# --- property: the clock against an independent day-by-day oracle -----------------

MAIN = ["planned", "planning_compliant", "establishment", "investment_approval"]
START = date(2024, 1, 1)


def _entry(seq: int, event: str, src: str | None, dst: str, day: date) -> Transition:
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Transition("P1", seq, event, src, dst, at, day, at, "a", None, None, GENESIS, "h")


@st.composite
def histories(draw):
    """A legal history, and beside it the entries that stand after each one (the oracle)."""
    day = START
    entries = [_entry(1, "register", None, "planned", day)]
    # Each snapshot: (state, resumes_to, standing entries); a revert goes back one snapshot.
    snaps = [("planned", None, (entries[0],))]
    for _ in range(draw(st.integers(0, 12))):
        day += timedelta(days=draw(st.integers(0, 40)))
        state, origin, standing = snaps[-1]
        options = ["revert"] if len(snaps) >= 2 else []
        if state == "suspended":
            options.append("resume")
        else:
            options += ["suspend", "advance"] if MAIN.index(state) < len(MAIN) - 1 else ["suspend"]
            options += ["send_back"] if MAIN.index(state) > 0 else []
        event = draw(st.sampled_from(options))
        seq = len(entries) + 1
        if event == "revert":
            target = snaps[-2]
            entries.append(_entry(seq, "revert", state, target[0], day))
            snaps.append(target)
            continue
        if event == "suspend":
            nxt = ("suspended", state)
        elif event == "resume":
            nxt = (origin, None)
        elif event == "advance":
            nxt = (MAIN[MAIN.index(state) + 1], None)
        else:
            nxt = (MAIN[draw(st.integers(0, MAIN.index(state) - 1))], None)
        t = _entry(seq, event, state, nxt[0], day)
        entries.append(t)
        snaps.append((nxt[0], nxt[1], (*standing, t)))
    return entries, snaps[-1][2], day


def oracle(standing, as_of: date) -> tuple[str, int, int]:
    """(state, days, working days), counting one day at a time.

    Day x counts toward where the cluster stands on `as_of` when, after every entry
    effective before x, it was in that same stay: the same step (a resume continues
    the step it suspended) or the same suspension.
    """
    timeline, stays, waiting, where = [], iter(range(1_000_000)), None, None
    for t in (t for t in standing if t.effective_on <= as_of):
        if t.event == "suspend":
            waiting, where = where, ("suspended", next(stays))
        elif t.event == "resume":
            where, waiting = waiting, None
        else:
            where = (t.to_state, next(stays))
        timeline.append((t.effective_on, where))
    final = timeline[-1][1]
    counted = []
    x = START + timedelta(days=1)
    while x <= as_of:
        if [w for d, w in timeline if d < x][-1:] == [final]:
            counted.append(x)
        x += timedelta(days=1)
    return final[0], len(counted), sum(1 for x in counted if CAL.is_working(x))


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(0, 60))
def test_clock_equals_a_day_by_day_oracle(history, extra) -> None:
    entries, standing, last_day = history
    for as_of in (last_day, last_day + timedelta(days=extra), START + timedelta(days=extra)):
        clock = clock_on(entries, as_of)
        state, days, working = oracle(standing, as_of)
        assert clock is not None
        assert (clock.state, clock.days(as_of), clock.working_days(as_of, CAL)) == (
            state,
            days,
            working,
        )
