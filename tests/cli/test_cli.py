"""The CLI contract: exact output, exact errors, exit codes, help everywhere."""

from __future__ import annotations

import csv
import io
import json
from typing import cast

import click
import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import cli
from db.schema import HEAD
from states import default_definition

from ..conftest import FROZEN_NOW, dump

NAME = "Cụm công nghiệp Hợp Thành 1"


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, cmd in group.commands.items():
        found.append((*prefix, name))
        if isinstance(cmd, click.Group):
            found += _commands(cmd, (*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    cmd: click.Command = cli
    for part in path:
        cmd = cast(click.Group, cmd).commands[part]  # every part but the last names a group
    assert cmd.help and cmd.help.strip(), f"ccn {' '.join(path)} has no help text"
    assert "Usage: ccn" in result.output


def test_walk_a_cluster_to_operating(ccn) -> None:
    r = ccn("cluster", "add", "HT1", "--name", NAME, "--locality", "Cao Lộc",
            "--since", "15/03/2021", "--ref", "QĐ 377/QĐ-UBND")  # fmt: skip
    assert (r.exit_code, r.stdout) == (0, "Registered HT1 in planned since 15/03/2021.\n")
    r = ccn("advance", "HT1", "--on", "2021-11-01")
    assert r.stdout == "HT1: planned -> planning_compliant (advance, seq 2, effective 01/11/2021)\n"
    ccn("advance", "HT1", "--to", "establishment", "--on", "01/03/2022")
    r = ccn("advance", "HT1", "--on", "2023-06-05")
    assert (r.exit_code, r.stderr) == (
        1, "Error: ref is required for entering investment_approval (cluster HT1)\n")  # fmt: skip
    ccn("advance", "HT1", "--on", "2023-06-05", "--ref", "QĐ 1689/QĐ-UBND")
    ccn("advance", "HT1", "--on", "2024-03-20", "--ref", "QĐ 512/QĐ-UBND")
    r = ccn("advance", "HT1", "--note", "Nghiệm thu đưa vào sử dụng")
    assert r.exit_code == 0
    r = ccn("history", "HT1", "--format", "json")
    entries = json.loads(r.stdout)
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0] == {
        "seq": 1, "event": "register", "from_state": None, "to_state": "planned",
        "effective_at": "2021-03-15T00:00:00+07:00", "recorded_at": "2026-03-02T10:00:00+07:00",
        "actor": "tester", "ref": "QĐ 377/QĐ-UBND", "note": None,
        "data": {"area_ha": None, "developer": None, "locality": "Cao Lộc", "name": NAME,
                 "workflow": "cluster_establishment@nd32-2024",
                 "workflow_sha256": default_definition().sha256},
    }  # fmt: skip
    assert entries[3]["ref"] == "QĐ 1689/QĐ-UBND"
    assert entries[5]["to_state"] == "operating"
    assert entries[5]["effective_at"] == "2026-03-02T10:00:00+07:00"
    table = ccn("history", "HT1").stdout.splitlines()
    assert table[0].split() == ["#", "Event", "To", "Effective", "Actor", "Login", "Ref", "Note"]
    # States shown by their label, as in every table.
    assert table[5].split()[:5] == ["4", "advance", "Investment", "approval", "05/06/2023"]
    assert all(len(line) <= 80 for line in table)
    r = ccn("cluster", "show", "HT1", "--format", "json")
    assert json.loads(r.stdout) == {
        "code": "HT1", "name": NAME, "locality": "Cao Lộc", "area_ha": None, "developer": None,
        "state": "operating", "since": "2026-03-02", "paused_days": 0, "days_in_state": 0,
        "resumes_to": None, "allowed": [],
        "next_state": None, "workflow": "cluster_establishment@nd32-2024",
        "milestones": [], "open_milestones": [], "paused": [], "next_due": None,
        "establishment_test": {
            "locality": "Cao Lộc", "may_establish": None,
            "reason": "no occupancy figures for its established clusters",
            "sentence": "Cao Lộc: cannot tell whether another cluster may be established (no "
                        "occupancy figures for its established clusters)",
            "established": 1, "with_data": 0, "simple_avg_pct": None, "weighted_avg_pct": None,
            "industrial_land_ha": 0.0, "leased_ha": 0.0, "unleased_ha": None,
        },
    }  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["advance", "NOPE"], 1, "Error: unknown cluster 'NOPE'"),
        (["resume", "HT1"], 1, "Error: cannot resume cluster HT1: it is in planned; "
         "allowed events: advance, suspend, cancel"),
        (["advance", "HT1", "--to", "establishment"], 1, "Error: cannot advance cluster HT1 "
         "from planned to establishment; valid targets: planning_compliant"),
        (["advance", "HT1", "--on", "31/02/2025"], 1,
         "Error: invalid date '31/02/2025' (use YYYY-MM-DD or DD/MM/YYYY)"),
        (["advance", "HT1", "--on", "2025-13-01"], 1,
         "Error: invalid date '2025-13-01' (use YYYY-MM-DD or DD/MM/YYYY)"),
        (["advance", "HT1", "--on", "0001-01-01"], 1,
         "Error: date '0001-01-01' is out of range (1900-2199)"),
        (["advance", "HT1", "--on", ""], 1,
         "Error: date is empty (use YYYY-MM-DD or DD/MM/YYYY)"),
        (["advance", "HT1", "--on", "2026-03-03"], 1,
         "Error: effective date 03/03/2026 is in the future (today is 02/03/2026)"),
        (["advance", "HT1", "--on", "2021-01-01"], 1, "Error: effective date 01/01/2021 is "
         "before cluster HT1 entered planned on 15/03/2021"),
        (["suspend", "HT1"], 2,
         "Error: Missing option '--reason'. (see 'ccn suspend --help')"),
        (["send-back", "HT1", "--to", "nowhere", "--reason", "x"], 1,
         "Error: unknown state 'nowhere' (known: planned, planning_compliant, establishment, "
         "investment_approval, infrastructure, operating, suspended, cancelled)"),
        (["cluster", "add", "ht1", "--name", "x"], 1,
         "Error: cluster 'ht1' already exists (as 'HT1')"),
        (["cluster", "add", " HT1 ", "--name", "x"], 1,
         "Error: cluster 'HT1' already exists (as 'HT1')"),
        (["cluster", "add", "X;DROP TABLE clusters", "--name", "x"], 1,
         "Error: invalid cluster code 'X;DROP TABLE clusters': use 1-32 letters, digits, '.', "
         "'_' or '-', starting with a letter or digit"),
        (["frobnicate"], 2, "Error: No such command 'frobnicate'. (see 'ccn --help')"),
        (["cluster", "list", "--format", "xml"], 2, "Error: Invalid value for '--format': "
         "'xml' is not one of 'table', 'json', 'csv', 'xlsx'. (see 'ccn cluster list --help')"),
    ],
)  # fmt: skip
def test_bad_input_is_one_error_line_and_changes_nothing(ccn, args, code, error) -> None:
    ccn("cluster", "add", "HT1", "--name", NAME, "--since", "2021-03-15")
    before = dump(ccn.url)
    r = ccn(*args)
    assert (r.exit_code, r.stderr, r.stdout) == (code, error + "\n", "")
    assert dump(ccn.url) == before


