"""Customer sites: the places tickets, assets and visits belong to."""

from __future__ import annotations

from typing import Any

from svcdesk import clock, ids
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services.records import site_record
from svcdesk.store import assets as asset_store
from svcdesk.store import sites as store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.db import Database
from svcdesk.store.schema import SiteRow


def add_site(
    db: Database,
    *,
    code: str,
    name: str,
    tz: str | None = None,
    region: str | None = None,
    contact: str | None = None,
    at: str | None = None,
) -> dict[str, Any]:
    """Register a customer site under a short unique CODE (stored upper-case)."""
    code = code.strip().upper()
    if not code or any(c.isspace() for c in code):
        raise InvalidValue(f"invalid site code {code!r}: one word, such as BJ-HD")
    if not name.strip():
        raise InvalidValue("a site needs a --name")
    if tz:
        clock.zone(tz)
    now = clock.to_epoch(clock.parse_instant(at, what="--at") if at else clock.now())
    site = SiteRow(id=ids.uuid7(), code=code, name=name.strip(), tz=tz, region=region,
                   contact=contact, created_at=now, updated_at=now)  # fmt: skip
    with db.write() as tx:
        if store.with_code(tx.conn, code) is not None:
            raise RuleViolation(f"site {code} already exists (see 'svcdesk site show {code}')")
        store.insert(tx, site)
    return site_record(site)


def list_sites(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        sites = store.all_sites(conn)
        counts = ticket_store.open_counts(conn)
    return [{**site_record(s), "open_tickets": counts.get(s.id, 0)} for s in sites]


def show_site(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        site = store.find(conn, typed)
        rec = site_record(site)
        rec["open_tickets"] = ticket_store.open_counts(conn).get(site.id, 0)
        rec["assets"] = len(asset_store.at_site(conn, site.id))
    return rec
