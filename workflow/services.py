"""Use cases: each one is a single unit of work, committed whole or not at all."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from states import Definition, default_definition

from . import clock, labels, rules
from .access import authorize
from .attributes import ATTRIBUTES, LATER_FACTS, facts_from
from .batch import collector_paused
from .commands import NewCluster, Step
from .engine import engine_for
from .errors import (
    CcnError,
    ConcurrentChange,
    DuplicateCluster,
    ImportRejected,
    InvalidInput,
    StorageError,
    UnknownCluster,
    UnknownState,
)
from .milestones import MilestoneStatus
from .model import Cluster, Transition
from .ports import StoredDefinition, UnitOfWork
from .stepclock import Entry, clock_on, standing
from .validate import (
    check_land,
    clean_area,
    clean_attribute,
    clean_code,
    clean_text,
    code_key,
)
from .workdays import WorkCalendar

if TYPE_CHECKING:
    from .dashboard import Dashboard, DeadlineItem, TargetItem
    from .outlook import backtest, forecast, install_targets, stored_targets, target_report

# The outlook and the page are loaded when first used: every command imports this
# module, and `cluster import` of a few thousand rows must not pay for the forecasts.
_LATER = {"Dashboard": "dashboard", "DeadlineItem": "dashboard", "TargetItem": "dashboard",
          "backtest": "outlook", "forecast": "outlook", "install_targets": "outlook",
          "stored_targets": "outlook", "target_report": "outlook"}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LATER:
        import importlib

        return getattr(importlib.import_module(f".{_LATER[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ClusterView", "Dashboard", "DeadlineItem", "ExportRow", "NewCluster", "Step", "TargetItem",
    "advance", "amend", "apply_steps", "backtest", "cancel", "dashboard", "export_clusters",
    "forecast", "history", "import_clusters", "install_targets", "list_clusters", "migrate",
    "page_deadlines", "page_targets", "register", "resume", "revert", "send_back", "show",
    "stored_targets", "suspend", "target_report",
]  # fmt: skip


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    since: date  # when the step began (the suspension, when suspended)
    paused_days: int
    days_in_state: int  # suspended days left out
    allowed: tuple[str, ...]
    next_state: str | None
    resumes_to: str | None
    milestones: MilestoneStatus | None = None  # `show` only


def _actor(actor: str) -> str:
    value = clean_text(actor, "actor")
    if value is None:
        raise InvalidInput("actor is required (use --actor or CCN_ACTOR)", field="actor")
    return value


def register(
    uow: UnitOfWork, new: NewCluster, *, actor: str, definition: Definition | None = None
) -> Cluster:
    d = definition or default_definition()
    who = _actor(actor)
    Cluster.register(d, new, actor=who, login="", now=clock.now())  # refuse bad input early
    with uow:
        d = definition or packaged(uow)
        authorize(uow, d, who, "register", new.since)
        login = uow.users.login()
        cluster, first = Cluster.register(d, new, actor=who, login=login, now=clock.now())
        uow.definitions.pin(d)
        existing = uow.clusters.existing_codes([cluster.code])
        if existing:
            raise DuplicateCluster(cluster.code, next(iter(existing.values())))
        uow.clusters.add(cluster, first)
        uow.commit()
    return cluster


def packaged(uow: UnitOfWork) -> Definition:
    """The definition new clusters are pinned to: the packaged one, or the earlier text of
    the same version a database already holds (states/loader.py EARLIER_REVISIONS).

    A version's text is stored once and never replaced, so a database that stored an
    earlier revision keeps registering against it: every cluster of one version follows
    one text. Its milestones come by installing them as a new version and migrating.
    """
    d = default_definition()
    try:
        return uow.definitions.get(d.key)  # refuses any text that is not a known revision
    except StorageError:
        return d  # not stored yet


SUSPENDED_ON_IMPORT = "suspended when imported"  # the reason on the suspend entry import adds


def import_clusters(
    uow: UnitOfWork,
    rows: Sequence[tuple[int, NewCluster]],
    *,
    actor: str,
    dry_run: bool = False,
    definition: Definition | None = None,
    problems: Sequence[str] = (),
    flagged: Mapping[int, set[str]] | None = None,
) -> int:
    """Register many clusters at once: all of them, or none if any row is bad.

    Every problem of every row is listed; `problems` are those found reading the file,
    and `flagged` the (line, columns) they cover, which are not checked again. A row
    with `resumes_to` is registered in that state and suspended at once, so that it
    resumes where it left off.
    """
    who = _actor(actor)
    flagged = flagged or {}
    with collector_paused(), uow:
        d = definition or packaged(uow)
        dates = [new.since for _, new in rows if new.since is not None]
        authorize(uow, d, who, "import", min(dates) if dates else None)
        # Stamped once the write lock is held: a checkpoint taken meanwhile never sees
        # entries recorded "before" it that it could not yet read.
        now = clock.now()
        login = uow.users.login()
        found: list[str] = list(problems)
        prepared: list[tuple[Cluster, Transition]] = []
        then: list[tuple[Cluster, int, Transition]] = []  # suspend entries to add after
        seen: dict[str, int] = {}
        lines: list[tuple[int, str]] = []  # line and code key of each prepared cluster
        for line, new in rows:
            # Duplicates are checked on the raw code, so a row with other problems still
            # reveals them: every problem is listed at once.
            key = code_key(new.code or "")
            duplicate = key in seen
            if duplicate:
                code = (new.code or "").strip()
                found.append(f"line {line}: duplicate code {code!r} (also on line {seen[key]})")
            else:
                seen[key] = line
            skip = set(flagged.get(line, ()))
            mine = _row_problems(d, new, now, skip)
            found += [f"line {line}: {p}" for p in mine]
            if mine or skip:
                continue
            try:
                item, suspend = _imported(d, new, who, login, now)
            except CcnError as exc:
                found.append(f"line {line}: {exc}")
                continue
            if not duplicate:
                if suspend is not None:
                    then.append((suspend[0], item[0].version, suspend[1]))
                prepared.append(item)
                lines.append((line, key))
        if not rows and not found:
            found.append("no clusters in the file")
        existing = uow.clusters.existing_codes([c.code for c, _ in prepared])
        for (cluster, _), (line, key) in zip(prepared, lines, strict=True):
            stored = existing.get(key)
            if stored is not None:
                found.append(
                    f"line {line}: cluster {cluster.code!r} already exists (as {stored!r})"
                )
        if found:
            # Stable: a line's problems keep the order of its columns.
            found.sort(
                key=lambda p: int(p.split(":")[0].split()[-1]) if p.startswith("line ") else 0
            )
            raise ImportRejected(found)
        if dry_run:
            return len(prepared)
        uow.definitions.pin(d)
        uow.clusters.add_many(prepared)
        for moved, version, t in then:
            uow.clusters.save(moved, version, t)
        uow.commit()
    return len(prepared)


def _row_problems(d: Definition, new: NewCluster, now: datetime, skip: set[str]) -> list[str]:
    """Every problem of one import row, column by column, then across columns."""
    out: list[str] = []

    def check(column: str, test: Callable[[], Any]) -> Any:
        if column in skip:
            return None
        try:
            return test()
        except CcnError as exc:
            out.append(str(exc))
            skip.add(column)
            return None

    code = check("code", lambda: clean_code(new.code))
    check("name", lambda: clean_text(new.name, "name", required=True))
    check("locality", lambda: clean_text(new.locality, "locality"))
    check("developer", lambda: clean_text(new.developer, "developer"))
    ref = check("ref", lambda: clean_text(new.ref, "ref"))
    note = check("note", lambda: clean_text(new.note, "note"))
    area = check("area_ha", lambda: clean_area(new.area_ha))
    facts = {f: check(f, partial(clean_attribute, f, getattr(new, f))) for f in LATER_FACTS}
    state = (new.state or "").strip() or d.initial
    check("state", lambda: _known_state(d, state))
    if new.resumes_to:
        check("resumes_to", lambda: _resumable(d, state, new.resumes_to or ""))
    check("since", lambda: rules.effective((new.code or "").strip(), new.since, now))
    if not skip & {"area_ha", "industrial_land_ha"}:
        check("industrial_land_ha", partial(check_land, area, facts["industrial_land_ha"]))
    if not skip & {"state", "resumes_to", "ref", "note"}:
        entered, shown = new.resumes_to or state, code or (new.code or "").strip()
        check("ref", lambda: rules.require_fields(d, shown, "register", entered, ref, note))
    return out


def _known_state(d: Definition, state: str) -> None:
    if not d.has_state(state):
        raise UnknownState(state, d.state_names)


def _resumable(d: Definition, state: str, resumes_to: str) -> None:
    _known_state(d, resumes_to)
    suspend = d.event("suspend")
    if state not in {dst for _, dst in suspend.moves}:
        raise InvalidInput(f"resumes_to is only for suspended clusters, not {state}")
    if state not in suspend.targets_from(resumes_to):
        raise InvalidInput(f"a cluster in {resumes_to} cannot be suspended to {state}")


def _imported(
    d: Definition, new: NewCluster, who: str, login: str, now: datetime
) -> tuple[tuple[Cluster, Transition], tuple[Cluster, Transition] | None]:
    """A cluster as one import row gives it, registered; with `resumes_to`, registered
    in that state and then suspended on the same day (the cluster and its entry)."""
    if not new.resumes_to:
        return Cluster.register(d, new, actor=who, login=login, now=now), None
    first = Cluster.register(d, replace(new, state=new.resumes_to), actor=who, login=login, now=now)
    step = Step(first[0].code, "suspend", on=new.since, note=SUSPENDED_ON_IMPORT)
    return first, first[0].apply(d, step, actor=who, login=login, now=now)


def _load(uow: UnitOfWork, code: str) -> Cluster:
    cluster = uow.clusters.get((code or "").strip())
    if cluster is None:
        raise UnknownCluster((code or "").strip())
    return cluster


def _apply(uow: UnitOfWork, cluster: Cluster, step: Step, who: str) -> tuple[Cluster, Transition]:
    """Load what the step's rules need, authorize, apply the step and store it."""
    step = step.cleaned()
    rules.require_reason(cluster.code, step.event, step.note)
    d = uow.definitions.get(cluster.workflow)
    authorize(uow, d, who, step.event, step.on)
    entries = uow.clusters.history(cluster.code) if cluster.needs_history(d, step) else ()
    moved, t = cluster.apply(
        d, step, actor=who, login=uow.users.login(), now=clock.now(), history=entries
    )
    uow.clusters.save(moved, cluster.version, t)
    return moved, t