def test_uninitialised_database_says_to_run_init(tmp_path) -> None:
    db = tmp_path / "new.db"
    r = CliRunner().invoke(cli, ["--db", str(db), "cluster", "list"])
    assert r.exit_code == 1
    assert r.stderr == f"Error: database sqlite:///{db} is not initialised; run `ccn init`\n"
    assert not db.exists()  # a refused command leaves no empty file behind
    single = (
        "Single-user mode: no users are registered, so anyone may do anything. "
        "Add an admin with `ccn user add NAME --role admin`.\n"
    )
    r = CliRunner().invoke(cli, ["--db", str(db), "init"])
    assert (
        r.stdout == f"Initialised database sqlite:///{db} (from --db) (schema {HEAD}).\n" + single
    )
    r = CliRunner().invoke(cli, ["--db", str(db), "init"])
    assert (
        r.stdout == f"Database sqlite:///{db} (from --db) is up to date (schema {HEAD}).\n" + single
    )


def test_database_from_environment(tmp_path, monkeypatch) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("CCN_DATABASE_URL", f"sqlite:///{db}")
    r = CliRunner().invoke(cli, ["init"])
    assert r.stdout.startswith(
        f"Initialised database sqlite:///{db} (from CCN_DATABASE_URL) (schema {HEAD}).\n"
    )


def test_default_database_is_in_user_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path))
    r = CliRunner().invoke(cli, ["init"])
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "xdg" / "ccn" / "ccn.db").exists()
    assert "(from default)" in r.stdout


