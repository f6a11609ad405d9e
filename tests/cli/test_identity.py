"""Identity: the login decides who acts, one spelling per user, and the user change chain."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from freezegun import freeze_time
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from cli import cli
from db import open_engine
from db.users import os_login
from states import default_definition
from states.targets import example_path

from ..conftest import FROZEN_NOW, Ccn, _pg_database, dump, raw_sql

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # 02/03/2026
        yield


def login_of(url: str) -> str:
    """The login the `ccn` fixture writes as: the PG superuser, or the OS login on SQLite."""
    return "ccn" if url.startswith("postgresql") else os_login()


sql = raw_sql


def broken(ccn: Ccn) -> list[str]:
    r = ccn("audit", "verify")
    assert r.exit_code == 1, r.stdout
    return [line for line in r.stdout.splitlines() if line.startswith("BROKEN")]


def team(ccn: Ccn) -> None:
    assert ccn("user", "add", "boss", "--role", "admin").exit_code == 0
    assert ccn("user", "add", "lan", "--role", "staff", actor="boss").exit_code == 0
    assert ccn("user", "add", "sup", "--role", "supervisor", actor="boss").exit_code == 0


# ---------------------------------------------------------------- one user per name


def test_names_compare_ignoring_case_and_normalisation(ccn) -> None:
    ccn("user", "add", "boss", "--role", "admin")
    assert ccn("user", "add", "Lan", "--role", "staff", actor="boss").exit_code == 0
    r = ccn("user", "add", "lan", "--role", "supervisor", actor="boss")
    assert (r.exit_code, r.stderr) == (1, "Error: user 'lan' already exists (as 'Lan')\n")
    nfc, nfd = "Ngân", unicodedata.normalize("NFD", "Ngân")
    assert nfc != nfd
    assert ccn("user", "add", nfd, "--role", "staff", actor="boss").stdout == (
        f"Added user {nfc} (staff).\n"  # stored NFC
    )
    r = ccn("user", "add", "NGÂN", "--role", "staff", actor="boss")
    assert r.stderr == "Error: user 'NGÂN' already exists (as 'Ngân')\n"
    # Acting as `LAN` is acting as Lan, recorded under the stored name.
    assert ccn("cluster", "add", "X1", "--name", "Cụm X", actor="LAN").exit_code == 0
    [entry] = json.loads(ccn("history", "X1", "--format", "json").stdout)
    assert entry["actor"] == "Lan"
    assert ccn("user", "disable", "lAN", actor="BOSS").stdout == "Disabled user Lan.\n"
    assert [u["name"] for u in json.loads(ccn("user", "list", "--format", "json").stdout)] == [
        "boss", "Lan", "Ngân"]  # fmt: skip


def test_user_enable_role_and_log(ccn) -> None:
    me = login_of(ccn.url)
    team(ccn)
    assert ccn("user", "role", "lan", "supervisor", actor="boss").stdout == (
        "User lan is now supervisor.\n"
    )
    r = ccn("user", "role", "LAN", "supervisor", actor="boss")
    assert (r.exit_code, r.stderr) == (1, "Error: user 'lan' already has role supervisor\n")
    assert ccn("user", "disable", "lan", actor="boss").exit_code == 0
    assert ccn("user", "enable", "lan", actor="boss").stdout == "Enabled user lan.\n"
    r = ccn("user", "enable", "lan", actor="boss")
    assert (r.exit_code, r.stderr) == (1, "Error: user 'lan' is already enabled\n")
    r = ccn("user", "enable", "nobody", actor="boss")
    assert (r.exit_code, r.stderr) == (1, "Error: unknown user 'nobody'\n")
    r = ccn("user", "role", "boss", "staff", actor="boss")
    assert (r.exit_code, r.stderr) == (
        1, "Error: cannot change the role of 'boss': it is the last enabled admin\n")  # fmt: skip
    r = ccn("user", "role", "lan", "admin", actor="lan")
    assert (r.exit_code, r.stderr) == (1, "Error: lan (role supervisor) may not change roles: "
                                          "only an enabled admin manages users\n")  # fmt: skip
    assert ccn("user", "role", "lan", "king", actor="boss").exit_code == 2
    r = ccn("user", "add", "tu", "--role", "staff", "--login", "tu_login", actor="boss")
    assert r.exit_code == 0
    before = dump(ccn.url)
    log = json.loads(ccn("user", "log", "--format", "json").stdout)
    assert [(e["seq"], e["user"], e["action"], e["role"], e["enabled"], e["login"], e["actor"])
            for e in log] == [
        (1, "boss", "add", "admin", True, "boss", "tester"),
        (2, "lan", "add", "staff", True, "lan", "boss"),
        (3, "sup", "add", "supervisor", True, "sup", "boss"),
        (4, "lan", "role", "supervisor", True, "lan", "boss"),
        (5, "lan", "disable", "supervisor", False, "lan", "boss"),
        (6, "lan", "enable", "supervisor", True, "lan", "boss"),
        (7, "tu", "add", "staff", True, "tu_login", "boss"),
    ]  # fmt: skip
    assert {e["db_user"] for e in log} == {me}
    assert log[0]["recorded_at"] == "2026-03-02T10:00:00+07:00"
    assert all(len(e["hash"]) == 64 for e in log)
    table = ccn("user", "log").stdout.splitlines()
    assert table[0].split() == ["#", "Recorded", "User", "Action", "Role", "Enabled", "Login",
                                "By", "By", "login"]  # fmt: skip
    assert len(table) == 2 + 7 and all(len(line) <= 80 for line in table)
    csv = ccn("user", "log", "--format", "csv").stdout.splitlines()
    assert (
        csv[0].lstrip("\ufeff")
        == "seq,recorded_at,user,action,role,enabled,login,actor,db_user,hash"
    )
    assert dump(ccn.url) == before  # reading changes nothing
    assert ccn("audit", "verify").exit_code == 0


# ---------------------------------------------------------------- tampering with users


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            ["UPDATE user_changes SET role = 'admin' WHERE seq = 2"],
            ["user lan: change 2 does not match its hash"],
        ),
        (
            ["DELETE FROM user_changes WHERE seq = 2"],
            ["user sup: change 3 does not link to the change before it (change 2 is missing)",
             "user lan: the users row has no change in the log that adds it"],
        ),
        (
            # Swap two changes: the content stays hashed, the order does not fit.
            ["UPDATE user_changes SET seq = 99 WHERE seq = 2",
             "UPDATE user_changes SET seq = 2 WHERE seq = 3",
             "UPDATE user_changes SET seq = 3 WHERE seq = 99"],
            ["user sup: change 2 does not match its hash",
             "user lan: change 3 does not match its hash"],
        ),
        (
            ["DELETE FROM user_changes WHERE seq = 4"],  # the last one: lan made supervisor
            ["user lan: the users row says role supervisor, its change log gives staff"],
        ),
    ],
)  # fmt: skip
def test_tampered_user_changes_are_named(ccn, statements, expected) -> None:
    team(ccn)
    ccn("user", "role", "lan", "supervisor", actor="boss")
    assert ccn("audit", "verify").exit_code == 0
    sql(ccn.url, *statements, unlock=("user_changes",))
    assert broken(ccn) == [f"BROKEN {e}" for e in expected]


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("UPDATE users SET role = 'admin' WHERE name = 'lan'",
         "user lan: the users row says role admin, its change log gives staff"),
        ("UPDATE users SET enabled = FALSE WHERE name = 'lan'",
         "user lan: the users row says disabled, its change log gives enabled"),
        ("UPDATE users SET login = 'sup2' WHERE name = 'lan'",
         "user lan: the users row says login sup2, its change log gives lan"),
        ("DELETE FROM users WHERE name = 'lan'",
         "user lan: the change log has this user, the users row is gone"),
        ("INSERT INTO users (name, name_key, login, role, enabled, created_at, created_by) "
         "VALUES ('eve', 'eve', 'eve', 'admin', TRUE, '2026-03-02 03:00:00', 'boss')",
         "user eve: the users row has no change in the log that adds it"),
    ],
)  # fmt: skip
def test_tampered_users_rows_are_named(ccn, statement, expected) -> None:
    team(ccn)
    sql(ccn.url, statement)
    assert broken(ccn) == [f"BROKEN {expected}"]


# ---------------------------------------------------------------- showing the login


def test_history_and_audit_log_tables_show_the_login(ccn) -> None:
    me = login_of(ccn.url)
    ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--since", "2026-02-02")
    ccn("advance", "HT1", "--note", "Hồ sơ thành lập cụm công nghiệp rất dài " * 3)
    table = ccn("history", "HT1").stdout.splitlines()
    assert table[0].split() == ["#", "Event", "To", "Effective", "Actor", "Login", "Ref", "Note"]
    assert all(me in line for line in table[2:]) and len(table) == 4
    assert all(len(line) <= 80 for line in table)
    table = ccn("audit", "log").stdout.splitlines()
    assert table[0].split() == ["Recorded", "Code", "#", "Event", "To", "Effective", "Actor",
                                "Login", "Back"]  # fmt: skip
    assert all(me in line for line in table[2:]) and len(table) == 4
    assert all(len(line) <= 80 for line in table)


def test_audit_log_mismatch(ccn) -> None:
    me = login_of(ccn.url)
    # Single-user mode: the actor name is compared with the login.
    ccn("cluster", "add", "S1", "--name", "Cụm S1", actor=me)
    ccn("cluster", "add", "S2", "--name", "Cụm S2", actor="someone")
    ccn("user", "add", "boss", "--role", "admin")
    ccn("user", "add", "chief", "--role", "supervisor", "--login", me, actor="boss")
    ccn("user", "add", "lan", "--role", "staff", actor="boss")
    ccn("advance", "S1", actor="chief")  # chief's login is the one writing: no mismatch
    # On SQLite the file's writer can claim anyone; on PostgreSQL only a superuser can.
    ccn("advance", "S2", actor="lan")
    rows = json.loads(ccn("audit", "log", "--mismatch", "--format", "json").stdout)
    assert [(r["code"], r["seq"], r["actor"], r["db_user"]) for r in rows] == [
        ("S2", 1, "someone", me), ("S2", 2, "lan", me)]  # fmt: skip
    table = ccn("audit", "log", "--mismatch").stdout.splitlines()
    assert len(table) == 4 and "lan" in table[3] and me in table[3]
    both = json.loads(
        ccn("audit", "log", "--mismatch", "--actor", "lan", "--format", "json").stdout
    )
    assert [(r["code"], r["seq"]) for r in both] == [("S2", 2)]


# ---------------------------------------------------------------- PostgreSQL: three logins

PASSWORDS = {"boss": "pw-boss", "lan": "pw-lan", "sup": "pw-sup", "stranger": "pw-stranger",
             "audi": "pw-audi"}  # fmt: skip


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, pg_server: object):
    # Asks for pg_server by name, so that each test using it is marked a system test.
    with _pg_database(request, template="pg_template") as url:
        yield url


def as_login(url: str, login: str) -> str:
    return (
        make_url(url)
        .set(username=login, password=PASSWORDS[login])
        .render_as_string(hide_password=False)
    )


def run(url: str, *args: str, actor: str | None = None) -> Result:
    argv = ["--db", url, *(["--actor", actor] if actor else []), *args]
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def owner_sql(url: str, *statements: str) -> None:
    eng = open_engine(url)
    with eng.begin() as conn:
        for s in statements:
            conn.exec_driver_sql(s)
    eng.dispose()


def login_sql(url: str, login: str, *statements: str) -> None:
    eng = open_engine(as_login(url, login))
    try:
        with eng.begin() as conn:
            for s in statements:
                conn.exec_driver_sql(s)
    finally:
        eng.dispose()


@pytest.fixture
def logins(pg_url: str) -> dict[str, str]:
    """boss (admin), lan (staff), sup (supervisor) and unmapped `stranger` and `audi`,
    each its own PostgreSQL login with exactly the grants the README documents."""
    from db.grants import grant_statements

    database = make_url(pg_url).database
    assert database is not None
    for login, pw in PASSWORDS.items():
        owner_sql(
            pg_url,
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{login}') THEN "
            f"CREATE ROLE {login} LOGIN PASSWORD '{pw}'; END IF; END $$",
        )
        owner_sql(pg_url, *grant_statements(login, database))
    # The first admin is added by the database owner; boss's own login adds the rest.
    assert run(pg_url, "user", "add", "boss", "--role", "admin", actor="tester").exit_code == 0
    boss = as_login(pg_url, "boss")
    assert run(boss, "user", "add", "lan", "--role", "staff").stdout == "Added user lan (staff).\n"
    assert run(boss, "user", "add", "sup", "--role", "supervisor").exit_code == 0
    return {login: as_login(pg_url, login) for login in PASSWORDS}


def test_readme_documents_the_grants_the_tests_use() -> None:
    from db.grants import GRANTS

    readme = README.read_text(encoding="utf-8")
    for statement in GRANTS:
        assert statement.format(login="LOGIN", database="DATABASE") + ";" in readme


def test_pg_the_login_decides_who_acts(logins, pg_url) -> None:
    lan, sup = logins["lan"], logins["sup"]
    assert run(lan, "cluster", "add", "PG1", "--name", "Cụm PG1").exit_code == 0
    before = dump(pg_url)
    r = run(lan, "cancel", "PG1", "--reason", "x", actor="sup")
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == "Error: --actor sup refused: database login lan acts as lan\n"
    assert dump(pg_url) == before
    # Without --actor the login's user acts; naming yourself, in any case, is fine.
    assert run(lan, "advance", "PG1").exit_code == 0
    assert run(lan, "suspend", "PG1", "--reason", "chờ", actor="LAN").exit_code == 0
    assert run(sup, "resume", "PG1").exit_code == 0
    hist = json.loads(run(lan, "history", "PG1", "--format", "json").stdout)
    assert [h["actor"] for h in hist] == ["lan", "lan", "lan", "sup"]
    log = json.loads(run(lan, "audit", "log", "--format", "json").stdout)
    assert [e["db_user"] for e in log] == ["lan", "lan", "lan", "sup"]
    assert json.loads(run(lan, "audit", "log", "--mismatch", "--format", "json").stdout) == []
    # A staff login can't manage users, nor sneak past its role.
    r = run(lan, "user", "role", "lan", "admin")
    assert r.stderr == ("Error: lan (role staff) may not change roles: only an enabled admin "
                        "manages users\n")  # fmt: skip
    r = run(lan, "revert", "PG1", "--reason", "x")
    assert r.stderr == "Error: lan (role staff) may not revert\n"
    # A login mapped to nobody records nothing.
    r = run(logins["stranger"], "advance", "PG1", actor="lan")
    assert r.stderr == (
        "Error: database login stranger is not mapped to a ccn user; an admin can map it with "
        "`ccn user add NAME --login stranger`\n"
    )
    r = run(logins["boss"], "cancel", "PG1", "--reason", "x", actor="sup")
    assert r.stderr == "Error: --actor sup refused: database login boss acts as boss\n"
    assert run(lan, "audit", "verify").stdout == "OK: 1 clusters, 4 transitions verified\n"


FORGED = (
    "INSERT INTO transitions (cluster_id, seq, event, from_state, to_state, effective_at, "
    "effective_on, recorded_at, actor, prev_hash, hash, db_user, code, canon) "
    "SELECT id, last_seq + 1, 'cancel', state, 'cancelled', now(), current_date, now(), "
    "'{actor}', head_hash, repeat('0', 64), {db_user}, code, 2 FROM clusters WHERE code = 'PG1'"
)


def test_pg_the_database_refuses_forged_identity(logins, pg_url) -> None:
    assert run(logins["lan"], "cluster", "add", "PG1", "--name", "Cụm PG1").exit_code == 0
    before = dump(pg_url)
    with pytest.raises(DBAPIError, match="login lan may not record as sup"):
        login_sql(pg_url, "lan", FORGED.format(actor="sup", db_user="'lan'"))
    with pytest.raises(DBAPIError, match="login lan may not record as sup"):
        login_sql(pg_url, "lan", FORGED.format(actor="sup", db_user="NULL"))
    with pytest.raises(DBAPIError, match="db_user sup is not the login writing the row"):
        login_sql(pg_url, "lan", FORGED.format(actor="lan", db_user="'sup'"))
    with pytest.raises(DBAPIError, match="login lan may not change users"):
        login_sql(pg_url, "lan", "UPDATE users SET role = 'admin' WHERE name = 'lan'")
    with pytest.raises(DBAPIError, match="permission denied for table users"):
        login_sql(pg_url, "lan", "DELETE FROM users WHERE name = 'sup'")
    with pytest.raises(DBAPIError, match="login lan may not record user changes as boss"):
        login_sql(
            pg_url,
            "lan",
            "INSERT INTO user_changes (user_name, action, role, actor, recorded_at) "
            "VALUES ('lan', 'role', 'admin', 'boss', now())",
        )
    with pytest.raises(DBAPIError, match="login lan may not record user changes as lan"):
        login_sql(  # herself, but staff: only an admin's login writes user changes
            pg_url,
            "lan",
            "INSERT INTO user_changes (user_name, action, role, actor, recorded_at) "
            "VALUES ('lan', 'role', 'admin', 'lan', now())",
        )
    assert dump(pg_url) == before
    # The same kind of hand-written row under one's own name is accepted by the trigger
    # (audit verify then judges its hash).
    login_sql(pg_url, "lan", FORGED.format(actor="lan", db_user="'lan'"))
    # A disabled user's login records nothing, even by hand.
    assert run(logins["boss"], "user", "disable", "sup").exit_code == 0
    with pytest.raises(DBAPIError, match="login sup may not record as sup"):
        login_sql(pg_url, "sup", FORGED.format(actor="sup", db_user="'sup'"))


def test_pg_admin_login_manages_users(logins, pg_url) -> None:
    boss, lan = logins["boss"], logins["lan"]
    assert run(boss, "user", "role", "lan", "supervisor").exit_code == 0
    assert run(lan, "cluster", "add", "PG1", "--name", "Cụm PG1").exit_code == 0
    assert run(lan, "cancel", "PG1", "--reason", "x").exit_code == 0  # now a supervisor
    assert run(boss, "user", "disable", "lan").exit_code == 0
    r = run(lan, "cluster", "add", "PG2", "--name", "Cụm PG2")
    assert r.stderr == "Error: lan (role supervisor) may not register: the user is disabled\n"
    log = json.loads(run(lan, "user", "log", "--format", "json").stdout)
    assert [(e["actor"], e["db_user"]) for e in log] == [
        ("tester", "ccn"), ("boss", "boss"), ("boss", "boss"), ("boss", "boss"), ("boss", "boss")
    ]  # fmt: skip
    v = run(lan, "audit", "verify")
    assert v.exit_code == 0, v.stdout


# ---------------------------------------------------------------- upgrading to 0006

OLD_USER = (
    "INSERT INTO users (name, role, enabled, created_at, created_by) "
    "VALUES (:name, :role, :enabled, '2025-01-01 03:00:00', 'root')"
)
OLD_CHANGE = (
    "INSERT INTO user_changes (user_name, action, role, actor, recorded_at, db_user) "
    "VALUES (:name, :action, :role, :actor, '2025-01-01 03:00:00', :db_user)"
)


def _at_0004(url: str, users: list[tuple[str, str, bool]]) -> Engine:
    from db.schema import upgrade

    engine = open_engine(url, create_dir=True)
    upgrade(engine, "0004")
    me = login_of(url)
    with engine.begin() as conn:
        for name, role, enabled in users:
            conn.execute(text(OLD_USER), {"name": name, "role": role, "enabled": enabled})
            conn.execute(
                text(OLD_CHANGE),
                {"name": name, "action": "add", "role": role, "actor": "boss", "db_user": me},
            )
            if not enabled:
                conn.execute(
                    text(OLD_CHANGE),
                    {"name": name, "action": "disable", "role": role, "actor": "boss",
                     "db_user": me},
                )  # fmt: skip
    return engine


def test_upgrade_keeps_users_and_starts_the_chain(empty_url) -> None:
    from db import schema

    engine = _at_0004(empty_url, [("boss", "admin", True), ("lan", "staff", False)])
    assert schema.upgrade(engine) == ("0004", schema.HEAD)
    engine.dispose()
    ccn = Ccn(empty_url)
    assert ccn("audit", "verify").stdout == "OK: 0 clusters, 0 transitions verified\n"
    assert ccn("user", "enable", "LAN", actor="boss").stdout == "Enabled user lan.\n"
    log = json.loads(ccn("user", "log", "--format", "json").stdout)
    assert [(e["seq"], e["user"], e["action"], e["enabled"], e["login"], e["hash"] is None)
            for e in log] == [
        (None, "boss", "add", True, "boss", True),
        (None, "lan", "add", True, "lan", True),
        (None, "lan", "disable", False, "lan", True),
        (1, "lan", "enable", True, "lan", False),  # the chain starts at the first new change
    ]  # fmt: skip
    assert ccn("audit", "verify").exit_code == 0
    # An unhashed row slipped in after the chain began is not taken for an old one.
    values = "'lan', 'role', 'admin', 'boss', '2026-03-02 03:00:00', NULL"
    sql(empty_url, OLD_CHANGE.split("VALUES")[0] + f"VALUES ({values})")
    assert broken(ccn) == [
        "BROKEN user lan: a change without a hash, written after the chain began",
        "BROKEN user lan: the users row says role staff, its change log gives admin",
    ]


def test_upgrade_refuses_two_users_with_one_name(empty_url) -> None:
    from db import schema
    from workflow.errors import StorageError

    engine = _at_0004(empty_url, [("boss", "admin", True), ("Lan", "staff", True),
                                  ("lan", "supervisor", True)])  # fmt: skip
    with pytest.raises(StorageError, match="users 'Lan' and 'lan' are one name ignoring case"):
        schema.upgrade(engine)
    assert schema.current_revision(engine) == "0005"  # 0006, which refused, changed nothing
    engine.dispose()


def test_pg_grants_command_prints_the_documented_grants(pg_url) -> None:
    from db.grants import grant_statements

    r = run(pg_url, "user", "grants", "lan")
    database = make_url(pg_url).database
    assert database is not None
    assert r.stdout.splitlines() == [s + ";" for s in grant_statements("lan", database)]


def test_downgrade_to_0004_and_back_keeps_user_changes_append_only(empty_url) -> None:
    from alembic import command

    from db import schema

    engine = open_engine(empty_url, create_dir=True)
    schema.upgrade(engine)
    command.downgrade(schema.alembic_config(engine), "0004")
    schema.upgrade(engine)
    engine.dispose()
    ccn = Ccn(empty_url)
    assert ccn("user", "add", "boss", "--role", "admin").exit_code == 0
    with pytest.raises(DBAPIError, match="append-only"):
        sql(empty_url, "DELETE FROM user_changes")
    assert ccn("audit", "verify").exit_code == 0


# ---------------------------------------------------------------- PostgreSQL: who installs (0009)


def workflow_row(version: str = "v-tay", text: str | None = None, sha: str | None = None) -> str:
    """An INSERT of a definition; the packaged one's text and hash unless told otherwise."""
    d = default_definition()
    body = d.text if text is None else text
    digest = d.sha256 if sha is None else sha
    quoted = body.replace("'", "''")
    return (
        "INSERT INTO workflows (name, version, sha256, text, created_at) "
        f"VALUES ('{d.name}', '{version}', '{digest}', '{quoted}', now())"
    )


