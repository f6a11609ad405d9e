"""Consistent copies of a live SQLite database through SQLite's online backup API."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from workflow.errors import StorageError

from .engine import BUSY_TIMEOUT_MS, sqlite_path


def backup_sqlite(url: str, target: str | Path) -> tuple[Path, int]:
    """Copy the database at `url` to `target` while writers go on; returns (path, pages)."""
    source = sqlite_path(url)
    if source is None:
        raise StorageError(
            "db backup copies SQLite databases; for PostgreSQL use pg_dump on the server"
        )
    if not source.exists():
        raise StorageError(f"database {source} does not exist")
    dest = Path(target).expanduser().resolve()
    if dest.exists():
        raise StorageError(f"{dest} already exists; choose a new file name")
    if not dest.parent.is_dir():
        raise StorageError(f"directory {dest.parent} does not exist")
    partial = dest.with_name(dest.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        dst = sqlite3.connect(partial)
        try:
            # One step copies everything under a single read snapshot: a consistent copy
            # even while other processes keep writing (WAL lets them go on meanwhile).
            src.backup(dst, pages=-1)
            pages = dst.execute("PRAGMA page_count").fetchone()[0]
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StorageError(f"backup of {source} failed: {exc}") from None
    finally:
        src.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise StorageError(f"backup of {source} failed its integrity check: {ok}")
    partial.rename(dest)
    return dest, pages
