"""What a cluster is, as the chain commits it: attributes and the pinned definition.

The register entry's data holds the attributes and the SHA-256 of the definition the
cluster is pinned to; an `amend` entry holds each changed attribute's old and new
value; a `migrate` entry holds the definition switched to. Replaying the data gives
what the cluster row must say, which is how `audit verify` catches an edited row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    # Annotations only: the model imports this module.
    from .model import Transition


ATTRIBUTES = ("name", "locality", "area_ha", "developer", "industrial_land_ha", "developer_kind",
              "kind", "industries")  # fmt: skip
# Facts from the establishment decision (Decree 32 Art. 12.1) added after the first four:
# a register entry holds them only when given, so entries written before they existed
# and entries that leave them unset read the same (absent is None).
LATER_FACTS = ATTRIBUTES[4:]
DEVELOPER_KINDS = ("enterprise", "public", "none")
CLUSTER_KINDS = ("general", "craft_village", "specialised")


def to_json(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def register_data(attributes: Mapping[str, Any], workflow: str, sha256: str) -> str:
    kept = {k: v for k, v in attributes.items() if v is not None or k not in LATER_FACTS}
    return to_json({**kept, "workflow": workflow, "workflow_sha256": sha256})


def amend_data(
    changes: Mapping[str, tuple[Any, Any]], baseline: Mapping[str, Any] | None = None
) -> str:
    data: dict[str, Any] = {"changes": {k: [old, new] for k, (old, new) in changes.items()}}
    if baseline is not None:
        data["baseline"] = dict(baseline)
    return to_json(data)


def migrate_data(old: str, new: str, sha256: str, renames: Mapping[str, str] | None = None) -> str:
    data: dict[str, Any] = {"from_workflow": old, "workflow": new, "workflow_sha256": sha256}
    if renames:
        data["renames"] = dict(renames)  # old state -> new state, as applied
    return to_json(data)


class _Entry(Protocol):
    """A history entry with its data: a `model.Transition` or a `ports.Move`."""

    @property
    def event(self) -> str: ...
    @property
    def data(self) -> str | None: ...


def renames_in(t: _Entry) -> dict[str, str]:
    """The states a `migrate` entry renamed (old -> new); empty for any other entry."""
    if t.event != "migrate" or not t.data:
        return {}
    found: dict[str, str] = json.loads(t.data).get("renames", {})
    return found


@dataclass(frozen=True)
class Facts:
    """What the history says the cluster row must hold."""

    attributes: dict[str, Any]
    workflow: str
    workflow_sha256: str


def facts_from(entries: Iterable[Transition]) -> Facts | None:
    """Replay attributes and the pinned definition; None for a chain from before version 2."""
    facts: Facts | None = None
    for t in entries:
        if t.data is None:
            continue
        data = json.loads(t.data)
        if t.event == "register":
            facts = Facts(
                {k: data.get(k) for k in ATTRIBUTES}, data["workflow"], data["workflow_sha256"]
            )
        elif facts is None and "baseline" in data:  # registered before chain version 2
            base = data["baseline"]
            facts = Facts({k: base.get(k) for k in ATTRIBUTES}, base["workflow"],
                          base["workflow_sha256"])  # fmt: skip
        if facts is None:
            continue
        if t.event == "amend":
            for k, (_, new) in data["changes"].items():
                facts.attributes[k] = new
        elif t.event == "migrate":
            facts = Facts(facts.attributes, data["workflow"], data["workflow_sha256"])
    return facts
