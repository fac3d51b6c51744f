"""Tickets and their timelines: the rows of `ticket` and `ticket_event`.

Events are always read in one order, the same on every replica and database: by instant, then
by when they were recorded, then by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import orjson

from svcdesk.domain.tickets import LIST_SORTS
from svcdesk.store import refs
from svcdesk.store.changelog import in_list
from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import TicketDerivedRow, TicketEventRow, TicketRow
from svcdesk.store.sql import Conn, by_code_points

_COLS = select_list(TicketRow.COLUMNS)
_T_COLS = select_list(TicketRow.COLUMNS, "t")
_EVENT_COLS = select_list(TicketEventRow.COLUMNS)
_DERIVED_COLS = select_list(TicketDerivedRow.COLUMNS)
# The timeline's one total order (domain.tickets.fold): instant, the recorder's sequence (events
# of 0.1.0 have none: 0), id. Ids are lowercase hex: the same order under every collation.
_EVENT_ORDER = "at, COALESCE(seq, 0), id"
_EVENT_TIME = "kind, at, id, CASE WHEN kind = 'void' THEN data END"
_N = len(TicketRow.COLUMNS)


class EventTime(NamedTuple):
    """What the timeline and the clocks need of an event (a recompute reads millions)."""

    kind: str
    at: int
    id: str = ""
    target: str | None = None  # void: the event it takes out of the timeline


def _event_time(kind: str, at: int, event_id: str, void: str | None) -> EventTime:
    target = orjson.loads(void).get("event") if void else None
    return EventTime(kind, at, event_id, target if isinstance(target, str) else None)


class ViewRow(NamedTuple):
    id: str
    view: str | None


class CsvLineRow(NamedTuple):
    """A stored CSV line: its zone, its running deadlines (DUE,DUE) and its %-template."""

    zone: str
    dues: str
    line: str


class CsvViewRow(NamedTuple):
    id: str
    view: str | None
    line: CsvLineRow | None  # its CSV line (`ticket_csv`), where it has one


class DueRow(NamedTuple):
    """A ticket with a running deadline, as `sla overdue` reads it."""

    next_due_at: int
    ref: str
    title: str
    site_id: str
    assignee: str | None
    status: str
    due_view: str | None
    clocks: str | None


# The columns of a board row, in tuple order (all of them in ix_ticket_board).
BOARD_COLS = ("ref", "site_id", "status", "severity", "assignee", "title", "next_due_at",
              "next_clock")  # fmt: skip


# --------------------------------------------------------------------------------------------
# One ticket


def find(conn: Conn, typed: str, *, replica_code: str) -> TicketRow:
    """The ticket a person names: its ref, its number here, or a unique prefix."""
    return refs.resolve(conn, TicketRow, typed, what="ticket", local=f"{replica_code}-%d")


def derived(conn: Conn, ticket_id: str) -> TicketDerivedRow:
    row = conn.execute(
        f"SELECT {_DERIVED_COLS} FROM ticket WHERE id = :i", {"i": ticket_id}
    ).first()
    if row is None:
        raise LookupError(f"no ticket with id {ticket_id}")
    return TicketDerivedRow(*row)


def events(conn: Conn, ticket_id: str) -> list[TicketEventRow]:
    rows = conn.execute(
        f"SELECT {_EVENT_COLS} FROM ticket_event WHERE ticket_id = :t ORDER BY {_EVENT_ORDER}",
        {"t": ticket_id},
    ).all()
    return [TicketEventRow(*r) for r in rows]


def insert(tx: Tx, ticket: TicketRow) -> None:
    tx.insert("ticket", {c: getattr(ticket, c) for c in TicketRow.COLUMNS})


def update(tx: Tx, ticket_id: str, changes: dict[str, Any]) -> None:
    tx.update("ticket", ticket_id, changes)


def add_event(tx: Tx, event: TicketEventRow) -> None:
    tx.insert("ticket_event", {c: getattr(event, c) for c in TicketEventRow.COLUMNS},
              append_only=True)  # fmt: skip


# --------------------------------------------------------------------------------------------
# Many tickets


def by_ids(conn: Conn, ids: Iterable[str]) -> list[TicketRow]:
    out: list[TicketRow] = []
    for marks, params in in_list(list(ids)):
        rows = conn.execute(f"SELECT {_COLS} FROM ticket WHERE id IN ({marks})", params).all()
        out += [TicketRow(*r) for r in rows]
    return out


# `ticket list --sort`: each field's SQL order, ascending (a `-` in front reverses it). Ranks
# follow the lifecycle and urgency; text sorts by code point on every database; tickets with
# no running deadline come last either way.
SORT_FIELDS = LIST_SORTS
_SEVERITY_RANK = "CASE t.severity WHEN 'major' THEN 0 WHEN 'normal' THEN 1 WHEN 'minor' THEN 2 " \
    "WHEN 'upgrade' THEN 3 ELSE 4 END"  # fmt: skip
_STATUS_RANK = "CASE t.status WHEN 'open' THEN 0 WHEN 'paused' THEN 1 WHEN 'resolved' THEN 2 " \
    "WHEN 'closed' THEN 3 ELSE 4 END"  # fmt: skip
_ASCII_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _sort_keys(conn: Conn, field: str) -> list[tuple[str, bool]]:
    """(expression, takes the direction) for one sort field; False: always ascending."""

    def text(expr: str) -> str:
        return by_code_points(conn, expr)

    if field == "opened":
        return [("t.opened_at", True)]
    if field == "updated":
        return [("t.updated_at", True)]
    if field == "due":
        return [("t.next_due_at IS NULL", False), ("t.next_due_at", True)]
    if field == "severity":
        return [(_SEVERITY_RANK, True)]
    if field == "status":
        return [(_STATUS_RANK, True)]
    if field == "category":
        return [(text("t.category"), True)]
    if field == "site":
        return [(text("s.code"), True)]
    if field == "ref":  # the replica's code, then the number: KQ7M-9 before KQ7M-10
        if conn.dialect == "postgresql":
            code = "split_part(t.ref, '-', 1)"
            number = "COALESCE(substring(t.ref from '-([0-9]{1,18})$')::bigint, 0)"
        else:
            code = "substr(t.ref, 1, instr(t.ref, '-') - 1)"
            number = "CAST(substr(t.ref, instr(t.ref, '-') + 1) AS INTEGER)"
        return [(text(code), True), (number, True), (text("t.ref"), True)]
    column = f"t.{field}"  # title, assignee, reporter: none last
    return [(f"{column} IS NULL", False), (text(column), True)]


def like_pattern(text: str) -> str:
    """`%text%` for LIKE ... ESCAPE '\\', with the text's own `%`, `_` and `\\` taken literally
    and its ASCII letters lower-cased (the search is case-insensitive for A-Z everywhere)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped.translate(str.maketrans(_ASCII_UPPER, _ASCII_UPPER.lower())) + "%"


