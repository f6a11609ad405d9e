"""Verification of the hash chains, checkpoints an auditor keeps, and the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from states import Definition, default_definition, definition_problem

from . import clock
from .chain import hash_of, utc_text
from .errors import InvalidInput
from .identity import mismatch_rule
from .model import GENESIS, Transition
from .ports import ChainHead, LogFilter, UnitOfWork
from .replay import IllegalHistory, replay

CHECKPOINT_FORMAT = "ccn-checkpoint/1"


@dataclass(frozen=True)
class Problem:
    code: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "-"
        return f"{self.code} {where}: {self.reason}"


@dataclass
class Verification:
    clusters: int = 0
    transitions: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_chain(
    d: Definition | None, head: ChainHead, entries: Sequence[Transition]
) -> list[Problem]:
    """Everything wrong with one cluster's chain, not just the first thing."""
    code = head.code
    if not head.workflow:
        return [Problem(code, None, "missing row: the cluster row is gone, its history remains")]
    if not entries:
        return [Problem(code, None, "missing row: the cluster has no history at all")]
    problems: list[Problem] = []
    prev_hash, expected = GENESIS, 1
    for t in entries:
        gap = t.seq != expected
        if t.seq > expected:
            problems += [Problem(code, s, "missing row") for s in range(expected, t.seq)]
        elif t.seq < expected:
            problems.append(Problem(code, t.seq, "changed row: seq out of order or repeated"))
        if hash_of(t) != t.hash:
            problems.append(Problem(code, t.seq, "changed row: content does not match its hash"))
        elif t.effective_on != clock.local_date(t.effective_at):
            # Not hashed (it is derived), but reports read it: it must agree.
            problems.append(
                Problem(code, t.seq, "changed row: effective_on does not match effective_at")
            )
        elif t.prev_hash != prev_hash and not gap:
            problems.append(
                Problem(code, t.seq, "changed row: does not link to the entry before it")
            )
        prev_hash, expected = t.hash, t.seq + 1
    last = entries[-1]
    if head.last_seq > last.seq:
        problems += [
            Problem(code, s, "missing row") for s in range(last.seq + 1, head.last_seq + 1)
        ]
    elif head.last_seq != last.seq or head.head_hash != last.hash:
        problems.append(Problem(code, last.seq, "head mismatch: cluster row and last entry differ"))
    elif head.since is not None and (
        head.since != last.effective_at or head.since_on != last.effective_on
    ):
        problems.append(
            Problem(
                code,
                last.seq,
                "head mismatch: the cluster's since date is not its last entry's effective date",
            )
        )
    if head.state != last.to_state and head.last_seq <= last.seq:
        problems.append(
            Problem(
                code,
                last.seq,
                f"state mismatch: cluster is {head.state}, its last entry leads to {last.to_state}",
            )
        )
    if d is None or (problems and not all(p.reason.startswith("state mismatch") for p in problems)):
        return problems  # a broken chain or definition cannot be replayed meaningfully
    try:
        replayed = replay(d, entries)
    except IllegalHistory as exc:
        problems.append(Problem(code, exc.seq, exc.reason))
    else:
        if replayed.state != head.state:
            problems.append(
                Problem(
                    code,
                    last.seq,
                    f"state mismatch: replay gives {replayed.state}, cluster is {head.state}",
                )
            )
        elif replayed.suspended_from != head.suspended_from:
            problems.append(
                Problem(
                    code,
                    last.seq,
                    f"state mismatch: cluster says it left {head.suspended_from}, "
                    f"replay gives {replayed.suspended_from}",
                )
            )
    return problems


