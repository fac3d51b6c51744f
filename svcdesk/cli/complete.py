"""Shell completion of what the database holds: ticket refs, site codes, assets and serials.

A shell calls svcdesk at every Tab, so this reads the SQLite file directly, read-only, with
one indexed query and nothing of the store loaded; a PostgreSQL hub, a missing or unreadable
file, or an older schema simply complete nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

LIMIT = 50


def _path(ctx: typer.Context) -> Path | None:
    from pathlib import Path

    root = ctx.find_root()
    given = root.params.get("db") or os.environ.get("SVCDESK_DB")
    if given:
        if "://" in given or "=" in given:  # a hub URL or connection string
            return None
        return Path(given).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("svcdesk", appauthor=False)) / "svcdesk.db"


def _query(ctx: typer.Context, sql: str, params: tuple[Any, ...]) -> list[tuple[str, str]]:
    import sqlite3

    path = _path(ctx)
    if path is None or not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.2)
        try:
            rows = conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    return [(str(value), _help(helptext)) for value, helptext in rows]


def _help(text: Any) -> str:
    shown = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    return shown[:60]


def _range(incomplete: str) -> tuple[str, str]:
    """Index bounds of every text starting with `incomplete` (refs and codes are upper-case)."""
    low = incomplete.strip().upper()
    return low, low + "\U0010ffff"


def tickets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Open tickets first (newest first), then any ticket whose ref starts so."""
    low, high = _range(incomplete)
    found = _query(
        ctx,
        "SELECT ref, title FROM ticket WHERE status <> 'closed' AND ref >= ? AND ref < ? "
        "ORDER BY opened_at DESC LIMIT ?",
        (low, high, LIMIT),
    )
    if len(found) < LIMIT and incomplete:
        seen = {ref for ref, _ in found}
        more = _query(
            ctx,
            "SELECT ref, title FROM ticket WHERE ref >= ? AND ref < ? ORDER BY ref LIMIT ?",
            (low, high, LIMIT),
        )
        found += [m for m in more if m[0] not in seen][: LIMIT - len(found)]
    return found


def sites(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    low, high = _range(incomplete)
    return _query(
        ctx,
        "SELECT code, name FROM site WHERE merged_into IS NULL AND code >= ? AND code < ? "
        "ORDER BY code LIMIT ?",
        (low, high, LIMIT),
    )


def assets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Asset refs, and serials as engineers read them off the device."""
    low, high = _range(incomplete)
    live = "removed_at IS NULL AND merged_into IS NULL"
    found = _query(
        ctx,
        f"SELECT ref, serial FROM asset WHERE {live} AND ref >= ? AND ref < ? ORDER BY ref LIMIT ?",
        (low, high, LIMIT),
    )
    if incomplete and len(found) < LIMIT:
        pattern = incomplete.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        found += _query(
            ctx,
            f"SELECT serial, kind || ' ' || ref FROM asset WHERE {live} "
            "AND serial LIKE ? ESCAPE '\\' ORDER BY serial LIMIT ?",
            (pattern + "%", LIMIT - len(found)),
        )
    return found
