"""SLA use cases: which policy applies, materialising clocks, and the overdue and board views.

Clocks are computed by `domain.sla` from (policy version, calendar, the ticket's events) and
stored on the ticket (`clocks`, `next_due_at`) whenever its events change, so "what is overdue"
is an indexed query. `recompute` rebuilds every ticket's clocks.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from svcdesk import clock
from svcdesk.domain import calendar as calendars
from svcdesk.domain import sla
from svcdesk.errors import NotFound
from svcdesk.store.sql import Conn

if TYPE_CHECKING:
    from svcdesk.domain.policy import Policy
    from svcdesk.store.db import Database


# --------------------------------------------------------------------------------------------
# Public holidays, cached in the database per year and `holidays` package version


@lru_cache(maxsize=1)
def holidays_version() -> str:
    """The installed `holidays` package's version, read without importing it (~90 ms)."""
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return "missing"
    text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    m = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", text)
    return m.group(1) if m else "unknown"


class CachedHolidays:
    """Public days from the database cache; on a miss, from the package (then stored)."""

    def __init__(self, conn: Conn, *, store: bool) -> None:
        self.conn = conn
        self.store = store

    def __call__(self, country: str, subdiv: str | None, year: int) -> calendars.PublicDays:
        key = {"c": country, "s": subdiv or "", "y": year, "p": holidays_version()}
        row = self.conn.execute(
            "SELECT days_off, workdays FROM holiday_cache "
            "WHERE country = :c AND subdiv = :s AND year = :y AND package = :p",
            key,
        ).first()
        if row is not None:
            return (
                frozenset(date.fromisoformat(d) for d in orjson.loads(row[0])),
                frozenset(date.fromisoformat(d) for d in orjson.loads(row[1])),
            )
        off, work = calendars.holidays_package_days(country, subdiv, year)
        keep = range(year, year + 2)
        off = frozenset(d for d in off if d.year in keep)
        work = frozenset(d for d in work if d.year in keep)
        if self.store:
            self.conn.execute(
                "INSERT INTO holiday_cache (country, subdiv, year, package, days_off, workdays) "
                "VALUES (:c, :s, :y, :p, :off, :work)",
                {
                    **key,
                    "off": orjson.dumps(sorted(d.isoformat() for d in off)).decode(),
                    "work": orjson.dumps(sorted(d.isoformat() for d in work)).decode(),
                },
            )
        return off, work


@contextmanager
def cached_holidays(conn: Conn, *, store: bool = True) -> Iterator[None]:
    calendars.set_public_days_source(CachedHolidays(conn, store=store))
    try:
        yield
    finally:
        calendars.set_public_days_source(None)


# --------------------------------------------------------------------------------------------
# Policies


def policy_id(source: str, effective_at: int) -> str:
    return hashlib.sha256(f"{effective_at}\n{source}".encode()).hexdigest()[:32]


@lru_cache(maxsize=16)
def parse(source: str) -> Policy:
    from svcdesk.domain.policy import parse_policy

    return parse_policy(source, check_country=False)


def ensure_default_policy(conn: Conn) -> str:
    """The default policy, in force from the beginning of time, stored once (idempotent)."""
    from svcdesk.resources import default_policy_text

    source = default_policy_text()
    pid = policy_id(source, 0)
    if conn.execute("SELECT 1 FROM policy WHERE id = :i", {"i": pid}).first() is None:
        conn.execute(
            "INSERT INTO policy (id, name, timezone, source, effective_at, loaded_at) "
            "VALUES (:i, :n, :z, :s, 0, 0)",
            {"i": pid, "n": parse(source).name, "z": parse(source).timezone, "s": source},
        )
    return pid


def policy_in_force(conn: Conn, at: int) -> tuple[str, Policy]:
    """The policy version in force at epoch second `at` (the default one if none was loaded)."""
    row = conn.execute(
        "SELECT id, source FROM policy WHERE effective_at <= :at "
        "ORDER BY effective_at DESC, loaded_at DESC, id DESC LIMIT 1",
        {"at": at},
    ).first()
    if row is None:  # nothing loaded yet (or only later versions): the default policy
        from svcdesk.resources import default_policy_text

        return ensure_default_policy(conn), parse(default_policy_text())
    return row[0], parse(row[1])


