"""Warranty questions about an asset: covered for repair, replacement, support; free or paid."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from svcdesk import clock
from svcdesk.errors import InvalidValue
from svcdesk.services import sla
from svcdesk.store.sql import Conn

if TYPE_CHECKING:
    from svcdesk.domain.warranty import Asset, Coverage, WarrantyRules
    from svcdesk.store.db import Database

SERVICES = ("repair", "replacement", "support")


def today() -> date:
    return clock.now().astimezone(clock.display_tz()).date()


def rules_in_force(conn: Conn) -> WarrantyRules:
    _, policy = sla.policy_in_force(conn, clock.to_epoch(clock.now()))
    return policy.warranty_rules()


def asset_facts(row: dict[str, Any]) -> Asset:
    from svcdesk.domain.warranty import Asset

    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return Asset(row["kind"], day(row["installed_on"]), day(row["warranty_until"]))


def coverage(rules: WarrantyRules, row: dict[str, Any], on: date) -> Coverage:
    from svcdesk.domain.warranty import decide

    return decide(rules, asset_facts(row), on)


def decision(conn: Conn, row: dict[str, Any], on: date, ref: str | None = None) -> dict[str, Any]:
    """The JSON shape of CLI.md: asset, on, kind, age_days, in_warranty, repair, replacement,
    support, reasons (and warranty_until)."""
    return {"asset": ref or row["ref"], **coverage(rules_in_force(conn), row, on).as_dict()}


def check(
    db: Database, typed: str, *, on: str | None = None, service: str | None = None
) -> dict[str, Any]:
    """Is ASSET covered on a date (default today), for what, free or paid, and why."""
    from svcdesk.domain.tickets import choose
    from svcdesk.services.tickets import find_asset

    when = date.fromisoformat(clock.parse_date(on, what="--on")) if on else today()
    if service is not None:
        service = choose(service, SERVICES, "service")
    with db.read() as conn:
        row = find_asset(conn, typed, db.replica_code)
        result = decision(conn, row, when)
        result["site"] = conn.execute(
            "SELECT code FROM site WHERE id = :i", {"i": row["site_id"]}
        ).scalar()
    if service is not None:
        result["asked"] = service
    return result


def expiring(
    db: Database, *, within: str | None = None, site: str | None = None
) -> list[dict[str, Any]]:
    """Assets whose warranty ends, or that cross an age limit, within the window; by site."""
    from svcdesk.domain.warranty import crossings
    from svcdesk.services.sites import find_site

    span = clock.parse_duration(within or "90d", what="--within")
    if span.total_seconds() <= 0:
        raise InvalidValue("--within must be a positive duration, e.g. 90d")
    start = today()
    end = start + timedelta(seconds=span.total_seconds())
    params: dict[str, Any] = {}
    where = " WHERE a.removed_at IS NULL"
    with db.read() as conn:
        if site:
            params["s"] = find_site(conn, site)["id"]
            where += " AND a.site_id = :s"
        rules = rules_in_force(conn)
        rows = conn.execute(
            "SELECT a.ref, s.code, a.kind, a.serial, a.model, a.installed_on, a.warranty_until "
            f"FROM asset a JOIN site s ON s.id = a.site_id{where} ORDER BY s.code, a.ref",
            params,
        ).records()
    out = []
    for row in rows:
        for when, what in crossings(rules, asset_facts(row), start, end):
            out.append(
                {
                    "site": row["code"],
                    "asset": row["ref"],
                    "kind": row["kind"],
                    "serial": row["serial"],
                    "model": row["model"],
                    "on": when,
                    "days_left": (when - start).days,
                    "change": what,
                }
            )
    out.sort(key=lambda r: (r["site"], r["on"], r["asset"]))
    return out
