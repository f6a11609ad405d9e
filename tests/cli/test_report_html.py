"""`ccn report html`: the page through the CLI, its errors, size, languages and dates."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from cli import cli
from db import SqlUnitOfWork, open_engine
from workflow import services
from workflow.services import Step

from ..conftest import FROZEN_NOW

STATES = ("planned", "planning_compliant", "establishment", "investment_approval",
          "infrastructure", "operating")  # fmt: skip


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def add(ccn, code, name=None, state="establishment", since="2025-01-06") -> None:
    r = ccn("cluster", "add", code, "--name", name or f"Cụm {code}", "--state", state,
            "--since", since, "--ref", "QĐ 1/QĐ-UBND", "--locality", "Cao Lộc")  # fmt: skip
    assert r.exit_code == 0, r.stderr


def funnel(page: str) -> dict[str, int]:
    found = re.findall(r'data-funnel-state="(\w+)">.*?data-count="(\d+)"', page)
    return {state: int(n) for state, n in found}


def test_writes_one_page_and_says_where(ccn, tmp_path) -> None:
    add(ccn, "HT1", since="2025-01-06")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "trang.html"
    r = ccn("report", "html", "--out", str(out))
    assert (r.exit_code, r.stdout, r.stderr) == (0, f"Page written to {out}\n", "")
    page = out.read_text(encoding="utf-8")
    assert funnel(page)["establishment"] == 1
    assert re.findall(r'data-stalled-code="([^"]+)"', page) == ["HT1"]
    assert 'data-as-of="2026-03-02"' in page  # today by default
    assert [p.name for p in out.parent.iterdir()] == ["trang.html"]  # no temporary left


def test_as_of_shows_the_portfolio_then(ccn, tmp_path) -> None:
    add(ccn, "A1", since="2025-01-06")
    ccn("advance", "A1", "--on", "2025-07-01", "--ref", "QĐ 1689/QĐ-UBND")
    add(ccn, "B1", state="planned", since="2025-09-01")
    out = tmp_path / "p.html"
    assert ccn("report", "html", "--out", str(out), "--as-of", "30/06/2025").exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert 'data-as-of="2025-06-30"' in page
    counts = funnel(page)
    assert (counts["establishment"], counts["investment_approval"], counts["planned"]) == (1, 0, 0)
    assert re.findall(r'<tr data-code="(\w+)"', page) == ["A1"]


def test_language_of_the_page(ccn, tmp_path) -> None:
    add(ccn, "HT1")
    vi, en = tmp_path / "vi.html", tmp_path / "en.html"
    assert ccn("report", "html", "--out", str(vi), "--lang", "vi").exit_code == 0
    assert ccn("--lang", "vi", "report", "html", "--out", str(en), "--lang", "en").exit_code == 0
    vi_page, en_page = vi.read_text(encoding="utf-8"), en.read_text(encoding="utf-8")
    assert '<html lang="vi">' in vi_page and "Lập hồ sơ thành lập" in vi_page
    assert '<html lang="en">' in en_page and ">Establishment</span>" in en_page
    # Without --lang the page follows the global --lang.
    again = tmp_path / "again.html"
    assert ccn("--lang", "vi", "report", "html", "--out", str(again)).exit_code == 0
    assert '<html lang="vi">' in again.read_text(encoding="utf-8")


def test_hostile_name_is_shown_as_text(ccn, tmp_path) -> None:
    add(ccn, "X1", name="<script>alert(1)</script>")
    out = tmp_path / "p.html"
    assert ccn("report", "html", "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page


def test_missing_out_is_a_usage_error(ccn) -> None:
    r = ccn("report", "html")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "Error: Missing option '--out'. (see 'ccn report html --help')\n"


def test_unwritable_places_are_refused_and_nothing_is_left(ccn, tmp_path) -> None:
    add(ccn, "HT1")
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    missing = tmp_path / "no-such-folder" / "p.html"
    r = ccn("report", "html", "--out", str(missing))
    assert (r.exit_code, r.stdout) == (1, "")
    assert r.stderr == f"Error: No such file or directory: {missing}\n"
    plain = tmp_path / "file.txt"
    plain.write_text("x")
    r = ccn("report", "html", "--out", str(plain / "p.html"))
    assert (r.exit_code, r.stderr) == (1, f"Error: Not a directory: {plain / 'p.html'}\n")
    r = ccn("report", "html", "--out", str(tmp_path))
    assert (r.exit_code, r.stderr) == (1, f"Error: --out {tmp_path} is a directory; give a "
                                          "file name\n")  # fmt: skip
    r = ccn("report", "html", "--out", str(tmp_path / "p.html"), "--as-of", "31/02/2025")
    assert (r.exit_code, r.stderr) == (
        1, "Error: invalid date '31/02/2025' (use YYYY-MM-DD or DD/MM/YYYY)\n",
    )  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]


def test_a_sixty_cluster_province_fits_in_five_megabytes(ccn, db_url, tmp_path) -> None:
    """60 clusters with four years of history each, some suspended and sent back."""
    start = date(2022, 1, 3)
    for i in range(60):
        add(ccn, f"C{i:02d}", name=f"Cụm công nghiệp số {i} — xã Hợp Thành", state="planned",
            since=start.isoformat())  # fmt: skip
    steps: list[Step] = []
    for i in range(60):
        code, day = f"C{i:02d}", start
        for n in range(i % 6):
            day += timedelta(days=30 + i + 20 * n)
            if n == 2 and i % 4 == 0:
                steps.append(Step(code, "suspend", on=day, note="chờ vốn"))
                day += timedelta(days=40)
                steps.append(Step(code, "resume", on=day))
            if n == 1 and i % 5 == 0:
                steps.append(Step(code, "send_back", to="planned", on=day, note="trả hồ sơ"))
                day += timedelta(days=20)
                steps.append(Step(code, "advance", on=day, ref="QĐ 2"))
            steps.append(Step(code, "advance", on=day, ref=f"QĐ {i}-{n}"))
    engine = open_engine(db_url)
    services.apply_steps(SqlUnitOfWork(engine), steps, actor="tester")
    engine.dispose()
    out = tmp_path / "p.html"
    assert ccn("report", "html", "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert sum(funnel(page).values()) == 60
    assert len(re.findall(r'<tr data-code="', page)) == 60
    assert out.stat().st_size < 5_000_000, out.stat().st_size


def test_demo_writes_its_page(tmp_path) -> None:
    r = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert r.exit_code == 0, r.stderr
    page = tmp_path / "dashboard.html"
    assert f"Demo page (open it in a browser): {page}\n" in r.stdout
    text = page.read_text(encoding="utf-8")
    assert '<html lang="vi">' in text and 'data-as-of="2025-12-31"' in text
    assert funnel(text) == {"planned": 4, "planning_compliant": 0, "establishment": 8,
                            "investment_approval": 0, "infrastructure": 3, "operating": 0,
                            "suspended": 0, "cancelled": 0}  # fmt: skip


def test_the_page_shows_recorded_deadlines_and_installed_targets(ccn, tmp_path) -> None:
    add(ccn, "HT1", since="2026-02-02")
    r = ccn("milestone", "HT1", "first_application", "--on", "2026-02-10")
    assert r.exit_code == 0, r.stderr
    out = tmp_path / "p.html"
    assert ccn("report", "html", "--out", str(out)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    # notice_published is due 5 working days after 10/02/2026, counted past Tết.
    assert re.findall(r'data-deadline-code="([^"]+)"', page) == ["HT1"]
    assert re.search(r'<section[^>]*id="targets"[^>]*data-available="false"', page)
    targets = tmp_path / "t.toml"
    targets.write_text(
        '[targets]\nname = "t"\nversion = "1"\n\n[[target]]\nname = "one"\nkind = "count"\n'
        'state = "establishment"\nat_least = 1\nby = "2026-12-31"\n',
        encoding="utf-8",
    )
    r = ccn("targets", "install", str(targets))
    assert r.exit_code == 0, r.stderr
    assert ccn("report", "html", "--out", str(out), "--force").exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert re.findall(r'data-target="([^"]+)" data-status="(\w+)"', page) == [("one", "met")]
