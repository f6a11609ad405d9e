"""Use cases: each one is a single unit of work, committed whole or not at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from states import Definition, default_definition

from . import clock
from .access import authorize
from .attributes import ATTRIBUTES, amend_data, migrate_data, register_data
from .chain import CANON, entry_hash_v2
from .engine import engine_for
from .errors import (
    CcnError,
    ConcurrentChange,
    DateOutOfRange,
    DuplicateCluster,
    ImportRejected,
    InvalidInput,
    MissingField,
    StorageError,
    TransitionRefused,
    UnknownCluster,
    UnknownState,
)
from .model import GENESIS, Cluster, Transition
from .ports import UnitOfWork
from .replay import RECORD_EVENTS, revert_target
from .stepclock import clock_on, standing
from .validate import clean_area, clean_code, clean_text, code_key


@dataclass(frozen=True)
class NewCluster:
    """What staff supply to register a cluster (one CLI call or one CSV row)."""

    code: str
    name: str
    locality: str | None = None
    area_ha: str | float | None = None
    developer: str | None = None
    state: str | None = None
    since: date | None = None
    ref: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    since: date  # when the step began (the suspension, when suspended)
    paused_days: int
    days_in_state: int  # suspended days left out
    allowed: tuple[str, ...]
    next_state: str | None
    resumes_to: str | None


def _entry(
    code: str,
    seq: int,
    event: str,
    from_state: str | None,
    to_state: str,
    effective_at: datetime,
    actor: str,
    login: str,
    ref: str | None,
    note: str | None,
    prev_hash: str,
    recorded: datetime | None = None,
    data: str | None = None,
) -> Transition:
    recorded = recorded or clock.now()
    digest = entry_hash_v2(
        code, seq, event, from_state, to_state, effective_at, recorded, actor, login, ref, note,
        data, prev_hash,
    )  # fmt: skip
    return Transition(
        code=code,
        seq=seq,
        event=event,
        from_state=from_state,
        to_state=to_state,
        effective_at=effective_at,
        effective_on=clock.local_date(effective_at),
        recorded_at=recorded,
        actor=actor,
        ref=ref,
        note=note,
        prev_hash=prev_hash,
        hash=digest,
        db_user=login,
        canon=CANON,
        data=data,
    )


def _effective(code: str, on: date | None, current: Cluster | None = None) -> datetime:
    """The instant a step took effect: now, or the start of the given day."""
    if on is None:
        return clock.now()
    today = clock.today()
    if on > today:
        raise DateOutOfRange(
            code, f"effective date {clock.dmy(on)} is in the future (today is {clock.dmy(today)})"
        )
    if current is None:
        return clock.start_of(on)
    if on < current.since_on:
        raise DateOutOfRange(
            code,
            f"effective date {clock.dmy(on)} is before cluster {code} entered "
            f"{current.state} on {clock.dmy(current.since_on)}",
        )
    # Same day as the last step: keep effective instants in recorded order.
    return max(clock.start_of(on), current.since)


def _require_fields(
    d: Definition,
    code: str,
    event: str,
    target: str,
    ref: str | None,
    note: str | None,
    on_file: bool = False,
) -> None:
    """`on_file`: the cluster entered `target` before, so its evidence is already stored."""
    given = {"ref": ref, "note": note, "reason": note}
    if d.has_event(event):
        for f in d.event(event).requires:
            if not given.get(f):
                raise MissingField(code, event, f)
    if on_file:
        return
    for f in d.state(target).requires:
        if not given.get(f):
            raise MissingField(code, event, f, state=target)


def _actor(actor: str) -> str:
    value = clean_text(actor, "actor")
    if value is None:
        raise InvalidInput("actor is required (use --actor or CCN_ACTOR)", field="actor")
    return value


def _prepare(
    d: Definition, new: NewCluster, actor: str, login: str, recorded: datetime | None = None
) -> tuple[Cluster, Transition]:
    """Validate one registration without touching storage."""
    code = clean_code(new.code)
    name = clean_text(new.name, "name", required=True)
    assert name is not None
    state = (new.state or "").strip() or d.initial
    if not d.has_state(state):
        raise UnknownState(state, d.state_names)
    ref = clean_text(new.ref, "ref")
    note = clean_text(new.note, "note")
    _require_fields(d, code, "register", state, ref, note)
    effective_at = _effective(code, new.since)
    attributes = {
        "name": name,
        "locality": clean_text(new.locality, "locality"),
        "area_ha": clean_area(new.area_ha),
        "developer": clean_text(new.developer, "developer"),
    }
    first = _entry(
        code, 1, "register", None, state, effective_at, actor, login, ref, note, GENESIS,
        recorded, register_data(attributes, d.key, d.sha256),
    )  # fmt: skip
    cluster = Cluster(
        code=code,
        state=state,
        since=effective_at,
        since_on=first.effective_on,
        workflow=d.key,
        version=1,
        last_seq=1,
        head_hash=first.hash,
        **attributes,
    )
    return cluster, first


def register(
    uow: UnitOfWork, new: NewCluster, *, actor: str, definition: Definition | None = None
) -> Cluster:
    d = definition or default_definition()
    who = _actor(actor)
    _prepare(d, new, who, "")  # refuse bad input before opening the database
    with uow:
        authorize(uow, d, who, "register", new.since)
        cluster, first = _prepare(d, new, who, uow.users.login())
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
    with uow:
        dates = [new.since for _, new in rows if new.since is not None]
        authorize(uow, d, who, "import", min(dates) if dates else None)
        # Stamped once the write lock is held: a checkpoint taken meanwhile never sees
        # entries recorded "before" it that it could not yet read.
        recorded = clock.now()
        login = uow.users.login()
        problems: list[str] = []
        prepared: list[tuple[Cluster, Transition]] = []
        seen: dict[str, int] = {}
        lines: list[int] = []
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
                item = _prepare(d, new, who, login, recorded)
            except CcnError as exc:
                problems.append(f"line {line}: {exc}")
                continue
            if not duplicate:
                prepared.append(item)
                lines.append(line)
        if not rows:
            problems.append("no clusters in the file")
        existing = uow.clusters.existing_codes([c.code for c, _ in prepared])
        for (cluster, _), line in zip(prepared, lines, strict=True):
            stored = existing.get(code_key(cluster.code))
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


@dataclass(frozen=True)
class Step:
    """One move to record: what `advance`, `send_back`, ... take, as data."""

    code: str
    event: str
    to: str | None = None
    on: date | None = None
    ref: str | None = None
    note: str | None = None


def _apply(uow: UnitOfWork, cluster: Cluster, step: Step, who: str) -> tuple[Cluster, Transition]:
    """Check one step against the cluster's workflow and store it."""
    event, to, on = step.event, step.to, step.on
    ref, note = clean_text(step.ref, "ref"), clean_text(step.note, "note")
    d = uow.definitions.get(cluster.workflow)
    authorize(uow, d, who, event, on)
    if to is not None and not d.has_state(to):
        raise UnknownState(to, d.state_names)
    if to is not None and to == cluster.state:
        # Typical of two staff recording the same step: say so plainly.
        raise TransitionRefused(
            f"cluster {cluster.code} is already in {to}",
            cluster.code,
            cluster.state,
            event,
            engine_for(d).allowed(cluster.state),
        )
    target = engine_for(d).resolve(
        cluster.code, cluster.state, event, to=to, origin=cluster.suspended_from
    )
    _require_fields(
        d, cluster.code, event, target, ref, note, _on_file(uow, d, cluster, event, target)
    )
    effective_at = _effective(cluster.code, on, cluster)
    t = _entry(
        cluster.code,
        cluster.last_seq + 1,
        event,
        cluster.state,
        target,
        effective_at,
        who,
        uow.users.login(),
        ref,
        note,
        cluster.head_hash,
    )
    moved = cluster.moved(t)
    uow.clusters.save(moved, cluster.version, t)
    return moved, t


