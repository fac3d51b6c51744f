"""Tickets: open one, move it through its lifecycle, list and show them.

Every lifecycle command appends one event to the ticket's timeline and updates the ticket row,
in one transaction that the change log records.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson

from svcdesk import clock, ids
from svcdesk.domain import tickets as rules
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services import sla
from svcdesk.services.refs import resolve
from svcdesk.services.sites import find_site
from svcdesk.store.db import Database, Tx
from svcdesk.store.sql import Conn

FUTURE_SLACK = timedelta(minutes=1)

TICKET_FIELDS = (
    "id", "ref", "title", "site_id", "asset_id", "category", "severity", "channel", "status",
    "assignee", "reporter", "opened_at", "due_at", "updated_at", "clocks",
)  # fmt: skip
TICKET_COLUMNS = ", ".join(f"t.{f}" for f in TICKET_FIELDS)


def actor() -> str:
    """Who is recording: SVCDESK_USER, else the login name."""
    name = os.environ.get("SVCDESK_USER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def ticket_record(
    row: Sequence[Any],
    site_code: str | None,
    asset_ref: str | None,
    local: Callable[[int], datetime] | None = None,
    now: int | None = None,
) -> dict[str, Any]:
    """The ticket as users see it (JSON shape of CLI.md) from a row in TICKET_FIELDS order."""
    local = local or clock.local_times(clock.display_tz())
    now = clock.to_epoch(clock.now()) if now is None else now
    (id_, ref, title, _site, _asset, category, severity, channel, status, assignee, reporter,
     opened_at, due_at, updated_at, clocks) = row  # fmt: skip
    return {
        "id": id_,
        "ref": ref,
        "title": title,
        "site": site_code,
        "asset": asset_ref,
        "category": category,
        "severity": severity,
        "channel": channel,
        "status": status,
        "assignee": assignee,
        "reporter": reporter,
        "opened_at": local(opened_at),
        "due_at": local(due_at) if due_at is not None else None,
        "updated_at": local(updated_at),
        "clocks": sla.clock_records(ref, clocks, now, local) if clocks else [],
    }


_STATE, _LEFT = "\x00S", "\x00L"  # sentinels for the time-dependent fields of running clocks


def render_view(
    row: Sequence[Any],
    site_code: str | None,
    asset_ref: str | None,
    local: Callable[[int], datetime],
) -> tuple[str | None, str | None]:
    """The ticket's JSON and its running clocks' overdue records, rendered once for the
    display zone, for fast lists of open tickets (closed tickets get none).

    The view's lines: the zone; the deadlines DUE,DUE of the running clocks; the ticket's JSON
    exactly as `ticket_record` gives it, with `%s` for each running clock's state and `%d` for
    its seconds left. The due view's: the zone, then `DUE<TAB>JSON` per running clock, its
    `sla overdue` record likewise. `view_fragment` and `sla.overdue` fill them in.
    """
    if row[8] == "closed":
        return None, None
    rec = ticket_record(row, site_code, asset_ref, local, 0)
    zone: str = local.zone  # type: ignore[attr-defined]
    dues, overdue = [], [zone]
    for c, values in zip(rec["clocks"], orjson.loads(row[14]) if row[14] else (), strict=True):
        if c["state"] in ("running", "breached"):
            c["state"], c["seconds_left"] = _STATE, _LEFT
            dues.append(str(values[2]))
            listed = {**c, "title": row[2], "site": site_code, "assignee": row[9], "status": row[8]}
            overdue.append(f"{values[2]}\t{_template(listed)}")
    return "\n".join([zone, ",".join(dues), _template(rec)]), "\n".join(overdue)


def _template(record: dict[str, Any]) -> str:
    text = orjson.dumps(record).decode().replace("%", "%%")
    return text.replace('"\\u0000S"', '"%s"').replace('"\\u0000L"', "%d")


def view_fragment(view: str, zone: str, now: int) -> orjson.Fragment | None:
    """The pre-rendered ticket as of `now`, or None if it was rendered for another zone."""
    rendered, dues, template = view.split("\n", 2)
    if rendered != zone:
        return None
    if not dues:
        return orjson.Fragment(template)
    values: list[Any] = []
    for due in map(int, dues.split(",")):
        values += ("breached" if due < now else "running", due - now)
    return orjson.Fragment(template % tuple(values))


def event_record(row: dict[str, Any], tz: Any = None) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "at": clock.from_epoch(row["at"], tz),
        "actor": row["actor"],
        "note": row["note"],
        "details": orjson.loads(row["data"]) if row["data"] else {},
    }


def find_ticket(conn: Conn, typed: str, replica_code: str) -> dict[str, Any]:
    return resolve(
        conn,
        "ticket",
        typed,
        what="ticket",
        local=f"{replica_code}-%d",
        columns=TICKET_COLUMNS.replace("t.", ""),
    )


def find_asset(conn: Conn, typed: str, replica_code: str) -> dict[str, Any]:
    return resolve(conn, "asset", typed, what="asset", local=f"{replica_code}-A%d")


def _instant(at: str | datetime | None, what: str = "--at") -> datetime:
    now = clock.now()
    if at is None:
        return now
    when = at if isinstance(at, datetime) else clock.parse_instant(at, what=what)
    if when > now + FUTURE_SLACK:
        raise InvalidValue(
            f"{what} {clock.from_epoch(clock.to_epoch(when)):%Y-%m-%d %H:%M} is in the future; "
            "record things once they have happened"
        )
    return when


# --------------------------------------------------------------------------------------------
# Opening


def open_ticket(
    db: Database,
    *,
    title: str,
    site: str | None = None,
    category: str = "other",
    severity: str = "normal",
    channel: str = "phone",
    asset: str | None = None,
    reporter: str | None = None,
    due: str | datetime | None = None,
    at: str | datetime | None = None,
) -> dict[str, Any]:
    """Open a fault ticket (or an upgrade request, which carries the customer's due date)."""
    title = title.strip()
    if not title:
        raise InvalidValue("a ticket needs a --title")
    category = rules.choose(category, rules.CATEGORIES, "category")
    severity = rules.choose(severity, rules.SEVERITIES, "severity")
    channel = rules.choose(channel, rules.CHANNELS, "channel")
    when = _instant(at)
    due_at: int | None = None
    if severity == "upgrade":
        if due is None:
            raise InvalidValue("an upgrade request needs --due: the date the customer asked for")
        due_dt = due if isinstance(due, datetime) else clock.parse_instant(due, what="--due")
        if due_dt <= when:
            raise InvalidValue("--due must be after the request was made (--at)")
        due_at = clock.to_epoch(due_dt)
    elif due is not None:
        raise InvalidValue("--due applies to upgrade requests only (--severity upgrade)")
    with db.write() as tx:
        conn = tx.conn
        asset_row = find_asset(conn, asset, db.replica_code) if asset else None
        if asset_row and asset_row.get("removed_at") is not None:
            raise RuleViolation(f"asset {asset_row['ref']} was removed; it takes no new tickets")
        if site:
            site_row = find_site(conn, site)
        elif asset_row:
            site_row = find_site(conn, asset_row["site_id"])
        else:
            raise InvalidValue("a ticket needs a --site (or an --asset, whose site it takes)")
        if asset_row and asset_row["site_id"] != site_row["id"]:
            other = conn.execute(
                "SELECT code FROM site WHERE id = :i", {"i": asset_row["site_id"]}
            ).scalar()
            raise RuleViolation(
                f"asset {asset_row['ref']} is at site {other}, not {site_row['code']}"
            )
        ts = clock.to_epoch(when)
        ref = f"{db.replica_code}-{tx.next_counter('ticket')}"
        row = {
            "id": ids.uuid7(),
            "ref": ref,
            "site_id": site_row["id"],
            "asset_id": asset_row["id"] if asset_row else None,
            "title": title,
            "category": category,
            "severity": severity,
            "channel": channel,
            "status": "open",
            "assignee": None,
            "reporter": reporter,
            "due_at": due_at,
            "opened_at": ts,
            "updated_at": ts,
        }
        tx.insert("ticket", row)
        _append_event(tx, row["id"], "opened", ts, data={"channel": channel, "reporter": reporter})
        asset_ref = asset_row["ref"] if asset_row else None
        _refresh(conn, row, site_row["code"], asset_ref)
        return _show(conn, row, site_row["code"], asset_ref)


def _append_event(
    tx: Tx, ticket_id: str, kind: str, at: int, note: str | None = None, data: dict | None = None
) -> None:
    clean = {k: v for k, v in (data or {}).items() if v is not None}
    tx.insert(
        "ticket_event",
        {
            "id": ids.uuid7(),
            "ticket_id": ticket_id,
            "kind": kind,
            "at": at,
            "actor": actor(),
            "note": note,
            "data": orjson.dumps(clean).decode() if clean else None,
            "recorded_at": clock.to_epoch(clock.now()),
        },
        append_only=True,
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
    """Append event `kind` to a ticket if its lifecycle allows it now; returns the ticket."""
    when = _instant(at)
    ts = clock.to_epoch(when)
    with db.write() as tx:
        conn = tx.conn
        row = find_ticket(conn, typed, db.replica_code)
        ref = row["ref"]
        status = rules.next_status(ref, row["status"], kind)
        if ts < row["opened_at"]:
            raise RuleViolation(
                f"--at {_local(ts)} is before ticket {ref} was opened ({_local(row['opened_at'])})"
            )
        if kind != "comment":
            last = conn.execute(
                (
                    "SELECT kind, at FROM ticket_event WHERE ticket_id = :t AND kind <> 'comment' "
                    "ORDER BY at DESC LIMIT 1"
                ),
                {"t": row["id"]},
            ).first()
            if last is not None and ts < last[1]:
                raise RuleViolation(
                    f"--at {_local(ts)} is before ticket {ref}'s last event "
                    f"({last[0]} at {_local(last[1])}); events are recorded in order"
                )
        _append_event(tx, row["id"], kind, ts, note=note, data=data)
        update = {"status": status, "updated_at": max(ts, row["updated_at"]), **(changes or {})}
        update = {k: v for k, v in update.items() if row.get(k) != v}
        if update:
            tx.update("ticket", row["id"], update)
            row.update(update)
        site_code = conn.execute(
            "SELECT code FROM site WHERE id = :i", {"i": row["site_id"]}
        ).scalar()
        asset_ref = _asset_ref(conn, row["asset_id"])
        _refresh(conn, row, site_code, asset_ref)
        return _show(conn, row, site_code, asset_ref)


def _refresh(conn: Conn, row: dict[str, Any], site_code: str, asset_ref: str | None) -> None:
    """Recompute the ticket's clocks and re-render its view: its events or fields changed."""
    row["clocks"] = sla.encode(sla.materialise(conn, row["id"]))
    local = clock.local_times(clock.display_tz())
    view, due_view = render_view([row[f] for f in TICKET_FIELDS], site_code, asset_ref, local)
    conn.execute(
        "UPDATE ticket SET view = :v, due_view = :d WHERE id = :i",
        {"v": view, "d": due_view, "i": row["id"]},
    )


def refresh_ticket(conn: Conn, ticket_id: str) -> None:
    """Recompute a ticket's derived data (clocks, views) after a sync changed it."""
    row = conn.execute(
        f"SELECT {', '.join(TICKET_FIELDS)} FROM ticket WHERE id = :i", {"i": ticket_id}
    ).record()
    if row is None:
        return
    site_code = conn.execute("SELECT code FROM site WHERE id = :i", {"i": row["site_id"]}).scalar()
    _refresh(conn, row, site_code, _asset_ref(conn, row["asset_id"]))


def _local(ts: int) -> str:
    return f"{clock.from_epoch(ts):%Y-%m-%d %H:%M}"


def _asset_ref(conn: Conn, asset_id: str | None) -> str | None:
    if not asset_id:
        return None
    return conn.execute("SELECT ref FROM asset WHERE id = :i", {"i": asset_id}).scalar()


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
    db: Database, typed: str, body: str, *, at: str | datetime | None = None
) -> dict[str, Any]:
    return record(db, typed, "comment", at=at, note=_need(body, "TEXT"))


# --------------------------------------------------------------------------------------------
# Reading


def _show(
    conn: Conn, row: dict[str, Any], site_code: str | None, asset_ref: str | None
) -> dict[str, Any]:
    rec = ticket_record([row[f] for f in TICKET_FIELDS], site_code, asset_ref)
    events = conn.execute(
        (
            "SELECT kind, at, actor, note, data FROM ticket_event WHERE ticket_id = :t "
            "ORDER BY at, recorded_at, id"
        ),
        {"t": row["id"]},
    ).records()
    rec["events"] = [event_record(e) for e in events]
    if row["asset_id"]:
        rec["warranty"] = _warranty_on_ticket_date(conn, row)
    return rec


def _warranty_on_ticket_date(conn: Conn, row: dict[str, Any]) -> dict[str, Any] | None:
    """The asset's warranty decision on the day the ticket was opened (local date)."""
    from svcdesk.services import warranty

    asset = conn.execute("SELECT * FROM asset WHERE id = :i", {"i": row["asset_id"]}).record()
    if asset is None:
        return None
    on = clock.from_epoch(row["opened_at"])
    assert on is not None
    return warranty.decision(conn, asset, on.date())


def show_ticket(db: Database, typed: str) -> dict[str, Any]:
    with db.read() as conn:
        row = find_ticket(conn, typed, db.replica_code)
        site_code = conn.execute(
            "SELECT code FROM site WHERE id = :i", {"i": row["site_id"]}
        ).scalar()
        return _show(conn, row, site_code, _asset_ref(conn, row["asset_id"]))


STATUS_FILTERS = ("open", "closed", "all", "paused", "resolved")


def list_tickets(
    db: Database,
    *,
    status: str = "open",
    site: str | None = None,
    assignee: str | None = None,
    since: str | None = None,
    until: str | None = None,
    as_json: bool = False,
) -> Iterator[Any]:
    """Tickets newest first, streamed: `open` means every status but closed.

    With `as_json`, open tickets come as ready JSON (orjson fragments of their pre-rendered
    views), the same text their records would give.
    """
    status = rules.choose(status, STATUS_FILTERS, "status")
    where: list[str] = []
    params: dict[str, Any] = {}
    if status == "open":
        where.append("t.status <> 'closed'")
    elif status != "all":
        where.append("t.status = :status")
        params["status"] = status
    if since:
        where.append("t.opened_at >= :since")
        params["since"] = clock.to_epoch(clock.parse_instant(since, what="--since"))
    if until:
        where.append("t.opened_at < :until")
        params["until"] = clock.to_epoch(clock.parse_instant(until, what="--until"))
    if assignee:
        where.append("t.assignee = :assignee")
        params["assignee"] = assignee
    local = clock.local_times(clock.display_tz())
    zone = local.zone  # type: ignore[attr-defined]
    now = clock.to_epoch(clock.now())
    with db.read() as conn:
        if site:
            where.append("t.site_id = :site")
            params["site"] = find_site(conn, site)["id"]
        filters = " WHERE " + " AND ".join(where) if where else ""
        sites: dict[str, str] = dict(conn.execute("SELECT id, code FROM site").all())
        assets: dict[str, str] = {}

        def records(rows: list[Any]) -> list[dict[str, Any]]:
            _asset_refs(conn, {r[4] for r in rows if r[4]}, assets)
            return [
                ticket_record(row, sites[row[3]], assets.get(row[4]), local, now) for row in rows
            ]

        order = " ORDER BY t.opened_at DESC"
        if not as_json:
            sql = f"SELECT {TICKET_COLUMNS} FROM ticket t{filters}{order}"
            for rows in conn.execute(sql, params).batches(500):
                yield from records(rows)
            return
        # JSON: the pre-rendered views of open tickets, filled in for now; the rest as usual.
        sql = f"SELECT t.view, t.id FROM ticket t{filters}{order}"
        for rows in conn.execute(sql, params).batches(500):
            out: list[Any] = [view_fragment(v, zone, now) if v else None for v, _ in rows]
            missing = [rows[i][1] for i, f in enumerate(out) if f is None]
            if missing:
                full = {r[0]: r for r in _rows_by_id(conn, missing)}
                done = iter(records([full[i] for i in missing]))
                out = [f if f is not None else next(done) for f in out]
            yield from out


def _rows_by_id(conn: Conn, ids: list[str]) -> list[Any]:
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    params = {f"i{n}": v for n, v in enumerate(ids)}
    return conn.execute(
        f"SELECT {TICKET_COLUMNS} FROM ticket t WHERE t.id IN ({marks})", params
    ).all()


def _asset_refs(conn: Conn, ids: set[str], known: dict[str, str]) -> None:
    """Add the refs of assets `ids` not yet in `known` (one query per batch of rows)."""
    missing = ids - known.keys()
    if missing:
        marks = ", ".join(f":a{n}" for n in range(len(missing)))
        params = {f"a{n}": v for n, v in enumerate(missing)}
        known.update(conn.execute(f"SELECT id, ref FROM asset WHERE id IN ({marks})", params).all())
