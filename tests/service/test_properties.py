"""Random event sequences never reach an undeclared state, and replay agrees."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import SqlUnitOfWork, open_engine
from states import default_definition
from workflow import services
from workflow.errors import CcnError
from workflow.replay import replay
from workflow.services import NewCluster

D = default_definition()
EVENTS = ["advance", "send_back", "suspend", "resume", "cancel"]
step = st.tuples(
    st.sampled_from(EVENTS),
    st.sampled_from([*D.state_names, None]),
    st.integers(min_value=0, max_value=40),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, max_size=25))
def test_random_sequences_stay_in_declared_states(sqlite_template, tmp_path_factory, steps) -> None:
    import shutil

    path = tmp_path_factory.mktemp("prop") / "ccn.db"
    shutil.copy(sqlite_template, path)
    engine = open_engine(f"sqlite:///{path}")

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine)

    day = date(2020, 1, 1)
    with freeze_time("2026-03-02 03:00:00"):
        services.register(uow(), NewCluster("P1", "Cụm P", since=day), actor="h")
        accepted = 1
        for event, to, gap in steps:
            day += timedelta(days=gap)
            kwargs: dict[str, Any] = {"actor": "h", "on": day}
            try:
                if event == "advance":
                    services.advance(uow(), "P1", ref="QĐ 1/QĐ-UBND", **kwargs)
                elif event == "send_back":
                    services.send_back(uow(), "P1", to=to or "planned", reason="r", **kwargs)
                elif event == "suspend":
                    services.suspend(uow(), "P1", reason="r", **kwargs)
                elif event == "resume":
                    services.resume(uow(), "P1", **kwargs)
                else:
                    services.cancel(uow(), "P1", reason="r", **kwargs)
                accepted += 1
            except CcnError:
                pass
            view = services.show(uow(), "P1")
            assert view.cluster.state in D.state_names
            hist = services.history(uow(), "P1")
            assert len(hist) == accepted
            replayed = replay(D, hist)
            assert replayed.state == view.cluster.state
            assert replayed.suspended_from == view.cluster.suspended_from
    engine.dispose()
