"""Cluster spreadsheets: read staff's CSV files, write ones Excel opens cleanly."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from .batch import collector_paused
from .clock import parse_date
from .errors import CcnError, ImportRejected, InvalidInput
from .services import NewCluster

COLUMNS = ("code", "name", "locality", "area_ha", "developer", "state", "since", "ref")
REQUIRED = ("code", "name")
BOM = "\ufeff"


def read_clusters(data: bytes) -> list[tuple[int, NewCluster]]:
    """Parse an import file; any problem rejects the whole file, every line listed."""
    with collector_paused():
        return _read_clusters(data)


def _read_clusters(data: bytes) -> list[tuple[int, NewCluster]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"file is not UTF-8 (bad byte at offset {exc.start}); save it as 'CSV UTF-8'"
        ) from None
    if not text.strip():
        raise InvalidInput("file is empty; expected a header line: " + ",".join(COLUMNS))
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader)]
    _check_header(header)
    rows: list[tuple[int, NewCluster]] = []
    problems: list[str] = []
    for fields in reader:
        line = reader.line_num
        if not "".join(fields).strip():
            continue
        if len(fields) != len(header):
            problems.append(f"line {line}: expected {len(header)} fields, found {len(fields)}")
            continue
        record = dict(zip(header, fields, strict=True))
        try:
            rows.append((line, _new_cluster(record)))
        except CcnError as exc:
            problems.append(f"line {line}: {exc}")
    if problems:
        raise ImportRejected(problems)
    return rows


def _check_header(header: list[str]) -> None:
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        raise InvalidInput("header is not comma-separated; save the file as CSV with commas")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"line 1: unknown column(s) {', '.join(repr(u) for u in unknown)}; "
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


def _new_cluster(r: dict[str, str]) -> NewCluster:
    since = r.get("since", "").strip()
    return NewCluster(
        code=r["code"],
        name=r["name"],
        locality=r.get("locality"),
        area_ha=r.get("area_ha"),
        developer=r.get("developer"),
        state=r.get("state") or None,
        since=parse_date(since) if since else None,
        ref=r.get("ref"),
    )


def write_csv(out: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """UTF-8 with a BOM so Excel shows Vietnamese text correctly."""
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
