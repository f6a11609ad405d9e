"""Use cases of the outlook: targets installed, forecasts, their backtest, target status.

Every one reads the whole history once (`ReportQueries.histories`) and walks it with
the step clock, so the forecast sees exactly what the other reports see: reverted
entries dropped, suspended days left out of a step. Each cluster is judged by the
definition it is pinned to (its main line, its thresholds as priors); passages are
pooled per state name across definitions (`workflow/forecast.py`).

The backtest forecasts from what had happened by its date (entries effective by
then), by default: history loaded or imported later still counts, which is what a
province that back-loads its records needs. `as_recorded` keeps only the entries
recorded by that date as well: what the database really knew then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from states import Definition, default_definition
from states.targets import TargetsError, TargetSet, parse_targets

from . import clock, labels
from .errors import InvalidInput, PermissionDenied
from .forecast import SUSPENDED, Durations, ForecastRow, Simulated, Standing, forecast_row, simulate
from .identity import login_problem
from .ports import ClusterHistory, OccupancySource, StoredTargets, UnitOfWork
from .stepclock import StepClock, clock_on, passages, standing
from .targets import Judge, Member, TargetRow
from .text import nfc
from .workdays import WorkCalendar

DEFAULT_SEED = 0
TARGET_ROLES = ("supervisor", "admin")  # who may install a province's targets
GOAL = "operating"


# ------------------------------------------------------------------ targets as data


def install_targets(uow: UnitOfWork, path: str, *, actor: str) -> tuple[TargetSet, bool]:
    """Store a targets file; (its targets, False when that very text was already stored)."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
        targets = parse_targets(nfc(text), source=path)
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text", field="file") from None
    except TargetsError as exc:
        raise InvalidInput(str(exc), field="targets") from None
    with uow:
        if uow.users.any():
            user = uow.users.get(actor)
            if user is None or not user.enabled or user.role not in TARGET_ROLES:
                raise PermissionDenied(actor, user.role if user else None, "targets install")
            why = login_problem(uow, user, actor)
            if why:
                raise PermissionDenied(actor, user.role, "targets install", why)
        added = uow.targets.install(targets, actor)
        uow.commit()
    return targets, added


def stored_targets(uow: UnitOfWork) -> list[StoredTargets]:
    with uow:
        return uow.targets.stored()


# ------------------------------------------------------------------ the portfolio read


@dataclass(frozen=True)
class Portfolio:
    """What one database knew on one date: where each cluster stood, and the passages."""

    as_of: date
    histories: Sequence[ClusterHistory]
    members: Sequence[Member]
    standings: Sequence[Standing]  # the clusters not in a final state
    passages: dict[str, list[int]]
    definitions: Mapping[str, Definition]  # by key, every definition a cluster is pinned to

    def members_on(self, day: date) -> list[Member]:
        return [m for h in self.histories if (m := _member(h, clock_on(h.entries, day)))]


def _member(h: ClusterHistory, c: StepClock | None) -> Member | None:
    return None if c is None else Member(h.code, h.locality, c.state, c.resumes_to, h.workflow)


def _standing(h: ClusterHistory, c: StepClock, as_of: date) -> Standing:
    if c.state != SUSPENDED:
        return Standing(h.code, h.locality, c.state, c.days(as_of), workflow=h.workflow)
    # The suspension runs from its latest start (as `stepclock.passages` measures it);
    # the step it left ran until then.
    started = c.pauses[-1][1] if c.pauses else c.since
    ran = c.waiting.days(started) if c.waiting else 0
    return Standing(h.code, h.locality, c.state, (as_of - started).days, c.resumes_to, ran,
                    h.workflow)  # fmt: skip


def pinned_definitions(uow: UnitOfWork, keys: Iterable[str]) -> dict[str, Definition]:
    """The stored definitions with these keys (call inside the unit of work)."""
    return {key: uow.definitions.get(key) for key in sorted(set(keys))}


def read_portfolio(uow: UnitOfWork, as_of: date, known_at: date | None = None) -> Portfolio:
    """The portfolio on `as_of`; with `known_at`, only entries recorded by the end of that
    day (in Vietnam) count: what the database knew then."""
    before = clock.start_of(known_at + timedelta(days=1)) if known_at else None
    with uow:
        histories = list(uow.reports.histories(before))
        definitions = pinned_definitions(uow, (h.workflow for h in histories))
    labels.learn(definitions.values())
    members: list[Member] = []
    standings: list[Standing] = []
    seen: dict[str, list[int]] = defaultdict(list)
    for h in histories:
        c = clock_on(h.entries, as_of)
        if c is None:
            continue
        members.append(Member(h.code, h.locality, c.state, c.resumes_to, h.workflow))
        if c.state not in definitions[h.workflow].terminal:
            standings.append(_standing(h, c, as_of))
        for state, days in passages(h.entries, as_of):
            seen[state].append(days)
    return Portfolio(as_of, histories, members, standings, dict(seen), definitions)


def _durations(p: Portfolio, calendar: WorkCalendar | None) -> dict[str, Durations]:
    """One sampler per definition: the passages are shared, the priors are its own."""
    cal = calendar or WorkCalendar()
    return {key: Durations(p.passages, d, cal, p.as_of) for key, d in p.definitions.items()}


def _simulate(p: Portfolio, calendar: WorkCalendar | None, seed: int) -> dict[str, Simulated]:
    durations = _durations(p, calendar)
    return {s.code: simulate(s, durations[s.workflow or ""], seed) for s in p.standings}


# ------------------------------------------------------------------ forecasts


