"""One spelling per thing: NFC text, folded search keys and the indexes that match on them.

Existing cluster rows are NFC-normalised and their keys filled in Python, with the same
`search_keys` the application writes; if folding ever changes, a new migration must
recompute the keys with it. History (transitions, user_changes) is append-only and is
not touched. On PostgreSQL, CHECK constraints then refuse non-NFC text written by hand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NFC_COLUMNS = {"clusters": ("code", "name", "locality", "developer"), "users": ("name",)}
BATCH = 5000


def _nfc(value: Any) -> Any:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def upgrade() -> None:
    from db.repository import search_keys

    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    renamed = _nfc_user_names(bind)  # before any change: it may refuse the upgrade
    if postgresql:
        # Trusted since PostgreSQL 13: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.add_column("clusters", sa.Column("locality_key", sa.Text(), nullable=True))
    op.add_column("clusters", sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    page = sa.text(
        "SELECT id, code, name, locality, developer FROM clusters WHERE id > :last "
        f"ORDER BY id LIMIT {BATCH}"
    )
    update = sa.text(
        "UPDATE clusters SET code = :code, name = :name, locality = :locality, "
        "developer = :developer, locality_key = :locality_key, search_key = :search_key "
        "WHERE id = :id"
    )
    last = 0
    # Page by id, so no read is still open on the rows being updated.
    while batch := bind.execute(page, {"last": last}).all():
        last = batch[-1][0]
        params = []
        for cid, *values in batch:
            code, name, locality, developer = map(_nfc, values)
            locality_key, search_key = search_keys(code, name, locality)
            params.append({"id": cid, "code": code, "name": name, "locality": locality,
                           "developer": developer, "locality_key": locality_key,
                           "search_key": search_key})  # fmt: skip
        bind.execute(update, params)
    for uid, name in renamed:
        bind.execute(
            sa.text("UPDATE users SET name = :name WHERE id = :id"), {"name": name, "id": uid}
        )
    for key in ("locality_key", "search_key"):
        op.create_index(
            f"ix_clusters_{key}",
            "clusters",
            [key],
            postgresql_using="gin",
            postgresql_ops={key: "gin_trgm_ops"},
        )
    op.drop_index("ix_clusters_locality", table_name="clusters")  # nothing matches on it now
    if postgresql and _utf8(bind):
        for table, columns in NFC_COLUMNS.items():
            for column in columns:
                op.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_{column}_nfc "
                    f"CHECK ({column} IS NFC NORMALIZED)"
                )


def _nfc_user_names(bind: Any) -> list[tuple[int, str]]:
    """(id, NFC name) of each user whose name must change; refuses names that would clash."""
    from workflow.errors import StorageError

    users = bind.execute(sa.text("SELECT id, name FROM users")).all()
    by_nfc: dict[str, list[str]] = {}
    for _, name in users:
        by_nfc.setdefault(_nfc(name), []).append(name)
    clashes = [names for names in by_nfc.values() if len(names) > 1]
    if clashes:
        shown = "; ".join(" and ".join(ascii(n) for n in names) for names in clashes)
        raise StorageError(
            f"users {shown} differ only in Unicode normal form; merge them before upgrading"
        )
    return [(uid, _nfc(name)) for uid, name in users if _nfc(name) != name]


def _utf8(bind: Any) -> bool:
    # IS NFC NORMALIZED exists only in UTF8 databases.
    return bind.execute(sa.text("SHOW server_encoding")).scalar() == "UTF8"


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in NFC_COLUMNS.items():
            for column in columns:
                op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS ck_{table}_{column}_nfc")
    op.create_index("ix_clusters_locality", "clusters", ["locality"])
    for key in ("search_key", "locality_key"):
        op.drop_index(f"ix_clusters_{key}", table_name="clusters")
    # Native DROP COLUMN (SQLite 3.35+): a batch rebuild of clusters would drop the table
    # that transitions' foreign key points at.
    for key in ("search_key", "locality_key"):
        op.execute(f"ALTER TABLE clusters DROP COLUMN {key}")
