"""The hash chain on its own: the canonical form, and that any single change is seen."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from states import default_definition
from workflow.audit import check_chain
from workflow.chain import canonical, entry_hash
from workflow.engine import engine_for
from workflow.model import GENESIS, Transition
from workflow.ports import ChainHead


def test_canonical_serialisation_is_stable() -> None:
    at = datetime(2026, 3, 2, 3, 0, 0, 123456, tzinfo=UTC)
    data = canonical("HT1", 2, "advance", "planned", "planning_compliant", at,
                     at + timedelta(microseconds=1), "chị Lan", "QĐ 1689/QĐ-UBND",
                     "Cụm công nghiệp Hợp Thành 1", GENESIS)  # fmt: skip
    assert (
        data
        == (
            '["HT1",2,"advance","planned","planning_compliant","2026-03-02T03:00:00.123456Z",'
            '"2026-03-02T03:00:00.123457Z","chị Lan","QĐ 1689/QĐ-UBND",'
            f'"Cụm công nghiệp Hợp Thành 1","{GENESIS}"]'
        ).encode()
    )
    assert entry_hash("HT1", 1, "register", None, "planned", at, at, "a", None, None, GENESIS) == (
        # printf '%s' '["HT1",1,"register",null,"planned","2026-03-02T03:00:00.123456Z",...]'
        # | sha256sum, computed outside Python
        "5d0589647ea243dd713de50c1c975736551f19200ff943620d214cdd2fb213f4"
    )


D = default_definition()
E = engine_for(D)


@st.composite
def histories(draw: st.DrawFn) -> list[Transition]:
    at = datetime(2020, 1, 1, tzinfo=UTC)
    chain: list[Transition] = []
    state, origin, prev = "planned", None, GENESIS
    events = draw(st.lists(st.sampled_from(["advance", "send_back", "suspend", "resume"]),
                           max_size=12))  # fmt: skip
    plan: list[tuple[str, str | None, str]] = [("register", None, "planned")]
    for ev in events:
        if ev not in E.allowed(state):
            continue
        targets = E.targets(state, ev)
        to = origin if ev == "resume" else draw(st.sampled_from(targets))
        assert to is not None  # resume is allowed only after a suspend set origin
        plan.append((ev, state, to))
        origin = state if ev == "suspend" else None
        state = to
    for seq, (ev, src, dst) in enumerate(plan, start=1):
        at += timedelta(days=draw(st.integers(0, 90)), microseconds=draw(st.integers(0, 999999)))
        note = draw(st.sampled_from([None, "Hồ sơ", "ghi chú dài hơn"]))
        h = entry_hash("HT1", seq, ev, src, dst, at, at, "lan", "QĐ 1", note, prev)
        chain.append(Transition("HT1", seq, ev, src, dst, at, at.date(), at, "lan", "QĐ 1",
                                note, prev, h))  # fmt: skip
        prev, state = h, dst
    return chain


def _flip(value: object) -> object:
    if isinstance(value, str):
        return value[:-1] + chr(ord(value[-1]) ^ 1) if value else "x"
    if isinstance(value, int):
        return value ^ 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    return "x"


FIELDS = ["seq", "event", "from_state", "to_state", "effective_at", "recorded_at", "actor",
          "ref", "note", "prev_hash", "hash"]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(chain=histories(), data=st.data())
def test_any_single_change_is_detected(chain, data) -> None:
    last = chain[-1]
    head = ChainHead("HT1", D.key, last.to_state, None, last.seq, last.hash)
    if last.event == "suspend":
        head = replace(head, suspended_from=last.from_state)
    assert check_chain(D, head, chain) == []
    i = data.draw(st.integers(0, len(chain) - 1))
    name = data.draw(st.sampled_from(FIELDS))
    changed = list(chain)
    changed[i] = replace(chain[i], **{name: _flip(getattr(chain[i], name))})
    assert check_chain(D, head, changed) != []


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), st.text()), min_size=5, max_size=5),
       seq=st.integers(1, 10**9))  # fmt: skip
def test_canonical_form_is_compact_json(texts, seq) -> None:
    at = datetime(2026, 3, 2, 3, 0, 0, 1, tzinfo=UTC)
    code, actor, ref, note, prev = texts
    data = canonical(code or "C", seq, "advance", None, "planned", at, at, actor or "a", ref,
                     note, prev or GENESIS)  # fmt: skip
    stamp = "2026-03-02T03:00:00.000001Z"
    expected = [code or "C", seq, "advance", None, "planned", stamp, stamp, actor or "a", ref,
                note, prev or GENESIS]  # fmt: skip
    assert data == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode()
