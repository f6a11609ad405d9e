"""Table columns that wrap: nothing cut, nothing past 80 columns."""

from __future__ import annotations

import io

from workflow.render import _wrap, width, write_table


def test_wrap_breaks_at_blanks_then_marks_then_anywhere() -> None:
    assert _wrap("dossier under appraisal since 02/02/2026", 16) == [
        "dossier under",
        "appraisal since",
        "02/02/2026",
    ]
    assert _wrap("cluster_establishment@nd32-2024", 24) == ["cluster_establishment@", "nd32-2024"]
    assert _wrap("cluster_establishment@nd32-2024", 12) == [
        "cluster_",
        "establishmen",
        "t@nd32-2024",
    ]
    assert _wrap("Lập hồ sơ thành lập", 9) == ["Lập hồ sơ", "thành lập"]
    assert _wrap("short", 9) == ["short"]
    assert _wrap("", 3) == [""]


def test_wrap_loses_nothing() -> None:
    text = "a_b@c-d e/f Cụm công nghiệp Hợp Thành 1 xxxxxxxxxxxxxxxxxxxxxxxxxxx"
    for limit in range(1, 40):
        lines = _wrap(text, limit)
        assert all(width(x) <= limit for x in lines), limit
        assert "".join(lines).replace(" ", "") == text.replace(" ", ""), limit


def test_a_wrapped_table_fits_80_columns() -> None:
    out = io.BytesIO()
    headers = ["Code", "From", "Why"]
    cells = [["HT1", "x" * 50, "because " * 10]]
    write_table(headers, cells, (), out, wrap=(1, 2))
    lines = out.getvalue().decode().splitlines()
    assert max(map(width, lines)) <= 80
    assert "…" not in "".join(lines)
    start, end = lines[0].index("From"), lines[0].index("Why")
    assert "".join(x[start:end].strip() for x in lines[2:]) == "x" * 50
    assert " ".join(x[end:] for x in lines[2:]) == ("because " * 10).strip()
