"""Queries for auditors: whole chains, heads at a moment, and the cross-cluster log."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, true

from workflow.attributes import ATTRIBUTES
from workflow.clock import start_of
from workflow.model import Transition
from workflow.ports import ChainHead, LogFilter
from workflow.validate import code_key

from . import tables
from .reports import last_entries
from .repository import ENTRY_COLUMNS

C = tables.clusters.c
T = tables.transitions.c
W = tables.workflows.c
G = tables.targets.c


class SqlAuditQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def chains(self) -> Iterator[tuple[ChainHead, list[Transition]]]:
        heads = {
            cid: ChainHead(code, f"{wn}@{wv}", state, origin, last_seq, head, since, since_on,
                           dict(zip(ATTRIBUTES, attributes, strict=True)), sha, (ck, lk, sk))
            for (cid, code, wn, wv, state, origin, last_seq, head, since, since_on, sha, ck, lk,
                 sk, *attributes) in self.conn.execute(
                    select(C.id, C.code, W.name, W.version, C.state, C.suspended_from,
                           C.last_seq, C.head_hash, C.since, C.since_on, W.sha256, C.code_key,
                           C.locality_key, C.search_key, *(C[a] for a in ATTRIBUTES))
                    .join(tables.workflows, W.id == C.workflow_id)
                )
        }  # fmt: skip
        query = (
            select(T.cluster_id, T.code, *ENTRY_COLUMNS[1:])
            .order_by(T.cluster_id, T.seq)
            .execution_options(yield_per=5000)
        )
        current: int | None = None
        entries: list[Transition] = []
        codes: list[str | None] = []
        for cid, stored_code, *row in self.conn.execute(query):
            if cid != current:
                if current is not None:
                    yield self._head(heads, current, entries, codes), entries
                current, entries, codes = cid, [], []
            head = heads.get(cid)
            # An entry whose cluster row is gone is still named by its own code
            # (entries from before schema 0004 that lost theirs show the row id).
            code = head.code if head else stored_code or f"#{cid}"
            entries.append(Transition(code, *row))
            codes.append(stored_code)
        if current is not None:
            yield self._head(heads, current, entries, codes), entries
        for head in heads.values():  # clusters whose every entry is gone
            yield head, []

    @staticmethod
    def _head(
        heads: dict[int, ChainHead], cid: int, entries: list[Transition], codes: list[str | None]
    ) -> ChainHead:
        # History whose cluster row was deleted: an orphan, named by its entries' code.
        head = heads.pop(cid, None) or ChainHead(entries[0].code, "", "", None, 0, "")
        return replace(head, entry_codes=tuple(codes))

    def workflows(self) -> list[tuple[str, str, str]]:
        rows = self.conn.execute(select(W.name, W.version, W.sha256, W.text).order_by(W.id))
        return [(f"{name}@{version}", sha, text) for name, version, sha, text in rows]

    def targets(self) -> list[tuple[str, str, str]]:
        rows = self.conn.execute(select(G.name, G.version, G.sha256, G.text).order_by(G.id))
        return [(f"{name}@{version}", sha, text) for name, version, sha, text in rows]

    def latest_recorded_at(self) -> datetime | None:
        return self.conn.execute(select(func.max(T.recorded_at))).scalar()

    def heads(self) -> Iterator[tuple[str, int, str]]:
        joined, entry = last_entries(true())
        yield from self.conn.execute(select(C.code, entry.c.seq, entry.c.hash).select_from(joined))

    def heads_recorded_by(self, moment: datetime) -> Iterator[tuple[str, int, str]]:
        joined, entry = last_entries(T.recorded_at <= moment)
        query = select(C.code, entry.c.seq, entry.c.hash).select_from(joined)
        yield from self.conn.execute(query)

    def log(self, f: LogFilter) -> Iterator[Transition]:
        query = (
            select(*ENTRY_COLUMNS)
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
