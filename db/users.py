"""Users and the append-only log of changes to them."""

from __future__ import annotations

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session

from workflow.clock import now
from workflow.model import User

from .models import UserChangeRow, UserRow

U = UserRow.__table__.c


class SqlUserDirectory:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._any: bool | None = None

    def any(self) -> bool:
        if self._any is None:
            self._any = bool(
                self.session.execute(select(exists().where(U.id.is_not(None)))).scalar()
            )
        return self._any

    def get(self, name: str) -> User | None:
        row = self.session.execute(
            select(U.name, U.role, U.enabled, U.created_at, U.created_by).where(U.name == name)
        ).first()
        return User(*row) if row else None

    def list(self) -> list[User]:
        query = select(U.name, U.role, U.enabled, U.created_at, U.created_by).order_by(U.name)
        return [User(*row) for row in self.session.execute(query)]

    def add(self, user: User) -> None:
        self.session.execute(
            insert(UserRow.__table__),
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
        self.session.execute(
            update(UserRow.__table__).where(U.name == name).values(enabled=enabled)
        )

    def record(self, user_name: str, action: str, role: str | None, actor: str) -> None:
        self.session.execute(
            insert(UserChangeRow.__table__),
            {
                "user_name": user_name,
                "action": action,
                "role": role,
                "actor": actor,
                "recorded_at": now(),
            },
        )