def policy_by_id(conn: Conn, pid: str | None, opened_at: int) -> tuple[str, Policy]:
    if pid:
        source = conn.execute("SELECT source FROM policy WHERE id = :i", {"i": pid}).scalar()
        if source is not None:
            return pid, parse(source)
    return policy_in_force(conn, opened_at)


# --------------------------------------------------------------------------------------------
# Materialising a ticket's clocks


def compute_clocks(
    policy: Policy,
    *,
    severity: str,
    category: str,
    opened_at: int,
    due_at: int | None,
    site_tz: str | None,
    events: Sequence[sla.Event],
) -> list[sla.Clock]:
    rules = policy.class_for(severity, category).clocks
    return sla.compute(
        rules,
        sla.Facts(opened_at, due_at),
        events,
        lambda basis: policy.calendar(basis, site_tz),
    )


def encode(clocks: Sequence[sla.Clock], *, render: bool = True) -> str:
    """Clocks as stored on the ticket: their fields, then (unless `render` is off, as for closed
    tickets in bulk) their instants pre-rendered in the display zone: a list shows the clocks
    of every open ticket, and rendering instants was most of its cost.
    """
    if not render:
        return orjson.dumps([(*c, None, None, None) for c in clocks]).decode()
    local = clock.local_times(clock.display_tz())
    zone = local.zone  # type: ignore[attr-defined]

    def iso(ts: int | None) -> str | None:
        return local(ts).isoformat() if ts is not None else None

    return orjson.dumps([(*c, zone, iso(c.due_at), iso(c.met_at)) for c in clocks]).decode()


def materialise(conn: Conn, ticket_id: str) -> list[sla.Clock]:
    """Recompute one ticket's clocks from its events and store them on the ticket."""
    t = conn.execute(
        "SELECT t.severity, t.category, t.opened_at, t.due_at, t.policy_id, s.tz "
        "FROM ticket t JOIN site s ON s.id = t.site_id WHERE t.id = :i",
        {"i": ticket_id},
    ).first()
    if t is None:
        raise NotFound(f"no ticket with id {ticket_id}")
    severity, category, opened_at, due_at, pid, site_tz = t
    pid, policy = policy_by_id(conn, pid, opened_at)
    events = [
        sla.Event(kind, at)
        for kind, at in conn.execute(
            "SELECT kind, at FROM ticket_event WHERE ticket_id = :i ORDER BY at, recorded_at, id",
            {"i": ticket_id},
        ).all()
    ]
    with cached_holidays(conn):
        clocks = compute_clocks(
            policy, severity=severity, category=category, opened_at=opened_at, due_at=due_at,
            site_tz=site_tz, events=events,
        )  # fmt: skip
    conn.execute(
        "UPDATE ticket SET policy_id = :p, clocks = :c, next_due_at = :n WHERE id = :i",
        {"p": pid, "c": encode(clocks), "n": sla.next_due(clocks), "i": ticket_id},
    )
    return clocks


# --------------------------------------------------------------------------------------------
# What users see


def clock_records(
    ticket_ref: str,
    clocks_json: str,
    now: int,
    local: Callable[[int], datetime],
    *,
    detail: bool = False,
) -> list[dict[str, Any]]:
    """The clocks of a ticket in the JSON shape of CLI.md: `ticket, name, due_at, state,
    met_at, seconds_left` and `late` (met after its deadline); with `detail` (sla status) also
    `started_at, target, basis, rule`. Built for speed: a list shows one per open ticket."""
    out = []
    zone = local.zone  # type: ignore[attr-defined]
    for values in orjson.loads(clocks_json):
        name, started, due, met, remaining, target, basis, rule, rendered, due_at, met_at = values
        if rendered != zone:  # rendered for another display zone: convert now
            due_at = local(due) if due is not None else None
            met_at = local(met) if met is not None else None
        if met is not None:
            rec = {
                "ticket": ticket_ref,
                "name": name,
                "due_at": due_at,
                "state": "met",
                "met_at": met_at,
                "seconds_left": None,
                "late": due is not None and met > due,
            }
        elif due is None:
            rec = {
                "ticket": ticket_ref,
                "name": name,
                "due_at": None,
                "state": "paused",
                "met_at": None,
                "seconds_left": remaining,
                "late": False,
            }
        else:
            rec = {
                "ticket": ticket_ref,
                "name": name,
                "due_at": due_at,
                "state": "breached" if due < now else "running",
                "met_at": None,
                "seconds_left": due - now,
                "late": False,
            }
        if detail:
            rec.update(started_at=local(started), target=target, basis=basis, rule=rule)
        out.append(rec)
    return out


