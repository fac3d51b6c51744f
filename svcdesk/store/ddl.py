"""The declaration in `models.py` compiled to the DDL of SQLite or PostgreSQL.

`init` creates every table and index from it; a numbered migration adds a table, a column or an
index by naming it, and gets the statement compiled from the same declaration. This module
imports SQLAlchemy (through `models`), so it runs only at `init` and upgrades, never on a hot
command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from svcdesk.store.sql import Conn


def _dialect(name: str) -> Any:
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.dialect() if name == "postgresql" else sqlite.dialect()


def _metadata() -> Any:
    from svcdesk.store.models import SQLModel

    return SQLModel.metadata


def _compile(element: Any, dialect: str) -> str:
    return str(element.compile(dialect=_dialect(dialect))).strip()


def create_table_statements(table: str, dialect: str) -> list[str]:
    """CREATE TABLE and its CREATE INDEX statements, as declared."""
    from sqlalchemy.schema import CreateIndex, CreateTable

    t = _metadata().tables[table]
    out = [_compile(CreateTable(t), dialect)]
    out += [_compile(CreateIndex(i), dialect) for i in sorted(t.indexes, key=lambda i: i.name)]
    return out


def create_all_statements(dialect: str) -> list[str]:
    """Every table of the declaration, parents before the tables that point at them."""
    out: list[str] = []
    for t in _metadata().sorted_tables:
        out += create_table_statements(t.name, dialect)
    return out


def create_all(conn: Conn) -> None:
    for statement in create_all_statements(conn.dialect):
        conn.execute(statement)


def create_table(conn: Conn, table: str) -> None:
    """A migration's new table, with its indexes."""
    for statement in create_table_statements(table, conn.dialect):
        conn.execute(statement)


def add_column(conn: Conn, table: str, column: str) -> None:
    """A migration's new column, typed as declared (nullable, or with its server default)."""
    col = _metadata().tables[table].columns[column]
    kind = col.type.compile(dialect=_dialect(conn.dialect))
    null = "" if col.nullable else " NOT NULL"
    default = ""
    if col.server_default is not None:
        default = f" DEFAULT {_compile(col.server_default.arg, conn.dialect)}"
    conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}{null}{default}")


def drop_index(conn: Conn, index: str) -> None:
    """A migration's index to declare anew (its name comes from the declaration)."""
    names = {i.name for t in _metadata().tables.values() for i in t.indexes}
    if index not in names:
        raise ValueError(f"no declared index {index!r}")
    conn.execute(f"DROP INDEX IF EXISTS {index}")


def create_index(conn: Conn, table: str, index: str, *, if_missing: bool = False) -> None:
    """A migration's new index; `if_missing` for a table an earlier migration may have made
    with it already (a table is created with the indexes declared today)."""
    from sqlalchemy.schema import CreateIndex

    (found,) = [i for i in _metadata().tables[table].indexes if i.name == index]
    conn.execute(_compile(CreateIndex(found, if_not_exists=if_missing), conn.dialect))