def verify(uow: UnitOfWork, against: dict[str, Any] | None = None) -> Verification:
    result = Verification()
    definitions: dict[str, Definition | None] = {}
    with uow:
        for key, sha, text in uow.audit.workflows():
            problem = definition_problem(key, sha, text)
            if problem:
                result.problems.append(Problem(key, None, f"changed row: workflow {problem}"))
                definitions[key] = None
        for head, entries in uow.audit.chains():
            result.clusters += 1
            result.transitions += len(entries)
            if head.workflow and head.workflow not in definitions:
                definitions[head.workflow] = uow.definitions.get(head.workflow)
            result.problems += check_chain(definitions.get(head.workflow), head, entries)
        from .user_chain import check_users  # here: user_chain builds on Problem, above

        result.problems += check_users(uow.users.changes(), uow.users.list())
        if against is not None:
            result.problems += _compare_checkpoint(uow, against)
    return result


def _root(heads: Iterator[tuple[str, int, str]]) -> tuple[str, int, int]:
    digest = hashlib.sha256()
    clusters = transitions = 0
    for code, seq, h in sorted(heads):
        digest.update(f"{code}\t{seq}\t{h}\n".encode())
        clusters += 1
        transitions += seq
    return digest.hexdigest(), clusters, transitions


def checkpoint(uow: UnitOfWork) -> dict[str, Any]:
    """A small document to keep outside the database.

    root = SHA-256 over the lines "code<TAB>seq<TAB>hash<LF>", sorted, of every
    cluster's last entry recorded at or before `covers_until`.
    """
    with uow:
        moment = uow.audit.latest_recorded_at()
        heads = uow.audit.heads_recorded_by(moment) if moment else iter(())
        root, clusters, transitions = _root(heads)
    return {
        "format": CHECKPOINT_FORMAT,
        "created_at": clock.iso_local(clock.now()),
        "covers_until": utc_text(moment) if moment else None,
        "clusters": clusters,
        "transitions": transitions,
        "root": root,
    }


def _compare_checkpoint(uow: UnitOfWork, cp: dict[str, Any]) -> list[Problem]:
    if cp.get("format") != CHECKPOINT_FORMAT or not isinstance(cp.get("root"), str):
        raise InvalidInput(f"not a ccn checkpoint (expected format {CHECKPOINT_FORMAT})")
    until = cp.get("covers_until")
    if until is not None and not isinstance(until, str):
        raise InvalidInput(f"checkpoint has a bad covers_until {until!r}")
    if until is None:
        root, clusters, transitions = _root(iter(()))
    else:
        try:
            moment = datetime.strptime(until, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=clock.now().tzinfo
            )
        except ValueError:
            raise InvalidInput(f"checkpoint has a bad covers_until {until!r}") from None
        root, clusters, transitions = _root(uow.audit.heads_recorded_by(moment))
    if root == cp["root"]:
        return []
    return [
        Problem(
            "checkpoint",
            None,
            f"root mismatch: the checkpoint of {cp.get('created_at')} covers {cp.get('clusters')} "
            f"clusters and {cp.get('transitions')} transitions; the database now holds "
            f"{clusters} clusters and {transitions} transitions recorded by then: "
            "entries or clusters were removed or altered",
        )
    ]


def log(uow: UnitOfWork, f: LogFilter) -> Iterator[dict[str, Any]]:
    """Entries across all clusters by recorded time; backdated ones carry backdated_days."""
    limit = default_definition().backdate_limit_days
    with uow:
        mismatch = mismatch_rule(uow.users.list()) if f.mismatch else None
        for t in uow.audit.log(f):
            if mismatch is not None and not mismatch(t.actor, t.db_user):
                continue
            entry: dict[str, Any] = {
                "code": t.code,
                "seq": t.seq,
                "event": t.event,
                "from_state": t.from_state,
                "to_state": t.to_state,
                "effective_at": clock.iso_local(t.effective_at),
                "recorded_at": clock.iso_local(t.recorded_at),
                "actor": t.actor,
                "ref": t.ref,
                "note": t.note,
                "hash": t.hash,
            }
            if t.db_user is not None:
                entry["db_user"] = t.db_user
            back = (clock.local_date(t.recorded_at) - t.effective_on).days
            if back > limit:
                entry["backdated_days"] = back
            yield entry
