"""SLA clocks: a pure function of (policy, calendar, a ticket's events).

Each clock of a ticket's class starts at an event, stops at another, and is due when its target
of business time (working time, or around the clock) has elapsed, not counting the time the
ticket spent paused. Nothing here reads the clock: `state` and `seconds_left` take `now`.

The events come in their one total order (instant, then the order they were recorded, then
stamp: DESIGN.md, Sync), and that order decides: a clock starts at a place in it and is met only
by an event after that place, so of two events in the same second the one recorded first is
the earlier. When clocks start and stop (DESIGN.md, the service contract):

| clock | starts | stops (met) |
| --- | --- | --- |
| respond | the report (ticket opened) | the first response: `responded`, `arrived` or `resolved` |
| resolve, restore | the report, or the latest reopening | the next `resolved` |
| onsite | each escalation | the next `arrived` (or `resolved`: no visit needed any more) |
| report | the latest resolution (unless reopened since) | the next `report-submitted` |
| upgrade | the request | the next `resolved`; due at the date the customer gave |
| update | the report, each reply (`responded`, `replied`), each reopening | the next `resolved` |

The update clock is the plan's online support, "replies every day" to requests by email or
the website: the caller adds its rule only for tickets on the channels the policy names. Each
reply restarts it (due `every` after the latest reply), so it is never met by a reply, only
stopped by the resolution; a reply while the ticket is resolved or closed changes nothing.

Escalating again before the on-site clock was met replaces that clock, unless it was already
breached then: a breach stays on the record, met late by the next arrival. So a ticket may have
several `onsite` clocks (ordered by start); the latest escalation's is always one of them.

Pausing (waiting on the customer) stops every running clock: its deadline moves out by the
business time spent paused. A pause ends at `resumed`, `resolved` or `closed`; a pause begun
after a clock was met does not move that clock's deadline. A clock already past due when the
ticket is paused stays breached: pausing does not hide a breach.

Waiting for the customer's consent (the plan: a fix is carried out "once the customer agrees")
runs from `proposed` to `approved`, `declined`, `resolved` or `closed`. With `consent_pauses`
(the policy's `[consent] pause_resolution`, on by default) it pauses the resolution clocks
(resolve, restore) as a pause does, and only those: the other promises keep running.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

PAUSE_ENDS = frozenset({"resumed", "resolved", "closed"})
WAIT_ENDS = frozenset({"approved", "declined", "resolved", "closed"})
REPLIES = frozenset({"responded", "replied"})
"""What restarts the update clock: a response, or a public comment (a reply the customer sees)."""
CLOCK_ORDER = ("respond", "onsite", "resolve", "restore", "upgrade", "report")
"""The clocks of a ticket class, in the order a ticket meets them."""
UPDATE = "update"
"""The policy's clock of replies (`[update]`), listed after respond."""
RESOLUTION = frozenset({"resolve", "restore"})
"""The clocks waiting for the customer's consent pauses."""
_RANK = {name: i for i, name in enumerate(("respond", UPDATE, *CLOCK_ORDER[1:]))}
STATES = ("running", "paused", "met", "breached")


class Calendar(Protocol):
    def add_ts(self, t: int, seconds: int) -> int: ...
    def between_ts(self, ta: int, tb: int) -> int: ...


