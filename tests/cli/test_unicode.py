"""One spelling per thing: NFC at the boundary, invisible characters refused, folded
matching for --locality and --search on both backends, empty flags refused."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from cli import cli
from db import open_engine

from ..conftest import Ccn, _pg_database, dump


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


NAME = "Cụm công nghiệp Đình Lập"
LOCALITY = "Đình Lập"
DEVELOPER = "Công ty Cổ phần Đầu tư Hợp Thành"


def j(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def codes(result: Any) -> list[str]:
    return [c["code"] for c in j(result)]


# ---------------------------------------------------------------- normalising input


def test_nfd_input_is_stored_as_nfc_and_round_trips(ccn, db_url) -> None:
    assert nfd(NAME) != NAME
    r = ccn("cluster", "add", "DL1", "--name", nfd(NAME), "--locality", nfd(LOCALITY),
            "--developer", nfd(DEVELOPER), "--ref", nfd("QĐ 12/QĐ-UBND"),
            "--note", nfd("Ghi chú"), actor=nfd("chị Lan"))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    eng = open_engine(db_url)
    with eng.connect() as conn:
        row = conn.execute(text("SELECT name, locality, developer FROM clusters")).one()
        entry = conn.execute(text("SELECT actor, ref, note FROM transitions")).one()
    eng.dispose()
    assert tuple(row) == (NAME, LOCALITY, DEVELOPER)
    assert tuple(entry) == ("chị Lan", "QĐ 12/QĐ-UBND", "Ghi chú")
    assert all(unicodedata.is_normalized("NFC", v) for v in (*row, *entry))

    listed = j(ccn("cluster", "list", "--format", "json"))[0]
    assert (listed["name"], listed["locality"]) == (NAME, LOCALITY)
    out = ccn("cluster", "list", "--format", "csv").stdout.lstrip("\ufeff")
    (record,) = list(csv.DictReader(io.StringIO(out)))
    assert (record["name"], record["locality"]) == (NAME, LOCALITY)
    (entry_json,) = j(ccn("history", "DL1", "--format", "json"))
    assert (entry_json["actor"], entry_json["ref"], entry_json["note"]) == (
        "chị Lan", "QĐ 12/QĐ-UBND", "Ghi chú")  # fmt: skip


def test_csv_import_with_nfd_text_is_stored_as_nfc(ccn, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text(
        nfd(f"code,name,locality,developer\nDL1,{NAME},{LOCALITY},{DEVELOPER}\n"),
        encoding="utf-8",
    )
    r = ccn("cluster", "import", str(path))
    assert r.exit_code == 0, r.stderr
    (c,) = j(ccn("cluster", "list", "--format", "json"))
    assert (c["name"], c["locality"]) == (NAME, LOCALITY)
    exported = ccn("cluster", "export").stdout
    assert f"DL1,{NAME},{LOCALITY},,{DEVELOPER}," in exported


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\u2066", "\ufeff", "\u061c", "\u180e"])
@pytest.mark.parametrize("field", ["code", "name", "locality", "developer", "actor"])
def test_invisible_characters_are_refused_naming_them(ccn, db_url, field, char) -> None:
    before = dump(db_url)
    values = {"code": "DL1", "name": NAME, "locality": LOCALITY, "developer": DEVELOPER,
              "actor": "lan"}  # fmt: skip
    values[field] = values[field][:2] + char + values[field][2:]
    r = ccn("cluster", "add", values["code"], "--name", values["name"],
            "--locality", values["locality"], "--developer", values["developer"],
            actor=values["actor"])  # fmt: skip
    point = f"U+{ord(char):04X}"
    assert r.exit_code == 1
    assert r.stderr.startswith(f"Error: {field} contains an invisible control character {point}")
    assert r.stderr.count("\n") == 1
    assert dump(db_url) == before


def test_csv_import_refuses_a_bidi_override(ccn, db_url, tmp_path: Path) -> None:
    before = dump(db_url)
    path = tmp_path / "in.csv"
    path.write_text(f"code,name,locality\nDL1,{NAME},Đình\u202eLập\n", encoding="utf-8")
    r = ccn("cluster", "import", str(path))
    assert r.exit_code == 1
    assert r.stderr == (
        "line 2: locality contains an invisible control character U+202E (RIGHT-TO-LEFT OVERRIDE)\n"
        "Error: 1 problem(s); nothing imported\n"
    )
    assert dump(db_url) == before


def test_postgresql_refuses_non_nfc_text_written_by_hand(db_url, ccn) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("CHECK ... IS NFC NORMALIZED is PostgreSQL only")
    assert ccn("cluster", "add", "DL1", "--name", NAME).exit_code == 0
    eng = open_engine(db_url)
    for sql in (
        "UPDATE clusters SET name = :v",
        "UPDATE clusters SET locality = :v",
        "UPDATE clusters SET developer = :v",
        "INSERT INTO users (name, name_key, login, role, enabled, created_at, created_by) "
        "VALUES (:v, 'k', 'l', 'staff', true, now(), 'x')",
    ):
        with pytest.raises(Exception, match="nfc"), eng.begin() as conn:
            conn.execute(text(sql), {"v": nfd(NAME)})
    eng.dispose()


# ---------------------------------------------------------------- matching


def seed(ccn: Ccn) -> None:
    for code, name, locality in [
        ("DL1", "Cụm công nghiệp Đình Lập 1", "Đình Lập"),
        ("DL2", "CCN Thái Bình", "xã Đình Lập"),
        ("CL1", "Cụm công nghiệp Hợp Thành 1", "Cao Lộc"),
        ("BS2", "Cụm Bắc Sơn 2 (50%_ lấp đầy)", "Bắc Sơn"),
        ("X_1", "Cụm không rõ địa phương", None),
        ("DINH", "Cụm Lạng Sơn", "Lộc Bình"),
    ]:
        args = ["cluster", "add", code, "--name", name, "--state", "establishment",
                "--since", "2025-01-06"]  # fmt: skip
        if locality is not None:
            args += ["--locality", locality]
        r = ccn(*args)
        assert r.exit_code == 0, r.stderr
    # A later step elsewhere: reports as of before it take the history path (db/reports.py).
    r = ccn("advance", "CL1", "--on", "2025-07-01", "--ref", "QĐ 1689/QĐ-UBND")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize(
    "typed", ["dinh lap", "ĐÌNH LẬP", nfd("Đình Lập"), "Đình Lập", "Dinh  Lap", "lập"]
)
def test_locality_matches_however_it_is_typed(ccn, typed) -> None:
    seed(ccn)
    assert codes(ccn("cluster", "list", "--locality", typed, "--format", "json")) == ["DL1", "DL2"]
    stalled = j(ccn("report", "stalled", "--as-of", "2026-03-02", "--locality", typed,
                    "--format", "json"))  # fmt: skip
    assert sorted(r["code"] for r in stalled) == ["DL1", "DL2"]
    for as_of in ("2026-03-02", "2025-06-30"):  # current rows, and the as-of history query
        funnel = j(ccn("report", "funnel", "--as-of", as_of, "--locality", typed,
                       "--format", "json"))  # fmt: skip
        counts = {s["state"]: s["count"] for s in funnel["states"] if s["count"]}
        assert counts == {"establishment": 2}, (as_of, funnel)


def test_locality_wildcards_are_literal(ccn) -> None:
    seed(ccn)
    assert codes(ccn("cluster", "list", "--locality", "%", "--format", "json")) == []
    assert codes(ccn("cluster", "list", "--locality", "_", "--format", "json")) == []


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("dinh lap", ["DL1", "DL2"]),  # name and locality of DL1, locality of DL2
        ("DINH", ["DINH", "DL1", "DL2"]),  # a code, and the word in names and localities
        ("hop thanh", ["CL1"]),
        ("HỢP THÀNH", ["CL1"]),
        (nfd("Hợp Thành"), ["CL1"]),
        ("cao loc", ["CL1"]),
        ("dl", ["DL1", "DL2"]),
        ("50%_", ["BS2"]),
        ("%", ["BS2"]),
        ("_", ["BS2", "X_1"]),
        ("x_1", ["X_1"]),
        ("lap 1", ["DL1"]),
        ("bac son cao", []),
        ("1 dinh", []),  # never across two fields
        ("son 2 (50", ["BS2"]),
        ("không rõ", ["X_1"]),
    ],
)
def test_search_over_code_name_and_locality(ccn, typed, expected) -> None:
    seed(ccn)
    r = ccn("cluster", "list", "--search", typed, "--format", "json")
    assert codes(r) == expected


def test_search_and_locality_combine(ccn) -> None:
    seed(ccn)
    r = ccn("cluster", "list", "--search", "cum", "--locality", "lap", "--format", "json")
    assert codes(r) == ["DL1"]


SCENARIO = [
    ("cluster", "list", "--format", "json"),
    ("cluster", "list", "--locality", "dinh lap", "--format", "json"),
    ("cluster", "list", "--locality", "LỘC", "--format", "json"),
    ("cluster", "list", "--search", "cum", "--format", "json"),
    ("cluster", "list", "--search", "_", "--format", "csv"),
    ("cluster", "list", "--search", "đ", "--format", "json"),
    ("report", "stalled", "--as-of", "2026-03-02", "--locality", "loc", "--format", "json"),
    ("report", "funnel", "--as-of", "2025-06-30", "--locality", "LAP", "--format", "json"),
]


@pytest.mark.system  # PostgreSQL beside SQLite
def test_same_answers_on_sqlite_and_postgresql(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> None:
    import shutil

    path = tmp_path / "ccn.db"
    shutil.copy(sqlite_template, path)
    with _pg_database(request, template="pg_template") as pg_url:
        outputs = []
        for url in (f"sqlite:///{path}", pg_url):
            ccn = Ccn(url)
            seed(ccn)
            results = [ccn(*args) for args in SCENARIO]
            assert all(r.exit_code == 0 for r in results), [r.stderr for r in results]
            outputs.append([r.stdout for r in results])
        sqlite_out, pg_out = outputs
        assert sqlite_out == pg_out
        assert json.loads(sqlite_out[1]) and json.loads(sqlite_out[3])


# ---------------------------------------------------------------- empty flags


@pytest.mark.parametrize(
    ("flags", "option"),
    [
        (["--db", ""], "--db"),
        (["--db", "  "], "--db"),
        (["--actor", ""], "--actor"),
        (["--actor", " "], "--actor"),
    ],
)
def test_empty_flags_are_usage_errors(db_url, flags, option) -> None:
    before = dump(db_url)
    argv = ["--db", db_url, "--actor", "lan", *flags, "cluster", "add", "DL1", "--name", NAME]
    r = CliRunner().invoke(cli, argv)
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("Error: ") and option in r.stderr
    assert r.stderr.count("\n") == 1
    assert dump(db_url) == before


def test_empty_db_flag_does_not_fall_back_to_the_default(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    for argv in (["--db", "", "init"], ["--db", "", "cluster", "list"]):
        r = CliRunner().invoke(cli, argv)
        assert r.exit_code == 2, r.output
        assert r.stderr.count("\n") == 1
    assert not any(tmp_path.iterdir())


def test_empty_environment_variables_count_as_unset(db_url, monkeypatch) -> None:
    from db.engine import resolve_url

    monkeypatch.setenv("CCN_DATABASE_URL", "")
    assert resolve_url(None)[1] == "default"
    monkeypatch.setenv("CCN_ACTOR", "")
    r = CliRunner().invoke(cli, ["--db", db_url, "cluster", "add", "DL1", "--name", NAME])
    assert r.exit_code == 0, r.stderr
    (entry,) = j(CliRunner().invoke(cli, ["--db", db_url, "history", "DL1", "--format", "json"]))
    assert entry["actor"]  # the OS login, as when CCN_ACTOR is not set at all


def test_blank_environment_variables_are_errors(db_url, monkeypatch) -> None:
    before = dump(db_url)
    monkeypatch.setenv("CCN_ACTOR", "  ")
    r = CliRunner().invoke(cli, ["--db", db_url, "cluster", "add", "DL1", "--name", NAME])
    assert (r.exit_code, r.stderr.count("\n")) == (2, 1), r.stderr
    assert "CCN_ACTOR" in r.stderr
    monkeypatch.delenv("CCN_ACTOR")
    monkeypatch.setenv("CCN_DATABASE_URL", " ")
    r = CliRunner().invoke(cli, ["cluster", "list"])
    assert (r.exit_code, r.stderr.count("\n")) == (2, 1), r.stderr
    assert "CCN_DATABASE_URL" in r.stderr
    assert dump(db_url) == before


# ---------------------------------------------------------------- query plans


def plans(engine: Any, run: Any) -> list[str]:
    """The plan of each key-matching statement `run()` sends, as the backend explains it."""
    from sqlalchemy import event

    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "matched" in statement:
            sent.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert sent
    found = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # A handful of rows: a sequential scan is cheaper, so forbid it to prove the
            # index can serve the filter at all.
            conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        for statement, params in sent:
            rows = conn.exec_driver_sql(explain + statement, params).all()
            found.append(" | ".join(str(r[-1]) for r in rows))
    return found


def test_locality_and_search_filters_use_their_indexes(ccn, engine, uow) -> None:
    from workflow.reports import funnel, stalled
    from workflow.services import list_clusters

    seed(ccn)
    uses: dict[str, list[Callable[[], object]]] = {
        "ix_clusters_locality_key": [
            lambda: list_clusters(uow(), locality="dinh lap"),
            lambda: stalled(uow(), locality="ĐÌNH LẬP"),
            lambda: funnel(uow(), locality=nfd("Đình Lập")),
            lambda: funnel(uow(), as_of=date(2025, 6, 30), locality="lap"),
        ],
        "ix_clusters_search_key": [lambda: list_clusters(uow(), search="hop thanh")],
    }
    for index, runs in uses.items():
        for run in runs:
            for p in plans(engine, run):
                # The few clusters with suspensions or reverts are found through the
                # event index; PostgreSQL may then filter those by primary key instead.
                irregular = "ix_transitions_event" in p and engine.dialect.name != "sqlite"
                assert index in p or irregular, p
                if engine.dialect.name == "sqlite":
                    # The filter reads the key's index alone, never the table's rows.
                    assert f"SCAN matched USING COVERING INDEX {index}" in p, p
                    assert not re.search(r"SCAN (clusters|matched)( |$)(?!USING)", p), p
                else:
                    assert "Seq Scan on clusters" not in p, p


# ---------------------------------------------------------------- upgrading


def _at_0004(url: str, users: tuple[str, ...] = ()) -> Any:
    """A database at schema 0004 holding one NFD-typed cluster, as ccn wrote it then."""
    from datetime import UTC, datetime

    from db.schema import upgrade
    from states import default_definition

    engine = open_engine(url, create_dir=True)
    upgrade(engine, "0004")
    d = default_definition()
    at = datetime(2024, 7, 1, 3, 0, tzinfo=UTC)
    at = at.replace(tzinfo=None) if engine.dialect.name == "sqlite" else at
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO workflows (id, name, version, sha256, text, created_at) "
                 "VALUES (1, :n, :v, :sha, :text, :at)"),
            {"n": d.name, "v": d.version, "sha": d.sha256, "text": d.text, "at": at},
        )  # fmt: skip
        conn.execute(
            text("INSERT INTO clusters (id, code, code_key, name, locality, developer, "
                 "workflow_id, state, since, since_on, version, last_seq, head_hash) VALUES "
                 "(1, 'DL1', 'DL1', :name, :loc, :dev, 1, 'planned', :at, '2024-07-01', 1, 1, "
                 "'h')"),
            {"name": nfd(NAME), "loc": nfd(LOCALITY), "dev": nfd(DEVELOPER), "at": at},
        )  # fmt: skip
        for name in users:
            conn.execute(
                text("INSERT INTO users (name, role, enabled, created_at, created_by) "
                     "VALUES (:name, 'staff', true, :at, 'x')"),
                {"name": name, "at": at},
            )  # fmt: skip
    return engine


def test_upgrade_normalises_rows_and_fills_search_keys(empty_url) -> None:
    from db.schema import HEAD, upgrade

    engine = _at_0004(empty_url, users=(nfd("Lan Đỗ"),))
    assert upgrade(engine) == ("0004", HEAD)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT name, locality, developer, locality_key, search_key "
                                "FROM clusters")).one()  # fmt: skip
        user = conn.execute(text("SELECT name FROM users")).scalar()
    engine.dispose()
    assert tuple(row) == (NAME, LOCALITY, DEVELOPER, "dinh lap",
                          "dl1\x1fcum cong nghiep dinh lap\x1fdinh lap")  # fmt: skip
    assert user == "Lan Đỗ"
    r = Ccn(empty_url)("cluster", "list", "--locality", "ĐÌNH LẬP", "--format", "json")
    assert codes(r) == ["DL1"]


def test_upgrade_refuses_user_names_that_differ_only_in_normal_form(empty_url) -> None:
    from db.schema import upgrade

    engine = _at_0004(empty_url, users=("Lan Đỗ", nfd("Lan Đỗ")))
    with pytest.raises(Exception, match="differ only in Unicode normal form"):
        upgrade(engine)
    engine.dispose()


@pytest.mark.parametrize("text", ["", " ", "\u0301"])
def test_a_filter_with_nothing_to_search_for_is_refused(ccn, text) -> None:
    assert (
        ccn("cluster", "add", "DL1", "--name", "Cụm DL1", "--locality", "Đình Lập").exit_code == 0
    )
    for args in (["cluster", "list", "--locality", text], ["cluster", "list", "--search", text],
                 ["report", "stalled", "--locality", text]):  # fmt: skip
        r = ccn(*args)
        assert r.exit_code == 1, args
        assert r.stderr.startswith("Error: nothing to search for in ")
