"""`ccn`: the command line. Each command parses, calls one use case, emits the result.

Views (columns, headers, cells) are declared once in `workflow/views.py`; heavy modules
(SQLAlchemy, alembic, holidays, orjson) are imported inside commands so that
`ccn --help` stays instant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

# When this process began: what a command saw is fixed then, not when it gets a lock,
# so two identical commands started together move a cluster once (services._move).
_IMPORTED_AT = datetime.now(UTC)
_launched: datetime | None = None

if TYPE_CHECKING:
    from workflow.model import Transition


class Lazy:
    """A module imported on first use: `ccn --help` must not pay for SQLAlchemy."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


services, reports, users = (
    Lazy("workflow.services"),
    Lazy("workflow.reports"),
    Lazy("workflow.users"),
)
render, views, audit_ = Lazy("workflow.render"), Lazy("workflow.views"), Lazy("workflow.audit")
FORCE_HELP = "Replace FILE if it already exists (otherwise an existing file is refused)."
LOCALITY_HELP = "Only clusters whose locality contains this text, ignoring case and accents."
SINGLE_USER = (
    "Single-user mode: no users are registered, so anyone may do anything. "
    "Add an admin with `ccn user add NAME --role admin`."
)


class CcnGroup(click.Group):
    """Every failure ends as one `Error: …` line: exit 1 refused, 2 usage."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
            sys.exit(0)  # asked for nothing: the help is the answer, not a mistake
        except click.NoSuchOption as exc:
            _fail(_misplaced(exc) or f"{exc.format_message()}{_hint(exc)}", 2)
        except click.UsageError as exc:
            _fail(f"{exc.format_message()}{_hint(exc)}", 2)
        except click.ClickException as exc:
            _fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        except Exception as exc:  # the user never sees a traceback
            from workflow.errors import CcnError, ImportRejected  # not imported by `--help`

            if isinstance(exc, ImportRejected):
                for problem in exc.problems:  # each on its own line, then the summary
                    click.echo(_one_line(problem), err=True)
                _fail(str(exc), 1)
            if isinstance(exc, CcnError):
                _fail(_one_line(str(exc)), 1)
            if isinstance(exc, OSError):
                _fail(_one_line(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")), 1)
            if os.environ.get("CCN_DEBUG"):
                raise
            _fail(_one_line(f"unexpected {type(exc).__name__}: {exc}"), 1)
        sys.exit(rv if isinstance(rv, int) else 0)


GLOBAL_OPTIONS = ("--db", "--actor", "--lang")


def _hint(exc: click.UsageError) -> str:
    return f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""


def _misplaced(exc: click.NoSuchOption) -> str | None:
    """A global option given after the command: say where it belongs."""
    if exc.option_name not in GLOBAL_OPTIONS or exc.ctx is None:
        return None
    return (f"{exc.option_name} is a global option: put it before the command, e.g. "
            f"`ccn {exc.option_name} … {exc.ctx.command_path.removeprefix('ccn ')} …`")  # fmt: skip


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text else text


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


class Env:
    """What every command needs: the database, who is acting, the language."""

    def __init__(self, db: str | None, actor: str | None, lang: str) -> None:
        global _launched
        from db.store import Store

        self.store, self.actor_option, self.lang = Store(db), actor, lang
        self.uow, self.url, self.close = self.store.uow, self.store.url, self.store.close
        # The process's start for its first command; a later one in the same process
        # (tests, the demo) starts now.
        self.started, _launched = _launched or datetime.now(UTC), None

    @property
    def actor(self) -> str:
        """On PostgreSQL the login's user (a claim naming anyone else is refused);
        elsewhere --actor, $CCN_ACTOR, the OS login's user, the OS login."""
        from db.users import os_login
        from workflow.identity import acting_user

        claimed = self.actor_option or os.environ.get("CCN_ACTOR") or None
        return acting_user(self.uow(readonly=True), claimed, os_login())

    def emit(self, rows: Any, view: str, fmt: str) -> None:
        render.emit(rows, getattr(views, view), fmt, self.lang)


pass_env = click.make_pass_decorator(Env)


def group(name: str, doc: str) -> click.Group:
    return cli.group(name, help=doc)(lambda: None)


def cmd(group: click.Group, name: str | None = None) -> Callable[[Any], Any]:
    """A subcommand of `group` that receives the `Env`."""
    return lambda f: group.command(name)(pass_env(f))


def _date(value: str | None) -> date | None:
    from workflow.clock import parse_date

    return None if value is None else parse_date(value)


def fmt_option(*choices: str, default: str = "table") -> Any:
    choices = choices or ("table", "json", "csv", "xlsx")
    return click.option("--format", "fmt", type=click.Choice(choices),
                        default=default, show_default=True, help="Output format.")  # fmt: skip


def on_option(f: Any) -> Any:
    return click.option("--on", help="Effective date (YYYY-MM-DD or DD/MM/YYYY). Default: now.")(f)


def record(env: Env, move: str, code: str, on: str | None, **step: Any) -> None:
    """Record one move through its use case and say what it did."""
    t: Transition = getattr(services, move)(
        env.uow(), code, actor=env.actor, started=env.started, on=_date(on), **step
    )
    click.echo(f"{t.code}: {t.from_state} -> {t.to_state} ({t.event}, seq {t.seq}, "
               f"effective {t.effective_on.strftime('%d/%m/%Y')})")  # fmt: skip
    if t.event == "revert":  # say what was undone: a revert of a revert brings one back
        undone, back = services.reverted(env.uow(readonly=True), t.code, t.seq)
        for word, entries in (("undid", undone), ("restored", back)):
            for entry in entries:
                click.echo(f"  {word} seq {entry.seq}: {views.entry_line(entry)}")


