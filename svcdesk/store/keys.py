"""Natural keys the store keeps beside the column they come from, so a look-up by them is an
index look-up: an asset's serial under the one serial rule (`domain.serials.serial_key`) in
`asset.serial_key`.

Every write of the source column writes its key in the same statement (`Tx.insert`/`update`,
the sync's `changelog.write_rows`); the key is derived, so it is never logged nor taken from an
operation, and every replica computes the same one from the same serial.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from svcdesk.domain.serials import serial_key
from svcdesk.store.sql import Conn

# table -> (source column, key column, the rule)
KEYED: dict[str, tuple[str, str, Callable[[str], str]]] = {
    "asset": ("serial", "serial_key", serial_key),
}


def with_keys(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """`row` and the keys of the source columns it writes (`row` itself if it writes none)."""
    keyed = KEYED.get(table)
    if keyed is None or keyed[0] not in row:
        return row
    source, key, rule = keyed
    value = row[source]
    return {**row, key: rule(value) if isinstance(value, str) else None}


def fill(conn: Conn, table: str, *, batch: int = 2000) -> int:
    """Compute the key of every row of `table` (a migration's new key column); the rows done."""
    source, key, rule = KEYED[table]
    done = 0
    last = ""
    while True:
        rows = conn.execute(
            f"SELECT id, {source} FROM {table} WHERE id > :a ORDER BY id LIMIT {int(batch)}",
            {"a": last},
        ).all()
        if not rows:
            return done
        conn.executemany(
            f"UPDATE {table} SET {key} = :k WHERE id = :i",
            [{"i": i, "k": rule(v) if isinstance(v, str) else None} for i, v in rows],
        )
        done += len(rows)
        last = str(rows[-1][0])
