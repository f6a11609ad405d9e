"""What the use cases need from storage. `db/` implements these."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, NamedTuple, Protocol, Self

from states import Definition
from states.targets import TargetSet

from .indicators import IndicatorRecord
from .milestones import Noted
from .model import Cluster, Transition, User, UserChange


class PlacedCluster(NamedTuple):
    """A cluster row as the Art. 8.1(c) test reads it: no history, no chain."""

    code: str
    name: str
    locality: str | None
    state: str
    suspended_from: str | None
    industrial_land_ha: float | None
    workflow: str  # the definition it is pinned to (name@version)


class ClusterRepository(Protocol):
    def get(self, code: str) -> Cluster | None:
        """The cluster whose code matches `code` ignoring case."""

    def existing_codes(self, codes: Iterable[str]) -> dict[str, str]:
        """Map case-folded key -> stored code for those of `codes` already present."""

    def add(self, cluster: Cluster, first: Transition) -> None: ...

    def add_many(self, items: Sequence[tuple[Cluster, Transition]]) -> None: ...

    def save(self, cluster: Cluster, expected_version: int, transition: Transition) -> None:
        """Store the moved cluster and its new history entry together.

        Raises ConcurrentChange when the stored version is no longer
        `expected_version`.
        """

    def set_attributes(self, cluster: Cluster) -> None:
        """Store the cluster's attributes (name, locality, area, developer) as given."""

    def repin(self, cluster: Cluster) -> None:
        """Point the cluster row at the stored definition `cluster.workflow`."""

    def list(
        self, state: str | None = None, locality: str | None = None, search: str | None = None
    ) -> list[Cluster]:
        """Clusters by code; `locality` and `search` (code, name or locality) match folded
        text anywhere, ignoring case and accents (workflow/text.py `fold`)."""

    def history(self, code: str) -> builtins.list[Transition]: ...

    def in_locality(self, locality: str) -> builtins.list[PlacedCluster]:
        """The clusters not cancelled in the locality `locality` names (the same
        workflow/text.py `place_key`; none stored counts as ""), by code: what the
        Art. 8.1(c) test reads today."""

    def with_histories(
        self, locality: str | None = None
    ) -> Iterator[tuple[Cluster, builtins.list[Transition]]]:
        """Every cluster (matching `locality` as `list` does) with its whole history, in
        no particular order, streamed a cluster at a time."""


class DefinitionStore(Protocol):
    def pin(self, definition: Definition) -> None:
        """Store the definition text once, refusing a changed text under the same version."""

    def get(self, key: str) -> Definition: ...

    def stored(self) -> builtins.list[StoredDefinition]:
        """Every definition in the database, oldest first, with its clusters counted."""


@dataclass(frozen=True)
class StoredDefinition:
    workflow: str  # name@version
    sha256: str
    stored_at: datetime
    clusters: int  # pinned to it now


class TargetStore(Protocol):
    """Installed targets files: append-only, one text per name and version."""

    def install(self, targets: TargetSet, actor: str) -> bool:
        """Store the file; False when the same text is already stored under its version.

        Raises InvalidInput when the version is stored with a different text."""

    def stored(self) -> builtins.list[StoredTargets]:
        """Every installed file, oldest first."""

    def current(self) -> TargetSet | None:
        """The file installed last: the province's targets now."""


class OccupancySource(Protocol):
    """Occupancy (%, Decree 32 Art. 2.7) per cluster code as last measured on or before
    a date; a cluster without a measurement maps to None or is absent. The database's
    is `occupancy.recorded_occupancy`, from the Form 02 records."""

    def __call__(self, as_of: date) -> Mapping[str, float | None]: ...


@dataclass(frozen=True)
class StoredTargets:
    targets: str  # name@version
    sha256: str
    stored_at: datetime
    installed_by: str
    count: int  # targets in the file
    current: bool


@dataclass(frozen=True)
class Position:
    """Where a cluster stood on a date, from the history's effective dates."""

    code: str
    name: str
    locality: str | None
    workflow: str
    state: str
    since_on: date  # when the step began (the suspension, when suspended)
    last_actor: str
    last_ref: str | None
    pauses: tuple[tuple[date, date], ...] = ()  # suspensions within the step
    resumes_to: str | None = None


class Move(NamedTuple):
    """A history entry as the step clock reads it (`stepclock.Entry`), and no more."""

    event: str
    from_state: str | None
    to_state: str
    effective_on: date
    actor: str
    ref: str | None
    data: str | None = None  # what a milestone entry notes (milestones.py)


@dataclass(frozen=True)
class ClusterHistory:
    code: str
    name: str
    locality: str | None
    workflow: str
    entries: Sequence[Noted]  # Moves from the database; whole Transitions will do


