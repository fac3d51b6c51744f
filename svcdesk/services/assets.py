"""Assets: the equipment installed at a customer site, with its warranty dates.

A serial number appears once per site (under the one serial rule, domain/serials.py: no case,
no white space, no full-width forms); the kinds an asset may have come from the `[warranty]`
section of the policy in force (`kinds = [...]`). Every check runs before anything is written,
so a refused command changes nothing. Importing a CSV file of assets is `asset_import.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from svcdesk import clock, ids
from svcdesk.domain import tickets as rules
from svcdesk.domain.serials import serial_problem
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services import policies
from svcdesk.services.records import asset_record
from svcdesk.store import assets as store
from svcdesk.store import sites as site_store
from svcdesk.store.db import Database
from svcdesk.store.schema import AssetRow
from svcdesk.store.sql import Conn

# The kinds the default policy names; the policy's `[warranty] kinds` list overrides them.
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

Notify = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Checking values


def asset_kinds(conn: Conn) -> tuple[str, ...]:
    """The kinds the policy in force knows (its `[warranty] kinds`), else the default ones."""
    _, policy = policies.in_force(conn, clock.to_epoch(clock.now()))
    kinds = policy.warranty_rules().kinds  # parsed and checked with the policy
    return tuple(dict.fromkeys(k.lower().replace("-", "_") for k in kinds)) or ASSET_KINDS


def choose_kind(value: str, kinds: tuple[str, ...]) -> str:
    """A known kind from what was typed: case-insensitive, a unique prefix, `-` for `_`."""
    return rules.choose(value.replace("-", "_"), kinds, "asset kind")


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str, what: str) -> str:
    """A calendar date written exactly as YYYY-MM-DD (and a real one), in that form."""
    t = text.strip()
    if _ISO_DAY.match(t):
        try:
            return date.fromisoformat(t).isoformat()
        except ValueError:
            raise InvalidValue(f"invalid {what} {text!r}: no such day") from None
    raise InvalidValue(f"invalid {what} {text!r}: use YYYY-MM-DD, such as 2024-03-15")


def _day(value: str | date | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return parse_day(value, what) if value.strip() else None


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def today() -> str:
    """Today's date in the display time zone (YYYY-MM-DD)."""
    return clock.now().astimezone(clock.display_tz()).date().isoformat()


def date_problem(
    installed: str | None,
    warranty: str | None,
    *,
    today: str,
    names: tuple[str, str] = ("--installed", "--warranty-until"),
    check_future: bool = True,
) -> str | None:
    """What is wrong with an installation date and a warranty end, if anything."""
    if check_future and installed and installed > today:
        return (
            f"{names[0]} {installed} is in the future (today is {today}); "
            "register equipment once it is installed"
        )
    if installed and warranty and warranty < installed:
        return f"{names[1]} {warranty} is before the installation date {installed}"
    return None


def duplicate(serial: str, site_code: str, ref: str) -> RuleViolation:
    return RuleViolation(
        f"serial {serial} is already registered at site {site_code} as asset {ref} "
        f"(see 'svcdesk asset show {ref}')"
    )


def find_asset(conn: Conn, typed: str, replica_code: str) -> AssetRow:
    """The asset a person names: its ref (KQ7M-A3), its number here (3), or a unique prefix."""
    return store.find(conn, typed, replica_code=replica_code)


# --------------------------------------------------------------------------------------------
# One asset at a time


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
    serial = serial.strip()
    if not serial:
        raise InvalidValue("an asset needs a --serial")
    if problem := serial_problem(serial):
        raise InvalidValue(problem)
    installed = _day(installed_on, "--installed")
    warranty = _day(warranty_until, "--warranty-until")
    problem = date_problem(installed, warranty, today=today())
    if problem:
        raise InvalidValue(problem)
    now = clock.to_epoch(clock.now())
    with db.write() as tx:
        kind = choose_kind(kind, asset_kinds(tx.conn))
        site_row = site_store.find(tx.conn, site)
        taken = store.serial_taken(tx.conn, site_id=site_row.id, serial=serial)
        if taken:
            raise duplicate(serial, site_row.code, taken)
        asset = AssetRow(
            id=ids.uuid7(),
            ref=f"{db.replica_code}-A{tx.next_counter('asset')}",
            site_id=site_row.id,
            kind=kind,
            serial=serial,
            model=_text(model),
            installed_on=installed,
            warranty_until=warranty,
            notes=_text(notes),
            created_at=now,
            updated_at=now,
            removed_at=None,
            merged_into=None,
        )
        store.insert(tx, asset)
    return asset_record(asset, site_row.code)


def list_assets(
    db: Database, *, site: str | None = None, kind: str | None = None, removed: bool = False
) -> list[dict[str, Any]]:
    """Every asset (of one site, of one kind), by site, kind and serial; removed ones only
    with `removed`."""
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        chosen = None
        if kind:
            known = tuple(dict.fromkeys(asset_kinds(conn) + tuple(store.stored_kinds(conn))))
            chosen = choose_kind(kind, known)
        rows = store.listing(conn, site_id=site_id, kind=chosen, removed=removed)
    return [asset_record(a, code) for a, code in rows]


