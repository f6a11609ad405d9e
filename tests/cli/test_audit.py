"""Audit trail: append-only history, hash chains, checkpoints, the log, users and roles."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db import open_engine
from db.users import os_login
from workflow.chain import entry_hash_v2

from ..conftest import FROZEN_NOW, dump, raw_sql


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # 02/03/2026
        yield


def sql(url: str, *statements: str, unlock: bool = False) -> None:
    """Run SQL behind the tool's back; `unlock` first disables the append-only triggers."""
    raw_sql(url, *statements, unlock=("transitions", "workflows") if unlock else ())


def walk(ccn) -> None:
    ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--since", "2026-01-05")
    ccn("advance", "HT1", "--on", "2026-02-02")
    ccn("advance", "HT1", "--note", "Hồ sơ thành lập")
    ccn("cluster", "add", "BS2", "--name", "Cụm công nghiệp Bắc Sơn 2", "--since", "2026-02-01")


def verify(ccn, *args: str) -> tuple[int, list[str]]:
    r = ccn("audit", "verify", *args)
    return r.exit_code, r.stdout.splitlines()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE transitions SET note = 'sửa' WHERE seq = 2",
        "DELETE FROM transitions WHERE seq = 3",
        "UPDATE transitions SET actor = 'someone else'",
    ],
)
def test_triggers_refuse_changes_to_history(ccn, statement) -> None:
    walk(ccn)
    before = dump(ccn.url)
    with pytest.raises(DBAPIError, match="append-only"):
        sql(ccn.url, statement)
    assert dump(ccn.url) == before


def test_clean_history_verifies(ccn) -> None:
    walk(ccn)
    assert verify(ccn) == (0, ["OK: 2 clusters, 4 transitions verified"])


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (["UPDATE transitions SET note = 'Hồ sơ thành lập!' WHERE seq = 3"],
         ["BROKEN HT1 seq 3: changed row: content does not match its hash"]),
        (["UPDATE transitions SET actor = 'mallory' WHERE seq = 1 AND cluster_id = "
          "(SELECT id FROM clusters WHERE code = 'BS2')"],
         ["BROKEN BS2 seq 1: changed row: content does not match its hash"]),
        (["DELETE FROM transitions WHERE seq = 2 AND cluster_id = "
          "(SELECT id FROM clusters WHERE code = 'HT1')"],
         ["BROKEN HT1 seq 2: missing row"]),
        (["DELETE FROM transitions WHERE seq = 3"], ["BROKEN HT1 seq 3: missing row"]),
        (["UPDATE transitions SET seq = 99 WHERE seq = 2",
          "UPDATE transitions SET seq = 2 WHERE seq = 3",
          "UPDATE transitions SET seq = 3 WHERE seq = 99"],
         ["BROKEN HT1 seq 2: changed row: content does not match its hash",
          "BROKEN HT1 seq 3: changed row: content does not match its hash",
          "BROKEN HT1 seq 3: head mismatch: cluster row and last entry differ",
          "BROKEN HT1 seq 3: state mismatch: cluster is establishment, its last entry leads "
          "to planning_compliant"]),
        (["UPDATE clusters SET state = 'operating' WHERE code = 'HT1'"],
         ["BROKEN HT1 seq 3: state mismatch: cluster is operating, its last entry leads to "
          "establishment",
          "BROKEN HT1 seq 3: state mismatch: replay gives establishment, cluster is operating"]),
        (["UPDATE clusters SET head_hash = 'x' WHERE code = 'BS2'"],
         ["BROKEN BS2 seq 1: head mismatch: cluster row and last entry differ"]),
        (["UPDATE clusters SET suspended_from = 'planned' WHERE code = 'HT1'"],
         ["BROKEN HT1 seq 3: state mismatch: cluster says it left planned, replay gives None"]),
        (["UPDATE transitions SET effective_on = '2026-01-10' WHERE seq = 2"],
         ["BROKEN HT1 seq 2: changed row: effective_on does not match effective_at"]),
        (["UPDATE clusters SET since_on = '2020-01-01' WHERE code = 'BS2'"],
         ["BROKEN BS2 seq 1: head mismatch: the cluster's since date is not its last entry's "
          "effective date"]),
        (["UPDATE workflows SET text = text || ' '"],
         ["BROKEN cluster_establishment@nd32-2024: changed row: workflow was altered in the "
          "database: its text no longer matches its SHA-256"]),
    ],
)  # fmt: skip
def test_tampering_is_named_by_cluster_and_seq(ccn, statements, expected) -> None:
    walk(ccn)
    sql(ccn.url, *statements, unlock=True)
    code, lines = verify(ccn)
    assert code == 1
    assert lines == expected


