"""The storage ports of `workflow/`, implemented with SQLAlchemy Core statements.

Rows are read as plain tuples and turned into domain objects: no ORM identity
map, no lazy loading, so the cost per row stays close to the driver's.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import Column, Connection, and_, bindparam, func, insert, or_, select, update

from states import Definition, DefinitionError, definition_problem, parse_definition
from states.targets import TargetSet
from workflow.attributes import ATTRIBUTES
from workflow.errors import ConcurrentChange, InvalidInput, StorageError
from workflow.model import ENTRY_FIELDS, Cluster, Transition
from workflow.ports import PlacedCluster, StoredDefinition, StoredTargets
from workflow.text import fold, place_key, search_keys
from workflow.validate import code_key

from . import bulk, tables
from .engine import EngineCache
from .users import ANY_USER

_CLUSTER_INSERT = ("id", "code", "code_key", "name", "locality", "area_ha", "developer",
                   "industrial_land_ha", "developer_kind", "kind", "industries", "workflow_id",
                   "state", "since", "since_on", "suspended_from", "version", "last_seq",
                   "head_hash", "locality_key", "search_key")  # fmt: skip
_TRANSITION_INSERT = ("cluster_id", *ENTRY_FIELDS)
_ENTRY_VALUES = attrgetter(*ENTRY_FIELDS)
_TIMESTAMPS = [1 + ENTRY_FIELDS.index(f) for f in ("effective_at", "recorded_at")]
_DAY = 1 + ENTRY_FIELDS.index("effective_on")
C = tables.clusters.c
T = tables.transitions.c
W = tables.workflows.c
G = tables.targets.c

_CLUSTER_COLUMNS = (
    C.code,
    C.name,
    C.state,
    C.since,
    C.since_on,
    W.name,
    W.version,
    C.locality,
    C.area_ha,
    C.developer,
    C.industrial_land_ha,
    C.developer_kind,
    C.kind,
    C.industries,
    C.suspended_from,
    C.version,
    C.last_seq,
    C.head_hash,
    T.actor,
    T.ref,
    T.recorded_at,
)


def _cluster(row: Sequence[Any]) -> Cluster:
    (code, name, state, since, since_on, wname, wversion, locality, area, developer, land,
     developer_kind, kind, industries, suspended_from, version, last_seq, head, actor, ref,
     recorded) = row  # fmt: skip
    return Cluster(
        code=code,
        name=name,
        state=state,
        since=since,
        since_on=since_on,
        workflow=f"{wname}@{wversion}",
        locality=locality,
        area_ha=area,
        developer=developer,
        industrial_land_ha=land,
        developer_kind=developer_kind,
        kind=kind,
        industries=industries,
        suspended_from=suspended_from,
        version=version,
        last_seq=last_seq,
        head_hash=head,
        last_actor=actor,
        last_ref=ref,
        last_recorded=recorded,
    )


def _cluster_select() -> Any:
    return (
        select(*_CLUSTER_COLUMNS)
        .join(tables.workflows, W.id == C.workflow_id)
        .outerjoin(tables.transitions, and_(T.cluster_id == C.id, T.seq == C.last_seq))
    )


# Statements on the write path are built once: building one costs more than running it.
# Reading a cluster for a write also says whether any user exists (single-user mode)
# and gives its row id: one round trip instead of three.
_GET = (
    _cluster_select()
    .add_columns(C.id, ANY_USER.label("any_user"))
    .where(C.code_key == bindparam("key"))
)
_STATE = select(C.state).where(C.code_key == bindparam("key"))
_ID = select(C.id).where(C.code_key == bindparam("key"))
# A history entry as read back, in the order of `Transition`'s fields; the code from
# the cluster row, which every read joins (entries from before schema 0004 lack their own).
ENTRY_COLUMNS: tuple[Column[Any], ...] = (C.code, *(T[f] for f in ENTRY_FIELDS[1:]))
assert ENTRY_FIELDS[0] == "code"
_HISTORY = (
    select(*ENTRY_COLUMNS)
    .join(tables.clusters, C.id == T.cluster_id)
    .where(C.code_key == bindparam("key"))
    .order_by(T.seq)
)  # fmt: skip


def key_contains(column: Any, text: str | None) -> Any | None:
    """A condition that `column` (a key of `clusters`) contains folded `text`, or None.

    Stated as `id IN (…)` over an alias: the inner query reads only the key's index (a
    trigram index on PostgreSQL, a covering scan on SQLite), never the table's rows.
    """
    if text is None:
        return None
    key = fold(text)
    if not key:  # blank, or marks alone: it would match every cluster, silently
        raise InvalidInput(f"nothing to search for in {text!r}: give letters or digits")
    pattern = "%" + key.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"
    matched = tables.clusters.alias("matched")
    inner = matched.c[column.key]
    return C.id.in_(select(matched.c.id).where(inner.like(pattern, escape="/")))


def _entry_row(cluster_id: int, t: Transition, ts: Any, day: Any) -> tuple[Any, ...]:
    """A history row for the driver, in `_TRANSITION_INSERT` order."""
    row = [cluster_id, *_ENTRY_VALUES(t)]
    for i in _TIMESTAMPS:
        row[i] = ts(row[i])
    row[_DAY] = day(row[_DAY])
    return tuple(row)


class SqlDefinitionStore:
    def __init__(self, conn: Connection, cache: EngineCache | None = None) -> None:
        """`cache`: what this database's engine already verified (db/engine.py `cache_of`)."""
        self.conn = conn
        self.cache = cache if cache is not None else EngineCache()
        self._ids: dict[str, int] = {}

    def pin(self, definition: Definition) -> None:
        self.id_for(definition)

    def id_for(self, definition: Definition) -> int:
        if definition.key in self._ids:
            return self._ids[definition.key]
        row = self.conn.execute(
            select(W.id, W.sha256).where(W.name == definition.name, W.version == definition.version)
        ).first()
        if row is None:
            from workflow.clock import now

            wid = self.conn.execute(
                insert(tables.workflows).returning(W.id),
                {
                    "name": definition.name,
                    "version": definition.version,
                    "sha256": definition.sha256,
                    "text": definition.text,
                    "created_at": now(),
                },
            ).scalar_one()
        elif row.sha256 != definition.sha256:
            raise StorageError(
                f"workflow {definition.key} is stored with different content; "
                "a changed definition needs a new version"
            )
        else:
            wid = row.id
        self._ids[definition.key] = wid
        return wid

    def stored(self) -> builtins.list[StoredDefinition]:
        pinned = select(C.workflow_id, func.count().label("n")).group_by(C.workflow_id).subquery()
        rows = self.conn.execute(
            select(W.name, W.version, W.sha256, W.created_at, func.coalesce(pinned.c.n, 0))
            .outerjoin(pinned, pinned.c.workflow_id == W.id)
            .order_by(W.id)
        )
        return [StoredDefinition(f"{n}@{v}", sha, at, int(k)) for n, v, sha, at, k in rows]

    def get(self, key: str) -> Definition:
        # Pinned definitions never change (pin refuses new text under an old version),
        # so one read per engine is enough: an engine is one database.
        cached = self.cache.definitions.get(key)
        if cached is not None:
            return cached
        name, _, version = key.partition("@")
        row = self.conn.execute(
            select(W.sha256, W.text).where(W.name == name, W.version == version)
        ).first()
        if row is None:
            raise StorageError(f"workflow {key} is not stored in the database")
        problem = definition_problem(key, row.sha256, row.text)
        if problem:
            # Roles and rules come from this text: never act on an altered copy.
            raise StorageError(f"workflow {key} {problem}; refusing to use it")
        parsed = self.cache.parsed.get(row.sha256)
        if parsed is None:
            try:
                parsed = parse_definition(row.text, source=key)
            except DefinitionError as exc:  # stored before the loader refused what it says
                raise StorageError(f"workflow {key} can no longer be used: {exc.problem}") from None
            self.cache.parsed[row.sha256] = parsed
        self.cache.definitions[key] = parsed
        return parsed


