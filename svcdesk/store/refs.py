"""Finding a record by what a person types: its ref, a unique prefix of it or of its id."""

from __future__ import annotations

from typing import Any, TypeVar

from svcdesk import ids
from svcdesk.errors import Ambiguous, InvalidValue, NotFound
from svcdesk.store import registry
from svcdesk.store.sql import Conn

_HEX = set("0123456789abcdef")
_SHOWN = 10


R = TypeVar("R")


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


def local_ref(typed: str, local: str) -> str | None:
    """The full ref that `typed` names when it is one of this replica's refs written without
    its replica code (`ids.ref_tail`: `3`, or `V3`/`v3` for the pattern `KQ7M-V%d`); None when
    it is neither. `local` is this replica's pattern of the kind's refs (store/meta.py REFS), so
    another replica's `V3` is never named this way (its full ref or a prefix of it is)."""
    digits = ids.ref_tail(typed, local.rpartition("-")[2].removesuffix("%d"))
    return None if digits is None else local % int(digits)


def resolve(
    conn: Conn,
    row_type: type[R],
    typed: str,
    *,
    what: str,
    ref_col: str = "ref",
    local: str | None = None,
) -> R:
    """The one row that `typed` names; NotFound or Ambiguous (listing candidates).

    Order: the exact ref; this replica's ref without its code (`local_ref`: `3`, `V3`); an old
    name; then a unique prefix of the ref or of the id.
    """
    table = registry.table(getattr(row_type, "TABLE"))  # noqa: B009 (a generated row type)
    registry.columns(table, [ref_col])
    cols = registry.select_list(getattr(row_type, "COLUMNS"))  # noqa: B009
    q = typed.strip()
    if not q:
        raise InvalidValue(f"empty {what} reference")
    key = q.upper()
    sql = f"SELECT {cols} FROM {table} WHERE {ref_col} = :q"
    row = conn.execute(sql, {"q": key}).first()
    mine = local_ref(q, local) if local and row is None else None
    if mine is not None:
        row = conn.execute(sql, {"q": mine}).first()
    if row is None:  # an old code or ref (renamed, merged, re-keyed)
        from svcdesk.store import aliases

        now = aliases.lookup(conn, tbl=table, name=key)
        if now is not None:
            row = conn.execute(f"SELECT {cols} FROM {table} WHERE id = :i", {"i": now}).first()
    if row is not None:
        return row_type(*row)
    hits: dict[str, Any] = {}
    ranges = [(ref_col, key)]
    idp = _id_prefix(q)
    if idp:
        ranges.append(("id", idp))
    for col, prefix in ranges:
        rows = conn.execute(
            f"SELECT {cols} FROM {table} WHERE {col} >= :lo AND {col} < :hi "
            f"ORDER BY {col} LIMIT {_SHOWN + 1}",
            {"lo": prefix, "hi": prefix + "\U0010ffff"},
        ).all()
        for r in rows:
            found = row_type(*r)
            hits[getattr(found, "id")] = found  # noqa: B009
    if not hits:
        raise NotFound(f"no {what} matches {typed!r}")
    if len(hits) > 1:
        names = sorted(str(getattr(h, ref_col)) for h in hits.values())
        more = " and more" if len(names) > _SHOWN else ""
        raise Ambiguous(
            f"{what} {typed!r} is ambiguous: it matches {', '.join(names[:_SHOWN])}{more}; "
            "type more of it"
        )
    result: R = next(iter(hits.values()))
    return result


def label(conn: Conn, table: str, row_id: str) -> str | None:
    """What people call a row: a site's code, anything else's ref (None for rows without)."""
    name = registry.table(table)
    col = "code" if name == "site" else "ref"
    if col not in registry.COLUMNS[name]:
        return None
    value = conn.execute(f"SELECT {col} FROM {name} WHERE id = :i", {"i": row_id}).scalar()
    return None if value is None else str(value)