def targets_row(installed_by: str, version: str = "2099") -> str:
    return (
        "INSERT INTO targets (name, version, sha256, text, installed_by, created_at) "
        f"VALUES ('lang_son', '{version}', repeat('0', 64), 'x', '{installed_by}', now())"
    )


def newer_definition(tmp_path: Path) -> Path:
    d = default_definition()
    path = tmp_path / "newer.toml"
    path.write_text(d.text.replace(f'version = "{d.version}"', 'version = "nd32-2099"', 1))
    return path


@pytest.fixture
def crew(logins: dict[str, str]) -> dict[str, str]:
    """The `logins` team, and `audi` an auditor."""
    assert run(logins["boss"], "user", "add", "audi", "--role", "auditor").exit_code == 0
    return logins


def test_pg_staff_and_auditor_logins_cannot_install_by_hand(crew, pg_url) -> None:
    before = dump(pg_url)
    for login in ("audi", "lan", "stranger"):
        with pytest.raises(DBAPIError, match=f"login {login} may not store workflow "
                                             "cluster_establishment@v-tay: only the login of an "
                                             "enabled supervisor or admin"):  # fmt: skip
            login_sql(pg_url, login, workflow_row())
        for claimed in ("sup", "boss"):
            with pytest.raises(DBAPIError, match=f"login {login} may not install targets as "
                                                 f"{claimed}"):  # fmt: skip
                login_sql(pg_url, login, targets_row(claimed))
    for login in ("audi", "lan"):  # as themselves: still not their role's to install
        only = f"login {login} may not install targets: only the login of an enabled supervisor"
        with pytest.raises(DBAPIError, match=only):
            login_sql(pg_url, login, targets_row(login))
    # A supervisor installs under her own name only.
    with pytest.raises(DBAPIError, match="login sup may not install targets as boss"):
        login_sql(pg_url, "sup", targets_row("boss"))
    # The packaged definition is the one text staff may store (registering pins it), and
    # only byte for byte under its own version; an auditor may not even store that.
    packaged = default_definition()
    for row in (
        workflow_row(packaged.version, text=packaged.text + "\n"),
        workflow_row(packaged.version, text=packaged.text.replace("staff", "auditor")),
        workflow_row("nd32-2099"),
    ):
        with pytest.raises(DBAPIError, match="login lan may not store workflow"):
            login_sql(pg_url, "lan", row)
    with pytest.raises(DBAPIError, match="login audi may not store workflow"):
        login_sql(pg_url, "audi", workflow_row(packaged.version))
    # A disabled supervisor installs nothing.
    assert run(crew["boss"], "user", "disable", "sup").exit_code == 0
    before = dump(pg_url)
    with pytest.raises(DBAPIError, match="login sup may not store workflow"):
        login_sql(pg_url, "sup", workflow_row())
    with pytest.raises(DBAPIError, match="login sup may not install targets as sup"):
        login_sql(pg_url, "sup", targets_row("sup"))
    assert dump(pg_url) == before


