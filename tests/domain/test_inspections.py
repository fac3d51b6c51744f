"""Inspections: the quota's pace and the year's plan read like the plan; properties check rules."""

from __future__ import annotations

import random
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.errors import InvalidValue, SvcdeskError
from svcdesk.domain.inspections import (
    DEFAULT_CHECKLIST,
    DEFAULT_QUOTA,
    ITEM_RESULTS,
    PACE_STATES,
    InvalidResult,
    NoWorkingDays,
    check_results,
    contract_year,
    contract_year_of,
    due_instant,
    pace,
    periods,
    plan_slots,
    working_days,
)
from svcdesk.resources import default_policy

D = date.fromisoformat
DAY = timedelta(days=1)
OFFICE = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
CN = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country="CN")
POLICY_CN = default_policy().calendar("working")  # what `inspect plan` counts on by default
Y2026 = contract_year(2026)
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def pace_2026(today: str, *done: str, within: int = 14):
    return pace(quota=4, year_start=Y2026.start, year_end=Y2026.end,
                done_dates=[D(d) for d in done], today=D(today),
                within=timedelta(days=within))  # fmt: skip


# ---------------------------------------------------------------- the contract year


def test_the_default_contract_year_is_the_calendar_year() -> None:
    assert contract_year(2026) == (2026, D("2026-01-01"), D("2027-01-01"))
    assert contract_year_of(D("2026-12-31")) == contract_year(2026)
    assert contract_year(2026).last_day == D("2026-12-31")


@pytest.mark.parametrize(
    ("anchor", "on", "start", "end"),
    [
        ("2024-07-01", "2026-03-01", "2025-07-01", "2026-07-01"),
        ("2024-07-01", "2026-07-01", "2026-07-01", "2027-07-01"),  # the anniversary opens a year
        ("2024-07-01", "2026-06-30", "2025-07-01", "2026-07-01"),
        # a contract signed on Feb 29 has its anniversary on Feb 28 in common years
        ("2024-02-29", "2025-02-28", "2025-02-28", "2026-02-28"),
        ("2024-02-29", "2028-02-28", "2027-02-28", "2028-02-29"),
        ("2024-02-29", "2028-02-29", "2028-02-29", "2029-02-28"),
    ],
)
def test_a_contract_year_runs_from_anniversary_to_anniversary(anchor, on, start, end) -> None:
    year = contract_year_of(D(on), anchor=D(anchor))
    assert (year.start, year.end) == (D(start), D(end))
    assert year.holds(D(on)) and not year.holds(D(end))
    assert contract_year(year.year, anchor=D(anchor)) == year


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)), st.dates(date(1990, 1, 1), date(2100, 1, 1)))
def test_every_day_lies_in_exactly_one_contract_year(on: date, anchor: date) -> None:
    year = contract_year_of(on, anchor=anchor)
    assert year.holds(on)
    assert (year.start.month, year.start.day) in {(anchor.month, anchor.day), (2, 28)}
    assert 365 <= (year.end - year.start).days <= 366
    assert contract_year(year.year + 1, anchor=anchor).start == year.end


def test_periods_of_2026_split_the_year_into_quarters() -> None:
    parts = periods(quota=4, year_start=Y2026.start, year_end=Y2026.end)
    assert [(p.index, p.start, p.due_on) for p in parts] == [
        (1, D("2026-01-01"), D("2026-04-01")),
        (2, D("2026-04-02"), D("2026-07-01")),
        (3, D("2026-07-02"), D("2026-09-30")),
        (4, D("2026-10-01"), D("2026-12-31")),
    ]


@given(st.integers(0, 366), st.dates(date(2000, 1, 1), date(2090, 1, 1)))
def test_periods_cover_the_year_without_gap_nearly_equal(quota: int, start: date) -> None:
    year = contract_year_of(start, anchor=start)
    days = (year.end - year.start).days
    if quota > days:
        with pytest.raises(InvalidValue, match="lower the quota"):
            periods(quota=quota, year_start=year.start, year_end=year.end)
        return
    parts = periods(quota=quota, year_start=year.start, year_end=year.end)
    assert [p.index for p in parts] == list(range(1, quota + 1))
    if quota:
        assert parts[0].start == year.start and parts[-1].end == year.end
        assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))
        lengths = {(p.end - p.start).days for p in parts}
        assert max(lengths) - min(lengths) <= 1 and min(lengths) >= 1


