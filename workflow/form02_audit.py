"""Form 02 records judged as history entries are: the cluster each names must exist, and
its actor must have been allowed to record it when it was recorded.

A record written by hand can carry a perfect hash, and on PostgreSQL even the login of
its actor (the `indicators_identity` trigger checks no more), yet name a role that may
not record Form 02 figures, a user who did not exist, or no cluster at all.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from states import Definition, default_definition

from .audit import Problem
from .authority import Roles, refusal
from .form02 import EVENT
from .indicators import IndicatorRecord
from .model import Transition
from .validate import code_key


@dataclass(frozen=True)
class Pinned:
    """The definitions a cluster followed: each register or migrate entry's, by the time
    it was recorded, and the one its row points at now."""

    current: str
    switches: tuple[tuple[datetime, str], ...]

    @classmethod
    def of(cls, current: str, entries: Sequence[Transition]) -> Pinned:
        switches = []
        for t in entries:
            if t.event in ("register", "migrate") and t.data:
                key = json.loads(t.data).get("workflow")
                if isinstance(key, str):
                    switches.append((t.recorded_at, key))
        return cls(current, tuple(sorted(switches)))

    def at(self, moment: datetime) -> str:
        if not self.switches:
            return self.current  # registered before the chain named its definition
        i = bisect_right([at for at, _ in self.switches], moment)
        return self.switches[max(i - 1, 0)][1]


def check_records(
    records: Sequence[IndicatorRecord],
    clusters: Mapping[str, Pinned],
    roles: Roles,
    load: Callable[[str], Definition | None],
    skip: Collection[int] = (),
) -> list[Problem]:
    """One problem per record whose cluster (by code key in `clusters`) does not exist or
    whose actor could not record it; records in `skip` are already reported."""
    problems: list[Problem] = []
    for r in records:
        if r.seq in skip:
            continue
        reasons: list[str] = []
        pinned = clusters.get(code_key(r.code))
        if pinned is None:
            reasons.append(f"unknown cluster {r.code}")
            d: Definition | None = default_definition()
        else:
            d = load(pinned.at(r.recorded_at))  # None: an altered definition, reported
        why = d and refusal(
            d, EVENT, r.actor, r.recorded_at, roles, doing="record Form 02 indicators"
        )
        if why:
            reasons.append(f"not allowed: {why}")
        if reasons:
            problems.append(Problem("indicators", r.seq, "; ".join(reasons)))
    return problems
