"""Verification of the hash chains and definitions, and the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from states import Definition, default_definition

from . import checkpoints, clock
from .attributes import Facts, facts_from
from .chain import hash_of
from .errors import InvalidInput, StorageError
from .identity import mismatch_rule
from .indicators import check_chain as check_indicator_chain
from .model import GENESIS, Transition
from .ports import ChainHead, LogFilter, UnitOfWork
from .replay import IllegalHistory, replay
from .stored import stored_definition_problem, stored_targets_problem
from .text import search_keys
from .validate import code_key

if TYPE_CHECKING:  # imported in verify(): form02_audit builds on Problem, below
    from .form02_audit import Pinned


@dataclass(frozen=True)
class Problem:
    code: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f" seq {self.seq}" if self.seq is not None else ""
        return f"{self.code}{where}: {self.reason}"


@dataclass
class Verification:
    clusters: int = 0
    transitions: int = 0
    problems: list[Problem] = field(default_factory=list)
    indicators: int = 0  # Form 02 records, one chain of their own

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self, against: str | None = None) -> list[str]:
        """What `audit verify` prints on standard output."""
        if not self.ok:
            return [f"BROKEN {p}" for p in self.problems]
        # The first line is exactly the contract's, so scripts can match it.
        ok = [f"OK: {self.clusters} clusters, {self.transitions} transitions verified"]
        if self.indicators:
            ok.append(f"OK: {self.indicators} Form 02 indicator records verified")
        if against:
            ok.append(f"OK: everything covered by {against} is present and unchanged")
        return ok


def read_checkpoint(path: str | None) -> dict[str, Any] | None:
    """A checkpoint file as JSON; a file that cannot be read is a one-line error."""
    if not path:
        return None
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot read checkpoint {path}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} is not a ccn checkpoint (not a JSON object)")
    return data


def check_chain(
    d: Definition | None,
    head: ChainHead,
    entries: Sequence[Transition],
    load: Callable[[str], Definition | None] | None = None,
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
    if not problems:
        facts = facts_from(entries)
        problems += _check_keys(head, facts.attributes if facts else head.attributes)
        problems += _check_facts(head, facts)
    if d is None or (problems and not all(p.reason.startswith(_REPLAYABLE) for p in problems)):
        return problems  # a broken chain or definition cannot be replayed meaningfully
    try:
        replayed = replay(d, entries, load)
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


_REPLAYABLE = ("state mismatch", "changed row: the cluster's", "changed row: pinned")


def _check_keys(head: ChainHead, attributes: dict[str, Any] | None) -> list[Problem]:
    """The row's lookup keys against the code, name and locality the history gives.

    They decide whether --locality, --search and a code find the cluster, so an edited
    key would hide it from a supervisor as surely as an edited name.
    """
    if head.keys is None or attributes is None:
        return []
    expected = (
        code_key(head.code),
        *search_keys(head.code, attributes["name"], attributes["locality"]),
    )
    names = ("code_key", "locality_key", "search_key")
    return [
        Problem(head.code, None, f"changed row: the cluster's {n} is {got!r}, expected {want!r}")
        for n, got, want in zip(names, head.keys, expected, strict=True)
        if got != want
    ]


def _check_codes(head: ChainHead, entries: Sequence[Transition]) -> list[Problem]:
    """Each entry's stored code against its cluster's: the hash covers the cluster's."""
    if not head.workflow or head.entry_codes is None:
        return []  # an orphan history is named by its entries' codes, reported as such
    return [
        Problem(head.code, t.seq, f"changed row: its code is {stored!r}, expected {head.code!r}")
        for t, stored in zip(entries, head.entry_codes, strict=True)
        if stored != head.code
    ]


def _check_facts(head: ChainHead, facts: Facts | None) -> list[Problem]:
    """The row's attributes and pinned definition against what the chain committed."""
    if facts is None or head.attributes is None:
        return []  # registered under canonical form 1: the chain holds no attributes
    problems = [
        Problem(
            head.code,
            None,
            f"changed row: the cluster's {k} is {head.attributes.get(k)!r}, its history says {v!r}",
        )
        for k, v in facts.attributes.items()
        if head.attributes.get(k) != v
    ]
    if head.workflow != facts.workflow or head.workflow_sha256 != facts.workflow_sha256:
        problems.append(
            Problem(
                head.code,
                None,
                f"changed row: pinned to {head.workflow} "
                f"(sha256 {(head.workflow_sha256 or '')[:12]}), its history says "
                f"{facts.workflow} (sha256 {facts.workflow_sha256[:12]})",
            )
        )
    return problems


