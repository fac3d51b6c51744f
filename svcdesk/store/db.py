"""Opening a svcdesk database (SQLite file or PostgreSQL URL), migrating it, and writing to it.

Every write goes through `Database.write()`: one transaction (SQLite `BEGIN IMMEDIATE`, so two
processes writing at once queue on the busy timeout instead of failing), in which each change is
also appended to the change log with a hybrid logical clock stamp.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from svcdesk import clock, ids
from svcdesk.errors import StoreError
from svcdesk.store import changelog
from svcdesk.store.migrations import MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"


def default_db() -> str:
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("svcdesk", appauthor=False)) / "svcdesk.db")


def busy_timeout_ms() -> int:
    try:
        return int(float(os.environ.get("SVCDESK_BUSY_TIMEOUT", "10")) * 1000)
    except ValueError:
        return 10_000


def redact(url: str) -> str:
    """A URL fit to print: any password replaced by ***."""
    if "://" not in url:
        return url
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://"))


@dataclass
class Database:
    url: str
    engine: Engine
    dialect: str
    path: Path | None = None
    meta: dict[str, str] = field(default_factory=dict)
    _tx: Tx | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return str(self.path) if self.path else redact(self.url)

    @property
    def replica_id(self) -> str:
        return self.meta["replica_id"]

    @property
    def replica_code(self) -> str:
        return self.meta["replica_code"]

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with translate_errors(self), self.engine.connect() as conn:
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
        with translate_errors(self), self.engine.connect() as conn:
            conn.info["immediate"] = True
            with conn.begin():
                if self.dialect == "postgresql":
                    # The hub's writers queue here, as SQLite's do on BEGIN IMMEDIATE, so the
                    # change-log clock and the ref counters never race.
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7231804)")
                self._tx = Tx(conn, self.replica_id)
                try:
                    yield self._tx
                finally:
                    self._tx = None

    def close(self) -> None:
        self.engine.dispose()


class Tx:
    """A write transaction that records every change in the change log."""

    def __init__(self, conn: Connection, replica_id: str) -> None:
        self.conn = conn
        self.replica_id = replica_id
        self._last: str | None = conn.execute(text("SELECT max(stamp) FROM changelog")).scalar()

    def stamp(self) -> str:
        self._last = changelog.tick(self._last, self.replica_id)
        return self._last

    def _log(self, table: str, row_id: str, op: str, data: dict[str, Any]) -> None:
        self.conn.execute(
            text(
                "INSERT INTO changelog (stamp, replica, tbl, row_id, op, data) "
                "VALUES (:s, :r, :t, :i, :o, :d)"
            ),
            {
                "s": self.stamp(),
                "r": self.replica_id,
                "t": table,
                "i": row_id,
                "o": op,
                "d": orjson.dumps(data).decode(),
            },
        )

    def insert(self, table: str, row: dict[str, Any], *, append_only: bool = False) -> None:
        cols = ", ".join(row)
        params = ", ".join(f":{c}" for c in row)
        self.conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({params})"), row)
        self._log(table, row["id"], "append" if append_only else "insert", row)

    def update(self, table: str, row_id: str, changes: dict[str, Any]) -> None:
        sets = ", ".join(f"{c} = :{c}" for c in changes)
        self.conn.execute(
            text(f"UPDATE {table} SET {sets} WHERE id = :_id"), {**changes, "_id": row_id}
        )
        self._log(table, row_id, "update", changes)

    def next_counter(self, name: str) -> int:
        """The next value of a per-replica counter (refs); local, never synced."""
        key = f"seq.{name}"
        cur = self.conn.execute(
            text("SELECT value FROM svcdesk_meta WHERE key = :k"), {"k": key}
        ).scalar()
        value = int(cur or 0) + 1
        if cur is None:
            self.conn.execute(
                text("INSERT INTO svcdesk_meta (key, value) VALUES (:k, :v)"),
                {"k": key, "v": str(value)},
            )
        else:
            self.conn.execute(
                text("UPDATE svcdesk_meta SET value = :v WHERE key = :k"),
                {"k": key, "v": str(value)},
            )
        return value


@contextmanager
def translate_errors(db: Database | str) -> Iterator[None]:
    """Turn driver errors into one clear StoreError line."""
    label = db.label if isinstance(db, Database) else db
    try:
        yield
    except StoreError:
        raise
    except (OperationalError, DBAPIError, sqlite3.Error) as exc:
        raise StoreError(_explain(exc, label)) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"database {label}: {exc}") from exc


def _explain(exc: Exception, label: str) -> str:
    orig = getattr(exc, "orig", exc)
    msg = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = msg.lower()
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
    if "password authentication failed" in low:
        return f"database {label}: the password was refused"
    if "connection refused" in low or "could not connect" in low or "timeout" in low:
        return f"cannot reach database {label}: {msg}"
    return f"database {label}: {msg}"


# --------------------------------------------------------------------------------------------
# Opening


def _sqlite_engine(path: Path, *, create: bool) -> Engine:
    mode = "rwc" if create else "rw"
    uri = f"file:{path}?mode={mode}"
    timeout = busy_timeout_ms() / 1000

    def creator() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)

    engine = create_engine("sqlite://", creator=creator, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")

    return engine


def _pg_engine(url: str) -> Engine:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 10})


def open_db(url: str | None = None, *, create: bool = False) -> Database:
    """Open (and with `create`, initialise) the database at `url`, migrating it if older."""
    url = url or os.environ.get("SVCDESK_DB") or default_db()
    if is_postgres(url):
        db = Database(url=url, engine=_pg_engine(url), dialect="postgresql")
    else:
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        _check_sqlite_file(path, create=create)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite_engine(path, create=create)
        db = Database(url=str(path), engine=engine, dialect="sqlite", path=path)
    existed = db.path is None or db.path.exists()
    try:
        with translate_errors(db):
            _prepare(db, create=create)
    except BaseException:
        db.close()
        if not existed and db.path is not None:
            # A failed `init` leaves no empty file behind.
            for suffix in ("", "-wal", "-shm"):
                Path(str(db.path) + suffix).unlink(missing_ok=True)
        raise
    return db


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise StoreError(f"{path} is a directory; --db wants a database file")
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


def _read_meta(conn: Connection) -> dict[str, str] | None:
    try:
        rows = conn.execute(text("SELECT key, value FROM svcdesk_meta")).all()
    except (OperationalError, DBAPIError):
        return None
    return {k: v for k, v in rows}


def _has_tables(conn: Connection, dialect: str) -> bool:
    if dialect == "sqlite":
        sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
    return bool(conn.execute(text(sql)).scalar())


def _prepare(db: Database, *, create: bool) -> None:
    with db.engine.connect() as conn:
        meta = _read_meta(conn)
        if meta is None and db.dialect == "postgresql":
            conn.rollback()
        if meta is None:
            if not create:
                raise StoreError(
                    f"{db.label} is not a svcdesk database (no svcdesk tables); it was left "
                    "untouched (create a new one with 'svcdesk init')"
                )
            if db.dialect == "sqlite" and _has_tables(conn, db.dialect):
                raise StoreError(
                    f"{db.label} is an SQLite database of another program; it was left untouched"
                )
    if db.dialect == "sqlite":
        raw = db.engine.raw_connection()
        try:
            # Outside any transaction: the journal mode cannot change inside one.
            driver: Any = raw.driver_connection
            if driver.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                driver.execute("PRAGMA journal_mode = WAL")
        finally:
            raw.close()
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


def _initialise(db: Database) -> None:
    with db.engine.connect() as conn:
        conn.info["immediate"] = True
        with conn.begin():
            for migration in MIGRATIONS:
                migration(conn)
            meta = {
                "schema_version": str(SCHEMA_VERSION),
                "replica_id": ids.uuid7().replace("-", ""),
                "replica_code": ids.new_replica_code(),
                "created_at": str(clock.to_epoch(clock.now())),
            }
            for k, v in meta.items():
                conn.execute(
                    text("INSERT INTO svcdesk_meta (key, value) VALUES (:k, :v)"), {"k": k, "v": v}
                )
    db.meta = meta


def _migrate(db: Database, version: int) -> None:
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with db.engine.connect() as conn:
            conn.info["immediate"] = True
            with conn.begin():
                MIGRATIONS[number - 1](conn)
                conn.execute(
                    text("UPDATE svcdesk_meta SET value = :v WHERE key = 'schema_version'"),
                    {"v": str(number)},
                )


def _backup_before_migrate(db: Database, version: int) -> Path | None:
    if db.path is None:
        return None  # PostgreSQL: DDL is transactional; a failed step leaves the hub as it was
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    target = db.path.with_name(f"{db.path.name}.v{version}-{stamp}.bak")
    backup_sqlite(db.path, target)
    return target


def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=busy_timeout_ms() / 1000)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    shutil.move(str(tmp), target)