def _folded(conn: Conn, expr: str) -> str:
    """`expr` with its ASCII letters lower-cased, alike on SQLite and PostgreSQL (SQLite's LIKE
    already ignores their case, and only theirs)."""
    if conn.dialect == "postgresql":
        return f"translate({expr}, '{_ASCII_UPPER}', '{_ASCII_UPPER.lower()}')"
    return expr


def distinct_assignees(conn: Conn) -> list[str]:
    """Every assignee name in use, read off the assignee index one value at a time."""
    rows = conn.execute(
        "WITH RECURSIVE a(name) AS (SELECT min(assignee) FROM ticket UNION ALL "
        "SELECT (SELECT min(assignee) FROM ticket WHERE assignee > a.name) FROM a "
        "WHERE a.name IS NOT NULL) SELECT name FROM a WHERE name IS NOT NULL"
    ).all()
    return [str(n) for (n,) in rows]


# What a text table of tickets shows (`ticket list` in a terminal or a pipe), in this order.
BRIEF_COLS = "t.ref, t.site_id, t.status, t.severity, t.category, t.assignee, t.opened_at, t.title"


def listing(conn: Conn, *, status: str = "all", site_id: str | None = None,
            assignees: list[str] | None = None, since: int | None = None,
            until: int | None = None, severity: str | None = None,
            category: str | None = None, search: str | None = None,
            sort: str = "-opened", limit: int | None = None,
            views: bool = False, brief: bool = False, csv: bool = False,
            batch: int = 500) -> Iterator[list[Any]]:  # fmt: skip
    """Tickets in `sort` order (default newest first), in batches: (TicketRow, its clocks), or
    with `views` ViewRows (the ticket's pre-rendered view, when it has one; with `csv` too,
    CsvViewRows with its CSV line, read beside the list when it is newest first). `status` `open`
    means every status but closed; `assignees` are the spellings to match (any of them);
    `search` is a `like_pattern` matched against the title and the reporter. With `brief`,
    plain tuples of BRIEF_COLS."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if status == "open":
        where.append("t.status <> 'closed'")
    elif status != "all":
        where.append("t.status = :status")
        params["status"] = status
    if since is not None:
        where.append("t.opened_at >= :since")
        params["since"] = since
    if until is not None:
        where.append("t.opened_at < :until")
        params["until"] = until
    if assignees is not None:
        if not assignees:
            return
        marks = ", ".join(f":a{i}" for i in range(len(assignees)))
        where.append(f"t.assignee IN ({marks})")
        params.update({f"a{i}": a for i, a in enumerate(assignees)})
    for column, name, value in (("site_id", "site", site_id), ("severity", "severity", severity),
                                ("category", "category", category)):  # fmt: skip
        if value is not None:
            where.append(f"t.{column} = :{name}")
            params[name] = value
    if search is not None:
        where.append(f"({_folded(conn, 't.title')} LIKE :search ESCAPE '\\' OR "
                     f"{_folded(conn, 't.reporter')} LIKE :search ESCAPE '\\')")  # fmt: skip
        params["search"] = search
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    keys = [] if field == "opened" else _sort_keys(conn, field)
    order = [f"{e} DESC" if descending and d else e for e, d in keys]
    tie = "DESC" if field != "opened" or descending else "ASC"
    order += [f"t.opened_at {tie}", f"t.id {tie}"]
    join = " JOIN site s ON s.id = t.site_id" if field == "site" else ""
    filters = " WHERE " + " AND ".join(where) if where else ""
    cols = "t.id, t.view" if views else f"{_T_COLS}, t.clocks"
    lines: Iterator[tuple[int, str, str, str, str]] | None = None
    head: tuple[int, str, str, str, str] | None = None
    if views and csv and field == "opened" and descending:  # newest first: the lines' order
        cols = "t.id, NULL, t.opened_at"  # the views of those without a line: read after
        lines = _csv_lines(conn, batch)
        head = next(lines, None)
    elif views and csv:
        cols += ", NULL"  # another order: no line (the list reads the views)
    if brief:
        cols = BRIEF_COLS
    sql = f"SELECT {cols} FROM ticket t{join}{filters} ORDER BY {', '.join(order)}"
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    for rows in conn.execute(sql, params).batches(batch):
        if brief:
            yield rows
        elif lines is not None:  # the CSV lines read beside the list, in the same order
            out = []
            for row_id, _, opened in rows:
                key = (opened, row_id)
                while head is not None and (head[0], head[1]) > key:
                    head = next(lines, None)
                if head is not None and head[0] == opened and head[1] == row_id:
                    out.append(CsvViewRow(row_id, "", CsvLineRow(*head[2:])))
                else:
                    out.append(CsvViewRow(row_id, None, None))
            missing = [r.id for r in out if r.line is None]
            if missing:  # closed tickets, or lines not stored yet: their views, if any
                found = _views(conn, missing)
                out = [r if r.line is not None else r._replace(view=found.get(r.id))
                       for r in out]  # fmt: skip
            yield out
        elif views and csv:
            yield [CsvViewRow(*r) for r in rows]
        elif views:
            yield [ViewRow(*r) for r in rows]
        else:
            yield [(TicketRow(*r[:_N]), r[_N]) for r in rows]


def _views(conn: Conn, ids: list[str]) -> dict[str, str]:
    """The stored views of these tickets (those that have one)."""
    out: dict[str, str] = {}
    for marks, params in in_list(ids):
        sql = f"SELECT id, view FROM ticket WHERE id IN ({marks}) AND view IS NOT NULL"
        out.update({str(i): str(v) for i, v in conn.execute(sql, params).all()})
    return out


def all_csv_lines(conn: Conn, *, limit: int | None = None,
                  batch: int = 2000) -> Iterator[list[tuple[str, CsvLineRow]]] | None:  # fmt: skip
    """(id, stored CSV line) of every ticket, newest first, in batches; None unless every ticket has
    one (a database derived before they were stored): an unfiltered list of every ticket reads
    them alone."""
    if csv_count(conn) != count(conn):
        return None
    sql = "SELECT id, zone, dues, line FROM ticket_csv ORDER BY opened_at DESC, id DESC"
    params: dict[str, Any] = {}
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit

    def batches() -> Iterator[list[tuple[str, CsvLineRow]]]:
        for rows in conn.execute(sql, params).batches(batch):
            yield [(r[0], CsvLineRow(*r[1:])) for r in rows]

    return batches()


def _csv_lines(conn: Conn, batch: int) -> Iterator[tuple[int, str, str, str, str]]:
    """(opened_at, id, zone, dues, line) of every stored CSV line, in the open list's order."""
    sql = ("SELECT opened_at, id, zone, dues, line FROM ticket_csv "
           "ORDER BY opened_at DESC, id DESC")  # fmt: skip
    for rows in conn.execute(sql).batches(batch):
        yield from rows


