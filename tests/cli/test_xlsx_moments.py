"""XLSX keeps the time of an instant (in Vietnam time), as JSON and CSV do."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from ..conftest import j, ok


@pytest.fixture(autouse=True)
def frozen():
    with freeze_time("2026-11-28 13:27:36"):  # 20:27:36 in Vietnam
        yield


def _cells(ccn, *args: str) -> dict[str, tuple[object, str]]:
    """(value, number format) of each column of the first data row, by header."""
    ws = load_workbook(io.BytesIO(ok(ccn(*args, "--format", "xlsx")).stdout_bytes)).worksheets[0]
    header = [c.value for c in ws[1]]
    return {str(h): (c.value, c.number_format) for h, c in zip(header, ws[2], strict=True)}


RECORDED = (datetime(2026, 11, 28, 20, 27, 36), "DD/MM/YYYY HH:MM:SS")


def test_every_xlsx_keeps_the_time_recorded_in_vietnam_time(ccn) -> None:
    ok(ccn("user", "add", "boss", "--role", "admin"))
    ok(ccn("user", "add", "sup", "--role", "supervisor", actor="boss"))
    ok(ccn("cluster", "add", "K", "--name", "Cụm K", "--state", "establishment",
           "--since", "2024-01-01", actor="sup"))  # fmt: skip
    ok(ccn("indicators", "record", "K", "--period", "2025", "--revenue-bn", "1000",
           actor="sup"))  # fmt: skip
    listed = j(ccn("indicators", "list", "--format", "json"))
    assert listed[0]["recorded_at"] == "2026-11-28T20:27:36+07:00"
    assert _cells(ccn, "indicators", "list")["recorded_at"] == RECORDED
    history = _cells(ccn, "history", "K")
    assert history["recorded_at"] == RECORDED
    # Midnight in Vietnam, the start of the day it took effect, not 17:00 the day before.
    assert history["effective_at"] == (datetime(2024, 1, 1), "DD/MM/YYYY HH:MM:SS")
    assert _cells(ccn, "audit", "log")["recorded_at"] == RECORDED
    assert _cells(ccn, "user", "list")["created_at"] == RECORDED
    assert _cells(ccn, "user", "log")["recorded_at"] == RECORDED
    # A date stays a date.
    assert _cells(ccn, "cluster", "list")["since"] == (datetime(2024, 1, 1), "DD/MM/YYYY")
