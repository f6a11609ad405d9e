"""Where each cluster stood on a day, and since when it has been established.

Facts (area, industrial land, developer, kind…) are those recorded by the day: an
`amend` entry counts from the day it was recorded (in Vietnam), not from its effective
date, which is its cluster's last entry's (services.amend). So a report for a past
period reads what ccn held at the period's end, and reproduces the one sent then.

"Established" means the provincial establishment decision is recorded: the cluster
reached `investment_approval` or a later main-line state (DOMAIN.md). A suspended
cluster keeps the standing of the state it left; a cancelled one (plan removed or
decision revoked) counts nowhere. Reverted entries count as never made.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from states import Definition, default_definition

from . import clock
from .attributes import facts_from
from .model import Cluster, Transition
from .ports import UnitOfWork
from .stepclock import standing
from .validate import code_key

ESTABLISHING_STATE = "investment_approval"  # entered by the establishment decision


def established_states(others: Iterable[Definition] = ()) -> frozenset[str]:
    """The states that mean established: on the packaged definition's main line from
    `investment_approval` on, and the states it does not name that `others` (the
    definitions clusters may be pinned to) place there on theirs. A state renamed by
    `workflow migrate --map` keeps meaning what it meant: it is judged by the definition
    that names it, as its label is (labels.py)."""
    d = default_definition()
    found = set(_from_establishing(d))
    for other in others:
        found |= {s for s in _from_establishing(other) if not d.has_state(s)}
    return frozenset(found)


def _from_establishing(d: Definition) -> Sequence[str]:
    line = d.main_line
    return line[line.index(ESTABLISHING_STATE) :] if ESTABLISHING_STATE in line else ()


def established_in(uow: UnitOfWork, states: Iterable[str | None] | None = None) -> frozenset[str]:
    """`established_states` over every definition the database holds (inside the unit of
    work). Given the `states` to judge, the stored definitions are read only when the
    packaged one lacks one of them."""
    d = default_definition()
    if states is not None and all(s is None or d.has_state(s) for s in states):
        return established_states()
    return established_states(uow.definitions.get(s.workflow) for s in uow.definitions.stored())


@dataclass(frozen=True)
class Standing:
    cluster: Cluster  # attributes as recorded by the day (the chain holds their history)
    state: str  # on the day; `suspended` when suspended
    established_on: date | None  # when it last became established, if it is on the day

    @property
    def cancelled(self) -> bool:
        return self.state == "cancelled"

    @property
    def established(self) -> bool:
        return self.established_on is not None


def standing_on(
    entries: Sequence[Transition], day: date, established: Container[str]
) -> tuple[str | None, date | None]:
    """(state on `day`, date it became established) from the entries that stand."""
    state: str | None = None
    origin: str | None = None
    since: date | None = None
    for t in standing(entries):
        if t.effective_on > day:
            break
        if t.event == "suspend":
            origin = t.from_state
        elif t.to_state != "suspended":
            origin = None
        state = t.to_state
        now = (origin if state == "suspended" else state) in established
        if not now:
            since = None
        elif since is None:
            since = t.effective_on
    return state, since


def portfolio(uow: UnitOfWork, day: date, locality: str | None = None) -> list[Standing]:
    """Every cluster registered by `day` (inside an open unit of work), by code."""
    est = established_in(uow)  # past entries may name states of any stored definition
    out: list[Standing] = []
    for c, entries in uow.clusters.with_histories(locality=locality):
        state, since = standing_on(entries, day, est)
        if state is not None:
            out.append(Standing(facts_on(c, entries, day), state, since))
    out.sort(key=lambda s: code_key(s.cluster.code))
    return out


def portfolio_now(uow: UnitOfWork, locality: str | None = None) -> list[Standing]:
    """Where every cluster stands today, from the cluster rows alone: nothing can be
    effective or recorded after today, so no history needs reading (`cluster show`'s
    Art. 8.1(c) test would otherwise walk every history of the locality). An
    established cluster's `established_on` here is only the day it entered its current
    state: what matters today is whether it is established, not since when."""
    rows = uow.clusters.list(locality=locality)
    est = established_in(uow, [_held(c) for c in rows])
    return [Standing(c, c.state, c.since_on if _held(c) in est else None) for c in rows]


def _held(c: Cluster) -> str | None:
    """The state whose standing the cluster has: the one it left, when suspended."""
    return c.suspended_from if c.state == "suspended" else c.state


def facts_on(c: Cluster, entries: Sequence[Transition], day: date) -> Cluster:
    """`c` with the attributes its chain gives as recorded by the end of `day`: edits
    recorded later are left out. A chain from before attributes were hashed (version 1)
    holds no history of them: the row's are the only ones known."""
    if not any(t.event == "amend" and clock.local_date(t.recorded_at) > day for t in entries):
        return c
    kept = [t for t in entries if t.event != "amend" or clock.local_date(t.recorded_at) <= day]
    facts = facts_from(kept)
    return c if facts is None else replace(c, **facts.attributes)
