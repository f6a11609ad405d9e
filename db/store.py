"""The database one command works on: found, opened on first use, closed at the end."""

from __future__ import annotations

from sqlalchemy import Engine

from .engine import open_engine, resolve_url
from .uow import SqlUnitOfWork


class Store:
    def __init__(self, option: str | None) -> None:
        self.option = option  # --db, if given; then $CCN_DATABASE_URL, then the default
        self._engine: Engine | None = None

    def url(self) -> tuple[str, str]:
        """(url, where it came from)."""
        return resolve_url(self.option)

    def uow(self, readonly: bool = False) -> SqlUnitOfWork:
        if self._engine is None:
            self._engine = open_engine(self.url()[0])
        return SqlUnitOfWork(self._engine, readonly=readonly)

    def close(self) -> None:
        # Return connections now: a PostgreSQL server counts every idle one.
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
