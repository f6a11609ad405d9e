"""Concurrent staff, as real OS processes, on SQLite and PostgreSQL."""

from __future__ import annotations

from workflow.audit import verify

from ..conftest import dump
from ..processes import run_workers


def _history_rows(url: str) -> int:
    return sum(1 for row in dump(url) if row[0] == "transitions")


def test_twelve_processes_race_for_the_same_advance(ccn, uow, tmp_path) -> None:
    ccn("cluster", "add", "C1", "--name", "Cụm công nghiệp Hợp Thành 1")
    before = _history_rows(ccn.url)
    cmd = ["--db", ccn.url, "--actor", "staff", "advance", "C1", "--to", "planning_compliant"]
    results = run_workers([[cmd] for _ in range(12)], tmp_path / "go")
    codes = [c for codes, _ in results for c in codes]
    assert sorted(codes) == [0] + [1] * 11
    for codes, err in results:
        assert "Traceback" not in err
        if codes == [1]:
            assert err.count("\n") == 1 and err.startswith("Error: "), err
            assert err in (
                "Error: cluster C1 is already in planning_compliant\n",
                "Error: cluster C1 was changed concurrently; it is now in planning_compliant\n",
            ), err
    assert _history_rows(ccn.url) == before + 1
    result = verify(uow())
    assert result.ok, result.problems


def test_sixteen_writers_on_their_own_clusters(ccn, uow, tmp_path) -> None:
    for i in range(16):
        ccn("cluster", "add", f"W{i}", "--name", f"Cụm {i}")
    before = _history_rows(ccn.url)
    work = []
    for i in range(16):
        base = ["--db", ccn.url, "--actor", f"staff{i}"]
        pair = [[*base, "suspend", f"W{i}", "--reason", "chờ vốn"], [*base, "resume", f"W{i}"]]
        work.append(pair * 10)
    results = run_workers(work, tmp_path / "go")
    for codes, err in results:
        assert codes == [0] * 20, err
        assert "database is locked" not in err
        assert err == ""
    assert _history_rows(ccn.url) == before + 320
    result = verify(uow())
    assert (result.ok, result.clusters, result.transitions) == (True, 16, 16 + 320)


def test_two_identical_advances_as_processes_move_one_step(ccn, uow, tmp_path) -> None:
    ccn("cluster", "add", "D1", "--name", "Cụm D1")
    before = _history_rows(ccn.url)
    cmd = ["--db", ccn.url, "--actor", "staff", "advance", "D1"]
    results = run_workers([[cmd], [cmd]], tmp_path / "go")
    assert sorted(c for codes, _ in results for c in codes) == [0, 1]
    errors = [err for codes, err in results if codes == [1]]
    assert errors == [
        "Error: cluster D1 was changed concurrently; it is now in planning_compliant\n"
    ]
    assert _history_rows(ccn.url) == before + 1
