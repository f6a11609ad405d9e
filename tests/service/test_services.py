"""Use cases on the fake unit of work and on real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from workflow import services
from workflow.chain import entry_hash_v2
from workflow.errors import (
    ConcurrentChange,
    DateOutOfRange,
    DuplicateCluster,
    EventNotAllowed,
    ImportRejected,
    InvalidInput,
    InvalidTarget,
    MissingField,
    UnknownCluster,
    UnknownState,
)
from workflow.model import GENESIS, Transition
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW

pytestmark = pytest.mark.usefixtures("frozen")
NAME = "Cụm công nghiệp Hợp Thành 1"


@pytest.fixture
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def add(uow, code="HT1", **kw):
    return services.register(uow(), NewCluster(code, kw.pop("name", NAME), **kw), actor="an")


def test_register_records_the_first_entry(uow) -> None:
    c = add(uow, locality="Cao Lộc", area_ha="60.5")
    assert (c.state, c.since_on, c.workflow) == ("planned", date(2026, 3, 2),
                                                  "cluster_establishment@nd32-2024")  # fmt: skip
    [t] = services.history(uow(), "HT1")
    assert (t.seq, t.event, t.from_state, t.to_state, t.actor) == (1, "register", None,
                                                                   "planned", "an")  # fmt: skip
    assert t.recorded_at == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert t.prev_hash == GENESIS
    view = services.show(uow(), "ht1")
    assert view.cluster.name == NAME and view.cluster.area_ha == 60.5
    assert view.allowed == ("advance", "suspend", "cancel")


def test_register_existing_portfolio_in_a_later_state(uow) -> None:
    c = add(uow, state="investment_approval", since=date(2025, 6, 5), ref="QĐ 1689/QĐ-UBND")
    assert (c.state, c.since_on) == ("investment_approval", date(2025, 6, 5))
    view = services.show(uow(), "HT1")
    assert view.days_in_state == (date(2026, 3, 2) - date(2025, 6, 5)).days
    with pytest.raises(MissingField, match="ref is required for entering investment_approval"):
        add(uow, "X2", state="investment_approval", since=date(2025, 6, 5))


def test_walk_from_planned_to_operating(uow) -> None:
    add(uow, since=date(2021, 3, 15))
    steps = [
        ("2021-11-01", None), ("2022-03-01", None), ("2023-06-05", "QĐ 1689/QĐ-UBND"),
        ("2024-03-20", "QĐ 512/QĐ-UBND"), ("2026-01-10", "BB nghiệm thu"),
    ]  # fmt: skip
    for on, ref in steps:
        services.advance(uow(), "HT1", actor="an", on=date.fromisoformat(on), ref=ref)
    hist = services.history(uow(), "HT1")
    assert [t.to_state for t in hist] == [
        "planned", "planning_compliant", "establishment", "investment_approval",
        "infrastructure", "operating",
    ]  # fmt: skip
    assert [t.seq for t in hist] == [1, 2, 3, 4, 5, 6]
    for prev, t in itertools.pairwise(hist):
        assert t.prev_hash == prev.hash
    last = hist[-1]
    assert last.canon == 2
    assert last.hash == entry_hash_v2(
        "HT1", 6, "advance", "infrastructure", "operating", last.effective_at, last.recorded_at,
        "an", last.db_user, "BB nghiệm thu", None, None, hist[-2].hash,
    )  # fmt: skip
    assert services.show(uow(), "HT1").allowed == ()


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda u: services.advance(u(), "NOPE", actor="an"), UnknownCluster,
         "unknown cluster 'NOPE'"),
        (lambda u: services.advance(u(), "HT1", actor="an", to="establishment"), InvalidTarget,
         "cannot advance cluster HT1 from planned to establishment; valid targets: "
         "planning_compliant"),
        (lambda u: services.advance(u(), "HT1", actor="an", to="moon"), UnknownState,
         "unknown state 'moon'"),
        (lambda u: services.resume(u(), "HT1", actor="an"), EventNotAllowed,
         "cannot resume cluster HT1: it is in planned; allowed events: advance, suspend, cancel"),
        (lambda u: services.suspend(u(), "HT1", actor="an", reason=" "), MissingField,
         "reason is required for suspend (cluster HT1)"),
        (lambda u: services.advance(u(), "HT1", actor="an", on=date(2026, 3, 3)), DateOutOfRange,
         "effective date 03/03/2026 is in the future (today is 02/03/2026)"),
        (lambda u: services.advance(u(), "HT1", actor="an", on=date(2021, 3, 14)),
         DateOutOfRange, "effective date 14/03/2021 is before cluster HT1 entered planned on "
         "15/03/2021"),
        (lambda u: services.advance(u(), "HT1", actor="an", note="x" * 4001), InvalidInput,
         "note is too long: 4001 characters (limit 4000)"),
        (lambda u: add(u, "ht1 "), DuplicateCluster, "cluster 'ht1' already exists (as 'HT1')"),
        (lambda u: add(u, "H T1"), InvalidInput, "invalid cluster code 'H T1'"),
        (lambda u: add(u, "X1", name="a\x00b"), InvalidInput, "name contains a control character"),
        (lambda u: add(u, "X1", state="suspended_forever"), UnknownState, "unknown state"),
    ],
)  # fmt: skip
def test_refusals_change_nothing(uow, snapshot, call, error, message) -> None:
    add(uow, since=date(2021, 3, 15))
    before = snapshot()
    with pytest.raises(error) as info:
        call(uow)
    assert str(info.value).startswith(message)
    assert snapshot() == before


def test_resume_returns_to_the_state_it_left(uow) -> None:
    add(uow, state="establishment", since=date(2025, 1, 6))
    services.suspend(uow(), "HT1", actor="an", reason="tranh chấp đất", on=date(2025, 2, 1))
    t = services.resume(uow(), "HT1", actor="an", on=date(2025, 3, 1))
    assert (t.from_state, t.to_state) == ("suspended", "establishment")
    assert services.show(uow(), "HT1").cluster.suspended_from is None


def test_send_back_then_advance_again(uow) -> None:
    add(uow, state="establishment", since=date(2025, 1, 6))
    t = services.send_back(uow(), "HT1", actor="an", to="planned", reason="hồ sơ thiếu")
    assert (t.event, t.to_state, t.note) == ("send_back", "planned", "hồ sơ thiếu")
    services.advance(uow(), "HT1", actor="an")
    assert services.show(uow(), "HT1").cluster.state == "planning_compliant"


def test_same_day_steps_keep_their_order(uow) -> None:
    add(uow)  # now
    t = services.advance(uow(), "HT1", actor="an", on=date(2026, 3, 2))
    assert t.effective_on == date(2026, 3, 2)
    first = services.history(uow(), "HT1")[0]
    assert t.effective_at >= first.effective_at


def test_stale_version_is_a_concurrent_change(uow) -> None:
    add(uow)
    with uow() as u:
        stale = u.clusters.get("HT1")
    services.advance(uow(), "HT1", actor="an")
    t = Transition.build(code="HT1", seq=2, event="advance", from_state="planned",
                         to_state="planning_compliant", effective_at=stale.since,
                         recorded_at=stale.since, actor="bo", login="bo",
                         prev_hash=stale.head_hash)  # fmt: skip
    with uow() as u, pytest.raises(ConcurrentChange) as info:
        u.clusters.save(stale.moved(t), stale.version, t)
    assert (
        str(info.value) == "cluster HT1 was changed concurrently; it is now in planning_compliant"
    )
    assert len(services.history(uow(), "HT1")) == 2


def test_import_is_all_or_nothing(uow, snapshot) -> None:
    add(uow)
    rows = [
        (2, NewCluster("A1", "Cụm A")),
        (3, NewCluster("B1", "", state="planned")),
        (4, NewCluster("a1", "Cụm A again")),
        (5, NewCluster("HT1", "again")),
        (6, NewCluster("C1", "Cụm C", state="infrastructure", since=date(2024, 1, 1))),
    ]
    before = snapshot()
    with pytest.raises(ImportRejected) as info:
        services.import_clusters(uow(), rows, actor="an")
    assert info.value.problems == (
        "line 3: name is required and must not be empty",
        "line 4: duplicate code 'a1' (also on line 2)",
        "line 5: cluster 'HT1' already exists (as 'HT1')",
        "line 6: ref is required for entering infrastructure (cluster C1)",
    )
    assert snapshot() == before
    assert services.import_clusters(uow(), rows[:1], actor="an", dry_run=True) == 1
    assert snapshot() == before
    assert services.import_clusters(uow(), rows[:1], actor="an") == 1
    assert [v.cluster.code for v in services.list_clusters(uow())] == ["A1", "HT1"]


def test_list_filters(uow) -> None:
    add(uow, locality="Xã Hợp Thành, Cao Lộc")
    add(uow, "BS2", name="CCN Bắc Sơn 2", locality="Bắc Sơn", state="establishment",
        since=date(2025, 1, 1))  # fmt: skip
    assert [v.cluster.code for v in services.list_clusters(uow(), locality="cao lộc")] == ["HT1"]
    assert [v.cluster.code for v in services.list_clusters(uow(), state="establishment")] == ["BS2"]


def test_list_refuses_an_unknown_state(uow) -> None:
    with pytest.raises(UnknownState):
        services.list_clusters(uow(), state="nowhere")


def test_apply_steps_is_all_or_nothing(uow, snapshot) -> None:
    from workflow.services import Step

    add(uow, since=date(2020, 1, 6))
    add(uow, "BS2", name="Cụm Bắc Sơn 2", since=date(2020, 1, 6))
    steps = [
        Step("HT1", "advance", on=date(2021, 1, 4)),
        Step("BS2", "suspend", on=date(2021, 2, 1), note="chờ vốn"),
        Step("ht1", "advance", on=date(2021, 6, 1)),
        Step("BS2", "resume", on=date(2021, 7, 1)),
    ]
    before = snapshot()
    with pytest.raises(DateOutOfRange):  # the last step is dated before the one before it
        services.apply_steps(uow(), [*steps, Step("BS2", "suspend", on=date(2021, 5, 1), note="x")],
                             actor="an")  # fmt: skip
    assert snapshot() == before
    assert services.apply_steps(uow(), steps, actor="an") == 4
    assert [t.to_state for t in services.history(uow(), "HT1")] == [
        "planned", "planning_compliant", "establishment"]  # fmt: skip
    assert services.show(uow(), "BS2").cluster.state == "planned"
