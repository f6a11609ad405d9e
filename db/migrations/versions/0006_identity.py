"""Identity: one user per name, a login per user, a hash chain over user changes.

users gain `name_key` (casefold of NFC, unique) and `login` (unique; existing users
keep their name as login). user_changes gain `seq`, `login`, `prev_hash`, `hash`
and `canon`; rows already stored keep them null and are never rewritten.

On PostgreSQL the database holds logins to their users (README, "Identity"):
- an INSERT into transitions or user_changes must name as actor the enabled user
  mapped to session_user (for user_changes, an enabled admin), once any user
  exists; `db_user` is verified against session_user instead of overwritten,
  because canonical form 2 hashes it;
- the users table may be changed only by the login of an enabled admin, once any
  user exists.
Superusers are let through: they can disable any trigger, so a refusal would be
for show. The functions pin their search_path so a temporary table cannot stand
in for `users`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

from workflow.errors import StorageError

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SUPERUSER = "coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)"

CHECK_IDENTITY = f"""
CREATE FUNCTION ccn_check_identity() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
BEGIN
    IF NEW.db_user IS NULL THEN
        NEW.db_user := session_user;
    ELSIF NEW.db_user <> session_user THEN
        RAISE EXCEPTION 'db_user % is not the login writing the row (%)',
            NEW.db_user, session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF {SUPERUSER} OR NOT EXISTS (SELECT 1 FROM users) THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'user_changes' THEN
        IF NOT EXISTS (SELECT 1 FROM users WHERE login = session_user AND name = NEW.actor
                       AND enabled AND role = 'admin') THEN
            RAISE EXCEPTION 'login % may not record user changes as %', session_user, NEW.actor
                USING ERRCODE = 'insufficient_privilege';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM users WHERE login = session_user AND name = NEW.actor
                      AND enabled) THEN
        RAISE EXCEPTION 'login % may not record as %', session_user, NEW.actor
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$
"""

GUARD_USERS = f"""
CREATE FUNCTION ccn_guard_users() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
BEGIN
    IF NOT {SUPERUSER} AND EXISTS (SELECT 1 FROM users) AND NOT EXISTS (
            SELECT 1 FROM users WHERE login = session_user AND role = 'admin' AND enabled) THEN
        RAISE EXCEPTION 'login % may not change users: only the login of an enabled admin may',
            session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$
"""

IDENTITY_TABLES = ("transitions", "user_changes")


def _key(name: str) -> str:
    # Frozen here rather than imported: a migration must not change with later code.
    return unicodedata.normalize("NFC", name).casefold()


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("users", sa.Column("name_key", sa.String(100), nullable=True))
    op.add_column("users", sa.Column("login", sa.String(100), nullable=True))
    seen: dict[str, str] = {}
    for uid, name in bind.execute(sa.text("SELECT id, name FROM users ORDER BY id")).all():
        key = _key(name)
        if key in seen:
            raise StorageError(
                f"cannot upgrade: users {seen[key]!r} and {name!r} are one name ignoring case; "
                "disable and rename one of them in the users table, then run `ccn init` again"
            )
        seen[key] = name
        bind.execute(
            sa.text("UPDATE users SET name_key = :key, login = :name WHERE id = :id"),
            {"key": key, "name": name, "id": uid},
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("name_key", existing_type=sa.String(100), nullable=False)
        batch.alter_column("login", existing_type=sa.String(100), nullable=False)
    op.create_index("ix_users_name_key", "users", ["name_key"], unique=True)
    op.create_index("ix_users_login", "users", ["login"], unique=True)
    for column in (
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(100), nullable=True),
        sa.Column("prev_hash", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=True),
        sa.Column("canon", sa.SmallInteger(), nullable=True),
    ):
        op.add_column("user_changes", column)
    op.create_index("ix_user_changes_seq", "user_changes", ["seq"], unique=True)
    if bind.dialect.name == "postgresql":
        _postgresql_triggers(bind)


def _postgresql_triggers(bind: sa.Connection) -> None:
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    path = 'pg_catalog, "{}", pg_temp'.format(str(schema).replace('"', '""'))
    op.execute(CHECK_IDENTITY.format(path=path))
    op.execute(GUARD_USERS.format(path=path))
    for table in IDENTITY_TABLES:
        # Replaces 0002's stamping trigger: the new one stamps only a missing db_user.
        op.execute(f"DROP TRIGGER {table}_db_user ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_identity BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION ccn_check_identity()"
        )
    op.execute(
        "CREATE TRIGGER users_guard BEFORE INSERT OR UPDATE OR DELETE ON users "
        "FOR EACH ROW EXECUTE FUNCTION ccn_guard_users()"
    )
    op.execute(
        "CREATE TRIGGER users_guard_truncate BEFORE TRUNCATE ON users "
        "FOR EACH STATEMENT EXECUTE FUNCTION ccn_guard_users()"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS users_guard ON users")
        op.execute("DROP TRIGGER IF EXISTS users_guard_truncate ON users")
        for table in IDENTITY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_identity ON {table}")
            op.execute(
                f"CREATE TRIGGER {table}_db_user BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ccn_stamp_db_user()"
            )
        op.execute("DROP FUNCTION IF EXISTS ccn_check_identity()")
        op.execute("DROP FUNCTION IF EXISTS ccn_guard_users()")
    op.drop_index("ix_user_changes_seq", table_name="user_changes")
    with op.batch_alter_table("user_changes") as batch:
        for column in ("canon", "hash", "prev_hash", "login", "seq"):
            batch.drop_column(column)
    if not postgresql:  # a batch rebuild of the table drops its triggers: put them back
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS user_changes_no_{action.lower()} BEFORE {action} "
                f"ON user_changes BEGIN SELECT RAISE(ABORT, "
                f"'user_changes is append-only: {action} refused'); END"
            )
    op.drop_index("ix_users_login", table_name="users")
    op.drop_index("ix_users_name_key", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("login")
        batch.drop_column("name_key")
