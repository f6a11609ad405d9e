"""Use cases for Form 02 indicators: record one, import a developer's file, list them.

A correction is a new version of the record holding every field: the fields given
replace those of the version before, the others are carried over (an empty text
given on the command line clears one). An import is all or nothing; a row equal to
the version already recorded is left out rather than stored again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from states import default_definition

from . import clock
from .access import authorize
from .errors import CcnError, ImportRejected, InvalidInput, UnknownCluster
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
from .periods import parse_period
from .ports import UnitOfWork
from .validate import clean_text, code_key

EVENT = "indicators"  # the roles that may record them (states/definition.py)


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
    cleaned, problems = _cleaned(values)
    if problems:
        raise InvalidInput("; ".join(problems))
    if not cleaned:
        raise InvalidInput("no indicators given, e.g. --leased-ha 12.5 (see --help)")
    text = clean_text(note, "note")
    with uow:
        cluster = _cluster(uow, code)
        authorize(uow, default_definition(), who, EVENT)
        prior = Latest.of(uow.indicators.all(p.name, cluster.code)).for_period(p)
        before = prior.get(code_key(cluster.code))
        merged = (before.values if before else {}) | cleaned
        wrong = cross_problems(merged, cluster.industrial_land_ha)
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
) -> ImportResult:
    """Record every row (code, period, fields, note), or none if any row is wrong."""
    who = _actor(actor)
    found: list[str] = []
    if not rows:
        found.append("no indicator rows in the file")
    with uow:
        authorize(uow, default_definition(), who, EVENT)
        latest = Latest.of(uow.indicators.all())
        last = uow.indicators.last()
        prepared: list[IndicatorRecord] = []
        unchanged = 0
        seen: dict[tuple[str, str], int] = {}
        for line, row in rows:
            mine: list[str] = []
            code = str(row.get("code") or "").strip()
            cluster = uow.clusters.get(code) if code else None
            if not code:
                mine.append("code is required")
            elif cluster is None:
                mine.append(f"unknown cluster {code!r}")
            period = None
            try:
                period = parse_period(str(row.get("period") or ""))
            except CcnError as exc:
                mine.append(str(exc))
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
            if mine or cluster is None or period is None:
                found += [f"line {line}: {p}" for p in mine]
                continue
            before = latest.by_key.get((code_key(cluster.code), period.name))
            # A blank cell keeps what is recorded: developers resend partial sheets.
            given = {k: v for k, v in values.items() if v is not None}
            merged = (before.values if before else {k: None for k in FIELD_NAMES}) | given
            wrong = cross_problems(merged, cluster.industrial_land_ha)
            if wrong:
                found += [f"line {line}: {p}" for p in wrong]
                continue
            if before is not None and merged == before.values:
                unchanged += 1
                continue
            r = _next(uow, cluster, period.name, merged, who, note or source, before, last)
            latest.by_key[(code_key(cluster.code), period.name)] = last = r
            prepared.append(r)
        if found:
            raise ImportRejected(found)
        if dry_run:
            return ImportResult(len(prepared), unchanged)
        uow.indicators.add(prepared)
        uow.commit()
    return ImportResult(len(prepared), unchanged)


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
