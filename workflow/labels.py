"""State labels and order across every definition a database holds.

A cluster is judged by the definition it is pinned to, which may name states the
packaged one does not (a province's installed definition renaming a step). The views
print a state's label from the packaged definition first, then from the definitions
`learn` was given (newest first), and fall back to the name. Services call
`learn_stored` when they meet a state the packaged definition lacks, inside their
unit of work, so a report pays for the stored definitions only when it needs them.
"""

from __future__ import annotations

from collections.abc import Iterable

from states import Definition, default_definition

from .ports import UnitOfWork

_learned: dict[str, Definition] = {}


def learn(definitions: Iterable[Definition]) -> None:
    for d in definitions:
        _learned[d.key] = d


def learn_stored(uow: UnitOfWork) -> None:
    """Learn every definition stored in the database (call inside the unit of work)."""
    learn(uow.definitions.get(s.workflow) for s in uow.definitions.stored())


def known(state: str) -> bool:
    return definition_of(state) is not None


def definition_of(state: str) -> Definition | None:
    """The definition that names `state`: the packaged one, else the newest learned."""
    d = default_definition()
    if d.has_state(state):
        return d
    for other in reversed(_learned.values()):
        if other.has_state(state):
            return other
    return None


def label(state: str | None, lang: str) -> str:
    if state is None:
        return ""
    d = definition_of(state)
    return d.state(state).label(lang) if d is not None else state


def state_names() -> list[str]:
    """Every state known: the packaged definition's, then the others' in `state_order`."""
    names = {s for d in _learned.values() for s in d.state_names}
    return state_order(names)


def state_order(extra: Iterable[str] = ()) -> list[str]:
    """The packaged definition's states in order, then `extra` states it lacks, each
    placed after the packaged state at its position on its own main line (a renamed
    step stands where the step it renames stood); states off every main line last."""
    d = default_definition()
    order = list(d.state_names)
    rank = {s: i for i, s in enumerate(order)}
    main = d.main_line

    def key(state: str) -> tuple[int, int, str]:
        other = definition_of(state)
        if other is not None and state in other.main_line:
            i = other.main_line.index(state)
            anchor = main[min(i, len(main) - 1)]
            return (rank[anchor], 1, state)
        return (len(order), 1, state)

    others = sorted(set(extra) - set(order), key=key)
    keyed = [(rank[s], 0, s) for s in order] + [key(s) for s in others]
    return [s for _, _, s in sorted(keyed)]


def learn_if_unknown(uow: UnitOfWork, states: Iterable[str | None]) -> None:
    """`learn_stored` when any of `states` is named by no definition known yet."""
    if any(s is not None and not known(s) for s in states):
        learn_stored(uow)
