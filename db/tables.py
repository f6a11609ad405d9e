"""The schema as SQLAlchemy Core tables: what the running application queries.

Core tables keep `sqlalchemy.orm` out of every command's start-up; the migrations
own the schema in the database, and `alembic check` keeps the two in step.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type, so there the value is kept as naive UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; ccn stores only aware timestamps")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# A workflow definition exactly as clusters were pinned to it.
workflows = Table(
    "workflows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("version", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", "version", name="uq_workflows_name_version"),
)

clusters = Table(
    "clusters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("code_key", String(32), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("locality", String(200)),
    Column("area_ha", Float),
    Column("developer", String(300)),
    # Facts from the establishment decision (migration 0008).
    Column("industrial_land_ha", Float),
    Column("developer_kind", String(20)),
    Column("kind", String(20)),
    Column("industries", Text),
    Column("workflow_id", ForeignKey("workflows.id"), nullable=False),
    Column("state", String(40), nullable=False),
    Column("since", UTCDateTime, nullable=False),
    Column("since_on", Date, nullable=False),
    Column("suspended_from", String(40)),
    Column("version", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("head_hash", String(64), nullable=False),
    # Folded copies (see workflow/text.py fold) that --locality and --search match on,
    # written with every insert or change of code, name or locality (repository.search_keys).
    Column("locality_key", Text),
    Column("search_key", Text, nullable=False, server_default=""),
    Index("ix_clusters_state", "state"),
    # Matching is "contains": on PostgreSQL trigram GIN indexes serve LIKE '%…%'; on
    # SQLite the same definitions are plain indexes, scanned instead of the table.
    # Their PostgreSQL options are added by `trigram_indexes()`, for the migrations only.
    Index("ix_clusters_locality_key", "locality_key"),
    Index("ix_clusters_search_key", "search_key"),
)


def trigram_indexes() -> MetaData:
    """The metadata with the GIN options of the two key indexes, as the migrations made them.

    Not stated in the table above: checking PostgreSQL options imports SQLAlchemy's whole
    PostgreSQL dialect, which costs every command on SQLite a tenth of its start-up.
    """
    for index in clusters.indexes:
        if index.name in ("ix_clusters_locality_key", "ix_clusters_search_key"):
            (key,) = index.columns.keys()
            index.dialect_kwargs["postgresql_using"] = "gin"
            index.dialect_kwargs["postgresql_ops"] = {key: "gin_trgm_ops"}
    return metadata


# One history entry per row. Rows are only ever inserted (triggers enforce it).
transitions = Table(
    "transitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("cluster_id", ForeignKey("clusters.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event", String(40), nullable=False),
    Column("from_state", String(40)),
    Column("to_state", String(40), nullable=False),
    Column("effective_at", UTCDateTime, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("ref", String(300)),
    Column("note", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("db_user", String(100)),
    # Kept on the entry so that a history whose cluster row vanished is still named.
    Column("code", String(32)),
    Column("canon", SmallInteger, nullable=False, server_default="1"),
    Column("data", Text),
    UniqueConstraint("cluster_id", "seq", name="uq_transitions_cluster_seq"),
    Index("ix_transitions_effective_on", "effective_on"),
    Index("ix_transitions_recorded_at", "recorded_at"),
    Index("ix_transitions_event", "event"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # casefold(NFC(name)): `Lan` and `lan` are one user (migration 0006).
    Column("name_key", String(100), nullable=False),
    # The login that acts as this user: a PostgreSQL role, or an OS login on SQLite.
    Column("login", String(100), nullable=False),
    Column("role", String(20), nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Index("ix_users_name_key", "name_key", unique=True),
    Index("ix_users_login", "login", unique=True),
)

# Who added, changed or disabled which user, and when. Append-only, hash-chained
# (workflow/user_chain.py); rows from before migration 0006 have no seq or hash.
user_changes = Table(
    "user_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(100), nullable=False),
    Column("action", String(20), nullable=False),
    Column("role", String(20)),
    Column("actor", String(100), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("db_user", String(100)),
    Column("seq", Integer),
    Column("login", String(100)),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    Column("canon", SmallInteger),
    Index("ix_user_changes_seq", "seq", unique=True),
)


# A province's targets file exactly as installed; a changed text needs a new version.
targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("version", String(100), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("installed_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("name", "version", name="uq_targets_name_version"),
)

# Form 02 indicator records (workflow/indicators.py): append-only, one hash chain by seq.
indicators = Table(
    "indicators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("code", String(32), nullable=False),
    Column("code_key", String(32), nullable=False),
    Column("period", String(10), nullable=False),
    Column("version", Integer, nullable=False),
    Column("data", Text, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("db_user", String(100)),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("note", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("canon", SmallInteger, nullable=False),
    Index("ix_indicators_seq", "seq", unique=True),
    UniqueConstraint("code_key", "period", "version", name="uq_indicators_code_key"),
)
