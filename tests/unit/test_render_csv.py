"""CSV cells carry no Python repr: lists joined by ";", booleans True/False, every view."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from workflow.render import Column, View, csv_value, emit


def test_csv_value() -> None:
    assert csv_value(["BS2", "HT1", "DP2"]) == "BS2;HT1;DP2"
    assert csv_value(("A",)) == "A"
    assert csv_value([]) == ""
    assert csv_value([date(2026, 1, 2), None]) == "2026-01-02;"
    assert csv_value({"b": 1, "a": "Lạng Sơn"}) == '{"a": "Lạng Sơn", "b": 1}'
    assert (csv_value(True), csv_value(False), csv_value(None), csv_value(3)) == (
        "True", "False", None, 3)  # fmt: skip


@dataclass
class Row:
    deciding: tuple[str, ...]
    low_data: bool | None


def test_emit_writes_lists_and_booleans_without_reprs() -> None:
    view = View((Column("deciding"), Column("low_data")))
    out = io.BytesIO()
    emit([Row(("BS2", "HT1"), True), Row((), None)], view, "csv", out=out)
    assert out.getvalue().decode().splitlines() == [
        "\ufeffdeciding,low_data", "BS2;HT1,True", ",",
    ]  # fmt: skip


def test_tables_say_yes_and_no_in_their_language() -> None:
    view = View((Column("low_data", ("Low data", "Ít dữ liệu")),))
    for lang, expected in (("en", ["yes", "no"]), ("vi", ["có", "không"])):
        out = io.BytesIO()
        emit([Row((), True), Row((), False)], view, "table", lang, out=out)
        assert out.getvalue().decode().splitlines()[2:] == expected
