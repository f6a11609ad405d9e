"""`ccn milestone`, `report deadlines` and `workflow install/diff/migrate`, exact output,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from ..conftest import FROZEN_NOW, TEST_2026, dump, j, ok


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(ccn, code, since="2026-01-05", state="establishment", locality="Cao Lộc"):
    ok(ccn("cluster", "add", code, "--name", f"Cụm {code}", "--locality", locality,
           "--state", state, "--since", since, "--ref", "QĐ 1/QĐ-UBND"))  # fmt: skip


def test_milestone_is_recorded_and_shown(ccn) -> None:
    add(ccn, "HT1")
    r = ok(ccn("milestone", "HT1", "first_application", "--on", "20/02/2026", "--ref", "Đơn 01"))
    assert r.stdout == "HT1: establishment milestone first_application on 20/02/2026 (seq 2)\n"
    history = j(ccn("history", "HT1", "--format", "json"))
    assert history[-1]["event"] == "milestone"
    assert history[-1]["data"] == {"milestone": "first_application", "on": "2026-02-20"}
    assert history[-1]["ref"] == "Đơn 01"
    assert "first_application 20/02/2026" in ccn("history", "HT1").stdout
    shown = j(ccn("cluster", "show", "HT1", "--format", "json"))
    assert shown["since"] == "2026-01-05"
    assert shown["open_milestones"] == [
        "notice_published", "applications_closed", "dossier_forwarded", "dossier_complete",
        "appraisal_reported", "decision_issued",
    ]  # fmt: skip
    # Tết 2026 (16-20/02) is behind: 5 working days after 20/02 end on Friday 27/02.
    assert shown["next_due"] == {"milestone": "notice_published", "due_on": "2026-02-27",
                                 "days_left": -3, "responsible": "UBND cấp xã"}  # fmt: skip
    card = ccn("cluster", "show", "HT1").stdout.splitlines()
    assert card[-3:] == [
        "milestones:    first_application 20/02/2026",
        "open:          notice_published, applications_closed, dossier_forwarded, "
        "dossier_complete, appraisal_reported, decision_issued",
        "next due:      27/02/2026 notice_published (overdue 3 days)",
    ]
    assert ok(ccn("audit", "verify")).stdout.startswith("OK: 1 clusters, 2 transitions")


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["milestone", "HT1", "notice_published", "--on", "2026-03-03"], 1,
         "Error: milestone date 03/03/2026 is in the future (today is 02/03/2026)"),
        (["milestone", "HT1", "land_allocated", "--on", "2026-02-02"], 1,
         "Error: milestone land_allocated belongs to infrastructure, and cluster HT1 is in "
         "establishment (milestones of establishment: first_application, notice_published, "
         "applications_closed, dossier_forwarded, dossier_complete, dossier_returned, "
         "dossier_resubmitted, appraisal_reported, decision_issued)"),
        (["milestone", "HT1", "dossier_resubmitted", "--on", "2026-02-02"], 1,
         "Error: the clock of appraisal_reported is not paused: nothing for "
         "dossier_resubmitted to resume"),
        (["milestone", "NOPE", "dossier_complete", "--on", "2026-02-02"], 1,
         "Error: unknown cluster 'NOPE'"),
        (["milestone", "HT1", "dossier_complete", "--on", "31/02/2026"], 1,
         "Error: invalid date '31/02/2026' (use YYYY-MM-DD or DD/MM/YYYY)"),
        (["report", "deadlines", "--within", "5w"], 1,
         "Error: invalid --within '5w': use N (days) or Nwd (working days)"),
    ],
)  # fmt: skip
def test_milestone_refusals_are_one_line(ccn, args, code, error) -> None:
    add(ccn, "HT1")
    before = dump(ccn.url)
    r = ccn(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (code, "", error + "\n")
    assert dump(ccn.url) == before


def test_milestone_needs_a_date(ccn) -> None:
    r = ccn("milestone", "HT1", "dossier_complete")
    assert r.exit_code == 2
    assert r.stderr.startswith("Error: Missing option '--on'")


def test_report_deadlines_json_table_filters_and_exit_code(ccn) -> None:
    add(ccn, "B2")
    add(ccn, "A1", locality="Bắc Sơn")
    ok(ccn("milestone", "B2", "dossier_complete", "--on", "2026-02-09"))
    ok(ccn("milestone", "A1", "first_application", "--on", "2026-02-24"))
    rows = j(ccn("report", "deadlines", "--format", "json"))
    assert rows == [
        {"code": "A1", "name": "Cụm A1", "locality": "Bắc Sơn", "state": "establishment",
         "milestone": "notice_published", "counts_from": "first_application",
         "started_on": "2026-02-24", "due_on": "2026-03-03", "paused_days": 0,
         "days_left": 1, "working_days_left": 1, "responsible": "UBND cấp xã"},
        # 25 days from 09/02/2026 end on Friday 06/03.
        {"code": "B2", "name": "Cụm B2", "locality": "Cao Lộc", "state": "establishment",
         "milestone": "appraisal_reported", "counts_from": "dossier_complete",
         "started_on": "2026-02-09", "due_on": "2026-03-06", "paused_days": 0,
         "days_left": 4, "working_days_left": 4, "responsible": "Sở Công Thương"},
    ]  # fmt: skip
    assert [r["code"] for r in j(ccn("report", "deadlines", "--within", "1wd",
                                     "--format", "json"))] == ["A1"]  # fmt: skip
    assert j(ccn("report", "deadlines", "--locality", "cao loc", "--format", "json")) == rows[1:]
    assert j(ccn("report", "deadlines", "--overdue", "--format", "json")) == []
    assert ok(ccn("report", "deadlines", "--fail-on-overdue")).exit_code == 0
    table = ccn("report", "deadlines").stdout.splitlines()
    assert table[0].split() == ["Code", "Name", "Locality", "Milestone", "Due", "Days", "WD",
                                "Responsible"]  # fmt: skip
    assert all(len(line) <= 80 for line in table)
    csv = ccn("report", "deadlines", "--format", "csv").stdout.splitlines()
    assert csv[0] == ("\ufeffcode,name,locality,state,milestone,counts_from,started_on,due_on,"
                      "paused_days,days_left,working_days_left,responsible")  # fmt: skip
    # Later, both are overdue: exit 3, the rows still printed.
    r = ccn("report", "deadlines", "--as-of", "10/03/2026", "--overdue", "--fail-on-overdue",
            "--format", "json")  # fmt: skip
    assert r.exit_code == 3
    assert [(x["code"], x["days_left"], x["working_days_left"]) for x in json.loads(r.stdout)] == [
        ("A1", -7, -5), ("B2", -4, -2)]  # fmt: skip
    # Back then, neither had started.
    assert ok(ccn("report", "deadlines", "--as-of", "2026-02-01")).stdout == (
        "No open milestones with a legal time limit.\n")  # fmt: skip


def test_workflow_install_list_diff_and_migrate(ccn) -> None:
    add(ccn, "APP")
    ok(ccn("milestone", "APP", "dossier_complete", "--on", "2026-02-02"))
    add(ccn, "NEW")
    r = ok(ccn("workflow", "install", TEST_2026))
    sha = j(ccn("workflow", "list", "--format", "json"))[-1]["sha256"]
    assert r.stdout == f"installed cluster_establishment@test-2026 (sha256 {sha})\n"
    assert ok(ccn("workflow", "install", TEST_2026)).stdout.startswith("already stored, unchanged")
    listed = j(ccn("workflow", "list", "--format", "json"))
    assert [(w["workflow"], w["clusters"], len(w["sha256"])) for w in listed] == [
        ("cluster_establishment@nd32-2024", 2, 64),
        ("cluster_establishment@test-2026", 0, 64),
    ]
    diff = j(ccn("workflow", "diff", "nd32-2024", "test-2026", "--format", "json"))
    assert diff == [
        {"kind": "limit", "name": "establishment.appraisal_reported", "change": "changed",
         "old": "25d after dossier_complete", "new": "20wd after dossier_complete"},
        {"kind": "limit", "name": "establishment.decision_issued", "change": "changed",
         "old": "7wd after appraisal_reported", "new": "5wd after appraisal_reported"},
    ]  # fmt: skip
    before = dump(ccn.url)
    r = ok(ccn("workflow", "migrate", "--to", "test-2026", "--reason", "NĐ 2026", "--dry-run",
               actor="tester"))  # fmt: skip
    assert dump(ccn.url) == before
    lines = r.stdout.splitlines()
    assert lines[-1] == "would move 1 clusters, kept 1 (dry run: nothing changed)"
    assert lines[0] == "To cluster_establishment@test-2026:"
    assert lines[3].split()[:2] == ["APP", "Establishment"] and "keep" in lines[3]
    new = next(line for line in lines if line.startswith("NEW"))
    assert new.split()[:2] == ["NEW", "Establishment"] and "migrate" in new
    assert max(map(len, lines)) <= 80
    r = ok(ccn("workflow", "migrate", "--to", "test-2026", "--reason", "NĐ 2026",
               "--format", "json"))  # fmt: skip
    assert json.loads(r.stdout) == [
        {"code": "APP", "state": "establishment",
         "from_workflow": "cluster_establishment@nd32-2024",
         "to_workflow": "cluster_establishment@test-2026", "action": "keep",
         "why": "dossier under appraisal since 02/02/2026 (Decree 32 Art. 35.2)", "seq": None},
        {"code": "NEW", "state": "establishment",
         "from_workflow": "cluster_establishment@nd32-2024",
         "to_workflow": "cluster_establishment@test-2026", "action": "migrate", "why": None,
         "seq": 2},
    ]  # fmt: skip
    assert j(ccn("cluster", "show", "NEW", "--format", "json"))["workflow"] == (
        "cluster_establishment@test-2026")  # fmt: skip
    assert ok(ccn("audit", "verify")).stdout.startswith("OK: 2 clusters, 4 transitions")


def test_workflow_install_refusals(ccn, tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[workflow]\nname = 'x'\n", encoding="utf-8")
    r = ccn("workflow", "install", str(bad))
    assert r.exit_code == 1
    problem = "[workflow]: 'version' must be a non-empty string"
    assert r.stderr == f"Error: invalid workflow definition: {bad}: {problem}\n"
    r = ccn("workflow", "migrate", "--to", "nope", "--reason", "x")
    assert (r.exit_code, r.stderr) == (
        1, "Error: workflow nope is not stored (stored: none)\n")  # fmt: skip


def test_milestone_roles_and_backdating_as_for_every_event(ccn) -> None:
    ok(ccn("user", "add", "boss", "--role", "admin", actor="boss"))
    ok(ccn("user", "add", "lan", "--role", "staff", actor="boss"))
    ok(ccn("user", "add", "sup", "--role", "supervisor", actor="boss"))
    ok(ccn("user", "add", "thanh tra", "--role", "auditor", actor="boss"))
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm HT1", "--state", "establishment",
           "--since", "2025-12-01", actor="sup"))  # fmt: skip
    r = ccn("milestone", "HT1", "first_application", "--on", "2026-01-30", actor="lan")
    assert (r.exit_code, r.stderr) == (1, "Error: lan (role staff) may not milestone: effective "
                                          "date 30/01/2026 is 31 days back (over 30); a "
                                          "supervisor must record it\n")  # fmt: skip
    r = ccn("milestone", "HT1", "first_application", "--on", "2026-01-30", actor="thanh tra")
    assert (r.exit_code, r.stderr) == (1, "Error: thanh tra (role auditor) may not milestone\n")
    ok(ccn("milestone", "HT1", "first_application", "--on", "2026-01-30", actor="sup"))
    # Staff record a milestone 28 days back although the state began 91 days ago: the
    # milestone's own date is what counts, in the command and in audit verify.
    ok(ccn("milestone", "HT1", "notice_published", "--on", "2026-02-02", actor="lan"))
    r = ok(ccn("audit", "verify"))
    assert r.stdout.startswith("OK: 1 clusters, 3 transitions"), r.stdout


def test_workflow_migrate_table_fits_80_columns(ccn, tmp_path) -> None:
    from pathlib import Path

    text = Path("states/cluster_establishment.toml").read_text(encoding="utf-8")
    assert 'version = "nd32-2024"' in text
    x1 = tmp_path / "x1.toml"
    x1.write_text(text.replace('version = "nd32-2024"', 'version = "x-1"'), encoding="utf-8")
    ok(ccn("workflow", "install", str(x1)))
    for code in ("HT1", "BS2"):
        add(ccn, code, state="planned")
    add(ccn, "APP")
    ok(ccn("milestone", "APP", "dossier_complete", "--on", "02/02/2026"))
    r = ok(ccn("workflow", "migrate", "--to", "x-1", "--reason", "thử", "--dry-run"))
    assert r.stdout.splitlines() == [
        "To cluster_establishment@x-1:",
        "Code  State          From                    Action   Why",
        "----  -------------  ----------------------  -------  ------------------------",
        "APP   Establishment  cluster_establishment@  keep     dossier under appraisal",
        "                     nd32-2024                        since 02/02/2026 (Decree",
        "                                                      32 Art. 35.2)",
        "BS2   Planned        cluster_establishment@  migrate",
        "                     nd32-2024",
        "HT1   Planned        cluster_establishment@  migrate",
        "                     nd32-2024",
        "would move 2 clusters, kept 1 (dry run: nothing changed)",
    ]
    vi = ok(ccn("--lang", "vi", "workflow", "migrate", "--to", "x-1", "--reason", "thử",
                "--dry-run")).stdout.splitlines()  # fmt: skip
    assert max(map(len, vi)) <= 80 and "…" not in "".join(vi)


def test_revert_says_what_it_undid_and_reverting_a_revert_of_a_milestone_moves_nothing(
    ccn,
) -> None:
    add(ccn, "HT1")
    ok(ccn("milestone", "HT1", "first_application", "--on", "20/02/2026"))
    ok(ccn("milestone", "HT1", "notice_published", "--on", "25/02/2026"))
    r = ok(ccn("revert", "HT1", "--reason", "Nhầm ngày"))
    assert r.stdout == (
        "HT1: establishment -> establishment (revert, seq 4, effective 05/01/2026)\n"
        "  undid seq 3: notice_published 25/02/2026\n"
    )
    r = ok(ccn("revert", "HT1", "--reason", "Thông báo là đúng"))
    assert r.stdout == (
        "HT1: establishment -> establishment (revert, seq 5, effective 05/01/2026)\n"
        "  restored seq 3: notice_published 25/02/2026\n"
    )
    assert j(ccn("cluster", "show", "HT1", "--format", "json"))["milestones"] == [
        {"milestone": "first_application", "on": "2026-02-20"},
        {"milestone": "notice_published", "on": "2026-02-25"},
    ]
    # The step still began on 05/01/2026: a move may be dated before today.
    r = ok(ccn("advance", "HT1", "--on", "2026-02-27", "--ref", "QĐ 9/QĐ-UBND"))
    assert r.stdout.startswith("HT1: establishment -> investment_approval (advance, seq 6")
    r = ok(ccn("revert", "HT1", "--reason", "Chưa có quyết định"))
    assert r.stdout.endswith("  undid seq 6: advance establishment -> investment_approval\n")
    assert ok(ccn("audit", "verify")).stdout.startswith("OK: 1 clusters, 7 transitions")
