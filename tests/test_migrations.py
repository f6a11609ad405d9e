"""The schema is owned by Alembic: no drift, safe re-runs, newer schemas refused."""

from __future__ import annotations

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
