"""Questions a script asks many times a day, answered from a SQLite file opened read-only with
nothing but the standard library (no schema registry, no derived-state writer): `sla overdue
--check -q` in cron. A file that cannot answer as it is (not yet migrated, derived in another
format, locked, not a file) says so, and the command opens it the usual way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from svcdesk.store.location import sqlite_uri


def any_due_before(path: Path, limit: int, *, schema_version: str, derived_key: str,
                   derived_format: str) -> bool | None:  # fmt: skip
    """Whether a ticket has a running deadline before `limit` (its stored earliest one, the
    indexed `next_due_at`), or None when this file cannot say so read-only as it is."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(sqlite_uri(path, "ro"), uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        meta = dict(
            conn.execute(
                "SELECT key, value FROM svcdesk_meta WHERE key IN ('schema_version', ?)",
                (derived_key,),
            )
        )
        if meta.get("schema_version") != schema_version or meta.get(derived_key) != derived_format:
            return None
        row = conn.execute(
            "SELECT 1 FROM ticket WHERE next_due_at IS NOT NULL AND next_due_at < ? LIMIT 1",
            (limit,),
        ).fetchone()
        return row is not None
    except sqlite3.Error:
        return None
    finally:
        conn.close()
