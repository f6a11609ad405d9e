"""Who acts, and whether a recorded entry's actor fits the login that wrote it.

On PostgreSQL the database login decides: a login is mapped to one ccn user, and
claiming anyone else is refused (the triggers of migration 0006 refuse it too).
A superuser is the exception the database itself makes: it can disable any
trigger or take any session identity, so ccn cannot bind it and does not pretend
to; its entries for other users show up in `audit log --mismatch`. SQLite has no
logins: the OS login is recorded beside the claimed actor, and that is all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

from .errors import CcnError
from .model import User
from .ports import UnitOfWork


class IdentityRefused(CcnError):
    """The actor claimed is not the one the database login stands for."""


def name_key(name: str) -> str:
    """User names are one name however typed: `Lan`, `lan` and `LAN`, NFC or NFD."""
    return unicodedata.normalize("NFC", name).casefold()


def acting_user(uow: UnitOfWork, claimed: str | None, fallback: str) -> str:
    """The name to record as: `claimed` (--actor) checked against the login, or the login's user.

    Single-user mode (no users registered) keeps the claim, or `fallback`, as before.
    """
    with uow:
        users = uow.users
        if not users.any():
            return claimed or fallback
        login = users.login()
        mine = users.by_login(login)
        if users.login_decides():
            if mine is None:
                raise IdentityRefused(
                    f"database login {login} is not mapped to a ccn user; an admin can map it "
                    f"with `ccn user add NAME --login {login}`"
                )
            if claimed is not None and name_key(claimed) != name_key(mine.name):
                raise IdentityRefused(
                    f"--actor {claimed} refused: database login {login} acts as {mine.name}"
                )
            return mine.name
        if claimed is None and mine is not None:
            return mine.name  # SQLite: the user whose login is this OS login
        user = users.get(claimed or fallback)
        return user.name if user else claimed or fallback


def login_problem(uow: UnitOfWork, user: User, actor: str) -> str | None:
    """Why `user`, claimed as `actor`, may not act through this login, if they may not."""
    if not uow.users.login_decides():
        return None
    login = uow.users.login()
    if user.login != login:
        return f"database login {login} does not act as {user.name}"
    if actor != user.name:  # the triggers compare the stored spelling
        return f"record as {user.name}, the stored spelling"
    return None


def mismatch_rule(users: Iterable[User]) -> Callable[[str, str | None], bool]:
    """A test for entries whose actor is not the login's user.

    A registered actor must have been written by their mapped login; an actor who is
    no registered user (single-user mode) must be the login's own name.
    """
    logins = {name_key(u.name): u.login for u in users}

    def mismatch(actor: str, db_user: str | None) -> bool:
        if db_user is None:
            return True  # nobody knows who wrote it
        key = name_key(actor)
        if key in logins:
            return logins[key] != db_user
        return key != name_key(db_user)

    return mismatch
