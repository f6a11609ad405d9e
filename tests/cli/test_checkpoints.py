"""Checkpoints name what vanished, and never cry wolf over writes they could not see."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest

from db import SqlUnitOfWork
from workflow import services
from workflow.chain import utc_text
from workflow.checkpoints import checkpoint, root_of
from workflow.services import NewCluster

from .test_audit import sql, verify, walk


def take(ccn, tmp_path, name="cp.json"):
    cp = tmp_path / name
    r = ccn("audit", "checkpoint", "--out", str(cp))
    assert r.exit_code == 0, r.stderr
    return cp


def test_a_changed_entry_is_named(ccn, tmp_path) -> None:
    walk(ccn)
    cp = take(ccn, tmp_path)
    sql(ccn.url, "UPDATE transitions SET hash = 'x' WHERE seq = 3", unlock=True)
    code, lines = verify(ccn, "--against", str(cp))
    assert code == 1
    assert "BROKEN HT1: changed (its seq 3 is not the one in the checkpoint)" in lines


def test_an_edited_checkpoint_gives_itself_away(ccn, tmp_path) -> None:
    walk(ccn)
    cp = take(ccn, tmp_path)
    doc = json.loads(cp.read_text())
    doc["heads"] = [h for h in doc["heads"] if h["code"] != "BS2"]
    cp.write_text(json.dumps(doc))
    assert verify(ccn, "--against", str(cp)) == (
        1,
        ["BROKEN checkpoint: the file's heads do not match its root: it was altered"],
    )


@pytest.mark.parametrize(
    "content", ["[1, 2]", "null", '{"format": "ccn-checkpoint/2", "heads": 5}']
)
def test_a_checkpoint_that_is_not_one_is_a_one_line_error(ccn, tmp_path, content) -> None:
    walk(ccn)
    cp = tmp_path / "cp.json"
    cp.write_text(content)
    r = ccn("audit", "verify", "--against", str(cp))
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("Error: ")
    assert "Traceback" not in r.stderr + r.stdout


def test_a_checkpoint_of_format_1_still_verifies(ccn, tmp_path, uow) -> None:
    walk(ccn)
    with uow() as u:
        latest = u.audit.latest_recorded_at()
        heads = list(u.audit.heads_recorded_by(latest))
    root, clusters, transitions = root_of(heads)
    cp = tmp_path / "old.json"
    cp.write_text(
        json.dumps(
            {
                "format": "ccn-checkpoint/1",
                "covers_until": utc_text(latest),
                "clusters": clusters,
                "transitions": transitions,
                "root": root,
            }
        )
    )
    assert verify(ccn, "--against", str(cp))[0] == 0
    sql(ccn.url, "DELETE FROM transitions WHERE seq = 3", unlock=True)
    assert verify(ccn, "--against", str(cp))[0] == 1


def test_a_checkpoint_taken_during_an_import_raises_no_false_alarm(engine, tmp_path) -> None:
    """The import holds its transaction open while a checkpoint is taken; later, the
    checkpoint must still verify: it saw one snapshot, without the import."""
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    services.register(uow(), NewCluster("A1", "Cụm A1"), actor="lan")
    inserted, release = threading.Event(), threading.Event()
    writer = SqlUnitOfWork(engine)
    original_commit = writer.commit

    def slow_commit() -> None:
        inserted.set()
        assert release.wait(30)
        original_commit()

    writer.commit = slow_commit  # type: ignore[method-assign]  # this one writer commits late
    rows = [(i + 2, NewCluster(f"B{i}", f"Cụm B{i}")) for i in range(50)]
    thread = threading.Thread(
        target=services.import_clusters, args=(writer, rows), kwargs={"actor": "lan"}
    )
    thread.start()
    try:
        assert inserted.wait(30)
        if engine.dialect.name == "postgresql":
            # Another writer commits meanwhile (SQLite would make it wait for the import):
            # its recorded time is later than the import's, which is what once made a
            # root over "entries recorded by then" report tampering that never happened.
            services.register(uow(), NewCluster("A2", "Cụm A2"), actor="lan")
        cp = checkpoint(SqlUnitOfWork(engine, readonly=True))
    finally:
        release.set()
        thread.join(30)
    before = ["A1", "A2"] if engine.dialect.name == "postgresql" else ["A1"]
    assert [h["code"] for h in cp["heads"]] == before  # the import was not committed yet
    from workflow.audit import verify as verify_db

    result = verify_db(SqlUnitOfWork(engine, readonly=True), against=cp)
    assert (result.ok, result.clusters) == (True, len(before) + 50), result.problems
    assert datetime.fromisoformat(cp["created_at"]).astimezone(UTC) <= datetime.now(UTC)
