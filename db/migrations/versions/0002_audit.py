"""Audit: append-only history enforced by triggers, the real DB login, users and roles.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("transitions", "user_changes")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "user_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("role", sa.String(20), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("db_user", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_user_changes"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )


def _postgresql_triggers() -> None:
    op.execute(
        """
        CREATE FUNCTION ccn_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
        END $$
        """
    )
    # The login that really wrote the row, whatever --actor claimed.
    op.execute(
        """
        CREATE FUNCTION ccn_stamp_db_user() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.db_user := session_user;
            RETURN NEW;
        END $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ccn_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ccn_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_db_user BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ccn_stamp_db_user()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            for trigger in ("append_only", "no_truncate", "db_user"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{trigger} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ccn_append_only()")
        op.execute("DROP FUNCTION IF EXISTS ccn_stamp_db_user()")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_table("user_changes")
    op.drop_table("users")