def verify(uow: UnitOfWork, against: dict[str, Any] | None = None) -> Verification:
    """Every chain, every definition, and optionally a checkpoint kept outside."""
    legacy = isinstance(against, dict) and against.get("format") == checkpoints.FORMAT_1
    expected = checkpoints.Expected(against) if against is not None and not legacy else None
    result = Verification()
    definitions: dict[str, Definition | None] = {}
    pinned: dict[str, Pinned] = {}  # by code key: the clusters Form 02 records may name
    with uow:
        # Here, not at the top: user_chain and authority build on Problem, above.
        from .authority import Roles, overreach
        from .form02_audit import Pinned, check_records
        from .user_chain import check_users

        changes = uow.users.changes()
        roles = Roles(changes)

        def load(key: str) -> Definition | None:
            if key not in definitions:
                try:
                    definitions[key] = uow.definitions.get(key)
                except StorageError:
                    definitions[key] = None  # reported with the workflows
            return definitions[key]

        stored_workflows, stored_targets = uow.audit.workflows(), uow.audit.targets()
        for key, sha, text in stored_workflows:
            problem = stored_definition_problem(key, sha, text)
            if problem:
                result.problems.append(Problem(key, None, f"changed row: workflow {problem}"))
                definitions[key] = None
        result.problems += [
            Problem(key, None, f"changed row: targets {problem}")
            for key, sha, text in stored_targets
            if (problem := stored_targets_problem(key, sha, text))
        ]
        for head, entries in uow.audit.chains():
            result.clusters += 1
            result.transitions += len(entries)
            if head.workflow and head.workflow not in definitions:
                definitions[head.workflow] = uow.definitions.get(head.workflow)
            d = definitions.get(head.workflow)
            found_here = check_chain(d, head, entries, load)
            if not found_here and d is not None:
                found_here = [
                    Problem(head.code, t.seq, f"not allowed: {why}")
                    for t in entries
                    if (why := overreach(d, t, roles))
                ]
            result.problems += found_here + _check_codes(head, entries)
            if head.workflow:
                pinned[code_key(head.code)] = Pinned.of(head.workflow, entries)
            if expected is not None:
                expected.check(head.code, entries)
        result.problems += check_users(changes, uow.users.list())
        records = uow.indicators.all()
        result.indicators = len(records)
        broken = check_indicator_chain(records)
        result.problems += [Problem("indicators", p.seq, p.reason) for p in broken]
        result.problems += check_records(
            records, pinned, roles, load, {p.seq for p in broken if p.seq is not None}
        )
        if expected is not None:
            expected.check_indicators(records)
            expected.check_users(changes)
            expected.check_texts(stored_workflows, stored_targets)
        if against is not None:
            found = expected.finish() if expected else checkpoints.compare_format_1(uow, against)
            result.problems += [Problem(f.code, None, f.reason) for f in found]
    return result


@dataclass(frozen=True)
class LogEntry:
    entry: Transition
    backdated_days: int | None  # recorded this long after the day it gives, over the limit

    @property
    def milestone(self) -> tuple[str, date] | None:
        """(name, date) of a milestone entry: it takes effect at its state's start, so
        its own date is in its data."""
        from .milestones import recorded

        return recorded(self.entry)


def log(uow: UnitOfWork, f: LogFilter) -> Iterator[LogEntry]:
    """Entries across all clusters by recorded time; backdated ones carry backdated_days,
    counted as `audit verify` judges the backdating right: from a milestone's own date,
    not from its state's start (see `authority.dated_on`)."""
    from .authority import dated_on  # here: authority builds on this module's Problem

    limit = default_definition().backdate_limit_days
    with uow:
        mismatch = mismatch_rule(uow.users.list()) if f.mismatch else None
        if f.actor and (user := uow.users.get(f.actor)) is not None:
            f = replace(f, actor=user.name)  # one user however the name is typed
        for t in uow.audit.log(f):
            if mismatch is not None and not mismatch(t.actor, t.db_user):
                continue
            back = (clock.local_date(t.recorded_at) - dated_on(t)).days
            yield LogEntry(t, back if back > limit else None)