def show_asset(db: Database, typed: str) -> dict[str, Any]:
    """One asset, named by its ref, its number on this replica, or a unique prefix."""
    with db.read() as conn:
        asset = find_asset(conn, typed, db.replica_code)
        code = site_store.code_of(conn, asset.site_id)
    return asset_record(asset, code)


def edit_asset(
    db: Database,
    typed: str,
    *,
    kind: str | None = None,
    serial: str | None = None,
    model: str | None = None,
    installed_on: str | None = None,
    warranty_until: str | None = None,
    notes: str | None = None,
    notify: Notify | None = None,
) -> dict[str, Any]:
    """Change the given fields of an asset (None: leave as is; "": clear an optional field).

    Only fields whose value really changes are written (and logged); its ref never changes.
    """
    if all(v is None for v in (kind, serial, model, installed_on, warranty_until, notes)):
        raise InvalidValue(
            "nothing to change: give one or more of --kind, --serial, --model, --installed, "
            "--warranty-until, --notes"
        )
    new: dict[str, Any] = {}
    if serial is not None:
        new["serial"] = serial.strip()
        if not new["serial"]:
            raise InvalidValue("--serial cannot be empty: an asset keeps its serial number")
        if problem := serial_problem(new["serial"]):
            raise InvalidValue(problem)
    if model is not None:
        new["model"] = _text(model)
    if installed_on is not None:
        new["installed_on"] = _day(installed_on, "--installed")
    if warranty_until is not None:
        new["warranty_until"] = _day(warranty_until, "--warranty-until")
    if notes is not None:
        new["notes"] = _text(notes)
    with db.write() as tx:
        conn = tx.conn
        if kind is not None:
            new["kind"] = choose_kind(kind, asset_kinds(conn))
        asset = find_asset(conn, typed, db.replica_code)
        code = site_store.code_of(conn, asset.site_id)
        merged = replace(asset, **new)
        if installed_on is not None or warranty_until is not None:
            problem = date_problem(
                merged.installed_on,
                merged.warranty_until,
                today=today(),
                check_future=installed_on is not None,
            )
            if problem:
                raise InvalidValue(problem)
        changes = {k: v for k, v in new.items() if getattr(asset, k) != v}
        if "serial" in changes:
            taken = store.serial_taken(conn, site_id=asset.site_id, serial=changes["serial"],
                                       but=asset.id)  # fmt: skip
            if taken:
                raise duplicate(changes["serial"], code, taken)
        if changes:
            merged = replace(merged, updated_at=clock.to_epoch(clock.now()))
            store.update(tx, asset.id, {**changes, "updated_at": merged.updated_at})
    if notify is not None:
        if changes:
            notify(f"changed {', '.join(changes)} of asset {asset.ref}")
        else:
            notify(f"asset {asset.ref} already has these values; nothing changed")
    return asset_record(merged, code)


def remove_asset(db: Database, typed: str, *, at: str | None = None) -> dict[str, Any]:
    """Retire an asset: it leaves the lists and new tickets, and stays for the tickets that
    name it (a tombstone, which a sync carries to every replica)."""
    when = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        asset = find_asset(tx.conn, typed, db.replica_code)
        if asset.removed_at is not None:
            raise RuleViolation(f"asset {asset.ref} was removed already")
        store.remove(tx, asset.id, at=when)
        code = site_store.code_of(tx.conn, asset.site_id)
    return asset_record(replace(asset, removed_at=when), code)


def merge_assets(db: Database, typed: str, into: str) -> dict[str, Any]:
    """Join two records of one device: ASSET's tickets move to INTO_ASSET, and ASSET's ref
    becomes an alias of it. Syncs like any edit; fields they disagree on are listed by
    `sync conflicts`."""
    from svcdesk.sync import identity

    with db.write() as tx:
        loser = find_asset(tx.conn, typed, db.replica_code)
        survivor = find_asset(tx.conn, into, db.replica_code)
        if loser.id == survivor.id:
            raise InvalidValue(f"{typed!r} and {into!r} are the same asset ({loser.ref})")
        if loser.site_id != survivor.site_id:
            here, there = (site_store.code_of(tx.conn, a.site_id) for a in (loser, survivor))
            raise RuleViolation(
                f"asset {loser.ref} is at site {here} and {survivor.ref} at {there}: one device "
                "is at one site (move it with 'asset edit' first, or merge the sites)"
            )
        store.update(tx, loser.id, {"merged_into": survivor.id,
                                    "updated_at": clock.to_epoch(clock.now())})  # fmt: skip
        identity.merge(tx, "asset", loser=loser.id, survivor=survivor.id)
        identity.rebuild(tx, "asset", [survivor.id])  # as every replica will fold it
        merged = store.by_id(tx.conn, survivor.id)
        assert merged is not None
        code = site_store.code_of(tx.conn, merged.site_id)
    return asset_record(merged, code)
