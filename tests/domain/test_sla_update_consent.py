"""The update clock (the plan's online support "replies every day") and waiting for the
customer's consent (a fix is carried out "once the customer agrees"), from events alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk.domain import sla, tickets
from svcdesk.domain.calendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
WORK = WorkCalendar(
    tz="Asia/Shanghai",
    windows=((time(8, 30), time(12)), (time(13, 30), time(17, 30))),
    country=None,
)
ALWAYS = WorkCalendar.always("Asia/Shanghai")
MIN, H = 60, 3600
WORKING_DAY = 7 * H + 30 * MIN
BASE = int(datetime(2026, 10, 12, 0, 0, tzinfo=SH).timestamp())  # a Monday


@dataclass(frozen=True)
class R:
    name: str
    target: int | None
    basis: str = "working"
    class_name: str = "test"


def cal(basis: str) -> WorkCalendar:
    return ALWAYS if basis == "always" else WORK


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp())


def iso(epoch: int | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, SH).strftime("%Y-%m-%d %H:%M")


def by_name(rules, opened: int, events, **kw) -> dict[str, sla.Clock]:
    evs = [sla.Event(k, a) for k, a in events]
    return {c.name: c for c in sla.compute(rules, sla.Facts(opened), evs, cal, **kw)}


# --- the update clock ------------------------------------------------------------------------


def test_an_email_ticket_unanswered_for_a_working_day_is_breached_the_next_morning():
    opened = ts("2026-10-14 09:00")  # a Wednesday
    c = by_name([R("update", WORKING_DAY)], opened, [])["update"]
    assert iso(c.due_at) == "2026-10-15 09:00"
    assert c.state(ts("2026-10-15 09:01")) == "breached"
    # a reply on Friday afternoon is due again on Monday afternoon, not over the weekend
    c = by_name([R("update", WORKING_DAY)], opened, [("replied", ts("2026-10-16 16:00"))])
    assert iso(c["update"].due_at) == "2026-10-19 16:00"


def test_resolving_stops_it_and_replies_after_that_change_nothing():
    opened = ts("2026-10-14 09:00")
    events = [("responded", ts("2026-10-14 10:00")), ("resolved", ts("2026-10-16 11:00")),
              ("replied", ts("2026-10-16 12:00")), ("closed", ts("2026-10-16 13:00"))]  # fmt: skip
    c = by_name([R("update", WORKING_DAY)], opened, events)["update"]
    assert iso(c.started_at) == "2026-10-14 10:00"
    assert iso(c.met_at) == "2026-10-16 11:00" and c.late  # two days without a reply
    assert c.state(ts("2026-12-01 00:00")) == "met"
    # reopened: the customer waits for replies again, from the reopening
    events.append(("reopened", ts("2026-10-19 09:00")))
    c = by_name([R("update", WORKING_DAY)], opened, events)["update"]
    assert (iso(c.started_at), iso(c.due_at), c.met_at) == ("2026-10-19 09:00",
                                                            "2026-10-20 09:00", None)


def test_a_pause_stops_it_as_it_stops_every_clock():
    opened = ts("2026-10-14 09:00")
    events = [("paused", ts("2026-10-14 10:00")), ("resumed", ts("2026-10-15 10:00"))]
    c = by_name([R("update", WORKING_DAY)], opened, events)["update"]
    assert iso(c.due_at) == "2026-10-16 09:00"


REPLIES = ("responded", "replied", "comment", "escalated", "arrived", "assigned")


@st.composite
def replies(draw):
    """An open ticket's events: replies and other work, minute instants, some in one minute."""
    opened = BASE + draw(st.integers(0, 7 * 24 * 60)) * MIN
    at, events = opened, []
    for _ in range(draw(st.integers(0, 12))):
        at += draw(st.sampled_from((0, 0, 1, 30, 200, 900, 1500, 3000))) * MIN
        events.append((draw(st.sampled_from(REPLIES)), at))
    basis = draw(st.sampled_from(("working", "always")))
    every = draw(st.sampled_from((WORKING_DAY, 24 * H, 2 * WORKING_DAY, 4 * H, 30 * MIN)))
    resolved = draw(st.none() | st.integers(0, 3 * 24 * 60).map(lambda m: opened + m * MIN))
    return opened, events, basis, every, resolved


