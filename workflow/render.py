"""Output: one view declaration serves tables, JSON, CSV and XLSX (workflow/xlsx.py).

A `View` lists its `Column`s once: the key (JSON and CSV), how to get the value from a
typed read model, the table header in Vietnamese and English, how the table shows the
cell, and which columns give way first when a table is too wide. `emit` writes rows of
any read model in the format asked for. JSON is the text `json.dumps(indent=2,
ensure_ascii=False)` would give, made by orjson's C encoder and written in large
chunks: a report of 100,000 rows is never held whole as one string.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO, cast

from .clock import iso_local

TABLE_WIDTH = 80
MIN_WIDTH = 3  # a column cut to "ab…" still says something; a 32-character code fits
CHUNK = 2000  # rows serialised per write


@dataclass(frozen=True)
class Column:
    key: str
    header: tuple[str, str] | None = None  # (en, vi); None: not in the table
    get: Callable[[Any], Any] | None = None  # value for JSON/CSV; default: attribute `key`
    show: Callable[[Any, str], Any] | None = None  # table cell from (row, lang)
    shrink: bool = False  # gives way when the table is too wide
    middle: bool = False  # cut from the middle: long names differ at their end
    last_resort: bool = False  # cut only once every `shrink` column is as narrow as it gets
    # Gives way like `shrink`, but is never cut: its text goes on over further lines of
    # its row, so a table that must say everything still fits.
    wrap: bool = False
    csv: bool = True
    json: bool = True
    optional: bool = False  # left out of JSON when None

    def value(self, row: Any) -> Any:
        return self.get(row) if self.get else getattr(row, self.key)


@dataclass(frozen=True)
class View:
    columns: tuple[Column, ...]
    empty: str | None = None  # the table's text when there are no rows

    def data(self, row: Any) -> dict[str, Any]:
        out = {}
        for c in self.columns:
            if c.json:
                value = c.value(row)
                if value is not None or not c.optional:
                    out[c.key] = plain(value)
        return out


def plain(value: Any) -> Any:
    """JSON/CSV form: dates ISO, instants ISO in Vietnam time, tuples as lists."""
    if isinstance(value, datetime):
        return iso_local(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


LIST_SEPARATOR = ";"


def csv_value(value: Any) -> Any:
    """A CSV cell: what JSON gives (`plain`), with no Python repr left in it. A list is
    its items joined by ";" ("BS2;HT1;DP2": codes hold no ";"), a mapping its JSON
    text. A boolean is written True/False, as every CSV of ccn writes it and as Excel
    and LibreOffice read a logical value."""
    value = plain(value)
    if isinstance(value, list):
        return LIST_SEPARATOR.join("" if v is None else str(csv_value(v)) for v in value)
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "True" if value else "False"
    return value


def dmy(value: Any) -> str:
    if isinstance(value, datetime):
        value = date.fromisoformat(iso_local(value)[:10])
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else ""


YES_NO = {"en": ("yes", "no"), "vi": ("có", "không")}


def yes_no(value: bool, lang: str = "en") -> str:
    yes, no = YES_NO.get(lang, YES_NO["en"])
    return yes if value else no


def cell(value: Any, lang: str = "en") -> str:
    """How a table shows a value by default: one line, dates as DD/MM/YYYY."""
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return dmy(value)
    if isinstance(value, bool):
        return yes_no(value, lang)
    if not isinstance(value, str):
        return str(value)
    # One line per row: a line break shows as ↵ rather than breaking the table.
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "↵".join(" ".join(line.split()) for line in lines)


def emit(
    rows: Iterable[Any], view: View, fmt: str, lang: str = "en", out: BinaryIO | None = None
) -> None:
    out = out or sys.stdout.buffer
    if fmt == "json":
        write_json((view.data(r) for r in rows), out)
    elif fmt == "csv":
        from .csvio import write_csv

        cols = [c for c in view.columns if c.csv]
        text = io.StringIO(newline="")
        write_csv(
            text, [c.key for c in cols], ([csv_value(c.value(r)) for c in cols] for r in rows)
        )
        out.write(text.getvalue().encode())
    elif fmt == "xlsx":
        from .xlsx import view_sheets

        binary_ok(out)
        view_sheets([("ccn", rows, view)], out)
    else:
        table(rows, view, lang, out)
    out.flush()


def binary_ok(out: BinaryIO) -> None:
    """A workbook is bytes: refuse to pour it onto a terminal."""
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        from .errors import InvalidInput

        raise InvalidInput(
            "--format xlsx writes a workbook: redirect it to a file (> report.xlsx)"
            " or give --out where the command has it"
        )


def table(rows: Iterable[Any], view: View, lang: str, out: BinaryIO) -> None:
    cols = [c for c in view.columns if c.header is not None]
    lines = [[cell(c.show(r, lang) if c.show else c.value(r), lang) for c in cols] for r in rows]
    if not lines and view.empty is not None:
        out.write(f"{view.empty}\n".encode())
        return
    # `cols` holds only the columns with a header.
    headers = [cast(tuple[str, str], c.header)[1 if lang == "vi" else 0] for c in cols]
    shrink = [i for i, c in enumerate(cols) if c.shrink]
    middle = [i for i, c in enumerate(cols) if c.middle]
    last = [i for i, c in enumerate(cols) if c.last_resort]
    wrap = [i for i, c in enumerate(cols) if c.wrap]
    write_table(headers, lines, shrink, out, middle, last, wrap)


def write_table(
    headers: Sequence[str],
    cells: list[list[str]],
    shrink: Sequence[int],
    out: BinaryIO,
    middle: Sequence[int] = (),
    last_resort: Sequence[int] = (),
    wrap: Sequence[int] = (),
) -> None:
    """Aligned columns within 80 terminal cells; the widest `shrink` or `wrap` column
    gives way first (never a code: codes are never in `shrink`). A `wrap` column's cell
    goes on over as many lines as it needs, so nothing of it is lost."""
    widths = [width(h) for h in headers]
    for row in cells:
        widths = [max(w, width(c)) for w, c in zip(widths, row, strict=True)]
    for columns in ([*shrink, *wrap], last_resort):
        while sum(widths) + 2 * (len(widths) - 1) > TABLE_WIDTH and columns:
            widest = max(columns, key=lambda i: widths[i])
            if widths[widest] <= MIN_WIDTH:
                break
            widths[widest] -= 1
    headers = [_cut(h, w) for h, w in zip(headers, widths, strict=True)]
    rows = [
        [
            _wrap(c, w) if i in wrap else [_cut(c, w, i in middle)]
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        for row in cells
    ]
    for i in wrap:  # lines broken short of the width leave it wider than it need be
        widths[i] = max([width(headers[i])] + [width(x) for r in rows for x in r[i]])

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True))

    text = [line(headers).rstrip(), "  ".join("-" * w for w in widths)]
    for parts in rows:
        for n in range(max(len(p) for p in parts)):
            text.append(line([p[n] if n < len(p) else "" for p in parts]).rstrip())
    out.write(("\n".join(text) + "\n").encode())


def width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _cut(text: str, limit: int, middle: bool = False) -> str:
    if width(text) <= limit:
        return text
    if middle:  # "Cụm công nghiệp …ành 1": names that differ at the end stay apart
        tail = _cut(text[::-1], (limit - 1) // 2 + 1)[:-1][::-1]
        return _cut(text, limit - width(tail)) + tail
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


# Where a line may break, the first that serves: at blanks; after the marks between the
# parts of a name (cluster_establishment@nd32-2024, a/b); after "_" or "-"; anywhere.
_BREAKS = (" ", " @/", " @/_-")


def _wrap(text: str, limit: int, level: int = 0) -> list[str]:
    """`text` over lines of at most `limit` cells, nothing left out."""
    if width(text) <= limit:
        return [text]
    if level == len(_BREAKS):
        out = []
        while text:
            out.append(_head(text, limit))
            text = text[len(out[-1]) :]
        return out
    marks = re.escape(_BREAKS[level])
    lines = [""]
    for piece in re.findall(rf"[^{marks}]*[{marks}]+|[^{marks}]+", text):
        if width((lines[-1] + piece).rstrip()) <= limit:
            lines[-1] += piece
            continue
        if lines[-1]:
            lines.append("")
        body = piece.rstrip()
        *done, last = _wrap(body, limit, level + 1)
        lines[-1:] = [*done, last + piece[len(body) :]]
    return [x.rstrip() for x in lines if x.strip()] or [""]


def _head(text: str, limit: int) -> str:
    """The longest start of `text` within `limit` cells, at least one character."""
    out = text[0]
    for ch in text[1:]:
        if width(out + ch) > limit:
            break
        out += ch
    return out


def write_json(data: Any, out: BinaryIO) -> None:
    """`data` a dict, or an iterable of dicts written as one JSON list, chunk by chunk."""
    import orjson

    if isinstance(data, dict):
        out.write(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
        return
    first = True
    batch: list[bytes] = []
    for item in data:
        # JSON text never holds a raw newline, so indenting every line is safe.
        text = orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  ")
        batch.append((b"[\n  " if first else b",\n  ") + text)
        first = False
        if len(batch) >= CHUNK:
            out.write(b"".join(batch))
            batch.clear()
    batch.append(b"[]\n" if first else b"\n]\n")
    out.write(b"".join(batch))


def write_lines(lines: Iterable[str], out: BinaryIO | None = None) -> None:
    out = out or sys.stdout.buffer
    out.write("".join(f"{line}\n" for line in lines).encode())
    out.flush()
