"""A cluster pinned to an installed definition that renames a state: the forecasts,
targets, labels, `cluster list --state` and the funnel judge it by that definition."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from workflow import labels

from ..conftest import FROZEN_NOW, TEST_2026


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(labels, "_learned", {})  # nothing learned from another database
    with freeze_time(FROZEN_NOW):  # today is 02/03/2026
        yield


def ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture
def renamed(ccn, tmp_path):
    """ren-1: planning_compliant renamed `eligible`; BG1 migrated to it, then advanced
    there; PC1 stays on nd32-2024 in planning_compliant."""
    text = Path(TEST_2026).read_text(encoding="utf-8")
    text = text.replace('version = "test-2026"', 'version = "ren-1"')
    text = text.replace("planning_compliant", "eligible")
    text = text.replace('label_vi = "Phù hợp quy hoạch"', 'label_vi = "Đủ điều kiện"')
    text = text.replace('label_en = "Planning compliant"', 'label_en = "Eligible"')
    path = tmp_path / "ren.toml"
    path.write_text(text, encoding="utf-8")
    ok(ccn("workflow", "install", str(path)))
    ok(ccn("cluster", "add", "BG1", "--name", "Cụm Bình Gia", "--since", "2025-01-02"))
    ok(ccn("cluster", "add", "PC1", "--name", "Cụm PC", "--state", "planning_compliant",
           "--since", "2025-01-02", "--ref", "QĐ 1"))  # fmt: skip
    ok(ccn("workflow", "migrate", "--to", "ren-1", "--state", "planned", "--reason", "test"))
    ok(ccn("advance", "BG1", "--on", (date(2026, 3, 2) - timedelta(days=10)).isoformat(),
           "--ref", "QĐ 2"))  # fmt: skip
    return ccn


def test_forecast_judges_a_cluster_by_its_pinned_definition(renamed) -> None:
    rows = json.loads(ok(renamed("report", "forecast", "--format", "json")))
    bg1 = next(r for r in rows if r["code"] == "BG1")
    assert bg1["state"] == "eligible"
    assert bg1["p50_operating_on"] is not None and bg1["low_data"] is True
    assert "reason" not in bg1
    table = ok(renamed("report", "forecast"))
    assert next(line for line in table.splitlines() if line.startswith("BG1")).split()[1] == (
        "Eligible"
    )


def test_targets_count_a_cluster_on_its_own_main_line(renamed, tmp_path) -> None:
    targets = tmp_path / "t.toml"
    targets.write_text(
        '[targets]\nname = "t"\nversion = "1"\n[[target]]\nname = "bg1_2040"\n'
        'kind = "deadline"\ncluster = "BG1"\nstate = "operating"\nby = 2040-12-31\n',
        "utf-8",
    )
    ok(renamed("targets", "install", str(targets)))
    [row] = json.loads(ok(renamed("report", "targets", "--format", "json")))
    assert row["status"] in ("on_track", "at_risk") and row["probability"] > 0


def test_labels_list_and_funnel_know_the_renamed_state(renamed) -> None:
    listed = ok(renamed("cluster", "list", "--state", "eligible", "--format", "json"))
    assert [c["code"] for c in json.loads(listed)] == ["BG1"]
    shown = ok(renamed("cluster", "show", "BG1")).splitlines()
    assert "state:         Eligible (eligible)" in shown
    shown_vi = ok(renamed("--lang", "vi", "cluster", "show", "BG1")).splitlines()
    assert "state:         Đủ điều kiện (eligible)" in shown_vi
    funnel = json.loads(ok(renamed("report", "funnel", "--format", "json")))["states"]
    order = [s["state"] for s in funnel]
    # Second on its own main line: next to the step it renames, not after the final ones.
    assert order.index("eligible") == order.index("planning_compliant") + 1
    assert order.index("eligible") < order.index("establishment")
    bad = renamed("cluster", "list", "--state", "nowhere")
    assert bad.exit_code == 1 and "eligible" in bad.stderr