def _move(
    uow: UnitOfWork,
    code: str,
    event: str,
    *,
    actor: str,
    to: str | None = None,
    on: date | None = None,
    ref: str | None = None,
    note: str | None = None,
    started: datetime | None = None,
) -> Transition:
    who = _actor(actor)
    started = started or clock.now()
    with uow:
        cluster = _unchanged_since(_load(uow, code), started)
        _, t = _apply(uow, cluster, Step(code, event, to, on, ref, note), who)
        uow.commit()
    return t


def _unchanged_since(cluster: Cluster, started: datetime) -> Cluster:
    """Refuse a move when the cluster changed after the command started.

    Two identical commands started together (a double click, two staff on one dossier)
    would otherwise both succeed, the second one step further than anyone meant. What
    a command saw is fixed when it starts, not when it gets the lock, so the write is
    conditioned on nothing having been recorded for the cluster since then.
    """
    if cluster.last_recorded is not None and cluster.last_recorded > started:
        raise ConcurrentChange(cluster.code, cluster.state)
    return cluster


def apply_steps(uow: UnitOfWork, steps: Sequence[Step], *, actor: str) -> int:
    """Record many steps in one transaction: all of them, or none if any is refused.

    The same checks as one step at a time; for loading existing histories and bulk work.
    """
    who = _actor(actor)
    current: dict[str, Cluster] = {}
    with uow:
        for step in steps:
            key = code_key(step.code)
            cluster = current.get(key) or _load(uow, step.code)
            current[key], _ = _apply(uow, cluster, step, who)
        uow.commit()
    return len(steps)


