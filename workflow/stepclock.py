"""Time in a step, as only the world can move it.

A step starts when a cluster enters a state by `register`, `advance` or
`send_back` (or `resume --to` into a state it never held). `suspend`/`resume`
pause the step's clock without restarting it, and a reverted entry counts as if
it had never been made: it and its `revert` drop out of every clock and report.
Entries that leave the state unchanged (an amendment, a definition switch) do
not touch the clock either, and a definition switch that renames the state
(`workflow migrate --map`) renames the step without restarting it: the stay is one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol, TypeVar, cast

from .attributes import renames_in
from .workdays import WorkCalendar

# Clusters whose history holds one of these need the walk below; for every other
# cluster the last entry alone says when its step began. `amend` and `migrate`
# record what a cluster is, not where it stands.
# A milestone takes effect at its state's start without moving: walked too, so that
# no report reads it as a stay of its own.
IRREGULAR = ("suspend", "resume", "revert", "amend", "migrate", "milestone")


class Entry(Protocol):
    """What the clock reads of a history entry: a `model.Transition` or a `ports.Move`."""

    @property
    def event(self) -> str: ...
    @property
    def from_state(self) -> str | None: ...
    @property
    def to_state(self) -> str: ...
    @property
    def effective_on(self) -> date: ...
    @property
    def actor(self) -> str: ...
    @property
    def ref(self) -> str | None: ...
    @property
    def data(self) -> str | None: ...


E = TypeVar("E", bound=Entry)


def standing(entries: Sequence[E]) -> list[E]:
    """The entries that stand: without reverted entries and without the reverts.

    A revert undoes the entry just before it, which may itself be a revert (so
    reverting a revert restores the entry it undid).
    """
    alive = _alive([t.event for t in entries])
    return [t for t, ok in zip(entries, alive, strict=True) if ok and t.event != "revert"]


def _alive(events: Sequence[str]) -> list[bool]:
    alive = [True] * len(events)
    for i in range(len(events) - 1, 0, -1):
        if alive[i] and events[i] == "revert":
            alive[i - 1] = False
    return alive


def revert_effect(entries: Sequence[E]) -> tuple[list[E], list[E]]:
    """What one more revert after `entries` would do: the entries it takes away, and
    those it brings back (reverting a revert restores what that revert undid)."""
    events = [t.event for t in entries]
    before = _alive(events)
    after = _alive([*events, "revert"])[:-1]
    undone = [t for t, b, a in zip(entries, before, after, strict=True) if b and not a]
    back = [t for t, b, a in zip(entries, before, after, strict=True) if a and not b]
    return ([t for t in undone if t.event != "revert"], [t for t in back if t.event != "revert"])


@dataclass(frozen=True)
class StepClock:
    """Where a cluster stood on a date and since when, with the pauses of its step."""

    state: str
    since: date  # the step was entered (the suspension began, when suspended)
    pauses: tuple[tuple[date, date], ...]  # closed suspensions of the (waiting) step
    last: Entry  # the entry that put the cluster where it stands
    waiting: StepClock | None = None  # suspended: the step that resumes

    @property
    def resumes_to(self) -> str | None:
        return self.waiting.state if self.waiting else None

    def paused_days(self) -> int:
        return sum((end - start).days for start, end in self.pauses)

    def days(self, as_of: date) -> int:
        return (as_of - self.since).days - self.paused_days()

    def working_days(self, as_of: date, calendar: WorkCalendar) -> int:
        paused = sum(calendar.working_days(start, end) for start, end in self.pauses)
        return calendar.working_days(self.since, as_of) - paused


def clock_on(entries: Sequence[Entry], as_of: date) -> StepClock | None:
    """The step clock on `as_of` from a whole history; None if not yet registered."""
    clock: StepClock | None = None
    for t in standing(entries):
        if t.effective_on > as_of:
            break
        clock = _next(clock, t)
    return clock


def _next(clock: StepClock | None, t: Entry) -> StepClock:
    if clock is not None and t.event == "migrate":
        return _renamed(clock, renamed_states(t))
    if clock is not None and t.from_state == t.to_state:
        return clock  # not a move
    if t.event == "suspend" and clock is not None:
        return _suspended(clock, t)
    step = clock.waiting if clock is not None else None
    if t.event == "resume" and step is not None and step.state == t.to_state:
        # `step` came from `clock`, so `clock` is not None here.
        pause = (_suspended_since(cast(StepClock, clock)), t.effective_on)
        return StepClock(step.state, step.since, (*step.pauses, pause), t)
    return StepClock(t.to_state, t.effective_on, (), t)


def renamed_states(t: Entry) -> dict[str, str]:
    """Old name -> new name of the states a `migrate` entry renamed (none for others)."""
    found = renames_in(t)
    if t.event == "migrate" and t.from_state is not None and t.from_state != t.to_state:
        found.setdefault(t.from_state, t.to_state)
    return found


def _renamed(clock: StepClock, renames: dict[str, str]) -> StepClock:
    """`clock` with its step (and the step a suspension waits to resume) renamed."""
    if not renames:
        return clock
    waiting = _renamed(clock.waiting, renames) if clock.waiting is not None else None
    return replace(clock, state=renames.get(clock.state, clock.state), waiting=waiting)


def _suspended(step: StepClock, t: Entry) -> StepClock:
    """A suspension of `step`: one stay with every earlier suspension of the same step.

    Resuming and suspending again the same day must not restart the suspended clock,
    so the stay runs from the step's first suspension, and the days the step ran
    between its suspensions are the ones left out.
    """
    if not step.pauses:
        return StepClock("suspended", t.effective_on, (), t, waiting=step)
    ran = [(a[1], b[0]) for a, b in itertools.pairwise(step.pauses)]
    ran.append((step.pauses[-1][1], t.effective_on))
    return StepClock("suspended", step.pauses[0][0], tuple(ran), t, waiting=step)


def _suspended_since(clock: StepClock) -> date:
    """When the current suspension began."""
    return clock.pauses[-1][1] if clock.pauses else clock.since


def passages(entries: Sequence[Entry], as_of: date) -> Iterator[tuple[str, int]]:
    """(state, days) of each stay ended by `as_of`, paused days left out of a step.

    A step ends when the cluster leaves it by a move of its own; a stay in
    `suspended` ends on whatever move leaves it.
    """
    clock: StepClock | None = None
    for t in standing(entries):
        if t.effective_on > as_of:
            break
        after = _next(clock, t)
        if clock is not None and after is not clock and t.event != "migrate":
            if clock.state == "suspended":
                yield "suspended", (t.effective_on - _suspended_since(clock)).days
            elif after.state != "suspended":
                yield clock.state, clock.days(t.effective_on)
        clock = after
