"""The page's read model from histories: stays, suspensions, reverts, dwell samples."""

from __future__ import annotations

from datetime import date

from workflow.dashboard import Dwell, Segment, Timeline, dwell, timeline
from workflow.ports import Move

D = date


def m(event: str, src: str | None, dst: str, day: date) -> Move:
    return Move(event, src, dst, day, "t", None)


def test_each_move_starts_a_stay_and_suspensions_are_stays_of_their_own() -> None:
    entries = [
        m("register", None, "planned", D(2024, 1, 1)),
        m("advance", "planned", "planning_compliant", D(2024, 2, 1)),
        m("amend", "planning_compliant", "planning_compliant", D(2024, 2, 1)),
        m("suspend", "planning_compliant", "suspended", D(2024, 3, 1)),
        m("resume", "suspended", "planning_compliant", D(2024, 4, 1)),
        m("advance", "planning_compliant", "establishment", D(2024, 5, 1)),
        m("send_back", "establishment", "planning_compliant", D(2024, 5, 1)),
        m("advance", "planning_compliant", "establishment", D(2024, 7, 1)),
    ]
    assert timeline("A1", entries, D(2024, 12, 31)) == Timeline("A1", (
        Segment("planned", D(2024, 1, 1), D(2024, 2, 1)),
        Segment("planning_compliant", D(2024, 2, 1), D(2024, 3, 1)),
        Segment("suspended", D(2024, 3, 1), D(2024, 4, 1)),
        Segment("planning_compliant", D(2024, 4, 1), D(2024, 5, 1)),
        Segment("establishment", D(2024, 5, 1), D(2024, 5, 1)),  # kept: it was entered
        Segment("planning_compliant", D(2024, 5, 1), D(2024, 7, 1)),
        Segment("establishment", D(2024, 7, 1), D(2024, 12, 31)),
    ))  # fmt: skip
    assert timeline("A1", entries, D(2024, 3, 15)).segments[-1] == Segment(
        "suspended", D(2024, 3, 1), D(2024, 3, 15)
    )
    assert timeline("A1", entries, D(2023, 12, 31)).segments == ()


def test_a_reverted_entry_is_no_stay() -> None:
    entries = [
        m("register", None, "planned", D(2024, 1, 1)),
        m("advance", "planned", "planning_compliant", D(2024, 2, 1)),
        m("revert", "planning_compliant", "planned", D(2024, 2, 1)),
        m("advance", "planned", "planning_compliant", D(2024, 6, 1)),
    ]
    assert timeline("A1", entries, D(2024, 7, 1)).segments == (
        Segment("planned", D(2024, 1, 1), D(2024, 6, 1)),
        Segment("planning_compliant", D(2024, 6, 1), D(2024, 7, 1)),
    )


def test_dwell_expands_histograms_in_state_order() -> None:
    found = dwell({"establishment": {30: 2, 10: 1}, "planned": {5: 1}, "x": {}},
                  ["planned", "planning_compliant", "establishment", "x"])  # fmt: skip
    assert found == [Dwell("planned", (5,)), Dwell("establishment", (10, 30, 30))]
