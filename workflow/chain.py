"""The per-cluster hash chain over history entries.

Every entry records the version of the canonical form it was hashed under
(`canon`), so entries stored under an older form keep verifying unchanged and
no migration ever rewrites history. Each form is a compact JSON array, UTF-8,
no ASCII escaping, hashed with SHA-256. `seq` and `canon` are JSON integers,
absent values are JSON null, timestamps are UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
Text is hashed exactly as stored, so any change of even one byte changes the hash.

Version 1 (entries recorded before ccn 0.2):

    [code, seq, event, from_state, to_state, effective_at, recorded_at,
     actor, ref, note, prev_hash]

Version 2 (current) adds the login that wrote the entry and the entry's data, a
compact JSON object as stored (the register entry's attributes and the SHA-256 of
the pinned definition; an amendment's old and new values; a definition switch):

    [2, code, seq, event, from_state, to_state, effective_at, recorded_at,
     actor, login, ref, note, data, prev_hash]
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Transition

CANON = 2  # the form new entries are hashed under


@lru_cache(maxsize=4096)  # bulk imports repeat the same few instants
def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical(
    code: str,
    seq: int,
    event: str,
    from_state: str | None,
    to_state: str,
    effective_at: datetime,
    recorded_at: datetime,
    actor: str,
    ref: str | None,
    note: str | None,
    prev_hash: str,
) -> bytes:
    """Canonical form version 1."""
    # Exactly json.dumps(fields, ensure_ascii=False, separators=(",", ":")), written
    # out because building a JSON encoder per entry dominated bulk imports.
    text = ",".join(
        [_q(code), str(int(seq)), _q(event), _q(from_state), _q(to_state),
         _q(utc_text(effective_at)), _q(utc_text(recorded_at)), _q(actor), _q(ref), _q(note),
         _q(prev_hash)]
    )  # fmt: skip
    return f"[{text}]".encode()


def canonical_v2(
    code: str,
    seq: int,
    event: str,
    from_state: str | None,
    to_state: str,
    effective_at: datetime,
    recorded_at: datetime,
    actor: str,
    login: str | None,
    ref: str | None,
    note: str | None,
    data: str | None,
    prev_hash: str,
) -> bytes:
    text = ",".join(
        ["2", _q(code), str(int(seq)), _q(event), _q(from_state), _q(to_state),
         _q(utc_text(effective_at)), _q(utc_text(recorded_at)), _q(actor), _q(login), _q(ref),
         _q(note), _q(data), _q(prev_hash)]
    )  # fmt: skip
    return f"[{text}]".encode()


def _q(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def entry_hash(*args: Any, **kwargs: Any) -> str:
    """SHA-256 of canonical form version 1."""
    return hashlib.sha256(canonical(*args, **kwargs)).hexdigest()


def entry_hash_v2(*args: Any, **kwargs: Any) -> str:
    return hashlib.sha256(canonical_v2(*args, **kwargs)).hexdigest()


# The entry fields each canonical form hashes, in order (after its version number).
CANON_1 = ("code", "seq", "event", "from_state", "to_state", "effective_at", "recorded_at",
           "actor", "ref", "note", "prev_hash")  # fmt: skip
CANON_2 = ("code", "seq", "event", "from_state", "to_state", "effective_at", "recorded_at",
           "actor", "db_user", "ref", "note", "data", "prev_hash")  # fmt: skip


def hash_of(t: Transition) -> str:
    """The hash `t` should carry, under the canonical form it was recorded with."""
    if t.canon == 1:
        return entry_hash(*(getattr(t, f) for f in CANON_1))
    if t.canon == 2:
        return entry_hash_v2(*(getattr(t, f) for f in CANON_2))
    return ""  # an unknown form never matches: reported as a changed row
