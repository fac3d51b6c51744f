"""Equipment at customer sites: the rows of `asset` (a removed one stays as a tombstone)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from svcdesk.domain.serials import serial_key
from svcdesk.store import refs
from svcdesk.store.changelog import in_list
from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import AssetRow
from svcdesk.store.sql import Conn, by_code_points

_COLS = select_list(AssetRow.COLUMNS)
_A_COLS = select_list(AssetRow.COLUMNS, "a")
# Look-ups by a serial's key (domain/serials.py): index look-ups (ix_asset_serial_key), never
# a scan of the assets (tests/sync/test_site_assets_sync.py reads their plans).
BY_SERIAL = f"SELECT {_COLS} FROM asset WHERE serial_key = :k AND merged_into IS NULL ORDER BY ref"
SERIAL_TAKEN = "SELECT ref FROM asset WHERE serial_key = :k AND site_id = :s AND id <> :i"


def find(conn: Conn, typed: str, *, replica_code: str, site_id: str | None = None) -> AssetRow:
    """The asset a person names: its ref (KQ7M-A3), its ref here (3, A3), its serial number as
    read off the device (case and spaces aside), or a unique prefix of its ref or id.

    A serial is unique at a site, not everywhere: one registered at several sites names the
    one at `site_id` when given, else the one not removed, else is ambiguous (listing them).
    """
    q = typed.strip()
    if q:
        exact = conn.execute(f"SELECT {_COLS} FROM asset WHERE ref = :r", {"r": q.upper()}).first()
        mine = refs.local_ref(q, f"{replica_code}-A%d") if exact is None else None
        if mine is not None:  # this replica's ref without its code (3, A3): before serials
            exact = conn.execute(f"SELECT {_COLS} FROM asset WHERE ref = :r", {"r": mine}).first()
        if exact is not None:
            return AssetRow(*exact)
        found = by_serial(conn, q, site_id=site_id)
        if found is not None:
            return found
    return refs.resolve(conn, AssetRow, typed, what="asset", local=f"{replica_code}-A%d")


def by_serial(conn: Conn, typed: str, *, site_id: str | None = None) -> AssetRow | None:
    """The asset with this serial (under the one serial rule), None if none has it; Ambiguous when
    several sites have one and neither `site_id` nor removal tells them apart."""
    from svcdesk.errors import Ambiguous

    key = serial_key(typed)
    if not key:
        return None
    rows = [AssetRow(*r) for r in conn.execute(BY_SERIAL, {"k": key}).all()]
    if len(rows) > 1 and site_id is not None:
        rows = [a for a in rows if a.site_id == site_id] or rows
    if len(rows) > 1:
        rows = [a for a in rows if a.removed_at is None] or rows
    if len(rows) > 1:
        codes: dict[str, str] = {}
        for marks, params in in_list(sorted({a.site_id for a in rows})):
            sql = f"SELECT id, code FROM site WHERE id IN ({marks})"
            codes.update((str(i), str(c)) for i, c in conn.execute(sql, params).all())
        listed = ", ".join(f"{a.ref} (at {codes.get(a.site_id, '?')})" for a in rows[:10])
        more = " and more" if len(rows) > 10 else ""
        raise Ambiguous(
            f"asset {typed.strip()!r} is ambiguous: serial {rows[0].serial} is registered as "
            f"{listed}{more}; name it by its ref"
        )
    return rows[0] if rows else None


def by_id(conn: Conn, asset_id: str) -> AssetRow | None:
    row = conn.execute(f"SELECT {_COLS} FROM asset WHERE id = :i", {"i": asset_id}).first()
    return AssetRow(*row) if row else None


def refs_of(conn: Conn, ids: Iterable[str]) -> dict[str, str]:
    """Asset id -> ref for these ids."""
    out: dict[str, str] = {}
    for marks, params in in_list(sorted(set(ids))):
        rows = conn.execute(f"SELECT id, ref FROM asset WHERE id IN ({marks})", params).all()
        out.update((str(i), str(r)) for i, r in rows)
    return out


def serial_taken(conn: Conn, *, site_id: str, serial: str, but: str | None = None) -> str | None:
    """The ref of the asset at this site with this serial (under the one serial rule), other
    than `but`: engineers read serials off devices, and sync merges such assets into one."""
    value = conn.execute(
        SERIAL_TAKEN, {"s": site_id, "k": serial_key(serial), "i": but or ""},
    ).scalar()
    return None if value is None else str(value)


def at_site(conn: Conn, site_id: str) -> list[AssetRow]:
    rows = conn.execute(
        f"SELECT {_COLS} FROM asset WHERE site_id = :s ORDER BY id", {"s": site_id}
    ).all()
    return [AssetRow(*r) for r in rows]


def stored_kinds(conn: Conn) -> list[str]:
    return sorted(str(k) for (k,) in conn.execute("SELECT DISTINCT kind FROM asset").all())


def listing(conn: Conn, *, site_id: str | None = None, kind: str | None = None,
            removed: bool = False) -> list[tuple[AssetRow, str]]:  # fmt: skip
    """(asset, its site's code), by site code, kind and serial; removed ones only if asked."""
    where: list[str] = [] if removed else ["a.removed_at IS NULL"]
    params: dict[str, Any] = {}
    if site_id is not None:
        where.append("a.site_id = :s")
        params["s"] = site_id
    if kind is not None:
        where.append("a.kind = :k")
        params["k"] = kind
    sql = (
        f"SELECT {_A_COLS}, s.code FROM asset a JOIN site s ON s.id = a.site_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {by_code_points(conn, 's.code')}, {by_code_points(conn, 'a.kind')}, "
        f"{by_code_points(conn, 'upper(a.serial)')}, a.id"
    )
    n = len(AssetRow.COLUMNS)
    return [(AssetRow(*r[:n]), str(r[n])) for r in conn.execute(sql, params).all()]


def insert(tx: Tx, asset: AssetRow) -> None:
    tx.insert("asset", {c: getattr(asset, c) for c in AssetRow.COLUMNS})


def update(tx: Tx, asset_id: str, changes: dict[str, Any]) -> None:
    tx.update("asset", asset_id, changes)


def remove(tx: Tx, asset_id: str, *, at: int) -> None:
    tx.tombstone("asset", asset_id, at)
