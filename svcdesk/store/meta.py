"""This replica's own settings in `svcdesk_meta`: schema version, identity, counters, remotes.

Never synced: each replica has its own. Keys are svcdesk's (`replica_id`, `seq.ticket`,
`remote.hub`, `sync.hub.seen`...); values are text.
"""

from __future__ import annotations

from collections.abc import Mapping

from svcdesk.store.sql import Conn


def read_all(conn: Conn) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM svcdesk_meta").all()}


def get(conn: Conn, key: str) -> str | None:
    value = conn.execute("SELECT value FROM svcdesk_meta WHERE key = :k", {"k": key}).scalar()
    return None if value is None else str(value)


def with_prefix(conn: Conn, prefix: str) -> dict[str, str]:
    """Every key starting with `prefix` (a literal: `%` and `_` match themselves), by key."""
    rows = conn.execute(
        "SELECT key, value FROM svcdesk_meta WHERE key >= :lo AND key < :hi ORDER BY key",
        {"lo": prefix, "hi": prefix + "\U0010ffff"},
    ).all()
    return dict(rows)


def put(conn: Conn, values: Mapping[str, str]) -> None:
    """Set each key to its value (inserting or replacing)."""
    for key, value in values.items():
        conn.execute("DELETE FROM svcdesk_meta WHERE key = :k", {"k": key})
        conn.execute(
            "INSERT INTO svcdesk_meta (key, value) VALUES (:k, :v)", {"k": key, "v": value}
        )


def delete(conn: Conn, keys: list[str]) -> None:
    for key in keys:
        conn.execute("DELETE FROM svcdesk_meta WHERE key = :k", {"k": key})


def next_counter(conn: Conn, name: str) -> int:
    """The next value of a per-replica counter (refs); local, never synced."""
    key = f"seq.{name}"
    current = get(conn, key)
    value = int(current or 0) + 1
    put(conn, {key: str(value)})
    return value
