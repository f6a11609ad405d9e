"""Core schema: workflows, clusters and their transition history.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_workflows"),
        sa.UniqueConstraint("name", "version", name="uq_workflows_name_version"),
    )
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("code_key", sa.String(32), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("locality", sa.String(200), nullable=True),
        sa.Column("area_ha", sa.Float(), nullable=True),
        sa.Column("developer", sa.String(300), nullable=True),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("since", TS, nullable=False),
        sa.Column("since_on", sa.Date(), nullable=False),
        sa.Column("suspended_from", sa.String(40), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"], ["workflows.id"], name="fk_clusters_workflow_id_workflows"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_clusters"),
        sa.UniqueConstraint("code_key", name="uq_clusters_code_key"),
    )
    op.create_index("ix_clusters_state", "clusters", ["state"])
    op.create_index("ix_clusters_locality", "clusters", ["locality"])
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("from_state", sa.String(40), nullable=True),
        sa.Column("to_state", sa.String(40), nullable=False),
        sa.Column("effective_at", TS, nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("ref", sa.String(300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("db_user", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name="fk_transitions_cluster_id_clusters"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_transitions"),
        sa.UniqueConstraint("cluster_id", "seq", name="uq_transitions_cluster_seq"),
    )
    op.create_index("ix_transitions_effective_on", "transitions", ["effective_on"])
    op.create_index("ix_transitions_recorded_at", "transitions", ["recorded_at"])


def downgrade() -> None:
    op.drop_table("transitions")
    op.drop_table("clusters")
    op.drop_table("workflows")
