"""What a checkpoint holds beyond the clusters' heads (the user change log's head, every
stored definition's and targets file's hash), and the stored texts `audit verify` and
`db restore` judge: found when rewritten behind the tool's back, even with a matching
hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from db import open_engine
from states.targets import example_path
from workflow.checkpoints import root_of

from ..conftest import FROZEN_NOW, TEST_2026, Ccn, dump, ok, raw_sql
from .test_dump import sqlite_target

TEST_KEY = "cluster_establishment@test-2026"
TARGETS_KEY = "lang_son@2023"
LATER = "2026-03-02 06:00:00"
ALTERED = "BROKEN checkpoint: the file's heads do not match its root: it was altered"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with freeze_time(FROZEN_NOW):
        yield


def sha(t: str) -> str:
    return hashlib.sha256(t.encode("utf-8")).hexdigest()


def rewrite(url: str, table: str, version: str, old: str, new: str, rehash: bool = True) -> str:
    """Replace `old` by `new` in a stored text behind the tool's back, its hash recomputed
    to match unless `rehash` is False; the new text's hash."""
    raw_sql(url, unlock=(table,))
    eng = open_engine(url)
    with eng.begin() as conn:
        stored = conn.execute(
            text(f"SELECT text FROM {table} WHERE version = :v"), {"v": version}
        ).scalar_one()
        assert old in stored
        forged = stored.replace(old, new)
        hashed = ", sha256 = :s" if rehash else ""
        update = f"UPDATE {table} SET text = :t{hashed} WHERE version = :v"
        conn.execute(text(update), {"t": forged, "s": sha(forged), "v": version})
    eng.dispose()
    return sha(forged)


def verify(ccn: Ccn, *args: str) -> tuple[int, list[str], str]:
    r = ccn("audit", "verify", *args)
    return r.exit_code, r.stdout.splitlines(), r.stderr


def portfolio(ccn: Ccn) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--since",
           "2026-01-05"))  # fmt: skip
    ok(ccn("workflow", "install", TEST_2026))  # installed, no cluster pinned to it
    ok(ccn("targets", "install", str(example_path())))


def boss(ccn: Ccn) -> None:
    """The first user, added after every entry (or those would be overreach)."""
    with freeze_time(LATER):
        ok(ccn("user", "add", "boss", "--role", "admin"))


def take(ccn: Ccn, tmp_path: Path) -> Path:
    cp = tmp_path / "cp.json"
    ok(ccn("audit", "checkpoint", "--out", str(cp)))
    return cp


def stored_sha(ccn: Ccn, table: str, version: str) -> str:
    eng = open_engine(ccn.url)
    with eng.connect() as conn:
        found: str = conn.execute(
            text(f"SELECT sha256 FROM {table} WHERE version = :v"), {"v": version}
        ).scalar_one()
    eng.dispose()
    return found


# ---------------------------------------------------------------- 1. forged texts


def test_the_checkpoint_lists_every_stored_text_and_the_user_log_head(
    ccn: Ccn, tmp_path: Path
) -> None:
    portfolio(ccn)
    ok(ccn("user", "add", "boss", "--role", "admin"))
    doc = json.loads(take(ccn, tmp_path).read_text())
    assert doc["format"] == "ccn-checkpoint/4"
    assert [d["key"] for d in doc["definitions"]] == [
        "cluster_establishment@nd32-2024", TEST_KEY]  # fmt: skip
    assert doc["definitions"][1]["sha256"] == stored_sha(ccn, "workflows", "test-2026")
    assert doc["targets"] == [
        {"key": TARGETS_KEY, "sha256": stored_sha(ccn, "targets", "2023")}]  # fmt: skip
    assert doc["users"]["seq"] == 1 and len(doc["users"]["hash"]) == 64


def test_a_forged_definition_with_a_matching_hash_is_found_against_a_checkpoint(
    ccn: Ccn, tmp_path: Path
) -> None:
    portfolio(ccn)
    cp = take(ccn, tmp_path)
    had = stored_sha(ccn, "workflows", "test-2026")
    now = rewrite(ccn.url, "workflows", "test-2026", 'revert = ["supervisor"]',
                  'revert = ["staff", "supervisor"]')  # fmt: skip
    assert verify(ccn)[0] == 0  # a well-formed text with its own hash: only the file knows
    assert verify(ccn, "--against", str(cp)) == (
        1,
        [f"BROKEN workflow {TEST_KEY}: changed (sha256 now {now[:12]}, checkpoint had {had[:12]})"],
        "Error: 1 problem(s) in 1 clusters, 1 transitions\n",
    )


def test_a_forged_targets_file_with_a_matching_hash_is_found_against_a_checkpoint(
    ccn: Ccn, tmp_path: Path
) -> None:
    portfolio(ccn)
    cp = take(ccn, tmp_path)
    had = stored_sha(ccn, "targets", "2023")
    now = rewrite(ccn.url, "targets", "2023", "at_least = 3", "at_least = 1")
    assert verify(ccn)[0] == 0
    code, out, _ = verify(ccn, "--against", str(cp))
    assert (code, out) == (
        1, [f"BROKEN targets {TARGETS_KEY}: changed (sha256 now {now[:12]}, "
            f"checkpoint had {had[:12]})"])  # fmt: skip


