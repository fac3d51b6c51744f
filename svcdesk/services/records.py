"""Records as users see them (the JSON shapes of CLI.md), built from the store's typed rows.

Instants become aware datetimes in the display zone here; `output.py` turns them into text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import orjson

from svcdesk import clock
from svcdesk.store.schema import AssetRow, SiteRow, TicketEventRow, TicketRow

Local = Callable[[int], datetime]


def site_record(site: SiteRow, contract_start: date | None = None) -> dict[str, Any]:
    """A site as every format shows it; `contract_start` (a date) is the day its service
    periods start as `services.inspections.contract_start` reads it (default: the stored one)."""
    return {
        "id": site.id,
        "code": site.code,
        "name": site.name,
        "tz": site.tz,
        "region": site.region,
        "contact": site.contact,
        "contract_start": (contract_start.isoformat() if contract_start is not None
                           else site.contract_start),
        "created_at": clock.from_epoch(site.created_at),
        "updated_at": clock.from_epoch(site.updated_at),
    }


def asset_record(asset: AssetRow, site_code: str) -> dict[str, Any]:
    """An asset as every format shows it (JSON field names are the stable contract)."""
    return {
        "id": asset.id,
        "ref": asset.ref,
        "site": site_code,
        "kind": asset.kind,
        "serial": asset.serial,
        "model": asset.model,
        "installed_on": asset.installed_on,
        "warranty_until": asset.warranty_until,
        "notes": asset.notes,
        "created_at": clock.from_epoch(asset.created_at),
        "updated_at": clock.from_epoch(asset.updated_at),
        "removed_at": clock.from_epoch(asset.removed_at),
    }


def ticket_record(
    ticket: TicketRow,
    site_code: str | None,
    asset_ref: str | None,
    clocks: list[dict[str, Any]],
    local: Local,
) -> dict[str, Any]:
    """The ticket as users see it (JSON shape of CLI.md), its clock records given."""
    return {
        "id": ticket.id,
        "ref": ticket.ref,
        "title": ticket.title,
        "site": site_code,
        "asset": asset_ref,
        "category": ticket.category,
        "severity": ticket.severity,
        "channel": ticket.channel,
        "status": ticket.status,
        "assignee": ticket.assignee,
        "reporter": ticket.reporter,
        "opened_at": local(ticket.opened_at),
        "due_at": local(ticket.due_at) if ticket.due_at is not None else None,
        "updated_at": local(ticket.updated_at),
        "clocks": clocks,
    }


def event_record(event: TicketEventRow, local: Local) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind,
        "at": local(event.at),
        "actor": event.actor,
        "note": event.note,
        "details": orjson.loads(event.data) if event.data else {},
    }
