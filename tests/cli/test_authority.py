"""A perfectly hashed entry still names its actor: verify checks the role at the time."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from db import open_engine
from workflow.chain import entry_hash_v2

from .test_audit import sql, verify


def test_a_forged_cancel_by_staff_is_named_even_with_a_valid_hash(ccn) -> None:
    assert ccn("user", "add", "boss", "--role", "admin", actor="boss").exit_code == 0
    assert ccn("user", "add", "lan", "--role", "staff", actor="boss").exit_code == 0
    assert ccn("user", "add", "sup", "--role", "supervisor", actor="boss").exit_code == 0
    assert ccn("cluster", "add", "U5", "--name", "Cụm U5", actor="sup").exit_code == 0
    assert verify(ccn)[0] == 0
    engine = open_engine(ccn.url)
    with engine.connect() as conn:
        cid, head, since = conn.execute(
            text("SELECT id, head_hash, since FROM clusters WHERE code = 'U5'")
        ).one()
    engine.dispose()
    at = since if isinstance(since, datetime) else datetime.fromisoformat(str(since))
    at = at.replace(tzinfo=UTC)
    now = datetime.now(UTC)
    # Staff may not cancel; the entry is written by hand, hash and all. (On PostgreSQL a
    # trigger holds a login to its own user; only the superuser can write this one.)
    login = "ccn" if ccn.url.startswith("postgresql") else "lan"
    forged = entry_hash_v2("U5", 2, "cancel", "planned", "cancelled", at, now, "lan", login,
                           None, "x", None, head)  # fmt: skip
    stamp = (lambda v: v.replace(tzinfo=None).isoformat(" ")) if "sqlite" in ccn.url else str
    sql(
        ccn.url,
        "INSERT INTO transitions (cluster_id, seq, event, from_state, to_state, effective_at, "
        "effective_on, recorded_at, actor, ref, note, prev_hash, hash, db_user, canon, data, "
        f"code) VALUES ({cid}, 2, 'cancel', 'planned', 'cancelled', '{stamp(at)}', "
        f"'{at.astimezone().date()}', '{stamp(now)}', 'lan', NULL, 'x', '{head}', '{forged}', "
        f"'{login}', 2, NULL, 'U5')",
        f"UPDATE clusters SET state = 'cancelled', last_seq = 2, version = 2, "
        f"head_hash = '{forged}' WHERE code = 'U5'",
    )
    assert verify(ccn) == (1, ["BROKEN U5 seq 2: not allowed: actor lan (staff) may not cancel"])
