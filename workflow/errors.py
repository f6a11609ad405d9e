"""Domain errors. Each carries the data a caller needs to react, not just text."""

from __future__ import annotations

from collections.abc import Sequence


class CcnError(Exception):
    """Base of every refusal the tool reports to a user (CLI exit 1)."""


class InvalidInput(CcnError):
    """A value given by the user is malformed or out of range."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class InvalidDate(InvalidInput):
    def __init__(self, message: str, value: str = "") -> None:
        self.value = value
        super().__init__(message, field="date")


class UnknownCluster(CcnError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unknown cluster {code!r}")


class DuplicateCluster(CcnError):
    def __init__(self, code: str, existing: str) -> None:
        self.code = code
        self.existing = existing
        super().__init__(f"cluster {code!r} already exists (as {existing!r})")


class UnknownState(CcnError):
    def __init__(self, state: str, known: Sequence[str]) -> None:
        self.state = state
        self.known = tuple(known)
        super().__init__(f"unknown state {state!r} (known: {', '.join(known)})")


class TransitionRefused(CcnError):
    """A move the workflow does not allow from the cluster's current state."""

    def __init__(
        self, message: str, code: str, state: str, event: str, allowed: Sequence[str]
    ) -> None:
        self.code = code
        self.state = state
        self.event = event
        self.allowed = tuple(allowed)
        super().__init__(message)


class EventNotAllowed(TransitionRefused):
    def __init__(self, code: str, state: str, event: str, allowed: Sequence[str]) -> None:
        shown = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"cannot {event} cluster {code}: it is in {state}; allowed events: {shown}",
            code,
            state,
            event,
            allowed,
        )


class InvalidTarget(TransitionRefused):
    def __init__(
        self,
        code: str,
        state: str,
        event: str,
        target: str,
        valid: Sequence[str],
        allowed: Sequence[str] = (),
    ) -> None:
        self.target = target
        self.valid = tuple(valid)
        options = ", ".join(valid) if valid else "none"
        super().__init__(
            f"cannot {event} cluster {code} from {state} to {target}; valid targets: {options}",
            code,
            state,
            event,
            allowed,
        )


class MissingField(CcnError):
    def __init__(self, code: str, event: str, field: str, state: str | None = None) -> None:
        self.code = code
        self.event = event
        self.field = field
        self.state = state
        why = f"entering {state}" if state else event
        super().__init__(f"{field} is required for {why} (cluster {code})")


class DateOutOfRange(CcnError):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


class ConcurrentChange(CcnError):
    def __init__(self, code: str, state: str) -> None:
        self.code = code
        self.state = state
        super().__init__(f"cluster {code} was changed concurrently; it is now in {state}")


class ImportRejected(CcnError):
    """A CSV import with problems; nothing was stored.

    The message is the summary; the CLI prints every problem on its own line first.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(f"{len(self.problems)} problem(s); nothing imported")


class PermissionDenied(CcnError):
    def __init__(self, actor: str, role: str | None, event: str, why: str = "") -> None:
        self.actor = actor
        self.role = role
        self.event = event
        who = f"{actor} (role {role})" if role else f"{actor} (not a registered user)"
        super().__init__(f"{who} may not {event}{': ' + why if why else ''}")


class StorageError(CcnError):
    """The database cannot be used as asked (missing, wrong schema, unreachable)."""
