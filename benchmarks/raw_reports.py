"""Baselines for benchmarks 3 and 4: the same reports with nothing but sqlite3 and SQL.

Prints exactly the JSON `ccn report ... --format json` prints (the benchmark
checks that the bytes are equal), using window functions over the history,
the `holidays` package for working days and the default thresholds.

    python benchmarks/raw_reports.py DB stalled [AS_OF]
    python benchmarks/raw_reports.py DB bottlenecks AS_OF
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
import statistics
import sys
from array import array
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ORDER = ["planned", "planning_compliant", "establishment", "investment_approval",
         "infrastructure", "operating", "suspended", "cancelled"]  # fmt: skip
LIMITS = {"planned": (365, "days"), "planning_compliant": (180, "days"),
          "establishment": (60, "working_days"), "investment_approval": (45, "working_days"),
          "infrastructure": (1095, "days"), "suspended": (180, "days")}  # fmt: skip

CURRENT = """
SELECT c.code, c.name, c.locality, c.state, c.since_on, t.actor, t.ref
FROM clusters c JOIN transitions t ON t.cluster_id = c.id AND t.seq = c.last_seq
"""
AS_OF = """
SELECT c.code, c.name, c.locality, t.to_state, t.effective_on, t.actor, t.ref
FROM (SELECT cluster_id, to_state, effective_on, actor, ref,
             ROW_NUMBER() OVER (PARTITION BY cluster_id ORDER BY seq DESC) AS rn
      FROM transitions WHERE effective_on <= ?) t
JOIN clusters c ON c.id = t.cluster_id WHERE t.rn = 1
"""
DWELL = """
SELECT state, CAST(julianday(left_on) - julianday(entered) AS INTEGER) AS dwell, COUNT(*)
FROM (SELECT to_state AS state, effective_on AS entered,
             LEAD(effective_on) OVER (PARTITION BY cluster_id ORDER BY seq) AS left_on
      FROM transitions WHERE effective_on <= ?)
WHERE left_on IS NOT NULL GROUP BY state, dwell
"""
REWORK = """
SELECT to_state, COUNT(*) FROM transitions
WHERE event = 'send_back' AND effective_on <= ? AND cluster_id NOT IN ({irregular})
GROUP BY to_state
"""
# Clusters with suspensions, reverts or record-keeping entries: walked in Python,
# since their step began at an entry other than their last.
IRREGULAR = ("SELECT DISTINCT cluster_id FROM transitions WHERE event IN "
             "('suspend', 'resume', 'revert', 'amend', 'migrate', 'milestone')")  # fmt: skip
DWELL = DWELL.replace(
    "WHERE effective_on <= ?)", "WHERE effective_on <= ? AND cluster_id NOT IN ({irregular}))"
)
HISTORIES = f"""
SELECT c.code, c.name, c.locality, t.event, t.from_state, t.to_state, t.effective_on, t.actor,
       t.ref
