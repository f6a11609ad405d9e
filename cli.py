"""`ccn`: the command line. Parses, calls one use case, formats the result.

Heavy modules (SQLAlchemy, alembic, holidays) are imported inside commands so
that `ccn --help` stays instant.
"""

from __future__ import annotations

import getpass
import io
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from workflow.model import Transition
    from workflow.services import ClusterView

FORMATS = ("table", "json", "csv")
LOCALITY_HELP = "Only clusters whose locality contains this text, ignoring case and accents."
TABLE_WIDTH = 80
HISTORY_KEYS = ("seq", "event", "from_state", "to_state", "effective_at", "recorded_at", "actor",
                "ref", "note")  # fmt: skip


# ---------------------------------------------------------------- plumbing


class CcnGroup(click.Group):
    """Every failure ends as one `Error: …` line: exit 1 refused, 2 usage."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        from workflow.errors import CcnError

        try:
            rv = super().main(*args, **kwargs)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
            _fail(f"{exc.format_message()}{hint}", 2)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        except CcnError as exc:
            _fail(_one_line(str(exc)), 1)
        except OSError as exc:
            _fail(_one_line(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")), 1)
        except Exception as exc:  # the user never sees a traceback
            if os.environ.get("CCN_DEBUG"):
                raise
            _fail(_one_line(f"unexpected {type(exc).__name__}: {exc}"), 1)
        sys.exit(rv if isinstance(rv, int) else 0)


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text else text


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


class Env:
    def __init__(self, db: str | None, actor: str | None, lang: str) -> None:
        self.db_option = db
        self.actor_option = actor
        self.lang = lang
        self._engine: Engine | None = None

    @property
    def actor(self) -> str:
        """Who records: on PostgreSQL the login's user (a claim naming anyone else is
        refused); elsewhere --actor, $CCN_ACTOR, the OS login's user, the OS login."""
        from workflow.identity import acting_user

        claimed = self.actor_option or os.environ.get("CCN_ACTOR") or None
        return acting_user(self.uow(readonly=True), claimed, self._os_login())

    @staticmethod
    def _os_login() -> str:
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return f"uid:{os.getuid()}"

    def url(self) -> tuple[str, str]:
        from db import resolve_url

        return resolve_url(self.db_option)

    def engine(self) -> Engine:
        if self._engine is None:
            from db import open_engine

            self._engine = open_engine(self.url()[0])
        return self._engine

    def close(self) -> None:
        # Return connections now: a PostgreSQL server counts every idle one.
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def uow(self, readonly: bool = False) -> Any:
        from db import SqlUnitOfWork

        return SqlUnitOfWork(self.engine(), readonly=readonly)


pass_env = click.make_pass_decorator(Env)


def _date(value: str | None) -> date | None:
    from workflow.clock import parse_date

    return None if value is None else parse_date(value)


def _format_option(choices: Sequence[str] = FORMATS, default: str = "table") -> Any:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


# ---------------------------------------------------------------- output


