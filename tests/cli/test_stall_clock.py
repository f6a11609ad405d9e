"""Stall clocks that only the world can move: suspensions pause, reverts vanish."""

from __future__ import annotations

import json
from datetime import date

import pytest
from freezegun import freeze_time

from ..conftest import FROZEN_NOW


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
    paused_wd = 9  # (02/02, 16/02/2026]: 10 weekdays, less Monday 16/02 of Tết
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


def test_suspending_again_does_not_restart_the_suspended_clock(ccn) -> None:
    ok(ccn("cluster", "add", "HT2", "--name", "Cụm HT2", "--state", "establishment",
           "--since", "2024-01-02"))  # fmt: skip
    ok(ccn("suspend", "HT2", "--reason", "x", "--on", "2024-01-03"))
    for _ in range(2):  # a resume and a suspension on the same day, twice
        ok(ccn("resume", "HT2"))
        ok(ccn("suspend", "HT2", "--reason", "x"))
    row = stalled(ccn)["HT2"]
    assert (row["state"], row["since"], row["paused_days"]) == ("suspended", "2024-01-03", 0)
    assert row["days_in_state"] == (date(2026, 3, 2) - date(2024, 1, 3)).days