class Rule(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def target(self) -> int | None: ...
    @property
    def basis(self) -> str: ...
    @property
    def class_name(self) -> str: ...


class Event(NamedTuple):  # tuples: a recompute makes millions of these
    kind: str
    at: int  # epoch seconds


class Facts(NamedTuple):
    """What the rules need to know of a ticket besides its events."""

    opened_at: int
    due_at: int | None = None  # upgrade requests: the customer's date


class Clock(NamedTuple):
    """One promise on one ticket, as of its events (not of any particular `now`)."""

    name: str
    started_at: int
    due_at: int | None  # None while paused: it depends on when the ticket resumes
    met_at: int | None
    remaining: int | None  # business seconds left while paused
    target: int | None
    basis: str
    rule: str  # the policy class that decided it

    def state(self, now: int) -> str:
        if self.met_at is not None:
            return "met"
        if self.due_at is None:
            return "paused"
        return "breached" if now > self.due_at else "running"

    def seconds_left(self, now: int) -> int | None:
        """Wall-clock seconds to the deadline (negative: overdue by); paused: business seconds
        left; met: None."""
        if self.met_at is not None:
            return None
        if self.due_at is None:
            return self.remaining
        return self.due_at - now

    @property
    def late(self) -> bool:
        """Met after its deadline."""
        return self.met_at is not None and self.due_at is not None and self.met_at > self.due_at


def pauses(events: Sequence[Event]) -> list[tuple[int, int | None]]:
    """The intervals the ticket spent paused: (start, end), end None while still paused."""
    out: list[tuple[int, int | None]] = []
    start: int | None = None
    for ev in events:
        if ev.kind == "paused" and start is None:
            start = ev.at
        elif ev.kind in PAUSE_ENDS and start is not None:
            out.append((start, ev.at))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def waits(events: Sequence[Event]) -> list[tuple[int, int | None]]:
    """The intervals a proposal waited for the customer's answer: (proposed, answered or
    resolved), the end None while it still waits."""
    out: list[tuple[int, int | None]] = []
    start: int | None = None
    for ev in events:
        if ev.kind == "proposed" and start is None:
            start = ev.at
        elif ev.kind in WAIT_ENDS and start is not None:
            out.append((start, ev.at))
            start = None
    if start is not None:
        out.append((start, None))
    return out


def deadline(
    cal: Calendar,
    start: int,
    target: int,
    paused: Sequence[tuple[int, int | None]],
    stop: int | None = None,
) -> tuple[int | None, int | None]:
    """(due, None) once `target` business seconds have run from `start` outside the pauses, or
    (None, remaining) while a pause that began before the deadline is still going on."""
    remaining, cursor = target, start
    for p_start, p_end in paused:
        if stop is not None and p_start >= stop:
            break
        if p_end is not None and p_end <= cursor:
            continue
        if p_start > cursor:
            due = cal.add_ts(cursor, remaining)
            if due <= p_start:
                return due, None
            remaining -= cal.between_ts(cursor, p_start)
        if p_end is None:
            return None, remaining
        cursor = max(cursor, p_end)
    return cal.add_ts(cursor, remaining), None


def compute(
    rules: Sequence[Rule],
    facts: Facts,
    events: Sequence[Event],
    calendar: Callable[[str], Calendar],
    *,
    consent_pauses: bool = True,
) -> list[Clock]:
    """Every clock of a ticket whose class has `rules`, given its events in order.

    `calendar(basis)` gives the business-time calendar of a basis ("working" or "always").
    The order of `events` is the truth (the caller sorts them: instant, then the order they were
    recorded, then stamp): a clock starts at a position in it and is met only by an event after
    that position, so events that share an instant are told apart by where they stand. The
    opening comes before every event (an `opened` event changes nothing). `consent_pauses`:
    whether waiting for the customer's consent pauses the resolution clocks.
    """
    # One walk over the events. Each clock: its start, when it was met, and how many pauses
    # had begun when it was met (pauses begun after that no longer move its deadline).
    opened_at = facts.opened_at
    respond_met: int | None = None
    respond_n = 0
    cycle_at, cycle_n = opened_at, 0  # resolve, restore, upgrade: the current cycle
    cycle_met: int | None = None
    report_at: int | None = None
    report_met: int | None = None
    report_n = 0
    onsite: list[list[Any]] | None = None  # [start, met, pauses when met, superseded at]
    onsite_open = 0  # onsite[onsite_open:] are not met yet
    paused: list[tuple[int, int | None]] = []
    pause_at: int | None = None
    begun = 0  # pauses begun so far
    reply_at, update_met, update_n = opened_at, None, 0  # update: the latest reply, stopped
    waited: list[tuple[int, int | None]] = []  # waiting for the customer's consent
    wait_at: int | None = None
    cycle_w = 0  # waits begun when the resolution clocks were met
    for e in events:  # by attribute: callers may pass wider rows than Event
        kind, at = e.kind, e.at
        if wait_at is not None and kind in WAIT_ENDS:
            waited.append((wait_at, at))
            wait_at = None
        if kind == "responded" or kind == "replied":
            if kind == "responded" and respond_met is None:
                respond_met, respond_n = at, begun
            if update_met is None:
                reply_at = max(opened_at, at)
            continue
        if kind == "proposed":
            if wait_at is None:
                wait_at = at
            continue
        if (kind == "resolved" or kind == "closed") and update_met is None:
            update_met, update_n = at, begun
        if kind == "arrived" or kind == "resolved":
            if respond_met is None:
                respond_met, respond_n = at, begun
            if onsite is not None:
                while onsite_open < len(onsite):
                    visit = onsite[onsite_open]
                    visit[1], visit[2] = at, begun
                    onsite_open += 1
            if kind == "resolved":
                if cycle_met is None:
                    cycle_met, cycle_n, cycle_w = at, begun, len(waited)
                report_at, report_met = at, None
                if pause_at is not None:
                    paused.append((pause_at, at))
                    pause_at = None
        elif kind == "escalated":
            if onsite is None:
                onsite = []
            elif onsite_open < len(onsite):
                onsite[-1][3] = at  # escalated again before that clock was met
            onsite.append([at, None, 0, None])
        elif kind == "paused":
            if pause_at is None:
                pause_at = at
                begun += 1
        elif kind == "resumed" or kind == "closed":
            if pause_at is not None:
                paused.append((pause_at, at))
                pause_at = None
        elif kind == "reopened":
            cycle_at, cycle_met = max(opened_at, at), None
            report_at = None
            reply_at, update_met = max(opened_at, at), None
        elif kind == "report-submitted" and report_at is not None and report_met is None:
            report_met, report_n = at, begun
    if pause_at is not None:
        paused.append((pause_at, None))
    if wait_at is not None:
        waited.append((wait_at, None))

    def clock(rule: Rule, start: int, met: int | None, n: int,
              w: int | None = None) -> Clock:  # fmt: skip
        if rule.target is None:  # upgrade: the customer's date, whatever the pauses
            due, remaining = facts.due_at, None
        else:
            # only the pauses begun before the clock was met move its deadline
            ps = paused if met is None or n == len(paused) else paused[:n]
            if w is not None and waited:  # and the waits for consent begun by then
                ps = sorted([*ps, *(waited if met is None else waited[:w])],
                            key=lambda p: p[0])  # fmt: skip
            due, remaining = deadline(calendar(rule.basis), start, rule.target, ps)
        return Clock(rule.name, start, due, met, remaining, rule.target, rule.basis,
                     rule.class_name)  # fmt: skip

    clocks = []
    for rule in sorted(rules, key=_rank):
        name = rule.name
        if name == "respond":
            clocks.append(clock(rule, opened_at, respond_met, respond_n))
        elif name in RESOLUTION:
            w = cycle_w if consent_pauses else None
            clocks.append(clock(rule, cycle_at, cycle_met, cycle_n, w))
        elif name == "upgrade":
            clocks.append(clock(rule, cycle_at, cycle_met, cycle_n))
        elif name == UPDATE:
            clocks.append(clock(rule, reply_at, update_met, update_n))
        elif name == "onsite":
            for start, met, n, superseded in onsite or ():
                c = clock(rule, start, met, n)
                # superseded before it was met: kept only if already breached by then
                if superseded is None or (c.due_at is not None and c.due_at < superseded):
                    clocks.append(c)
        elif name == "report":
            if report_at is not None:
                clocks.append(clock(rule, report_at, report_met, report_n))
        else:
            raise ValueError(f"unknown clock {name!r}")
    return clocks


def _rank(rule: Rule) -> int:
    return _RANK.get(rule.name, len(_RANK))  # an unknown clock sorts last, then is refused


def next_due(clocks: Sequence[Clock]) -> int | None:
    """The earliest deadline among the clocks not met yet (the ticket's urgency). A breached
    clock counts until it is met: so does an on-site clock kept after a re-escalation."""
    dues = [c.due_at for c in clocks if c.met_at is None and c.due_at is not None]
    return min(dues) if dues else None


def next_clock(clocks: Sequence[Clock]) -> str | None:
    """The name of the clock due at `next_due` (the first of those due alike): the board's
    next clock."""
    due = next_due(clocks)
    if due is None:
        return None
    return next(c.name for c in clocks if c.met_at is None and c.due_at == due)
