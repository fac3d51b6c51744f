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


def _path(ctx: typer.Context) -> Path | None:
    from pathlib import Path

    root = ctx.find_root()
    given = root.params.get("db") or os.environ.get("SVCDESK_DB")
    if given:
        low = given.strip().lower()
        if "://" in low or low.startswith(("host=", "dbname=", "user=", "port=", "service=")):
            return None  # a hub URL or a libpq connection string

        return Path(given).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("svcdesk", appauthor=False)) / "svcdesk.db"


def _query(ctx: typer.Context, kind: str, incomplete: str) -> list[tuple[str, str]]:
    from svcdesk.services import completion

    path = _path(ctx)
    if path is None:
        return []
    return [(value, _help(text)) for value, text in completion.candidates(path, kind, incomplete)]


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
