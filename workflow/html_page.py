"""The supervisors' page: one self-contained HTML file from a `Dashboard`.

It must open from a USB stick or an email attachment with no network, so plotly.js is
inlined once and every chart is drawn from JSON embedded in the page; a Content Security
Policy forbids the page any request at all. Every text from the database goes through
`html.escape` (or, inside the embedded JSON, `<`, `>` and `&` escapes), and charts carry
only codes, dates and labels from the definition, never free text, because Plotly reads a
few HTML tags inside its labels. Plotly is imported only here, inside `render`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

from .dashboard import ClusterRow, Dashboard, DeadlineItem, TargetItem
from .labels import label, state_order
from .render import dmy
from .reports import StalledRow
from .targets import KIND_VI

# Page texts, (English, Vietnamese).
TEXT: dict[str, tuple[str, str]] = {
    "title": ("Industrial clusters: where every cluster stands",
              "Cụm công nghiệp: tình hình từng cụm"),
    "as_of": ("As of", "Tính đến ngày"),
    "clusters_n": ("clusters", "cụm"),
    "funnel": ("Funnel: clusters in each step", "Số cụm ở từng bước"),
    "stalled": ("Stalled clusters", "Cụm chậm tiến độ"),
    "no_stalled": ("No stalled clusters.", "Không có cụm chậm tiến độ."),
    "deadlines": ("Deadlines", "Thời hạn"),
    "overdue": ("Overdue", "Quá hạn"),
    "upcoming": ("Upcoming", "Sắp đến hạn"),
    "no_deadlines": ("No deadlines.", "Không có thời hạn nào."),
    "targets": ("Targets", "Mục tiêu"),
    "no_targets": ("No targets are stored.", "Chưa có mục tiêu nào."),
    "not_available": ("Not available in this database.",
                      "Chưa có dữ liệu trong cơ sở dữ liệu này."),
    "dwell": ("Time spent in each step (completed passages, days)",
              "Thời gian ở từng bước (các lần đã hoàn thành, ngày)"),
    "no_dwell": ("No step has been completed yet.", "Chưa có bước nào hoàn thành."),
    "timeline": ("Timeline of each cluster", "Diễn biến của từng cụm"),
    "table": ("All clusters", "Tất cả các cụm"),
    "filter": ("Filter", "Lọc"),
    "filter_hint": ("code, name or locality", "mã, tên hoặc địa bàn"),
    "all_states": ("All steps", "Tất cả các bước"),
    "shown": ("shown", "đang hiện"),
    "code": ("Code", "Mã"),
    "name": ("Name", "Tên"),
    "locality": ("Locality", "Địa bàn"),
    "state": ("Step", "Bước"),
    "since": ("Since", "Từ ngày"),
    "days": ("Days", "Số ngày"),
    "is_stalled": ("Stalled", "Chậm"),
    "limit": ("Limit", "Hạn"),
    "over": ("Over by", "Quá"),
    "last_actor": ("Last recorded by", "Người ghi gần nhất"),
    "milestone": ("Milestone", "Mốc"),
    "due_on": ("Due", "Hạn"),
    "days_left": ("Days left", "Còn (ngày)"),
    "responsible": ("Responsible", "Trách nhiệm"),
    "target": ("Target", "Mục tiêu"),
    "kind": ("Kind", "Loại"),
    "by": ("By", "Đến ngày"),
    "status": ("Status", "Tình trạng"),
    "probability": ("Probability", "Xác suất"),
    "deciding": ("Deciding clusters", "Cụm quyết định"),
    "yes": ("yes", "có"),
    "no": ("", ""),
    "resumes_to": ("resumes to", "sẽ trở lại"),
    "days_unit": ("days", "ngày"),
    "wd_unit": ("working days", "ngày làm việc"),
    "start": ("From", "Từ"),
    "end": ("to", "đến"),
    "met": ("met", "đã đạt"),
    "on_track": ("on track", "đúng hướng"),
    "at_risk": ("at risk", "có nguy cơ"),
    "missed": ("missed", "không đạt"),
    "unmeasurable": ("unmeasurable", "không đo được"),
    **{f"kind_{k}": (k, vi) for k, vi in KIND_VI.items()},
}  # fmt: skip

# One colour per state, in the order of the default definition; others get grey.
COLOURS = {
    "planned": "#9ecae1",
    "planning_compliant": "#4292c6",
    "establishment": "#fd8d3c",
    "investment_approval": "#d94801",
    "infrastructure": "#74c476",
    "operating": "#238b45",
    "suspended": "#969696",
    "cancelled": "#525252",
}

CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'"
)


def render(board: Dashboard, lang: str = "vi") -> str:
    """The whole page as text: plotly.js inlined once, the charts as embedded JSON."""
    from plotly.offline import get_plotlyjs  # heavy: only this command pays for it

    t = _texts(lang)
    charts = _charts(board, lang)
    body = "\n".join(
        (
            _header(board, t),
            _funnel(board, t, lang),
            _stalled(board.stalled, t, lang),
            _deadlines(board.deadlines, t, lang),
            _targets(board.targets, t),
            _chart_section("dwell", t["dwell"], "chart-dwell" in charts, t["no_dwell"]),
            _chart_section("timeline", t["timeline"], "chart-timeline" in charts, ""),
            _table(board.clusters, t, lang),
        )
    )
    data = "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in charts.items()) + "}"
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(t['title'])} · {dmy(board.as_of)}</title>\n<style>{STYLE}</style>\n"
        f"<script>{get_plotlyjs()}</script>\n</head>\n<body>\n{body}\n"
        f'<script type="application/json" id="chart-data">{_script_safe(data)}</script>\n'
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


def _texts(lang: str) -> dict[str, str]:
    i = 1 if lang == "vi" else 0
    return {k: v[i] for k, v in TEXT.items()}


def _script_safe(text: str) -> str:
    """JSON that cannot end its <script> element: these characters only occur inside
    JSON strings, where the escapes mean the same characters."""
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _header(board: Dashboard, t: dict[str, str]) -> str:
    sections = ("funnel", "stalled", "deadlines", "targets", "dwell", "timeline", "clusters")
    titles = {**t, "dwell": t["dwell"].split(" (")[0], "clusters": t["table"]}
    links = " ".join(f'<a href="#{k}">{_e(titles[k])}</a>' for k in sections)
    return (
        f"<header><h1>{_e(t['title'])}</h1>"
        f'<p id="as-of" data-as-of="{board.as_of.isoformat()}">{_e(t["as_of"])} '
        f"{dmy(board.as_of)} · {len(board.clusters)} {_e(t['clusters_n'])}</p>"
        f"<nav>{links}</nav></header>"
    )


def _section(key: str, title: str, inner: str, available: bool = True) -> str:
    return (
        f'<section id="{key}" data-available="{str(available).lower()}">'
        f"<h2>{_e(title)}</h2>{inner}</section>"
    )


def _funnel(board: Dashboard, t: dict[str, str], lang: str) -> str:
    items = "".join(
        f'<li data-funnel-state="{_e(r.state)}"><span class="label">{_e(label(r.state, lang))}'
        f'</span> <span class="count" data-count="{r.count}">{r.count}</span></li>'
        for r in board.funnel.states
    )
    return _section(
        "funnel", t["funnel"], f'<ol class="funnel">{items}</ol><div id="chart-funnel"></div>'
    )


def _table_html(head: Sequence[str], rows: Iterable[str], attrs: str = "") -> str:
    th = "".join(f"<th>{_e(h)}</th>" for h in head)
    return f"<table{attrs}><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _cells(values: Iterable[object]) -> str:
    return "".join(f"<td>{_e(v)}</td>" for v in values)


def _stalled(rows: Sequence[StalledRow], t: dict[str, str], lang: str) -> str:
    if not rows:
        return _section("stalled", t["stalled"], f'<p class="empty">{_e(t["no_stalled"])}</p>')
    head = [t[k] for k in ("code", "name", "locality", "state", "since", "days", "limit", "over",
                           "last_actor")]  # fmt: skip
    body = (
        f'<tr data-stalled-code="{_e(r.code)}">'
        + _cells(
            (
                r.code,
                r.name,
                r.locality,
                label(r.state, lang),
                dmy(r.since),
                r.days_in_state,
                _limit(r, t),
                r.overdue,
                r.last_actor,
            )
        )
        + "</tr>"
        for r in rows
    )
    return _section("stalled", t["stalled"], _table_html(head, body, ' class="stalled"'))


def _limit(r: StalledRow, t: dict[str, str]) -> str:
    return f"{r.threshold} {t['wd_unit'] if r.unit == 'working_days' else t['days_unit']}"


def _not_available(key: str, t: dict[str, str]) -> str:
    return _section(key, t[key], f'<p class="empty">{_e(t["not_available"])}</p>', False)


def _deadlines(items: Sequence[DeadlineItem] | None, t: dict[str, str], lang: str) -> str:
    if items is None:
        return _not_available("deadlines", t)
    if not items:
        return _section(
            "deadlines", t["deadlines"], f'<p class="empty">{_e(t["no_deadlines"])}</p>'
        )
    head = [t[k] for k in ("code", "name", "state", "milestone", "due_on", "days_left",
                           "responsible")]  # fmt: skip
    parts = []
    for kind, chosen in (
        ("overdue", [d for d in items if d.overdue]),
        ("upcoming", [d for d in items if not d.overdue]),
    ):
        chosen.sort(key=lambda d: (d.due_on, d.code))
        rows = (
            f'<tr data-deadline-code="{_e(d.code)}" data-deadline-kind="{kind}">'
            + _cells(
                (
                    d.code,
                    d.name,
                    label(d.state, lang),
                    d.label(lang),
                    dmy(d.due_on),
                    d.days_left,
                    d.responsible,
                )
            )
            + "</tr>"
            for d in chosen
        )
        parts.append(f"<h3>{_e(t[kind])} ({len(chosen)})</h3>" + _table_html(head, rows))
    return _section("deadlines", t["deadlines"], "".join(parts))


def _targets(items: Sequence[TargetItem] | None, t: dict[str, str]) -> str:
    if items is None:
        return _not_available("targets", t)
    if not items:
        return _section("targets", t["targets"], f'<p class="empty">{_e(t["no_targets"])}</p>')
    head = [t[k] for k in ("target", "kind", "by", "status", "probability", "deciding")]
    rows = (
        f'<tr data-target="{_e(x.name)}" data-status="{_e(x.status)}">'
        + _cells(
            (
                x.name,
                t.get(f"kind_{x.kind}", x.kind),
                dmy(x.by),
                t.get(x.status, x.status),
                "-" if x.probability is None else f"{x.probability:.0%}",
                ", ".join(x.deciding),
            )
        )
        + "</tr>"
        for x in items
    )
    return _section("targets", t["targets"], _table_html(head, rows))


def _chart_section(key: str, title: str, drawn: bool, empty: str) -> str:
    inner = f'<div id="chart-{key}"></div>' if drawn else f'<p class="empty">{_e(empty)}</p>'
    return _section(key, title, inner)


def _table(rows: Sequence[ClusterRow], t: dict[str, str], lang: str) -> str:
    present = {r.state for r in rows}
    # A step an installed definition renames stands where the step it renames stood.
    rank = {s: i for i, s in enumerate(state_order(present))}
    states = sorted(present, key=rank.__getitem__)
    options = "".join(f'<option value="{_e(s)}">{_e(label(s, lang))}</option>' for s in states)
    controls = (
        f'<p class="controls"><label>{_e(t["filter"])} <input id="cluster-filter" type="search" '
        f'placeholder="{_e(t["filter_hint"])}"></label> <select id="state-filter">'
        f'<option value="">{_e(t["all_states"])}</option>{options}</select> '
        f'<span id="cluster-count">{len(rows)}</span> {_e(t["shown"])}</p>'
    )
    columns = (("code", "text"), ("name", "text"), ("locality", "text"), ("state", "state"),
               ("since", "text"), ("days", "number"), ("is_stalled", "text"))  # fmt: skip
    th = "".join(
        f'<th data-sort-key="{k}" data-sort-type="{kind}" tabindex="0">{_e(t[k])}</th>'
        for k, kind in columns
    )
    body = "".join(
        f'<tr data-code="{_e(r.code)}" data-state="{_e(r.state)}" '
        f'data-search="{_e(" ".join(x for x in (r.code, r.name, r.locality or "") if x))}">'
        f'<td data-value="{_e(r.code)}">{_e(r.code)}</td>'
        f'<td data-value="{_e(r.name)}">{_e(r.name)}</td>'
        f'<td data-value="{_e(r.locality or "")}">{_e(r.locality)}</td>'
        f'<td data-value="{rank[r.state]}">'
        f"{_e(label(r.state, lang))}{_resumes(r, t, lang)}</td>"
        f'<td data-value="{r.since.isoformat()}">{dmy(r.since)}</td>'
        f'<td data-value="{r.days_in_state}">{r.days_in_state}</td>'
        f'<td data-value="{int(r.stalled)}">{_e(t["yes"] if r.stalled else t["no"])}</td></tr>'
        for r in rows
    )
    table = f'<table id="cluster-table"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'
    return _section("clusters", t["table"], controls + table)


def _resumes(r: ClusterRow, t: dict[str, str], lang: str) -> str:
    return f" ({_e(t['resumes_to'])} {_e(label(r.resumes_to, lang))})" if r.resumes_to else ""


# ---------------------------------------------------------------- charts


def _charts(board: Dashboard, lang: str) -> dict[str, str]:
    """Each chart's figure as Plotly JSON, by the id of the element it is drawn in."""
    import plotly.graph_objects as go

    base: dict[str, Any] = {
        # plotly.js's own defaults, not plotly.py's template: 6 KB less in every chart.
        "template": "none",
        "font": {"family": "system-ui, Arial, sans-serif", "size": 12, "color": "#333"},
        "margin": {"l": 60, "r": 20, "t": 20, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
    }
    out: dict[str, str] = {}
    states = board.funnel.states
    names = [label(r.state, lang) for r in states]
    counts = [r.count for r in states]
    out["chart-funnel"] = go.Figure(
        go.Bar(
            orientation="h",
            y=names,
            x=counts,
            text=counts,
            textposition="auto",
            marker={"color": [COLOURS.get(r.state, "#bdbdbd") for r in states]},
            hoverinfo="skip",
        ),
        layout={
            **base,
            "height": 60 + 32 * len(states),
            "margin": {**base["margin"], "l": 180},
            "yaxis": {"categoryorder": "array", "categoryarray": names[::-1]},
            "xaxis": {"rangemode": "tozero", "dtick": 1 if max(counts, default=0) <= 10 else None},
        },
    ).to_json()
    if board.dwell:
        boxes = [
            go.Box(
                y=list(d.days),
                name=label(d.state, lang),
                boxpoints="all",
                jitter=0.4,
                pointpos=0,
                marker={"color": COLOURS.get(d.state, "#bdbdbd")},
            )
            for d in board.dwell
        ]
        days = TEXT["days_unit"][lang == "vi"]
        layout = {
            **base,
            "height": 420,
            "showlegend": False,
            "yaxis": {"title": {"text": days}, "rangemode": "tozero"},
        }
        out["chart-dwell"] = go.Figure(boxes, layout=layout).to_json()
    if board.timelines:
        out["chart-timeline"] = _gantt(board, lang, base)
    return out


def _gantt(board: Dashboard, lang: str, base: dict[str, Any]) -> str:
    """Horizontal bars on a date axis, one row per cluster and one trace per state, so
    that the legend names the colours; suspensions are hatched."""
    import plotly.graph_objects as go

    day_ms = 86_400_000
    by_state: dict[str, list[tuple[str, date, date]]] = {}
    for tl in board.timelines:
        for s in tl.segments:
            by_state.setdefault(s.state, []).append((tl.code, s.start, s.end))
    order = [s for s in COLOURS if s in by_state] + sorted(set(by_state) - set(COLOURS))
    t = _texts(lang)
    traces = []
    for state in order:
        segs = by_state[state]
        name = label(state, lang)
        traces.append(
            go.Bar(
                orientation="h",
                name=name,
                y=[code for code, _, _ in segs],
                # A stay of zero days still gets a sliver, so that it can be seen.
                x=[max((b - a).days, 0.5) * day_ms for _, a, b in segs],
                base=[a.isoformat() for _, a, _ in segs],
                customdata=[[dmy(a), dmy(b), (b - a).days] for _, a, b in segs],
                hovertemplate=(
                    f"%{{y}}: {name}<br>{t['start']} %{{customdata[0]}} {t['end']} "
                    f"%{{customdata[1]}} (%{{customdata[2]}} {t['days_unit']})<extra></extra>"
                ),
                marker={
                    "color": COLOURS.get(state, "#bdbdbd"),
                    "pattern": {"shape": "/", "bgcolor": "#d9d9d9", "fgcolor": "#525252"}
                    if state == "suspended"
                    else {"shape": ""},
                },
            )
        )
    codes = [tl.code for tl in board.timelines]
    end = board.as_of + timedelta(days=1)
    layout = {
        **base,
        "barmode": "overlay",
        "height": 120 + 22 * len(codes),
        "xaxis": {
            "type": "date",
            "tickformat": "%m/%Y",
            "range": [_first(board).isoformat(), end.isoformat()],
        },
        "yaxis": {"categoryorder": "array", "categoryarray": codes[::-1], "type": "category"},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        "margin": {**base["margin"], "t": 40},
    }
    return str(go.Figure(traces, layout=layout).to_json())


def _first(board: Dashboard) -> date:
    starts = [s.start for tl in board.timelines for s in tl.segments]
    return min(starts) if starts else board.as_of


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0 auto;
max-width:1200px;padding:0 16px 48px;color:#222}
header h1{font-size:1.5em;margin:16px 0 4px}nav a{margin-right:12px}
section{margin-top:28px}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #eee;padding:4px 6px;text-align:left;vertical-align:top}
th[data-sort-key]{cursor:pointer;user-select:none;background:#f6f6f6}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
tr[data-stalled-code] td,tr[data-deadline-kind=overdue] td{background:#fff4f0}
ol.funnel{display:flex;flex-wrap:wrap;gap:8px;padding:0;list-style:none}
ol.funnel li{border:1px solid #ddd;border-radius:4px;padding:4px 8px}
ol.funnel .count{font-weight:bold}.empty{color:#666;font-style:italic}
.controls input{min-width:16em}
"""

# Sorting and filtering the table, and drawing the charts from the embedded JSON.
SCRIPT = """
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("chart-data").textContent);
  Object.keys(charts).forEach(function (id) {
    var fig = charts[id];
    Plotly.newPlot(id, fig.data, fig.layout, {displaylogo: false, responsive: true});
  });
  var lang = document.documentElement.lang;
  var table = document.getElementById("cluster-table");
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function fold(s) {
    return s.normalize("NFD").replace(/[\\u0300-\\u036f]/g, "")
      .replace(/\\u0111/g, "d").replace(/\\u0110/g, "d").toLowerCase();
  }
  function sortBy(th) {
    var col = heads.indexOf(th);
    var asc = th.getAttribute("aria-sort") !== "ascending";
    var numeric = th.dataset.sortType !== "text";
    heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.value, y = b.cells[col].dataset.value;
      var c = numeric ? Number(x) - Number(y) : x.localeCompare(y, lang);
      if (c === 0) { c = a.dataset.code.localeCompare(b.dataset.code, lang); }
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  heads.forEach(function (th) {
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) { if (e.key === "Enter") { sortBy(th); } });
  });
  var text = document.getElementById("cluster-filter");
  var state = document.getElementById("state-filter");
  var count = document.getElementById("cluster-count");
  function filter() {
    var q = fold(text.value.trim()), s = state.value, shown = 0;
    Array.prototype.forEach.call(body.rows, function (r) {
      var ok = (!q || fold(r.dataset.search).indexOf(q) >= 0) && (!s || r.dataset.state === s);
      r.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  text.addEventListener("input", filter);
  state.addEventListener("change", filter);
})();
"""
