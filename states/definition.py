"""Workflow definitions as immutable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

UNITS = ("days", "working_days")
TARGET_KINDS = ("single", "chosen", "origin")
ROLES = ("staff", "supervisor", "auditor", "admin")
# Record-keeping events every definition has. Their roles live here rather than in
# the TOML so that definitions stored before these events existed keep their text,
# and so their hash; a definition may still override them in [workflow.roles].
RECORD_EVENT_ROLES = {
    "amend": ("staff", "supervisor"),
    "migrate": ("supervisor",),
    "milestone": ("staff", "supervisor"),
    "install": ("supervisor", "admin"),
    "indicators": ("staff", "supervisor"),  # Form 02 figures (workflow/form02.py)
}


@dataclass(frozen=True)
class Threshold:
    value: int
    unit: str  # one of UNITS

    def __str__(self) -> str:
        return f"{self.value}{'wd' if self.unit == 'working_days' else 'd'}"


AVERAGES = ("simple", "weighted")


@dataclass(frozen=True)
class EstablishmentTest:
    """Decree 32 Art. 8.1(c): a locality may establish another cluster when its established
    clusters' average occupancy is above `min_occupancy_pct` or at most `max_unleased_ha`
    of their industrial land is unleased. The decree does not say which average; a 2026
    amendment is reported to change the figures, so a definition may set all three in
    `[workflow.establishment_test]`. Without that table, these (Decree 32) apply, which
    keeps the text, and so the hash, of definitions stored before it existed."""

    average: str = "simple"  # one of AVERAGES: mean of the clusters' rates, or by area
    min_occupancy_pct: float = 50.0
    max_unleased_ha: float = 100.0


@dataclass(frozen=True)
class MilestoneDef:
    """A dated sub-step of a state, with the legal time limit it must meet, if any.

    `limit` counts from the date `counts_from` was recorded. A milestone that `pauses`
    another stops that milestone's clock until one that `resumes` it is recorded
    (the appraisal clock while a dossier is returned for completion).
    """

    name: str
    label_vi: str
    label_en: str
    responsible: str | None = None
    limit: Threshold | None = None
    counts_from: str | None = None
    pauses: str | None = None
    resumes: str | None = None
    optional: bool = False

    def label(self, lang: str) -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class StateDef:
    name: str
    label_vi: str
    label_en: str
    threshold: Threshold | None = None
    requires: tuple[str, ...] = ()
    milestones: tuple[MilestoneDef, ...] = ()

    def milestone(self, name: str) -> MilestoneDef | None:
        return next((m for m in self.milestones if m.name == name), None)

    def label(self, lang: str) -> str:
        return self.label_vi if lang == "vi" else self.label_en


@dataclass(frozen=True)
class EventDef:
    name: str
    label_vi: str
    label_en: str
    target: str
    moves: tuple[tuple[str, str], ...]
    roles: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()

    def targets_from(self, state: str) -> tuple[str, ...]:
        return tuple(dst for src, dst in self.moves if src == state)


@dataclass(frozen=True)
class Definition:
    name: str
    version: str
    label_vi: str
    label_en: str
    initial: str
    terminal: tuple[str, ...]
    main_line: tuple[str, ...]
    states: tuple[StateDef, ...]
    events: tuple[EventDef, ...]
    roles: tuple[tuple[str, tuple[str, ...]], ...] = ()
    backdate_limit_days: int = 30
    calendar: str | None = None
    establishment_test: EstablishmentTest = EstablishmentTest()
    text: str = field(default="", repr=False, compare=False)
    sha256: str = ""

    @property
    def key(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @cached_property
    def _states(self) -> dict[str, StateDef]:
        return {s.name: s for s in self.states}

    @cached_property
    def _events(self) -> dict[str, EventDef]:
        return {e.name: e for e in self.events}

    def state(self, name: str) -> StateDef:
        return self._states[name]

    def event(self, name: str) -> EventDef:
        return self._events[name]

    def has_state(self, name: str) -> bool:
        return name in self._states

    def has_event(self, name: str) -> bool:
        return name in self._events

    def roles_for(self, event: str) -> tuple[str, ...]:
        for name, roles in self.roles:
            if name == event:
                return roles
        if self.has_event(event):
            return self.event(event).roles
        return RECORD_EVENT_ROLES.get(event, ())

    @cached_property
    def rework_events(self) -> tuple[str, ...]:
        """Events that send a cluster back along the main line: each such move is rework.

        Derived from the moves, so definitions stored before this existed (whose text,
        and so hash, must not change) have it too.
        """
        rank = {s: i for i, s in enumerate(self.main_line)}
        return tuple(
            e.name
            for e in self.events
            if any(rank.get(dst, len(rank)) < rank.get(src, -1) for src, dst in e.moves)
        )

    def next_state(self, state: str) -> str | None:
        """The next main-line state, or None at the end or off the line."""
        if state not in self.main_line or state in self.terminal:
            return None
        i = self.main_line.index(state)
        return self.main_line[i + 1] if i + 1 < len(self.main_line) else None
