"""An in-memory unit of work: the ports of `workflow/ports.py` over plain dicts and lists.

It keeps the promises the ports' docstrings make, as the SQL stores in `db/` do:
a unit of work sees a snapshot and stores nothing it did not commit, `save`
checks the version it was given, histories come back by seq, and the report
queries judge regular clusters by their entries while `irregular` hands over the
others whole. Imports nothing from `db/`, SQLAlchemy or click.
"""

from __future__ import annotations

import builtins
import copy
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from itertools import pairwise
from types import TracebackType
from typing import Any, Self

from states import Definition
from states.targets import TargetSet
from workflow.attributes import ATTRIBUTES
from workflow.clock import now, start_of
from workflow.errors import ConcurrentChange, InvalidInput, StorageError
from workflow.identity import name_key
from workflow.indicators import IndicatorRecord
from workflow.model import Cluster, Transition, User, UserChange
from workflow.ports import (
    ChainHead,
    ClusterHistory,
    LogFilter,
    PlacedCluster,
    Position,
    StoredDefinition,
    StoredTargets,
)
from workflow.stepclock import IRREGULAR
from workflow.text import fold, place_key
from workflow.validate import code_key

# As in db/repository.py: folded text never holds it, so no search spans two fields.
KEY_SEPARATOR = "\x1f"


@dataclass
class _Data:
    """What one database holds. Stored objects are frozen, so copying the containers
    (and each history list) is a full snapshot."""

    definitions: dict[str, tuple[Definition, datetime]] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)  # by code key, in row order
    histories: dict[str, list[Transition]] = field(default_factory=dict)  # by code key
    users: dict[str, User] = field(default_factory=dict)  # by name key
    changes: list[UserChange] = field(default_factory=list)
    targets: list[tuple[TargetSet, str, datetime]] = field(default_factory=list)
    indicators: list[IndicatorRecord] = field(default_factory=list)

    def copy(self) -> _Data:
        snapshot = copy.copy(self)
        snapshot.definitions = dict(self.definitions)
        snapshot.clusters = dict(self.clusters)
        snapshot.histories = {k: list(v) for k, v in self.histories.items()}
        snapshot.users = dict(self.users)
        snapshot.changes = list(self.changes)
        snapshot.targets = list(self.targets)
        snapshot.indicators = list(self.indicators)
        return snapshot


class FakeDatabase:
    """One in-memory database; `FakeUnitOfWork(db)` works on it like `SqlUnitOfWork(engine)`."""

    def __init__(self, login: str = "fake-login", login_decides: bool = False) -> None:
        self.data = _Data()
        self.login = login
        self.login_decides = login_decides

    def dump(self) -> list[tuple[Any, ...]]:
        """Everything stored, for 'nothing changed' assertions."""
        d = self.data
        return [
            *(("workflow", key, defn.sha256) for key, (defn, _) in d.definitions.items()),
            *(("cluster", c) for c in d.clusters.values()),
            *(("entry", t) for entries in d.histories.values() for t in entries),
            *(("user", u) for u in d.users.values()),
            *(("user_change", c) for c in d.changes),
            *(("targets", t.key, t.sha256) for t, _, _ in d.targets),
            *(("indicator", r) for r in d.indicators),
        ]


class FakeUnitOfWork:
    def __init__(self, db: FakeDatabase, *, readonly: bool = False) -> None:
        self.db = db
        self.readonly = readonly

    def __enter__(self) -> Self:
        self.data = self.db.data.copy()
        self.definitions = FakeDefinitionStore(self.data)
        self.clusters = FakeClusterRepository(self.data, self.definitions)
        self.reports = FakeReportQueries(self.data)
        self.users = FakeUserDirectory(self.data, self.db)
        self.audit = FakeAuditQueries(self.data)
        self.targets = FakeTargetStore(self.data)
        self.indicators = FakeIndicatorStore(self.data)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Anything not committed is dropped, as the SQL unit of work rolls back.
        del self.data

    def commit(self) -> None:
        self.db.data = self.data
        self.data = self.data.copy()
        self._rebind()

    def rollback(self) -> None:
        self.data = self.db.data.copy()
        self._rebind()

    def _rebind(self) -> None:
        for port in (self.definitions, self.clusters, self.reports, self.users, self.audit,
                     self.targets, self.indicators):  # fmt: skip
            port.data = self.data


