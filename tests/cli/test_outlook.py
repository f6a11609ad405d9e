"""`ccn targets`, `ccn report forecast` and `ccn report targets`: exact output and errors."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import cli
from states.targets import example_path

from ..conftest import FROZEN_NOW, dump, raw_sql

BASE = date(2025, 1, 6)
AS_OF = date(2026, 3, 1)


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def j(result):
    return json.loads(ok(result))


def iso(day: date) -> str:
    return day.isoformat()


def two_step_history(ccn) -> None:
    """Six clusters through investment approval (10..60 days) and infrastructure (100),
    and X, 35 days into investment approval on AS_OF."""
    for i in range(1, 7):
        ok(ccn("cluster", "add", f"A{i}", "--name", f"Cụm A{i}", "--state",
               "investment_approval", "--since", iso(BASE), "--ref", "QĐ 1"))  # fmt: skip
        for days in (10 * i, 10 * i + 100):
            ok(ccn("advance", f"A{i}", "--on", iso(BASE + timedelta(days=days)), "--ref", "QĐ"))
    ok(ccn("cluster", "add", "X", "--name", "Cụm X", "--state", "investment_approval",
           "--since", iso(AS_OF - timedelta(days=35)), "--ref", "QĐ 1"))  # fmt: skip


def test_forecast_table_json_and_csv(ccn) -> None:
    two_step_history(ccn)
    as_of = ["--as-of", "01/03/2026"]
    assert ok(ccn("report", "forecast", *as_of)) == (
        "Code  State                P50 operating  P90 operating  Low data\n"
        "----  -------------------  -------------  -------------  --------\n"
        "X     Investment approval  24/06/2026     04/07/2026     no\n"
    )
    assert j(ccn("report", "forecast", *as_of, "--seed", "3", "--format", "json")) == [
        {"code": "X", "state": "investment_approval", "p50_operating_on": "2026-06-24",
         "p90_operating_on": "2026-07-04", "low_data": False}
    ]  # fmt: skip
    assert ok(ccn("report", "forecast", *as_of, "--format", "csv")).splitlines() == [
        "\ufeffcode,state,p50_operating_on,p90_operating_on,low_data,reason",
        "X,investment_approval,2026-06-24,2026-07-04,False,",
    ]


def test_clusters_that_cannot_be_forecast_say_why(ccn) -> None:
    two_step_history(ccn)
    # Registered suspended without the step it left: nothing to resume to.
    ok(ccn("cluster", "add", "S", "--name", "Cụm S", "--state", "suspended",
           "--since", "2026-01-05", "--ref", "QĐ 2", "--note", "tạm dừng"))  # fmt: skip
    as_of = ["--as-of", "01/03/2026"]
    assert ok(ccn("report", "forecast", *as_of)) == (
        "Code  State                P50 operating  P90 operating  Low data\n"
        "----  -------------------  -------------  -------------  --------\n"
        "S     Suspended            -              -              -\n"
        "X     Investment approval  24/06/2026     04/07/2026     no\n"
        "\n"
        "S: cannot be forecast: suspended with no state to resume to\n"
    )
    s = j(ccn("report", "forecast", *as_of, "--format", "json"))[0]
    assert s == {"code": "S", "state": "suspended", "p50_operating_on": None,
                 "p90_operating_on": None, "low_data": None,
                 "reason": "suspended with no state to resume to"}  # fmt: skip
    assert ok(ccn("report", "forecast", *as_of, "--format", "csv")).splitlines()[1] == (
        "S,suspended,,,,suspended with no state to resume to"
    )


def test_forecast_is_the_same_for_the_same_seed(ccn) -> None:
    ok(ccn("cluster", "add", "P", "--name", "Cụm P", "--since", "2024-01-01"))
    first = j(ccn("report", "forecast", "--format", "json"))
    assert first == j(ccn("report", "forecast", "--format", "json", "--seed", "0"))
    assert first != j(ccn("report", "forecast", "--format", "json", "--seed", "1"))
    assert first[0]["low_data"] is True


def test_backtest_json_keys_and_table(ccn) -> None:
    two_step_history(ccn)
    with freeze_time("2026-08-01 03:00:00"):
        ok(ccn("advance", "X", "--on", "2026-04-01", "--ref", "QĐ 9"))
        ok(ccn("advance", "X", "--on", "2026-06-30", "--ref", "QĐ 10"))
        # Everything above was recorded on 02/03/2026: what was known at its end.
        data = j(ccn("report", "forecast", "--backtest", "2026-03-02", "--format", "json"))
        table = ok(ccn("report", "forecast", "--backtest", "2026-03-02"))
        nothing = j(ccn("report", "forecast", "--backtest", "2026-03-01", "--as-recorded",
                        "--format", "json"))  # fmt: skip
    assert data == {
        "backtest_on": "2026-03-02", "judged_on": "2026-08-01", "history": "effective",
        "clusters": 1,
        "judged_p50": 1, "within_p50": 0, "share_p50": 0.0,
        "judged_p90": 1, "within_p90": 1, "share_p90": 1.0,
        "rows": [{"code": "X", "state": "investment_approval",
                  "p50_operating_on": "2026-06-24", "p90_operating_on": "2026-07-04",
                  "low_data": False, "operating_on": "2026-06-30", "within_p50": False,
                  "within_p90": True,
                  # 36 days in: passages of 40, 50 and 60 days leave 4, 14 or 24.
                  "next_state": "infrastructure", "p50_next_on": "2026-03-16",
                  "p90_next_on": "2026-03-26", "next_on": "2026-04-01",
                  "next_within_p50": False, "next_within_p90": False}],
        "judged_next_p50": 1, "within_next_p50": 0, "share_next_p50": 0.0,
        "judged_next_p90": 1, "within_next_p90": 0, "share_next_p90": 0.0,
    }  # fmt: skip
    assert table.splitlines()[-2:] == [
        "Backtest from 02/03/2026 (entries effective by then, whenever recorded), judged on "
        "01/08/2026: 1 clusters; within P50 0 of 1 judged (0%); within P90 1 of 1 judged (100%).",
        "Next step: within P50 0 of 1 judged (0%); within P90 0 of 1 judged (0%).",
    ]
    assert (nothing["history"], nothing["clusters"], nothing["share_p50"], nothing["rows"]) == (
        "recorded", 0, None, [])  # fmt: skip


def test_backtest_uses_history_loaded_after_its_date(ccn) -> None:
    """Back-loaded history: everything recorded "today" (02/03/2026), effective long
    before. The truth is known: X entered investment approval on 25/01/2026 and becomes
    operating on 30/06/2026, inside the P90 of the two-step history."""
    two_step_history(ccn)
    with freeze_time("2026-08-01 03:00:00"):
        ok(ccn("advance", "X", "--on", "2026-04-01", "--ref", "QĐ 9"))
        ok(ccn("advance", "X", "--on", "2026-06-30", "--ref", "QĐ 10"))
        effective = j(ccn("report", "forecast", "--backtest", "2026-03-01", "--format", "json"))
        recorded = j(ccn("report", "forecast", "--backtest", "2026-03-01", "--as-recorded",
                         "--format", "json"))  # fmt: skip
        table = ok(ccn("report", "forecast", "--backtest", "2026-03-01", "--as-recorded"))
    assert (effective["history"], effective["clusters"], effective["judged_p90"]) == (
        "effective", 1, 1)  # fmt: skip
    [x] = effective["rows"]
    assert (x["code"], x["operating_on"], x["within_p90"]) == ("X", "2026-06-30", True)
    assert (recorded["history"], recorded["clusters"]) == ("recorded", 0)
    assert table.splitlines()[-2].startswith(
        "Backtest from 01/03/2026 (entries recorded by then), judged on 01/08/2026: 0 clusters"
    )


def test_as_recorded_needs_backtest(ccn) -> None:
    r = ccn("report", "forecast", "--as-recorded")
    assert (r.exit_code, r.stderr) == (2, "Error: --as-recorded needs --backtest "
                                       "(see 'ccn report forecast --help')\n")  # fmt: skip


def test_backtest_refuses_as_of_and_a_date_not_past(ccn) -> None:
    r = ccn("report", "forecast", "--backtest", "2026-01-01", "--as-of", "2026-02-01")
    assert (r.exit_code, r.stderr) == (2, "Error: --as-of and --backtest cannot be combined "
                                       "(see 'ccn report forecast --help')\n")  # fmt: skip
    r = ccn("report", "forecast", "--backtest", "02/03/2026")
    assert (r.exit_code, r.stderr) == (
        1, "Error: backtest date 02/03/2026 must be before 02/03/2026\n")  # fmt: skip


def test_targets_install_list_and_refusals(ccn, db_url, tmp_path) -> None:
    example = str(example_path())
    assert ok(ccn("targets", "install", example)) == (
        "Installed targets lang_son@2023 (2 targets).\n"
    )
    assert ok(ccn("targets", "install", example)) == (
        "Targets lang_son@2023 are already installed with this text.\n"
    )
    before = dump(db_url)
    changed = tmp_path / "changed.toml"
    changed.write_text(example_path().read_text(encoding="utf-8").replace("= 3", "= 4"), "utf-8")
    r = ccn("targets", "install", str(changed))
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", "Error: targets lang_son@2023 are "
        "stored with a different text; changed targets need a new version\n")  # fmt: skip
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[targets]\nname = "t"\nversion = "1"\n[[target]]\nname = "Mục tiêu 1"\n'
        'kind = "deadline"\nstate = "operating"\nby = 2030-01-01\n',
        "utf-8",
    )
    r = ccn("targets", "install", str(bad))
    assert (r.exit_code, r.stderr) == (
        1, f"Error: invalid targets: {bad}: target 'Mục tiêu 1': cluster must be a non-empty "
        "text\n")  # fmt: skip
    assert dump(db_url) == before
    [row] = j(ccn("targets", "list", "--format", "json"))
    assert set(row) == {"targets", "sha256", "stored_at", "installed_by", "count", "current"}
    assert (row["targets"], row["installed_by"], row["count"], row["current"]) == (
        "lang_son@2023", "tester", 2, True)  # fmt: skip


def test_targets_list_when_none_are_installed(ccn) -> None:
    assert ok(ccn("targets", "list")) == "No targets are installed yet.\n"
    r = ccn("report", "targets")
    assert (r.exit_code, r.stderr) == (
        1, "Error: no targets are installed; run `ccn targets install FILE`\n")  # fmt: skip


def test_report_targets(ccn, tmp_path) -> None:
    two_step_history(ccn)
    ok(ccn("targets", "install", str(example_path())))
    assert ok(ccn("report", "targets", "--as-of", "01/03/2026")) == (
        "Target                  Kind      By          Status        Prob.  Deciding\n"
        "----------------------  --------  ----------  ------------  -----  --------\n"
        "operating_2025          count     31/12/2025  met           100%   -\n"
        "district_coverage_2030  coverage  31/12/2030  unmeasurable  -      -\n"
        "\n"
        "district_coverage_2030: no cluster has a measured occupancy\n"
    )
    # Vietnamese: the table shows status and kind in Vietnamese; JSON and CSV the codes.
    vi = ok(ccn("--lang", "vi", "report", "targets", "--as-of", "01/03/2026")).splitlines()
    assert vi[2].split()[:5] == ["operating_2025", "số", "lượng", "31/12/2025", "đã"]
    assert "độ phủ" in vi[3] and "không đo được" in vi[3]
    vi_json = j(ccn("--lang", "vi", "report", "targets", "--as-of", "01/03/2026",
                    "--format", "json"))  # fmt: skip
    assert [(r["kind"], r["status"]) for r in vi_json] == [
        ("count", "met"), ("coverage", "unmeasurable")]  # fmt: skip
    vi_csv = ok(ccn("--lang", "vi", "report", "targets", "--as-of", "01/03/2026",
                    "--format", "csv")).splitlines()  # fmt: skip
    assert vi_csv[1].split(",")[1:4:2] == ["count", "met"]
    # On 01/05/2025 only A1 operates; A2..A6 are in infrastructure, whose one completed
    # passage is too few: the 1095-day prior makes two more by the end of 2025 unlikely.
    rows = j(ccn("report", "targets", "--as-of", "2025-05-01", "--format", "json"))
    assert list(rows[0]) == ["target", "label", "kind", "by", "status", "probability",
                             "deciding", "reason"]  # fmt: skip
    assert (rows[0]["status"], rows[0]["reason"]) == ("at_risk", None)
    assert 0 < rows[0]["probability"] < 0.8
    assert len(rows[0]["deciding"]) == 3
    assert set(rows[0]["deciding"]) <= {f"A{i}" for i in range(2, 7)}
    # CSV: the deciding codes joined by ";", never a Python list.
    csv = ok(ccn("report", "targets", "--as-of", "2025-05-01", "--format", "csv")).splitlines()
    assert csv[0] == "\ufefftarget,kind,by,status,probability,deciding,reason"
    assert csv[1].split(",")[5] == ";".join(rows[0]["deciding"])


def test_demo_installs_the_lang_son_targets(tmp_path) -> None:
    out = ok(CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)]))
    targets = out.split("Targets on 31/12/2025:\n")[1].split("\nDemo database:")[0]
    lines = targets.splitlines()
    assert lines[2].split()[:4] == ["operating_2025", "count", "31/12/2025", "missed"]
    # Three clusters have (invented) Form 02 figures: measured, but below 50% today.
    assert lines[3].split()[:5] == ["district_coverage_2030", "coverage", "31/12/2030",
                                    "at_risk", "0%"]  # fmt: skip
    assert ("district_coverage_2030: occupancy is not forecast: each cluster counts with its "
            "latest measured figure (12 have none)") in lines  # fmt: skip
    # The demo's history is back-loaded (all recorded today): the backtest still judges.
    db = str(tmp_path / "demo.db")
    b = j(CliRunner().invoke(cli, ["--db", db, "report", "forecast", "--backtest", "2025-06-30",
                                   "--format", "json"]))  # fmt: skip
    assert (b["history"], b["clusters"]) == ("effective", 15)
    assert b["judged_next_p50"] >= 5 and b["judged_next_p90"] >= 5
    assert {r["code"] for r in b["rows"] if r["next_on"]} >= {"HL1", "ND1", "TD1", "VQ1", "HD1"}
    # No CSV of the new views holds a Python repr (a list, a tuple, None).
    for command in (["report", "targets"], ["report", "forecast"],
                    ["report", "forecast", "--backtest", "2025-06-30"], ["targets", "list"],
                    ["report", "occupancy"], ["report", "occupancy", "--by", "locality"],
                    ["report", "circular14", "--period", "2025"], ["indicators", "list"],
                    ["report", "deadlines"]):  # fmt: skip
        text = ok(CliRunner().invoke(cli, ["--db", db, *command, "--format", "csv"]))
        assert not re.search(r"\[|\]|\('|None", text), command
    deciding = ok(CliRunner().invoke(cli, ["--db", db, "report", "targets", "--as-of",
                                           "2025-06-30", "--format", "csv"]))  # fmt: skip
    assert re.search(r",[A-Z0-9]+;[A-Z0-9]+", deciding), deciding


def test_installed_targets_are_append_only_and_tampering_is_caught(ccn, db_url) -> None:
    ok(ccn("targets", "install", str(example_path())))
    with pytest.raises(Exception, match="append-only"):
        raw_sql(db_url, "UPDATE targets SET installed_by = 'someone else'")
    raw_sql(db_url, "UPDATE targets SET text = replace(text, '= 3', '= 1')", unlock=("targets",))
    r = ccn("report", "targets")
    assert (r.exit_code, r.stderr) == (1, "Error: targets lang_son@2023 were altered in the "
                                       "database: text and SHA-256 differ\n")  # fmt: skip


def test_coverage_reads_occupancy_from_form02(ccn, tmp_path) -> None:
    for code, place in (("A1", "Cao Lộc"), ("B1", "Bắc Sơn")):
        ok(ccn("cluster", "add", code, "--name", f"Cụm {code}", "--locality", place,
               "--state", "infrastructure", "--since", "2025-01-06", "--ref", "QĐ 1",
               "--area-ha", "20", "--industrial-land-ha", "10"))  # fmt: skip
    targets = tmp_path / "t.toml"
    targets.write_text(
        '[targets]\nname = "t"\nversion = "1"\n\n[[target]]\nname = "cover"\n'
        'kind = "coverage"\nstate = "infrastructure"\nat_least = 1\noccupancy_above = 50\n'
        'by = "2030-12-31"\n',
        encoding="utf-8",
    )
    ok(ccn("targets", "install", str(targets)))
    ok(ccn("indicators", "record", "A1", "--period", "2025", "--leased-ha", "6"))
    # Bắc Sơn's cluster is measured at 50%: not above it.
    ok(ccn("indicators", "record", "B1", "--period", "2025", "--leased-ha", "5"))
    row = j(ccn("report", "targets", "--format", "json"))[0]
    assert (row["status"], row["probability"]) == ("at_risk", 0.0)
    ok(ccn("indicators", "record", "B1", "--period", "2025", "--leased-ha", "5.5"))
    row = j(ccn("report", "targets", "--format", "json"))[0]
    assert (row["status"], row["probability"]) == ("met", 1.0)
