"""Old names of records: codes, refs and ids they were known by (the `alias` table).

A site renamed (`site edit --code`), records merged into one (the same site code or serial
created on two replicas, `site merge`, `asset merge`), a replica re-keyed after a copy: the old
names keep working. The table is derived from the change log the same way on every replica, so
it is never synced; every write here is idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable

from svcdesk.store import registry
from svcdesk.store.sql import Conn, in_list

KINDS = ("code", "ref", "id")
# The records merged into one (ix_alias_row; sorted in Python: ordered in SQL, SQLite read
# every alias of the table in name order instead, once per record a sync settled).
MERGED_IDS = "SELECT name FROM alias WHERE tbl = :t AND kind = 'id' AND row_id = :r"


def add(conn: Conn, *, tbl: str, names: Iterable[str], row_id: str, kind: str) -> None:
    """Record `names` as old names of row `row_id` of `tbl` (a name already known moves to
    this row: the newest merge or rename decides)."""
    table = registry.table(tbl)
    if kind not in KINDS:
        raise ValueError(f"unknown alias kind {kind!r}")
    rows = [{"t": table, "n": n, "r": row_id, "k": kind} for n in sorted(set(names)) if n]
    if not rows:
        return
    conn.executemany("DELETE FROM alias WHERE tbl = :t AND name = :n", rows)
    conn.executemany(
        "INSERT INTO alias (tbl, name, row_id, kind) VALUES (:t, :n, :r, :k)", rows
    )


def lookup(conn: Conn, *, tbl: str, name: str) -> str | None:
    """The row an old name stands for now (None: no such old name)."""
    value = conn.execute(
        "SELECT row_id FROM alias WHERE tbl = :t AND name = :n",
        {"t": registry.table(tbl), "n": name},
    ).scalar()
    return None if value is None else str(value)


def canonical(conn: Conn, *, tbl: str, ids: Iterable[str]) -> dict[str, str]:
    """Old id -> the id of the record it was merged into, for those of `ids` that were."""
    out: dict[str, str] = {}
    for marks, params in in_list(sorted(set(ids))):
        rows = conn.execute(
            f"SELECT name, row_id FROM alias WHERE tbl = :t AND kind = 'id' AND name IN ({marks})",
            {**params, "t": registry.table(tbl)},
        ).all()
        out.update((str(n), str(r)) for n, r in rows)
    return out


def merged_ids(conn: Conn, *, tbl: str, row_id: str) -> list[str]:
    """The ids of the records merged into this one."""
    rows = conn.execute(MERGED_IDS, {"t": registry.table(tbl), "r": row_id}).all()
    return sorted(str(n) for (n,) in rows)


def merged_ids_of(conn: Conn, *, tbl: str, row_ids: list[str]) -> dict[str, list[str]]:
    """`merged_ids` of many records at once: record id -> the ids merged into it (sorted;
    those with none are left out)."""
    out: dict[str, list[str]] = {}
    for marks, params in in_list(row_ids):
        rows = conn.execute(
            "SELECT row_id, name FROM alias WHERE tbl = :t AND kind = 'id' "
            f"AND row_id IN ({marks})", {**params, "t": registry.table(tbl)},
        ).all()  # fmt: skip
        for row_id, name in rows:
            out.setdefault(str(row_id), []).append(str(name))
    return {r: sorted(names) for r, names in out.items()}


def any_merged(conn: Conn) -> bool:
    """Was any record merged into another here (else nothing needs following)?"""
    return conn.execute("SELECT 1 FROM alias WHERE kind = 'id' LIMIT 1").first() is not None
