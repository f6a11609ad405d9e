"""Unit of work: one short database transaction per use case."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from workflow.errors import StorageError

from . import schema
from .audit import SqlAuditQueries
from .engine import cache_of, describe, read_only
from .errors import storage_error
from .indicators import SqlIndicatorStore
from .reports import SqlReportQueries
from .repository import SqlClusterRepository, SqlDefinitionStore, SqlTargetStore
from .users import SqlUserDirectory


class SqlUnitOfWork:
    clusters: SqlClusterRepository
    definitions: SqlDefinitionStore
    reports: SqlReportQueries
    users: SqlUserDirectory
    audit: SqlAuditQueries
    targets: SqlTargetStore
    indicators: SqlIndicatorStore

    def __init__(self, engine: Engine, *, readonly: bool = False) -> None:
        self.engine = engine
        self.readonly = readonly
        self._postgres = engine.dialect.name == "postgresql"

    def __enter__(self) -> Self:
        reason = read_only(self.engine)
        if reason is not None and not self.readonly:
            raise StorageError(f"database {describe(str(self.engine.url))} is read-only: {reason}")
        schema.check(self.engine)
        bind = self.engine
        if self.readonly:
            # Readers see one snapshot for their whole transaction: a checkpoint or a
            # report never mixes data from before and after a concurrent write.
            # (SQLite in WAL mode gives that to every transaction.)
            snapshot = {"isolation_level": "REPEATABLE READ"} if self._postgres else {}
            bind = self.engine.execution_options(ccn_readonly=True, **snapshot)
        try:
            self.conn = bind.connect()
            self.conn.begin()
        except DBAPIError as exc:
            raise storage_error(exc, self.engine.url) from None
        self.definitions = SqlDefinitionStore(self.conn, cache_of(self.engine))
        self.users = SqlUserDirectory(self.conn)
        self.clusters = SqlClusterRepository(self.conn, self.definitions, self.users.known)
        self.reports = SqlReportQueries(self.conn)
        self.audit = SqlAuditQueries(self.conn)
        self.targets = SqlTargetStore(self.conn)
        self.indicators = SqlIndicatorStore(self.conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Anything not committed by the use case is dropped: no half-written step.
        try:
            self.conn.rollback()
        finally:
            self.conn.close()
        if isinstance(exc, DBAPIError):
            raise storage_error(exc, self.engine.url) from None

    def commit(self) -> None:
        try:
            self.conn.commit()
        except DBAPIError as exc:
            raise storage_error(exc, self.engine.url) from None

    def rollback(self) -> None:
        self.conn.rollback()
