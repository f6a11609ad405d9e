"""Forecasts, their backtest and the targets, through the use cases on every store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from states.targets import example_path
from workflow import services, users
from workflow.clock import LOCAL_TZ
from workflow.errors import InvalidInput, PermissionDenied
from workflow.forecast import ForecastRow
from workflow.outlook import BacktestRow
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW

TODAY = date(2026, 3, 2)  # FROZEN_NOW in Vietnam
BASE = date(2025, 1, 6)


@contextmanager
def on_day(day: date) -> Iterator[None]:
    """Record as if it were 10:00 in Vietnam on `day`."""
    with freeze_time(datetime.combine(day, time(10), tzinfo=LOCAL_TZ)):
        yield


def register(uow, code: str, state: str, since: date, locality: str | None = None) -> None:
    with on_day(since):
        new = NewCluster(code, f"Cụm {code}", locality=locality, state=state, since=since,
                         ref="QĐ 1/QĐ-UBND")  # fmt: skip
        services.register(uow(), new, actor="tester")


def advance(uow, code: str, day: date, recorded: date | None = None) -> None:
    with on_day(recorded or day):
        services.advance(uow(), code, actor="tester", on=day, ref="QĐ 2/QĐ-UBND")


def two_step_history(uow) -> None:
    """Six clusters through investment approval (10..60 days) and infrastructure (100)."""
    for i in range(1, 7):
        register(uow, f"A{i}", "investment_approval", BASE)
        advance(uow, f"A{i}", BASE + timedelta(days=10 * i))
        advance(uow, f"A{i}", BASE + timedelta(days=10 * i + 100))


def test_forecast_conditions_on_the_time_already_spent(uow) -> None:
    two_step_history(uow)
    as_of = date(2026, 3, 1)
    register(uow, "X", "investment_approval", as_of - timedelta(days=35))
    rows = services.forecast(uow(), as_of=as_of, seed=0)
    # 35 days in: 5, 15 or 25 days to go (the 40-, 50- and 60-day passages), then 100.
    assert rows == [ForecastRow("X", "investment_approval", as_of + timedelta(days=115),
                                as_of + timedelta(days=125), False)]  # fmt: skip
    assert services.forecast(uow(), as_of=as_of, seed=0) == rows


def test_forecast_without_history_is_low_data(uow) -> None:
    register(uow, "X", "infrastructure", date(2025, 6, 1))
    register(uow, "Y", "cancelled", date(2025, 6, 1))
    [row] = services.forecast(uow(), as_of=date(2026, 3, 1), seed=4)
    assert (row.code, row.low_data) == ("X", True)
    assert row.p50_operating_on is not None and row.p90_operating_on is not None
    assert row.p50_operating_on < row.p90_operating_on
    assert services.forecast(uow(), as_of=date(2026, 3, 1), seed=4) == [row]


def test_backtest_judges_forecasts_made_from_what_was_known(uow) -> None:
    two_step_history(uow)
    at = date(2025, 10, 1)
    entered = at - timedelta(days=35)
    for code in ("X1", "X2", "X3"):
        register(uow, code, "investment_approval", entered)
    with on_day(date(2025, 11, 1)):  # effective before the backtest date, recorded after
        services.register(
            uow(),
            NewCluster("X4", "Cụm X4", state="investment_approval", since=entered, ref="QĐ 1"),
            actor="tester",
        )
    advance(uow, "X1", at + timedelta(days=10))
    advance(uow, "X1", at + timedelta(days=110))  # inside P50 (115 days)
    advance(uow, "X2", at + timedelta(days=20))
    advance(uow, "X2", at + timedelta(days=120))  # inside P90 (125 days) only
    with freeze_time(FROZEN_NOW):
        b = services.backtest(uow(), at, seed=0, as_recorded=True)
        effective = services.backtest(uow(), at, seed=0)
    # By default what had happened counts, whenever recorded: X4 too.
    assert [r.code for r in effective.rows] == ["X1", "X2", "X3", "X4"]
    p50, p90 = at + timedelta(days=115), at + timedelta(days=125)
    assert (b.at, b.judged_on) == (at, TODAY)
    assert [replace(r, next_state=None, p50_next_on=None, p90_next_on=None, next_on=None,
                    next_within_p50=None, next_within_p90=None) for r in b.rows] == [
        BacktestRow("X1", "investment_approval", p50, p90, False, at + timedelta(days=110),
                    True, True),
        BacktestRow("X2", "investment_approval", p50, p90, False, at + timedelta(days=120),
                    False, True),
        BacktestRow("X3", "investment_approval", p50, p90, False, None, False, False),
    ]  # fmt: skip
    assert [(b.judged(q), b.within(q), b.share(q)) for q in ("p50", "p90")] == [
        (3, 1, 0.3333),
        (3, 2, 0.6667),
    ]
    # The next step, infrastructure: X1 and X2 entered it, X3 never did.
    assert [(r.next_state, r.next_on) for r in b.rows] == [
        ("infrastructure", at + timedelta(days=10)),
        ("infrastructure", at + timedelta(days=20)),
        ("infrastructure", None),
    ]
    assert [r.next_within_p90 for r in b.rows][2] is False
    assert b.judged("next_p90") == 3


def test_backtest_leaves_forecasts_still_ahead_unjudged(uow) -> None:
    two_step_history(uow)
    at = date(2026, 1, 1)
    register(uow, "X", "investment_approval", at - timedelta(days=35))
    with freeze_time(FROZEN_NOW):
        [row] = services.backtest(uow(), at, seed=0).rows
        assert (row.within_p50, row.within_p90) == (None, None)
        with pytest.raises(InvalidInput, match="backtest date 02/03/2026 must be before"):
            services.backtest(uow(), TODAY)


# ------------------------------------------------------------------ targets


def write(tmp_path: Path, text: str, name: str = "t.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


DEADLINE = """[targets]
name = "test"
version = "1"

