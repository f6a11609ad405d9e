"""Milestones: the dated sub-steps of a state, and the legal deadlines they must meet.

A milestone is an entry of the cluster's chain (event ``milestone``) that moves
nothing: it takes effect at the instant the cluster entered its state, like an
amendment, so effective dates never go back along the chain, and its data holds the
milestone's name and the date it happened. Its clock follows the law:

- counting starts the day after the triggering milestone (Civil Code 2015 Art. 147);
- a limit in days that ends on a day off moves to the next working day (Art. 148);
- a limit in working days counts only working days;
- days while the clock is paused (a dossier returned for completion, a suspension)
  do not count.

Pure: no clock and no storage; the use cases pass in the history and the calendar.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Protocol

from . import clock
from .attributes import to_json
from .errors import DateOutOfRange, InvalidInput, TransitionRefused
from .stepclock import Entry, renamed_states, standing
from .workdays import WorkCalendar

if TYPE_CHECKING:
    from states import Definition, MilestoneDef, StateDef

EVENT = "milestone"


class Noted(Entry, Protocol):
    """A history entry with its data: a `model.Transition` or a `ports.Move`."""

    @property
    def data(self) -> str | None: ...


def milestone_data(name: str, on: date) -> str:
    return to_json({"milestone": name, "on": on.isoformat()})


def recorded(t: Noted) -> tuple[str, date] | None:
    """(name, date) of a milestone entry; None for any other entry."""
    if t.event != EVENT or not t.data:
        return None
    data = json.loads(t.data)
    return data["milestone"], date.fromisoformat(data["on"])


@dataclass(frozen=True)
class Mark:
    """A milestone recorded in the current stay of a state."""

    name: str
    on: date
    ref: str | None
    actor: str


@dataclass(frozen=True)
class Stay:
    """The cluster's current state since it entered it, with what happened in it."""

    state: str
    entered_on: date
    marks: tuple[Mark, ...]  # standing milestone entries, in the order recorded
    suspensions: tuple[tuple[date, date | None], ...]  # (start, end or None when open)

    def last(self, name: str) -> Mark | None:
        return next((m for m in reversed(self.marks) if m.name == name), None)

    @property
    def suspended(self) -> bool:
        return bool(self.suspensions) and self.suspensions[-1][1] is None


def stay(entries: Sequence[Noted], as_of: date | None = None) -> Stay | None:
    """The current stay from a whole history: a suspension and its resume do not end it,
    nor does a definition switch renaming the state; a reverted milestone drops out.
    `as_of`: only what had happened by then."""
    state: str | None = None
    entered = date.min
    marks: list[Mark] = []
    suspensions: list[tuple[date, date | None]] = []
    for t in standing(entries):
        if as_of is not None and t.effective_on > as_of:
            break
        mark = recorded(t)
        if mark is not None:
            if as_of is None or mark[1] <= as_of:
                marks.append(Mark(mark[0], mark[1], t.ref, t.actor))
        elif t.event == "migrate":
            # A definition switch renaming the state (`--map`) keeps the stay and what
            # was recorded in it, as it does the state of a suspended cluster.
            if state is not None:
                state = renamed_states(t).get(state, state)
        elif t.event == "suspend":
            suspensions.append((t.effective_on, None))
        elif t.event == "resume" and suspensions and suspensions[-1][1] is None:
            start = suspensions[-1][0]
            suspensions[-1] = (start, t.effective_on)
            if t.to_state != state:  # resumed elsewhere: a new stay
                state, entered, marks, suspensions = t.to_state, t.effective_on, [], []
        elif t.from_state != t.to_state or t.event == "register":
            state, entered, marks, suspensions = t.to_state, t.effective_on, [], []
    if state is None:
        return None
    return Stay(state, entered, tuple(marks), tuple(suspensions))