def _on_file(uow: UnitOfWork, d: Definition, cluster: Cluster, event: str, target: str) -> bool:
    """Whether going back (send_back, resume) into `target` finds its evidence stored.

    Only a cluster that really entered `target` before has it: one registered as
    suspended, or registered beyond `target`, must bring it now.
    """
    if event == "advance" or not d.state(target).requires:
        return False  # the common path reads no history
    return any(
        t.to_state == target and t.from_state != target
        for t in standing(uow.clusters.history(cluster.code))
    )


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
    who = _actor(actor)
    note = clean_text(reason, "note")
    seen = _started(uow, code)
    with uow:
        cluster = _unchanged_since(_load(uow, code), seen)
        if not note:
            raise MissingField(cluster.code, "revert", "reason")
        d = uow.definitions.get(cluster.workflow)
        authorize(uow, d, who, "revert", on)
        entries = uow.clusters.history(cluster.code)
        if entries[-1].event in RECORD_EVENTS:
            raise TransitionRefused(
                f"cannot revert cluster {cluster.code}'s {entries[-1].event}: record the "
                "correct values with another `cluster edit` or `cluster migrate`",
                cluster.code,
                cluster.state,
                "revert",
                engine_for(d).allowed(cluster.state),
            )
        target = revert_target(d, entries)
        if target is None:
            raise TransitionRefused(
                f"cannot revert cluster {cluster.code}: its only entry is the registration; "
                "use cancel instead",
                cluster.code,
                cluster.state,
                "revert",
                engine_for(d).allowed(cluster.state),
            )
        effective_at = _effective(cluster.code, on, cluster)
        t = _entry(
            cluster.code,
            cluster.last_seq + 1,
            "revert",
            cluster.state,
            target.state,
            effective_at,
            who,
            uow.users.login(),
            None,
            note,
            cluster.head_hash,
        )
        uow.clusters.save(cluster.moved(t, target.suspended_from), cluster.version, t)
        uow.commit()
    return t


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
        if not note:
            raise MissingField(cluster.code, "amend", "reason")
        if not wanted:
            raise InvalidInput(
                f"nothing to change: give at least one of {', '.join(_EDIT_FLAGS)}", field="amend"
            )
        d = uow.definitions.get(cluster.workflow)
        authorize(uow, d, who, "amend")
        diff = {k: (getattr(cluster, k), v) for k, v in wanted.items() if getattr(cluster, k) != v}
        if not diff:
            raise InvalidInput(
                f"nothing to change: cluster {cluster.code} already has these values"
            )
        t = _record(uow, cluster, "amend", who, note, amend_data(diff))
        moved = replace(
            cluster.moved(t, cluster.suspended_from), **{k: new for k, (_, new) in diff.items()}
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
        if not note:
            raise MissingField(cluster.code, "migrate", "reason")
        authorize(uow, uow.definitions.get(cluster.workflow), who, "migrate")
        if to == cluster.workflow:
            raise InvalidInput(f"cluster {cluster.code} is already pinned to {to}", field="to")
        try:
            target = uow.definitions.get(to)
        except StorageError:
            raise InvalidInput(
                f"workflow {to} is not stored in this database", field="to"
            ) from None
        for state in filter(None, (cluster.state, cluster.suspended_from)):
            if not target.has_state(state):
                raise InvalidInput(
                    f"cannot migrate cluster {cluster.code} to {to}: it has no state {state}",
                    field="to",
                )
        t = _record(
            uow, cluster, "migrate", who, note, migrate_data(cluster.workflow, to, target.sha256)
        )
        moved = replace(cluster.moved(t, cluster.suspended_from), workflow=to)
        uow.clusters.save(moved, cluster.version, t)
        uow.clusters.repin(moved)
        uow.commit()
    return t


def _record(
    uow: UnitOfWork, cluster: Cluster, event: str, who: str, note: str, data: str
) -> Transition:
    """An entry that changes what the cluster is, not where it stands."""
    return _entry(
        cluster.code, cluster.last_seq + 1, event, cluster.state, cluster.state,
        _effective(cluster.code, None, cluster), who, uow.users.login(), None, note,
        cluster.head_hash, data=data,
    )  # fmt: skip


def history(uow: UnitOfWork, code: str) -> list[Transition]:
    with uow:
        cluster = _load(uow, code)
        return uow.clusters.history(cluster.code)


def _view(
    uow: UnitOfWork, cluster: Cluster, today: date, entries: Sequence[Transition] = ()
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
