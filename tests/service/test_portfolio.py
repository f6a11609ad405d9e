"""Today's standing from the cluster rows agrees with the one rebuilt from histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from freezegun import freeze_time

from workflow import form02, services
from workflow.occupancy import locality_test, occupancy
from workflow.portfolio import portfolio, portfolio_now
from workflow.services import NewCluster
from workflow.text import place_key


@freeze_time("2026-06-20 03:00:00")
def test_rows_and_histories_agree_on_today(uow) -> None:
    def add(code: str, state: str, locality: str = "Cao Lộc") -> None:
        new = NewCluster(code, f"Cụm {code}", locality=locality, area_ha=30, state=state,
                         since=date(2025, 1, 6), ref="QĐ 1", industrial_land_ha=20)  # fmt: skip
        services.register(uow(), new, actor="tester")

    add("A1", "infrastructure")
    add("A2", "establishment")
    add("A3", "investment_approval")
    services.suspend(uow(), "A3", actor="tester", reason="Thiếu vốn", on=date(2026, 3, 2))
    add("A4", "establishment")
    services.suspend(uow(), "A4", actor="tester", reason="Tranh chấp", on=date(2026, 3, 2))
    add("A5", "planned")
    services.cancel(uow(), "A5", actor="tester", reason="Rút", on=date(2026, 2, 2))
    add("B1", "operating", locality="Bắc Sơn")
    today = date(2026, 6, 20)
    for locality in (None, "Cao Lộc"):
        with uow() as u:
            fast = [(s.cluster.code, s.state, s.established) for s in portfolio_now(u, locality)]
            slow = [(s.cluster.code, s.state, s.established)
                    for s in portfolio(u, today, locality)]  # fmt: skip
        assert fast == slow
    assert [code for code, _, est in fast if est] == ["A1", "A3"]


@freeze_time("2026-07-20 03:00:00")
def test_todays_art_8_1_c_test_reads_the_rows_as_the_report_does(uow) -> None:
    """`cluster show`'s fast path (the locality's cluster rows) against `report
    occupancy` (every history): one place whatever the case of its name, the same
    figures and verdict, whatever the mix; without its accents or longer, another place."""

    def add(code: str, state: str, locality: str | None, land: float | None = 20) -> None:
        new = NewCluster(code, f"Cụm {code}", locality=locality, area_ha=50, state=state,
                         since=date(2025, 1, 6), ref="QĐ 1", industrial_land_ha=land)  # fmt: skip
        services.register(uow(), new, actor="tester")

    add("A1", "infrastructure", "Cao Lộc")
    add("A2", "operating", "Cao Lộc", land=40)
    add("A3", "investment_approval", "Cao Lộc")
    services.suspend(uow(), "A3", actor="tester", reason="Thiếu vốn", on=date(2026, 3, 2))
    add("A4", "establishment", "Cao Lộc")  # not established: left out of the test
    add("A5", "infrastructure", "Cao Lộc")
    services.cancel(uow(), "A5", actor="tester", reason="Thu hồi", on=date(2026, 2, 2))
    add("A6", "operating", "Cao Loc")  # without accents: maybe another place
    add("A7", "operating", "cao lộc")
    add("B1", "operating", "Cao Lộc 2")  # another place
    add("N1", "operating", None)
    for code, leased in (("A1", 12.0), ("A2", 30.0), ("A5", 20.0), ("A6", 1.0), ("B1", 9.0),
                         ("N1", 5.0)):  # fmt: skip
        form02.record(uow(), code, "2026H1", {"leased_ha": leased}, actor="tester")
    report = {place_key(x.locality): x for x in occupancy(uow()).localities}
    assert sorted(x.locality for x in report.values()) == ["", "Cao Loc", "Cao Lộc", "Cao Lộc 2"]
    for locality in ("Cao Lộc", "Cao Loc", "cao lộc", "Cao Lộc 2", None):
        fast = locality_test(uow(), locality)
        assert replace(fast, locality="") == replace(report[place_key(locality)], locality=""), (
            locality
        )
        assert fast.locality == (locality or "")  # as the cluster spells it
    cao_loc = locality_test(uow(), "Cao Lộc")
    assert (cao_loc.established, cao_loc.with_data, cao_loc.leased_ha) == (4, 2, 42.0)
    assert locality_test(uow(), "Bắc Sơn").established == 0
