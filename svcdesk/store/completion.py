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


def _mine(path: Path, kind: str, incomplete: str, limit: int) -> list[tuple[str, str]]:
    """This replica's tickets or assets whose ref without the replica code starts as typed
    (`12`, `A1`: `ids.ref_tail`), offered in the form typed (`12`, `120`; `A1`, `A10`)."""
    from svcdesk.ids import ref_tail

    mark = "A" if kind == "asset" else ""
    digits = ref_tail(incomplete, mark)
    if digits is None:
        return []
    code = _rows(path, "SELECT value, '' FROM svcdesk_meta WHERE key = 'replica_code'", ())
    if not code:
        return []
    head = f"{code[0][0]}-{mark}"
    low = head + digits
    text = ("title FROM ticket WHERE" if kind == "ticket" else
            "serial FROM asset WHERE removed_at IS NULL AND merged_into IS NULL AND")
    found = _rows(path, f"SELECT ref, {text} ref >= ? AND ref < ? ORDER BY length(ref), ref "
                        "LIMIT ?", (low, low + "\U0010ffff", limit))  # fmt: skip
    shown = incomplete.strip()[: len(incomplete.strip()) - len(digits)]  # the mark, as typed
    return [(shown + ref[len(head):], what) for ref, what in found]


def candidates(path: Path, kind: str, incomplete: str, limit: int) -> list[tuple[str, str]]:
    """What `incomplete` may become: this replica's short refs first, then full refs, codes
    and serials."""
    mine = _mine(path, kind, incomplete, limit) if kind in ("ticket", "asset") else []
    if len(mine) >= limit:
        return mine
    rest = _candidates(path, kind, incomplete, limit - len(mine))
    return mine + rest


def _candidates(path: Path, kind: str, incomplete: str, limit: int) -> list[tuple[str, str]]:
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
