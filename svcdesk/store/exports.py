"""The reads of `svcdesk export`: every record of a kind, in one stable order, streamed.

Each function yields lists of plain rows (at most `batch` at a time) from one statement, so an
export of any size holds one batch in memory: SQLite's cursor steps through the result as it is
fetched; on PostgreSQL the statement runs in a server-side cursor (a client cursor would load
the whole result first). Windows are half-open, [since, until), on the record's main instant.
Text sorts by code point on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import count
from typing import Any

from svcdesk.store import field
from svcdesk.store.registry import select_list
from svcdesk.store.schema import InspectionRow, VisitRow
from svcdesk.store.sql import Conn, by_code_points, in_list, pyformat

BATCH = 2000  # rows fetched at a time (a call's `batch`, else this)
_cursor_names = count(1)


def _stream(conn: Conn, sql: str, params: dict[str, Any], batch: int) -> Iterator[list[Any]]:
    """The rows of one statement in lists of `batch`, holding no more than that at once."""
    if conn.dialect != "postgresql":
        yield from conn.execute(sql, params).batches(batch)
        return
    # A named cursor is a server-side portal of the read transaction (db.read() began it).
    cur = conn.raw.cursor(name=f"svcdesk_export_{next(_cursor_names)}")
    try:
        cur.itersize = batch
        cur.execute(pyformat(sql), params)
        while rows := cur.fetchmany(batch):
            yield rows
    finally:
        cur.close()


def _window(col: str, since: int | None, until: int | None) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    return field.where_clause(field.window(col, since, until, params)), params


# --------------------------------------------------------------------------------------------
# Tickets and their events

# The ticket's fields in the order of its JSON shape (services/records.py `ticket_record`),
# its site's and asset's ids (`site_codes` and `asset_refs` name them), its stored clocks last.
TICKET_COLS = ("t.id, t.ref, t.title, t.site_id, t.asset_id, t.category, t.severity, t.channel, "
               "t.status, t.assignee, t.reporter, t.opened_at, t.due_at, t.updated_at, "
               "t.clocks")


def tickets(conn: Conn, *, since: int | None = None, until: int | None = None,
            batch: int | None = None) -> Iterator[list[Any]]:  # fmt: skip
    """Tickets opened in [since, until), oldest first (ties by id): tuples of TICKET_COLS."""
    where, params = _window("t.opened_at", since, until)
    sql = (
        f"SELECT {TICKET_COLS} FROM ticket t{where} ORDER BY t.opened_at, t.id"
    )
    return _stream(conn, sql, params, batch or BATCH)


def count_tickets(conn: Conn, *, since: int | None = None, until: int | None = None) -> int:
    where, params = _window("opened_at", since, until)
    return int(conn.execute(f"SELECT count(*) FROM ticket{where}", params).scalar())


# The timeline's one order (store/tickets.py): instant, the recorder's sequence, id.
# Last, the ticket's derived list of the events its timeline set aside (services/formats.py).
EVENT_COLS = "t.ref, e.id, e.kind, e.at, e.actor, e.note, e.data, t.contradictions"


def events(conn: Conn, *, since: int | None = None, until: int | None = None,
           batch: int | None = None) -> Iterator[list[Any]]:  # fmt: skip
    """Events at an instant in [since, until), ticket by ticket (by ticket id, which is the
    order they were made in) and each ticket's in timeline order: tuples of EVENT_COLS."""
    where, params = _window("e.at", since, until)
    sql = (
        f"SELECT {EVENT_COLS} FROM ticket_event e LEFT JOIN ticket t ON t.id = e.ticket_id{where} "
        "ORDER BY e.ticket_id, e.at, COALESCE(e.seq, 0), e.id"
    )
    return _stream(conn, sql, params, batch or BATCH)


def count_events(conn: Conn, *, since: int | None = None, until: int | None = None) -> int:
    where, params = _window("at", since, until)
    return int(conn.execute(f"SELECT count(*) FROM ticket_event{where}", params).scalar())


# --------------------------------------------------------------------------------------------
# Field work


def visits(conn: Conn, *, since: int | None = None, until: int | None = None,
           batch: int | None = None) -> Iterator[list[VisitRow]]:  # fmt: skip
    """Visits started in [since, until), oldest first (ties by id), as `visit list` orders."""
    where, params = _window("started_at", since, until)
    sql = f"SELECT {select_list(VisitRow.COLUMNS)} FROM visit{where} ORDER BY started_at, id"
    for rows in _stream(conn, sql, params, batch or BATCH):
        yield [VisitRow(*r) for r in rows]


def count_visits(conn: Conn, *, since: int | None = None, until: int | None = None) -> int:
    where, params = _window("started_at", since, until)
    return int(conn.execute(f"SELECT count(*) FROM visit{where}", params).scalar())


