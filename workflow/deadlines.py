"""Use cases of milestones: record one, and list the legal deadlines they run against."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from states import Definition

from . import clock, milestones
from .access import authorize
from .errors import CcnError, InvalidInput
from .milestones import Deadline, Stay
from .model import Transition
from .ports import UnitOfWork
from .services import _actor, _load, _unchanged_since
from .stepclock import standing
from .validate import clean_text
from .workdays import WorkCalendar

# The milestones a Circular 14/2024 report counts (Form 04 rows 9-12, 26, 27).
INFRASTRUCTURE_MILESTONES = (
    "detailed_plan_approved",
    "infrastructure_project_approved",
    "wastewater_plant_built",
    "wastewater_plant_compliant",
)


def record_milestone(
    uow: UnitOfWork,
    code: str,
    name: str,
    *,
    on: date,
    actor: str,
    ref: str | None = None,
    note: str | None = None,
    started: datetime | None = None,
) -> Transition:
    """Record that milestone `name` of the cluster's state happened on `on`."""
    who = _actor(actor)
    wanted = (name or "").strip()
    ref, note = clean_text(ref, "ref"), clean_text(note, "note")
    started = started or clock.now()
    with uow:
        cluster = _unchanged_since(_load(uow, code), started)
        d = uow.definitions.get(cluster.workflow)
        authorize(uow, d, who, milestones.EVENT, on)
        moved, t = cluster.record_milestone(
            d, wanted, on, actor=who, login=uow.users.login(), now=clock.now(),
            history=uow.clusters.history(cluster.code), ref=ref, note=note,
        )  # fmt: skip
        uow.clusters.save(moved, cluster.version, t)
        uow.commit()
    return t


@dataclass(frozen=True)
class DeadlineRow:
    """One line of `report deadlines`: an open milestone and the date the law sets."""

    code: str
    name: str
    locality: str | None
    state: str
    milestone: str
    counts_from: str
    started_on: date
    due_on: date
    paused_days: int
    days_left: int  # negative when overdue
    working_days_left: int
    responsible: str | None
    # The milestone's (en, vi) labels, if known: presentation, not part of the row's value.
    labels: tuple[str, str] | None = field(default=None, compare=False)

    def label(self, lang: str) -> str:
        """The milestone in `lang`: its label in the cluster's definition, else its name."""
        if self.labels is None:
            return self.milestone
        return self.labels[1] if lang == "vi" else self.labels[0]


def milestone_labels(d: Definition, state: str, name: str) -> tuple[str, str] | None:
    """(en, vi) labels of milestone `name` of `state` in definition `d`, if it has one."""
    m = d.state(state).milestone(name) if d.has_state(state) else None
    return None if m is None else (m.label_en, m.label_vi)


@dataclass(frozen=True)
class Window:
    """`--within N` (calendar days) or `--within Nwd` (working days) from the as-of date."""

    value: int
    working: bool

    def holds(self, row: DeadlineRow) -> bool:
        left = row.working_days_left if self.working else row.days_left
        return left <= self.value


_WITHIN = re.compile(r"(\d+)(wd)?")


def parse_within(text: str) -> Window:
    m = _WITHIN.fullmatch((text or "").strip())
    if m is None:
        raise InvalidInput(
            f"invalid --within {text!r}: use N (days) or Nwd (working days)", field="within"
        )
    return Window(int(m.group(1)), bool(m.group(2)))


class _Definitions:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self._cache: dict[str, Definition] = {}

    def __call__(self, key: str) -> Definition:
        if key not in self._cache:
            self._cache[key] = self.uow.definitions.get(key)
        return self._cache[key]


def pinned_on(entries: Sequence[Transition], workflow: str, day: date) -> str:
    """The definition a cluster was pinned to on `day`. A `migrate` entry takes effect
    when it was recorded (its effective date is the state's start), so the chain tells
    when the cluster switched; `workflow` is the one it is pinned to now."""
    moves = [(clock.local_date(t.recorded_at), json.loads(t.data)) for t in standing(entries)
             if t.event == "migrate" and t.data]  # fmt: skip
    for switched, data in reversed(moves):
        if switched <= day:
            return str(data.get("workflow", workflow))
    if moves:
        return str(moves[0][1].get("from_workflow", workflow))
    return workflow


def deadlines(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    within: Window | None = None,
    overdue: bool = False,
    locality: str | None = None,
    calendar: WorkCalendar | None = None,
    problems: list[str] | None = None,
) -> list[DeadlineRow]:
    """Every open milestone with a legal limit on `as_of` (default today), by due date
    then code. Each cluster is judged by the definition it was pinned to on `as_of`.

    A cluster whose definition cannot be used (altered in the database) is left out and
    named in `problems`, so that one bad cluster does not hide everyone's deadlines;
    without `problems` its error is raised."""
    from .reports import work_calendar

    day = as_of or clock.today()
    cal = calendar or work_calendar()
    rows: list[DeadlineRow] = []
    with uow:
        definition = _Definitions(uow)
        # Every cluster with a milestone entry is among the irregular ones (stepclock).
        for h in uow.reports.irregular(locality):
            current = milestones.stay(h.entries, day)
            if current is None:
                continue
            try:
                key = h.workflow
                if any(t.event == "migrate" for t in h.entries):  # few: read them whole
                    key = pinned_on(uow.clusters.history(h.code), h.workflow, day)
                d = definition(key)
                found = milestones.open_deadlines(d, current, day, cal)
            except (CcnError, OverflowError) as exc:
                if problems is None:
                    raise
                problems.append(f"cluster {h.code} left out: {exc}")
                continue
            rows.extend(_row(h.code, h.name, h.locality, current, dl, d) for dl in found)
    rows = [r for r in rows if (not overdue or r.days_left < 0)]
    if within is not None:
        rows = [r for r in rows if within.holds(r)]
    rows.sort(key=lambda r: (r.due_on, r.code, r.milestone))
    return rows


def _row(
    code: str, name: str, locality: str | None, current: Stay, dl: Deadline, d: Definition
) -> DeadlineRow:
    return DeadlineRow(
        code=code, name=name, locality=locality, state=current.state, milestone=dl.milestone,
        counts_from=dl.counts_from, started_on=dl.started_on, due_on=dl.due_on,
        paused_days=dl.paused_days, days_left=dl.days_left,
        working_days_left=dl.working_days_left, responsible=dl.responsible,
        labels=milestone_labels(d, current.state, dl.milestone),
    )  # fmt: skip


def milestone_dates(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    names: Iterable[str] = INFRASTRUCTURE_MILESTONES,
    codes: Iterable[str] | None = None,
) -> dict[str, dict[str, date]]:
    """For each cluster with any of `names` recorded by `as_of`: the date each was last
    recorded (a reverted one left out). Clusters without any are absent."""
    day = as_of or clock.today()
    wanted = tuple(names)
    only = None if codes is None else {c.strip().casefold() for c in codes}
    out: dict[str, dict[str, date]] = {}
    with uow:
        for h in uow.reports.irregular():
            if only is not None and h.code.casefold() not in only:
                continue
            found = milestones.as_of_marks(h.entries, wanted, day)
            if found:
                out[h.code] = found
    return out
