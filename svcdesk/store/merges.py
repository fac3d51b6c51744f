"""Two records that are one thing, joined: the SQL of a merge (sync/identity.py decides).

Sites are one thing when they have one code; assets, when one site has them under one serial
(the one serial rule, domain/serials.py: a look-up of the indexed `asset.serial_key`). The
record that goes away leaves its references to the one that stays, and its old id and names to
the alias table. Nothing here is logged: every replica does the same
from the same operations.
"""

from __future__ import annotations

from svcdesk.domain.serials import serial_key
from svcdesk.store import registry
from svcdesk.store.sql import Conn, in_list

IDENTITY = ("site", "asset")

# Another asset of one site holding one serial (its key: domain/serials.py): an index look-up
# (ix_asset_serial_key; tests/sync/test_site_assets_sync.py reads its plan).
ASSET_HOLDER = "SELECT id FROM asset WHERE serial_key = :k AND site_id = :s AND id <> :i"

# The tickets of a site or an asset (ix_ticket_site, ix_ticket_asset).
TICKETS_OF = {"site": "SELECT id FROM ticket WHERE site_id = :o",
              "asset": "SELECT id FROM ticket WHERE asset_id = :o"}  # fmt: skip

# What points at a record of each table: (table, column).
_REFERENCES = {"site": (("ticket", "site_id"), ("asset", "site_id")),
               "asset": (("ticket", "asset_id"),)}  # fmt: skip


def holder(conn: Conn, table: str, state: dict[str, object]) -> str | None:
    """The id of another record holding the natural key of `state` (None: no other)."""
    if table == "site":  # a code now held, or once held by a site since renamed or merged
        value = conn.execute(
            "SELECT id FROM site WHERE code = :c AND id <> :i UNION ALL "
            "SELECT row_id FROM alias WHERE tbl = 'site' AND kind = 'code' AND name = :c "
            "AND row_id <> :i LIMIT 1",
            {"c": state.get("code"), "i": state.get("id")},
        ).scalar()
    else:
        value = conn.execute(
            ASSET_HOLDER,
            {"s": state.get("site_id"), "i": state.get("id"),
             "k": serial_key(str(state.get("serial") or ""))},
        ).scalar()  # fmt: skip
    return None if value is None else str(value)


def held_keys(conn: Conn, table: str, keys: list[str]) -> dict[str, set[tuple[str, str]]]:
    """Natural key -> every (record id, site id) holding it now, for many keys at once (what
    `holder` asks one record at a time): a site's code, held or once held (site id ""); an
    asset's serial key (store/keys.py)."""
    out: dict[str, set[tuple[str, str]]] = {}
    for marks, params in in_list(sorted(set(keys))):
        if table == "site":
            sql = (f"SELECT code, id, '' FROM site WHERE code IN ({marks}) UNION ALL "
                   "SELECT name, row_id, '' FROM alias WHERE tbl = 'site' AND kind = 'code' "
                   f"AND name IN ({marks})")  # fmt: skip
        else:
            sql = f"SELECT serial_key, id, site_id FROM asset WHERE serial_key IN ({marks})"
        for key, row_id, site in conn.execute(sql, params).all():
            out.setdefault(str(key), set()).add((str(row_id), str(site)))
    return out


def park(conn: Conn, table: str, row_id: str) -> None:
    """Free a record's natural key before the record it merges into takes it."""
    if table == "site":
        conn.execute("UPDATE site SET code = code || '~' || id WHERE id = :i", {"i": row_id})
    else:
        row = conn.execute("SELECT serial FROM asset WHERE id = :i", {"i": row_id}).first()
        if row is not None:
            parked = f"{row[0]}~{row_id}"
            conn.execute("UPDATE asset SET serial = :s, serial_key = :k WHERE id = :i",
                         {"s": parked, "k": serial_key(parked), "i": row_id})  # fmt: skip


def move_references(conn: Conn, table: str, old: str, new: str) -> list[str]:
    """Point what pointed at `old` at `new`; returns the tickets that moved."""
    registry.table(table)
    moved = [str(i) for (i,) in conn.execute(TICKETS_OF[table], {"o": old}).all()]
    for child, col in _REFERENCES[table]:
        conn.execute(f"UPDATE {child} SET {col} = :n WHERE {col} = :o", {"n": new, "o": old})
    return moved


def park_clashing_assets(conn: Conn, old_site: str, new_site: str) -> list[str]:
    """Park the serials of the assets of `old_site` that `new_site` has too (they are about to
    meet there); returns their ids, to merge once they do."""
    ids = [str(i) for (i,) in conn.execute(
        "SELECT a.id FROM asset a JOIN asset b ON b.serial_key = a.serial_key "
        "AND b.site_id = :n "
        "WHERE a.site_id = :o ORDER BY a.id", {"o": old_site, "n": new_site}).all()]  # fmt: skip
    for asset_id in ids:
        park(conn, "asset", asset_id)
    return ids


def drop(conn: Conn, table: str, row_id: str) -> None:
    conn.execute(f"DELETE FROM {registry.table(table)} WHERE id = :i", {"i": row_id})


def exists(conn: Conn, table: str, row_id: str) -> bool:
    name = registry.table(table)
    return conn.execute(f"SELECT 1 FROM {name} WHERE id = :i", {"i": row_id}).first() is not None


def shown(conn: Conn, table: str, row_id: str) -> dict[str, object]:
    """What a ticket's stored rendering takes from a site (its code and zone)."""
    if table != "site":
        return {}
    row = conn.execute("SELECT code, tz FROM site WHERE id = :i", {"i": row_id}).first()
    return {} if row is None else {"code": row[0], "tz": row[1]}


def holding_old_codes(conn: Conn) -> list[str]:
    """Sites whose code is another site's old code (it merges there)."""
    rows = conn.execute(
        "SELECT s.id FROM site s JOIN alias a ON a.tbl = 'site' AND a.kind = 'code' "
        "AND a.name = s.code AND a.row_id <> s.id ORDER BY s.id"
    ).all()
    return [str(i) for (i,) in rows]
