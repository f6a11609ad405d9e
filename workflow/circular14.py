"""The Circular 14/2024/TT-BCT report: Form 04 (province) and Form 03 (one locality).

A list of indicators totalled over the area, rows numbered as the paper form. Values
come from where the cluster stood at the period's end (workflow/portfolio.py), its
facts, the newest version of its Form 02 for the period, and the infrastructure
milestones (workflow/infrastructure.py). A value that cannot be known is None with the
reason in the note, never a 0. Each note is written in English and in Vietnamese: the
workbook sent to the Ministry is Vietnamese throughout.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import clock
from .errors import InvalidInput
from .indicators import IndicatorRecord, Latest
from .infrastructure import (
    DETAILED_PLAN,
    PROJECT,
    WASTEWATER_BUILT,
    WASTEWATER_COMPLIANT,
    MilestoneDates,
    infrastructure_milestones,
)
from .periods import Period, parse_period, period_problem
from .portfolio import Standing, portfolio
from .ports import UnitOfWork
from .text import fold, place_key
from .validate import code_key

CLUSTERS_VI, HA, BN, PCT, PROJECTS_VI, PEOPLE = "Cụm", "ha", "Tỷ đồng", "%", "Dự án", "Người"

# no, Vietnamese label, English label, unit ("" for a section)
ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("I", "Phương án phát triển cụm công nghiệp", "Development plan", ""),
    ("1", "Số lượng CCN trong phương án phát triển CCN", "Clusters in the development plan",
     CLUSTERS_VI),
    ("2", "Tổng diện tích các CCN trong phương án phát triển", "Their total area", HA),
    ("II", "Thành lập, đầu tư xây dựng hạ tầng kỹ thuật CCN",
     "Establishment and infrastructure", ""),
    ("3", "Số lượng CCN đã thành lập", "Clusters established", CLUSTERS_VI),
    ("4", "Tổng diện tích các CCN đã thành lập", "Area established", HA),
    ("5", "Số lượng CCN thành lập mới trong kỳ", "Clusters established in the period",
     CLUSTERS_VI),
    ("6", "Tổng diện tích các CCN thành lập mới trong kỳ", "Area established in the period", HA),
    ("7", "Số CCN có doanh nghiệp làm chủ đầu tư xây dựng hạ tầng kỹ thuật",
     "Clusters whose infrastructure developer is an enterprise", CLUSTERS_VI),
    ("8", "Tổng diện tích các CCN có doanh nghiệp làm chủ đầu tư", "Their area", HA),
    ("9", "Số CCN đã được phê duyệt quy hoạch chi tiết",
     "Clusters with an approved detailed (1/500) plan", CLUSTERS_VI),
    ("10", "Tổng diện tích các CCN đã được phê duyệt quy hoạch chi tiết", "Their area", HA),
    ("11", "Số CCN đã được phê duyệt dự án đầu tư xây dựng hạ tầng kỹ thuật",
     "Clusters with an approved infrastructure investment project", CLUSTERS_VI),
    ("12", "Tổng diện tích các CCN đã được phê duyệt dự án đầu tư hạ tầng", "Their area", HA),
    ("13", "Tổng vốn đầu tư xây dựng hạ tầng kỹ thuật được phê duyệt",
     "Approved infrastructure investment", BN),
    ("14", "Tổng vốn đầu tư xây dựng hạ tầng kỹ thuật đã thực hiện",
     "Infrastructure investment paid so far", BN),
    ("III", "Hoạt động của các CCN", "Operation", ""),
    ("15", "Số lượng CCN đi vào hoạt động (có ít nhất 01 dự án đầu tư)",
     "Clusters in operation (at least one investment project)", CLUSTERS_VI),
    ("15.1", "Trong đó: CCN đã thành lập", "Of which established", CLUSTERS_VI),
    ("15.2", "CCN đang hoạt động nhưng chưa thành lập",
     "Of which operating but not yet established", CLUSTERS_VI),
    ("15.3", "CCN làng nghề đang hoạt động", "Craft-village clusters in operation", CLUSTERS_VI),
    ("15.4", "CCN chuyên ngành đang hoạt động", "Specialised clusters in operation", CLUSTERS_VI),
    ("16", "Tổng diện tích các CCN đang hoạt động", "Area of the operating clusters", HA),
    ("16.1", "Trong đó: diện tích CCN đã thành lập", "Of which established", HA),
    ("16.2", "Diện tích CCN đang hoạt động nhưng chưa thành lập",
     "Of which operating but not yet established", HA),
    ("16.3", "Diện tích CCN làng nghề đang hoạt động", "Craft-village clusters in operation", HA),
    ("16.4", "Diện tích CCN chuyên ngành đang hoạt động", "Specialised clusters in operation",
     HA),
    ("17", "Tổng diện tích đất công nghiệp theo quy hoạch chi tiết của các CCN đang hoạt động",
     "Industrial land of the operating clusters (per their detailed plans)", HA),
    ("18", "Diện tích đất công nghiệp đã cho thuê", "Industrial land leased", HA),
    ("19", "Tỷ lệ lấp đầy bình quân của các CCN đang hoạt động",
     "Average occupancy of the operating clusters", PCT),
    ("20", "Số dự án đầu tư trong CCN", "Tenant investment projects", PROJECTS_VI),
    ("21", "Trong đó: số dự án có vốn đầu tư nước ngoài", "Of which foreign-invested",
     PROJECTS_VI),
    ("22", "Số dự án đã đi vào hoạt động", "Of which operating", PROJECTS_VI),
    ("23", "Doanh thu của các dự án trong kỳ", "Tenants' revenue in the period", BN),
    ("24", "Nộp ngân sách nhà nước trong kỳ", "Payments to the state budget in the period", BN),
    ("25", "Số lao động có hợp đồng lao động", "Employees with a labour contract", PEOPLE),
    ("26", "Số CCN đã có hoặc đang xây dựng trạm xử lý nước thải tập trung",
     "Clusters with a central wastewater plant built or being built", CLUSTERS_VI),
    ("27", "Số CCN có trạm xử lý nước thải tập trung đạt chuẩn môi trường",
     "Clusters whose central wastewater plant meets environmental standards", CLUSTERS_VI),
)  # fmt: skip
SECTIONS = frozenset(no for no, _, _, unit in ROWS if not unit)


class Note(NamedTuple):
    """A row's note in English and in Vietnamese."""

    en: str = ""
    vi: str = ""

    def then(self, other: Note) -> Note:
        """Both notes, "; " between them where both say something."""
        return Note(*("; ".join(x for x in pair if x) for pair in zip(self, other, strict=True)))