[[target]]
name = "x_operating"
kind = "deadline"
cluster = "X"
state = "operating"
by = {by}
"""


def test_install_stores_once_and_refuses_a_changed_text_under_its_version(
    uow, snapshot, tmp_path
) -> None:
    with freeze_time(FROZEN_NOW):
        t, added = services.install_targets(uow(), str(example_path()), actor="chị Lan")
        assert (t.key, added) == ("lang_son@2023", True)
        assert services.install_targets(uow(), str(example_path()), actor="x")[1] is False
        before = snapshot()
        changed = example_path().read_text(encoding="utf-8").replace("at_least = 3", "at_least = 4")
        with pytest.raises(InvalidInput, match="targets lang_son@2023 are stored with a different"):
            services.install_targets(uow(), write(tmp_path, changed), actor="x")
        bad = DEADLINE.format(by="2026-13-01")
        with pytest.raises(InvalidInput, match="not valid TOML"):
            services.install_targets(uow(), write(tmp_path, bad), actor="x")
        bad = DEADLINE.format(by="2026-12-01").replace('state = "operating"', 'state = "open"')
        with pytest.raises(InvalidInput, match="target 'x_operating': state 'open'"):
            services.install_targets(uow(), write(tmp_path, bad), actor="x")
        assert snapshot() == before
        services.install_targets(uow(), write(tmp_path, DEADLINE.format(by="2026-12-01")),
                                 actor="x")  # fmt: skip
        stored = services.stored_targets(uow())
    assert [(s.targets, s.installed_by, s.count, s.current) for s in stored] == [
        ("lang_son@2023", "chị Lan", 2, False),
        ("test@1", "x", 1, True),
    ]


def test_only_supervisors_and_admins_install_targets(uow) -> None:
    with freeze_time(FROZEN_NOW):
        users.add_user(uow(), "boss", "admin", actor="boss", login="fake-login")
        users.add_user(uow(), "lan", "staff", actor="boss", login="lan")
        with pytest.raises(PermissionDenied):
            services.install_targets(uow(), str(example_path()), actor="lan")


def test_targets_report_needs_installed_targets(uow) -> None:
    with pytest.raises(InvalidInput, match="no targets are installed"):
        services.target_report(uow(), as_of=TODAY)


def test_target_status_from_the_forecast(uow, tmp_path) -> None:
    two_step_history(uow)
    as_of = date(2026, 3, 1)
    register(uow, "X", "investment_approval", as_of - timedelta(days=35))
    with freeze_time(FROZEN_NOW):
        by = as_of + timedelta(days=115)  # two runs in three arrive by then
        services.install_targets(uow(), write(tmp_path, DEADLINE.format(by=by)), actor="x")
        [row] = services.target_report(uow(), as_of=as_of)
        assert (row.target, row.kind, row.by, row.status, row.deciding) == (
            "x_operating", "deadline", by, "at_risk", ("X",))  # fmt: skip
        assert row.probability is not None and abs(row.probability - 2 / 3) < 0.04
        later = DEADLINE.format(by=as_of + timedelta(days=125)).replace('"1"', '"2"')
        services.install_targets(uow(), write(tmp_path, later), actor="x")
        [row] = services.target_report(uow(), as_of=as_of)
        assert (row.status, row.probability) == ("on_track", 1.0)
