"""Opening, refusing, migrating and writing the database safely."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import child_env

from svcdesk.store import migrations
from svcdesk.store.db import open_db
from svcdesk.store.models import SQLModel


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_init_creates_a_wal_database_and_is_idempotent(cli, env_setup):
    r = cli("init")
    assert r.exit_code == 0 and "initialised" in r.stderr
    first = cli("db", "info", "-f", "json").json()
    assert cli("init").exit_code == 0
    again = cli("db", "info", "-f", "json").json()
    assert first["replica_id"] == again["replica_id"]
    with sqlite3.connect(env_setup) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_commands_other_than_init_do_not_create_a_database(cli, env_setup):
    r = cli("ticket", "list")
    assert r.exit_code == 1
    assert r.stderr == (
        f"svcdesk: error: no svcdesk database at {env_setup}; create one with 'svcdesk init'\n"
    )
    assert not env_setup.exists()


def test_a_file_that_is_not_a_database_is_left_untouched(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n" * 100)
    before = digest(notes)
    for args in (("ticket", "list"), ("init",), ("db", "info")):
        r = cli("--db", str(notes), *args)
        assert r.exit_code == 1
        assert "is not a svcdesk database" in r.stderr and r.stderr.count("\n") == 1
    assert digest(notes) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_another_programs_sqlite_file_is_left_untouched(cli, tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    before = digest(other)
    for args in (("ticket", "list"), ("init",)):
        r = cli("--db", str(other), *args)
        assert r.exit_code == 1 and "left untouched" in r.stderr
    assert digest(other) == before
    with sqlite3.connect(other) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_database_from_a_newer_svcdesk_is_refused(cli, env_setup):
    cli("init")
    with sqlite3.connect(env_setup) as conn:
        conn.execute("UPDATE svcdesk_meta SET value = '99' WHERE key = 'schema_version'")
    r = cli("ticket", "list")
    assert r.exit_code == 1
    assert "written by a newer svcdesk (schema v99" in r.stderr


def test_an_old_database_is_backed_up_then_upgraded_in_place(cli, env_setup, monkeypatch):
    cli("init")
    cli("site", "add", "BJ-HD", "--name", "Haidian")
    assert cli("ticket", "open", "--site", "BJ-HD", "--title", "kept").exit_code == 0

    version = migrations.SCHEMA_VERSION

    def m_next_add_priority(conn):
        conn.execute("ALTER TABLE ticket ADD COLUMN priority INTEGER")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m_next_add_priority])
    monkeypatch.setattr("svcdesk.store.db.MIGRATIONS", migrations.MIGRATIONS)
    monkeypatch.setattr("svcdesk.store.db.SCHEMA_VERSION", version + 1)
    r = cli("ticket", "list", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert [t["title"] for t in r.json()] == ["kept"]
    backups = list(env_setup.parent.glob(f"svcdesk.db.v{version}-*.bak"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as old, sqlite3.connect(env_setup) as new:
        assert (
            old.execute("SELECT value FROM svcdesk_meta WHERE key='schema_version'").fetchone()[0]
            == str(version)
        )
        assert (
            new.execute("SELECT value FROM svcdesk_meta WHERE key='schema_version'").fetchone()[0]
            == str(version + 1)
        )
        assert "priority" in [c[1] for c in new.execute("PRAGMA table_info(ticket)")]
        assert old.execute("SELECT title FROM ticket").fetchall() == [("kept",)]


def test_the_migrations_build_the_schema_the_models_describe(tmp_path):
    """The SQLModel classes and the numbered migrations describe the same tables."""
    open_db(str(tmp_path / "m.db"), create=True).close()
    with sqlite3.connect(tmp_path / "m.db") as conn:
        tables = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        assert tables == set(SQLModel.metadata.tables)
        for table in SQLModel.metadata.sorted_tables:
            cols = {
                row[1]: bool(row[3]) for row in conn.execute(f"PRAGMA table_info({table.name})")
            }
            model = {c.name: not c.nullable for c in table.columns}
            assert set(cols) == set(model), table.name
            for name, not_null in model.items():
                assert cols[name] == not_null or table.columns[name].primary_key, (table, name)


def test_a_read_only_database_gets_one_clear_line(cli, env_setup, site):
    os.chmod(env_setup, 0o444)
    os.chmod(env_setup.parent, 0o555)
    try:
        if os.access(env_setup, os.W_OK):
            pytest.skip("running as a user that can write read-only files (root)")
        r = cli("ticket", "open", "--site", site, "--title", "t")
        assert r.exit_code == 1 and "read-only" in r.stderr
    finally:
        os.chmod(env_setup.parent, 0o755)
        os.chmod(env_setup, 0o644)


def test_readonly_database_via_sqlite_flag(cli, env_setup, site, monkeypatch):
    """Root can write any file, so make SQLite itself refuse writes (query_only)."""
    import svcdesk.store.db as store

    original = store._sqlite_connect

    def readonly_connect(path, **options):
        conn = original(path, **options)
        conn.raw.execute("PRAGMA query_only = ON")
        return conn

    monkeypatch.setattr(store, "_sqlite_connect", readonly_connect)
    before = digest(env_setup)
    r = cli("ticket", "open", "--site", site, "--title", "t")
    assert r.exit_code == 1
    assert r.stderr.startswith("svcdesk: error: database ") and "read-only" in r.stderr
    assert r.stderr.count("\n") == 1
    assert digest(env_setup) == before


def test_a_database_locked_too_long_gets_one_clear_line(cli, env_setup, site, monkeypatch):
    monkeypatch.setenv("SVCDESK_BUSY_TIMEOUT", "0.3")
    holder = sqlite3.connect(env_setup, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = cli("ticket", "open", "--site", site, "--title", "t")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 1
    assert "is locked by another writer (waited 0.3s)" in r.stderr
    assert r.stderr.count("\n") == 1
    assert cli("ticket", "list", "-f", "json").json() == []


WRITER = """
import sys
from svcdesk.cli import main
for i in range(int(sys.argv[2])):
    try:
        main(["ticket", "open", "--site", "BJ-HD", "--title", f"{sys.argv[1]} {i}"])
    except SystemExit as e:
        if e.code:
            raise
