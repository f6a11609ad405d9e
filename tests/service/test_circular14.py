"""Form 04 for a hand-computed ten-cluster portfolio, on the fake and the real stores.

Period 2026H1: data from 15/12/2025 to 14/06/2026. The figures below were worked out
by hand from the portfolio, row by row, as a DOIT officer would type them.
"""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from workflow import form02, services
from workflow.circular14 import circular14, row_data
from workflow.deadlines import record_milestone
from workflow.services import NewCluster


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-06-20 03:00:00"):  # 10:00 in Vietnam
        yield


def add(uow, code, state, since, area=None, land=None, dev=None, kind=None, locality="Cao Lộc"):
    new = NewCluster(code, f"Cụm {code}", locality=locality, area_ha=area, state=state,
                     since=date.fromisoformat(since), ref="QĐ 1/QĐ-UBND", industrial_land_ha=land,
                     developer_kind=dev, kind=kind)  # fmt: skip
    services.register(uow(), new, actor="tester")


def advance(uow, code, on):
    services.advance(uow(), code, actor="tester", on=date.fromisoformat(on), ref="QĐ 2/QĐ-UBND")


def portfolio(uow) -> None:
    # Established long ago, operating, Form 02 corrected once.
    add(uow, "C01", "investment_approval", "2024-03-01", 50, 35, "enterprise", "general")
    advance(uow, "C01", "2025-01-10")
    # Its infrastructure milestones (Form 04 rows 9-12 and 26): the rows count them.
    for name, on in (("detailed_plan_approved", "2025-02-10"),
                     ("infrastructure_project_approved", "2025-04-01"),
                     ("wastewater_plant_built", "2025-08-01")):  # fmt: skip
        record_milestone(uow(), "C01", name, on=date.fromisoformat(on), actor="tester")
    advance(uow, "C01", "2025-09-01")
    # Established inside the period (10/01/2026), craft village, tenants.
    add(uow, "C02", "establishment", "2025-06-01", 40, 28, "enterprise", "craft_village")
    advance(uow, "C02", "2026-01-10")
    # Established on the period's first day, 15/12/2025: inside. No tenants.
    add(uow, "C03", "establishment", "2025-05-01", 30, 20, "public", "specialised")
    advance(uow, "C03", "2025-12-15")
    # Established on 14/12/2025, the day before the period: outside. No Form 02.
    add(uow, "C04", "establishment", "2025-05-01", 60, 42, "enterprise", "general")
    advance(uow, "C04", "2025-12-14")
    # Established on 15/06/2026, the day after the period: not established at its end,
    # but it has a tenant, so it operates without being established.
    add(uow, "C05", "establishment", "2025-10-01", 25, 18, "none", "general")
    advance(uow, "C05", "2026-06-15")
    # Established on the period's last day, 14/06/2026: inside. No Form 02.
    add(uow, "C06", "establishment", "2026-01-05", 35, 24.5, "enterprise", "specialised")
    advance(uow, "C06", "2026-06-14")
    # In the plan only from 16/06/2026: not in the plan at the period's end.
    add(uow, "C07", "planned", "2026-06-16", 20)
    # Cancelled within the period: counts nowhere, its Form 02 included.
    add(uow, "C08", "establishment", "2025-01-01", 45, 30, "enterprise", "general")
    # Planning compliant, no area recorded.
    add(uow, "C09", "planning_compliant", "2025-02-01")
    # Registered as operating (established 01/01/2024), no Form 02: operating by state.
    add(uow, "C10", "operating", "2024-01-01", 15, 10, "enterprise", "craft_village")

    def record(code, **values):
        form02.record(uow(), code, "2026H1", values, actor="tester")

    record("C01", leased_ha=20, projects=4, fdi_projects=1, operating_projects=3,
           investment_approved_bn=300, investment_paid_bn=120, revenue_bn=80, budget_paid_bn=5,
           employees=400, wastewater_plant="built")  # fmt: skip
    record("C01", leased_ha="21.5", projects="5", operating_projects=4,
           wastewater_plant="compliant")  # the correction: version 2  # fmt: skip
    record("C02", leased_ha=10, projects=2, fdi_projects=0, operating_projects=1,
           investment_approved_bn=200, investment_paid_bn=20, revenue_bn=10, budget_paid_bn=1,
           employees=50, wastewater_plant="building")  # fmt: skip
    record("C03", leased_ha=0, projects=0, fdi_projects=0, operating_projects=0,
           investment_approved_bn=150, investment_paid_bn=0, employees=0,
           wastewater_plant="none")  # fmt: skip
    record("C05", leased_ha=5, projects=1, fdi_projects=0, operating_projects=1, revenue_bn=2,
           budget_paid_bn="0,1", employees=30)  # fmt: skip
    record("C08", leased_ha=3, projects=3, employees=99, investment_approved_bn=1000)
    services.cancel(uow(), "C08", actor="tester", reason="Rút khỏi phương án",
                    on=date.fromisoformat("2026-02-01"))  # fmt: skip


