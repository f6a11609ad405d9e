"""The workflow definition loader: the default loads, and each bad rule is named."""

from __future__ import annotations

import pytest

from states import DefinitionError, Threshold, default_definition, parse_definition

BASE = """
[workflow]
name = "t"
version = "1"
initial = "a"
terminal = ["c"]
main_line = ["a", "b", "c"]

[[states]]
name = "a"
label_vi = "A vi"
label_en = "A"
threshold = { value = 3, unit = "days" }

[[states]]
name = "b"
label_vi = "B vi"
label_en = "B"

[[states]]
name = "c"
label_vi = "C vi"
label_en = "C"

[[events]]
name = "advance"
label_vi = "tiếp"
label_en = "advance"
roles = ["staff"]
moves = [["a", "b"], ["b", "c"]]
"""


def test_default_definition_declares_the_procedure() -> None:
    d = default_definition()
    assert d.key == "cluster_establishment@nd32-2024"
    assert d.state_names == (
        "planned", "planning_compliant", "establishment", "investment_approval",
        "infrastructure", "operating", "suspended", "cancelled",
    )  # fmt: skip
    assert d.initial == "planned"
    assert d.terminal == ("operating", "cancelled")
    thresholds = {s.name: s.threshold for s in d.states}
    assert thresholds == {
        "planned": Threshold(365, "days"),
        "planning_compliant": Threshold(180, "days"),
        "establishment": Threshold(60, "working_days"),
        "investment_approval": Threshold(45, "working_days"),
        "infrastructure": Threshold(1095, "days"),
        "suspended": Threshold(180, "days"),
        "operating": None,
        "cancelled": None,
    }
    assert d.state("investment_approval").requires == ("ref",)
    assert d.state("infrastructure").requires == ("ref",)
    for event in ("suspend", "send_back", "cancel"):
        assert d.event(event).requires == ("reason",)
    assert d.roles_for("cancel") == ("supervisor",)
    assert d.roles_for("revert") == ("supervisor",)
    assert d.roles_for("advance") == ("staff", "supervisor")
    assert all(s.label_vi and s.label_en for s in d.states)
    assert len(d.sha256) == 64


def test_minimal_definition_loads() -> None:
    d = parse_definition(BASE)
    assert d.next_state("a") == "b"
    assert d.next_state("c") is None


@pytest.mark.parametrize(
    ("old", "new", "message", "state"),
    [
        ('moves = [["a", "b"], ["b", "c"]]', 'moves = [["a", "b"], ["b", "x"]]',
         "event 'advance' target names unknown state 'x'", "x"),
        ('moves = [["a", "b"], ["b", "c"]]', 'moves = [["a", "c"], ["b", "c"]]',
         "state 'b' is unreachable from 'a'", "b"),
        ('moves = [["a", "b"], ["b", "c"]]', 'moves = [["a", "b"]]',
         "state 'b' is not terminal but has no way out", "b"),
        ('name = "c"\nlabel_vi = "C vi"', 'name = "b"\nlabel_vi = "C vi"',
         "duplicate state name 'b'", "b"),
        ('unit = "days"', 'unit = "weeks"',
         "state 'a': bad threshold unit 'weeks' (use days or working_days)", "a"),
        ('initial = "a"', 'initial = "z"', "initial names unknown state 'z'", "z"),
        ('roles = ["staff"]', 'roles = ["boss"]',
         "roles for 'advance': unknown role 'boss' (use staff, supervisor, auditor, admin)", None),
        ('value = 3,', 'value = -3,', "state 'a': threshold value must be a positive integer",
         "a"),
        ('moves = [["a", "b"], ["b", "c"]]', 'moves = [["a", "b"], ["b", "c"], ["c", "a"]]',
         "event 'advance' leaves terminal state 'c'", "c"),
    ],
)  # fmt: skip
def test_bad_definitions_name_the_problem(
    old: str, new: str, message: str, state: str | None
) -> None:
    assert old in BASE
    with pytest.raises(DefinitionError) as info:
        parse_definition(BASE.replace(old, new, 1), source="t.toml")
    assert str(info.value) == f"invalid workflow definition: t.toml: {message}"
    assert info.value.state == state


def test_duplicate_event_names_are_refused() -> None:
    text = BASE + BASE[BASE.index("[[events]]") :]
    with pytest.raises(DefinitionError, match="duplicate event name 'advance'"):
        parse_definition(text)


def test_not_toml_is_refused() -> None:
    with pytest.raises(DefinitionError, match="not valid TOML"):
        parse_definition("[workflow\n")
