"""Queries for auditors: whole chains, heads at a moment, and the cross-cluster log."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from workflow.clock import start_of
from workflow.model import Transition
from workflow.ports import ChainHead, LogFilter
from workflow.validate import code_key

from . import tables
from .reports import last_entries

C = tables.clusters.c
T = tables.transitions.c
W = tables.workflows.c

_ENTRY = (
    C.code, T.seq, T.event, T.from_state, T.to_state, T.effective_at, T.effective_on,
    T.recorded_at, T.actor, T.ref, T.note, T.prev_hash, T.hash, T.db_user,
)  # fmt: skip


class SqlAuditQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def chains(self) -> Iterator[tuple[ChainHead, list[Transition]]]:
        heads = {
            cid: ChainHead(code, f"{wn}@{wv}", state, origin, last_seq, head)
            for cid, code, wn, wv, state, origin, last_seq, head in self.conn.execute(
                select(
                    C.id,
                    C.code,
                    W.name,
                    W.version,
                    C.state,
                    C.suspended_from,
                    C.last_seq,
                    C.head_hash,
                ).join(tables.workflows, W.id == C.workflow_id)
            )
        }
        query = (
            select(T.cluster_id, *_ENTRY[1:])
            .order_by(T.cluster_id, T.seq)
            .execution_options(yield_per=5000)
        )
        current: int | None = None
        entries: list[Transition] = []
        for row in self.conn.execute(query):
            cid = row[0]
            if cid != current:
                if current is not None:
                    yield heads.pop(current), entries
                current, entries = cid, []
            entries.append(Transition(heads[cid].code, *row[1:]))
        if current is not None:
            yield heads.pop(current), entries
        for head in heads.values():  # clusters whose every entry is gone
            yield head, []

    def latest_recorded_at(self) -> datetime | None:
        return self.conn.execute(select(func.max(T.recorded_at))).scalar()

    def heads_recorded_by(self, moment: datetime) -> Iterator[tuple[str, int, str]]:
        joined, entry = last_entries(T.recorded_at <= moment)
        query = select(C.code, entry.c.seq, entry.c.hash).select_from(joined)
        yield from self.conn.execute(query)

    def log(self, f: LogFilter) -> Iterator[Transition]:
        query = (
            select(*_ENTRY)
            .join(tables.clusters, C.id == T.cluster_id)
            .order_by(T.recorded_at, T.id)
            .execution_options(yield_per=5000)
        )
        if f.since is not None:
            query = query.where(T.recorded_at >= start_of(f.since))
        if f.until is not None:
            query = query.where(T.recorded_at < start_of(f.until + timedelta(days=1)))
        if f.actor:
            query = query.where(T.actor == f.actor)
        if f.code:
            query = query.where(C.code_key == code_key(f.code))
        if f.event:
            query = query.where(T.event == f.event)
        for row in self.conn.execute(query):
            yield Transition(*row)
