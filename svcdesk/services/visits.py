"""On-site visits: an engineer at a customer site, the parts replaced, the time spent there.

The plan's on-site support (现场支持) and its promise that an engineer arrives on site: a visit
for a ticket records the ticket's arrival in the same transaction, so its on-site clock is
met. A part replaced is checked against the asset's warranty decision on the day the visit
ends: a replacement the warranty does not make free is marked `paid` (the plan: queue-ticket
machines and LED screens older than 3 years get no free replacement).

Kind by default: `repair` for a visit to a ticket (`upgrade` when the ticket is an upgrade
request), `inspection` otherwise (the plan's proactive visits are its on-site inspections).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson

from svcdesk import clock, ids
from svcdesk.domain import tickets as rules
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.store import assets as asset_store
from svcdesk.store import field as store
from svcdesk.store import sites as site_store
from svcdesk.store import tickets as ticket_store
from svcdesk.store.db import Database, Tx
from svcdesk.store.schema import SiteRow, VisitPartRow, VisitRow
from svcdesk.store.sql import Conn

KINDS = ("repair", "inspection", "training", "install", "upgrade")
Notify = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Checking values


def _text(value: str | None, what: str) -> str | None:
    """Optional text as given, stripped (None or "": none); NUL refused."""
    if value is None or not value.strip():
        return None
    if "\x00" in value:
        raise InvalidValue(f"{what} must not contain a NUL character")
    return value.strip()


def engineer_name(engineer: str | None) -> str:
    """Who was on site: as given, else the one recording (SVCDESK_USER, else the login name),
    as `ticket arrive` takes it."""
    from svcdesk.services.tickets import actor

    if engineer is not None and not engineer.strip():
        raise InvalidValue("--engineer must not be empty")
    return _text(engineer, "--engineer") or actor()


_COST = re.compile(r"^(\d{1,13})(?:\.(\d{1,2}))?$")


def parse_cost(text: str, *, what: str = "cost") -> int:
    """A cost such as `120`, `120.5` or `120.50` (currency units, at most 2 decimals) as
    integer cents; anything else is a usage error."""
    t = text.strip().replace(",", "")
    m = _COST.match(t)
    if m is None:
        raise InvalidValue(
            f"invalid {what} {text!r}: a sum such as 120 or 120.50 (no sign, at most 2 decimals)"
        )
    return int(m[1]) * 100 + int((m[2] or "0").ljust(2, "0"))


def cost_text(cents: int | None) -> str | None:
    """Integer cents as the decimal people read: 12050 -> `120.50`."""
    if cents is None:
        return None
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class PartSpec:
    """One `--part SERIAL_OUT:SERIAL_IN[:COST]` as typed, checked."""

    serial_out: str
    serial_in: str
    cost: int | None


def parse_part(text: str) -> PartSpec:
    """`SERIAL_OUT:SERIAL_IN[:COST]`: the faulty part's serial, its replacement's, the cost."""
    pieces = text.split(":")
    usage = "use SERIAL_OUT:SERIAL_IN or SERIAL_OUT:SERIAL_IN:COST, such as LED-77:LED-91:350"
    if len(pieces) not in (2, 3):
        raise InvalidValue(f"invalid --part {text!r}: {usage}")
    out, into = (p.strip() for p in pieces[:2])
    if not out or not into:
        raise InvalidValue(f"invalid --part {text!r}: both serials are needed; {usage}")
    for serial in (out, into):
        if "\x00" in serial or not serial.isprintable():
            raise InvalidValue(f"invalid --part {text!r}: a serial must be printable text")
    cost = parse_cost(pieces[2], what=f"cost in --part {text!r}") if len(pieces) == 3 else None
    return PartSpec(out, into, cost)


def _kind(kind: str | None, ticket_severity: str | None) -> str:
    if kind is not None:
        return rules.choose(kind, KINDS, "visit kind")
    if ticket_severity is None:
        return "inspection"
    return "upgrade" if ticket_severity == "upgrade" else "repair"


def _local(ts: int) -> str:
    return f"{clock.from_epoch(ts, clock.display_tz()):%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------------------------
# Starting and ending


def start_visit(
    db: Database,
    *,
    site: str | None = None,
    ticket: str | None = None,
    engineer: str | None = None,
    kind: str | None = None,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """Start a visit at a site (a ticket's site, if only the ticket is given); for a ticket,
    its arrival is recorded in the same transaction, meeting its on-site clock."""
    who = engineer_name(engineer)
    if kind is not None:
        rules.choose(kind, KINDS, "visit kind")  # refused before anything is read
    if site is None and ticket is None:
        raise InvalidValue("a visit needs a --site (or a --ticket, whose site it takes)")
    when = clock.recorded_at(at)
    ts = clock.to_epoch(when)
    with db.write() as tx:
        conn = tx.conn
        site_row = site_store.find(conn, site) if site is not None else None
        ticket_row = (ticket_store.find(conn, ticket, replica_code=db.replica_code)
                      if ticket is not None else None)  # fmt: skip
        if ticket_row is not None:
            if site_row is None:
                site_row = site_store.by_id(conn, ticket_row.site_id)
            elif ticket_row.site_id != site_row.id:
                other = site_store.code_of(conn, ticket_row.site_id)
                raise RuleViolation(
                    f"ticket {ticket_row.ref} is at site {other}, not {site_row.code}; "
                    f"start the visit with --site {other}"
                )
        assert site_row is not None
        visit = VisitRow(
            id=ids.uuid7(),
            ref=store.next_ref(tx, "visit", db.replica_code),
            site_id=site_row.id,
            ticket_id=ticket_row.id if ticket_row else None,
            engineer=who,
            kind=_kind(kind, ticket_row.severity if ticket_row else None),
            started_at=ts,
            ended_at=None,
            summary=None,
            signed_by=None,
            created_at=ts,
            updated_at=ts,
        )
        store.insert_visit(tx, visit)
        if ticket_row is not None:
            from svcdesk.services import tickets

            # the service `ticket arrive` runs, joining this transaction (a refusal of the
            # arrival, a closed ticket say, writes no visit either); without --at, it goes
            # in where one recorded now goes (after events dated ahead, if it must)
            tickets.arrive(db, ticket_row.ref, engineer=who, at=when if at is not None else None)
    return show(db, visit.id)


def end_visit(
    db: Database,
    typed: str,
    *,
    summary: str,
    parts: Sequence[str] = (),
    signed_by: str | None = None,
    at: str | datetime | None = None,
    notify: Notify | None = None,
) -> dict[str, Any]:
    """End a visit with its summary, the customer's sign-off and the parts replaced; each part
    is checked against its asset's warranty decision on the day (not free: marked paid)."""
    text = _text(summary, "--summary")
    if text is None:
        raise InvalidValue("a visit ends with a --summary of what was done")
    signer = _text(signed_by, "--signed-by")
    specs = [parse_part(p) for p in parts]
    ts = clock.to_epoch(clock.recorded_at(at))
    remarks: list[str] = []
    with db.write() as tx:
        conn = tx.conn
        visit = store.find_visit(conn, typed, replica_code=db.replica_code)
        if visit.ended_at is not None:
            raise RuleViolation(
                f"visit {visit.ref} already ended at {_local(visit.ended_at)}; nothing was changed"
            )
        if ts < visit.started_at:
            raise RuleViolation(
                f"--at {_local(ts)} is before visit {visit.ref} started "
                f"({_local(visit.started_at)}); nothing was changed"
            )
        site = site_store.by_id(conn, visit.site_id)
        for position, spec in enumerate(specs):
            _add_part(tx, visit, site, spec, position, ts, remarks)
        store.update_visit(tx, visit.id, {"ended_at": ts, "summary": text, "signed_by": signer,
                                          "updated_at": max(ts, visit.updated_at)})  # fmt: skip
    if notify is not None:
        for line in remarks:
            notify(line)
    return show(db, visit.id)


def _visit_day(site: SiteRow, ts: int) -> date:
    """The visit's date where the site is (its zone, else the display zone)."""
    zone = clock.zone(site.tz) if site.tz else clock.display_tz()
    when = clock.from_epoch(ts, zone)
    assert when is not None
    return when.date()


def _add_part(tx: Tx, visit: VisitRow, site: SiteRow, spec: PartSpec, position: int, ts: int,
              remarks: list[str]) -> None:  # fmt: skip
    from svcdesk.services import policies, warranty

    conn = tx.conn
    asset = asset_store.by_serial(conn, spec.serial_out, site_id=site.id)
    if asset is not None and asset.site_id != site.id:
        asset = None  # registered elsewhere: not this site's equipment
    if asset is None:
        coverage = "paid"
        reasons = [f"serial {spec.serial_out} is not an asset registered at site {site.code}: "
                   "no warranty decides its replacement, so it is paid"]  # fmt: skip
        remarks.append(f"note: {reasons[0]} (register it with 'svcdesk asset add')")
    else:
        _, policy = policies.in_force(conn, ts)
        decided = warranty.coverage(policy.warranty_rules(), asset, _visit_day(site, ts))
        level = decided.level("replacement")
        coverage = "free" if level == "free" else "paid"
        reasons = list(decided.reasons)
        if level != "free":
            said = "makes it paid" if level == "paid" else "does not cover it"
            reasons.append(f"the replacement of asset {asset.ref} is paid: its warranty {said}")
    store.add_part(tx, VisitPartRow(
        id=ids.uuid7(), visit_id=visit.id, position=position, serial_out=spec.serial_out,
        serial_in=spec.serial_in, cost=spec.cost, asset_id=asset.id if asset else None,
        coverage=coverage, reasons=orjson.dumps(reasons).decode(),
    ))  # fmt: skip


# --------------------------------------------------------------------------------------------
# Reading


def _records(conn: Conn, visits: list[VisitRow]) -> list[dict[str, Any]]:
    """Visits as users see them (the JSON shape of CLI.md)."""
    local = clock.local_times(clock.display_tz())
    sites = site_store.codes(conn)
    tickets = {t.id: t.ref for t in ticket_store.by_ids(conn, {v.ticket_id for v in visits
                                                                if v.ticket_id})}  # fmt: skip
    parts = store.parts_of(conn, [v.id for v in visits])
    assets = asset_store.refs_of(conn, {p.asset_id for ps in parts.values() for p in ps
                                        if p.asset_id})  # fmt: skip
    out = []
    for v in visits:
        minutes = (v.ended_at - v.started_at) // 60 if v.ended_at is not None else None
        out.append({
            "id": v.id,
            "ref": v.ref,
            "site": sites.get(v.site_id),
            "ticket": tickets.get(v.ticket_id or ""),
            "engineer": v.engineer,
            "kind": v.kind,
            "started_at": local(v.started_at),
            "ended_at": local(v.ended_at) if v.ended_at is not None else None,
            "minutes": minutes,
            "summary": v.summary,
            "parts": [_part_record(p, assets) for p in parts.get(v.id, [])],
            "signed_by": v.signed_by,
        })  # fmt: skip
    return out


def _part_record(part: VisitPartRow, assets: dict[str, str]) -> dict[str, Any]:
    return {
        "serial_out": part.serial_out,
        "serial_in": part.serial_in,
        "asset": assets.get(part.asset_id or ""),
        "cost": cost_text(part.cost),
        "cost_cents": part.cost,
        "coverage": part.coverage,
        "reasons": orjson.loads(part.reasons) if part.reasons else [],
    }


def show(db: Database, visit_id: str) -> dict[str, Any]:
    """The visit with this id, as `visit show` gives it."""
    with db.read() as conn:
        visit = store.visit_by_id(conn, visit_id)
        assert visit is not None
        return _records(conn, [visit])[0]


def show_visit(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        return _records(conn, [store.find_visit(conn, typed, replica_code=db.replica_code)])[0]


def _spellings(conn: Conn, engineer: str | None) -> list[str] | None:
    """The engineer names in use that are this one, whatever the case."""
    if engineer is None:
        return None
    if not engineer.strip():
        raise InvalidValue("--engineer must not be empty")
    wanted = engineer.strip().casefold()
    return [e for e in store.engineers(conn) if e.strip().casefold() == wanted]


def list_visits(
    db: Database,
    *,
    site: str | None = None,
    engineer: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Visits started in [since, until), oldest first; `engineer` matches whatever the case."""
    after, before = clock.window(since, until)
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        rows = store.visits(conn, site_id=site_id, engineers=_spellings(conn, engineer),
                            since=after, until=before)  # fmt: skip
        return _records(conn, rows)


def time_on_site(
    db: Database,
    *,
    site: str | None = None,
    engineer: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """Time on site per engineer and site, of the visits started in [since, until): how many
    ended, their minutes and seconds in total, and how many are still open (not counted)."""
    after, before = clock.window(since, until)
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        rows = store.time_on_site(conn, site_id=site_id, engineers=_spellings(conn, engineer),
                                  since=after, until=before)  # fmt: skip
        codes = site_store.codes(conn)
    return [{"engineer": r.engineer, "site": codes.get(r.site_id), "visits": r.visits,
             "minutes": r.seconds // 60, "seconds": r.seconds, "open": r.open}
            for r in rows]  # fmt: skip
