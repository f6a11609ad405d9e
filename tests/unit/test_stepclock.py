"""The step clock against an independent day-by-day oracle."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.attributes import migrate_data
from workflow.model import GENESIS, Transition
from workflow.stepclock import clock_on, passages
from workflow.workdays import WorkCalendar

CAL = WorkCalendar()


# --- property: the clock against an independent day-by-day oracle -----------------

MAIN = ["planned", "planning_compliant", "establishment", "investment_approval"]
START = date(2024, 1, 1)


def _entry(seq: int, event: str, src: str | None, dst: str, day: date) -> Transition:
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return Transition("P1", seq, event, src, dst, at, day, at, "a", None, None, GENESIS, "h")


@st.composite
def histories(draw):
    """A legal history, and beside it the entries that stand after each one (the oracle)."""
    day = START
    entries = [_entry(1, "register", None, "planned", day)]
    # Each snapshot: (state, resumes_to, standing entries); a revert goes back one snapshot.
    snaps: list[tuple[str, str | None, tuple[Transition, ...]]] = [("planned", None, (entries[0],))]
    for _ in range(draw(st.integers(0, 12))):
        day += timedelta(days=draw(st.integers(0, 40)))
        state, origin, standing = snaps[-1]
        options = ["revert"] if len(snaps) >= 2 else []
        if state == "suspended":
            options.append("resume")
        else:
            options += ["suspend", "advance"] if MAIN.index(state) < len(MAIN) - 1 else ["suspend"]
            options += ["send_back"] if MAIN.index(state) > 0 else []
        event = draw(st.sampled_from(options))
        seq = len(entries) + 1
        if event == "revert":
            target = snaps[-2]
            entries.append(_entry(seq, "revert", state, target[0], day))
            snaps.append(target)
            continue
        nxt: tuple[str, str | None]
        if event == "suspend":
            nxt = ("suspended", state)
        elif event == "resume":
            assert origin is not None  # a suspended snapshot knows where it resumes to
            nxt = (origin, None)
        elif event == "advance":
            nxt = (MAIN[MAIN.index(state) + 1], None)
        else:
            nxt = (MAIN[draw(st.integers(0, MAIN.index(state) - 1))], None)
        t = _entry(seq, event, state, nxt[0], day)
        entries.append(t)
        snaps.append((nxt[0], nxt[1], (*standing, t)))
    return entries, snaps[-1][2], day


def oracle(standing, as_of: date) -> tuple[str, int, int]:
    """(state, days, working days), counting one day at a time.

    Day x counts toward where the cluster stands on `as_of` when, after every entry
    effective before x, it was in that same stay: the same step (a resume continues
    the step it suspended) or a suspension of that same step (every suspension of a
    step is one stay, so suspending again never restarts it).
    """
    waiting: Any  # a stay: (state, stay number) or ("suspended", the stay it suspends)
    where: Any
    timeline, stays, waiting, where = [], iter(range(1_000_000)), None, None
    for t in (t for t in standing if t.effective_on <= as_of):
        if t.event == "suspend":
            waiting, where = where, ("suspended", where)
        elif t.event == "resume":
            where, waiting = waiting, None
        else:
            where = (t.to_state, next(stays))
        timeline.append((t.effective_on, where))
    final = timeline[-1][1]
    counted = []
    x = START + timedelta(days=1)
    while x <= as_of:
        if [w for d, w in timeline if d < x][-1:] == [final]:
            counted.append(x)
        x += timedelta(days=1)
    return final[0], len(counted), sum(1 for x in counted if CAL.is_working(x))


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(0, 60))
def test_clock_equals_a_day_by_day_oracle(history, extra) -> None:
    entries, standing, last_day = history
    for as_of in (last_day, last_day + timedelta(days=extra), START + timedelta(days=extra)):
        clock = clock_on(entries, as_of)
        state, days, working = oracle(standing, as_of)
        assert clock is not None
        assert (clock.state, clock.days(as_of), clock.working_days(as_of, CAL)) == (
            state,
            days,
            working,
        )


# --- a definition switch renaming the state ---------------------------------------


RENAMED = {"infrastructure": "infra_works"}


def _migrate(seq: int, src: str, dst: str, day: date, renames: dict[str, str]) -> Transition:
    t = _entry(seq, "migrate", src, dst, day)
    return replace(t, data=migrate_data("w@1", "w@2", "sha", renames))


def test_a_renamed_step_runs_on_as_one_stay() -> None:
    d = date.fromisoformat
    history = [
        _entry(1, "register", None, "investment_approval", d("2024-06-01")),
        _entry(2, "advance", "investment_approval", "infrastructure", d("2025-01-01")),
        _entry(3, "suspend", "infrastructure", "suspended", d("2025-03-01")),
        _entry(4, "resume", "suspended", "infrastructure", d("2025-04-01")),
        # `workflow migrate --map infrastructure=infra_works`: effective when it entered.
        _migrate(5, "infrastructure", "infra_works", d("2025-04-01"), RENAMED),
    ]
    c = clock_on(history, d("2025-05-01"))
    assert c is not None
    assert (c.state, c.since, c.pauses) == ("infra_works", d("2025-01-01"),
                                            ((d("2025-03-01"), d("2025-04-01")),))  # fmt: skip
    assert c.last.event == "resume"  # the rename moved nothing
    # No stay of infrastructure ended by the rename: only the one before it.
    assert list(passages(history, d("2025-05-01"))) == [
        ("investment_approval", 214), ("suspended", 31)]  # fmt: skip
    done = [*history, _entry(6, "advance", "infra_works", "operating", d("2025-05-01"))]
    assert list(passages(done, d("2025-05-01")))[-1] == ("infra_works", 120 - 31)


def test_a_suspended_step_renamed_resumes_in_its_new_name_unrestarted() -> None:
    d = date.fromisoformat
    history = [
        _entry(1, "register", None, "investment_approval", d("2024-06-01")),
        _entry(2, "advance", "investment_approval", "infrastructure", d("2025-01-01")),
        _entry(3, "suspend", "infrastructure", "suspended", d("2025-03-01")),
        _migrate(4, "suspended", "suspended", d("2025-03-01"), RENAMED),
        _entry(5, "resume", "suspended", "infra_works", d("2025-04-01")),
    ]
    suspended = clock_on(history, d("2025-03-15"))
    assert suspended is not None and suspended.resumes_to == "infra_works"
    c = clock_on(history, d("2025-05-01"))
    assert c is not None
    assert (c.state, c.since, c.paused_days()) == ("infra_works", d("2025-01-01"), 31)


def test_revert_effect_follows_a_chain_of_reverts() -> None:
    from types import SimpleNamespace

    from workflow.stepclock import revert_effect, standing

    def chain(*events: str) -> list[Any]:
        return [SimpleNamespace(seq=i + 1, event=e) for i, e in enumerate(events)]

    def seqs(entries: list[Any]) -> list[int]:
        return [t.seq for t in entries]

    base = chain("register", "advance", "milestone")
    assert tuple(map(seqs, revert_effect(base))) == ([3], [])
    once = chain("register", "advance", "milestone", "revert")
    assert tuple(map(seqs, revert_effect(once))) == ([], [3])
    twice = chain("register", "advance", "milestone", "revert", "revert")
    assert tuple(map(seqs, revert_effect(twice))) == ([3], [])
    # What it says is what `standing` then gives.
    for entries in (base, once, twice):
        undone, back = revert_effect(entries)
        after = standing([*entries, SimpleNamespace(seq=99, event="revert")])
        before = standing(entries)
        assert seqs(after) == sorted(set(seqs(before)) - set(seqs(undone)) | set(seqs(back)))
