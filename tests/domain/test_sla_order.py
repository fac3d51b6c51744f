"""SLA clocks follow the events' one total order: ties in instant are decided by position.

The caller hands `sla.compute` a ticket's events already sorted (instant, then the order a
replica recorded them, then stamp); an event meets only a clock that started before it in that
order. And a second escalation starts a new on-site clock without erasing a breach of the first.
Checked by examples, and against a brute-force oracle that walks the events one by one and the
time minute by minute.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from domain.test_sla import ALWAYS, BASE, MIN, WORK, R, cal, iso, ts
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.domain import sla
from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.tickets import TRANSITIONS

H = 3600


def compute(rules, opened, events, due=None):
    evs = [sla.Event(k, ts(a)) for k, a in events]
    return sla.compute(rules, sla.Facts(ts(opened), due), evs, cal)


def named(clocks, name):
    return [c for c in clocks if c.name == name]


# --- the bugs, as sentences ---------------------------------------------------------------------


def test_a_resolution_recorded_just_before_a_reopening_in_the_same_minute_meets_no_new_clock():
    rules = [R("resolve", H, "always"), R("report", 24 * H, "always")]
    events = [("resolved", "2026-10-14 10:00"), ("reopened", "2026-10-14 10:00")]
    clocks = compute(rules, "2026-10-14 09:00", events)
    (resolve,) = named(clocks, "resolve")
    assert iso(resolve.started_at) == "2026-10-14 10:00" and resolve.met_at is None
    assert iso(resolve.due_at) == "2026-10-14 11:00"
    assert named(clocks, "report") == []  # open again: no incident report is due
    # resolved again in that same minute, the report is due once more
    clocks = compute(rules, "2026-10-14 09:00", [*events, ("resolved", "2026-10-14 10:00")])
    assert named(clocks, "resolve")[0].met_at == ts("2026-10-14 10:00")
    assert iso(named(clocks, "report")[0].due_at) == "2026-10-15 10:00"


def test_an_arrival_recorded_before_a_second_escalation_in_the_same_minute_leaves_it_running():
    rules = [R("onsite", 6 * H, "always")]
    events = [("escalated", "2026-10-14 09:00"), ("arrived", "2026-10-14 10:00"),
              ("escalated", "2026-10-14 10:00")]  # fmt: skip
    *_, latest = named(compute(rules, "2026-10-14 08:00", events), "onsite")
    assert iso(latest.started_at) == "2026-10-14 10:00" and latest.met_at is None
    assert iso(latest.due_at) == "2026-10-14 16:00"
    assert latest.state(ts("2026-10-14 17:00")) == "breached"


def test_an_onsite_clock_met_before_a_re_escalation_stays_met_beside_the_new_one():
    rules = [R("onsite", 6 * H, "always")]
    events = [("escalated", "2026-10-14 09:00"), ("arrived", "2026-10-14 10:00"),
              ("escalated", "2026-10-14 10:00")]  # fmt: skip
    first, latest = named(compute(rules, "2026-10-14 08:00", events), "onsite")
    assert iso(first.started_at) == "2026-10-14 09:00" and iso(first.met_at) == "2026-10-14 10:00"
    assert not first.late and latest.met_at is None


def test_a_breach_of_the_first_onsite_clock_stays_after_re_escalation_met_late_by_the_arrival():
    rules = [R("onsite", 6 * H, "always")]
    events = [("escalated", "2026-10-14 08:00"), ("escalated", "2026-10-14 15:00")]
    clocks = compute(rules, "2026-10-14 07:00", events)
    first, second = named(clocks, "onsite")
    assert iso(first.started_at) == "2026-10-14 08:00" and iso(first.due_at) == "2026-10-14 14:00"
    assert iso(second.started_at) == "2026-10-14 15:00" and iso(second.due_at) == "2026-10-14 21:00"
    assert first.state(ts("2026-10-14 15:30")) == "breached"
    assert sla.next_due(clocks) == first.due_at  # the breach is what makes the ticket urgent
    clocks = compute(rules, "2026-10-14 07:00", [*events, ("arrived", "2026-10-14 16:00")])
    first, second = named(clocks, "onsite")
    assert first.met_at == second.met_at == ts("2026-10-14 16:00")
    assert first.late and not second.late
    assert sla.next_due(clocks) is None


def test_a_re_escalation_before_the_onsite_deadline_drops_that_clock_but_not_an_earlier_breach():
    rules = [R("onsite", 6 * H, "always")]
    events = [
        ("escalated", "2026-10-14 08:00"),  # due 14:00: breached by the next escalation
        ("escalated", "2026-10-14 15:00"),  # due 21:00: superseded at 16:00, dropped
        ("escalated", "2026-10-14 16:00"),
    ]
    clocks = compute(rules, "2026-10-14 07:00", events)
    assert [iso(c.started_at) for c in clocks] == ["2026-10-14 08:00", "2026-10-14 16:00"]
    # escalating again exactly at the deadline is not yet a breach
    events = [("escalated", "2026-10-14 08:00"), ("escalated", "2026-10-14 14:00")]
    clocks = compute(rules, "2026-10-14 07:00", events)
    assert [iso(c.started_at) for c in clocks] == ["2026-10-14 14:00"]
    # nor is it when a pause moved the deadline past the second escalation (three hours
    # paused: due 17:00, escalated again at 16:00)
    events = [("escalated", "2026-10-14 08:00"), ("paused", "2026-10-14 09:00"),
              ("resumed", "2026-10-14 12:00"), ("escalated", "2026-10-14 16:00")]  # fmt: skip
    clocks = compute(rules, "2026-10-14 07:00", events)
    assert [iso(c.started_at) for c in clocks] == ["2026-10-14 16:00"]


def test_a_pause_recorded_before_the_arrival_in_the_same_minute_still_counts_for_its_clock():
    rules = [R("onsite", 6 * H, "always")]
    events = [("escalated", "2026-10-14 08:00"), ("paused", "2026-10-14 09:00"),
              ("arrived", "2026-10-14 09:00"), ("resumed", "2026-10-14 10:00")]  # fmt: skip
    (onsite,) = compute(rules, "2026-10-14 07:00", events)
    assert iso(onsite.met_at) == "2026-10-14 09:00" and iso(onsite.due_at) == "2026-10-14 15:00"
    # a pause begun after the arrival no longer moves that clock's deadline
    events[1:3] = events[2], events[1]
    (onsite,) = compute(rules, "2026-10-14 07:00", events)
    assert iso(onsite.due_at) == "2026-10-14 14:00"


# --- the oracle: the events one by one, the time minute by minute --------------------------------

KINDS = ("comment", "responded", "escalated", "arrived", "paused", "resumed", "resolved",
         "reopened", "report-submitted", "closed")  # fmt: skip
ORDER = sla.CLOCK_ORDER


class Run:
    """One clock in the oracle's walk."""

    def __init__(self, rule, start: int, seq: int):
        self.rule, self.start, self.seq = rule, start, seq
        self.used = 0  # business seconds counted so far
        self.due: int | None = None
        self.met: int | None = None
        self.pauses_when_met = 0  # how many pauses had begun when it was met

    def clock(self, due_date: int | None) -> sla.Clock:
        r = self.rule
        if r.target is None:
            due, remaining = due_date, None
        else:
            due, remaining = self.due, None if self.due is not None else r.target - self.used
        return sla.Clock(r.name, self.start, due, self.met, remaining, r.target, r.basis,
                         r.class_name)  # fmt: skip


