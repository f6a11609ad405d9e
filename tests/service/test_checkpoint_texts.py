"""Checkpoints of format 4 on every store: the user change log's head and the stored
texts' hashes are recorded, covered by the root, and checked off against the store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from freezegun import freeze_time

from states.targets import example_path
from workflow import definitions, services, users
from workflow.audit import verify
from workflow.checkpoints import FORMAT, Stored, checkpoint, root_of
from workflow.outlook import install_targets
from workflow.services import NewCluster

from ..conftest import FROZEN_NOW, TEST_2026

TEST_KEY = "cluster_establishment@test-2026"


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with freeze_time(FROZEN_NOW):
        yield


def stocked(uow: Callable[[], Any]) -> dict[str, Any]:
    """A cluster, an installed definition and targets file, two user changes; its checkpoint."""
    services.register(uow(), NewCluster("HT1", "Cụm công nghiệp Hợp Thành 1"), actor="lan")
    definitions.install(uow(), TEST_2026, actor="lan")
    install_targets(uow(), str(example_path()), actor="lan")
    with freeze_time("2026-03-02 06:00:00"):  # after the entries: no overreach
        users.add_user(uow(), "boss", "admin", actor="boss")
        users.add_user(uow(), "lan", "staff", actor="boss")
    return checkpoint(uow())


def rerooted(cp: dict[str, Any]) -> dict[str, Any]:
    """`cp` with its root recomputed, as a forger who edits the file would."""
    stored = Stored(
        (cp["users"]["seq"], cp["users"]["hash"]) if cp["users"] else None,
        {d["key"]: d["sha256"] for d in cp["definitions"]},
        {t["key"]: t["sha256"] for t in cp["targets"]},
    )
    heads = ((h["code"], h["seq"], h["hash"]) for h in cp["heads"])
    form02 = (cp["indicators"]["seq"], cp["indicators"]["hash"]) if cp["indicators"] else None
    return {**cp, "root": root_of(heads, form02, stored)[0]}


def reasons(uow: Callable[[], Any], cp: dict[str, Any]) -> list[str]:
    return [str(p) for p in verify(uow(), against=cp).problems]


def test_a_checkpoint_records_the_user_log_head_and_every_stored_text(uow) -> None:
    cp = stocked(uow)
    assert cp["format"] == FORMAT == "ccn-checkpoint/4"
    assert [d["key"] for d in cp["definitions"]] == ["cluster_establishment@nd32-2024", TEST_KEY]
    assert [t["key"] for t in cp["targets"]] == ["lang_son@2023"]
    with uow() as u:
        last = u.users.last_change()
    assert cp["users"] == {"seq": 2, "hash": last.hash}
    assert rerooted(cp)["root"] == cp["root"]
    assert reasons(uow, cp) == []


def test_texts_and_user_changes_the_store_no_longer_holds_are_named(uow) -> None:
    cp = stocked(uow)
    cp["definitions"].append({"key": "cluster_establishment@gone", "sha256": "ab" * 32})
    cp["targets"][0]["sha256"] = "cd" * 32
    cp["users"] = {"seq": 3, "hash": "ef" * 32}
    assert reasons(uow, rerooted(cp)) == [
        "targets lang_son@2023: changed (sha256 now "
        f"{checkpoint(uow())['targets'][0]['sha256'][:12]}, checkpoint had cdcdcdcdcdcd)",
        "user changes: cut short (checkpoint had seq 3, now 2): changes were removed",
        "workflow cluster_establishment@gone: missing (checkpoint had sha256 abababababab)",
    ]


def test_a_changed_user_log_head_is_named(uow) -> None:
    cp = stocked(uow)
    cp["users"] = {"seq": 2, "hash": "ef" * 32}
    assert reasons(uow, rerooted(cp)) == [
        "user changes: changed (its seq 2 is not the one in the checkpoint)"
    ]


def test_an_edit_the_root_does_not_cover_gives_the_checkpoint_away(uow) -> None:
    cp = stocked(uow)
    cp["definitions"] = cp["definitions"][:1]
    assert reasons(uow, cp) == [
        "checkpoint: the file's heads do not match its root: it was altered"
    ]
