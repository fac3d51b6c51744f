"""Customer sites: the places tickets, assets and visits belong to."""

from __future__ import annotations

from datetime import date
from typing import Any

from svcdesk import clock, ids
from svcdesk.errors import InvalidValue, RuleViolation, StoreError
from svcdesk.services.records import site_record
from svcdesk.store import aliases
from svcdesk.store import assets as asset_store
from svcdesk.store import sites as store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.db import Database
from svcdesk.store.schema import SiteRow
from svcdesk.store.sql import Conn


def _code(code: str) -> str:
    """A site code as typed, upper-cased: one word of printable characters (any script, such as
    BJ-HD or 北京-海淀); no space, `~`, control or invisible character (a terminal escape)."""
    typed, code = code, code.strip().upper()
    if not code or any(c.isspace() for c in code) or "~" in code:
        raise InvalidValue(f"invalid site code {code!r}: one word, such as BJ-HD")
    bad = next((c for c in code if not c.isprintable()), None)
    if bad is not None:
        raise InvalidValue(f"invalid site code {typed!r}: it holds the control or invisible "
                           f"character U+{ord(bad):04X}; use letters, digits and - such as BJ-HD")
    return code


def add_site(
    db: Database,
    *,
    code: str,
    name: str,
    tz: str | None = None,
    region: str | None = None,
    contact: str | None = None,
    at: str | None = None,
    contract_start: str | None = None,
) -> dict[str, Any]:
    """Register a customer site under a short unique CODE (stored upper-case). Its 12-month
    service periods start on `contract_start` (default: the day it is added, in its zone)."""
    from svcdesk.services.inspections import parse_contract_start

    code = _code(code)
    if not name.strip():
        raise InvalidValue("a site needs a --name")
    if tz:
        clock.zone(tz)
    starts = parse_contract_start(contract_start) if contract_start is not None else None
    when = clock.recorded_at(at)
    now = clock.to_epoch(when)
    with db.write() as tx:
        if starts is None:
            from svcdesk.services import policies

            zone = tz or policies.timezone_now(tx.conn) or clock.DEFAULT_TZ
            starts = when.astimezone(clock.zone(zone)).date().isoformat()
        site = SiteRow(id=ids.uuid7(), code=code, name=name.strip(), tz=tz, region=region,
                       contact=contact, created_at=now, updated_at=now, merged_into=None,
                       contract_start=starts)  # fmt: skip
        if store.with_code(tx.conn, code) is not None:
            raise RuleViolation(f"site {code} already exists (see 'svcdesk site show {code}')")
        now_named = aliases.lookup(tx.conn, tbl="site", name=code)
        if now_named is not None:  # sync would merge a new site of that code into it
            current = store.by_id(tx.conn, now_named).code
            raise RuleViolation(f"site {code} is now site {current} (renamed or merged); "
                                f"see 'svcdesk site show {current}'")  # fmt: skip
        store.insert(tx, site)
    return site_record(site, date.fromisoformat(starts))


def _shown(conn: Conn, site: SiteRow) -> dict[str, Any]:
    """The site's record, its contract start as the service periods read it."""
    return site_record(site, _starts(conn, [site])[site.id])


def _starts(conn: Conn, sites: list[SiteRow]) -> dict[str, date | None]:
    """Site id -> the day its service periods start (`inspections.contract_start`)."""
    from svcdesk.services import policies
    from svcdesk.services.inspections import contract_start

    _, policy = policies.in_force(conn, clock.to_epoch(clock.now()))
    out: dict[str, date | None] = {}
    for s in sites:
        try:
            out[s.id] = contract_start(s, policy)
        except StoreError:  # a crafted value: shown as stored, refused where it is counted
            out[s.id] = None
    return out


def list_sites(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        sites = store.all_sites(conn)
        counts = ticket_store.open_counts(conn)
        starts = _starts(conn, sites)
    return [{**site_record(s, starts[s.id]), "open_tickets": counts.get(s.id, 0)}
            for s in sites]  # fmt: skip


def show_site(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        site = store.find(conn, typed)
        rec = _shown(conn, site)
        rec["open_tickets"] = ticket_store.open_counts(conn).get(site.id, 0)
        rec["assets"] = len(asset_store.at_site(conn, site.id))
    return rec


def edit_site(
    db: Database,
    typed: str,
    *,
    code: str | None = None,
    name: str | None = None,
    tz: str | None = None,
    region: str | None = None,
    contact: str | None = None,
    contract_start: str | None = None,
) -> dict[str, Any]:
    """Change the given fields of a site (None: leave as is; "": clear region, contact or tz).
    A new code keeps the old one as an alias: refs and scripts that name it still work. A new
    `contract_start` moves the site's service periods."""
    from svcdesk.services.inspections import parse_contract_start

    if all(v is None for v in (code, name, tz, region, contact, contract_start)):
        raise InvalidValue(
            "nothing to change: give one or more of --code, --name, --tz, --region, --contact, "
            "--contract-start"
        )
    new: dict[str, Any] = {}
    if contract_start is not None:
        new["contract_start"] = parse_contract_start(contract_start)
    if code is not None:
        new["code"] = _code(code)
    if name is not None:
        if not name.strip():
            raise InvalidValue("a site keeps a --name: it cannot be empty")
        new["name"] = name.strip()
    if tz is not None:
        if tz.strip():
            clock.zone(tz.strip())
        new["tz"] = tz.strip() or None
    for key, value in (("region", region), ("contact", contact)):
        if value is not None:
            new[key] = value.strip() or None
    with db.write() as tx:
        site = store.find(tx.conn, typed)
        changes = {k: v for k, v in new.items() if getattr(site, k) != v}
        if "code" in changes:
            taken = store.with_code(tx.conn, changes["code"])
            named = aliases.lookup(tx.conn, tbl="site", name=changes["code"])
            if named is not None and named != site.id:  # once another site's: sync merges them
                taken = store.by_id(tx.conn, named)
            if taken is not None:
                raise RuleViolation(
                    f"site {changes['code']} already exists; if they are one site: "
                    f"svcdesk site merge {site.code} {taken.code}"
                )
        if changes:
            changes["updated_at"] = max(clock.to_epoch(clock.now()), site.updated_at)
            tx.update("site", site.id, changes)
            if "code" in changes:
                aliases.add(tx.conn, tbl="site", names=[site.code], row_id=site.id, kind="code")
        site = store.by_id(tx.conn, site.id)
        return _shown(tx.conn, site)


def merge_sites(db: Database, typed: str, into: str) -> dict[str, Any]:
    """Join two records of one site: SITE's tickets and assets move to INTO_SITE, and SITE's
    code becomes an alias of it. Syncs like any edit; fields they disagree on are listed by
    `sync conflicts`."""
    from svcdesk.sync import identity

    with db.write() as tx:
        loser, survivor = store.find(tx.conn, typed), store.find(tx.conn, into)
        if loser.id == survivor.id:
            raise InvalidValue(f"{typed!r} and {into!r} are the same site ({loser.code})")
        tx.update("site", loser.id, {"merged_into": survivor.id,
                                     "updated_at": clock.to_epoch(clock.now())})  # fmt: skip
        identity.merge(tx, "site", loser=loser.id, survivor=survivor.id)
        identity.rebuild(tx, "site", [survivor.id])  # as every replica will fold it
        site = store.by_id(tx.conn, survivor.id)
        return _shown(tx.conn, site)
