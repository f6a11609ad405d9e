"""The shared state machine: every (state, event) pair has a known outcome."""

from __future__ import annotations

from typing import Any

import pytest
import transitions

from states import default_definition
from workflow.engine import Engine, engine_for
from workflow.errors import EventNotAllowed, InvalidTarget, MissingField, TransitionRefused

D = default_definition()
E = engine_for(D)
MAIN = ["planned", "planning_compliant", "establishment", "investment_approval", "infrastructure"]

# (state, event, to, origin) -> destination, or the error type
CASES = [
    ("planned", "advance", None, None, "planning_compliant"),
    ("planning_compliant", "advance", None, None, "establishment"),
    ("establishment", "advance", None, None, "investment_approval"),
    ("investment_approval", "advance", None, None, "infrastructure"),
    ("infrastructure", "advance", None, None, "operating"),
    ("operating", "advance", None, None, EventNotAllowed),
    ("cancelled", "advance", None, None, EventNotAllowed),
    ("suspended", "advance", None, None, EventNotAllowed),
    ("planned", "advance", "establishment", None, InvalidTarget),  # no skipping
    ("planned", "advance", "planning_compliant", None, "planning_compliant"),
    ("planned", "send_back", "planned", None, EventNotAllowed),
    ("establishment", "send_back", "planned", None, "planned"),
    ("establishment", "send_back", "planning_compliant", None, "planning_compliant"),
    ("establishment", "send_back", "infrastructure", None, InvalidTarget),
    ("establishment", "send_back", None, None, MissingField),
    ("infrastructure", "send_back", "investment_approval", None, "investment_approval"),
    ("operating", "send_back", "infrastructure", None, EventNotAllowed),
    ("suspended", "send_back", "planned", None, EventNotAllowed),
    *[(s, "suspend", None, None, "suspended") for s in MAIN],
    ("suspended", "suspend", None, None, EventNotAllowed),
    ("operating", "suspend", None, None, EventNotAllowed),
    *[("suspended", "resume", None, s, s) for s in MAIN],
    ("suspended", "resume", "planned", "establishment", InvalidTarget),
    ("suspended", "resume", None, None, TransitionRefused),
    ("suspended", "resume", "planned", None, "planned"),
    ("establishment", "resume", None, None, EventNotAllowed),
    *[(s, "cancel", None, None, "cancelled") for s in [*MAIN, "suspended"]],
    ("cancelled", "cancel", None, None, EventNotAllowed),
    ("operating", "cancel", None, None, EventNotAllowed),
    ("planned", "revert", None, None, EventNotAllowed),
]


@pytest.mark.parametrize(("state", "event", "to", "origin", "expected"), CASES)
def test_state_event_table(
    state: str, event: str, to: str | None, origin: str | None, expected: str | type[Exception]
) -> None:
    if isinstance(expected, str):
        assert E.resolve("C1", state, event, to=to, origin=origin) == expected
    else:
        with pytest.raises(expected):
            E.resolve("C1", state, event, to=to, origin=origin)


def test_refusal_names_state_and_allowed_events() -> None:
    with pytest.raises(EventNotAllowed) as info:
        E.resolve("HT1", "planned", "resume")
    assert info.value.state == "planned"
    assert info.value.allowed == ("advance", "suspend", "cancel")
    assert str(info.value) == (
        "cannot resume cluster HT1: it is in planned; allowed events: advance, suspend, cancel"
    )


def test_allowed_events_per_state() -> None:
    assert E.allowed("operating") == ()
    assert E.allowed("suspended") == ("resume", "cancel")
    assert E.allowed("infrastructure") == ("advance", "send_back", "suspend", "cancel")


def test_one_machine_is_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    original = transitions.Machine.__init__

    def counting(self: Any, *a: Any, **k: Any) -> None:
        built.append(self)
        original(self, *a, **k)

    monkeypatch.setattr(transitions.Machine, "__init__", counting)
    assert engine_for(D) is E
    for _ in range(1000):
        E.resolve("C", "planned", "advance")
    assert built == []
    assert isinstance(Engine(D), Engine) and len(built) == 1
