"""The rules a cluster's entries obey, each in one place. Pure: no clock, no storage.

`Cluster` (model.py) composes them; the use cases only load what they ask for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from . import clock
from .errors import DateOutOfRange, InvalidInput, MissingField, TransitionRefused, UnknownState
from .stepclock import renamed_states, standing

if TYPE_CHECKING:
    from states import Definition

    from .engine import Engine
    from .model import Cluster, Transition
    from .replay import Replayed

# Events outside the definition that always need a reason: they correct or redefine
# the record rather than follow the procedure, so the record must say why.
REASON_REQUIRED = ("revert", "amend", "migrate")


def engine(definition: Definition) -> Engine:
    # Imported here: the state machine (the `transitions` package, tens of ms to load)
    # is needed only when a cluster moves, not by every reader of the model.
    from .engine import engine_for

    return engine_for(definition)


def effective(
    code: str, on: date | None, now: datetime, current: Cluster | None = None
) -> datetime:
    """The instant a step took effect: `now`, or the start of the given day.

    Never in the future, never before the cluster entered its current state, and on
    the same day as the last step, never before it (entries keep their order).
    """
    if on is None:
        return now
    today = clock.local_date(now)
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
    return max(clock.start_of(on), current.since)


def require_fields(
    d: Definition,
    code: str,
    event: str,
    target: str,
    ref: str | None,
    note: str | None,
    *,
    on_file: bool = False,
) -> None:
    """What the event and the state entered require; `on_file`: the state's evidence is
    already stored, because the cluster entered `target` before."""
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


def require_reason(code: str, event: str, note: str | None) -> None:
    if event in REASON_REQUIRED and not note:
        raise MissingField(code, event, "reason")


def evidence_matters(d: Definition, event: str, target: str) -> bool:
    """Whether entering `target` by `event` could find its evidence on file.

    Advancing always brings it; a state that requires nothing has none to find.
    """
    return event != "advance" and bool(d.state(target).requires)


def evidence_on_file(d: Definition, event: str, target: str, history: Sequence[Transition]) -> bool:
    """Whether going back (send_back, resume) into `target` finds its evidence stored.

    Only a cluster that really entered `target` before has it: one registered as
    suspended, or registered beyond `target`, must bring it now. A state it entered
    under the name a definition switch later renamed (`workflow migrate --map`) counts.
    """
    if not evidence_matters(d, event, target):
        return False
    entered: set[str] = set()
    for t in standing(history):
        if t.event == "migrate":
            entered |= {new for old, new in renamed_states(t).items() if old in entered}
        elif t.to_state != t.from_state:
            entered.add(t.to_state)
    return target in entered


def resolve(d: Definition, cluster: Cluster, event: str, to: str | None) -> str:
    """The state `event` takes the cluster to, or a refusal saying why not."""
    if to is not None and not d.has_state(to):
        raise UnknownState(to, d.state_names)
    machine = engine(d)
    if to is not None and to == cluster.state:
        # Typical of two staff recording the same step: say so plainly.
        raise TransitionRefused(
            f"cluster {cluster.code} is already in {to}",
            cluster.code,
            cluster.state,
            event,
            machine.allowed(cluster.state),
        )
    return machine.resolve(cluster.code, cluster.state, event, to=to, origin=cluster.suspended_from)


def revert_target(d: Definition, cluster: Cluster, history: Sequence[Transition]) -> Replayed:
    """Where undoing the last entry leads: back to that entry's starting point.

    An amendment or a definition switch is corrected by another one, not undone, and
    the registration alone is cancelled, not reverted.
    """
    from .replay import RECORD_EVENTS
    from .replay import revert_target as walk_back

    last = history[-1].event
    if last in RECORD_EVENTS:
        raise _refused(
            d,
            cluster,
            f"cannot revert cluster {cluster.code}'s {last}: record the "
            "correct values with another `cluster edit` or `cluster migrate`",
        )
    target = walk_back(d, history)
    if target is None:
        raise _refused(
            d,
            cluster,
            f"cannot revert cluster {cluster.code}: its only entry is the registration; "
            "use cancel instead",
        )
    return target


def _refused(d: Definition, cluster: Cluster, message: str) -> TransitionRefused:
    allowed = engine(d).allowed(cluster.state)
    return TransitionRefused(message, cluster.code, cluster.state, "revert", allowed)


def require_changes(wanted: Mapping[str, Any], flags: Sequence[str]) -> None:
    if not wanted:
        raise InvalidInput(
            f"nothing to change: give at least one of {', '.join(flags)}", field="amend"
        )


def require_pin_change(cluster: Cluster, to: str) -> None:
    if to == cluster.workflow:
        raise InvalidInput(f"cluster {cluster.code} is already pinned to {to}", field="to")


def require_states(cluster: Cluster, to: str, target: Definition) -> None:
    """A cluster can move to a definition only if it has every state the cluster uses."""
    for state in filter(None, (cluster.state, cluster.suspended_from)):
        if not target.has_state(state):
            raise InvalidInput(
                f"cannot migrate cluster {cluster.code} to {to}: it has no state {state}",
                field="to",
            )
