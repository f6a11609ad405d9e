"""Who may store workflow definitions and targets files, held by the database.

Every login is granted INSERT on `workflows` and `targets` (db/grants.py), because
registering a cluster stores the definition it is pinned to. Through ccn only a
supervisor or an admin may `workflow install` or `targets install`; on PostgreSQL
these triggers hold a hand-written INSERT to the same, once any user exists:
- `workflows`: the login must map to an enabled supervisor or admin. The one other
  row let in is the packaged definition, byte for byte, stored by a staff or
  supervisor login registering the first cluster under it (as `ccn cluster add` and
  `cluster import` do): it is the text ccn would pin anyway, and its roles are the
  ones ccn already applies, so it gives no one a way in.
- `targets`: the login must map to an enabled supervisor or admin, and `installed_by`
  must be that user's name (as 0006 holds an entry's actor).
Superusers are let through, as in 0006. SQLite is one OS login's file: unchanged.

The packaged text is frozen here by its SHA-256 (a migration must not change with
later code); a ccn release whose packaged definition changes needs a migration that
replaces ccn_packaged_workflow() (tests/cli/test_identity.py checks it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SUPERUSER = "coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)"
INSTALLERS = "('supervisor', 'admin')"  # states/definition.py RECORD_EVENT_ROLES["install"]
REGISTRARS = "('staff', 'supervisor')"  # the packaged definition's register and import roles
# (name, version, sha256) of the definition ccn packages at this revision.
PACKAGED = (
    (
        "cluster_establishment",
        "nd32-2024",
        "3d4549fe023bca8857a518e79874bdbf51a9403abe694dcf930030f66e054f2c",
    ),
)

PACKAGED_WORKFLOW = """
CREATE OR REPLACE FUNCTION ccn_packaged_workflow(name text, version text, sha text)
RETURNS boolean LANGUAGE sql IMMUTABLE SET search_path = pg_catalog AS $$
    SELECT (name, version, sha) IN ({rows})
$$
"""

GUARD_WORKFLOWS = f"""
CREATE FUNCTION ccn_guard_workflows() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
BEGIN
    IF {SUPERUSER} OR NOT EXISTS (SELECT 1 FROM users) THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM users WHERE login = session_user AND enabled
               AND role IN {INSTALLERS}) THEN
        RETURN NEW;
    END IF;
    IF ccn_packaged_workflow(NEW.name, NEW.version, NEW.sha256)
            AND NEW.sha256 = encode(sha256(convert_to(NEW.text, 'UTF8')), 'hex')
            AND EXISTS (SELECT 1 FROM users WHERE login = session_user AND enabled
                        AND role IN {REGISTRARS}) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'login % may not store workflow %@%: only the login of an enabled '
        'supervisor or admin may install a definition', session_user, NEW.name, NEW.version
        USING ERRCODE = 'insufficient_privilege';
END $$
"""

GUARD_TARGETS = f"""
CREATE FUNCTION ccn_guard_targets() RETURNS trigger LANGUAGE plpgsql
SET search_path = {{path}} AS $$
BEGIN
    IF {SUPERUSER} OR NOT EXISTS (SELECT 1 FROM users) THEN
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE login = session_user AND name = NEW.installed_by
                   AND enabled) THEN
        RAISE EXCEPTION 'login % may not install targets as %', session_user, NEW.installed_by
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM users WHERE login = session_user AND name = NEW.installed_by
                   AND enabled AND role IN {INSTALLERS}) THEN
        RAISE EXCEPTION 'login % may not install targets: only the login of an enabled '
            'supervisor or admin may', session_user USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$
"""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    path = 'pg_catalog, "{}", pg_temp'.format(str(schema).replace('"', '""'))
    rows = ", ".join("(" + ", ".join(map(_literal, row)) + ")" for row in PACKAGED)
    op.execute(PACKAGED_WORKFLOW.format(rows=rows))
    op.execute(GUARD_WORKFLOWS.format(path=path))
    op.execute(GUARD_TARGETS.format(path=path))
    for table in ("workflows", "targets"):
        op.execute(
            f"CREATE TRIGGER {table}_guard BEFORE INSERT ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION ccn_guard_{table}()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("workflows", "targets"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS ccn_guard_{table}()")
    op.execute("DROP FUNCTION IF EXISTS ccn_packaged_workflow(text, text, text)")