@pytest.mark.parametrize("quota", [-1, 1.5, True])
def test_a_quota_that_is_no_count_is_refused(quota) -> None:
    with pytest.raises(InvalidValue, match="whole number"):
        periods(quota=quota, year_start=Y2026.start, year_end=Y2026.end)


def test_the_default_quota_is_the_plans_four() -> None:
    assert DEFAULT_QUOTA == 4


# ---------------------------------------------------------------- pace, as the plan


def test_at_the_start_of_the_year_the_first_inspection_is_due_by_the_first_quarter_end() -> None:
    p = pace_2026("2026-01-05")
    assert (p.required, p.done, p.behind, p.state) == (0, 0, 0, "ok")
    assert (p.next_index, p.next_due, p.days_left) == (1, D("2026-04-01"), 86)


def test_within_the_window_of_the_period_end_it_is_due_soon() -> None:
    assert pace_2026("2026-03-17").state == "ok"  # 15 days before
    assert pace_2026("2026-03-18").state == "due_soon"  # 14 days before
    last_day = pace_2026("2026-04-01")
    assert (last_day.state, last_day.days_left, last_day.behind) == ("due_soon", 0, 0)


def test_the_day_after_a_period_with_no_inspection_the_site_is_behind() -> None:
    p = pace_2026("2026-04-02")
    assert (p.required, p.behind, p.state) == (1, 1, "behind")
    assert (p.next_due, p.days_left) == (D("2026-04-01"), -1)


def test_after_two_missed_periods_the_next_is_due_since_the_earliest_missed_end() -> None:
    # catch-up, never "due today": the first missed period's last day is the due date
    p = pace_2026("2026-07-05")
    assert (p.required, p.done, p.behind) == (2, 0, 2)
    assert (p.next_index, p.next_due, p.days_left) == (1, D("2026-04-01"), -95)


def test_one_inspection_after_two_missed_periods_leaves_one_behind() -> None:
    p = pace_2026("2026-07-05", "2026-07-03")
    assert (p.behind, p.state, p.next_index, p.next_due) == (1, "behind", 2, D("2026-07-01"))


def test_inspections_done_early_count_towards_later_periods() -> None:
    p = pace_2026("2026-07-05", "2026-01-10", "2026-02-20")
    assert (p.required, p.done, p.behind, p.state) == (2, 2, 0, "ok")
    assert (p.next_index, p.next_due) == (3, D("2026-09-30"))


def test_once_four_are_done_the_year_is_complete() -> None:
    p = pace_2026("2026-06-30", "2026-01-10", "2026-02-20", "2026-03-03", "2026-05-05")
    assert p.complete and p.state == "ok" and p.remaining == 0
    assert (p.next_due, p.next_index, p.days_left) == (None, None, None)


def test_only_inspections_in_the_year_up_to_today_count_each_day_once() -> None:
    p = pace_2026(
        "2026-07-05",
        "2025-12-31",  # last contract year
        "2026-03-03",
        "2026-03-03",  # the same day twice: one inspection
        "2026-08-01",  # not done yet on 2026-07-05
    )
    assert (p.done, p.behind) == (1, 1)


def test_after_the_year_every_inspection_is_required() -> None:
    p = pace_2026("2027-02-01", "2026-02-01", "2026-05-01", "2026-08-01")
    assert (p.required, p.done, p.behind, p.next_due) == (4, 3, 1, D("2026-12-31"))


def test_a_contract_year_from_july_runs_its_periods_from_july() -> None:
    year = contract_year_of(D("2026-03-01"), anchor=D("2024-07-01"))
    p = pace(quota=4, year_start=year.start, year_end=year.end, done_dates=[D("2025-08-01")],
             today=D("2026-03-01"))  # fmt: skip
    assert (p.required, p.done, p.behind) == (2, 1, 1)
    assert p.next_due == D("2025-12-29")  # the second period ends 182 days after Jul 1


