"""The little SQL layer svcdesk runs on: one DBAPI connection, named parameters, plain rows.

SQLite (the standard library's sqlite3) and PostgreSQL (psycopg) are driven directly. The
tables are described by the SQLModel classes in `models.py`, but no query goes through
SQLAlchemy at run time: importing it alone costs about half of a command's time budget, and
svcdesk's queries are simple, portable SQL.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

Params = Mapping[str, Any] | None

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


@lru_cache(maxsize=512)
def pyformat(sql: str) -> str:
    """`:name` parameters (SQLite's style) as `%(name)s` (psycopg's)."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Result:
    """The rows of one statement, fetched as the caller needs them."""

    __slots__ = ("cursor",)

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def scalar(self) -> Any:
        row = self.cursor.fetchone()
        return row[0] if row is not None else None

    def first(self) -> tuple[Any, ...] | None:
        row = self.cursor.fetchone()
        return tuple(row) if row is not None else None

    def all(self) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.cursor.fetchall()]

    def columns(self) -> list[str]:
        return [d[0] for d in self.cursor.description or ()]

    def record(self) -> dict[str, Any] | None:
        """The first row as a dict, or None."""
        row = self.cursor.fetchone()
        return dict(zip(self.columns(), row, strict=True)) if row is not None else None

    def records(self) -> list[dict[str, Any]]:
        """Every row as a dict."""
        cols = self.columns()
        return [dict(zip(cols, r, strict=True)) for r in self.cursor.fetchall()]

    def batches(self, size: int = 2000) -> Iterator[list[Any]]:
        """Rows in lists of `size`: constant memory for any number of rows."""
        while rows := self.cursor.fetchmany(size):
            yield rows


class Conn:
    """A DBAPI connection in autocommit mode; transactions are begun and ended explicitly."""

    def __init__(self, raw: Any, dialect: str) -> None:
        self.raw = raw
        self.dialect = dialect

    def execute(self, sql: str, params: Params = None) -> Result:
        cur = self.raw.cursor()
        if self.dialect == "postgresql":
            cur.execute(pyformat(sql), params or {})
        else:
            cur.execute(sql, params or {})
        return Result(cur)

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
        cur = self.raw.cursor()
        cur.executemany(pyformat(sql) if self.dialect == "postgresql" else sql, rows)

    def insert_many(
        self, table: str, cols: Sequence[str], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Insert rows (dicts with every column of `cols`): COPY on PostgreSQL, one round trip
        for a whole batch instead of one statement each; executemany on SQLite. `table` and
        `cols` come from the store's registry (never from outside)."""
        if not rows:
            return
        names = ", ".join(cols)
        if self.dialect == "postgresql":
            cur = self.raw.cursor()
            with cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in cols])
            return
        marks = ", ".join(f":{c}" for c in cols)
        self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def script(self, script: str) -> None:
        """Run several `;`-separated statements (migrations)."""
        for statement in script.split(";"):
            if statement.strip():
                self.execute(statement)

    def begin(self, *, write: bool = False) -> None:
        if self.dialect == "sqlite":
            # IMMEDIATE takes the write lock now, so two writers queue on the busy timeout
            # instead of one failing when it upgrades a read lock.
            self.raw.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        else:
            self.raw.execute("BEGIN")
            if write:
                # The hub's writers queue here, as SQLite's do on BEGIN IMMEDIATE, so the
                # change-log clock and the ref counters never race.
                self.raw.execute("SELECT pg_advisory_xact_lock(7231804)")

    def commit(self) -> None:
        self.raw.execute("COMMIT")

    def rollback(self) -> None:
        # With no transaction open (it failed before BEGIN) there is nothing to undo.
        with contextlib.suppress(Exception):
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()


def by_code_points(conn: Conn, expr: str) -> str:
    """`expr` to sort text by code point, as SQLite does, on PostgreSQL too (whatever the
    database's collation): lists order alike on a laptop and on the hub."""
    return f'{expr} COLLATE "C"' if conn.dialect == "postgresql" else expr


def in_list(items: list[str], size: int = 500) -> Iterator[tuple[str, dict[str, str]]]:
    """(`:k0, :k1, ...`, params) for IN lists of at most `size` values."""
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        yield (
            ", ".join(f":k{n}" for n in range(len(chunk))),
            {f"k{n}": v for n, v in enumerate(chunk)},
        )
