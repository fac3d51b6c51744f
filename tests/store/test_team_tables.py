"""m014_team: a version 13 database gains the team tables in its own step and keeps its rows;
the team tables are this replica's own (no operation is logged for them)."""

from __future__ import annotations

import sqlite3

from svcdesk.services import sites
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database
from svcdesk.store import admin
from svcdesk.store import sites as site_store
from svcdesk.store import team as store
from svcdesk.store.schema import REPLICATED, TeamRow


def test_a_version_13_database_gains_the_team_tables(tmp_path):
    path = tmp_path / "v13.db"
    db = open_database(str(path), create=True)
    init(db)
    sites.add_site(db, code="BJ-HD", name="Haidian")
    db.close()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE team_member")
        conn.execute("DROP TABLE team")
        conn.execute("UPDATE svcdesk_meta SET value = '13' WHERE key = 'schema_version'")
    db = open_database(str(path))
    try:
        with db.read() as conn:
            assert [s.code for s in site_store.all_sites(conn)] == ["BJ-HD"]
            assert store.team(conn) is None and store.members(conn, revoked=True) == []
            assert admin.dump(conn, "team_member") == []
    finally:
        db.close()


def test_the_team_tables_are_local(tmp_path):
    assert "team" not in REPLICATED and "team_member" not in REPLICATED
    db = open_database(str(tmp_path / "t.db"), create=True)
    init(db)
    try:
        with db.write() as tx:
            store.insert_team(tx, TeamRow(id="t", name="华北", team_key="00" * 32, created_at=1))
        with db.read() as conn:
            assert store.team(conn) == TeamRow(id="t", name="华北", team_key="00" * 32,
                                               created_at=1)  # fmt: skip
    finally:
        db.close()
