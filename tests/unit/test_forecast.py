"""The forecast's draws: bootstrap, conditioning on time spent, the threshold prior."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date

from states import default_definition
from workflow.forecast import (
    RUNS,
    Durations,
    Standing,
    forecast_row,
    percentile,
    simulate,
)
from workflow.workdays import WorkCalendar

AS_OF = date(2026, 3, 2)
D = default_definition()
# A two-step history: investment approval then infrastructure, with known durations.
TWO_STEPS = {
    "investment_approval": [10, 20, 30, 40, 50, 60],
    "infrastructure": [100, 100, 100, 100, 100],
}


def durations(passages: dict[str, list[int]]) -> Durations:
    return Durations(passages, D, WorkCalendar(), AS_OF)


def operating(standing: Standing, passages: dict[str, list[int]], seed: int = 0) -> list[int]:
    days = simulate(standing, durations(passages), seed).arrival("operating")
    assert days is not None and len(days) == RUNS
    return list(days)


def test_a_fresh_step_draws_every_passage_alike() -> None:
    days = operating(Standing("X", None, "investment_approval", 0), TWO_STEPS)
    counts = Counter(days)
    assert set(counts) == {110, 120, 130, 140, 150, 160}
    assert all(abs(n / RUNS - 1 / 6) < 0.04 for n in counts.values())


def test_time_already_spent_keeps_only_the_longer_passages_and_is_subtracted() -> None:
    # 35 days in: only the passages of 40, 50 and 60 days are possible, 5, 15 or 25 to go.
    days = operating(Standing("X", None, "investment_approval", 35), TWO_STEPS)
    counts = Counter(days)
    assert set(counts) == {105, 115, 125}
    assert all(abs(n / RUNS - 1 / 3) < 0.05 for n in counts.values())


def test_a_stay_exactly_as_long_as_a_passage_is_past_it() -> None:
    days = operating(Standing("X", None, "investment_approval", 50), TWO_STEPS)
    assert set(days) == {110}  # only the 60-day passage is longer than 50


def test_same_seed_same_numbers_and_another_seed_others() -> None:
    x = Standing("X", None, "establishment", 12)
    history = {"establishment": [5, 9, 30, 44, 80, 120], **TWO_STEPS}
    assert operating(x, history, seed=7) == operating(x, history, seed=7)
    assert operating(x, history, seed=7) != operating(x, history, seed=8)


def test_a_cluster_s_draws_do_not_depend_on_the_others() -> None:
    d = durations(TWO_STEPS)
    alone = simulate(Standing("X", None, "investment_approval", 0), d, 3)
    simulate(Standing("Y", None, "investment_approval", 0), d, 3)
    again = simulate(Standing("X", None, "investment_approval", 0), durations(TWO_STEPS), 3)
    assert alone == again


def test_well_documented_steps_are_not_low_data() -> None:
    sim = simulate(Standing("X", None, "investment_approval", 35), durations(TWO_STEPS), 0)
    assert sim.low_data is False


def test_fewer_than_five_passages_fall_back_to_the_threshold_prior() -> None:
    history = {**TWO_STEPS, "infrastructure": [100, 100, 100, 100]}  # four: too few
    sim = simulate(Standing("X", None, "infrastructure", 200), durations(history), 0)
    days = sim.arrival("operating")
    assert sim.low_data is True and days is not None
    # Exponential, mean the 1095-day threshold, whatever time was already spent.
    assert abs(statistics.mean(days) - 1095) < 0.06 * 1095
    assert min(days) >= 1 and len(set(days)) > 100


def test_a_stay_longer_than_every_passage_falls_back_to_the_prior() -> None:
    sim = simulate(Standing("X", None, "investment_approval", 61), durations(TWO_STEPS), 0)
    days = sim.arrival("operating")
    assert sim.low_data is True and days is not None
    # The rest of investment approval: exponential, mean 45 working days from AS_OF.
    mean = (WorkCalendar().add_working_days(AS_OF, 45) - AS_OF).days
    assert abs(statistics.mean(days) - 100 - mean) < 0.08 * mean


def test_working_day_prior_is_the_calendar_span_of_the_threshold() -> None:
    d = durations({})
    # 45 working days from Monday 2 March 2026: 44 weekdays to Friday 1 May, of which
    # 27/4 (Hùng Kings, moved), 30/4 and 1/5 are off, so four more: Thursday 7 May.
    assert d.prior_mean("investment_approval") == (date(2026, 5, 7) - AS_OF).days
    assert d.prior_mean("infrastructure") == 1095


def test_suspended_draws_the_rest_of_its_suspension_then_resumes_its_step() -> None:
    history = {**TWO_STEPS, "suspended": [30, 30, 30, 30, 30, 90]}
    x = Standing("X", None, "suspended", 40, resumes_to="investment_approval", resumed_elapsed=35)
    days = operating(x, history)
    # 50 more days suspended (the 90-day stay), then 5, 15 or 25, then 100.
    assert set(days) == {155, 165, 175}


def test_suspended_without_a_state_to_resume_to_has_no_forecast() -> None:
    sim = simulate(Standing("X", None, "suspended", 3), durations(TWO_STEPS), 0)
    assert sim.arrivals is None
    row = forecast_row(sim, AS_OF, "operating")
    assert (row.p50_operating_on, row.p90_operating_on) == (None, None)


def test_arrivals_at_every_state_ahead_and_zero_for_those_behind() -> None:
    sim = simulate(Standing("X", None, "investment_approval", 35), durations(TWO_STEPS), 0)
    infra = sim.arrival("infrastructure")
    assert infra is not None and set(infra) == {5, 15, 25}
    assert set(sim.arrival("establishment") or []) == {0}


def test_p50_and_p90_are_nearest_ranks() -> None:
    assert percentile(list(range(1, 11)), 0.5) == 5
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([7], 0.9) == 7
    sim = simulate(Standing("X", None, "investment_approval", 50), durations(TWO_STEPS), 0)
    row = forecast_row(sim, AS_OF, "operating")
    assert row.p50_operating_on == row.p90_operating_on == date(2026, 6, 20)  # 110 days on


def test_a_step_ahead_draws_its_same_day_passages_too() -> None:
    # Infrastructure ahead, half its passages done the same day (0 days): leaving them
    # out would push every arrival 100 days later.
    history = {**TWO_STEPS, "infrastructure": [0, 0, 0, 100, 100, 100]}
    days = operating(Standing("X", None, "investment_approval", 50), history)
    counts = Counter(days)
    assert set(counts) == {10, 110}
    assert abs(counts[10] / RUNS - 0.5) < 0.05
    # Half the passages: enough for the history to speak, not low data.
    sim = simulate(Standing("X", None, "investment_approval", 50), durations(history), 0)
    assert sim.low_data is False
    only_same_day = {**TWO_STEPS, "infrastructure": [0, 0, 0, 0, 0]}
    sim = simulate(Standing("X", None, "investment_approval", 50), durations(only_same_day), 0)
    assert sim.low_data is False and set(sim.arrival("operating") or ()) == {10}


def test_a_cluster_that_cannot_be_forecast_has_a_reason_not_a_verdict() -> None:
    d = durations(TWO_STEPS)
    stuck = simulate(Standing("S", None, "suspended", 3), d, 0)
    assert (stuck.arrivals, stuck.low_data, stuck.reason) == (
        None, None, "suspended with no state to resume to")  # fmt: skip
    unknown = simulate(Standing("E", None, "eligible", 3), d, 0)
    assert (unknown.low_data, unknown.reason) == (
        None, f"eligible is not a state of {D.key}")  # fmt: skip
    row = forecast_row(unknown, AS_OF, "operating")
    assert (row.p50_operating_on, row.p90_operating_on, row.low_data, row.reason) == (
        None, None, None, f"eligible is not a state of {D.key}")  # fmt: skip
