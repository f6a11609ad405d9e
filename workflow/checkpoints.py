"""Checkpoints an auditor keeps outside the database, and proving them later.

Format 2 (`ccn-checkpoint/2`) lists every cluster's head (code, seq, hash) as one
consistent snapshot of the database, read in a single transaction, so that a
checkpoint taken while an import or other writes run never raises a false alarm:
whatever those writers had not committed is simply not in it. `root` is SHA-256
over the sorted lines ``code<TAB>seq<TAB>hash<LF>`` of the heads, so a checkpoint
whose list was edited gives itself away.

Format 1 documents (a root over heads recorded by `covers_until`) still verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import clock
from .chain import utc_text
from .errors import InvalidInput
from .model import Transition
from .ports import UnitOfWork

FORMAT = "ccn-checkpoint/2"
FORMAT_1 = "ccn-checkpoint/1"


@dataclass(frozen=True)
class Finding:
    code: str
    reason: str


def root_of(heads: Iterable[tuple[str, int, str]]) -> tuple[str, int, int]:
    """(root, clusters, transitions) over (code, seq, hash) heads."""
    digest = hashlib.sha256()
    clusters = transitions = 0
    for code, seq, h in sorted(heads):
        digest.update(f"{code}\t{seq}\t{h}\n".encode())
        clusters += 1
        transitions += seq
    return digest.hexdigest(), clusters, transitions


def checkpoint(uow: UnitOfWork) -> dict[str, Any]:
    with uow:  # one transaction: one snapshot
        heads = sorted(uow.audit.heads())
        latest = uow.audit.latest_recorded_at()
    root, clusters, transitions = root_of(heads)
    return {
        "format": FORMAT,
        "created_at": clock.iso_local(clock.now()),
        "covers_until": utc_text(latest) if latest else None,
        "clusters": clusters,
        "transitions": transitions,
        "root": root,
        "heads": [{"code": c, "seq": s, "hash": h} for c, s, h in heads],
    }


class Expected:
    """A checkpoint's heads, checked off one chain at a time while verifying."""

    def __init__(self, cp: dict[str, Any]) -> None:
        if not isinstance(cp, dict) or cp.get("format") != FORMAT:
            raise InvalidInput(f"not a ccn checkpoint (expected format {FORMAT})")
        heads = cp.get("heads")
        if not isinstance(heads, list) or not all(_is_head(h) for h in heads):
            raise InvalidInput("checkpoint has a bad heads list")
        self.heads = {h["code"]: (h["seq"], h["hash"]) for h in heads}
        self.created_at = cp.get("created_at")
        root, _, _ = root_of((c, s, h) for c, (s, h) in self.heads.items())
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
