"""What `audit verify` checks record by record beyond the hashes: the actor and cluster of
each Form 02 record, each user's lookup key, and the code each history entry keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time

from db import open_engine
from db.indicators import SqlIndicatorStore
from workflow.indicators import GENESIS, build

from ..conftest import FROZEN_NOW, Ccn, ok, raw_sql
from .test_audit import sql, walk
from .test_identity import as_login, logins, pg_url  # noqa: F401  (fixtures)

LATER = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # an hour after every user change below


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # 02/03/2026
        yield


def forge(url: str, code: str, version: int, actor: str, login: str, at: datetime = LATER) -> None:
    """A Form 02 record written by hand, hash and link correct, as `url`'s login."""
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            store = SqlIndicatorStore(conn)
            last = store.last()
            record = build(
                seq=(last.seq if last else 0) + 1, code=code, period="2026H1", version=version,
                values={"leased_ha": 30.0}, actor=actor, login=login, recorded_at=at,
                note=None, prev_hash=last.hash if last else GENESIS,
            )  # fmt: skip
            store.add([record])
    finally:
        engine.dispose()


def login_of(ccn: Ccn) -> str:
    from db.users import os_login

    return "ccn" if ccn.url.startswith("postgresql") else os_login()


def team_and_cluster(ccn: Ccn) -> None:
    ok(ccn("user", "add", "boss", "--role", "admin", actor="boss"))
    ok(ccn("user", "add", "lan", "--role", "staff", actor="boss"))
    ok(ccn("user", "add", "aud", "--role", "auditor", actor="boss"))
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--since",
           "2026-02-01", actor="lan"))  # fmt: skip
    ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "12", actor="lan"))


def verify(ccn: Ccn) -> tuple[int, str, str]:
    r = ccn("audit", "verify")
    return r.exit_code, r.stdout, r.stderr


def test_form02_records_are_judged_by_their_actor_and_cluster(ccn: Ccn) -> None:
    team_and_cluster(ccn)
    r = ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "13", actor="aud")
    assert (r.exit_code, r.stderr) == (1, "Error: aud (role auditor) may not indicators\n")
    # What the command refuses, written by hand with a perfect hash and link.
    forge(ccn.url, "HT1", 2, "aud", login_of(ccn))
    forge(ccn.url, "NOPE", 1, "nobody", login_of(ccn))
    forge(ccn.url, "HT1", 3, "lan", login_of(ccn))  # allowed: not reported
    assert verify(ccn) == (
        1,
        "BROKEN indicators seq 2: not allowed: actor aud (auditor) may not record Form 02 "
        "indicators\n"
        "BROKEN indicators seq 3: unknown cluster NOPE; not allowed: actor nobody was not a "
        "user when this was recorded\n",
        "Error: 2 problem(s) in 1 clusters, 1 transitions\n",
    )


def test_form02_actors_are_judged_by_their_role_at_the_time(ccn: Ccn) -> None:
    team_and_cluster(ccn)
    ok(ccn("user", "add", "tam", "--role", "staff", actor="boss"))
    forge(ccn.url, "HT1", 2, "tam", login_of(ccn))  # recorded while tam was staff
    with freeze_time(LATER.replace(hour=5)):
        ok(ccn("user", "role", "tam", "auditor", actor="boss"))
        ok(ccn("user", "disable", "lan", actor="boss"))
    assert verify(ccn) == (
        0,
        "OK: 1 clusters, 1 transitions verified\nOK: 2 Form 02 indicator records verified\n",
        "",
    )


def test_form02_records_in_single_user_mode_need_only_their_cluster(ccn: Ccn) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm HT1", "--since", "2026-02-01"))
    forge(ccn.url, "HT1", 1, "anyone", login_of(ccn))
    assert verify(ccn)[0] == 0
    forge(ccn.url, "NOPE", 1, "anyone", login_of(ccn))
    assert verify(ccn) == (
        1,
        "BROKEN indicators seq 2: unknown cluster NOPE\n",
        "Error: 1 problem(s) in 1 clusters, 1 transitions\n",
    )


