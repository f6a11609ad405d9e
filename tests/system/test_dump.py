"""Moving a portfolio between backends with `db dump` and `db restore`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..cli.test_dump import build_portfolio, everything, ok, round_trip, sqlite_target
from ..conftest import FROZEN_NOW, Ccn, fresh_database


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with freeze_time(FROZEN_NOW):
        yield


def test_sqlite_to_postgresql(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_server: object
) -> None:
    source = Ccn(sqlite_target(tmp_path, sqlite_template, "source.db"))
    build_portfolio(source)
    with fresh_database(request, "postgresql") as url:
        round_trip(source, Ccn(url), tmp_path / "x.jsonl.gz")


def test_postgresql_to_sqlite(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_server: object
) -> None:
    with fresh_database(request, "postgresql") as url:
        source = Ccn(url)
        build_portfolio(source)
        round_trip(source, Ccn(sqlite_target(tmp_path, sqlite_template)), tmp_path / "x.jsonl")


OWNER, OWNER_PW = "dump_owner", "pw-dump-owner"


@pytest.fixture
def owned_database(pg_server: object) -> Iterator[str]:
    """A new database owned by a login that is not a superuser."""
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")  # type: ignore[attr-defined]
    name = "dump_owned"
    with admin.connect() as conn:
        conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}') "
                f"THEN CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PW}'; END IF; END $$"
            )
        )
        conn.execute(text(f"CREATE DATABASE {name} OWNER {OWNER}"))
    url = make_url(pg_server.url(name))  # type: ignore[attr-defined]
    try:
        yield url.set(username=OWNER, password=OWNER_PW).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_a_database_owner_who_is_not_superuser_restores_other_logins_history(
    tmp_path: Path, sqlite_template: Path, owned_database: str
) -> None:
    source = Ccn(sqlite_target(tmp_path, sqlite_template, "source.db"))
    build_portfolio(source)
    target = Ccn(owned_database)
    ok(target("init"))
    round_trip(source, target, tmp_path / "x.jsonl.gz")
    # The identity triggers are back: the owner cannot write as another login now.
    eng = create_engine(owned_database)
    with eng.connect() as conn:
        enabled = conn.execute(
            text(
                "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname IN "
                "('transitions_identity', 'user_changes_identity', 'users_guard', "
                "'indicators_identity', 'workflows_guard', 'targets_guard') ORDER BY 1"
            )
        ).all()
    eng.dispose()
    assert [tuple(r) for r in enabled] == [
        ("indicators_identity", "O"),
        ("targets_guard", "O"),
        ("transitions_identity", "O"),
        ("user_changes_identity", "O"),
        ("users_guard", "O"),
        ("workflows_guard", "O"),
    ]
    assert everything(target)["audit verify"] == "OK: 5 clusters, 16 transitions verified\n"


def test_the_owner_restores_targets_a_supervisor_installed(
    tmp_path: Path, sqlite_template: Path, owned_database: str
) -> None:
    """0009's trigger refuses the owner a targets file under another name, as it should
    for a hand-written row: a restore sets it aside like the identity triggers."""
    from states.targets import example_path

    source = Ccn(sqlite_target(tmp_path, sqlite_template, "source.db"))
    build_portfolio(source)
    ok(source("targets", "install", str(example_path()), actor="boss"))
    file = tmp_path / "x.jsonl"
    ok(source("db", "dump", str(file)))
    target = Ccn(owned_database)
    ok(target("init"))
    r = ok(target("db", "restore", str(file)))
    assert "1 targets file from" in r.stdout
    assert everything(target) == everything(source)