def _not_blank(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    # An explicit but empty --db or --actor is a mistake (an unset shell variable, say);
    # falling back to the default database or the OS login would hide it.
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty", ctx, param)
    return value


# ---------------------------------------------------------------- commands


@click.group(name="ccn", cls=CcnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", metavar="PATH|URL", callback=_not_blank,
              help="SQLite file or SQLAlchemy URL. Default: $CCN_DATABASE_URL, then a file "
              "in the user data directory.")  # fmt: skip
@click.option("--actor", metavar="NAME", callback=_not_blank,
              help="Who records the step. Default: $CCN_ACTOR, then the OS login.")  # fmt: skip
@click.option("--lang", type=click.Choice(["en", "vi"]), envvar="CCN_LANG", default="en",
              show_default=True, help="Language of labels in tables ($CCN_LANG).")  # fmt: skip
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


@cmd(cli)
def init(env: Env) -> None:
    """Create or upgrade the database schema (safe to run again)."""
    from db.schema import init_database

    click.echo(init_database(*env.url()))
    if not _users(env):
        click.echo(SINGLE_USER)


def _users(env: Env) -> list[Any]:
    return users.list_users(env.uow(readonly=True))


cluster = group("cluster", "Register, list, show, edit, import and export clusters.")


@cmd(cluster, "add")
@click.argument("code")
@click.option("--name", required=True, help="Official name, e.g. 'Cụm công nghiệp Hợp Thành 1'.")
@click.option("--locality", help="Commune, former district or other locality (free text).")
@click.option("--area-ha", help="Area in hectares.")
@click.option("--developer", help="Infrastructure developer (chủ đầu tư).")
@click.option(
    "--industrial-land-ha", help="Industrial land for lease under the detailed plan (ha)."
)
@click.option(
    "--developer-kind",
    type=click.Choice(["enterprise", "public", "none"]),
    help="Who develops the infrastructure: an enterprise, a public body, or none yet.",
)
@click.option(
    "--kind",
    type=click.Choice(["general", "craft_village", "specialised"]),
    help="Cluster kind (specialised: at least 60% of industrial land for one industry).",
)
@click.option("--industries", help="Main industries, from the establishment decision.")
@click.option("--state", help="Register directly in this state (existing portfolios).")
@click.option("--since", help="Date the cluster entered that state (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--ref", help="Document reference, e.g. 'QĐ 1689/QĐ-UBND'.")
@click.option("--note", help="Free note.")
def cluster_add(env: Env, code: str, since: str | None, **fields: Any) -> None:
    """Register a new cluster."""
    c = services.register(
        env.uow(), services.NewCluster(code, since=_date(since), **fields), actor=env.actor
    )
    click.echo(f"Registered {c.code} in {c.state} since {c.since_on.strftime('%d/%m/%Y')}.")


@cmd(cluster, "import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Check the file; store nothing.")
def cluster_import(env: Env, file: str, dry_run: bool) -> None:
    """Register clusters from a CSV file, all or nothing.

    Header: code,name,locality,area_ha,developer,state,since,ref,resumes_to and optionally
    industrial_land_ha,developer_kind,kind,industries (code and name required). UTF-8,
    with or without BOM.
    """
    from workflow.csvio import read_clusters

    with click.open_file(file, "rb") as fh:
        f = read_clusters(fh.read())
    n = services.import_clusters(env.uow(), f.rows, actor=env.actor, dry_run=dry_run,
                                 problems=f.problems, flagged=f.flagged)  # fmt: skip
    click.echo(f"Dry run: {n} clusters would be imported; nothing stored." if dry_run
               else f"Imported {n} clusters.")  # fmt: skip


@cmd(cluster, "list")
@click.option("--state", help="Only clusters in this state.")
@click.option("--locality", help=LOCALITY_HELP)
@click.option("--search", metavar="TEXT", help="Only clusters whose code, name or locality "
              "contains this text, ignoring case and accents.")  # fmt: skip
@fmt_option()
def cluster_list(env: Env, fmt: str, **filters: Any) -> None:
    """List clusters with their state and time in state."""
    env.emit(services.list_clusters(env.uow(readonly=True), **filters), "CLUSTERS", fmt)


@cmd(cluster, "edit")
@click.argument("code")
@click.option("--name", help="New official name.")
@click.option("--locality", help="New locality; an empty text clears it.")
@click.option("--area-ha", help="New area in hectares; an empty text clears it.")
@click.option("--developer", help="New infrastructure developer; an empty text clears it.")
@click.option("--industrial-land-ha", help="New industrial land (ha); an empty text clears it.")
@click.option("--developer-kind", help="enterprise, public or none; an empty text clears it.")
@click.option("--kind", help="general, craft_village or specialised; an empty text clears it.")
@click.option("--industries", help="New main industries; an empty text clears it.")
@click.option("--reason", required=True, help="Why, e.g. the decision that changed it.")
def cluster_edit(env: Env, code: str, reason: str, **given: str | None) -> None:
    """Change a cluster's name, locality, area, developer or other facts (recorded in its
    history)."""
    import json

    changes = {k: v for k, v in given.items() if v is not None}
    t = services.amend(env.uow(), code, changes, actor=env.actor, reason=reason)
    click.echo(f"{t.code}: amended {', '.join(json.loads(t.data or '{}')['changes'])} "
               f"(seq {t.seq})")  # fmt: skip


@cmd(cluster, "migrate")
@click.argument("code")
@click.option("--to", required=True, metavar="NAME@VERSION",
              help="The stored workflow definition to pin the cluster to.")  # fmt: skip
@click.option("--reason", required=True, help="Why, e.g. the decree that changed the procedure.")
def cluster_migrate(env: Env, code: str, to: str, reason: str) -> None:
    """Pin a cluster to another stored workflow definition (supervisors)."""
    t = services.migrate(env.uow(), code, to=to, actor=env.actor, reason=reason)
    click.echo(f"{t.code}: now follows {to} (seq {t.seq})")


CALENDAR_HELP = "Local calendar TOML: extra days off and make-up working days."


@cmd(cluster, "show")
@click.argument("code")
@click.option("--calendar", "calendar_file", metavar="FILE", help=CALENDAR_HELP)
@fmt_option("table", "json")
def cluster_show(env: Env, code: str, calendar_file: str | None, fmt: str) -> None:
    """Show one cluster and what can happen to it next."""
    from workflow import render, views
    from workflow.occupancy import locality_test

    calendar = reports.work_calendar(calendar_file)
    view = services.show(env.uow(readonly=True), code, calendar)
    test = locality_test(env.uow(readonly=True), view.cluster.locality)
    if fmt == "json":
        render.write_json(views.cluster_data(view, test), sys.stdout.buffer)
    else:
        render.write_lines(views.cluster_card(view, env.lang, test))


@cmd(cluster, "export")
@fmt_option("csv", "json", "xlsx", default="csv")
def cluster_export(env: Env, fmt: str) -> None:
    """Export all clusters in the import format."""
    env.emit(services.export_clusters(env.uow(readonly=True)), "EXPORT", fmt)


# Each move records one event: (help, options beyond CODE and --on: flag, required, help).
MOVES: dict[str, tuple[str, list[tuple[str, bool, str]]]] = {
    "advance": ("Move a cluster to its next main-line state.", [
        ("--to", False, "Expected next state; refused unless it is the next one."),
        ("--ref", False, "Document behind the step, e.g. 'QĐ 1689/QĐ-UBND'."),
        ("--note", False, "Free note.")]),
    "send-back": ("Send a cluster back to an earlier main-line state.", [
        ("--to", True, "The earlier state to return to."),
        ("--reason", True, "Why, e.g. 'dossier incomplete'."),
        ("--ref", False, "Document for a state the cluster never entered before.")]),
    "suspend": ("Put a cluster on hold.", [("--reason", True, "Why the cluster is on hold.")]),
    "resume": ("Resume a suspended cluster in the state it left.", [
        ("--note", False, "Free note."),
        ("--to", False, "Only for clusters registered as suspended: the state to resume to."),
        ("--ref", False, "Document for a state the cluster never entered before (with --to).")]),
    "cancel": ("Cancel a cluster (terminal).", [
        ("--reason", True, "Why the cluster is cancelled."),
        ("--ref", False, "Decision behind the cancellation.")]),
    "revert": ("Undo a cluster's last step with a compensating entry (supervisors).", [
        ("--reason", True, "Why the last entry was wrong.")]),
}  # fmt: skip


def move_command(name: str, doc: str, options: list[tuple[str, bool, str]]) -> None:
    def command(env: Env, code: str, on: str | None, **step: Any) -> None:
        record(env, name.replace("-", "_"), code, on, **step)

    command.__doc__ = doc
    for flag, required, text in reversed(options):
        command = click.option(flag, required=required, help=text)(command)
    cmd(cli, name)(click.argument("code")(on_option(command)))


for _name, (_doc, _options) in MOVES.items():
    move_command(_name, _doc, _options)


@cmd(cli)
@click.argument("code")
@click.argument("name")
@click.option("--on", required=True, help="When it happened (YYYY-MM-DD or DD/MM/YYYY).")
@click.option("--ref", help="Document behind it, e.g. 'TB 12/TB-UBND'.")
@click.option("--note", help="Free note.")
def milestone(env: Env, code: str, name: str, on: str, ref: str | None, note: str | None) -> None:
    """Record that milestone NAME of a cluster's current state happened (see
    `ccn workflow show` for each state's milestones)."""
    from workflow.deadlines import record_milestone

    t = record_milestone(env.uow(), code, name, on=_date(on) or date.min, actor=env.actor,
                         ref=ref, note=note, started=env.started)  # fmt: skip
    click.echo(f"{t.code}: {t.to_state} milestone {name.strip()} on {_date(on):%d/%m/%Y} "
               f"(seq {t.seq})")  # fmt: skip


@cmd(cli)
@click.argument("code")
@fmt_option()
def history(env: Env, code: str, fmt: str) -> None:
    """Show a cluster's full transition history, oldest first."""
    env.emit(services.history(env.uow(readonly=True), code), "HISTORY", fmt)


report = group(
    "report", "Supervisor reports: stalled clusters, bottlenecks, funnel, forecasts and targets."
)


def report_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--calendar",
        "calendar_file",
        metavar="FILE",
        help="Local calendar TOML: extra days off and make-up working days.",
    )(f)
    f = click.option("--threshold", "thresholds", multiple=True, metavar="STATE=N|STATE=Nwd",
                     help="Override a state's threshold: N calendar days or N working days "
                     "(wd).")(f)  # fmt: skip
    return click.option("--as-of", help="Judge the portfolio as it stood on this date.")(f)


