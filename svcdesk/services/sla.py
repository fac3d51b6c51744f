"""SLA use cases: a ticket's clocks and why, the overdue list, the board, and recompute.

Clocks are derived from (policy version, calendar, the ticket's events) by `services/derived.py`
and stored on the ticket whenever those change, so "what is overdue" is an indexed query.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson

from svcdesk import clock
from svcdesk.csvtext import FIRST
from svcdesk.jsontext import CsvLine
from svcdesk.services import derived, policies
from svcdesk.store import sites as site_store
from svcdesk.store import tickets as store

if TYPE_CHECKING:
    from svcdesk.domain.policy import Policy
    from svcdesk.store.db import Database


def why(policy: Policy, severity: str, category: str, name: str) -> str:
    cls = policy.class_for(severity, category)
    rule = cls.clock(name)
    return rule.why if rule else f"{cls.name}: no {name} clock in the current policy"


def status(db: Database, typed: str) -> dict[str, Any]:
    """A ticket's clocks, each with the policy rule that set it."""
    now = clock.to_epoch(clock.now())
    local = clock.local_times(clock.display_tz())
    with db.read() as conn:
        t = store.find(conn, typed, replica_code=db.replica_code)
        state = store.derived(conn, t.id)
        policy = policies.version(conn, state.policy_id)
    clocks = derived.clock_records(t.ref, state.clocks, now, local, detail=True)
    for c in clocks:
        c["why"] = why(policy, t.severity, t.category, c["name"])
    return {"ticket": t.ref, "title": t.title, "status": t.status, "clocks": clocks,
            "language": policy.language}  # fmt: skip


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
    ready JSON from their pre-rendered records (the same text their records would give).
    """
    now = clock.to_epoch(clock.now())
    limit = now + clock.within_seconds(within)
    local = clock.local_times(clock.display_tz())
    zone = local.zone  # type: ignore[attr-defined]
    pending: list[tuple[int, int, Any]] = []  # (due, arrival, record or JSON)
    order = itertools.count()
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        sites = site_store.codes(conn)
        for rows in store.due(conn, before=limit, site_id=site_id, with_clocks=not as_json):
            ready = []
            for row in rows:
                while pending and pending[0][0] <= row.next_due_at:
                    ready.append(heapq.heappop(pending)[2])
                items: list[tuple[int, Any]] | None = None
                if as_json and row.due_view:
                    items = derived.due_fragments(row.due_view, zone, now, limit)
                if items is None:
                    items = [(due, _record(row, name, due, now, local, sites))
                             for name, due in derived.running_clocks(row.clocks)
                             if due < limit]  # fmt: skip
                for due, item in items:
                    if due <= row.next_due_at:  # no later ticket can be due earlier
                        ready.append(item)
                    else:
                        heapq.heappush(pending, (due, next(order), item))
            yield from ready
    while pending:
        yield heapq.heappop(pending)[2]


def _record(row: store.DueRow, name: str, due: int, now: int,
            local: Callable[[int], Any], sites: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    return {
        "ticket": row.ref,
        "name": name,
        "due_at": local(due),
        "state": "breached" if due < now else "running",
        "met_at": None,
        "seconds_left": due - now,
        "late": False,
        "title": row.title,
        "site": sites[row.site_id],
        "assignee": row.assignee,
        "status": row.status,
    }


# A board row in the text formats (table, plain, Markdown): the fields views.board_cols shows,
# in tuple order, `due_at` as `YYYY-MM-DD HH:MM` in the display zone.
BOARD_BRIEF = ("ticket", "severity", "site", "status", "next_clock", "due_at", "seconds_left",
               "assignee", "title")  # fmt: skip
_CLOCKS = '"clocks":['  # the last key of a ticket's record (records.ticket_record)
risky_cell = re.compile(r",[=+\-@\s]").search  # a cell after the first may start a formula


def board(db: Database, *, site: str | None = None, brief: bool = False, as_json: bool = False,
          parsed: bool = False, limit: int | None = None) -> Iterator[Any]:  # fmt: skip
    """Open tickets, most urgent first: by their earliest running deadline (then opening),
    those with no clock running last.

    Streamed in batches, in the order an index keeps (store.board), like `ticket list`: records
    in the JSON shape of CLI.md; with `as_json` their clocks come as ready JSON (an orjson
    Fragment: the clocks of the ticket's pre-rendered view, filled in for now, when it has one
    for this zone), with `parsed` as the text of their CSV cell; with `brief`, tuples of
    BOARD_BRIEF (no clock records at all). `limit` stops after that many. A site that does not
    exist fails here, before any output."""
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
    return _board(db, site_id, brief=brief, as_json=as_json, parsed=parsed, limit=limit)


def board_count(db: Database, *, site: str | None = None) -> int:
    """How many tickets the board holds (at one site)."""
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        return store.open_count(conn, site_id=site_id)


def _next_clock(clocks_json: str | None, due: int | None) -> str | None:
    """The name of the running clock due first (the first of those due alike), if any: the
    first one not met that is due at the ticket's `next_due_at`, its earliest running deadline."""
    if due is None or not clocks_json:
        return None
    clocks = orjson.loads(clocks_json)
    for name, _, clock_due, met, *_ in clocks:
        if clock_due == due and met is None:
            return str(name)
    running = [(d, n) for n, _, d, met, *_ in clocks if met is None and d is not None]
    return str(min(running, key=lambda c: c[0])[1]) if running else None


