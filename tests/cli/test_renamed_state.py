"""A cluster pinned to an installed definition that renames a state: the forecasts,
targets, labels, `cluster list --state` and the funnel judge it by that definition."""

from __future__ import annotations

import json
import re
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


@pytest.fixture
def rn_toml(tmp_path) -> Path:
    """The reviewer's rn.toml: the packaged definition, `infrastructure` renamed."""
    import states

    text = (Path(states.__file__).parent / "cluster_establishment.toml").read_text("utf-8")
    text = text.replace('version = "nd32-2024"', 'version = "rename-1"')
    path = tmp_path / "rn.toml"
    path.write_text(text.replace('"infrastructure"', '"infra_works"'), encoding="utf-8")
    return path


def form04(ccn, period: str) -> dict[str, tuple[object, str]]:
    rows = json.loads(ok(ccn("report", "circular14", "--period", period, "--format", "json")))
    return {r["no"]: (r["value"], r["note"]) for r in rows}


def test_form04_and_occupancy_read_the_same_after_a_state_is_renamed(ccn, rn_toml) -> None:
    ok(ccn("cluster", "add", "F1", "--name", "Cụm F1", "--area-ha", "50", "--since", "2024-01-01"))
    for day in ("2024-03-01", "2024-05-01", "2024-08-01", "2025-01-01"):
        ok(ccn("advance", "F1", "--on", day, "--ref", f"QĐ {day}"))
    ok(ccn("milestone", "F1", "detailed_plan_approved", "--on", "2025-03-01"))
    before = {p: form04(ccn, p) for p in ("2025", "2026")}
    for rows in before.values():
        assert (rows["3"][0], rows["4"][0], rows["9"][0], rows["10"][0]) == (1, 50.0, 1, 50.0)
    occupancy = ok(ccn("report", "occupancy"))
    shown = ok(ccn("cluster", "show", "F1")).splitlines()
    assert "milestones:    detailed_plan_approved 01/03/2025" in shown
    ok(ccn("workflow", "install", str(rn_toml)))
    ok(ccn("workflow", "migrate", "--to", "rename-1", "--reason", "r",
           "--map", "infrastructure=infra_works"))  # fmt: skip
    assert {p: form04(ccn, p) for p in ("2025", "2026")} == before
    assert ok(ccn("report", "occupancy")) == occupancy
    assert "No established clusters" not in occupancy
    after = ok(ccn("cluster", "show", "F1")).splitlines()
    assert "state:         Infrastructure (infra_works)" in after
    assert "milestones:    detailed_plan_approved 01/03/2025" in after
    [open_line] = [line for line in after if line.startswith("open:")]
    assert "detailed_plan_approved" not in open_line
    assert "infrastructure_project_approved" in open_line


def test_resume_after_a_rename_finds_the_ref_on_file(ccn, rn_toml) -> None:
    ok(ccn("cluster", "add", "G1", "--name", "Cụm G1", "--state", "investment_approval",
           "--since", "2024-06-01", "--ref", "QĐ 1"))  # fmt: skip
    ok(ccn("advance", "G1", "--on", "2025-01-01", "--ref", "QĐ 2"))
    ok(ccn("suspend", "G1", "--reason", "chờ vốn", "--on", "2025-06-01"))
    ok(ccn("workflow", "install", str(rn_toml)))
    ok(ccn("workflow", "migrate", "--to", "rename-1", "--map", "infrastructure=infra_works",
           "--reason", "r"))  # fmt: skip
    assert "G1: suspended -> infra_works (resume" in ok(ccn("resume", "G1"))


def test_page_lists_a_renamed_step_where_the_step_it_renames_stood(renamed, tmp_path) -> None:
    ok(renamed("cluster", "add", "E1", "--name", "Cụm E1", "--state", "establishment",
               "--since", "2025-01-02", "--ref", "QĐ 3"))  # fmt: skip
    out = tmp_path / "p.html"
    ok(renamed("report", "html", "--out", str(out)))
    page = out.read_text(encoding="utf-8")
    select = page[page.index('<select id="state-filter">') :]
    select = select[: select.index("</select>")]
    found = re.findall(r'<option value="([a-z_]+)">', select)
    assert found == ["planning_compliant", "eligible", "establishment"]