def _judging(as_of: str | None, thresholds: Any, calendar_file: str | None) -> dict[str, Any]:
    return {"as_of": _date(as_of), "overrides": reports.parse_overrides(thresholds),
            "calendar": reports.work_calendar(calendar_file)}  # fmt: skip


@cmd(report, "stalled")
@report_options
@click.option("--state", help="Only clusters in this state.")
@click.option("--locality", help=LOCALITY_HELP)
@fmt_option()
@click.option("--fail-on-stalled", is_flag=True, help="Exit 3 when any cluster is stalled.")
def report_stalled(env: Env, fmt: str, fail_on_stalled: bool, state: str | None,
                   locality: str | None, **judging: Any) -> None:  # fmt: skip
    """Clusters longer in their step than its threshold allows."""
    rows = reports.stalled(
        env.uow(readonly=True), state=state, locality=locality, **_judging(**judging)
    )
    env.emit(rows, "STALLED", fmt)
    if fail_on_stalled and rows:
        sys.exit(3)


@cmd(report, "deadlines")
@click.option("--as-of", help="Judge the deadlines as they stood on this date.")
@click.option(
    "--within",
    metavar="N|Nwd",
    help="Only milestones due within N days or N working days (wd), overdue included.",
)
@click.option("--overdue", is_flag=True, help="Only milestones past their due date.")
@click.option("--locality", help=LOCALITY_HELP)
@click.option(
    "--calendar",
    "calendar_file",
    metavar="FILE",
    help="Local calendar TOML: extra days off and make-up working days.",
)
@fmt_option()
@click.option("--fail-on-overdue", is_flag=True, help="Exit 3 when any milestone is overdue.")
def report_deadlines(env: Env, as_of: str | None, within: str | None, overdue: bool,
                     locality: str | None, calendar_file: str | None, fmt: str,
                     fail_on_overdue: bool) -> None:  # fmt: skip
    """Open milestones with a legal time limit, by due date: the daily to-do list."""
    from workflow import deadlines

    window = deadlines.parse_within(within) if within is not None else None
    problems: list[str] = []
    rows = deadlines.deadlines(
        env.uow(readonly=True), as_of=_date(as_of), within=window, overdue=overdue,
        locality=locality, calendar=reports.work_calendar(calendar_file), problems=problems,
    )  # fmt: skip
    env.emit(rows, "DEADLINES", fmt)
    _warn(problems)
    if fail_on_overdue and any(r.days_left < 0 for r in rows):
        sys.exit(3)


