"""Occupancy as Decree 32 Art. 2.7 defines it, and the Art. 8.1(c) establishment test.

Occupancy = industrial land leased or committed (Form 02 `leased_ha`) ÷ the cluster's
industrial land (its fact `industrial_land_ha`, from the detailed plan), from the
newest Form 02 of the latest data period ended on or before the as-of date. A cluster
without either figure has no rate: it is listed, never counted as 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from states import EstablishmentTest, default_definition

from . import clock
from .errors import CcnError
from .indicators import IndicatorRecord, Latest
from .portfolio import Standing, established_in, portfolio, portfolio_now
from .ports import OccupancySource, PlacedCluster, UnitOfWork
from .text import fold, place_key
from .validate import code_key


@dataclass(frozen=True)
class ClusterOccupancy:
    code: str
    name: str
    locality: str | None
    state: str
    established: bool
    industrial_land_ha: float | None
    leased_ha: float | None
    occupancy_pct: float | None
    projects: int | None
    employees: int | None
    period: str | None  # the Form 02 the figures come from
    workflow: str | None = None  # the definition it is pinned to (name@version)


@dataclass(frozen=True)
class LocalityOccupancy:
    locality: str
    established: int  # established clusters in the locality
    with_data: int  # of which with industrial land and a Form 02
    simple_avg_pct: float | None
    weighted_avg_pct: float | None
    industrial_land_ha: float
    leased_ha: float
    unleased_ha: float | None  # None: no cluster with figures, not 0 ha
    may_establish: bool | None  # Art. 8.1(c); None: no figures to judge by
    reason: str
    test: EstablishmentTest  # the one applied (`judged_by`)
    reason_vi: str = ""  # the reason in Vietnamese


@dataclass(frozen=True)
class OccupancyReport:
    as_of: date
    clusters: list[ClusterOccupancy]
    localities: list[LocalityOccupancy]
    test: EstablishmentTest


def _pct(part: float, whole: float) -> float:
    return round(100 * part / whole, 2)


def cluster_row(s: Standing, r: IndicatorRecord | None) -> ClusterOccupancy:
    c = s.cluster
    return _row(c.code, c.name, c.locality, s.state, s.established, c.industrial_land_ha, r,
                c.workflow)  # fmt: skip


def _row(
    code: str, name: str, locality: str | None, state: str, established: bool,
    land: float | None, r: IndicatorRecord | None, workflow: str | None,
) -> ClusterOccupancy:  # fmt: skip
    leased = r.get("leased_ha") if r else None
    rate = _pct(leased, land) if leased is not None and land else None
    return ClusterOccupancy(
        code, name, locality, state, established, land, leased, rate,
        r.get("projects") if r else None, r.get("employees") if r else None,
        r.period if r else None, workflow,
    )  # fmt: skip


def _placed_row(
    c: PlacedCluster, r: IndicatorRecord | None, est: frozenset[str]
) -> ClusterOccupancy:
    """Today's row from the cluster row alone, as `portfolio_now` stands it."""
    held = c.suspended_from if c.state == "suspended" else c.state
    return _row(c.code, c.name, c.locality, c.state, held in est, c.industrial_land_ha, r,
                c.workflow)  # fmt: skip


def judge(
    locality: str, rows: Iterable[ClusterOccupancy], t: EstablishmentTest
) -> LocalityOccupancy:
    """Art. 8.1(c), decided on the exact figures: rounding is for display only, so
    50.0025% is above 50% and 100.004 ha unleased is more than 100 ha."""
    est = [r for r in rows if r.established]
    known = [r for r in est if r.occupancy_pct is not None]
    land = sum(r.industrial_land_ha or 0.0 for r in known)
    leased = sum(r.leased_ha or 0.0 for r in known)
    rates = [100 * (r.leased_ha or 0.0) / (r.industrial_land_ha or 1.0) for r in known]
    simple = sum(rates) / len(rates) if rates else None
    weighted = 100 * leased / land if land else None
    unleased = land - leased
    average = simple if t.average == "simple" else weighted
    missing = len(est) - len(known)
    gap = f"; {missing} established cluster(s) without figures left out" if missing else ""
    gap_vi = f"; không tính {missing} cụm đã thành lập chưa có số liệu" if missing else ""
    if not est:
        verdict, reason = True, "no established clusters in the locality"
        reason_vi = "địa bàn chưa có cụm nào đã thành lập"
    elif average is None:
        verdict, reason = None, "no occupancy figures for its established clusters"
        reason_vi = "các cụm đã thành lập chưa có số liệu lấp đầy"
    else:
        above = average > t.min_occupancy_pct
        within = unleased <= t.max_unleased_ha
        verdict = above or within
        rate, free = _shown(average, t.min_occupancy_pct), _shown(unleased, t.max_unleased_ha)
        versus_pct = f"{'>' if above else '<='} {t.min_occupancy_pct:g}%"
        versus_ha = f"{'<=' if within else '>'} {t.max_unleased_ha:g} ha"
        reason = (f"{t.average} average occupancy {rate}% {versus_pct}, unleased {free} ha "
                  f"{versus_ha}{gap}")  # fmt: skip
        kind_vi = "giản đơn" if t.average == "simple" else "gia quyền theo diện tích"
        reason_vi = (f"tỷ lệ lấp đầy bình quân {kind_vi} {rate}% {versus_pct}, diện tích "
                     f"chưa cho thuê {free} ha {versus_ha}{gap_vi}")  # fmt: skip
    pct, ha = t.min_occupancy_pct, t.max_unleased_ha
    return LocalityOccupancy(
        locality, len(est), len(known), _round(simple, pct), _round(weighted, pct),
        round(float(land), 2), round(float(leased), 2),
        _round(unleased, ha) if known else None, verdict, reason, t, reason_vi,
    )  # fmt: skip


