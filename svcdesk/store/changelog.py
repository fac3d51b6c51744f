"""Hybrid logical clock stamps for the change log (DESIGN.md, Sync).

A stamp is `WWWWWWWWWWWWW-CCCCC-R…`: 13 digits of wall-clock milliseconds, a 5-digit counter
and the replica id. Stamps compare as strings in the clock's total order, survive clock skew
(a stamp never goes below the newest one this replica has seen) and are unique per replica.
The counter never needs a sixth digit: past 99,999 writes within one millisecond of the clock
(a replica that saw a stamp from a clock days ahead writes on that millisecond until its own
clock catches up), the clock moves on a millisecond instead, so the fixed width keeps string
order equal to numeric order at any number of writes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from svcdesk.domain.history import Write
from svcdesk.store.schema import ChangelogRow as Change
from svcdesk.store.sql import in_list

if TYPE_CHECKING:
    from svcdesk.store.sql import Conn


class Stamp(NamedTuple):
    wall_ms: int
    counter: int
    replica: str

    def encode(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:05d}-{self.replica}"


def decode(stamp: str) -> Stamp:
    wall, counter, replica = stamp.split("-", 2)
    return Stamp(int(wall), int(counter), replica)


COUNTER_MAX = 99_999


def wall_ms() -> int:
    """This computer's clock, in Unix milliseconds (the physical part of every stamp)."""
    return time.time_ns() // 1_000_000


def tick(last: str | None, replica: str, wall_ms: int | None = None) -> str:
    """The next stamp after `last` (the newest stamp seen) at physical time `wall_ms`."""
    # The physical part of the clock is the real recording time, not the business instant
    # (`--now`/`--at`), so replays and back-dated entries still order after earlier writes.
    wall = time.time_ns() // 1_000_000 if wall_ms is None else wall_ms
    if last is None:
        return Stamp(wall, 0, replica).encode()
    prev = decode(last)
    if wall > prev.wall_ms:
        return Stamp(wall, 0, replica).encode()
    if prev.counter >= COUNTER_MAX:
        return Stamp(prev.wall_ms + 1, 0, replica).encode()
    return Stamp(prev.wall_ms, prev.counter + 1, replica).encode()


# --------------------------------------------------------------------------------------------
# The log itself

OP_FIELDS = Change.COLUMNS


def newest(conn: Conn) -> str | None:
    """The newest stamp in the log (the clock never goes below it)."""
    value = conn.execute("SELECT max(stamp) FROM changelog").scalar()
    return None if value is None else str(value)


def row_writes(conn: Conn, *, table: str, row_id: str) -> list[Write]:
    """Every operation on one record, in stamp order (what a new write to it has seen),
    those of records merged into it included."""
    ids = [row_id]
    if table in ("site", "asset"):
        from svcdesk.store import aliases

        ids += aliases.merged_ids(conn, tbl=table, row_id=row_id)
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    rows = conn.execute(
        f"SELECT stamp, op, data, parent FROM changelog WHERE tbl = :t AND row_id IN ({marks}) "
        "ORDER BY stamp",
        {"t": table, **{f"i{n}": v for n, v in enumerate(ids)}},
    ).all()
    return [Write(str(s), str(o), orjson.loads(d), p) for s, o, d, p in rows]


def stamps_of(conn: Conn, *, table: str, row_ids: list[str]) -> dict[str, str]:
    """Row id -> the stamp of the operation that created it (append-only rows: events)."""
    out: dict[str, str] = {}
    for marks, params in in_list(row_ids):
        rows = conn.execute(
            f"SELECT row_id, min(stamp) FROM changelog WHERE tbl = :t AND row_id IN ({marks}) "
            "GROUP BY row_id",
            {**params, "t": table},
        ).all()
        out.update((str(r), str(s)) for r, s in rows)
    return out


