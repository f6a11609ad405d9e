"""Milestones: the definition's declarations, the recording rules and the law's counting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from states import DefinitionError, Threshold, default_definition, parse_definition
from workflow import milestones
from workflow.commands import NewCluster
from workflow.errors import DateOutOfRange, InvalidInput, TransitionRefused
from workflow.model import Cluster, Transition
from workflow.workdays import WorkCalendar

from .test_definition import BASE

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 02/03/2026 in Vietnam
CAL = WorkCalendar()


def test_nd32_declares_the_establishment_milestones_in_order() -> None:
    est = default_definition().state("establishment")
    table = [(m.name, m.limit, m.counts_from, m.pauses, m.resumes, m.optional)
             for m in est.milestones]  # fmt: skip
    assert table == [
        ("first_application", None, None, None, None, False),
        ("notice_published", Threshold(5, "working_days"), "first_application", None, None,
         False),
        ("applications_closed", Threshold(15, "days"), "notice_published", None, None, False),
        ("dossier_forwarded", Threshold(5, "working_days"), "applications_closed", None, None,
         False),
        ("dossier_complete", None, None, None, None, False),
        ("dossier_returned", None, None, "appraisal_reported", None, True),
        ("dossier_resubmitted", None, None, None, "appraisal_reported", True),
        ("appraisal_reported", Threshold(25, "days"), "dossier_complete", None, None, False),
        ("decision_issued", Threshold(7, "working_days"), "appraisal_reported", None, None,
         False),
    ]  # fmt: skip
    assert all(m.responsible for m in est.milestones)
    infra = default_definition().state("infrastructure")
    assert [m.name for m in infra.milestones] == [
        "detailed_plan_approved", "infrastructure_project_approved", "eia_approved",
        "land_allocated", "site_clearance_done", "construction_started",
        "wastewater_plant_built", "wastewater_plant_compliant", "commissioned",
    ]  # fmt: skip
    assert all(m.limit is None for m in infra.milestones)


def _with(milestones_toml: str) -> str:
    # The milestones belong to state "a" of the loader tests' small definition.
    return BASE.replace(
        'threshold = { value = 3, unit = "days" }\n',
        'threshold = { value = 3, unit = "days" }\n' + milestones_toml,
    )


def _m(name: str, extra: str = "") -> str:
    head = f'[[states.milestones]]\nname = "{name}"\n'
    return f'{head}label_vi = "{name}"\nlabel_en = "{name}"\n{extra}\n'


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        (_m("x", 'counts_from = "nope"\nlimit = { value = 5, unit = "days" }'),
         "state 'a', milestone 'x': counts_from names unknown milestone 'nope'"),
        (_m("x", 'counts_from = "y"') + _m("y", 'counts_from = "x"'),
         "state 'a', milestone 'x': counts_from forms a cycle (x -> y -> x)"),
        (_m("x") + _m("y", 'counts_from = "x"\nlimit = { value = 5, unit = "days" }')
         + _m("p", 'pauses = "y"\noptional = true'),
         "state 'a', milestone 'p': pauses 'y' but no milestone resumes it"),
        (_m("x") + _m("r", 'resumes = "x"\noptional = true'),
         "state 'a', milestone 'r': resumes 'x' but no milestone pauses it"),
        (_m("x", 'limit = { value = 5, unit = "weeks" }'),
         "state 'a', milestone 'x': bad limit unit 'weeks' (use days or working_days)"),
        (_m("x", 'limit = { value = 5, unit = "days" }'),
         "state 'a', milestone 'x': a limit needs counts_from"),
        (_m("x") + _m("x"), "state 'a': duplicate milestone name 'x'"),
        (_m("x", 'due = 3'), "state 'a', milestone 'x': unknown key 'due'"),
        (_m("x") + _m("y", 'counts_from = "x"\nlimit = { value = 100000000, unit = "days" }'),
         "state 'a', milestone 'y': limit value 100000000 is too large (at most 3650 days)"),
        (_m("x") + _m("y", 'counts_from = "x"\nlimit = { value = 2601, unit = "working_days" }'),
         "state 'a', milestone 'y': limit value 2601 is too large (at most 2600 working days)"),
        (_m("y", 'counts_from = "x"\nlimit = { value = 5, unit = "days" }') + _m("x"),
         "state 'a', milestone 'y': counts_from names 'x', which comes later in the order, "
         "so its clock could never start"),
    ],
)  # fmt: skip
def test_loader_names_the_state_and_the_milestone(toml: str, problem: str) -> None:
    with pytest.raises(DefinitionError) as err:
        parse_definition(_with(toml))
    assert err.value.problem == problem
    assert err.value.state == "a"


def test_loader_refuses_a_milestone_name_in_two_states() -> None:
    text = _with(_m("x")).replace('label_en = "B"\n', 'label_en = "B"\n' + _m("x"), 1)
    with pytest.raises(DefinitionError) as err:
        parse_definition(text)
    assert err.value.problem == (
        "state 'b', milestone 'x': the name is already a milestone of state 'a'"
    )
    assert err.value.state == "b"


def test_loader_accepts_the_longest_limits() -> None:
    d = parse_definition(
        _with(_m("x") + _m("y", 'counts_from = "x"\nlimit = { value = 3650, unit = "days" }'))
    )
    limit = d.state("a").milestones[1].limit
    assert limit == Threshold(3650, "days")
    # Ten years of days is counted at once, not a crash.
    assert milestones.due_date(date(2026, 1, 5), 3650, "days", CAL) == date(2036, 1, 3)


# ------------------------------------------------------------------ due dates


def due(start: str, value: int, unit: str, pauses: tuple[tuple[str, str], ...] = ()) -> date:
    spans = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in pauses]
    return milestones.due_date(date.fromisoformat(start), value, unit, CAL, spans)


@pytest.mark.parametrize(
    ("start", "value", "unit", "expected"),
    [
        # Tết 2025 (27-31/01, with the weekends 25/01-02/02): the 5th working day after
        # Monday 20/01 is Monday 03/02.
        ("2025-01-20", 5, "working_days", "2025-02-03"),
        # 25 days from Monday 26/01/2026 end on Friday 20/02, in Tết 2026 (16-20/02):
        # the limit moves to the next working day, Monday 23/02 (Civil Code Art. 148).
        ("2026-01-26", 25, "days", "2026-02-23"),
        # 7 working days from Thursday 12/02/2026 across Tết: 13/02, then 23-27/02, 02/03.
        ("2026-02-12", 7, "working_days", "2026-03-02"),
        # National Day 2025 (Mon 01/09, Tue 02/09): 5 working days from Wednesday 27/08.
        ("2025-08-27", 5, "working_days", "2025-09-05"),
        # 15 days from Sunday 17/08/2025 land on 01/09, a holiday, as is 02/09: 03/09.
        ("2025-08-17", 15, "days", "2025-09-03"),
        # The make-up Saturday 26/04/2025 is a working day; 30/04, 01/05 and the
        # swapped Friday 02/05 are not.
        ("2025-04-22", 7, "working_days", "2025-05-05"),
        # Saturday 22/08/2026 is worked (for Monday 31/08): a limit may end on it...
        ("2026-08-07", 15, "days", "2026-08-22"),
        ("2026-08-19", 7, "working_days", "2026-08-27"),
        # ...while one ending on a Sunday moves to Monday.
        ("2025-03-01", 15, "days", "2025-03-17"),
    ],
)  # fmt: skip
def test_due_dates_as_the_law_counts_them(start: str, value: int, unit: str, expected: str) -> None:
    assert due(start, value, unit) == date.fromisoformat(expected)


def test_paused_days_do_not_count() -> None:
    # Complete 03/03/2025, returned 10/03, resubmitted 20/03: 10 days paused, so 25 days
    # end on 07/04/2025, Hùng Kings' Day, and move to 08/04.
    assert due("2025-03-03", 25, "days", (("2025-03-10", "2025-03-20"),)) == date(2025, 4, 8)
    # In working days: the 8 working days of (10/03, 20/03] are left out.
    assert due("2025-03-03", 10, "working_days") == date(2025, 3, 17)
    assert due("2025-03-03", 10, "working_days", (("2025-03-10", "2025-03-20"),)) == date(
        2025, 3, 27
    )


def test_a_local_day_off_moves_the_due_date(tmp_path) -> None:
    from workflow.workdays import load_calendar

    path = tmp_path / "cal.toml"
    path.write_text('[[day_off]]\ndate = "2025-03-17"\nname = "Lễ hội tỉnh"\n', encoding="utf-8")
    local = WorkCalendar(load_calendar(path))
    assert milestones.due_date(date(2025, 3, 1), 15, "days", local) == date(2025, 3, 18)


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(date(2024, 1, 1), date(2027, 12, 31)),
    value=st.integers(1, 60),
    unit=st.sampled_from(["days", "working_days"]),
    pause=st.one_of(st.none(), st.tuples(st.integers(0, 40), st.integers(1, 30))),
)
def test_a_due_date_is_never_a_day_off_nor_before_the_limit(
    start: date, value: int, unit: str, pause: tuple[int, int] | None
) -> None:
    spans = []
    if pause is not None:
        a = start + timedelta(days=pause[0])
        spans = [(a, a + timedelta(days=pause[1]))]
    end = milestones.due_date(start, value, unit, CAL, spans)
    assert CAL.is_working(end)

    def counted(until: date) -> int:
        n, d = 0, start
        while d < until:
            d += timedelta(days=1)
            paused = any(x < d <= y for x, y in spans)
            n += not paused and (unit == "days" or CAL.is_working(d))
        return n

    assert counted(end) >= value
    assert end >= start + timedelta(days=value)
    # Never later than needed: the day before, the limit had not run out, or was a day off.
    before = end - timedelta(days=1)
    assert counted(before) < value or not CAL.is_working(before)


# ------------------------------------------------------------------ recording rules


def _cluster(state: str = "establishment", since: date = date(2025, 1, 2)):
    d = default_definition()
    c, first = Cluster.register(
        d, NewCluster("HT1", "Hợp Thành", state=state, since=since, ref="QĐ 1"),
        actor="lan", login="lan", now=NOW,
    )  # fmt: skip
    return d, c, [first]


def _stay(history: list[Transition]) -> milestones.Stay:
    found = milestones.stay(history)
    assert found is not None
    return found


def _record(d, c, history: list[Transition], name: str, on: str):
    c, t = c.record_milestone(d, name, date.fromisoformat(on), actor="lan", login="lan",
                              now=NOW, history=history)  # fmt: skip
    history.append(t)
    return c


def test_a_milestone_moves_nothing_and_carries_its_name_and_date_in_the_hash() -> None:
    d, c, history = _cluster()
    after = _record(d, c, history, "first_application", "2025-01-20")
    t = history[-1]
    assert (t.event, t.from_state, t.to_state) == ("milestone", "establishment", "establishment")
    assert t.effective_at == c.since  # the step clock does not move
    assert t.data == '{"milestone":"first_application","on":"2025-01-20"}'
    assert (after.state, after.since, after.last_seq, after.head_hash) == (
        "establishment", c.since, 2, t.hash)  # fmt: skip
    from workflow.chain import hash_of

    assert hash_of(t) == t.hash
    forged = Transition(**{**t.__dict__, "data": t.data.replace("01-20", "01-21")})
    assert hash_of(forged) != t.hash


def test_order_state_and_date_refusals() -> None:
    d, c, history = _cluster()
    c = _record(d, c, history, "first_application", "2025-01-20")
    c = _record(d, c, history, "dossier_forwarded", "2025-02-20")  # skipping is allowed
    with pytest.raises(TransitionRefused, match="notice_published comes before dossier_forwarded"):
        _record(d, c, history, "notice_published", "2025-02-21")
    with pytest.raises(TransitionRefused, match="already has milestone first_application"):
        _record(d, c, history, "first_application", "2025-02-21")
    with pytest.raises(InvalidInput, match="milestone land_allocated belongs to infrastructure"):
        _record(d, c, history, "land_allocated", "2025-02-21")
    with pytest.raises(InvalidInput, match="unknown milestone 'nope'"):
        _record(d, c, history, "nope", "2025-02-21")
    with pytest.raises(DateOutOfRange, match="is before dossier_forwarded, recorded for 20/02"):
        _record(d, c, history, "dossier_complete", "2025-02-19")
    with pytest.raises(DateOutOfRange, match="is in the future"):
        _record(d, c, history, "dossier_complete", "2026-03-03")
    d2, c2, h2 = _cluster(since=date(2025, 1, 10))
    with pytest.raises(DateOutOfRange, match="before cluster HT1 entered establishment on 10/01"):
        _record(d2, c2, h2, "first_application", "2025-01-09")
    d3, c3, h3 = _cluster(state="planned")
    with pytest.raises(InvalidInput, match=r"cluster HT1 is in planned \(milestones of planned"):
        _record(d3, c3, h3, "first_application", "2025-01-09")


def test_pause_and_resume_of_the_appraisal_clock() -> None:
    d, c, history = _cluster()
    c = _record(d, c, history, "dossier_complete", "2025-03-03")
    with pytest.raises(TransitionRefused, match="is not paused: nothing for dossier_resubmitted"):
        _record(d, c, history, "dossier_resubmitted", "2025-03-05")
    c = _record(d, c, history, "dossier_returned", "2025-03-10")
    with pytest.raises(TransitionRefused, match="already paused since 10/03/2025; record dossier_"):
        _record(d, c, history, "dossier_returned", "2025-03-11")
    stay = _stay(history)
    # While the dossier is back with the applicant no date runs against DOIT.
    assert milestones.open_deadlines(d, stay, date(2025, 3, 15), CAL) == []
    assert milestones.paused_clocks(d, stay) == [("appraisal_reported", date(2025, 3, 10))]
    c = _record(d, c, history, "dossier_resubmitted", "2025-03-20")
    [row] = milestones.open_deadlines(d, _stay(history), date(2025, 4, 1), CAL)
    assert (row.milestone, row.counts_from, row.started_on, row.due_on, row.paused_days,
            row.days_left, row.working_days_left) == (
        "appraisal_reported", "dossier_complete", date(2025, 3, 3), date(2025, 4, 8), 10, 7, 4,
    )  # fmt: skip
    # A second return pauses it again.
    c = _record(d, c, history, "dossier_returned", "2025-04-01")
    c = _record(d, c, history, "dossier_resubmitted", "2025-04-03")
    [row] = milestones.open_deadlines(d, _stay(history), date(2025, 4, 3), CAL)
    assert (row.due_on, row.paused_days) == (date(2025, 4, 9), 12)
    c = _record(d, c, history, "appraisal_reported", "2025-04-09")
    [row] = milestones.open_deadlines(d, _stay(history), date(2025, 4, 21), CAL)
    assert (row.milestone, row.due_on, row.days_left, row.working_days_left) == (
        "decision_issued", date(2025, 4, 18), -3, -1)  # fmt: skip


def test_advancing_leaves_milestones_behind_and_a_new_stay_starts_empty() -> None:
    d, c, history = _cluster()
    c = _record(d, c, history, "first_application", "2025-01-20")
    stay = _stay(history)
    assert [m.name for m in milestones.open_milestones(d, stay)] == [
        "notice_published", "applications_closed", "dossier_forwarded", "dossier_complete",
        "appraisal_reported", "decision_issued",
    ]  # fmt: skip
    from workflow.commands import Step

    c, t = c.apply(d, Step("HT1", "advance", on=date(2025, 2, 1), ref="QĐ 2"), actor="lan",
                   login="lan", now=NOW)  # fmt: skip
    history.append(t)
    stay = _stay(history)
    assert (stay.state, stay.marks) == ("investment_approval", ())
    assert milestones.open_milestones(d, stay) == []


def test_milestone_labels_for_pages_and_tables() -> None:
    from workflow.dashboard import DeadlineItem
    from workflow.deadlines import milestone_labels

    d = default_definition()
    assert milestone_labels(d, "establishment", "notice_published") == (
        "Notice published", "Thông báo tiếp nhận hồ sơ")  # fmt: skip
    assert milestone_labels(d, "establishment", "gone") is None
    assert milestone_labels(d, "nowhere", "notice_published") is None
    labels = milestone_labels(d, "establishment", "decision_issued")
    item = DeadlineItem("HT1", "Cụm HT1", "establishment", "decision_issued",
                        date(2026, 3, 2), 0, None, labels)  # fmt: skip
    assert item.label("vi") == "Quyết định thành lập"
    assert DeadlineItem("HT1", "x", "s", "m", date(2026, 3, 2), 0).label("vi") == "m"
