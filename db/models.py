"""SQLAlchemy 2.0 typed models over the Core tables in `tables.py`.

The application itself queries the tables (no ORM on any command's path); these
classes give the same rows typed attributes for tools, tests and Alembic.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from . import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class WorkflowRow(Base):
    __table__ = tables.workflows

    id: Mapped[int]
    name: Mapped[str]
    version: Mapped[str]
    sha256: Mapped[str]
    text: Mapped[str]
    created_at: Mapped[datetime]


class ClusterRow(Base):
    __table__ = tables.clusters

    id: Mapped[int]
    code: Mapped[str]
    code_key: Mapped[str]
    name: Mapped[str]
    locality: Mapped[str | None]
    area_ha: Mapped[float | None]
    developer: Mapped[str | None]
    workflow_id: Mapped[int]
    state: Mapped[str]
    since: Mapped[datetime]
    since_on: Mapped[date]
    suspended_from: Mapped[str | None]
    version: Mapped[int]
    last_seq: Mapped[int]
    head_hash: Mapped[str]


class TransitionRow(Base):
    __table__ = tables.transitions

    id: Mapped[int]
    cluster_id: Mapped[int]
    seq: Mapped[int]
    event: Mapped[str]
    from_state: Mapped[str | None]
    to_state: Mapped[str]
    effective_at: Mapped[datetime]
    effective_on: Mapped[date]
    recorded_at: Mapped[datetime]
    actor: Mapped[str]
    ref: Mapped[str | None]
    note: Mapped[str | None]
    prev_hash: Mapped[str]
    hash: Mapped[str]
    db_user: Mapped[str | None]


class UserRow(Base):
    __table__ = tables.users

    id: Mapped[int]
    name: Mapped[str]
    role: Mapped[str]
    enabled: Mapped[bool]
    created_at: Mapped[datetime]
    created_by: Mapped[str]


class UserChangeRow(Base):
    __table__ = tables.user_changes

    id: Mapped[int]
    user_name: Mapped[str]
    action: Mapped[str]
    role: Mapped[str | None]
    actor: Mapped[str]
    recorded_at: Mapped[datetime]
    db_user: Mapped[str | None]