def _label(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def check_record(
    d: Definition, code: str, current: Stay, name: str, on: date, today: date
) -> MilestoneDef:
    """The milestone `name` may be recorded on `on` in the cluster's current stay, or a
    refusal that says why."""
    state = current.state
    if current.suspended:
        raise TransitionRefused(
            f"cluster {code} is suspended: resume it before recording milestone {name}",
            code, "suspended", EVENT, (),
        )  # fmt: skip
    sdef = d.state(state) if d.has_state(state) else None
    m = sdef.milestone(name) if sdef else None
    if sdef is None or m is None:
        elsewhere = [s.name for s in d.states if s.milestone(name) is not None]
        here = [x.name for x in sdef.milestones] if sdef else []
        if elsewhere:
            why = f"milestone {name} belongs to {elsewhere[0]}, and cluster {code} is in {state}"
        else:
            why = f"unknown milestone {name!r} for cluster {code} in {state}"
        raise InvalidInput(f"{why} (milestones of {state}: {_label(here)})", field="milestone")
    if on > today:
        raise DateOutOfRange(
            code, f"milestone date {clock.dmy(on)} is in the future (today is {clock.dmy(today)})"
        )
    if on < current.entered_on:
        raise DateOutOfRange(
            code,
            f"milestone date {clock.dmy(on)} is before cluster {code} entered {state} "
            f"on {clock.dmy(current.entered_on)}",
        )
    for a, b in current.suspensions:
        if b is not None and a < on < b:
            raise DateOutOfRange(
                code,
                f"milestone date {clock.dmy(on)} falls while cluster {code} was suspended, "
                f"from {clock.dmy(a)} to {clock.dmy(b)}",
            )
    # An optional milestone (a returned dossier, a parallel step) may be back-filled
    # anywhere in the stay; the others move forward in time.
    latest = max(current.marks, key=lambda k: k.on, default=None)
    if latest is not None and on < latest.on and not m.optional:
        raise DateOutOfRange(
            code,
            f"milestone date {clock.dmy(on)} is before {latest.name}, recorded for "
            f"{clock.dmy(latest.on)}",
        )
    done = current.last(name)
    if done is not None and not (m.pauses or m.resumes):
        raise _refused(
            code, state,
            f"cluster {code} already has milestone {name} on {clock.dmy(done.on)}; "
            "to correct it, revert that entry and record it again",
        )  # fmt: skip
    if not m.optional:
        index = sdef.milestones.index(m)
        after = [x.name for x in sdef.milestones[index + 1 :] if not x.optional]
        later = [k for k in current.marks if k.name in after]
        if later:
            raise _refused(
                code, state,
                f"milestone {name} comes before {later[-1].name}, already recorded for "
                f"cluster {code} on {clock.dmy(later[-1].on)}",
            )  # fmt: skip
    held = _open_pause(sdef, current, name) if m.limit else None
    if held is not None:
        raise _refused(
            code, state,
            f"the clock of {name} is paused since {clock.dmy(held)}; "
            f"record {_resumer(sdef, name)} first",
        )  # fmt: skip
    clock_of = m.pauses or m.resumes
    if clock_of is not None:
        _check_pause_dates(code, state, sdef, current, m, on)
        open_since = _open_pause(sdef, current, clock_of)
        if m.pauses and open_since is not None:
            raise _refused(
                code, state,
                f"the clock of {clock_of} is already paused since {clock.dmy(open_since)}; "
                f"record {_resumer(sdef, clock_of)} first",
            )  # fmt: skip
        if m.resumes and open_since is None:
            raise _refused(
                code, state,
                f"the clock of {clock_of} is not paused: nothing for {name} to resume",
            )  # fmt: skip
    return m


def _check_pause_dates(
    code: str, state: str, sdef: StateDef, current: Stay, m: MilestoneDef, on: date
) -> None:
    """Pauses of one clock follow each other in time: a pause starts after the last one
    ended, a resume is not before its pause."""
    pauses = _pauses(sdef, current, m.pauses or m.resumes or "")
    if not pauses:
        return
    a, b = pauses[-1]
    if m.pauses and b is not None and on < b:
        raise _refused(
            code, state,
            f"milestone date {clock.dmy(on)} is before the last pause of that clock ended "
            f"on {clock.dmy(b)}",
        )  # fmt: skip
    if m.resumes and b is None and on < a:
        raise _refused(
            code, state,
            f"milestone date {clock.dmy(on)} is before the pause it resumes, {clock.dmy(a)}",
        )  # fmt: skip


def _refused(code: str, state: str, message: str) -> TransitionRefused:
    return TransitionRefused(message, code, state, EVENT, ())


def _resumer(sdef: StateDef, clock_of: str) -> str:
    return next(m.name for m in sdef.milestones if m.resumes == clock_of)


def _pauses(sdef: StateDef, current: Stay, clock_of: str) -> list[tuple[date, date | None]]:
    """The pauses of `clock_of`'s clock, in the order recorded; the last may be open."""
    out: list[tuple[date, date | None]] = []
    for mark in current.marks:
        m = sdef.milestone(mark.name)
        if m is None:
            continue
        if m.pauses == clock_of and (not out or out[-1][1] is not None):
            out.append((mark.on, None))
        elif m.resumes == clock_of and out and out[-1][1] is None:
            out[-1] = (out[-1][0], mark.on)
    return out


def _open_pause(sdef: StateDef, current: Stay, clock_of: str) -> date | None:
    pauses = _pauses(sdef, current, clock_of)
    return pauses[-1][0] if pauses and pauses[-1][1] is None else None


Span = tuple[date, date | None]  # a pause (a, b]: days after a up to b; None while open


def due_date(
    start: date,
    value: int,
    unit: str,
    calendar: WorkCalendar,
    pauses: Sequence[tuple[date, date]] = (),
) -> date:
    """The last day of a limit of `value` days or working days counted from `start`.

    Days in (a, b] of a pause (a, b) do not count. A calendar-day limit ending on a
    day off ends on the next working day instead.
    """
    counted = count(start, value, unit, calendar, pauses)
    assert counted is not None  # every pause is closed
    return counted[0]


def count(
    start: date,
    value: int,
    unit: str,
    calendar: WorkCalendar,
    spans: Sequence[Span] = (),
) -> tuple[date, int] | None:
    """(due date, days paused that moved it), counting only pauses that began before
    the limit ran out: a pause or suspension after the due date cannot un-expire it.
    None when a pause still open holds the clock before the limit ran out."""
    merged = _merged(spans)
    day, left, skipped, i = start, value, 0, 0
    while left:
        day += timedelta(days=1)
        while i < len(merged) and (end := merged[i][1]) is not None and end < day:
            i += 1
        if i < len(merged) and merged[i][0] < day:  # day is in the pause (a, b]
            end = merged[i][1]
            if end is None:
                return None
            skipped += (end - day).days + 1
            day, i = end, i + 1
            continue
        if unit == "days" or calendar.is_working(day):
            left -= 1
    while not calendar.is_working(day):
        day += timedelta(days=1)
    return day, skipped


@dataclass(frozen=True)
class Deadline:
    """An open milestone with a legal limit, as the law counts it on `as_of`."""

    milestone: str
    counts_from: str
    started_on: date
    due_on: date
    paused_days: int
    days_left: int  # negative when overdue
    working_days_left: int
    responsible: str | None
    limit: str  # e.g. "25d", "7wd"


def _clipped(spans: Sequence[Span], start: date) -> list[Span]:
    """The spans after `start`; one still open stays open."""
    out: list[Span] = []
    for a, b in spans:
        a = max(a, start)
        if b is None or b > a:
            out.append((a, b))
    return out


def open_deadlines(
    d: Definition, current: Stay, as_of: date, calendar: WorkCalendar
) -> list[Deadline]:
    """The milestones of the current stay now running against a legal limit.

    A milestone is open when its trigger is recorded and neither it nor a later
    milestone of the order is. A clock paused before its limit ran out (the dossier is
    back with the applicant, the cluster suspended) runs against no date, so has no
    row; one paused after it stays overdue.
    """
    if not d.has_state(current.state):
        return []
    sdef = d.state(current.state)
    names = [m.name for m in sdef.milestones]
    done = {k.name for k in current.marks}
    out: list[Deadline] = []
    for i, m in enumerate(sdef.milestones):
        if m.limit is None or m.counts_from is None or m.name in done:
            continue
        trigger = current.last(m.counts_from)
        if trigger is None:
            continue
        if any(n in done and not sdef.milestones[j].optional for j, n in enumerate(names) if j > i):
            continue  # skipped: the dossier has moved past it
        spans = _clipped([*_pauses(sdef, current, m.name), *current.suspensions], trigger.on)
        counted = count(trigger.on, m.limit.value, m.limit.unit, calendar, spans)
        if counted is None:
            continue
        due, paused = counted
        if due >= as_of:
            wd = calendar.working_days(as_of, due)
        else:
            wd = -calendar.working_days(due, as_of)
        out.append(
            Deadline(
                milestone=m.name, counts_from=m.counts_from, started_on=trigger.on, due_on=due,
                paused_days=paused, days_left=(due - as_of).days, working_days_left=wd,
                responsible=m.responsible, limit=str(m.limit),
            )
        )  # fmt: skip
    return out


def _merged(spans: Sequence[Span]) -> list[Span]:
    """Overlapping pauses (a suspension while the dossier was returned) counted once."""
    out: list[Span] = []
    for a, b in sorted(spans, key=lambda x: x[0]):
        last = out[-1][1] if out else None
        if out and (last is None or a <= last):
            out[-1] = (out[-1][0], None if last is None or b is None else max(last, b))
        else:
            out.append((a, b))
    return out


def open_milestones(d: Definition, current: Stay) -> list[MilestoneDef]:
    """The state's milestones not recorded yet: those of the order not passed by a later
    one, and the optional steps that run in parallel (not a pause or resume, which
    happen only when a dossier is returned)."""
    if not d.has_state(current.state):
        return []
    sdef = d.state(current.state)
    done = {k.name for k in current.marks}
    ranks = [i for i, m in enumerate(sdef.milestones) if m.name in done and not m.optional]
    last = max(ranks, default=-1)
    return [
        m
        for i, m in enumerate(sdef.milestones)
        if m.name not in done
        and ((not m.optional and i > last) or (m.optional and not (m.pauses or m.resumes)))
    ]


def as_of_marks(entries: Sequence[Noted], names: Sequence[str], as_of: date) -> dict[str, date]:
    """The date each of `names` was last recorded by `as_of`, in any stay: what a
    report (Circular 14) asks of infrastructure milestones."""
    out: dict[str, date] = {}
    for t in standing(entries):
        mark = recorded(t)
        if mark is not None and mark[0] in names and mark[1] <= as_of:
            out[mark[0]] = mark[1]
    return out


def paused_clocks(d: Definition, current: Stay) -> list[tuple[str, date]]:
    """The clocks of the stay paused now (a dossier back with the applicant), and since."""
    if not d.has_state(current.state):
        return []
    sdef = d.state(current.state)
    done = {k.name for k in current.marks}
    out = []
    for m in sdef.milestones:
        since = _open_pause(sdef, current, m.name) if m.limit and m.name not in done else None
        if since is not None:
            out.append((m.name, since))
    return out


@dataclass(frozen=True)
class MilestoneStatus:
    """A cluster's milestones for `cluster show`."""

    recorded: tuple[tuple[str, date], ...]  # in this stay, in the order recorded
    open: tuple[str, ...]  # neither recorded nor passed by a later one
    paused: tuple[tuple[str, date], ...]  # clocks paused now, and since when
    deadlines: tuple[Deadline, ...]

    @property
    def next_due(self) -> Deadline | None:
        return min(self.deadlines, key=lambda x: (x.due_on, x.milestone), default=None)


def status(
    d: Definition,
    entries: Sequence[Noted],
    as_of: date,
    calendar: WorkCalendar | None = None,
) -> MilestoneStatus:
    current = stay(entries, as_of)
    if current is None:
        return MilestoneStatus((), (), (), ())
    calendar = calendar or WorkCalendar()
    return MilestoneStatus(
        recorded=tuple((m.name, m.on) for m in current.marks),
        open=tuple(m.name for m in open_milestones(d, current)),
        paused=tuple(paused_clocks(d, current)),
        deadlines=tuple(open_deadlines(d, current, as_of, calendar)),
    )
