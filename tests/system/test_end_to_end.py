"""The installed command, as a user runs it, on a fresh PostgreSQL database and SQLite file."""

from __future__ import annotations

import json
import os

from ..processes import ccn


def test_init_write_report_verify(empty_url) -> None:
    env = {**os.environ, "CCN_DATABASE_URL": empty_url, "CCN_ACTOR": "chị Lan"}

    def run(*args: str) -> str:
        r = ccn(*args, env=env)
        assert r.returncode == 0, r.stderr
        assert r.stderr == ""
        return r.stdout

    assert run("init").startswith("Initialised database ")
    run("cluster", "add", "HT1", "--name", "Cụm công nghiệp Hợp Thành 1", "--locality", "Cao Lộc",
        "--state", "establishment", "--since", "02/01/2025")  # fmt: skip
    run("advance", "HT1", "--on", "2025-06-05", "--ref", "QĐ 1689/QĐ-UBND")
    rows = json.loads(run("report", "stalled", "--as-of", "2025-06-04", "--format", "json"))
    assert [(r["code"], r["name"], r["state"]) for r in rows] == [
        ("HT1", "Cụm công nghiệp Hợp Thành 1", "establishment")
    ]
    funnel = json.loads(run("report", "funnel", "--format", "json"))
    assert {e["state"]: e["count"] for e in funnel["states"]}["investment_approval"] == 1
    history = json.loads(run("history", "HT1", "--format", "json"))
    assert [h["actor"] for h in history] == ["chị Lan", "chị Lan"]
    assert run("audit", "verify") == "OK: 1 clusters, 2 transitions verified\n"
