"""Who could record what, when: each entry checked against its actor's role at the time.

A hand-written entry can carry a perfect hash, and on PostgreSQL even the login of
its actor, yet still claim a step that actor's role never allowed. The roles come
from replaying the hash-chained log of user changes up to the entry's recorded time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime

from states import Definition

from . import clock
from .access import BACKDATE_ROLE
from .identity import name_key
from .model import Transition, UserChange
from .user_chain import UserState, replay


class Roles:
    """Each user's state over time, from the log of user changes."""

    def __init__(self, changes: Sequence[UserChange]) -> None:
        self._times: dict[str, list[datetime]] = {}
        self._states: dict[str, list[UserState | None]] = {}
        self.since: datetime | None = None  # users exist from then on: roles apply
        for c, state in replay(changes):
            key = name_key(c.user_name)
            self._times.setdefault(key, []).append(c.recorded_at)
            self._states.setdefault(key, []).append(state)
            if self.since is None or c.recorded_at < self.since:
                self.since = c.recorded_at

    def of(self, actor: str, moment: datetime) -> list[UserState | None]:
        """The user's possible states at `moment`: the one in force just before it, and
        any set at that very instant, whose order against the entry is unknown."""
        key = name_key(actor)
        times = self._times.get(key, [])
        lo, hi = bisect_left(times, moment), bisect_right(times, moment)
        states = self._states.get(key, [])
        return ([states[lo - 1]] if lo else [None]) + states[lo:hi]


def overreach(d: Definition, t: Transition, roles: Roles) -> str | None:
    """Why `t`'s actor could not record it when it was recorded, or None."""
    back = (clock.local_date(t.recorded_at) - dated_on(t)).days
    return refusal(d, t.event, t.actor, t.recorded_at, roles, back)


def refusal(
    d: Definition,
    event: str,
    actor: str,
    moment: datetime,
    roles: Roles,
    back: int = 0,
    doing: str | None = None,
) -> str | None:
    """Why `actor` could not record `event` (`back` days back) at `moment`, or None;
    `doing` names the event in the reason."""
    if roles.since is None or moment < roles.since:
        return None  # single-user mode then: anyone could do anything
    reasons = [
        _why_not(d, event, actor, back, doing or event, user) for user in roles.of(actor, moment)
    ]
    return None if None in reasons else reasons[0]


def _why_not(
    d: Definition, event: str, actor: str, back: int, doing: str, user: UserState | None
) -> str | None:
    if user is None:
        return f"actor {actor} was not a user when this was recorded"
    if not user.enabled:
        return f"actor {actor} was disabled when this was recorded"
    if user.role not in d.roles_for(event):
        return f"actor {actor} ({user.role}) may not {doing}"
    if back > d.backdate_limit_days and user.role != BACKDATE_ROLE:
        return f"actor {actor} ({user.role}) may not record {back} days back"
    return None


def dated_on(t: Transition) -> date:
    """The day an entry says something happened: a milestone's own date, else when it
    took effect. An entry that moves nothing (an amendment, a definition switch, the
    revert of a milestone) takes effect at its state's start, so is dated when recorded."""
    from .milestones import recorded

    mark = recorded(t)
    if mark is not None:
        return mark[1]
    if t.from_state == t.to_state:
        return clock.local_date(t.recorded_at)
    return t.effective_on
