"""The Form 02 records' hash chain: every change, gap and reordering is named."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from workflow.errors import InvalidInput
from workflow.indicators import GENESIS, Latest, build, check_chain, clean_value, hash_of
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


# Review 13, item 11 and Low: numbers as Vietnamese and English spreadsheets write them.


@pytest.mark.parametrize(
    ("text", "number"),
    [("1234", 1234.0), ("12,5", 12.5), ("12.5", 12.5), ("1.234,5", 1234.5),
     ("1,234.5", 1234.5), ("1.234.567", 1234567.0), ("1,234,567", 1234567.0),
     ("0,125", 0.125), ("0.125", 0.125), (",5", 0.5), ("12,50", 12.5), ("1.2340", 1.234),
     (" 7 ", 7.0), ("+7", 7.0)],
)  # fmt: skip
def test_numbers_are_read_by_one_rule(text: str, number: float) -> None:
    assert clean_value("leased_ha", text) == number


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("1.234", "invalid leased_ha '1.234': ambiguous, '.' may group thousands or mark "
                  "decimals: write 1234 for the whole number, or 1.2340 for the decimal"),
        ("1,234", "invalid leased_ha '1,234': ambiguous, ',' may group thousands or mark "
                  "decimals: write 1234 for the whole number, or 1,2340 for the decimal"),
        ("1.23.4", "invalid leased_ha '1.23.4': give a number"),
        ("1,234.5.6", "invalid leased_ha '1,234.5.6': give a number"),
        # Python's float() reads these; the rule does not (1e3 is no way to write 1000).
        *((text, f"invalid leased_ha {text!r}: give a number")
          for text in ("1e3", "1E3", "1.5e2", "nan", "NaN", "inf", "-inf", "Infinity", "1_000")),
        (float("nan"), "invalid leased_ha nan: not a number"),
        ("-1", "invalid leased_ha '-1': must not be negative"),
        (True, "invalid leased_ha TRUE: give a number, not TRUE/FALSE"),
        (datetime(2026, 1, 1), "invalid leased_ha 01/01/2026: give a number, not a date"),
    ],
)  # fmt: skip
def test_numbers_that_cannot_be_read_safely_are_refused(value: object, error: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        clean_value("leased_ha", value)
    assert str(exc.value) == error