def test_pg_a_mapped_auditor_login_passes_the_trigger_not_verify(logins, pg_url) -> None:  # noqa: F811
    from .test_identity import run

    boss, lan = logins["boss"], logins["lan"]
    ok(run(boss, "user", "add", "aud", "--role", "auditor", "--login", "stranger"))
    ok(run(lan, "cluster", "add", "PG1", "--name", "Cụm PG1", "--since", "2026-02-01"))
    ok(run(lan, "indicators", "record", "PG1", "--period", "2026H1", "--projects", "2"))
    # The trigger holds the login to its user, aud, and no further.
    forge(as_login(pg_url, "stranger"), "PG1", 2, "aud", "stranger")
    r = run(lan, "audit", "verify")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1,
        "BROKEN indicators seq 2: not allowed: actor aud (auditor) may not record Form 02 "
        "indicators\n",
        "Error: 1 problem(s) in 1 clusters, 1 transitions\n",
    )


def test_a_users_edited_name_key_is_reported(ccn: Ccn) -> None:
    team_and_cluster(ccn)
    raw_sql(ccn.url, "UPDATE users SET name_key = 'zzz' WHERE name = 'lan'")
    r = ccn("advance", "HT1", actor="lan")
    assert (r.exit_code, r.stderr) == (1, "Error: lan (not a registered user) may not advance\n")
    assert verify(ccn) == (
        1,
        "BROKEN user lan: the users row's name_key is 'zzz', expected 'lan'\n",
        "Error: 1 problem(s) in 1 clusters, 1 transitions\n",
    )


@pytest.mark.parametrize(
    ("value", "shown"), [("'BS2'", "'BS2'"), ("'ht1'", "'ht1'"), ("NULL", "None")]
)
def test_an_entry_filed_under_another_code_is_reported(ccn: Ccn, value: str, shown: str) -> None:
    walk(ccn)
    sql(ccn.url, f"UPDATE transitions SET code = {value} WHERE code = 'HT1' AND seq = 3",
        unlock=True)  # fmt: skip
    assert verify(ccn) == (
        1,
        f"BROKEN HT1 seq 3: changed row: its code is {shown}, expected 'HT1'\n",
        "Error: 1 problem(s) in 2 clusters, 4 transitions\n",
    )


def test_form02_roles_come_from_the_definition_the_cluster_followed(
    ccn: Ccn, tmp_path: Path
) -> None:
    """A definition may give Form 02 to supervisors only: record and import refuse staff
    for its clusters, and verify judges each record by the definition of its time."""
    import states

    team_and_cluster(ccn)  # lan (staff) records HT1 under the packaged definition
    ok(ccn("user", "add", "sup", "--role", "supervisor", actor="boss"))
    packaged = (Path(states.__file__).parent / "cluster_establishment.toml").read_text("utf-8")
    strict = tmp_path / "strict.toml"
    strict.write_text(
        packaged.replace('version = "nd32-2024"', 'version = "s-2026"').replace(
            "[workflow.roles]", '[workflow.roles]\nindicators = ["supervisor"]'
        ),
        encoding="utf-8",
    )
    ok(ccn("workflow", "install", str(strict), actor="sup"))
    with freeze_time(LATER.replace(hour=5)):
        ok(ccn("cluster", "migrate", "HT1", "--to", "cluster_establishment@s-2026",
               "--reason", "Quy trình mới", actor="sup"))  # fmt: skip
    with freeze_time(LATER.replace(hour=6)):
        r = ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "13",
                actor="lan")  # fmt: skip
        assert (r.exit_code, r.stderr) == (1, "Error: lan (role staff) may not indicators\n")
        sheet = tmp_path / "form02.csv"
        sheet.write_text("code,period,leased_ha\nHT1,2026H1,14\n", encoding="utf-8")
        r = ccn("indicators", "import", str(sheet), actor="lan")
        assert (r.exit_code, r.stdout) == (1, "")
        assert "line 2: lan (role staff) may not indicators for HT1\n" in r.stderr
        ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "13",
               actor="sup"))  # fmt: skip
    # lan's record of 02/03 10:00 came before the switch: still allowed.
    assert verify(ccn)[0] == 0
    forge(ccn.url, "HT1", 3, "lan", login_of(ccn), LATER.replace(hour=7))
    assert verify(ccn)[:2] == (
        1,
        "BROKEN indicators seq 3: not allowed: actor lan (staff) may not record Form 02 "
        "indicators\n",
    )