def _board(db: Database, site_id: str | None, *, brief: bool, as_json: bool, parsed: bool,
           limit: int | None) -> Iterator[Any]:  # fmt: skip
    now = clock.to_epoch(clock.now())
    tz = clock.display_tz()
    local = clock.local_times(tz)
    with db.read() as conn:
        sites = site_store.codes(conn)
        batches = store.board(conn, site_id=site_id, limit=limit, views=as_json or parsed)
        if brief:
            minute = clock.local_minutes(tz)
            for rows in batches:
                yield from [
                    (ref, severity, sites[site], status, _next_clock(clocks, due),
                     None if due is None else minute(due), None if due is None else due - now,
                     assignee, title)
                    for ref, site, status, severity, assignee, title, due, clocks in rows
                ]  # fmt: skip
            return
        if not (as_json or parsed):
            for rows in batches:
                for ref, site, status, severity, assignee, title, due, clocks in rows:
                    yield {
                        "ticket": ref, "title": title, "site": sites[site], "status": status,
                        "severity": severity, "assignee": assignee,
                        "next_clock": _next_clock(clocks, due),
                        "due_at": None if due is None else local(due),
                        "seconds_left": None if due is None else due - now,
                        "clocks": derived.clock_records(ref, clocks, now, local),
                    }  # fmt: skip
            return
        # JSON and CSV: each ticket's clocks as their JSON text: out of its pre-rendered view
        # (filled in for now), else (no view for this zone) built from its stored clocks
        iso, build, fill = derived.iso_texts(tz), derived.clocks_text, derived.view_text
        iso_text, zone = clock.local_isoformat(tz), local.zone  # type: ignore[attr-defined]
        first = True
        for rows in batches:
            out: list[Any] = []
            for ref, site, status, severity, assignee, title, due, clocks, view in rows:
                listed = None
                if view:
                    text = fill(view, zone, now)
                    if text is not None and text.endswith("]}") and (at := text.rfind(_CLOCKS)) > 0:
                        listed = text[at + len(_CLOCKS) - 1 : -1]
                        if '],"' in listed:  # a key after the clocks: not this shape
                            listed = None
                if listed is None:
                    listed = build(ref, clocks, now, iso)
                left = None if due is None else due - now
                if as_json:
                    out.append({
                        "ticket": ref, "title": title, "site": sites[site], "status": status,
                        "severity": severity, "assignee": assignee,
                        "next_clock": _next_clock(clocks, due),
                        "due_at": None if due is None else local(due), "seconds_left": left,
                        "clocks": orjson.Fragment(listed),
                    })  # fmt: skip
                    continue
                texts = (ref, title, sites[site], status, severity, assignee,
                         _next_clock(clocks, due))  # fmt: skip
                due_at = None if due is None else iso_text(due)
                row: Any = None if first else _csv_line(texts, due_at, left, listed)
                if row is None:  # the first (its keys are the header), or text to quote
                    row = dict(zip(_RECORD_KEYS, (*texts, due_at, left, _clocks_cell(listed)),
                                   strict=True))  # fmt: skip
                out.append(row)
                first = False
            yield from out


_RECORD_KEYS = ("ticket", "title", "site", "status", "severity", "assignee", "next_clock",
                "due_at", "seconds_left", "clocks")  # fmt: skip


def _clocks_cell(listed: str) -> str:
    """The clocks' CSV cell before quoting, as csvtext.list_value and cell give the records."""
    return "" if listed == "[]" else listed


def _csv_line(texts: tuple[str | None, ...], due_at: str | None, left: int | None,
              listed: str) -> CsvLine | None:  # fmt: skip
    """A board row's CSV line as `-f csv` writes its record, when its text cells need neither
    quotes nor a guard against formulas (else None: the record goes through the writer)."""
    head = ",".join(["" if t is None else t for t in texts])
    if ('"' in head or "\n" in head or "\r" in head or head.count(",") != len(texts) - 1
            or head[:1] in FIRST or risky_cell(head)):  # fmt: skip
        return None
    clocks = _clocks_cell(listed)
    if clocks:
        clocks = '"' + clocks.replace('"', '""') + '"'
    return CsvLine(f"{head},{due_at or ''},{'' if left is None else left},{clocks}")


def recompute(
    db: Database, *, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Derive every ticket's clocks again from its events (after a policy or calendar change);
    `changed` counts the tickets whose stored clocks were not what their events give."""
    return derived.rebuild(db, progress)
