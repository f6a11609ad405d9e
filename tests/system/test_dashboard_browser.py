"""The demo's page in a real headless Chromium (Debian's `chromium`), driven by Playwright.

Playwright's own browser download is never used: the tests point it at /usr/bin/chromium,
which `.ci/run` installs. Without it they are skipped locally, and fail under CI=true.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cli import cli
from db import SqlUnitOfWork, open_engine
from workflow import reports
from workflow.demo import DEMO_AS_OF, DEMO_PAGE

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        reason = f"{CHROMIUM} not found (Debian: apt-get install chromium; .ci/run does this)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, and CI=true requires it")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`ccn demo` run into a new folder: its database and its page."""
    folder = tmp_path_factory.mktemp("demo")
    r = CliRunner().invoke(cli, ["demo", "--dir", str(folder)])
    assert r.exit_code == 0, r.stderr
    assert f"Demo page (open it in a browser): {folder / DEMO_PAGE}" in r.stdout
    return folder


class Opened:
    """The page loaded offline, with every request and every console error recorded."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.url = path.as_uri()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.route("**/*", self._request)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.goto(self.url, wait_until="load")
        # The last chart drawn: every script has run by then.
        self.page.wait_for_selector("#chart-timeline .main-svg", timeout=20_000)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _request(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def rows(self) -> list[str]:
        return self.page.eval_on_selector_all(
            "#cluster-table tbody tr:not([hidden])", "rs => rs.map(r => r.dataset.code)"
        )


@pytest.fixture
def opened(chromium: Any, demo: Path) -> Iterator[Opened]:
    o = Opened(chromium, demo / DEMO_PAGE)
    yield o
    o.context.close()


def test_page_loads_offline_with_no_request_and_no_error(opened: Opened) -> None:
    # Wait out anything deferred (fonts, timers) before counting.
    opened.page.wait_for_timeout(500)
    assert opened.requests == []
    assert opened.errors == []
    charts = opened.page.eval_on_selector_all(".js-plotly-plot", "els => els.map(e => e.id)")
    assert charts == ["chart-funnel", "chart-dwell", "chart-timeline"]


def test_funnel_and_stalled_codes_match_the_reports(opened: Opened, demo: Path) -> None:
    engine = open_engine(f"sqlite:///{demo / 'demo.db'}")
    try:
        funnel = reports.funnel(SqlUnitOfWork(engine, readonly=True), as_of=DEMO_AS_OF)
        stalled = reports.stalled(SqlUnitOfWork(engine, readonly=True), as_of=DEMO_AS_OF,
                                  calendar=reports.work_calendar())  # fmt: skip
    finally:
        engine.dispose()
    shown = opened.page.eval_on_selector_all(
        "[data-funnel-state]",
        "els => els.map(e => [e.dataset.funnelState, e.querySelector('.count').textContent])",
    )
    assert shown == [[r.state, str(r.count)] for r in funnel.states]
    assert sum(r.count for r in funnel.states) == 15
    codes = opened.page.eval_on_selector_all(
        "[data-stalled-code]", "els => els.map(e => e.dataset.stalledCode)"
    )
    assert codes == [r.code for r in stalled] and codes


def test_table_sorts_and_filters(opened: Opened) -> None:
    page = opened.page
    by_code = opened.rows()
    assert by_code == sorted(by_code) and len(by_code) == 15
    days = page.locator('#cluster-table th[data-sort-key="days"]')
    days.click()
    assert days.get_attribute("aria-sort") == "ascending"
    values = page.eval_on_selector_all(
        "#cluster-table tbody tr", "rs => rs.map(r => Number(r.cells[5].dataset.value))"
    )
    assert values == sorted(values) and values[0] < values[-1]
    days.click()
    assert days.get_attribute("aria-sort") == "descending"
    again = page.eval_on_selector_all(
        "#cluster-table tbody tr", "rs => rs.map(r => Number(r.cells[5].dataset.value))"
    )
    assert again == sorted(values, reverse=True)
    # Filtering ignores case and accents: "hop thanh" finds Hợp Thành 1 and 2.
    page.fill("#cluster-filter", "hop thanh")
    assert sorted(opened.rows()) == ["HT1", "HT2"]
    assert page.text_content("#cluster-count") == "2"
    page.fill("#cluster-filter", "")
    page.select_option("#state-filter", "infrastructure")
    assert sorted(opened.rows()) == ["BS2", "DP2", "HT1"]
    assert opened.errors == []


def test_screenshot(opened: Opened, tmp_path: Path) -> None:
    shot = tmp_path / "dashboard.png"
    opened.page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 50_000  # charts and tables, not a blank page
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == 1280 and height > 2000


def test_deadlines_and_targets_when_given(chromium: Any, demo: Path, tmp_path: Path) -> None:
    """The sections other use cases fill: shown, not "not available", with no error."""
    from datetime import date

    from workflow import services
    from workflow.html_page import render

    deadline = services.DeadlineItem("HT2", "Cụm công nghiệp Hợp Thành 2", "establishment",
                                     "DOIT appraisal", date(2025, 12, 20), -11,
                                     "Sở Công Thương")  # fmt: skip
    target = services.TargetItem("3–4 clusters operating by 2025", "count", date(2025, 12, 31),
                                 "at_risk", 0.25, ("HT1", "BS2"))  # fmt: skip
    engine = open_engine(f"sqlite:///{demo / 'demo.db'}")
    try:
        board = services.dashboard(SqlUnitOfWork(engine, readonly=True), as_of=DEMO_AS_OF,
                                   deadlines=[deadline], targets=[target])  # fmt: skip
    finally:
        engine.dispose()
    path = tmp_path / "given.html"
    path.write_text(render(board, "en"), encoding="utf-8")
    o = Opened(chromium, path)
    try:
        page = o.page
        assert page.get_attribute("#deadlines", "data-available") == "true"
        assert page.text_content('[data-deadline-kind="overdue"] td:nth-child(6)') == "-11"
        assert page.text_content('[data-status="at_risk"] td:nth-child(5)') == "25%"
        assert (o.requests, o.errors) == ([], [])
    finally:
        o.context.close()
