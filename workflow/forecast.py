"""When will each cluster arrive? Monte Carlo over this province's own step durations.

Pure: it reads what the caller gathered (where each cluster stands, the completed
passages of every step) and draws. The rules, which the reports rely on:

- RUNS (2,000) runs per cluster; each cluster draws from its own `random.Random`
  seeded by (seed, code), so a cluster's forecast does not move when another
  cluster is added, and the same database and seed give the same numbers.
- A step's duration is drawn (bootstrap) from the calendar days of its completed
  passages, suspended days left out (`stepclock.passages`). For a step ahead, every
  passage is drawn from, same-day ones (0 days) included. For the step a cluster
  is in, only passages longer than the d days it has already spent there are drawn
  from, and d is subtracted: the rest of a stay that has lasted d days.
- Each cluster is judged by the definition it is pinned to: its main line, and its
  thresholds as priors. Passages are pooled per state name across the definitions
  stored: a renamed state starts a sample of its own.
- Where a step has fewer than MIN_PASSAGES completed passages, or none longer than
  the d days already spent, the definition's threshold is the prior: an exponential
  duration whose mean is the threshold (working days become the calendar days they
  span from the forecast date). The exponential forgets time spent, so no
  conditioning is needed; a step without a threshold uses NO_THRESHOLD_DAYS. Such a
  cluster's forecast is flagged `low_data`.
- A suspended cluster first draws the rest of its suspension (from passages of
  `suspended`, conditioned the same way), then resumes the step it left, conditioned
  on the days that step had run before.
- Some clusters cannot be forecast: one suspended with no state to resume to, one in
  a state its definition does not have or off its main line. Their row has no dates,
  no `low_data` verdict (None) and a `reason`.
- Durations are whole days; a drawn prior is at least one. Rework (a send-back) is not simulated: a
  passage that ended in a send-back is one duration of its step like any other.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from states import Definition, Threshold

from .workdays import WorkCalendar

RUNS = 2000
MIN_PASSAGES = 5
NO_THRESHOLD_DAYS = 365
SUSPENDED = "suspended"


@dataclass(frozen=True)
class Standing:
    """Where a cluster stands on the forecast date, as the simulation needs it."""

    code: str
    locality: str | None
    state: str
    elapsed: int  # calendar days in the step (in the suspension, when suspended)
    resumes_to: str | None = None  # suspended: the step it resumes
    resumed_elapsed: int = 0  # suspended: days that step had run before
    workflow: str | None = None  # the definition it is pinned to; None: the default


@dataclass(frozen=True)
class Simulated:
    """One cluster's simulated runs: per main-line state ahead, days after the forecast
    date of arriving there, one per run (0: already there). None: cannot be forecast."""

    code: str
    state: str
    arrivals: Mapping[str, Sequence[int]] | None
    low_data: bool | None  # None: cannot be forecast
    reason: str | None = None  # why it cannot be forecast

    def arrival(self, state: str) -> Sequence[int] | None:
        return None if self.arrivals is None else self.arrivals.get(state)


@dataclass(frozen=True)
class ForecastRow:
    code: str
    state: str
    p50_operating_on: date | None
    p90_operating_on: date | None
    low_data: bool | None  # None: cannot be forecast (see `reason`)
    reason: str | None = None


class Durations:
    """Draws step durations from completed passages, or from the threshold prior."""

    def __init__(
        self,
        passages: Mapping[str, Sequence[int]],
        definition: Definition,
        calendar: WorkCalendar,
        as_of: date,
    ) -> None:
        self.passages = {s: sorted(v) for s, v in passages.items()}
        self.definition = definition
        self.calendar = calendar
        self.as_of = as_of
        self._means: dict[str, float] = {}

    def prior_mean(self, state: str) -> float:
        """The threshold as calendar days: the prior's mean."""
        if state not in self._means:
            d = self.definition
            t: Threshold | None = d.state(state).threshold if d.has_state(state) else None
            if t is None:
                days = NO_THRESHOLD_DAYS
            elif t.unit == "working_days":
                days = (self.calendar.add_working_days(self.as_of, t.value) - self.as_of).days
            else:
                days = t.value
            self._means[state] = float(max(1, days))
        return self._means[state]

    def informed(self, state: str, elapsed: int | None) -> bool:
        """True when the history can speak for the rest of this stay (`elapsed` None: a
        step not begun, for which every passage speaks)."""
        seen = self.passages.get(state, [])
        return len(seen) >= MIN_PASSAGES and (elapsed is None or seen[-1] > elapsed)

    def draw(self, rng: random.Random, state: str, elapsed: int | None) -> int:
        """The rest of a stay in `state` that has lasted `elapsed` days; `elapsed` None:
        a whole stay in a step not begun, same-day passages included."""
        seen = self.passages.get(state, [])
        if self.informed(state, elapsed):
            # The passages longer than elapsed (all of them for a step not begun).
            start = 0 if elapsed is None else bisect.bisect_right(seen, elapsed)
            return seen[start + int(rng.random() * (len(seen) - start))] - (elapsed or 0)
        return max(1, math.ceil(rng.expovariate(1.0 / self.prior_mean(state))))


