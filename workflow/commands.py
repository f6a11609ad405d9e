"""What staff ask for, as data: a registration and a step, before any rule is applied."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from .validate import clean_text


@dataclass(frozen=True)
class NewCluster:
    """What staff supply to register a cluster (one CLI call or one CSV row)."""

    code: str
    name: str
    locality: str | None = None
    area_ha: str | float | None = None
    developer: str | None = None
    state: str | None = None
    since: date | None = None
    ref: str | None = None
    note: str | None = None
    resumes_to: str | None = None  # registered suspended: the state it resumes to
    industrial_land_ha: str | float | None = None
    developer_kind: str | None = None  # enterprise | public | none
    kind: str | None = None  # general | craft_village | specialised
    industries: str | None = None


@dataclass(frozen=True)
class Step:
    """One move to record: what `advance`, `send_back`, `revert`, ... take, as data."""

    code: str
    event: str
    to: str | None = None
    on: date | None = None
    ref: str | None = None
    note: str | None = None

    def cleaned(self) -> Step:
        """The step with its free text in stored form (NFC, trimmed, empty as None)."""
        return replace(self, ref=clean_text(self.ref, "ref"), note=clean_text(self.note, "note"))
