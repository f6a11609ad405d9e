"""The schema is owned by Alembic: no drift, safe re-runs, newer schemas refused."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import text

from cli import cli
from db import open_engine
from db.schema import HEAD, alembic_config, upgrade

from ..conftest import dump


def test_code_knows_the_newest_migration(engine) -> None:
    assert ScriptDirectory.from_config(alembic_config(engine)).get_current_head() == HEAD


def test_alembic_check_finds_no_drift(engine) -> None:
    command.check(alembic_config(engine))  # raises when models and migrations disagree


def test_init_twice_is_harmless(engine, db_url) -> None:
    before = dump(db_url)
    assert upgrade(engine) == (HEAD, HEAD)
    assert dump(db_url) == before


def test_newer_schema_is_refused_without_changes(db_url) -> None:
    eng = open_engine(db_url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    eng.dispose()
    before = dump(db_url)
    for args in (["cluster", "list"], ["init"]):
        r = CliRunner().invoke(cli, ["--db", db_url, *args])
        assert r.exit_code == 1
        assert "has schema 9999, newer than this ccn knows" in r.stderr
        assert r.stderr.count("\n") == 1
    assert dump(db_url) == before


def test_upgrade_from_the_first_migration_keeps_data(empty_url) -> None:
    from datetime import UTC, datetime

    from db import SqlUnitOfWork
    from states import default_definition
    from workflow import services
    from workflow.audit import verify
    from workflow.chain import entry_hash
    from workflow.model import GENESIS

    engine = open_engine(empty_url, create_dir=True)
    upgrade(engine, "0001")
    # Rows as ccn wrote them at schema 0001: canonical form 1, no code, no data.
    d = default_definition()
    t1 = datetime(2024, 1, 1, 17, 0, tzinfo=UTC)
    t2 = datetime(2024, 6, 2, 17, 0, tzinfo=UTC)
    t3 = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)
    h1 = entry_hash("HT1", 1, "register", None, "planned", t1, t3, "lan", None, None, GENESIS)
    h2 = entry_hash("HT1", 2, "advance", "planned", "planning_compliant", t2, t3, "lan", None,
                    None, h1)  # fmt: skip
    h3 = entry_hash("HT1", 3, "suspend", "planning_compliant", "suspended", t3, t3, "lan", None,
                    "chờ vốn", h2)  # fmt: skip
    h4 = entry_hash("BS2", 1, "register", None, "planned", t3, t3, "lan", None, None, GENESIS)
    naive = lambda t: t.replace(tzinfo=None) if engine.dialect.name == "sqlite" else t  # noqa: E731
    entry = text(
        "INSERT INTO transitions (cluster_id, seq, event, from_state, to_state, effective_at, "
        "effective_on, recorded_at, actor, ref, note, prev_hash, hash) VALUES (:c, :s, :e, :f, "
        ":t, :at, :on, :rec, 'lan', NULL, :note, :prev, :h)"
    )
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workflows (id, name, version, sha256, text, created_at) "
                 "VALUES (1, :n, :v, :sha, :text, :at)"),
            {"n": d.name, "v": d.version, "sha": d.sha256, "text": d.text, "at": naive(t3)},
        )  # fmt: skip
        cluster = text(
            "INSERT INTO clusters (id, code, code_key, name, workflow_id, state, since, since_on, "
            "suspended_from, version, last_seq, head_hash) VALUES (:id, :code, :code, :name, 1, "
            ":state, :since, :on, :origin, :v, :seq, :h)"
        )
        conn.execute(
            cluster,
            {
                "id": 1,
                "code": "HT1",
                "name": "Cụm công nghiệp Hợp Thành 1",
                "state": "suspended",
                "since": naive(t3),
                "on": "2024-07-01",
                "origin": "planning_compliant",
                "v": 3,
                "seq": 3,
                "h": h3,
            },
        )
        conn.execute(cluster, {"id": 2, "code": "BS2", "name": "Cụm Bắc Sơn 2",
                               "state": "planned", "since": naive(t3), "on": "2024-07-01",
                               "origin": None, "v": 1, "seq": 1, "h": h4})  # fmt: skip
        for c, s, e, f, to, at, on, note, prev, h in [
            (1, 1, "register", None, "planned", t1, "2024-01-02", None, GENESIS, h1),
            (1, 2, "advance", "planned", "planning_compliant", t2, "2024-06-03", None, h1, h2),
            (1, 3, "suspend", "planning_compliant", "suspended", t3, "2024-07-01", "chờ vốn", h2,
             h3),
            (2, 1, "register", None, "planned", t3, "2024-07-01", None, GENESIS, h4),
        ]:  # fmt: skip
            conn.execute(
                entry,
                {
                    "c": c,
                    "s": s,
                    "e": e,
                    "f": f,
                    "t": to,
                    "at": naive(at),
                    "on": on,
                    "rec": naive(t3),
                    "note": note,
                    "prev": prev,
                    "h": h,
                },
            )
    before = dump(empty_url)
    assert upgrade(engine) == ("0001", HEAD)
    after = dump(empty_url)
    # Every value stored before is unchanged; later migrations only add columns.
    assert [row[: len(old)] for row, old in zip(after, before, strict=True)] == before
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    result = verify(uow())
    assert (result.ok, result.clusters, result.transitions) == (True, 2, 4)
    services.resume(uow(), "HT1", actor="lan")
    assert services.show(uow(), "HT1").cluster.state == "planning_compliant"
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM transitions"))
    engine.dispose()