def advance(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    to: str | None = None,
    on: date | None = None,
    ref: str | None = None,
    note: str | None = None,
    started: datetime | None = None,
) -> Transition:
    return _move(
        uow, code, "advance", actor=actor, to=to, on=on, ref=ref, note=note, started=started
    )


def send_back(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    to: str,
    reason: str,
    on: date | None = None,
    ref: str | None = None,
    started: datetime | None = None,
) -> Transition:
    return _move(
        uow, code, "send_back", actor=actor, to=to, on=on, note=reason, ref=ref, started=started
    )


def suspend(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    reason: str,
    on: date | None = None,
    started: datetime | None = None,
) -> Transition:
    return _move(uow, code, "suspend", actor=actor, on=on, note=reason, started=started)


def resume(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    on: date | None = None,
    note: str | None = None,
    to: str | None = None,
    ref: str | None = None,
    started: datetime | None = None,
) -> Transition:
    return _move(
        uow, code, "resume", actor=actor, on=on, note=note, to=to, ref=ref, started=started
    )


def cancel(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    reason: str,
    on: date | None = None,
    ref: str | None = None,
    started: datetime | None = None,
) -> Transition:
    return _move(uow, code, "cancel", actor=actor, on=on, ref=ref, note=reason, started=started)


def revert(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    reason: str,
    on: date | None = None,
    started: datetime | None = None,
) -> Transition:
    """Undo the last entry with a compensating `revert` entry; both stay in the history."""
    return _move(uow, code, "revert", actor=actor, on=on, note=reason, started=started)


