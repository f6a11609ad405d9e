"""Double submissions move a cluster once; every way into a state brings its evidence."""

from __future__ import annotations

import threading

import pytest
from freezegun import freeze_time

from db import SqlUnitOfWork
from workflow import services
from workflow.errors import ConcurrentChange
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, dump


def test_two_identical_advances_started_together_move_one_step(engine, monkeypatch) -> None:
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    services.register(uow(), NewCluster("R1", "Cụm R1"), actor="lan")
    # Both commands have read the cluster before either writes: the worst interleaving.
    barrier = threading.Barrier(2, timeout=30)
    started = services._started

    def read_then_wait(u, code):
        cluster = started(u, code)
        barrier.wait()
        return cluster

    monkeypatch.setattr(services, "_started", read_then_wait)
    outcomes: list[str] = []

    def submit() -> None:
        try:
            outcomes.append(services.advance(uow(), "R1", actor="lan").to_state)
        except ConcurrentChange as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == [
        "cluster R1 was changed concurrently; it is now in planning_compliant",
        "planning_compliant",
    ]
    assert [t.to_state for t in services.history(uow(), "R1")] == ["planned", "planning_compliant"]
    monkeypatch.undo()
    # A deliberate second advance, later, still works.
    assert services.advance(uow(), "R1", actor="lan").to_state == "establishment"


def test_two_identical_reverts_undo_one_entry(engine, monkeypatch) -> None:
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    services.register(uow(), NewCluster("R1", "Cụm R1"), actor="lan")
    services.advance(uow(), "R1", actor="lan")
    services.advance(uow(), "R1", actor="lan")
    barrier = threading.Barrier(2, timeout=30)
    started = services._started
    monkeypatch.setattr(services, "_started", lambda u, code: (started(u, code), barrier.wait())[0])
    errors: list[Exception] = []

    def submit() -> None:
        try:
            services.revert(uow(), "R1", actor="lan", reason="nhầm")
        except ConcurrentChange as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(errors) == 1
    assert services.show(uow(), "R1").cluster.state == "planning_compliant"


@pytest.fixture
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def test_resume_to_a_state_never_entered_needs_its_evidence(ccn, frozen) -> None:
    assert ccn("cluster", "add", "S1", "--name", "Cụm S1", "--state", "suspended").exit_code == 0
    before = dump(ccn.url)
    r = ccn("resume", "S1", "--to", "infrastructure")
    assert (r.exit_code, r.stderr) == (
        1, "Error: ref is required for entering infrastructure (cluster S1)\n")  # fmt: skip
    assert dump(ccn.url) == before
    r = ccn("resume", "S1", "--to", "infrastructure", "--ref", "QĐ 7/QĐ-UBND")
    assert r.exit_code == 0, r.stderr


def test_send_back_to_a_state_never_entered_needs_its_evidence(ccn, frozen) -> None:
    r = ccn(
        "cluster", "add", "I1", "--name", "Cụm I1", "--state", "infrastructure", "--ref", "QĐ 1"
    )
    assert r.exit_code == 0, r.stderr
    r = ccn("send-back", "I1", "--to", "investment_approval", "--reason", "thiếu")
    assert (r.exit_code, r.stderr) == (
        1, "Error: ref is required for entering investment_approval (cluster I1)\n")  # fmt: skip
    r = ccn("send-back", "I1", "--to", "investment_approval", "--reason", "thiếu", "--ref", "QĐ 2")
    assert r.exit_code == 0, r.stderr


def test_going_back_to_a_state_entered_before_finds_its_evidence(ccn, frozen) -> None:
    assert ccn("cluster", "add", "H1", "--name", "Cụm H1", "--state", "investment_approval",
               "--ref", "QĐ 1").exit_code == 0  # fmt: skip
    assert ccn("advance", "H1", "--ref", "QĐ 2").exit_code == 0
    r = ccn("send-back", "H1", "--to", "investment_approval", "--reason", "thiếu")
    assert r.exit_code == 0, r.stderr
    assert ccn("suspend", "H1", "--reason", "chờ").exit_code == 0
    assert ccn("resume", "H1").exit_code == 0