def _width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _cut(text: str, limit: int) -> str:
    if _width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def print_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], shrink: Sequence[int] = ()
) -> None:
    """Aligned columns within 80 terminal cells; `shrink` columns give way first."""
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [_width(h) for h in headers]
    for row in cells:
        widths = [max(w, _width(c)) for w, c in zip(widths, row, strict=True)]
    while sum(widths) + 2 * (len(widths) - 1) > TABLE_WIDTH and shrink:
        widest = max(shrink, key=lambda i: widths[i])
        if widths[widest] <= max(6, _width(headers[widest])):
            break
        widths[widest] -= 1
    cells = [[_cut(c, w) for c, w in zip(row, widths, strict=True)] for row in cells]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True))

    click.echo(line(headers).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo(line(row).rstrip())


def print_json(data: Any) -> None:
    """The same text as json.dumps(data, indent=2); lists and iterators go out item by
    item, so a large report is never held twice in memory as one string."""
    if not isinstance(data, list | Iterator):
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    first = True
    for item in data:
        # JSON text never holds a raw newline, so indenting every line is safe.
        text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        click.echo(("[\n  " if first else ",\n  ") + text, nl=False)
        first = False
    click.echo("[]" if first else "\n]")


def print_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    from workflow.csvio import write_csv

    out = io.StringIO(newline="")
    write_csv(out, headers, rows)
    click.echo(out.getvalue(), nl=False)


def _label(state: str | None, lang: str) -> str:
    from states import default_definition

    if state is None:
        return ""
    d = default_definition()
    return d.state(state).label(lang) if d.has_state(state) else state


def cluster_json(v: ClusterView) -> dict[str, Any]:
    c = v.cluster
    return {
        "code": c.code,
        "name": c.name,
        "locality": c.locality,
        "area_ha": c.area_ha,
        "developer": c.developer,
        "state": c.state,
        "since": v.since.isoformat(),
        "paused_days": v.paused_days,
        "days_in_state": v.days_in_state,
        "resumes_to": v.resumes_to,
        "allowed": list(v.allowed),
        "next_state": v.next_state,
        "workflow": c.workflow,
    }


def transition_json(t: Transition) -> dict[str, Any]:
    from workflow.clock import iso_local

    return {
        "seq": t.seq,
        "event": t.event,
        "from_state": t.from_state,
        "to_state": t.to_state,
        "effective_at": iso_local(t.effective_at),
        "recorded_at": iso_local(t.recorded_at),
        "actor": t.actor,
        "ref": t.ref,
        "note": t.note,
        "data": json.loads(t.data) if t.data else None,
    }


# ---------------------------------------------------------------- commands


def _not_blank(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # An explicit but empty --db or --actor is a mistake (an unset shell variable, say);
    # falling back to the default database or the OS login would hide it.
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty", ctx, param)
    return value


@click.group(name="ccn", cls=CcnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="PATH|URL",
    callback=_not_blank,
    help="SQLite file or SQLAlchemy URL. Default: $CCN_DATABASE_URL, then a file "
    "in the user data directory.",
)
@click.option(
    "--actor",
    metavar="NAME",
    callback=_not_blank,
    help="Who records the step. Default: $CCN_ACTOR, then the OS login.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "vi"]),
    envvar="CCN_LANG",
    default="en",
    show_default=True,
    help="Language of state labels in tables ($CCN_LANG).",
)
@click.version_option("0.1.0", prog_name="ccn")
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None, lang: str) -> None:
    """Track industrial clusters (cụm công nghiệp) from planning to operation."""
    for var in ("CCN_DATABASE_URL", "CCN_ACTOR"):
        # Empty means unset, as in the shell's ${VAR:-default}; only blanks are a mistake.
        value = os.environ.get(var)
        if value and not value.strip():
            raise click.UsageError(f"${var} is blank; unset it or give a value", ctx)
    ctx.obj = Env(db, actor, lang)
    ctx.call_on_close(ctx.obj.close)


@cli.command()
@pass_env
def init(env: Env) -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from db import SqlUnitOfWork, describe, open_engine
    from db.schema import upgrade

    url, source = env.url()
    engine = open_engine(url, create_dir=True)
    before, after = upgrade(engine)
    where = f"{describe(url)} (from {source})"
    if before == after:
        click.echo(f"Database {where} is up to date (schema {after}).")
    elif before is None:
        click.echo(f"Initialised database {where} (schema {after}).")
    else:
        click.echo(f"Upgraded database {where} from schema {before} to {after}.")
    from workflow.users import list_users

    if not list_users(SqlUnitOfWork(engine, readonly=True)):
        click.echo(SINGLE_USER)


# -- clusters


@cli.group()
def cluster() -> None:
    """Register, list, show, import and export clusters."""


@cluster.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Official name, e.g. 'Cụm công nghiệp Hợp Thành 1'.")
@click.option("--locality", help="Commune, former district or other locality (free text).")
@click.option("--area-ha", help="Area in hectares.")
@click.option("--developer", help="Infrastructure developer (chủ đầu tư).")
@click.option("--state", help="Register directly in this state (existing portfolios).")
@click.option("--since", help="Date the cluster entered that state (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--ref", help="Document reference, e.g. 'QĐ 1689/QĐ-UBND'.")
@click.option("--note", help="Free note.")
@pass_env
def cluster_add(env: Env, code: str, name: str, locality: str | None, area_ha: str | None,
                developer: str | None, state: str | None, since: str | None, ref: str | None,
                note: str | None) -> None:  # fmt: skip
    """Register a new cluster."""
    from workflow.services import NewCluster, register

    new = NewCluster(code, name, locality, area_ha, developer, state, _date(since), ref, note)
    c = register(env.uow(), new, actor=env.actor)
    click.echo(f"Registered {c.code} in {c.state} since {c.since_on.strftime('%d/%m/%Y')}.")


@cluster.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Check the file; store nothing.")
@pass_env
def cluster_import(env: Env, file: str, dry_run: bool) -> None:
    """Register clusters from a CSV file, all or nothing.

    Header: code,name,locality,area_ha,developer,state,since,ref (code and name
    required). UTF-8, with or without BOM.
    """
    from workflow.csvio import read_clusters
    from workflow.services import import_clusters

    with click.open_file(file, "rb") as fh:
        data = fh.read()
    rows = read_clusters(data)
    n = import_clusters(env.uow(), rows, actor=env.actor, dry_run=dry_run)
    if dry_run:
        click.echo(f"Dry run: {n} clusters would be imported; nothing stored.")
    else:
        click.echo(f"Imported {n} clusters.")


@cluster.command("list")
@click.option("--state", help="Only clusters in this state.")
@click.option("--locality", help=LOCALITY_HELP)
@click.option(
    "--search",
    metavar="TEXT",
    help="Only clusters whose code, name or locality contains this text, ignoring case "
    "and accents.",
)
@_format_option()
@pass_env
def cluster_list(
    env: Env, state: str | None, locality: str | None, search: str | None, fmt: str
) -> None:
    """List clusters with their state and time in state."""
    from workflow.services import list_clusters

    views = list_clusters(env.uow(readonly=True), state=state, locality=locality, search=search)
    _print_clusters(env, views, fmt)


def _print_clusters(env: Env, views: Sequence[ClusterView], fmt: str) -> None:
    if fmt == "json":
        print_json([cluster_json(v) for v in views])
        return
    headers = ["code", "name", "locality", "state", "since", "days_in_state"]
    if fmt == "csv":
        print_csv(headers, [[row[k] for k in headers] for row in map(cluster_json, views)])
        return
    print_table(
        ["Code", "Name", "Locality", "State", "Since", "Days"],
        [
            [
                v.cluster.code,
                v.cluster.name,
                v.cluster.locality,
                _label(v.cluster.state, env.lang),
                v.since.strftime("%d/%m/%Y"),
                v.days_in_state,
            ]
            for v in views
        ],
        shrink=(1, 2, 3),
    )


@cluster.command("edit")
@click.argument("code")
@click.option("--name", help="New official name.")
@click.option("--locality", help="New locality; an empty text clears it.")
@click.option("--area-ha", help="New area in hectares; an empty text clears it.")
@click.option("--developer", help="New infrastructure developer; an empty text clears it.")
@click.option("--reason", required=True, help="Why, e.g. the decision that changed it.")
@pass_env
def cluster_edit(env: Env, code: str, name: str | None, locality: str | None,
                 area_ha: str | None, developer: str | None, reason: str) -> None:  # fmt: skip
    """Change a cluster's name, locality, area or developer (recorded in its history)."""
    from workflow import services

    given = {"name": name, "locality": locality, "area_ha": area_ha, "developer": developer}
    changes = {k: v for k, v in given.items() if v is not None}
    t = services.amend(env.uow(), code, changes, actor=env.actor, reason=reason)
    click.echo(f"{t.code}: amended {', '.join(json.loads(t.data or '{}')['changes'])} "
               f"(seq {t.seq})")  # fmt: skip


@cluster.command("migrate")
@click.argument("code")
@click.option("--to", "to", required=True, metavar="NAME@VERSION",
              help="The stored workflow definition to pin the cluster to.")  # fmt: skip
@click.option("--reason", required=True, help="Why, e.g. the decree that changed the procedure.")
@pass_env
def cluster_migrate(env: Env, code: str, to: str, reason: str) -> None:
    """Pin a cluster to another stored workflow definition (supervisors)."""
    from workflow import services

    t = services.migrate(env.uow(), code, to=to, actor=env.actor, reason=reason)
    click.echo(f"{t.code}: now follows {to} (seq {t.seq})")


@cluster.command("show")
@click.argument("code")
@_format_option(("table", "json"))
@pass_env
def cluster_show(env: Env, code: str, fmt: str) -> None:
    """Show one cluster and what can happen to it next."""
    from workflow.services import show

    data = cluster_json(show(env.uow(readonly=True), code))
    if fmt == "json":
        print_json(data)
        return
    data["state"] = f"{_label(data['state'], env.lang)} ({data['state']})"
    data["since"] = date.fromisoformat(data["since"]).strftime("%d/%m/%Y")
    data["allowed"] = ", ".join(data["allowed"]) or "-"
    if data["state"].endswith("(suspended)"):
        data["resumes_to"] = data["resumes_to"] or "(unknown: resume needs --to)"
    else:
        del data["resumes_to"]
    for key, value in data.items():
        click.echo(f"{key + ':':<15}{'' if value is None else value}")


@cluster.command("export")
@_format_option(("csv", "json"), default="csv")
@pass_env
def cluster_export(env: Env, fmt: str) -> None:
    """Export all clusters in the import format."""
    from workflow.csvio import COLUMNS
    from workflow.services import list_clusters

    views = list_clusters(env.uow(readonly=True))
    rows = [
        [v.cluster.code, v.cluster.name, v.cluster.locality, v.cluster.area_ha,
         v.cluster.developer, v.cluster.state, v.cluster.since_on.isoformat(),
         v.cluster.last_ref]
        for v in views
    ]  # fmt: skip
    if fmt == "json":
        print_json([dict(zip(COLUMNS, r, strict=True)) for r in rows])
    else:
        print_csv(COLUMNS, rows)


# -- transitions


def _moved(t: Transition) -> None:
    click.echo(
        f"{t.code}: {t.from_state} -> {t.to_state} ({t.event}, seq {t.seq}, "
        f"effective {t.effective_on.strftime('%d/%m/%Y')})"
    )


def _on_option() -> Callable[[Any], Any]:
    return click.option("--on", help="Effective date (YYYY-MM-DD or DD/MM/YYYY). Default: now.")


@cli.command()
@click.argument("code")
@click.option("--to", help="Expected next state; refused unless it is the next one.")
@_on_option()
@click.option("--ref", help="Document behind the step, e.g. 'QĐ 1689/QĐ-UBND'.")
@click.option("--note", help="Free note.")
@pass_env
def advance(env: Env, code: str, to: str | None, on: str | None, ref: str | None,
            note: str | None) -> None:  # fmt: skip
    """Move a cluster to its next main-line state."""
    from workflow import services

    _moved(services.advance(env.uow(), code, actor=env.actor, to=to, on=_date(on), ref=ref,
                            note=note))  # fmt: skip


@cli.command("send-back")
@click.argument("code")
@click.option("--to", required=True, help="The earlier state to return to.")
@click.option("--reason", required=True, help="Why, e.g. 'dossier incomplete'.")
@_on_option()
@click.option("--ref", help="Document for a state the cluster never entered before.")
@pass_env
def send_back(env: Env, code: str, to: str, reason: str, on: str | None, ref: str | None) -> None:
    """Send a cluster back to an earlier main-line state."""
    from workflow import services

    _moved(services.send_back(env.uow(), code, actor=env.actor, to=to, reason=reason,
                              on=_date(on), ref=ref))  # fmt: skip


@cli.command()
@click.argument("code")
@click.option("--reason", required=True, help="Why the cluster is on hold.")
@_on_option()
@pass_env
def suspend(env: Env, code: str, reason: str, on: str | None) -> None:
    """Put a cluster on hold."""
    from workflow import services

    _moved(services.suspend(env.uow(), code, actor=env.actor, reason=reason, on=_date(on)))


@cli.command()
@click.argument("code")
@_on_option()
@click.option("--note", help="Free note.")
@click.option("--to", help="Only for clusters registered as suspended: the state to resume to.")
@click.option("--ref", help="Document for a state the cluster never entered before (with --to).")
@pass_env
def resume(env: Env, code: str, on: str | None, note: str | None, to: str | None,
           ref: str | None) -> None:  # fmt: skip
    """Resume a suspended cluster in the state it left."""
    from workflow import services

    _moved(services.resume(env.uow(), code, actor=env.actor, on=_date(on), note=note, to=to,
                           ref=ref))  # fmt: skip


@cli.command()
@click.argument("code")
@click.option("--reason", required=True, help="Why the cluster is cancelled.")
@_on_option()
@click.option("--ref", help="Decision behind the cancellation.")
@pass_env
def cancel(env: Env, code: str, reason: str, on: str | None, ref: str | None) -> None:
    """Cancel a cluster (terminal)."""
    from workflow import services

    _moved(services.cancel(env.uow(), code, actor=env.actor, reason=reason, on=_date(on),
                           ref=ref))  # fmt: skip


@cli.command()
@click.argument("code")
@click.option("--reason", required=True, help="Why the last entry was wrong.")
@_on_option()
@pass_env
def revert(env: Env, code: str, reason: str, on: str | None) -> None:
    """Undo a cluster's last step with a compensating entry (supervisors)."""
    from workflow import services

    _moved(services.revert(env.uow(), code, actor=env.actor, reason=reason, on=_date(on)))


@cli.command()
@click.argument("code")
@_format_option()
@pass_env
def history(env: Env, code: str, fmt: str) -> None:
    """Show a cluster's full transition history, oldest first."""
    from workflow import services

    found = services.history(env.uow(readonly=True), code)
    entries = [transition_json(t) for t in found]
    if fmt == "json":
        print_json(entries)
        return
    keys = list(HISTORY_KEYS)
    if fmt == "csv":
        print_csv(keys, [[e[k] for k in keys] for e in entries])
        return
    print_table(
        ["#", "Event", "To", "Effective", "Actor", "Login", "Ref", "Note"],
        [
            [
                e["seq"],
                e["event"],
                e["to_state"],
                date.fromisoformat(e["effective_at"][:10]).strftime("%d/%m/%Y"),
                e["actor"],
                t.db_user,
                e["ref"],
                e["note"],
            ]
            for e, t in zip(entries, found, strict=True)
        ],
        shrink=(4, 5, 6, 7),
    )


# -- reports


def _calendar(path: str | None) -> Any:
    from states import default_definition
    from workflow.workdays import WorkCalendar, load_calendar

    path = path or default_definition().calendar
    return WorkCalendar(load_calendar(path) if path else None)


def _report_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--calendar",
        "calendar_file",
        metavar="FILE",
        help="Local calendar TOML: extra days off and make-up working days.",
    )(f)
    f = click.option(
        "--threshold",
        "thresholds",
        multiple=True,
        metavar="STATE=N|STATE=Nwd",
        help="Override a state's threshold: N calendar days or N working days (wd).",
    )(f)
    return click.option("--as-of", help="Judge the portfolio as it stood on this date.")(f)


