"""Checkpoints an auditor keeps outside the database, and proving them later.

Format 2 (`ccn-checkpoint/2`) lists every cluster's head (code, seq, hash) as one
consistent snapshot of the database, read in a single transaction, so that a
checkpoint taken while an import or other writes run never raises a false alarm:
whatever those writers had not committed is simply not in it. `root` is SHA-256
over the sorted lines ``code<TAB>seq<TAB>hash<LF>`` of the heads, so a checkpoint
whose list was edited gives itself away.

Format 3 (`ccn-checkpoint/3`) adds the head of the Form 02 indicator chain
(`indicators`: seq and hash, or null when none was recorded), which the root covers
as one more line ``#form02<TAB>seq<TAB>hash<LF>`` after the clusters'. Deleting
Form 02 records, even only the newest, is then found.

Formats 2 and 1 (a root over heads recorded by `covers_until`) still verify, for
what they cover: the clusters' chains, not the Form 02 records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import clock
from .chain import utc_text
from .errors import InvalidInput
from .indicators import IndicatorRecord
from .model import Transition
from .ports import UnitOfWork

FORMAT = "ccn-checkpoint/3"
FORMAT_2 = "ccn-checkpoint/2"
FORMAT_1 = "ccn-checkpoint/1"
FORM02 = "Form 02"  # how findings about the indicator chain are named


@dataclass(frozen=True)
class Finding:
    code: str
    reason: str


def root_of(
    heads: Iterable[tuple[str, int, str]], indicators: tuple[int, str] | None = None
) -> tuple[str, int, int]:
    """(root, clusters, transitions) over (code, seq, hash) heads and, from format 3 on,
    the indicator chain's head."""
    digest = hashlib.sha256()
    clusters = transitions = 0
    for code, seq, h in sorted(heads):
        digest.update(f"{code}\t{seq}\t{h}\n".encode())
        clusters += 1
        transitions += seq
    if indicators is not None:
        digest.update(f"#form02\t{indicators[0]}\t{indicators[1]}\n".encode())
    return digest.hexdigest(), clusters, transitions


def checkpoint(uow: UnitOfWork) -> dict[str, Any]:
    with uow:  # one transaction: one snapshot
        heads = sorted(uow.audit.heads())
        latest = uow.audit.latest_recorded_at()
        last = uow.indicators.last()
    form02 = (last.seq, last.hash) if last else None
    root, clusters, transitions = root_of(heads, form02)
    return {
        "format": FORMAT,
        "created_at": clock.iso_local(clock.now()),
        "covers_until": utc_text(latest) if latest else None,
        "clusters": clusters,
        "transitions": transitions,
        "root": root,
        "heads": [{"code": c, "seq": s, "hash": h} for c, s, h in heads],
        "indicators": {"seq": form02[0], "hash": form02[1]} if form02 else None,
    }


class Expected:
    """A checkpoint's heads, checked off one chain at a time while verifying."""

    def __init__(self, cp: dict[str, Any]) -> None:
        if not isinstance(cp, dict) or cp.get("format") not in (FORMAT, FORMAT_2):
            raise InvalidInput(f"not a ccn checkpoint (expected format {FORMAT})")
        heads = cp.get("heads")
        if not isinstance(heads, list) or not all(_is_head(h) for h in heads):
            raise InvalidInput("checkpoint has a bad heads list")
        self.heads = {h["code"]: (h["seq"], h["hash"]) for h in heads}
        self.created_at = cp.get("created_at")
        # Format 2 did not record the indicator chain: it proves the clusters only.
        self.covers_indicators = cp["format"] == FORMAT
        form02 = cp.get("indicators")
        good = form02 is None or (isinstance(form02, dict) and _is_head({**form02, "code": ""}))
        if self.covers_indicators and not good:
            raise InvalidInput("checkpoint has a bad indicators head")
        self.indicators: tuple[int, str] | None = (
            (form02["seq"], form02["hash"]) if self.covers_indicators and form02 else None
        )
        root, _, _ = root_of(
            ((c, s, h) for c, (s, h) in self.heads.items()),
            self.indicators,
        )
        self.altered = root != cp.get("root")
        self.findings: list[Finding] = []
        self._seen: set[str] = set()

    def check(self, code: str, entries: list[Transition]) -> None:
        head = self.heads.get(code)
        if head is None:
            return  # registered after the checkpoint
        self._seen.add(code)
        seq, h = head
        if not entries:
            self.findings.append(Finding(code, f"missing (checkpoint had seq {seq})"))
        elif entries[-1].seq < seq:
            self.findings.append(
                Finding(code, f"cut short (checkpoint had seq {seq}, now {entries[-1].seq})")
            )
        elif not any(t.seq == seq and t.hash == h for t in entries):
            self.findings.append(
                Finding(code, f"changed (its seq {seq} is not the one in the checkpoint)")
            )

    def check_indicators(self, records: Sequence[IndicatorRecord]) -> None:
        """The Form 02 chain still holds the record the checkpoint ended on, unchanged."""
        if self.indicators is None:
            return
        seq, h = self.indicators
        last = records[-1].seq if records else 0
        if not records:
            why = f"missing: no records left (checkpoint had seq {seq})"
        elif last < seq:
            why = f"cut short (checkpoint had seq {seq}, now {last}): records were removed"
        elif not any(r.seq == seq and r.hash == h for r in records):
            why = f"changed (its seq {seq} is not the one in the checkpoint)"
        else:
            return
        self.findings.append(Finding(FORM02, why))

    def finish(self) -> list[Finding]:
        missing = [
            Finding(code, f"missing (checkpoint had seq {seq})")
            for code, (seq, _) in sorted(self.heads.items())
            if code not in self._seen
        ]
        altered = (
            [Finding("checkpoint", "the file's heads do not match its root: it was altered")]
            if self.altered
            else []
        )
        return altered + sorted(self.findings + missing, key=lambda f: f.code)


def _is_head(h: Any) -> bool:
    return (
        isinstance(h, dict)
        and isinstance(h.get("code"), str)
        and isinstance(h.get("seq"), int)
        and isinstance(h.get("hash"), str)
    )


def compare_format_1(uow: UnitOfWork, cp: dict[str, Any]) -> list[Finding]:
    """A checkpoint written by ccn 0.1: one root over heads recorded by `covers_until`."""
    if not isinstance(cp.get("root"), str):
        raise InvalidInput(f"not a ccn checkpoint (expected format {FORMAT})")
    until = cp.get("covers_until")
    if until is not None and not isinstance(until, str):
        raise InvalidInput(f"checkpoint has a bad covers_until {until!r}")
    if until is None:
        root, clusters, transitions = root_of(())
    else:
        try:
            moment = datetime.strptime(until, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=clock.now().tzinfo
            )
        except ValueError:
            raise InvalidInput(f"checkpoint has a bad covers_until {until!r}") from None
        root, clusters, transitions = root_of(uow.audit.heads_recorded_by(moment))
    if root == cp["root"]:
        return []
    return [
        Finding(
            "checkpoint",
            f"root mismatch: the checkpoint of {cp.get('created_at')} covers {cp.get('clusters')} "
            f"clusters and {cp.get('transitions')} transitions; the database now holds "
            f"{clusters} clusters and {transitions} transitions recorded by then: "
            "entries or clusters were removed or altered",
        )
    ]
