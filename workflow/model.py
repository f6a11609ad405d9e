"""Domain objects: a cluster, the entries of its history, and users.

A cluster applies the workflow's rules (rules.py) to itself and returns the cluster
after the move together with the entry that records it. Nothing here does I/O: the
use cases (services.py) pass in the definition, the instant and, where a rule needs
it, the history, and store what comes back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from . import clock, rules
from .attributes import ATTRIBUTES, amend_data, migrate_data, register_data
from .chain import CANON, entry_hash_v2
from .commands import NewCluster, Step
from .errors import InvalidInput, UnknownState
from .validate import check_land, clean_attribute, clean_code, clean_text

if TYPE_CHECKING:
    from states import Definition

GENESIS = "0" * 64


class _Attributes(TypedDict):
    """The attributes `Cluster.register` records, as keyword arguments of `Cluster`."""

    name: str
    locality: str | None
    area_ha: float | None
    developer: str | None
    industrial_land_ha: float | None
    developer_kind: str | None
    kind: str | None
    industries: str | None


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
    industrial_land_ha: float | None = None
    developer_kind: str | None = None  # enterprise | public | none
    kind: str | None = None  # general | craft_village | specialised
    industries: str | None = None
    suspended_from: str | None = None
    version: int = 1
    last_seq: int = 1
    head_hash: str = GENESIS
    # From the entry that made the current state; filled when read back.
    last_actor: str | None = None
    last_ref: str | None = None
    last_recorded: datetime | None = None  # when its newest entry was recorded

    @classmethod
    def register(
        cls, definition: Definition, new: NewCluster, *, actor: str, login: str, now: datetime
    ) -> tuple[Cluster, Transition]:
        """A new cluster and its first entry, recorded at `now`; bad input is refused."""
        code = clean_code(new.code)
        name = clean_text(new.name, "name", required=True)
        assert name is not None
        state = (new.state or "").strip() or definition.initial
        if not definition.has_state(state):
            raise UnknownState(state, definition.state_names)
        ref = clean_text(new.ref, "ref")
        note = clean_text(new.note, "note")
        rules.require_fields(definition, code, "register", state, ref, note)
        effective_at = rules.effective(code, new.since, now)
        cleaned = {k: clean_attribute(k, getattr(new, k)) for k in ATTRIBUTES if k != "name"}
        attributes = cast(_Attributes, {"name": name, **cleaned})
        check_land(attributes["area_ha"], attributes["industrial_land_ha"])
        first = Transition.build(
            code=code, seq=1, event="register", from_state=None, to_state=state,
            effective_at=effective_at, recorded_at=now, actor=actor, login=login, ref=ref,
            note=note, prev_hash=GENESIS,
            data=register_data(attributes, definition.key, definition.sha256),
        )  # fmt: skip
        cluster = cls(
            code=code,
            state=state,
            since=effective_at,
            since_on=first.effective_on,
            workflow=definition.key,
            head_hash=first.hash,
            **attributes,
        )
        return cluster, first

    def needs_history(self, definition: Definition, step: Step) -> bool:
        """Whether `apply` must be given the history: a revert walks it, and going back
        into a state that requires evidence looks there for it. Refuses what `apply`
        would refuse before that."""
        if step.event == "revert":
            return True
        target = rules.resolve(definition, self, step.event, step.to)
        return rules.evidence_matters(definition, step.event, target)

    def apply(
        self,
        definition: Definition,
        step: Step,
        *,
        actor: str,
        login: str,
        now: datetime,
        history: Sequence[Transition] = (),
    ) -> tuple[Cluster, Transition]:
        """The cluster after `step` and the entry recording it, or a refusal.

        `step` holds cleaned text (`Step.cleaned`). `history` is the cluster's whole
        history where `needs_history` asks for it; without it, evidence counts as not
        on file.
        """
        if step.event == "revert":
            # Back to a position the history already holds, evidence included.
            back = rules.revert_target(definition, self, history)
            target, suspended_from, on_file = back.state, back.suspended_from, True
        else:
            target = rules.resolve(definition, self, step.event, step.to)
            suspended_from = None
            on_file = rules.evidence_on_file(definition, step.event, target, history)
        rules.require_fields(
            definition, self.code, step.event, target, step.ref, step.note, on_file=on_file
        )
        if step.event == "revert" and history and _notes_only(history):
            # Undoing (or bringing back) a milestone moves nothing: it takes effect where
            # the milestone did, and the step keeps its start.
            t = self._entry(
                step.event, target, self.since, now, actor=actor, login=login, ref=step.ref,
                note=step.note,
            )  # fmt: skip
            return self.noted(t), t
        t = self._entry(
            step.event, target, rules.effective(self.code, step.on, now, self), now,
            actor=actor, login=login, ref=step.ref, note=step.note,
        )  # fmt: skip
        return self.moved(t, suspended_from), t

    def amend(
        self,
        changes: Mapping[str, Any],
        *,
        actor: str,
        login: str,
        note: str,
        now: datetime,
        baseline: str | None = None,
    ) -> tuple[Cluster, Transition]:
        """Change attributes through the chain; the entry holds each old and new value.

        It takes effect at the cluster's last entry's instant: what a cluster *is* moves
        no step clock and never blocks a step backdated to before today. `baseline` (the
        SHA-256 of the pinned definition) is given for a cluster registered before chain
        version 2, whose chain does not yet hold its attributes: the entry then holds
        them all, from which on `audit verify` covers them.
        """
        diff = {k: (getattr(self, k), v) for k, v in changes.items() if getattr(self, k) != v}
        after = {k: getattr(self, k) for k in ("area_ha", "industrial_land_ha")} | dict(changes)
        check_land(after["area_ha"], after["industrial_land_ha"])
        if not diff:
            raise InvalidInput(f"nothing to change: cluster {self.code} already has these values")
        before = None
        if baseline is not None:
            before = {k: getattr(self, k) for k in ATTRIBUTES}
            before |= {"workflow": self.workflow, "workflow_sha256": baseline}
        t = self._entry(
            "amend", self.state, self.since, now, actor=actor, login=login, note=note,
            data=amend_data(diff, before),
        )  # fmt: skip
        moved = self.moved(t, self.suspended_from)
        return replace(moved, **{k: new for k, (_, new) in diff.items()}), t

    def migrate(
        self,
        to: str,
        target: Definition | None,
        *,
        actor: str,
        login: str,
        note: str,
        now: datetime,
        renames: Mapping[str, str] | None = None,
    ) -> tuple[Cluster, Transition]:
        """Pin the cluster to the definition `to`; `target` is it, or None if not stored.

        `renames` maps states of the old definition to those of `to` that replace them
        (`workflow migrate --map OLD=NEW`); the entry records the renames it applied.
        """
        rules.require_pin_change(self, to)
        if target is None:
            raise InvalidInput(f"workflow {to} is not stored in this database", field="to")
        renames = renames or {}
        used = (self.state, self.suspended_from)
        applied = {s: renames[s] for s in used if s is not None and s in renames}
        state = applied.get(self.state, self.state)
        origin = applied.get(self.suspended_from or "", self.suspended_from)
        rules.require_states(replace(self, state=state, suspended_from=origin), to, target)
        t = self._entry(
            "migrate", state, self.since, now, actor=actor, login=login, note=note,
            data=migrate_data(self.workflow, to, target.sha256, applied),
        )  # fmt: skip
        return replace(self.moved(t, origin), workflow=to), t

    def record_milestone(
        self,
        definition: Definition,
        name: str,
        on: date,
        *,
        actor: str,
        login: str,
        now: datetime,
        history: Sequence[Transition],
        ref: str | None = None,
        note: str | None = None,
    ) -> tuple[Cluster, Transition]:
        """The entry recording milestone `name` on `on`, or a refusal (milestones.py).

        It takes effect when the cluster entered its state, as an amendment does: the
        milestone's own date is in its data, and moves no step clock.
        """
        from . import milestones

        current = milestones.stay(history)
        assert current is not None  # a stored cluster has at least its register entry
        m = milestones.check_record(definition, self.code, current, name, on, clock.local_date(now))
        t = self._entry(
            milestones.EVENT, self.state, self.since, now, actor=actor, login=login, ref=ref,
            note=note, data=milestones.milestone_data(m.name, on),
        )  # fmt: skip
        return self.noted(t), t

    def noted(self, t: Transition) -> Cluster:
        """The cluster after an entry that moves nothing and changes no attribute."""
        return replace(
            self,
            version=self.version + 1,
            last_seq=t.seq,
            head_hash=t.hash,
            last_recorded=t.recorded_at,
        )

    def _entry(
        self,
        event: str,
        to_state: str,
        effective_at: datetime,
        now: datetime,
        *,
        actor: str,
        login: str,
        ref: str | None = None,
        note: str | None = None,
        data: str | None = None,
    ) -> Transition:
        """The next entry of this cluster's chain."""
        return Transition.build(
            code=self.code, seq=self.last_seq + 1, event=event, from_state=self.state,
            to_state=to_state, effective_at=effective_at, recorded_at=now, actor=actor,
            login=login, ref=ref, note=note, prev_hash=self.head_hash, data=data,
        )  # fmt: skip

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
            last_recorded=t.recorded_at,
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

    @classmethod
    def build(
        cls,
        *,
        code: str,
        seq: int,
        event: str,
        from_state: str | None,
        to_state: str,
        effective_at: datetime,
        recorded_at: datetime,
        actor: str,
        login: str,
        ref: str | None = None,
        note: str | None = None,
        prev_hash: str,
        data: str | None = None,
    ) -> Transition:
        """A new entry, hashed under the current canonical form and linked to `prev_hash`."""
        digest = entry_hash_v2(
            code, seq, event, from_state, to_state, effective_at, recorded_at, actor, login,
            ref, note, data, prev_hash,
        )  # fmt: skip
        return cls(
            code=code,
            seq=seq,
            event=event,
            from_state=from_state,
            to_state=to_state,
            effective_at=effective_at,
            effective_on=clock.local_date(effective_at),
            recorded_at=recorded_at,
            actor=actor,
            ref=ref,
            note=note,
            prev_hash=prev_hash,
            hash=digest,
            db_user=login,
            canon=CANON,
            data=data,
        )


# An entry's fields, once: the dataclass above, the history table's columns (the same
# names, db/repository.py) and the keys of `history --format json` (workflow/views.py).
ENTRY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Transition))


@dataclass(frozen=True)
class User:
    name: str
    role: str
    enabled: bool
    created_at: datetime
    created_by: str
    login: str | None = None  # the database login (on SQLite, the OS login) that acts as them
    # The lookup key stored beside the name (every command finds the user by it): derived
    # from `name`, so `audit verify` recomputes it. None where a store keeps none.
    name_key: str | None = field(default=None, compare=False)


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


def _notes_only(history: Sequence[Transition]) -> bool:
    """Whether one more revert would only take away or bring back milestones."""
    from .replay import NOTE_EVENTS
    from .stepclock import revert_effect

    undone, back = revert_effect(history)
    changed = undone + back
    return bool(changed) and all(t.event in NOTE_EVENTS for t in changed)
