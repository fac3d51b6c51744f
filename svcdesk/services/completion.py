"""What a shell's Tab may complete, read from the database as cheaply as possible."""

from __future__ import annotations

from pathlib import Path

LIMIT = 50


def candidates(path: Path, kind: str, incomplete: str) -> list[tuple[str, str]]:
    """(value, what it is) of each `kind` (ticket, site, asset) starting with `incomplete`;
    nothing when the file is missing, unreadable or of another schema."""
    from svcdesk.store import completion

    if not path.is_file():
        return []
    return completion.candidates(path, kind, incomplete, LIMIT)