def oracle(rules, opened_at: int, events, due_date: int | None, calendar) -> list[sla.Clock]:
    rule = {r.name: r for r in rules}
    seq = iter(range(1_000_000))
    live: dict[str, list[Run]] = {name: [] for name in ORDER}
    paused, pauses_begun = False, 0

    def start(name: str, at: int) -> None:
        if name in rule:
            live[name].append(Run(rule[name], at, next(seq)))

    def meet(name: str, at: int) -> None:
        for run in live[name]:
            if run.met is None:
                run.met, run.pauses_when_met = at, pauses_begun

    def breached(run: Run, at: int) -> bool:
        return run.due is not None and run.due < at

    def counting(run: Run) -> bool:
        if run.rule.target is None or run.due is not None:
            return False
        return not paused or (run.met is not None and run.pauses_when_met < pauses_begun)

    start("respond", opened_at)
    for name in ("resolve", "restore", "upgrade"):
        start(name, opened_at)
    i, t = 0, opened_at
    while True:
        while i < len(events) and events[i].at == t:  # this instant's events, in their order
            kind = events[i].kind
            i += 1
            if kind in ("responded", "arrived", "resolved"):
                meet("respond", t)
            if kind in ("arrived", "resolved"):
                meet("onsite", t)
            if kind == "escalated":
                # a clock not met by now stays only if already breached
                live["onsite"] = [r for r in live["onsite"] if r.met is not None or breached(r, t)]
                start("onsite", t)
            elif kind == "paused" and not paused:
                paused, pauses_begun = True, pauses_begun + 1
            elif kind in ("resumed", "resolved", "closed"):
                paused = False
            if kind == "resolved":
                for name in ("resolve", "restore", "upgrade"):
                    meet(name, t)
                live["report"] = []
                start("report", t)
            elif kind == "reopened":
                for name in ("resolve", "restore", "upgrade", "report"):
                    live[name] = []
                for name in ("resolve", "restore", "upgrade"):
                    start(name, t)
            elif kind == "report-submitted":
                meet("report", t)
        runs = [run for name in ORDER for run in live[name] if counting(run)]
        if i == len(events) and not runs:
            break
        for run in runs:  # the minute [t, t + 1 min)
            cal = calendar(run.rule.basis)
            if cal.is_working_time(datetime.fromtimestamp(t, UTC)):
                run.used += MIN
                if run.used == run.rule.target:
                    run.due = t + MIN
        t += MIN
    every = [run for name in ORDER for run in sorted(live[name], key=lambda r: (r.start, r.seq))]
    return [run.clock(due_date) for run in every]


