"""Every view `ccn` prints, declared once: JSON/CSV keys, table headers (en, vi), cells."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from .attributes import LATER_FACTS
from .indicators import FIELD_NAMES
from .labels import label
from .render import Column, View, dmy, yes_no
from .targets import KIND_VI, STATUS_VI

C = Column


def _state(key: str) -> Any:
    return lambda row, lang: label(getattr(row, key), lang)


def _limit(r: Any, _: str) -> str:
    return f"{r.threshold}{'wd' if r.unit == 'working_days' else 'd'}"


def _fact(key: str) -> Any:
    return lambda v: getattr(v.cluster, key)


def _field(key: str) -> Any:
    return lambda r: r.get(key)


def _dash(key: str) -> Any:
    return lambda row, _: "-" if getattr(row, key) is None else getattr(row, key)


CLUSTERS = View(
    (
        C("code", ("Code", "Mã"), lambda v: v.cluster.code),
        C("name", ("Name", "Tên"), lambda v: v.cluster.name, shrink=True, middle=True),
        C("locality", ("Locality", "Địa bàn"), lambda v: v.cluster.locality, shrink=True),
        C("area_ha", get=lambda v: v.cluster.area_ha, csv=False),
        C("developer", get=lambda v: v.cluster.developer, csv=False),
        *(C(k, get=_fact(k), csv=False, optional=True) for k in LATER_FACTS),
        C("state", ("State", "Bước"), lambda v: v.cluster.state,
          lambda v, lang: label(v.cluster.state, lang), shrink=True),
        C("since", ("Since", "Từ ngày"), lambda v: v.since),
        C("paused_days", csv=False),
        C("days_in_state", ("Days", "Số ngày")),
        C("resumes_to", csv=False),
        C("allowed", csv=False),
        C("next_state", csv=False),
        C("workflow", get=lambda v: v.cluster.workflow, csv=False),
    ),
    empty="No clusters match.",
)  # fmt: skip


def _event(t: Any) -> str:
    """A milestone shows its name and date: its entry takes effect at its state's start."""
    if t.event == "milestone" and t.data:
        data = json.loads(t.data)
        return f"{data['milestone']} {dmy(date.fromisoformat(data['on']))}"
    return str(t.event)


def entry_line(t: Any) -> str:
    """One history entry in a few words: its event (a milestone's name and date) and
    the move it made, if any."""
    move = f" {t.from_state} -> {t.to_state}" if t.from_state != t.to_state else ""
    return f"{_event(t)}{move}"


HISTORY = View(
    (
        C("seq", ("#", "#")),
        C("event", ("Event", "Sự kiện"), show=lambda t, _: _event(t)),
        C("from_state"),
        C("to_state", ("To", "Sang"), show=_state("to_state")),
        C("effective_at", ("Effective", "Hiệu lực")),
        C("recorded_at"),
        C("actor", ("Actor", "Người ghi"), shrink=True),
        C("login", ("Login", "Đăng nhập"), lambda t: t.db_user, shrink=True, json=False,
          csv=False),
        C("ref", ("Ref", "Văn bản"), shrink=True),
        C("note", ("Note", "Ghi chú"), shrink=True),
        # In CSV too, as JSON text: a milestone's name and date, an edit's old and new values.
        C("data", get=lambda t: json.loads(t.data) if t.data else None),
    )
)  # fmt: skip

STALLED = View(
    (
        C("code", ("Code", "Mã")),
        C("name", ("Name", "Tên"), shrink=True, middle=True),
        C("locality"),
        C("state", ("State", "Bước"), show=_state("state"), shrink=True),
        C("since", ("Since", "Từ ngày")),
        C("paused_days"),
        C("days_in_state", ("Days", "Ngày")),
        C("working_days_in_state", ("WD", "Ngày LV")),
        C("threshold", ("Limit", "Hạn"), show=_limit),
        C("unit"),
        C("overdue", ("Over", "Quá")),
        C("last_actor"),
        C("last_ref"),
    ),
    empty="No stalled clusters.",
)  # fmt: skip