MISSING_NOTE = "3 cluster(s) without Form 02 (see missing)"
# Six clusters are established at the period's end; only C01 has milestones recorded.
MILESTONES = "from recorded milestones; 5 established cluster(s) have none"
WASTEWATER = "from the recorded milestones and Form 02 (wastewater_plant)"
EXPECTED = [
    ("I", None, ""),
    ("1", 8, ""),
    ("2", 255.0, "1 cluster(s) without an area"),
    ("II", None, ""),
    ("3", 6, ""),
    ("4", 230.0, ""),
    ("5", 3, "established 15/12/2025-14/06/2026"),
    ("6", 105.0, ""),
    ("7", 5, "established clusters whose developer_kind is enterprise"),
    ("8", 200.0, ""),
    ("9", 1, MILESTONES),
    ("10", 50.0, MILESTONES),
    ("11", 1, MILESTONES),
    ("12", 50.0, MILESTONES),
    ("13", 650.0, MISSING_NOTE),
    ("14", 140.0, MISSING_NOTE),
    ("III", None, ""),
    ("15", 4, "at least one tenant project, or in operating"),
    ("15.1", 3, ""),
    ("15.2", 1, ""),
    ("15.3", 2, ""),
    ("15.4", 0, ""),
    ("16", 130.0, ""),
    ("16.1", 105.0, ""),
    ("16.2", 25.0, ""),
    ("16.3", 55.0, ""),
    ("16.4", 0.0, ""),
    ("17", 91.0, ""),
    ("18", 36.5, MISSING_NOTE),
    ("19", 45.06, "area-weighted: leased ÷ industrial land of the 3 operating cluster(s) with "
                  "both figures"),
    ("20", 8, MISSING_NOTE),
    ("21", 1, MISSING_NOTE),
    ("22", 6, MISSING_NOTE),
    ("23", 92.0, MISSING_NOTE),
    ("24", 6.1, MISSING_NOTE),
    ("25", 480, MISSING_NOTE),
    ("26", 2, WASTEWATER),
    ("27", 1, WASTEWATER),
]  # fmt: skip


def test_form04_of_a_hand_computed_portfolio(uow) -> None:
    portfolio(uow)
    report = circular14(uow(), period="2026H1")
    assert [(r.no, r.value, r.note) for r in report.rows] == EXPECTED
    assert [type(r.value) for r in report.rows] == [type(v) for _, v, _ in EXPECTED]
    assert [(m.code, m.state) for m in report.missing] == [
        ("C04", "investment_approval"),
        ("C06", "investment_approval"),
        ("C10", "operating"),
    ]
    assert (report.period.start, report.period.end) == (date(2025, 12, 15), date(2026, 6, 14))
    row = row_data(report.rows[18])
    assert row == {
        "no": "15.1",
        "indicator_vi": "Trong đó: CCN đã thành lập",
        "indicator_en": "Of which established",
        "unit": "Cụm",
        "value": 3,
        "note": "",
    }