class SqlClusterRepository:
    def __init__(
        self,
        conn: Connection,
        definitions: SqlDefinitionStore,
        on_users_known: Callable[[bool], None] = lambda _: None,
    ) -> None:
        self.conn = conn
        self.definitions = definitions
        self.on_users_known = on_users_known
        self._ids: dict[str, int] = {}

    def get(self, code: str) -> Cluster | None:
        key = code_key(code)
        row = self.conn.execute(_GET, {"key": key}).first()
        if row is None:
            return None
        *cluster, self._ids[key], any_user = row
        self.on_users_known(bool(any_user))
        return _cluster(cluster)

    def existing_codes(self, codes: Iterable[str]) -> dict[str, str]:
        keys = sorted({code_key(c) for c in codes})
        found: dict[str, str] = {}
        # Chunked so that a 100,000-row import stays within bound-parameter limits.
        for i in range(0, len(keys), 5000):
            chunk = keys[i : i + 5000]
            for key, code in self.conn.execute(
                select(C.code_key, C.code).where(C.code_key.in_(chunk))
            ):
                found[key] = code
        return found

    def _workflow_id(self, key: str) -> int:
        return self.definitions.id_for(self.definitions.get(key))

    def add(self, cluster: Cluster, first: Transition) -> None:
        self.add_many([(cluster, first)])

    def add_many(self, items: Sequence[tuple[Cluster, Transition]]) -> None:
        """Bulk insert straight through the driver's executemany.

        At 100,000 rows SQLAlchemy's per-row parameter handling costs more than
        the database does, so rows go as tuples with values already in the
        form SQLAlchemy itself would store (see `bulk.py`).
        """
        if not items:
            return
        wf_ids = {key: self._workflow_id(key) for key in {c.workflow for c, _ in items}}
        ids = bulk.reserve_ids(self.conn, tables.clusters, len(items))
        ts = bulk.timestamp_writer(self.conn.dialect.name)
        day = bulk.date_writer(self.conn.dialect.name)
        self.conn.exec_driver_sql(
            bulk.insert_sql(self.conn, tables.clusters, _CLUSTER_INSERT),
            [
                (cid, c.code, code_key(c.code), c.name, c.locality, c.area_ha, c.developer,
                 c.industrial_land_ha, c.developer_kind, c.kind, c.industries, wf_ids[c.workflow],
                 c.state, ts(c.since), day(c.since_on), c.suspended_from, c.version, c.last_seq,
                 c.head_hash, *search_keys(c.code, c.name, c.locality))
                for cid, (c, _) in zip(ids, items, strict=True)
            ],
        )  # fmt: skip
        self.conn.exec_driver_sql(
            bulk.insert_sql(self.conn, tables.transitions, _TRANSITION_INSERT),
            [_entry_row(cid, t, ts, day) for cid, (_, t) in zip(ids, items, strict=True)],
        )

    def save(self, cluster: Cluster, expected_version: int, transition: Transition) -> None:
        # Straight to the driver like the bulk path: on the one-step-per-commit path
        # SQLAlchemy's per-statement work was a third of ccn's own cost.
        key = code_key(cluster.code)
        ts = bulk.timestamp_writer(self.conn.dialect.name)
        day = bulk.date_writer(self.conn.dialect.name)
        m = bulk.mark(self.conn)
        updated = self.conn.exec_driver_sql(
            f"UPDATE clusters SET state={m}, since={m}, since_on={m}, suspended_from={m}, "
            f"version={m}, last_seq={m}, head_hash={m} WHERE code_key={m} AND version={m}",
            (cluster.state, ts(cluster.since), day(cluster.since_on), cluster.suspended_from,
             cluster.version, cluster.last_seq, cluster.head_hash, key, expected_version),
        ).rowcount  # fmt: skip
        if updated != 1:
            now_state = self.conn.execute(_STATE, {"key": key}).scalar()
            raise ConcurrentChange(cluster.code, now_state or "an unknown state")
        cluster_id = self._ids.get(key) or self.conn.execute(_ID, {"key": key}).scalar_one()
        self.conn.exec_driver_sql(
            bulk.insert_sql(self.conn, tables.transitions, _TRANSITION_INSERT),
            _entry_row(cluster_id, transition, ts, day),
        )

    def set_attributes(self, cluster: Cluster) -> None:
        locality_key, search_key = search_keys(cluster.code, cluster.name, cluster.locality)
        self.conn.execute(
            update(tables.clusters)
            .where(C.code_key == code_key(cluster.code))
            .values(
                **{a: getattr(cluster, a) for a in ATTRIBUTES},
                locality_key=locality_key,
                search_key=search_key,
            )
        )

    def repin(self, cluster: Cluster) -> None:
        self.conn.execute(
            update(tables.clusters)
            .where(C.code_key == code_key(cluster.code))
            .values(workflow_id=self._workflow_id(cluster.workflow))
        )

    def list(
        self, state: str | None = None, locality: str | None = None, search: str | None = None
    ) -> list[Cluster]:
        query = _cluster_select().order_by(C.code_key)
        if state is not None:
            query = query.where(C.state == state)
        for column, text in ((C.locality_key, locality), (C.search_key, search)):
            condition = key_contains(column, text)
            if condition is not None:
                query = query.where(condition)
        return [_cluster(r) for r in self.conn.execute(query)]

    def history(self, code: str) -> builtins.list[Transition]:
        return [Transition(*row) for row in self.conn.execute(_HISTORY, {"key": code_key(code)})]

    def in_locality(self, locality: str) -> builtins.list[PlacedCluster]:
        columns = (C.code, C.name, C.locality, C.state, C.suspended_from, C.industrial_land_ha)
        key = fold(locality)  # indexed, and wider than `place_key`: the rows decide
        # The column compared bare, so that its index serves it.
        same = C.locality_key == key if key else or_(C.locality_key.is_(None), C.locality_key == "")
        query = (
            select(*columns, C.workflow_id).where(C.state != "cancelled", same).order_by(C.code_key)
        )
        place = place_key(locality)
        keys: dict[str | None, str] = {}  # a locality holds few spellings
        names = {wid: f"{name}@{version}" for wid, name, version in
                 self.conn.execute(select(W.id, W.name, W.version))}  # fmt: skip
        out = []
        for *row, wid in self.conn.execute(query):
            spelled = row[2]
            if spelled not in keys:
                keys[spelled] = place_key(spelled)
            if keys[spelled] == place:
                out.append(PlacedCluster._make([*row, names[wid]]))
        return out

    def with_histories(
        self, locality: str | None = None
    ) -> Iterator[tuple[Cluster, builtins.list[Transition]]]:
        # Two streamed queries in cluster-id order (the transitions' own index order)
        # instead of one history query per cluster: a province report at national scale
        # would otherwise make 100,000 round trips.
        condition = key_contains(C.locality_key, locality)
        clusters = _cluster_select().add_columns(C.id).order_by(C.id)
        entries = (
            select(T.cluster_id, *ENTRY_COLUMNS)
            .join(tables.clusters, C.id == T.cluster_id)
            .order_by(T.cluster_id, T.seq)
            .execution_options(yield_per=5000)
        )
        if condition is not None:
            clusters, entries = clusters.where(condition), entries.where(condition)
        heads = {row[-1]: _cluster(row[:-1]) for row in self.conn.execute(clusters)}
        current: int | None = None
        found: builtins.list[Transition] = []
        for cid, *row in self.conn.execute(entries):
            if cid != current:
                if current is not None and current in heads:
                    yield heads[current], found
                current, found = cid, []
            found.append(Transition(*row))
        if current is not None and current in heads:
            yield heads[current], found