STEPS = View(
    (
        C("state", ("State", "Bước"), show=_state("state"), shrink=True),
        C("active", ("Active", "Đang")),
        C("stalled", ("Stalled", "Chậm")),
        C("median_days_active", ("Med.days", "TV ngày"), show=_dash("median_days_active")),
        C("completed", ("Done", "Xong")),
        C("median_days_completed", ("Med.done", "TV xong"),
          show=_dash("median_days_completed")),
        C("p90_days_completed", ("P90 done", "P90 xong"), show=_dash("p90_days_completed")),
        C("rework", ("Rework", "Làm lại")),
    )
)  # fmt: skip

FUNNEL = View(
    (C("state", ("State", "Bước"), show=_state("state")), C("count", ("Clusters", "Số cụm")))
)

CALENDAR = View(
    (
        C("date", ("Date", "Ngày"), lambda e: e[0]),
        C("weekday", ("Day", "Thứ"), lambda e: e[0].strftime("%a")),
        C("working", ("Kind", "Loại"), lambda e: e[2],
          lambda e, lang: ("working" if e[2] else "day off") if lang == "en"
          else ("làm việc" if e[2] else "nghỉ")),
        C("name", ("Name", "Tên"), lambda e: e[1], shrink=True),
    )
)  # fmt: skip

LOG = View(
    (
        C("recorded_at", ("Recorded", "Ghi lúc"), lambda e: e.entry.recorded_at),
        # Two dates, an event and a state beside it: a 32-character code can't always
        # fit whole, so it gives way last, cut in the middle.
        C("code", ("Code", "Mã"), lambda e: e.entry.code, last_resort=True, middle=True),
        C("seq", ("#", "#"), lambda e: e.entry.seq),
        # A milestone shows its name and its own date (the day its backdating is judged
        # by), not the start of its state, where its entry takes effect.
        C("event", ("Event", "Sự kiện"), lambda e: e.entry.event,
          lambda e, _: e.milestone[0] if e.milestone else e.entry.event, shrink=True),
        C("milestone", get=lambda e: e.milestone and e.milestone[0], optional=True),
        C("milestone_on", get=lambda e: e.milestone and e.milestone[1], optional=True),
        C("from_state", get=lambda e: e.entry.from_state),
        C("to_state", ("To", "Sang"), lambda e: e.entry.to_state,
          lambda e, lang: label(e.entry.to_state, lang), shrink=True),
        C("effective_at", ("Effective", "Hiệu lực"), lambda e: e.entry.effective_at,
          lambda e, _: e.milestone[1] if e.milestone else e.entry.effective_at),
        C("actor", ("Actor", "Người ghi"), lambda e: e.entry.actor, shrink=True),
        C("ref", get=lambda e: e.entry.ref),
        C("note", get=lambda e: e.entry.note),
        C("hash", get=lambda e: e.entry.hash),
        C("db_user", ("Login", "Đăng nhập"), lambda e: e.entry.db_user, shrink=True,
          optional=True),
        C("backdated_days", ("Back", "Lùi"), optional=True,
          show=lambda e, _: f"!{e.backdated_days}d" if e.backdated_days else ""),
    ),
    empty="No entries match.",
)  # fmt: skip

USERS = View(
    (
        C("name", ("Name", "Tên"), shrink=True),
        C("role", ("Role", "Vai trò")),
        C("enabled", ("Enabled", "Bật")),
        C("login", ("Login", "Đăng nhập"), shrink=True, json=False, csv=False),
        C("created_at", ("Created", "Tạo ngày")),
        C("created_by", ("By", "Bởi"), shrink=True),
    )
)  # fmt: skip

USER_LOG = View(
    (
        C("seq", ("#", "#"), lambda e: e[0].seq,
          lambda e, _: "-" if e[0].seq is None else e[0].seq),
        C("recorded_at", ("Recorded", "Ghi lúc"), lambda e: e[0].recorded_at),
        C("user", ("User", "Người dùng"), lambda e: e[0].user_name, shrink=True),
        C("action", ("Action", "Thao tác"), lambda e: e[0].action),
        C("role", ("Role", "Vai trò"), lambda e: e[0].role),
        C("enabled", ("Enabled", "Bật"), lambda e: e[1],
          lambda e, lang: "?" if e[1] is None else yes_no(e[1], lang)),
        C("login", ("Login", "Đăng nhập"), lambda e: e[2], shrink=True),
        C("actor", ("By", "Bởi"), lambda e: e[0].actor, shrink=True),
        C("db_user", ("By login", "ĐN người sửa"), lambda e: e[0].db_user, shrink=True),
        C("hash", get=lambda e: e[0].hash),
    )
)  # fmt: skip

