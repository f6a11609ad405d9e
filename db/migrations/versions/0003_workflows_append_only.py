"""Pinned workflow definitions are append-only too: rules must not change under a cluster.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # ccn_append_only() was created by 0002.
        op.execute(
            "CREATE TRIGGER workflows_append_only BEFORE UPDATE OR DELETE ON workflows "
            "FOR EACH ROW EXECUTE FUNCTION ccn_append_only()"
        )
        op.execute(
            "CREATE TRIGGER workflows_no_truncate BEFORE TRUNCATE ON workflows "
            "FOR EACH STATEMENT EXECUTE FUNCTION ccn_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER workflows_no_{action.lower()} BEFORE {action} ON workflows "
                f"BEGIN SELECT RAISE(ABORT, 'workflows is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS workflows_append_only ON workflows")
        op.execute("DROP TRIGGER IF EXISTS workflows_no_truncate ON workflows")
    else:
        op.execute("DROP TRIGGER IF EXISTS workflows_no_update")
        op.execute("DROP TRIGGER IF EXISTS workflows_no_delete")