def why(policy: Policy, severity: str, category: str, name: str) -> str:
    cls = policy.class_for(severity, category)
    rule = cls.clock(name)
    return rule.why if rule else f"{cls.name}: no {name} clock in the current policy"


def parse_within(within: str | None) -> int:
    return int(clock.parse_duration(within, what="--within").total_seconds()) if within else 0


def status(db: Database, typed: str) -> dict[str, Any]:
    """A ticket's clocks, each with the policy rule that set it."""
    from svcdesk.services.tickets import find_ticket

    now = clock.to_epoch(clock.now())
    local = clock.local_times(clock.display_tz())
    with db.read() as conn:
        t = find_ticket(conn, typed, db.replica_code)
        row = conn.execute(
            "SELECT clocks, policy_id FROM ticket WHERE id = :i", {"i": t["id"]}
        ).first()
        assert row is not None
        _, policy = policy_by_id(conn, row[1], t["opened_at"])
    clocks = clock_records(t["ref"], row[0], now, local, detail=True) if row[0] else []
    for c in clocks:
        c["why"] = why(policy, t["severity"], t["category"], c["name"])
    return {"ticket": t["ref"], "title": t["title"], "status": t["status"], "clocks": clocks}


OVERDUE_SQL = (
    "SELECT t.next_due_at, t.ref, t.title, t.site_id, t.assignee, t.status, t.due_view, "
    "CASE WHEN t.due_view IS NULL OR :plain THEN t.clocks END FROM ticket t "
    "WHERE t.next_due_at < :limit{site} ORDER BY t.next_due_at"
)


def overdue(
    db: Database,
    *,
    within: str | None = None,
    site: str | None = None,
    as_json: bool = False,
) -> Iterator[Any]:
    """Breached clocks, and with `within` those due inside that window; earliest deadline first.

    An indexed query on the tickets' earliest deadline, streamed: a clock is yielded once no
    later ticket can hold an earlier deadline. With `as_json`, open tickets' clocks come as
    ready JSON from their pre-rendered views (the same text their records would give).
    """
    from svcdesk.services.sites import find_site

    now = clock.to_epoch(clock.now())
    limit = now + parse_within(within)
    local = clock.local_times(clock.display_tz())
    zone = local.zone  # type: ignore[attr-defined]
    params: dict[str, Any] = {"limit": limit, "plain": not as_json}
    pending: list[tuple[int, int, Any]] = []  # (due, arrival, record or JSON)
    order = itertools.count()
    with db.read() as conn:
        if site:
            params["site"] = find_site(conn, site)["id"]
        sites: dict[str, str] = dict(conn.execute("SELECT id, code FROM site").all())
        sql = OVERDUE_SQL.format(site=" AND t.site_id = :site" if site else "")
        for rows in conn.execute(sql, params).batches(500):
            ready = []
            for next_due, ref, title, site_id, assignee, status_, due_view, clocks in rows:
                while pending and pending[0][0] <= next_due:
                    ready.append(heapq.heappop(pending)[2])
                lines = due_view.split("\n") if as_json and due_view else None
                if lines is not None and lines[0] == zone:  # pre-rendered for this zone
                    for line in lines[1:]:
                        text_due, template = line.split("\t", 1)
                        due = int(text_due)
                        if due < limit:
                            state = "breached" if due < now else "running"
                            item = orjson.Fragment(template % (state, due - now))
                            if due <= next_due:  # no later ticket can be due earlier
                                ready.append(item)
                            else:
                                heapq.heappush(pending, (due, next(order), item))
                    continue
                # Only the clocks still running and due before the limit become records.
                for name, _, due, met, _, _, _, _, rendered, due_at, _ in orjson.loads(clocks):
                    if met is not None or due is None or due >= limit:
                        continue
                    record = {
                        "ticket": ref,
                        "name": name,
                        "due_at": due_at if rendered == zone else local(due),
                        "state": "breached" if due < now else "running",
                        "met_at": None,
                        "seconds_left": due - now,
                        "late": False,
                        "title": title,
                        "site": sites[site_id],
                        "assignee": assignee,
                        "status": status_,
                    }
                    if due <= next_due:
                        ready.append(record)
                    else:
                        heapq.heappush(pending, (due, next(order), record))
            yield from ready
    while pending:
        yield heapq.heappop(pending)[2]