def shared_rows(conn: Conn, *, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(table, row id) of every record of `tables` written by more than one replica, or into
    which another was merged: the only records that can hold concurrent writes."""
    from svcdesk.store import registry

    names = [registry.replicated(t) for t in tables]
    marks = ", ".join(f":t{n}" for n in range(len(names)))
    params = {f"t{n}": t for n, t in enumerate(names)}
    keys = conn.execute(
        f"SELECT tbl, row_id FROM changelog WHERE tbl IN ({marks}) AND op <> 'append' "
        "GROUP BY tbl, row_id HAVING count(DISTINCT replica) > 1",
        params,
    ).all()
    merged = conn.execute(
        f"SELECT DISTINCT tbl, row_id FROM alias WHERE kind = 'id' AND tbl IN ({marks})", params
    ).all()
    return sorted({(str(t), str(r)) for t, r in [*keys, *merged]})


def append(conn: Conn, *, stamp: str, replica: str, table: str, row_id: str, op: str,
           data: str, parent: str | None) -> None:  # fmt: skip
    conn.execute(
        "INSERT INTO changelog (stamp, replica, tbl, row_id, op, data, parent) "
        "VALUES (:s, :r, :t, :i, :o, :d, :p)",
        {"s": stamp, "r": replica, "t": table, "i": row_id, "o": op, "d": data, "p": parent},
    )


def version_vector(conn: Conn) -> dict[str, str]:
    """The newest stamp this replica holds from each replica (what it has seen)."""
    rows = conn.execute("SELECT replica, max(stamp) FROM changelog GROUP BY replica").all()
    return {str(r): str(s) for r, s in rows}


def ops_after(conn: Conn, *, replica: str, after: str, batch: int) -> Iterator[list[Change]]:
    """Batches of `replica`'s operations stamped after `after`, in stamp order."""
    result = conn.execute(
        f"SELECT {', '.join(OP_FIELDS)} FROM changelog WHERE replica = :r AND stamp > :s "
        "ORDER BY stamp",
        {"r": replica, "s": after},
    )
    for rows in result.batches(batch):
        yield [Change(*row) for row in rows]


def replicas(conn: Conn) -> list[str]:
    return [str(r) for (r,) in conn.execute("SELECT DISTINCT replica FROM changelog").all()]


def known_stamps(conn: Conn, stamps: list[str]) -> set[str]:
    """Which of `stamps` the log holds already."""
    found: set[str] = set()
    for marks, params in in_list(stamps):
        rows = conn.execute(f"SELECT stamp FROM changelog WHERE stamp IN ({marks})", params)
        found.update(str(s) for (s,) in rows.all())
    return found


def append_many(conn: Conn, ops: list[Change]) -> None:
    conn.insert_many("changelog", OP_FIELDS, [as_dict(op) for op in ops])


def row_ops_stamped(conn: Conn, *, table: str, row_ids: list[str]
                    ) -> Iterator[tuple[str, str, str, str]]:  # fmt: skip
    """(row id, stamp, op, data) of every operation on these rows, per row in stamp order."""
    for marks, params in in_list(row_ids):
        yield from conn.execute(
            f"SELECT row_id, stamp, op, data FROM changelog WHERE tbl = :t "
            f"AND row_id IN ({marks}) ORDER BY row_id, stamp",
            {**params, "t": table},
        ).all()


def row_ops(conn: Conn, *, table: str, row_ids: list[str]) -> Iterator[tuple[str, str, str]]:
    """(row id, op, data) of every operation on these rows, per row in stamp order."""
    for marks, params in in_list(row_ids):
        yield from conn.execute(
            f"SELECT row_id, op, data FROM changelog WHERE tbl = :t AND row_id IN ({marks}) "
            "ORDER BY row_id, stamp",
            {**params, "t": table},
        ).all()


def code_named(op: Change) -> str | None:
    """The replica code an operation shows: a ticket's or an asset's ref starts with the code
    of the replica that created it (None for other operations)."""
    if op.op != "insert" or op.tbl not in ("ticket", "asset"):
        return None
    ref = orjson.loads(op.data).get("ref")
    return ref.split("-", 1)[0] if isinstance(ref, str) and "-" in ref else None


def creators(conn: Conn, *, table: str, row_ids: list[str]) -> dict[str, str]:
    """Row id -> the replica whose operation created it (append-only rows: events)."""
    return {r: decode(s).replica for r, s in stamps_of(conn, table=table, row_ids=row_ids).items()}


_REF_TABLES = ("ticket", "asset", "visit", "inspection", "article")
"""Records whose `ref` starts with the code of the replica that created them."""


def replica_code(conn: Conn, replica: str) -> str | None:
    """The code replica `replica` gives its refs (`5X7G` of `5X7G-12`), read from a record it
    created that this replica holds (None: none)."""
    for tbl in _REF_TABLES:
        row = conn.execute(
            "SELECT data FROM changelog WHERE tbl = :t AND op = 'insert' AND replica = :r "
            "LIMIT 1",
            {"t": tbl, "r": replica},
        ).first()
        if row is None:
            continue
        ref = orjson.loads(row[0]).get("ref")
        if isinstance(ref, str) and "-" in ref:
            return ref.split("-", 1)[0]
    return None


def as_dict(op: Change) -> dict[str, str | None]:
    return {f: getattr(op, f) for f in OP_FIELDS}


# --------------------------------------------------------------------------------------------
# Rows rebuilt from the log (the merge writes them through here)


def existing_ids(conn: Conn, *, table: str, row_ids: list[str]) -> set[str]:
    """Which of these rows exist."""
    from svcdesk.store import registry

    name = registry.table(table)
    found: set[str] = set()
    for marks, params in in_list(row_ids):
        rows = conn.execute(f"SELECT id FROM {name} WHERE id IN ({marks})", params).all()
        found.update(str(i) for (i,) in rows)
    return found


def write_rows(conn: Conn, *, table: str, inserts: list[dict[str, Any]],
               updates: list[dict[str, Any]]) -> None:  # fmt: skip
    """Insert and update rows as the merge folded them; every name is checked against the
    registry first (the values came from another replica). A natural key is written beside
    its column (store/keys.py)."""
    from svcdesk.store import keys, registry

    name = registry.replicated(table)
    keyed = table in keys.KEYED
    for rows, insert in ((inserts, True), (updates, False)):
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            if keyed:
                row = keys.with_keys(table, row)
            groups.setdefault(tuple(row), []).append(row)
        for cols, group in groups.items():
            registry.columns(name, cols)
            if insert:
                conn.insert_many(name, cols, group)
                continue
            sets = ", ".join(f"{c} = :{c}" for c in cols if c != "id")
            conn.executemany(f"UPDATE {name} SET {sets} WHERE id = :id", group)
