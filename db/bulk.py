"""Bulk writes through the driver, for imports of many thousands of rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table


def reserve_ids(conn: Connection, table: Table, n: int) -> range | list[int]:
    """Ids for `n` new rows of `table`, safe against concurrent writers."""
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
            "FROM generate_series(1, %(n)s)",
            {"n": n},
        )
        return [r[0] for r in rows]
    # SQLite: the transaction began with BEGIN IMMEDIATE, so nobody else can insert.
    top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table.name}").scalar()
    return range(int(top or 0) + 1, int(top or 0) + 1 + n)


def mark(conn: Connection) -> str:
    """The driver's positional placeholder."""
    return "%s" if conn.dialect.paramstyle in ("format", "pyformat") else "?"


def insert_sql(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    return (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join([mark(conn)] * len(columns))})"
    )


def timestamp_writer(dialect: str) -> Callable[[datetime], Any]:
    if dialect == "sqlite":
        return _sqlite_timestamp
    return lambda v: v.astimezone(UTC)


@lru_cache(maxsize=4096)  # imports repeat the same few instants
def _sqlite_timestamp(v: datetime) -> str:
    """The text SQLAlchemy's SQLite DATETIME writes for the naive UTC value."""
    return v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def date_writer(dialect: str) -> Callable[[date], Any]:
    if dialect == "sqlite":
        return date.isoformat
    return lambda v: v