def test_a_negative_window_is_refused() -> None:
    with pytest.raises(InvalidValue, match="negative"):
        pace_2026("2026-01-05", within=-1)


def test_due_instant_is_the_end_of_the_local_day() -> None:
    assert due_instant(D("2026-04-01"), tz="Asia/Shanghai") == datetime(2026, 4, 1, 16, tzinfo=UTC)
    assert due_instant(D("2026-04-01"), tz="Asia/Urumqi") == datetime(2026, 4, 1, 18, tzinfo=UTC)
    with pytest.raises(InvalidValue, match="unknown time zone"):
        due_instant(D("2026-04-01"), tz="Mars/Olympus")


# ---------------------------------------------------------------- pace, properties

years = st.builds(
    lambda on, anchor: contract_year_of(on, anchor=anchor),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)


@SETTINGS
@given(
    years,
    st.integers(0, 12),
    st.lists(st.integers(-60, 430), max_size=15),
    st.integers(-60, 430),
    st.integers(0, 40),
)
def test_pace_counts_as_its_rule_says(year, quota, offsets, today_offset, within) -> None:
    done_dates = [year.start + timedelta(days=n) for n in offsets]
    today = year.start + timedelta(days=today_offset)
    p = pace(quota=quota, year_start=year.start, year_end=year.end, done_dates=done_dates,
             today=today, within=timedelta(days=within))  # fmt: skip
    counted = {d for d in done_dates if year.holds(d) and d <= today}
    assert p.done == len(counted) <= len(done_dates)
    assert 0 <= p.required <= quota
    assert p.behind == max(0, p.required - p.done)
    assert p.state in PACE_STATES
    assert (p.state == "behind") == (p.behind > 0)
    if p.done >= quota:
        assert p.complete and p.next_due is None and p.state == "ok"
        return
    assert p.next_due is not None and p.next_index == p.done + 1
    assert year.start <= p.next_due < year.end
    assert p.days_left == (p.next_due - today).days
    if p.behind:
        assert p.next_due < today  # overdue since the earliest missed period, never "today"
    else:
        assert p.next_due >= today
        assert (p.state == "due_soon") == (p.days_left <= within)


@SETTINGS
@given(
    years,
    st.integers(1, 12),
    st.lists(st.integers(0, 364), max_size=15),
    st.integers(-30, 400),
    st.integers(0, 400),
)
def test_pace_only_worsens_as_days_pass_without_inspections(
    year, quota, offsets, first, more
) -> None:
    done_dates = [year.start + timedelta(days=n) for n in offsets]
    earlier = year.start + timedelta(days=max([first, *offsets]))  # every inspection is past
    later = earlier + timedelta(days=more)
    a, b = (pace(quota=quota, year_start=year.start, year_end=year.end, done_dates=done_dates,
                 today=t) for t in (earlier, later))  # fmt: skip
    assert a.required <= b.required
    assert a.done == b.done
    assert a.behind <= b.behind
    assert a.next_due == b.next_due  # nothing new done: the same inspection is next


@SETTINGS
@given(years, st.integers(1, 12), st.lists(st.integers(0, 364), max_size=15),
       st.integers(-30, 400), st.integers(0, 400))  # fmt: skip
def test_required_and_done_never_fall_as_days_pass(year, quota, offsets, first, more) -> None:
    done_dates = [year.start + timedelta(days=n) for n in offsets]
    earlier = year.start + timedelta(days=first)
    later = earlier + timedelta(days=more)
    a, b = (pace(quota=quota, year_start=year.start, year_end=year.end, done_dates=done_dates,
                 today=t) for t in (earlier, later))  # fmt: skip
    assert a.required <= b.required and a.done <= b.done


# ---------------------------------------------------------------- the plan, on China's calendar


def test_the_in_lieu_and_golden_week_days_of_2026_are_as_the_holidays_package_says() -> None:
    assert POLICY_CN.is_working_day(D("2026-01-04"))  # Sunday, 调休 working day
    assert POLICY_CN.is_working_day(D("2026-10-10"))  # Saturday, 调休 working day
    assert not any(POLICY_CN.is_working_day(D("2026-10-01") + n * DAY) for n in range(7))
    assert POLICY_CN.is_working_day(D("2026-10-08"))


