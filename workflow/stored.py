"""Definitions and targets files as the database stores them, judged as `audit verify`
and `db restore` judge them: the text matches its SHA-256, reads as what it is, and is
the name@version its row says. A text that fails any of these would make every command
that reads it fail later, so it is reported now, one line each."""

from __future__ import annotations

import hashlib

from states import DefinitionError, definition_problem, parse_definition
from states.targets import TargetsError, parse_targets

ALTERED = "was altered in the database: its text no longer matches its SHA-256"


def stored_definition_problem(key: str, sha256: str, text: str) -> str | None:
    problem = definition_problem(key, sha256, text)
    if problem:
        return problem
    try:
        parsed = parse_definition(text, source=key)
    except DefinitionError as exc:
        return f"cannot be read: {exc.problem}"
    if parsed.key != key:
        return f"text is {parsed.key}, its row says {key}"
    return None


def stored_targets_problem(key: str, sha256: str, text: str) -> str | None:
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
        return ALTERED
    try:
        parsed = parse_targets(text, source=key)
    except TargetsError as exc:
        what = f"target {exc.target!r}: " if exc.target else ""
        return f"cannot be read: {what}{exc.problem}"
    if parsed.key != key:
        return f"text is {parsed.key}, its row says {key}"
    return None
