"""Tickets: open one, move it through its lifecycle, list and show them.

Every lifecycle command appends one event to the ticket's timeline and updates the ticket row,
in one transaction that the change log records; its clocks follow at the commit
(`services/derived.py`).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson

from svcdesk import clock, ids
from svcdesk.domain import tickets as rules
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.jsontext import CsvLine, JsonObject
from svcdesk.services import derived, formats
from svcdesk.services.records import event_record, ticket_record
from svcdesk.store import assets as asset_store
from svcdesk.store import changelog, meta
from svcdesk.store import sites as site_store
from svcdesk.store import tickets as store
from svcdesk.store.db import Database, Tx
from svcdesk.store.schema import SiteRow, TicketEventRow, TicketRow
from svcdesk.store.sql import Conn


def actor() -> str:
    """Who is recording: SVCDESK_USER, else the login name."""
    name = os.environ.get("SVCDESK_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


# --------------------------------------------------------------------------------------------
# Opening


def open_ticket(
    db: Database,
    *,
    title: str,
    site: str | None = None,
    category: str = "other",
    severity: str | None = None,
    channel: str = "phone",
    asset: str | None = None,
    reporter: str | None = None,
    due: str | datetime | None = None,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """Open a fault ticket (or an upgrade request, which carries the customer's due date).

    Without a severity a fault is `normal`, except during an upgrade at its site (one begun in
    the last 24 hours, or an upgrade visit under way): then the policy's `[upgrades]
    fault_severity` (default `major`; the plan: "升级期间出现故障立即到现场"), and the
    timeline's first line says why."""
    title = _title(title)
    reporter = _plain(reporter, "--reporter")
    category = rules.choose(category, rules.CATEGORIES, "category")
    chosen = rules.choose(severity, rules.SEVERITIES, "severity") if severity is not None else None
    channel = rules.choose(channel, rules.CHANNELS, "channel")
    when = clock.recorded_at(at)
    due_at: int | None = None
    if chosen == "upgrade":
        if due is None:
            raise InvalidValue("an upgrade request needs --due: the date the customer asked for")
        due_dt = due if isinstance(due, datetime) else clock.parse_instant(due, what="--due")
        if due_dt <= when:
            raise InvalidValue("--due must be after the request was made (--at)")
        due_at = clock.to_epoch(due_dt)
    elif due is not None:
        raise InvalidValue("--due applies to upgrade requests only (--severity upgrade)")
    why: str | None = None
    with db.write() as tx:
        conn = tx.conn
        site_row = site_store.find(conn, site) if site else None
        asset_row = (asset_store.find(conn, asset, replica_code=db.replica_code,
                                      site_id=site_row.id if site_row else None)
                     if asset else None)  # fmt: skip
        if asset_row and asset_row.removed_at is not None:
            raise RuleViolation(f"asset {asset_row.ref} was removed; it takes no new tickets")
        if site_row is None:
            if asset_row is None:
                raise InvalidValue("a ticket needs a --site (or an --asset, whose site it takes)")
            site_row = site_store.by_id(conn, asset_row.site_id)
        if asset_row and asset_row.site_id != site_row.id:
            other = site_store.code_of(conn, asset_row.site_id)
            raise RuleViolation(f"asset {asset_row.ref} is at site {other}, not {site_row.code}")
        ts = clock.to_epoch(when)
        severity = chosen
        if severity is None:
            severity, why = _fault_severity(conn, site_row, ts)
        ticket = TicketRow(
            id=ids.uuid7(),
            ref=f"{db.replica_code}-{tx.next_counter('ticket')}",
            site_id=site_row.id,
            asset_id=asset_row.id if asset_row else None,
            title=title,
            category=category,
            severity=severity,
            channel=channel,
            status="open",
            assignee=None,
            reporter=reporter,
            due_at=due_at,
            opened_at=ts,
            updated_at=ts,
        )
        store.insert(tx, ticket)
        _append_event(tx, ticket.id, "opened", ts, note=why,
                      data={"channel": channel, "reporter": reporter})
    return show(db, ticket.id)


def _fault_severity(conn: Conn, site: SiteRow, ts: int) -> tuple[str, str | None]:
    """The severity of a fault opened without one, and why when it is not `normal`."""
    from svcdesk.services import policies, upgrades

    during = upgrades.upgrade_under_way(conn, site.id, ts)
    if during is None:
        return "normal", None
    severity = policies.in_force(conn, ts)[1].upgrades.fault_severity
    return severity, (f"{severity} by the policy ([upgrades] fault_severity): a fault during "
                      f"an upgrade ({during})")  # fmt: skip


def _title(value: str) -> str:
    title = value.strip()
    if not title:
        raise InvalidValue("a ticket needs a --title")
    if "\x00" in title:
        raise InvalidValue("--title must not contain a NUL character")
    return title


def _plain(value: str | None, what: str) -> str | None:
    """Optional text as given, stripped (None or "" : none); NUL refused."""
    if value is None or not value.strip():
        return None
    if "\x00" in value:
        raise InvalidValue(f"{what} must not contain a NUL character")
    return value.strip()


# --------------------------------------------------------------------------------------------
# Editing


def edit_ticket(
    db: Database,
    typed: str,
    *,
    title: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    channel: str | None = None,
    site: str | None = None,
    asset: str | None = None,
    reporter: str | None = None,
    due: str | datetime | None = None,
    at: str | datetime | None = None,
    notify: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Change the given fields of a ticket (None: leave as is; "" clears --asset, --reporter).

    Each field syncs on its own (two laptops editing one field concurrently: `sync
    conflicts`); an `edited` event in the timeline says what changed from what to what, and,
    when the ticket's class changed, which class its clocks now follow. A reclassified ticket
    follows its new class from its report (the clocks are derived again at the commit, by the
    one writer of derived state): the class says what the fault is, and the promise began
    when it was reported. A closed ticket keeps its class, due date and site.
    """
    given = {"title": title, "severity": severity, "category": category, "channel": channel,
             "site": site, "asset": asset, "reporter": reporter, "due": due}  # fmt: skip
    if all(v is None for v in given.values()):
        raise InvalidValue(
            "nothing to change: give one or more of " + ", ".join(f"--{f}" for f in rules.EDITABLE)
        )
    new: dict[str, Any] = {}
    if title is not None:
        new["title"] = _title(title)
    if severity is not None:
        new["severity"] = rules.choose(severity, rules.SEVERITIES, "severity")
    if category is not None:
        new["category"] = rules.choose(category, rules.CATEGORIES, "category")
    if channel is not None:
        new["channel"] = rules.choose(channel, rules.CHANNELS, "channel")
    if reporter is not None:
        new["reporter"] = _plain(reporter, "--reporter")
    due_at: int | None = None
    if due is not None:
        due_dt = due if isinstance(due, datetime) else clock.parse_instant(due, what="--due")
        due_at = clock.to_epoch(due_dt)
    when = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        conn = tx.conn
        ticket = store.find(conn, typed, replica_code=db.replica_code)
        ref = ticket.ref
        if when < ticket.opened_at and ticket.opened_at <= clock.to_epoch(clock.now()):
            raise RuleViolation(
                f"--at {_local(when)} is before ticket {ref} was opened "
                f"({_local(ticket.opened_at)})"
            )
        when = max(when, ticket.opened_at)  # opened by a clock ahead of this one
        sev = new.get("severity", ticket.severity)
        due_now = due_at if due is not None else ticket.due_at
        problem = rules.due_problem(sev, due_now, ticket.opened_at, given=due is not None)
        if problem:
            raise InvalidValue(problem)
        new["due_at"] = due_now if sev == "upgrade" else None
        site_row = site_store.find(conn, site) if site is not None else None
        if site_row is not None:
            new["site_id"] = site_row.id
        site_id = new.get("site_id", ticket.site_id)
        if asset is not None:
            asset_row = (asset_store.find(conn, asset, replica_code=db.replica_code,
                                          site_id=site_id) if asset.strip() else None)  # fmt: skip
            new["asset_id"] = asset_row.id if asset_row else None
            if asset_row and asset_row.id != ticket.asset_id and asset_row.removed_at is not None:
                raise RuleViolation(f"asset {asset_row.ref} was removed; it takes no new tickets")
        asset_id = new.get("asset_id", ticket.asset_id)
        held = asset_store.by_id(conn, asset_id) if asset_id else None
        if held is not None and held.site_id != site_id:
            there, here = (site_store.code_of(conn, s) for s in (held.site_id, site_id))
            hint = "" if asset is not None else (
                f"; give --asset of one at {here}, or --asset '' to detach it")  # fmt: skip
            raise RuleViolation(f"asset {held.ref} is at site {there}, not {here}{hint}")
        changes = {k: v for k, v in new.items() if getattr(ticket, k) != v}
        shown = _shown_changes(conn, ticket, changes)
        refusal = rules.edit_refusal(ref, ticket.status, list(shown))
        if refusal:
            raise RuleViolation(refusal)
        data: dict[str, Any] = {"changes": shown}
        if changes:
            before = derived.class_name(conn, ticket)
            after = derived.class_name(conn, replace(ticket, **changes))
            if before != after:
                data["class"] = {"from": before, "to": after}
            _append_event(tx, ticket.id, "edited", when, data=data)
            store.update(tx, ticket.id, {**changes, "updated_at": max(when, ticket.updated_at)})
    if notify is not None:
        if not changes:
            notify(f"ticket {ref} already has these values; nothing changed")
        else:
            said = f"changed {', '.join(shown)} of ticket {ref}"
            if "class" in data:
                moved = data["class"]
                said += f"; its clocks now follow {moved['to']!r} (was {moved['from']!r})"
            notify(said)
    return show(db, ticket.id)


def _shown_changes(conn: Conn, ticket: TicketRow, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as the edit's event records them: {field: {from, to}} by the names people
    use (a site's code, an asset's ref, instants in ISO 8601)."""
    names = {"site_id": "site", "asset_id": "asset", "due_at": "due"}

    def label(column: str, value: Any) -> Any:
        if value is None:
            return None
        if column == "site_id":
            return site_store.code_of(conn, value)
        if column == "asset_id":
            row = asset_store.by_id(conn, value)
            return row.ref if row else value
        if column == "due_at":
            return clock.iso(value, UTC)
        return value

    order = {f: i for i, f in enumerate(rules.EDITABLE)}
    out = {names.get(c, c): {"from": label(c, getattr(ticket, c)), "to": label(c, v)}
           for c, v in changes.items()}  # fmt: skip
    return dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))


def _append_event(
    tx: Tx, ticket_id: str, kind: str, at: int, note: str | None = None, data: dict | None = None
) -> None:
    """Append an event, sequenced after every event this replica holds for the ticket."""
    clean = {k: v for k, v in (data or {}).items() if v is not None}
    store.add_event(
        tx,
        TicketEventRow(
            id=ids.uuid7(),
            ticket_id=ticket_id,
            kind=kind,
            at=at,
            actor=actor(),
            note=note,
            data=orjson.dumps(clean).decode() if clean else None,
            recorded_at=clock.to_epoch(clock.now()),
            seq=store.max_seq(tx.conn, ticket_id) + 1,
        ),
    )


# --------------------------------------------------------------------------------------------
# The lifecycle


def record(
    db: Database,
    typed: str,
    kind: str,
    *,
    at: str | datetime | None = None,
    note: str | None = None,
    data: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Append event `kind` to a ticket if its timeline allows it at that instant; returns the
    ticket. Its status follows at the commit, folded from the timeline (`rules.fold`)."""
    ts = clock.to_epoch(clock.recorded_at(at))
    with db.write() as tx:
        conn = tx.conn
        ticket = store.find(conn, typed, replica_code=db.replica_code)
        ts = _place(conn, ticket, kind, ts, given=at is not None)
        _append_event(tx, ticket.id, kind, ts, note=note, data=data)
        update = {"updated_at": max(ts, ticket.updated_at), **(changes or {})}
        update = {k: v for k, v in update.items() if getattr(ticket, k) != v}
        if update:
            store.update(tx, ticket.id, update)
    return show(db, ticket.id)


def void_event(db: Database, ticket_id: str, event_id: str) -> None:
    """Take one event out of a ticket's timeline (settling a contradiction): a `void` event at
    the same instant, naming it. Its status and clocks follow at the commit."""
    with db.write() as tx:
        target = next((e for e in store.events(tx.conn, ticket_id) if e.id == event_id), None)
        if target is None:
            raise InvalidValue(f"no event {event_id} on that ticket")
        _append_event(tx, ticket_id, "void", target.at, data={"event": event_id,
                                                              "kind": target.kind})  # fmt: skip


def _place(conn: Conn, ticket: TicketRow, kind: str, ts: int, *, given: bool = True) -> int:
    """The instant event `kind` goes into the ticket's timeline at (`ts`), once checked that
    the timeline allows it there and that it contradicts no later event.

    A new event goes after every event at or before its instant. Events stamped later than
    this computer's now came from a replica whose clock is ahead: they never stop anyone from
    recording work (they may be contradicted, and are then listed by `sync conflicts`); an
    opening that lies ahead puts work recorded now at the opening's instant. Recorded without
    --at (`given` False), an event goes in at now when it may happen then and leads where the
    status shown says it will; else after the last event dated ahead (its instant, and the
    sequence orders it after), if the status shown allows it: so whatever status `ticket show`
    reports, the commands it allows work now.
    """
    ref = ticket.ref
    now = clock.to_epoch(clock.now())
    if ts < ticket.opened_at:
        if ticket.opened_at <= now:
            raise RuleViolation(
                f"--at {_local(ts)} is before ticket {ref} was opened ({_local(ticket.opened_at)})"
            )
        ts = ticket.opened_at  # opened by a clock ahead of this one
    events = store.event_times(conn, [ticket.id]).get(ticket.id, [])
    before = [e for e in events if e.at <= ts]
    later = [e for e in events if e.at > ts]
    then = rules.fold(before)
    if not later:
        rules.check(ref, then, kind)
        return ts
    if not given and all(e.at > now for e in later):
        return _after_fast_clocks(ref, kind, ts, events, before, later)
    if not rules.may(then, kind):
        nxt = later[0]
        said = f"it was {then.status} then"
        if rules.allowed(then.status, kind):  # the proposal's state refused it
            said = "a proposal was waiting then" if then.waiting else "no proposal waited then"
        hint = ""
        if nxt.at > now and rules.may(rules.fold(events), kind):
            hint = (f" (dated ahead of this computer's clock{_by(conn, nxt.id)}; "
                    "without --at, it goes in after it)")  # fmt: skip
        raise RuleViolation(
            f"cannot {rules.verb(kind)} ticket {ref} at {_local(ts)}: {said}; "
            f"its next event is {nxt.kind} at {_local(nxt.at)}{hint}"
        )
    if kind not in ("comment", "replied"):
        broken = [e for e in _newly_contradicted(kind, ts, events, before, later) if e.at <= now]
        if broken:
            e = broken[0]
            raise RuleViolation(
                f"cannot {rules.verb(kind)} ticket {ref} at {_local(ts)}: its {e.kind} at "
                f"{_local(e.at)} could not follow; record it after that (or without --at)"
            )
    return ts


def _newly_contradicted(kind: str, ts: int, events: list[store.EventTime],
                        before: list[store.EventTime], later: list[store.EventTime]
                        ) -> list[store.EventTime]:  # fmt: skip
    """The later events that event `kind` at `ts` would make impossible."""
    new = store.EventTime(kind, ts, "\uffff")
    old = {c for c, _ in rules.fold(events).contradictions}
    now_contradicted = {c for c, _ in rules.fold([*before, new, *later]).contradictions}
    return [e for e in later if e.id in now_contradicted - old]


def _after_fast_clocks(
    ref: str, kind: str, ts: int, events: list[store.EventTime],
    before: list[store.EventTime], later: list[store.EventTime],
) -> int:  # fmt: skip
    """Where event `kind`, recorded now (`ts`), goes when every later event is dated ahead of
    this computer's clock: at now, if the timeline allows it then and it leads to the status
    the whole timeline says it leads to (or, where the status shown does not allow it, if it
    contradicts none of them: work done before a fast clock's resolution); else at the instant
    of the last of them (recorded after it), where the status shown allows it; else refused
    as the status shown refuses it."""
    whole = rules.fold(events)
    if rules.may(rules.fold(before), kind):
        if kind in ("comment", "replied"):
            return ts
        if not rules.may(whole, kind):
            if not _newly_contradicted(kind, ts, events, before, later):
                return ts
        else:
            new = store.EventTime(kind, ts, "\uffff")
            after = rules.fold([*before, new, *later]).status
            if after == rules.check(ref, whole, kind):
                return ts
    rules.check(ref, whole, kind)  # refused as the status shown refuses it
    return max(e.at for e in later)


def _by(conn: Conn, event_id: str) -> str:
    """`, recorded by replica 5X7G`: which replica recorded an event (empty when unknown)."""
    code = recorders(conn, [event_id]).get(event_id)
    return f", recorded by replica {code}" if code else ""


def _local(ts: int) -> str:
    return f"{clock.from_epoch(ts):%Y-%m-%d %H:%M}"


def _need(value: str | None, what: str) -> str:
    if value is None or not value.strip():
        raise InvalidValue(f"{what} must not be empty")
    return value.strip()


def assign(
    db: Database, typed: str, engineer: str, *, at: str | datetime | None = None
) -> dict[str, Any]:
    engineer = _need(engineer, "ENGINEER")
    return record(
        db, typed, "assigned", at=at, data={"engineer": engineer}, changes={"assignee": engineer}
    )


def respond(
    db: Database, typed: str, *, note: str | None = None, at: str | datetime | None = None
) -> dict[str, Any]:
    return record(db, typed, "responded", at=at, note=note)


def escalate(
    db: Database,
    typed: str,
    *,
    to: str | None = None,
    note: str | None = None,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    changes = {"assignee": _need(to, "--to")} if to is not None else None
    return record(db, typed, "escalated", at=at, note=note, data={"to": to}, changes=changes)


def arrive(
    db: Database, typed: str, *, engineer: str | None = None, at: str | datetime | None = None
) -> dict[str, Any]:
    return record(db, typed, "arrived", at=at, data={"engineer": engineer or actor()})


def pause(
    db: Database, typed: str, *, reason: str, at: str | datetime | None = None
) -> dict[str, Any]:
    return record(db, typed, "paused", at=at, note=_need(reason, "--reason"))


def resume(db: Database, typed: str, *, at: str | datetime | None = None) -> dict[str, Any]:
    return record(db, typed, "resumed", at=at)


def resolve_ticket(
    db: Database, typed: str, *, note: str, at: str | datetime | None = None
) -> dict[str, Any]:
    return record(db, typed, "resolved", at=at, note=_need(note, "--note"))


def report(
    db: Database,
    typed: str,
    *,
    type: str,
    cause: str,
    method: str,
    losses: str | None = None,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """File the incident report (problem type, cause, method used, losses) after resolution."""
    data = {
        "type": _need(type, "--type"),
        "cause": _need(cause, "--cause"),
        "method": _need(method, "--method"),
        "losses": losses,
    }
    return record(db, typed, "report-submitted", at=at, data=data)


def close(db: Database, typed: str, *, at: str | datetime | None = None) -> dict[str, Any]:
    return record(db, typed, "closed", at=at)


def reopen(
    db: Database, typed: str, *, reason: str, at: str | datetime | None = None
) -> dict[str, Any]:
    return record(db, typed, "reopened", at=at, note=_need(reason, "--reason"))


def comment(
    db: Database, typed: str, body: str, *, public: bool = False,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """A comment on the timeline; `public`: a reply the customer sees (a `replied` event),
    which restarts the update clock of online support (the plan: replies every day)."""
    return record(db, typed, "replied" if public else "comment", at=at, note=_need(body, "TEXT"))


def propose(
    db: Database, typed: str, *, plan: str, at: str | datetime | None = None
) -> dict[str, Any]:
    """Propose a fix that needs the customer's consent (the plan: the fault is handled "once
    the customer agrees"); while it waits, the policy may pause the resolution clocks."""
    return record(db, typed, "proposed", at=at, note=_need(plan, "--plan"))


def approve(
    db: Database, typed: str, *, by: str, at: str | datetime | None = None
) -> dict[str, Any]:
    """Record the customer's consent to the proposal that waits (`by`: who gave it)."""
    return record(db, typed, "approved", at=at, data={"by": _need(by, "--by")})


def decline(
    db: Database, typed: str, *, by: str, reason: str, at: str | datetime | None = None
) -> dict[str, Any]:
    """Record that the customer declined the proposal that waits, and why."""
    by = _need(by, "--by")
    return record(db, typed, "declined", at=at, note=_need(reason, "--reason"), data={"by": by})


# --------------------------------------------------------------------------------------------
# Reading


def _full_record(conn: Conn, ticket: TicketRow) -> dict[str, Any]:
    """The ticket with its clocks, events and its asset's warranty decision on its date."""
    local = clock.local_times(clock.display_tz())
    now = clock.to_epoch(clock.now())
    asset = asset_store.by_id(conn, ticket.asset_id) if ticket.asset_id else None
    stored = store.derived(conn, ticket.id)
    clocks = derived.clock_records(ticket.ref, stored.clocks, now, local)
    rec = ticket_record(ticket, site_store.code_of(conn, ticket.site_id),
                        asset.ref if asset else None, clocks, local)  # fmt: skip
    events = store.events(conn, ticket.id)
    rec["events"] = [event_record(e, local) for e in events]
    stands_aside(rec["events"], stored.contradictions)
    dated_ahead(conn, rec["events"], events, now, local)
    if asset is not None:
        from svcdesk.services import warranty

        on = clock.from_epoch(ticket.opened_at)
        assert on is not None
        rec["warranty"] = warranty.decision(conn, asset, on.date())
    return rec


def dated_ahead(conn: Conn, records: list[dict[str, Any]], events: list[TicketEventRow],
                now: int, local: Callable[[int], Any]) -> None:  # fmt: skip
    """Mark each event record whether it is dated ahead of this computer's clock (`future`:
    recorded by a replica whose clock runs fast, or placed after such an event); each such
    event names the replica that recorded it (`replica`: its code) and when that replica's
    clock said it was recorded (`recorded_at`: earlier than `at` when it was placed after
    events dated ahead)."""
    ahead = [e.id for e in events if e.at > now]
    codes = recorders(conn, ahead) if ahead else {}
    for rec, e in zip(records, events, strict=True):
        rec["future"] = e.at > now
        if rec["future"]:
            rec["replica"] = codes.get(e.id)
            rec["recorded_at"] = local(e.recorded_at)


def recorders(conn: Conn, event_ids: list[str]) -> dict[str, str]:
    """Event id -> the code of the replica that recorded it: as the syncs and bundles told
    this replica, else as a record it created says (the first 8 characters of its id when
    nothing tells it)."""
    by = changelog.creators(conn, table="ticket_event", row_ids=event_ids)
    told = meta.replica_codes(conn)
    own = meta.get(conn, "replica_id")
    if own:
        told[own] = meta.get(conn, "replica_code") or told.get(own, "")
    codes: dict[str, str] = {}
    for replica in sorted(set(by.values())):
        codes[replica] = told.get(replica) or changelog.replica_code(conn, replica) or replica[:8]
    return {e: codes[r] for e, r in by.items()}


def stands_aside(events: list[dict[str, Any]], stored: str | None) -> None:
    """Mark each event record whether it stands (`in_effect`) and, if the merged timeline set
    it aside, which event stands instead (`set_aside_by`: the event whose status it could not
    follow, or the void that took it out; None when none does, as for an answer to no
    proposal), from the derived state (`formats.set_aside`: the timeline's fold decided)."""
    aside = formats.set_aside(stored)
    for ev in events:
        by, why = aside.get(ev["id"], (None, None))
        ev["in_effect"] = why is None
        ev["set_aside_by"] = by


def show(db: Database, ticket_id: str) -> dict[str, Any]:
    """The ticket with this id, as `ticket show` gives it."""
    with db.read() as conn:
        (ticket,) = store.by_ids(conn, [ticket_id])
        return _full_record(conn, ticket)


def show_ticket(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        return _full_record(conn, store.find(conn, typed, replica_code=db.replica_code))


STATUS_FILTERS = ("open", "closed", "all", "paused", "resolved")
NO_LIMIT = 2**62  # more rows than any database holds: the same as no --limit


def list_sort(sort: str | None) -> str:
    """A `--sort` field (`-` in front: descending) as the store takes it; default newest first."""
    if sort is None:
        return "-opened"
    text = sort.strip().lower()
    descending = text.startswith("-")
    field = text.lstrip("-").strip()
    choices = rules.LIST_SORTS
    hits = [f for f in choices if f == field]
    hits = hits or [f for f in choices if field and f.startswith(field)]
    if len(hits) != 1:
        raise InvalidValue(
            f"unknown --sort field {sort!r} (choose from: {', '.join(choices)}; "
            "a '-' in front sorts descending, e.g. -due)"
        )
    return ("-" if descending else "") + hits[0]


def list_tickets(
    db: Database,
    *,
    status: str = "open",
    site: str | None = None,
    assignee: str | None = None,
    since: str | None = None,
    until: str | None = None,
    severity: str | None = None,
    category: str | None = None,
    search: str | None = None,
    sort: str | None = None,
    limit: int | None = None,
    as_json: bool = False,
    brief: bool = False,
    parsed: bool = False,
) -> Iterator[Any]:
    """Tickets newest first (or by `sort`), streamed: `open` means every status but closed.

    `assignee` matches whatever the case; `search` finds text in the title or the reporter,
    ignoring the case of A-Z (its `%` and `_` are plain characters); `limit` stops after that
    many. With `as_json`, open tickets come as ready JSON (orjson fragments of their
    pre-rendered views), the same text their records would give. With `brief`, tuples of only
    what a text table shows, the fields of BRIEF (`opened_at` as `YYYY-MM-DD HH:MM` in the
    display zone). With `parsed`, the records as JSON gives them (ISO 8601 instants), for CSV.
    """
    status = rules.choose(status, STATUS_FILTERS, "status")
    after, before = clock.window(since, until)
    chosen_severity = rules.choose(severity, rules.SEVERITIES, "severity") if severity else None
    chosen_category = rules.choose(category, rules.CATEGORIES, "category") if category else None
    pattern = None
    if search is not None:
        if not search.strip():
            raise InvalidValue("--search needs some text to look for")
        if "\x00" in search:
            raise InvalidValue("--search must not contain a NUL character")
        pattern = store.like_pattern(search.strip())
    order = list_sort(sort)
    if limit is not None and limit < 1:
        raise InvalidValue(f"--limit must be 1 or more, not {limit}")
    if limit is not None and limit >= NO_LIMIT:
        limit = None
    wanted_assignee = None
    if assignee is not None:
        if not assignee.strip():
            raise InvalidValue("--assignee must not be empty")
        wanted_assignee = assignee.strip().casefold()
    with db.read() as conn:  # a site that does not exist fails here, before any output
        site_id = site_store.find(conn, site).id if site else None
    query = {"status": status, "site_id": site_id, "since": after, "until": before,
             "severity": chosen_severity, "category": chosen_category, "search": pattern,
             "sort": order, "limit": limit}  # fmt: skip
    if brief:
        return _brief(db, query, wanted_assignee)
    return _listed(db, query, wanted_assignee, as_json=as_json, parsed=parsed)


def _spellings(conn: Any, assignee: str | None) -> list[str] | None:
    """The names in use that are this one, whatever the case."""
    if assignee is None:
        return None
    return [a for a in store.distinct_assignees(conn) if a.strip().casefold() == assignee]


# The fields of a `brief` ticket, in the order of its tuples.
BRIEF = ("ref", "site", "status", "severity", "category", "assignee", "opened_at", "title")


def _brief(db: Database, query: dict[str, Any], assignee: str | None) -> Iterator[Any]:
    minute = clock.local_minutes(clock.display_tz())
    with db.read() as conn:
        sites = site_store.codes(conn)
        for rows in store.listing(conn, assignees=_spellings(conn, assignee), brief=True, **query):
            for ref, site, status, severity, category, who, opened, title in rows:
                yield ref, sites[site], status, severity, category, who, minute(opened), title


def _every_ticket(query: dict[str, Any], assignee: str | None) -> bool:
    """Does the list hold every ticket, newest first (no filter, the default order)?"""
    return (assignee is None and query["status"] == "all" and query["sort"] == "-opened"
            and all(query.get(k) is None for k in query if k not in ("status", "sort", "limit")))


def _listed(db: Database, query: dict[str, Any], assignee: str | None, *, as_json: bool,
            parsed: bool = False) -> Iterator[Any]:  # fmt: skip
    local = clock.local_times(clock.display_tz())
    zone = local.zone  # type: ignore[attr-defined]
    now = clock.to_epoch(clock.now())
    with db.read() as conn:
        sites = site_store.codes(conn)
        assets: dict[str, str] = {}

        def records(rows: list[tuple[TicketRow, str | None]]) -> list[dict[str, Any]]:
            wanted = {r.asset_id for r, _ in rows if r.asset_id} - assets.keys()
            if wanted:
                assets.update(asset_store.refs_of(conn, wanted))
            return [
                ticket_record(r, sites[r.site_id], assets.get(r.asset_id or ""),
                              derived.clock_records(r.ref, clocks, now, local), local)
                for r, clocks in rows
            ]  # fmt: skip

        def completed(out: list[Any], ids: list[str]) -> list[Any]:
            """`out` with each None (no rendering for this zone) the record of its ticket."""
            missing = [ids[i] for i, f in enumerate(out) if f is None]
            if not missing:
                return out
            full = {t.id: (t, d.clocks) for t, d in store.with_derived(conn, missing)}
            done = iter(records([full[i] for i in missing]))
            return [f if f is not None else next(done) for f in out]

        if parsed and _every_ticket(query, assignee):  # all of them, newest first: the lines
            lines = store.all_csv_lines(conn, limit=query["limit"])
            if lines is not None:
                fill = derived.csv_text
                for batch in lines:
                    filled = [fill(line, zone, now) for _, line in batch]
                    yield from completed([None if t is None else CsvLine(t) for t in filled],
                                         [row_id for row_id, _ in batch])  # fmt: skip
                return
        batches = store.listing(conn, assignees=_spellings(conn, assignee),
                                views=as_json or parsed, csv=parsed, **query)  # fmt: skip
        if not (as_json or parsed):
            for rows in batches:
                yield from records(rows)
            return
        # JSON: the pre-rendered views of open tickets, filled in for now; the rest as usual.
        # CSV (`parsed`): each one's stored CSV line filled in likewise, else its view read
        # back into a record (cheaper than building it).
        fragment, text, csv = derived.view_fragment, derived.view_text, derived.csv_text
        for views in batches:
            if parsed:
                out: list[Any] = []
                for v in views:
                    if v.line is not None:
                        line = csv(v.line, zone, now)
                        out.append(None if line is None else CsvLine(line))
                    elif v.view is None:
                        out.append(None)
                    else:
                        json = text(v.view, zone, now)
                        out.append(None if json is None else JsonObject(json))
            else:
                out = [fragment(v.view, zone, now) if v.view else None for v in views]
            yield from completed(out, [v.id for v in views])
