"""Customer sites: the rows of `site`."""

from __future__ import annotations

from svcdesk.store import refs
from svcdesk.store.db import Tx
from svcdesk.store.registry import select_list
from svcdesk.store.schema import SiteRow
from svcdesk.store.sql import Conn, by_code_points

_COLS = select_list(SiteRow.COLUMNS)


def find(conn: Conn, typed: str) -> SiteRow:
    """The site a person names: its code or a unique prefix of it or of its id."""
    return refs.resolve(conn, SiteRow, typed, what="site", ref_col="code")


def by_id(conn: Conn, site_id: str) -> SiteRow:
    row = conn.execute(f"SELECT {_COLS} FROM site WHERE id = :i", {"i": site_id}).first()
    if row is None:
        raise LookupError(f"no site with id {site_id}")
    return SiteRow(*row)


def code_of(conn: Conn, site_id: str) -> str:
    return by_id(conn, site_id).code


def with_code(conn: Conn, code: str) -> SiteRow | None:
    row = conn.execute(f"SELECT {_COLS} FROM site WHERE code = :c", {"c": code}).first()
    return SiteRow(*row) if row else None


def all_sites(conn: Conn) -> list[SiteRow]:
    order = by_code_points(conn, "code")
    return [SiteRow(*r) for r in conn.execute(f"SELECT {_COLS} FROM site ORDER BY {order}").all()]


def codes(conn: Conn) -> dict[str, str]:
    """Site id -> code, for every site."""
    return {str(i): str(c) for i, c in conn.execute("SELECT id, code FROM site").all()}


def insert(tx: Tx, site: SiteRow) -> None:
    tx.insert("site", {c: getattr(site, c) for c in SiteRow.COLUMNS})
