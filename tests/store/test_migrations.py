"""The schema declared once, and databases made by svcdesk 0.1.0 opened by this one.

tests/fixtures holds what the 0.1.0 release really made: its demo database (plus a ticket and
an asset removal), a bundle exported from it, and a `pg_dump` of a hub that imported the bundle.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from svcdesk.services import dbadmin, sla, sync, tickets
from svcdesk.services.session import open_database
from svcdesk.store import admin, codegen, ddl, registry
from svcdesk.store.schema import COLUMNS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SYNCED = ("site", "asset", "ticket", "ticket_event", "policy", "changelog")


def old_database(tmp_path: Path) -> Path:
    target = tmp_path / "v010.db"
    with gzip.open(FIXTURES / "svcdesk-0.1.0-demo.db.gz") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def sqlite_schema(path: Path) -> dict[str, object]:
    """Tables (columns: type, not null, primary key), indexes (columns, unique, partial)."""
    out: dict[str, object] = {}
    with sqlite3.connect(path) as conn:
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            cols = [(c[1], c[2].upper(), bool(c[3]) or bool(c[5]), c[5])
                    for c in conn.execute(f"PRAGMA table_info({table})")]  # fmt: skip
            indexes = set()
            for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
                names = tuple(r[2] for r in conn.execute(f"PRAGMA index_info('{name}')"))
                indexes.add((names, bool(unique), bool(partial), origin == "pk"))
            out[table] = (cols, indexes)
    return out


def test_a_0_1_0_database_upgrades_to_exactly_the_schema_init_makes(tmp_path):
    """Version 1 is 0.1.0's schema; the numbered migrations take a file that release made to
    the tables, columns (in order) and indexes the declaration compiles to today."""
    old = old_database(tmp_path)
    v1 = sqlite_schema(old)
    open_database(str(old)).close()  # migrates in place
    open_database(str(tmp_path / "new.db"), create=True).close()
    assert sqlite_schema(tmp_path / "new.db") == sqlite_schema(old)
    assert sqlite_schema(old) != v1  # (the check would see a difference)


def test_the_declaration_compiles_for_both_databases():
    for dialect in ("sqlite", "postgresql"):
        statements = ddl.create_all_statements(dialect)
        assert sum(s.startswith("CREATE TABLE") for s in statements) == len(COLUMNS)
        partial = [s for s in statements if "ix_ticket_open" in s]
        assert partial and "WHERE status <> 'closed'" in partial[0]


def test_the_generated_registry_is_what_the_declaration_gives():
    """schema.py is generated from models.py; edit the models and run the generator."""
    text = (Path(codegen.__file__).with_name("schema.py")).read_text(encoding="utf-8")
    assert codegen.generate() == text, "run: python -m svcdesk.store.codegen"


def test_the_registry_refuses_names_that_are_not_declared():
    assert registry.columns("site", ["code", "name"]) == ["code", "name"]
    for table, cols in (("site", ["name = (SELECT value FROM svcdesk_meta)"]),
                        ("svcdesk_meta; DROP TABLE ticket", ["key"]), ("ticket", ["ref "])):
        with pytest.raises(Exception, match="unknown (column|table)"):
            registry.columns(table, cols)
    with pytest.raises(Exception, match="derived"):
        registry.synced_values("ticket", {"clocks": "[]"})
    with pytest.raises(Exception, match="does not sync"):
        registry.synced_values("svcdesk_meta", {"key": "replica_id"})


def test_a_database_made_by_0_1_0_opens_and_works(cli, tmp_path):
    path = old_database(tmp_path)
    db = str(path)
    before = sqlite3.connect(path).execute("SELECT count(*) FROM changelog").fetchone()[0]
    listed = cli("--db", db, "ticket", "list", "--status", "all", "-f", "json")
    assert listed.exit_code == 0, listed.stderr
    assert len(listed.json()) == 201
    opened = cli("--db", db, "ticket", "open", "--site", "BJ-HD", "--title", "after upgrade",
                 "--at", "2026-10-14T09:30", "-f", "json")  # fmt: skip
    assert opened.exit_code == 0, opened.stderr
    assert [c["name"] for c in opened.json()["clocks"]] == ["respond", "resolve"]
    assert cli("--db", db, "db", "check").exit_code == 0
    recomputed = cli("--db", db, "sla", "recompute", "-f", "json").json()
    assert recomputed == {"tickets": 202, "changed": 0}
    with sqlite3.connect(path) as conn:
        after = conn.execute("SELECT count(*) FROM changelog").fetchone()[0]
        views = conn.execute("SELECT view FROM ticket WHERE view IS NOT NULL").fetchall()
    zones = {v.split("\n")[0] for (v,) in views}
    assert after == before + 2  # the new ticket and its event: the upgrade logged nothing
    assert zones == {"Asia/Shanghai"}


def test_a_bundle_made_by_0_1_0_rebuilds_the_same_database(tmp_path):
    """Its operations, imported anywhere, give what the upgraded 0.1.0 file holds."""
    upgraded = open_database(str(old_database(tmp_path)))
    fresh = open_database(str(tmp_path / "fresh.db"), create=True)
    try:
        dbadmin.init(fresh)
        sync.import_(fresh, str(FIXTURES / "svcdesk-0.1.0-demo.svcbundle"))
        for db in (upgraded, fresh):
            assert sla.recompute(db)["changed"] == 0
        with upgraded.read() as a, fresh.read() as b:
            for table in SYNCED:
                assert admin.dump(a, table) == admin.dump(b, table), table
    finally:
        upgraded.close()
        fresh.close()


@pytest.mark.pg
def test_a_hub_made_by_0_1_0_opens_and_holds_what_the_laptop_holds(pg_url, tmp_path):
    dump = gzip.decompress((FIXTURES / "svcdesk-0.1.0-hub.sql.gz").read_bytes())
    psql = shutil.which("psql")
    assert psql, "psql (PostgreSQL's client) restores the 0.1.0 hub"
    subprocess.run([psql, "-q", "-v", "ON_ERROR_STOP=1", "-d", pg_url], input=dump,
                   check=True, capture_output=True)  # fmt: skip
    hub = open_database(pg_url)
    laptop = open_database(str(old_database(tmp_path)))
    try:
        ref = tickets.list_tickets(hub, status="all")
        assert sum(1 for _ in ref) == 201
        assert sla.recompute(hub)["changed"] == 0
        with hub.read() as a, laptop.read() as b:
            for table in SYNCED:
                assert sorted(admin.dump(a, table)) == sorted(admin.dump(b, table)), table
    finally:
        hub.close()
        laptop.close()