def test_rehashed_illegal_entry_is_caught_by_replay(ccn) -> None:
    walk(ccn)
    # A forger who knows the documented hash rewrites seq 3 to skip a step, keeping the chain.
    eng = open_engine(ccn.url)
    with eng.connect() as conn:
        row = conn.execute(text(
            "SELECT t.effective_at, t.recorded_at, t.actor, t.note, t.prev_hash, t.db_user, "
            "t.data FROM transitions t "
            "JOIN clusters c ON c.id = t.cluster_id WHERE c.code = 'HT1' AND t.seq = 3"
        )).one()  # fmt: skip
    eng.dispose()
    at = lambda v: (v if isinstance(v, datetime) else datetime.fromisoformat(str(v))).replace(  # noqa: E731
        tzinfo=UTC
    )
    forged = entry_hash_v2("HT1", 3, "advance", "planning_compliant", "investment_approval",
                           at(row[0]), at(row[1]), row[2], row[5], None, row[3], row[6],
                           row[4])  # fmt: skip
    sql(
        ccn.url,
        f"UPDATE transitions SET to_state = 'investment_approval', hash = '{forged}' WHERE seq = 3",
        f"UPDATE clusters SET state = 'investment_approval', head_hash = '{forged}' "
        "WHERE code = 'HT1'",
        unlock=True,
    )
    code, lines = verify(ccn)
    assert code == 1
    assert lines[0].startswith("BROKEN HT1 seq 3: illegal transition: cannot advance cluster HT1")


def test_checkpoint_catches_a_deleted_cluster(ccn, tmp_path) -> None:
    walk(ccn)
    cp = tmp_path / "cp.json"
    assert ccn("audit", "checkpoint", "--out", str(cp)).exit_code == 0
    doc = json.loads(cp.read_text())
    assert (doc["format"], doc["clusters"], doc["transitions"]) == ("ccn-checkpoint/4", 2, 4)
    assert [(h["code"], h["seq"]) for h in doc["heads"]] == [("BS2", 1), ("HT1", 3)]
    assert verify(ccn, "--against", str(cp)) == (
        0, ["OK: 2 clusters, 4 transitions verified",
            f"OK: everything covered by {cp} is present and unchanged"])  # fmt: skip
    with freeze_time("2026-03-02 04:00:00"):
        ccn("advance", "BS2")  # later work is not a problem
    assert verify(ccn, "--against", str(cp))[0] == 0
    sql(ccn.url,
        "DELETE FROM transitions WHERE cluster_id = (SELECT id FROM clusters WHERE code = 'BS2')",
        "DELETE FROM clusters WHERE code = 'BS2'", unlock=True)  # fmt: skip
    assert verify(ccn) == (0, ["OK: 1 clusters, 3 transitions verified"])  # chains alone pass
    assert verify(ccn, "--against", str(cp)) == (1, ["BROKEN BS2: missing (checkpoint had seq 1)"])


def test_checkpoint_catches_a_truncated_chain(ccn, tmp_path) -> None:
    walk(ccn)
    cp = tmp_path / "cp.json"
    ccn("audit", "checkpoint", "--out", str(cp))
    # A careful forger: drops the last entry and rewinds every head field consistently.
    at_seq_2 = "(SELECT {} FROM transitions t WHERE t.cluster_id = clusters.id AND t.seq = 2)"
    sql(ccn.url, "DELETE FROM transitions WHERE seq = 3",
        f"UPDATE clusters SET last_seq = 2, state = 'planning_compliant', "
        f"head_hash = {at_seq_2.format('hash')}, since = {at_seq_2.format('effective_at')}, "
        f"since_on = {at_seq_2.format('effective_on')} WHERE code = 'HT1'",
        unlock=True)  # fmt: skip
    assert verify(ccn)[0] == 0  # the chains alone cannot tell
    assert verify(ccn, "--against", str(cp)) == (
        1, ["BROKEN HT1: cut short (checkpoint had seq 3, now 2)"])  # fmt: skip


def test_revert_paths(ccn) -> None:
    walk(ccn)
    r = ccn("revert", "HT1", "--reason", "nhập nhầm")
    assert r.stdout == (
        "HT1: establishment -> planning_compliant (revert, seq 4, effective 02/03/2026)\n"
        "  undid seq 3: advance planning_compliant -> establishment\n"
    )
    hist = json.loads(ccn("history", "HT1", "--format", "json").stdout)
    assert [h["event"] for h in hist] == ["register", "advance", "advance", "revert"]
    r = ccn("revert", "BS2", "--reason", "x")
    assert (r.exit_code, r.stderr) == (1, "Error: cannot revert cluster BS2: its only entry is "
                                          "the registration; use cancel instead\n")  # fmt: skip
    # Undoing a resume puts the cluster back in suspension, remembering what it left.
    ccn("suspend", "BS2", "--reason", "chờ vốn")
    ccn("resume", "BS2")
    ccn("revert", "BS2", "--reason", "chưa có vốn")
    r = ccn("resume", "BS2")
    assert r.stdout == "BS2: suspended -> planned (resume, seq 5, effective 02/03/2026)\n"
    assert verify(ccn) == (0, ["OK: 2 clusters, 9 transitions verified"])


