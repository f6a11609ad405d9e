"""Replay a recorded history through the workflow, as an auditor would."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from states import Definition

from .attributes import renames_in
from .engine import engine_for
from .errors import CcnError
from .model import Transition

# Entries that record what a cluster is (attributes, pinned definition), not a move.
RECORD_EVENTS = ("amend", "migrate")
# Entries that note a dated sub-step of the state (milestones.py): no move either, but
# one recorded by mistake is undone by `revert`.
NOTE_EVENTS = ("milestone",)


@dataclass(frozen=True)
class Replayed:
    state: str
    suspended_from: str | None


class IllegalHistory(CcnError):
    def __init__(self, code: str, seq: int, reason: str) -> None:
        self.code = code
        self.seq = seq
        self.reason = reason
        super().__init__(f"cluster {code} seq {seq}: {reason}")


Load = Callable[[str], "Definition | None"]


def replay(
    definition: Definition, history: Sequence[Transition], load: Load | None = None
) -> Replayed:
    """The state the history leads to; raises IllegalHistory on a move the workflow forbids.

    A `revert` entry undoes the entry just before it: it returns to that entry's
    starting point, including the state a suspended cluster left. With `load`, each
    entry is judged by the definition the cluster followed then: the one its register
    entry pinned, switched at every `migrate` entry.
    """
    return _walk(definition, history, load)[1]


def revert_target(definition: Definition, history: Sequence[Transition]) -> Replayed | None:
    """Where undoing the last entry leads; None when the last entry is the registration.

    The history is already verified as recorded, so its moves are taken as written:
    a definition switched since cannot make the walk back fail.
    """
    before, _ = _walk(definition, history, trust=True)
    return before[-1] if len(before) >= 2 else None


def _pinned(t: Transition, load: Load | None) -> Definition | None:
    """The definition a register or migrate entry pins, when it says and `load` finds it."""
    if load is None or not t.data:
        return None
    key = json.loads(t.data).get("workflow")
    return load(key) if isinstance(key, str) else None


def _walk(
    definition: Definition,
    history: Sequence[Transition],
    load: Load | None = None,
    trust: bool = False,
) -> tuple[list[Replayed], Replayed]:
    if history and history[0].event == "register":
        definition = _pinned(history[0], load) or definition
    engine = engine_for(definition)
    before: list[Replayed] = []  # position before each entry
    now: Replayed | None = None
    for t in history:
        if t.event == "register":
            if now is not None or t.from_state is not None:
                raise IllegalHistory(t.code, t.seq, "register is not the first entry")
            if not definition.has_state(t.to_state):
                raise IllegalHistory(t.code, t.seq, f"unknown state {t.to_state}")
            before.append(Replayed("", None))
            now = Replayed(t.to_state, None)
            continue
        if now is None:
            raise IllegalHistory(t.code, t.seq, "history does not start with register")
        if t.from_state != now.state:
            raise IllegalHistory(
                t.code,
                t.seq,
                f"illegal transition: from_state {t.from_state} but was in {now.state}",
            )
        if t.event in RECORD_EVENTS or t.event in NOTE_EVENTS:
            renames = renames_in(t)  # a definition switch may rename the state
            if t.to_state != renames.get(now.state, now.state):
                raise IllegalHistory(
                    t.code, t.seq, f"illegal transition: {t.event} moved to {t.to_state}"
                )
            before.append(now)
            if renames:
                origin = now.suspended_from
                now = Replayed(t.to_state, renames.get(origin, origin) if origin else None)
            if t.event == "migrate" and (switched := _pinned(t, load)) is not None:
                definition, engine = switched, engine_for(switched)
            continue
        if t.event == "revert":
            if len(before) < 2:
                raise IllegalHistory(t.code, t.seq, "illegal transition: revert of register")
            target = before[-1]
            if t.to_state != target.state:
                raise IllegalHistory(
                    t.code,
                    t.seq,
                    f"illegal transition: revert to {t.to_state}, expected {target.state}",
                )
            before.append(now)
            now = target
            continue
        try:
            state = (
                t.to_state
                if trust
                else engine.resolve(
                    t.code, now.state, t.event, to=t.to_state, origin=now.suspended_from
                )
            )
        except CcnError as exc:
            raise IllegalHistory(t.code, t.seq, f"illegal transition: {exc}") from None
        before.append(now)
        now = Replayed(state, now.state if t.event == "suspend" else None)
    if now is None:
        raise IllegalHistory(history[0].code if history else "?", 0, "empty history")
    return before, now