@cmd(report, "bottlenecks")
@report_options
@fmt_option()
def report_bottlenecks(env: Env, fmt: str, **judging: Any) -> None:
    """Per step: active, stalled, dwell times and rework; names the worst step."""
    from workflow import render, views

    report = reports.bottlenecks(env.uow(readonly=True), **_judging(**judging))
    if fmt == "json":
        render.write_json(views.bottlenecks_data(report), sys.stdout.buffer)
        return
    env.emit(report.states, "STEPS", fmt)
    if fmt == "table":
        click.echo(views.bottleneck_line(report, env.lang))


@cmd(report, "funnel")
@click.option("--as-of", help="Count clusters as they stood on this date.")
@click.option("--locality", help=LOCALITY_HELP)
@fmt_option()
def report_funnel(env: Env, as_of: str | None, locality: str | None, fmt: str) -> None:
    """How many clusters are in each step, every step listed."""
    from workflow import render, views

    report = reports.funnel(env.uow(readonly=True), as_of=_date(as_of), locality=locality)
    if fmt == "json":
        render.write_json(views.funnel_data(report), sys.stdout.buffer)
    else:
        env.emit(report.states, "FUNNEL", fmt)


@cmd(report, "html")
@click.option("--out", required=True, metavar="FILE",
              help="Where to write the page (one self-contained .html file).")  # fmt: skip
@click.option("--as-of", help="Show the portfolio as it stood on this date.")
@click.option("--lang", "page_lang", type=click.Choice(["vi", "en"]),
              help="Language of the page. Default: the global --lang.")  # fmt: skip
@click.option("--calendar", "calendar_file", metavar="FILE", help=CALENDAR_HELP)
@click.option("--force", is_flag=True, help=FORCE_HELP)
def report_html(env: Env, out: str, as_of: str | None, page_lang: str | None,
                calendar_file: str | None, force: bool) -> None:  # fmt: skip
    """One self-contained page for supervisors: funnel, stalled clusters, deadlines,
    targets, time in each step, a timeline per cluster and a table of all clusters.
    It needs no network: open it from a USB stick or an email attachment."""
    calendar = reports.work_calendar(calendar_file)
    path = write_page(env, out, _date(as_of), page_lang or env.lang, calendar, force)
    click.echo(f"Page written to {path}")


def write_page(env: Env, out: str, as_of: date | None, lang: str, calendar: Any = None,
               force: bool = False) -> str:  # fmt: skip
    """Build the dashboard and write its page to `out`, whole or not at all."""
    from workflow.html_page import render

    targets = services.page_targets(env.uow(readonly=True), as_of=as_of, lang=lang)
    problems: list[str] = []
    deadlines = services.page_deadlines(
        env.uow(readonly=True), as_of=as_of, calendar=calendar, problems=problems
    )
    _warn(problems)
    board = services.dashboard(
        env.uow(readonly=True), as_of=as_of, deadlines=deadlines, targets=targets,
        calendar=calendar,
    )  # fmt: skip
    page = render(board, lang)
    return _write_whole(out, page, force)


def _warn(problems: list[str]) -> None:
    """Clusters a report had to leave out, each on its own line of stderr."""
    for problem in problems:
        click.echo(_one_line(f"Warning: {problem}"), err=True)


def _write_whole(out: str, content: str | bytes, force: bool = False) -> str:
    """Write `content` to `out` through a temporary file beside it, so that a failure
    never leaves a half-written file where the old one was. An existing `out` is
    refused unless `force`: it may be a report already sent, or a checkpoint."""
    import tempfile

    target = os.path.abspath(out)
    if os.path.isdir(target):
        raise click.ClickException(f"--out {out} is a directory; give a file name")
    if not force and os.path.lexists(target):
        raise click.ClickException(f"{out} already exists; give --force to replace it")
    suffix = os.path.splitext(target)[1]
    try:
        fd, tmp = tempfile.mkstemp(prefix=".ccn-out-", suffix=suffix, dir=os.path.dirname(target))
    except OSError as exc:  # name the file asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, out) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content.encode() if isinstance(content, str) else content)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # readable like any file the user saves, not 0600
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target


def seed_option(f: Any) -> Any:
    return click.option("--seed", type=int, default=0, show_default=True,
                        help="Random seed: the same database and seed give the same "
                        "numbers.")(f)  # fmt: skip


def calendar_option(f: Any) -> Any:
    return click.option("--calendar", "calendar_file", metavar="FILE",
                        help="Local calendar TOML: extra days off and make-up working "
                        "days.")(f)  # fmt: skip


