"""Driver errors turned into one-line messages a user can act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError

from workflow.errors import StorageError


def storage_error(exc: DBAPIError, url: Any = None) -> StorageError:
    where = " " + url.render_as_string(hide_password=True) if url is not None else ""
    text = str(exc.orig or exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    low = reason.lower()
    if "file is not a database" in low:
        return StorageError(f"database{where} is not an SQLite database")
    if "readonly database" in low or "read-only" in low:
        return StorageError(f"database{where} is read-only: {reason}")
    if "unable to open database" in low:
        # SQLite in WAL mode must create -wal/-shm files beside the database.
        return StorageError(
            f"cannot open database{where}: {reason} (the file or its folder may be read-only)"
        )
    if exc.connection_invalidated or "connect" in low or "password" in low:
        return StorageError(f"cannot connect to database{where}: {reason}")
    return StorageError(f"database error{where}: {reason}")


@contextmanager
def translate(url: Any = None) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        raise storage_error(exc, url) from None
