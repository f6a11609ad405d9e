"""The grants a PostgreSQL login needs to use ccn; README lists the same statements.

Every login gets the same grants. What a login may do is decided by the ccn user
it is mapped to, and the triggers of migration 0006 hold it to that, so a change
of role needs no change of grants. Nothing here may DELETE or TRUNCATE.
"""

from __future__ import annotations

GRANTS = (
    'GRANT CONNECT ON DATABASE "{database}" TO "{login}"',
    'GRANT USAGE ON SCHEMA public TO "{login}"',
    'GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{login}"',
    'GRANT INSERT ON workflows, clusters, transitions, users, user_changes TO "{login}"',
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
