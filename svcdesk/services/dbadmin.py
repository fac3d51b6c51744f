"""The database itself: initialise, back up, restore, check, describe."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from svcdesk import clock
from svcdesk.errors import InvalidValue, RuleViolation, StoreError
from svcdesk.services import policies
from svcdesk.store import admin, atomic
from svcdesk.store import db as store_db
from svcdesk.store import meta as meta_store
from svcdesk.store.db import Database, translate_errors
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
    """Create the schema (opening did) and, on request, the demo data on an empty database.
    A refused --demo writes nothing: it is checked first."""
    before = counts(db)
    if demo and (before["ticket"] or before["site"]):
        if db.meta.get("demo") == "1":
            result = info(db)
            result["message"] = f"{db.label} already holds the demo data; nothing changed"
            return result
        raise RuleViolation(f"{db.label} already holds data; --demo fills empty databases only")
    with db.write() as tx:
        policies.ensure_default(tx.conn)
    if demo:
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


def init_new(url: str | None, *, demo: bool = False) -> dict[str, Any] | None:
    """`init` of a SQLite file that does not exist yet: the database is built whole (schema,
    policy, demo data) under a temporary name beside it and renamed into place, so a full disk
    or Ctrl-C leaves no half-built database, -wal or -shm behind. None when there is a database
    to open (or a PostgreSQL hub): `init` it as it is."""
    from svcdesk.services.session import open_database
    from svcdesk.store.db import is_postgres, resolve_url, sqlite_path

    where = resolve_url(url)
    if is_postgres(where) or "\x00" in where:
        return None  # opening says what is wrong with it
    target = sqlite_path(where)
    if os.path.lexists(target):
        return None
    built: list[Path] = []
    try:
        with atomic.atomic_write(target) as tmp:
            built.append(tmp)
            db = open_database(str(tmp), create=True)
            try:
                result = init(db, demo=demo)
                home = {**meta_store.home_of(tmp), "path": os.path.abspath(target)}
                with db.write() as tx:  # the rename keeps the file: where it will live
                    meta_store.put(tx.conn, {meta_store.HOME: meta_store.encode_home(home)})
            finally:
                db.close()
    except atomic.TargetExists:
        return None  # another `init` built it meanwhile: that one is opened
    except StoreError as exc:
        if not built:
            raise
        message = exc.message.replace(str(built[0]), str(target))
        if "disk is full" in message:
            message = f"cannot create {target}: no space left on the device; nothing was written"
        raise StoreError(message) from None
    label = str(target)
    result["database"] = label
    result["message"] = result["message"].replace(str(built[0]), label)
    return result


def check_backup(url: str | None, target: str, *, force: bool = False) -> Path:
    """Where `db backup` would write, checked before the database is even opened (opening may
    migrate it): one line for a target it must not write."""
    from svcdesk.store.db import is_postgres, resolve_url, sqlite_path

    where = resolve_url(url)
    if is_postgres(where):
        raise StoreError("db backup copies SQLite files; back up a PostgreSQL hub with pg_dump")
    return _backup_dest(sqlite_path(where), target, force=force)


def _backup_dest(database: Path, target: str, *, force: bool) -> Path:
    if not target.strip():
        raise InvalidValue("db backup needs a file (or a folder) to write the copy to")
    if "\x00" in target:
        raise InvalidValue("a backup path cannot contain a NUL character")
    dest = Path(target).expanduser()
    if dest.is_dir() or (target.endswith(("/", os.sep)) and not os.path.lexists(dest)):
        dest = _stamped(dest)  # a folder: a new file in it, never one that is there
    if _same_file(dest, database):
        raise RuleViolation("the backup must go to another file than the database itself")
    checked = atomic.check_target(dest, force=force)
    for suffix in ("-wal", "-journal"):
        if os.path.lexists(f"{checked}{suffix}"):
            raise StoreError(
                f"{dest} is a database in use or not closed cleanly ({checked.name}{suffix} is "
                "beside it); it is not replaced, even with --force: back up to another file"
            )
    return dest


def _stamped(folder: Path) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    for n in range(1, 1000):
        dest = folder / f"svcdesk-{stamp}{'' if n == 1 else f'-{n}'}.db"
        if not os.path.lexists(dest):
            return dest
    raise RuleViolation(f"too many backups of this second in {folder}; name the file")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def backup(db: Database, target: str, *, force: bool = False) -> dict[str, Any]:
    """A consistent copy of the live database, safe while others write (SQLite online backup).

    `target` is a file, or a folder to put a new time-stamped file in. An existing file is
    replaced only with `force`, and never a folder, a FIFO, a device or a live database. The
    copy is written beside the target and renamed into place once whole: a full disk or
    Ctrl-C leaves the target as it was and nothing beside it."""
    if db.path is None:
        raise StoreError("db backup copies SQLite files; back up a PostgreSQL hub with pg_dump")
    dest = _backup_dest(db.path, target, force=force)
    with atomic.atomic_write(dest, force=force) as tmp, translate_errors(db):
        store_db.copy_database(db.path, tmp)
    return {"database": db.label, "backup": str(dest), "bytes": dest.stat().st_size}


def check(db: Database) -> dict[str, Any]:
    """Integrity check, foreign keys and schema version; `problems` is empty when all is well.
    Reads only (open the database with `read_only`): a copy is not re-keyed, an older schema not
    migrated; `notes` say so, and an older file gets SQLite's checks only (svcdesk's own rules
    are checked on its current schema)."""
    orphans, twins = 0, []
    with db.read() as conn:
        problems = admin.integrity_problems(conn)
        if db.current:
            orphans = admin.tickets_without_opened_event(conn)
            twins = admin.serial_twins(conn)
            policies.remark_guessed_years(conn)  # years the working calendar guesses: a note
    if orphans:
        problems.append(f"timeline: {orphans} ticket(s) have no 'opened' event")
    for code, assets in twins:
        # one serial at one site is one device (domain/serials.py): asset merge joins them
        listed = ", ".join(f"{ref} ({serial!r})" for ref, serial in assets)
        keep = assets[0][0]
        merges = "; ".join(f"svcdesk asset merge {ref} {keep}" for ref, _ in assets[1:])
        problems.append(
            f"assets: site {code} has one serial registered {len(assets)} times: {listed} "
            f"(serials compare without case or spaces); join them: {merges}"
        )
    return {
        "database": db.label,
        "schema_version": int(db.meta["schema_version"]),
        "ok": not problems,
        "problems": problems,
        "notes": list(db.notes),
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
    if "\x00" in str(target) or "\x00" in source:
        raise InvalidValue("a path cannot contain a NUL character")
    atomic.check_target(target, force=True)  # a folder, a FIFO or a device is not replaced
    src = Path(source).expanduser()
    if not src.is_file():
        raise StoreError(f"no backup at {src}: name the file 'db backup' wrote")
    if _same_file(src, target):
        raise RuleViolation(f"{src} is the database itself; restore it to another --db")
    made = atomic.make_parents(target)
    tmp = atomic.temporary_name(target)
    done = False
    try:
        tmp.touch(exist_ok=False)
        with translate_errors(str(src)):
            store_db.copy_database(src, tmp)  # consistent even while something writes to the backup
        try:
            db = open_database(str(tmp))
        except StoreError as exc:
            raise StoreError(_restore_problem(exc.message, tmp, src, target)) from None
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
        except StoreError as exc:
            raise StoreError(_restore_problem(exc.message, tmp, src, target)) from None
        finally:
            db.close()
        if migrated:
            Path(migrated).unlink(missing_ok=True)  # a copy of the backup, which is kept anyway
        kept = _kept_name(target) if target.exists() else None
        with atomic.uninterrupted():  # the old database moves aside, the new one in: both
            replace_sqlite(tmp, target, keep_as=kept)
        done = True
    except OSError as exc:
        existed = os.path.lexists(target)
        raise StoreError(atomic.write_problem(exc, target, existed=existed)) from exc
    finally:
        atomic.remove(tmp)
        for bak in tmp.parent.glob(f"{tmp.name}.v*.bak"):  # a migration's copy of the backup
            bak.unlink(missing_ok=True)
        if not done:
            atomic.remove_folders(made)
    return {"database": str(target), "restored_from": str(src), "replica_code": new_code,
            "previous_code": old_code, "kept": str(kept) if kept else None}  # fmt: skip


def _restore_problem(message: str, tmp: Path, src: Path, target: Path) -> str:
    if "disk is full" in message or "no space left" in message:
        left = f"{target} was left as it was" if target.exists() else "nothing was written"
        return f"cannot restore to {target}: no space left on the device; {left}"
    return message.replace(str(tmp), str(src))


def _kept_name(target: Path) -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    for n in range(1, 1000):
        suffix = "" if n == 1 else f"-{n}"
        kept = target.with_name(f"{target.stem}.before-restore-{stamp}{suffix}{target.suffix}")
        if not kept.exists():
            return kept
    raise RuleViolation(f"too many earlier restores kept beside {target}; move some away")