def due(conn: Conn, *, before: int, site_id: str | None = None, with_clocks: bool,
        batch: int = 500) -> Iterator[list[DueRow]]:  # fmt: skip
    """Tickets whose earliest running deadline is before `before`, earliest first; `clocks`
    only where asked (`with_clocks`) or where the ticket has no pre-rendered records."""
    params: dict[str, Any] = {"limit": before, "plain": with_clocks}
    site = ""
    if site_id is not None:
        site = " AND t.site_id = :site"
        params["site"] = site_id
    sql = (
        "SELECT t.next_due_at, t.ref, t.title, t.site_id, t.assignee, t.status, t.due_view, "
        "CASE WHEN t.due_view IS NULL OR :plain THEN t.clocks END FROM ticket t "
        f"WHERE t.next_due_at < :limit{site} ORDER BY t.next_due_at, t.id"
    )
    for rows in conn.execute(sql, params).batches(batch):
        yield [DueRow(*r) for r in rows]


def board(conn: Conn, *, site_id: str | None = None, views: bool = False,
          clocks: bool = False, limit: int | None = None, batch: int = 500
          ) -> Iterator[list[tuple[Any, ...]]]:  # fmt: skip
    """Tickets not closed, most urgent first: by earliest running deadline, then opening, then
    id; those with no running deadline last (by opening, then id). In batches of BOARD_COLS
    tuples (with `clocks`, the ticket's clocks after them); with `views`, (id, pre-rendered
    board record) pairs instead. `limit` stops after that many.

    Two queries, each read in order from ix_ticket_board (the board's columns beside its order)
    or, with `views`, ix_ticket_board_view (its records), so the rows stream without a sort
    and without a look-up in the table."""
    if views:
        cols = "t.id, t.board_view"
    else:
        cols = ", ".join(f"t.{c}" for c in BOARD_COLS) + (", t.clocks" if clocks else "")
    where = "t.status <> 'closed'"
    params: dict[str, Any] = {}
    if site_id is not None:
        params["site"] = site_id
        where += " AND t.site_id = :site"
    left = limit
    for due, order in (("IS NOT NULL", "t.next_due_at, t.opened_at, t.id"),
                       ("IS NULL", "t.opened_at, t.id")):  # fmt: skip
        if left is not None and left <= 0:
            return
        sql = f"SELECT {cols} FROM ticket t WHERE {where} AND t.next_due_at {due} ORDER BY {order}"
        if left is not None:
            sql += " LIMIT :limit"
            params["limit"] = left
        for rows in conn.execute(sql, params).batches(batch):
            if left is not None:
                left -= len(rows)
            yield rows


