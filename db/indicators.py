"""Form 02 indicator records in SQL: inserted, never updated (triggers enforce it)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select

from workflow.indicators import IndicatorRecord
from workflow.validate import code_key

from . import tables

I = tables.indicators.c  # noqa: E741
_COLUMNS = (I.seq, I.code, I.period, I.version, I.data, I.actor, I.db_user, I.recorded_at,
            I.note, I.prev_hash, I.hash, I.canon)  # fmt: skip
_READ = (*_COLUMNS, I.code_key)  # what audit verify checks the stored key against


class SqlIndicatorStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def last(self) -> IndicatorRecord | None:
        row = self.conn.execute(select(*_READ).order_by(I.seq.desc()).limit(1)).first()
        return None if row is None else IndicatorRecord(*row)

    def add(self, records: Sequence[IndicatorRecord]) -> None:
        if not records:
            return
        self.conn.execute(
            insert(tables.indicators),
            [
                {c.key: getattr(r, c.key) for c in _COLUMNS} | {"code_key": code_key(r.code)}
                for r in records
            ],
        )

    def all(self, period: str | None = None, code: str | None = None) -> list[IndicatorRecord]:
        query = select(*_READ).order_by(I.seq)
        if period is not None:
            query = query.where(I.period == period)
        if code is not None:
            query = query.where(I.code_key == code_key(code))
        return [IndicatorRecord(*row) for row in self.conn.execute(query)]