@settings(max_examples=300, deadline=None)
@given(replies())
def test_the_update_clock_is_due_every_after_the_latest_reply_and_stops_at_resolution(case):
    opened, events, basis, every, resolved = case
    rule = R("update", every, basis)
    timeline = sorted(events + ([("resolved", resolved)] if resolved is not None else []),
                      key=lambda e: e[1])  # fmt: skip
    (clock,) = sla.compute([rule], sla.Facts(opened), [sla.Event(k, a) for k, a in timeline],
                           cal)  # fmt: skip
    stop = len(timeline) if resolved is None else timeline.index(("resolved", resolved))
    before = [a for k, a in timeline[:stop] if k in ("responded", "replied")]
    latest = before[-1] if before else opened
    assert clock.started_at == latest >= opened
    assert clock.due_at == cal(basis).add_ts(latest, every)
    assert clock.due_at > opened  # never due before the ticket was opened, nor at it
    assert clock.met_at == resolved
    # a reply after the resolution changes nothing
    if resolved is not None:
        later = [*timeline, ("replied", resolved + 5 * MIN)]
        assert sla.compute([rule], sla.Facts(opened), [sla.Event(k, a) for k, a in later],
                           cal) == [clock]  # fmt: skip
    # only the replies matter: the other work neither restarts nor stops it
    only = [e for e in timeline if e[0] in ("responded", "replied", "resolved")]
    assert sla.compute([rule], sla.Facts(opened), [sla.Event(k, a) for k, a in only],
                       cal) == [clock]  # fmt: skip


# --- waiting for the customer's consent ------------------------------------------------------


def test_a_proposal_pauses_the_resolution_clock_until_the_customer_answers():
    opened = ts("2026-10-14 09:00")
    rules = [R("respond", 30 * MIN), R("resolve", 24 * H, "always"), R("update", WORKING_DAY)]
    events = [("responded", ts("2026-10-14 09:10")), ("proposed", ts("2026-10-14 10:00"))]
    c = by_name(rules, opened, events)
    assert c["resolve"].state(ts("2026-10-20 00:00")) == "paused"
    assert c["resolve"].remaining == 23 * H
    # the other promises keep running: the customer still gets daily replies
    assert iso(c["update"].due_at) == "2026-10-15 09:10"
    events.append(("approved", ts("2026-10-14 15:00")))
    c = by_name(rules, opened, events)
    assert iso(c["resolve"].due_at) == "2026-10-15 14:00"  # five hours later
    # a policy that does not pause for consent
    assert iso(by_name(rules, opened, events, consent_pauses=False)["resolve"].due_at) == \
        "2026-10-15 09:00"  # fmt: skip


def test_resolving_while_a_proposal_waits_ends_the_wait():
    opened = ts("2026-10-14 09:00")
    events = [("proposed", ts("2026-10-14 10:00")), ("resolved", ts("2026-10-14 12:00")),
              ("reopened", ts("2026-10-15 09:00"))]  # fmt: skip
    c = by_name([R("resolve", 24 * H, "always")], opened, events)["resolve"]
    assert (iso(c.started_at), iso(c.due_at)) == ("2026-10-15 09:00", "2026-10-16 09:00")
    assert sla.waits([sla.Event(k, a) for k, a in events]) == [(events[0][1], events[1][1])]


