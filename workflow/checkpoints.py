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

Format 4 (`ccn-checkpoint/4`) adds the head of the user change log (`users`: seq
and hash of the newest hashed change, or null), and every stored definition's and
installed targets file's name@version and SHA-256 (`definitions`, `targets`). The
root covers them as further lines, after Form 02's: ``#users<TAB>seq<TAB>hash<LF>``
when a change was recorded, then ``#workflow<TAB>key<TAB>sha256<LF>`` and
``#targets<TAB>key<TAB>sha256<LF>``, each sorted by key. A definition or targets file
rewritten in place, even with its row's hash recomputed, or the newest user changes
removed, are then found.

Formats 3, 2 and 1 (a root over heads recorded by `covers_until`) still verify, for
what they cover: format 3 the clusters' chains and the Form 02 records, the older
ones the clusters' chains only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import clock
from .chain import utc_text
from .errors import InvalidInput
from .indicators import IndicatorRecord
from .model import Transition, UserChange
from .ports import UnitOfWork

FORMAT = "ccn-checkpoint/4"
FORMAT_3 = "ccn-checkpoint/3"
FORMAT_2 = "ccn-checkpoint/2"
FORMAT_1 = "ccn-checkpoint/1"
FORM02 = "Form 02"  # how findings about the indicator chain are named
USERS = "user changes"  # and about the user change log


@dataclass(frozen=True)
class Finding:
    code: str
    reason: str


@dataclass(frozen=True)
class Stored:
    """What format 4 adds: the user change log's head and the stored texts' hashes."""

    users: tuple[int, str] | None
    definitions: dict[str, str]  # name@version: sha256
    targets: dict[str, str]

    def lines(self) -> Iterator[str]:
        if self.users is not None:
            yield f"#users\t{self.users[0]}\t{self.users[1]}\n"
        for kind, texts in (("workflow", self.definitions), ("targets", self.targets)):
            for key, sha in sorted(texts.items()):
                yield f"#{kind}\t{key}\t{sha}\n"


def root_of(
    heads: Iterable[tuple[str, int, str]],
    indicators: tuple[int, str] | None = None,
    stored: Stored | None = None,
) -> tuple[str, int, int]:
    """(root, clusters, transitions) over (code, seq, hash) heads and, from format 3 on,
    the indicator chain's head, from format 4 on what `Stored` holds."""
    digest = hashlib.sha256()
    clusters = transitions = 0
    for code, seq, h in sorted(heads):
        digest.update(f"{code}\t{seq}\t{h}\n".encode())
        clusters += 1
        transitions += seq
    if indicators is not None:
        digest.update(f"#form02\t{indicators[0]}\t{indicators[1]}\n".encode())
    for line in stored.lines() if stored is not None else ():
        digest.update(line.encode())
    return digest.hexdigest(), clusters, transitions


def checkpoint(uow: UnitOfWork) -> dict[str, Any]:
    with uow:  # one transaction: one snapshot
        heads = sorted(uow.audit.heads())
        latest = uow.audit.latest_recorded_at()
        last = uow.indicators.last()
        change = uow.users.last_change()
        definitions = {key: sha for key, sha, _ in uow.audit.workflows()}
        targets = {key: sha for key, sha, _ in uow.audit.targets()}
    form02 = (last.seq, last.hash) if last else None
    users = (change.seq, change.hash) if change and change.seq and change.hash else None
    stored = Stored(users, definitions, targets)
    root, clusters, transitions = root_of(heads, form02, stored)
    return {
        "format": FORMAT,
        "created_at": clock.iso_local(clock.now()),
        "covers_until": utc_text(latest) if latest else None,
        "clusters": clusters,
        "transitions": transitions,
        "root": root,
        "heads": [{"code": c, "seq": s, "hash": h} for c, s, h in heads],
        "indicators": {"seq": form02[0], "hash": form02[1]} if form02 else None,
        "users": {"seq": users[0], "hash": users[1]} if users else None,
        "definitions": [{"key": k, "sha256": v} for k, v in sorted(definitions.items())],
        "targets": [{"key": k, "sha256": v} for k, v in sorted(targets.items())],
    }