def test_deleted_definitions_and_targets_are_found_against_a_checkpoint(
    ccn: Ccn, tmp_path: Path
) -> None:
    portfolio(ccn)
    cp = take(ccn, tmp_path)
    wf, tg = stored_sha(ccn, "workflows", "test-2026"), stored_sha(ccn, "targets", "2023")
    raw_sql(ccn.url, "DELETE FROM workflows WHERE version = 'test-2026'",
            "DELETE FROM targets", unlock=("workflows", "targets"))  # fmt: skip
    code, out, _ = verify(ccn, "--against", str(cp))
    assert (code, out) == (1, [
        f"BROKEN targets {TARGETS_KEY}: missing (checkpoint had sha256 {tg[:12]})",
        f"BROKEN workflow {TEST_KEY}: missing (checkpoint had sha256 {wf[:12]})"])  # fmt: skip


def test_texts_stored_after_the_checkpoint_are_no_problem(ccn: Ccn, tmp_path: Path) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm 1", "--since", "2026-01-05"))
    cp = take(ccn, tmp_path)
    ok(ccn("workflow", "install", TEST_2026))
    ok(ccn("targets", "install", str(example_path())))
    boss(ccn)
    assert verify(ccn, "--against", str(cp))[:2] == (0, [
        "OK: 1 clusters, 1 transitions verified",
        f"OK: everything covered by {cp} is present and unchanged"])  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "also"),
    [
        (lambda doc: doc["definitions"].pop(), []),
        (lambda doc: doc["targets"][0].update(sha256="0" * 64),
         ["BROKEN targets lang_son@2023: changed (sha256 now {now}, checkpoint had 000000000000)"]),
        (lambda doc: doc.update(users=None), []),
    ],
    ids=["definition dropped", "targets hash edited", "users head dropped"],
)  # fmt: skip
def test_an_edited_checkpoint_of_texts_gives_itself_away(
    ccn: Ccn, tmp_path: Path, edit, also: list[str]
) -> None:
    portfolio(ccn)
    boss(ccn)
    cp = take(ccn, tmp_path)
    doc = json.loads(cp.read_text())
    edit(doc)
    cp.write_text(json.dumps(doc))
    now = stored_sha(ccn, "targets", "2023")[:12]
    assert verify(ccn, "--against", str(cp))[:2] == (
        1, [ALTERED, *(line.format(now=now) for line in also)])  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("definitions", None, "checkpoint has a bad definitions list"),
        ("targets", [{"key": 1, "sha256": "x"}], "checkpoint has a bad targets list"),
        ("users", {"seq": "1", "hash": "x"}, "checkpoint has a bad users head"),
    ],
)
def test_a_format_4_checkpoint_with_bad_lists_is_a_one_line_error(
    ccn: Ccn, tmp_path: Path, field: str, value: object, message: str
) -> None:
    portfolio(ccn)
    cp = take(ccn, tmp_path)
    doc = json.loads(cp.read_text())
    doc[field] = value
    cp.write_text(json.dumps(doc))
    assert verify(ccn, "--against", str(cp)) == (1, [], f"Error: {message}\n")


def test_a_format_3_checkpoint_still_verifies_what_it_covers(ccn: Ccn, tmp_path: Path) -> None:
    portfolio(ccn)
    cp = take(ccn, tmp_path)
    doc = json.loads(cp.read_text())
    for name in ("users", "definitions", "targets"):
        del doc[name]
    doc["format"] = "ccn-checkpoint/3"
    doc["root"] = root_of((h["code"], h["seq"], h["hash"]) for h in doc["heads"])[0]
    cp.write_text(json.dumps(doc))
    rewrite(ccn.url, "workflows", "test-2026", 'revert = ["supervisor"]',
            'revert = ["staff", "supervisor"]')  # fmt: skip
    assert verify(ccn, "--against", str(cp))[0] == 0  # it never listed the definitions
    raw_sql(ccn.url, "DELETE FROM transitions", unlock=("transitions",))
    assert verify(ccn, "--against", str(cp))[1][-1] == (
        "BROKEN HT1: missing (checkpoint had seq 1)"
    )


# ---------------------------------------------------------------- 2. stored texts read


