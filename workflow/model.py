"""Domain objects: a cluster and one recorded transition of it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

GENESIS = "0" * 64


@dataclass(frozen=True)
class Cluster:
    code: str
    name: str
    state: str
    since: datetime  # effective instant the current state was entered
    since_on: date  # the same, as a date in Vietnam
    workflow: str  # "name@version" of the pinned definition
    locality: str | None = None
    area_ha: float | None = None
    developer: str | None = None
    suspended_from: str | None = None
    version: int = 1
    last_seq: int = 1
    head_hash: str = GENESIS
    # From the entry that made the current state; filled when read back.
    last_actor: str | None = None
    last_ref: str | None = None

    def moved(self, t: Transition, suspended_from: str | None = None) -> Cluster:
        """The cluster after `t`; `suspended_from` is for a revert back into suspension."""
        return replace(
            self,
            state=t.to_state,
            since=t.effective_at,
            since_on=t.effective_on,
            suspended_from=t.from_state if t.event == "suspend" else suspended_from,
            version=self.version + 1,
            last_seq=t.seq,
            head_hash=t.hash,
            last_actor=t.actor,
            last_ref=t.ref,
        )


@dataclass(frozen=True)
class Transition:
    code: str
    seq: int
    event: str
    from_state: str | None
    to_state: str
    effective_at: datetime
    effective_on: date
    recorded_at: datetime
    actor: str
    ref: str | None
    note: str | None
    prev_hash: str
    hash: str
    db_user: str | None = None  # the login that wrote it: DB login, or OS login on SQLite
    canon: int = 1  # canonical form version the hash was computed under (chain.py)
    data: str | None = None  # compact JSON: attributes, amendments, definition switches


@dataclass(frozen=True)
class User:
    name: str
    role: str
    enabled: bool
    created_at: datetime
    created_by: str
    login: str | None = None  # the database login (on SQLite, the OS login) that acts as them


@dataclass(frozen=True)
class UserChange:
    """One entry of the log of changes to users (user_chain.py hashes them)."""

    seq: int | None  # None: written before the chain existed, so never hashed
    user_name: str
    action: str  # add, disable, enable, role
    role: str | None  # the user's role after the change
    login: str | None  # the user's login after the change (None before the chain)
    actor: str
    recorded_at: datetime
    db_user: str | None
    prev_hash: str | None = None
    hash: str | None = None
    canon: int | None = None
