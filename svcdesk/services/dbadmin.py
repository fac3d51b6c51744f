"""The database itself: initialise, back up, restore, check, describe."""

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
        policies.remark_guessed_years(conn)  # years the working calendar guesses: a note
    if orphans:
        problems.append(f"timeline: {orphans} ticket(s) have no 'opened' event")
    return {
        "database": db.label,
        "schema_version": int(db.meta["schema_version"]),
        "ok": not problems,
        "problems": problems,
    }


def restore(url: str | None, source: str) -> dict[str, Any]:
    """Put a backup in place of the database at `url` (--db), as a new replica identity.

    The backup is copied consistently next to the database, opened there (migrated if older)
    and re-keyed in one transaction: it takes a new replica id and code, its ref counters start
    again, and its old identity becomes just another replica whose operations it holds a prefix
    of, so the next sync brings back what the lost database had synced since the backup and
    nothing is written twice under one identity. Only then does it take the database's place;
    the database it replaces, if any, is kept beside it. The backup itself is not changed.
    """
    from svcdesk.services import rekey
    from svcdesk.services.session import open_database
    from svcdesk.store.db import is_postgres, replace_sqlite, resolve_url, sqlite_path

    where = resolve_url(url)
    if is_postgres(where):
        raise StoreError(
            "db restore writes SQLite files; restore a PostgreSQL hub with pg_restore (its next "
            "sync re-keys it if it had gone on without what the dump lacks)"
        )
    target = sqlite_path(where)
    if target.is_dir():
        raise StoreError(f"{target} is a directory; --db wants a database file")
    src = Path(source).expanduser()
    if not src.is_file():
        raise StoreError(f"no backup at {src}: name the file 'db backup' wrote")
    if target.exists() and src.resolve() == target.resolve():
        raise RuleViolation(f"{src} is the database itself; restore it to another --db")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.restoring")
    _remove_sqlite(tmp)  # what an interrupted restore left
    try:
        with translate_errors(str(src)):
            backup_sqlite(src, tmp)  # consistent even while something writes to the backup
        try:
            db = open_database(str(tmp))
        except StoreError as exc:
            raise StoreError(exc.message.replace(str(tmp), str(src))) from None
        try:
            if db.rekeyed_from is not None:  # opened elsewhere than it was, it re-keyed
                old_code = db.rekeyed_from[1]
            else:  # a backup made before svcdesk recorded where files live
                old_code = rekey.rekey_now(db, why=f"restored from {src}")["old_code"]
            new_code = db.replica_code
            migrated = db.meta.get("migrated_backup")
            home = {**meta_store.home_of(tmp), "path": str(target)}  # the rename keeps it
            with db.write() as tx:
                meta_store.put(tx.conn, {meta_store.HOME: meta_store.encode_home(home)})
        finally:
            db.close()
        if migrated:
            Path(migrated).unlink(missing_ok=True)  # a copy of the backup, which is kept anyway
        kept = _kept_name(target) if target.exists() else None
        replace_sqlite(tmp, target, keep_as=kept)
    finally:
        _remove_sqlite(tmp)
    return {"database": str(target), "restored_from": str(src), "replica_code": new_code,
            "previous_code": old_code, "kept": str(kept) if kept else None}  # fmt: skip


def _kept_name(target: Path) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        kept = target.with_name(f"{target.stem}.before-restore-{stamp}{suffix}{target.suffix}")
        if not kept.exists():
            return kept
    raise RuleViolation(f"too many earlier restores kept beside {target}; move some away")


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".partial"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
