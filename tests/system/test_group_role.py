"""PostgreSQL for a team: `ccn init` makes the group role, `ccn db grant` adds a login."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from db.grants import group_role

from ..cli.test_identity import owner_sql, run
from ..conftest import _pg_database


@pytest.fixture
def fresh_pg(request: pytest.FixtureRequest, pg_server: object):
    with _pg_database(request) as url:  # empty: `ccn init` does everything
        yield url


def test_a_login_joins_the_team_with_db_grant(fresh_pg: str) -> None:
    database = make_url(fresh_pg).database or ""
    role = group_role(database)
    r = run(fresh_pg, "init")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[1] == (
        f"Group role {role} holds what ccn needs; add a login with `ccn db grant LOGIN`."
    )
    owner_sql(fresh_pg, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                        "'team1') THEN CREATE ROLE team1 LOGIN PASSWORD 'pw-team1'; END IF; "
                        "END $$")  # fmt: skip
    team1 = make_url(fresh_pg).set(username="team1", password="pw-team1")
    as_team1 = team1.render_as_string(hide_password=False)
    r = run(as_team1, "cluster", "list")
    assert (r.exit_code, r.stderr) == (
        1, f"Error: login team1 may not use database {team1.render_as_string()}: an owner "
        "can run `ccn db grant team1`\n")  # fmt: skip
    r = run(fresh_pg, "db", "grant", "team1")
    assert (r.exit_code, r.stdout) == (
        0, f"Granted {role} to team1: it may now use {database} with ccn.\n")  # fmt: skip
    assert run(as_team1, "cluster", "add", "T1", "--name", "Cụm T1").exit_code == 0
    assert run(as_team1, "cluster", "list").stdout.splitlines()[2].startswith("T1 ")
    # Running init again refreshes the role and changes nothing else.
    assert run(fresh_pg, "init").exit_code == 0
    assert run(as_team1, "audit", "verify").exit_code == 0