"""


def test_two_processes_writing_at_once_both_succeed(cli, env_setup, site, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = child_env(SVCDESK_BUSY_TIMEOUT="30")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), name, "25"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name in ("engineer", "cron")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    r = cli("ticket", "list", "-f", "json")
    assert r.exit_code == 0, r.stderr
    tickets = r.json()
    assert len(tickets) == 50
    assert len({t["ref"] for t in tickets}) == 50
    assert cli("db", "check").exit_code == 0


def test_every_write_is_in_the_change_log_with_increasing_stamps(cli, env_setup, ticket):
    cli("ticket", "assign", ticket["ref"], "Li Wei")
    with sqlite3.connect(env_setup) as conn:
        ops = conn.execute(
            "SELECT stamp, tbl, op, replica FROM changelog ORDER BY rowid"
        ).fetchall()
        replica = conn.execute("SELECT value FROM svcdesk_meta WHERE key='replica_id'").fetchone()[
            0
        ]
    assert [(t, o) for _, t, o, _ in ops] == [
        ("site", "insert"),
        ("ticket", "insert"),
        ("ticket_event", "append"),
        ("ticket_event", "append"),
        ("ticket", "update"),
    ]
    stamps = [s for s, *_ in ops]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert {r for *_, r in ops} == {replica}


def test_a_failing_command_writes_nothing(cli, env_setup, ticket):
    with sqlite3.connect(env_setup) as conn:
        before = conn.execute("SELECT count(*) FROM changelog").fetchone()[0]
    r = cli("ticket", "close", ticket["ref"])
    assert r.exit_code == 1
    with sqlite3.connect(env_setup) as conn:
        assert conn.execute("SELECT count(*) FROM changelog").fetchone()[0] == before
        assert conn.execute("SELECT count(*) FROM ticket_event").fetchone()[0] == 1


def test_backup_check_and_info(cli, env_setup, ticket, tmp_path):
    target = tmp_path / "backups" / "copy.db"
    r = cli("db", "backup", str(target))
    assert r.exit_code == 0 and "backed up" in r.stderr
    r = cli("--db", str(target), "ticket", "list", "-f", "json")
    assert [t["ref"] for t in r.json()] == [ticket["ref"]]
    assert cli("db", "check").exit_code == 0
    info = cli("db", "info", "-f", "json").json()
    assert (info["ticket"], info["open_tickets"], info["site"]) == (1, 1, 1)
    assert info["schema_version"] == migrations.SCHEMA_VERSION
    assert info["database"] == str(env_setup)
    with sqlite3.connect(env_setup) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM ticket_event")
    r = cli("db", "check")
    assert r.exit_code == 1 and "no 'opened' event" in r.stdout


def test_each_update_names_the_change_it_was_made_on_top_of(cli, env_setup, ticket):
    """What a later sync needs to tell concurrent edits of a field from successive ones: per
    field written, the write it was made on top of."""
    cli("ticket", "assign", ticket["ref"], "Li Wei")
    cli("ticket", "assign", ticket["ref"], "Zhang Min")
    with sqlite3.connect(env_setup) as conn:
        ops = conn.execute(
            "SELECT stamp, op, parent FROM changelog WHERE tbl = 'ticket' ORDER BY stamp"
        ).fetchall()
    (insert, _, no_parent), (first, _, p1), (_, _, p2) = ops
    assert no_parent is None
    # opened unassigned, so the first assignment overwrote nothing; the second, the first
    assert (json.loads(p1), json.loads(p2)) == ({"assignee": []}, {"assignee": [first]})
    assert insert


def test_driver_errors_become_one_line_without_secrets():
    """A refused password or an unreachable hub reads as a sentence, not a driver dump."""
    from svcdesk.store.db import _explain, redact

    label = redact("postgresql://svc:s3cret@hub.example/svcdesk")
    refused = Exception('connection failed: FATAL:  password authentication failed for user "svc"')
    assert _explain(refused, label) == (
        "database postgresql://svc:***@hub.example/svcdesk: the password was refused"
    )
    gone = Exception("connection failed: Connection refused\nIs the server running?")
    text = _explain(gone, label)
    assert text.startswith("cannot reach database postgresql://svc:***@") and "\n" not in text


def test_a_counter_that_went_back_skips_taken_refs_in_a_bulk_import(cli, env_setup, site, tmp_path):
    """Refs already taken are skipped, one at a time or many in one transaction alike."""
    for serial in ("S1", "S2", "S3"):
        cli("asset", "add", "--site", site, "--kind", "server", "--serial", serial)
    with sqlite3.connect(env_setup) as conn:
        conn.execute("UPDATE svcdesk_meta SET value = '1' WHERE key = 'seq.asset'")
    rows = "".join(f"{site},server,N{n}\n" for n in range(5))
    (tmp_path / "more.csv").write_text("site,kind,serial\n" + rows, encoding="utf-8")
    r = cli("asset", "import", str(tmp_path / "more.csv"))
    assert r.exit_code == 0, r.stderr
    refs = [a["ref"] for a in cli("asset", "list", "-f", "json").json()]
    assert len(refs) == len(set(refs)) == 8
    numbers = sorted(int(ref.rsplit("A", 1)[1]) for ref in refs)
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 8]