def board_rows(conn: Conn, ids: list[str]) -> dict[str, tuple[Any, ...]]:
    """Id -> its BOARD_COLS and clocks, of these tickets (a board record built, not read)."""
    cols = ", ".join(f"t.{c}" for c in BOARD_COLS)
    out: dict[str, tuple[Any, ...]] = {}
    for marks, params in in_list(ids):
        sql = f"SELECT t.id, {cols}, t.clocks FROM ticket t WHERE t.id IN ({marks})"
        out.update({str(r[0]): tuple(r[1:]) for r in conn.execute(sql, params).all()})
    return out


def open_count(conn: Conn, *, site_id: str | None = None) -> int:
    """How many tickets are not closed (at one site)."""
    if site_id is None:
        sql, params = "SELECT count(*) FROM ticket WHERE status <> 'closed'", {}
    else:
        sql = "SELECT count(*) FROM ticket WHERE status <> 'closed' AND site_id = :site"
        params = {"site": site_id}
    return int(conn.execute(sql, params).scalar() or 0)


def open_counts(conn: Conn) -> dict[str, int]:
    """Site id -> number of tickets not closed."""
    rows = conn.execute(
        "SELECT site_id, count(*) FROM ticket WHERE status <> 'closed' GROUP BY site_id"
    ).all()
    return {str(s): int(n) for s, n in rows}


