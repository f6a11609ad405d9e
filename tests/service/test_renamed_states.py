"""A state renamed by `workflow migrate --map` keeps meaning what it meant, on the fake
and the real stores: an established cluster stays established (in past reports too),
the milestones recorded in its stay stay recorded, its step clock runs on, and the
evidence it brought when it entered the state is still on file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

import states
from workflow import definitions, labels, reports, services
from workflow.audit import verify
from workflow.circular14 import circular14
from workflow.deadlines import record_milestone
from workflow.errors import MissingField
from workflow.occupancy import locality_test, occupancy
from workflow.portfolio import established_states, portfolio
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, on

RENAMED = "cluster_establishment@rename-1"
PLACE = "Cao Lộc"


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(labels, "_learned", {})  # nothing learned from another database
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


@pytest.fixture
def rename_1(tmp_path: Path) -> str:
    """The packaged definition with `infrastructure` renamed `infra_works` (same
    milestones), as the reviewer's rn.toml."""
    text = (Path(states.__file__).parent / "cluster_establishment.toml").read_text("utf-8")
    text = text.replace('version = "nd32-2024"', 'version = "rename-1"')
    path = tmp_path / "rn.toml"
    path.write_text(text.replace('"infrastructure"', '"infra_works"'), encoding="utf-8")
    return str(path)


def established_f1(uow: Any) -> None:
    """F1 (50 ha) established on 01/08/2024, in infrastructure since 01/01/2025, its
    detailed plan approved on 01/03/2025."""
    new = NewCluster("F1", "Cụm F1", locality=PLACE, area_ha=50, since=on("2024-01-01"))
    services.register(uow(), new, actor="tester")
    for day in ("2024-03-01", "2024-05-01", "2024-08-01", "2025-01-01"):
        services.advance(uow(), "F1", actor="tester", on=on(day), ref=f"QĐ {day}")
    record_milestone(uow(), "F1", "detailed_plan_approved", on=on("2025-03-01"), actor="tester")


def migrate(uow: Any, path: str) -> None:
    definitions.install(uow(), path, actor="tester")
    definitions.migrate_all(uow(), to=RENAMED, actor="tester", reason="đổi tên bước",
                            renames={"infrastructure": "infra_works"})  # fmt: skip


def form04(uow: Any, period: str) -> dict[str, tuple[Any, str]]:
    return {r.no: (r.value, r.note) for r in circular14(uow(), period=period).rows}


def everything(uow: Any) -> dict[str, Any]:
    """What the reports and `cluster show` say of F1."""
    shown = services.show(uow(), "F1")
    assert shown.milestones is not None
    bottlenecks = reports.bottlenecks(uow())
    return {
        "form04_2025": form04(uow, "2025"),
        "form04_2026": form04(uow, "2026"),
        "occupancy": [(r.code, r.established) for r in occupancy(uow()).clusters],
        "occupancy_2025": [
            (r.code, r.established) for r in occupancy(uow(), as_of=on("2025-12-31")).clusters
        ],
        "locality": locality_test(uow(), PLACE).established,
        "locality_2025": locality_test(uow(), PLACE, as_of=on("2025-12-31")).established,
        "recorded": shown.milestones.recorded,
        "open": shown.milestones.open,
        "clock": (shown.since, shown.paused_days, shown.days_in_state),
        "completed": {s.state: s.completed for s in bottlenecks.states if s.completed},
        "active": sum(s.active for s in bottlenecks.states),
        "funnel": sum(r.count for r in reports.funnel(uow()).states),
    }


def test_renamed_states_a_cluster_stays_established_with_its_milestones(uow, rename_1) -> None:
    established_f1(uow)
    before = everything(uow)
    # The reviewer's Form 04 rows, sent before the migration.
    for period in ("form04_2025", "form04_2026"):
        rows = before[period]
        assert (rows["3"][0], rows["4"][0]) == (1, 50.0)
        assert (rows["9"][0], rows["10"][0], rows["11"][0]) == (1, 50.0, 0)
    assert before["occupancy"] == before["occupancy_2025"] == [("F1", True)]
    assert before["locality"] == before["locality_2025"] == 1
    assert before["recorded"] == (("detailed_plan_approved", on("2025-03-01")),)
    assert "detailed_plan_approved" not in before["open"]
    migrate(uow, rename_1)
    assert services.show(uow(), "F1").cluster.state == "infra_works"
    assert everything(uow) == before
    [f1] = [s for s in portfolio_of(uow, on("2025-12-31"))]
    assert (f1.state, f1.established_on) == ("infra_works", on("2024-08-01"))
    # It moves on in the renamed state: the next milestone, then operating.
    record_milestone(uow(), "F1", "infrastructure_project_approved", on=on("2025-06-01"),
                     actor="tester")  # fmt: skip
    assert form04(uow, "2025")["11"][0] == 1
    services.advance(uow(), "F1", actor="tester", on=on("2026-01-05"), ref="QĐ vận hành")
    completed = {s.state: s.completed for s in reports.bottlenecks(uow()).states}
    assert (completed["infrastructure"], completed["infra_works"]) == (0, 1)
    assert form04(uow, "2026")["15"][0] == 1
    result = verify(uow())
    assert result.ok, result.problems


