"""Load and validate workflow definitions from TOML.

Every problem is caught here, at load time, so that the engine never meets a
definition it cannot run.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import Any

from .definition import (
    AVERAGES,
    ROLES,
    TARGET_KINDS,
    UNITS,
    Definition,
    EstablishmentTest,
    EventDef,
    MilestoneDef,
    StateDef,
    Threshold,
)

DEFAULT_WORKFLOW = "cluster_establishment.toml"

# Texts the packaged definition had before, under the same version, by SHA-256. The
# law did not change between them: a later revision only adds data (milestones), so a
# database that stored an earlier text keeps using it for the clusters pinned to it
# (their rules never change under them) and is not reported as altered.
EARLIER_REVISIONS = {
    # ccn up to f780e7a: the states and events of Decree 32/2024, without milestones.
    "cluster_establishment@nd32-2024": frozenset(
        {"9debd5bf3f1ebabbd3d1fb7b9596a2498ac41ed403d74d8e56bda667213dc61e"}
    ),
}


# The longest limit or threshold a definition may set: ten years. No law sets more, and
# a due date is counted day by day, so a typo of a few zeros must fail here, not later.
MAX_LIMIT = {"days": 3650, "working_days": 2600}


class DefinitionError(ValueError):
    """A workflow definition is invalid. Carries the offending state, if any."""

    def __init__(self, problem: str, state: str | None = None, source: str = "") -> None:
        self.problem = problem
        self.state = state
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"invalid workflow definition: {where}{problem}")


@lru_cache(maxsize=1)
def default_definition() -> Definition:
    # A plain path, not importlib.resources: that import alone costs ~6 ms per command.
    text = (Path(__file__).parent / DEFAULT_WORKFLOW).read_text(encoding="utf-8")
    return parse_definition(text, source=DEFAULT_WORKFLOW)


def definition_problem(key: str, sha256: str, text: str) -> str | None:
    """What is wrong with a definition as stored beside its hash, if anything."""
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != sha256:
        return "was altered in the database: its text no longer matches its SHA-256"
    packaged = default_definition()
    if key == packaged.key and sha256 != packaged.sha256 and not earlier_revision(key, sha256):
        return "differs from the packaged definition of the same version"
    return None


def earlier_revision(key: str, sha256: str) -> bool:
    """Whether `sha256` is a text the packaged definition `key` shipped with before."""
    return sha256 in EARLIER_REVISIONS.get(key, frozenset())


def load_definition(path: str | Path) -> Definition:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"cannot read {p}: {exc}") from exc
    return parse_definition(text, source=str(p))


def parse_definition(text: str, source: str = "") -> Definition:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"not valid TOML: {exc}", source=source) from exc
    try:
        definition = _build(raw, text)
        _validate(definition)
    except DefinitionError as exc:
        raise DefinitionError(exc.problem, exc.state, source) from None
    return definition


def _str(table: dict[str, Any], key: str, where: str, state: str | None = None) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(f"{where}: '{key}' must be a non-empty string", state)
    return value


def _names(value: Any, where: str, state: str | None = None) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DefinitionError(f"{where} must be a list of names", state)
    return tuple(value)


def _threshold(raw: Any, state: str, what: str = "threshold", where: str = "") -> Threshold | None:
    if raw is None:
        return None
    where = where or f"state '{state}'"
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: {what} must be a table", state)
    value, unit = raw.get("value"), raw.get("unit")
    if unit not in UNITS:
        raise DefinitionError(
            f"{where}: bad {what} unit {unit!r} (use {' or '.join(UNITS)})", state
        )
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise DefinitionError(f"{where}: {what} value must be a positive integer", state)
    if value > MAX_LIMIT[unit]:
        raise DefinitionError(
            f"{where}: {what} value {value} is too large (at most {MAX_LIMIT[unit]} "
            f"{unit.replace('_', ' ')})",
            state,
        )
    return Threshold(value, unit)


_MILESTONE_KEYS = {"name", "label_vi", "label_en", "responsible", "limit", "counts_from",
                   "pauses", "resumes", "optional"}  # fmt: skip


def _milestones(raw: Any, state: str) -> tuple[MilestoneDef, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(m, dict) for m in raw):
        raise DefinitionError(
            f"state '{state}': milestones must be [[states.milestones]] tables", state
        )
    out: list[MilestoneDef] = []
    for m in raw:
        name = _str(m, "name", f"state '{state}': a milestone", state)
        where = f"state '{state}', milestone '{name}'"
        unknown = sorted(set(m) - _MILESTONE_KEYS)
        if unknown:
            raise DefinitionError(f"{where}: unknown key '{unknown[0]}'", state)
        optional = m.get("optional", False)
        if not isinstance(optional, bool):
            raise DefinitionError(f"{where}: optional must be true or false", state)

        def text(key: str, m: dict[str, Any] = m, where: str = where) -> str | None:
            return None if m.get(key) is None else _str(m, key, where, state)

        out.append(
            MilestoneDef(
                name=name,
                label_vi=_str(m, "label_vi", where, state),
                label_en=_str(m, "label_en", where, state),
                responsible=text("responsible"),
                limit=_threshold(m.get("limit"), state, "limit", where),
                counts_from=text("counts_from"),
                pauses=text("pauses"),
                resumes=text("resumes"),
                optional=optional,
            )
        )
    return tuple(out)


def _build(raw: dict[str, Any], text: str) -> Definition:
    wf = raw.get("workflow")
    if not isinstance(wf, dict):
        raise DefinitionError("missing [workflow] table")
    states: list[StateDef] = []
    for s in raw.get("states", []):
        name = _str(s, "name", "a state")
        states.append(
            StateDef(
                name=name,
                label_vi=_str(s, "label_vi", f"state '{name}'", name),
                label_en=_str(s, "label_en", f"state '{name}'", name),
                threshold=_threshold(s.get("threshold"), name),
                requires=_names(s.get("requires"), f"state '{name}': requires", name),
                milestones=_milestones(s.get("milestones"), name),
            )
        )
    events: list[EventDef] = []
    for e in raw.get("events", []):
        name = _str(e, "name", "an event")
        moves = e.get("moves", [])
        if not isinstance(moves, list) or not all(
            isinstance(m, list) and len(m) == 2 and all(isinstance(x, str) for x in m)
            for m in moves
        ):
            raise DefinitionError(f"event '{name}': moves must be [from, to] pairs")
        events.append(
            EventDef(
                name=name,
                label_vi=_str(e, "label_vi", f"event '{name}'"),
                label_en=_str(e, "label_en", f"event '{name}'"),
                target=e.get("target", "single"),
                moves=tuple((a, b) for a, b in moves),
                roles=_names(e.get("roles"), f"event '{name}': roles"),
                requires=_names(e.get("requires"), f"event '{name}': requires"),
            )
        )
    test = _establishment_test(wf.get("establishment_test", {}))
    roles_table = wf.get("roles", {})
    if not isinstance(roles_table, dict):
        raise DefinitionError("[workflow.roles] must be a table")
    limit = wf.get("backdate_limit_days", 30)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
        raise DefinitionError("backdate_limit_days must be a non-negative integer")
    return Definition(
        name=_str(wf, "name", "[workflow]"),
        version=_str(wf, "version", "[workflow]"),
        label_vi=wf.get("label_vi", ""),
        label_en=wf.get("label_en", ""),
        initial=_str(wf, "initial", "[workflow]"),
        terminal=_names(wf.get("terminal"), "terminal"),
        main_line=_names(wf.get("main_line"), "main_line"),
        states=tuple(states),
        events=tuple(events),
        roles=tuple((k, _names(v, f"roles for '{k}'")) for k, v in roles_table.items()),
        backdate_limit_days=limit,
        calendar=wf.get("calendar"),
        establishment_test=test,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _establishment_test(raw: Any) -> EstablishmentTest:
    where = "[workflow.establishment_test]"
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where} must be a table")
    unknown = sorted(set(raw) - {"average", "min_occupancy_pct", "max_unleased_ha"})
    if unknown:
        raise DefinitionError(f"{where}: unknown key(s) {', '.join(unknown)}")
    average = raw.get("average", "simple")
    if average not in AVERAGES:
        raise DefinitionError(f"{where}: average must be one of {', '.join(AVERAGES)}")
    figures = {}
    for key, default in (("min_occupancy_pct", 50.0), ("max_unleased_ha", 100.0)):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise DefinitionError(f"{where}: {key} must be a non-negative number")
        figures[key] = float(value)
    return EstablishmentTest(average, **figures)


def _unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise DefinitionError(f"duplicate {what} name '{n}'", n if what == "state" else None)
        seen.add(n)


def _validate(d: Definition) -> None:
    if not d.states:
        raise DefinitionError("no states declared")
    _unique([s.name for s in d.states], "state")
    _unique([e.name for e in d.events], "event")
    known = set(d.state_names)

    def check_state(name: str, where: str) -> None:
        if name not in known:
            raise DefinitionError(f"{where} names unknown state '{name}'", name)

    check_state(d.initial, "initial")
    for t in d.terminal:
        check_state(t, "terminal")
    _unique(list(d.main_line), "main-line")
    for m in d.main_line:
        check_state(m, "main_line")
    for e in d.events:
        if e.target not in TARGET_KINDS:
            raise DefinitionError(
                f"event '{e.name}': bad target kind {e.target!r} (use {', '.join(TARGET_KINDS)})"
            )
        if not e.roles:
            raise DefinitionError(f"event '{e.name}' declares no roles")
        for src, dst in e.moves:
            check_state(src, f"event '{e.name}' source")
            check_state(dst, f"event '{e.name}' target")
            if src in d.terminal:
                raise DefinitionError(f"event '{e.name}' leaves terminal state '{src}'", src)
        if e.target == "single":
            sources = [src for src, _ in e.moves]
            for src in sources:
                if sources.count(src) > 1:
                    raise DefinitionError(
                        f"event '{e.name}' has several targets from '{src}' but target = 'single'",
                        src,
                    )
    for event_name, roles in d.roles + tuple((e.name, e.roles) for e in d.events):
        for role in roles:
            if role not in ROLES:
                raise DefinitionError(
                    f"roles for '{event_name}': unknown role '{role}' (use {', '.join(ROLES)})"
                )
    outgoing: dict[str, set[str]] = {s: set() for s in known}
    for e in d.events:
        for src, dst in e.moves:
            outgoing[src].add(dst)
    for s in d.state_names:
        if s not in d.terminal and not outgoing[s]:
            raise DefinitionError(f"state '{s}' is not terminal but has no way out", s)
    reached = {d.initial}
    queue = deque([d.initial])
    while queue:
        for nxt in outgoing[queue.popleft()]:
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for s in d.state_names:
        if s not in reached:
            raise DefinitionError(f"state '{s}' is unreachable from '{d.initial}'", s)
    owner: dict[str, str] = {}
    for state in d.states:
        _validate_milestones(state)
        for ms in state.milestones:
            if ms.name in owner:
                raise DefinitionError(
                    f"state '{state.name}', milestone '{ms.name}': the name is already a "
                    f"milestone of state '{owner[ms.name]}'",
                    state.name,
                )
            owner[ms.name] = state.name


def _validate_milestones(state: StateDef) -> None:
    """Each milestone's clock counts from a milestone of the same state, without a cycle,
    and whatever pauses a clock has something that resumes it."""
    s = state.name
    names = [m.name for m in state.milestones]
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise DefinitionError(f"state '{s}': duplicate milestone name '{n}'", s)
        seen.add(n)
    by_name = {m.name: m for m in state.milestones}
    for m in state.milestones:
        where = f"state '{s}', milestone '{m.name}'"
        for key in ("counts_from", "pauses", "resumes"):
            other = getattr(m, key)
            if other is not None and other not in by_name:
                raise DefinitionError(f"{where}: {key} names unknown milestone '{other}'", s)
            if other == m.name:
                raise DefinitionError(f"{where}: {key} names the milestone itself", s)
        if m.limit is not None and m.counts_from is None:
            raise DefinitionError(f"{where}: a limit needs counts_from", s)
        if m.pauses and m.resumes:
            raise DefinitionError(f"{where}: a milestone cannot both pause and resume", s)
        if m.pauses and not any(o.resumes == m.pauses for o in state.milestones):
            raise DefinitionError(f"{where}: pauses '{m.pauses}' but no milestone resumes it", s)
        if m.resumes and not any(o.pauses == m.resumes for o in state.milestones):
            raise DefinitionError(f"{where}: resumes '{m.resumes}' but no milestone pauses it", s)
        if (m.pauses or m.resumes) and by_name[m.pauses or m.resumes or ""].limit is None:
            raise DefinitionError(f"{where}: the clock it pauses or resumes has no limit", s)
        if (m.pauses or m.resumes) and not m.optional:
            # A dossier is not always returned: the pause can never be required.
            raise DefinitionError(
                f"{where}: a milestone that pauses or resumes must be optional", s
            )
    for m in state.milestones:
        chain, at = [m.name], m
        while at.counts_from is not None:
            at = by_name[at.counts_from]
            if at.name in chain:
                loop = " -> ".join([*chain[chain.index(at.name) :], at.name])
                raise DefinitionError(
                    f"state '{s}', milestone '{m.name}': counts_from forms a cycle ({loop})", s
                )
            chain.append(at.name)
    for m in state.milestones:
        if m.counts_from is not None and names.index(m.counts_from) > names.index(m.name):
            raise DefinitionError(
                f"state '{s}', milestone '{m.name}': counts_from names '{m.counts_from}', "
                "which comes later in the order, so its clock could never start",
                s,
            )
