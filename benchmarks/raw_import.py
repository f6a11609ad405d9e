"""Baseline for benchmark 2: the same import written with nothing but sqlite3.

Reads the same CSV, builds the same cluster rows (search keys included) and register
entries (hash and data included) and writes them with executemany in one transaction.

    python benchmarks/raw_import.py DB FILE.csv
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import sqlite3
import sys
import unicodedata
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
GENESIS = "0" * 64
SEPARATOR = "\x1f"


class Marks(dict):
    """str.translate table deleting combining marks, filled as characters are met."""

    def __missing__(self, cp: int) -> int | None:
        self[cp] = None if unicodedata.combining(chr(cp)) else cp
        return self[cp]


MARKS = Marks()


def fold(text: str) -> str:
    """The search key ccn stores: case, accents and spacing dropped, đ as d."""
    bare = unicodedata.normalize("NFD", text.casefold()).translate(MARKS).replace("đ", "d")
    return unicodedata.normalize("NFC", " ".join(bare.split()))


def main() -> None:
    db, path = sys.argv[1], sys.argv[2]
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None).isoformat(" ", "microseconds")
    stamp_z = now.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("BEGIN IMMEDIATE")
    wf, name_, version, wf_sha = con.execute(
        "SELECT id, name, version, sha256 FROM workflows"
    ).fetchone()
    wf_key = f"{name_}@{version}"
    login = getpass.getuser()
    first = con.execute("SELECT COALESCE(MAX(id), 0) FROM clusters").fetchone()[0] + 1
    clusters, entries = [], []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for i, (code, name, locality, area, developer, state, since, ref) in enumerate(reader):
            day = date.fromisoformat(since)
            at = datetime.combine(day, time(0), tzinfo=VN).astimezone(UTC).replace(tzinfo=None)
            data = json.dumps(
                {"area_ha": float(area), "developer": developer, "locality": locality,
                 "name": name, "workflow": wf_key, "workflow_sha256": wf_sha},
                ensure_ascii=False, separators=(",", ":"), sort_keys=True,
            )  # fmt: skip
            fields = [2, code, 1, "register", None, state,
                      at.isoformat(timespec="microseconds") + "Z", stamp_z, "bench", login, ref,
                      None, data, GENESIS]  # fmt: skip
            digest = hashlib.sha256(
                json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()
            ).hexdigest()
            cid, at_text = first + i, at.isoformat(" ", "microseconds")
            place = fold(locality)
            clusters.append((cid, code, code.upper(), name, locality, float(area), developer,
                             wf, state, at_text, since, None, 1, 1, digest, place,
                             SEPARATOR.join((fold(code), fold(name), place))))  # fmt: skip
            entries.append((cid, 1, "register", None, state, at_text, since, stamp, "bench",
                            ref, None, GENESIS, digest, login, 2, data, code))  # fmt: skip
    con.executemany(
        "INSERT INTO clusters (id, code, code_key, name, locality, area_ha, developer,"
        " workflow_id, state, since, since_on, suspended_from, version, last_seq, head_hash,"
        " locality_key, search_key) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        clusters,
    )
    con.executemany(
        "INSERT INTO transitions (cluster_id, seq, event, from_state, to_state, effective_at,"
        " effective_on, recorded_at, actor, ref, note, prev_hash, hash, db_user, canon, data, code)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        entries,
    )
    con.execute("COMMIT")
    con.close()
    print(f"Imported {len(clusters)} clusters.")


if __name__ == "__main__":
    main()
