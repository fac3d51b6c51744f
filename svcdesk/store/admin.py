"""Questions about the database as a whole: counts, integrity, the timeline's invariants."""

from __future__ import annotations

from svcdesk.store import registry
from svcdesk.store.sql import Conn

COUNTED = ("site", "asset", "ticket", "ticket_event", "visit", "inspection", "upgrade", "training",
           "article", "kb_digest", "changelog")


def counts(conn: Conn) -> dict[str, int]:
    """Rows per table of COUNTED, and `open_tickets`."""
    out = {}
    for table in COUNTED:
        out[table] = int(conn.execute(f"SELECT count(*) FROM {registry.table(table)}").scalar())
    out["open_tickets"] = int(
        conn.execute("SELECT count(*) FROM ticket WHERE status <> 'closed'").scalar()
    )
    return out


def integrity_problems(conn: Conn) -> list[str]:
    """What SQLite's own checks find (nothing to check on PostgreSQL: it enforces them)."""
    problems: list[str] = []
    if conn.dialect != "sqlite":
        return problems
    for (line,) in conn.execute("PRAGMA integrity_check").all():
        if line != "ok":
            problems.append(f"integrity: {line}")
    for row in conn.execute("PRAGMA foreign_key_check").all():
        problems.append(f"foreign key: {row[0]} row {row[1]} points at a missing {row[2]}")
    return problems


def tickets_without_opened_event(conn: Conn) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM ticket t WHERE NOT EXISTS "
            "(SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id AND e.kind = 'opened')"
        ).scalar()
    )


def dump(conn: Conn, table: str) -> list[tuple[object, ...]]:
    """Every row of a table in primary-key order, every column (tests compare replicas)."""
    name = registry.table(table)
    cols = registry.select_list(registry.COLUMNS[name])
    key = registry.COLUMNS[name][0]
    return conn.execute(f"SELECT {cols} FROM {name} ORDER BY {key}").all()


def serial_twins(conn: Conn) -> list[tuple[str, list[tuple[str, str]]]]:
    """Live assets that one site holds under one serial (the one serial rule: their stored
    `serial_key`): (site code, [(ref, serial), ...] oldest ref first) per such serial, by site
    code. Sync merges such assets; a file written by an older svcdesk may hold them."""
    rows = conn.execute(
        "SELECT s.code, a.serial_key, a.ref, a.serial FROM asset a "
        "JOIN (SELECT site_id, serial_key FROM asset WHERE removed_at IS NULL "
        "AND merged_into IS NULL GROUP BY site_id, serial_key HAVING count(*) > 1) d "
        "ON d.site_id = a.site_id AND d.serial_key = a.serial_key "
        "JOIN site s ON s.id = a.site_id "
        "WHERE a.removed_at IS NULL AND a.merged_into IS NULL "
        "ORDER BY s.code, a.serial_key, a.created_at, a.ref"
    ).all()
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for code, key, ref, serial in rows:
        out.setdefault((str(code), str(key)), []).append((str(ref), str(serial)))
    return [(code, twins) for (code, _), twins in out.items()]


def query_plan(conn: Conn, sql: str, params: dict[str, object]) -> str:
    """How the database would run one of the store's queries (its plan, one step a line): tests
    check that a look-up reads an index rather than scanning a table. On PostgreSQL the plan is
    asked with sequential scans discouraged, so it shows whether an index can serve at all
    (a small test table is scanned whatever its indexes)."""
    if conn.dialect == "sqlite":
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).all()
        return "\n".join(str(r[-1]) for r in rows)
    conn.execute("SET enable_seqscan = off")
    try:
        rows = conn.execute(f"EXPLAIN {sql}", params).all()
    finally:
        conn.execute("RESET enable_seqscan")
    return "\n".join(str(r[0]) for r in rows)