def reverted(uow: UnitOfWork, code: str, seq: int) -> tuple[list[Transition], list[Transition]]:
    """What the revert at `seq` did: the entries it took away, and those it brought
    back (a revert undoes the entry just before it, which may itself be a revert)."""
    from .stepclock import revert_effect

    with uow:
        before = [t for t in uow.clusters.history(code) if t.seq < seq]
    return revert_effect(before)


def amend(
    uow: UnitOfWork, code: str, changes: dict[str, str | None], *, actor: str, reason: str
) -> Transition:
    """Change a cluster's attributes through the chain, old and new values recorded.

    `changes` maps attribute names to their new text; an empty text clears it (a name
    can't be cleared).
    """
    who = _actor(actor)
    note = clean_text(reason, "note")
    wanted = {k: _attribute(k, v) for k, v in changes.items()}
    with uow:
        cluster = _load(uow, code)
        rules.require_reason(cluster.code, "amend", note)
        rules.require_changes(wanted, _EDIT_FLAGS)
        d = uow.definitions.get(cluster.workflow)
        authorize(uow, d, who, "amend")
        if {"industrial_land_ha", "area_ha"} & wanted.keys():
            land = wanted.get("industrial_land_ha", cluster.industrial_land_ha)
            area = wanted.get("area_ha", cluster.area_ha)
            _fits_form02(uow, cluster.code, _ha(land), _ha(area))
        legacy = facts_from(uow.clusters.history(cluster.code)) is None
        moved, t = cluster.amend(
            wanted, actor=who, login=uow.users.login(), note=note or "", now=clock.now(),
            baseline=d.sha256 if legacy else None,
        )  # fmt: skip
        uow.clusters.save(moved, cluster.version, t)
        uow.clusters.set_attributes(moved)
        uow.commit()
    return t


def _ha(value: str | float | None) -> float | None:
    return None if value is None else float(value)


