"""Targets as data, and their status judged on simulated arrivals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from states import default_definition
from states.targets import Target, TargetsError, example_path, load_targets, parse_targets
from workflow.forecast import RUNS, Simulated
from workflow.targets import Judge, Member

D = default_definition()
AS_OF = date(2026, 3, 2)
BY = date(2026, 12, 31)
HEAD = '[targets]\nname = "t"\nversion = "1"\n'


def test_the_lang_son_example_holds_the_two_seed_targets() -> None:
    t = load_targets(example_path())
    assert t.key == "lang_son@2023"
    assert [(x.name, x.kind, x.state, x.at_least, x.by, x.occupancy_above) for x in t.targets] == [
        ("operating_2025", "count", "operating", 3, date(2025, 12, 31), None),
        ("district_coverage_2030", "coverage", "infrastructure", 1, date(2030, 12, 31), 50.0),
    ]  # fmt: skip
    assert len(t.sha256) == 64


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "x"\nkind = "quota"\nstate = "operating"\nby = 2026-01-01',
         "target 'x': kind must be one of count, coverage, deadline, not 'quota'"),
        ('name = "x"\nkind = "count"\nstate = "open"\nby = 2026-01-01',
         "target 'x': state 'open' is not on the main line"),
        ('name = "x"\nkind = "count"\nstate = "operating"\nby = "soon"',
         "target 'x': by 'soon' is not a date (YYYY-MM-DD)"),
        ('name = "x"\nkind = "count"\nstate = "operating"\nby = 2026-01-01\nat_least = 0',
         "target 'x': at_least must be a whole number of at least 1"),
        ('name = "x"\nkind = "deadline"\nstate = "operating"\nby = 2026-01-01',
         "target 'x': cluster must be a non-empty text"),
        ('name = "x"\nkind = "coverage"\nstate = "operating"\nby = 2026-01-01',
         "target 'x': occupancy_above must be a percentage (0-100)"),
        ('name = "x"\nkind = "count"\nstate = "operating"\nby = 2026-01-01\ncluster = "A"',
         "target 'x': unknown keys for a count target: cluster"),
        ('kind = "count"\nstate = "operating"\nby = 2026-01-01',
         "target #1 has no name"),
    ],
)  # fmt: skip
def test_a_bad_target_is_named(body: str, message: str) -> None:
    with pytest.raises(TargetsError) as err:
        parse_targets(f"{HEAD}[[target]]\n{body}\n", source="p.toml")
    assert str(err.value).startswith(f"invalid targets: p.toml: {message}")


def test_a_name_used_twice_is_named() -> None:
    one = '[[target]]\nname = "x"\nkind = "count"\nstate = "operating"\nby = 2026-01-01\n'
    with pytest.raises(TargetsError, match="target 'x': name used twice"):
        parse_targets(HEAD + one + one)


def test_not_toml_and_no_targets_are_refused() -> None:
    with pytest.raises(TargetsError, match="not valid TOML"):
        parse_targets("[targets")
    with pytest.raises(TargetsError, match=r"no \[\[target\]\] tables"):
        parse_targets(HEAD)


# ------------------------------------------------------------------ judging


def sim(code: str, state: str, operating: list[int]) -> Simulated:
    """A cluster one step from operating arriving `operating[r]` days after AS_OF."""
    return Simulated(code, state, {state: [0] * len(operating), "operating": operating}, False)


def judge(members: list[Member], sims: list[Simulated], as_of: date = AS_OF, then=None,
          occupancy=None) -> Judge:  # fmt: skip
    return Judge(D, as_of, members, {s.code: s for s in sims},
                 lambda day: then if then is not None else members, occupancy)  # fmt: skip


def count(at_least: int = 1, by: date = BY, locality: str | None = None) -> Target:
    return Target("n", "count", "operating", by, at_least, locality=locality)


DAYS_TO_BY = (BY - AS_OF).days


def runs(share_in_time: float) -> list[int]:
    """RUNS arrivals, `share_in_time` of them exactly on BY, the rest a day late."""
    k = round(share_in_time * RUNS)
    return [DAYS_TO_BY] * k + [DAYS_TO_BY + 1] * (RUNS - k)


def test_probability_exactly_0_8_is_on_track_and_just_below_at_risk() -> None:
    a = Member("A", "Cao Lộc", "infrastructure")
    on_track = judge([a], [sim("A", "infrastructure", runs(0.8))]).judge(count())
    assert (on_track.status, on_track.probability) == ("on_track", 0.8)
    below = judge([a], [sim("A", "infrastructure", runs(0.7995))]).judge(count())
    assert (below.status, below.probability) == ("at_risk", 0.7995)
    assert below.deciding == ("A",)


def test_already_true_is_met() -> None:
    row = judge([Member("A", None, "operating")], []).judge(count())
    assert (row.status, row.probability, row.deciding) == ("met", 1.0, ())


def test_on_the_target_date_itself_it_is_judged_on_what_happened() -> None:
    a = Member("A", None, "infrastructure")
    arrived = [Member("A", None, "operating")]
    met = judge([a], [], as_of=BY, then=arrived).judge(count())
    assert met.status == "met"
    missed = judge([a], [sim("A", "infrastructure", runs(1))], as_of=BY).judge(count())
    assert (missed.status, missed.probability) == ("missed", 0.0)
    # The day before, arriving on the date itself still counts.
    before = date(2026, 12, 30)
    row = judge([a], [sim("A", "infrastructure", [1] * RUNS)], as_of=before).judge(count())
    assert (row.status, row.probability) == ("on_track", 1.0)


def test_impossible_is_missed_before_the_date() -> None:
    members = [Member("A", None, "infrastructure"), Member("B", None, "cancelled")]
    row = judge(members, [sim("A", "infrastructure", runs(1))]).judge(count(2))
    assert (row.status, row.reason) == (
        "missed", "cannot be met even if every cluster arrives in time")  # fmt: skip


def test_reasons_are_in_the_table_s_language() -> None:
    members = [Member("A", None, "infrastructure"), Member("B", None, "cancelled")]
    impossible = judge(members, [sim("A", "infrastructure", runs(1))]).judge(count(2), "vi")
    assert impossible.reason == "không thể đạt kể cả khi mọi cụm về đích đúng hạn"
    late = judge(members, [], as_of=BY).judge(count(2), "vi")
    assert (late.status, late.reason) == ("missed", f"không đạt vào ngày {BY:%d/%m/%Y}")
    assert judge(members, [], as_of=BY).judge(count(2)).reason == f"not met on {BY.isoformat()}"
    unknown = Target("d", "deadline", "operating", BY, cluster="ZZ")
    assert judge(members, []).judge(unknown, "vi").reason == "chưa có cụm ZZ được đăng ký"
    assert judge(members, []).judge(coverage(), "vi").reason == (
        "chưa ghi nhận tỷ lệ lấp đầy (chỉ tiêu Mẫu 02)"
    )


def test_count_within_a_locality_ignores_case_and_accents() -> None:
    members = [Member("A", "Cao Lộc", "operating"), Member("B", "Bắc Sơn", "operating")]
    assert judge(members, []).judge(count(2, locality="cao loc")).status == "missed"
    assert judge(members, []).judge(count(1, locality="CAO LỘC")).status == "met"


def test_suspended_counts_where_it_resumes() -> None:
    m = Member("A", None, "suspended", resumes_to="operating")
    assert judge([m], []).judge(count()).status == "met"


def test_deadline_of_an_unknown_cluster_is_unmeasurable() -> None:
    t = Target("d", "deadline", "operating", BY, cluster="ZZ")
    row = judge([Member("A", None, "planned")], []).judge(t)
    assert (row.status, row.reason) == ("unmeasurable", "no cluster ZZ is registered")


def test_deadline_probability_is_the_cluster_s_share_of_runs_in_time() -> None:
    t = Target("d", "deadline", "operating", BY, cluster="a")
    row = judge([Member("A", None, "infrastructure")], [sim("A", "infrastructure", runs(0.25))])
    assert (row.judge(t).status, row.judge(t).probability) == ("at_risk", 0.25)


def coverage(localities: tuple[str, ...] | None = None) -> Target:
    return Target("c", "coverage", "infrastructure", BY, 1, localities=localities,
                  occupancy_above=50.0)  # fmt: skip


def test_coverage_without_occupancy_is_unmeasurable() -> None:
    row = judge([Member("A", "X", "operating")], []).judge(coverage())
    assert (row.status, row.probability) == ("unmeasurable", None)
    assert row.reason == "occupancy is not recorded (Form 02 indicators)"
    empty = judge([Member("A", "X", "operating")], [], occupancy=lambda day: {"A": None})
    assert empty.judge(coverage()).reason == "no cluster has a measured occupancy"


def test_coverage_needs_occupancy_strictly_above_the_bar_in_every_locality() -> None:
    members = [
        Member("A", "Cao Lộc", "operating"),
        Member("B", "Bắc Sơn", "investment_approval"),
        Member("C", "Bắc Sơn", "operating"),
    ]
    b = Simulated("B", "investment_approval", {"infrastructure": runs(0.9)}, False)
    seen: list[date] = []

    def occupancy(day: date) -> dict[str, float | None]:
        seen.append(day)
        return {"A": 60.0, "B": 75.0, "C": 50.0}  # C is at the bar, not above it

    row = judge(members, [b], occupancy=occupancy).judge(coverage())
    assert (row.status, row.probability, row.deciding) == ("on_track", 0.9, ("B",))
    assert set(seen) == {AS_OF}
    only = judge(members, [b], occupancy=occupancy).judge(coverage(("cao loc",)))
    assert only.status == "met"


def test_deciding_ranks_the_clusters_the_outcome_goes_with() -> None:
    # Two of three needed: A almost always arrives, B and C each half the time.
    members = [Member(c, None, "infrastructure") for c in "ABC"]
    half = [DAYS_TO_BY] * (RUNS // 2) + [DAYS_TO_BY + 1] * (RUNS // 2)
    sims = [
        sim("A", "infrastructure", [DAYS_TO_BY] * (RUNS - 2) + [DAYS_TO_BY + 1] * 2),
        sim("B", "infrastructure", half),
        sim("C", "infrastructure", half[::-1]),
    ]
    row = judge(members, sims).judge(count(2))
    # Met unless A is late (the last two runs, where C alone arrives). A goes with the
    # outcome most, B a little; C is in time exactly when B is not, so it decides nothing.
    assert (row.status, row.probability, row.deciding) == ("on_track", 0.999, ("A", "B"))


@given(
    st.lists(st.lists(st.integers(1, 400), min_size=20, max_size=20), min_size=1, max_size=4),
    st.integers(1, 4),
    st.integers(0, 400),
    st.integers(0, 400),
)
@settings(max_examples=60, deadline=None)
def test_a_later_date_is_never_less_likely(
    arrivals: list[list[int]], at_least: int, a: int, b: int
) -> None:
    members = [Member(f"C{i}", None, "infrastructure") for i in range(len(arrivals))]
    sims = [sim(f"C{i}", "infrastructure", days) for i, days in enumerate(arrivals)]
    early, late = sorted((a, b))

    def p(days: int) -> float | None:
        return judge(members, sims).judge(count(at_least, AS_OF + timedelta(days=days))).probability

    assert (p(early) or 0.0) <= (p(late) or 0.0)
