"""The merge rule: change-log operations from other replicas applied to this one.

Every replica keeps every operation (the change log is the source of truth); a row is the fold
of its operations in stamp order, so for mutable tables the newest stamp wins per field, and
append-only rows (events, policy versions) merge by union. Applying an operation twice changes
nothing; any order of syncs between any replicas converges to the same state. Overwritten
values stay in the log. Derived data (SLA clocks, list views) is recomputed for the tickets
an exchange touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from svcdesk.errors import StoreError

if TYPE_CHECKING:
    from svcdesk.store.db import Database
    from svcdesk.store.sql import Conn

# In foreign-key order: a row's parents are rebuilt before it.
TABLES = ("site", "asset", "policy", "ticket", "ticket_event")
APPEND_ONLY = frozenset({"ticket_event", "policy"})
OP_FIELDS = ("stamp", "replica", "tbl", "row_id", "op", "data", "parent")
BATCH = 5000


def version_vector(conn: Conn) -> dict[str, str]:
    """The newest stamp this replica holds from each replica (what it has seen)."""
    return dict(conn.execute("SELECT replica, max(stamp) FROM changelog GROUP BY replica").all())


def ops_since(
    conn: Conn, seen: dict[str, str], *, since: str | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Batches of the operations this replica holds that a replica with version vector `seen`
    lacks (each replica's stamps only grow), in stamp order within each replica."""
    for (replica,) in conn.execute("SELECT DISTINCT replica FROM changelog").all():
        after = max(seen.get(replica, ""), since or "")
        result = conn.execute(
            f"SELECT {', '.join(OP_FIELDS)} FROM changelog WHERE replica = :r AND stamp > :s "
            "ORDER BY stamp",
            {"r": replica, "s": after},
        )
        for rows in result.batches(BATCH):
            yield [dict(zip(OP_FIELDS, row, strict=True)) for row in rows]


def apply_ops(
    db: Database,
    batches: Iterable[list[dict[str, Any]]],
    *,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Apply operations in one transaction: all of them, or (on any error) none."""
    received = applied = 0
    touched: dict[str, set[str]] = {t: set() for t in TABLES}
    tickets: set[str] = set()
    with db.write() as tx:
        conn = tx.conn
        for batch in batches:
            received += len(batch)
            for op in _store_new(conn, batch):
                applied += 1
                if op["tbl"] not in touched:
                    raise StoreError(f"an operation names an unknown table {op['tbl']!r}")
                touched[op["tbl"]].add(op["row_id"])
                if op["tbl"] == "ticket":
                    tickets.add(op["row_id"])
                elif op["tbl"] == "ticket_event":
                    tickets.add(orjson.loads(op["data"])["ticket_id"])
            if progress:
                progress(received)
        for table in TABLES:
            rebuild_many(conn, table, sorted(touched[table]))
        if tickets:
            from svcdesk.services.sla import refresh_tickets

            refresh_tickets(conn, tickets)
    return {"received": received, "applied": applied, "tickets": len(tickets)}


def _chunks(items: list[str], size: int = 500) -> Iterator[tuple[str, dict[str, str]]]:
    """(`:k0, :k1, ...`, params) for IN lists of at most `size` values."""
    for start in range(0, len(items), size):
        chunk = items[start : start + size]
        yield (
            ", ".join(f":k{n}" for n in range(len(chunk))),
            {f"k{n}": v for n, v in enumerate(chunk)},
        )


def _store_new(conn: Conn, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add a batch of operations to the log; returns those that were not there yet."""
    known: set[str] = set()
    for marks, params in _chunks([op["stamp"] for op in batch]):
        known.update(
            s for (s,) in conn.execute(f"SELECT stamp FROM changelog WHERE stamp IN ({marks})",
                                       params).all()
        )  # fmt: skip
    new, seen = [], set()
    for op in batch:
        if op["stamp"] not in known and op["stamp"] not in seen:
            seen.add(op["stamp"])
            new.append(op)
    if new:
        conn.executemany(
            f"INSERT INTO changelog ({', '.join(OP_FIELDS)}) "
            f"VALUES ({', '.join(':' + f for f in OP_FIELDS)})",
            new,
        )
    return new


def rebuild_many(conn: Conn, table: str, row_ids: list[str]) -> None:
    """Set rows to the fold of their operations in stamp order (newest value per field),
    fetched and written a batch at a time."""
    for marks, params in _chunks(row_ids):
        states: dict[str, dict[str, Any]] = {}
        for row_id, op, data in conn.execute(
            f"SELECT row_id, op, data FROM changelog WHERE tbl = :t AND row_id IN ({marks}) "
            "ORDER BY row_id, stamp",
            {**params, "t": table},
        ).all():
            if op in ("insert", "append", "update", "delete"):  # delete: the tombstone field
                states.setdefault(row_id, {}).update(orjson.loads(data))
        existing = {
            i for (i,) in conn.execute(f"SELECT id FROM {table} WHERE id IN ({marks})", params)
            .all()
        }  # fmt: skip
        inserts: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row_id, state in states.items():
            if "id" not in state:
                continue  # updates whose insert has not arrived yet: the insert brings the row
            if row_id not in existing:
                inserts.setdefault(tuple(state), []).append(state)
            elif table not in APPEND_ONLY:
                updates.setdefault(tuple(state), []).append(state)
        try:
            for cols, rows in inserts.items():
                conn.executemany(
                    f"INSERT INTO {table} ({', '.join(cols)}) "
                    f"VALUES ({', '.join(':' + c for c in cols)})",
                    rows,
                )
            for cols, rows in updates.items():
                sets = ", ".join(f"{c} = :{c}" for c in cols if c != "id")
                conn.executemany(f"UPDATE {table} SET {sets} WHERE id = :id", rows)
        except Exception as exc:
            if "unique" not in str(exc).lower():
                raise
            what = {"site": "site code", "asset": "serial at one site", "ticket": "ticket ref"}
            raise StoreError(
                f"the same {what.get(table, 'key')} was created on two replicas ({exc}); "
                "rename one of them on its replica, then sync again"
            ) from None


def conflicts(conn: Conn) -> list[dict[str, Any]]:
    """Concurrent edits of one field: two replicas wrote it, neither having seen the other's
    write, and no later write settled it. The newer stamp won; the other value is in the log.
    """
    rows = conn.execute(
        "SELECT stamp, replica, tbl, row_id, data, parent FROM changelog WHERE op = 'update' "
        "ORDER BY tbl, row_id, stamp"
    ).all()
    by_row: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for row in rows:
        by_row.setdefault((row[2], row[3]), []).append(row)
    found = []
    for (table, row_id), ops in by_row.items():
        decoded = [(s, r, orjson.loads(d), p or "") for s, r, _, _, d, p in ops]
        for i, (sa, ra, da, _pa) in enumerate(decoded):
            for sb, rb, db_, pb in decoded[i + 1 :]:
                if ra == rb or pb >= sa:
                    continue  # the same writer, or b was written knowing a
                for field in sorted((da.keys() & db_.keys()) - {"updated_at"}):
                    settled = any(field in dc and pc >= sb for sc, _, dc, pc in decoded if sc > sb)
                    if not settled and da[field] != db_[field]:
                        found.append(
                            {"table": table, "row": row_id, "field": field,
                             "kept": db_[field], "kept_stamp": sb,
                             "lost": da[field], "lost_stamp": sa}
                        )  # fmt: skip
    return found
