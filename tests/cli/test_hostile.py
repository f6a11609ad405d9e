"""A catalogue of hostile and malformed input.

Every case exits 1 or 2 with exactly one `Error:` line, no traceback, and the
database is byte-for-byte the same afterwards.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time

from cli import cli

from ..conftest import FROZEN_NOW, dump
from ..pgserver import PgServer
from ..processes import ccn as ccn_process


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def _csv(tmp: Path, text: str | bytes, name: str = "in.csv") -> str:
    path = tmp / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return str(path)


def _big_csv(tmp: Path) -> str:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["code", "name", "since"])
    for i in range(100_000):
        w.writerow([f"R{i:06d}", f"Cụm số {i}", "31/02/2025" if i == 50_000 else "2025-01-01"])
    return _csv(tmp, buf.getvalue(), "big.csv")


Case = Callable[[Path], list[str]]
CASES: dict[str, tuple[Case, int, str]] = {
    "unknown cluster": (lambda t: ["advance", "NOPE"], 1, "unknown cluster 'NOPE'"),
    "unknown state": (lambda t: ["send-back", "HT1", "--to", "moon", "--reason", "x"], 1,
                      "unknown state 'moon'"),
    "unknown event": (lambda t: ["teleport", "HT1"], 2, "No such command 'teleport'"),
    "unknown list state": (lambda t: ["cluster", "list", "--state", "moon"], 1,
                           "unknown state 'moon'"),
    "duplicate code": (lambda t: ["cluster", "add", "HT1", "--name", "x"], 1,
                       "cluster 'HT1' already exists"),
    "duplicate by case": (lambda t: ["cluster", "add", "ht1", "--name", "x"], 1,
                          "cluster 'ht1' already exists (as 'HT1')"),
    "duplicate by blanks": (lambda t: ["cluster", "add", "  HT1\t", "--name", "x"], 1,
                            "cluster 'HT1' already exists"),
    "date 31/02/2025": (lambda t: ["advance", "HT1", "--on", "31/02/2025"], 1,
                        "invalid date '31/02/2025'"),
    "date 2025-13-01": (lambda t: ["advance", "HT1", "--on", "2025-13-01"], 1,
                        "invalid date '2025-13-01'"),
    "empty date": (lambda t: ["advance", "HT1", "--on", ""], 1, "date is empty"),
    "future date": (lambda t: ["advance", "HT1", "--on", "2026-03-03"], 1,
                    "effective date 03/03/2026 is in the future"),
    "date before entry": (lambda t: ["advance", "HT1", "--on", "2021-03-14"], 1,
                          "effective date 14/03/2021 is before cluster HT1 entered planned"),
    "1 MB note": (lambda t: ["advance", "HT1", "--note", "n" * 1_048_576], 1,
                  "note is too long: 1048576 characters (limit 4000)"),
    "control char in code": (lambda t: ["cluster", "add", "A\x1b[2J", "--name", "x"], 1,
                             "invalid cluster code"),
    "control char in name": (lambda t: ["cluster", "add", "A1", "--name", "Cụm\x07"], 1,
                             "name contains a control character (U+0007)"),
    "SQL in code": (lambda t: ["cluster", "add", "1;DROP TABLE clusters;--", "--name", "x"], 1,
                    "invalid cluster code '1;DROP TABLE clusters;--'"),
    "CSV missing header": (lambda t: ["cluster", "import", _csv(t, "HT9,Cụm HT9\r\n")], 1,
                           "line 1: unknown column(s) 'ht9', 'cụm ht9'"),
    "CSV wrong delimiter": (lambda t: ["cluster", "import", _csv(t, "code|name\r\nA1|B\r\n")], 1,
                            "header is separated by '|'"),
    "CSV not UTF-8": (lambda t: ["cluster", "import",
                                 _csv(t, "code,name\r\nA1,Cà Mau\r\n".encode("cp1252"))], 1,
                      "file is not UTF-8"),
    "CSV empty file": (lambda t: ["cluster", "import", _csv(t, b"")], 1, "file is empty"),
    "CSV only BOM": (lambda t: ["cluster", "import", _csv(t, "\ufeff")], 1, "file is empty"),
    "CSV missing file": (lambda t: ["cluster", "import", str(t / "none.csv")], 1,
                         "No such file or directory"),
    "bad threshold": (lambda t: ["report", "stalled", "--threshold", "planned=-1"], 1,
                      "invalid threshold 'planned=-1'"),
    "bad calendar": (lambda t: ["report", "stalled", "--calendar", _csv(t, "[[x", "c.toml")], 1,
                     "calendar file"),
    "bad checkpoint": (lambda t: ["audit", "verify", "--against", _csv(t, "{}", "cp.json")], 1,
                       "not a ccn checkpoint"),
    "bad checkpoint time": (lambda t: ["audit", "verify", "--against", _csv(
        t, '{"format": "ccn-checkpoint/1", "root": "x", "covers_until": 5}', "cp.json")], 1,
        "checkpoint has a bad covers_until 5"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input(ccn, tmp_path, case) -> None:
    ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--since", "2021-03-15")
    make, code, message = CASES[case]
    args = make(tmp_path)
    before = dump(ccn.url)
    r = ccn(*args)
    assert r.exit_code == code, r.stderr
    assert "Traceback" not in r.output and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("Error: "), r.stderr
    assert message in r.stderr
    assert r.stdout == ""
    assert dump(ccn.url) == before


# An import's problems come each on its own line before the one `Error:` line.
IMPORT_CASES: dict[str, tuple[Callable[[Path], str], str]] = {
    "CSV extra column": (lambda t: _csv(t, "code,name\r\nA1,B,C\r\n"),
                         "line 2: expected 2 fields, found 3\n"),
    "CSV 100k rows, one bad": (_big_csv, "line 50002: invalid date '31/02/2025' (use YYYY-MM-DD "
                                         "or DD/MM/YYYY)\n"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(IMPORT_CASES))
def test_hostile_import(ccn, tmp_path, case) -> None:
    ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--since", "2021-03-15")
    make, problems = IMPORT_CASES[case]
    before = dump(ccn.url)
    r = ccn("cluster", "import", make(tmp_path))
    assert r.exit_code == 1, r.stderr
    assert "Traceback" not in r.output and "Traceback" not in r.stderr
    assert r.stderr == problems + "Error: 1 problem(s); nothing imported\n"
    assert r.stdout == ""
    assert dump(ccn.url) == before


def test_sql_looking_names_are_stored_literally(ccn) -> None:
    name = 'Robert\'); DROP TABLE clusters;-- "Cụm" % _ \\'
    assert ccn("cluster", "add", "X1", "--name", name, "--locality", "50% _x_").exit_code == 0
    shown = json.loads(ccn("cluster", "show", "x1", "--format", "json").stdout)
    assert shown["name"] == name
    # LIKE wildcards in a filter are literal too.
    assert json.loads(ccn("cluster", "list", "--locality", "%", "--format", "json").stdout)
    assert json.loads(ccn("cluster", "list", "--locality", "5%", "--format", "json").stdout) == []


def _one_error(r: subprocess.CompletedProcess[str] | Result, code: int = 1) -> str:
    stderr = r.stderr
    assert r.returncode == code if hasattr(r, "returncode") else r.exit_code == code
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.startswith("Error: "), stderr
    return stderr


def test_missing_directory(tmp_path) -> None:
    db = tmp_path / "no" / "where.db"
    r = CliRunner().invoke(cli, ["--db", str(db), "cluster", "list"])
    assert _one_error(r) == f"Error: database directory {db.parent} does not exist\n"
    assert not db.parent.exists()


def test_not_an_sqlite_file(tmp_path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("Biên bản họp\n" * 200, encoding="utf-8")
    before = db.read_bytes()
    for args in (["cluster", "list"], ["init"], ["advance", "HT1"]):
        r = CliRunner().invoke(cli, ["--db", str(db), *args])
        assert _one_error(r) == f"Error: database sqlite:///{db} is not an SQLite database\n"
    assert db.read_bytes() == before


@contextmanager
def _read_only(folder: Path) -> Iterator[Path]:
    """`folder` seen through a read-only view: a read-only bind mount as root (who
    ignores file modes), plain modes otherwise."""
    if os.geteuid() != 0:
        for p in folder.iterdir():
            p.chmod(0o444)
        folder.chmod(0o555)
        try:
            yield folder
        finally:
            folder.chmod(0o755)
        return
    view = folder.with_name(folder.name + "-ro")
    view.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(folder), str(view)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a read-only view as root here: {exc}")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True,
                       capture_output=True)  # fmt: skip
        yield view
    finally:
        subprocess.run(["umount", str(view)], check=False, capture_output=True)
        view.rmdir()


def test_read_only_database(sqlite_template, tmp_path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "ccn.db"
    shutil.copy(sqlite_template, db)
    CliRunner().invoke(cli, ["--db", str(db), "cluster", "add", "A1", "--name", "Cụm A"])
    before = dump(f"sqlite:///{db}")
    with _read_only(folder) as view:
        for args in (["advance", "A1"], ["cluster", "add", "B1", "--name", "B"], ["init"]):
            r = CliRunner().invoke(cli, ["--db", str(view / "ccn.db"), *args])
            err = _one_error(r)
            assert "read-only" in err or "cannot open database" in err, err
    assert dump(f"sqlite:///{db}") == before


def test_postgresql_wrong_password_is_quick(pg_server: PgServer | None) -> None:
    if pg_server is None:
        pytest.skip("PostgreSQL server binaries not found")
    url = pg_server.url(password="wrong")
    started = time.monotonic()
    r = ccn_process("--db", url, "cluster", "list")
    err = _one_error(r)
    assert time.monotonic() - started < 10
    assert "password authentication failed" in err
    assert "wrong" not in err.replace("wrong-", "")  # the password is never printed


def test_postgresql_unreachable_is_quick(pg_server: PgServer | None) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    r = ccn_process("--db", f"postgresql+psycopg://ccn:pw@127.0.0.1:{port}/ccn", "init")
    err = _one_error(r)
    assert time.monotonic() - started < 10
    assert err.startswith("Error: cannot connect to database postgresql+psycopg://ccn:***@")