@cmd(report, "forecast")
@click.option("--as-of", help="Forecast from the portfolio as it stood on this date.")
@click.option(
    "--backtest",
    metavar="DATE",
    help="Forecast from what had happened by DATE "
    "(entries effective by then) and compare with what happened since.",
)
@click.option(
    "--as-recorded",
    is_flag=True,
    help="With --backtest: use only the entries also recorded by DATE (what the database "
    "knew then), leaving out history loaded or imported later.",
)
@seed_option
@calendar_option
@fmt_option()
def report_forecast(env: Env, as_of: str | None, backtest: str | None, as_recorded: bool,
                    seed: int, calendar_file: str | None, fmt: str) -> None:  # fmt: skip
    """When each active cluster will be operating: P50 and P90 dates from 2,000 simulated
    runs over this database's own step durations."""
    from workflow import render, views

    calendar = reports.work_calendar(calendar_file)
    if backtest is None:
        if as_recorded:
            raise click.UsageError("--as-recorded needs --backtest")
        rows = services.forecast(env.uow(readonly=True), as_of=_date(as_of), seed=seed,
                                 calendar=calendar)  # fmt: skip
        env.emit(rows, "FORECAST", fmt)
        if fmt == "table" and (notes := views.forecast_notes(rows)):
            click.echo("\n" + "\n".join(notes))
        return
    if as_of is not None:
        raise click.UsageError("--as-of and --backtest cannot be combined")
    b = services.backtest(env.uow(readonly=True), _date(backtest), seed=seed, calendar=calendar,
                          as_recorded=as_recorded)  # fmt: skip
    if fmt == "json":
        return render.write_json(views.backtest_data(b), sys.stdout.buffer)
    env.emit(b.rows, "BACKTEST", fmt)
    if fmt == "table":
        if b.rows:
            click.echo("")
            env.emit(b.rows, "BACKTEST_NEXT", fmt)
        click.echo("\n".join(["", *views.forecast_notes(b.rows), *views.backtest_lines(b)]))


@cmd(report, "targets")
@click.option("--as-of", help="Judge the targets as they stood on this date.")
@seed_option
@calendar_option
@fmt_option()
def report_targets(env: Env, as_of: str | None, seed: int, calendar_file: str | None,
                   fmt: str) -> None:  # fmt: skip
    """Each installed target: met, on track (probability at least 0.8), at risk, missed or
    unmeasurable, and the clusters that decide it."""
    rows = services.target_report(env.uow(readonly=True), as_of=_date(as_of), seed=seed,
                                  calendar=reports.work_calendar(calendar_file),
                                  lang=env.lang)  # fmt: skip
    env.emit(rows, "TARGETS", fmt)
    if fmt == "table" and (notes := views.target_notes(rows)):
        click.echo("\n" + "\n".join(notes))


targets_group = group("targets", "Install and list the province's targets.")


@cmd(targets_group, "install")
@click.argument("file", type=click.Path(dir_okay=False))
def targets_install(env: Env, file: str) -> None:
    """Store a targets TOML file; a changed file needs a new version (supervisors)."""
    t, added = services.install_targets(env.uow(), file, actor=env.actor)
    click.echo(f"Installed targets {t.key} ({len(t.targets)} targets)." if added
               else f"Targets {t.key} are already installed with this text.")  # fmt: skip


@cmd(targets_group, "list")
@fmt_option()
def targets_list(env: Env, fmt: str) -> None:
    """The installed targets files, oldest first; the last one is current."""
    env.emit(services.stored_targets(env.uow(readonly=True)), "STORED_TARGETS", fmt)


@cmd(report, "occupancy")
@click.option("--as-of", help="Figures from the latest Form 02 period ended by this date.")
@click.option("--locality", help=LOCALITY_HELP)
@click.option("--by", type=click.Choice(["cluster", "locality"]), default="cluster",
              show_default=True, help="CSV only: one row per cluster or per locality "
              "(tables, JSON and XLSX give both).")  # fmt: skip
@fmt_option()
def report_occupancy(env: Env, as_of: str | None, locality: str | None, by: str,
                     fmt: str) -> None:  # fmt: skip
    """Occupancy per cluster and per locality, with the Decree 32 Art. 8.1(c) test."""
    from workflow import render, views
    from workflow.occupancy import occupancy

    report = occupancy(env.uow(readonly=True), as_of=_date(as_of), locality=locality)
    if fmt == "json":
        return render.write_json(views.occupancy_data(report), sys.stdout.buffer)
    if fmt == "xlsx":
        from workflow.xlsx import view_sheets

        render.binary_ok(sys.stdout.buffer)
        return view_sheets([("clusters", report.clusters, views.OCCUPANCY),
                            ("localities", report.localities, views.LOCALITY_OCCUPANCY)],
                           sys.stdout.buffer)  # fmt: skip
    if fmt == "csv":
        if by == "cluster":
            return env.emit(report.clusters, "OCCUPANCY", fmt)
        return env.emit(report.localities, "LOCALITY_OCCUPANCY", fmt)
    click.echo(f"Occupancy on {report.as_of:%d/%m/%Y} (Decree 32 Art. 2.7):")
    env.emit(report.clusters, "OCCUPANCY", fmt)
    if not report.localities:
        return
    tests = {row.test for row in report.localities}
    t = next(iter(tests))
    rule = (f"{t.average} average > {t.min_occupancy_pct:g}% or unleased <= "
            f"{t.max_unleased_ha:g} ha" if len(tests) == 1
            else "each locality by its clusters' definition")  # fmt: skip
    click.echo(f"\nLocalities (Art. 8.1(c): {rule}):")
    env.emit(report.localities, "LOCALITY_OCCUPANCY", fmt)
    for row in report.localities:
        click.echo(views.establishment_line(row, env.lang))


