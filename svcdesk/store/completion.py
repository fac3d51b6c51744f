"""Completion queries: read-only, straight on the SQLite file, nothing of the store loaded."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


def _rows(path: Path, sql: str, params: tuple[Any, ...]) -> list[tuple[str, str]]:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
        try:
            return [(str(a), str(b or "")) for a, b in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def candidates(path: Path, kind: str, incomplete: str, limit: int) -> list[tuple[str, str]]:
    low = incomplete.strip().upper()  # refs and codes are upper-case: an index range
    high = low + "\U0010ffff"
    if kind == "site":
        return _rows(
            path,
            "SELECT code, name FROM site WHERE merged_into IS NULL AND code >= ? AND code < ? "
            "ORDER BY code LIMIT ?",
            (low, high, limit),
        )
    if kind == "ticket":
        found = _rows(
            path,
            "SELECT ref, title FROM ticket WHERE status <> 'closed' AND ref >= ? AND ref < ? "
            "ORDER BY opened_at DESC LIMIT ?",
            (low, high, limit),
        )
        if len(found) < limit and low:
            seen = {ref for ref, _ in found}
            more = _rows(
                path,
                "SELECT ref, title FROM ticket WHERE ref >= ? AND ref < ? ORDER BY ref LIMIT ?",
                (low, high, limit),
            )
            found += [m for m in more if m[0] not in seen][: limit - len(found)]
        return found
    live = "removed_at IS NULL AND merged_into IS NULL"
    found = _rows(
        path,
        f"SELECT ref, serial FROM asset WHERE {live} AND ref >= ? AND ref < ? ORDER BY ref LIMIT ?",
        (low, high, limit),
    )
    if low and len(found) < limit:
        pattern = incomplete.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found += _rows(
            path,
            f"SELECT serial, kind || ' ' || ref FROM asset WHERE {live} "
            "AND serial LIKE ? ESCAPE '\\' ORDER BY serial LIMIT ?",
            (pattern + "%", limit - len(found)),
        )
    return found