NONE = Note()
NO_MILESTONES = Note("no data: infrastructure milestones are not recorded in ccn",
                     "không có số liệu: ccn không ghi nhận các mốc đầu tư hạ tầng")  # fmt: skip
NO_INFRASTRUCTURE = Note(
    "no data: no infrastructure milestone is recorded for any established cluster",
    "không có số liệu: chưa ghi nhận mốc đầu tư hạ tầng nào của CCN đã thành lập",
)
NO_PLANT = Note("no data: no wastewater plant milestone is recorded and no Form 02 for the "
                "period gives wastewater_plant",
                "không có số liệu: chưa ghi nhận mốc trạm xử lý nước thải và không Mẫu 02 nào "
                "của kỳ nêu tình trạng trạm xử lý nước thải")  # fmt: skip
NO_FORM02 = Note("no data: no Form 02 for the period",
                 "không có số liệu: không có Mẫu 02 của kỳ báo cáo")  # fmt: skip


@dataclass(frozen=True)
class FormRow:
    no: str
    indicator_vi: str
    indicator_en: str
    unit: str
    value: int | float | None
    note: str
    note_vi: str

    def noted(self, lang: str) -> FormRow:
        """The row with its note in `lang` under `note` (JSON and CSV follow --lang)."""
        return dataclasses.replace(self, note=self.note_vi) if lang == "vi" else self

    @property
    def section(self) -> bool:
        return self.no in SECTIONS


@dataclass(frozen=True)
class Missing:
    """A cluster expected to file Form 02 for the period that has not."""

    code: str
    name: str
    locality: str | None
    developer: str | None
    state: str


@dataclass(frozen=True)
class Circular14:
    period: Period
    form: str  # "04" or "03"
    locality: str | None
    rows: list[FormRow]
    missing: list[Missing]
    # Form 02 records of the period left out: clusters not yet in the plan by its end
    # (recorded before ccn refused them); each says why.
    ignored: list[str] = dataclasses.field(default_factory=list)


