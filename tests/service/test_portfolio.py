"""Today's standing from the cluster rows agrees with the one rebuilt from histories."""

from __future__ import annotations

from datetime import date

from freezegun import freeze_time

from workflow import services
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
