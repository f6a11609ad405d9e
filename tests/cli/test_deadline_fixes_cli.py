"""Review fixes of `report deadlines`, `cluster show` and `report html`: one calendar for
all three, a bad definition leaves out its clusters only, --as-of judges by the
definition pinned then; exact output on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from freezegun import freeze_time

from ..conftest import FROZEN_NOW, TEST_2026, dump, j, ok, raw_sql


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(ccn, code: str) -> None:
    ok(ccn("cluster", "add", code, "--name", f"Cụm {code}", "--locality", "Cao Lộc",
           "--state", "establishment", "--since", "2026-01-05",
           "--ref", "QĐ 1/QĐ-UBND"))  # fmt: skip


@pytest.fixture
def local_calendar(tmp_path: Path) -> str:
    path = tmp_path / "cal.toml"
    path.write_text('[[day_off]]\ndate = "2026-02-24"\nname = "Lễ hội tỉnh"\n', encoding="utf-8")
    return str(path)


def test_deadline_show_html_and_report_count_with_the_same_calendar(
    ccn, local_calendar, tmp_path
) -> None:
    add(ccn, "HT1")
    ok(ccn("milestone", "HT1", "first_application", "--on", "20/02/2026"))
    # 5 working days after 20/02: 27/02; with the province's day off on 24/02: 02/03.
    [row] = j(ccn("report", "deadlines", "--calendar", local_calendar, "--format", "json"))
    assert row["due_on"] == "2026-03-02"
    shown = j(ccn("cluster", "show", "HT1", "--calendar", local_calendar, "--format", "json"))
    assert shown["next_due"]["due_on"] == "2026-03-02"
    assert j(ccn("cluster", "show", "HT1", "--format", "json"))["next_due"]["due_on"] == (
        "2026-02-27"
    )
    card = ok(ccn("cluster", "show", "HT1", "--calendar", local_calendar)).stdout
    assert "next due:      02/03/2026 notice_published (0 days left)" in card
    page = tmp_path / "page.html"
    ok(ccn("report", "html", "--out", str(page), "--calendar", local_calendar))
    html = page.read_text(encoding="utf-8")
    assert "02/03/2026" in html and "27/02/2026" not in html
    ok(ccn("report", "html", "--out", str(page), "--force"))
    assert "27/02/2026" in page.read_text(encoding="utf-8")


def test_deadline_a_definition_that_cannot_be_used_leaves_out_only_its_clusters(
    ccn, db_url
) -> None:
    add(ccn, "APP")
    add(ccn, "NEW")
    ok(ccn("milestone", "APP", "dossier_complete", "--on", "02/02/2026"))  # kept (Art. 35.2)
    ok(ccn("milestone", "NEW", "first_application", "--on", "20/02/2026"))
    ok(ccn("workflow", "install", TEST_2026))
    ok(ccn("workflow", "migrate", "--to", "test-2026", "--reason", "thử"))
    # A text stored before the loader capped limits: its hash matches, its limit is absurd.
    text = (
        Path(TEST_2026)
        .read_text(encoding="utf-8")
        .replace(
            'limit = { value = 20, unit = "working_days" }',
            'limit = { value = 100000000, unit = "days" }',
        )
    )
    assert "100000000" in text
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    raw_sql(
        db_url,
        "UPDATE workflows SET text = '" + text.replace("'", "''") + f"', sha256 = '{sha}' "
        "WHERE version = 'test-2026'",
        unlock=("workflows",),
    )
    r = ccn("report", "deadlines", "--format", "json")
    assert r.exit_code == 0, r.stderr
    assert [(x["code"], x["milestone"]) for x in json.loads(r.stdout)] == [
        ("APP", "appraisal_reported")
    ]
    assert r.stderr == (
        "Warning: cluster NEW left out: workflow cluster_establishment@test-2026 can no "
        "longer be used: state 'establishment', milestone 'appraisal_reported': limit value "
        "100000000 is too large (at most 3650 days)\n"
    )
    shown = ccn("cluster", "show", "NEW")
    assert shown.exit_code == 1
    assert shown.stderr.startswith("Error: workflow cluster_establishment@test-2026 can no ")
    assert len(shown.stderr.splitlines()) == 1


def test_deadline_as_of_judges_by_the_definition_pinned_then(ccn) -> None:
    add(ccn, "VQ1")
    ok(ccn("milestone", "VQ1", "dossier_complete", "--on", "02/02/2026"))
    ok(ccn("workflow", "install", TEST_2026))
    ok(ccn("workflow", "migrate", "--to", "test-2026", "--reason", "thử",
           "--include-in-appraisal"))  # fmt: skip
    # Before today's migration: Decree 32, 25 days after 02/02/2026.
    [before] = j(ccn("report", "deadlines", "--as-of", "20/02/2026", "--format", "json"))
    assert before["due_on"] == "2026-02-27"
    # From today: the test rules, 20 working days (Tết 16-20/02 left out).
    [now] = j(ccn("report", "deadlines", "--as-of", "02/03/2026", "--format", "json"))
    assert now["due_on"] == "2026-03-09"


def test_deadline_vietnamese_table_shows_milestone_labels(ccn) -> None:
    add(ccn, "HT1")
    ok(ccn("milestone", "HT1", "first_application", "--on", "20/02/2026"))
    vi = ok(ccn("--lang", "vi", "report", "deadlines")).stdout
    assert "HT1  Cụm HT1  Cao Lộc  Thông báo tiếp n…  27/02/2026" in vi  # the label, cut to fit
    assert "notice_published" not in vi
    en = ok(ccn("report", "deadlines")).stdout
    assert "notice_published" in en
    # JSON keeps the milestone's name, whatever the language.
    [row] = j(ccn("--lang", "vi", "report", "deadlines", "--format", "json"))
    assert row["milestone"] == "notice_published"


def test_deadline_show_json_has_recorded_milestones_and_paused_clocks(ccn) -> None:
    add(ccn, "HT1")
    ok(ccn("milestone", "HT1", "dossier_complete", "--on", "02/02/2026"))
    ok(ccn("milestone", "HT1", "dossier_returned", "--on", "10/02/2026"))
    shown = j(ccn("cluster", "show", "HT1", "--format", "json"))
    assert shown["milestones"] == [
        {"milestone": "dossier_complete", "on": "2026-02-02"},
        {"milestone": "dossier_returned", "on": "2026-02-10"},
    ]
    assert shown["paused"] == [{"milestone": "appraisal_reported", "since": "2026-02-10"}]
    assert shown["next_due"] is None
    card = ok(ccn("cluster", "show", "HT1")).stdout
    assert "paused:        appraisal_reported since 10/02/2026" in card


def test_deadline_an_nfd_definition_is_stored_nfc(ccn, tmp_path) -> None:
    import unicodedata

    nfc_text = Path(TEST_2026).read_text(encoding="utf-8").replace("test-2026", "nfd-1")
    nfd = tmp_path / "nfd.toml"
    nfd.write_text(unicodedata.normalize("NFD", nfc_text), encoding="utf-8")
    assert nfd.read_text(encoding="utf-8") != nfc_text
    ok(ccn("workflow", "install", str(nfd)))
    [stored] = [w for w in j(ccn("workflow", "list", "--format", "json"))
                if w["workflow"].endswith("@nfd-1")]  # fmt: skip
    assert stored["sha256"] == hashlib.sha256(nfc_text.encode("utf-8")).hexdigest()
    add(ccn, "HT1")
    ok(ccn("workflow", "migrate", "--to", "nfd-1", "--reason", "thử"))
    ok(ccn("milestone", "HT1", "first_application", "--on", "20/02/2026"))
    [row] = j(ccn("report", "deadlines", "--format", "json"))
    assert row["responsible"] == "UBND cấp xã"
    assert unicodedata.is_normalized("NFC", row["responsible"])


def test_deadline_migrate_map_refuses_an_unknown_old_state(ccn) -> None:
    add(ccn, "HT1")
    ok(ccn("workflow", "install", TEST_2026))
    before = dump(ccn.url)
    r = ccn("workflow", "migrate", "--to", "test-2026", "--reason", "thử", "--map", "foo=planned")
    assert r.exit_code == 1
    assert r.stderr == "Error: --map foo=planned: no stored definition has a state foo\n"
    assert dump(ccn.url) == before


def test_deadline_migrate_dry_run_table_is_not_cut(ccn) -> None:
    add(ccn, "APP")
    ok(ccn("milestone", "APP", "dossier_complete", "--on", "02/02/2026"))
    ok(ccn("workflow", "install", TEST_2026))
    out = ok(ccn("workflow", "migrate", "--to", "test-2026", "--reason", "thử", "--dry-run"))
    # Nothing is cut, yet the table fits 80 columns: the long cells go on over more lines.
    assert out.stdout.splitlines() == [
        "To cluster_establishment@test-2026:",
        "Code  State          From                    Action  Why",
        "----  -------------  ----------------------  ------  ------------------------",
        "APP   Establishment  cluster_establishment@  keep    dossier under appraisal",
        "                     nd32-2024                       since 02/02/2026 (Decree",
        "                                                     32 Art. 35.2)",
        "would move 0 clusters, kept 1 (dry run: nothing changed)",
    ]


def test_deadline_demo_never_overwrites_an_existing_database(tmp_path) -> None:
    from click.testing import CliRunner

    from cli import cli

    db = tmp_path / "demo.db"
    db.write_bytes(b"someone's data")
    r = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 1
    assert r.stderr == (f"Error: {db} already exists; remove it or choose another --dir\n")
    assert db.read_bytes() == b"someone's data"
