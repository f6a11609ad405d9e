"""Replay a recorded history through the workflow, as an auditor would."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from states import Definition

from .engine import engine_for
from .errors import CcnError
from .model import Transition

# Entries that record what a cluster is (attributes, pinned definition), not a move.
RECORD_EVENTS = ("amend", "migrate")


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


def replay(definition: Definition, history: Sequence[Transition]) -> Replayed:
    """The state the history leads to; raises IllegalHistory on a move the workflow forbids.

    A `revert` entry undoes the entry just before it: it returns to that entry's
    starting point, including the state a suspended cluster left.
    """
    return _walk(definition, history)[1]


def revert_target(definition: Definition, history: Sequence[Transition]) -> Replayed | None:
    """Where undoing the last entry leads; None when the last entry is the registration."""
    before, _ = _walk(definition, history)
    return before[-1] if len(before) >= 2 else None


def _walk(definition: Definition, history: Sequence[Transition]) -> tuple[list[Replayed], Replayed]:
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
        if t.event in RECORD_EVENTS:
            if t.to_state != now.state:
                raise IllegalHistory(
                    t.code, t.seq, f"illegal transition: {t.event} moved to {t.to_state}"
                )
            before.append(now)
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
            state = engine.resolve(
                t.code, now.state, t.event, to=t.to_state, origin=now.suspended_from
            )
        except CcnError as exc:
            raise IllegalHistory(t.code, t.seq, f"illegal transition: {exc}") from None
        before.append(now)
        now = Replayed(state, now.state if t.event == "suspend" else None)
    if now is None:
        raise IllegalHistory(history[0].code if history else "?", 0, "empty history")
    return before, now