class FakeTargetStore:
    def __init__(self, data: _Data) -> None:
        self.data = data

    def install(self, targets: TargetSet, actor: str) -> bool:
        for stored, _, _ in self.data.targets:
            if stored.key == targets.key:
                if stored.sha256 != targets.sha256:
                    raise InvalidInput(
                        f"targets {targets.key} are stored with a different text; "
                        "changed targets need a new version",
                        field="version",
                    )
                return False
        self.data.targets.append((targets, actor, now()))
        return True

    def stored(self) -> builtins.list[StoredTargets]:
        n = len(self.data.targets)
        return [
            StoredTargets(t.key, t.sha256, at, actor, len(t.targets), i == n - 1)
            for i, (t, actor, at) in enumerate(self.data.targets)
        ]

    def current(self) -> TargetSet | None:
        return self.data.targets[-1][0] if self.data.targets else None


class FakeDefinitionStore:
    def __init__(self, data: _Data) -> None:
        self.data = data

    def pin(self, definition: Definition) -> None:
        stored = self.data.definitions.get(definition.key)
        if stored is None:
            self.data.definitions[definition.key] = (definition, now())
        elif stored[0].sha256 != definition.sha256:
            raise StorageError(
                f"workflow {definition.key} is stored with different content; "
                "a changed definition needs a new version"
            )

    def stored(self) -> builtins.list[StoredDefinition]:
        pinned = Counter(c.workflow for c in self.data.clusters.values())
        return [
            StoredDefinition(key, d.sha256, at, pinned[key])
            for key, (d, at) in sorted(self.data.definitions.items(), key=lambda kv: kv[1][1])
        ]

    def get(self, key: str) -> Definition:
        stored = self.data.definitions.get(key)
        if stored is None:
            raise StorageError(f"workflow {key} is not stored in the database")
        return stored[0]


def _read(data: _Data, key: str) -> Cluster:
    """A cluster as read back: with the actor and ref of the entry that made its state."""
    cluster = data.clusters[key]
    last = next(t for t in data.histories[key] if t.seq == cluster.last_seq)
    return replace(
        cluster, last_actor=last.actor, last_ref=last.ref, last_recorded=last.recorded_at
    )


def _contains(key: str | None, text: str | None) -> bool:
    """Whether folded `text` occurs in `key`; an empty text matches everything."""
    wanted = fold(text or "")
    return not wanted or wanted in (key or "")


def _locality_key(locality: str | None) -> str | None:
    return None if locality is None else fold(locality)


class FakeClusterRepository:
    def __init__(self, data: _Data, definitions: FakeDefinitionStore) -> None:
        self.data = data
        self.definitions = definitions

    def get(self, code: str) -> Cluster | None:
        key = code_key(code)
        return _read(self.data, key) if key in self.data.clusters else None

    def existing_codes(self, codes: Iterable[str]) -> dict[str, str]:
        keys = {code_key(c) for c in codes}
        return {k: self.data.clusters[k].code for k in sorted(keys) if k in self.data.clusters}

    def add(self, cluster: Cluster, first: Transition) -> None:
        self.add_many([(cluster, first)])

    def add_many(self, items: Sequence[tuple[Cluster, Transition]]) -> None:
        for cluster, first in items:
            key = code_key(cluster.code)
            self.definitions.get(cluster.workflow)  # the row points at a stored definition
            if key in self.data.clusters:
                raise StorageError(f"duplicate code key {key!r}")  # the unique index
            self.data.clusters[key] = replace(
                cluster, last_actor=None, last_ref=None, last_recorded=None
            )
            self.data.histories[key] = [first]

    def save(self, cluster: Cluster, expected_version: int, transition: Transition) -> None:
        key = code_key(cluster.code)
        stored = self.data.clusters.get(key)
        if stored is None or stored.version != expected_version:
            raise ConcurrentChange(cluster.code, stored.state if stored else "an unknown state")
        entries = self.data.histories[key]
        if any(t.seq == transition.seq for t in entries):
            raise StorageError(f"duplicate seq {transition.seq} for {cluster.code}")
        # Only where the cluster stands: attributes and the definition have their own calls.
        self.data.clusters[key] = replace(
            stored,
            state=cluster.state,
            since=cluster.since,
            since_on=cluster.since_on,
            suspended_from=cluster.suspended_from,
            version=cluster.version,
            last_seq=cluster.last_seq,
            head_hash=cluster.head_hash,
        )
        entries.append(transition)

    def set_attributes(self, cluster: Cluster) -> None:
        key = code_key(cluster.code)
        self.data.clusters[key] = replace(
            self.data.clusters[key], **{k: getattr(cluster, k) for k in ATTRIBUTES}
        )

    def repin(self, cluster: Cluster) -> None:
        self.definitions.get(cluster.workflow)
        key = code_key(cluster.code)
        self.data.clusters[key] = replace(self.data.clusters[key], workflow=cluster.workflow)

    def list(
        self, state: str | None = None, locality: str | None = None, search: str | None = None
    ) -> list[Cluster]:
        found = []
        for key in sorted(self.data.clusters):
            c = self.data.clusters[key]
            locality_key = _locality_key(c.locality)
            search_key = KEY_SEPARATOR.join((fold(c.code), fold(c.name), locality_key or ""))
            if (
                (state is None or c.state == state)
                and _contains(locality_key, locality)
                and _contains(search_key, search)
            ):
                found.append(_read(self.data, key))
        return found

    def in_locality(self, locality: str) -> builtins.list[PlacedCluster]:
        return [
            PlacedCluster(
                c.code,
                c.name,
                c.locality,
                c.state,
                c.suspended_from,
                c.industrial_land_ha,
                c.workflow,
            )
            for c in self.list()
            if c.state != "cancelled" and place_key(c.locality) == place_key(locality)
        ]

    def history(self, code: str) -> builtins.list[Transition]:
        return sorted(self.data.histories.get(code_key(code), []), key=lambda t: t.seq)

    def with_histories(
        self, locality: str | None = None
    ) -> Iterator[tuple[Cluster, builtins.list[Transition]]]:
        for c in self.list(locality=locality):
            yield c, self.history(c.code)


