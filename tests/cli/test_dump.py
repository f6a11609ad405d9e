"""`ccn db dump` and `ccn db restore`: the whole record out and back, or nothing."""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from freezegun import freeze_time

from db.schema import HEAD
from states.targets import example_path

from ..conftest import FROZEN_NOW, Ccn, dump, ok
from .test_chain_coverage import _copy, _store
from .test_identity import login_of

NEWER = "cluster_establishment@nd32-2026"
AS_OF = "2026-03-01"
USERS_FROM = "2026-03-02 04:00:00"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with freeze_time(FROZEN_NOW):
        yield


def build_portfolio(ccn: Ccn) -> None:
    """Clusters sent back, suspended, resumed, reverted, amended, migrated and cancelled,
    then users with a role change (after the moves: on PostgreSQL an actor must then be
    the login's user)."""
    run = lambda *args: ok(ccn(*args))  # noqa: E731
    run("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--locality",
        "Cao Lộc", "--area-ha", "50", "--since", "2025-01-06")  # fmt: skip
    run("advance", "HT1", "--on", "2025-02-03", "--ref", "QĐ 1/QĐ-UBND")
    run("advance", "HT1", "--on", "2025-03-03", "--ref", "QĐ 2/QĐ-UBND")
    run("send-back", "HT1", "--to", "planning_compliant", "--reason", "hồ sơ thiếu", "--on",
        "2025-04-01")  # fmt: skip
    run("cluster", "add", "HT2", "--name", "Cụm công nghiệp Hợp Thành 2", "--since",
        "2025-06-02", "--note", "dòng 1\ndòng 2")  # fmt: skip
    run("suspend", "HT2", "--reason", "chờ quy hoạch", "--on", "2025-07-01")
    run("resume", "HT2", "--on", "2025-09-01", "--note", "đã có quy hoạch")
    run("cluster", "add", "DD1", "--name", "Đồng Đăng", "--state", "establishment", "--since",
        "2024-05-06", "--ref", "QĐ 9")  # fmt: skip
    run("advance", "DD1", "--on", "2025-01-06", "--ref", "QĐ 10")
    run("revert", "DD1", "--reason", "nhầm cụm")
    run("cluster", "edit", "DD1", "--name", "Cụm công nghiệp Đồng Đăng", "--developer", "Công ty A",
        "--reason", "QĐ 12 điều chỉnh")  # fmt: skip
    run("cluster", "add", "CX", "--name", "Chi Lăng", "--since", "2025-01-06")
    run("cancel", "CX", "--reason", "không khả thi", "--on", "2025-05-05")
    run("cluster", "add", "MG", "--name", "Migrated", "--since", "2025-01-06")
    _store(ccn.url, _copy("nd32-2026"))
    run("cluster", "migrate", "MG", "--to", NEWER, "--reason", "NĐ 303/2026")
    run("advance", "MG", "--on", "2026-02-02", "--ref", "QĐ 20")
    with freeze_time(USERS_FROM):  # after every entry above, or those would be overreach
        run("user", "add", "boss", "--role", "admin", "--login", login_of(ccn.url))
        ok(ccn("user", "add", "lan", "--role", "staff", actor="boss"))
        ok(ccn("user", "role", "lan", "supervisor", actor="boss"))
        ok(ccn("user", "disable", "lan", actor="boss"))


READS = [
    ("report", "stalled", "--format", "json", "--as-of", AS_OF),
    ("report", "stalled", "--format", "json"),
    ("report", "bottlenecks", "--format", "json", "--as-of", AS_OF),
    ("report", "funnel", "--format", "json"),
    ("report", "funnel", "--format", "json", "--as-of", "2025-06-30"),
    ("cluster", "list", "--format", "json"),
    ("audit", "log", "--format", "json"),
    ("user", "list", "--format", "json"),
    ("user", "log", "--format", "json"),
    ("audit", "verify"),
]


def everything(ccn: Ccn) -> dict[str, str]:
    """What a user can read: every history, every report, the logs and the verification."""
    codes = [c["code"] for c in json.loads(ok(ccn("cluster", "list", "--format", "json")).stdout)]
    seen = {f"history {c}": ok(ccn("history", c, "--format", "json")).stdout for c in codes}
    seen |= {" ".join(args): ok(ccn(*args)).stdout for args in READS}
    return seen