@pytest.fixture(scope="module")
def plan_5000():
    sites = [f"GZ-TAX-{n:04d}" for n in range(5000)]
    started = clock.perf_counter()
    slots = plan_slots(sites=sites, year=2026, quota=4, calendar=POLICY_CN)
    return sites, slots, clock.perf_counter() - started


def test_5000_sites_are_planned_fast(plan_5000) -> None:
    _, slots, seconds = plan_5000
    assert len(slots) == 20_000
    assert seconds < 2.0


def test_5000_sites_use_every_working_day_and_no_other(plan_5000) -> None:
    _, slots, _ = plan_5000
    days = working_days(POLICY_CN, D("2026-01-01"), D("2027-01-01"))
    assert {s.on for s in slots} == set(days)  # in-lieu Sunday 2026-01-04 and Saturday 10-10 too
    assert D("2026-01-04") in days and D("2026-10-01") not in days


def test_5000_sites_are_staggered_not_stacked_on_one_day(plan_5000) -> None:
    _, slots, _ = plan_5000
    per_day = Counter(s.on for s in slots)
    mean = len(slots) / len(per_day)
    assert max(per_day.values()) <= 2 * mean


def test_the_plan_is_the_same_whatever_the_order_of_sites(plan_5000) -> None:
    sites, slots, _ = plan_5000
    shuffled = sites[:]
    random.Random(7).shuffle(shuffled)
    assert plan_slots(sites=shuffled, year=2026, quota=4, calendar=POLICY_CN) == slots


def test_the_slots_read_in_date_order(plan_5000) -> None:
    _, slots, _ = plan_5000
    assert slots == sorted(slots, key=lambda s: (s.on, s.site, s.index))


def test_a_site_keeps_its_place_in_each_period() -> None:
    one = plan_slots(sites=["GZ-TAX-01"], year=2026, quota=4, calendar=CN)
    many = plan_slots(sites=["GZ-TAX-01", "SZ-TAX-02", "BJ-HD"], year=2026, quota=4, calendar=CN)
    assert one == [s for s in many if s.site == "GZ-TAX-01"]
    assert [(s.index, s.quota, s.year) for s in one] == [(1, 4, 2026), (2, 4, 2026),
                                                         (3, 4, 2026), (4, 4, 2026)]  # fmt: skip


def test_planning_from_today_keeps_the_slots_ahead_and_moves_a_passed_one() -> None:
    sites = [f"S{n}" for n in range(200)]
    full = plan_slots(sites=sites, year=2026, quota=4, calendar=CN)
    today = D("2026-05-15")
    rest = plan_slots(sites=sites, year=2026, quota=4, calendar=CN, today=today)
    assert all(s.on >= today for s in rest)
    assert {(s.site, s.index, s.on) for s in full if s.on >= today} <= {
        (s.site, s.index, s.on) for s in rest
    }
    # period 1 is over: no slot; period 2 (Apr 2 - Jul 1) is still open for every site
    assert {s.index for s in rest} == {2, 3, 4}
    assert Counter(s.index for s in rest) == {2: 200, 3: 200, 4: 200}
    planned = {(s.site, s.index): s.on for s in full}
    moved = [s for s in rest if planned[s.site, s.index] != s.on]
    assert moved and all(s.index == 2 and today <= s.on < s.period_end for s in moved)
    assert all(planned[s.site, s.index] < today for s in moved)
    # the passed slots spread over the period's remaining working days, not all on the first
    per_day = Counter(s.on for s in moved)
    assert len(per_day) > 10 and max(per_day.values()) <= 3 * len(moved) / len(per_day)