def test_actor_comes_from_option_then_environment(ccn, monkeypatch) -> None:
    monkeypatch.setenv("CCN_ACTOR", "chị Lan")
    r = CliRunner().invoke(cli, ["--db", ccn.url, "cluster", "add", "A1", "--name", "A"])
    assert r.exit_code == 0
    ccn("advance", "A1", actor="anh Tuấn")
    entries = json.loads(ccn("history", "A1", "--format", "json").stdout)
    assert [e["actor"] for e in entries] == ["chị Lan", "anh Tuấn"]


CSV_TEXT = (
    "code,name,locality,area_ha,developer,state,since,ref\r\n"
    'HT1,Cụm công nghiệp Hợp Thành 1,Cao Lộc,60.5,"Công ty TNHH Hợp Thành, Lạng Sơn",'
    "investment_approval,05/06/2023,QĐ 1689/QĐ-UBND\r\n"
    "BS2,Cụm công nghiệp Bắc Sơn 2,Bắc Sơn,,,,,\r\n"
)


def test_import_export_round_trip(ccn, tmp_path, db_url) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(("\ufeff" + CSV_TEXT).encode("utf-8"))
    r = ccn("cluster", "import", str(src), "--dry-run")
    assert r.stdout == "Dry run: 2 clusters would be imported; nothing stored.\n"
    assert ccn("cluster", "list", "--format", "json").stdout == "[]\n"
    assert ccn("cluster", "import", str(src)).stdout == "Imported 2 clusters.\n"
    exported = ccn("cluster", "export").stdout_bytes.decode("utf-8")
    assert exported.startswith(
        "\ufeffcode,name,locality,area_ha,developer,state,since,ref,resumes_to,"
        "industrial_land_ha,developer_kind,kind,industries\r\n"
    )
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"), newline="")))
    assert rows[1] == {
        "code": "HT1", "name": "Cụm công nghiệp Hợp Thành 1", "locality": "Cao Lộc",
        "area_ha": "60.5", "developer": "Công ty TNHH Hợp Thành, Lạng Sơn",
        "state": "investment_approval", "since": "2023-06-05", "ref": "QĐ 1689/QĐ-UBND",
        "resumes_to": "", "industrial_land_ha": "", "developer_kind": "", "kind": "",
        "industries": "",
    }  # fmt: skip
    listed = ccn("cluster", "list", "--format", "json").stdout
    # Into a second, empty database: the same clusters come back.
    other = tmp_path / "other.db"
    CliRunner().invoke(cli, ["--db", str(other), "init"])
    (tmp_path / "out.csv").write_bytes(exported.encode("utf-8"))
    r = CliRunner().invoke(
        cli, ["--db", str(other), "cluster", "import", str(tmp_path / "out.csv")]
    )
    assert r.exit_code == 0, r.stderr
    again = CliRunner().invoke(cli, ["--db", str(other), "cluster", "list", "--format", "json"])
    assert again.stdout == listed


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "Error: file is empty; expected a header line: "
         "code,name,locality,area_ha,developer,state,since,ref,resumes_to,"
         "industrial_land_ha,developer_kind,kind,industries"),
        (b"HT1,Hop Thanh\r\n", "Error: line 1: unknown column(s) 'ht1', 'hop thanh'; expected "
         "header: code,name,locality,area_ha,developer,state,since,ref,resumes_to,"
         "industrial_land_ha,developer_kind,kind,industries"),
        (b"code|name\r\nA|B\r\n", "Error: header is separated by '|'; save the file as CSV "
         "(commas, or semicolons)"),
        ("code,name\r\nA1,Cà Mau\r\n".encode("cp1252"), "Error: file is not UTF-8 (bad byte at "
         "offset 15); save it as 'CSV UTF-8'"),
        (b"code,name\r\nA1,X,extra\r\n", "line 2: expected 2 fields, found 3\n"
         "Error: 1 problem(s); nothing imported"),
        (b"code,locality\r\nA1,X\r\n", "Error: line 1: missing column(s) name; expected header: "
         "code,name,locality,area_ha,developer,state,since,ref,resumes_to,"
         "industrial_land_ha,developer_kind,kind,industries"),
        (b"code,name,area_ha\r\nX1,n1,abc\r\nx1,dup,\r\n", "line 2: invalid area 'abc': give "
         "hectares as a number\nline 3: duplicate code 'x1' (also on line 2)\n"
         "Error: 2 problem(s); nothing imported"),
        (b"code,name,since\r\nA1,X,31/02/2025\r\n", "line 2: invalid date '31/02/2025' (use "
         "YYYY-MM-DD or DD/MM/YYYY)\nError: 1 problem(s); nothing imported"),
    ],
)  # fmt: skip
def test_bad_csv_files(ccn, tmp_path, content, error) -> None:
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    before = dump(ccn.url)
    r = ccn("cluster", "import", str(src))
    assert (r.exit_code, r.stderr) == (1, error + "\n")
    assert dump(ccn.url) == before