def sqlite_target(tmp_path: Path, sqlite_template: Path, name: str = "target.db") -> str:
    path = tmp_path / name
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def round_trip(source: Ccn, target: Ccn, file: Path) -> dict[str, str]:
    """Dump `source`, restore into `target`; what both show must be the same."""
    before = everything(source)
    r = ok(source("db", "dump", str(file)))
    assert r.stdout == (
        "Dumped 5 clusters, 16 history entries, 2 users, 2 definitions, 0 Form 02 records, "
        f"0 targets files to {file}.\n"
    )
    r = ok(target("db", "restore", str(file)))
    assert r.stdout == (
        "Restored and verified 5 clusters, 16 history entries, 2 users, 2 definitions, "
        f"0 Form 02 records, 0 targets files from {file}.\n"
    )
    assert everything(target) == before
    assert before["audit verify"] == "OK: 5 clusters, 16 transitions verified\n"
    return before


@pytest.mark.parametrize("name", ["x.jsonl", "x.jsonl.gz"])
def test_round_trip_on_one_backend(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str, request, name: str
) -> None:
    from ..conftest import fresh_database

    build_portfolio(ccn)
    file = tmp_path / name
    if db_url.startswith("sqlite"):
        round_trip(ccn, Ccn(sqlite_target(tmp_path, sqlite_template)), file)
    else:
        with fresh_database(request, "postgresql") as url:
            round_trip(ccn, Ccn(url), file)
    data = file.read_bytes()
    assert data.startswith(b"\x1f\x8b") == name.endswith(".gz")
    head = (gzip.decompress(data) if name.endswith(".gz") else data).splitlines()[0]
    assert orjson.loads(head)["kind"] == "ccn-dump"


def test_the_file_is_json_lines_with_every_column(ccn: Ccn, tmp_path: Path, db_url: str) -> None:
    build_portfolio(ccn)
    ok(ccn("db", "dump", str(tmp_path / "x.jsonl")))
    lines = [json.loads(line) for line in (tmp_path / "x.jsonl").read_text().splitlines()]
    header = lines[0]
    assert (header["kind"], header["format"], header["schema"]) == ("ccn-dump", 1, HEAD)
    kinds = [line["kind"] for line in lines]
    assert kinds == sorted(kinds, key=["ccn-dump", "workflow", "user", "user_change", "cluster",
                                       "entry", "targets", "indicator", "end"].index)  # fmt: skip
    assert lines[-1] == {"kind": "end", "counts": {"workflow": 2, "user": 2, "user_change": 4,
                                                   "cluster": 5, "entry": 16, "targets": 0,
                                                   "indicator": 0}}  # fmt: skip
    cluster = next(line for line in lines if line["kind"] == "cluster" and line["code"] == "MG")
    assert cluster["workflow"] == NEWER and "id" not in cluster and "workflow_id" not in cluster
    assert set(cluster) >= {"code_key", "search_key", "locality_key", "head_hash", "since_on"}
    entry = next(line for line in lines if line["kind"] == "entry")
    assert entry["cluster"] == "HT1" and entry["effective_at"] == "2025-01-05T17:00:00.000000Z"
    assert set(entry) >= {"canon", "data", "db_user", "code", "hash", "prev_hash", "recorded_at"}
    change = next(line for line in lines if line["kind"] == "user_change")
    assert set(change) >= {"seq", "prev_hash", "hash", "canon", "db_user"}


def test_restore_into_a_database_with_anything_in_it_is_refused(
    ccn: Ccn, tmp_path: Path, db_url: str
) -> None:
    build_portfolio(ccn)
    file = tmp_path / "x.jsonl"
    ok(ccn("db", "dump", str(file)))
    before = dump(ccn.url)
    r = ccn("db", "restore", str(file))
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        "Error: the database is not empty (it has definitions, clusters, history entries, "
        "users, user changes); restore only into a new database made with `ccn init`\n"
    )
    assert dump(ccn.url) == before


def _restore_damaged(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, damage, gz: bool = False
) -> tuple[int, str, str]:
    build_portfolio(ccn)
    file = tmp_path / ("x.jsonl.gz" if gz else "x.jsonl")
    ok(ccn("db", "dump", str(file)))
    data = gzip.decompress(file.read_bytes()) if gz else file.read_bytes()
    damaged = damage(data.splitlines(keepends=True))
    file.write_bytes(damaged)
    target = Ccn(sqlite_target(tmp_path, sqlite_template))
    empty = dump(target.url)
    r = target("db", "restore", str(file))
    assert dump(target.url) == empty and r.stdout == ""
    assert ok(target("cluster", "list", "--format", "json")).stdout == "[]\n"
    assert ok(target("user", "list", "--format", "json")).stdout == "[]\n"
    return r.exit_code, r.stderr, str(file)


