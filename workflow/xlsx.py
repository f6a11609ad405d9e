"""Excel workbooks (openpyxl, imported only here): any view as a sheet, Form 04 as on
paper, and reading a sheet back for imports.

Numbers are stored as numbers. Their formats are Excel's locale-neutral codes
`#,##0` (whole numbers) and `#,##0.00` (decimals): "," stands for the thousands
separator and "." for the decimal mark of whoever opens the file, so Excel or
LibreOffice set to Vietnamese shows 1.234,56 and one set to English 1,234.56.
Dates are real dates shown DD/MM/YYYY; instants (a time recorded) are real date-times
in Vietnam time shown DD/MM/YYYY HH:MM:SS: a cell holds no time zone, so each is
converted to Asia/Ho_Chi_Minh and its zone dropped, as JSON and CSV give it (+07:00).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from .clock import LOCAL_TZ
from .errors import InvalidInput

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from .circular14 import Circular14
    from .render import View

INTEGER = "#,##0"
DECIMAL = "#,##0.00"
DAY = "DD/MM/YYYY"
MOMENT = "DD/MM/YYYY HH:MM:SS"
FORM_HEADERS = ("TT", "Chỉ tiêu", "Đơn vị tính", "Kết quả (lũy kế đến thời điểm báo cáo)",
                "Ghi chú")  # fmt: skip
MISSING_HEADERS = ("Mã", "Tên cụm công nghiệp", "Địa bàn", "Chủ đầu tư hạ tầng", "Bước")


def _cell(ws: Worksheet, row: int, column: int, value: Any, bold: bool = False) -> None:
    from openpyxl.styles import Font

    if isinstance(value, datetime):
        value = local_naive(value)
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    c = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        # openpyxl makes any text starting with "=" a live formula: names, localities and
        # notes come from users and developers' files, so they stay text, always.
        c.data_type = "s"
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        c.number_format = INTEGER
    elif isinstance(value, float):
        c.number_format = DECIMAL
    elif isinstance(value, datetime):
        c.number_format = MOMENT
    elif isinstance(value, date):
        c.number_format = DAY
    if bold:
        c.font = Font(bold=True)


def local_naive(moment: datetime) -> datetime:
    """The wall-clock time in Vietnam; a naive value is taken as already local."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(LOCAL_TZ).replace(tzinfo=None)


def _sheet(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    for j, h in enumerate(header, 1):
        _cell(ws, 1, j, h, bold=True)
    for i, values in enumerate(rows, 2):
        for j, value in enumerate(values, 1):
            _cell(ws, i, j, value)
    ws.freeze_panes = "A2"


def view_sheets(sheets: Sequence[tuple[str, Iterable[Any], View]], out: BinaryIO) -> None:
    """One sheet per (title, rows, view), with the view's CSV columns."""
    from openpyxl import Workbook

    from .render import csv_value

    wb = Workbook()
    for n, (title, rows, view) in enumerate(sheets):
        ws = wb.active if n == 0 else wb.create_sheet()
        assert ws is not None
        ws.title = title[:31]
        cols = [c for c in view.columns if c.csv]
        _sheet(ws, [c.key for c in cols],
               ([_native(c.value(r), csv_value) for c in cols] for r in rows))  # fmt: skip
    _save(wb, out)


def _native(value: Any, plain: Any) -> Any:
    """What a cell holds: numbers, dates and text as themselves, the rest as the CSV
    cell (a mapping as JSON text, a list joined)."""
    if isinstance(value, int | float | str | date) or value is None:
        return value
    return plain(value)


def _save(wb: Any, out: BinaryIO) -> None:
    buffer = io.BytesIO()
    wb.save(buffer)
    out.write(buffer.getvalue())


def form(report: Circular14, out: BinaryIO, note: str | None = None) -> None:
    """Form 04/03 laid out like the paper form; a second sheet lists missing Form 02s.
    `note` is a line under the title, e.g. that the figures were invented for a demo."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from .labels import label

    p = report.period
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"Mẫu {report.form}"
    ws["A1"] = f"Mẫu số {report.form} - Thông tư 14/2024/TT-BCT"
    ws["A2"] = ("BÁO CÁO TÌNH HÌNH QUY HOẠCH, ĐẦU TƯ XÂY DỰNG VÀ HOẠT ĐỘNG CỦA CÁC CỤM "
                "CÔNG NGHIỆP")  # fmt: skip
    ws["A2"].font = Font(bold=True, size=13)
    kind = "6 tháng đầu năm" if p.half else "năm"
    ws["A3"] = (f"Kỳ báo cáo: {kind} {p.end.year} (số liệu từ {p.start:%d/%m/%Y} đến "
                f"{p.end:%d/%m/%Y})")  # fmt: skip
    ws["A4"] = f"Địa bàn: {report.locality}" if report.locality else "Phạm vi: toàn tỉnh"
    if note:
        _cell(ws, 5, 1, note)
        ws["A5"].font = Font(italic=True, color="C00000")
    for cell in ("A1", "A3", "A4"):
        ws[cell].alignment = Alignment(horizontal="left")
    top = 6
    for j, h in enumerate(FORM_HEADERS, 1):
        _cell(ws, top, j, h, bold=True)
        ws.cell(row=top, column=j).alignment = Alignment(wrap_text=True, vertical="center")
    for i, r in enumerate(report.rows, top + 1):
        for j, value in enumerate((r.no, r.indicator_vi, r.unit, r.value, r.note_vi), 1):
            _cell(ws, i, j, value, bold=r.section)
        ws.cell(row=i, column=2).alignment = Alignment(wrap_text=True)
    for letter, width in zip("ABCDE", (7, 62, 12, 22, 48), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{top + 1}"
    missing = wb.create_sheet("Thiếu Mẫu 02")
    chase = ((m.code, m.name, m.locality, m.developer, label(m.state, "vi"))
             for m in report.missing)  # fmt: skip
    _sheet(missing, MISSING_HEADERS, chase)
    missing.column_dimensions["B"].width = 40
    _save(wb, out)


def read_rows(data: bytes, source: str) -> tuple[list[str], list[tuple[int, list[Any]]], list[str]]:
    """The first sheet's header, its other non-blank rows with their row numbers, and
    the problems of cells that cannot be read: a formula Excel never computed (a file
    written by a program, not saved by Excel, holds no value for it) and a value in a
    column without a header."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInput(f"{source} is not a readable .xlsx workbook: {exc}") from None
    rows = wb.worksheets[0].iter_rows(values_only=True)
    written = formulas.worksheets[0].iter_rows(values_only=True)
    first = next(rows, None)
    next(written, None)
    if first is None:
        raise InvalidInput(f"{source} is empty; expected a header row")
    header = ["" if h is None else str(h).strip().lower() for h in first]
    while header and not header[-1]:
        header.pop()
    out = []
    problems: list[str] = []
    for n, values in enumerate(rows, 2):
        typed = next(written, ())
        for j, value in enumerate(values):
            cell = f"{get_column_letter(j + 1)}{n}"
            text = typed[j] if j < len(typed) else None
            if value is None and isinstance(text, str) and text.startswith("="):
                problems.append(
                    f"line {n}: cell {cell} holds a formula ({text[:40]}) with no value saved: "
                    "open and save the file in Excel, or type the value"
                )
            elif j >= len(header) and value is not None and str(value).strip():
                problems.append(f"line {n}: cell {cell} has a value but its column has no header")
        cells = list(values[: len(header)])
        if any(v is not None and str(v).strip() for v in cells):
            out.append((n, cells + [None] * (len(header) - len(cells))))
    wb.close()
    formulas.close()
    return header, out, problems
