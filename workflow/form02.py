"""Use cases for Form 02 indicators: record one, import a developer's file, list them.

A correction is a new version of the record holding every field: the fields given
replace those of the version before, the others are carried over (an empty text
given on the command line clears one). An import is all or nothing; a row equal to
the version already recorded is left out rather than stored again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from states import default_definition

from . import clock
from .access import authorize
from .errors import CcnError, ImportRejected, InvalidInput, PermissionDenied, UnknownCluster
from .indicators import (
    FIELD_NAMES,
    GENESIS,
    IndicatorRecord,
    Latest,
    build,
    clean_value,
    cross_problems,
)
from .model import Cluster
from .periods import Period, parse_period, period_problem
from .portfolio import standing_on
from .ports import UnitOfWork
from .validate import clean_text, code_key

EVENT = "indicators"  # the roles that may record them (states/definition.py)


def cluster_problem(uow: UnitOfWork, cluster: Cluster, p: Period) -> str | None:
    """Why `cluster` cannot have Form 02 figures for `p`, or None: a report for `p` would
    leave them out without a word, so they are refused when recorded."""
    entries = uow.clusters.history(cluster.code)
    state, _ = standing_on(entries, p.end, frozenset())
    if state is None:
        first = min((t.effective_on for t in entries), default=None)
        since = f" (its history starts on {first:%d/%m/%Y})" if first else ""
        return (f"{cluster.code} was not in the plan by {p.end:%d/%m/%Y}, the end of "
                f"{p.name}{since}: no report for {p.name} would count these figures")  # fmt: skip
    before, _ = standing_on(entries, p.start - timedelta(days=1), frozenset())
    if before == "cancelled":
        return f"{cluster.code} was cancelled before {p.name} began on {p.start:%d/%m/%Y}"
    return None


def _actor(actor: str) -> str:
    value = clean_text(actor, "actor")
    if value is None:
        raise InvalidInput("actor is required (use --actor or CCN_ACTOR)", field="actor")
    return value


def _cleaned(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    out: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in values.items():
        try:
            out[name] = clean_value(name, value)
        except CcnError as exc:
            problems.append(str(exc))
    return out, problems


def record(
    uow: UnitOfWork,
    code: str,
    period: str,
    values: Mapping[str, Any],
    *,
    actor: str,
    note: str | None = None,
) -> IndicatorRecord:
    """Record a cluster's Form 02 figures for a period, as a new version if one exists."""
    who = _actor(actor)
    p = parse_period(period)
    late = period_problem(p, clock.today())
    if late:
        raise InvalidInput(late)
    cleaned, problems = _cleaned(values)
    if problems:
        raise InvalidInput("; ".join(problems))
    if not cleaned:
        raise InvalidInput("no indicators given, e.g. --leased-ha 12.5 (see --help)")
    text = clean_text(note, "note")
    with uow:
        cluster = _cluster(uow, code)
        # By the definition the cluster follows, as `audit verify` judges the record.
        authorize(uow, uow.definitions.get(cluster.workflow), who, EVENT)
        outside = cluster_problem(uow, cluster, p)
        if outside:
            raise InvalidInput(outside)
        prior = Latest.of(uow.indicators.all(p.name, cluster.code)).for_period(p)
        before = prior.get(code_key(cluster.code))
        merged = (before.values if before else {}) | cleaned
        wrong = cross_problems(merged, cluster.industrial_land_ha, cluster.area_ha)
        if wrong:
            raise InvalidInput(f"{cluster.code} {p.name}: " + "; ".join(wrong))
        if before is not None and merged == before.values:
            raise InvalidInput(
                f"nothing to change: {cluster.code} {p.name} version {before.version} "
                "already has these values"
            )
        r = _next(uow, cluster, p.name, merged, who, text, before)
        uow.indicators.add([r])
        uow.commit()
    return r


def _refused(uow: UnitOfWork, workflow: str, who: str) -> str | None:
    """Why `who` may not record figures of clusters following `workflow`: the file as a
    whole was allowed under the packaged definition, which a cluster may have left."""
    try:
        authorize(uow, uow.definitions.get(workflow), who, EVENT)
    except PermissionDenied as exc:
        return str(exc)
    return None


def _cluster(uow: UnitOfWork, code: str) -> Cluster:
    cluster = uow.clusters.get((code or "").strip())
    if cluster is None:
        raise UnknownCluster((code or "").strip())
    return cluster


def _next(
    uow: UnitOfWork,
    cluster: Cluster,
    period: str,
    values: Mapping[str, Any],
    who: str,
    note: str | None,
    before: IndicatorRecord | None,
    last: IndicatorRecord | None = None,
) -> IndicatorRecord:
    last = last or uow.indicators.last()
    return build(
        seq=(last.seq if last else 0) + 1, code=cluster.code, period=period,
        version=(before.version if before else 0) + 1, values=values, actor=who,
        login=uow.users.login(), recorded_at=clock.now(), note=note,
        prev_hash=last.hash if last else GENESIS,
    )  # fmt: skip


@dataclass(frozen=True)
class ImportResult:
    recorded: int
    unchanged: int


