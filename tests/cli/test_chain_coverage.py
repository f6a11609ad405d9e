"""The chain covers what a cluster is: attributes, amendments and the pinned definition."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import text as text_

from db import SqlUnitOfWork, open_engine
from states import default_definition, parse_definition

from ..conftest import FROZEN_NOW, ok
from .test_audit import sql, verify

NAME = "Cụm công nghiệp Hợp Thành 1"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def add(ccn) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", NAME, "--locality", "Cao Lộc", "--area-ha", "50",
           "--developer", "Công ty A", "--since", "2026-01-05"))  # fmt: skip


def test_edit_records_old_and_new_values_in_the_history(ccn) -> None:
    add(ccn)
    r = ok(ccn("cluster", "edit", "HT1", "--locality", "Đồng Đăng", "--area-ha", "62,5",
               "--reason", "QĐ 12/QĐ-UBND điều chỉnh"))  # fmt: skip
    assert r.stdout == "HT1: amended area_ha, locality (seq 2)\n"
    last = json.loads(ok(ccn("history", "HT1", "--format", "json")).stdout)[-1]
    assert (last["event"], last["from_state"], last["to_state"]) == ("amend", "planned", "planned")
    assert last["note"] == "QĐ 12/QĐ-UBND điều chỉnh"
    assert last["data"] == {
        "changes": {"area_ha": [50.0, 62.5], "locality": ["Cao Lộc", "Đồng Đăng"]}
    }
    shown = json.loads(ok(ccn("cluster", "show", "HT1", "--format", "json")).stdout)
    assert (shown["locality"], shown["area_ha"], shown["since"]) == (
        "Đồng Đăng",
        62.5,
        "2026-01-05",
    )
    assert verify(ccn) == (0, ["OK: 1 clusters, 2 transitions verified"])


def test_edit_refusals_store_nothing(ccn) -> None:
    from ..conftest import dump

    add(ccn)
    before = dump(ccn.url)
    r = ccn("cluster", "edit", "HT1", "--reason", "x")
    assert (r.exit_code, r.stderr) == (
        1, "Error: nothing to change: give at least one of --name, --locality, --area-ha, "
        "--developer, --industrial-land-ha, --developer-kind, --kind, --industries\n")  # fmt: skip
    r = ccn("cluster", "edit", "HT1", "--locality", "Cao Lộc", "--reason", "x")
    assert (r.exit_code, r.stderr) == (
        1, "Error: nothing to change: cluster HT1 already has these values\n")  # fmt: skip
    r = ccn("cluster", "edit", "HT1", "--name", " ", "--reason", "x")
    assert (r.exit_code, r.stderr) == (1, "Error: name is required and must not be empty\n")
    r = ccn("cluster", "edit", "HT1", "--name", "X")
    assert r.exit_code == 2 and "Missing option '--reason'" in r.stderr
    r = ok(ccn("cluster", "edit", "HT1", "--developer", "", "--reason", "x"))
    assert json.loads(ccn("cluster", "show", "HT1", "--format", "json").stdout)["developer"] is None
    assert dump(ccn.url) != before


def test_an_amendment_cannot_be_reverted_away(ccn) -> None:
    add(ccn)
    ok(ccn("cluster", "edit", "HT1", "--name", "Cụm HT1", "--reason", "x"))
    r = ccn("revert", "HT1", "--reason", "y")
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: cannot revert cluster HT1's amend: record the correct")


@pytest.mark.parametrize(
    ("statement", "line"),
    [
        ("UPDATE clusters SET name = 'Cụm khác'",
         f"BROKEN HT1: changed row: the cluster's name is 'Cụm khác', its history says {NAME!r}"),
        ("UPDATE clusters SET locality = 'Lộc Bình'",
         "BROKEN HT1: changed row: the cluster's locality is 'Lộc Bình', its history says "
         "'Đồng Đăng'"),
        ("UPDATE clusters SET area_ha = 75",
         "BROKEN HT1: changed row: the cluster's area_ha is 75.0, its history says 50.0"),
        ("UPDATE clusters SET developer = NULL",
         "BROKEN HT1: changed row: the cluster's developer is None, its history says "
         "'Công ty A'"),
        ("UPDATE clusters SET locality_key = 'loc binh'",
         "BROKEN HT1: changed row: the cluster's locality_key is 'loc binh', expected "
         "'dong dang'"),
        ("UPDATE clusters SET search_key = 'x'",
         "BROKEN HT1: changed row: the cluster's search_key is 'x', expected "
         "'ht1\\x1fcum cong nghiep hop thanh 1\\x1fdong dang'"),
        ("UPDATE clusters SET code_key = 'HT9'",
         "BROKEN HT1: changed row: the cluster's code_key is 'HT9', expected 'HT1'"),
    ],
)  # fmt: skip
def test_attributes_changed_behind_the_tools_back_are_named(ccn, statement, line) -> None:
    add(ccn)
    ok(ccn("cluster", "edit", "HT1", "--locality", "Đồng Đăng", "--reason", "x"))
    assert verify(ccn)[0] == 0
    sql(ccn.url, statement)
    assert verify(ccn) == (1, [line])


def _copy(version: str, **roles: list[str]):
    """The default definition under another version, with roles widened."""
    text = default_definition().text.replace('version = "nd32-2024"', f'version = "{version}"')
    text = text.replace('revert = ["supervisor"]', 'revert = ["staff", "supervisor"]')
    return parse_definition(text, source=version)


def _store(url: str, definition) -> None:
    engine = open_engine(url)
    with SqlUnitOfWork(engine) as uow:
        uow.definitions.pin(definition)
        uow.commit()
    engine.dispose()


def test_repointing_a_cluster_to_a_copied_definition_is_named(ccn) -> None:
    add(ccn)
    wider = _copy("nd32-2024b")
    _store(ccn.url, wider)
    sql(ccn.url, "UPDATE clusters SET workflow_id = (SELECT id FROM workflows "
                 "WHERE version = 'nd32-2024b')")  # fmt: skip
    code, lines = verify(ccn)
    sha = default_definition().sha256[:12]
    assert (code, lines) == (1, [
        f"BROKEN HT1: changed row: pinned to cluster_establishment@nd32-2024b (sha256 "
        f"{wider.sha256[:12]}), its history says cluster_establishment@nd32-2024 (sha256 {sha})"
    ])  # fmt: skip


def test_migrate_is_an_event_in_the_chain(ccn) -> None:
    add(ccn)
    newer = _copy("nd32-2026")
    r = ccn("cluster", "migrate", "HT1", "--to", "cluster_establishment@nd32-2026", "--reason", "x")
    assert (r.exit_code, r.stderr) == (
        1,
        "Error: workflow cluster_establishment@nd32-2026 is not stored in this database\n",
    )
    _store(ccn.url, newer)
    r = ok(ccn("cluster", "migrate", "HT1", "--to", "cluster_establishment@nd32-2026",
               "--reason", "NĐ 303/2026"))  # fmt: skip
    assert r.stdout == "HT1: now follows cluster_establishment@nd32-2026 (seq 2)\n"
    shown = json.loads(ok(ccn("cluster", "show", "HT1", "--format", "json")).stdout)
    assert shown["workflow"] == "cluster_establishment@nd32-2026"
    last = json.loads(ok(ccn("history", "HT1", "--format", "json")).stdout)[-1]
    assert last["data"] == {"from_workflow": "cluster_establishment@nd32-2024",
                            "workflow": "cluster_establishment@nd32-2026",
                            "workflow_sha256": newer.sha256}  # fmt: skip
    assert verify(ccn)[0] == 0
    # Pointing it back by hand is caught: the chain says nd32-2026.
    sql(ccn.url, "UPDATE clusters SET workflow_id = (SELECT id FROM workflows "
                 "WHERE version = 'nd32-2024')")  # fmt: skip
    code, lines = verify(ccn)
    assert code == 1 and lines[0].startswith("BROKEN HT1: changed row: pinned to "
                                             "cluster_establishment@nd32-2024 ")  # fmt: skip


def test_the_os_login_is_not_taken_from_the_environment(monkeypatch) -> None:
    import os
    import pwd

    from db.users import os_login

    monkeypatch.setenv("LOGNAME", "sup")
    monkeypatch.setenv("USER", "sup")
    assert os_login() == pwd.getpwuid(os.geteuid()).pw_name != "sup"


def test_an_edit_moves_no_date(ccn) -> None:
    add(ccn)  # planned since 05/01/2026; today is 02/03/2026
    ok(ccn("cluster", "edit", "HT1", "--name", "Cụm HT1", "--reason", "x"))
    # A step backdated to before the edit is still accepted, and the step's clock kept.
    ok(ccn("advance", "HT1", "--on", "2026-02-01"))
    shown = json.loads(ok(ccn("cluster", "show", "HT1", "--format", "json")).stdout)
    assert (shown["state"], shown["since"]) == ("planning_compliant", "2026-02-01")
    assert verify(ccn)[0] == 0


def test_a_cluster_registered_before_chain_version_2_is_covered_from_its_first_edit(
    ccn,
) -> None:
    add(ccn)
    # As ccn 0.1 wrote it: the register entry holds no attributes (canonical form 1).
    from workflow.chain import entry_hash

    engine = open_engine(ccn.url)
    with engine.connect() as conn:
        row = conn.execute(text_("SELECT effective_at, recorded_at, actor, ref, note "
                                 "FROM transitions WHERE seq = 1")).one()  # fmt: skip
    engine.dispose()
    at = [v if isinstance(v, datetime) else datetime.fromisoformat(str(v)) for v in row[:2]]
    at = [v.replace(tzinfo=UTC) if v.tzinfo is None else v for v in at]
    old = entry_hash("HT1", 1, "register", None, "planned", at[0], at[1], row[2], row[3],
                     row[4], "0" * 64)  # fmt: skip
    sql(ccn.url, f"UPDATE transitions SET canon = 1, data = NULL, db_user = NULL, hash = '{old}'",
        f"UPDATE clusters SET head_hash = '{old}'", unlock=True)  # fmt: skip
    assert verify(ccn)[0] == 0
    sql(ccn.url, "UPDATE clusters SET developer = 'Công ty B'")
    assert verify(ccn)[0] == 0  # nothing in that chain says otherwise
    ok(ccn("cluster", "edit", "HT1", "--name", "Cụm HT1", "--reason", "x"))
    sql(ccn.url, "UPDATE clusters SET developer = 'Công ty C'")
    assert verify(ccn) == (1, [
        "BROKEN HT1: changed row: the cluster's developer is 'Công ty C', its history says "
        "'Công ty B'"
    ])  # fmt: skip


def test_after_a_migrate_each_entry_is_judged_by_the_definition_of_its_time(ccn) -> None:
    add(ccn)
    ok(ccn("advance", "HT1", "--on", "2026-01-10"))
    ok(ccn("send-back", "HT1", "--to", "planned", "--reason", "x", "--on", "2026-01-12"))
    ok(ccn("advance", "HT1", "--on", "2026-01-15"))
    # The new version no longer allows sending a planning_compliant cluster back.
    stricter = _copy("nd32-2026")
    text = stricter.text.replace('  ["planning_compliant", "planned"],\n', "", 1)
    assert text != stricter.text
    _store(ccn.url, parse_definition(text, source="nd32-2026"))
    ok(ccn("cluster", "migrate", "HT1", "--to", "cluster_establishment@nd32-2026", "--reason",
           "NĐ 303/2026"))  # fmt: skip
    assert verify(ccn)[0] == 0
    ok(ccn("advance", "HT1"))
    r = ok(ccn("revert", "HT1", "--reason", "nhầm", actor="sup"))
    assert r.stdout.startswith("HT1: establishment -> planning_compliant (revert, seq 7,")
    assert verify(ccn)[0] == 0
