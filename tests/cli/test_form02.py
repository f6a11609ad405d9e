"""Cluster facts, Form 02 indicators, occupancy and the Circular 14 report from the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from freezegun import freeze_time
from openpyxl import Workbook, load_workbook

from ..conftest import FROZEN_NOW, Ccn, dump, ok, raw_sql
from .test_identity import logins, pg_url  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # 02/03/2026
        yield


def portfolio(ccn: Ccn) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--locality",
           "Cao Lộc", "--area-ha", "60", "--industrial-land-ha", "40", "--developer",
           "Công ty TNHH Hợp Thành", "--developer-kind", "enterprise", "--kind", "craft_village",
           "--industries", "Chế biến nông lâm sản", "--state", "infrastructure", "--since",
           "2024-03-20", "--ref", "QĐ 512/QĐ-UBND"))  # fmt: skip
    ok(ccn("cluster", "add", "BS2", "--name", "Cụm công nghiệp Bắc Sơn 2", "--locality",
           "Cao Lộc", "--area-ha", "45", "--industrial-land-ha", "30", "--state",
           "investment_approval", "--since", "2025-12-20", "--ref", "QĐ 1720/QĐ-UBND"))  # fmt: skip


def test_facts_are_set_shown_edited_and_verified(ccn: Ccn, db_url: str) -> None:
    portfolio(ccn)
    shown = json.loads(ok(ccn("cluster", "show", "HT1", "--format", "json")).stdout)
    assert {k: shown[k] for k in ("area_ha", "industrial_land_ha", "developer_kind", "kind",
                                  "industries")} == {
        "area_ha": 60.0, "industrial_land_ha": 40.0, "developer_kind": "enterprise",
        "kind": "craft_village", "industries": "Chế biến nông lâm sản"}  # fmt: skip
    r = ok(ccn("cluster", "edit", "HT1", "--kind", "specialised", "--industrial-land-ha", "42",
               "--reason", "QĐ 77/QĐ-UBND điều chỉnh"))  # fmt: skip
    assert r.stdout == "HT1: amended industrial_land_ha, kind (seq 2)\n"
    last = json.loads(ok(ccn("history", "HT1", "--format", "json")).stdout)[-1]
    assert last["data"] == {
        "changes": {"industrial_land_ha": [40.0, 42.0], "kind": ["craft_village", "specialised"]}
    }
    r = ccn("cluster", "edit", "HT1", "--industrial-land-ha", "61", "--reason", "x")
    assert (r.exit_code, r.stderr) == (
        1, "Error: industrial land 61 ha is more than the area 60 ha\n")  # fmt: skip
    r = ccn("cluster", "edit", "HT1", "--developer-kind", "private", "--reason", "x")
    assert (
        r.stderr == "Error: invalid developer_kind 'private': use one of enterprise, public, none\n"
    )
    assert ok(ccn("audit", "verify")).stdout.startswith("OK: 2 clusters, 3 transitions verified\n")
    raw_sql(db_url, "UPDATE clusters SET kind = 'general' WHERE code = 'HT1'")
    r = ccn("audit", "verify")
    assert r.exit_code == 1
    assert "BROKEN HT1: changed row: the cluster's kind is 'general', its history says " \
           "'specialised'\n" in r.stdout  # fmt: skip


def test_import_reads_facts_and_files_without_them(ccn: Ccn, tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text("code,name,area_ha\nA1,Cụm A,10\n", encoding="utf-8")
    ok(ccn("cluster", "import", str(old)))
    new = tmp_path / "new.csv"
    new.write_text(
        "code,name,area_ha,industrial_land_ha,developer_kind,kind,industries\n"
        "B1,Cụm B,20,14,public,general,Cơ khí\n"
        "B2,Cụm C,20,24,firm,village,\n", encoding="utf-8")  # fmt: skip
    r = ccn("cluster", "import", str(new))
    assert (r.exit_code, r.stderr) == (1,
        "line 3: invalid developer_kind 'firm': use one of enterprise, public, none\n"
        "line 3: invalid kind 'village': use one of general, craft_village, specialised\n"
        "line 3: industrial land 24 ha is more than the area 20 ha\n"
        "Error: 3 problem(s); nothing imported\n")  # fmt: skip
    new.write_text(new.read_text(encoding="utf-8").replace(",24,firm,village,", ",4,none,,"),
                   encoding="utf-8")  # fmt: skip
    ok(ccn("cluster", "import", str(new)))
    exported = ok(ccn("cluster", "export")).stdout_bytes.decode("utf-8-sig").splitlines()
    assert exported[0].endswith(",resumes_to,industrial_land_ha,developer_kind,kind,industries")
    assert exported[2].endswith(",14.0,public,general,Cơ khí")


def test_record_correct_and_list_indicators(ccn: Ccn) -> None:
    portfolio(ccn)
    r = ok(ccn("indicators", "record", "ht1", "--period", "2026h1", "--leased-ha", "12,5",
               "--projects", "3", "--fdi-projects", "1", "--employees", "210"))  # fmt: skip
    assert r.stdout == "HT1 2026H1: recorded version 1 (seq 1)\n"
    r = ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--projects", "4",
               "--note", "Công văn 15/HT bổ sung"))  # fmt: skip
    assert r.stdout == "HT1 2026H1: recorded version 2 (seq 2)\n"
    listed = json.loads(ok(ccn("indicators", "list", "--format", "json")).stdout)
    assert len(listed) == 1
    assert {k: listed[0][k] for k in ("code", "period", "version", "leased_ha", "projects",
                                      "fdi_projects", "employees", "revenue_bn", "note")} == {
        "code": "HT1", "period": "2026H1", "version": 2, "leased_ha": 12.5, "projects": 4,
        "fdi_projects": 1, "employees": 210, "revenue_bn": None,
        "note": "Công văn 15/HT bổ sung"}  # fmt: skip
    every = json.loads(ok(ccn("indicators", "list", "--all-versions", "--format", "json")).stdout)
    assert [(e["version"], e["projects"]) for e in every] == [(1, 3), (2, 4)]
    refusals = [
        (["--projects", "4"], "Error: nothing to change: HT1 2026H1 version 2 already has these "
         "values"),
        (["--leased-ha", "41"], "Error: HT1 2026H1: leased_ha 41 is more than the cluster's "
         "industrial land 40 ha"),
        (["--operating-projects", "5"], "Error: HT1 2026H1: operating_projects 5 is more than "
         "projects 4"),
        (["--employees", "-3"], "Error: invalid employees '-3': must not be negative"),
        (["--projects", "2.5"], "Error: invalid projects '2.5': give a whole number"),
        (["--wastewater-plant", "maybe"], "Error: invalid wastewater_plant 'maybe': use one of "
         "none, building, built, compliant"),
    ]  # fmt: skip
    for args, error in refusals:
        r = ccn("indicators", "record", "HT1", "--period", "2026H1", *args)
        assert (r.exit_code, r.stderr) == (1, error + "\n"), args
    r = ccn("indicators", "record", "HT1", "--period", "2026H2", "--projects", "1")
    assert r.stderr.startswith("Error: unknown period '2026H2': use YYYYH1 (half year) or YYYY")
    assert len(json.loads(ccn("indicators", "list", "--all-versions", "--format",
                              "json").stdout)) == 2  # fmt: skip


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_history_csv_carries_what_an_edit_changed(ccn: Ccn) -> None:
    portfolio(ccn)
    ok(ccn("cluster", "edit", "HT1", "--kind", "specialised", "--industrial-land-ha", "42",
           "--reason", "QĐ 77/QĐ-UBND điều chỉnh"))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(ok(ccn("history", "HT1", "--format", "csv")).stdout)))
    assert json.loads(rows[-1]["data"]) == {
        "changes": {"industrial_land_ha": [40.0, 42.0], "kind": ["craft_village", "specialised"]}
    }
    assert json.loads(rows[0]["data"])["name"] == "Cụm công nghiệp Hợp Thành 1"


def test_land_without_industrial_land_is_bound_by_the_area(ccn: Ccn, tmp_path: Path) -> None:
    ok(ccn("cluster", "add", "V1", "--name", "Cụm công nghiệp Vân Nham", "--area-ha", "12.5",
           "--since", "2024-05-02"))  # fmt: skip
    r = ccn("indicators", "record", "V1", "--period", "2025", "--leased-ha", "500",
            "--industrial-land-ready-ha", "900")  # fmt: skip
    assert (r.exit_code, r.stderr) == (
        1, "Error: V1 2025: leased_ha 500 is more than the cluster's area 12.5 ha; "
           "industrial_land_ready_ha 900 is more than the cluster's area 12.5 ha\n",
    )  # fmt: skip
    sheet = tmp_path / "f02.csv"
    sheet.write_text("code,period,leased_ha\nV1,2025,13\n", encoding="utf-8")
    r = ccn("indicators", "import", str(sheet))
    assert (r.exit_code, r.stderr) == (
        1, "line 2: leased_ha 13 is more than the cluster's area 12.5 ha\n"
           "Error: 1 problem(s); nothing imported\n",
    )  # fmt: skip
    ok(ccn("indicators", "record", "V1", "--period", "2025", "--leased-ha", "10"))
    r = ccn("cluster", "edit", "V1", "--area-ha", "8", "--reason", "QĐ điều chỉnh")
    assert (r.exit_code, r.stderr) == (
        1, "Error: V1 2025: leased_ha 10 is more than the cluster's area 8 ha: correct that "
           "Form 02 first\n",
    )  # fmt: skip
    ok(ccn("cluster", "edit", "V1", "--area-ha", "11", "--reason", "QĐ điều chỉnh"))


def test_import_is_all_or_nothing_and_names_every_line(ccn: Ccn, tmp_path: Path, db_url) -> None:
    portfolio(ccn)
    bad = tmp_path / "form02.csv"
    bad.write_text(
        "code,period,leased_ha,projects,fdi_projects,operating_projects\n"
        "HT1,2026H1,12,3,1,2\n"
        "HT1,2026H1,13,3,1,2\n"
        "NOPE,2026H1,1,1,0,0\n"
        "BS2,2026H3,-1,2,3,1\n"
        "BS2,2026,31,2,0,1,9\n"
        "BS2,2026,31,2,0,1\n", encoding="utf-8")  # fmt: skip
    before = dump(db_url)
    r = ccn("indicators", "import", str(bad))
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        "line 3: HT1 2026H1 is also on line 2\n"
        "line 4: unknown cluster 'NOPE'\n"
        "line 5: unknown period '2026H3': use YYYYH1 (half year) or YYYY (year), e.g. 2026H1 "
        "or 2026, from 2024 to 2100\n"
        "line 5: invalid leased_ha '-1': must not be negative\n"
        "line 5: fdi_projects 3 is more than projects 2\n"
        "line 6: expected 6 fields, found 7\n"
        "line 7: leased_ha 31 is more than the cluster's industrial land 30 ha\n"
        "Error: 7 problem(s); nothing imported\n"
    )
    assert dump(db_url) == before
    sheet = tmp_path / "form02.xlsx"
    sheet.write_bytes(_xlsx([
        ["code", "period", "leased_ha", "projects", "fdi_projects", "operating_projects"],
        ["HT1", "2026H1", 12, 3, 4, 2],
        [None, None, None, None, None, None],
        ["BS2", 2026, 10.5, 2, 0, 1],
    ]))  # fmt: skip
    r = ccn("indicators", "import", str(sheet))
    assert (r.exit_code, r.stderr) == (1, "line 2: fdi_projects 4 is more than projects 3\n"
                                          "Error: 1 problem(s); nothing imported\n")  # fmt: skip
    sheet.write_bytes(_xlsx([
        ["code", "period", "leased_ha", "projects", "fdi_projects", "operating_projects"],
        ["HT1", "2026H1", 12, 3, 1, 2],
        ["BS2", 2026, 10.5, 2, 0, 1],
    ]))  # fmt: skip
    assert ok(ccn("indicators", "import", str(sheet))).stdout == "Imported 2 records.\n"
    assert (
        ok(ccn("indicators", "import", str(sheet))).stdout == "Imported 0 records; 2 unchanged.\n"
    )
    listed = json.loads(ok(ccn("indicators", "list", "--period", "2026", "--format",
                               "json")).stdout)  # fmt: skip
    assert [(e["code"], e["leased_ha"], e["projects"]) for e in listed] == [("BS2", 10.5, 2)]
    r = ccn("indicators", "import", str(tmp_path / "form02.csv").replace(".csv", ".txt"))
    assert r.exit_code == 1


def test_audit_verify_covers_the_indicator_chain(ccn: Ccn, db_url: str) -> None:
    portfolio(ccn)
    ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "12"))
    ok(ccn("indicators", "record", "BS2", "--period", "2026H1", "--leased-ha", "3"))
    assert ok(ccn("audit", "verify")).stdout == (
        "OK: 2 clusters, 2 transitions verified\nOK: 2 Form 02 indicator records verified\n"
    )
    raw_sql(db_url, "UPDATE indicators SET data = replace(data, '12.0', '22.0') WHERE seq = 1",
            unlock=("indicators",))  # fmt: skip
    r = ccn("audit", "verify")
    assert (r.exit_code, r.stdout) == (
        1,
        "BROKEN indicators seq 1: changed row: content does not match its hash\n",
    )


def test_indicators_are_append_only_in_the_database(db_url: str, ccn: Ccn) -> None:
    from sqlalchemy.exc import DBAPIError

    portfolio(ccn)
    ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "12"))
    for statement in ("UPDATE indicators SET note = 'x'", "DELETE FROM indicators"):
        with pytest.raises(DBAPIError, match="append-only"):
            raw_sql(db_url, statement)


def test_occupancy_and_the_establishment_test(ccn: Ccn) -> None:
    portfolio(ccn)
    ok(ccn("indicators", "record", "HT1", "--period", "2025", "--leased-ha", "20", "--projects",
           "5", "--employees", "300"))  # fmt: skip
    ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "30"))
    # On 01/03/2026 the latest period ended is 2025 (14/12/2025); 2026H1 ends 14/06/2026.
    report = json.loads(ok(ccn("report", "occupancy", "--format", "json")).stdout)
    assert report["establishment_test"] == {"average": "simple", "min_occupancy_pct": 50.0,
                                            "max_unleased_ha": 100.0}  # fmt: skip
    assert [(c["code"], c["leased_ha"], c["occupancy_pct"], c["period"])
            for c in report["clusters"]] == [("BS2", None, None, None),
                                             ("HT1", 20.0, 50.0, "2025")]  # fmt: skip
    assert report["localities"] == [{
        "locality": "Cao Lộc", "established": 2, "with_data": 1, "simple_avg_pct": 50.0,
        "weighted_avg_pct": 50.0, "industrial_land_ha": 40.0, "leased_ha": 20.0,
        "unleased_ha": 20.0, "may_establish": True,
        "reason": "simple average occupancy 50% <= 50%, unleased 20 ha <= 100 ha; 1 established "
                  "cluster(s) without figures left out",
        "establishment_test": {"average": "simple", "min_occupancy_pct": 50.0,
                               "max_unleased_ha": 100.0}}]  # fmt: skip
    later = json.loads(ok(ccn("report", "occupancy", "--as-of", "14/06/2026", "--format",
                              "json")).stdout)  # fmt: skip
    assert later["clusters"][1]["occupancy_pct"] == 75.0
    card = ok(ccn("cluster", "show", "BS2")).stdout
    assert ("art_8_1_c:     Cao Lộc may establish another cluster (simple average occupancy "
            "50% <= 50%, unleased 20 ha <= 100 ha; 1 established cluster(s) without figures "
            "left out)\n") in card  # fmt: skip
    card = ok(ccn("--lang", "vi", "cluster", "show", "BS2")).stdout
    assert ("art_8_1_c:     Cao Lộc được thành lập thêm cụm công nghiệp (tỷ lệ lấp đầy bình "
            "quân giản đơn 50% <= 50%, diện tích chưa cho thuê 20 ha <= 100 ha; không tính 1 "
            "cụm đã thành lập chưa có số liệu)\n") in card  # fmt: skip
    by_place = ok(ccn("report", "occupancy", "--format", "csv", "--by", "locality")).stdout
    assert by_place.splitlines()[1].startswith("Cao Lộc,2,1,50.0,50.0,40.0,20.0,20.0,True,")
    by_cluster = ok(ccn("report", "occupancy", "--format", "csv")).stdout.splitlines()
    assert by_cluster[2] == "HT1,Cụm công nghiệp Hợp Thành 1,Cao Lộc,infrastructure,True,40.0,"\
                            "20.0,50.0,5,300,2025"  # fmt: skip
    table = ok(ccn("report", "occupancy")).stdout
    assert table.splitlines()[0] == "Occupancy on 02/03/2026 (Decree 32 Art. 2.7):"
    assert all(len(line) <= 80 for line in table.splitlines()[:-1])


def test_occupancy_of_an_empty_portfolio_says_so_once(ccn: Ccn) -> None:
    assert ok(ccn("report", "occupancy")).stdout == (
        "Occupancy on 02/03/2026 (Decree 32 Art. 2.7):\n"
        "No established clusters and no Form 02 figures.\n"
    )


def test_the_establishment_test_follows_the_definition_the_clusters_are_pinned_to(
    ccn: Ccn, tmp_path: Path
) -> None:
    """An amendment installed with other Art. 8.1(c) figures judges a locality once its
    clusters are migrated to it, in `cluster show` and `report occupancy` alike."""
    import states

    portfolio(ccn)
    ok(ccn("indicators", "record", "HT1", "--period", "2025", "--leased-ha", "20"))
    packaged = (Path(states.__file__).parent / "cluster_establishment.toml").read_text("utf-8")
    amended = tmp_path / "amended.toml"
    amended.write_text(
        packaged.replace('version = "nd32-2024"', 'version = "a-2026"').replace(
            "[workflow.roles]",
            '[workflow.establishment_test]\naverage = "weighted"\nmin_occupancy_pct = 50\n'
            "max_unleased_ha = 15\n\n[workflow.roles]",
        ),
        encoding="utf-8",
    )
    ok(ccn("workflow", "install", str(amended)))
    assert "art_8_1_c:     Cao Lộc may establish" in ok(ccn("cluster", "show", "BS2")).stdout
    ok(ccn("workflow", "migrate", "--to", "a-2026", "--reason", "Nghị định sửa đổi"))
    card = ok(ccn("cluster", "show", "BS2")).stdout
    assert ("art_8_1_c:     Cao Lộc may not establish another cluster (weighted average "
            "occupancy 50% <= 50%, unleased 20 ha > 15 ha; 1 established cluster(s) without "
            "figures left out)\n") in card  # fmt: skip
    table = ok(ccn("report", "occupancy")).stdout
    assert "\nLocalities (Art. 8.1(c): weighted average > 50% or unleased <= 15 ha):\n" in table
    report = json.loads(ok(ccn("report", "occupancy", "--format", "json")).stdout)
    (place,) = report["localities"]
    assert (place["may_establish"], place["establishment_test"]) == (
        False, {"average": "weighted", "min_occupancy_pct": 50.0, "max_unleased_ha": 15.0},
    )  # fmt: skip


def test_circular14_refuses_periods_no_form_02_can_feed(ccn: Ccn) -> None:
    portfolio(ccn)
    for period, error in (
        ("2024H1", "Error: 2024H1 ended on 14/06/2024, before Circular 14/2024/TT-BCT took "
                   "effect on 01/10/2024: no Form 04 is due for it\n"),
        ("2027H1", "Error: 2027H1 has not begun: its data period starts on 15/12/2026\n"),
        ("2100", "Error: 2100 has not begun: its data period starts on 15/12/2099\n"),
    ):  # fmt: skip
        r = ccn("report", "circular14", "--period", period)
        assert (r.exit_code, r.stdout, r.stderr) == (1, "", error)
    r = ccn("report", "circular14", "--period", "2024H1", "--form", "03", "--locality", "Cao Lộc")
    assert "no Form 03 is due for it" in r.stderr
    ok(ccn("report", "circular14", "--period", "2024"))  # ended 14/12/2024, after 01/10/2024
    ok(ccn("report", "circular14", "--period", "2026"))  # under way: an interim report


def test_circular14_in_every_format_and_xlsx_read_back(ccn: Ccn, tmp_path: Path) -> None:
    portfolio(ccn)
    ok(ccn("indicators", "record", "HT1", "--period", "2026H1", "--leased-ha", "12.5",
           "--projects", "3", "--employees", "1250",
           "--investment-approved-bn", "1234.5"))  # fmt: skip
    r = ok(ccn("report", "circular14", "--period", "2026H1", "--format", "json"))
    rows = json.loads(r.stdout)
    assert isinstance(rows, list) and len(rows) == 38
    assert [row["no"] for row in rows][:6] == ["I", "1", "2", "II", "3", "4"]
    assert rows[-1]["no"] == "27" and set(rows[0]) == {"no", "indicator_vi", "indicator_en",
                                                       "unit", "value", "note"}  # fmt: skip
    assert r.stderr == "Missing Form 02 for 2026H1: BS2\n"
    by_no = {row["no"]: row for row in rows}
    # Neither established cluster has an infrastructure milestone recorded: no data,
    # never a 0 (review 13, item 8).
    assert (by_no["9"]["value"], by_no["9"]["note"]) == (
        None,
        "no data: no infrastructure milestone is recorded for any established cluster",
    )
    vi = json.loads(ok(ccn("--lang", "vi", "report", "circular14", "--period", "2026H1",
                           "--format", "json")).stdout)  # fmt: skip
    assert [set(row) for row in vi] == [set(row) for row in rows]
    vi_by_no = {row["no"]: row for row in vi}
    assert vi_by_no["9"]["note"] == (
        "không có số liệu: chưa ghi nhận mốc đầu tư hạ tầng nào của CCN đã thành lập"
    )
    assert (by_no["25"]["value"], by_no["15.3"]["value"]) == (1250, 1)
    out = tmp_path / "f04.xlsx"
    r = ok(ccn("report", "circular14", "--period", "2026H1", "--format", "xlsx", "--out",
               str(out)))  # fmt: skip
    assert r.stdout == f"Form 04 for 2026H1 written to {out}\n"
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.title == "Mẫu 04"
    assert (
        ws["A3"].value == "Kỳ báo cáo: 6 tháng đầu năm 2026 (số liệu từ 15/12/2025 đến 14/06/2026)"
    )
    assert [c.value for c in ws[6]] == [
        "TT",
        "Chỉ tiêu",
        "Đơn vị tính",
        "Kết quả (lũy kế đến thời điểm báo cáo)",
        "Ghi chú",
    ]
    assert [ws.cell(row=i, column=1).value for i in range(7, 45)] == [row["no"] for row in rows]
    section, two, thirteen, employees = ws["A7"], ws["D9"], ws["D21"], ws["D42"]
    assert section.value == "I" and section.font.b and not ws["A8"].font.b
    assert ws["B7"].value == "Phương án phát triển cụm công nghiệp"
    assert (two.value, two.number_format) == (105.0, "#,##0.00")
    assert (thirteen.value, thirteen.number_format) == (1234.5, "#,##0.00")
    assert (employees.value, employees.number_format) == (1250, "#,##0")
    assert ws["A17"].value == "9" and ws["D17"].value is None
    # The workbook goes to the Ministry: Vietnamese throughout.
    assert ws["E17"].value == (
        "không có số liệu: chưa ghi nhận mốc đầu tư hạ tầng nào của CCN đã thành lập"
    )
    assert ws["A41"].value == "24" and ws["D41"].value is None
    assert ws["E41"].value == "không có số liệu: các Mẫu 02 của kỳ không nêu chỉ tiêu này"
    assert ws["A13"].value == "5" and ws["E13"].value == "thành lập từ 15/12/2025 đến 14/06/2026"
    assert ws["A21"].value == "13"
    assert ws["E21"].value == "1 CCN chưa có Mẫu 02 (xem danh sách thiếu Mẫu 02)"
    notes = [str(ws.cell(row=i, column=5).value or "") for i in range(7, 45)]
    assert [n for n in notes if n] == [row["note"] for row in vi if row["note"]]
    assert not any(w in n for n in notes for w in ("no data", "cluster", "established", "from"))
    missing = wb["Thiếu Mẫu 02"]
    assert [[c.value for c in row] for row in missing.iter_rows()] == [
        ["Mã", "Tên cụm công nghiệp", "Địa bàn", "Chủ đầu tư hạ tầng", "Bước"],
        ["BS2", "Cụm công nghiệp Bắc Sơn 2", "Cao Lộc", None, "Chấp thuận đầu tư"],
    ]
    csv_text = ok(ccn("report", "circular14", "--period", "2026H1", "--format", "csv")).stdout
    assert csv_text.splitlines()[0] == "\ufeffno,indicator_vi,indicator_en,unit,value,note"
    assert csv_text.splitlines()[7] == "5,Số lượng CCN thành lập mới trong kỳ,Clusters "\
                                       "established in the period,Cụm,1,"\
                                        "established 15/12/2025-14/06/2026"  # fmt: skip
    csv_vi = ok(ccn("--lang", "vi", "report", "circular14", "--period", "2026H1", "--format",
                    "csv")).stdout.splitlines()  # fmt: skip
    assert csv_vi[0] == "\ufeffno,indicator_vi,indicator_en,unit,value,note"
    assert csv_vi[7] == "5,Số lượng CCN thành lập mới trong kỳ,Clusters established in the "\
                        "period,Cụm,1,thành lập từ 15/12/2025 đến 14/06/2026"  # fmt: skip
    table = ok(ccn("--lang", "vi", "report", "circular14", "--period", "2026H1")).stdout
    assert "\nChưa có Mẫu 02 kỳ 2026H1:\n" in table and "BS2" in table
    table_en = ok(ccn("report", "circular14", "--period", "2026H1")).stdout
    assert "\nNo Form 02 for 2026H1:\n" in table_en
    assert "thành lập từ 15/12" in table and "established" not in table
    r = ccn("report", "circular14", "--period", "2026H1", "--form", "03")
    assert r.stderr == "Error: form 03 is for one locality: give --locality\n"


def test_every_other_report_also_writes_xlsx(ccn: Ccn) -> None:
    portfolio(ccn)
    for args in (["cluster", "list"], ["report", "funnel"], ["history", "HT1"],
                 ["report", "occupancy"], ["indicators", "list"]):  # fmt: skip
        r = ok(ccn(*args, "--format", "xlsx"))
        ws = load_workbook(io.BytesIO(r.stdout_bytes)).worksheets[0]
        assert ws["A1"].font.b, args
    listed = ccn("cluster", "list", "--format", "xlsx").stdout_bytes
    ws = load_workbook(io.BytesIO(listed)).worksheets[0]
    assert [c.value for c in ws[1]] == [
        "code",
        "name",
        "locality",
        "state",
        "since",
        "days_in_state",
    ]
    assert (ws["A2"].value, ws["E2"].number_format) == ("BS2", "DD/MM/YYYY")
    assert ws["F3"].number_format == "#,##0" and isinstance(ws["F3"].value, int)


def test_demo_writes_the_circular14_workbook(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import cli

    r = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    book = tmp_path / "circular14-2025.xlsx"
    assert f"\nCircular 14 report: {book}\n" in r.output
    ws = load_workbook(book).worksheets[0]
    values = {ws.cell(row=i, column=1).value: ws.cell(row=i, column=4).value
              for i in range(7, 45)}  # fmt: skip
    assert (values["15"], values["15.1"], values["20"], values["22"]) == (3, 3, 11, 11)
    # The figures are invented: the workbook says so under its title (review 13, Low).
    assert ws["A5"].value.startswith("SỐ LIỆU MINH HỌA: các số liệu Mẫu 02 là giả lập")


FORGED_RECORD = (
    "INSERT INTO indicators (seq, code, code_key, period, version, data, actor, db_user, "
    "recorded_at, prev_hash, hash, canon) VALUES (9, 'PG1', 'PG1', '2026H1', 9, '{{}}', "
    "'{actor}', 'lan', now(), repeat('0', 64), repeat('0', 64), 1)"
)


def test_pg_a_team_login_records_form02_as_itself(logins, pg_url) -> None:  # noqa: F811
    from sqlalchemy.exc import DBAPIError

    from .test_identity import login_sql, run

    lan = logins["lan"]
    assert run(lan, "cluster", "add", "PG1", "--name", "Cụm PG1").exit_code == 0
    r = run(lan, "indicators", "record", "PG1", "--period", "2026H1", "--projects", "2")
    assert (r.exit_code, r.stderr) == (0, "")
    [record] = json.loads(run(lan, "indicators", "list", "--format", "json").stdout)
    assert (record["actor"], record["projects"]) == ("lan", 2)
    r = run(logins["stranger"], "indicators", "record", "PG1", "--period", "2026H1",
            "--projects", "3", actor="lan")  # fmt: skip
    assert r.stderr.startswith("Error: database login stranger is not mapped to a ccn user")
    with pytest.raises(DBAPIError, match="login lan may not record as sup"):
        login_sql(pg_url, "lan", FORGED_RECORD.format(actor="sup"))
    with pytest.raises(DBAPIError, match="permission denied for table indicators"):
        login_sql(pg_url, "lan", "UPDATE indicators SET data = '{}'")
    assert run(lan, "audit", "verify").stdout == (
        "OK: 1 clusters, 1 transitions verified\nOK: 1 Form 02 indicator records verified\n"
    )


@pytest.mark.parametrize("text", ["1e3", "1E3", "inf", "-inf", "nan", "Infinity"])
def test_a_figure_written_as_python_reads_it_is_refused(ccn: Ccn, text: str) -> None:
    portfolio(ccn)
    r = ccn("indicators", "record", "HT1", "--period", "2025", "--revenue-bn", text)
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == f"Error: invalid revenue_bn {text!r}: give a number\n"
    assert ok(ccn("indicators", "list", "--format", "json")).stdout == "[]\n"