def inspections(conn: Conn, *, since: int | None = None, until: int | None = None,
                batch: int | None = None) -> Iterator[list[InspectionRow]]:  # fmt: skip
    """Inspections with `at` in [since, until), oldest first (ties by id)."""
    where, params = _window("at", since, until)
    sql = f"SELECT {select_list(InspectionRow.COLUMNS)} FROM inspection{where} ORDER BY at, id"
    for rows in _stream(conn, sql, params, batch or BATCH):
        yield [InspectionRow(*r) for r in rows]


def count_inspections(conn: Conn, *, since: int | None = None, until: int | None = None) -> int:
    where, params = _window("at", since, until)
    return int(conn.execute(f"SELECT count(*) FROM inspection{where}", params).scalar())


# --------------------------------------------------------------------------------------------
# Assets

# An asset's fields in the order of its JSON shape (services/records.py `asset_record`).
ASSET_COLS = ("a.id, a.ref, s.code, a.kind, a.serial, a.model, a.installed_on, "
              "a.warranty_until, a.notes, a.created_at, a.updated_at, a.removed_at")  # fmt: skip


def assets(conn: Conn, *, since: int | None = None, until: int | None = None,
           batch: int | None = None) -> Iterator[list[Any]]:  # fmt: skip
    """Every asset registered (created) in [since, until), removed ones too, in the order of
    `asset list`: site code, kind, serial (any case), id. Tuples of ASSET_COLS."""
    where, params = _window("a.created_at", since, until)
    sql = (
        f"SELECT {ASSET_COLS} FROM asset a LEFT JOIN site s ON s.id = a.site_id{where} "
        f"ORDER BY {by_code_points(conn, 's.code')}, {by_code_points(conn, 'a.kind')}, "
        f"{by_code_points(conn, 'upper(a.serial)')}, a.id"
    )
    return _stream(conn, sql, params, batch or BATCH)


def count_assets(conn: Conn, *, since: int | None = None, until: int | None = None) -> int:
    where, params = _window("created_at", since, until)
    return int(conn.execute(f"SELECT count(*) FROM asset{where}", params).scalar())


# --------------------------------------------------------------------------------------------
# Names the records point at


def site_codes(conn: Conn) -> dict[str, str]:
    """Site id -> code, for every site (a few thousand at most: one query for an export)."""
    return {str(i): str(c) for i, c in conn.execute("SELECT id, code FROM site").all()}


def asset_refs(conn: Conn, ids: Iterable[str] | None = None) -> dict[str, str]:
    """Asset id -> its ref, for those that exist (a batch's: one query per 500; None: all)."""
    if ids is None:
        return {str(i): str(r) for i, r in conn.execute("SELECT id, ref FROM asset").all()}
    out: dict[str, str] = {}
    for marks, params in in_list(sorted(set(ids))):
        rows = conn.execute(f"SELECT id, ref FROM asset WHERE id IN ({marks})", params).all()
        out.update((str(i), str(r)) for i, r in rows)
    return out


def ticket_refs(conn: Conn, ids: Iterable[str]) -> dict[str, str]:
    """Ticket id -> its ref, for those that exist."""
    out: dict[str, str] = {}
    for marks, params in in_list(sorted(set(ids))):
        rows = conn.execute(f"SELECT id, ref FROM ticket WHERE id IN ({marks})", params).all()
        out.update((str(i), str(r)) for i, r in rows)
    return out


# --------------------------------------------------------------------------------------------
# Knowledge-base articles: the table may not exist yet in this database (or this release)

# The article fields of CLI.md's JSON shape, each read if the table has a column of that name.
ARTICLE_FIELDS = ("id", "ref", "title", "kind", "tags", "tickets", "body", "updated_at")


def table_columns(conn: Conn, table: str) -> list[str]:
    """The columns the database's table `table` has ([]: no such table)."""
    if conn.dialect == "postgresql":
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position",
            {"t": table},
        ).all()
    else:
        rows = conn.execute("SELECT name FROM pragma_table_info(:t)", {"t": table}).all()
    return [str(n) for (n,) in rows]


def articles(conn: Conn, columns: list[str], *, since: int | None = None,
             until: int | None = None,
             batch: int | None = None) -> Iterator[list[Any]]:  # fmt: skip
    """Articles as tuples of `columns` (names of ARTICLE_FIELDS the table has, checked here),
    updated in [since, until) when it has `updated_at`; by update, then id."""
    wanted = [c for c in columns if c in ARTICLE_FIELDS]
    if not wanted or wanted != list(columns):
        raise ValueError(f"not article fields: {columns!r}")
    has_time = "updated_at" in wanted
    where, params = _window("updated_at", since, until) if has_time else ("", {})
    order = ", ".join(c for c in ("updated_at", "id") if c in wanted) or "1"
    sql = f"SELECT {', '.join(wanted)} FROM article{where} ORDER BY {order}"
    return _stream(conn, sql, params, batch or BATCH)
