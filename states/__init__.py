"""Workflow definitions as versioned data (standard library only)."""

from .definition import (
    ROLES,
    UNITS,
    Definition,
    EstablishmentTest,
    EventDef,
    MilestoneDef,
    StateDef,
    Threshold,
)
from .loader import (
    DefinitionError,
    default_definition,
    definition_problem,
    earlier_revision,
    load_definition,
    parse_definition,
)

__all__ = [
    "ROLES",
    "UNITS",
    "Definition",
    "DefinitionError",
    "EstablishmentTest",
    "EventDef",
    "MilestoneDef",
    "StateDef",
    "Threshold",
    "default_definition",
    "definition_problem",
    "earlier_revision",
    "load_definition",
    "parse_definition",
]