class FakeReportQueries:
    def __init__(self, data: _Data) -> None:
        self.data = data

    def _histories(self) -> Iterator[tuple[Cluster, list[Transition]]]:
        for key, cluster in self.data.clusters.items():
            yield cluster, sorted(self.data.histories[key], key=lambda t: t.seq)

    @staticmethod
    def _is_irregular(entries: Sequence[Transition]) -> bool:
        return any(t.event in IRREGULAR for t in entries)

    def positions(self, as_of: date, locality: str | None = None) -> list[Position]:
        found = []
        for c, entries in self._histories():
            if not _contains(_locality_key(c.locality), locality):
                continue
            then = [t for t in entries if t.effective_on <= as_of]
            if then:
                last = then[-1]
                found.append(
                    Position(c.code, c.name, c.locality, c.workflow, last.to_state,
                             last.effective_on, last.actor, last.ref)
                )  # fmt: skip
        return found

    def irregular(self, locality: str | None = None) -> list[ClusterHistory]:
        return [
            ClusterHistory(c.code, c.name, c.locality, c.workflow, entries)
            for c, entries in self._histories()
            if self._is_irregular(entries) and _contains(_locality_key(c.locality), locality)
        ]

    def dwell_histogram(self, as_of: date) -> list[tuple[str, int, int]]:
        counts: Counter[tuple[str, int]] = Counter()
        for _, entries in self._histories():
            if self._is_irregular(entries):
                continue
            then = [t for t in entries if t.effective_on <= as_of]
            for entered, left in pairwise(then):
                counts[entered.to_state, (left.effective_on - entered.effective_on).days] += 1
        return [(state, days, n) for (state, days), n in counts.items()]

    def histories(self, recorded_before: datetime | None = None) -> list[ClusterHistory]:
        found = []
        for c, entries in self._histories():
            if recorded_before is not None:
                entries = [t for t in entries if t.recorded_at < recorded_before]
            if entries:
                found.append(ClusterHistory(c.code, c.name, c.locality, c.workflow, entries))
        return found

    def rework(self, as_of: date, events: Collection[str]) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for _, entries in self._histories():
            if not self._is_irregular(entries):
                counts.update(
                    t.to_state for t in entries if t.event in events and t.effective_on <= as_of
                )
        return dict(counts)


