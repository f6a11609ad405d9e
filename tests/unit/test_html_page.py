"""The page as text: escaping, both languages, optional sections, self-containment."""

from __future__ import annotations

import json
import re
from datetime import date
from html import escape
from typing import Any

from workflow.dashboard import (
    ClusterRow,
    Dashboard,
    DeadlineItem,
    Dwell,
    Segment,
    TargetItem,
    Timeline,
)
from workflow.html_page import render
from workflow.reports import Funnel, FunnelRow, StalledRow

AS_OF = date(2025, 12, 31)
HOSTILE = "<script>alert('x')</script> & Co"


def board(**kw) -> Dashboard:
    name = kw.pop("name", "Cụm công nghiệp Hợp Thành 1")
    stalled = StalledRow("HT1", name, "Cao Lộc", "establishment", date(2025, 1, 6), 0, 359,
                         240, 60, "working_days", 180, "chị Lan", "TTr 1")  # fmt: skip
    base: dict[str, Any] = {
        "as_of": AS_OF,
        "funnel": Funnel(AS_OF, [FunnelRow("planned", 2), FunnelRow("establishment", 1)]),
        "stalled": [stalled],
        "dwell": [Dwell("planned", (100, 200, 300))],
        "timelines": [Timeline("HT1", (Segment("planned", date(2024, 1, 1), date(2025, 1, 6)),
                                       Segment("establishment", date(2025, 1, 6), AS_OF)))],
        "clusters": [ClusterRow("HT1", name, "Cao Lộc", "establishment", date(2025, 1, 6), 359,
                                True)],
    }  # fmt: skip
    return Dashboard(**(base | kw))


def chart_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


def test_hostile_names_are_text_everywhere() -> None:
    page = render(board(name=HOSTILE), "en")
    assert "<script>alert" not in page
    shown = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co"
    # The stalled row; the table's cell, its sort value and its filter text.
    assert page.count(shown) == 4
    assert 'data-search="HT1 &lt;script&gt;' in page
    # Only the inlined plotly.js, the chart data and the page's own script are scripts.
    assert len(re.findall(r"<script\b", page)) == 3


def test_chart_json_cannot_close_its_script_element() -> None:
    hostile = board(dwell=[Dwell("</script><b>", (1,))])
    page = render(hostile, "en")
    data = chart_data(page)
    assert data["chart-dwell"]["data"][0]["name"] == "</script><b>"
    assert "</script><b>" not in page


def test_labels_follow_the_language() -> None:
    vi, en = render(board(), "vi"), render(board(), "en")
    assert '<html lang="vi">' in vi and '<html lang="en">' in en
    assert "Cụm chậm tiến độ" in vi and "Stalled clusters" in en
    assert ">Lập hồ sơ thành lập</span>" in vi  # the definition's label_vi
    assert ">Establishment</span>" in en
    assert "Tính đến ngày 31/12/2025" in vi and "As of 31/12/2025" in en
    assert "60 ngày làm việc" in vi and "60 working days" in en


def test_absent_deadlines_and_targets_say_not_available() -> None:
    page = render(board(), "en")
    for key in ("deadlines", "targets"):
        section = re.search(rf'<section id="{key}" data-available="false">(.*?)</section>', page)
        assert section and "Not available in this database." in section.group(1)
    empty = render(board(deadlines=[], targets=[]), "en")
    assert "No deadlines." in empty and "No targets are stored." in empty
    assert 'data-available="false"' not in empty


def test_deadlines_split_into_overdue_and_upcoming() -> None:
    items = [
        DeadlineItem("HT1", "Hợp Thành 1", "establishment", "DOIT appraisal", date(2025, 12, 20),
                     -11, "Sở Công Thương"),
        DeadlineItem("BS2", "Bắc Sơn 2", "planned", "notice", date(2026, 1, 5), 5),
        DeadlineItem("DP2", "<i>DP2</i>", "planned", "notice", date(2026, 1, 2), 2),
    ]  # fmt: skip
    page = render(board(deadlines=items), "en")
    found = re.findall(r'data-deadline-code="(\w+)" data-deadline-kind="(\w+)"', page)
    assert found == [("HT1", "overdue"), ("DP2", "upcoming"), ("BS2", "upcoming")]
    assert "<h3>Overdue (1)</h3>" in page and "<h3>Upcoming (2)</h3>" in page
    assert "&lt;i&gt;DP2&lt;/i&gt;" in page


def test_targets_show_status_and_probability() -> None:
    items = [
        TargetItem("3–4 operating by 2025", "count", date(2025, 12, 31), "at_risk", 0.375,
                   ("HT1", "BS2")),
        TargetItem("HT1 operating", "deadline", date(2026, 6, 30), "unmeasurable", None),
    ]  # fmt: skip
    vi = render(board(targets=items), "vi")
    row = re.search(r'<tr data-target="3–4 operating by 2025" data-status="at_risk">(.*?)</tr>',
                    vi)  # fmt: skip
    assert row
    assert re.findall(r"<td>(.*?)</td>", row.group(1)) == [
        "3–4 operating by 2025", "số lượng", "31/12/2025", "có nguy cơ", "38%", "HT1, BS2",
    ]  # fmt: skip
    en = render(board(targets=items), "en")
    row = re.search(r'<tr data-target="HT1 operating" data-status="unmeasurable">(.*?)</tr>', en)
    assert row
    assert re.findall(r"<td>(.*?)</td>", row.group(1))[:4] == [
        "HT1 operating", "deadline", "30/06/2026", "unmeasurable",
    ]  # fmt: skip
    assert '<tr data-target="HT1 operating" data-status="unmeasurable"><td>HT1 operating' in vi


def test_page_is_self_contained() -> None:
    from plotly.offline import get_plotlyjs

    page = render(board(), "en")
    assert page.count(get_plotlyjs()) == 1  # inlined once
    ours = page.replace(get_plotlyjs(), "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours)
    assert "<link" not in ours
    assert "default-src 'none'" in page  # the browser itself refuses any request
    data = chart_data(page)
    assert set(data) == {"chart-funnel", "chart-dwell", "chart-timeline"}
    gantt = data["chart-timeline"]["data"]
    assert [(t["name"], t["y"], t["base"]) for t in gantt] == [
        ("Planned", ["HT1"], ["2024-01-01"]),
        ("Establishment", ["HT1"], ["2025-01-06"]),
    ]
    assert gantt[1]["x"] == [359 * 86_400_000]


def test_deadlines_show_the_milestone_label_in_the_page_language() -> None:
    from states import default_definition

    state = next(s for s in default_definition().states if s.milestones)
    m = state.milestones[0]
    items = [DeadlineItem("BS2", "Bắc Sơn 2", state.name, m.name, date(2026, 1, 5), 5,
                          labels=(m.label_en, m.label_vi))]  # fmt: skip
    for lang, shown in (("vi", m.label_vi), ("en", m.label_en)):
        page = render(board(deadlines=items), lang)
        row = re.search(r'<tr data-deadline-code="BS2"[^>]*>(.*?)</tr>', page)
        assert row and re.findall(r"<td>(.*?)</td>", row.group(1))[3] == escape(shown)
    # A milestone its definition does not label shows its name.
    unknown = [DeadlineItem("BS2", "Bắc Sơn 2", state.name, "mystery", date(2026, 1, 5), 5)]
    row = re.search(r'<tr data-deadline-code="BS2"[^>]*>(.*?)</tr>',
                    render(board(deadlines=unknown), "vi"))  # fmt: skip
    assert row and re.findall(r"<td>(.*?)</td>", row.group(1))[3] == "mystery"