def _fits_form02(uow: UnitOfWork, code: str, land: float | None, area: float | None) -> None:
    """Industrial land (or, without it, the area) can't shrink below what its Form 02s
    say is leased or ready: occupancy would pass 100% and the unleased land turn negative."""
    from .indicators import Latest, cross_problems

    for r in Latest.of(uow.indicators.all(code=code)).by_key.values():
        wrong = cross_problems(r.values, land, area)
        if wrong:
            raise InvalidInput(f"{code} {r.period}: " + "; ".join(wrong)
                               + ": correct that Form 02 first")  # fmt: skip


_EDIT_FLAGS = tuple(f"--{a.replace('_', '-')}" for a in ATTRIBUTES)


def _attribute(name: str, value: str | None) -> str | float | None:
    if name not in ATTRIBUTES:
        raise InvalidInput(f"unknown attribute {name!r}", field=name)
    return clean_attribute(name, value)


def migrate(uow: UnitOfWork, code: str, *, to: str, actor: str, reason: str) -> Transition:
    """Pin a cluster to another stored definition, recorded in its chain."""
    who = _actor(actor)
    note = clean_text(reason, "note")
    with uow:
        cluster = _load(uow, code)
        rules.require_reason(cluster.code, "migrate", note)
        authorize(uow, uow.definitions.get(cluster.workflow), who, "migrate")
        target = None if to == cluster.workflow else _stored(uow, to)
        moved, t = cluster.migrate(
            to, target, actor=who, login=uow.users.login(), note=note or "", now=clock.now()
        )
        uow.clusters.save(moved, cluster.version, t)
        uow.clusters.repin(moved)
        uow.commit()
    return t


def _stored(uow: UnitOfWork, key: str) -> Definition | None:
    try:
        return uow.definitions.get(key)
    except StorageError:
        return None  # not stored, or not usable: either way not a definition to move to


def history(uow: UnitOfWork, code: str) -> list[Transition]:
    with uow:
        cluster = _load(uow, code)
        labels.learn([uow.definitions.get(cluster.workflow)])
        return uow.clusters.history(cluster.code)


def _view(
    uow: UnitOfWork, cluster: Cluster, today: date, entries: Sequence[Entry] = ()
) -> ClusterView:
    """`entries`: the whole history, needed only when it holds a suspension or revert."""
    d = uow.definitions.get(cluster.workflow)
    labels.learn([d])  # the views label its states from it
    step = clock_on(entries, today) if entries else None
    since = step.since if step else cluster.since_on
    paused = step.paused_days() if step else 0
    return ClusterView(
        cluster=cluster,
        since=since,
        paused_days=paused,
        days_in_state=(today - since).days - paused,
        allowed=engine_for(d).allowed(cluster.state),
        next_state=d.next_state(cluster.state),
        resumes_to=cluster.suspended_from,
    )


def show(uow: UnitOfWork, code: str, calendar: WorkCalendar | None = None) -> ClusterView:
    """One cluster, with its open milestones and their next legal due date, counted with
    `calendar` (default: the reports' calendar, as `report deadlines` counts them)."""
    from . import milestones, reports

    today = clock.today()
    with uow:
        cluster = _load(uow, code)
        entries = uow.clusters.history(cluster.code)
        view = _view(uow, cluster, today, entries)
        d = uow.definitions.get(cluster.workflow)
        cal = calendar or reports.work_calendar()
        return replace(view, milestones=milestones.status(d, entries, today, cal))


@dataclass(frozen=True)
class ExportRow:
    """A cluster as `cluster export` writes it: enough to register it again as it is."""

    cluster: Cluster
    ref: str | None  # the evidence for the state it is in, or resumes to
    resumes_to: str | None


def export_clusters(uow: UnitOfWork) -> list[ExportRow]:
    """Every cluster with what a fresh database needs to register it in its state.

    `ref` is the document that brought the cluster into its state (for a suspended
    one, the state it resumes to), found in the history when the last entry has none:
    a cluster sent back or resumed keeps the reference it entered the state with.
    """
    with uow:
        rows = []
        for c in uow.clusters.list(state=None, locality=None, search=None):
            target = c.suspended_from or c.state
            ref = None if c.suspended_from else c.last_ref
            d = uow.definitions.get(c.workflow)
            evidence = d.has_state(target) and bool(d.state(target).requires)
            if evidence and d.state(target).milestones:
                ref = None  # the last entry may be a milestone, whose ref is not the state's
            if not ref and evidence:
                ref = _evidence(uow.clusters.history(c.code), target)
            rows.append(ExportRow(c, ref, c.suspended_from))
        return rows