def board(db: Database, *, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Open tickets, most urgent first: by their earliest running deadline, paused ones last."""
    from svcdesk.services.sites import find_site

    now = clock.to_epoch(clock.now())
    local = clock.local_times(clock.display_tz())
    params: dict[str, Any] = {}
    where = "t.status <> 'closed'"
    with db.read() as conn:
        if site:
            params["site"] = find_site(conn, site)["id"]
            where += " AND t.site_id = :site"
        sql = (
            "SELECT t.ref, t.title, s.code, t.assignee, t.status, t.severity, t.next_due_at, "
            "t.clocks FROM ticket t JOIN site s ON s.id = t.site_id "
            f"WHERE {where} ORDER BY t.next_due_at IS NULL, t.next_due_at, t.opened_at"
        )
        for rows in conn.execute(sql, params).batches(500):
            for ref, title, code, assignee, status_, severity, next_due, clocks in rows:
                recs = clock_records(ref, clocks, now, local) if clocks else []
                urgent = min(
                    (c for c in recs if c["state"] in ("running", "breached")),
                    key=lambda c: c["seconds_left"],
                    default=None,
                )
                yield {
                    "ticket": ref,
                    "title": title,
                    "site": code,
                    "status": status_,
                    "severity": severity,
                    "assignee": assignee,
                    "next_clock": urgent["name"] if urgent else None,
                    "due_at": local(next_due) if next_due is not None else None,
                    "seconds_left": next_due - now if next_due is not None else None,
                    "clocks": recs,
                }


class _Recomputer:
    """Clocks and views for many tickets at once (recompute, and the tickets a sync touched)."""

    def __init__(self, conn: Conn, *, reassign: bool = False) -> None:
        from svcdesk.services.tickets import render_view

        self.render_view = render_view
        self.conn = conn
        self.reassign = reassign
        self.local = clock.local_times(clock.display_tz())
        self.sites = {sid: (code, tz) for sid, code, tz in
                      conn.execute("SELECT id, code, tz FROM site").all()}  # fmt: skip
        self.assets: dict[str, str] = dict(conn.execute("SELECT id, ref FROM asset").all())
        ensure_default_policy(conn)
        self.versions = conn.execute(
            "SELECT id, effective_at, source FROM policy ORDER BY effective_at, loaded_at, id"
        ).all()
        self.policies: dict[str, Policy] = {pid: parse(src) for pid, _, src in self.versions}
        self.starts = [effective for _, effective, _ in self.versions]
        self.changed = 0

    def write(self, rows: list[Any], events_of: Callable[[str], list[sla.Event]]) -> None:
        """Recompute and store the rows (TICKET_COLUMNS, then policy_id)."""
        updates = []
        for row in rows:
            (tid, _, _, site_id, asset_id, category, severity, _, status, _, _,
             opened_at, due_at, _, old, pid) = row  # fmt: skip
            if self.reassign or pid not in self.policies:  # (re)assign the version
                pid = self.versions[max(0, bisect.bisect_right(self.starts, opened_at) - 1)][0]
            code, site_tz = self.sites[site_id]
            clocks = compute_clocks(
                self.policies[pid], severity=severity, category=category,
                opened_at=opened_at, due_at=due_at, site_tz=site_tz, events=events_of(tid),
            )  # fmt: skip
            new = encode(clocks, render=status != "closed")
            asset_ref = self.assets.get(asset_id) if asset_id else None
            view, due_view = self.render_view((*row[:14], new), code, asset_ref, self.local)
            self.changed += new != old
            if new != old or view is not None:  # open tickets: always re-render
                updates.append(
                    {"i": tid, "p": pid, "c": new, "n": sla.next_due(clocks), "v": view,
                     "d": due_view}
                )  # fmt: skip
        if updates:
            self.conn.executemany(
                "UPDATE ticket SET policy_id = :p, clocks = :c, next_due_at = :n, "
                "view = :v, due_view = :d WHERE id = :i",
                updates,
            )


def recompute(
    db: Database,
    *,
    since: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Rebuild every ticket's clocks from its events (after a policy or calendar change).

    With `since`, only the tickets opened at or after it, which move to the policy version in
    force when they were opened (a policy loaded with an earlier effective instant).
    """
    from svcdesk.services.tickets import TICKET_COLUMNS

    with db.write() as tx:
        conn = tx.conn
        work = _Recomputer(conn, reassign=since is not None)
        bounds = {"since": since if since is not None else -(2**62)}
        total = conn.execute(
            "SELECT count(*) FROM ticket WHERE opened_at >= :since", bounds
        ).scalar()
        reader = db.reader()
        done = 0
        with cached_holidays(conn):
            tickets_cur = reader.execute(
                f"SELECT {TICKET_COLUMNS}, t.policy_id FROM ticket t "
                "WHERE t.opened_at >= :since ORDER BY t.id",
                bounds,
            )
            events_cur = reader.execute(
                "SELECT ticket_id, kind, at FROM ticket_event ORDER BY ticket_id, at, recorded_at"
            )
            events = _by_ticket(events_cur.batches(5000))
            pending: list[Any] = list(next(events, (None, [])))

            def events_of(tid: str) -> list[sla.Event]:
                while pending[0] is not None and pending[0] < tid:
                    pending[:] = next(events, (None, []))
                return pending[1] if pending[0] == tid else []

            for rows in tickets_cur.batches(2000):
                work.write(rows, events_of)
                done += len(rows)
                if progress:
                    progress(done, total or 0)
        reader.close()
    return {"tickets": done, "changed": work.changed}


def refresh_tickets(conn: Conn, ids: Iterable[str]) -> None:
    """Recompute the clocks and views of these tickets, in batches (after a sync)."""
    from svcdesk.services.tickets import TICKET_COLUMNS

    wanted = sorted(set(ids))
    if not wanted:
        return
    work = _Recomputer(conn)
    with cached_holidays(conn):
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ", ".join(f":i{n}" for n in range(len(chunk)))
            params = {f"i{n}": v for n, v in enumerate(chunk)}
            rows = conn.execute(
                f"SELECT {TICKET_COLUMNS}, t.policy_id FROM ticket t WHERE t.id IN ({marks})",
                params,
            ).all()
            grouped: dict[str, list[sla.Event]] = {}
            for tid, kind, at in conn.execute(
                f"SELECT ticket_id, kind, at FROM ticket_event WHERE ticket_id IN ({marks}) "
                "ORDER BY ticket_id, at, recorded_at, id",
                params,
            ).all():
                grouped.setdefault(tid, []).append(sla.Event(kind, at))
            work.write(rows, lambda tid, g=grouped: g.get(tid, []))  # type: ignore[misc]


def _by_ticket(batches: Iterator[list[Any]]) -> Iterator[tuple[str, list[sla.Event]]]:
    """(ticket id, its events in order) from rows sorted by ticket id."""
    current: str | None = None
    events: list[sla.Event] = []
    for rows in batches:
        for tid, kind, at in rows:
            if tid != current:
                if current is not None:
                    yield current, events
                current, events = tid, []
            events.append(sla.Event(kind, at))
    if current is not None:
        yield current, events
