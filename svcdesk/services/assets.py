"""Assets: the equipment installed at a customer site, with its warranty dates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from svcdesk import clock, ids
from svcdesk.domain import tickets as rules
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services.sites import find_site
from svcdesk.store.db import Database

# The equipment the service plan names: servers, monitors, DVRs, queue-ticket machines and
# LED screens (the application software is supported for life and is not an asset).
# The kinds the default policy names; the warranty rules (issue 4) make this policy data.
ASSET_KINDS = (
    "server",
    "monitor",
    "dvr",
    "queue_machine",
    "led_screen",
    "network",
    "pc",
    "software",
)


def asset_record(row: dict[str, Any], site_code: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "ref": row["ref"],
        "site": site_code,
        "kind": row["kind"],
        "serial": row["serial"],
        "model": row["model"],
        "installed_on": row["installed_on"],
        "warranty_until": row["warranty_until"],
        "notes": row["notes"],
        "created_at": clock.from_epoch(row["created_at"]),
        "updated_at": clock.from_epoch(row["updated_at"]),
    }


def _day(value: str | date | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return clock.parse_date(value, what=what) if value.strip() else None


def add_asset(
    db: Database,
    *,
    site: str,
    kind: str,
    serial: str,
    model: str | None = None,
    installed_on: str | date | None = None,
    warranty_until: str | date | None = None,
    notes: str | None = None,
) -> dict[str, Any]:
    """Register a piece of equipment at a site; a serial number appears once per site."""
    kind = rules.choose(kind.replace("-", "_"), ASSET_KINDS, "asset kind")
    serial = serial.strip()
    if not serial:
        raise InvalidValue("an asset needs a --serial")
    installed = _day(installed_on, "--installed")
    warranty = _day(warranty_until, "--warranty-until")
    if installed and warranty and warranty < installed:
        raise InvalidValue(
            f"--warranty-until {warranty} is before the installation date {installed}"
        )
    now = clock.to_epoch(clock.now())
    with db.write() as tx:
        site_row = find_site(tx.conn, site)
        taken = tx.conn.execute(
            "SELECT ref FROM asset WHERE site_id = :s AND upper(serial) = upper(:n)",
            {"s": site_row["id"], "n": serial},
        ).scalar()
        if taken:
            raise RuleViolation(
                f"serial {serial} is already registered at site {site_row['code']} as asset "
                f"{taken} (see 'svcdesk asset show {taken}')"
            )
        row = {
            "id": ids.uuid7(),
            "ref": f"{db.replica_code}-A{tx.next_counter('asset')}",
            "site_id": site_row["id"],
            "kind": kind,
            "serial": serial,
            "model": model.strip() if model and model.strip() else None,
            "installed_on": installed,
            "warranty_until": warranty,
            "notes": notes,
            "created_at": now,
            "updated_at": now,
        }
        tx.insert("asset", row)
    return asset_record(row, site_row["code"])