# --------------------------------------------------------------------------------------------
# Derived state (written only by services/derived.py)


def ids_opened_since(conn: Conn, at: int) -> list[str]:
    rows = conn.execute("SELECT id FROM ticket WHERE opened_at >= :a", {"a": at}).all()
    return [str(i) for (i,) in rows]


def ids_at_sites(conn: Conn, site_ids: Iterable[str]) -> list[str]:
    out: list[str] = []
    for marks, params in in_list(sorted(set(site_ids))):
        rows = conn.execute(f"SELECT id FROM ticket WHERE site_id IN ({marks})", params).all()
        out += [str(i) for (i,) in rows]
    return out


def count(conn: Conn) -> int:
    return int(conn.execute("SELECT count(*) FROM ticket").scalar())


def csv_count(conn: Conn) -> int:
    """How many tickets have a stored CSV line."""
    return int(conn.execute("SELECT count(*) FROM ticket_csv").scalar() or 0)


def with_derived(conn: Conn, ids: list[str]) -> list[tuple[TicketRow, TicketDerivedRow]]:
    """Each ticket with its stored derived state (in no particular order)."""
    out = []
    for marks, params in in_list(ids):
        rows = conn.execute(
            f"SELECT {_T_COLS}, {select_list(TicketDerivedRow.COLUMNS, 't')} FROM ticket t "
            f"WHERE t.id IN ({marks})",
            params,
        ).all()
        out += [(TicketRow(*r[:_N]), TicketDerivedRow(*r[_N:])) for r in rows]
    return out


def all_with_derived(conn: Conn, *, batch: int = 2000
                     ) -> Iterator[list[tuple[TicketRow, TicketDerivedRow]]]:  # fmt: skip
    """Every ticket with its stored derived state, in id order, in batches."""
    sql = (
        f"SELECT {_T_COLS}, {select_list(TicketDerivedRow.COLUMNS, 't')} FROM ticket t "
        "ORDER BY t.id"
    )
    for rows in conn.execute(sql).batches(batch):
        yield [(TicketRow(*r[:_N]), TicketDerivedRow(*r[_N:])) for r in rows]


