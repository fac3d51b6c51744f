"""Opening a svcdesk database (SQLite file or PostgreSQL URL), migrating it, and writing to it.

Every write goes through `Database.write()`: one transaction (SQLite `BEGIN IMMEDIATE`, so two
processes writing at once queue on the busy timeout instead of failing), in which each change is
also appended to the change log with a hybrid logical clock stamp.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from svcdesk import clock, ids
from svcdesk.domain import history
from svcdesk.errors import InvalidValue, StoreError
from svcdesk.store import changelog, dsn, keys, registry
from svcdesk.store.location import resolve_url, sqlite_path, sqlite_uri
from svcdesk.store.migrations import MIGRATIONS, SCHEMA_VERSION
from svcdesk.store.schema import REPLICATED
from svcdesk.store.sql import Conn

SQLITE_MAGIC = b"SQLite format 3\x00"


BUSY_TIMEOUT_MAX = 86_400  # seconds: a day, well inside SQLite's 32-bit milliseconds


def busy_timeout_ms() -> int:
    """How long to wait for another writer: `SVCDESK_BUSY_TIMEOUT` seconds (default 10; empty:
    the default); anything but a number from 0 to a day is refused, as one line."""
    text = os.environ.get("SVCDESK_BUSY_TIMEOUT")
    if not text:
        return 10_000
    plain = re.fullmatch(r"[0-9]{1,9}(\.[0-9]*)?|\.[0-9]+", text.strip())  # (no inf, nan, -1)
    secs = float(text) if plain else -1.0
    if not 0 <= secs <= BUSY_TIMEOUT_MAX:
        raise InvalidValue(
            f"SVCDESK_BUSY_TIMEOUT={text!r} in the environment is not a number of seconds from "
            f"0 to {BUSY_TIMEOUT_MAX}; set it so (such as 10), or unset it for the default, 10"
        )
    return int(secs * 1000)


def redact(text: str) -> str:
    """A database name or message fit to print: every password as *** (store/dsn.py)."""
    return dsn.redact(text)


def is_postgres(url: str) -> bool:
    """A PostgreSQL URL (any case) or libpq key=value string, rather than a file path?"""
    return dsn.is_postgres(url)


@dataclass
class Database:
    """An open svcdesk database: one connection, used by one command."""

    url: str  # a SQLite file's path, or a PostgreSQL connection string without its password
    dialect: str
    path: Path | None = None
    create: bool = False  # may the SQLite file be created (init)?
    # Opened only to read (db check): never migrated, re-keyed or written; a write is refused.
    read_only: bool = False
    meta: dict[str, str] = field(default_factory=dict)
    # Remarks made while opening (a copied or restored file re-keyed), one line each.
    notes: list[str] = field(default_factory=list)
    # (id, code) of the replica this file was before opening re-keyed it (a copy, a restore)
    rekeyed_from: tuple[str, str] | None = None
    # The one writer of derived state (services/derived.py installs it when it opens the
    # database): called before every write transaction commits that touched a ticket.
    derive: Callable[[Tx], None] | None = field(default=None, repr=False)
    # PostgreSQL: the connection string as given (its password, if any, only ever used to
    # connect; never printed or stored)
    dsn: dsn.Dsn | None = field(default=None, repr=False)
    _conn: Conn | None = field(default=None, repr=False)
    _tx: Tx | None = field(default=None, repr=False)
    _depth: int = field(default=0, repr=False)

    @property
    def label(self) -> str:
        """The database as it may be printed (a hub's password as ***)."""
        if self.path is not None:
            return str(self.path)
        return redact(self.dsn.shown if self.dsn is not None else self.url)

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be printed: the password the connection string carried, if any."""
        return self.dsn.secrets if self.dsn is not None else ()

    @property
    def replica_id(self) -> str:
        return self.meta["replica_id"]

    @property
    def current(self) -> bool:
        """Whether it has this svcdesk's schema (one opened only to read may be older)."""
        return int(self.meta.get("schema_version", "0")) == SCHEMA_VERSION

    @property
    def replica_code(self) -> str:
        return self.meta["replica_code"]

    def reader(self) -> Conn:
        """A second connection that reads a committed snapshot while this one writes (bulk jobs
        that stream rows and update them)."""
        with translate_errors(self):
            conn = _connect(self)
            conn.begin()
        return conn

    def connection(self) -> Conn:
        if self._conn is None:
            self._conn = _connect(self)
        return self._conn

    @contextmanager
    def read(self) -> Iterator[Conn]:
        """A consistent snapshot to read from (inside a write: that write's transaction, its
        derived state brought up to date first)."""
        if self._tx is not None and self._tx.dirty:
            self.settle()
        with self._transaction(write=False) as conn:
            yield conn

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """One transaction; everything in it lands together or not at all.

        Re-entrant: a service called inside another's `write()` joins its transaction, so a
        bulk job (the demo, an import) commits once or not at all.
        """
        if self._tx is not None:
            yield self._tx
            return
        if self.read_only:
            raise StoreError(f"{self.label} was opened only to read; nothing was written")
        with self._transaction(write=True) as conn:
            self._refresh_identity(conn)
            self._tx = Tx(conn, self.replica_id)
            try:
                yield self._tx
                self.settle()
            finally:
                self._tx = None

    def _refresh_identity(self, conn: Conn) -> None:
        """This replica's identity as the database holds it now, under the write lock: another
        command may have re-keyed it since this one opened it."""
        from svcdesk.store import meta

        for key, value in meta.with_prefix(conn, "replica_").items():
            if key in ("replica_id", "replica_code") and value:
                self.meta[key] = value

    def settle(self) -> None:
        """Recompute the derived state of what the open write touched (once, by the one
        writer); the commit does it anyway, a read inside the write does it first."""
        tx = self._tx
        if tx is None or not tx.dirty:
            return
        if self.derive is None:
            raise RuntimeError("a ticket changed, but no writer of derived state is installed")
        self.derive(tx)

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Conn]:
        with translate_errors(self):
            conn = self.connection()
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            conn.begin(write=write)
            self._depth = 1
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
            finally:
                self._depth = 0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class Tx:
    """A write transaction that records every change in the change log.

    It also notes which tickets the transaction touched (their rows, their events, the policy
    versions they follow, their site), so that the one writer of derived state recomputes
    exactly those before the transaction commits (`Database.derive`).
    """

    def __init__(self, conn: Conn, replica_id: str) -> None:
        self.conn = conn
        self.replica_id = replica_id
        self._last: str | None = changelog.newest(conn)
        self._counters: dict[str, Any] = {}  # counter name -> last value; "" -> replica code
        self.dirty_tickets: set[str] = set()
        self.dirty_sites: set[str] = set()
        self.dirty_articles: set[str] = set()  # the knowledge base's search index follows them
        self.policy_since: int | None = None  # tickets opened since then follow a new version

    @property
    def dirty(self) -> bool:
        return (bool(self.dirty_tickets or self.dirty_sites or self.dirty_articles)
                or self.policy_since is not None)

    def touch(self, table: str, row_id: str, data: Mapping[str, Any]) -> None:
        """Note what a write to `table` means for derived state."""
        if table == "ticket":
            self.dirty_tickets.add(row_id)
        elif table == "ticket_event":
            ticket_id = data.get("ticket_id")
            if isinstance(ticket_id, str):
                self.dirty_tickets.add(ticket_id)
        elif table == "policy":
            at = data.get("effective_at")
            if isinstance(at, int):
                self.policy_since = at if self.policy_since is None else min(self.policy_since, at)
        elif table == "site" and {"code", "tz"} & data.keys():
            self.dirty_sites.add(row_id)
        elif table == "article":
            self.dirty_articles.add(row_id)

    def stamp(self) -> str:
        self._last = changelog.tick(self._last, self.replica_id)
        return self._last

    def _log(self, table: str, row_id: str, op: str, data: dict[str, Any]) -> None:
        """Append one operation. An update or removal records, per field it writes, the writes
        to that field this replica held and nobody had superseded (`domain.history`), so a sync
        can tell concurrent edits of a field (neither saw the other) from successive ones."""
        parent = None
        if op in ("update", "delete"):
            seen = changelog.row_writes(self.conn, table=table, row_id=row_id)
            fields = history.removal_fields(seen) if op == "delete" else data.keys()
            parent = history.parent_for(seen, fields)
        changelog.append(
            self.conn,
            stamp=self.stamp(),
            replica=self.replica_id,
            table=table,
            row_id=row_id,
            op=op,
            data=orjson.dumps(data).decode(),
            parent=parent,
        )

    def insert(self, table: str, row: dict[str, Any], *, append_only: bool = False) -> None:
        stored = keys.with_keys(table, row)  # a natural key beside its column, never logged
        names = registry.columns(table, stored)
        marks = ", ".join(":" + c for c in names)
        self.conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", stored)
        if table in REPLICATED:
            self._log(table, row["id"], "append" if append_only else "insert", row)
        self.touch(table, row["id"], row)

    def update(self, table: str, row_id: str, changes: dict[str, Any]) -> None:
        stored = keys.with_keys(table, changes)
        names = registry.columns(table, stored)
        sets = ", ".join(f"{c} = :{c}" for c in names)
        self.conn.execute(f"UPDATE {table} SET {sets} WHERE id = :_id", {**stored, "_id": row_id})
        self._log(table, row_id, "update", changes)
        self.touch(table, row_id, changes)

    def tombstone(self, table: str, row_id: str, at: int) -> None:
        """Mark a row removed: it stays (others point at it), and the removal syncs as a
        `delete` operation that the merge folds like any other field write."""
        registry.columns(table, ["removed_at"])
        self.conn.execute(
            f"UPDATE {table} SET removed_at = :at WHERE id = :i", {"at": at, "i": row_id}
        )
        self._log(table, row_id, "delete", {"removed_at": at})

    def next_counter(self, name: str) -> int:
        """The next value of a per-replica counter (refs); local, never synced. The counter
        and the replica code are read once per transaction (an import numbers thousands)."""
        from svcdesk.store import meta

        last, code = self._counters.get(name), self._counters.get("")
        free = self._counters.get(f"free.{name}")
        value, code = meta.next_counter(self.conn, name, last=last, code=code, free_above=free)
        self._counters[name], self._counters[""] = value, code
        if free is None and last is not None and code and name in meta.REFS:
            # many refs in one transaction (an import): look once which are taken
            self._counters[f"free.{name}"] = max(value, meta.highest_ref(self.conn, name, code))
        return value


