"""Cluster facts from the establishment decision, and the Form 02 indicator records.

clusters gain industrial_land_ha, developer_kind, kind and industries (null for every
cluster already stored: their chains hold none of them, so none is invented). The
new `indicators` table is append-only like `transitions`: on PostgreSQL the 0002
trigger function refuses UPDATE, DELETE and TRUNCATE, and 0006's identity check
holds an INSERT's actor to the login writing it; ccn's group role may insert.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FACTS: dict[str, Callable[[], Any]] = {
    "industrial_land_ha": sa.Float,
    "developer_kind": lambda: sa.String(20),
    "kind": lambda: sa.String(20),
    "industries": sa.Text,
}


def upgrade() -> None:
    for name, kind in FACTS.items():
        op.add_column("clusters", sa.Column(name, kind(), nullable=True))
    op.create_table(
        "indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("code_key", sa.String(32), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("db_user", sa.String(100), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("canon", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_indicators"),
        sa.UniqueConstraint("code_key", "period", "version", name="uq_indicators_code_key"),
    )
    op.create_index("ix_indicators_seq", "indicators", ["seq"], unique=True)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgresql(bind)
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER indicators_no_{action.lower()} BEFORE {action} ON indicators "
                f"BEGIN SELECT RAISE(ABORT, 'indicators is append-only: {action} refused'); END"
            )


def _postgresql(bind: sa.Connection) -> None:
    # ccn_append_only() is 0002's, ccn_check_identity() 0006's.
    op.execute(
        "CREATE TRIGGER indicators_append_only BEFORE UPDATE OR DELETE ON indicators "
        "FOR EACH ROW EXECUTE FUNCTION ccn_append_only()"
    )
    op.execute(
        "CREATE TRIGGER indicators_no_truncate BEFORE TRUNCATE ON indicators "
        "FOR EACH STATEMENT EXECUTE FUNCTION ccn_append_only()"
    )
    op.execute(
        "CREATE TRIGGER indicators_identity BEFORE INSERT ON indicators "
        "FOR EACH ROW EXECUTE FUNCTION ccn_check_identity()"
    )
    # The group role (db/grants.py) of this database, where `ccn init` made one already.
    database = bind.exec_driver_sql("SELECT current_database()").scalar() or ""
    safe = "".join(ch if ch.isalnum() else "_" for ch in str(database).lower())
    role = f"ccn_{safe}"[:63]
    op.execute(
        f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f'GRANT SELECT, INSERT ON indicators TO "{role}"; '
        f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{role}"; END IF; END $$'
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("append_only", "no_truncate", "identity"):
            op.execute(f"DROP TRIGGER IF EXISTS indicators_{trigger} ON indicators")
    op.drop_index("ix_indicators_seq", table_name="indicators")
    op.drop_table("indicators")
    with op.batch_alter_table("clusters") as batch:
        for name in reversed(FACTS):
            batch.drop_column(name)
