"""SQLite query plans: lookups go through indexes, never a scan of the history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from db import open_engine, repository, tables
from db.audit import SqlAuditQueries
from db.reports import last_entries
from workflow.ports import LogFilter

T = tables.transitions.c


def plan(conn: Connection, stmt: Any, params: dict[str, Any] | None = None) -> str:
    compiled = stmt.compile(dialect=conn.dialect)
    values = compiled.construct_params(params or {})
    args = tuple(values[name] for name in compiled.positiontup or ())
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args)
    return " | ".join(r[3] for r in rows)


@pytest.fixture
def conn(sqlite_template):
    engine = open_engine(f"sqlite:///{sqlite_template}")
    with engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
        yield c
    engine.dispose()


def test_cluster_lookup_uses_the_code_index(conn) -> None:
    p = plan(conn, repository._GET, {"key": "HT1"})
    assert "SEARCH clusters USING INDEX sqlite_autoindex_clusters_1 (code_key=?)" in p, p


def test_history_uses_the_chain_index(conn) -> None:
    p = plan(conn, repository._HISTORY, {"key": "HT1"})
    assert "SEARCH transitions USING INDEX sqlite_autoindex_transitions_1 (cluster_id=?)" in p, p
    assert "SCAN transitions" not in p, p


def test_latest_effective_date_reads_one_index_entry(conn) -> None:
    p = plan(conn, select(func.max(T.effective_on)))
    assert "ix_transitions_effective_on" in p and "SCAN transitions" not in p, p


def test_as_of_positions_join_the_last_entry_by_index(conn) -> None:
    joined, entry = last_entries(T.effective_on <= date(2021, 6, 30))
    p = plan(conn, select(entry.c.to_state).select_from(joined))
    # Grouping walks the (cluster_id, seq) index in order: no sort, no temporary table;
    # then each cluster's last entry and row are fetched by key.
    assert "SCAN transitions USING INDEX sqlite_autoindex_transitions_1" in p, p
    assert "TEMP B-TREE" not in p, p
    assert "SEARCH entry USING INDEX sqlite_autoindex_transitions_1 (cluster_id=? AND seq=?)" in p
    assert "SEARCH clusters USING INTEGER PRIMARY KEY (rowid=?)" in p, p


def test_audit_log_follows_the_recorded_index(conn) -> None:
    queries = SqlAuditQueries(conn)
    captured: list[Any] = []
    original = conn.execute

    def capture(stmt: Any, *a: Any, **k: Any) -> Any:
        captured.append(stmt)
        return original(stmt, *a, **k)

    conn.execute = capture
    list(queries.log(LogFilter(since=date(2025, 1, 1))))
    conn.execute = original
    p = plan(conn, captured[0], {})
    assert "ix_transitions_recorded_at" in p, p
    assert "USE TEMP B-TREE FOR ORDER BY" not in p, p
    assert datetime(2025, 1, 1, tzinfo=UTC)  # the filter's bound is an aware instant