def simulate(
    cluster: Standing,
    durations: Durations,
    seed: int,
    runs: int = RUNS,
) -> Simulated:
    d = durations.definition
    line = d.main_line
    step = cluster.resumes_to if cluster.state == SUSPENDED else cluster.state
    why = unforecastable(cluster, d)
    if why is not None or step is None:
        return Simulated(cluster.code, cluster.state, None, None, why)
    here = line.index(step)
    ahead = line[here + 1 :]
    suspended = cluster.state == SUSPENDED
    elapsed = cluster.resumed_elapsed if suspended else cluster.elapsed
    low = not durations.informed(step, elapsed) or any(
        not durations.informed(s, None) for s in line[here + 1 : -1]
    )
    if suspended:
        low = low or not durations.informed(SUSPENDED, cluster.elapsed)
    rng = random.Random(f"{seed}:{cluster.code}")
    arrivals: dict[str, list[int]] = {s: [0] * runs for s in line[: here + 1]}
    for s in ahead:
        arrivals[s] = [0] * runs
    for r in range(runs):
        t = durations.draw(rng, SUSPENDED, cluster.elapsed) if suspended else 0
        t += durations.draw(rng, step, elapsed)
        for i, s in enumerate(ahead):
            arrivals[s][r] = t
            if i + 1 < len(ahead):
                t += durations.draw(rng, s, None)
    return Simulated(cluster.code, cluster.state, arrivals, low)


def unforecastable(cluster: Standing, d: Definition) -> str | None:
    """Why `cluster` cannot be forecast under its definition `d`; None: it can."""
    if cluster.state == SUSPENDED:
        if cluster.resumes_to is None:
            return "suspended with no state to resume to"
        step = cluster.resumes_to
    else:
        step = cluster.state
    if not d.has_state(step):
        return f"{step} is not a state of {d.key}"
    if cluster.state in d.terminal:
        return f"{cluster.state} is final"
    if step not in d.main_line:
        return f"{step} is not on the main line of {d.key}"
    return None


def percentile(sorted_days: Sequence[int], q: float) -> int:
    """Nearest rank: the smallest value with at least share q of the runs at or below it."""
    return sorted_days[max(1, math.ceil(q * len(sorted_days))) - 1]


def forecast_row(sim: Simulated, as_of: date, goal: str) -> ForecastRow:
    days = sim.arrival(goal)
    if days is None:
        why = sim.reason or f"{goal} is not ahead on its main line"
        return ForecastRow(sim.code, sim.state, None, None, None, why)
    ordered = sorted(days)
    return ForecastRow(
        sim.code,
        sim.state,
        as_of + timedelta(days=percentile(ordered, 0.5)),
        as_of + timedelta(days=percentile(ordered, 0.9)),
        sim.low_data,
    )