def _area(items: Iterable[Standing]) -> tuple[float, int]:
    """(total area, clusters without one)."""
    listed = list(items)
    return (
        round(float(sum(s.cluster.area_ha or 0.0 for s in listed)), 2),
        sum(s.cluster.area_ha is None for s in listed),
    )


class _Values:
    """What each row says, computed over one set of clusters."""

    def __init__(self, period: Period, clusters: list[Standing],
                 records: dict[str, IndicatorRecord], milestones: MilestoneDates | None,
                 missing: int) -> None:  # fmt: skip
        self.p, self.clusters, self.records = period, clusters, records
        self.milestones, self.missing = milestones, missing
        self.out: dict[str, tuple[int | float | None, Note]] = {}

    def record(self, s: Standing) -> IndicatorRecord | None:
        return self.records.get(code_key(s.cluster.code))

    def count(self, no: str, items: Iterable[Standing], note: Note = NONE) -> None:
        self.out[no] = (len(list(items)), note)

    def area(self, no: str, items: Iterable[Standing], note: Note = NONE) -> None:
        total, unknown = _area(items)
        gap = Note(f"{unknown} cluster(s) without an area",
                   f"{unknown} CCN chưa có diện tích") if unknown else NONE  # fmt: skip
        self.out[no] = (total, note.then(gap))

    def form02(self, no: str, field: str, items: Iterable[Standing] | None = None,
               digits: int = 2) -> None:  # fmt: skip
        chosen = self.clusters if items is None else list(items)
        found = [v for s in chosen if (r := self.record(s)) and (v := r.get(field)) is not None]
        if not found:
            reason = (
                NO_FORM02
                if not self.records
                else Note(
                    f"no data: {field} not given in Form 02",
                    "không có số liệu: các Mẫu 02 của kỳ không nêu chỉ tiêu này",
                )
            )
            self.out[no] = (None, reason)
            return
        total = sum(found)
        value = total if isinstance(total, int) else round(total, digits)
        gap = Note(f"{self.missing} cluster(s) without Form 02 (see missing)",
                   f"{self.missing} CCN chưa có Mẫu 02 (xem danh sách thiếu Mẫu 02)"
                   ) if self.missing else NONE  # fmt: skip
        self.out[no] = (value, gap)

    def milestone(self, no: str, name: str, area_no: str | None = None) -> bool:
        if self.milestones is None:
            self.out[no] = (None, NO_MILESTONES)
            if area_no:
                self.out[area_no] = (None, NO_MILESTONES)
            return False
        if not any(s.established and s.cluster.code in self.milestones for s in self.clusters):
            # Nothing recorded for any of them: a 0 would be a figure ccn does not know.
            for row in (no, area_no) if area_no else (no,):
                self.out[row] = (None, NO_INFRASTRUCTURE)
            return False
        reached = [
            s for s in self.clusters
            if (d := self.milestones.get(s.cluster.code, {}).get(name)) and d <= self.p.end
        ]  # fmt: skip
        self.count(no, reached)
        if area_no:
            self.area(area_no, reached)
        # An established cluster with no infrastructure milestone recorded may simply not
        # have been brought up to date: say how many, so a 0 is read for what it is.
        silent = sum(s.established and s.cluster.code not in self.milestones
                     for s in self.clusters)  # fmt: skip
        for row in (no, area_no) if area_no else (no,):
            value, note = self.out[row]
            said = Note(
                f"from recorded milestones; {silent} established cluster(s) have none",
                f"theo các mốc đã ghi nhận; {silent} CCN đã thành lập chưa ghi mốc nào",
            )
            self.out[row] = (value, note.then(said))
        return True


