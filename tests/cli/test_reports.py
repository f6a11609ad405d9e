"""Supervisor reports through the CLI, with exact JSON, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

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


def add(ccn, code, state="planned", since="2025-01-06", ref="QĐ 1/QĐ-UBND", **kw):
    args = ["cluster", "add", code, "--name", kw.get("name", f"Cụm {code}"), "--state", state,
            "--since", since, "--ref", ref]  # fmt: skip
    if "locality" in kw:
        args += ["--locality", kw["locality"]]
    r = ccn(*args)
    assert r.exit_code == 0, r.stderr


def test_past_as_of_judges_the_state_then(ccn) -> None:
    add(ccn, "A1", "establishment", "2025-01-06", locality="Cao Lộc")
    ccn("advance", "A1", "--on", "2025-07-01", "--ref", "QĐ 1689/QĐ-UBND", actor="chị Lan")
    add(ccn, "B1", "establishment", "2025-07-15")  # registered after the as-of date
    rows = j(ccn("report", "stalled", "--as-of", "30/06/2025", "--format", "json"))
    # (06/01, 30/06/2025]: 125 weekdays, less Tết (5), Hùng Kings (1), 30/4-1/5 (2) and
    # Friday 2/5 (1), plus the make-up Saturday 26/4.
    assert rows == [
        {
            "code": "A1", "name": "Cụm A1", "locality": "Cao Lộc", "state": "establishment",
            "since": "2025-01-06", "paused_days": 0, "days_in_state": 175,
            "working_days_in_state": 117,
            "threshold": 60, "unit": "working_days", "overdue": 57, "last_actor": "tester",
            "last_ref": "QĐ 1/QĐ-UBND",
        }
    ]  # fmt: skip
    # Today A1 has moved on: judged in investment_approval, with the advance's actor and ref.
    now = {r["code"]: r for r in j(ccn("report", "stalled", "--format", "json"))}
    assert now["A1"]["state"] == "investment_approval"
    assert (now["A1"]["last_actor"], now["A1"]["last_ref"]) == ("chị Lan", "QĐ 1689/QĐ-UBND")
    assert now["B1"]["state"] == "establishment"


def test_working_days_skip_tet_2025(ccn) -> None:
    # Tết 2025: 25/01-02/02 off. (24/01, 07/02] holds 14 days and 5 working days.
    add(ccn, "T1", "establishment", "2025-01-24")
    rows = j(ccn("report", "stalled", "--as-of", "2025-02-07", "--threshold",
                 "establishment=4wd", "--format", "json"))  # fmt: skip
    assert [(r["days_in_state"], r["working_days_in_state"], r["overdue"]) for r in rows] == [
        (14, 5, 1)
    ]
    rows = j(ccn("report", "stalled", "--as-of", "2025-02-07", "--threshold",
                 "establishment=5wd", "--format", "json"))  # fmt: skip
    assert rows == []


def make_up_saturday(tmp_path):
    cal = tmp_path / "langson.toml"
    cal.write_text('[[working_day]]\ndate = "2025-03-08"\nname = "Làm bù"\n', encoding="utf-8")
    return cal


def test_make_up_saturday_from_calendar_file(ccn, tmp_path) -> None:
    cal = make_up_saturday(tmp_path)
    add(ccn, "S1", "establishment", "2025-03-07")  # a Friday
    args = ["report", "stalled", "--as-of", "2025-03-10", "--threshold", "establishment=1wd",
            "--format", "json"]  # fmt: skip
    assert j(ccn(*args)) == []  # only Monday 10/03 counts
    [row] = j(ccn(*args, "--calendar", str(cal)))
    assert row["working_days_in_state"] == 2


def test_calendar_list_shows_the_local_make_up_day(ccn, tmp_path) -> None:
    cal = make_up_saturday(tmp_path)
    r = ccn("calendar", "list", "--year", "2025", "--calendar", str(cal), "--format", "json")
    days = {d["date"]: d for d in j(r)}
    assert days["2025-03-08"] == {"date": "2025-03-08", "weekday": "Sat", "working": True,
                                  "name": "Làm bù"}  # fmt: skip
    assert days["2025-01-29"]["working"] is False


def three_waiting(ccn) -> None:
    add(ccn, "P1", "planned", "2025-01-01")
    add(ccn, "P2", "planned", "2025-06-01")
    add(ccn, "E1", "establishment", "2026-02-01")


def test_threshold_overrides_sort_by_how_far_over(ccn) -> None:
    three_waiting(ccn)
    rows = j(ccn("report", "stalled", "--threshold", "planned=100",
                 "--threshold", "establishment=10", "--format", "json"))  # fmt: skip
    assert [(r["code"], r["unit"], r["threshold"], r["overdue"]) for r in rows] == [
        ("P1", "days", 100, 325), ("E1", "days", 10, 19), ("P2", "days", 100, 174),
    ]  # fmt: skip


def test_fail_on_stalled_exits_3_only_when_something_is_stalled(ccn) -> None:
    three_waiting(ccn)
    r = ccn("report", "stalled", "--threshold", "planned=100", "--fail-on-stalled")
    assert r.exit_code == 3
    assert r.stdout.splitlines()[0].split()[:2] == ["Code", "Name"]
    r = ccn("report", "stalled", "--state", "establishment", "--fail-on-stalled")
    assert (r.exit_code, r.stdout) == (0, "No stalled clusters.\n")


def test_an_invalid_threshold_is_one_error_line(ccn) -> None:
    r = ccn("report", "stalled", "--threshold", "planned=ten")
    assert (r.exit_code, r.stderr) == (
        1, "Error: invalid threshold 'planned=ten': use STATE=N (days) or STATE=Nwd "
        "(working days)\n")  # fmt: skip


def test_bottlenecks_rework_ties_and_suspension(ccn) -> None:
    add(ccn, "R1", "establishment", "2025-01-06")
    ccn("send-back", "R1", "--to", "planning_compliant", "--reason", "thiếu hồ sơ",
        "--on", "2025-02-03")  # fmt: skip
    ccn("advance", "R1", "--on", "2025-03-03")
    ccn("send-back", "R1", "--to", "planning_compliant", "--reason", "lại thiếu",
        "--on", "2025-04-01")  # fmt: skip
    add(ccn, "S1", "infrastructure", "2024-01-02")
    ccn("suspend", "S1", "--reason", "tranh chấp", "--on", "2024-06-03")
    add(ccn, "P1", "planned", "2024-01-01")
    data = j(ccn("report", "bottlenecks", "--as-of", "2025-12-31", "--format", "json"))
    by = {e["state"]: e for e in data["states"]}
    assert [e["state"] for e in data["states"]] == [
        "planned", "planning_compliant", "establishment", "investment_approval",
        "infrastructure", "operating", "suspended", "cancelled",
    ]  # fmt: skip
    assert by["planning_compliant"] == {
        "state": "planning_compliant", "active": 1, "stalled": 1, "median_days_active": 274,
        "completed": 1, "median_days_completed": 28, "p90_days_completed": 28, "rework": 2,
    }  # fmt: skip
    assert by["establishment"]["completed"] == 2
    # passages of 28 and 29 days: the median averages them, p90 is nearest-rank
    assert by["establishment"]["median_days_completed"] == 28.5
    assert by["establishment"]["p90_days_completed"] == 29
    assert by["suspended"]["active"] == 1 and by["suspended"]["stalled"] == 1
    # A suspension pauses the infrastructure step; it does not complete it.
    assert by["infrastructure"]["completed"] == 0
    assert by["infrastructure"]["median_days_completed"] is None
    # planned, planning_compliant and suspended each have one stalled cluster: the tie goes
    # to the larger median_days_active, planned since 01/01/2024 (730 days).
    assert data["bottleneck"] == "planned"
    assert data["as_of"] == "2025-12-31"


def test_empty_database(ccn) -> None:
    assert j(ccn("report", "stalled", "--format", "json")) == []
    data = j(ccn("report", "bottlenecks", "--format", "json"))
    assert data["bottleneck"] is None
    assert all(e["active"] == 0 and e["median_days_active"] is None for e in data["states"])
    funnel = j(ccn("report", "funnel", "--format", "json"))
    assert funnel == {"as_of": "2026-03-02", "states": [
        {"state": s, "count": 0} for s in (
            "planned", "planning_compliant", "establishment", "investment_approval",
            "infrastructure", "operating", "suspended", "cancelled")]}  # fmt: skip


def two_localities(ccn) -> None:
    add(ccn, "A1", "establishment", "2025-01-06", locality="Cao Lộc")
    ccn("advance", "A1", "--on", "2025-07-01", "--ref", "QĐ 2/QĐ-UBND")
    add(ccn, "B1", "planned", "2025-08-01", locality="Bắc Sơn")


def test_funnel_as_of_and_locality(ccn) -> None:
    two_localities(ccn)
    counts = lambda d: {e["state"]: e["count"] for e in d["states"] if e["count"]}  # noqa: E731
    assert counts(j(ccn("report", "funnel", "--as-of", "2025-06-30", "--format", "json"))) == {
        "establishment": 1
    }
    assert counts(j(ccn("report", "funnel", "--format", "json"))) == {
        "investment_approval": 1, "planned": 1}  # fmt: skip
    assert counts(j(ccn("report", "funnel", "--locality", "bắc sơn", "--format", "json"))) == {
        "planned": 1}  # fmt: skip


def test_funnel_as_csv_and_in_vietnamese(ccn) -> None:
    two_localities(ccn)
    r = ccn("report", "funnel", "--format", "csv")
    assert r.stdout_bytes.decode().startswith("\ufeffstate,count\r\nplanned,1\r\n")
    r = ccn("--lang", "vi", "report", "funnel")
    assert "Chấp thuận đầu tư" in r.stdout
