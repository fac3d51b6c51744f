"""Shell completion of what the database holds: ticket refs, site codes, assets and serials.

A shell calls svcdesk at every Tab, so this reads the SQLite file directly, read-only, with
one indexed query and nothing of the store loaded; a PostgreSQL hub, a missing or unreadable
file, or an older schema simply complete nothing.
"""

from __future__ import annotations

from typing import Any

import typer


def _query(ctx: typer.Context, kind: str, incomplete: str) -> list[tuple[str, str]]:
    from svcdesk.services import completion

    given = ctx.find_root().params.get("db")
    found = completion.candidates(given, kind, incomplete)
    return [(value, _help(text)) for value, text in found]


def _help(text: Any) -> str:
    shown = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    return shown[:60]


def tickets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Open tickets first (newest first), then any ticket whose ref starts so."""
    return _query(ctx, "ticket", incomplete)


def sites(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _query(ctx, "site", incomplete)


def assets(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Asset refs, and serials as engineers read them off the device."""
    return _query(ctx, "asset", incomplete)
