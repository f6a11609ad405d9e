"""The state machine built from a definition.

A `transitions.Machine` costs about a millisecond and tens of KB to build, so
one machine per definition is built and shared: each check sets the cluster's
state on a single probe model and fires the event there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from transitions import Machine, MachineError

from states import Definition

from .errors import EventNotAllowed, InvalidTarget, MissingField, TransitionRefused

_ENGINES: dict[str, Engine] = {}


def engine_for(definition: Definition) -> Engine:
    key = definition.sha256 or definition.key
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = Engine(definition)
    return engine


class _Probe:
    """The one model the shared machine drives; it holds no cluster data."""

    state: str
    trigger: Callable[..., bool]  # bound by the machine


def _target_is(dst: str) -> Any:
    return lambda event_data: event_data.kwargs.get("to") == dst


class Engine:
    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        self._probe = _Probe()
        self._fired: dict[tuple[str, str, str], str | None] = {}
        self.machine = Machine(
            model=self._probe,
            states=list(definition.state_names),
            transitions=[
                {"trigger": e.name, "source": src, "dest": dst, "conditions": [_target_is(dst)]}
                for e in definition.events
                for src, dst in e.moves
            ],
            initial=definition.initial,
            auto_transitions=False,
            send_event=True,
        )

    @cached_property
    def _allowed(self) -> dict[str, tuple[str, ...]]:
        order = [e.name for e in self.definition.events]
        return {
            s: tuple(e for e in order if e in self.machine.get_triggers(s))
            for s in self.definition.state_names
        }

    def allowed(self, state: str) -> tuple[str, ...]:
        """Events that can fire from `state`, in definition order."""
        return self._allowed.get(state, ())

    def targets(self, state: str, event: str) -> tuple[str, ...]:
        if not self.definition.has_event(event):
            return ()
        return self.definition.event(event).targets_from(state)

    def resolve(
        self, code: str, state: str, event: str, to: str | None = None, origin: str | None = None
    ) -> str:
        """Check `event` from `state` and return the destination, or raise."""
        allowed = self.allowed(state)
        if event not in allowed:
            raise EventNotAllowed(code, state, event, allowed)
        ev = self.definition.event(event)
        valid = ev.targets_from(state)
        if ev.target == "single":
            target = valid[0]
        elif ev.target == "chosen":
            if to is None:
                raise MissingField(code, event, "to")
            target = to
        elif origin is None:
            # Registered while already suspended: nobody recorded what it left.
            if to is None:
                raise TransitionRefused(
                    f"cluster {code} was registered as {state}, so the state it left is not "
                    f"recorded; give --to with one of: {', '.join(valid)}",
                    code,
                    state,
                    event,
                    allowed,
                )
            target = to
        else:
            if origin not in valid:
                raise TransitionRefused(
                    f"cannot {event} cluster {code}: it left {origin}, which {event} cannot reach",
                    code,
                    state,
                    event,
                    allowed,
                )
            target = origin
            valid = (origin,)
        if (to is not None and to != target) or target not in valid:
            raise InvalidTarget(code, state, event, to or target, valid, allowed)
        return self.fire(code, state, event, target)

    def fire(self, code: str, state: str, event: str, target: str) -> str:
        """Run the move on the shared machine; the machine has the last word.

        The machine has no callbacks with effects, so its answer for a given
        (state, event, target) never changes and is remembered.
        """
        key = (state, event, target)
        if key not in self._fired:
            self._fired[key] = self._fire(state, event, target)
        moved = self._fired[key]
        if moved is None:
            raise InvalidTarget(
                code, state, event, target, self.targets(state, event), self.allowed(state)
            )
        return moved

    def _fire(self, state: str, event: str, target: str) -> str | None:
        self.machine.set_state(state, model=self._probe)
        try:
            moved = self._probe.trigger(event, to=target)
        except MachineError:
            moved = False
        return self._probe.state if moved else None
