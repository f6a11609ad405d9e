"""`ccn db dump` and `ccn db restore`: the whole record as one self-describing file.

The file is JSON Lines (gzip when its name ends in `.gz`), one object per line, each
with a `kind`, in this order:

    {"kind": "ccn-dump", "format": 1, "schema": "0006", "created_at": "…Z", "backend": …}
    {"kind": "workflow", "name", "version", "sha256", "text", "created_at"}      (by id)
    {"kind": "user", "name", "name_key", "login", "role", "enabled", …}           (by id)
    {"kind": "user_change", "user_name", "action", …, "seq", "prev_hash", "hash"} (by id)
    {"kind": "cluster", every column but ids, "workflow": "name@version"}          (by id)
    {"kind": "entry", "cluster": CODE, every column but ids}                       (by id)
    {"kind": "targets", "name", "version", "sha256", "text", "installed_by", …}   (by id)
    {"kind": "indicator", every column but ids}                                    (by id)
    {"kind": "end", "counts": {"workflow": N, "user": N, …}}

Every stored column of a table is written under its own name (but a cluster's `kind`,
which the line's own `kind` would hide, as `cluster_kind`), except surrogate ids:
a cluster names its workflow as name@version, an entry its cluster by code. Rows go
in id order, so the restored ids keep their order (the audit log breaks ties on it).
Timestamps are UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (the text the chains hash), dates
`YYYY-MM-DD`. The `end` line and its counts tell a complete file from a cut one.

Restore writes into an empty initialised database in one transaction, then runs the
whole of `audit verify` inside it, and commits only if nothing is wrong.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any, cast

import orjson
from sqlalchemy import Connection, Date, Table, func, select
from sqlalchemy.exc import DBAPIError

from workflow.chain import utc_text
from workflow.errors import InvalidInput, StorageError

from . import bulk, tables
from .schema import HEAD
from .uow import SqlUnitOfWork

FORMAT = 1
HEADER = "ccn-dump"
BATCH = 5000

# (kind, table, columns replaced by a reference: {column: key in the line})
KINDS: tuple[tuple[str, Table], ...] = (
    ("workflow", tables.workflows),
    ("user", tables.users),
    ("user_change", tables.user_changes),
    ("cluster", tables.clusters),
    ("entry", tables.transitions),
    ("targets", tables.targets),
    ("indicator", tables.indicators),
)
REFERENCES = {"workflow_id": "workflow", "cluster_id": "cluster"}
# PostgreSQL triggers that check a row's login against the one writing it (0006, 0009):
# a restore writes other logins' rows, so the owner sets them aside for its transaction.
IDENTITY_TRIGGERS = (
    ("transitions", "transitions_identity"),
    ("user_changes", "user_changes_identity"),
    ("users", "users_guard"),
    ("indicators", "indicators_identity"),
    ("workflows", "workflows_guard"),
    ("targets", "targets_guard"),
)


def _key(table: Table, name: str) -> str:
    """The key a column goes under in a line: `kind` names the line itself."""
    return "cluster_kind" if table is tables.clusters and name == "kind" else name


def _columns(table: Table) -> list[str]:
    return [str(c.name) for c in table.columns if c.name != "id"]  # orjson: plain str keys


# ---------------------------------------------------------------- writing


@dataclass
class DumpResult:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)


def _open_write(path: Path, gz: bool) -> IO[bytes]:
    if gz:
        return cast(IO[bytes], gzip.open(path, "wb", compresslevel=6))
    return open(path, "wb")


def dump(uow: SqlUnitOfWork, target: str | Path) -> DumpResult:
    """Write everything in the database at one snapshot to `target` (a new file)."""
    path = Path(target).expanduser()
    if path.exists():
        raise StorageError(f"{path} already exists; choose a new file name")
    if not path.parent.is_dir():
        raise StorageError(f"directory {path.parent} does not exist")
    partial = path.with_name(path.name + ".partial")
    result = DumpResult(path)
    try:
        with (
            uow,
            _open_write(partial, path.suffix == ".gz") as raw,
            io.BufferedWriter(raw, 1 << 20) as out,
        ):
            header = {
                "kind": HEADER,
                "format": FORMAT,
                "schema": HEAD,
                "created_at": utc_text(datetime.now(UTC)),
                "backend": uow.conn.dialect.name,
            }
            out.write(orjson.dumps(header) + b"\n")
            for kind, table in KINDS:
                n = 0
                for line in _rows(uow.conn, kind, table):
                    out.write(orjson.dumps(line) + b"\n")
                    n += 1
                result.counts[kind] = n
            out.write(orjson.dumps({"kind": "end", "counts": result.counts}) + b"\n")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)
    return result


def _rows(conn: Connection, kind: str, table: Table) -> Iterator[dict[str, Any]]:
    names = [c for c in _columns(table) if c not in REFERENCES]
    cols = [table.c[n] for n in names]
    stamps = {n for n in names if isinstance(table.c[n].type, tables.UTCDateTime)}
    days = {n for n in names if isinstance(table.c[n].type, Date)}
    query = select(*cols)
    if table is tables.clusters:
        w = tables.workflows.c
        query = select(*cols, w.name, w.version).join(tables.workflows)
    elif table is tables.transitions:
        # An entry whose cluster row is gone is written too (restore refuses it).
        query = select(*cols, tables.clusters.c.code).outerjoin(tables.clusters)
    query = query.order_by(table.c.id).execution_options(yield_per=BATCH)
    for row in conn.execute(query):
        line: dict[str, Any] = {"kind": kind}
        for n, v in zip(names, row, strict=False):
            if v is not None and n in stamps:
                v = utc_text(v)
            elif v is not None and n in days:
                v = v.isoformat()
            line[_key(table, n)] = v
        if table is tables.clusters:
            line["workflow"] = f"{row[-2]}@{row[-1]}"
        elif table is tables.transitions:
            line["cluster"] = row[-1]
        yield line


# ---------------------------------------------------------------- reading


class DumpError(InvalidInput):
    """A dump that cannot be restored: the message names the line."""


def _open_read(path: Path) -> IO[bytes]:
    if not path.is_file():
        raise StorageError(f"{path} does not exist or is not a file")
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return open(path, "rb")


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each line; a damaged file is refused at its line."""
    n = 0
    with _open_read(path) as fh:
        while True:
            try:
                raw = fh.readline()
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                raise DumpError(f"{path}: line {n + 1}: cannot read: {exc}") from None
            if not raw:
                return
            n += 1
            if not raw.endswith(b"\n"):
                raise DumpError(f"{path}: line {n}: cut short (the file is truncated)")
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise DumpError(f"{path}: line {n}: not JSON ({exc})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
                raise DumpError(f"{path}: line {n}: not a ccn dump line (no kind)")
            yield n, obj


# ---------------------------------------------------------------- restoring


@dataclass
class RestoreResult:
    counts: dict[str, int]
    clusters: int
    transitions: int


class _Entered:
    """The restore's open unit of work, entered again by `verify` without a new
    transaction: the check must see the rows this transaction wrote."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    def __enter__(self) -> _Entered:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def restore(uow: SqlUnitOfWork, source: str | Path) -> RestoreResult:
    """Load a dump into an empty database: all of it, verified, or nothing."""
    from workflow.audit import verify

    path = Path(source).expanduser()
    lines = read_lines(path)  # opens the file first: a missing one is refused before the DB
    with uow:
        conn = uow.conn
        _require_empty(conn)
        with _translate(conn):
            _set_identity_triggers(conn, enabled=False)
            counts = _load(conn, path, lines)
            _set_identity_triggers(conn, enabled=True)
        result = verify(_Entered(uow))
        if not result.ok:
            first = result.problems[0]
            more = f" (and {len(result.problems) - 1} more)" if len(result.problems) > 1 else ""
            raise DumpError(f"{path} does not verify, nothing restored: {first}{more}")
        uow.commit()
    return RestoreResult(counts, result.clusters, result.transitions)


def _require_empty(conn: Connection) -> None:
    found = [
        name
        for name, table in (
            ("definitions", tables.workflows),
            ("clusters", tables.clusters),
            ("history entries", tables.transitions),
            ("users", tables.users),
            ("user changes", tables.user_changes),
            ("targets", tables.targets),
            ("Form 02 records", tables.indicators),
        )
        if conn.execute(select(func.count()).select_from(table)).scalar()
    ]
    if found:
        raise StorageError(
            f"the database is not empty (it has {', '.join(found)}); "
            "restore only into a new database made with `ccn init`"
        )


@contextmanager
def _translate(conn: Connection) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        text = str(exc.orig or exc).strip().splitlines()
        reason = text[0] if text else type(exc).__name__
        if "must be owner" in reason or "permission denied" in reason:
            raise StorageError(
                f"restore refused by the database: {reason}; on PostgreSQL run it as "
                "the owner of the ccn tables (the login that ran `ccn init`) or a superuser"
            ) from None
        raise StorageError(f"restore failed, nothing restored: {reason}") from None


def _set_identity_triggers(conn: Connection, *, enabled: bool) -> None:
    """On PostgreSQL, let the owner (or a superuser) write rows other logins recorded.

    Migration 0006's triggers refuse a `db_user` other than the login writing the row,
    superusers included; 0009's refuse a targets file another user installed. ALTER
    TABLE is transactional there: a failed restore leaves them enabled, and they are
    enabled again before the commit.
    """
    if conn.dialect.name != "postgresql":
        return
    action = "ENABLE" if enabled else "DISABLE"
    for table, trigger in IDENTITY_TRIGGERS:
        conn.exec_driver_sql(f"ALTER TABLE {table} {action} TRIGGER {trigger}")


class _Loader:
    """Buffers rows of one table and writes them through the driver in batches."""

    def __init__(self, conn: Connection, table: Table, columns: list[str]) -> None:
        self.conn, self.table, self.columns = conn, table, columns
        self.sql = bulk.insert_sql(conn, table, columns)
        self.rows: list[tuple[Any, ...]] = []
        dialect = conn.dialect.name
        ts, day = bulk.timestamp_writer(dialect), bulk.date_writer(dialect)
        self.convert: list[Callable[[Any], Any] | None] = []
        for name in columns:
            col = table.c[name]
            if isinstance(col.type, tables.UTCDateTime):
                self.convert.append(_stamp_writer(ts))
            elif isinstance(col.type, Date):
                self.convert.append(_day_writer(day))
            else:
                self.convert.append(None)

    def add(self, values: list[Any]) -> None:
        row = [
            v if conv is None or v is None else conv(v)
            for v, conv in zip(values, self.convert, strict=True)
        ]
        self.rows.append(tuple(row))
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.conn.exec_driver_sql(self.sql, self.rows)
            self.rows = []


def _parse_stamp(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment


ORDER = [kind for kind, _ in KINDS]


def _load(
    conn: Connection, path: Path, lines: Iterator[tuple[int, dict[str, Any]]]
) -> dict[str, int]:
    first = next(lines, None)
    if first is None:
        raise DumpError(f"{path}: empty file, not a ccn dump")
    n, header = first
    if header.get("kind") != HEADER:
        raise DumpError(f"{path}: line 1: not a ccn dump (no ccn-dump header)")
    if header.get("format") != FORMAT:
        raise DumpError(
            f"{path}: line 1: dump format {header.get('format')!r}; this ccn reads format {FORMAT}"
        )
    if header.get("schema") != HEAD:
        raise DumpError(
            f"{path}: line 1: dump of schema {header.get('schema')!r}; this ccn restores "
            f"schema {HEAD} dumps (upgrade the source with `ccn init` and dump again)"
        )
    tables_of = dict(KINDS)
    counts = dict.fromkeys(ORDER, 0)
    loaders: dict[str, _Loader] = {}
    workflow_ids: dict[str, int] | None = None
    cluster_ids: dict[str, int] = {}
    pending_ids: list[int] = []
    stage = 0
    ended: dict[str, Any] | None = None
    for n, obj in lines:
        kind = obj["kind"]
        if ended is not None:
            raise DumpError(f"{path}: line {n}: {kind!r} after the end line")
        if kind == "end":
            ended = obj
            continue
        if kind not in tables_of:
            raise DumpError(f"{path}: line {n}: unknown kind {kind!r}")
        at = ORDER.index(kind)
        if at < stage:
            raise DumpError(f"{path}: line {n}: {kind} after {ORDER[stage]} lines; out of order")
        if at > stage:
            for done in ORDER[stage:at]:
                if done in loaders:
                    loaders[done].flush()
            stage = at
        table = tables_of[kind]
        try:
            values = _values(obj, table)
        except (KeyError, TypeError, ValueError) as exc:
            raise DumpError(f"{path}: line {n}: bad {kind}: {_why(exc)}") from None
        loader = loaders.get(kind)
        if loader is None:
            columns = _columns(table)
            if kind == "cluster":
                columns = ["id", *columns]
            loader = loaders[kind] = _Loader(conn, table, columns)
        if kind == "cluster":
            key = obj.get("workflow")
            if workflow_ids is None:
                workflow_ids = _workflow_ids(conn)
            if key not in workflow_ids:
                raise DumpError(f"{path}: line {n}: cluster {obj.get('code')!r} follows "
                                f"workflow {key!r}, which the dump does not hold")  # fmt: skip
            if not pending_ids:
                loader.flush()  # on SQLite the next ids follow those already written
                pending_ids = list(bulk.reserve_ids(conn, tables.clusters, BATCH))[::-1]
            cid = pending_ids.pop()
            if obj.get("code") in cluster_ids:
                raise DumpError(f"{path}: line {n}: cluster {obj['code']!r} appears twice")
            cluster_ids[obj["code"]] = cid
            values = [cid, *values]
            values[1 + _columns(table).index("workflow_id")] = workflow_ids[key]
        elif kind == "entry":
            cid_ = cluster_ids.get(obj.get("cluster"))  # type: ignore[arg-type]
            if cid_ is None:
                raise DumpError(f"{path}: line {n}: entry of cluster {obj.get('cluster')!r}, "
                                "which the dump does not hold")  # fmt: skip
            values[_columns(table).index("cluster_id")] = cid_
        try:
            loader.add(values)
        except (TypeError, ValueError) as exc:
            raise DumpError(f"{path}: line {n}: bad {kind}: {_why(exc)}") from None
        counts[kind] += 1
    for loader in loaders.values():
        loader.flush()
    if ended is None:
        raise DumpError(f"{path}: line {n}: the file ends without its end line (truncated)")
    if ended.get("counts") != counts:
        raise DumpError(
            f"{path}: the end line counts {ended.get('counts')}, the file holds {counts}"
        )
    return counts


def _why(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc.args[0]!r}"
    return str(exc)


def _stamp_writer(ts: Callable[[datetime], Any]) -> Callable[[Any], Any]:
    return lambda v: ts(_parse_stamp(v))


def _day_writer(day: Callable[[date], Any]) -> Callable[[Any], Any]:
    return lambda v: day(date.fromisoformat(v))


def _values(obj: dict[str, Any], table: Table) -> list[Any]:
    """The line's values in column order; references are filled in by the caller."""
    out: list[Any] = []
    for name in _columns(table):
        if name in REFERENCES:
            out.append(None)
            continue
        out.append(obj[_key(table, name)])
    return out


def _workflow_ids(conn: Connection) -> dict[str, int]:
    w = tables.workflows.c
    return {f"{name}@{version}": wid for wid, name, version in conn.execute(
        select(w.id, w.name, w.version))}  # fmt: skip