EVENTS = {
    "register": ["cluster", "add", "N1", "--name", "Mới"],
    "advance": ["advance", "HT1", "--ref", "QĐ 1/QĐ-UBND"],
    "send_back": ["send-back", "HT1", "--to", "planned", "--reason", "r"],
    "suspend": ["suspend", "HT1", "--reason", "r"],
    "cancel": ["cancel", "HT1", "--reason", "r"],
    "revert": ["revert", "HT1", "--reason", "r"],
}
ALLOWED = {
    "staff": {"register", "advance", "send_back", "suspend"},
    "supervisor": set(EVENTS),
    "auditor": set(),
    "admin": set(),
}


def with_users(ccn) -> None:
    walk(ccn)
    assert ccn("user", "add", "boss", "--role", "admin", actor="anyone").exit_code == 0
    for name, role in [("lan", "staff"), ("tuan", "supervisor"), ("hoa", "auditor")]:
        assert ccn("user", "add", name, "--role", role, actor="boss").exit_code == 0


@pytest.mark.parametrize("role", list(ALLOWED))
def test_refusal_matrix(ccn, role) -> None:
    with_users(ccn)
    actor = {"staff": "lan", "supervisor": "tuan", "auditor": "hoa", "admin": "boss"}[role]
    for event, args in EVENTS.items():
        before = dump(ccn.url)
        r = ccn(*args, actor=actor)
        if event in ALLOWED[role]:
            assert r.exit_code == 0, (event, r.stderr)
            # Put the cluster back where the next event expects it.
            if event in ("advance", "suspend"):
                ccn("revert", "HT1", "--reason", "test", actor="tuan")
        else:
            assert (r.exit_code, r.stderr) == (1, f"Error: {actor} (role {role}) may not {event}\n")
            assert dump(ccn.url) == before


def test_unknown_and_disabled_actors_are_refused(ccn) -> None:
    with_users(ccn)
    r = ccn("advance", "HT1", actor="stranger")
    assert r.stderr == "Error: stranger (not a registered user) may not advance\n"
    r = ccn("user", "disable", "lan", actor="lan")
    assert r.stderr == ("Error: lan (role staff) may not disable users: only an enabled admin "
                        "manages users\n")  # fmt: skip
    assert ccn("user", "disable", "lan", actor="boss").stdout == "Disabled user lan.\n"
    r = ccn("advance", "HT1", actor="lan")
    assert r.stderr == "Error: lan (role staff) may not advance: the user is disabled\n"
    r = ccn("user", "disable", "boss", actor="boss")
    assert r.stderr == "Error: cannot disable 'boss': it is the last enabled admin\n"


def test_backdating_needs_a_supervisor(ccn) -> None:
    with_users(ccn)
    ccn("cluster", "add", "OLD", "--name", "Cũ", "--since", "2025-01-01", actor="tuan")
    r = ccn("advance", "OLD", "--on", "2026-01-30", actor="lan")  # 31 days back
    assert r.stderr == ("Error: lan (role staff) may not advance: effective date 30/01/2026 is 31 "
                        "days back (over 30); a supervisor must record it\n")  # fmt: skip
    assert ccn("advance", "OLD", "--on", "2026-01-31", actor="lan").exit_code == 0  # 30 days
    r = ccn("cluster", "add", "OLD2", "--name", "Cũ", "--since", "2025-01-01", actor="lan")
    assert r.exit_code == 1 and "a supervisor must record it" in r.stderr


def test_single_user_bootstrap(ccn) -> None:
    r = ccn("user", "list")
    assert r.stdout.startswith("Single-user mode: no users are registered")
    assert ccn("cancel", "BS9", "--reason", "x").stderr == "Error: unknown cluster 'BS9'\n"
    r = ccn("user", "add", "lan", "--role", "staff")
    assert r.stderr == "Error: the first user must be an admin (got role staff)\n"
    assert ccn("user", "add", "boss", "--role", "admin").stdout == "Added user boss (admin).\n"
    r = ccn("user", "add", "lan", "--role", "staff", actor="nobody")
    assert r.stderr == "Error: nobody (not a registered user) may not add users\n"
    users = json.loads(ccn("user", "list", "--format", "json").stdout)
    boss = {"name": "boss", "role": "admin", "enabled": True,
            "created_at": "2026-03-02T10:00:00+07:00", "created_by": "tester"}  # fmt: skip
    assert users == [boss]