FROM transitions t JOIN clusters c ON c.id = t.cluster_id
WHERE t.cluster_id IN ({IRREGULAR}) ORDER BY t.cluster_id, t.seq
"""
DWELL = DWELL.format(irregular=IRREGULAR)
REWORK = REWORK.format(irregular=IRREGULAR)


def histories(con: sqlite3.Connection) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for row in con.execute(HISTORIES):
        found.setdefault(row[0], []).append(row)
    return found


def standing(entries: list[tuple]) -> list[tuple]:
    keep = [True] * len(entries)
    for i in range(len(entries) - 1, 0, -1):
        if keep[i] and entries[i][3] == "revert":
            keep[i - 1] = False
    return [e for e, k in zip(entries, keep, strict=True) if k and e[3] != "revert"]


def walk(entries: list[tuple], as_of: date):
    """Yield (position, left_on) per stay: position = (state, since, pauses, actor, ref)."""
    pos: Any  # (state, since, pauses, actor, ref), or None before the first entry
    nxt: Any
    pos = waiting = None
    for _, _, _, event, src, dst, on_text, actor, ref in standing(entries):
        on = date.fromisoformat(on_text)
        if on > as_of:
            break
        if pos is not None and src == dst:
            continue
        if event == "suspend" and pos is not None:
            paused = pos[2]  # every suspension of a step is one stay
            ran = [(a[1], b[0]) for a, b in itertools.pairwise(paused)] + (
                [(paused[-1][1], on)] if paused else []
            )
            nxt, waiting = ("suspended", paused[0][0] if paused else on, ran, actor, ref), pos
        elif event == "resume" and waiting is not None and waiting[0] == dst:
            began = pos[2][-1][1] if pos[2] else pos[1]
            nxt = (dst, waiting[1], [*waiting[2], (began, on)], actor, ref)
            waiting = None
        else:
            nxt, waiting = (dst, on, [], actor, ref), None
        if pos is not None:
            yield pos, nxt, on
        pos = nxt
    if pos is not None:
        yield pos, None, None


class Workdays:
    def __init__(self, first: date, last: date) -> None:
        import holidays

        years = range(first.year - 5, last.year + 6)
        national = holidays.country_holidays("VN", years=years, language="vi")
        makeup = set(national.weekend_workdays)
        self.first = date(years[0], 1, 1)
        n = (date(years[-1], 12, 31) - self.first).days + 1
        self.cum = array("i", [0]) * (n + 1)
        total = 0
        for i in range(n):
            d = self.first + timedelta(days=i)
            if d not in national and (d.weekday() < 5 or d in makeup):
                total += 1
            self.cum[i + 1] = total

    def between(self, since: date, as_of: date) -> int:
        if as_of <= since:
            return 0
        return self.cum[(as_of - self.first).days + 1] - self.cum[(since - self.first).days + 1]


def positions(con: sqlite3.Connection, as_of: date) -> list[tuple]:
    """(code, name, locality, state, since, actor, ref, pauses) of each cluster."""
    latest = con.execute("SELECT MAX(effective_on) FROM transitions").fetchone()[0]
    if latest is None or as_of >= date.fromisoformat(latest):
        plain = con.execute(CURRENT).fetchall()
    else:
        plain = con.execute(AS_OF, (as_of.isoformat(),)).fetchall()
    walked = histories(con)
    rows = [(*r, []) for r in plain if r[0] not in walked]
    for code, entries in walked.items():
        last = None
        for pos, _, _ in walk(entries, as_of):
            last = pos
        if last is not None:
            state, since, pauses, actor, ref = last
            rows.append((code, entries[0][1], entries[0][2], state, since.isoformat(), actor,
                         ref, pauses))  # fmt: skip
    return rows


def judge(rows: list[tuple], as_of: date) -> tuple[list[dict], dict[str, int]]:
    cal = Workdays(date(2015, 1, 1), as_of)
    out, stalled = [], {s: 0 for s in ORDER}
    for code, name, locality, state, since_text, actor, ref, pauses in rows:
        limit = LIMITS.get(state)
        if limit is None:
            continue
        since = date.fromisoformat(since_text)
        paused = sum((b - a).days for a, b in pauses)
        days = (as_of - since).days - paused
        wd = cal.between(since, as_of) - sum(cal.between(a, b) for a, b in pauses)
        count = days if limit[1] == "days" else wd
        if count > limit[0]:
            stalled[state] += 1
            out.append({"code": code, "name": name, "locality": locality, "state": state,
                        "since": since_text, "paused_days": paused, "days_in_state": days,
                        "working_days_in_state": wd, "threshold": limit[0], "unit": limit[1],
                        "overdue": count - limit[0], "last_actor": actor,
                        "last_ref": ref})  # fmt: skip

    def ratio(r: dict) -> float:
        count = r["days_in_state"] if r["unit"] == "days" else r["working_days_in_state"]
        return -count / r["threshold"]

    out.sort(key=lambda r: (ratio(r), r["code"]))
    return out, stalled


def median(values: list[int]) -> float | int | None:
    if not values:
        return None
    m = statistics.median(values)
    return int(m) if float(m).is_integer() else m


def print_json_list(items: list[dict]) -> None:
    if not items:
        print("[]")
        return
    parts = [json.dumps(i, ensure_ascii=False, indent=2).replace("\n", "\n  ") for i in items]
    sys.stdout.write("[\n  " + ",\n  ".join(parts) + "\n]\n")


def bottlenecks(con: sqlite3.Connection, as_of: date) -> dict:
    rows = positions(con, as_of)
    _, stalled = judge(rows, as_of)
    active: dict[str, list[int]] = {s: [] for s in ORDER}
    for _, _, _, state, since, _, _, pauses in rows:
        paused = sum((b - a).days for a, b in pauses)
        active[state].append((as_of - date.fromisoformat(since)).days - paused)
    dwell: dict[str, list[int]] = {s: [] for s in ORDER}
    for state, days, n in con.execute(DWELL, (as_of.isoformat(),)):
        dwell[state] += [days] * n
    rework = dict(con.execute(REWORK, (as_of.isoformat(),)).fetchall())
    for entries in histories(con).values():
        for pos, nxt, left in walk(entries, as_of):
            if nxt is None:
                continue
            state, since, pauses = pos[0], pos[1], pos[2]
            if state == "suspended":
                began = pauses[-1][1] if pauses else since
                dwell[state].append((left - began).days)
            elif nxt[0] != "suspended":
                dwell[state].append((left - since).days - sum((b - a).days for a, b in pauses))
        for e in standing(entries):
            if e[3] == "send_back" and date.fromisoformat(e[6]) <= as_of:
                rework[e[5]] = rework.get(e[5], 0) + 1
    states = []
    for s in ORDER:
        done = sorted(dwell[s])
        p90 = done[max(1, math.ceil(0.9 * len(done))) - 1] if done else None
        states.append({"state": s, "active": len(active[s]), "stalled": stalled[s],
                       "median_days_active": median(active[s]), "completed": len(done),
                       "median_days_completed": median(done), "p90_days_completed": p90,
                       "rework": rework.get(s, 0)})  # fmt: skip
    worst = max((e for e in states if e["stalled"]), default=None,
                key=lambda e: (e["stalled"], e["median_days_active"] or 0))  # fmt: skip
    return {"as_of": as_of.isoformat(), "bottleneck": worst["state"] if worst else None,
            "states": states}  # fmt: skip


def main() -> None:
    con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    as_of = date.fromisoformat(sys.argv[3]) if len(sys.argv) > 3 else today
    if sys.argv[2] == "stalled":
        print_json_list(judge(positions(con, as_of), as_of)[0])
    else:
        print(json.dumps(bottlenecks(con, as_of), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