@pytest.mark.parametrize(
    ("old", "new", "rehash", "problem"),
    [
        ("at_least = 3", "at_least = 1", False,
         "was altered in the database: its text no longer matches its SHA-256"),
        ("[targets]", "[targets", True,
         "cannot be read: not valid TOML: Expected ']' at the end of a table declaration "
         "(at line 5, column 9)"),
        ('state = "operating"', 'state = "flying"', True,
         "cannot be read: target 'operating_2025': state 'flying' is not on the main line "
         "(planned, planning_compliant, establishment, investment_approval, infrastructure, "
         "operating)"),
        ('version = "2023"', 'version = "2024"', True,
         "text is lang_son@2024, its row says lang_son@2023"),
    ],
    ids=["hash unchanged", "not TOML", "not a targets file", "another version"],
)  # fmt: skip
def test_verify_judges_every_installed_targets_file(
    ccn: Ccn, old: str, new: str, rehash: bool, problem: str
) -> None:
    portfolio(ccn)
    rewrite(ccn.url, "targets", "2023", old, new, rehash=rehash)
    assert verify(ccn) == (
        1,
        [f"BROKEN {TARGETS_KEY}: changed row: targets {problem}"],
        "Error: 1 problem(s) in 1 clusters, 1 transitions\n",
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("[workflow]", "[workflow", "cannot be read: not valid TOML: Expected ']' at the end "
                                    "of a table declaration (at line 8, column 10)"),
        ('version = "test-2026"', 'version = "test-2027"',
         "text is cluster_establishment@test-2027, its row says " + TEST_KEY),
    ],
    ids=["not TOML", "another version"],
)  # fmt: skip
def test_verify_reads_every_stored_definition(ccn: Ccn, old: str, new: str, problem: str) -> None:
    portfolio(ccn)
    rewrite(ccn.url, "workflows", "test-2026", old, new)
    assert verify(ccn) == (
        1,
        [f"BROKEN {TEST_KEY}: changed row: workflow {problem}"],
        "Error: 1 problem(s) in 1 clusters, 1 transitions\n",
    )


def test_restore_refuses_a_dump_whose_targets_text_cannot_be_read(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path
) -> None:
    portfolio(ccn)
    file = tmp_path / "x.jsonl"
    ok(ccn("db", "dump", str(file)))
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    for line in lines:
        if line["kind"] == "targets":
            line["text"] = line["text"].replace("[targets]", "[targets")
            line["sha256"] = sha(line["text"])
    file.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    target = Ccn(sqlite_target(tmp_path, sqlite_template))
    empty = dump(target.url)
    r = target("db", "restore", str(file))
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        f"Error: {file} does not verify, nothing restored: {TARGETS_KEY}: changed row: "
        "targets cannot be read: not valid TOML: Expected ']' at the end of a table "
        "declaration (at line 5, column 9)\n"
    )
    assert dump(target.url) == empty


# ---------------------------------------------------------------- 3. the user change log


def test_removing_the_newest_user_change_is_found_against_a_checkpoint(
    ccn: Ccn, tmp_path: Path
) -> None:
    ok(ccn("user", "add", "boss", "--role", "admin"))
    ok(ccn("user", "add", "lan", "--role", "staff", actor="boss"))
    ok(ccn("user", "role", "lan", "supervisor", actor="boss"))
    ok(ccn("user", "role", "lan", "staff", actor="boss"))
    cp = take(ccn, tmp_path)
    assert json.loads(cp.read_text())["users"]["seq"] == 4
    raw_sql(ccn.url, "DELETE FROM user_changes WHERE seq = 4",
            "UPDATE users SET role = 'supervisor' WHERE name = 'lan'",
            unlock=("user_changes",))  # fmt: skip
    assert verify(ccn)[0] == 0  # log and rows agree: only the checkpoint knows its end
    assert verify(ccn, "--against", str(cp)) == (
        1,
        ["BROKEN user changes: cut short (checkpoint had seq 4, now 3): changes were removed"],
        "Error: 1 problem(s) in 0 clusters, 0 transitions\n",
    )


def test_removing_every_user_change_is_found_against_a_checkpoint(ccn: Ccn, tmp_path: Path) -> None:
    ok(ccn("user", "add", "boss", "--role", "admin"))
    cp = take(ccn, tmp_path)
    raw_sql(ccn.url, "DELETE FROM user_changes", "DELETE FROM users", unlock=("user_changes",))
    assert verify(ccn, "--against", str(cp))[:2] == (
        1, ["BROKEN user changes: missing: no changes left (checkpoint had seq 1)"])  # fmt: skip


# ---------------------------------------------------------------- 4. dump summaries


def test_dump_and_restore_name_form02_records_and_targets_files(
    ccn: Ccn, tmp_path: Path, sqlite_template: Path
) -> None:
    portfolio(ccn)
    for leased in ("1", "2"):  # the second corrects the first: two records
        ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", leased))
    file = tmp_path / "x.jsonl"
    assert ok(ccn("db", "dump", str(file))).stdout == (
        "Dumped 1 clusters, 1 history entries, 0 users, 2 definitions, 2 Form 02 records, "
        f"1 targets file to {file}.\n"
    )
    target = Ccn(sqlite_target(tmp_path, sqlite_template))
    assert ok(target("db", "restore", str(file))).stdout == (
        "Restored and verified 1 clusters, 1 history entries, 0 users, 2 definitions, "
        f"2 Form 02 records, 1 targets file from {file}.\n"
    )