def test_planning_on_the_last_working_day_gives_one_slot_then_none() -> None:
    last = plan_slots(sites=["GZ-TAX-01"], year=2026, quota=4, calendar=CN, today=D("2026-12-31"))
    assert [(s.index, s.on) for s in last] == [(4, D("2026-12-31"))]
    with pytest.raises(NoWorkingDays) as caught:
        plan_slots(sites=["GZ-TAX-01"], year=2026, quota=4, calendar=CN, today=D("2027-01-01"))
    assert str(caught.value) == (
        "contract year 2026 (2026-01-01 to 2026-12-31) has no working day left from 2027-01-01: "
        "plan another year or check the policy's holidays and extra workdays"
    )


def test_a_year_of_holidays_cannot_be_planned() -> None:
    never = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country=None,
                         weekend=frozenset(range(7)))  # fmt: skip
    with pytest.raises(NoWorkingDays, match="has no working day on its working calendar") as e:
        plan_slots(sites=["GZ-TAX-01"], year=2026, quota=4, calendar=never)
    assert isinstance(e.value, SvcdeskError) and "\n" not in str(e.value)
    with pytest.raises(NoWorkingDays):  # even with no site: the year itself is refused
        plan_slots(sites=[], year=2026, quota=4, calendar=never)


def test_a_period_without_a_working_day_is_refused_with_its_dates() -> None:
    # 104 periods of 3-4 days: the golden week (Oct 1-7) holds a period with no working day
    with pytest.raises(NoWorkingDays, match=r"inspection period \d+ of 104 .* lower the quota"):
        plan_slots(sites=["GZ-TAX-01"], year=2026, quota=104, calendar=CN)


def test_a_site_on_its_own_calendar_uses_its_working_days() -> None:
    saturday = D("2026-03-07")
    base = WorkCalendar(tz="UTC", windows=OFFICE, country=None)
    own = WorkCalendar(tz="UTC", windows=OFFICE, country=None,
                       extra_workdays=frozenset({saturday}))  # fmt: skip
    sites = [f"S{n}" for n in range(400)]
    slots = plan_slots(sites=sites, year=2026, quota=4, calendar=base,
                       calendars={s: own for s in sites[:200]})  # fmt: skip
    on_saturday = {s.site for s in slots if s.on == saturday}
    assert on_saturday and on_saturday <= set(sites[:200])


def test_a_zero_quota_plans_nothing() -> None:
    assert plan_slots(sites=["GZ-TAX-01"], year=2026, quota=0, calendar=CN) == []


# ---------------------------------------------------------------- the plan, properties

site_codes = st.lists(st.text(min_size=1, max_size=10), min_size=1, max_size=25, unique=True)


@st.composite
def calendars(draw) -> WorkCalendar:
    """China's calendar, or one with a random weekend and extra days off and on."""
    if draw(st.booleans()):
        return CN
    some_days = st.frozensets(st.dates(date(2024, 1, 1), date(2027, 12, 31)), max_size=60)
    return WorkCalendar(
        tz="Asia/Urumqi", windows=OFFICE, country=None,
        weekend=draw(st.frozensets(st.integers(0, 6), max_size=5)),
        extra_holidays=draw(some_days), extra_workdays=draw(some_days),
    )  # fmt: skip


@SETTINGS
@given(
    site_codes,
    st.integers(2024, 2026),
    st.integers(1, 12),
    calendars(),
    st.none() | st.dates(date(2020, 1, 1), date(2020, 12, 31)),
    st.none() | st.integers(-10, 380),
)
def test_every_slot_is_on_a_working_day_one_per_period_in_order(
    sites, year, quota, cal, anchor, today_offset
) -> None:
    cy = contract_year(year, anchor=anchor)
    today = None if today_offset is None else cy.start + timedelta(days=today_offset)
    try:
        slots = plan_slots(sites=sites, year=year, quota=quota, calendar=cal, anchor=anchor,
                           today=today)  # fmt: skip
    except NoWorkingDays:
        first = cy.start if today is None else max(today, cy.start)
        parts = periods(quota=quota, year_start=cy.start, year_end=cy.end)
        left = working_days(cal, first, cy.end)
        assert not left or any(
            p.end > first and not working_days(cal, p.start, p.end) for p in parts
        )
        return
    assert all(cal.is_working_day(s.on) for s in slots)
    assert all(s.period_start <= s.on < s.period_end and cy.holds(s.on) for s in slots)
    if today is not None:
        assert all(s.on >= today for s in slots)
    parts = periods(quota=quota, year_start=cy.start, year_end=cy.end)
    for site in sites:
        mine = [s for s in slots if s.site == site]
        assert [s.on for s in mine] == sorted(s.on for s in mine)
        assert len({s.on for s in mine}) == len(mine)  # one per period, so never twice a day
        expected = [p for p in parts
                    if working_days(cal, max(p.start, today or p.start), p.end)]  # fmt: skip
        assert [(s.index, s.period_start, s.period_end) for s in mine] == [
            (p.index, p.start, p.end) for p in expected
        ]
    again = plan_slots(sites=list(reversed(sites)), year=year, quota=quota, calendar=cal,
                       anchor=anchor, today=today)  # fmt: skip
    assert again == slots


