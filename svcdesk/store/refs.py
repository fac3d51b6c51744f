"""Finding a record by what a person types: its ref, a unique prefix of it or of its id."""

from __future__ import annotations

from typing import Any

from svcdesk.errors import Ambiguous, InvalidValue, NotFound
from svcdesk.store.sql import Conn

_HEX = set("0123456789abcdef")
_SHOWN = 10


def _id_prefix(q: str) -> str | None:
    """A typed id prefix in the canonical dashed form, or None if it cannot be one."""
    h = q.lower().replace("-", "")
    if len(h) < 4 or not set(h) <= _HEX:
        return None
    parts, cuts = [], (8, 12, 16, 20, 32)
    start = 0
    for cut in cuts:
        if start >= len(h):
            break
        parts.append(h[start:cut])
        start = cut
    return "-".join(parts)


def resolve(
    conn: Conn,
    table: str,
    typed: str,
    *,
    what: str,
    ref_col: str = "ref",
    local: str | None = None,
    columns: str = "*",
) -> dict[str, Any]:
    """The one row of `table` that `typed` names; NotFound or Ambiguous (listing candidates).

    Order: the exact ref; a bare number as this replica's ref (`local` % number); then a unique
    prefix of the ref or of the id.
    """
    q = typed.strip()
    if not q:
        raise InvalidValue(f"empty {what} reference")
    key = q.upper()
    sql = f"SELECT {columns} FROM {table} WHERE {ref_col} = :q"
    row = conn.execute(sql, {"q": key}).record()
    if row is None and local and q.isdigit():
        row = conn.execute(sql, {"q": local % int(q)}).record()
    if row is not None:
        return row
    hits: dict[str, dict[str, Any]] = {}
    ranges = [(ref_col, key)]
    idp = _id_prefix(q)
    if idp:
        ranges.append(("id", idp))
    for col, prefix in ranges:
        rows = conn.execute(
            (
                f"SELECT {columns} FROM {table} WHERE {col} >= :lo AND {col} < :hi "
                f"ORDER BY {col} LIMIT {_SHOWN + 1}"
            ),
            {"lo": prefix, "hi": prefix + "\U0010ffff"},
        ).records()
        for r in rows:
            hits[r["id"]] = r
    if not hits:
        raise NotFound(f"no {what} matches {typed!r}")
    if len(hits) > 1:
        names = sorted(str(h[ref_col]) for h in hits.values())
        more = " and more" if len(names) > _SHOWN else ""
        raise Ambiguous(
            f"{what} {typed!r} is ambiguous: it matches {', '.join(names[:_SHOWN])}{more}; "
            "type more of it"
        )
    return next(iter(hits.values()))
