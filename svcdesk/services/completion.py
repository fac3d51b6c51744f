"""What a shell's Tab may complete, read from the database as cheaply as possible."""

from __future__ import annotations

LIMIT = 50


def candidates(url: str | None, kind: str, incomplete: str) -> list[tuple[str, str]]:
    """(value, what it is) of each `kind` (ticket, site, asset) starting with `incomplete` in
    the database `url` names (as --db does); nothing for a hub, or a file that is missing,
    unreadable or of another schema."""
    from svcdesk.store import completion, dsn, location

    where = location.resolve_url(url)
    if dsn.is_postgres(where):
        return []
    path = location.sqlite_path(where)
    if not path.is_file():
        return []
    return completion.candidates(path, kind, incomplete, LIMIT)