def portfolio_of(uow: Any, day: date) -> list[Any]:
    with uow() as u:
        return portfolio(u, day)


def test_renamed_states_resume_finds_the_evidence_on_file(uow, rename_1) -> None:
    new = NewCluster("G1", "Cụm G1", locality=PLACE, state="investment_approval",
                     since=on("2024-06-01"), ref="QĐ 1")  # fmt: skip
    services.register(uow(), new, actor="tester")
    services.advance(uow(), "G1", actor="tester", on=on("2025-01-01"), ref="QĐ 2")
    record_milestone(uow(), "G1", "detailed_plan_approved", on=on("2025-02-01"), actor="tester")
    services.suspend(uow(), "G1", actor="tester", reason="chờ vốn", on=on("2025-06-01"))
    migrate(uow, rename_1)
    shown = services.show(uow(), "G1")
    assert (shown.cluster.suspended_from, shown.resumes_to) == ("infra_works", "infra_works")
    assert [r.established for r in occupancy(uow()).clusters] == [True]
    services.resume(uow(), "G1", actor="tester", on=on("2026-02-01"))  # no ref asked for
    shown = services.show(uow(), "G1")
    assert shown.milestones is not None
    assert shown.cluster.state == "infra_works"
    # One step since 01/01/2025, its suspension paused: the rename restarted nothing.
    assert (shown.since, shown.paused_days) == (on("2025-01-01"), 245)
    assert shown.days_in_state == (on("2026-03-02") - on("2025-01-01")).days - 245
    assert shown.milestones.recorded == (("detailed_plan_approved", on("2025-02-01")),)
    result = verify(uow())
    assert result.ok, result.problems


def test_renamed_states_resume_into_a_state_never_entered_still_asks(uow, rename_1) -> None:
    # Registered as suspended: it never brought the evidence of the state it resumes
    # to, and a rename gives it none.
    new = NewCluster("H1", "Cụm H1", state="suspended", since=on("2025-01-01"))
    services.register(uow(), new, actor="tester")
    migrate(uow, rename_1)
    with pytest.raises(MissingField, match="infra_works"):
        services.resume(uow(), "H1", actor="tester", to="infra_works")


def test_renamed_states_established_states_judge_a_state_by_the_definition_naming_it(
    rename_1,
) -> None:
    renamed = definitions.read(rename_1)
    assert "infra_works" not in established_states()
    assert {"investment_approval", "infrastructure", "infra_works", "operating"} == (
        established_states([renamed])
    )


TARGETS = """[targets]
name = "t"
version = "1"
[[target]]
name = "invested"
kind = "count"
state = "infrastructure"
at_least = 2
by = 2027-12-31
[[target]]
name = "operating"
kind = "count"
state = "operating"
at_least = 1
by = 2027-12-31
"""


def test_renamed_states_targets_count_the_renamed_step_as_the_one_it_renames(
    uow, rename_1, tmp_path
) -> None:
    established_f1(uow)
    new = NewCluster("F2", "Cụm F2", state="investment_approval", since=on("2025-06-01"),
                     ref="QĐ 1")  # fmt: skip
    services.register(uow(), new, actor="tester")
    path = tmp_path / "t.toml"
    path.write_text(TARGETS, encoding="utf-8")
    services.install_targets(uow(), str(path), actor="tester")

    def verdicts() -> list[tuple[str, str, float | None]]:
        rows = services.target_report(uow())
        return [(r.target, r.status, r.probability) for r in rows]

    before = verdicts()
    assert before[0][1] in ("on_track", "at_risk")  # F1 is in; F2 may get there by 2027
    migrate(uow, rename_1)
    assert verdicts() == before
    services.advance(uow(), "F2", actor="tester", on=on("2026-01-05"), ref="QĐ 2")
    assert services.show(uow(), "F2").cluster.state == "infra_works"
    assert verdicts()[0][:2] == ("invested", "met")