def _overrides(items: Sequence[str]) -> Any:
    from states import default_definition
    from workflow.reports import parse_overrides

    return parse_overrides(items, default_definition().state_names)


def _dmy(iso: str | None) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y") if iso else ""


@cli.group()
def report() -> None:
    """Supervisor reports: stalled clusters, bottlenecks, funnel."""


STALLED_KEYS = ("code", "name", "locality", "state", "since", "paused_days", "days_in_state",
                "working_days_in_state", "threshold", "unit", "overdue", "last_actor",
                "last_ref")  # fmt: skip


@report.command("stalled")
@_report_options
@click.option("--state", help="Only clusters in this state.")
@click.option("--locality", help=LOCALITY_HELP)
@_format_option()
@click.option("--fail-on-stalled", is_flag=True, help="Exit 3 when any cluster is stalled.")
@pass_env
def report_stalled(env: Env, as_of: str | None, thresholds: tuple[str, ...],
                   calendar_file: str | None, state: str | None, locality: str | None, fmt: str,
                   fail_on_stalled: bool) -> None:  # fmt: skip
    """Clusters longer in their step than its threshold allows."""
    from workflow.reports import stalled

    rows = stalled(
        env.uow(readonly=True),
        as_of=_date(as_of),
        overrides=_overrides(thresholds),
        state=state,
        locality=locality,
        calendar=_calendar(calendar_file),
    )
    data = [
        {k: (getattr(r, k).isoformat() if k == "since" else getattr(r, k)) for k in STALLED_KEYS}
        for r in rows
    ]
    if fmt == "json":
        print_json(data)
    elif fmt == "csv":
        print_csv(STALLED_KEYS, [[d[k] for k in STALLED_KEYS] for d in data])
    elif not data:
        click.echo("No stalled clusters.")
    else:
        print_table(
            ["Code", "Name", "State", "Since", "Days", "WD", "Limit", "Over"],
            [
                [
                    d["code"],
                    d["name"],
                    _label(d["state"], env.lang),
                    _dmy(d["since"]),
                    d["days_in_state"],
                    d["working_days_in_state"],
                    f"{d['threshold']}{'wd' if d['unit'] == 'working_days' else 'd'}",
                    d["overdue"],
                ]
                for d in data
            ],
            shrink=(1, 2),
        )
    if fail_on_stalled and rows:
        sys.exit(3)


