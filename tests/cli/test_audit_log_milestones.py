"""`audit log` judges a milestone's backdating by the milestone's own date, as the
backdating right is judged, and names the milestone."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from ..conftest import j, ok


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-28 03:00:00"):  # 10:00 in Vietnam
        yield


def test_a_recent_milestone_in_an_old_stay_is_not_backdated(ccn) -> None:
    ok(ccn("user", "add", "boss", "--role", "admin"))
    ok(ccn("user", "add", "lan", "--role", "staff", actor="boss"))
    ok(ccn("user", "add", "sup", "--role", "supervisor", actor="boss"))
    ok(ccn("cluster", "add", "W1", "--name", "Cụm W1", "--state", "establishment",
           "--since", "2026-08-01", actor="sup"))  # fmt: skip
    ok(ccn("milestone", "W1", "first_application", "--on", "2026-11-25", actor="lan"))
    rows = j(ccn("audit", "log", "--cluster", "W1", "--format", "json"))
    assert rows[0]["backdated_days"] == 119  # registered in a state entered on 01/08
    assert "milestone" not in rows[0]
    milestone = rows[1]
    assert "backdated_days" not in milestone  # 25/11, recorded 28/11: 3 days
    assert milestone["event"] == "milestone"
    assert milestone["milestone"] == "first_application"
    assert milestone["milestone_on"] == "2026-11-25"
    assert milestone["effective_at"] == "2026-08-01T00:00:00+07:00"  # as stored
    table = ok(ccn("audit", "log", "--cluster", "W1")).stdout.splitlines()
    assert table[0].split() == ["Recorded", "Code", "#", "Event", "To", "Effective", "Actor",
                                "Login", "Back"]  # fmt: skip
    assert table[2].split()[:6] == ["28/11/2026", "W1", "1", "register", "Establishme…",
                                    "01/08/2026"]  # fmt: skip
    assert table[2].split()[-1] == "!119d"
    assert table[3].split()[:6] == ["28/11/2026", "W1", "2", "first_appli…", "Establishme…",
                                    "25/11/2026"]  # fmt: skip
    assert table[3].split()[-1] != "!119d" and "!" not in table[3]
    csv = ok(ccn("audit", "log", "--cluster", "W1", "--format", "csv")).stdout.splitlines()
    assert csv[0].lstrip("\ufeff").split(",")[3:6] == ["event", "milestone", "milestone_on"]
    assert csv[2].split(",")[3:6] == ["milestone", "first_application", "2026-11-25"]
    assert csv[2].endswith(",")  # backdated_days empty
    # An edit takes effect at the last entry's instant (01/08): it is dated when recorded.
    ok(ccn("cluster", "edit", "W1", "--name", "Cụm W1 mới", "--reason", "QĐ 2", actor="sup"))
    edit = j(ccn("audit", "log", "--cluster", "W1", "--event", "amend", "--format", "json"))
    assert [(e["seq"], e["effective_at"]) for e in edit] == [(3, "2026-08-01T00:00:00+07:00")]
    assert "backdated_days" not in edit[0] and "milestone" not in edit[0]
    assert ok(ccn("audit", "verify")).stdout.startswith("OK: 1 clusters, 3 transitions")


def test_a_milestone_dated_long_ago_is_flagged_by_its_own_date(ccn) -> None:
    ok(ccn("cluster", "add", "W2", "--name", "Cụm W2", "--state", "establishment",
           "--since", "2026-08-01"))  # fmt: skip
    ok(ccn("milestone", "W2", "first_application", "--on", "2026-09-01"))
    rows = j(ccn("audit", "log", "--cluster", "W2", "--format", "json"))
    assert rows[1]["backdated_days"] == 88  # from 01/09, not 119 from 01/08
