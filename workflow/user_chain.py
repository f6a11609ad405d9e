"""The hash chain over changes to users, and the users table checked against it.

One chain for the whole `user_changes` log, numbered by `seq` from 1; change 1
links to GENESIS and every later change to the hash of the change before it.
Rows written before schema 0006 have no seq and no hash: they are replayed (they
say who was added and disabled) but cannot be verified; verification starts at
the first hashed change. A row without a hash written after that is reported.

Canonical form version 1 (`canon` = 1), a compact JSON array, UTF-8, no ASCII
escaping, hashed with SHA-256; `seq` is a JSON integer, absent values are null,
`recorded_at` is UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (as in chain.py):

    [1, seq, user_name, action, role, login, actor, db_user, recorded_at, prev_hash]

`role` and `login` are the user's role and login after the change; `db_user` is
the login that wrote it (the database login, or the OS login on SQLite).

Replaying the log gives every user's role, login and enabled flag; a `users` row
that disagrees, a user with no `add`, or an added user whose row is gone is
reported by user name. Removing the newest change is seen only through such a
disagreement: nothing outside the log anchors its end.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .audit import Problem
from .chain import utc_text
from .identity import name_key
from .model import GENESIS, User, UserChange

CANON = 1


@dataclass(frozen=True)
class UserProblem(Problem):
    def __str__(self) -> str:
        return f"user {self.code}: {self.reason}"


@dataclass(frozen=True)
class UserState:
    name: str
    role: str | None
    login: str
    enabled: bool


def change_hash(c: UserChange) -> str:
    if c.canon != CANON or c.seq is None:
        return ""  # an unknown form never matches: reported as a changed row
    fields = [CANON, c.seq, c.user_name, c.action, c.role, c.login, c.actor, c.db_user,
              utc_text(c.recorded_at), c.prev_hash]  # fmt: skip
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def next_change(
    last: UserChange | None,
    user_name: str,
    action: str,
    role: str | None,
    login: str,
    actor: str,
    db_user: str,
    recorded_at: datetime,
) -> UserChange:
    """The change after `last` (the newest hashed change), hashed under the current form."""
    seq, prev = (1, GENESIS) if last is None or last.seq is None else (last.seq + 1, last.hash)
    c = UserChange(seq, user_name, action, role, login, actor, recorded_at, db_user, prev, None,
                   CANON)  # fmt: skip
    return replace(c, hash=change_hash(c))


def in_order(changes: Sequence[UserChange]) -> list[UserChange]:
    """Unhashed (older) changes as stored, then the chain by seq."""
    return [c for c in changes if c.seq is None] + sorted(
        (c for c in changes if c.seq is not None), key=lambda c: c.seq or 0
    )


def apply(state: UserState | None, c: UserChange) -> UserState | None:
    """The user after `c`; None when `c` changes a user the log never added."""
    login = c.login or c.user_name  # rows before the chain: the login was the name
    if c.action == "add":
        return UserState(c.user_name, c.role, login, True)
    if state is None:
        return None
    if c.action == "role":
        return replace(state, role=c.role)
    if c.action in ("disable", "enable"):
        return replace(state, enabled=c.action == "enable")
    return state


def replay(changes: Sequence[UserChange]) -> list[tuple[UserChange, UserState | None]]:
    """Each change with the state of its user right after it."""
    states: dict[str, UserState | None] = {}
    out = []
    for c in in_order(changes):
        key = name_key(c.user_name)
        states[key] = apply(states.get(key), c)
        out.append((c, states[key]))
    return out


def _missing(expected: int, seq: int) -> str:
    if seq - expected == 1:
        return f"change {expected} is missing"
    return f"changes {expected}-{seq - 1} are missing"


def check_chain(changes: Sequence[UserChange]) -> list[UserProblem]:
    problems: list[UserProblem] = []
    chained = False
    for c in changes:  # in stored order: an unhashed row after a hashed one is not legacy
        if c.seq is not None:
            chained = True
        elif chained:
            problems.append(UserProblem(c.user_name, None, "a change without a hash, written "
                                        "after the chain began"))  # fmt: skip
    prev_hash: str | None
    expected, prev_hash, prev_ok = 1, GENESIS, True
    for c in in_order(changes):
        if c.seq is None:
            continue
        ok = change_hash(c) == c.hash
        if not ok:
            reason = f"change {c.seq} does not match its hash"
        elif c.seq > expected:
            reason = (
                f"change {c.seq} does not link to the change before it "
                f"({_missing(expected, c.seq)})"
            )
        elif c.seq < expected:
            reason = f"change {c.seq} is repeated"
        elif prev_ok and c.prev_hash != prev_hash:
            reason = f"change {c.seq} does not link to the change before it"
        else:
            reason = ""
        if reason:
            problems.append(UserProblem(c.user_name, c.seq, reason))
        expected, prev_hash, prev_ok = c.seq + 1, c.hash, ok
    return problems


def check_users(changes: Sequence[UserChange], users: Sequence[User]) -> list[UserProblem]:
    """Everything wrong with the change log and the users table, each named by user."""
    problems = check_chain(changes)
    replayed: dict[str, UserState | None] = {}
    for c, state in replay(changes):
        replayed[name_key(c.user_name)] = state
    rows = {name_key(u.name): u for u in users}
    for key in sorted(rows.keys() | replayed.keys()):
        row, state = rows.get(key), replayed.get(key)
        if row is None:
            if state is not None:
                problems.append(UserProblem(state.name, None, "the change log has this user, "
                                            "the users row is gone"))  # fmt: skip
            continue
        if state is None:
            problems.append(UserProblem(row.name, None, "the users row has no change in the "
                                        "log that adds it"))  # fmt: skip
            continue
        if row.name_key is not None and row.name_key != key:
            reason = f"the users row's name_key is {row.name_key!r}, expected {key!r}"
            problems.append(UserProblem(row.name, None, reason))
        said = "enabled" if row.enabled else "disabled"
        gives = "enabled" if state.enabled else "disabled"
        for what, stored, expected in [
            ("role ", row.role, state.role),
            ("", said, gives),
            ("login ", row.login, state.login),
        ]:
            if stored != expected:
                reason = f"the users row says {what}{stored}, its change log gives {expected}"
                problems.append(UserProblem(row.name, None, reason))
    return problems
