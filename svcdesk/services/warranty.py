"""Warranty questions about an asset: covered for repair, replacement, support; free or paid."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from svcdesk import clock
from svcdesk.errors import InvalidValue
from svcdesk.services import policies
from svcdesk.store import assets as asset_store
from svcdesk.store import sites as site_store
from svcdesk.store.schema import AssetRow
from svcdesk.store.sql import Conn

if TYPE_CHECKING:
    from svcdesk.domain.warranty import Asset, Coverage, WarrantyRules
    from svcdesk.store.db import Database

SERVICES = ("repair", "replacement", "support")


def today() -> date:
    return clock.now().astimezone(clock.display_tz()).date()


def rules_in_force(conn: Conn) -> WarrantyRules:
    _, policy = policies.in_force(conn, clock.to_epoch(clock.now()))
    return policy.warranty_rules()


def asset_facts(asset: AssetRow) -> Asset:
    from svcdesk.domain.warranty import Asset

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return Asset(asset.kind, day(asset.installed_on), day(asset.warranty_until))


def coverage(rules: WarrantyRules, asset: AssetRow, on: date) -> Coverage:
    from svcdesk.domain.warranty import decide

    return decide(rules, asset_facts(asset), on)


def decision(conn: Conn, asset: AssetRow, on: date) -> dict[str, Any]:
    """The JSON shape of CLI.md: asset, on, kind, age_days, in_warranty, repair, replacement,
    support, reasons (and warranty_until)."""
    return {"asset": asset.ref, **coverage(rules_in_force(conn), asset, on).as_dict()}


def check(
    db: Database, typed: str, *, on: str | None = None, service: str | None = None
) -> dict[str, Any]:
    """Is ASSET covered on a date (default today), for what, free or paid, and why."""
    from svcdesk.domain.tickets import choose

    when = date.fromisoformat(clock.parse_date(on, what="--on")) if on else today()
    if service is not None:
        service = choose(service, SERVICES, "service")
    with db.read() as conn:
        asset = asset_store.find(conn, typed, replica_code=db.replica_code)
        result = decision(conn, asset, when)
        result["site"] = site_store.code_of(conn, asset.site_id)
    if service is not None:
        result["asked"] = service
    return result


def expiring(
    db: Database, *, within: str | None = None, site: str | None = None
) -> list[dict[str, Any]]:
    """Assets whose warranty ends, or that cross an age limit, within the window; by site."""
    from svcdesk.domain.warranty import crossings

    span = clock.parse_duration("90d" if within is None else within, what="--within")
    if span.total_seconds() <= 0:
        raise InvalidValue("--within must be a positive duration, e.g. 90d")
    start = today()
    end = start + timedelta(seconds=span.total_seconds())
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        rules = rules_in_force(conn)
        rows = asset_store.listing(conn, site_id=site_id)
    out = []
    for asset, code in rows:
        for when, what in crossings(rules, asset_facts(asset), start, end):
            out.append(
                {
                    "site": code,
                    "asset": asset.ref,
                    "kind": asset.kind,
                    "serial": asset.serial,
                    "model": asset.model,
                    "on": when,
                    "days_left": (when - start).days,
                    "change": what,
                }
            )
    out.sort(key=lambda r: (r["site"], r["on"], r["asset"]))
    return out