EXPORT_COLUMNS = ("code", "name", "locality", "area_ha", "developer", "state", "since", "ref",
                  "resumes_to", *LATER_FACTS)  # fmt: skip
EXPORT = View(
    tuple(
        C(k, get=g)
        for k, g in zip(
            EXPORT_COLUMNS,
            (lambda v: v.cluster.code, lambda v: v.cluster.name, lambda v: v.cluster.locality,
             lambda v: v.cluster.area_ha, lambda v: v.cluster.developer,
             lambda v: v.cluster.state, lambda v: v.cluster.since_on, lambda v: v.ref,
             lambda v: v.resumes_to,
             *(_fact(k) for k in LATER_FACTS)),
            strict=True,
        )
    )
)  # fmt: skip


def bottlenecks_data(report: Any) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "bottleneck": report.bottleneck,
        "states": [STEPS.data(r) for r in report.states],
    }


def funnel_data(report: Any) -> dict[str, Any]:
    return {"as_of": report.as_of.isoformat(), "states": [FUNNEL.data(r) for r in report.states]}


def bottleneck_line(report: Any, lang: str) -> str:
    worst = label(report.bottleneck, lang) if report.bottleneck else "none"
    return f"Bottleneck on {dmy(report.as_of)}: {worst}"


def cluster_data(view: Any, test: Any = None) -> dict[str, Any]:
    """`cluster show --format json`: the cluster, its open milestones, next due date and
    its locality's Decree 32 Art. 8.1(c) test."""
    data = CLUSTERS.data(view)
    status = view.milestones
    data["milestones"] = [
        {"milestone": n, "on": on.isoformat()} for n, on in (status.recorded if status else ())
    ]
    data["open_milestones"] = list(status.open) if status else []
    data["paused"] = [
        {"milestone": n, "since": since.isoformat()}
        for n, since in (status.paused if status else ())
    ]
    nxt = status.next_due if status else None
    data["next_due"] = (
        None
        if nxt is None
        else {"milestone": nxt.milestone, "due_on": nxt.due_on.isoformat(),
              "days_left": nxt.days_left, "responsible": nxt.responsible}
    )  # fmt: skip
    if test is not None:
        data["establishment_test"] = {
            "locality": test.locality or None, "may_establish": test.may_establish,
            "reason": test.reason, "sentence": establishment_line(test),
            "established": test.established, "with_data": test.with_data,
            "simple_avg_pct": test.simple_avg_pct, "weighted_avg_pct": test.weighted_avg_pct,
            "industrial_land_ha": test.industrial_land_ha, "leased_ha": test.leased_ha,
            "unleased_ha": test.unleased_ha,
        }  # fmt: skip
    return data


def cluster_card(view: Any, lang: str, test: Any = None) -> list[str]:
    """`cluster show` as lines of `key: value`."""
    data = CLUSTERS.data(view)
    data["state"] = f"{label(data['state'], lang)} ({data['state']})"
    data["since"] = dmy(view.since)
    data["allowed"] = ", ".join(data["allowed"]) or "-"
    if view.cluster.state == "suspended":
        data["resumes_to"] = data["resumes_to"] or "(unknown: resume needs --to)"
    else:
        del data["resumes_to"]
    if test is not None:
        data["art_8_1_c"] = establishment_line(test, lang)
    status = view.milestones
    if status is not None and (status.recorded or status.open):
        data["milestones"] = ", ".join(f"{n} {dmy(on)}" for n, on in status.recorded) or "-"
        data["open"] = ", ".join(status.open) or "-"
        for name, since in status.paused:
            data["paused"] = f"{name} since {dmy(since)}"
        nxt = status.next_due
        if nxt is not None:
            left = (
                f"{nxt.days_left} days left"
                if nxt.days_left >= 0
                else (f"overdue {-nxt.days_left} days")
            )
            data["next due"] = f"{dmy(nxt.due_on)} {nxt.milestone} ({left})"
    return [f"{key + ':':<14} {'' if value is None else value}"
            if len(key) >= 14 else f"{key + ':':<15}{'' if value is None else value}"
            for key, value in data.items()]  # fmt: skip


