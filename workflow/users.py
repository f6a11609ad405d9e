"""Managing the people allowed to record steps."""

from __future__ import annotations

from states import ROLES

from . import clock
from .errors import CcnError, InvalidInput, PermissionDenied
from .model import User
from .ports import UnitOfWork
from .validate import clean_text

ADMIN = "admin"


class UserError(CcnError):
    pass


def _require_admin(uow: UnitOfWork, actor: str, event: str) -> None:
    user = uow.users.get(actor)
    if user is None:
        raise PermissionDenied(actor, None, event)
    if not user.enabled or user.role != ADMIN:
        raise PermissionDenied(actor, user.role, event, "only an enabled admin manages users")


def add_user(uow: UnitOfWork, name: str, role: str, *, actor: str) -> User:
    clean = clean_text(name, "actor")
    if clean is None:
        raise InvalidInput("user name is required", field="name")
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r} (use {', '.join(ROLES)})", field="role")
    with uow:
        if uow.users.any():
            _require_admin(uow, actor, "add users")
        elif role != ADMIN:
            raise UserError(f"the first user must be an admin (got role {role})")
        if uow.users.get(clean) is not None:
            raise UserError(f"user {clean!r} already exists")
        user = User(clean, role, True, clock.now(), actor)
        uow.users.add(user)
        uow.users.record(clean, "add", role, actor)
        uow.commit()
    return user


def disable_user(uow: UnitOfWork, name: str, *, actor: str) -> User:
    with uow:
        _require_admin(uow, actor, "disable users")
        user = uow.users.get(name.strip())
        if user is None:
            raise UserError(f"unknown user {name!r}")
        if not user.enabled:
            raise UserError(f"user {user.name!r} is already disabled")
        admins = [u for u in uow.users.list() if u.role == ADMIN and u.enabled]
        if user.role == ADMIN and len(admins) == 1:
            raise UserError(f"cannot disable {user.name!r}: it is the last enabled admin")
        uow.users.set_enabled(user.name, False)
        uow.users.record(user.name, "disable", user.role, actor)
        uow.commit()
    return User(user.name, user.role, False, user.created_at, user.created_by)


def list_users(uow: UnitOfWork) -> list[User]:
    with uow:
        return uow.users.list()
