"""Use cases: each one is a single unit of work, committed whole or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from states import Definition, default_definition

from . import clock, rules
from .access import authorize
from .attributes import ATTRIBUTES
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
from .model import Cluster, Transition
from .ports import UnitOfWork
from .stepclock import Entry, clock_on
from .validate import clean_area, clean_text, code_key

__all__ = [
    "ClusterView", "NewCluster", "Step", "advance", "amend", "apply_steps", "cancel", "history",
    "import_clusters", "list_clusters", "migrate", "register", "resume", "revert", "send_back",
    "show", "suspend",
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


def import_clusters(
    uow: UnitOfWork,
    rows: Sequence[tuple[int, NewCluster]],
    *,
    actor: str,
    dry_run: bool = False,
    definition: Definition | None = None,
) -> int:
    """Register many clusters at once: all of them, or none if any row is bad."""
    d = definition or default_definition()
    who = _actor(actor)
    with collector_paused(), uow:
        dates = [new.since for _, new in rows if new.since is not None]
        authorize(uow, d, who, "import", min(dates) if dates else None)
        # Stamped once the write lock is held: a checkpoint taken meanwhile never sees
        # entries recorded "before" it that it could not yet read.
        now = clock.now()
        login = uow.users.login()
        problems: list[str] = []
        prepared: list[tuple[Cluster, Transition]] = []
        seen: dict[str, int] = {}
        lines: list[tuple[int, str]] = []  # line and code key of each prepared cluster
        for line, new in rows:
            # Duplicates are checked on the raw code, so a row with other problems still
            # reveals them: every problem is listed at once.
            key = code_key(new.code or "")
            duplicate = key in seen
            if duplicate:
                code = (new.code or "").strip()
                problems.append(f"line {line}: duplicate code {code!r} (also on line {seen[key]})")
            else:
                seen[key] = line
            try:
                item = Cluster.register(d, new, actor=who, login=login, now=now)
            except CcnError as exc:
                problems.append(f"line {line}: {exc}")
                continue
            if not duplicate:
                prepared.append(item)
                lines.append((line, key))
        if not rows:
            problems.append("no clusters in the file")
        existing = uow.clusters.existing_codes([c.code for c, _ in prepared])
        for (cluster, _), (line, key) in zip(prepared, lines, strict=True):
            stored = existing.get(key)
            if stored is not None:
                problems.append(
                    f"line {line}: cluster {cluster.code!r} already exists (as {stored!r})"
                )
        if problems:
            problems.sort(
                key=lambda p: int(p.split(":")[0].split()[-1]) if p.startswith("line ") else 0
            )
            raise ImportRejected(problems)
        if dry_run:
            return len(prepared)
        uow.definitions.pin(d)
        uow.clusters.add_many(prepared)
        uow.commit()
    return len(prepared)


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
) -> Transition:
    who = _actor(actor)
    seen = _started(uow, code)
    with uow:
        cluster = _unchanged_since(_load(uow, code), seen)
        _, t = _apply(uow, cluster, Step(code, event, to, on, ref, note), who)
        uow.commit()
    return t


def _started(uow: UnitOfWork, code: str) -> Cluster:
    """The cluster as the command found it when it started, before waiting for any lock."""
    with uow:
        return _load(uow, code)


def _unchanged_since(cluster: Cluster, seen: Cluster) -> Cluster:
    """Refuse a write whose cluster moved after the command read it.

    Two identical commands started together would otherwise both succeed, the second
    one step further than anyone meant: the write is conditioned on what was read.
    """
    if cluster.version != seen.version:
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
) -> Transition:
    return _move(uow, code, "advance", actor=actor, to=to, on=on, ref=ref, note=note)


def send_back(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    to: str,
    reason: str,
    on: date | None = None,
    ref: str | None = None,
) -> Transition:
    return _move(uow, code, "send_back", actor=actor, to=to, on=on, note=reason, ref=ref)


def suspend(
    uow: UnitOfWork, code: str, *, actor: str, reason: str, on: date | None = None
) -> Transition:
    return _move(uow, code, "suspend", actor=actor, on=on, note=reason)


def resume(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    on: date | None = None,
    note: str | None = None,
    to: str | None = None,
    ref: str | None = None,
) -> Transition:
    return _move(uow, code, "resume", actor=actor, on=on, note=note, to=to, ref=ref)


def cancel(
    uow: UnitOfWork,
    code: str,
    *,
    actor: str,
    reason: str,
    on: date | None = None,
    ref: str | None = None,
) -> Transition:
    return _move(uow, code, "cancel", actor=actor, on=on, ref=ref, note=reason)


def revert(
    uow: UnitOfWork, code: str, *, actor: str, reason: str, on: date | None = None
) -> Transition:
    """Undo the last entry with a compensating `revert` entry; both stay in the history."""
    return _move(uow, code, "revert", actor=actor, on=on, note=reason)


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
        authorize(uow, uow.definitions.get(cluster.workflow), who, "amend")
        moved, t = cluster.amend(
            wanted, actor=who, login=uow.users.login(), note=note or "", now=clock.now()
        )
        uow.clusters.save(moved, cluster.version, t)
        uow.clusters.set_attributes(moved)
        uow.commit()
    return t


_EDIT_FLAGS = tuple(f"--{a.replace('_', '-')}" for a in ATTRIBUTES)


def _attribute(name: str, value: str | None) -> str | float | None:
    if name not in ATTRIBUTES:
        raise InvalidInput(f"unknown attribute {name!r}", field=name)
    if name == "area_ha":
        return clean_area(value)
    return clean_text(value, name, required=name == "name")


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
        return uow.clusters.history(cluster.code)


def _view(
    uow: UnitOfWork, cluster: Cluster, today: date, entries: Sequence[Entry] = ()
) -> ClusterView:
    """`entries`: the whole history, needed only when it holds a suspension or revert."""
    d = uow.definitions.get(cluster.workflow)
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


def show(uow: UnitOfWork, code: str) -> ClusterView:
    with uow:
        cluster = _load(uow, code)
        return _view(uow, cluster, clock.today(), uow.clusters.history(cluster.code))


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
            known = default_definition().state_names
            if state not in known:
                raise UnknownState(state, known)
        walked = {h.code: h.entries for h in uow.reports.irregular()}
        found = uow.clusters.list(state=state, locality=locality, search=search)
        return [_view(uow, c, today, walked.get(c.code, ())) for c in found]
