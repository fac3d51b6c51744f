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
from svcdesk.jsontext import CsvLine, JsonObject
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
_CLOCKS = ',"clocks":['  # the last key of a board record
risky_cell = re.compile(r",[=+\-@\s]").search  # a cell after the first may start a formula


def board(db: Database, *, site: str | None = None, brief: bool = False, as_json: bool = False,
          parsed: bool = False, limit: int | None = None) -> Iterator[Any]:  # fmt: skip
    """Open tickets, most urgent first: by their earliest running deadline (then opening),
    those with no clock running last.

    Streamed in batches, in the order an index keeps (store.board), like `ticket list`: records
    in the JSON shape of CLI.md; with `as_json` each as ready JSON (an orjson Fragment: the
    ticket's pre-rendered board record, filled in for now, when it has one for this zone, else
    built from its clocks), with `parsed` as its CSV line (or, where the line needs the csv
    writer, its JSON text: a JsonObject); with `brief`, tuples of BOARD_BRIEF (no clock
    records at all). `limit` stops after that many. A site that does not exist fails here,
    before any output."""
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
    return _board(db, site_id, brief=brief, as_json=as_json, parsed=parsed, limit=limit)


def board_count(db: Database, *, site: str | None = None) -> int:
    """How many tickets the board holds (at one site)."""
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        return store.open_count(conn, site_id=site_id)


def _board(db: Database, site_id: str | None, *, brief: bool, as_json: bool, parsed: bool,
           limit: int | None) -> Iterator[Any]:  # fmt: skip
    now = clock.to_epoch(clock.now())
    tz = clock.display_tz()
    local = clock.local_times(tz)
    with db.read() as conn:
        sites = site_store.codes(conn)
        if brief:
            minute = clock.local_minutes(tz)
            for rows in store.board(conn, site_id=site_id, limit=limit):
                yield from [
                    (ref, severity, sites[site], status, next_clock,
                     None if due is None else minute(due), None if due is None else due - now,
                     assignee, title)
                    for ref, site, status, severity, assignee, title, due, next_clock in rows
                ]  # fmt: skip
            return
        if not (as_json or parsed):
            for rows in store.board(conn, site_id=site_id, limit=limit, clocks=True):
                for ref, site, status, severity, assignee, title, due, nxt, clocks in rows:
                    yield {
                        "ticket": ref, "title": title, "site": sites[site], "status": status,
                        "severity": severity, "assignee": assignee, "next_clock": nxt,
                        "due_at": None if due is None else local(due),
                        "seconds_left": None if due is None else due - now,
                        "clocks": derived.clock_records(ref, clocks, now, local),
                    }  # fmt: skip
            return
        # JSON and CSV: each ticket's board record as its JSON text, pre-rendered (filled in
        # for now), else (no rendering for this zone) built from its stored clocks; CSV reads
        # its line out of that text
        fill, zone = derived.board_text, local.zone  # type: ignore[attr-defined]
        iso = derived.iso_texts(tz)
        first = True
        for rows in store.board(conn, site_id=site_id, limit=limit, views=True):
            texts: list[Any] = [None if v is None else fill(v, zone, now) for _, v in rows]
            if None in texts:
                ids = [i for i, _ in rows]
                found = store.board_rows(conn, [i for i, t in zip(ids, texts, strict=True)
                                                if t is None])  # fmt: skip
                texts = [t if t is not None else _built(found[i], sites, now, local, iso)
                         for i, t in zip(ids, texts, strict=True)]  # fmt: skip
            if as_json:
                yield from map(orjson.Fragment, texts)
                continue
            out: list[Any] = []
            for text in texts:
                line = None if first else _csv_line(text)
                out.append(JsonObject(text) if line is None else line)  # the record, written
                first = False
            yield from out


def _built(row: tuple[Any, ...], sites: dict[str, str], now: int, local: Callable[[int], Any],
           iso: Callable[[int], str]) -> str:  # fmt: skip
    """A board record's JSON text built from the ticket's stored clocks (BOARD_COLS, clocks)."""
    ref, site, status, severity, assignee, title, due, next_clock, clocks = row
    return orjson.dumps({
        "ticket": ref, "title": title, "site": sites[site], "status": status,
        "severity": severity, "assignee": assignee, "next_clock": next_clock,
        "due_at": None if due is None else local(due),
        "seconds_left": None if due is None else due - now,
        "clocks": orjson.Fragment(derived.clocks_text(ref, clocks, now, iso)),
    }).decode()  # fmt: skip


_RECORD_KEYS = ("ticket", "title", "site", "status", "severity", "assignee", "next_clock",
                "due_at", "seconds_left", "clocks")  # fmt: skip
_TEXT_KEYS = list(_RECORD_KEYS[:8])  # the keys whose values are text (or null)
_LEFT = ',"seconds_left":'


def _csv_line(text: str) -> CsvLine | None:
    """A board record's CSV line as `-f csv` writes the record, read out of its JSON text with
    string operations only; None when that cannot be exact (a backslash escape, a key out of
    place, a cell that needs quotes or a guard against formulas): the record then goes through
    the writer. Without a backslash no value holds a `"`, a line break or a control character
    (JSON escapes them all), so the text splits at its quotes into keys and values exactly."""
    if "\\" in text or not text.endswith("]}"):
        return None
    at = text.find(_CLOCKS)
    cut = text.rfind(_LEFT, 0, at)
    if at < 0 or cut < 0:
        return None
    parts = text[1:cut].replace('":null', '":""').split('"')
    if len(parts) != 33 or parts[1::4] != _TEXT_KEYS:
        return None
    values = parts[3::4]
    left = text[cut + len(_LEFT) : at]
    head = ",".join(values)
    if head.count(",") != 7 or head[:1] in FIRST or risky_cell(head):
        return None
    clocks = text[at + len(_CLOCKS) - 1 : -1]
    if clocks == "[]":  # an empty list is an empty cell
        return CsvLine(f"{head},{'' if left == 'null' else left},")
    quoted = clocks.replace('"', '""')
    return CsvLine(f'{head},{"" if left == "null" else left},"{quoted}"')


def recompute(
    db: Database, *, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Derive every ticket's clocks again from its events (after a policy or calendar change);
    `changed` counts the tickets whose stored clocks were not what their events give."""
    return derived.rebuild(db, progress)