def import_rows(
    uow: UnitOfWork,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    actor: str,
    dry_run: bool = False,
    source: str | None = None,
    problems: Sequence[str] = (),
) -> ImportResult:
    """Record every row (code, period, fields, note), or none if any row is wrong;
    `problems` are those found reading the file."""
    who = _actor(actor)
    today = clock.today()
    found: list[str] = list(problems)
    if not rows and not found:
        found.append("no indicator rows in the file")
    with uow:
        authorize(uow, default_definition(), who, EVENT)
        latest = Latest.of(uow.indicators.all())
        last = uow.indicators.last()
        prepared: list[IndicatorRecord] = []
        unchanged = 0
        seen: dict[tuple[str, str], int] = {}
        refusals: dict[str, str | None] = {}  # by the definition a row's cluster follows
        for line, row in rows:
            mine: list[str] = []
            code = _cell_text(row.get("code"))
            cluster = uow.clusters.get(code) if code else None
            if not code:
                mine.append("code is required")
            elif cluster is None:
                mine.append(f"unknown cluster {code!r}")
            period = None
            try:
                period = parse_period(_cell_text(row.get("period")))
            except CcnError as exc:
                mine.append(str(exc))
            if period is not None and (late := period_problem(period, today)):
                mine.append(late)
                period = None
            if cluster is not None:
                if cluster.workflow not in refusals:  # once per definition: imports are large
                    refusals[cluster.workflow] = _refused(uow, cluster.workflow, who)
                if refusals[cluster.workflow]:
                    mine.append(f"{refusals[cluster.workflow]} for {cluster.code}")
            if cluster is not None and period is not None:
                outside = cluster_problem(uow, cluster, period)
                if outside:
                    mine.append(outside)
            values, problems = _cleaned({k: row.get(k) for k in FIELD_NAMES if k in row})
            mine += problems
            note = None
            try:
                note = clean_text(_text(row.get("note")), "note")
            except CcnError as exc:
                mine.append(str(exc))
            if cluster is not None and period is not None:
                key = (code_key(cluster.code), period.name)
                if key in seen:
                    mine.append(f"{cluster.code} {period.name} is also on line {seen[key]}")
                seen.setdefault(key, line)
            before = (
                latest.by_key.get((code_key(cluster.code), period.name))
                if cluster is not None and period is not None
                else None
            )
            # A blank cell keeps what is recorded: developers resend partial sheets.
            given = {k: v for k, v in values.items() if v is not None}
            merged = (before.values if before else {k: None for k in FIELD_NAMES}) | given
            # Checked even when another cell is wrong: every problem of the line at once.
            mine += cross_problems(
                merged,
                cluster.industrial_land_ha if cluster else None,
                cluster.area_ha if cluster else None,
            )
            if mine or cluster is None or period is None:
                found += [f"line {line}: {p}" for p in mine]
                continue
            if before is not None and merged == before.values:
                unchanged += 1
                continue
            r = _next(uow, cluster, period.name, merged, who, note or source, before, last)
            latest.by_key[(code_key(cluster.code), period.name)] = last = r
            prepared.append(r)
        if found:
            found.sort(key=_line)
            raise ImportRejected(found)
        if dry_run:
            return ImportResult(len(prepared), unchanged)
        uow.indicators.add(prepared)
        uow.commit()
    return ImportResult(len(prepared), unchanged)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as text: Excel keeps 2026 typed in a cell as the number 2026.0."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def list_records(
    uow: UnitOfWork,
    *,
    period: str | None = None,
    code: str | None = None,
    versions: bool = False,
) -> list[IndicatorRecord]:
    """The newest version of each record (every version with `versions`), by code."""
    name = parse_period(period).name if period else None
    with uow:
        if code is not None:
            code = _cluster(uow, code).code
        records = uow.indicators.all(name, code)
    if not versions:
        records = list(Latest.of(records).by_key.values())
    return sorted(records, key=lambda r: (code_key(r.code), parse_period(r.period), r.version))


def _line(problem: str) -> int:
    head = problem.split(":")[0]
    return int(head.split()[-1]) if head.startswith("line ") else 0


COLUMNS = ("code", "period", *FIELD_NAMES, "note")


def read_file(data: bytes, name: str) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """A developer's Form 02 file, CSV (UTF-8) or XLSX: (line, row) pairs and the problems
    of lines that could not be read. A bad header refuses the whole file."""
    if data[:2] == b"PK" or name.lower().endswith(".xlsx"):
        from .xlsx import read_rows

        header, cells, unread = read_rows(data, name)
        _check_header(header)
        return [(n, dict(zip(header, values, strict=True))) for n, values in cells], unread
    from .csvio import decoded, records

    problems: list[str] = []
    rows: list[tuple[int, dict[str, Any]]] = list(
        records(decoded(data, COLUMNS), _check_header, problems)
    )
    return rows, problems


def _check_header(header: list[str]) -> None:
    expected = f"expected columns: {','.join(COLUMNS)}"
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        shown = ", ".join(repr(u[:40]) for u in unknown)
        raise InvalidInput(f"line 1: unknown column(s) {shown}; {expected}")
    missing = [c for c in ("code", "period") if c not in header]
    if missing:
        raise InvalidInput(f"line 1: missing column(s) {', '.join(missing)}; {expected}")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InvalidInput(f"line 1: duplicate column(s) {', '.join(dupes)}")