class Expected:
    """A checkpoint's heads, checked off one chain at a time while verifying."""

    def __init__(self, cp: dict[str, Any]) -> None:
        if not isinstance(cp, dict) or cp.get("format") not in (FORMAT, FORMAT_3, FORMAT_2):
            raise InvalidInput(f"not a ccn checkpoint (expected format {FORMAT})")
        heads = cp.get("heads")
        if not isinstance(heads, list) or not all(_is_head(h) for h in heads):
            raise InvalidInput("checkpoint has a bad heads list")
        self.heads = {h["code"]: (h["seq"], h["hash"]) for h in heads}
        self.created_at = cp.get("created_at")
        # Format 2 did not record the indicator chain: it proves the clusters only;
        # format 3 did not record the user change log nor the stored texts.
        self.covers_indicators = cp["format"] in (FORMAT, FORMAT_3)
        self.indicators = _seq_head(cp, "indicators") if self.covers_indicators else None
        self.stored = (
            Stored(
                _seq_head(cp, "users"),
                _hashes(cp, "definitions"),
                _hashes(cp, "targets"),
            )
            if cp["format"] == FORMAT
            else None
        )
        root, _, _ = root_of(
            ((c, s, h) for c, (s, h) in self.heads.items()),
            self.indicators,
            self.stored,
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
        why = _head_problem(self.indicators, [(r.seq, r.hash) for r in records], "records")
        if why is not None:
            self.findings.append(Finding(FORM02, why))

    def check_users(self, changes: Sequence[UserChange]) -> None:
        """The user change log still holds the change the checkpoint ended on, unchanged."""
        if self.stored is None or self.stored.users is None:
            return
        hashed = [(c.seq, c.hash) for c in changes if c.seq is not None]
        why = _head_problem(self.stored.users, hashed, "changes")
        if why is not None:
            self.findings.append(Finding(USERS, why))

    def check_texts(
        self, definitions: Sequence[tuple[str, str, str]], targets: Sequence[tuple[str, str, str]]
    ) -> None:
        """Every definition and targets file the checkpoint listed is still stored, with
        the same text: the row's hash and the text's own."""
        if self.stored is None:
            return
        for kind, had, rows in (
            ("workflow", self.stored.definitions, definitions),
            ("targets", self.stored.targets, targets),
        ):
            now = {key: (sha, text) for key, sha, text in rows}
            for key, sha in sorted(had.items()):
                if key not in now:
                    why = f"missing (checkpoint had sha256 {sha[:12]})"
                else:
                    row_sha, text = now[key]
                    actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    if row_sha == sha and actual == sha:
                        continue
                    shown = actual if actual != sha else row_sha
                    why = f"changed (sha256 now {shown[:12]}, checkpoint had {sha[:12]})"
                self.findings.append(Finding(f"{kind} {key}", why))

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


def _seq_head(cp: dict[str, Any], name: str) -> tuple[int, str] | None:
    head = cp.get(name)
    if head is None:
        return None
    if not (isinstance(head, dict) and _is_head({**head, "code": ""})):
        raise InvalidInput(f"checkpoint has a bad {name} head")
    return head["seq"], head["hash"]


def _hashes(cp: dict[str, Any], name: str) -> dict[str, str]:
    items = cp.get(name)
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("sha256"), str)
        for i in items
    ):
        raise InvalidInput(f"checkpoint has a bad {name} list")
    return {i["key"]: i["sha256"] for i in items}


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


def _head_problem(
    head: tuple[int, str], chain: Sequence[tuple[int, str | None]], what: str
) -> str | None:
    """Why a chain no longer holds the (seq, hash) a checkpoint ended on, or None."""
    seq, h = head
    last = max((s for s, _ in chain), default=0)
    if not chain:
        return f"missing: no {what} left (checkpoint had seq {seq})"
    if last < seq:
        return f"cut short (checkpoint had seq {seq}, now {last}): {what} were removed"
    if (seq, h) not in chain:
        return f"changed (its seq {seq} is not the one in the checkpoint)"
    return None