@cmd(report, "circular14")
@click.option(
    "--period",
    required=True,
    metavar="YYYYH1|YYYY",
    help="Data period: 2026H1 is 15/12/2025-14/06/2026, 2026 is 15/12/2025-14/12/2026.",
)
@click.option(
    "--form",
    type=click.Choice(["04", "03"]),
    default="04",
    show_default=True,
    help="04: the province (DOIT); 03: one locality (with --locality).",
)
@click.option("--locality", help="Form 03's locality: its whole name, ignoring case.")
@fmt_option()
@click.option("--out", metavar="FILE", help="Write to FILE instead of standard output.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
def report_circular14(env: Env, period: str, form: str, locality: str | None, fmt: str,
                      out: str | None, force: bool) -> None:  # fmt: skip
    """The Circular 14/2024/TT-BCT report (Form 04 or 03), with whose Form 02 is missing."""
    import io

    from workflow import render, views
    from workflow.circular14 import circular14, row_data

    if out and not force and os.path.lexists(out) and not os.path.isdir(out):
        raise click.ClickException(f"{out} already exists; give --force to replace it")
    report = circular14(env.uow(readonly=True), period=period, form=form, locality=locality)
    _warn(report.ignored)
    sink: Any = io.BytesIO() if out else sys.stdout.buffer
    if fmt == "xlsx":
        from workflow.xlsx import form as write_form

        if not out:
            render.binary_ok(sink)
        write_form(report, sink)
    elif fmt == "json":
        render.write_json((row_data(r.noted(env.lang)) for r in report.rows), sink)
    else:
        rows = [r.noted(env.lang) for r in report.rows]  # CSV's note follows --lang
        render.emit(rows, views.FORM, fmt, env.lang, sink)
        if fmt == "table":
            heading = "Chưa có Mẫu 02 kỳ" if env.lang == "vi" else "No Form 02 for"
            sink.write(f"\n{heading} {report.period.name}:\n".encode())
            render.emit(report.missing, views.MISSING, "table", env.lang, sink)
    if out:
        _write_whole(out, sink.getvalue(), force)
    if report.missing and fmt != "table":
        codes = ", ".join(m.code for m in report.missing)
        click.echo(f"Missing Form 02 for {report.period.name}: {codes}", err=True)
    if out:
        click.echo(f"Form {form} for {report.period.name} written to {out}")


indicators_group = group("indicators", "Record, import and list Form 02 indicators.")


def _indicator_options(f: Callable[..., Any]) -> Callable[..., Any]:
    from workflow.form02_fields import FIELDS

    for field in reversed(FIELDS):
        f = click.option(f"--{field.name.replace('_', '-')}", field.name, help=field.help)(f)
    return f


@cmd(indicators_group, "record")
@click.argument("code")
@click.option("--period", required=True, metavar="YYYYH1|YYYY", help="Data period, e.g. 2026H1.")
@_indicator_options
@click.option("--note", help="Where the figures come from, e.g. the developer's letter.")
def indicators_record(env: Env, code: str, period: str, note: str | None,
                      **values: str | None) -> None:  # fmt: skip
    """Record a cluster's Form 02 figures; again for the same period is a correction."""
    from workflow.form02 import record

    given = {k: v for k, v in values.items() if v is not None}
    r = record(env.uow(), code, period, given, actor=env.actor, note=note)
    click.echo(f"{r.code} {r.period}: recorded version {r.version} (seq {r.seq})")


@cmd(indicators_group, "import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Check the file; store nothing.")
def indicators_import(env: Env, file: str, dry_run: bool) -> None:
    """Import Form 02 figures from CSV or XLSX, all or nothing.

    Columns: code,period and any of the indicator names (see `indicators record
    --help`, with underscores), plus note. A blank cell keeps the value recorded.
    """
    from workflow.form02 import import_rows, read_file

    with click.open_file(file, "rb") as fh:
        rows, problems = read_file(fh.read(), file)
    r = import_rows(env.uow(), rows, actor=env.actor, dry_run=dry_run, problems=problems)
    same = f"; {r.unchanged} unchanged" if r.unchanged else ""
    click.echo(f"Dry run: {r.recorded} records would be imported{same}; nothing stored."
               if dry_run else f"Imported {r.recorded} records{same}.")  # fmt: skip


@cmd(indicators_group, "list")
@click.option("--period", metavar="YYYYH1|YYYY", help="Only this data period.")
@click.option("--code", help="Only this cluster.")
@click.option("--all-versions", is_flag=True, help="Every version, corrections included.")
@fmt_option()
def indicators_list(env: Env, period: str | None, code: str | None, all_versions: bool,
                    fmt: str) -> None:  # fmt: skip
    """Form 02 records: the newest version of each, by cluster and period."""
    from workflow.form02 import list_records

    rows = list_records(env.uow(readonly=True), period=period, code=code, versions=all_versions)
    env.emit(rows, "INDICATORS", fmt)


calendar_group = group("calendar", "Inspect the working-day calendar.")


@calendar_group.command("list")
@click.option("--year", type=int, required=True, help="Calendar year (1900-2200).")
@click.option("--calendar", "calendar_file", metavar="FILE", help="Local calendar TOML.")
@fmt_option()
@click.pass_context
def calendar_list(ctx: click.Context, year: int, calendar_file: str | None, fmt: str) -> None:
    """Weekdays that are not worked and weekend days that are."""
    env = ctx.find_object(Env) or Env(None, None, "en")
    env.emit(reports.work_calendar(calendar_file).exceptions_in(year), "CALENDAR", fmt)


audit = group("audit", "Verify the history, keep checkpoints, read the audit log.")


@cmd(audit, "verify")
@click.option("--against", metavar="FILE", help="Also prove a checkpoint's coverage is intact.")
def audit_verify(env: Env, against: str | None) -> None:
    """Recompute every hash chain and replay every history."""
    result = audit_.verify(env.uow(readonly=True), against=audit_.read_checkpoint(against))
    click.echo("\n".join(result.lines(against)))
    if not result.ok:
        _fail(f"{len(result.problems)} problem(s) in {result.clusters} clusters, "
              f"{result.transitions} transitions", 1)  # fmt: skip


@cmd(audit, "checkpoint")
@click.option("--out", metavar="FILE", help="Write here instead of standard output.")
@click.option("--force", is_flag=True, help=FORCE_HELP)
def audit_checkpoint(env: Env, out: str | None, force: bool) -> None:
    """Write every cluster's head, the Form 02 and user change logs' heads, every
    stored definition's and targets file's hash, and their root hash, to keep outside
    the database."""
    import json

    from workflow.checkpoints import checkpoint

    text = json.dumps(checkpoint(env.uow(readonly=True)), ensure_ascii=False, indent=2) + "\n"
    if not out:
        return click.echo(text, nl=False)
    _write_whole(out, text, force)
    click.echo(f"Checkpoint written to {out}")


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
@fmt_option()
@pass_env
def audit_log(env: Env, since: str | None, until: str | None, who: str | None,
              cluster: str | None, event: str | None, mismatch: bool,
              fmt: str) -> None:  # fmt: skip
    """Every recorded entry across clusters, by time recorded; backdating flagged."""
    f = Lazy("workflow.ports").LogFilter(_date(since), _date(until), who, cluster, event, mismatch)
    env.emit(audit_.log(env.uow(readonly=True), f), "LOG", fmt)


user = group("user", "Manage who may record which steps.")


ROLE_CHOICE = click.Choice(["staff", "supervisor", "auditor", "admin"])


@cmd(user, "add")
@click.argument("name")
@click.option("--role", type=ROLE_CHOICE, required=True, help="What the user may do.")
@click.option("--login", metavar="LOGIN", help="The database login (OS login on SQLite) that "
              "acts as this user. Default: NAME.")  # fmt: skip
def user_add(env: Env, name: str, role: str, login: str | None) -> None:
    """Register a user (the first one must be an admin)."""
    u = users.add_user(env.uow(), name, role, actor=env.actor, login=login)
    click.echo(f"Added user {u.name} ({u.role}).")


@cmd(user, "list")
@fmt_option()
def user_list(env: Env, fmt: str) -> None:
    """List users and their roles."""
    found = _users(env)
    if found or fmt != "table":
        return env.emit(found, "USERS", fmt)
    click.echo(SINGLE_USER)


@cmd(user, "disable")
@click.argument("name")
def user_disable(env: Env, name: str) -> None:
    """Disable a user; their past entries stay as recorded."""
    click.echo(f"Disabled user {users.disable_user(env.uow(), name, actor=env.actor).name}.")


@cmd(user, "enable")
@click.argument("name")
def user_enable(env: Env, name: str) -> None:
    """Enable a disabled user again."""
    click.echo(f"Enabled user {users.enable_user(env.uow(), name, actor=env.actor).name}.")


@cmd(user, "role")
@click.argument("name")
@click.argument("role", type=ROLE_CHOICE)
def user_role(env: Env, name: str, role: str) -> None:
    """Change a user's role (the last enabled admin keeps theirs)."""
    u = users.set_role(env.uow(), name, role, actor=env.actor)
    click.echo(f"User {u.name} is now {u.role}.")


@cmd(user, "log")
@fmt_option()
def user_log(env: Env, fmt: str) -> None:
    """Every change to users: what, who made it, when, from which login."""
    env.emit(users.user_log(env.uow(readonly=True)), "USER_LOG", fmt)


@cmd(user, "grants")
@click.argument("login")
def user_grants(env: Env, login: str) -> None:
    """Print the SQL that lets a PostgreSQL LOGIN use this database (run it as the owner)."""
    from db.grants import grants_for

    click.echo("\n".join(f"{s};" for s in grants_for(env.url()[0], login)))


db_group = group("db", "Database maintenance.")


@cmd(db_group, "grant")
@click.argument("login")
def db_grant(env: Env, login: str) -> None:
    """Let a PostgreSQL LOGIN use this database: make it a member of ccn's group role."""
    from db.grants import grant_group

    click.echo(grant_group(env.url()[0], login))


@cmd(db_group, "backup")
@click.argument("file")
def db_backup(env: Env, file: str) -> None:
    """Copy a live SQLite database consistently (online backup API)."""
    from db.backup import backup_sqlite

    path, pages = backup_sqlite(env.url()[0], file)
    click.echo(f"Backed up to {path} ({pages} pages).")


@cmd(db_group, "dump")
@click.argument("file")
def db_dump(env: Env, file: str) -> None:
    """Write every definition, user, cluster and history entry to FILE (JSON Lines;
    gzip if FILE ends in .gz): a backup any ccn database can be restored from."""
    from db.dump import dump

    c = dump(env.uow(readonly=True), file).counts
    click.echo(f"Dumped {c['cluster']} clusters, {c['entry']} history entries, "
               f"{c['user']} users, {c['workflow']} definitions, {_also_dumped(c)} "
               f"to {file}.")  # fmt: skip


def _also_dumped(counts: dict[str, int]) -> str:
    """The Form 02 records and targets files a dump holds, as its summary line names them."""
    records, files = counts["indicator"], counts["targets"]
    return (f"{records} Form 02 record{'' if records == 1 else 's'}, "
            f"{files} targets file{'' if files == 1 else 's'}")  # fmt: skip


@cmd(db_group, "restore")
@click.argument("file")
def db_restore(env: Env, file: str) -> None:
    """Load a `db dump` FILE into a new database made with `ccn init`; every chain is
    verified before anything is committed."""
    from db.dump import restore

    r = restore(env.uow(), file)
    click.echo(f"Restored and verified {r.clusters} clusters, {r.transitions} history "
               f"entries, {r.counts['user']} users, {r.counts['workflow']} definitions, "
               f"{_also_dumped(r.counts)} from {file}.")  # fmt: skip


workflow_group = group("workflow", "Inspect, install, compare and migrate workflow definitions.")


@cmd(workflow_group, "install")
@click.argument("file")
def workflow_install(env: Env, file: str) -> None:
    """Validate a workflow definition TOML FILE and store it as a new version."""
    from workflow.definitions import install

    done = install(env.uow(), file, actor=env.actor)
    what = "installed" if done.new else "already stored, unchanged:"
    click.echo(f"{what} {done.definition.key} (sha256 {done.definition.sha256})")


@cmd(workflow_group, "diff")
@click.argument("a")
@click.argument("b")
@fmt_option()
def workflow_diff(env: Env, a: str, b: str, fmt: str) -> None:
    """What changes from definition A to B (NAME@VERSION, a stored VERSION, or a file):
    states, moves, milestones, limits and roles."""
    from workflow.definitions import diff

    env.emit(diff(env.uow(readonly=True), a, b), "DIFF", fmt)


@cmd(workflow_group, "migrate")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="VERSION",
    help="The stored definition to move clusters to (NAME@VERSION or VERSION).",
)
@click.option(
    "--state",
    "states",
    multiple=True,
    metavar="S",
    help="Only clusters in this state (repeatable).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="OLD=NEW",
    help="A state the new definition replaces: clusters in OLD move to NEW (repeatable).",
)
@click.option("--reason", required=True, help="Why, e.g. the decree that changed the procedure.")
@click.option("--dry-run", is_flag=True, help="Print what would happen and change nothing.")
@click.option(
    "--include-in-appraisal",
    is_flag=True,
    help="Also move dossiers under appraisal, which Decree 32 Art. 35.2 keeps on the old rules.",
)
@fmt_option()
def workflow_migrate(env: Env, to: str, states: tuple[str, ...], maps: tuple[str, ...],
                     reason: str, dry_run: bool, include_in_appraisal: bool,
                     fmt: str) -> None:  # fmt: skip
    """Move clusters to another stored definition, each move one chain entry (supervisors)."""
    from workflow.definitions import migrate_all, parse_renames

    rows = migrate_all(env.uow(), to=to, actor=env.actor, reason=reason, states=states,
                       dry_run=dry_run, include_in_appraisal=include_in_appraisal,
                       renames=parse_renames(maps))  # fmt: skip
    if fmt == "table" and rows:  # every row's target: the table leaves it out
        click.echo(f"To {rows[0].to_workflow}:")
    env.emit(rows, "MIGRATIONS", fmt)
    if fmt == "table":
        moved = sum(r.action == "migrate" for r in rows)
        verb = "would move" if dry_run else "moved"
        click.echo(f"{verb} {moved} clusters, kept {len(rows) - moved}"
                   f"{' (dry run: nothing changed)' if dry_run else ''}")  # fmt: skip


