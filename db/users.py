"""Users and the append-only, hash-chained log of changes to them."""

from __future__ import annotations

import builtins

from sqlalchemy import Connection, bindparam, func, insert, select, update

from workflow.identity import name_key
from workflow.model import User, UserChange

from . import tables

U = tables.users.c
UC = tables.user_changes.c
ANY_USER = select(U.id).exists()  # single-user mode is "no row here"
_USER = (U.name, U.role, U.enabled, U.created_at, U.created_by, U.login, U.name_key)
_GET = select(*_USER).where(U.name_key == bindparam("key"))
_BY_LOGIN = select(*_USER).where(U.login == bindparam("login"))
_CHANGE = (UC.seq, UC.user_name, UC.action, UC.role, UC.login, UC.actor, UC.recorded_at,
           UC.db_user, UC.prev_hash, UC.hash, UC.canon)  # fmt: skip
# One query for who is writing and whether the database can hold them to it.
_SESSION = (
    "SELECT session_user, coalesce((SELECT rolsuper FROM pg_catalog.pg_roles "
    "WHERE rolname = session_user), false)"
)


def os_login() -> str:
    """The account this process runs as: SQLite has no logins of its own.

    Read from the system's user database, never from $LOGNAME or $USER, which anyone
    can set to another name.
    """
    import os

    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except ImportError:  # Windows: no user database to ask
        import getpass

        return getpass.getuser()
    except KeyError:  # no name for this uid (e.g. a bare container)
        return f"uid {os.geteuid()}"


class SqlUserDirectory:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._any: bool | None = None
        self._login: str | None = None
        self._decides = False

    def login(self) -> str:
        """The login writing now: the database's session user, or the OS login on SQLite."""
        if self._login is None:
            if self.conn.dialect.name == "postgresql":
                login, superuser = self.conn.exec_driver_sql(_SESSION).one()
                # A superuser can drop any trigger: the database cannot bind it.
                self._login, self._decides = str(login), not superuser
            else:
                self._login = os_login()
        return self._login

    def login_decides(self) -> bool:
        self.login()
        return self._decides

    def known(self, any_user: bool) -> None:
        """Learned while reading for a write: no need to ask again in this transaction."""
        self._any = any_user

    def any(self) -> bool:
        if self._any is None:
            self._any = bool(self.conn.execute(select(ANY_USER)).scalar())
        return self._any

    def get(self, name: str) -> User | None:
        row = self.conn.execute(_GET, {"key": name_key(name)}).first()
        return User(*row) if row else None

    def by_login(self, login: str) -> User | None:
        row = self.conn.execute(_BY_LOGIN, {"login": login}).first()
        return User(*row) if row else None

    def list(self) -> list[User]:
        query = select(*_USER).order_by(U.name_key)
        return [User(*row) for row in self.conn.execute(query)]

    def add(self, user: User) -> None:
        self.conn.execute(
            insert(tables.users),
            {
                "name": user.name,
                "name_key": name_key(user.name),
                "login": user.login or user.name,
                "role": user.role,
                "enabled": user.enabled,
                "created_at": user.created_at,
                "created_by": user.created_by,
            },
        )
        self._any = True

    def set_enabled(self, name: str, enabled: bool) -> None:
        key = name_key(name)
        self.conn.execute(update(tables.users).where(U.name_key == key).values(enabled=enabled))

    def set_role(self, name: str, role: str) -> None:
        key = name_key(name)
        self.conn.execute(update(tables.users).where(U.name_key == key).values(role=role))

    def last_change(self) -> UserChange | None:
        newest = select(func.max(UC.seq)).scalar_subquery()
        row = self.conn.execute(select(*_CHANGE).where(UC.seq == newest)).first()
        return UserChange(*row) if row else None

    def changes(self) -> builtins.list[UserChange]:
        return [UserChange(*row) for row in self.conn.execute(select(*_CHANGE).order_by(UC.id))]

    def record(self, change: UserChange) -> None:
        self.conn.execute(
            insert(tables.user_changes),
            {
                "seq": change.seq,
                "user_name": change.user_name,
                "action": change.action,
                "role": change.role,
                "login": change.login,
                "actor": change.actor,
                "recorded_at": change.recorded_at,
                "db_user": change.db_user,
                "prev_hash": change.prev_hash,
                "hash": change.hash,
                "canon": change.canon,
            },
        )