def test_pg_supervisor_and_admin_logins_install_through_ccn(crew, pg_url, tmp_path) -> None:
    newer = str(newer_definition(tmp_path))
    for login in ("lan", "audi"):
        r = run(crew[login], "workflow", "install", newer)
        assert r.exit_code == 1 and r.stderr.startswith(f"Error: {login} (role ")
        r = run(crew[login], "targets", "install", str(example_path()))
        assert r.exit_code == 1 and r.stderr.startswith(f"Error: {login} (role ")
    r = run(crew["sup"], "workflow", "install", newer)
    assert r.exit_code == 0, r.stderr
    r = run(crew["sup"], "targets", "install", str(example_path()))
    assert r.exit_code == 0, r.stderr
    stored = run(crew["lan"], "targets", "list", "--format", "csv").stdout
    assert ",sup," in stored
    # Under her own name, by hand too; and an admin's login likewise.
    login_sql(pg_url, "sup", targets_row("sup", "2098"))
    login_sql(pg_url, "boss", targets_row("boss", "2097"), workflow_row("v-boss"))


def test_pg_a_refusal_by_the_database_is_one_error_line(crew, tmp_path, monkeypatch) -> None:
    """Were ccn's own check ever to let a staff login through, the database still refuses."""
    import workflow.definitions
    import workflow.outlook

    monkeypatch.setattr(workflow.definitions, "authorize", lambda *a, **k: None)
    monkeypatch.setattr(workflow.outlook, "TARGET_ROLES", ("staff",))
    for args, says in (
        (["workflow", "install", str(newer_definition(tmp_path))],
         "login lan may not store workflow cluster_establishment@nd32-2099: only the login of "
         "an enabled supervisor or admin may install a definition\n"),
        (["targets", "install", str(example_path())],
         "login lan may not install targets: only the login of an enabled supervisor or admin "
         "may\n"),
    ):  # fmt: skip
        r = run(crew["lan"], *args)
        assert r.exit_code == 1 and r.stdout == ""
        assert r.stderr.startswith("Error: ") and r.stderr.endswith(says)
        assert r.stderr.count("\n") == 1


