"""Today's standing from the cluster rows agrees with the one rebuilt from histories."""

from __future__ import annotations

from datetime import date

from freezegun import freeze_time

from states import default_definition
from workflow import form02, services
from workflow.occupancy import judge, locality_test, occupancy_rows
from workflow.portfolio import portfolio, portfolio_now
from workflow.services import NewCluster


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
def test_todays_art_8_1_c_test_reads_the_rows_as_the_history_path_does(uow) -> None:
    """`cluster show`'s fast path (the locality's cluster rows) against the report's
    path (every history): the same rows, the same verdict, whatever the mix."""

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
    add("A6", "operating", "Cao Loc")  # another locality to the stored text
    add("A7", "operating", "cao lộc")
    add("N1", "operating", None)
    for code, leased in (("A1", 12.0), ("A2", 30.0), ("A5", 20.0), ("A6", 1.0), ("N1", 5.0)):
        form02.record(uow(), code, "2026H1", {"leased_ha": leased}, actor="tester")
    today = date(2026, 7, 20)
    for locality in ("Cao Lộc", "Cao Loc", "cao lộc", None, "Bắc Sơn"):
        fast = locality_test(uow(), locality)
        with uow() as u:
            near = occupancy_rows(u, today, locality)
        slow = judge(locality or "", [r for r in near if (r.locality or "") == (locality or "")],
                     default_definition().establishment_test)  # fmt: skip
        assert fast == slow, locality
    cao_loc = locality_test(uow(), "Cao Lộc")
    assert (cao_loc.established, cao_loc.with_data, cao_loc.leased_ha) == (3, 2, 42.0)