@contextmanager
def translate_errors(db: Database | str) -> Iterator[None]:
    """Turn driver errors into one clear StoreError line (no password in it, even one the
    driver's own message repeats)."""
    if isinstance(db, Database):
        label, secrets = db.label, db.secrets
    else:
        label, secrets = redact(db), dsn.parse(db).secrets if dsn.is_postgres(db) else ()
    try:
        yield
    except StoreError:
        raise
    except Exception as exc:
        if not _is_driver_error(exc):
            raise
        raise StoreError(_explain(exc, label, secrets)) from exc


def _is_driver_error(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return True
    return type(exc).__module__.startswith("psycopg")


def _explain(exc: Exception, label: str, secrets: tuple[str, ...] = ()) -> str:
    text = dsn.redact(str(exc).strip(), secrets)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    msg = lines[0] if lines else type(exc).__name__
    low = text.lower()
    if "locked" in low or "busy" in low:
        secs = busy_timeout_ms() / 1000
        return (
            f"database {label} is locked by another writer (waited {secs:g}s); "
            "try again, or raise SVCDESK_BUSY_TIMEOUT"
        )
    if "readonly" in low or "read-only" in low:
        return f"database {label} is read-only; svcdesk needs write access to record changes"
    if "file is not a database" in low or "not a database" in low:
        return f"{label} is not a svcdesk database (not an SQLite file); it was left untouched"
    if "unable to open" in low:
        return f"cannot open database {label}: check the path and its permissions"
    if "foreign key" in low:
        return (
            f"database {label}: the change refers to a record this database does not have, so "
            "nothing was written; if it came from a bundle, import one exported without "
            "--since (or sync with the replica it came from)"
        )
    if "password authentication failed" in low:
        return f"database {label}: the password was refused"
    if "no password supplied" in low or "password is required" in low:
        return (
            f"database {label} asks for a password: set PGPASSWORD, or add a line for it to "
            "~/.pgpass (svcdesk never stores a password)"
        )
    if "connection refused" in low or "could not connect" in low or "timeout" in low:
        return f"cannot reach database {label}: {msg}"
    return f"database {label}: {msg}"


# --------------------------------------------------------------------------------------------
# Opening


def _sqlite_connect(path: Path, *, create: bool, read_only: bool = False) -> Conn:
    mode = "rwc" if create else "ro" if read_only else "rw"
    uri = sqlite_uri(path, mode)
    if read_only and not any(os.path.lexists(f"{path}{s}") for s in ("-wal", "-journal")):
        # Nobody has it open and nothing waits to be checkpointed: read the file as it is,
        # without even the -wal and -shm files a reader of a WAL database would leave beside it.
        uri += "&immutable=1"
    raw = sqlite3.connect(uri, uri=True, timeout=busy_timeout_ms() / 1000,
                          isolation_level=None)  # fmt: skip
    raw.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    raw.execute("PRAGMA foreign_keys = ON")
    raw.execute("PRAGMA synchronous = FULL")  # a closed lid loses nothing that was committed
    return Conn(raw, "sqlite")


def _pg_connect(conninfo: str, *, read_only: bool = False) -> Conn:
    import psycopg

    raw = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
    if read_only:  # the server refuses any write of this session
        raw.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    return Conn(raw, "postgresql")


def _connect(db: Database) -> Conn:
    if db.path is None:
        return _pg_connect(db.dsn.connect if db.dsn is not None else db.url,
                           read_only=db.read_only)  # fmt: skip
    return _sqlite_connect(db.path, create=db.create, read_only=db.read_only)


def open_db(url: str | None = None, *, create: bool = False, read_only: bool = False
            ) -> Database:  # fmt: skip
    """Open (and with `create`, initialise) the database at `url`, migrating it if older.

    A SQLite file opened where it was not before (a copy, a restore, a backup opened directly)
    is re-keyed before anything writes to it: see `_check_home`. With `read_only` (db check)
    nothing is written, neither migration nor re-keying: `notes` say what the first command
    that writes will do instead."""
    url = resolve_url(url)
    create = create and not read_only
    if is_postgres(url):
        conninfo = dsn.parse(url)
        db = Database(url=conninfo.public, dialect="postgresql", create=create, dsn=conninfo,
                      read_only=read_only)  # fmt: skip
    else:
        if "\x00" in url:
            raise InvalidValue("a database path cannot contain a NUL character")
        path = sqlite_path(url)
        with os_errors(path):
            _check_sqlite_file(path, create=create)
            if create:
                path.parent.mkdir(parents=True, exist_ok=True)
        db = Database(url=str(path), dialect="sqlite", path=path, create=create,
                      read_only=read_only)  # fmt: skip
    with os_errors(db.path):
        existed = db.path is None or db.path.exists()
    try:
        with translate_errors(db), os_errors(db.path):
            _prepare(db, create=create)
    except BaseException:
        db.close()
        if not existed and db.path is not None:
            # A failed `init` leaves no empty file behind.
            for suffix in ("", "-wal", "-shm"):
                Path(str(db.path) + suffix).unlink(missing_ok=True)
        raise
    return db


@contextmanager
def os_errors(path: Path | None) -> Iterator[None]:
    """Turn a file system refusal (no permission, a file where a folder should be) met while
    opening or copying the SQLite file at `path` into one clear StoreError line."""
    try:
        yield
    except StoreError:
        raise
    except (BrokenPipeError, InterruptedError):
        raise
    except OSError as exc:
        if path is None:
            raise
        raise StoreError(os_problem(exc, path)) from exc


def os_problem(exc: OSError, path: Path) -> str:
    """One line saying why the file system refused `path` (or the file the error names)."""
    where = exc.filename if isinstance(exc.filename, str) else str(path)
    if isinstance(exc, PermissionError):
        return (
            f"cannot open {where}: permission denied (svcdesk needs to read and write the "
            "database file and its folder)"
        )
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return f"cannot use {path}: a part of {where} is a file, not a folder"
    if isinstance(exc, FileNotFoundError):
        return f"cannot open {path}: the folder {path.parent} does not exist"
    reason = exc.strerror or type(exc).__name__
    return f"cannot open {where}: {reason[:1].lower() + reason[1:]}"


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise StoreError(
            f"{path} is a directory, not a svcdesk database: name the database file in it"
        )
    if not path.exists():
        if not create:
            raise StoreError(f"no svcdesk database at {path}; create one with 'svcdesk init'")
        return
    with path.open("rb") as fh:
        head = fh.read(16)
    if head and head != SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not a svcdesk database (not an SQLite file); it was left untouched"
        )


