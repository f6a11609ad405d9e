"""Fixtures: every DB-backed test runs on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, cast

import psycopg  # noqa: F401  (imported before any freezegun freeze: its C types need real datetimes)
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, inspect, text

from cli import cli
from db import SqlUnitOfWork, open_engine
from db.schema import upgrade

from .pgserver import PgServer, find_bindir

TESTS = Path(__file__).parent

FROZEN_NOW = "2026-03-02 03:00:00"  # 10:00 in Vietnam, a Monday
LAYERS = ("unit", "service", "cli", "system")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer, the folder it lives in (tests/<layer>/...).

    A test that starts PostgreSQL itself is a system test wherever it lives; the
    PostgreSQL copies of `db_url` and `empty_url` are marked where they are declared.
    """
    for item in items:
        parts = item.path.relative_to(TESTS).parts
        if len(parts) > 1 and parts[0] in LAYERS:
            item.add_marker(getattr(pytest.mark, parts[0]))
        if "pg_server" in cast(pytest.Function, item).fixturenames:  # every test is a function
            item.add_marker(pytest.mark.system)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("CCN_DATABASE_URL", "CCN_ACTOR", "CCN_LANG"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries not found, and CI=true requires them")
        yield None
        return
    server = PgServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer | None) -> str | None:
    """A migrated database that each test copies (CREATE DATABASE … TEMPLATE)."""
    if pg_server is None:
        return None
    admin = create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE ccn_template"))
    admin.dispose()
    engine = open_engine(pg_server.url("ccn_template"))
    upgrade(engine)
    engine.dispose()
    return "ccn_template"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "ccn.db"
    engine = open_engine(f"sqlite:///{path}", create_dir=True)
    upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints and removes the WAL
    assert not Path(f"{path}-wal").exists()
    return path


_counter = itertools.count()


# Every DB-backed test runs on both backends; the PostgreSQL copies belong to the system
# layer, so `pytest -m "not system"` runs them on SQLite only.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.system)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh, initialised database."""
    with fresh_database(request, request.param) as url:
        yield url


@contextmanager
def fresh_database(request: pytest.FixtureRequest, backend: str) -> Iterator[str]:
    """A new, initialised database on `backend` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        path = request.getfixturevalue("tmp_path") / "ccn.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with _pg_database(request, template="pg_template") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database with no schema at all (a new file, or a new PG database)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with _pg_database(request) as url:
        yield url


@contextmanager
def _pg_database(request: pytest.FixtureRequest, template: str | None = None) -> Iterator[str]:
    """A new database on the session's server, copied from a template fixture or empty."""
    server: PgServer | None = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("PostgreSQL server binaries not found (install postgresql to run these)")
    copy = f" TEMPLATE {request.getfixturevalue(template)}" if template else ""
    name = f"t{os.getpid()}_{next(_counter)}"
    admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield server.url(name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    eng = open_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine: Any) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine)


class Ccn:
    """Runs the CLI in-process against one database, as one actor."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, actor: str = "tester", input: str | None = None) -> Result:
        argv = ["--db", self.url, "--actor", actor, *args]
        return self.runner.invoke(cli, argv, input=input, catch_exceptions=False)


@pytest.fixture
def ccn(db_url: str) -> Ccn:
    return Ccn(db_url)


def dump(url: str) -> list[tuple[Any, ...]]:
    """Every row of every ccn table, for 'nothing changed' assertions."""
    eng = open_engine(url)
    rows: list[tuple[Any, ...]] = []
    with eng.connect() as conn:
        for table in ("workflows", "clusters", "transitions", "targets"):
            if not inspect(conn).has_table(table):  # an older schema, in the migration tests
                continue
            rows += [(table, *r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
    eng.dispose()
    return rows


def raw_sql(url: str, *statements: str, unlock: tuple[str, ...] = ()) -> None:
    """Raw SQL as the database owner; `unlock` lifts the append-only triggers of those tables."""
    eng = open_engine(url)
    with eng.begin() as conn:
        for table in unlock:
            if eng.dialect.name == "sqlite":
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
            else:
                conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        for s in statements:
            conn.execute(text(s))
    eng.dispose()


# The test-only definition with the reported 2026 limits (never shipped as law).
TEST_2026 = str(Path(__file__).parent / "data" / "establishment_test_2026.toml")


def ok(result: Result) -> Result:
    """A `ccn` result that must have succeeded."""
    assert result.exit_code == 0, result.stderr
    return result


def on(day: str) -> date:
    """A date written as ISO, for tests that name many."""
    return date.fromisoformat(day)


def j(result: Result) -> Any:
    """The JSON a successful `ccn` call printed."""
    return json.loads(ok(result).stdout)