def test_pg_a_staff_login_registers_the_first_cluster(crew, pg_url) -> None:
    assert [row for row in dump(pg_url) if row[0] == "workflows"] == []  # a fresh database
    r = run(crew["lan"], "cluster", "add", "PG1", "--name", "Cụm PG1")
    assert r.exit_code == 0, r.stderr
    listed = run(crew["lan"], "workflow", "list", "--format", "csv").stdout
    assert default_definition().sha256[:12] in listed
    r = run(crew["lan"], "cluster", "add", "PG2", "--name", "Cụm PG2")
    assert r.exit_code == 0, r.stderr
    assert run(crew["lan"], "audit", "verify").exit_code == 0


def test_pg_the_packaged_definition_is_the_one_the_migration_lets_staff_store(pg_url) -> None:
    """A changed packaged definition needs a migration replacing ccn_packaged_workflow()."""

    d = default_definition()
    eng = open_engine(pg_url)
    with eng.connect() as conn:
        allowed = conn.execute(
            text("SELECT ccn_packaged_workflow(:n, :v, :s)"),
            {"n": d.name, "v": d.version, "s": d.sha256},
        ).scalar()
    eng.dispose()
    assert allowed is True


def test_pg_single_user_mode_lets_any_login_install(pg_url, tmp_path) -> None:
    from db.grants import grant_statements

    database = make_url(pg_url).database
    assert database is not None
    pw = PASSWORDS["lan"]
    owner_sql(
        pg_url,
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lan') THEN "
        f"CREATE ROLE lan LOGIN PASSWORD '{pw}'; END IF; END $$",
        *grant_statements("lan", database),
    )
    login_sql(pg_url, "lan", workflow_row(), targets_row("anyone"))
    lan = as_login(pg_url, "lan")
    assert (
        run(lan, "workflow", "install", str(newer_definition(tmp_path)), actor="lan").exit_code == 0
    )
    assert run(lan, "targets", "install", str(example_path()), actor="lan").exit_code == 0
    assert run(lan, "cluster", "add", "PG1", "--name", "Cụm PG1", actor="lan").exit_code == 0