class FakeUserDirectory:
    def __init__(self, data: _Data, db: FakeDatabase) -> None:
        self.data = data
        self.db = db

    def login(self) -> str:
        return self.db.login

    def login_decides(self) -> bool:
        return self.db.login_decides

    def any(self) -> bool:
        return bool(self.data.users)

    def get(self, name: str) -> User | None:
        return self.data.users.get(name_key(name))

    def by_login(self, login: str) -> User | None:
        return next((u for u in self.data.users.values() if u.login == login), None)

    def list(self) -> list[User]:
        return [self.data.users[k] for k in sorted(self.data.users)]

    def add(self, user: User) -> None:
        key = name_key(user.name)
        stored = replace(user, login=user.login or user.name)
        if key in self.data.users or self.by_login(stored.login or "") is not None:
            raise StorageError(f"user {user.name!r} or login {stored.login!r} already exists")
        self.data.users[key] = stored

    def set_enabled(self, name: str, enabled: bool) -> None:
        key = name_key(name)
        self.data.users[key] = replace(self.data.users[key], enabled=enabled)

    def set_role(self, name: str, role: str) -> None:
        key = name_key(name)
        self.data.users[key] = replace(self.data.users[key], role=role)

    def last_change(self) -> UserChange | None:
        hashed = [c for c in self.data.changes if c.seq is not None]
        return max(hashed, key=lambda c: c.seq or 0, default=None)

    def changes(self) -> builtins.list[UserChange]:
        return list(self.data.changes)

    def record(self, change: UserChange) -> None:
        self.data.changes.append(change)


class FakeAuditQueries:
    def __init__(self, data: _Data) -> None:
        self.data = data

    def chains(self) -> Iterator[tuple[ChainHead, list[Transition]]]:
        for key, c in self.data.clusters.items():
            attributes = {k: getattr(c, k) for k in ATTRIBUTES}
            sha = self.data.definitions[c.workflow][0].sha256
            head = ChainHead(c.code, c.workflow, c.state, c.suspended_from, c.last_seq,
                             c.head_hash, c.since, c.since_on, attributes, sha)  # fmt: skip
            yield head, sorted(self.data.histories[key], key=lambda t: t.seq)

    def _entries(self) -> list[Transition]:
        return [t for entries in self.data.histories.values() for t in entries]

    def heads(self) -> Iterator[tuple[str, int, str]]:
        for key, c in self.data.clusters.items():
            last = max(self.data.histories[key], key=lambda t: t.seq)
            yield c.code, last.seq, last.hash

    def heads_recorded_by(self, moment: datetime) -> Iterator[tuple[str, int, str]]:
        for key, c in self.data.clusters.items():
            then = [t for t in self.data.histories[key] if t.recorded_at <= moment]
            if then:
                last = max(then, key=lambda t: t.seq)
                yield c.code, last.seq, last.hash

    def latest_recorded_at(self) -> datetime | None:
        return max((t.recorded_at for t in self._entries()), default=None)

    def workflows(self) -> list[tuple[str, str, str]]:
        return [(key, d.sha256, d.text) for key, (d, _) in self.data.definitions.items()]

    def targets(self) -> list[tuple[str, str, str]]:
        return [(t.key, t.sha256, t.text) for t, _, _ in self.data.targets]

    def log(self, f: LogFilter) -> Iterator[Transition]:
        # Ties in recorded time go by cluster, then seq: the order the rows were written in
        # for every history these tests build (the SQL store breaks ties by row id).
        entries = sorted(
            enumerate(self._entries()),
            key=lambda item: (item[1].recorded_at, item[0]),
        )
        for _, t in entries:
            if f.since is not None and t.recorded_at < start_of(f.since):
                continue
            if f.until is not None and t.recorded_at >= start_of(f.until + timedelta(days=1)):
                continue
            if f.actor and t.actor != f.actor:
                continue
            if f.code and code_key(t.code) != code_key(f.code):
                continue
            if f.event and t.event != f.event:
                continue
            yield t


class FakeIndicatorStore:
    def __init__(self, data: _Data) -> None:
        self.data = data

    def last(self) -> IndicatorRecord | None:
        return max(self.data.indicators, key=lambda r: r.seq, default=None)

    def add(self, records: Sequence[IndicatorRecord]) -> None:
        taken = {r.seq for r in self.data.indicators}
        for r in records:
            if r.seq in taken:
                raise StorageError(f"duplicate indicator seq {r.seq}")  # the unique index
            taken.add(r.seq)
            self.data.indicators.append(replace(r, code_key=code_key(r.code)))

    def all(self, period: str | None = None, code: str | None = None) -> list[IndicatorRecord]:
        return sorted(
            (r for r in self.data.indicators
             if (period is None or r.period == period)
             and (code is None or code_key(r.code) == code_key(code))),
            key=lambda r: r.seq,
        )  # fmt: skip