@report.command("bottlenecks")
@_report_options
@_format_option()
@pass_env
def report_bottlenecks(env: Env, as_of: str | None, thresholds: tuple[str, ...],
                       calendar_file: str | None, fmt: str) -> None:  # fmt: skip
    """Per step: active, stalled, dwell times and rework; names the worst step."""
    from workflow.reports import bottlenecks

    data = bottlenecks(
        env.uow(readonly=True),
        as_of=_date(as_of),
        overrides=_overrides(thresholds),
        calendar=_calendar(calendar_file),
    )
    _print_bottlenecks(env, data, fmt)


def _print_bottlenecks(env: Env, data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print_json(data)
        return
    keys = list(data["states"][0].keys())
    rows = [[e[k] for k in keys] for e in data["states"]]
    if fmt == "csv":
        print_csv(keys, rows)
        return
    print_table(
        ["State", "Active", "Stalled", "Med.days", "Done", "Med.done", "P90 done", "Rework"],
        [[_label(r[0], env.lang), *("-" if v is None else v for v in r[1:])] for r in rows],
        shrink=(0,),
    )
    worst = data["bottleneck"]
    click.echo(
        f"Bottleneck on {_dmy(data['as_of'])}: {_label(worst, env.lang) if worst else 'none'}"
    )


@report.command("funnel")
@click.option("--as-of", help="Count clusters as they stood on this date.")
@click.option("--locality", help=LOCALITY_HELP)
@_format_option()
@pass_env
def report_funnel(env: Env, as_of: str | None, locality: str | None, fmt: str) -> None:
    """How many clusters are in each step, every step listed."""
    from workflow.reports import funnel

    data = funnel(env.uow(readonly=True), as_of=_date(as_of), locality=locality)
    _print_funnel(env, data, fmt)


def _print_funnel(env: Env, data: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        print_json(data)
    elif fmt == "csv":
        print_csv(["state", "count"], [[e["state"], e["count"]] for e in data["states"]])
    else:
        print_table(
            ["State", "Clusters"],
            [[_label(e["state"], env.lang), e["count"]] for e in data["states"]],
        )


@cli.group("calendar")
def calendar_group() -> None:
    """Inspect the working-day calendar."""


@calendar_group.command("list")
@click.option("--year", type=int, required=True, help="Calendar year.")
@click.option("--calendar", "calendar_file", metavar="FILE", help="Local calendar TOML.")
@_format_option()
def calendar_list(year: int, calendar_file: str | None, fmt: str) -> None:
    """Weekdays that are not worked and weekend days that are."""
    if not 1900 <= year <= 2200:
        from workflow.errors import InvalidInput

        raise InvalidInput(f"year {year} is out of range (1900-2200)")
    days = _calendar(calendar_file).exceptions(year)
    data = [{"date": d.isoformat(), "weekday": d.strftime("%a"), "working": w, "name": n}
            for d, n, w in days]  # fmt: skip
    if fmt == "json":
        print_json(data)
    elif fmt == "csv":
        print_csv(["date", "weekday", "working", "name"], [list(e.values()) for e in data])
    else:
        print_table(
            ["Date", "Day", "Kind", "Name"],
            [
                [_dmy(e["date"]), e["weekday"], "working" if e["working"] else "day off", e["name"]]
                for e in data
            ],
            shrink=(3,),
        )


# -- audit


@cli.group()
def audit() -> None:
    """Verify the history, keep checkpoints, read the audit log."""


@audit.command("verify")
@click.option("--against", metavar="FILE", help="Also prove a checkpoint's coverage is intact.")
@pass_env
def audit_verify(env: Env, against: str | None) -> None:
    """Recompute every hash chain and replay every history."""
    from workflow.audit import verify
    from workflow.errors import InvalidInput

    checkpoint = None
    if against:
        try:
            with open(against, encoding="utf-8") as fh:
                checkpoint = json.load(fh)
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"cannot read checkpoint {against}: {exc}") from None
    result = verify(env.uow(readonly=True), against=checkpoint)
    if result.ok:
        # The first line is exactly the contract's, so scripts can match it.
        click.echo(f"OK: {result.clusters} clusters, {result.transitions} transitions verified")
        if against:
            click.echo(f"OK: everything covered by {against} is present and unchanged")
        return
    for problem in result.problems:
        click.echo(f"BROKEN {problem}")
    click.echo(
        f"Error: {len(result.problems)} problem(s) in {result.clusters} clusters, "
        f"{result.transitions} transitions",
        err=True,
    )
    sys.exit(1)


@audit.command("checkpoint")
@click.option("--out", metavar="FILE", help="Write here instead of standard output.")
@pass_env
def audit_checkpoint(env: Env, out: str | None) -> None:
    """Write a root hash over every cluster's head, to keep outside the database."""
    from workflow.checkpoints import checkpoint

    text = json.dumps(checkpoint(env.uow(readonly=True)), ensure_ascii=False, indent=2) + "\n"
    if out:
        with open(out, "x", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Checkpoint written to {out}")
    else:
        click.echo(text, nl=False)


LOG_KEYS = ("recorded_at", "code", "seq", "event", "from_state", "to_state", "effective_at",
            "actor", "ref", "note", "hash", "db_user", "backdated_days")  # fmt: skip


@audit.command("log")
@click.option("--since", help="Recorded on or after this date.")
@click.option("--until", help="Recorded on or before this date.")
@click.option("--actor", "who", help="Only entries by this actor.")
@click.option("--cluster", help="Only this cluster.")
@click.option("--event", help="Only this event.")
@click.option(
    "--mismatch",
    is_flag=True,
    help="Only entries whose actor is not the user of the login that wrote them.",
)
@_format_option()
@pass_env
def audit_log(env: Env, since: str | None, until: str | None, who: str | None,
              cluster: str | None, event: str | None, mismatch: bool,
              fmt: str) -> None:  # fmt: skip
    """Every recorded entry across clusters, by time recorded; backdating flagged."""
    from workflow.audit import log
    from workflow.ports import LogFilter

    entries = log(
        env.uow(readonly=True),
        LogFilter(_date(since), _date(until), who, cluster, event, mismatch),
    )
    if fmt == "json":
        print_json(entries)
    elif fmt == "csv":
        print_csv(LOG_KEYS, ([e.get(k) for k in LOG_KEYS] for e in entries))
    else:
        print_table(
            ["Recorded", "Code", "#", "Event", "To", "Effective", "Actor", "Login", "Back"],
            [
                [
                    _dmy(e["recorded_at"][:10]),
                    e["code"],
                    e["seq"],
                    e["event"],
                    e["to_state"],
                    _dmy(e["effective_at"][:10]),
                    e["actor"],
                    e.get("db_user"),
                    f"!{e['backdated_days']}d" if "backdated_days" in e else "",
                ]
                for e in entries
            ],
            shrink=(1, 4, 6, 7),
        )


# -- users


@cli.group()
def user() -> None:
    """Manage who may record which steps."""


ROLE_CHOICE = click.Choice(["staff", "supervisor", "auditor", "admin"])


@user.command("add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the user may do.")
@click.option("--login", metavar="LOGIN",
              help="The database login (OS login on SQLite) that acts as this user. "
              "Default: NAME.")  # fmt: skip
@pass_env
def user_add(env: Env, name: str, role: str, login: str | None) -> None:
    """Register a user (the first one must be an admin)."""
    from workflow.users import add_user

    u = add_user(env.uow(), name, role, actor=env.actor, login=login)
    click.echo(f"Added user {u.name} ({u.role}).")


@user.command("list")
@_format_option()
@pass_env
def user_list(env: Env, fmt: str) -> None:
    """List users and their roles."""
    from workflow.clock import iso_local
    from workflow.users import list_users

    users = list_users(env.uow(readonly=True))
    data = [{"name": u.name, "role": u.role, "enabled": u.enabled,
             "created_at": iso_local(u.created_at), "created_by": u.created_by}
            for u in users]  # fmt: skip
    if fmt == "json":
        print_json(data)
    elif fmt == "csv":
        print_csv(["name", "role", "enabled", "created_at", "created_by"],
                  [list(d.values()) for d in data])  # fmt: skip
    elif not data:
        click.echo(SINGLE_USER)
    else:
        print_table(
            ["Name", "Role", "Enabled", "Login", "Created", "By"],
            [
                [
                    d["name"],
                    d["role"],
                    "yes" if d["enabled"] else "no",
                    u.login,
                    _dmy(d["created_at"][:10]),
                    d["created_by"],
                ]
                for d, u in zip(data, users, strict=True)
            ],
            shrink=(0, 3, 5),
        )


SINGLE_USER = (
    "Single-user mode: no users are registered, so anyone may do anything. "
    "Add an admin with `ccn user add NAME --role admin`."
)


@user.command("disable")
@click.argument("name")
@pass_env
def user_disable(env: Env, name: str) -> None:
    """Disable a user; their past entries stay as recorded."""
    from workflow.users import disable_user

    u = disable_user(env.uow(), name, actor=env.actor)
    click.echo(f"Disabled user {u.name}.")


@user.command("enable")
@click.argument("name")
@pass_env
def user_enable(env: Env, name: str) -> None:
    """Enable a disabled user again."""
    from workflow.users import enable_user

    u = enable_user(env.uow(), name, actor=env.actor)
    click.echo(f"Enabled user {u.name}.")


@user.command("role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
@pass_env
def user_role(env: Env, name: str, role: str) -> None:
    """Change a user's role (the last enabled admin keeps theirs)."""
    from workflow.users import set_role

    u = set_role(env.uow(), name, role, actor=env.actor)
    click.echo(f"User {u.name} is now {u.role}.")


USER_LOG_KEYS = ("seq", "recorded_at", "user", "action", "role", "enabled", "login", "actor",
                 "db_user", "hash")  # fmt: skip


@user.command("log")
@_format_option()
@pass_env
def user_log(env: Env, fmt: str) -> None:
    """Every change to users: what, who made it, when, from which login."""
    from workflow.clock import iso_local
    from workflow.users import user_log

    data = [
        {"seq": c.seq, "recorded_at": iso_local(c.recorded_at), "user": c.user_name,
         "action": c.action, "role": c.role, "enabled": enabled, "login": login,
         "actor": c.actor, "db_user": c.db_user, "hash": c.hash}
        for c, enabled, login in user_log(env.uow(readonly=True))
    ]  # fmt: skip
    if fmt == "json":
        print_json(data)
    elif fmt == "csv":
        print_csv(USER_LOG_KEYS, [[d[k] for k in USER_LOG_KEYS] for d in data])
    else:
        print_table(
            ["#", "Recorded", "User", "Action", "Role", "Enabled", "Login", "By", "By login"],
            [
                [
                    "-" if d["seq"] is None else d["seq"],
                    _dmy(d["recorded_at"][:10]),
                    d["user"],
                    d["action"],
                    d["role"],
                    {True: "yes", False: "no", None: "?"}[d["enabled"]],
                    d["login"],
                    d["actor"],
                    d["db_user"],
                ]
                for d in data
            ],
            shrink=(2, 6, 7, 8),
        )


@user.command("grants")
@click.argument("login")
@pass_env
def user_grants(env: Env, login: str) -> None:
    """Print the SQL that lets a PostgreSQL LOGIN use this database (run it as the owner)."""
    from sqlalchemy.engine import make_url

    from db.grants import grant_statements
    from workflow.errors import InvalidInput

    url = make_url(env.url()[0])
    if url.get_backend_name() != "postgresql":
        raise InvalidInput("grants are for PostgreSQL; SQLite has no logins")
    for statement in grant_statements(login, url.database or "postgres"):
        click.echo(statement + ";")


# -- database


@cli.group("db")
def db_group() -> None:
    """Database maintenance."""


@db_group.command("backup")
@click.argument("file")
@pass_env
def db_backup(env: Env, file: str) -> None:
    """Copy a live SQLite database consistently (online backup API)."""
    from db.backup import backup_sqlite

    path, pages = backup_sqlite(env.url()[0], file)
    click.echo(f"Backed up to {path} ({pages} pages).")


# -- workflow


@cli.group("workflow")
def workflow_group() -> None:
    """Inspect the workflow definition."""


@workflow_group.command("show")
@_format_option(("table", "json"))
@pass_env
def workflow_show(env: Env, fmt: str) -> None:
    """Print the default workflow definition."""
    from states import default_definition

    d = default_definition()
    if fmt == "json":
        print_json(
            {
                "name": d.name,
                "version": d.version,
                "initial": d.initial,
                "terminal": list(d.terminal),
                "main_line": list(d.main_line),
                "backdate_limit_days": d.backdate_limit_days,
                "states": [
                    {
                        "name": s.name,
                        "label_vi": s.label_vi,
                        "label_en": s.label_en,
                        "threshold": None
                        if s.threshold is None
                        else {"value": s.threshold.value, "unit": s.threshold.unit},
                        "requires": list(s.requires),
                    }
                    for s in d.states
                ],
                "events": [
                    {
                        "name": e.name,
                        "target": e.target,
                        "roles": list(e.roles),
                        "requires": list(e.requires),
                        "moves": [list(m) for m in e.moves],
                    }
                    for e in d.events
                ],
                "roles": {k: list(v) for k, v in d.roles},
                "sha256": d.sha256,
            }
        )
        return
    click.echo(f"Workflow {d.key}: {d.label_vi if env.lang == 'vi' else d.label_en}")
    click.echo(f"sha256 {d.sha256}")
    click.echo()
    print_table(
        ["State", "Label", "Threshold", "Requires"],
        [
            [
                s.name,
                s.label(env.lang),
                str(s.threshold) if s.threshold else "-",
                ", ".join(s.requires) or "-",
            ]
            for s in d.states
        ],
        shrink=(1,),
    )
    click.echo()
    print_table(
        ["Event", "Roles", "Requires", "From -> to"],
        [
            [
                e.name,
                ", ".join(e.roles),
                ", ".join(e.requires) or "-",
                f"{len(e.moves)} moves"
                if len(e.moves) > 2
                else "; ".join(f"{a}->{b}" for a, b in e.moves),
            ]
            for e in d.events
        ],
    )


@workflow_group.command("diagram")
def workflow_diagram() -> None:
    """Print the workflow as a Mermaid stateDiagram-v2."""
    from states import default_definition
    from workflow.diagram import mermaid

    click.echo(mermaid(default_definition()))


# -- demo


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to put demo.db.")
def demo(directory: str | None) -> None:
    """Build a demo DB with the Lạng Sơn portfolio and show it."""
    import tempfile
    from pathlib import Path

    from db import open_engine, to_url
    from db.schema import upgrade
    from workflow.demo import seed
    from workflow.services import list_clusters

    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="ccn-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.db"
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    env = Env(str(path), "demo", "en")
    upgrade(open_engine(to_url(str(path)), create_dir=True))
    seed(env.uow)
    views = list_clusters(env.uow(readonly=True))
    click.echo(f"Demo portfolio: Lạng Sơn, {len(views)} clusters.")
    click.echo()
    _print_clusters(env, views, "table")
    from workflow.demo import DEMO_AS_OF
    from workflow.reports import bottlenecks, funnel, stalled

    as_of = DEMO_AS_OF.strftime("%d/%m/%Y")
    click.echo()
    click.echo(f"Funnel on {as_of}:")
    _print_funnel(env, funnel(env.uow(readonly=True), as_of=DEMO_AS_OF), "table")
    click.echo()
    click.echo(f"Stalled on {as_of}:")
    rows = stalled(env.uow(readonly=True), as_of=DEMO_AS_OF)
    print_table(
        ["Code", "State", "Since", "Days", "WD", "Limit", "Over"],
        [
            [
                r.code,
                _label(r.state, "en"),
                r.since.strftime("%d/%m/%Y"),
                r.days_in_state,
                r.working_days_in_state,
                f"{r.threshold}{'wd' if r.unit == 'working_days' else 'd'}",
                r.overdue,
            ]
            for r in rows
        ],
    )
    click.echo()
    click.echo(f"Steps on {as_of}:")
    _print_bottlenecks(env, bottlenecks(env.uow(readonly=True), as_of=DEMO_AS_OF), "table")
    click.echo()
    click.echo(f"Demo database: {path}")
    click.echo(f"Explore it, e.g.: ccn --db {path} history HT1")
    click.echo(f"                  ccn --db {path} report stalled --as-of 30/06/2025")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