def _evidence(entries: Sequence[Transition], state: str) -> str | None:
    """The ref of the last standing entry that brought the cluster into `state`."""
    for t in reversed(standing(entries)):
        if t.to_state == state and t.from_state != state and t.ref:
            return t.ref
    return None


def list_clusters(
    uow: UnitOfWork,
    *,
    state: str | None = None,
    locality: str | None = None,
    search: str | None = None,
) -> list[ClusterView]:
    today = clock.today()
    with uow:
        if state is not None:
            # A state of any stored definition: a cluster may be pinned to one that
            # names its steps differently from the packaged definition.
            labels.learn_if_unknown(uow, [state])
            if not labels.known(state):
                raise UnknownState(state, labels.state_names())
        walked = {h.code: h.entries for h in uow.reports.irregular()}
        found = uow.clusters.list(state=state, locality=locality, search=search)
        return [_view(uow, c, today, walked.get(c.code, ())) for c in found]


def stored_definitions(uow: UnitOfWork) -> list[StoredDefinition]:
    with uow:
        return uow.definitions.stored()


def dashboard(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    deadlines: Sequence[DeadlineItem] | None = None,
    targets: Sequence[TargetItem] | None = None,
    calendar: WorkCalendar | None = None,
) -> Dashboard:
    """Everything the supervisors' page shows, as the portfolio stood on `as_of`, read in
    one read-only unit of work so that its parts agree. `deadlines` and `targets` come
    from their own use cases; None means they are not available."""
    from . import reports
    from .dashboard import Dashboard, cluster_row, dwell, timeline

    day = as_of or clock.today()
    calendar = calendar or reports.work_calendar()
    with uow:
        funnel = reports.funnel_in(uow, day)
        stalled = reports.stalled_in(uow, day, calendar=calendar)
        late = {r.code for r in stalled}
        clusters = sorted(
            (cluster_row(p, day, p.code in late) for p in reports.positions(uow, day)),
            key=lambda r: r.code,
        )
        histogram = reports.dwell_in(uow, day)
        timelines = [
            timeline(head.code, entries, day)
            for head, entries in uow.audit.chains()
            if entries and entries[0].effective_on <= day
        ]
    timelines.sort(key=lambda t: t.code)
    return Dashboard(
        as_of=day,
        funnel=funnel,
        stalled=stalled,
        dwell=dwell({s: dict(c) for s, c in histogram.items()}, reports.state_order(histogram)),
        timelines=timelines,
        clusters=clusters,
        deadlines=deadlines,
        targets=targets,
    )


def page_targets(
    uow: UnitOfWork, *, as_of: date | None = None, lang: str = "en"
) -> list[TargetItem] | None:
    """The installed targets as the supervisors' page shows them; None when no targets
    are installed, so the page says "not available" rather than "none"."""
    from .dashboard import TargetItem
    from .outlook import target_report

    with uow:
        installed = uow.targets.current() is not None
    if not installed:
        return None
    return [
        TargetItem(t.label, t.kind, t.by, t.status, t.probability, t.deciding)
        for t in target_report(uow, as_of=as_of, lang=lang)
    ]


def page_deadlines(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    calendar: WorkCalendar | None = None,
    problems: list[str] | None = None,
) -> list[DeadlineItem]:
    """Every open milestone with a legal limit, as the supervisors' page lists them,
    counted with the same calendar as `report deadlines`."""
    from .dashboard import DeadlineItem
    from .deadlines import deadlines

    return [
        DeadlineItem(
            d.code, d.name, d.state, d.milestone, d.due_on, d.days_left, d.responsible, d.labels
        )
        for d in deadlines(uow, as_of=as_of, calendar=calendar, problems=problems)
    ]
