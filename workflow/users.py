"""Managing the people allowed to record steps.

Every change is first appended to the hash-chained change log (user_chain.py),
then applied to the users table: on PostgreSQL the triggers judge a change by the
users table as it was before it, which lets a non-superuser owner add the first
admin under another login.
"""

from __future__ import annotations

import unicodedata

from states import ROLES

from . import clock
from .errors import CcnError, InvalidInput, PermissionDenied
from .identity import login_problem
from .model import User, UserChange
from .ports import UnitOfWork
from .user_chain import next_change, replay
from .validate import clean_text

ADMIN = "admin"


class UserError(CcnError):
    pass


def _name(value: str | None, field: str) -> str:
    clean = clean_text(value, "actor")  # names and logins share the actor's rules
    if clean is None:
        raise InvalidInput(f"user {field} is required", field=field)
    return unicodedata.normalize("NFC", clean)


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r} (use {', '.join(ROLES)})", field="role")
    return role


def _require_admin(uow: UnitOfWork, actor: str, event: str) -> User:
    user = uow.users.get(actor)
    if user is None:
        raise PermissionDenied(actor, None, event)
    if not user.enabled or user.role != ADMIN:
        raise PermissionDenied(actor, user.role, event, "only an enabled admin manages users")
    why = login_problem(uow, user, actor)
    if why:
        raise PermissionDenied(actor, user.role, event, why)
    return user


def _existing(uow: UnitOfWork, name: str) -> User:
    user = uow.users.get(name.strip())
    if user is None:
        raise UserError(f"unknown user {name.strip()!r}")
    return user


def _last_admin(uow: UnitOfWork, user: User) -> bool:
    admins = [u for u in uow.users.list() if u.role == ADMIN and u.enabled]
    return user.role == ADMIN and user.enabled and len(admins) == 1


def _record(uow: UnitOfWork, user: User, action: str, actor: str) -> None:
    uow.users.record(
        next_change(
            uow.users.last_change(),
            user.name,
            action,
            user.role,
            user.login or user.name,
            actor,
            uow.users.login(),
            clock.now(),
        )
    )


def add_user(
    uow: UnitOfWork, name: str, role: str, *, actor: str, login: str | None = None
) -> User:
    clean = _name(name, "name")
    mapped = clean if login is None else _name(login, "login")
    _role(role)
    with uow:
        if uow.users.any():
            actor = _require_admin(uow, actor, "add users").name
        elif role != ADMIN:
            raise UserError(f"the first user must be an admin (got role {role})")
        existing = uow.users.get(clean)
        if existing is not None:
            raise UserError(f"user {clean!r} already exists (as {existing.name!r})")
        taken = uow.users.by_login(mapped)
        if taken is not None:
            raise UserError(f"login {mapped!r} already acts as user {taken.name!r}")
        user = User(clean, role, True, clock.now(), actor, mapped)
        _record(uow, user, "add", actor)
        uow.users.add(user)
        uow.commit()
    return user


def disable_user(uow: UnitOfWork, name: str, *, actor: str) -> User:
    with uow:
        admin = _require_admin(uow, actor, "disable users")
        user = _existing(uow, name)
        if not user.enabled:
            raise UserError(f"user {user.name!r} is already disabled")
        if _last_admin(uow, user):
            raise UserError(f"cannot disable {user.name!r}: it is the last enabled admin")
        changed = User(user.name, user.role, False, user.created_at, user.created_by, user.login)
        _record(uow, changed, "disable", admin.name)
        uow.users.set_enabled(user.name, False)
        uow.commit()
    return changed


def enable_user(uow: UnitOfWork, name: str, *, actor: str) -> User:
    with uow:
        admin = _require_admin(uow, actor, "enable users")
        user = _existing(uow, name)
        if user.enabled:
            raise UserError(f"user {user.name!r} is already enabled")
        changed = User(user.name, user.role, True, user.created_at, user.created_by, user.login)
        _record(uow, changed, "enable", admin.name)
        uow.users.set_enabled(user.name, True)
        uow.commit()
    return changed


def set_role(uow: UnitOfWork, name: str, role: str, *, actor: str) -> User:
    _role(role)
    with uow:
        admin = _require_admin(uow, actor, "change roles")
        user = _existing(uow, name)
        if user.role == role:
            raise UserError(f"user {user.name!r} already has role {role}")
        if _last_admin(uow, user):
            raise UserError(
                f"cannot change the role of {user.name!r}: it is the last enabled admin"
            )
        changed = User(user.name, role, user.enabled, user.created_at, user.created_by, user.login)
        _record(uow, changed, "role", admin.name)
        uow.users.set_role(user.name, role)
        uow.commit()
    return changed


def list_users(uow: UnitOfWork) -> list[User]:
    with uow:
        return uow.users.list()


def user_log(uow: UnitOfWork) -> list[tuple[UserChange, bool | None, str | None]]:
    """Every change, oldest first, with the user's enabled flag and login right after it."""
    with uow:
        changes = uow.users.changes()
    return [
        (c, None if s is None else s.enabled, c.login or (s.login if s else None))
        for c, s in replay(changes)
    ]