def establishment_line(t: Any, lang: str = "en") -> str:
    """Decree 32 Art. 8.1(c) for a locality, as one sentence."""
    if lang == "vi":
        where = t.locality or "(chưa ghi địa bàn)"
        if t.may_establish is None:
            return (f"{where}: chưa xác định được có được thành lập thêm cụm công nghiệp hay "
                    f"không ({t.reason_vi})")  # fmt: skip
        may = "được" if t.may_establish else "không được"
        return f"{where} {may} thành lập thêm cụm công nghiệp ({t.reason_vi})"
    where = t.locality or "(no locality)"
    if t.may_establish is None:
        return f"{where}: cannot tell whether another cluster may be established ({t.reason})"
    may = "may" if t.may_establish else "may not"
    return f"{where} {may} establish another cluster ({t.reason})"


DEFINITION_STATES = View(
    (
        C("name", ("State", "Bước")),
        C("label", ("Label", "Nhãn"), show=lambda s, lang: s.label(lang), shrink=True),
        C("threshold", ("Threshold", "Ngưỡng"), show=lambda s, _: str(s.threshold or "-")),
        C("requires", ("Requires", "Cần có"), show=lambda s, _: ", ".join(s.requires) or "-"),
    )
)  # fmt: skip

DEFINITION_EVENTS = View(
    (
        C("name", ("Event", "Sự kiện")),
        C("roles", ("Roles", "Vai trò"), show=lambda e, _: ", ".join(e.roles)),
        C("requires", ("Requires", "Cần có"), show=lambda e, _: ", ".join(e.requires) or "-"),
        C("moves", ("From -> to", "Từ -> sang"),
          show=lambda e, _: f"{len(e.moves)} moves" if len(e.moves) > 2
          else "; ".join(f"{a}->{b}" for a, b in e.moves)),
    )
)  # fmt: skip


DEFINITION_MILESTONES = View(
    (
        C("state", ("State", "Bước"), lambda p: p[0].name, shrink=True),
        C("milestone", ("Milestone", "Mốc"), lambda p: p[1].name, shrink=True),
        C("limit", ("Limit", "Hạn"), lambda p: str(p[1].limit or "-")),
        C("counts_from", ("From", "Tính từ"), lambda p: p[1].counts_from or "-", shrink=True),
        C("clock", None, lambda p: f"pauses {p[1].pauses}" if p[1].pauses
          else f"resumes {p[1].resumes}" if p[1].resumes else "-", shrink=True),
        C("responsible", ("Responsible", "Trách nhiệm"), lambda p: p[1].responsible,
          shrink=True),
    )
)  # fmt: skip


def _milestone_data(m: Any) -> dict[str, Any]:
    return {
        "name": m.name,
        "label_vi": m.label_vi,
        "label_en": m.label_en,
        "responsible": m.responsible,
        "limit": None if m.limit is None else {"value": m.limit.value, "unit": m.limit.unit},
        "counts_from": m.counts_from,
        "pauses": m.pauses,
        "resumes": m.resumes,
        "optional": m.optional,
    }


def definition_data(d: Any) -> dict[str, Any]:
    return {
        "name": d.name,
        "version": d.version,
        "initial": d.initial,
        "terminal": list(d.terminal),
        "main_line": list(d.main_line),
        "backdate_limit_days": d.backdate_limit_days,
        "states": [
            {
                "name": s.name,
                "label_vi": s.label_vi,
                "label_en": s.label_en,
                "threshold": None
                if s.threshold is None
                else {"value": s.threshold.value, "unit": s.threshold.unit},
                "requires": list(s.requires),
                "milestones": [_milestone_data(m) for m in s.milestones],
            }
            for s in d.states
        ],
        "events": [
            {
                "name": e.name,
                "target": e.target,
                "roles": list(e.roles),
                "requires": list(e.requires),
                "moves": [list(m) for m in e.moves],
            }
            for e in d.events
        ],
        "roles": {k: list(v) for k, v in d.roles},
        "sha256": d.sha256,
    }


