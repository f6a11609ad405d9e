"""The per-cluster hash chain over history entries.

Canonical serialisation (version 1), hashed with SHA-256:
a compact JSON array, UTF-8, no ASCII escaping, of

    [code, seq, event, from_state, to_state, effective_at, recorded_at,
     actor, ref, note, prev_hash]

`seq` is a JSON integer; absent values are JSON null; timestamps are UTC as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``. Text is hashed exactly as stored, without
Unicode normalisation, so that any change of even one byte changes the hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    fields = [
        code,
        seq,
        event,
        from_state,
        to_state,
        utc_text(effective_at),
        utc_text(recorded_at),
        actor,
        ref,
        note,
        prev_hash,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def entry_hash(*args: object, **kwargs: object) -> str:
    return hashlib.sha256(canonical(*args, **kwargs)).hexdigest()  # type: ignore[arg-type]
