"""Chain version 2: entries carry their cluster code, canonical form version and data.

Existing entries keep canon 1 and verify as before; nothing hashed is rewritten.
The code is copied onto existing entries (it is already part of their hash), so a
history whose cluster row is later deleted is still named by its cluster.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FILL_CODE = (
    "UPDATE transitions SET code = "
    "(SELECT clusters.code FROM clusters WHERE clusters.id = transitions.cluster_id)"
)


def upgrade() -> None:
    op.add_column("transitions", sa.Column("code", sa.String(32), nullable=True))
    op.add_column(
        "transitions",
        sa.Column("canon", sa.SmallInteger(), nullable=False, server_default="1"),
    )
    op.add_column("transitions", sa.Column("data", sa.Text(), nullable=True))
    # Reports find the few clusters with suspensions or reverts through this index.
    op.create_index("ix_transitions_event", "transitions", ["event"])
    # The append-only triggers refuse every UPDATE; lift them for this one fill.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE transitions DISABLE TRIGGER transitions_append_only")
        op.execute(FILL_CODE)
        op.execute("ALTER TABLE transitions ENABLE TRIGGER transitions_append_only")
    else:
        op.execute("DROP TRIGGER transitions_no_update")
        op.execute(FILL_CODE)
        op.execute(
            "CREATE TRIGGER transitions_no_update BEFORE UPDATE ON transitions "
            "BEGIN SELECT RAISE(ABORT, 'transitions is append-only: UPDATE refused'); END"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name != "postgresql"
    op.drop_index("ix_transitions_event", "transitions")
    with op.batch_alter_table("transitions") as batch:
        batch.drop_column("data")
        batch.drop_column("canon")
        batch.drop_column("code")
    if sqlite:  # a batch rebuild of the table drops its triggers: put them back
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS transitions_no_{action.lower()} BEFORE {action} "
                f"ON transitions BEGIN SELECT RAISE(ABORT, "
                f"'transitions is append-only: {action} refused'); END"
            )