DEADLINES = View(
    (
        C("code", ("Code", "Mã")),
        C("name", ("Name", "Tên"), shrink=True, middle=True),
        C("locality", ("Locality", "Địa bàn"), shrink=True),
        C("state"),
        C("milestone", ("Milestone", "Mốc"), shrink=True,
          show=lambda r, lang: r.label(lang) if lang == "vi" else r.milestone),
        C("counts_from"),
        C("started_on"),
        C("due_on", ("Due", "Hạn")),
        C("paused_days"),
        C("days_left", ("Days", "Ngày")),
        C("working_days_left", ("WD", "Ngày LV")),
        C("responsible", ("Responsible", "Trách nhiệm"), shrink=True),
    ),
    empty="No open milestones with a legal time limit.",
)  # fmt: skip

DIFF = View(
    (
        C("kind", ("Kind", "Loại")),
        C("name", ("Name", "Tên"), shrink=True),
        C("change", ("Change", "Thay đổi")),
        C("old", ("Old", "Cũ"), shrink=True),
        C("new", ("New", "Mới"), shrink=True),
    ),
    empty="No differences.",
)  # fmt: skip

MIGRATIONS = View(
    (
        C("code", ("Code", "Mã")),
        # Never cut: the dry run must say exactly what would happen, so these go on over
        # further lines rather than past 80 columns. Every row goes to the same
        # definition: the line above the table names it, the table does not repeat it.
        C("state", ("State", "Bước"), show=_state("state"), wrap=True),
        C("from_workflow", ("From", "Từ"), wrap=True),
        C("to_workflow"),
        C("action", ("Action", "Thao tác")),
        C("why", ("Why", "Lý do"), wrap=True),
        C("seq"),
    ),
    empty="No clusters to move.",
)  # fmt: skip

WORKFLOWS = View(
    (
        C("workflow", ("Workflow", "Quy trình"), shrink=True),
        C("sha256", ("SHA-256", "SHA-256"), show=lambda w, _: w.sha256[:12]),
        C("stored_at", ("Stored", "Lưu ngày")),
        C("clusters", ("Clusters", "Số cụm")),
    ),
    empty="No workflow definitions are stored yet.",
)


def _vi(words: dict[str, str], key: str) -> Any:
    """A code as a Vietnamese table shows it; other languages show the code."""
    return lambda r, lang: words.get(getattr(r, key), getattr(r, key)) if lang == "vi" else (
        getattr(r, key))  # fmt: skip


def _percent(r: Any, _: str) -> str:
    return "-" if r.probability is None else f"{round(100 * r.probability)}%"


def _judged(key: str) -> Any:
    return lambda r, lang: "-" if getattr(r, key) is None else yes_no(getattr(r, key), lang)


FORECAST = View(
    (
        C("code", ("Code", "Mã")),
        C("state", ("State", "Bước"), show=_state("state"), shrink=True),
        C("p50_operating_on", ("P50 operating", "P50 hoạt động"), show=_dash("p50_operating_on")),
        C("p90_operating_on", ("P90 operating", "P90 hoạt động"), show=_dash("p90_operating_on")),
        C("low_data", ("Low data", "Ít dữ liệu"), show=_dash("low_data")),
        C("reason", optional=True),  # under the table: `forecast_notes`
    ),
    empty="No active clusters to forecast.",
)  # fmt: skip


def forecast_notes(rows: Any) -> list[str]:
    """Why a cluster cannot be forecast, a line each under the table."""
    return [f"{r.code}: cannot be forecast: {r.reason}" for r in rows if r.reason]


BACKTEST = View(
    (
        C("code", ("Code", "Mã")),
        C("state", ("State", "Bước"), show=_state("state"), shrink=True),
        C("p50_operating_on", ("P50", "P50"), show=_dash("p50_operating_on")),
        C("p90_operating_on", ("P90", "P90"), show=_dash("p90_operating_on")),
        C("low_data", ("Low data", "Ít dữ liệu"), show=_dash("low_data")),
        C("operating_on", ("Operating", "Hoạt động"), show=_dash("operating_on")),
        C("within_p50", ("In P50", "Trong P50"), show=_judged("within_p50")),
        C("within_p90", ("In P90", "Trong P90"), show=_judged("within_p90")),
        C("reason", optional=True),  # under the table: `forecast_notes`
        C("next_state"),
        C("p50_next_on"),
        C("p90_next_on"),
        C("next_on"),
        C("next_within_p50"),
        C("next_within_p90"),
    ),
    empty="No active clusters were known on that date.",
)  # fmt: skip

