"""The Lạng Sơn seed portfolio (DOMAIN.md), with illustrative histories 2021–2025.

15 clusters qualify under planning: 3 ready to build, 8 in establishment
procedures and 4 in the plan but not yet compliant. Decision numbers are
made up for the demo; the shape of each history follows the real procedure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from states.targets import example_path

from . import form02, services
from .ports import UnitOfWork
from .services import NewCluster

DEMO_AS_OF = date(2025, 12, 31)
DEMO_PAGE = "dashboard.html"  # `ccn demo` writes the page beside demo.db
PLAN = ("2021-03-15", "QĐ 377/QĐ-UBND")  # cluster development plan approval

# code, name, locality, area_ha, developer
CLUSTERS: list[tuple[str, str, str, float, str | None]] = [
    (
        "DP2",
        "Cụm công nghiệp địa phương số 2",
        "Cao Lộc",
        50.0,
        "Công ty CP Đầu tư Hạ tầng Cao Lộc",
    ),
    ("HT1", "Cụm công nghiệp Hợp Thành 1", "Cao Lộc", 60.5, "Công ty TNHH Hợp Thành"),
    ("BS2", "Cụm công nghiệp Bắc Sơn 2", "Bắc Sơn", 45.0, "Công ty CP Phát triển Bắc Sơn"),
    ("HT2", "Cụm công nghiệp Hợp Thành 2", "Cao Lộc", 55.0, None),
    ("DB1", "Cụm công nghiệp Đồng Bành", "Chi Lăng", 70.0, None),
    ("QL1", "Cụm công nghiệp Quang Lang", "Chi Lăng", 48.0, None),
    ("HL1", "Cụm công nghiệp Hữu Lũng 1", "Hữu Lũng", 75.0, None),
    ("ND1", "Cụm công nghiệp Na Dương", "Lộc Bình", 40.0, None),
    ("VQ1", "Cụm công nghiệp Văn Quan", "Văn Quan", 30.0, None),
    ("TD1", "Cụm công nghiệp Tràng Định", "Tràng Định", 35.0, None),
    ("HD1", "Cụm công nghiệp Hoàng Đồng", "TP Lạng Sơn", 42.0, None),
    ("BG1", "Cụm công nghiệp Bình Gia", "Bình Gia", 25.0, None),
    ("DL1", "Cụm công nghiệp Đình Lập", "Đình Lập", 30.0, None),
    ("VL1", "Cụm công nghiệp Văn Lãng", "Văn Lãng", 36.0, None),
    ("TT1", "Cụm công nghiệp Tân Thành", "Hữu Lũng", 50.0, None),
]

# Steps after registration in `planned`: (event, date, ref, note, to)
Step = tuple[str, str, str | None, str | None, str | None]
_READY_DP2: list[Step] = [
    ("advance", "2021-09-10", "QĐ 1602/QĐ-UBND", "Phù hợp quy hoạch sử dụng đất", None),
    ("advance", "2022-01-10", "TTr 05/TTr-UBND", "Hồ sơ thành lập nộp Sở Công Thương", None),
    ("advance", "2022-06-20", "QĐ 1102/QĐ-UBND", "Quyết định thành lập CCN", None),
    ("advance", "2022-11-15", "QĐ 2150/QĐ-UBND", "Chấp thuận chủ trương đầu tư hạ tầng", None),
]
_READY_HT1: list[Step] = [
    ("advance", "2021-11-01", "QĐ 1890/QĐ-UBND", None, None),
    ("advance", "2022-03-01", "TTr 12/TTr-UBND", None, None),
    ("send_back", "2022-05-10", None, "Hồ sơ trả lại để bổ sung", "planning_compliant"),
    ("advance", "2022-08-15", "TTr 31/TTr-UBND", "Nộp lại hồ sơ đã bổ sung", None),
    ("advance", "2023-06-05", "QĐ 1689/QĐ-UBND", "Quyết định thành lập CCN Hợp Thành 1", None),
    ("advance", "2024-03-20", "QĐ 512/QĐ-UBND", "Chấp thuận chủ trương đầu tư", None),
]
_READY_BS2: list[Step] = [
    ("advance", "2021-10-05", "QĐ 1750/QĐ-UBND", None, None),
    ("advance", "2022-09-12", "TTr 44/TTr-UBND", None, None),
    ("advance", "2023-09-12", "QĐ 1720/QĐ-UBND", "Quyết định thành lập CCN Bắc Sơn 2", None),
    ("suspend", "2024-01-15", None, "Chờ bố trí vốn của nhà đầu tư", None),
    ("resume", "2024-04-10", None, "Nhà đầu tư xác nhận nguồn vốn", None),
    ("advance", "2024-08-01", "QĐ 1333/QĐ-UBND", "Chấp thuận chủ trương đầu tư", None),
]
# Dates the eight clusters in procedure entered establishment; early ones stall.
_IN_PROCEDURE = ["2024-11-18", "2025-03-03", "2025-06-16", "2025-08-11", "2025-09-22",
                 "2025-10-20", "2025-11-10", "2025-12-01"]  # fmt: skip


# Milestones recorded for a few clusters: (code, milestone, date, ref). Some are met,
# some are due on DEMO_AS_OF, one dossier is back with the applicant.
MILESTONES: list[tuple[str, str, str, str | None]] = [
    ("DP2", "detailed_plan_approved", "2023-05-10", "QĐ 845/QĐ-UBND"),
    ("DP2", "infrastructure_project_approved", "2023-09-01", "QĐ 1510/QĐ-UBND"),
    ("DP2", "wastewater_plant_built", "2025-06-30", None),
    ("HL1", "dossier_complete", "2025-10-01", None),
    ("HL1", "dossier_returned", "2025-10-20", "CV 1820/SCT-QLCN"),
    ("VQ1", "first_application", "2025-10-21", "Đơn đề nghị"),
    ("VQ1", "notice_published", "2025-10-27", "TB 95/TB-UBND"),
    ("VQ1", "applications_closed", "2025-11-11", None),
    ("VQ1", "dossier_forwarded", "2025-11-17", "TTr 18/TTr-UBND"),
    ("VQ1", "dossier_complete", "2025-12-08", None),
    ("TD1", "first_application", "2025-11-11", "Đơn đề nghị"),
    ("TD1", "notice_published", "2025-11-14", "TB 102/TB-UBND"),
    ("HD1", "first_application", "2025-12-22", "Đơn đề nghị"),
]


def _history(index: int) -> list[Step]:
    if index == 0:
        return _READY_DP2
    if index == 1:
        return _READY_HT1
    if index == 2:
        return _READY_BS2
    if index < 11:
        entered = _IN_PROCEDURE[index - 3]
        year = int(entered[:4]) - 1
        return [
            ("advance", f"{year}-06-{10 + index:02d}", f"QĐ {900 + index}/QĐ-UBND", None, None),
            ("advance", entered, f"TTr {index}/TTr-UBND", "Hồ sơ thành lập đang thẩm định", None),
        ]
    return []


# Invented Form 02 figures for the three established clusters, period 2025: their
# tenant projects add up to the seed's "11 operating enterprises" (DOMAIN.md).
DEMO_PERIOD = "2025"
DEMO_NOTE = (
    "SỐ LIỆU MINH HỌA: các số liệu Mẫu 02 là giả lập cho bản demo của ccn, không phải "
    "số liệu thật (Form 02 figures invented for the ccn demo)."
)
INVENTED = "Số liệu minh họa, không có thật (invented for the demo)"
FORM02: dict[str, dict[str, float | int | str]] = {
    "DP2": {"industrial_land_ready_ha": 22.0, "leased_ha": 19.5, "investment_approved_bn": 312.0,
            "investment_paid_bn": 141.5, "projects": 5, "fdi_projects": 2,
            "operating_projects": 5, "revenue_bn": 415.0, "budget_paid_bn": 18.2,
            "employees": 640, "avg_income_m": 7.8, "wastewater_plant": "building"},
    "HT1": {"industrial_land_ready_ha": 18.0, "leased_ha": 15.0, "investment_approved_bn": 350.0,
            "investment_paid_bn": 96.0, "projects": 4, "fdi_projects": 1,
            "operating_projects": 4, "revenue_bn": 236.0, "budget_paid_bn": 9.6,
            "employees": 410, "avg_income_m": 7.2, "wastewater_plant": "none"},
    "BS2": {"industrial_land_ready_ha": 9.0, "leased_ha": 6.2, "investment_approved_bn": 268.0,
            "investment_paid_bn": 40.3, "projects": 2, "fdi_projects": 0,
            "operating_projects": 2, "revenue_bn": 58.0, "budget_paid_bn": 2.1,
            "employees": 120, "avg_income_m": 6.5, "wastewater_plant": "none"},
}  # fmt: skip
# Industrial land is about 70% of each cluster's area (illustrative).
INDUSTRIAL_SHARE = 0.7


def seed(uow: Callable[[], UnitOfWork], actor: str = "demo") -> None:
    for i, (code, name, locality, area, developer) in enumerate(CLUSTERS):
        since = date.fromisoformat(PLAN[0])
        new = NewCluster(
            code, name, locality, area, developer, since=since, ref=PLAN[1],
            industrial_land_ha=round(area * INDUSTRIAL_SHARE, 1),
            developer_kind="enterprise" if developer else None, kind="general",
        )  # fmt: skip
        services.register(uow(), new, actor=actor)
        for event, on, ref, note, to in _history(i):
            day = date.fromisoformat(on)
            if event == "advance":
                services.advance(uow(), code, actor=actor, on=day, ref=ref, note=note)
            elif event == "send_back":
                assert to is not None and note is not None
                services.send_back(uow(), code, actor=actor, to=to, reason=note, on=day)
            elif event == "suspend":
                assert note is not None
                services.suspend(uow(), code, actor=actor, reason=note, on=day)
            elif event == "resume":
                services.resume(uow(), code, actor=actor, on=day, note=note)
    from .deadlines import record_milestone

    for code, name, on, ref in MILESTONES:
        record_milestone(uow(), code, name, on=date.fromisoformat(on), actor=actor, ref=ref)

    services.install_targets(uow(), str(example_path()), actor=actor)

    for code, figures in FORM02.items():
        form02.record(uow(), code, DEMO_PERIOD, figures, actor=actor, note=INVENTED)