def test_audit_log_flags_backdated_entries(ccn) -> None:
    walk(ccn)
    with freeze_time("2026-03-05 03:00:00"):
        ccn("advance", "BS2", actor="hoa")
    rows = json.loads(ccn("audit", "log", "--format", "json").stdout)
    assert [(r["code"], r["seq"]) for r in rows] == [("HT1", 1), ("HT1", 2), ("HT1", 3),
                                                     ("BS2", 1), ("BS2", 2)]  # fmt: skip
    assert rows[0]["backdated_days"] == 56  # effective 05/01, recorded 02/03
    assert "backdated_days" not in rows[1]  # 28 days: within the limit
    assert set(rows[2]) >= {"code", "seq", "event", "from_state", "to_state", "effective_at",
                            "recorded_at", "actor", "ref", "note", "hash"}  # fmt: skip
    only = json.loads(ccn("audit", "log", "--actor", "hoa", "--format", "json").stdout)
    assert [(r["code"], r["seq"]) for r in only] == [("BS2", 2)]
    since = json.loads(ccn("audit", "log", "--since", "2026-03-03", "--format", "json").stdout)
    assert [(r["code"], r["seq"]) for r in since] == [("BS2", 2)]
    until = json.loads(ccn("audit", "log", "--until", "02/03/2026", "--cluster", "bs2",
                           "--format", "json").stdout)  # fmt: skip
    assert [(r["code"], r["seq"]) for r in until] == [("BS2", 1)]
    if ccn.url.startswith("postgresql"):
        assert {r["db_user"] for r in rows} == {"ccn"}  # the real login, not --actor
    else:  # SQLite has no logins: the OS login is recorded beside --actor
        assert {r["db_user"] for r in rows} == {os_login()}


def test_history_left_without_its_cluster_row(ccn) -> None:
    walk(ccn)
    drop_fk = (
        "PRAGMA foreign_keys = OFF"
        if ccn.url.startswith("sqlite")
        else "ALTER TABLE transitions DROP CONSTRAINT fk_transitions_cluster_id_clusters"
    )
    eng = open_engine(ccn.url)
    with eng.connect() as conn:
        if ccn.url.startswith("sqlite"):
            conn.exec_driver_sql("COMMIT")  # the pragma only works outside a transaction
            conn.exec_driver_sql(drop_fk)
            conn.exec_driver_sql("DELETE FROM clusters WHERE code = 'BS2'")
        else:
            conn.exec_driver_sql(drop_fk)
            conn.exec_driver_sql("DELETE FROM clusters WHERE code = 'BS2'")
            conn.commit()
    eng.dispose()
    code, lines = verify(ccn)
    assert code == 1
    assert len(lines) == 1
    # Named by its cluster code, which each entry keeps, never by a row id.
    assert lines == ["BROKEN BS2: missing row: the cluster row is gone, its history remains"]


def test_altered_definition_is_not_used(ccn) -> None:
    with_users(ccn)
    # Someone widens who may cancel, straight in the database; then with a matching hash.
    with pytest.raises(DBAPIError, match="append-only"):
        sql(ccn.url, "UPDATE workflows SET name = 'x'")
    sql(ccn.url, "UPDATE workflows SET text = replace(text, 'roles = [\"supervisor\"]', "
        "'roles = [\"staff\", \"supervisor\"]')", unlock=True)  # fmt: skip
    before = dump(ccn.url)
    r = ccn("cancel", "HT1", "--reason", "x", actor="lan")
    assert r.exit_code == 1
    assert "workflow cluster_establishment@nd32-2024 was altered in the database" in r.stderr
    assert dump(ccn.url) == before
    eng = open_engine(ccn.url)
    with eng.connect() as conn:
        text_now = conn.exec_driver_sql("SELECT text FROM workflows").scalar()
    eng.dispose()
    assert text_now is not None
    rehashed = hashlib.sha256(text_now.encode()).hexdigest()
    sql(ccn.url, f"UPDATE workflows SET sha256 = '{rehashed}'", unlock=True)
    r = ccn("cancel", "HT1", "--reason", "x", actor="lan")
    assert r.stderr == (
        "Error: workflow cluster_establishment@nd32-2024 differs from the packaged definition "
        "of the same version; refusing to use it\n"
    )
    assert verify(ccn)[0] == 1


def test_audit_log_finds_a_user_however_the_name_is_typed(ccn) -> None:
    assert ccn("user", "add", "boss", "--role", "admin", actor="boss").exit_code == 0
    assert ccn("user", "add", "Lan", "--role", "staff", actor="boss").exit_code == 0
    assert ccn("cluster", "add", "L1", "--name", "Cụm L1", actor="lan").exit_code == 0
    rows = json.loads(ccn("audit", "log", "--actor", "LAN", "--format", "json").stdout)
    assert [(r["code"], r["actor"]) for r in rows] == [("L1", "Lan")]