# The table of the next step's forecasts, under the table of operating's.
BACKTEST_NEXT = View(
    (
        C("code", ("Code", "Mã")),
        C("next_state", ("Next step", "Bước tiếp"), show=_state("next_state"), shrink=True),
        C("p50_next_on", ("P50", "P50"), show=_dash("p50_next_on")),
        C("p90_next_on", ("P90", "P90"), show=_dash("p90_next_on")),
        C("next_on", ("Arrived", "Đã đến"), show=_dash("next_on")),
        C("next_within_p50", ("In P50", "Trong P50"), show=_judged("next_within_p50")),
        C("next_within_p90", ("In P90", "Trong P90"), show=_judged("next_within_p90")),
    ),
    empty="No active clusters were known on that date.",
)  # fmt: skip

TARGETS = View(
    (
        C("target", ("Target", "Mục tiêu")),
        C("label", csv=False),
        C("kind", ("Kind", "Loại"), show=_vi(KIND_VI, "kind")),
        C("by", ("By", "Hạn")),
        C("status", ("Status", "Tình trạng"), show=_vi(STATUS_VI, "status")),
        C("probability", ("Prob.", "Xác suất"), show=_percent),
        C("deciding", ("Deciding", "Quyết định"), show=lambda r, _: ", ".join(r.deciding) or "-",
          get=lambda r: list(r.deciding)),
        C("reason"),  # under the table: `target_notes`
    ),
    empty="No targets.",
)  # fmt: skip


def target_notes(rows: Any) -> list[str]:
    """Why a target is missed or unmeasurable, a line each under the table."""
    return [f"{r.target}: {r.reason}" for r in rows if r.reason]


STORED_TARGETS = View(
    (
        C("targets", ("Targets", "Bộ mục tiêu"), shrink=True),
        C("sha256", ("SHA-256", "SHA-256"), show=lambda t, _: t.sha256[:12]),
        C("stored_at", ("Stored", "Lưu ngày")),
        C("installed_by", ("By", "Bởi"), shrink=True),
        C("count", ("Count", "Số mục tiêu")),
        C("current", ("Current", "Hiện hành")),
    ),
    empty="No targets are installed yet.",
)


def backtest_data(b: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"backtest_on": b.at.isoformat(), "judged_on": b.judged_on.isoformat(),
                           "history": _history(b), "clusters": len(b.rows)}  # fmt: skip
    for q in ("p50", "p90", "next_p50", "next_p90"):
        out |= {f"judged_{q}": b.judged(q), f"within_{q}": b.within(q), f"share_{q}": b.share(q)}
    out["rows"] = [BACKTEST.data(r) for r in b.rows]
    return out


def backtest_lines(b: Any) -> list[str]:
    def part(q: str) -> str:
        share = b.share(q)
        shown = "-" if share is None else f"{round(100 * share)}%"
        name = q.removeprefix("next_").upper()
        return f"within {name} {b.within(q)} of {b.judged(q)} judged ({shown})"

    known = (
        "entries recorded by then"
        if b.as_recorded
        else "entries effective by then, whenever recorded"
    )
    return [f"Backtest from {dmy(b.at)} ({known}), judged on {dmy(b.judged_on)}: "
            f"{len(b.rows)} clusters; {part('p50')}; {part('p90')}.",
            f"Next step: {part('next_p50')}; {part('next_p90')}."]  # fmt: skip


def _history(b: Any) -> str:
    """Which history a backtest forecast from: `effective` (by default) or `recorded`."""
    return "recorded" if b.as_recorded else "effective"


def _n(key: str) -> Any:
    """A table cell for a figure: "-" for no data, never a 0 it cannot know."""
    return lambda row, _: "-" if getattr(row, key) is None else f"{getattr(row, key):g}"


