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
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring  # type: ignore[attr-defined]


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
    # Exactly json.dumps(fields, ensure_ascii=False, separators=(",", ":")), written
    # out because building a JSON encoder per entry dominated bulk imports.
    text = ",".join(
        [_q(code), str(int(seq)), _q(event), _q(from_state), _q(to_state),
         _q(utc_text(effective_at)), _q(utc_text(recorded_at)), _q(actor), _q(ref), _q(note),
         _q(prev_hash)]
    )  # fmt: skip
    return f"[{text}]".encode()


def _q(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def entry_hash(*args: object, **kwargs: object) -> str:
    return hashlib.sha256(canonical(*args, **kwargs)).hexdigest()  # type: ignore[arg-type]