def forecast(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    seed: int = DEFAULT_SEED,
    calendar: WorkCalendar | None = None,
) -> list[ForecastRow]:
    """P50 and P90 dates each active cluster reaches `operating`, by code."""
    day = as_of or clock.today()
    p = read_portfolio(uow, day)
    durations = _durations(p, calendar)
    # One cluster's runs at a time: only its two dates are kept.
    rows = (
        forecast_row(simulate(s, durations[s.workflow or ""], seed), day, GOAL) for s in p.standings
    )
    return sorted(rows, key=lambda r: r.code)


@dataclass(frozen=True)
class BacktestRow:
    code: str
    state: str  # on the backtest date
    p50_operating_on: date | None
    p90_operating_on: date | None
    low_data: bool | None
    operating_on: date | None  # when it really reached operating, as known today
    within_p50: bool | None  # None: not yet judged (the date is still ahead, not arrived)
    within_p90: bool | None
    reason: str | None = None  # why it could not be forecast
    # The step after the one it stood in on the backtest date: a nearer forecast that a
    # young portfolio, where no cluster has reached `operating` yet, can judge.
    next_state: str | None = None
    p50_next_on: date | None = None
    p90_next_on: date | None = None
    next_on: date | None = None  # when it really reached next_state, as known today
    next_within_p50: bool | None = None
    next_within_p90: bool | None = None


@dataclass(frozen=True)
class Backtest:
    at: date
    judged_on: date
    rows: list[BacktestRow]
    as_recorded: bool = False  # only entries recorded by `at` (else: effective by `at`)

    def judged(self, q: str) -> int:
        """`q`: "p50" or "p90" (arrival in operating), "next_p50" or "next_p90"."""
        key = f"next_within_{q[5:]}" if q.startswith("next_") else f"within_{q}"
        return sum(1 for r in self.rows if getattr(r, key) is not None)

    def within(self, q: str) -> int:
        key = f"next_within_{q[5:]}" if q.startswith("next_") else f"within_{q}"
        return sum(1 for r in self.rows if getattr(r, key) is True)

    def share(self, q: str) -> float | None:
        n = self.judged(q)
        return round(self.within(q) / n, 4) if n else None


def _arrived_on(h: ClusterHistory | None, state: str, after: date, until: date) -> date | None:
    """The first day after `after`, up to `until`, that `h` entered `state`."""
    for t in standing(h.entries) if h is not None else ():
        if t.effective_on > until:
            return None
        if t.to_state == state and t.effective_on > after:
            return t.effective_on
    return None


def _next_state(s: Standing, d: Definition) -> str | None:
    step = s.resumes_to if s.state == SUSPENDED else s.state
    line = d.main_line
    if step not in line or line.index(step) + 1 >= len(line):
        return None
    return line[line.index(step) + 1]


def _within(arrived: date | None, limit: date | None, today: date) -> bool | None:
    if limit is None:
        return None
    if arrived is not None:
        return arrived <= limit
    return False if limit < today else None


def backtest(
    uow: UnitOfWork,
    at: date,
    *,
    seed: int = DEFAULT_SEED,
    calendar: WorkCalendar | None = None,
    today: date | None = None,
    as_recorded: bool = False,
) -> Backtest:
    """Forecast from what had happened by the end of `at` (entries effective by then;
    with `as_recorded`, also recorded by then: what the database knew), and judge each
    forecast by what has happened since, up to `today`: a forecast is judged once its
    date has passed or the cluster arrived."""
    now = today or clock.today()
    if at >= now:
        raise InvalidInput(
            f"backtest date {clock.dmy(at)} must be before {clock.dmy(now)}", field="backtest"
        )
    then = read_portfolio(uow, at, known_at=at if as_recorded else None)
    sims = _simulate(then, calendar, seed)
    with uow:
        truth = {h.code: h for h in uow.reports.histories()}
    rows = []
    for s in sorted(then.standings, key=lambda s: s.code):
        f = forecast_row(sims[s.code], at, GOAL)
        arrived = _arrived_on(truth.get(s.code), GOAL, at, now)
        step = _next_state(s, then.definitions[s.workflow or ""])
        n = forecast_row(sims[s.code], at, step) if step else None
        p50n, p90n = (n.p50_operating_on, n.p90_operating_on) if n else (None, None)
        came = _arrived_on(truth.get(s.code), step, at, now) if step else None
        rows.append(
            BacktestRow(s.code, f.state, f.p50_operating_on, f.p90_operating_on, f.low_data,
                        arrived, _within(arrived, f.p50_operating_on, now),
                        _within(arrived, f.p90_operating_on, now), f.reason,
                        step, p50n, p90n, came, _within(came, p50n, now), _within(came, p90n, now))
        )  # fmt: skip
    return Backtest(at, now, rows, as_recorded)


# ------------------------------------------------------------------ targets judged


def target_report(
    uow: UnitOfWork,
    *,
    as_of: date | None = None,
    seed: int = DEFAULT_SEED,
    calendar: WorkCalendar | None = None,
    occupancy: OccupancySource | None = None,
    lang: str = "en",
) -> list[TargetRow]:
    """Each installed target's status, probability and deciding clusters on `as_of`.

    `occupancy`: where coverage targets read occupancy; by default the Form 02 records
    (`workflow/occupancy.py`)."""
    day = as_of or clock.today()
    with uow:
        targets = uow.targets.current()
    if targets is None:
        raise InvalidInput("no targets are installed; run `ccn targets install FILE`")
    p = read_portfolio(uow, day)
    if occupancy is None:
        from .occupancy import recorded_occupancy

        occupancy = recorded_occupancy(uow)
    sims = _simulate(p, calendar, seed)
    judge = Judge(
        default_definition(), day, p.members, sims, p.members_on, occupancy, p.definitions
    )
    return [judge.judge(t, lang) for t in targets.targets]
