"""Set-oriented report queries over the history table.

A cluster's state on a date is the target of its last entry (by seq) effective on
or before that date; effective dates never decrease along a cluster's chain, so
MAX(seq) per cluster served by the (cluster_id, seq) index finds it without a sort.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Integer, and_, func, select

from workflow.ports import ClusterHistory, Move, Position
from workflow.stepclock import IRREGULAR

from . import tables
from .repository import key_contains

C = tables.clusters.c
T = tables.transitions.c
W = tables.workflows.c


def last_entries(condition: Any) -> tuple[Any, Any]:
    """(subquery of each cluster's last seq meeting `condition`, that entry's alias).

    MAX(seq) per cluster is served by the (cluster_id, seq) index without a sort.
    """
    last = (
        select(T.cluster_id, func.max(T.seq).label("seq"))
        .where(condition)
        .group_by(T.cluster_id)
        .subquery()
    )
    entry = tables.transitions.alias("entry")
    on = and_(entry.c.cluster_id == last.c.cluster_id, entry.c.seq == last.c.seq)
    return last.join(entry, on).join(tables.clusters, C.id == last.c.cluster_id), entry


def _irregular_ids() -> Any:
    """Clusters with a suspend, resume or revert entry (served by the index on event)."""
    return select(T.cluster_id).where(T.event.in_(IRREGULAR)).distinct()


BATCH = 2000  # rows fetched at a time by the streamed queries
_WORKFLOW_KEYS = select(W.id, W.name, W.version)
_IRREGULAR_HISTORIES = (
    select(C.code, C.name, C.locality, C.workflow_id, T.event, T.from_state, T.to_state,
           T.effective_on, T.actor, T.ref, T.data)
    .join(tables.clusters, C.id == T.cluster_id)
    .where(T.cluster_id.in_(_irregular_ids()))
    .order_by(T.cluster_id, T.seq)
    .execution_options(yield_per=BATCH)
)  # fmt: skip
_ALL_HISTORIES = (
    select(C.code, C.name, C.locality, C.workflow_id, T.event, T.from_state, T.to_state,
           T.effective_on, T.actor, T.ref, T.data)
    .join(tables.clusters, C.id == T.cluster_id)
    .order_by(T.cluster_id, T.seq)
    .execution_options(yield_per=BATCH)
)  # fmt: skip


def _locality(query: Any, locality: str | None) -> Any:
    condition = key_contains(C.locality_key, locality)
    return query if condition is None else query.where(condition)


class SqlReportQueries:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def irregular(self, locality: str | None = None) -> Iterator[ClusterHistory]:
        return self._walk(_locality(_IRREGULAR_HISTORIES, locality))

    def histories(self, recorded_before: datetime | None = None) -> Iterator[ClusterHistory]:
        query = _ALL_HISTORIES
        if recorded_before is not None:
            query = query.where(T.recorded_at < recorded_before)
        return self._walk(query)

    def _walk(self, query: Any) -> Iterator[ClusterHistory]:
        # Only what the step clock reads, in (cluster_id, seq) index order: no sort and
        # no timestamps to parse. Streamed a cluster at a time, never held whole.
        workflows = {
            i: f"{name}@{version}" for i, name, version in self.conn.execute(_WORKFLOW_KEYS)
        }
        make = Move._make
        head: Any = None  # (code, name, locality, workflow_id) of the cluster being read
        entries: list[Move] = []
        for row in self.conn.execute(query):
            if head is None or row[0] != head[0]:
                if head is not None:
                    yield ClusterHistory(head[0], head[1], head[2], workflows[head[3]], entries)
                head, entries = row, []
            entries.append(make(row[4:]))
        if head is not None:
            yield ClusterHistory(head[0], head[1], head[2], workflows[head[3]], entries)

    def positions(self, as_of: date, locality: str | None = None) -> Iterator[Position]:
        if as_of >= self._latest_effective():
            # Nothing happened after as_of: the cluster rows already say where each is.
            return self._current(locality)
        joined, entry = last_entries(T.effective_on <= as_of)
        query = (
            select(
                C.code,
                C.name,
                C.locality,
                W.name,
                W.version,
                entry.c.to_state,
                entry.c.effective_on,
                entry.c.actor,
                entry.c.ref,
            )
            .select_from(joined)
            .join(tables.workflows, W.id == C.workflow_id)
        )
        return self._positions(query, locality)

    def _positions(self, query: Any, locality: str | None) -> Iterator[Position]:
        query = _locality(query, locality).execution_options(yield_per=BATCH)
        for code, name, loc, wname, wver, state, since, actor, ref in self.conn.execute(query):
            yield Position(code, name, loc, f"{wname}@{wver}", state, since, actor, ref)

    def _latest_effective(self) -> date:
        latest = self.conn.execute(select(func.max(T.effective_on))).scalar()  # by index
        if isinstance(latest, str):  # SQLite returns an aggregate of dates as text
            latest = date.fromisoformat(latest)
        return latest or date.min

    def _current(self, locality: str | None) -> Iterator[Position]:
        query = (
            select(C.code, C.name, C.locality, W.name, W.version, C.state, C.since_on, T.actor,
                   T.ref)
            .join(tables.workflows, W.id == C.workflow_id)
            .join(tables.transitions, and_(T.cluster_id == C.id, T.seq == C.last_seq))
        )  # fmt: skip
        return self._positions(query, locality)

    def dwell_histogram(self, as_of: date) -> list[tuple[str, int, int]]:
        steps = (
            select(
                T.to_state.label("state"),
                T.effective_on.label("entered"),
                func.lead(T.effective_on)
                .over(partition_by=T.cluster_id, order_by=T.seq)
                .label("left_on"),
            )
            .where(T.effective_on <= as_of, T.cluster_id.not_in(_irregular_ids()))
            .subquery()
        )
        dwell = _days_between(self.conn, steps.c.entered, steps.c.left_on).label("dwell")
        query = (
            select(steps.c.state, dwell, func.count())
            .where(steps.c.left_on.is_not(None))
            .group_by(steps.c.state, dwell)
        )
        return [(s, int(d), int(n)) for s, d, n in self.conn.execute(query)]

    def rework(self, as_of: date, events: Collection[str]) -> dict[str, int]:
        query = (
            select(T.to_state, func.count())
            .where(
                T.event.in_(sorted(events)),
                T.effective_on <= as_of,
                T.cluster_id.not_in(_irregular_ids()),
            )
            .group_by(T.to_state)
        )
        return {state: int(n) for state, n in self.conn.execute(query)}


def _days_between(
    conn: Connection, start: ColumnElement[Any], end: ColumnElement[Any]
) -> ColumnElement[Any]:
    if conn.dialect.name == "sqlite":
        return func.cast(func.julianday(end) - func.julianday(start), Integer)
    return end - start