class SqlTargetStore:
    """Installed targets files (`workflow.ports.TargetStore`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def install(self, targets: TargetSet, actor: str) -> bool:
        from workflow.clock import now

        row = self.conn.execute(
            select(G.sha256).where(G.name == targets.name, G.version == targets.version)
        ).first()
        if row is not None:
            if row.sha256 != targets.sha256:
                raise InvalidInput(
                    f"targets {targets.key} are stored with a different text; "
                    "changed targets need a new version",
                    field="version",
                )
            return False
        self.conn.execute(
            insert(tables.targets),
            {"name": targets.name, "version": targets.version, "sha256": targets.sha256,
             "text": targets.text, "installed_by": actor, "created_at": now()},
        )  # fmt: skip
        return True

    def stored(self) -> builtins.list[StoredTargets]:
        rows = self.conn.execute(
            select(
                G.id, G.name, G.version, G.sha256, G.created_at, G.installed_by, G.text
            ).order_by(G.id)
        ).all()
        last = rows[-1].id if rows else None
        return [
            StoredTargets(f"{r.name}@{r.version}", r.sha256, r.created_at, r.installed_by,
                          len(_parse_stored(r.name, r.version, r.sha256, r.text).targets),
                          r.id == last)
            for r in rows
        ]  # fmt: skip

    def current(self) -> TargetSet | None:
        r = self.conn.execute(
            select(G.name, G.version, G.sha256, G.text).order_by(G.id.desc()).limit(1)
        ).first()
        return None if r is None else _parse_stored(r.name, r.version, r.sha256, r.text)


def _parse_stored(name: str, version: str, sha256: str, text: str) -> TargetSet:
    import hashlib

    from states.targets import TargetsError, parse_targets

    key = f"{name}@{version}"
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
        raise StorageError(f"targets {key} were altered in the database: text and SHA-256 differ")
    try:
        return parse_targets(text, source=key)
    except TargetsError as exc:
        raise StorageError(str(exc)) from None