class ReportQueries(Protocol):
    """Set-oriented queries. The plain ones judge a cluster by its last entry, which is
    right for every cluster whose history holds none of `stepclock.IRREGULAR`
    (suspend, resume, revert, amend, migrate); those few come whole from
    `irregular` and are walked in `workflow.stepclock`."""

    def positions(self, as_of: date, locality: str | None = None) -> Iterable[Position]:
        """Each cluster registered by `as_of`, in the state its last entry then gave."""

    def irregular(self, locality: str | None = None) -> Iterable[ClusterHistory]:
        """The whole history of each cluster with an entry of `stepclock.IRREGULAR`."""

    def dwell_histogram(self, as_of: date) -> list[tuple[str, int, int]]:
        """(state, calendar days spent, passages) for passages ended by `as_of`,
        over the clusters that `irregular` leaves out."""

    def rework(self, as_of: date, events: Collection[str]) -> dict[str, int]:
        """Entries of `events` (the definitions' rework events) into each state by `as_of`,
        over the clusters `irregular` leaves out."""

    def histories(self, recorded_before: datetime | None = None) -> Iterable[ClusterHistory]:
        """Every cluster's whole history, streamed cluster by cluster; only the entries
        recorded before `recorded_before` when given (what was known then)."""


class UserDirectory(Protocol):
    def login(self) -> str:
        """Who is writing: the database login, or the OS login where the DB has none."""

    def login_decides(self) -> bool:
        """True where the login, not a claim, decides who acts: PostgreSQL, bar superusers."""

    def any(self) -> bool: ...

    def get(self, name: str) -> User | None:
        """The user whose name matches `name` ignoring case and Unicode normal form."""

    def by_login(self, login: str) -> User | None: ...

    def list(self) -> list[User]: ...

    def add(self, user: User) -> None: ...

    def set_enabled(self, name: str, enabled: bool) -> None: ...

    def set_role(self, name: str, role: str) -> None: ...

    def last_change(self) -> UserChange | None:
        """The newest hashed change, which the next one links to."""

    def changes(self) -> builtins.list[UserChange]:
        """The whole change log as stored (by row id)."""

    def record(self, change: UserChange) -> None:
        """Append to the log of user changes."""


@dataclass(frozen=True)
class ChainHead:
    """A cluster row as stored, for verifying its chain."""

    code: str
    workflow: str
    state: str
    suspended_from: str | None
    last_seq: int
    head_hash: str
    since: datetime | None = None
    since_on: date | None = None
    attributes: dict[str, Any] | None = None  # attributes.ATTRIBUTES as stored
    workflow_sha256: str | None = None  # of the definition the row points at
    keys: tuple[str, str | None, str] | None = None  # code_key, locality_key, search_key
    # Each entry's own stored code, in seq order (None where a store keeps none): it must
    # be the cluster's, or a report reading it would file the entry under another cluster.
    entry_codes: tuple[str | None, ...] | None = None


@dataclass(frozen=True)
class LogFilter:
    since: date | None = None
    until: date | None = None
    actor: str | None = None
    code: str | None = None
    event: str | None = None
    mismatch: bool = False  # only entries whose actor is not the login's user


class AuditQueries(Protocol):
    def chains(self) -> Iterator[tuple[ChainHead, list[Transition]]]:
        """Every cluster with its whole history, streamed cluster by cluster."""

    def heads(self) -> Iterator[tuple[str, int, str]]:
        """(code, seq, hash) of each cluster's last entry."""

    def heads_recorded_by(self, moment: datetime) -> Iterator[tuple[str, int, str]]:
        """(code, seq, hash) of each cluster's last entry recorded at or before `moment`."""

    def latest_recorded_at(self) -> datetime | None: ...

    def workflows(self) -> list[tuple[str, str, str]]:
        """(name@version, stored sha256, stored text) of every stored definition."""

    def targets(self) -> list[tuple[str, str, str]]:
        """(name@version, stored sha256, stored text) of every installed targets file."""

    def log(self, f: LogFilter) -> Iterator[Transition]: ...


class IndicatorStore(Protocol):
    """Form 02 records: append-only, one hash chain in `seq` order (workflow/indicators.py)."""

    def last(self) -> IndicatorRecord | None:
        """The record with the highest seq, which the next one links to."""

    def add(self, records: Sequence[IndicatorRecord]) -> None: ...

    def all(self, period: str | None = None, code: str | None = None) -> list[IndicatorRecord]:
        """Records by seq; `code` matches ignoring case."""


class UnitOfWork(Protocol):
    # Read-only, so that an implementation may declare its own concrete stores.
    @property
    def clusters(self) -> ClusterRepository: ...
    @property
    def definitions(self) -> DefinitionStore: ...
    @property
    def reports(self) -> ReportQueries: ...
    @property
    def users(self) -> UserDirectory: ...
    @property
    def audit(self) -> AuditQueries: ...
    @property
    def targets(self) -> TargetStore: ...
    @property
    def indicators(self) -> IndicatorStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