def compute(
    period: Period,
    standing: list[Standing],
    records: dict[str, IndicatorRecord],
    milestones: MilestoneDates | None,
) -> tuple[list[FormRow], list[Missing]]:
    """The form's rows and the missing Form 02 list, from what stood at the period's end."""
    live = [s for s in standing if not s.cancelled]
    mine = {k: r for k, r in records.items() if k in {code_key(s.cluster.code) for s in live}}

    def operating(s: Standing) -> bool:
        r = mine.get(code_key(s.cluster.code))
        return s.state == "operating" or bool(r and (r.get("projects") or 0) >= 1)

    missing = [
        Missing(s.cluster.code, s.cluster.name, s.cluster.locality, s.cluster.developer, s.state)
        for s in live
        if (s.established or s.state == "operating") and code_key(s.cluster.code) not in mine
    ]
    v = _Values(period, live, mine, milestones, len(missing))
    est = [s for s in live if s.established]
    new = [s for s in est if s.established_on and period.start <= s.established_on <= period.end]
    enterprise = [s for s in est if s.cluster.developer_kind == "enterprise"]
    ops = [s for s in live if operating(s)]
    split: dict[str, Callable[[Standing], bool]] = {
        "": lambda s: True,
        ".1": lambda s: s.established,
        ".2": lambda s: not s.established,
        ".3": lambda s: s.cluster.kind == "craft_village",
        ".4": lambda s: s.cluster.kind == "specialised",
    }
    v.count("1", live)
    v.area("2", live)
    v.count("3", est)
    v.area("4", est)
    start, end = f"{period.start:%d/%m/%Y}", f"{period.end:%d/%m/%Y}"
    v.count("5", new, Note(f"established {start}-{end}", f"thành lập từ {start} đến {end}"))
    v.area("6", new)
    v.count(
        "7",
        enterprise,
        Note(
            "established clusters whose developer_kind is enterprise",
            "CCN đã thành lập có chủ đầu tư hạ tầng là doanh nghiệp",
        ),
    )
    v.area("8", enterprise)
    v.milestone("9", DETAILED_PLAN, "10")
    v.milestone("11", PROJECT, "12")
    v.form02("13", "investment_approved_bn")
    v.form02("14", "investment_paid_bn")
    for suffix, test in split.items():
        chosen = [s for s in ops if test(s)]
        v.count(f"15{suffix}", chosen, Note(
            "at least one tenant project, or in operating",
            "có ít nhất một dự án thứ cấp, hoặc đang ở bước hoạt động") if not suffix
            else NONE)  # fmt: skip
        v.area(f"16{suffix}", chosen)
    land_known = [s for s in ops if s.cluster.industrial_land_ha is not None]
    unknown = len(ops) - len(land_known)
    v.out["17"] = (
        round(float(sum(s.cluster.industrial_land_ha or 0.0 for s in land_known)), 2),
        Note(f"{unknown} operating cluster(s) without industrial land",
             f"{unknown} CCN đang hoạt động chưa có diện tích đất công nghiệp")
        if unknown else NONE,
    )  # fmt: skip
    v.form02("18", "leased_ha", ops)
    both = [
        (s.cluster.industrial_land_ha, leased) for s in land_known
        if (r := v.record(s)) and (leased := r.get("leased_ha")) is not None
        and s.cluster.industrial_land_ha
    ]  # fmt: skip
    land = sum(a for a, _ in both if a)
    v.out["19"] = (
        (round(100 * sum(b for _, b in both) / land, 2), Note(
            "area-weighted: leased ÷ industrial "
            f"land of the {len(both)} operating cluster(s) with both figures",
            "bình quân theo diện tích: đã cho thuê ÷ đất công nghiệp của "
            f"{len(both)} CCN đang hoạt động có đủ hai số liệu"))
        if land else (None, Note(
            "no data: no operating cluster with industrial land and Form 02",
            "không có số liệu: không CCN đang hoạt động nào có cả diện tích đất công "
            "nghiệp và Mẫu 02"))
    )  # fmt: skip
    sums = (("20", "projects"), ("21", "fdi_projects"), ("22", "operating_projects"),
            ("23", "revenue_bn"), ("24", "budget_paid_bn"), ("25", "employees"))  # fmt: skip
    for no, field in sums:
        v.form02(no, field)
    _wastewater(v, live)
    rows = [
        FormRow(no, vi, en, unit, value, *note)
        for no, vi, en, unit in ROWS
        for value, note in (v.out.get(no, (None, NONE)),)
    ]  # fmt: skip
    return rows, missing


