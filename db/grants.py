"""The grants a PostgreSQL login needs to use ccn; README lists the same statements.

Every login gets the same grants. What a login may do is decided by the ccn user
it is mapped to, and the triggers of migration 0006 hold it to that, so a change
of role needs no change of grants. Nothing here may DELETE or TRUNCATE.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

GRANTS = (
    'GRANT CONNECT ON DATABASE "{database}" TO "{login}"',
    'GRANT USAGE ON SCHEMA public TO "{login}"',
    'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{login}"',
    "GRANT INSERT ON workflows, clusters, transitions, users, user_changes, targets, indicators "
    'TO "{login}"',
    'GRANT UPDATE ON clusters, users TO "{login}"',
    'GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "{login}"',
)


def _ident(name: str) -> str:
    return name.replace('"', '""')


def grant_statements(login: str, database: str) -> list[str]:
    return [g.format(login=_ident(login), database=_ident(database)) for g in GRANTS]


def grants_for(url: str, login: str) -> list[str]:
    """The grants for `login` on the database at `url`; SQLite has no logins."""
    from sqlalchemy.engine import make_url

    from workflow.errors import InvalidInput

    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise InvalidInput("grants are for PostgreSQL; SQLite has no logins")
    return grant_statements(login, u.database or "postgres")


def group_role(database: str) -> str:
    """The group role that holds ccn's privileges on `database` (roles are server-wide)."""
    safe = "".join(ch if ch.isalnum() else "_" for ch in database.lower())
    return f"ccn_{safe}"[:63]


def create_group(conn: Connection, database: str) -> str:
    """Create (or refresh) the group role with exactly the privileges ccn needs."""
    role = group_role(database)
    conn.exec_driver_sql(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
        f'THEN CREATE ROLE "{role}" NOLOGIN; END IF; END $$'
    )
    for statement in grant_statements(role, database):
        conn.exec_driver_sql(statement)
    return role


def grant_group(url: str, login: str) -> str:
    """Make `login` a member of the database's group role; say what was done."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from workflow.errors import InvalidInput, StorageError

    from .engine import open_engine

    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise InvalidInput("grants are for PostgreSQL; SQLite has no logins")
    role = group_role(u.database or "postgres")
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'GRANT "{role}" TO "{_ident(login)}"')
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0]
        raise StorageError(f"cannot grant {role} to {login}: {reason}") from None
    finally:
        engine.dispose()
    return f"Granted {role} to {login}: it may now use {u.database} with ccn."