def test_list_formats(ccn) -> None:
    ccn("cluster", "add", "HT1", "--name", NAME, "--locality", "Cao Lộc", "--since", "2026-01-01")
    r = ccn("cluster", "list")
    assert r.stdout.splitlines() == [
        "Code  Name                         Locality  State    Since       Days",
        "----  ---------------------------  --------  -------  ----------  ----",
        "HT1   Cụm công nghiệp Hợp Thành 1  Cao Lộc   Planned  01/01/2026  60",
    ]
    r = ccn("--lang", "vi", "cluster", "list")
    assert "Trong quy hoạch" in r.stdout.splitlines()[2]
    r = ccn("cluster", "list", "--format", "csv")
    assert r.stdout_bytes.decode("utf-8") == (
        "\ufeffcode,name,locality,state,since,days_in_state\r\n"
        "HT1,Cụm công nghiệp Hợp Thành 1,Cao Lộc,planned,2026-01-01,60\r\n"
    )


def test_workflow_show_and_diagram() -> None:
    r = CliRunner().invoke(cli, ["workflow", "show", "--format", "json"])
    data = json.loads(r.stdout)
    assert data["name"] == "cluster_establishment" and data["version"] == "nd32-2024"
    r = CliRunner().invoke(cli, ["workflow", "diagram"])
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert "stateDiagram-v2" in lines
    assert "  planned --> planning_compliant: advance" in lines
    assert "  suspended --> establishment: resume" in lines
    assert "  [*] --> planned" in lines


def test_demo_builds_its_own_database(tmp_path) -> None:
    r = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 0, r.stderr
    out = r.stdout
    assert out.startswith("Demo portfolio: Lạng Sơn, 15 clusters.\n")
    assert "Cụm công nghiệp Hợp Thành 1" in out
    assert f"Demo database: {tmp_path / 'demo.db'}" in out
    deadlines = out.split("Legal deadlines on 31/12/2025:")[1].split("Targets on")[0]
    assert [line.split()[0] for line in deadlines.splitlines()[3:] if line.strip()] == [
        "TD1", "HD1", "VQ1"]  # fmt: skip
    stalled = out.split("Stalled on 31/12/2025:")[1].split("Steps on")[0].splitlines()
    # The standard stalled table: read the State column where its header starts.
    start = stalled[1].index("State")
    end = start + len(stalled[2].split("  ")[2])
    states = {line[start:end].strip() for line in stalled[3:] if line.strip()}
    assert {"Establishment", "Infrastructure"} <= states
    funnel = out.split("Funnel on 31/12/2025:")[1].split("Stalled on")[0]
    counts = {" ".join(line.split()[:-1]): line.split()[-1] for line in funnel.splitlines()[3:]
              if line.strip()}  # fmt: skip
    assert (counts["Planned"], counts["Establishment"], counts["Infrastructure"]) == ("4", "8", "3")
    assert "Bottleneck on 31/12/2025: Establishment" in out


def test_cluster_registered_as_suspended_resumes_with_to(ccn) -> None:
    ccn("cluster", "add", "S1", "--name", "S", "--state", "suspended", "--since", "2025-01-01")
    r = ccn("resume", "S1")
    assert (r.exit_code, r.stderr) == (1, "Error: cluster S1 was registered as suspended, so the "
        "state it left is not recorded; give --to with one of: planned, planning_compliant, "
        "establishment, investment_approval, infrastructure\n")  # fmt: skip
    r = ccn("resume", "S1", "--to", "establishment")
    assert r.stdout == "S1: suspended -> establishment (resume, seq 2, effective 02/03/2026)\n"


def test_json_lists_are_exactly_json_dumps(ccn) -> None:
    # Lists are streamed item by item; the text must still be json.dumps(..., indent=2).
    ccn("cluster", "add", "HT1", "--name", NAME, "--since", "2021-03-15")
    ccn("advance", "HT1", "--on", "2021-11-01", "--note", 'dòng "một"\nhai')
    for args in (["history", "HT1"], ["cluster", "list"], ["audit", "log"]):
        out = ccn(*args, "--format", "json").stdout
        assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
        assert json.loads(out)