@SETTINGS
@given(site_codes, st.integers(1, 8), st.integers(0, 364))
def test_a_plan_kept_keeps_the_site_on_pace(sites, quota, today_offset) -> None:
    slots = plan_slots(sites=sites, year=2026, quota=quota, calendar=CN)
    today = Y2026.start + timedelta(days=today_offset)
    for site in sites:
        done = [s.on for s in slots if s.site == site]
        p = pace(quota=quota, year_start=Y2026.start, year_end=Y2026.end, done_dates=done,
                 today=today)  # fmt: skip
        assert p.behind == 0


# ---------------------------------------------------------------- the checklist and its results


def test_the_default_checklist_names_what_the_plan_names() -> None:
    keys = [item.key for item in DEFAULT_CHECKLIST]
    assert len(keys) == len(set(keys))
    for key in ("servers", "database", "os", "network", "backups", "queue_machines",
                "led_screens", "dvr", "ups"):  # fmt: skip
        assert key in keys
    labels = {item.key: (item.en, item.zh) for item in DEFAULT_CHECKLIST}
    assert labels["servers"] == ("Servers", "服务器")
    assert labels["queue_machines"][1] == "叫号机"
    assert all(item.en and item.zh for item in DEFAULT_CHECKLIST)


def test_results_come_back_in_checklist_order_forgiving_case() -> None:
    got = check_results({
        "ups": "OK",
        "servers": ("Fault", "  disk 2 failing  "),
        "led_screens": ("not-applicable", "   "),
    })  # fmt: skip
    assert [tuple(r) for r in got] == [
        ("servers", "fault", "disk 2 failing"),
        ("led_screens", "not_applicable", None),
        ("ups", "ok", None),
    ]
    assert ITEM_RESULTS == ("ok", "fault", "not_applicable")


def test_an_item_not_in_the_checklist_is_refused_naming_the_items() -> None:
    with pytest.raises(InvalidResult) as caught:
        check_results({"servers": "ok", "coffee_machine": "fault"})
    message = str(caught.value)
    assert message.startswith("item 'coffee_machine' is not in the inspection checklist")
    assert "servers, database, os" in message and "\n" not in message


def test_an_unknown_result_is_refused_naming_the_results() -> None:
    with pytest.raises(InvalidResult) as caught:
        check_results({"servers": ("broken\nBEGIN", None)})
    assert str(caught.value) == (
        "item 'servers' has result 'broken\\nBEGIN': use one of ok, fault, not_applicable"
    )
    assert isinstance(caught.value, InvalidValue)


def test_a_complete_inspection_needs_every_item() -> None:
    results = {item.key: "ok" for item in DEFAULT_CHECKLIST if item.key != "ups"}
    assert len(check_results(results)) == len(DEFAULT_CHECKLIST) - 1
    with pytest.raises(InvalidResult, match="no result for ups"):
        check_results(results, complete=True)


def test_a_policy_checklist_replaces_the_default() -> None:
    mine = [("kiosk", "Kiosk", "自助终端")]
    assert check_results({"kiosk": "ok"}, checklist=mine)[0].item == "kiosk"
    with pytest.raises(InvalidResult, match="the items are: kiosk$"):
        check_results({"servers": "ok"}, checklist=mine)
