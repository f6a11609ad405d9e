"""Definitions that follow the law: install a new version, compare two, move clusters.

A changed decree becomes a new TOML file installed as a new version, never a release.
Clusters move to it one chain entry each (`migrate`), except a dossier already under
appraisal, which finishes under the rules it started with (Decree 32/2024 Art. 35.2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from states import (
    Definition,
    DefinitionError,
    MilestoneDef,
    StateDef,
    default_definition,
    parse_definition,
)

from . import clock, milestones
from .access import authorize
from .errors import InvalidInput, StorageError
from .ports import UnitOfWork
from .services import _actor
from .text import nfc
from .validate import clean_text

# A dossier counts as under appraisal from a complete dossier until the decision.
APPRAISAL = ("dossier_complete", "decision_issued")


@dataclass(frozen=True)
class Installed:
    definition: Definition
    new: bool  # False: the same text was already stored


def install(uow: UnitOfWork, path: str, *, actor: str) -> Installed:
    """Validate a TOML file and store it as a new version; the same version with other
    text is refused, the same text again changes nothing."""
    who = _actor(actor)
    d = read(path)
    with uow:
        # The roles come from the packaged definition: a file cannot grant itself a way in.
        authorize(uow, default_definition(), who, "install")
        known = {s.workflow: s.sha256 for s in uow.definitions.stored()}
        if known.get(d.key) == d.sha256:
            return Installed(d, False)
        if d.key in known:
            raise InvalidInput(
                f"workflow {d.key} is already stored with different text "
                f"(sha256 {known[d.key][:12]}); a changed definition needs a new version",
                field="file",
            )
        uow.definitions.pin(d)
        uow.commit()
    return Installed(d, True)


def read(path: str) -> Definition:
    try:
        # NFC, as every other text ccn stores: an NFD copy is the same definition.
        text = nfc(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", field="file") from None
    try:
        return parse_definition(text, source=path)
    except DefinitionError as exc:
        raise InvalidInput(str(exc), field="file") from None


def _resolve(uow: UnitOfWork, ref: str) -> Definition:
    """A stored definition by `name@version` or bare version, or a TOML file."""
    if "@" not in ref and Path(ref).is_file():
        return read(ref)
    stored = [s.workflow for s in uow.definitions.stored()]
    matches = [k for k in stored if k == ref or k.partition("@")[2] == ref]
    if len(matches) != 1:
        which = "is ambiguous" if matches else "is not stored"
        raise InvalidInput(
            f"workflow {ref} {which} (stored: {', '.join(stored) or 'none'})", field="workflow"
        )
    try:
        return uow.definitions.get(matches[0])
    except StorageError as exc:
        raise InvalidInput(str(exc), field="workflow") from None


@dataclass(frozen=True)
class Change:
    """One difference between two definitions."""

    # state, threshold, requires, move, milestone, order, limit, clock, responsible,
    # optional, role, setting
    kind: str
    name: str
    change: str  # added, removed, changed
    old: str | None
    new: str | None


def diff(uow: UnitOfWork, a: str, b: str) -> list[Change]:
    with uow:
        return compare(_resolve(uow, a), _resolve(uow, b))


def compare(a: Definition, b: Definition) -> list[Change]:
    """Added, removed and changed states, moves, milestones, limits and roles."""
    out: list[Change] = []
    out += _keyed("state", {s.name: s.label_en for s in a.states},
                  {s.name: s.label_en for s in b.states})  # fmt: skip
    out += _keyed("threshold", _thresholds(a.states), _thresholds(b.states), changes_only=True)
    out += _keyed("requires", _requires(a.states), _requires(b.states), changes_only=True)
    out += _keyed("move", _moves(a), _moves(b))
    out += _keyed("milestone", _milestones(a), _milestones(b))
    out += _keyed("order", _order(a, b), _order(b, a), changes_only=True)
    out += _keyed("limit", _limits(a), _limits(b), changes_only=True)
    for kind, get in _MILESTONE_FIELDS:
        out += _keyed(kind, _each_milestone(a, get), _each_milestone(b, get), changes_only=True)
    out += _keyed("requires", _event_requires(a), _event_requires(b), changes_only=True)
    out += _keyed("role", _roles(a), _roles(b))
    out += _keyed("setting", _settings(a), _settings(b), changes_only=True)
    return out


def _clock(m: MilestoneDef) -> str:
    return f"pauses {m.pauses}" if m.pauses else f"resumes {m.resumes}" if m.resumes else "-"


_MILESTONE_FIELDS: tuple[tuple[str, Callable[[MilestoneDef], str]], ...] = (
    ("clock", _clock),
    ("responsible", lambda m: m.responsible or "-"),
    ("optional", lambda m: "yes" if m.optional else "no"),
)


def _each_milestone(d: Definition, get: Callable[[MilestoneDef], str]) -> dict[str, str]:
    return {f"{s.name}.{m.name}": get(m) for s in d.states for m in s.milestones}


def _order(d: Definition, other: Definition) -> dict[str, str]:
    """Each state's milestones in order, those of both definitions only: an added or
    removed milestone is its own change, a reordering is this one."""
    out = {}
    for s in d.states:
        theirs = (
            {m.name for m in other.state(s.name).milestones} if other.has_state(s.name) else set()
        )
        out[s.name] = ", ".join(m.name for m in s.milestones if m.name in theirs) or "-"
    return out


def _event_requires(d: Definition) -> dict[str, str]:
    return {f"event {e.name}": ", ".join(e.requires) or "-" for e in d.events}


def _settings(d: Definition) -> dict[str, str]:
    t = d.establishment_test
    return {
        "backdate_limit_days": str(d.backdate_limit_days),
        "calendar": d.calendar or "-",
        "establishment_test": f"average {t.average}, min occupancy {t.min_occupancy_pct:g}%, "
        f"max unleased {t.max_unleased_ha:g} ha",
    }


def _keyed(
    kind: str, old: dict[str, str], new: dict[str, str], changes_only: bool = False
) -> list[Change]:
    out = []
    for k in [*old, *(k for k in new if k not in old)]:
        if k not in new:
            if not changes_only:
                out.append(Change(kind, k, "removed", old[k], None))
        elif k not in old:
            if not changes_only:
                out.append(Change(kind, k, "added", None, new[k]))
        elif old[k] != new[k]:
            out.append(Change(kind, k, "changed", old[k], new[k]))
    return out


def _thresholds(states: Sequence[StateDef]) -> dict[str, str]:
    return {s.name: str(s.threshold or "-") for s in states}


def _requires(states: Sequence[StateDef]) -> dict[str, str]:
    return {s.name: ", ".join(s.requires) or "-" for s in states}


def _moves(d: Definition) -> dict[str, str]:
    return {f"{e.name} {src}->{dst}": e.name for e in d.events for src, dst in e.moves}


def _milestones(d: Definition) -> dict[str, str]:
    return {f"{s.name}.{m.name}": m.label_en for s in d.states for m in s.milestones}


def _limits(d: Definition) -> dict[str, str]:
    out = {}
    for s in d.states:
        for m in s.milestones:
            limit = f"{m.limit} after {m.counts_from}" if m.limit else "-"
            out[f"{s.name}.{m.name}"] = limit
    return out


def _roles(d: Definition) -> dict[str, str]:
    events = {e.name for e in d.events} | {name for name, _ in d.roles}
    return {e: ", ".join(d.roles_for(e)) for e in sorted(events)}


@dataclass(frozen=True)
class Migration:
    """What `workflow migrate` does (or would do) to one cluster."""

    code: str
    state: str
    from_workflow: str
    to_workflow: str
    action: str  # migrate, keep
    why: str | None = None
    seq: int | None = None  # the migrate entry, once recorded


def migrate_all(
    uow: UnitOfWork,
    *,
    to: str,
    actor: str,
    reason: str,
    states: Sequence[str] = (),
    dry_run: bool = False,
    include_in_appraisal: bool = False,
    renames: Mapping[str, str] | None = None,
) -> list[Migration]:
    """Pin every cluster (in `states`, if given) to the stored definition `to`, each
    move one `migrate` entry; all of them or, if any is refused, none. `renames` maps a
    state the new definition no longer has to the one that replaces it."""
    renames = dict(renames or {})
    who = _actor(actor)
    note = clean_text(reason, "note")
    if not note:
        raise InvalidInput("a reason is required (--reason)", field="reason")
    out: list[Migration] = []
    with uow:
        target = _resolve(uow, to)
        if target.key not in {s.workflow for s in uow.definitions.stored()}:
            raise InvalidInput(f"workflow {target.key} is not stored: install it first", field="to")
        for s in states:
            if not target.has_state(s) and not any(
                uow.definitions.get(w.workflow).has_state(s) for w in uow.definitions.stored()
            ):
                raise InvalidInput(f"unknown state {s!r}", field="state")
        stored = [uow.definitions.get(w.workflow) for w in uow.definitions.stored()]
        for old, new in renames.items():
            if not any(d.has_state(old) for d in stored):
                raise InvalidInput(
                    f"--map {old}={new}: no stored definition has a state {old}", field="map"
                )
            if not target.has_state(new):
                raise InvalidInput(
                    f"--map {old}={new}: {target.key} has no state {new}", field="map"
                )
        login = uow.users.login()
        for cluster in uow.clusters.list(state=None, locality=None, search=None):
            if cluster.workflow == target.key or (states and cluster.state not in states):
                continue
            current = uow.definitions.get(cluster.workflow)
            authorize(uow, current, who, "migrate")
            held = None if include_in_appraisal else _in_appraisal(uow, cluster.code, current)
            if held is not None:
                why = f"dossier under appraisal since {clock.dmy(held)} (Decree 32 Art. 35.2)"
                out.append(Migration(cluster.code, cluster.state, cluster.workflow, target.key,
                                     "keep", why))  # fmt: skip
                continue
            moved, t = cluster.migrate(
                target.key, target, actor=who, login=login, note=note, now=clock.now(),
                renames=renames,
            )  # fmt: skip
            renamed = f"state renamed to {moved.state}" if moved.state != cluster.state else None
            out.append(Migration(cluster.code, cluster.state, cluster.workflow, target.key,
                                 "migrate", renamed, None if dry_run else t.seq))  # fmt: skip
            if not dry_run:
                uow.clusters.save(moved, cluster.version, t)
                uow.clusters.repin(moved)
        if not dry_run:
            uow.commit()
    return out


def _in_appraisal(uow: UnitOfWork, code: str, d: Definition) -> date | None:
    """The date of the complete dossier when the cluster's dossier is under appraisal."""
    complete, decided = APPRAISAL
    if not any(s.milestone(complete) for s in d.states):
        return None
    current = milestones.stay(uow.clusters.history(code))
    if current is None:
        return None
    mark = current.last(complete)
    if mark is None or current.last(decided) is not None:
        return None
    return mark.on


def parse_renames(items: Sequence[str]) -> dict[str, str]:
    """`OLD=NEW` pairs of `workflow migrate --map`."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise InvalidInput(f"invalid --map {item!r}: use OLD=NEW", field="map")
        out[old.strip()] = new.strip()
    return out