def test_pg_init_upgrades_a_0008_database_and_guards_it(request, pg_server) -> None:
    from db.grants import grant_statements
    from db.schema import HEAD, upgrade

    with _pg_database(request) as url:
        engine = open_engine(url)
        upgrade(engine, "0008")
        with engine.begin() as conn:
            for name, role in (("boss", "admin"), ("lan", "staff")):
                conn.execute(
                    text(
                        "INSERT INTO users (name, name_key, login, role, enabled, created_at, "
                        "created_by) VALUES (:n, :n, :n, :r, true, now(), 'root')"
                    ),
                    {"n": name, "r": role},
                )
        engine.dispose()
        r = run(url, "init")
        assert (
            r.stdout.startswith("Upgraded database") and f"from schema 0008 to {HEAD}" in r.stdout
        )
        database = make_url(url).database
        assert database is not None
        owner_sql(
            url,
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lan') THEN "
            f"CREATE ROLE lan LOGIN PASSWORD '{PASSWORDS['lan']}'; END IF; END $$",
            *grant_statements("lan", database),
        )
        with pytest.raises(DBAPIError, match="login lan may not store workflow"):
            login_sql(url, "lan", workflow_row())
        with pytest.raises(DBAPIError, match="login lan may not install targets: only"):
            login_sql(url, "lan", targets_row("lan"))
        r = run(as_login(url, "lan"), "cluster", "add", "PG1", "--name", "Cụm PG1")
        assert r.exit_code == 0, r.stderr
