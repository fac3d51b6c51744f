"""SLA clocks: a pure function of (policy, calendar, a ticket's events).

Each clock of a ticket's class starts at an event, stops at another, and is due when its target
of business time (working time, or around the clock) has elapsed, not counting the time the
ticket spent paused. Nothing here reads the clock: `state` and `seconds_left` take `now`.

When clocks start and stop (DESIGN.md, the service contract):

| clock | starts | stops (met) |
| --- | --- | --- |
| respond | the report (ticket opened) | the first response: `responded`, `arrived` or `resolved` |
| resolve, restore | the report, or the latest reopening | the next `resolved` |
| onsite | the latest escalation | the next `arrived` (or `resolved`: no visit needed any more) |
| report | the latest resolution (unless reopened since) | the next `report-submitted` |
| upgrade | the request | the next `resolved`; due at the date the customer gave |

Pausing (waiting on the customer) stops every running clock: its deadline moves out by the
business time spent paused. A pause ends at `resumed`, `resolved` or `closed`. A clock already
past due when the ticket is paused stays breached: pausing does not hide a breach.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

RESPONSES = frozenset({"responded", "arrived", "resolved"})
RESOLVED = frozenset({"resolved"})
ON_SITE = frozenset({"arrived", "resolved"})
REPORTED = frozenset({"report-submitted"})
PAUSE_ENDS = frozenset({"resumed", "resolved", "closed"})
CLOCK_ORDER = ("respond", "onsite", "resolve", "restore", "upgrade", "report")
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


def _first(events: Sequence[Event], kinds: frozenset[str], after: int) -> int | None:
    for e in events:
        if e.at >= after and e.kind in kinds:
            return e.at
    return None


def window(
    name: str, facts: Facts, events: Sequence[Event], last: dict[str, int] | None = None
) -> tuple[int | None, int | None]:
    """When clock `name` started (None: not started) and when it was met (None: not yet).

    `last` maps each event kind to its latest instant (computed from `events` if not given).
    """
    if last is None:
        last = {e.kind: e.at for e in events}
    cycle = max(facts.opened_at, last.get("reopened", facts.opened_at))
    if name == "respond":
        return facts.opened_at, _first(events, RESPONSES, facts.opened_at)
    if name in ("resolve", "restore", "upgrade"):
        return cycle, _first(events, RESOLVED, cycle)
    if name == "onsite":
        escalated = last.get("escalated")
        if escalated is None:
            return None, None
        return escalated, _first(events, ON_SITE, escalated)
    if name == "report":
        resolved = last.get("resolved")
        if resolved is None or resolved < cycle:
            return None, None
        return resolved, _first(events, REPORTED, resolved)
    raise ValueError(f"unknown clock {name!r}")


def compute(
    rules: Sequence[Rule],
    facts: Facts,
    events: Sequence[Event],
    calendar: Callable[[str], Calendar],
) -> list[Clock]:
    """Every clock of a ticket whose class has `rules`, given its events in order.

    `calendar(basis)` gives the business-time calendar of a basis ("working" or "always").
    """
    paused = pauses(events)
    last = {e.kind: e.at for e in events}
    clocks = []
    for rule in sorted(rules, key=lambda r: CLOCK_ORDER.index(r.name)):
        start, stop = window(rule.name, facts, events, last)
        if start is None:
            continue
        if rule.target is None:  # upgrade: the customer's date, whatever the pauses
            due, remaining = facts.due_at, None
        else:
            due, remaining = deadline(calendar(rule.basis), start, rule.target, paused, stop)
        clocks.append(
            Clock(rule.name, start, due, stop, remaining, rule.target, rule.basis, rule.class_name)
        )
    return clocks


def next_due(clocks: Sequence[Clock]) -> int | None:
    """The earliest deadline among the clocks still running (the ticket's urgency)."""
    dues = [c.due_at for c in clocks if c.met_at is None and c.due_at is not None]
    return min(dues) if dues else None
