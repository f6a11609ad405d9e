"""Replay a recorded history through the workflow, as an auditor would."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from states import Definition

from .engine import engine_for
from .errors import CcnError
from .model import Transition


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
    """The state the history leads to; raises IllegalHistory on a move the workflow forbids."""
    engine = engine_for(definition)
    state: str | None = None
    origin: str | None = None
    for t in history:
        if t.event == "register":
            if state is not None or t.from_state is not None:
                raise IllegalHistory(t.code, t.seq, "register is not the first entry")
            if not definition.has_state(t.to_state):
                raise IllegalHistory(t.code, t.seq, f"unknown state {t.to_state}")
            state = t.to_state
            continue
        if state is None:
            raise IllegalHistory(t.code, t.seq, "history does not start with register")
        if t.from_state != state:
            raise IllegalHistory(t.code, t.seq, f"from_state {t.from_state} but was in {state}")
        try:
            target = engine.resolve(t.code, state, t.event, to=t.to_state, origin=origin)
        except CcnError as exc:
            raise IllegalHistory(t.code, t.seq, f"illegal transition: {exc}") from None
        origin = state if t.event == "suspend" else None
        state = target
    if state is None:
        raise IllegalHistory(history[0].code if history else "?", 0, "empty history")
    return Replayed(state, origin)