def _round(x: float | None, limit: float) -> float | None:
    """Two decimals, or as many more as it takes not to equal the test's `limit` when
    the exact figure does not: 50.0025% beside "> 50%" must not read 50."""
    return None if x is None else float(_shown(x, limit))


def _shown(x: float, limit: float) -> str:
    """`x` to two decimals, or to as many more as it takes not to look equal to `limit`
    when it is not (50.0025 shown as 50 beside "> 50%" would read as a mistake)."""
    for digits in range(2, 10):
        shown = round(x, digits)
        if (shown == limit) == (x == limit):
            return f"{shown:.{digits}f}".rstrip("0").rstrip(".")
    return repr(x)


def occupancy_rows(
    uow: UnitOfWork, as_of: date, locality: str | None = None
) -> list[ClusterOccupancy]:
    """Per-cluster occupancy on `as_of`, inside an open unit of work: every cluster not
    cancelled that is established or has a Form 02, by code."""
    latest = Latest.of(uow.indicators.all()).as_of(as_of)
    out = []
    now = as_of >= clock.today()
    standing = portfolio_now(uow, locality) if now else portfolio(uow, as_of, locality)
    for s in standing:
        r = latest.get(code_key(s.cluster.code))
        if not s.cancelled and (s.established or r is not None):
            out.append(cluster_row(s, r))
    return out


def occupancy(
    uow: UnitOfWork, *, as_of: date | None = None, locality: str | None = None
) -> OccupancyReport:
    """Per cluster and per locality, with the Art. 8.1(c) test. A locality is one place
    however the case and spacing of its name were typed ("Xã A", "xã a"): its rows are
    grouped by `place_key`, as Form 03 selects them, and it is named as most of its
    clusters spell it."""
    day = as_of or clock.today()
    with uow:
        rows = occupancy_rows(uow, day, locality)
        groups: dict[str, list[ClusterOccupancy]] = {}
        for r in rows:
            groups.setdefault(place_key(r.locality), []).append(r)
        pinned = Pinned(uow)
        by_place = [
            judge(_name(group), group, judged_by(uow, group, pinned)) for group in groups.values()
        ]
    by_place.sort(key=lambda x: (fold(x.locality), x.locality))
    return OccupancyReport(day, rows, by_place, default_definition().establishment_test)


def _name(group: Sequence[ClusterOccupancy]) -> str:
    spellings = Counter(r.locality or "" for r in group)
    return max(spellings, key=spellings.__getitem__)  # ties: the first, in code order


class Pinned:
    """When each stored definition was installed, read once and only if needed: the
    listing counts every definition's clusters, which a single-definition locality
    (nearly every one) can do without."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._at: dict[str, datetime] | None = None

    def at(self) -> dict[str, datetime]:
        if self._at is None:
            self._at = {s.workflow: s.stored_at for s in self._uow.definitions.stored()}
        return self._at


def judged_by(
    uow: UnitOfWork, rows: Iterable[ClusterOccupancy], pinned: Pinned
) -> EstablishmentTest:
    """The Art. 8.1(c) figures a locality is judged by: those of the newest installed
    definition its clusters are pinned to (a province that installs an amendment and
    migrates its clusters is judged by the amended law), else the packaged one's."""
    keys = {r.workflow for r in rows if r.workflow is not None}
    if len(keys) > 1:
        at = pinned.at()
        ordered = sorted((k for k in keys if k in at), key=lambda k: at[k], reverse=True)
    else:
        ordered = list(keys)
    for key in ordered:
        try:
            return uow.definitions.get(key).establishment_test
        except CcnError:  # a stored text no longer loadable: the next newest
            continue
    return default_definition().establishment_test


def cluster_occupancy(
    uow: UnitOfWork, *, as_of: date | None = None, locality: str | None = None
) -> list[ClusterOccupancy]:
    """Per-cluster occupancy on `as_of` (today), in a unit of work of its own: for
    dashboards and coverage targets. `occupancy_pct` is None where a figure is missing."""
    with uow:
        return occupancy_rows(uow, as_of or clock.today(), locality)


def locality_test(
    uow: UnitOfWork, locality: str | None, as_of: date | None = None
) -> LocalityOccupancy:
    """The Art. 8.1(c) test for one locality (its `place_key`, as `occupancy` groups it)
    on `as_of` (today)."""
    day = as_of or clock.today()
    place = locality or ""
    with uow:
        if day < clock.today():
            near = occupancy_rows(uow, day, fold(place) or None)
            rows = [r for r in near if place_key(r.locality) == place_key(place)]
        else:
            # Today, from the locality's cluster rows only: `cluster show` must not
            # read (or build) every cluster of a locality that may hold thousands.
            latest = Latest.of(uow.indicators.all()).as_of(day)
            placed = uow.clusters.in_locality(place)
            held = [c.suspended_from if c.state == "suspended" else c.state for c in placed]
            est = established_in(uow, held)
            rows = [_placed_row(c, latest.get(code_key(c.code)), est) for c in placed]
        t = judged_by(uow, rows, Pinned(uow))
    return judge(place, rows, t)


def recorded_occupancy(uow: UnitOfWork) -> OccupancySource:
    """Coverage targets' occupancy: each cluster's as the latest Form 02 on or before
    the day gives it, each call in a unit of work of its own."""

    def source(day: date) -> Mapping[str, float | None]:
        return {r.code: r.occupancy_pct for r in cluster_occupancy(uow, as_of=day)}

    return cast(OccupancySource, source)