def _wastewater(v: _Values, live: list[Standing]) -> None:
    """Rows 26-27: a plant counts once a milestone records it, or the cluster's Form 02
    for the period says so (Form 02 alone knows a plant still being built)."""
    marks = v.milestones or {}

    def reached(s: Standing, name: str) -> bool:
        d = marks.get(s.cluster.code, {}).get(name)
        return d is not None and d <= v.p.end

    def plant(s: Standing) -> str | None:
        r = v.record(s)
        return r.get("wastewater_plant") if r else None

    known = [s for s in live if plant(s) or reached(s, WASTEWATER_BUILT)
             or reached(s, WASTEWATER_COMPLIANT)]  # fmt: skip
    if not known:
        v.out["26"] = v.out["27"] = (None, NO_PLANT)
        return
    note = Note(
        "from the recorded milestones and Form 02 (wastewater_plant)",
        "theo các mốc đã ghi nhận và Mẫu 02 (tình trạng trạm xử lý nước thải)",
    )
    v.out["26"] = (sum(plant(s) in ("building", "built", "compliant")
                       or reached(s, WASTEWATER_BUILT) or reached(s, WASTEWATER_COMPLIANT)
                       for s in live), note)  # fmt: skip
    v.out["27"] = (sum(plant(s) == "compliant" or reached(s, WASTEWATER_COMPLIANT)
                       for s in live), note)  # fmt: skip


def circular14(
    uow: UnitOfWork, *, period: str, form: str = "04", locality: str | None = None
) -> Circular14:
    """Form 04 for the province, or Form 03 for the clusters of one locality."""
    p = parse_period(period)
    if form not in ("04", "03"):
        raise InvalidInput(f"unknown form {form!r}: use 04 (province) or 03 (locality)")
    # A form for a period no Form 02 can feed would be zeros presented as a report.
    if problem := period_problem(p, clock.today(), f"Form {form}"):
        raise InvalidInput(problem)
    if form == "03" and not locality:
        raise InvalidInput("form 03 is for one locality: give --locality")
    if form == "04" and locality:
        raise InvalidInput(
            "form 04 is the whole province: for one locality ask for form 03 (--form 03)"
        )
    with uow:
        names = _the_locality(uow, locality) if locality else None
        locality = names[0] if names else None
        everyone = portfolio(uow, p.end)
        # By the locality recorded at the period's end, not the one it has now.
        standing = [s for s in everyone if names is None or s.cluster.locality in names]
        records = Latest.of(uow.indicators.all(p.name)).for_period(p)
        milestones = infrastructure_milestones(uow, p.end)
        counted = {code_key(s.cluster.code) for s in everyone}
        ignored = [
            f"Form 02 for {c.code} ignored: {c.code} was not in the plan by {p.end:%d/%m/%Y}"
            for key in sorted(records.keys() - counted)
            if (c := uow.clusters.get(records[key].code)) is not None
            and (names is None or c.locality in names)
        ]
    rows, missing = compute(p, standing, records, milestones)
    return Circular14(p, form, locality, rows, missing, ignored)


def same_place(a: str | None, b: str | None) -> bool:
    """The same locality: the whole name, whatever its case, spacing or normal form."""
    return a is not None and b is not None and place_key(a) == place_key(b)


def _the_locality(uow: UnitOfWork, locality: str) -> list[str]:
    """The locality's spellings as stored, named whole: exactly but for case and spacing, or else
    typed without accents when that names one locality only. A name no cluster has is
    an error naming the near ones, never an all-zero form."""
    near = sorted({c.locality for c in uow.clusters.list(locality=locality) if c.locality})
    exact = [n for n in near if same_place(n, locality)]
    if exact:
        return exact
    bare = [n for n in near if fold(n) == fold(locality)]
    if len({place_key(n) for n in bare}) == 1:
        return bare
    if bare:
        shown = ", ".join(repr(n) for n in bare)
        raise InvalidInput(f"locality {locality!r} could be {shown}: type it with its accents")
    hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    raise InvalidInput(f"no cluster is in locality {locality!r}{hint}")


def row_data(r: FormRow) -> dict[str, Any]:
    """A row as the issue's JSON has it, exactly these keys: `note` in the row's language
    (`FormRow.noted`)."""
    return {"no": r.no, "indicator_vi": r.indicator_vi, "indicator_en": r.indicator_en,
            "unit": r.unit, "value": r.value, "note": r.note}  # fmt: skip
