"""Cluster spreadsheets: read staff's CSV files, write ones Excel opens cleanly.

Formula neutralising (OWASP CSV injection): on export a text cell that starts with
`=`, `+`, `-`, `@`, a tab, a carriage return, or a single quote `'` gets one more `'`
in front, so a spreadsheet shows it as text and never runs it. On import one leading
`'` is removed from every cell. Since export quotes every cell that starts with `'`,
the quote import removes is always the one export added: a name that really starts
with `'` is written `''…` and read back as `'…`, and export → import → export gives
the same file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .attributes import LATER_FACTS
from .batch import collector_paused
from .clock import parse_date
from .commands import NewCluster
from .errors import CcnError, InvalidInput

# resumes_to and the facts came later: files without them still import.
COLUMNS = ("code", "name", "locality", "area_ha", "developer", "state", "since", "ref",
           "resumes_to", *LATER_FACTS)  # fmt: skip
REQUIRED = ("code", "name")
BOM = "\ufeff"
QUOTE = "'"
NEUTRALISE = ("=", "+", "-", "@", "\t", "\r", QUOTE)
# Columns without a limit of their own (validate.LIMITS) are refused beyond this many
# characters before anything else reads them, so a problem never quotes 200 KB.
SHORT_LIMITS = {"code": 32, "area_ha": 32, "state": 64, "since": 32, "resumes_to": 64,
                "industrial_land_ha": 32, "developer_kind": 32, "kind": 32}  # fmt: skip


def neutralise(value: str) -> str:
    """A cell as export writes it: text a spreadsheet could run gets a leading `'`."""
    return QUOTE + value if value.startswith(NEUTRALISE) else value


def delimiter(text: str) -> str:
    """The separator a file's header line uses. Excel set to Vietnamese saves "CSV" with
    semicolons (the comma is its decimal mark); a header holds no other punctuation."""
    lines = text.lstrip(BOM).splitlines()
    first = lines[0] if lines else ""
    return max((",", ";", "\t"), key=first.count)


def restore(value: str) -> str:
    """A cell as import reads it: the one leading `'` export adds, removed."""
    return value[1:] if value.startswith(QUOTE) else value


@dataclass
class Parsed:
    """An import file read: its rows, and the problems found reading them."""

    rows: list[tuple[int, NewCluster]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # Lines and columns already reported, so later checks do not report them again.
    flagged: dict[int, set[str]] = field(default_factory=dict)


def read_clusters(data: bytes) -> Parsed:
    """Parse an import file. Problems with the file as a whole raise; problems of a
    row are collected, every one of every row, and its other fields still read."""
    with collector_paused():
        return _read_clusters(data)


@contextmanager
def _field_limit(size: int) -> Iterator[None]:
    # The csv module refuses fields over 128 KB with an error that names no line; a
    # file's field can be no longer than the file, and the length checks say which.
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def decoded(data: bytes, columns: Sequence[str]) -> str:
    """A spreadsheet's CSV as text: UTF-8 (a BOM, as Excel writes it, is fine), not empty."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"file is not UTF-8 (bad byte at offset {exc.start}); save it as 'CSV UTF-8'"
        ) from None
    if not text.strip():
        raise InvalidInput("file is empty; expected a header line: " + ",".join(columns))
    return text


def records(
    text: str, check_header: Callable[[list[str]], None], problems: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each line of a CSV text as (line, {column: cell}), cells restored, in the
    delimiter its header uses; a blank line is skipped and a line with another number of
    fields is a problem of its own, collected in `problems`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text))
    header = [h.strip().lower() for h in next(reader)]
    check_header(header)
    for fields in reader:
        if not "".join(fields).strip():
            continue
        if len(fields) != len(header):
            problems.append(
                f"line {reader.line_num}: expected {len(header)} fields, found {len(fields)}"
            )
            continue
        yield reader.line_num, dict(zip(header, map(restore, fields), strict=True))


def _read_clusters(data: bytes) -> Parsed:
    text = decoded(data, COLUMNS)
    parsed = Parsed()
    with _field_limit(len(text)):
        for line, row in records(text, _check_header, parsed.problems):
            _read_row(parsed, line, row)
    return parsed


def _read_row(parsed: Parsed, line: int, r: dict[str, str]) -> None:
    flagged: set[str] = set()

    def problem(column: str, message: str) -> None:
        parsed.problems.append(f"line {line}: {message}")
        flagged.add(column)

    for column, limit in SHORT_LIMITS.items():
        value = r.get(column, "")
        if len(value) > limit:
            problem(column, f"{column} is too long: {len(value)} characters (limit {limit})")
            r[column] = ""
    since = r.get("since", "").strip()
    day = None
    if since:
        try:
            day = parse_date(since)
        except CcnError as exc:
            problem("since", str(exc))
    if flagged:
        parsed.flagged[line] = flagged
    parsed.rows.append(
        (
            line,
            NewCluster(
                code=r["code"],
                name=r["name"],
                locality=r.get("locality"),
                area_ha=r.get("area_ha"),
                developer=r.get("developer"),
                state=r.get("state") or None,
                since=day,
                ref=r.get("ref"),
                resumes_to=r.get("resumes_to", "").strip() or None,
                **{k: r.get(k) for k in LATER_FACTS},
            ),
        )
    )


def _check_header(header: list[str]) -> None:
    if len(header) == 1 and "|" in header[0]:
        raise InvalidInput(
            "header is separated by '|'; save the file as CSV (commas, or semicolons)"
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"line 1: unknown column(s) {', '.join(repr(u[:40]) for u in unknown)}; "
            f"expected header: {','.join(COLUMNS)}"
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(
            f"line 1: missing column(s) {', '.join(missing)}; expected header: {','.join(COLUMNS)}"
        )
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise InvalidInput(f"line 1: duplicate column(s) {', '.join(dupes)}")


def write_csv(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UTF-8 with a BOM so Excel shows Vietnamese text correctly; text cells neutralised."""
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if v is None else neutralise(v) if isinstance(v, str) else v for v in row]
        )