MISSING_VI = "3 CCN chưa có Mẫu 02 (xem danh sách thiếu Mẫu 02)"
MILESTONES_VI = "theo các mốc đã ghi nhận; 5 CCN đã thành lập chưa ghi mốc nào"
WASTEWATER_VI = "theo các mốc đã ghi nhận và Mẫu 02 (tình trạng trạm xử lý nước thải)"
EXPECTED_VI = {
    "2": "1 CCN chưa có diện tích",
    "5": "thành lập từ 15/12/2025 đến 14/06/2026",
    "7": "CCN đã thành lập có chủ đầu tư hạ tầng là doanh nghiệp",
    **dict.fromkeys(("9", "10", "11", "12"), MILESTONES_VI),
    **dict.fromkeys(("13", "14", "18", "20", "21", "22", "23", "24", "25"), MISSING_VI),
    "15": "có ít nhất một dự án thứ cấp, hoặc đang ở bước hoạt động",
    "19": "bình quân theo diện tích: đã cho thuê ÷ đất công nghiệp của 3 CCN đang hoạt động "
          "có đủ hai số liệu",
    "26": WASTEWATER_VI,
    "27": WASTEWATER_VI,
}  # fmt: skip


def test_every_note_is_also_in_vietnamese(uow) -> None:
    portfolio(uow)
    rows = circular14(uow(), period="2026H1").rows
    assert {r.no: r.note_vi for r in rows if r.note_vi} == EXPECTED_VI
    assert {r.no for r in rows if r.note} == set(EXPECTED_VI)
    year = {r.no: r.note_vi for r in circular14(uow(), period="2026").rows}
    assert year["13"] == "không có số liệu: không có Mẫu 02 của kỳ báo cáo"


def test_form03_counts_one_locality_only(uow) -> None:
    portfolio(uow)
    add(uow, "X1", "operating", "2024-01-01", 70, 50, "enterprise", "general", locality="Bắc Sơn")
    whole = {r.no: r.value for r in circular14(uow(), period="2026H1").rows}
    local = {r.no: r.value for r in circular14(uow(), period="2026H1", form="03",
                                                locality="cao loc").rows}  # fmt: skip
    assert (whole["1"], whole["15"], whole["16"]) == (9, 5, 200.0)
    assert (local["1"], local["15"], local["16"]) == (8, 4, 130.0)


def test_the_year_counts_what_the_half_year_does_not(uow) -> None:
    portfolio(uow)
    report = circular14(uow(), period="2026")
    values = {r.no: r.value for r in report.rows}
    # No Form 02 for the year yet: every Form 02 row says so, none shows 0.
    assert values["13"] is None and values["20"] is None and values["25"] is None
    notes = {r.no: r.note for r in report.rows}
    assert notes["13"] == notes["25"] == "no data: no Form 02 for the period"
    # Ends 14/12/2026: C05 (15/06) and C07 (16/06) are in by then; without Form 02 only
    # C01 and C10, in operating, operate.
    assert (values["1"], values["3"], values["5"], values["15"]) == (9, 7, 4, 2)


def test_a_period_that_does_not_exist_is_refused(uow) -> None:
    from workflow.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown period '2026H2'"):
        circular14(uow(), period="2026H2")


def test_wastewater_rows_come_from_milestones_without_form02(uow) -> None:
    add(uow, "W1", "infrastructure", "2025-03-01", 30, 20, "enterprise", "general")
    before = {r.no: (r.value, r.note) for r in circular14(uow(), period="2026H1").rows}
    # Nothing known of any plant: no data, never a 0.
    assert before["26"][0] is None and before["26"][1].startswith("no data")
    notes_vi = {r.no: r.note_vi for r in circular14(uow(), period="2026H1").rows}
    assert notes_vi["26"] == (
        "không có số liệu: chưa ghi nhận mốc trạm xử lý nước thải và không Mẫu 02 nào của kỳ "
        "nêu tình trạng trạm xử lý nước thải"
    )
    assert notes_vi["9"] == (
        "không có số liệu: chưa ghi nhận mốc đầu tư hạ tầng nào của CCN đã thành lập"
    )
    record_milestone(uow(), "W1", "wastewater_plant_built", on=date(2026, 5, 4), actor="tester")
    record_milestone(uow(), "W1", "wastewater_plant_compliant", on=date(2026, 6, 15),
                     actor="tester")  # fmt: skip
    rows = {r.no: (r.value, r.note) for r in circular14(uow(), period="2026H1").rows}
    # Built inside the period; compliant only the day after it ended.
    assert rows["26"] == (1, WASTEWATER) and rows["27"] == (0, WASTEWATER)
    assert rows["9"] == (0, "from recorded milestones; 0 established cluster(s) have none")