def test_a_truncated_dump_is_refused_naming_the_line(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    n: list[int] = []

    def cut(lines: list[bytes]) -> bytes:
        n.append(len(lines))
        return b"".join(lines)[:-150]

    code, err, file = _restore_damaged(ccn, tmp_path, sqlite_template, cut)
    assert code == 1 and err.startswith(f"Error: {file}: line {n[0] - 1}: cut short")


def test_a_dump_cut_at_a_line_end_is_refused(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    code, err, file = _restore_damaged(
        ccn, tmp_path, sqlite_template, lambda lines: b"".join(lines[:20])
    )
    assert (code, err) == (
        1,
        f"Error: {file}: line 20: the file ends without its end line (truncated)\n",
    )


def test_a_truncated_gzip_dump_is_refused(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    code, err, file = _restore_damaged(
        ccn, tmp_path, sqlite_template, lambda lines: gzip.compress(b"".join(lines))[:-60]
    )
    assert (code, err) == (1, f"Error: {file}: line 30: cannot read: Compressed file ended "
                              "before the end-of-stream marker was reached\n")  # fmt: skip


def test_a_corrupt_line_is_refused_naming_it(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    def corrupt(lines: list[bytes]) -> bytes:
        lines[9] = lines[9][:30] + b"\n"
        return b"".join(lines)

    code, err, file = _restore_damaged(ccn, tmp_path, sqlite_template, corrupt)
    assert code == 1 and err.startswith(f"Error: {file}: line 10: not JSON")


def test_a_tampered_entry_is_refused_naming_the_cluster(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    def tamper(lines: list[bytes]) -> bytes:
        out = []
        for line in lines:
            obj = orjson.loads(line)
            if obj["kind"] == "entry" and obj["cluster"] == "HT2" and obj["seq"] == 2:
                obj["note"] = "chờ quy hoạch (sửa)"
                line = orjson.dumps(obj) + b"\n"
            out.append(line)
        return b"".join(out)

    code, err, file = _restore_damaged(ccn, tmp_path, sqlite_template, tamper)
    assert (code, err) == (
        1,
        f"Error: {file} does not verify, nothing restored: "
        "HT2 seq 2: changed row: content does not match its hash\n",
    )


def test_a_tampered_user_change_is_refused(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    def tamper(lines: list[bytes]) -> bytes:
        return b"".join(line.replace(b'"role":"supervisor"', b'"role":"admin"') for line in lines)

    code, err, file = _restore_damaged(ccn, tmp_path, sqlite_template, tamper)
    assert code == 1 and err.startswith(f"Error: {file} does not verify, nothing restored: user ")


def test_other_files_are_refused_in_one_line(
    tmp_path: Path, sqlite_template: Path, db_url: str
) -> None:
    target = Ccn(sqlite_target(tmp_path, sqlite_template))
    missing = tmp_path / "nope.jsonl"
    r = target("db", "restore", str(missing))
    assert (r.exit_code, r.stderr) == (1, f"Error: {missing} does not exist or is not a file\n")
    other = tmp_path / "other.jsonl"
    other.write_text('{"kind": "something"}\n')
    r = target("db", "restore", str(other))
    assert (r.exit_code, r.stderr) == (
        1,
        f"Error: {other}: line 1: not a ccn dump (no ccn-dump header)\n",
    )
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    r = target("db", "restore", str(empty))
    assert (r.exit_code, r.stderr) == (1, f"Error: {empty}: empty file, not a ccn dump\n")


def test_dump_never_overwrites(ccn: Ccn, tmp_path: Path, db_url: str) -> None:
    file = tmp_path / "x.jsonl"
    file.write_text("keep")
    r = ccn("db", "dump", str(file))
    assert (r.exit_code, r.stderr) == (1, f"Error: {file} already exists; choose a new file name\n")
    assert file.read_text() == "keep"


def test_installed_targets_survive_a_dump_and_restore(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path, db_url: str, request
) -> None:
    from ..conftest import fresh_database

    ok(ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1"))
    ok(ccn("targets", "install", str(example_path())))
    file = tmp_path / "x.jsonl"
    ok(ccn("db", "dump", str(file)))
    line = json.loads(file.read_text(encoding="utf-8").splitlines()[-2])
    assert (line["kind"], line["name"], line["version"], line["installed_by"]) == (
        "targets", "lang_son", "2023", "tester")  # fmt: skip
    shown = ok(ccn("targets", "list", "--format", "json")).stdout

    def check(target: Ccn) -> None:
        ok(target("db", "restore", str(file)))
        assert ok(target("targets", "list", "--format", "json")).stdout == shown
        r = target("db", "restore", str(file))
        assert "it has definitions, clusters, history entries, targets)" in r.stderr

    if db_url.startswith("sqlite"):
        check(Ccn(sqlite_target(tmp_path, sqlite_template)))
    else:
        with fresh_database(request, "postgresql") as url:
            check(Ccn(url))