def _read_meta(conn: Conn) -> dict[str, str] | None:
    from svcdesk.store import meta

    try:
        conn.begin()
        try:
            return meta.read_all(conn)
        finally:
            conn.rollback()
    except Exception as exc:
        if _is_driver_error(exc) and "svcdesk_meta" in str(exc):
            return None  # no such table: not (yet) a svcdesk database
        raise


def _has_tables(conn: Conn) -> bool:
    if conn.dialect == "sqlite":
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
    return bool(conn.execute(sql).scalar())


def _prepare(db: Database, *, create: bool) -> None:
    conn = db.connection()
    meta = _read_meta(conn)
    if meta is None:
        if not create:
            raise StoreError(
                f"{db.label} is not a svcdesk database (no svcdesk tables); it was left "
                "untouched (create a new one with 'svcdesk init')"
            )
        if db.dialect == "sqlite" and _has_tables(conn):
            raise StoreError(
                f"{db.label} is an SQLite database of another program; it was left untouched"
            )
    if db.read_only:
        _prepare_to_read(db, meta)
        return
    if db.dialect == "sqlite" and conn.execute("PRAGMA journal_mode").scalar() != "wal":
        conn.execute("PRAGMA journal_mode = WAL")  # outside any transaction, as it must be
    if meta is None:
        _initialise(db)
        return
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{db.label} was written by a newer svcdesk (schema v{version}; this one knows "
            f"v{SCHEMA_VERSION}): upgrade svcdesk to use it"
        )
    if version < SCHEMA_VERSION:
        backup = _backup_before_migrate(db, version)
        _migrate(db, version)
        meta["migrated_backup"] = str(backup) if backup else ""
    db.meta = meta
    db.meta["schema_version"] = str(SCHEMA_VERSION)
    if db.path is not None:
        _check_home(db)


