"""The database itself: initialise, back up, check, describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from svcdesk import clock
from svcdesk.errors import RuleViolation, StoreError
from svcdesk.services import policies
from svcdesk.store import admin
from svcdesk.store import meta as meta_store
from svcdesk.store.db import Database, backup_sqlite, translate_errors
from svcdesk.store.migrations import SCHEMA_VERSION


def counts(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return admin.counts(conn)


def info(db: Database) -> dict[str, Any]:
    return {
        "database": db.label,
        "backend": db.dialect,
        "schema_version": int(db.meta["schema_version"]),
        "replica_id": db.replica_id,
        "replica_code": db.replica_code,
        **counts(db),
    }


def init(db: Database, *, demo: bool = False) -> dict[str, Any]:
    """Create the schema (opening did) and, on request, the demo data on an empty database."""
    with db.write() as tx:
        policies.ensure_default(tx.conn)
    before = counts(db)
    if demo:
        if before["ticket"] or before["site"]:
            if db.meta.get("demo") == "1":
                result = info(db)
                result["message"] = f"{db.label} already holds the demo data; nothing changed"
                return result
            raise RuleViolation(f"{db.label} already holds data; --demo fills empty databases only")
        from svcdesk.services.demo import load_demo

        with db.write() as tx:
            load_demo(db)
            meta_store.put(tx.conn, {"demo": "1"})
        db.meta["demo"] = "1"
    result = info(db)
    what = "with demo data" if demo else f"schema v{SCHEMA_VERSION}"
    result["message"] = (
        f"initialised {db.label} ({what}; {result['site']} sites, {result['ticket']} tickets)"
    )
    return result


def backup(db: Database, target: str) -> dict[str, Any]:
    """A consistent copy of the live database, safe while others write (SQLite online backup)."""
    if db.path is None:
        raise StoreError("db backup copies SQLite files; back up a PostgreSQL hub with pg_dump")
    dest = Path(target).expanduser()
    if dest.exists() and dest.is_dir():
        stamp = clock.now().strftime("%Y%m%dT%H%M%S")
        dest = dest / f"svcdesk-{stamp}.db"
    if dest.resolve() == db.path.resolve():
        raise RuleViolation("the backup must go to another file than the database itself")
    with translate_errors(db):
        backup_sqlite(db.path, dest)
    return {"database": db.label, "backup": str(dest), "bytes": dest.stat().st_size}


def check(db: Database) -> dict[str, Any]:
    """Integrity check, foreign keys and schema version; `problems` is empty when all is well."""
    with db.read() as conn:
        problems = admin.integrity_problems(conn)
        orphans = admin.tickets_without_opened_event(conn)
    if orphans:
        problems.append(f"timeline: {orphans} ticket(s) have no 'opened' event")
    return {
        "database": db.label,
        "schema_version": int(db.meta["schema_version"]),
        "ok": not problems,
        "problems": problems,
    }
