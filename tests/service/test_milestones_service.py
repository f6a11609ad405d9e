"""Milestones, deadlines and definitions that follow the law, through the use cases,
on the fake unit of work, SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from freezegun import freeze_time

from states import default_definition
from workflow import deadlines, definitions, services
from workflow.audit import verify
from workflow.deadlines import DeadlineRow, Window
from workflow.definitions import Change, Migration
from workflow.errors import CcnError, InvalidInput
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, TEST_2026, on

ND32 = "cluster_establishment@nd32-2024"
T26 = "cluster_establishment@test-2026"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(uow, code, state="establishment", since="2025-01-02", locality=None) -> None:
    new = NewCluster(code, f"Cụm {code}", locality=locality, state=state,
                     since=on(since), ref="QĐ 1/QĐ-UBND")  # fmt: skip
    services.register(uow(), new, actor="tester")


def mark(uow, code, name, day, **kw) -> None:
    deadlines.record_milestone(uow(), code, name, on=on(day), actor="tester", **kw)


def test_milestones_deadline_rows_ordered_by_due_date_then_code(uow) -> None:
    add(uow, "B2", locality="Cao Lộc")
    add(uow, "A1", locality="Bắc Sơn")
    add(uow, "C3", locality="Cao Lộc")
    mark(uow, "B2", "first_application", "2025-01-20", ref="Đơn 01")
    mark(uow, "A1", "first_application", "2025-01-20")
    mark(uow, "C3", "dossier_complete", "2025-01-13")  # appraisal: 25 days, to 07/02
    rows = deadlines.deadlines(uow(), as_of=on("2025-01-24"))
    assert rows == [
        DeadlineRow("A1", "Cụm A1", "Bắc Sơn", "establishment", "notice_published",
                    "first_application", on("2025-01-20"), on("2025-02-03"), 0, 10, 1,
                    "UBND cấp xã"),
        DeadlineRow("B2", "Cụm B2", "Cao Lộc", "establishment", "notice_published",
                    "first_application", on("2025-01-20"), on("2025-02-03"), 0, 10, 1,
                    "UBND cấp xã"),
        DeadlineRow("C3", "Cụm C3", "Cao Lộc", "establishment", "appraisal_reported",
                    "dossier_complete", on("2025-01-13"), on("2025-02-07"), 0, 14, 5,
                    "Sở Công Thương"),
    ]  # fmt: skip
    assert [r.code for r in rows] == ["A1", "B2", "C3"]
    # Filters: locality, a window in days or working days, overdue only.
    only = deadlines.deadlines(uow(), as_of=on("2025-01-24"), locality="cao loc")
    assert [r.code for r in only] == ["B2", "C3"]
    assert deadlines.deadlines(uow(), as_of=on("2025-01-24"), within=Window(1, True)) == rows[:2]
    assert deadlines.deadlines(uow(), as_of=on("2025-01-24"), within=Window(9, False)) == []
    late = deadlines.deadlines(uow(), as_of=on("2025-02-05"), overdue=True)
    assert [(r.code, r.days_left, r.working_days_left) for r in late] == [
        ("A1", -2, -2), ("B2", -2, -2)]  # fmt: skip
    # Recording the milestone closes it; the next one opens from its date.
    mark(uow, "A1", "notice_published", "2025-02-03")
    [a1] = [r for r in deadlines.deadlines(uow(), as_of=on("2025-02-05")) if r.code == "A1"]
    assert (a1.milestone, a1.counts_from, a1.due_on) == (
        "applications_closed", "notice_published", on("2025-02-18"))  # fmt: skip
    assert verify(uow()).ok


def test_milestones_history_verify_and_revert(uow, snapshot) -> None:
    add(uow, "HT1")
    mark(uow, "HT1", "first_application", "2025-01-20", ref="Đơn 01", note="nhà đầu tư A")
    t = services.history(uow(), "HT1")[-1]
    assert (t.event, t.to_state, t.ref, t.note, t.data) == (
        "milestone", "establishment", "Đơn 01", "nhà đầu tư A",
        '{"milestone":"first_application","on":"2025-01-20"}',
    )  # fmt: skip
    before = snapshot()
    with pytest.raises(CcnError, match="already has milestone first_application"):
        mark(uow, "HT1", "first_application", "2025-01-21")
    with pytest.raises(CcnError, match="belongs to infrastructure"):
        mark(uow, "HT1", "land_allocated", "2025-01-21")
    assert snapshot() == before  # refused: nothing stored
    # A milestone recorded by mistake is reverted; the cluster's step clock never moved.
    services.revert(uow(), "HT1", actor="tester", reason="nhầm ngày")
    shown = services.show(uow(), "HT1")
    assert (shown.cluster.since_on, shown.days_in_state) == (on("2025-01-02"), 424)
    assert shown.milestones is not None and shown.milestones.recorded == ()
    mark(uow, "HT1", "first_application", "2025-01-21")
    shown = services.show(uow(), "HT1")
    assert shown.milestones is not None
    assert shown.milestones.recorded == (("first_application", on("2025-01-21")),)
    assert shown.milestones.open[:2] == ("notice_published", "applications_closed")
    assert shown.milestones.next_due is not None
    assert (shown.milestones.next_due.milestone, shown.milestones.next_due.due_on) == (
        "notice_published", on("2025-02-04"))  # fmt: skip
    result = verify(uow())
    assert result.ok, result.problems
    assert result.transitions == 4


def test_milestones_leave_the_stall_report_and_funnel_unchanged(uow) -> None:
    from workflow import reports

    add(uow, "A1", since="2025-01-06")
    add(uow, "B1", since="2025-01-06")
    mark(uow, "A1", "first_application", "2025-01-20")
    mark(uow, "A1", "notice_published", "2025-01-22")
    a1, b1 = reports.stalled(uow(), as_of=on("2025-06-30"))
    assert (a1.since, a1.days_in_state, a1.working_days_in_state) == (
        b1.since, b1.days_in_state, b1.working_days_in_state)  # fmt: skip
    steps = {s.state: s for s in reports.bottlenecks(uow(), as_of=on("2025-06-30")).states}
    assert (steps["establishment"].active, steps["establishment"].completed) == (2, 0)


def test_milestones_a_suspension_pauses_the_deadlines(uow) -> None:
    add(uow, "HT1")
    mark(uow, "HT1", "dossier_complete", "2025-03-03")
    services.suspend(uow(), "HT1", actor="tester", reason="chờ ý kiến", on=on("2025-03-10"))
    assert deadlines.deadlines(uow(), as_of=on("2025-03-15")) == []
    with pytest.raises(CcnError, match="is suspended: resume it"):
        mark(uow, "HT1", "appraisal_reported", "2025-03-15")
    services.resume(uow(), "HT1", actor="tester", on=on("2025-03-20"))
    [row] = deadlines.deadlines(uow(), as_of=on("2025-03-20"))
    assert (row.milestone, row.due_on, row.paused_days) == (
        "appraisal_reported", on("2025-04-08"), 10)  # fmt: skip


def test_milestones_infrastructure_dates_as_of(uow) -> None:
    add(uow, "HT1", "infrastructure", "2024-06-03")
    add(uow, "BS2", "infrastructure", "2024-06-03")
    mark(uow, "HT1", "detailed_plan_approved", "2024-09-10")
    mark(uow, "HT1", "eia_approved", "2024-10-01")
    mark(uow, "HT1", "wastewater_plant_built", "2025-08-01")
    assert deadlines.milestone_dates(uow(), as_of=on("2025-06-14")) == {
        "HT1": {"detailed_plan_approved": on("2024-09-10")}
    }
    assert deadlines.milestone_dates(uow(), as_of=on("2025-12-14")) == {
        "HT1": {"detailed_plan_approved": on("2024-09-10"),
                "wastewater_plant_built": on("2025-08-01")}
    }  # fmt: skip
    assert deadlines.deadlines(uow(), as_of=on("2025-12-14")) == []  # no legal limits


# ------------------------------------------------------------------ definitions


def test_milestones_workflow_install_is_refused_for_changed_text(uow, tmp_path) -> None:
    done = definitions.install(uow(), TEST_2026, actor="tester")
    assert (done.definition.key, done.new) == (T26, True)
    again = definitions.install(uow(), TEST_2026, actor="tester")
    assert again.new is False
    changed = tmp_path / "changed.toml"
    changed.write_text(Path(TEST_2026).read_text(encoding="utf-8") + "\n# edited\n", "utf-8")
    with pytest.raises(InvalidInput, match="test-2026 is already stored with different text"):
        definitions.install(uow(), str(changed), actor="tester")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        Path(TEST_2026).read_text(encoding="utf-8").replace('version = "test-2026"',
                                                             'version = "bad"')
        .replace('counts_from = "dossier_complete"', 'counts_from = "nope"'), "utf-8")  # fmt: skip
    with pytest.raises(
        InvalidInput,
        match="state 'establishment', milestone 'appraisal_reported': counts_from names "
        "unknown milestone 'nope'",
    ):
        definitions.install(uow(), str(bad), actor="tester")
    stored = {s.workflow: s for s in services.stored_definitions(uow())}
    assert set(stored) == {T26}
    assert stored[T26].sha256 == done.definition.sha256


def test_milestones_workflow_diff(uow) -> None:
    add(uow, "HT1")  # stores nd32-2024
    definitions.install(uow(), TEST_2026, actor="tester")
    assert definitions.diff(uow(), "nd32-2024", "test-2026") == [
        Change("limit", "establishment.appraisal_reported", "changed",
               "25d after dossier_complete", "20wd after dossier_complete"),
        Change("limit", "establishment.decision_issued", "changed",
               "7wd after appraisal_reported", "5wd after appraisal_reported"),
    ]  # fmt: skip
    assert definitions.diff(uow(), T26, T26) == []


def test_milestones_workflow_migrate_keeps_dossiers_under_appraisal(uow, snapshot) -> None:
    add(uow, "APP")  # dossier under appraisal: stays on nd32-2024 (Art. 35.2)
    mark(uow, "APP", "dossier_complete", "2026-02-02")
    mark(uow, "APP", "appraisal_reported", "2026-02-24")
    add(uow, "NEW")  # not yet complete: moves
    mark(uow, "NEW", "first_application", "2026-01-05")
    add(uow, "DONE")  # decided: moves
    mark(uow, "DONE", "dossier_complete", "2025-02-03")
    mark(uow, "DONE", "appraisal_reported", "2025-02-20")
    mark(uow, "DONE", "decision_issued", "2025-02-25")
    add(uow, "PL", "planned")
    definitions.install(uow(), TEST_2026, actor="tester")
    before = snapshot()
    plan = definitions.migrate_all(uow(), to="test-2026", actor="tester", reason="NĐ 2026",
                                   states=["establishment"], dry_run=True)  # fmt: skip
    assert plan == [
        Migration("APP", "establishment", ND32, T26, "keep",
                  "dossier under appraisal since 02/02/2026 (Decree 32 Art. 35.2)"),
        Migration("DONE", "establishment", ND32, T26, "migrate"),
        Migration("NEW", "establishment", ND32, T26, "migrate"),
    ]  # fmt: skip
    assert snapshot() == before  # the dry run changed nothing
    # APP's decision is judged by the old 7 working days: 24/02 -> 05/03/2026.
    [app] = [r for r in deadlines.deadlines(uow(), as_of=on("2026-03-02")) if r.code == "APP"]
    assert app.due_on == on("2026-03-05")
    done = definitions.migrate_all(uow(), to="test-2026", actor="tester", reason="NĐ 2026",
                                   states=["establishment"])  # fmt: skip
    assert [(m.code, m.action, m.seq) for m in done] == [
        ("APP", "keep", None), ("DONE", "migrate", 5), ("NEW", "migrate", 3)]  # fmt: skip
    pins = {c.cluster.code: c.cluster.workflow for c in services.list_clusters(uow())}
    assert pins == {"APP": ND32, "DONE": T26, "NEW": T26, "PL": ND32}
    t = services.history(uow(), "NEW")[-1]
    assert (t.event, t.note) == ("migrate", "NĐ 2026")
    stored = {s.workflow: s.clusters for s in services.stored_definitions(uow())}
    assert stored == {ND32: 2, T26: 2}
    result = verify(uow())
    assert result.ok, result.problems
    # With --include-in-appraisal the dossier moves too, and its deadline follows the
    # new rules: 5 working days from 24/02/2026 -> 03/03/2026.
    moved = definitions.migrate_all(
        uow(), to=T26, actor="tester", reason="NĐ 2026", states=["establishment"],
        include_in_appraisal=True,
    )  # fmt: skip
    assert [(m.code, m.action) for m in moved] == [("APP", "migrate")]
    [app] = [r for r in deadlines.deadlines(uow(), as_of=on("2026-03-02")) if r.code == "APP"]
    assert app.due_on == on("2026-03-03")
    assert verify(uow()).ok


def test_milestones_workflow_migrate_refuses_unknown_targets(uow) -> None:
    add(uow, "HT1")
    with pytest.raises(InvalidInput, match="workflow test-2026 is not stored"):
        definitions.migrate_all(uow(), to="test-2026", actor="tester", reason="x")
    assert default_definition().key == ND32


# ------------------------------------------------------------------ earlier revision

R1 = Path(__file__).parent.parent / "data" / "nd32-2024-r1.toml"


def test_milestones_a_database_holding_the_earlier_nd32_text_keeps_using_it(uow) -> None:
    """ccn before milestones stored nd32-2024 without them. That text stays valid: the
    clusters pinned to it, and new ones, follow it; it is no altered copy."""
    from states import definition_problem, parse_definition

    old = parse_definition(R1.read_text(encoding="utf-8"), source="r1")
    assert old.key == ND32 and old.sha256 != default_definition().sha256
    assert definition_problem(ND32, old.sha256, old.text) is None
    assert definition_problem(ND32, "0" * 64, old.text) is not None
    # As the earlier ccn registered it.
    services.register(
        uow(),
        NewCluster("HT1", "Cụm HT1", state="establishment", since=on("2025-01-02")),
        actor="tester",
        definition=old,
    )
    add(uow, "HT2")  # pinned to the text the database holds, not refused
    stored = services.stored_definitions(uow())
    assert [(s.workflow, s.sha256, s.clusters) for s in stored] == [(ND32, old.sha256, 2)]
    with pytest.raises(InvalidInput, match="milestones of establishment: none"):
        mark(uow, "HT2", "first_application", "2025-01-20")
    assert deadlines.deadlines(uow()) == []
    result = verify(uow())
    assert result.ok, result.problems
    # The milestones come as a new version, then a migration.
    definitions.install(uow(), TEST_2026, actor="tester")
    definitions.migrate_all(uow(), to=T26, actor="tester", reason="mốc thời hạn")
    mark(uow, "HT2", "first_application", "2025-01-20")
    assert verify(uow()).ok


def test_milestones_workflow_migrate_maps_renamed_states(uow, tmp_path) -> None:
    text = Path(TEST_2026).read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(
        text.replace('version = "test-2026"', 'version = "test-renamed"')
        .replace('"establishment"', '"thanh_lap"'), "utf-8")  # fmt: skip
    add(uow, "HT1")
    add(uow, "HT2")
    services.suspend(uow(), "HT2", actor="tester", reason="chờ vốn")
    add(uow, "PL", "planned")
    definitions.install(uow(), str(renamed), actor="tester")
    key = "cluster_establishment@test-renamed"
    with pytest.raises(InvalidInput, match=r"cannot migrate cluster HT1 to .*: it has no state "
                       "establishment"):  # fmt: skip
        definitions.migrate_all(uow(), to=key, actor="tester", reason="x")
    with pytest.raises(InvalidInput, match=r"--map establishment=nope: .* has no state nope"):
        definitions.migrate_all(uow(), to=key, actor="tester", reason="x",
                                renames={"establishment": "nope"})  # fmt: skip
    done = definitions.migrate_all(uow(), to=key, actor="tester", reason="x",
                                   renames={"establishment": "thanh_lap"})  # fmt: skip
    assert [(m.code, m.state, m.why) for m in done] == [
        ("HT1", "establishment", "state renamed to thanh_lap"),
        ("HT2", "suspended", None),
        ("PL", "planned", None),
    ]
    shown = services.show(uow(), "HT1")
    assert (shown.cluster.state, shown.cluster.since_on) == ("thanh_lap", on("2025-01-02"))
    assert services.show(uow(), "HT2").cluster.suspended_from == "thanh_lap"
    services.resume(uow(), "HT2", actor="tester")
    assert services.show(uow(), "HT2").cluster.state == "thanh_lap"
    mark(uow, "HT1", "first_application", "2025-01-20")
    result = verify(uow())
    assert result.ok, result.problems
    assert definitions.parse_renames(["a=b", " c = d "]) == {"a": "b", "c": "d"}
    with pytest.raises(InvalidInput, match="invalid --map 'a': use OLD=NEW"):
        definitions.parse_renames(["a"])
