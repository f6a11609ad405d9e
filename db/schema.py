"""Schema version checks and upgrades. Alembic is imported only to upgrade."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from workflow.errors import StorageError

from .engine import cache_of, describe
from .errors import translate

# The newest migration this code knows; tests check it against Alembic's head.
HEAD = "0009"
KNOWN = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009")
MIGRATIONS = Path(__file__).parent / "migrations"


def current_revision(engine: Engine) -> str | None:
    with translate(engine.url), engine.connect() as conn:
        try:
            with conn.begin_nested() if engine.dialect.name == "postgresql" else _null():
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError as exc:
            if "permission denied" in str(exc.orig):
                login = engine.url.username or "this login"
                raise StorageError(
                    f"login {login} may not use database {describe(str(engine.url))}: an owner "
                    f"can run `ccn db grant {login}`"
                ) from None
            if "alembic_version" in str(exc.orig):
                return None
            raise


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def check(engine: Engine) -> None:
    """Refuse to work on a DB that is uninitialised, older or newer than this code."""
    cache = cache_of(engine)
    if cache.schema_checked:
        return
    rev = current_revision(engine)
    where = describe(str(engine.url))
    if rev is None:
        raise StorageError(f"database {where} is not initialised; run `ccn init`")
    if rev not in KNOWN:
        raise StorageError(
            f"database {where} has schema {rev}, newer than this ccn knows ({HEAD}); upgrade ccn"
        )
    if rev != HEAD:
        raise StorageError(f"database {where} has schema {rev}; run `ccn init` to upgrade it")
    cache.schema_checked = True


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Create or upgrade the schema. Returns (before, after) revisions."""
    before = current_revision(engine)
    if before is not None and before not in KNOWN:
        raise StorageError(
            f"database {describe(str(engine.url))} has schema {before}, newer than this ccn "
            f"knows ({HEAD}); upgrade ccn"
        )
    from alembic import command

    with translate(engine.url):
        command.upgrade(alembic_config(engine), revision)
    cache_of(engine).schema_checked = False
    return before, current_revision(engine)


def init_database(url: str, source: str) -> str:
    """Create or upgrade the schema at `url`; say what happened."""
    from .engine import open_engine

    engine = open_engine(url, create_dir=True)
    try:
        before, after = upgrade(engine)
        group = _group_role(engine)
    finally:
        engine.dispose()
    where = f"{describe(url)} (from {source})"
    if before == after:
        said = f"Database {where} is up to date (schema {after})."
    elif before is None:
        said = f"Initialised database {where} (schema {after})."
    else:
        said = f"Upgraded database {where} from schema {before} to {after}."
    return said + group


def _group_role(engine: Engine) -> str:
    """On PostgreSQL, the group role a team's logins join; what to tell about it."""
    if engine.dialect.name != "postgresql":
        return ""
    from .grants import create_group

    try:
        with engine.begin() as conn:
            role = create_group(conn, engine.url.database or "postgres")
    except DBAPIError as exc:  # no CREATEROLE: say so, the schema itself is fine
        reason = str(exc.orig).splitlines()[0]
        return f"\nNo group role created ({reason}); grant logins as `ccn user grants` shows."
    return f"\nGroup role {role} holds what ccn needs; add a login with `ccn db grant LOGIN`."


def fresh_sqlite(directory: str | None, name: str, prefix: str) -> Path:
    """A new, initialised SQLite file `name` in `directory` (a new temporary one if None);
    refused when `name` is already there."""
    import tempfile

    from .engine import open_engine, to_url

    folder = Path(directory) if directory else Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        # It may be someone's real database: never overwrite it.
        raise StorageError(f"{path} already exists; remove it or choose another --dir")
    for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    engine = open_engine(to_url(str(path)), create_dir=True)
    upgrade(engine)
    engine.dispose()
    return path
