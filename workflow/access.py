"""Who may record what. Roles per event come from the workflow definition."""

from __future__ import annotations

from datetime import date

from states import Definition

from . import clock
from .errors import PermissionDenied
from .identity import login_problem
from .ports import UnitOfWork

BACKDATE_ROLE = "supervisor"


def authorize(
    uow: UnitOfWork,
    definition: Definition,
    actor: str,
    event: str,
    effective_on: date | None = None,
) -> None:
    """Refuse unless `actor` may fire `event`; no users at all means single-user mode."""
    if not uow.users.any():
        return
    user = uow.users.get(actor)
    if user is None:
        raise PermissionDenied(actor, None, event)
    if not user.enabled:
        raise PermissionDenied(actor, user.role, event, "the user is disabled")
    if user.role not in definition.roles_for(event):
        raise PermissionDenied(actor, user.role, event)
    why = login_problem(uow, user, actor)
    if why:
        raise PermissionDenied(actor, user.role, event, why)
    if effective_on is not None:
        back = (clock.today() - effective_on).days
        limit = definition.backdate_limit_days
        if back > limit and user.role != BACKDATE_ROLE:
            raise PermissionDenied(
                actor,
                user.role,
                event,
                f"effective date {clock.dmy(effective_on)} is {back} days back "
                f"(over {limit}); a {BACKDATE_ROLE} must record it",
            )