@st.composite
def consents(draw):
    """An open ticket with a resolution clock around the clock, proposals and answers, pauses."""
    opened = BASE + draw(st.integers(0, 7 * 24 * 60)) * MIN
    target = draw(st.sampled_from((1, 6, 24, 72))) * H
    at, events, waiting, paused = opened, [], False, False
    for _ in range(draw(st.integers(0, 10))):
        at += draw(st.sampled_from((0, 1, 20, 90, 600, 2000))) * MIN
        choices = ["approved", "declined"] if waiting else ["proposed"]
        choices += ["resumed"] if paused else ["paused"]
        kind = draw(st.sampled_from(choices))
        waiting = kind == "proposed" or (waiting and kind not in ("approved", "declined"))
        paused = kind == "paused" or (paused and kind != "resumed")
        events.append((kind, at))
    return opened, target, events


INF = 2**62


def union(intervals: list[tuple[int, int | None]]) -> list[tuple[int, int]]:
    """The union of the intervals, in order (an open end: INF)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted((a, INF if b is None else b) for a, b in intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out


@settings(max_examples=300, deadline=None)
@given(consents())
def test_the_resolution_deadline_moves_out_by_exactly_the_time_waited_around_the_clock(case):
    opened, target, events = case
    evs = [sla.Event(k, a) for k, a in events]
    rule = R("resolve", target, "always")
    (plain,) = sla.compute([rule], sla.Facts(opened), evs, cal, consent_pauses=False)
    (waited,) = sla.compute([rule], sla.Facts(opened), evs, cal)
    # an oracle on the wall clock: the target runs in the seconds neither paused nor waiting
    left, t, due = target, opened, None
    for a, b in union(sla.pauses(evs) + sla.waits(evs)):
        if b <= t:
            continue
        if a > t and a - t >= left:
            due = t + left
            break
        left -= max(0, a - t)
        t = b
    else:
        due = None if t == INF else t + left
    if due is None:
        assert (waited.due_at, waited.remaining) == (None, left)
    else:
        assert waited.due_at == due
    # with no waits, consent changes nothing; a wait begun after the deadline hides no breach
    if not sla.waits(evs):
        assert waited == plain
    if plain.due_at is not None and all(w[0] >= plain.due_at for w in sla.waits(evs)):
        assert waited.due_at == plain.due_at


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 5 * 24 * 60), st.integers(0, 5 * 24 * 60), st.integers(1, 72))
def test_one_answered_proposal_before_the_deadline_shifts_it_by_the_wait(start, length, hours):
    opened = BASE
    proposed, answered = opened + start * MIN, opened + (start + length) * MIN
    rule = R("restore", hours * H, "always")
    evs = [sla.Event("proposed", proposed), sla.Event("declined", answered)]
    (c,) = sla.compute([rule], sla.Facts(opened), evs, cal)
    original = opened + hours * H
    assert c.due_at == (original + (answered - proposed) if proposed < original else original)


class Ev(NamedTuple):
    kind: str
    at: int
    id: str
    target: str | None = None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(("proposed", "approved", "declined", "paused", "resumed",
                                 "resolved", "reopened", "closed", "replied")), max_size=14))
def test_a_merged_timeline_never_holds_two_waiting_proposals_nor_an_answer_to_none(kinds):
    # a merge of two laptops' timelines may hold anything: the fold keeps what can follow
    timeline = tickets.fold([Ev(k, i, f"e{i}") for i, k in enumerate(kinds)])
    waiting = False
    for e in timeline.effective:
        if e.kind == "proposed":
            assert not waiting
            waiting = True
        elif e.kind in ("approved", "declined"):
            assert waiting
            waiting = False
        elif e.kind in ("resolved", "closed"):
            waiting = False
    assert timeline.waiting == waiting
    # every event left out is one the timeline made impossible, listed as a contradiction
    kept = {e.id for e in timeline.effective}
    assert {c for c, _ in timeline.contradictions} == {f"e{i}" for i in range(len(kinds))} - kept
    # the clocks see one wait per proposal that took effect, never overlapping
    spans = sla.waits(timeline.effective)
    assert len(spans) == sum(e.kind == "proposed" for e in timeline.effective)
    assert all(b is not None and b <= c for (_, b), (c, _) in zip(spans, spans[1:], strict=False))
