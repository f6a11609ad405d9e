"""Province targets: each installed targets file, append-only, one text per version.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

TS = sa.DateTime(timezone=True)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("installed_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_targets"),
        sa.UniqueConstraint("name", "version", name="uq_targets_name_version"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # ccn_append_only() was created by 0002.
        op.execute(
            "CREATE TRIGGER targets_append_only BEFORE UPDATE OR DELETE ON targets "
            "FOR EACH ROW EXECUTE FUNCTION ccn_append_only()"
        )
        op.execute(
            "CREATE TRIGGER targets_no_truncate BEFORE TRUNCATE ON targets "
            "FOR EACH STATEMENT EXECUTE FUNCTION ccn_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER targets_no_{action.lower()} BEFORE {action} ON targets "
                f"BEGIN SELECT RAISE(ABORT, 'targets is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS targets_append_only ON targets")
        op.execute("DROP TRIGGER IF EXISTS targets_no_truncate ON targets")
    op.drop_table("targets")
