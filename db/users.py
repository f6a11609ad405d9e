"""Users and the append-only log of changes to them."""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, insert, select, update

from workflow.clock import now
from workflow.model import User

from . import tables

U = tables.users.c
ANY_USER = select(U.id).exists()  # single-user mode is "no row here"
_GET = select(U.name, U.role, U.enabled, U.created_at, U.created_by).where(
    U.name == bindparam("name")
)


def os_login() -> str:
    """Who is logged in to this computer: SQLite has no logins of its own."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. a bare container)
        import os

        return f"uid {os.getuid()}" if hasattr(os, "getuid") else "unknown"


class SqlUserDirectory:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._any: bool | None = None
        self._login: str | None = None

    def login(self) -> str:
        """The login writing now: the database's session user, or the OS login on SQLite."""
        if self._login is None:
            if self.conn.dialect.name == "postgresql":
                self._login = str(self.conn.exec_driver_sql("SELECT session_user").scalar())
            else:
                self._login = os_login()
        return self._login

    def known(self, any_user: bool) -> None:
        """Learned while reading for a write: no need to ask again in this transaction."""
        self._any = any_user

    def any(self) -> bool:
        if self._any is None:
            self._any = bool(self.conn.execute(select(ANY_USER)).scalar())
        return self._any

    def get(self, name: str) -> User | None:
        row = self.conn.execute(_GET, {"name": name}).first()
        return User(*row) if row else None

    def list(self) -> list[User]:
        query = select(U.name, U.role, U.enabled, U.created_at, U.created_by).order_by(U.name)
        return [User(*row) for row in self.conn.execute(query)]

    def add(self, user: User) -> None:
        self.conn.execute(
            insert(tables.users),
            {
                "name": user.name,
                "role": user.role,
                "enabled": user.enabled,
                "created_at": user.created_at,
                "created_by": user.created_by,
            },
        )
        self._any = True

    def set_enabled(self, name: str, enabled: bool) -> None:
        self.conn.execute(update(tables.users).where(U.name == name).values(enabled=enabled))

    def record(self, user_name: str, action: str, role: str | None, actor: str) -> None:
        self.conn.execute(
            insert(tables.user_changes),
            {
                "user_name": user_name,
                "action": action,
                "role": role,
                "actor": actor,
                "recorded_at": now(),
            },
        )
