"""Occupancy (Decree 32 Art. 2.7), the Art. 8.1(c) test at its boundaries, and periods."""

from __future__ import annotations

from datetime import date

import pytest

from states import EstablishmentTest, default_definition, parse_definition
from states.loader import DefinitionError
from workflow.errors import InvalidInput
from workflow.occupancy import ClusterOccupancy, judge
from workflow.periods import parse_period

LAW = EstablishmentTest()  # Decree 32: simple average above 50%, or at most 100 ha unleased


def row(code: str, land: float | None, leased: float | None, established: bool = True):
    rate = round(100 * leased / land, 2) if land and leased is not None else None
    return ClusterOccupancy(code, code, "X", "operating", established, land, leased, rate, 1, 1,
                            "2026H1")  # fmt: skip


def test_exactly_50_percent_is_not_above_50() -> None:
    # 101 ha unleased, so only the average could pass, and 50% is not above 50%.
    t = judge("X", [row("A", 202, 101)], LAW)
    assert (t.simple_avg_pct, t.unleased_ha, t.may_establish) == (50.0, 101.0, False)
    assert t.reason == "simple average occupancy 50% <= 50%, unleased 101 ha > 100 ha"
    assert judge("X", [row("A", 202, 101.02)], LAW).may_establish is True  # 50.01%


def test_exactly_100_ha_unleased_is_at_most_100() -> None:
    t = judge("X", [row("A", 250, 150)], LAW)  # 60%: passes either way
    assert t.may_establish is True
    t = judge("X", [row("A", 200, 100)], LAW)  # 50%, exactly 100 ha unleased
    assert (t.unleased_ha, t.may_establish) == (100.0, True)
    assert t.reason == "simple average occupancy 50% <= 50%, unleased 100 ha <= 100 ha"
    assert judge("X", [row("A", 200.5, 100.25)], LAW).may_establish is False  # 100.25 ha


def test_simple_and_area_weighted_averages_differ_and_the_definition_chooses() -> None:
    rows = [row("A", 10, 9), row("B", 190, 50), row("C", 30, None), row("D", 5, 5, False)]
    simple = judge("X", rows, LAW)
    # A 90%, B 26.32%: simple 58.16%; by area 59 / 200 = 29.5%. C has no figures, D is
    # not established: neither counts.
    assert (simple.simple_avg_pct, simple.weighted_avg_pct) == (58.16, 29.5)
    assert (simple.established, simple.with_data, simple.unleased_ha) == (3, 2, 141.0)
    assert simple.may_establish is True
    assert simple.reason.endswith("; 1 established cluster(s) without figures left out")
    weighted = judge("X", rows, EstablishmentTest("weighted", 50.0, 100.0))
    assert weighted.may_establish is False


def test_no_established_clusters_pass_and_no_figures_cannot_be_judged() -> None:
    assert judge("X", [], LAW).may_establish is True
    assert judge("X", [row("A", 10, None)], LAW).may_establish is None


def test_the_definition_sets_the_test_and_defaults_to_decree_32() -> None:
    assert default_definition().establishment_test == LAW
    text = default_definition().text.replace(
        "[workflow.roles]",
        '[workflow.establishment_test]\naverage = "weighted"\nmax_unleased_ha = 50\n\n'
        "[workflow.roles]",
    )
    assert parse_definition(text).establishment_test == EstablishmentTest("weighted", 50.0, 50.0)
    bad = text.replace('average = "weighted"', 'average = "median"')
    with pytest.raises(DefinitionError, match="average must be one of simple, weighted"):
        parse_definition(bad)


def test_periods_run_from_15_december_to_14_june_or_14_december() -> None:
    h1, year = parse_period("2026h1"), parse_period(" 2026 ")
    assert (h1.name, h1.start, h1.end) == ("2026H1", date(2025, 12, 15), date(2026, 6, 14))
    assert (year.name, year.start, year.end) == ("2026", date(2025, 12, 15), date(2026, 12, 14))
    for bad in ("2026H2", "26", "2023", "H1"):
        with pytest.raises(InvalidInput, match="unknown period"):
            parse_period(bad)


def test_the_test_is_decided_on_exact_figures_not_rounded_ones() -> None:
    # 200.01 / 400 = 50.0025%: above 50%, though it rounds to 50.00; the figure shown
    # (table and JSON) keeps the decimals that tell it from the limit, like the sentence.
    t = judge("X", [row("A", 400, 200.01)], LAW)
    assert (t.simple_avg_pct, t.may_establish) == (50.002, True)
    assert t.reason == "simple average occupancy 50.002% > 50%, unleased 199.99 ha > 100 ha"
    # 200 - 99.996 = 100.004 ha unleased: more than 100, though it rounds to 100.00.
    t = judge("X", [row("A", 200, 99.996)], LAW)
    assert (t.unleased_ha, t.simple_avg_pct, t.may_establish) == (100.004, 49.998, False)
    assert t.reason == "simple average occupancy 49.998% <= 50%, unleased 100.004 ha > 100 ha"
    weighted = EstablishmentTest("weighted", 50.0, 100.0)
    assert judge("X", [row("A", 400, 200.01)], weighted).may_establish is True
    # Figures away from the limits keep two decimals.
    assert judge("X", [row("A", 300, 100)], LAW).simple_avg_pct == 33.33


def test_a_locality_without_figures_has_no_unleased_land() -> None:
    assert judge("X", [row("A", 10, None)], LAW).unleased_ha is None
    assert judge("X", [], LAW).unleased_ha is None
