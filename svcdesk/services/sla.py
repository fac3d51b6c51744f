"""SLA use cases: a ticket's clocks and why, the overdue list, the board, and recompute.

Clocks are derived from (policy version, calendar, the ticket's events) by `services/derived.py`
and stored on the ticket whenever those change, so "what is overdue" is an indexed query.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from svcdesk import clock
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


def board(db: Database, *, site: str | None = None) -> Iterator[dict[str, Any]]:
    """Open tickets, most urgent first: by their earliest running deadline, paused ones last."""
    now = clock.to_epoch(clock.now())
    local = clock.local_times(clock.display_tz())
    with db.read() as conn:
        site_id = site_store.find(conn, site).id if site else None
        for rows in store.board(conn, site_id=site_id):
            for row in rows:
                recs = derived.clock_records(row.ref, row.clocks, now, local)
                urgent = min(
                    (c for c in recs if c["state"] in ("running", "breached")),
                    key=lambda c: c["seconds_left"],
                    default=None,
                )
                next_due = row.next_due_at
                yield {
                    "ticket": row.ref,
                    "title": row.title,
                    "site": row.site_code,
                    "status": row.status,
                    "severity": row.severity,
                    "assignee": row.assignee,
                    "next_clock": urgent["name"] if urgent else None,
                    "due_at": local(next_due) if next_due is not None else None,
                    "seconds_left": next_due - now if next_due is not None else None,
                    "clocks": recs,
                }


def recompute(
    db: Database, *, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Derive every ticket's clocks again from its events (after a policy or calendar change);
    `changed` counts the tickets whose stored clocks were not what their events give."""
    return derived.rebuild(db, progress)
