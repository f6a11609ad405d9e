"""The Form 02 records' hash chain: every change, gap and reordering is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from workflow.indicators import GENESIS, Latest, build, check_chain, hash_of
from workflow.periods import parse_period

AT = datetime(2026, 6, 20, 3, tzinfo=UTC)


def chain(n: int):
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        r = build(seq=seq, code="HT1", period="2026H1", version=seq,
                  values={"projects": seq}, actor="lan", login="lan_os", recorded_at=AT,
                  note=None, prev_hash=prev)  # fmt: skip
        out.append(r)
        prev = r.hash
    return out


def test_a_sound_chain_verifies_and_the_newest_version_wins() -> None:
    records = chain(3)
    assert check_chain(records) == []
    assert all(hash_of(r) == r.hash for r in records)
    latest = Latest.of(records).for_period(parse_period("2026H1"))
    assert latest["HT1"].values["projects"] == 3
    assert records[0].data == (
        '{"avg_income_m":null,"budget_paid_bn":null,"employees":null,"fdi_projects":null,'
        '"industrial_land_ready_ha":null,"investment_approved_bn":null,'
        '"investment_paid_bn":null,"leased_ha":null,"operating_projects":null,"projects":1,'
        '"revenue_bn":null,"wastewater_plant":null}'
    )


def test_changes_gaps_and_versions_are_named() -> None:
    a, b, c = chain(3)
    changed = replace(b, data=b.data.replace('"projects":2', '"projects":9'))
    assert [(p.seq, p.reason) for p in check_chain([a, changed, c])] == [
        (2, "changed row: content does not match its hash")]  # fmt: skip
    assert [(p.seq, p.reason) for p in check_chain([a, c])] == [
        (2, "missing row"), (3, "changed row: version 3 out of order")]  # fmt: skip
    relinked = build(seq=2, code="HT1", period="2026H1", version=2, values={}, actor="x",
                     login="x", recorded_at=AT, note=None, prev_hash=GENESIS)  # fmt: skip
    assert [(p.seq, p.reason) for p in check_chain([a, relinked])] == [
        (2, "changed row: does not link to the record before it")]  # fmt: skip
