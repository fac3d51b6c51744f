"""Each site's own service periods, and a plan that catches up: properties of the pure rules
(`domain/inspections.py`: `service_year*`, `default_contract_start`, `plan_owed`)."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.inspections import (
    SitePlan,
    default_contract_start,
    pace,
    periods,
    plan_owed,
    service_year,
    service_year_of,
    service_years,
)
from svcdesk.resources import default_policy

D = date.fromisoformat
DAY = timedelta(days=1)
OFFICE = ((time(9), time(17)),)
PLAIN = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country=None)  # Mon-Fri
POLICY_CN = default_policy().calendar("working")
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

days = st.dates(min_value=D("1990-01-01"), max_value=D("2060-12-31"))
leap_days = st.integers(1992, 2056).filter(lambda y: y % 4 == 0).map(lambda y: date(y, 2, 29))
starts = st.one_of(days, leap_days)


# ---------------------------------------------------------------- the periods


@SETTINGS
@given(start=starts, n=st.integers(0, 30))
def test_service_years_tile_time_from_the_contract_start(start: date, n: int) -> None:
    years = [service_year(start, k) for k in range(n + 1)]
    assert years[0].start == start
    for a, b in zip(years, years[1:], strict=False):
        assert a.end == b.start  # no gap, no overlap
    for cy in years:
        assert 365 <= (cy.end - cy.start).days <= 366  # twelve months
        assert cy.year == cy.start.year


@SETTINGS
@given(start=starts, on=days)
def test_each_day_from_the_start_lies_in_exactly_one_service_year(start: date, on: date) -> None:
    cy = service_year_of(start, on)
    if on < start:
        assert cy == service_year(start, 0)  # not a customer yet: the first year is ahead
    else:
        assert cy.holds(on)
        k = cy.start.year - start.year
        assert service_year(start, k) == cy
        assert not service_year(start, k + 1).holds(on)
        if k > 0:
            assert not service_year(start, k - 1).holds(on)


@SETTINGS
@given(start=starts, first=days, length=st.integers(1, 900))
def test_the_years_overlapping_a_window_are_exactly_those_that_touch_it(
        start: date, first: date, length: int) -> None:  # fmt: skip
    end = first + timedelta(days=length)
    got = service_years(start, first, end)
    touching = [service_year(start, k) for k in range(0, 75)]
    want = [cy for cy in touching if cy.start < end and first < cy.end]
    assert got == want


def test_a_feb_29_start_keeps_feb_29_in_leap_years() -> None:
    assert service_year(D("2024-02-29"), 1) == (2025, D("2025-02-28"), D("2026-02-28"))
    assert service_year(D("2024-02-29"), 4).start == D("2028-02-29")


@SETTINGS
@given(added=days, month=st.integers(1, 12), day=st.integers(1, 28))
def test_a_site_from_before_contract_starts_keeps_its_contract_year(
        added: date, month: int, day: int) -> None:  # fmt: skip
    anchor = date(2000, month, day)
    start = default_contract_start(added, anchor=anchor)
    assert (start.month, start.day) == (month, day) and start <= added
    assert (added - start).days < 366
    assert default_contract_start(added) == date(added.year, 1, 1)  # January 1 by default


# ---------------------------------------------------------------- the pace in its own year


@SETTINGS
@given(start=days, quota=st.integers(1, 12))
def test_a_site_added_mid_year_is_not_behind_on_its_first_day(start: date, quota: int) -> None:
    cy = service_year_of(start, start)
    p = pace(quota=quota, year_start=cy.start, year_end=cy.end, done_dates=[], today=start)
    assert p.behind == 0 and p.required == 0 and p.state != "behind"
    assert p.next_due is not None and p.next_due > start


# ---------------------------------------------------------------- the plan that catches up


def _plan(*sites: SitePlan, first: date, end: date, quota: int = 4):
    return plan_owed(sites=sites, quota=quota, first=first, end=end)


def _site(code: str, start: date, today: date, *done: date, engineer: str | None = None,
          calendar: WorkCalendar = PLAIN) -> SitePlan:  # fmt: skip
    return SitePlan(site=code, contract_start=start, calendar=calendar, done=tuple(done),
                    today=today, earliest=today, engineer=engineer)  # fmt: skip


@SETTINGS
@given(start=st.dates(min_value=D("2020-01-01"), max_value=D("2030-12-31")),
       quota=st.integers(1, 8))  # fmt: skip
def test_slots_spread_across_the_period_one_in_each_pace_period(start: date, quota: int) -> None:
    today = start - DAY * 30  # planned ahead: nothing is late
    cy = service_year(start, 0)
    slots, missed = _plan(_site("BJ-HD", start, today), first=cy.start, end=cy.end, quota=quota)
    assert not missed
    ours = sorted((s for s in slots if s.year == cy.year), key=lambda s: s.index)
    assert [s.index for s in ours] == list(range(1, quota + 1))
    for s, p in zip(ours, periods(quota=quota, year_start=cy.start, year_end=cy.end),
                    strict=True):  # fmt: skip
        assert p.start <= s.on < p.end and not s.late
        assert PLAIN.is_working_day(s.on)


@SETTINGS
@given(
    start=st.dates(min_value=D("2024-01-01"), max_value=D("2026-06-30")),
    offset=st.integers(0, 364),
    done=st.lists(st.integers(0, 364), max_size=6),
    quota=st.integers(1, 6),
)
def test_every_owed_inspection_is_planned_from_today_earliest_first(
        start: date, offset: int, done: list[int], quota: int) -> None:  # fmt: skip
    today = start + timedelta(days=offset)
    cy = service_year(start, 0)
    assume((cy.end - today).days > 3 * quota + 10)  # room left to catch up
    done_days = sorted({start + timedelta(days=d) for d in done if d <= offset})
    site = _site("SH-PD", start, today, *done_days)
    slots, missed = _plan(site, first=cy.start, end=cy.end + DAY * 400, quota=quota)
    ours = sorted((s for s in slots if s.year == cy.year), key=lambda s: s.index)
    owed = max(0, quota - len(done_days))
    assert not missed
    assert [s.index for s in ours] == list(range(quota - owed + 1, quota + 1))
    assert all(s.on >= today for s in ours)  # none in the past
    assert [s.on for s in ours] == sorted({s.on for s in ours})  # earliest first, one a day
    parts = periods(quota=quota, year_start=cy.start, year_end=cy.end)
    late = [s for s in ours if s.late]
    assert {s.index for s in late} == {p.index for p in parts[quota - owed:] if p.end <= today}
    assert all(PLAIN.is_working_day(s.on) for s in ours)


def test_two_behind_plans_both_missing_from_the_next_working_days() -> None:
    start, today = D("2026-01-01"), D("2026-07-15")  # Q1 and Q2 over, none done
    slots, missed = _plan(_site("BJ-HD", start, today), first=start, end=D("2027-01-01"))
    assert not missed
    assert [(s.index, s.on, s.late) for s in slots[:2]] == [
        (1, D("2026-07-15"), True), (2, D("2026-07-16"), True)]
    assert [s.index for s in slots] == [1, 2, 3, 4]


@SETTINGS
@given(
    n=st.integers(2, 12),
    start=st.dates(min_value=D("2025-01-01"), max_value=D("2026-12-31")),
    offset=st.integers(0, 300),
)
def test_one_engineer_is_never_planned_at_two_sites_on_one_day(
        n: int, start: date, offset: int) -> None:  # fmt: skip
    today = start + timedelta(days=offset)
    sites = [_site(f"S{k:02d}", start + timedelta(days=7 * k), today, engineer="Zhang Min",
                   calendar=POLICY_CN) for k in range(n)]  # fmt: skip
    slots, missed = _plan(*sites, first=date(today.year, 1, 1), end=date(today.year + 1, 1, 1))
    by_day = Counter(s.on for s in slots)
    assert all(count == 1 for count in by_day.values())
    assert all(s.on >= today for s in slots)
    for code in {s.site for s in slots}:  # each site's still in order, earliest first
        ours = [s for s in slots if s.site == code]
        assert [(s.year, s.index) for s in ours] == sorted((s.year, s.index) for s in ours)


def test_without_a_shared_engineer_sites_keep_their_own_days() -> None:
    start, today = D("2026-01-01"), D("2026-07-15")
    a, b = _site("A", start, today), _site("B", start, today)
    slots, _ = _plan(a, b, first=start, end=D("2027-01-01"))
    assert Counter(s.on for s in slots if s.late)[today] == 2  # both catch up today
    a, b = (_site(c, start, today, engineer="Li") for c in "AB")
    slots, _ = _plan(a, b, first=start, end=D("2027-01-01"))
    late = sorted((s.on, s.site, s.index) for s in slots if s.late)
    assert [x[:2] for x in late] == [(D("2026-07-15"), "A"), (D("2026-07-16"), "B"),
                                     (D("2026-07-17"), "A"), (D("2026-07-20"), "B")]
    assert len({on for on, _, _ in late}) == 4


def test_an_engineer_with_too_many_sites_is_told_what_was_left_out() -> None:
    start, today = D("2026-01-01"), D("2026-12-21")
    sites = [_site(f"S{k}", start, today, engineer="Li") for k in range(20)]
    slots, missed = _plan(*sites, first=start, end=D("2027-01-01"))
    assert len({s.on for s in slots}) == len(slots) <= 9  # the working days left in 2026
    assert len(slots) + len(missed) == 80 and missed