INDICATORS = View(
    (
        C("code", ("Code", "Mã")),
        C("period", ("Period", "Kỳ")),
        C("version", ("V", "PB")),
        *(C(k, get=_field(k)) for k in FIELD_NAMES),
        C("leased", ("Leased ha", "Đã thuê ha"), lambda r: r.get("leased_ha"), json=False,
          csv=False, show=lambda r, _: "-" if r.get("leased_ha") is None
          else f"{r.get('leased_ha'):g}"),
        C("projects_shown", ("Projects", "Dự án"), lambda r: r.get("projects"), json=False,
          csv=False, show=lambda r, _: "-" if r.get("projects") is None else r.get("projects")),
        C("recorded_at", ("Recorded", "Ghi lúc")),
        C("actor", ("Actor", "Người ghi"), shrink=True),
        C("note", get=lambda r: r.note),
        C("hash", get=lambda r: r.hash),
    ),
    empty="No Form 02 records match.",
)  # fmt: skip

OCCUPANCY = View(
    (
        C("code", ("Code", "Mã")),
        C("name", ("Name", "Tên"), shrink=True, middle=True),
        C("locality", ("Locality", "Địa bàn"), shrink=True),
        C("state"),
        C("established"),
        C("industrial_land_ha", ("Ind. ha", "Đất CN"), show=_n("industrial_land_ha")),
        C("leased_ha", ("Leased", "Đã thuê"), show=_n("leased_ha")),
        C("occupancy_pct", ("Occ. %", "Lấp đầy %"), show=_n("occupancy_pct")),
        C("projects", ("Proj.", "Dự án"), show=_n("projects")),
        C("employees", ("Empl.", "Lao động"), show=_n("employees")),
        C("period"),
    ),
    empty="No established clusters and no Form 02 figures.",
)  # fmt: skip

LOCALITY_OCCUPANCY = View(
    (
        C("locality", ("Locality", "Địa bàn"), shrink=True),
        C("established", ("Est.", "Đã TL")),
        C("with_data", ("Data", "Có SL")),
        C("simple_avg_pct", ("Avg %", "TB %"), show=_n("simple_avg_pct")),
        C("weighted_avg_pct", ("Wtd %", "TB gia quyền %"), show=_n("weighted_avg_pct")),
        C("industrial_land_ha"),
        C("leased_ha"),
        C("unleased_ha", ("Unleased", "Chưa thuê"), show=_n("unleased_ha")),
        C("may_establish", ("8.1(c)", "8.1(c)"),
          show=lambda r, lang: "?" if r.may_establish is None else yes_no(r.may_establish, lang)),
        C("reason"),
    ),
)  # fmt: skip


def occupancy_data(report: Any) -> dict[str, Any]:
    """The report as JSON; each locality with the test it was judged by (its clusters'
    definition), the top-level test being the packaged definition's."""
    return {
        "as_of": report.as_of.isoformat(),
        "establishment_test": _test_data(report.test),
        "clusters": [OCCUPANCY.data(r) for r in report.clusters],
        "localities": [{**LOCALITY_OCCUPANCY.data(r), "establishment_test": _test_data(r.test)}
                       for r in report.localities],
    }  # fmt: skip


def _test_data(t: Any) -> dict[str, Any]:
    return {"average": t.average, "min_occupancy_pct": t.min_occupancy_pct,
            "max_unleased_ha": t.max_unleased_ha}  # fmt: skip


FORM = View(
    (
        C("no", ("No.", "TT")),
        C("indicator_vi", ("Indicator", "Chỉ tiêu"), show=lambda r, lang: r.indicator_vi
          if lang == "vi" else r.indicator_en, shrink=True),
        C("indicator_en"),
        C("unit", ("Unit", "ĐVT")),
        C("value", ("Value", "Kết quả"), show=lambda r, _: "" if r.section else "-"
          if r.value is None else f"{r.value:,}" if isinstance(r.value, int)
          else f"{r.value:,.2f}"),
        C("note", ("Note", "Ghi chú"), show=lambda r, lang: r.note_vi if lang == "vi"
          else r.note, shrink=True),
    )
)  # fmt: skip

MISSING = View(
    (
        C("code", ("Code", "Mã")),
        C("name", ("Name", "Tên"), shrink=True, middle=True),
        C("locality", ("Locality", "Địa bàn"), shrink=True),
        C("developer", ("Developer", "Chủ đầu tư"), shrink=True),
        C("state", ("State", "Bước"), show=_state("state")),
    ),
    empty="Every cluster expected to file has a Form 02 for the period.",
)  # fmt: skip