@cmd(workflow_group, "list")
@fmt_option()
def workflow_list(env: Env, fmt: str) -> None:
    """The definitions stored in the database, with the clusters pinned to each."""
    env.emit(services.stored_definitions(env.uow(readonly=True)), "WORKFLOWS", fmt)


@cmd(workflow_group, "show")
@fmt_option("table", "json")
def workflow_show(env: Env, fmt: str) -> None:
    """Print the default workflow definition."""
    from states import default_definition

    d = default_definition()
    if fmt == "json":
        return render.write_json(views.definition_data(d), sys.stdout.buffer)
    click.echo(f"Workflow {d.key}\n{d.label_vi if env.lang == 'vi' else d.label_en}\n"
               f"sha256 {d.sha256}\n")  # fmt: skip
    env.emit(d.states, "DEFINITION_STATES", fmt)
    click.echo()
    env.emit(d.events, "DEFINITION_EVENTS", fmt)
    click.echo()
    env.emit([(s, m) for s in d.states for m in s.milestones], "DEFINITION_MILESTONES", fmt)


@workflow_group.command("diagram")
def workflow_diagram() -> None:
    """Print the workflow as a Mermaid stateDiagram-v2."""
    from states import default_definition
    from workflow.diagram import mermaid

    click.echo(mermaid(default_definition()))


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to put demo.db.")
def demo(directory: str | None) -> None:
    """Build a demo DB with the Lạng Sơn portfolio, show it, and write its page."""
    from db.schema import fresh_sqlite
    from workflow.deadlines import deadlines
    from workflow.demo import DEMO_AS_OF, DEMO_NOTE, DEMO_PAGE, DEMO_PERIOD, seed
    from workflow.reports import bottlenecks, funnel, stalled
    from workflow.services import list_clusters, target_report
    from workflow.views import bottleneck_line, target_notes

    for name in (f"circular14-{DEMO_PERIOD}.xlsx", DEMO_PAGE):
        there = os.path.join(directory or "", name)
        if directory and os.path.lexists(there):  # someone's file: never overwrite it
            raise click.ClickException(f"{there} already exists; remove it or choose another --dir")
    path = fresh_sqlite(directory, "demo.db", prefix="ccn-demo-")
    env = Env(str(path), "demo", "en")
    seed(env.uow)
    clusters, on = list_clusters(env.uow(readonly=True)), DEMO_AS_OF.strftime("%d/%m/%Y")
    click.echo(f"Demo portfolio: Lạng Sơn, {len(clusters)} clusters.\n")
    env.emit(clusters, "CLUSTERS", "table")
    click.echo(f"\nFunnel on {on}:")
    env.emit(funnel(env.uow(readonly=True), as_of=DEMO_AS_OF).states, "FUNNEL", "table")
    click.echo(f"\nStalled on {on}:")
    env.emit(stalled(env.uow(readonly=True), as_of=DEMO_AS_OF), "STALLED", "table")
    click.echo(f"\nSteps on {on}:")
    steps = bottlenecks(env.uow(readonly=True), as_of=DEMO_AS_OF)
    env.emit(steps.states, "STEPS", "table")
    click.echo(f"{bottleneck_line(steps, 'en')}\n\nLegal deadlines on {on}:")
    env.emit(deadlines(env.uow(readonly=True), as_of=DEMO_AS_OF), "DEADLINES", "table")
    click.echo(f"\nTargets on {on}:")
    goals = target_report(env.uow(readonly=True), as_of=DEMO_AS_OF)
    env.emit(goals, "TARGETS", "table")
    click.echo("\n".join(target_notes(goals)))
    import io

    from workflow.circular14 import circular14
    from workflow.xlsx import form as write_form

    report = circular14(env.uow(readonly=True), period=DEMO_PERIOD)
    click.echo(f"\nCircular 14, Form 04, {DEMO_PERIOD} (Form 02 figures invented for the demo):")
    env.emit([r for r in report.rows if r.no in ("15", "15.1", "19", "20", "22")], "FORM",
             "table")  # fmt: skip
    workbook = path.parent / f"circular14-{DEMO_PERIOD}.xlsx"
    data = io.BytesIO()
    write_form(report, data, DEMO_NOTE)
    _write_whole(str(workbook), data.getvalue())
    page = write_page(env, str(path.parent / DEMO_PAGE), DEMO_AS_OF, "vi")
    pad = " " * len("Explore it, e.g.: ")
    click.echo(f"\nDemo database: {path}\n"
               f"Circular 14 report: {workbook}\n"
               f"Demo page (open it in a browser): {page}\n"
               f"Explore it, e.g.: ccn --db {path} history HT1\n"
               f"{pad}ccn --db {path} report stalled --as-of 30/06/2025\n"
               f"{pad}ccn --db {path} report deadlines --as-of 31/12/2025\n"
               f"{pad}ccn --db {path} report forecast --as-of 31/12/2025")  # fmt: skip


def main() -> None:
    global _launched
    _launched = _IMPORTED_AT
    cli()


if __name__ == "__main__":
    main()
