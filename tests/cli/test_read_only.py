"""An inspector's copy: a database in a read-only folder or on read-only media is read
as it is, and a write is refused with one line."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import cli

from ..conftest import FROZEN_NOW, dump
from .test_hostile import _one_error, _read_only

READS = [
    ["cluster", "list"],
    ["cluster", "list", "--format", "json"],
    ["cluster", "show", "A1"],
    ["cluster", "export"],
    ["history", "A1"],
    ["history", "A1", "--format", "json"],
    ["report", "stalled"],
    ["report", "bottlenecks"],
    ["report", "funnel"],
    ["audit", "verify"],
    ["audit", "log"],
    ["user", "list"],
    ["user", "log"],
]
WRITES = [
    ["advance", "A1"],
    ["cluster", "add", "B1", "--name", "Cụm B"],
    ["cluster", "edit", "A1", "--name", "Cụm mới", "--reason", "x"],
    ["user", "add", "an", "--role", "staff"],
]


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def _run(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), "--actor", "tester", *args])


@pytest.fixture
def copy(sqlite_template, tmp_path) -> Path:
    """A folder holding a database with some history, its WAL checkpointed away."""
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "ccn.db"
    shutil.copy(sqlite_template, db)
    for args in (
        ["cluster", "add", "A1", "--name", "Cụm A", "--since", "2025-01-02"],
        ["advance", "A1", "--on", "2025-03-03"],
        ["suspend", "A1", "--reason", "chờ vốn", "--on", "2025-04-01"],
        ["resume", "A1", "--on", "2025-05-02"],
    ):
        assert _run(db, *args).exit_code == 0
    assert not (folder / "ccn.db-wal").exists()
    return db


def test_reads_work_in_a_read_only_folder(copy) -> None:
    expected = {tuple(a): _run(copy, *a) for a in READS}
    for args, r in expected.items():
        assert r.exit_code == 0, (args, r.stderr)
    before = dump(f"sqlite:///{copy}")
    with _read_only(copy.parent) as view:
        for args, want in expected.items():
            r = _run(view / "ccn.db", *args)
            assert (r.exit_code, r.stderr) == (0, ""), (args, r.stderr)
            assert r.stdout == want.stdout, args
        assert sorted(p.name for p in view.iterdir()) == ["ccn.db"]
    assert dump(f"sqlite:///{copy}") == before


def test_writes_in_a_read_only_folder_fail_with_one_line(copy) -> None:
    before = dump(f"sqlite:///{copy}")
    with _read_only(copy.parent) as view:
        db = view / "ccn.db"
        # Root is stopped by the read-only mount; others by file modes (see _read_only).
        why = (
            "it is on a read-only medium or mount"
            if os.geteuid() == 0
            else "the file cannot be written"
        )
        for args in (*WRITES, ["init"]):
            err = _one_error(_run(db, *args))
            assert err == f"Error: database sqlite:///{db} is read-only: {why}\n", args
    assert dump(f"sqlite:///{copy}") == before


def test_an_immutable_file_in_a_writable_folder(copy) -> None:
    """Read-only media as root sees it: the file cannot be written, whatever its mode."""
    try:
        subprocess.run(["chattr", "+i", str(copy)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make the file immutable here: {exc}")
    try:
        before = dump(f"sqlite:///{copy}")
        for args in READS:
            assert _run(copy, *args).exit_code == 0, args
        err = _one_error(_run(copy, "advance", "A1"))
        assert err == f"Error: database sqlite:///{copy} is read-only: the file cannot be written\n"
        assert dump(f"sqlite:///{copy}") == before
    finally:
        subprocess.run(["chattr", "-i", str(copy)], check=False, capture_output=True)