def event_times(conn: Conn, ids: list[str]) -> dict[str, list[EventTime]]:
    """Ticket id -> its events' kinds and instants, in timeline order."""
    out: dict[str, list[EventTime]] = {}
    for marks, params in in_list(ids):
        for tid, kind, at, eid, void in conn.execute(
            f"SELECT ticket_id, {_EVENT_TIME} FROM ticket_event WHERE ticket_id IN ({marks}) "
            f"ORDER BY ticket_id, {_EVENT_ORDER}",
            params,
        ).all():
            out.setdefault(tid, []).append(_event_time(kind, at, eid, void))
    return out


def all_event_times(conn: Conn, *, batch: int = 5000
                    ) -> Iterator[tuple[str, list[EventTime]]]:  # fmt: skip
    """(ticket id, its events in timeline order) for every ticket with events, by ticket id."""
    current: str | None = None
    acc: list[EventTime] = []
    rows_iter = conn.execute(
        f"SELECT ticket_id, {_EVENT_TIME} FROM ticket_event ORDER BY ticket_id, {_EVENT_ORDER}"
    ).batches(batch)
    for rows in rows_iter:
        for tid, kind, at, eid, void in rows:
            if tid != current:
                if current is not None:
                    yield current, acc
                current, acc = tid, []
            acc.append(EventTime(kind, at, eid, None) if void is None
                       else _event_time(kind, at, eid, void))  # fmt: skip
    if current is not None:
        yield current, acc


def write_derived(conn: Conn, rows: list[TicketDerivedRow],
                  statuses: dict[str, str] | None = None,
                  csv: dict[str, tuple[int, CsvLineRow | None]] | None = None
                  ) -> None:  # fmt: skip
    """Store the derived state of these tickets, their status where `statuses` says it
    changed, and the CSV lines `csv` gives (id -> its opened_at and line; None: it has none,
    it is closed); not
    logged: every replica folds its own timeline."""
    if csv:
        gone = [{"o": o, "i": i} for i, (o, line) in csv.items() if line is None]
        if gone:
            conn.executemany("DELETE FROM ticket_csv WHERE opened_at = :o AND id = :i", gone)
        lines = [{"o": o, "i": i, "z": line.zone, "d": line.dues, "l": line.line}
                 for i, (o, line) in csv.items() if line is not None]  # fmt: skip
        if lines:
            conn.executemany(
                "INSERT INTO ticket_csv (opened_at, id, zone, dues, line) "
                "VALUES (:o, :i, :z, :d, :l) ON CONFLICT (opened_at, id) DO UPDATE SET "
                "zone = excluded.zone, dues = excluded.dues, line = excluded.line",
                lines,
            )
    if rows:
        sets = ", ".join(f"{c} = :{c}" for c in TicketDerivedRow.COLUMNS if c != "id")
        conn.executemany(
            f"UPDATE ticket SET {sets} WHERE id = :id",
            [{c: getattr(r, c) for c in TicketDerivedRow.COLUMNS} for r in rows],
        )
    if statuses:
        conn.executemany(
            "UPDATE ticket SET status = :s WHERE id = :i",
            [{"s": s, "i": i} for i, s in statuses.items()],
        )


def max_seq(conn: Conn, ticket_id: str) -> int:
    """The largest sequence number among a ticket's events (0: none has one)."""
    value = conn.execute(
        "SELECT max(seq) FROM ticket_event WHERE ticket_id = :t", {"t": ticket_id}
    ).scalar()
    return int(value or 0)


def with_contradictions(conn: Conn) -> list[tuple[str, str, str]]:
    """(id, ref, contradictions JSON) of every ticket whose timeline set events aside
    (contradicted or voided: services/formats.py `set_aside` reads the JSON)."""
    rows = conn.execute(
        "SELECT id, ref, contradictions FROM ticket WHERE contradictions IS NOT NULL ORDER BY id"
    ).all()
    return [(str(i), str(r), str(c)) for i, r, c in rows]
