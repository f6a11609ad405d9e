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

from .conftest import dump


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


def test_upgrade_from_the_first_migration_keeps_data(empty_url, monkeypatch) -> None:
    from datetime import date

    from db import SqlUnitOfWork
    from db import schema as db_schema
    from workflow import services
    from workflow.audit import verify
    from workflow.services import NewCluster

    engine = open_engine(empty_url, create_dir=True)
    upgrade(engine, "0001")
    # Write through the service layer as it stood at 0001: no users table yet.
    from sqlalchemy import bindparam, literal

    from db import repository
    from db.tables import clusters

    without_users = (
        repository._cluster_select()
        .add_columns(clusters.c.id, literal(False))
        .where(clusters.c.code_key == bindparam("key"))
    )
    with monkeypatch.context() as m:
        m.setattr(db_schema, "HEAD", "0001")
        m.setattr(services, "authorize", lambda *a, **k: None)
        m.setattr(repository, "_GET", without_users)
        uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
        services.register(uow(), NewCluster("HT1", "Cụm công nghiệp Hợp Thành 1",
                                            since=date(2024, 1, 2)), actor="lan")  # fmt: skip
        services.advance(uow(), "HT1", actor="lan", on=date(2024, 6, 3))
        services.suspend(uow(), "HT1", actor="lan", reason="chờ vốn")
        services.import_clusters(uow(), [(2, NewCluster("BS2", "Cụm Bắc Sơn 2"))], actor="lan")
    db_schema._checked.clear()
    before = dump(empty_url)
    assert upgrade(engine) == ("0001", HEAD)
    assert dump(empty_url) == before
    uow = lambda: SqlUnitOfWork(engine)  # noqa: E731
    result = verify(uow())
    assert (result.ok, result.clusters, result.transitions) == (True, 2, 4)
    services.resume(uow(), "HT1", actor="lan")
    assert services.show(uow(), "HT1").cluster.state == "planning_compliant"
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("DELETE FROM transitions"))
    engine.dispose()