def _prepare_to_read(db: Database, meta: dict[str, str] | None) -> None:
    """`_prepare` of a database opened only to read: what opening it to write would do (migrate
    it, re-key a copy) is said in `db.notes`, not done. Its `schema_version` stays its own."""
    from svcdesk.store import meta as meta_store

    if meta is None:
        raise StoreError(f"{db.label} is not a svcdesk database (no svcdesk tables); it was "
                         "left untouched")  # fmt: skip
    version = int(meta.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{db.label} was written by a newer svcdesk (schema v{version}; this one knows "
            f"v{SCHEMA_VERSION}): upgrade svcdesk to use it"
        )
    db.meta = meta
    if version < SCHEMA_VERSION:
        db.notes.append(
            f"{db.label} has schema v{version}, older than this svcdesk's v{SCHEMA_VERSION}: "
            "the next command that opens it to write migrates it (after a backup beside it)"
        )
    if db.path is None or not os.access(db.path, os.W_OK):
        return  # (a file that cannot be written is never re-keyed)
    was = meta_store.parse_home(meta.get(meta_store.HOME))
    here = meta_store.home_of(db.path)
    if was is not None and not meta_store.same_home(was, here):
        db.notes.append(
            f"{db.label} is a copy or restore of {_where(was, here)}: the next command that "
            f"opens it to write gives it a new replica identity (it is replica "
            f"{meta.get('replica_code')} now; two files must not write under one identity)"
        )


def _check_home(db: Database) -> None:
    """Record where this SQLite file lives the first time it is opened; opened anywhere else
    (another inode or device, another computer: a copy, a restore, a backup opened directly),
    give it a new replica identity before anything writes to it. The original keeps its own,
    so the two never write operations or refs under one identity; the old id becomes just
    another replica whose operations this file holds a prefix of, and a sync brings back what
    the original wrote after the copy. A file that cannot be written cannot write under
    anyone's name: it is left as it is."""
    from svcdesk.store import meta

    assert db.path is not None
    if not os.access(db.path, os.W_OK):
        return
    here = meta.home_of(db.path)
    if meta.same_home(meta.parse_home(db.meta.get(meta.HOME)), here):
        return
    with db._transaction(write=True) as conn:
        values = meta.read_all(conn)  # again under the write lock: another command may have
        was = meta.parse_home(values.get(meta.HOME))  # just recorded it, or re-keyed the file
        if meta.same_home(was, here) or was is None:
            if was is None:
                values[meta.HOME] = meta.encode_home(here)
                meta.put(conn, {meta.HOME: values[meta.HOME]})
            db.meta.update(values)
            return
        old_id, old_code = values["replica_id"], values["replica_code"]
        wrote = meta.wrote_under(conn, old_id)
        new_id, new_code = meta.new_identity(conn, avoid={old_code})
        where = _where(was, here)
        meta.take_identity(conn, replica_id=new_id, replica_code=new_code, at=_now_iso(),
                           why=f"copied or restored from {where}", home=here)  # fmt: skip
        values = meta.read_all(conn)
    for key in [k for k in db.meta if k.startswith("seq.")]:
        del db.meta[key]  # the counters start again for the new code
    db.meta.update(values)
    db.rekeyed_from = (old_id, old_code)
    if wrote:
        db.notes.append(
            f"re-keyed {db.label} as replica {new_code} (it was replica {old_code}): it is a "
            f"copy or restore of {where}, and two files must not write under one identity; "
            f"its new refs start at {new_code}-1"
        )


def _where(was: dict[str, Any], here: dict[str, Any]) -> str:
    path, host = was.get("path"), was.get("host")
    if path == here.get("path") and host == here.get("host"):
        return "the file that was here before"
    return f"{path} on {host}" if host != here.get("host") else str(path)


def _now_iso() -> str:
    return clock.now().isoformat()


def _initialise(db: Database) -> None:
    """A new database: every table of the declaration, at the newest schema version."""
    from svcdesk.store import ddl, meta

    values = {
        "schema_version": str(SCHEMA_VERSION),
        "replica_id": ids.uuid7().replace("-", ""),
        "replica_code": ids.new_replica_code(),
        "created_at": str(clock.to_epoch(clock.now())),
    }
    if db.path is not None:
        values[meta.HOME] = meta.encode_home(meta.home_of(db.path))
    with db._transaction(write=True) as conn:
        ddl.create_all(conn)
        meta.put(conn, values)
    db.meta = values


def _migrate(db: Database, version: int) -> None:
    """Each step in its own transaction, recorded as it lands."""
    from svcdesk.store import meta

    for number in range(version + 1, SCHEMA_VERSION + 1):
        with db._transaction(write=True) as conn:
            MIGRATIONS[number - 1](conn)
            meta.put(conn, {"schema_version": str(number)})


def _backup_before_migrate(db: Database, version: int) -> Path | None:
    if db.path is None:
        return None  # PostgreSQL: DDL is transactional; a failed step leaves the hub as it was
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    target = db.path.with_name(f"{db.path.name}.v{version}-{stamp}.bak")
    backup_sqlite(db.path, target)
    return target


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database, written beside `target` then moved there."""
    with os_errors(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".partial")
        try:
            copy_database(source, tmp)
        except BaseException:
            Path(f"{tmp}").unlink(missing_ok=True)
            raise
        shutil.move(str(tmp), target)


def copy_database(source: Path, dest: Path) -> None:
    """A consistent copy of the live SQLite database `source` into the new (or empty) file
    `dest`, safe while others write to it (SQLite's online backup: every copy of a live file
    is made here). The copy is closed when it returns, nothing left beside it; a full disk is
    an OSError (ENOSPC) naming `dest`."""
    src = sqlite3.connect(sqlite_uri(source, "ro"), uri=True, timeout=busy_timeout_ms() / 1000)
    try:
        dst = sqlite3.connect(sqlite_uri(dest, "rwc"), uri=True)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():  # SQLITE_FULL: "database or disk is full"
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dest)) from exc
        raise
    finally:
        src.close()


def replace_sqlite(new: Path, target: Path, *, keep_as: Path | None) -> None:
    """Put the SQLite file `new` (closed: no -wal beside it) in place of `target`. The file it
    replaces is checkpointed first where it can be, then moves to `keep_as` with its -wal (its
    -shm index is rebuilt when opened), so no write-ahead log of one database is ever left
    beside another. Without `keep_as` it is dropped."""
    if target.exists():
        with suppress(sqlite3.Error):
            conn = sqlite3.connect(sqlite_uri(target, "rw"), uri=True,
                                   timeout=busy_timeout_ms() / 1000)  # fmt: skip
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
    for suffix in ("-wal", "-shm", ""):
        old = Path(f"{target}{suffix}")
        if not old.exists():
            continue
        if keep_as is None or suffix == "-shm":
            old.unlink()
        else:
            os.replace(old, f"{keep_as}{suffix}")
    os.replace(new, target)
