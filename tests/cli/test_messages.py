"""Messages and tables a person can use: exact output for each, and 80 columns always."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import cli
from workflow.render import width

from ..conftest import FROZEN_NOW, ok

CODE = "HT1-" + "X" * 28  # the longest code there can be: 32 characters


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):
        yield


@pytest.mark.parametrize("args", [[], ["cluster"], ["report"], ["user"]])
def test_asking_for_nothing_prints_the_help(args) -> None:
    r = CliRunner().invoke(cli, args)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout.startswith(f"Usage: ccn {' '.join(args)}".rstrip() + " [OPTIONS] COMMAND")


def test_a_global_option_after_the_command_says_where_it_belongs() -> None:
    r = CliRunner().invoke(cli, ["advance", "HT1", "--actor", "boss"])
    assert (r.exit_code, r.stderr) == (
        2, "Error: --actor is a global option: put it before the command, e.g. "
        "`ccn --actor … advance …`\n")  # fmt: skip


def test_a_threshold_for_a_final_state_is_refused(ccn) -> None:
    r = ccn("report", "stalled", "--threshold", "cancelled=1")
    assert (r.exit_code, r.stderr) == (
        1, "Error: invalid threshold 'cancelled=1': cancelled is a final state, where nothing "
        "can stall\n")  # fmt: skip


def test_empty_results_say_so(ccn) -> None:
    assert ok(ccn("cluster", "list")).stdout == "No clusters match.\n"
    assert ok(ccn("audit", "log", "--cluster", "NOPE")).stdout == "No entries match.\n"
    assert ok(ccn("workflow", "list")).stdout == "No workflow definitions are stored yet.\n"
    assert ok(ccn("cluster", "list", "--format", "json")).stdout == "[]\n"


def test_workflow_list_counts_the_clusters_pinned_to_each_definition(ccn) -> None:
    for code in ("A1", "B1"):
        ok(ccn("cluster", "add", code, "--name", f"Cụm {code}"))
    rows = json.loads(ok(ccn("workflow", "list", "--format", "json")).stdout)
    assert [(r["workflow"], r["clusters"]) for r in rows] == [
        ("cluster_establishment@nd32-2024", 2)
    ]
    lines = ok(ccn("workflow", "list")).stdout.splitlines()
    assert lines[0].split() == ["Workflow", "SHA-256", "Stored", "Clusters"]
    assert lines[2].split()[2:] == ["02/03/2026", "2"]


def test_a_line_break_in_a_note_shows_as_a_mark(ccn) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm HT1", "--note", "dòng một\ndòng hai"))
    table = ok(ccn("history", "HT1")).stdout.splitlines()
    assert len(table) == 3
    assert table[2].endswith("dòng một↵dòng hai")


def test_long_names_are_cut_in_the_middle_and_stay_distinct(ccn) -> None:
    for i in (1, 2):
        name = f"Cụm công nghiệp Hợp Thành mở rộng phía Tây Bắc giai đoạn {i}"
        ok(ccn("cluster", "add", f"HT{i}", "--name", name, "--locality", "Cao Lộc, Lạng Sơn"))
    rows = ok(ccn("cluster", "list")).stdout.splitlines()[2:]
    names = [row[6:].split("  ")[0] for row in rows]
    assert all("…" in n for n in names)
    assert names[0] != names[1]
    assert names[0].endswith("1") and names[1].endswith("2")


def test_vietnamese_headers_and_labels_in_history(ccn) -> None:
    ok(ccn("cluster", "add", "HT1", "--name", "Cụm HT1"))
    lines = ok(ccn("--lang", "vi", "history", "HT1")).stdout.splitlines()
    assert lines[0].split()[:4] == ["#", "Sự", "kiện", "Sang"]
    assert "Trong quy hoạch" in lines[2]


def test_every_table_fits_80_columns_with_the_longest_codes(ccn, tmp_path) -> None:
    long = "Cụm công nghiệp " + "rất dài " * 12
    admin = ("quản trị viên có tên rất dài " * 3).strip()
    actor = ("nhân viên " * 4).strip()
    ok(ccn("user", "add", admin, "--role", "admin", actor=admin))
    ok(ccn("user", "add", actor, "--role", "supervisor", actor=admin))
    ok(ccn("cluster", "add", CODE, "--name", long, "--locality", long, "--developer", long,
           "--state", "establishment", "--since", "2024-01-02", "--ref", long, "--note", long,
           actor=actor))  # fmt: skip
    ok(ccn("suspend", CODE, "--reason", long, "--on", "2024-02-01", actor=actor))
    commands = [
        ["cluster", "list"], ["history", CODE], ["report", "stalled"],
        ["report", "bottlenecks"], ["report", "funnel"], ["audit", "log"], ["user", "list"],
        ["user", "log"], ["workflow", "list"], ["workflow", "show"],
        ["calendar", "list", "--year", "2026"],
    ]  # fmt: skip
    for lang in ("en", "vi"):
        for args in commands:
            out = ok(ccn("--lang", lang, *args, actor=actor)).stdout
            assert all(width(line) <= 80 for line in out.splitlines()), (args, out)
            if args[0] == "cluster" or args[1] == "stalled":
                assert CODE in out, args  # a code is never cut
            if args[0] == "audit":  # beside two dates, a code gives way last, in the middle
                assert "HT1-XXXXXXXXX" in out and "XXXXXXXXX  " in out, out


def test_a_folder_given_as_the_database_is_called_a_folder(tmp_path) -> None:
    for args in (["cluster", "list"], ["init"]):
        r = CliRunner().invoke(cli, ["--db", str(tmp_path), *args])
        message = f"Error: {tmp_path} is a folder, not a database file: give the file's path\n"
        assert (r.exit_code, r.stderr) == (1, message)
