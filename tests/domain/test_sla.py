"""SLA clocks from events: deadlines, pauses, reopenings, states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.domain import sla
from svcdesk.domain.calendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
WORK = WorkCalendar(
    tz="Asia/Shanghai",
    windows=((time(8, 30), time(12)), (time(13, 30), time(17, 30))),
    country=None,
)
ALWAYS = WorkCalendar.always("Asia/Shanghai")


@dataclass(frozen=True)
class R:
    name: str
    target: int | None
    basis: str = "working"
    class_name: str = "test"


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp())


def iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, SH).strftime("%Y-%m-%d %H:%M")


def cal(basis: str) -> WorkCalendar:
    return ALWAYS if basis == "always" else WORK


def clocks(rules, opened, events, due=None):
    evs = [sla.Event(k, ts(a)) for k, a in events]
    return {c.name: c for c in sla.compute(rules, sla.Facts(ts(opened), due), evs, cal)}


def test_respond_runs_on_working_time_and_is_met_by_the_first_response():
    c = clocks([R("respond", 1800)], "2026-10-14 11:50", [("responded", "2026-10-14 13:40")])
    # 10 working minutes before lunch, 20 after it
    assert iso(c["respond"].due_at) == "2026-10-14 13:50"
    assert c["respond"].met_at == ts("2026-10-14 13:40") and not c["respond"].late
    assert c["respond"].state(ts("2026-10-20 00:00")) == "met"


def test_a_ticket_reported_on_a_weekend_starts_counting_on_monday():
    c = clocks([R("respond", 1800)], "2026-10-17 10:00", [])  # a Saturday
    assert iso(c["respond"].due_at) == "2026-10-19 09:00"


def test_arrival_or_resolution_also_count_as_the_response():
    c = clocks([R("respond", 1800)], "2026-10-14 09:00", [("arrived", "2026-10-14 10:00")])
    assert c["respond"].met_at == ts("2026-10-14 10:00") and c["respond"].late


def test_pausing_moves_the_deadline_by_the_working_time_spent_paused():
    plain = clocks([R("resolve", 4 * 3600)], "2026-10-14 09:00", [])["resolve"]
    assert iso(plain.due_at) == "2026-10-14 14:30"
    events = [("paused", "2026-10-14 10:00"), ("resumed", "2026-10-15 10:00")]
    paused = clocks([R("resolve", 4 * 3600)], "2026-10-14 09:00", events)["resolve"]
    # one hour ran before the pause, three remain after 10:00 the next day
    assert iso(paused.due_at) == "2026-10-15 14:30"


def test_a_paused_ticket_has_no_deadline_but_keeps_its_remaining_time():
    events = [("paused", "2026-10-14 10:00")]
    c = clocks([R("resolve", 4 * 3600)], "2026-10-14 09:00", events)["resolve"]
    assert c.due_at is None and c.remaining == 3 * 3600
    assert c.state(ts("2026-12-01 00:00")) == "paused"
    assert c.seconds_left(ts("2026-12-01 00:00")) == 3 * 3600


def test_a_clock_breached_before_the_pause_stays_breached():
    events = [("paused", "2026-10-14 16:00")]
    c = clocks([R("respond", 1800)], "2026-10-14 09:00", events)["respond"]
    assert iso(c.due_at) == "2026-10-14 09:30"
    assert c.state(ts("2026-10-14 16:30")) == "breached"
    assert c.seconds_left(ts("2026-10-14 16:30")) == -7 * 3600


def test_reopening_restarts_resolution_and_withdraws_the_report_clock():
    rules = [R("resolve", 3600), R("report", 24 * 3600, "always")]
    events = [("resolved", "2026-10-14 09:30"), ("reopened", "2026-10-14 11:00")]
    c = clocks(rules, "2026-10-14 09:00", events)
    assert c["resolve"].met_at is None and iso(c["resolve"].due_at) == "2026-10-14 12:00"
    assert "report" not in c
    events.append(("resolved", "2026-10-14 11:30"))
    c = clocks(rules, "2026-10-14 09:00", events)
    assert c["resolve"].met_at == ts("2026-10-14 11:30")
    assert iso(c["report"].due_at) == "2026-10-15 11:30" and c["report"].met_at is None


def test_escalation_starts_the_onsite_clock_around_the_clock():
    rules = [R("onsite", 6 * 3600, "always")]
    assert clocks(rules, "2026-10-14 09:00", []) == {}
    c = clocks(rules, "2026-10-14 09:00", [("escalated", "2026-10-14 20:00")])
    assert iso(c["onsite"].due_at) == "2026-10-15 02:00"
    c = clocks(rules, "2026-10-14 09:00", [("escalated", "2026-10-14 20:00"),
                                           ("arrived", "2026-10-14 23:00")])  # fmt: skip
    assert c["onsite"].met_at == ts("2026-10-14 23:00")


def test_an_upgrade_is_due_at_the_customers_date_whatever_the_pauses():
    due = ts("2026-11-30 00:00")
    events = [("paused", "2026-10-15 09:00"), ("resumed", "2026-10-20 09:00")]
    c = clocks([R("upgrade", None, "always")], "2026-10-14 09:00", events, due=due)
    assert c["upgrade"].due_at == due and sla.next_due(list(c.values())) == due


def test_next_due_is_the_earliest_running_deadline():
    rules = [R("respond", 1800), R("resolve", 24 * 3600)]
    c = clocks(rules, "2026-10-14 09:00", [])
    assert sla.next_due(list(c.values())) == c["respond"].due_at
    c = clocks(rules, "2026-10-14 09:00", [("responded", "2026-10-14 09:10")])
    assert sla.next_due(list(c.values())) == c["resolve"].due_at


# --- property: the deadline against a minute-by-minute simulation -----------------------------

MIN = 60
BASE = ts("2026-10-12 00:00")  # a Monday


def brute_due(calendar: WorkCalendar, start: int, target: int, paused):
    """Walk minute by minute; count working minutes outside pauses until the target is met."""
    t, left = start, target
    while True:
        current = [b for a, b in paused if a <= t and (b is None or t < b)]
        if current and current[0] is None:
            return None, left
        if not current and calendar.is_working_time(datetime.fromtimestamp(t, UTC)):
            left -= MIN
            if left == 0:
                return t + MIN, None
        t += MIN


@st.composite
def scenarios(draw):
    start = BASE + draw(st.integers(0, 5 * 24 * 60)) * MIN
    target = draw(st.integers(1, 16 * 60)) * MIN
    cuts = sorted(draw(st.lists(st.integers(1, 4 * 24 * 60), max_size=6, unique=True)))
    paused = []
    for i in range(0, len(cuts) - 1, 2):
        paused.append((start + cuts[i] * MIN, start + cuts[i + 1] * MIN))
    if len(cuts) % 2:
        paused.append((start + cuts[-1] * MIN, None))
    return start, target, paused, draw(st.sampled_from(["working", "always"]))


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_deadline_matches_a_minute_by_minute_simulation(case):
    start, target, paused, basis = case
    expected = brute_due(cal(basis), start, target, paused)
    assert sla.deadline(cal(basis), start, target, paused) == expected


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_a_pause_never_brings_a_deadline_forward(case):
    start, target, paused, basis = case
    due, _ = sla.deadline(cal(basis), start, target, [])
    with_pauses, remaining = sla.deadline(cal(basis), start, target, paused)
    assert with_pauses is None or with_pauses >= due
    assert remaining is None or 0 < remaining <= target


def test_states_follow_now():
    c = clocks([R("respond", 1800)], "2026-10-14 09:00", [])["respond"]
    assert c.state(ts("2026-10-14 09:29")) == "running"
    assert c.seconds_left(ts("2026-10-14 09:29")) == 60
    assert c.state(ts("2026-10-14 09:31")) == "breached"
    assert c.seconds_left(ts("2026-10-14 09:31")) == -60


@pytest.mark.parametrize("kind", ["resumed", "resolved", "closed"])
def test_a_pause_ends_at_resume_resolve_or_close(kind):
    evs = [sla.Event("paused", 10), sla.Event(kind, 20)]
    assert sla.pauses(evs) == [(10, 20)]
