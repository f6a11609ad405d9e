"""Will the targets be met? Each target judged on the simulated arrivals of every cluster.

Pure. The rules, which the report relies on:

- `by` is inclusive. On or after it, a target is `met` if it held on `by` and
  `missed` otherwise: no simulated arrival can fall on the forecast date itself.
- Before it: `met` if it already holds; `missed` if it cannot hold even were every
  cluster not cancelled to arrive in time; `unmeasurable` when what it needs is not
  known (a coverage target without occupancy, a deadline for an unknown cluster);
  otherwise its `probability`, the share of runs in which it holds on `by` with the
  arrivals of that run, makes it `on_track` (at least ON_TRACK) or `at_risk`.
- A cluster counts "in a state" when it is there or further along the main line of the
  definition it is pinned to; a suspended cluster counts where it will resume; a
  cancelled one never counts.
- Coverage: occupancy is not forecast. A cluster counts with its latest measured
  occupancy (as of the forecast date, or `by` once that has passed); one with none
  measured does not count. "Every locality" means every locality of a registered
  cluster; localities compare ignoring case and accents.
- Deciding clusters: those whose arrival in time goes with the target being met, by
  the covariance of the two over the runs, P(met and arrives) - P(met) P(arrives),
  which is (P(met | arrives) - P(met | not)) weighted by P(arrives) P(not): a cluster
  that arrives in time only in a rare run decides little. The top DECIDING with a
  positive covariance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from states import Definition
from states.targets import Target

from .clock import dmy
from .forecast import SUSPENDED, Simulated
from .ports import OccupancySource
from .text import fold
from .validate import code_key

ON_TRACK = 0.8
DECIDING = 3
STATUSES = ("met", "on_track", "at_risk", "missed", "unmeasurable")
# How a Vietnamese table shows a status or a kind; English tables, JSON and CSV show
# the codes. The words are the supervisors' page's (workflow/html_page.py).
STATUS_VI = {"met": "đã đạt", "on_track": "đúng hướng", "at_risk": "có nguy cơ",
             "missed": "không đạt", "unmeasurable": "không đo được"}  # fmt: skip
KIND_VI = {"count": "số lượng", "coverage": "độ phủ", "deadline": "thời hạn"}
# Why a target is judged as it is, in the table's language.
WHY = {
    "missed_on": ("not met on {by}", "không đạt vào ngày {by}"),
    "impossible": ("cannot be met even if every cluster arrives in time",
                   "không thể đạt kể cả khi mọi cụm về đích đúng hạn"),
    "occupancy_kept": ("occupancy is not forecast: each cluster counts with its latest "
                       "measured figure ({n} have none)",
                       "tỷ lệ lấp đầy không được dự báo: mỗi cụm tính theo số liệu đo gần nhất "
                       "({n} cụm chưa có)"),
    "no_cluster": ("no cluster {code} is registered", "chưa có cụm {code} được đăng ký"),
    "no_occupancy": ("occupancy is not recorded (Form 02 indicators)",
                     "chưa ghi nhận tỷ lệ lấp đầy (chỉ tiêu Mẫu 02)"),
    "none_measured": ("no cluster has a measured occupancy",
                      "chưa cụm nào có tỷ lệ lấp đầy đo được"),
}  # fmt: skip


def why(key: str, lang: str, **values: object) -> str:
    return WHY[key][1 if lang == "vi" else 0].format(**values)


@dataclass(frozen=True)
class TargetRow:
    target: str
    label: str
    kind: str
    by: date
    status: str  # one of STATUSES
    probability: float | None
    deciding: tuple[str, ...]
    reason: str | None = None


@dataclass(frozen=True)
class Member:
    """A registered cluster as the targets see it on one date."""

    code: str
    locality: str | None
    state: str
    resumes_to: str | None = None
    workflow: str | None = None  # the definition it is pinned to; None: the default


class Judge:
    """Judges targets over one portfolio and one simulation."""

    def __init__(
        self,
        definition: Definition,
        as_of: date,
        members: Sequence[Member],
        sims: Mapping[str, Simulated],
        members_on: Callable[[date], Sequence[Member]],
        occupancy: OccupancySource | None = None,
        definitions: Mapping[str, Definition] | None = None,
    ) -> None:
        """`definitions`: by key, those clusters are pinned to; a cluster is judged on
        its own definition's main line (`definition` for one not among them)."""
        self.d = definition
        self.definitions = definitions or {}
        self.as_of = as_of
        self.members = members
        self.sims = sims
        self.members_on = members_on
        self.occupancy = occupancy
        self._ranks: dict[str | None, dict[str, int]] = {}

    # ------------------------------------------------------------ where clusters are

    def rank(self, m: Member) -> dict[str, int]:
        """Positions on the main line of the definition `m` is pinned to."""
        if m.workflow not in self._ranks:
            d = self.definitions.get(m.workflow or "", self.d)
            self._ranks[m.workflow] = {s: i for i, s in enumerate(d.main_line)}
        return self._ranks[m.workflow]

    def name_on(self, m: Member, state: str) -> str:
        """What the definition `m` is pinned to calls `state`, a state a target names on
        the packaged definition: itself, or the step renaming it (`workflow migrate
        --map`), which stands where it stood on a main line as long (labels.py)."""
        d = self.definitions.get(m.workflow or "", self.d)
        line, packaged = d.main_line, self.d.main_line
        if state in line or state not in packaged or len(line) != len(packaged):
            return state
        return line[packaged.index(state)]

    def reached(self, m: Member, state: str) -> bool:
        state = self.name_on(m, state)
        where = m.resumes_to if m.state == SUSPENDED else m.state
        rank = self.rank(m)
        return where in rank and state in rank and rank[where] >= rank[state]

    def alive(self, m: Member) -> bool:
        return m.state in self.rank(m) or m.state == SUSPENDED

    def runs_arrived(self, m: Member, state: str, by: date) -> list[bool] | None:
        """Per run, whether `m` is in `state` or beyond on `by`; None: never."""
        if self.reached(m, state):
            return None  # always, handled by the caller
        sim = self.sims.get(m.code)
        days = sim.arrival(self.name_on(m, state)) if sim is not None else None
        if days is None:
            return None
        limit = (by - self.as_of).days
        return [t <= limit for t in days]

    # ------------------------------------------------------------ the verdict

    def judge(self, t: Target, lang: str = "en") -> TargetRow:
        def row(
            status: str, p: float | None, deciding: Sequence[str] = (), why: str | None = None
        ) -> TargetRow:
            return TargetRow(t.name, t.label(lang), t.kind, t.by, status, p, tuple(deciding), why)

        scope, problem = self._scope(t)
        if problem is not None:
            return row("unmeasurable", None, why=why(problem[0], lang, **problem[1]))
        if self.as_of >= t.by:
            then = self.members_on(t.by)
            held = self._holds(t, then, self._occupancy(t, t.by))
            by = dmy(t.by) if lang == "vi" else t.by.isoformat()
            return (
                row("met", 1.0) if held else row("missed", 0.0, why=why("missed_on", lang, by=by))
            )
        occupancy = self._occupancy(t, self.as_of)
        if self._holds(t, self.members, occupancy):
            return row("met", 1.0)
        best = [replace(m, state=self.name_on(m, t.state), resumes_to=None)
                if self.alive(m) else m for m in self.members]  # fmt: skip
        # Impossible only if it fails even when every cluster fills up in time: occupancy
        # is not forecast, and today's figure (or none, for a cluster not yet built) is
        # no proof of what it will be by then.
        hopeful = {code_key(m.code): 100.0 for m in self.members}
        if not self._holds(t, best, hopeful if t.kind == "coverage" else occupancy):
            return row("missed", 0.0, why=why("impossible", lang))
        runs, pending = self._runs(t, scope, occupancy)
        p = sum(runs) / len(runs)
        status = "on_track" if p >= ON_TRACK else "at_risk"
        unmeasured = sum(
            1 for m in scope if self.alive(m) and occupancy.get(code_key(m.code)) is None
        )
        kept = why("occupancy_kept", lang, n=unmeasured) if t.kind == "coverage" else None
        return row(status, p, self._deciding(runs, pending), kept)

    def _scope(self, t: Target) -> tuple[list[Member], tuple[str, dict[str, object]] | None]:
        """The clusters a target is about, or why it cannot be measured (a `WHY` key)."""
        if t.kind == "deadline":
            key = code_key(t.cluster or "")
            found = [m for m in self.members if code_key(m.code) == key]
            return found, None if found else ("no_cluster", {"code": t.cluster})
        if t.kind == "coverage":
            if self.occupancy is None:
                return [], ("no_occupancy", {})
            known = self.occupancy(min(self.as_of, t.by))
            if not any(v is not None for v in known.values()):
                return [], ("none_measured", {})
        if t.kind == "count" and t.locality:
            return [m for m in self.members if _same(m.locality, t.locality)], None
        return list(self.members), None

    def _occupancy(self, t: Target, day: date) -> Mapping[str, float | None]:
        if t.kind != "coverage" or self.occupancy is None:
            return {}
        return {code_key(k): v for k, v in self.occupancy(day).items()}

    def _counts(self, t: Target, m: Member, occupancy: Mapping[str, float | None]) -> bool:
        """Whether `m`, once arrived, counts for `t` (coverage: its occupancy)."""
        if t.kind != "coverage":
            return True
        value = occupancy.get(code_key(m.code))
        return value is not None and value > (t.occupancy_above or 0.0)

    def _holds(
        self, t: Target, members: Sequence[Member], occupancy: Mapping[str, float | None]
    ) -> bool:
        arrived = {m.code for m in members if self.reached(m, t.state)}
        return self._verdict(t, members, arrived, occupancy)

    def _verdict(
        self,
        t: Target,
        members: Sequence[Member],
        arrived: set[str],
        occupancy: Mapping[str, float | None],
    ) -> bool:
        if t.kind == "deadline":
            key = code_key(t.cluster or "")
            return any(code_key(c) == key for c in arrived)
        if t.kind == "count":
            n = sum(
                1 for m in members if m.code in arrived and (not t.locality or
                                                             _same(m.locality, t.locality))
            )  # fmt: skip
            return n >= t.at_least
        wanted = [fold(x) for x in t.localities] if t.localities else sorted(
            {fold(m.locality) for m in self.members if m.locality}
        )  # fmt: skip
        per: dict[str, int] = dict.fromkeys(wanted, 0)
        for m in members:
            if m.code in arrived and m.locality and self._counts(t, m, occupancy):
                key = fold(m.locality)
                if key in per:
                    per[key] += 1
        return bool(per) and all(n >= t.at_least for n in per.values())

    def _runs(
        self, t: Target, scope: Sequence[Member], occupancy: Mapping[str, float | None]
    ) -> tuple[list[bool], list[tuple[str, list[bool]]]]:
        """Per run, whether `t` holds; and per cluster that may yet arrive, its runs."""
        always = {m.code for m in scope if self.reached(m, t.state)}
        pending = [
            (m.code, ran) for m in scope if (ran := self.runs_arrived(m, t.state, t.by)) is not None
        ]
        runs = len(pending[0][1]) if pending else 1
        out = []
        for r in range(runs):
            arrived = always | {code for code, a in pending if a[r]}
            out.append(self._verdict(t, self.members, arrived, occupancy))
        return out, pending

    @staticmethod
    def _deciding(runs: list[bool], pending: Sequence[tuple[str, list[bool]]]) -> list[str]:
        n = len(runs)
        p_met = sum(runs) / n
        scores: list[tuple[float, str]] = []
        for code, arrived in pending:
            p_arrives = sum(arrived) / n
            together = sum(1 for m, a in zip(runs, arrived, strict=True) if m and a) / n
            influence = together - p_met * p_arrives
            if influence > 1e-12:
                scores.append((influence, code))
        scores.sort(key=lambda s: (-s[0], s[1]))
        return [code for _, code in scores[:DECIDING]]


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and fold(a) == fold(b)
