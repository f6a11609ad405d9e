"""The supervisors' page as data: everything `ccn report html` shows, read at one moment.

A pure read model: no I/O and no charting here. `services.dashboard` fills it in one
read-only unit of work; `html_page.render` turns it into one self-contained page.
Deadlines and targets come from other use cases; where they are absent (None) the page
says so rather than showing an empty list, which would read as "nothing is late".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .ports import Position
from .reports import Funnel, StalledRow
from .stepclock import Entry, standing


@dataclass(frozen=True)
class DeadlineItem:
    """A milestone due for one cluster; `days_left` < 0 when overdue."""

    code: str
    name: str
    state: str
    milestone: str
    due_on: date
    days_left: int
    responsible: str | None = None
    # The milestone's (en, vi) labels, if known: presentation, not part of the row's value.
    labels: tuple[str, str] | None = field(default=None, compare=False)

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    def label(self, lang: str) -> str:
        """The milestone as the page shows it in `lang`: its label, else its name."""
        if self.labels is None:
            return self.milestone
        return self.labels[1] if lang == "vi" else self.labels[0]


@dataclass(frozen=True)
class TargetItem:
    """A province target and how likely it is to be met (`probability` in [0, 1])."""

    name: str
    kind: str  # count, coverage, deadline
    by: date
    status: str  # met, on_track, at_risk, missed, unmeasurable
    probability: float | None
    deciding: Sequence[str] = ()  # codes of the clusters that decide it


@dataclass(frozen=True)
class Dwell:
    """Completed passages of one step: each one's days, paused days left out."""

    state: str
    days: tuple[int, ...]  # sorted


@dataclass(frozen=True)
class Segment:
    """One stay of a cluster: a state from `start` to `end` (`end` is the as-of date
    for the stay still running)."""

    state: str
    start: date
    end: date

    @property
    def suspended(self) -> bool:
        return self.state == "suspended"


@dataclass(frozen=True)
class Timeline:
    code: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class ClusterRow:
    """One row of the page's table of all clusters."""

    code: str
    name: str
    locality: str | None
    state: str
    since: date
    days_in_state: int  # paused days left out
    stalled: bool
    resumes_to: str | None = None


@dataclass(frozen=True)
class Dashboard:
    as_of: date
    funnel: Funnel
    stalled: Sequence[StalledRow]
    dwell: Sequence[Dwell]
    timelines: Sequence[Timeline]
    clusters: Sequence[ClusterRow]
    deadlines: Sequence[DeadlineItem] | None = None  # None: not available
    targets: Sequence[TargetItem] | None = None  # None: not available


def timeline(code: str, entries: Sequence[Entry], as_of: date) -> Timeline:
    """The stays of a cluster up to `as_of`, from its standing history.

    A stay starts with each entry that changes the state (register, advance, send-back,
    suspend, resume, cancel); an amendment or definition switch starts none, and a
    reverted entry counts as never made. Stays of zero days are kept: they record a
    state the cluster passed through.
    """
    starts: list[tuple[str, date]] = []
    for t in standing(entries):
        if t.effective_on > as_of:
            break
        if starts and (t.from_state == t.to_state or starts[-1][0] == t.to_state):
            continue
        starts.append((t.to_state, t.effective_on))
    ends = [day for _, day in starts[1:]] + [as_of] if starts else []
    return Timeline(code, tuple(Segment(s, a, b) for (s, a), b in zip(starts, ends, strict=True)))


def dwell(histogram: dict[str, dict[int, int]], order: Iterable[str]) -> list[Dwell]:
    """Histograms of days per state as sorted samples, states in `order`."""
    out = []
    for state in order:
        counts = histogram.get(state, {})
        days = tuple(d for d in sorted(counts) for _ in range(counts[d]))
        if days:
            out.append(Dwell(state, days))
    return out


def cluster_row(p: Position, as_of: date, stalled: bool) -> ClusterRow:
    paused = sum((b - a).days for a, b in p.pauses)
    return ClusterRow(
        p.code, p.name, p.locality, p.state, p.since_on, (as_of - p.since_on).days - paused,
        stalled, p.resumes_to,
    )  # fmt: skip
