"""The cluster's rules as plain values: no database, no clock, no CLI."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from states import default_definition
from workflow.chain import hash_of
from workflow.commands import NewCluster, Step
from workflow.errors import (
    DateOutOfRange,
    EventNotAllowed,
    InvalidInput,
    MissingField,
    TransitionRefused,
    UnknownState,
)
from workflow.model import GENESIS, Cluster, Transition
from workflow.rules import require_reason

D = default_definition()
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 on 02/03/2026 in Vietnam
LATER = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)
WHO = {"actor": "lan", "login": "lan_os"}


def registered(state: str | None = None, since: date | None = None, ref: str | None = None):
    new = NewCluster("HT1", " Cụm Hợp Thịnh ", "Cao Lộc", "12,5", state=state, since=since,
                     ref=ref)  # fmt: skip
    return Cluster.register(D, new, now=NOW, **WHO)


def step(cluster: Cluster, event: str, history=(), now=LATER, **fields):
    return cluster.apply(D, Step(cluster.code, event, **fields), now=now, history=history, **WHO)


def walk(*moves: tuple[str, dict]):
    """Register HT1 and apply each (event, fields); the last cluster and the whole history."""
    cluster, first = registered()
    history = [first]
    for event, fields in moves:
        cluster, t = step(cluster, event, history=history, **fields)
        history.append(t)
    return cluster, history


# ------------------------------------------------------------------ registration


def test_registration_builds_the_cluster_and_its_first_entry() -> None:
    cluster, first = registered()
    assert (cluster.code, cluster.name, cluster.area_ha, cluster.state) == (
        "HT1", "Cụm Hợp Thịnh", 12.5, "planned")  # fmt: skip
    assert (cluster.since, cluster.since_on, cluster.version, cluster.last_seq) == (
        NOW, date(2026, 3, 2), 1, 1)  # fmt: skip
    assert cluster.workflow == "cluster_establishment@nd32-2024"
    assert (first.seq, first.event, first.from_state, first.to_state) == (
        1, "register", None, "planned")  # fmt: skip
    assert (first.actor, first.db_user, first.prev_hash, first.canon) == (
        "lan",
        "lan_os",
        GENESIS,
        2,
    )
    assert first.data == (
        '{"area_ha":12.5,"developer":null,"locality":"Cao Lộc","name":"Cụm Hợp Thịnh",'
        f'"workflow":"cluster_establishment@nd32-2024","workflow_sha256":"{D.sha256}"}}'
    )
    assert first.hash == hash_of(first) == cluster.head_hash


def test_registration_on_a_past_day_starts_at_midnight_in_vietnam() -> None:
    _, first = registered(since=date(2024, 5, 1))
    assert first.effective_at == datetime(2024, 4, 30, 17, 0, tzinfo=UTC)
    assert (first.effective_on, first.recorded_at) == (date(2024, 5, 1), NOW)


def test_registration_in_the_future_is_refused() -> None:
    with pytest.raises(DateOutOfRange) as info:
        registered(since=date(2026, 3, 3))
    assert str(info.value) == "effective date 03/03/2026 is in the future (today is 02/03/2026)"


def test_registration_into_an_unknown_state_is_refused() -> None:
    with pytest.raises(UnknownState) as info:
        registered(state="nowhere")
    assert info.value.state == "nowhere"


def test_registration_into_a_state_that_requires_a_ref_needs_one() -> None:
    with pytest.raises(MissingField) as info:
        registered(state="investment_approval")
    assert str(info.value) == "ref is required for entering investment_approval (cluster HT1)"
    assert registered(state="investment_approval", ref="QĐ 1")[0].state == "investment_approval"


# ------------------------------------------------------------------ moves


def test_advance_returns_the_moved_cluster_and_its_linked_entry() -> None:
    cluster, first = registered()
    moved, t = step(cluster, "advance")
    assert (t.seq, t.from_state, t.to_state, t.prev_hash) == (
        2, "planned", "planning_compliant", first.hash)  # fmt: skip
    assert (t.effective_at, t.recorded_at, t.hash) == (LATER, LATER, hash_of(t))
    assert (moved.state, moved.version, moved.last_seq, moved.head_hash) == (
        "planning_compliant", 2, 2, t.hash)  # fmt: skip
    assert cluster.state == "planned"  # values: the old cluster is unchanged


def test_an_event_the_state_does_not_allow_is_refused() -> None:
    cluster, _ = registered()
    with pytest.raises(EventNotAllowed):
        step(cluster, "resume")


def test_moving_to_the_state_the_cluster_is_in_says_so() -> None:
    cluster, _ = walk(("advance", {}), ("advance", {}))
    with pytest.raises(TransitionRefused) as info:
        step(cluster, "send_back", to="establishment", note="r")
    assert str(info.value) == "cluster HT1 is already in establishment"


def test_moving_to_an_unknown_state_is_refused() -> None:
    cluster, _ = walk(("advance", {}))
    with pytest.raises(UnknownState):
        step(cluster, "send_back", to="nowhere", note="r")


def test_send_back_needs_a_reason() -> None:
    cluster, _ = walk(("advance", {}))
    with pytest.raises(MissingField) as info:
        step(cluster, "send_back", to="planned")
    assert str(info.value) == "reason is required for send_back (cluster HT1)"


def test_suspend_then_resume_returns_to_the_state_left() -> None:
    cluster, _ = walk(("advance", {}), ("suspend", {"note": "chờ vốn"}))
    assert (cluster.state, cluster.suspended_from) == ("suspended", "planning_compliant")
    resumed, t = step(cluster, "resume")
    assert (resumed.state, resumed.suspended_from, t.to_state) == (
        "planning_compliant", None, "planning_compliant")  # fmt: skip


# ------------------------------------------------------------------ effective dates


def test_a_step_dated_before_the_current_state_was_entered_is_refused() -> None:
    cluster, _ = registered(since=date(2025, 6, 1))
    with pytest.raises(DateOutOfRange) as info:
        step(cluster, "advance", on=date(2025, 5, 31))
    assert str(info.value) == (
        "effective date 31/05/2025 is before cluster HT1 entered planned on 01/06/2025"
    )


def test_a_step_dated_in_the_future_is_refused() -> None:
    cluster, _ = registered()
    with pytest.raises(DateOutOfRange) as info:
        step(cluster, "advance", on=date(2026, 3, 3))
    assert str(info.value) == "effective date 03/03/2026 is in the future (today is 02/03/2026)"


def test_a_step_on_the_day_of_the_last_one_keeps_its_order() -> None:
    cluster, first = registered()  # at 10:00 today
    _, t = step(cluster, "advance", on=date(2026, 3, 2))
    assert t.effective_at == first.effective_at == NOW  # not midnight, before the last step


def test_a_step_on_an_earlier_day_starts_at_midnight() -> None:
    cluster, _ = registered(since=date(2025, 6, 1))
    _, t = step(cluster, "advance", on=date(2025, 6, 2))
    assert (t.effective_at, t.effective_on) == (
        datetime(2025, 6, 1, 17, 0, tzinfo=UTC), date(2025, 6, 2))  # fmt: skip


# ------------------------------------------------------------------ evidence on file


def test_advancing_into_a_state_that_requires_a_ref_needs_one() -> None:
    cluster, _ = walk(("advance", {}), ("advance", {}))
    assert not cluster.needs_history(D, Step("HT1", "advance"))
    with pytest.raises(MissingField) as info:
        step(cluster, "advance")
    assert str(info.value) == "ref is required for entering investment_approval (cluster HT1)"


def test_going_back_into_a_state_entered_before_finds_its_evidence_on_file() -> None:
    cluster, history = walk(
        ("advance", {}), ("advance", {}), ("advance", {"ref": "QĐ 1"}),
        ("advance", {"ref": "QĐ 2"}),
    )  # fmt: skip
    back = Step("HT1", "send_back", to="investment_approval", note="thiếu hồ sơ")
    assert cluster.needs_history(D, back)
    moved, t = cluster.apply(D, back, now=LATER, history=history, **WHO)
    assert (moved.state, t.ref) == ("investment_approval", None)


def test_without_the_history_evidence_is_not_on_file() -> None:
    cluster, _ = walk(
        ("advance", {}), ("advance", {}), ("advance", {"ref": "QĐ 1"}),
        ("advance", {"ref": "QĐ 2"}),
    )  # fmt: skip
    with pytest.raises(MissingField):
        step(cluster, "send_back", to="investment_approval", note="r")


def test_a_state_registered_beyond_was_never_entered_so_its_evidence_is_missing() -> None:
    cluster, first = registered(state="infrastructure", ref="QĐ 9")
    with pytest.raises(MissingField) as info:
        step(cluster, "send_back", history=[first], to="investment_approval", note="r")
    assert str(info.value) == "ref is required for entering investment_approval (cluster HT1)"


def test_going_back_to_a_state_without_requirements_reads_no_history() -> None:
    cluster, _ = walk(("advance", {}), ("advance", {}))
    assert not cluster.needs_history(D, Step("HT1", "send_back", to="planned", note="r"))


def test_evidence_of_a_reverted_entry_is_not_on_file() -> None:
    cluster, first = registered(state="infrastructure", ref="QĐ 9")
    back = {"to": "investment_approval", "note": "r"}
    cluster, t2 = step(cluster, "send_back", history=[first], ref="QĐ 1", **back)
    cluster, t3 = step(cluster, "revert", history=[first, t2], note="nhầm")
    with pytest.raises(MissingField):
        step(cluster, "send_back", history=[first, t2, t3], **back)
    assert step(cluster, "send_back", history=[first, t2, t3], ref="QĐ 1", **back)[0].state == (
        "investment_approval"
    )


# ------------------------------------------------------------------ revert


def test_revert_returns_to_where_the_last_entry_started() -> None:
    cluster, history = walk(("advance", {}), ("advance", {}))
    assert cluster.needs_history(D, Step("HT1", "revert"))
    moved, t = step(cluster, "revert", history=history, note="nhập nhầm")
    assert (t.event, t.from_state, t.to_state, t.note, t.seq) == (
        "revert", "establishment", "planning_compliant", "nhập nhầm", 4)  # fmt: skip
    assert moved.state == "planning_compliant"


def test_reverting_a_resume_suspends_the_cluster_again() -> None:
    cluster, history = walk(("advance", {}), ("suspend", {"note": "x"}), ("resume", {}))
    moved, _ = step(cluster, "revert", history=history, note="nhầm")
    assert (moved.state, moved.suspended_from) == ("suspended", "planning_compliant")


def test_the_registration_alone_cannot_be_reverted() -> None:
    cluster, first = registered()
    with pytest.raises(TransitionRefused) as info:
        step(cluster, "revert", history=[first], note="x")
    assert str(info.value) == (
        "cannot revert cluster HT1: its only entry is the registration; use cancel instead"
    )
    assert info.value.allowed == ("advance", "suspend", "cancel")


def test_an_amendment_cannot_be_reverted() -> None:
    cluster, first = registered()
    amended, t = cluster.amend({"name": "Cụm mới"}, note="đổi tên", now=LATER, **WHO)
    with pytest.raises(TransitionRefused) as info:
        step(amended, "revert", history=[first, t], note="x")
    assert str(info.value) == (
        "cannot revert cluster HT1's amend: record the correct values with another "
        "`cluster edit` or `cluster migrate`"
    )


def test_revert_amend_and_migrate_need_a_reason() -> None:
    for event in ("revert", "amend", "migrate"):
        with pytest.raises(MissingField) as info:
            require_reason("HT1", event, None)
        assert str(info.value) == f"reason is required for {event} (cluster HT1)"
    require_reason("HT1", "advance", None)


# ------------------------------------------------------------------ amend and migrate


def test_amend_records_old_and_new_values_and_keeps_the_state() -> None:
    cluster, _ = walk(("advance", {}), ("suspend", {"note": "x"}))
    amended, t = cluster.amend(
        {"name": "Cụm mới", "locality": "Cao Lộc"}, note="đổi tên", now=LATER, **WHO
    )
    assert t.data == '{"changes":{"name":["Cụm Hợp Thịnh","Cụm mới"]}}'
    assert (t.event, t.from_state, t.to_state, t.effective_at) == (
        "amend", "suspended", "suspended", LATER)  # fmt: skip
    assert (amended.name, amended.suspended_from, amended.since) == (
        "Cụm mới", "planning_compliant", LATER)  # fmt: skip


def test_amend_without_a_change_is_refused() -> None:
    cluster, _ = registered()
    with pytest.raises(InvalidInput) as info:
        cluster.amend({"name": "Cụm Hợp Thịnh"}, note="x", now=LATER, **WHO)
    assert str(info.value) == "nothing to change: cluster HT1 already has these values"


def test_migrate_pins_another_definition() -> None:
    cluster, _ = registered()
    other = replace(D, version="v2", sha256="f" * 64)
    moved, t = cluster.migrate("cluster_establishment@v2", other, note="NĐ mới", now=LATER, **WHO)
    assert moved.workflow == "cluster_establishment@v2"
    assert t.data == (
        '{"from_workflow":"cluster_establishment@nd32-2024",'
        f'"workflow":"cluster_establishment@v2","workflow_sha256":"{"f" * 64}"}}'
    )


def test_migrate_refusals() -> None:
    cluster, _ = registered()
    with pytest.raises(InvalidInput) as info:
        cluster.migrate(cluster.workflow, D, note="x", now=LATER, **WHO)
    assert str(info.value) == "cluster HT1 is already pinned to cluster_establishment@nd32-2024"
    with pytest.raises(InvalidInput) as info:
        cluster.migrate("x@1", None, note="x", now=LATER, **WHO)
    assert str(info.value) == "workflow x@1 is not stored in this database"
    smaller = replace(D, version="v2", states=D.states[:1])
    moved, _ = step(cluster, "advance")
    with pytest.raises(InvalidInput) as info:
        moved.migrate("x@2", smaller, note="x", now=LATER, **WHO)
    assert (
        str(info.value) == "cannot migrate cluster HT1 to x@2: it has no state planning_compliant"
    )


# ------------------------------------------------------------------ entries


def test_an_entry_is_built_from_keywords_only() -> None:
    with pytest.raises(TypeError):
        Transition.build("HT1", 1)  # type: ignore[call-arg]  # the call under test is wrong


# ------------------------------------------------------------------ policies


def test_rework_is_moving_back_along_the_main_line() -> None:
    assert D.rework_events == ("send_back",)
    forward = replace(D, main_line=tuple(reversed(D.main_line)))
    assert forward.rework_events == ("advance",)