@st.composite
def timelines(draw):
    """A ticket's events in lifecycle order, minute instants, often many in the same minute."""
    opened = BASE + draw(st.integers(0, 6 * 24 * 60)) * MIN
    events, status, at = [sla.Event("opened", opened)], "open", opened
    for _ in range(draw(st.integers(0, 24))):
        allowed = [k for k in KINDS if status in TRANSITIONS[k][0]]
        kind = draw(st.sampled_from(allowed))
        at += draw(st.sampled_from((0, 0, 0, 0, 1, 7, 45, 150, 400))) * MIN
        events.append(sla.Event(kind, at))
        status = TRANSITIONS[kind][1] or status
    basis = draw(st.sampled_from(("always", "always", "working")))
    names = draw(st.lists(st.sampled_from(ORDER), min_size=1, unique=True))
    rules = []
    for name in names:
        if name == "upgrade":
            rules.append(R(name, None, basis))
        else:
            rules.append(R(name, draw(st.sampled_from((1, 5, 30, 60, 240, 360))) * MIN, basis))
    due_date = opened + draw(st.integers(0, 3 * 24 * 60)) * MIN
    return rules, opened, events, due_date


class Row(NamedTuple):
    kind: str
    at: int
    id: str
    target: str | None = None


def calendars(basis: str) -> WorkCalendar:
    return ALWAYS if basis == "always" else WORK


def show(clocks):
    return [(c.name, iso(c.started_at), iso(c.due_at), iso(c.met_at), c.remaining) for c in clocks]


@settings(max_examples=400, deadline=None)
@given(timelines())
def test_clocks_match_a_walk_through_the_events_in_order(case):
    rules, opened, events, due_date = case
    facts = sla.Facts(opened, due_date)
    expected = oracle(rules, opened, events, due_date, calendars)
    got = sla.compute(rules, facts, events, calendars)
    assert show(got) == show(expected)
    assert got == expected
    # the opening comes first whether or not its event is listed
    assert sla.compute(rules, facts, events[1:], calendars) == got
    # rows wider than Event (the store's) give the same clocks
    wide = [Row(e.kind, e.at, f"e{i}") for i, e in enumerate(events)]
    assert sla.compute(rules, facts, wide, calendars) == got
    # the ticket's urgency: the earliest deadline of a clock not met yet, breached ones too
    dues = [c.due_at for c in expected if c.met_at is None and c.due_at is not None]
    assert sla.next_due(got) == (min(dues) if dues else None)
