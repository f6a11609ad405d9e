"""Choosing the database and opening it with the settings ccn relies on.

Nothing here runs at import time: engines are made on demand.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from workflow.errors import StorageError

if TYPE_CHECKING:
    from states import Definition

ENV_URL = "CCN_DATABASE_URL"
BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 5


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("ccn", appauthor=False) / "ccn.db"


def resolve_url(option: str | None) -> tuple[str, str]:
    """Return (url, where it came from): --db, then the environment, then the default.

    An empty --db is refused rather than read as "not given"; an empty variable is unset.
    """
    if option is not None:
        if not option.strip():
            raise StorageError("--db must not be empty")
        return to_url(option), "--db"
    env = os.environ.get(ENV_URL)
    if env:
        if not env.strip():
            raise StorageError(f"${ENV_URL} is blank; unset it or give a value")
        return to_url(env), ENV_URL
    return to_url(str(default_path())), "default"


def to_url(value: str) -> str:
    """Accept an SQLAlchemy URL or a plain file path."""
    if "://" in value:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise StorageError(f"invalid database URL {value!r}: {exc}") from None
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def describe(url: str) -> str:
    """The URL as it may be printed: never with its password."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def open_engine(url: str, *, create_dir: bool = False) -> Engine:
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None and path.is_dir():
            raise StorageError(f"{path} is a folder, not a database file: give the file's path")
        if path is not None:
            if create_dir:
                path.parent.mkdir(parents=True, exist_ok=True)
            elif not path.parent.is_dir():
                raise StorageError(f"database directory {path.parent} does not exist")
            elif not path.exists():
                # Opening would create an empty file; only `ccn init` may create one.
                raise StorageError(f"database {describe(url)} is not initialised; run `ccn init`")
        reason = _unwritable(path) if path is not None and path.exists() else None
        if reason is not None and create_dir:
            raise StorageError(f"database {describe(url)} is read-only: {reason}")
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine, read_only=reason is not None)
        if reason is not None:
            assert path is not None
            _open_read_only(engine, path)
            _READ_ONLY[engine] = reason
        return engine
    if backend == "postgresql":
        args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S}
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        return create_engine(u, connect_args=args, pool_pre_ping=False)
    raise StorageError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


_READ_ONLY: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def read_only(engine: Engine) -> str | None:
    """Why the database of `engine` (as `open_engine` made it) can only be read, or None."""
    return _READ_ONLY.get(engine)


def _unwritable(path: Path) -> str | None:
    """Why SQLite could not write at `path`, or None. `access` sees read-only mounts and
    immutable files even as root, whom file modes do not stop."""
    if os.statvfs(path).f_flag & os.ST_RDONLY:
        return "it is on a read-only medium or mount"
    if not os.access(path, os.W_OK):
        return "the file cannot be written"
    if not os.access(path.parent, os.W_OK):
        # WAL mode creates -wal and -shm files beside the database.
        return "its folder cannot be written"
    return None


def _open_read_only(engine: Engine, path: Path) -> None:
    """Connect with SQLite's read-only URI. With no write-ahead log to read, the file is
    opened immutable: no -wal or -shm file is needed, so a read-only folder or medium
    (an inspector's copy) is read as it is."""
    wal = path.with_name(path.name + "-wal")
    pending = wal.exists() and wal.stat().st_size > 0
    uri = f"file:{quote(str(path))}?mode=ro" + ("" if pending else "&immutable=1")

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        cargs[:] = [uri]
        cparams["uri"] = True


@dataclass
class EngineCache:
    """What ccn has learnt about one engine's database, so it asks only once.

    It lives as long as the engine: another engine, even on the same URL, starts
    afresh, as a new process would (another database, or this one since upgraded).
    """

    schema_checked: bool = False
    definitions: dict[str, Definition] = field(default_factory=dict)  # verified, by key
    parsed: dict[str, Definition] = field(default_factory=dict)  # by sha256 of their text


_CACHES: weakref.WeakKeyDictionary[Engine, EngineCache] = weakref.WeakKeyDictionary()


def cache_of(engine: Engine) -> EngineCache:
    """The cache of `engine` (the one `open_engine` made, not a copy with other options)."""
    cache = _CACHES.get(engine)
    if cache is None:
        cache = _CACHES[engine] = EngineCache()
    return cache


def _configure_sqlite(engine: Engine, *, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE below is real.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if not read_only:  # switching to WAL writes the file
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front, so a concurrent writer waits on the
        # busy timeout instead of failing later with "database is locked".
        # Straight to the driver: this runs for every transaction, on the hot path.
        readonly = read_only or conn.get_execution_options().get("ccn_readonly")
        conn.connection.driver_connection.execute("BEGIN" if readonly else "BEGIN IMMEDIATE")
