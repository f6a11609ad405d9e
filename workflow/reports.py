"""Supervisor reports: stalled clusters, bottleneck steps and the funnel, on any date."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from states import Definition, Threshold, default_definition

from . import clock, labels
from .errors import InvalidInput, UnknownState
from .ports import Position, UnitOfWork
from .stepclock import clock_on, passages, standing
from .workdays import WorkCalendar

_OVERRIDE = re.compile(r"([a-z_]+)=(\d+)(wd)?")


@dataclass(frozen=True)
class StalledRow:
    code: str
    name: str
    locality: str | None
    state: str
    since: date
    paused_days: int
    days_in_state: int
    working_days_in_state: int
    threshold: int
    unit: str
    overdue: int
    last_actor: str
    last_ref: str | None

    @property
    def ratio(self) -> float:
        count = self.days_in_state if self.unit == "days" else self.working_days_in_state
        return count / self.threshold


@dataclass(frozen=True)
class StepRow:
    """One step of the bottleneck report."""

    state: str
    active: int
    stalled: int
    median_days_active: float | int | None
    completed: int
    median_days_completed: float | int | None
    p90_days_completed: int | None
    rework: int


@dataclass(frozen=True)
class Bottlenecks:
    as_of: date
    bottleneck: str | None  # the step with most stalled clusters
    states: list[StepRow]


@dataclass(frozen=True)
class FunnelRow:
    state: str
    count: int


@dataclass(frozen=True)
class Funnel:
    as_of: date
    states: list[FunnelRow]


def work_calendar(path: str | None = None) -> WorkCalendar:
    """The working-day calendar: national holidays, plus a local calendar file if any."""
    from .workdays import load_calendar

    path = path or default_definition().calendar
    return WorkCalendar(load_calendar(path) if path else None)


def parse_overrides(
    items: Iterable[str], known: Sequence[str] | None = None
) -> dict[str, Threshold]:
    """`STATE=N` (calendar days) or `STATE=Nwd` (working days)."""
    known = default_definition().state_names if known is None else known
    result: dict[str, Threshold] = {}
    for item in items:
        m = _OVERRIDE.fullmatch(item.strip())
        if not m or int(m.group(2)) <= 0:
            raise InvalidInput(
                f"invalid threshold {item!r}: use STATE=N (days) or STATE=Nwd (working days)",
                field="threshold",
            )
        if m.group(1) not in known:
            raise UnknownState(m.group(1), known)
        if m.group(1) in default_definition().terminal:
            raise InvalidInput(
                f"invalid threshold {item!r}: {m.group(1)} is a final state, where nothing "
                "can stall",
                field="threshold",
            )
        result[m.group(1)] = Threshold(int(m.group(2)), "working_days" if m.group(3) else "days")
    return result


class _Judge:
    """Days in state and thresholds for positions, with definitions cached by key."""

    def __init__(
        self,
        uow: UnitOfWork,
        as_of: date,
        overrides: Mapping[str, Threshold],
        calendar: WorkCalendar,
    ) -> None:
        self.uow = uow
        self.as_of = as_of
        self.overrides = overrides
        self.calendar = calendar
        self._defs: dict[str, Definition] = {}

    def definition(self, key: str) -> Definition:
        d = self._defs.get(key)
        if d is None:
            d = self._defs[key] = self.uow.definitions.get(key)
        return d

    def threshold(self, p: Position) -> Threshold | None:
        if p.state in self.overrides:
            return self.overrides[p.state]
        d = self.definition(p.workflow)
        return d.state(p.state).threshold if d.has_state(p.state) else None

    def days(self, p: Position) -> int:
        """Days in the step, suspended days left out."""
        return (self.as_of - p.since_on).days - sum((b - a).days for a, b in p.pauses)

    def stalled(self, p: Position) -> StalledRow | None:
        limit = self.threshold(p)
        if limit is None:
            return None
        paused = sum((b - a).days for a, b in p.pauses)
        days = (self.as_of - p.since_on).days - paused
        working = self.calendar.working_days(p.since_on, self.as_of) - sum(
            self.calendar.working_days(a, b) for a, b in p.pauses
        )
        count = days if limit.unit == "days" else working
        if count <= limit.value:
            return None
        return StalledRow(
            p.code, p.name, p.locality, p.state, p.since_on, paused, days, working,
            limit.value, limit.unit, count - limit.value, p.last_actor, p.last_ref,
        )  # fmt: skip


def positions(uow: UnitOfWork, as_of: date, locality: str | None = None) -> Iterator[Position]:
    """Where every cluster stood on `as_of`, its step clock honest about pauses and reverts.

    Streamed: the walked clusters first, then the others."""
    walked: set[str] = set()
    for h in uow.reports.irregular(locality):
        walked.add(h.code)
        c = clock_on(h.entries, as_of)
        if c is not None:
            yield Position(h.code, h.name, h.locality, h.workflow, c.state, c.since,
                           c.last.actor, c.last.ref, c.pauses, c.resumes_to)  # fmt: skip
    for p in uow.reports.positions(as_of, locality):
        if p.code not in walked:
            yield p


def _state_order(extra: Iterable[str] = ()) -> list[str]:
    """States in the packaged definition's order, others where their own main line
    puts them (`labels.state_order`)."""
    return labels.state_order(extra)


def stalled(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    overrides: Mapping[str, Threshold] | None = None,
    state: str | None = None,
    locality: str | None = None,
    calendar: WorkCalendar | None = None,
) -> list[StalledRow]:
    day = as_of or clock.today()
    with uow:
        if state is not None:
            labels.learn_if_unknown(uow, [state])
            if not labels.known(state):
                raise UnknownState(state, labels.state_names())
        return stalled_in(uow, day, overrides, state=state, locality=locality, calendar=calendar)


def stalled_in(
    uow: UnitOfWork,
    day: date,
    overrides: Mapping[str, Threshold] | None = None,
    *,
    state: str | None = None,
    locality: str | None = None,
    calendar: WorkCalendar | None = None,
) -> list[StalledRow]:
    """`stalled` inside a unit of work the caller has open (a page built from one read)."""
    judge = _Judge(uow, day, overrides or {}, calendar or WorkCalendar())
    rows = [
        row
        for p in positions(uow, day, locality)
        if (state is None or p.state == state) and (row := judge.stalled(p)) is not None
    ]
    rows.sort(key=lambda r: (-r.ratio, r.code))
    return rows


def _at_rank(hist: Counter[int], rank: int) -> int:
    """The value at 1-based `rank` in the sorted values the histogram counts."""
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if seen >= rank:
            return value
    raise ValueError(rank)


def _median(hist: Counter[int]) -> float | int | None:
    total = hist.total()
    if total == 0:
        return None
    m = (_at_rank(hist, (total + 1) // 2) + _at_rank(hist, total // 2 + 1)) / 2
    return int(m) if m.is_integer() else m


def _p90(hist: Counter[int]) -> int | None:
    """Nearest rank: the smallest value with at least 90% of the passages at or below it."""
    total = hist.total()
    return _at_rank(hist, max(1, math.ceil(0.9 * total))) if total else None


def bottlenecks(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    overrides: Mapping[str, Threshold] | None = None,
    calendar: WorkCalendar | None = None,
) -> Bottlenecks:
    day = as_of or clock.today()
    with uow:
        judge = _Judge(uow, day, overrides or {}, calendar or WorkCalendar())
        active: dict[str, Counter[int]] = defaultdict(Counter)
        stalled_count: Counter[str] = Counter()
        workflows: set[str] = set()
        for p in positions(uow, day):
            active[p.state][judge.days(p)] += 1
            if judge.stalled(p) is not None:
                stalled_count[p.state] += 1
            workflows.add(p.workflow)
        dwell: dict[str, Counter[int]] = defaultdict(Counter)
        for state, days, n in uow.reports.dwell_histogram(day):
            dwell[state][days] += n
        # What counts as rework is each definition's to say (Definition.rework_events).
        events = {e for w in workflows for e in judge.definition(w).rework_events}
        rework = Counter(uow.reports.rework(day, events) if events else {})
        labels.learn(judge.definition(w) for w in workflows)
        for h in uow.reports.irregular():
            for state, days in passages(h.entries, day):
                dwell[state][days] += 1
            back = judge.definition(h.workflow).rework_events
            rework.update(
                t.to_state for t in standing(h.entries) if t.event in back and t.effective_on <= day
            )
    states = [
        StepRow(
            state=s,
            active=active[s].total(),
            stalled=stalled_count[s],
            median_days_active=_median(active[s]),
            completed=dwell[s].total(),
            median_days_completed=_median(dwell[s]),
            p90_days_completed=_p90(dwell[s]),
            rework=rework.get(s, 0),
        )
        for s in _state_order([*active, *dwell])
    ]
    worst = max(
        (e for e in states if e.stalled > 0),
        key=lambda e: (e.stalled, e.median_days_active or 0),
        default=None,
    )
    return Bottlenecks(day, worst.state if worst else None, states)


def funnel(uow: UnitOfWork, *, as_of: date | None = None, locality: str | None = None) -> Funnel:
    day = as_of or clock.today()
    with uow:
        return funnel_in(uow, day, locality)


def funnel_in(uow: UnitOfWork, day: date, locality: str | None = None) -> Funnel:
    """`funnel` inside a unit of work the caller has open."""
    counts = Counter(p.state for p in positions(uow, day, locality))
    labels.learn_if_unknown(uow, counts)
    return Funnel(day, [FunnelRow(s, counts[s]) for s in _state_order(counts)])


def dwell_in(uow: UnitOfWork, day: date) -> dict[str, Counter[int]]:
    """Per state, how many completed passages took how many days (paused days left out),
    for passages ended by `day`; inside a unit of work the caller has open."""
    dwell: dict[str, Counter[int]] = defaultdict(Counter)
    for state, days, n in uow.reports.dwell_histogram(day):
        dwell[state][days] += n
    for h in uow.reports.irregular():
        for state, days in passages(h.entries, day):
            dwell[state][days] += 1
    return dwell


def state_order(extra: Iterable[str] = ()) -> list[str]:
    """The default definition's states in order, then any others found, sorted."""
    return _state_order(extra)
