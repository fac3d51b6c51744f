"""Working-time calendar: fixed cases read like the service plan; properties check a brute force."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.domain.calendar import END_OF_DAY, WorkCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
CN = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country="CN")
HOUR = 3600


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock instant in Shanghai."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def be(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A wall-clock instant in Berlin."""
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


# ---------------------------------------------------------------- fixed cases


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 26), True),  # Sunday, in-lieu workday before the Spring Festival
        (date(2025, 1, 27), True),
        (date(2025, 1, 28), False),  # New Year's Eve
        (date(2025, 1, 31), False),
        (date(2025, 2, 3), False),  # Monday, day off paid for by Sunday 26 Jan
        (date(2025, 2, 4), False),  # Tuesday, day off paid for by Saturday 8 Feb
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, in-lieu workday
        (date(2025, 2, 9), False),  # an ordinary Sunday
        (date(2025, 9, 28), True),  # Sunday, in-lieu workday before the National Day
        (date(2025, 9, 30), True),
        *((date(2025, 10, d), False) for d in range(1, 9)),  # National Day + Mid-Autumn
        (date(2025, 10, 9), True),
        (date(2025, 10, 11), True),  # Saturday, in-lieu workday
        (date(2025, 10, 12), False),
    ],
)
def test_china_working_days(day: date, working: bool) -> None:
    assert CN.is_working_day(day) is working


def test_national_day_bounds_come_from_the_holidays_data() -> None:
    table = holidays.China(years=2025)
    days = [date(2025, 9, 30) + timedelta(days=n) for n in range(10)]
    assert [table.is_working_day(d) for d in days] == [True] + [False] * 8 + [True]


@pytest.mark.parametrize(
    ("start", "seconds", "due"),
    [
        # Friday 17:00 + 1 h: 30 min on Friday, 30 min from Monday 08:30.
        (sh(2025, 3, 7, 17), HOUR, sh(2025, 3, 10, 9)),
        # Friday 17:00 + 1 h before the Spring Festival: the in-lieu Sunday counts.
        (sh(2025, 1, 24, 17), HOUR, sh(2025, 1, 26, 9)),
        # Last working day before the Spring Festival: next working day is Wed 5 Feb.
        (sh(2025, 1, 27, 17), HOUR, sh(2025, 2, 5, 9)),
        # Lunch break: 11:30 + 1 h = 30 min before lunch + 30 min after.
        (sh(2025, 3, 5, 11, 30), HOUR, sh(2025, 3, 5, 14)),
        # Reported during the lunch break: counting starts at 13:30.
        (sh(2025, 3, 5, 12, 15), HOUR, sh(2025, 3, 5, 14, 30)),
        # A target reached exactly at a window's end is that end, not the next start.
        (sh(2025, 3, 7, 16, 30), HOUR, sh(2025, 3, 7, 17, 30)),
        # Reported on a holiday: counting starts on the first working day after it.
        (sh(2025, 10, 3, 10), 2 * HOUR, sh(2025, 10, 9, 10, 30)),
        # An ordinary software fault (1 h) reported 20 working minutes before the end of
        # the last working day before the National Day holiday (Tue 30 Sep) is due
        # 40 working minutes into the first working day after it (Thu 9 Oct).
        (sh(2025, 9, 30, 17, 10), HOUR, sh(2025, 10, 9, 9, 10)),
        # Reported on an in-lieu working Saturday.
        (sh(2025, 10, 11, 17), HOUR, sh(2025, 10, 13, 9)),
        # Zero seconds: the start itself, even outside working time.
        (sh(2025, 10, 3, 10), 0, sh(2025, 10, 3, 10)),
        # Negative seconds count backwards.
        (sh(2025, 10, 9, 9, 10), -HOUR, sh(2025, 9, 30, 17, 10)),
    ],
)
def test_china_office_hours(start: datetime, seconds: int, due: datetime) -> None:
    result = CN.add(start, seconds)
    assert result == due
    assert result.tzinfo is UTC
    low, high = sorted((start, result))
    assert CN.between(low, high) == abs(seconds)


def test_subtract_returns_latest_start() -> None:
    assert CN.subtract(sh(2025, 10, 9, 9, 10), HOUR) == sh(2025, 9, 30, 17, 10)
    # 40 min back from 09:10 lands exactly on the window start, not on Sep 30 17:30.
    assert CN.subtract(sh(2025, 10, 9, 9, 10), 40 * 60) == sh(2025, 10, 9, 8, 30)
    assert CN.subtract(sh(2025, 3, 5, 14), HOUR) == sh(2025, 3, 5, 11, 30)


def test_between() -> None:
    assert CN.between(sh(2025, 3, 3), sh(2025, 3, 10)) == 5 * 7.5 * HOUR  # a plain week
    # Mon 29 and Tue 30 Sep, Thu 9 to Sat 11 Oct
    assert CN.between(sh(2025, 9, 29), sh(2025, 10, 13)) == 5 * 7.5 * HOUR
    assert CN.between(sh(2025, 3, 10), sh(2025, 3, 3)) == 0
    assert CN.between(sh(2025, 3, 5, 11), sh(2025, 3, 5, 14)) == 1.5 * HOUR


def test_extra_days_override_public_ones() -> None:
    cal = WorkCalendar(
        tz="Asia/Shanghai",
        windows=OFFICE,
        country="CN",
        extra_holidays=frozenset({date(2025, 1, 26), date(2025, 3, 5), date(2025, 3, 6)}),
        extra_workdays=frozenset({date(2025, 10, 1), date(2025, 3, 6)}),
    )
    assert not cal.is_working_day(date(2025, 1, 26))  # extra holiday beats in-lieu workday
    assert not cal.is_working_day(date(2025, 3, 5))  # extra holiday beats weekday
    assert cal.is_working_day(date(2025, 3, 6))  # extra workday beats extra holiday
    assert cal.is_working_day(date(2025, 10, 1))  # extra workday beats public holiday


def test_no_country_means_weekends_only() -> None:
    cal = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country=None)
    assert cal.is_working_day(date(2025, 10, 1))
    assert not cal.is_working_day(date(2025, 1, 26))
    six_days = WorkCalendar(tz="UTC", windows=OFFICE, country=None, weekend=frozenset({6}))
    assert six_days.is_working_day(date(2025, 3, 8))


def test_around_the_clock() -> None:
    always = WorkCalendar.always("Asia/Shanghai")
    # A major fault reported Friday 23:00 must be restored by Monday 23:00.
    assert always.add(sh(2025, 3, 7, 23), 72 * HOUR) == sh(2025, 3, 10, 23)
    # Holidays do not stop the urgent clock.
    assert always.add(sh(2025, 9, 30, 23), 72 * HOUR) == sh(2025, 10, 3, 23)
    assert always.between(sh(2025, 1, 1), sh(2026, 1, 1)) == 365 * 24 * HOUR


@pytest.mark.parametrize(
    ("tz", "day", "hours"),
    [
        ("Europe/Berlin", date(2025, 3, 30), 23),
        ("Europe/Berlin", date(2025, 10, 26), 25),
        ("America/New_York", date(2025, 3, 9), 23),
        ("America/New_York", date(2025, 11, 2), 25),
        ("Asia/Shanghai", date(2025, 3, 30), 24),
    ],
)
def test_around_the_clock_counts_real_seconds_across_dst(tz: str, day: date, hours: int) -> None:
    zone = ZoneInfo(tz)
    always = WorkCalendar.always(tz)
    a = datetime.combine(day, time(0), zone)
    b = datetime.combine(day + timedelta(days=1), time(0), zone)
    assert always.between(a, b) == hours * HOUR
    assert always.add(a, hours * HOUR) == b


def test_dst_berlin() -> None:
    always = WorkCalendar.always("Europe/Berlin")
    assert always.add(be(2025, 3, 29, 12), 24 * HOUR) == be(2025, 3, 30, 13)
    assert always.add(be(2025, 10, 25, 12), 24 * HOUR) == be(2025, 10, 26, 11)
    office = WorkCalendar(tz="Europe/Berlin", windows=((time(8), time(17)),), country="DE")
    assert office.add(be(2025, 3, 28, 16), 2 * HOUR) == be(2025, 3, 31, 9)
    assert office.add(be(2025, 3, 28, 16), 2 * HOUR) == datetime(2025, 3, 31, 7, tzinfo=UTC)
    assert office.add(be(2025, 10, 24, 16), 2 * HOUR) == datetime(2025, 10, 27, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("window", "day", "seconds", "first"),
    [
        # A window spanning the change counts real elapsed time.
        ((time(0), time(6)), date(2025, 3, 30), 5 * HOUR, datetime(2025, 3, 29, 23, tzinfo=UTC)),
        ((time(0), time(6)), date(2025, 10, 26), 7 * HOUR, datetime(2025, 10, 25, 22, tzinfo=UTC)),
        # A start in the spring-forward gap moves to the first existing time, 03:00 CEST.
        ((time(2, 30), time(4)), date(2025, 3, 30), HOUR, datetime(2025, 3, 30, 1, tzinfo=UTC)),
        # A window wholly inside the gap has no working time that day.
        ((time(2, 15), time(2, 45)), date(2025, 3, 30), 0, None),
        # Wall-clock times repeated by the fall-back change count both times they occur.
        (
            (time(2, 15), time(2, 45)),
            date(2025, 10, 26),
            HOUR,
            datetime(2025, 10, 26, 0, 15, tzinfo=UTC),
        ),
    ],
)
def test_windows_across_dst_changes(
    window: tuple[time, time], day: date, seconds: int, first: datetime | None
) -> None:
    cal = WorkCalendar(tz="Europe/Berlin", windows=(window,), country=None, weekend=frozenset())
    a = datetime.combine(day, time(0), BERLIN)
    b = datetime.combine(day + timedelta(days=1), time(0), BERLIN)
    assert cal.between(a, b) == seconds
    if first is not None:
        assert cal.add(a, 1) == first + timedelta(seconds=1)


def test_results_are_utc_whole_seconds() -> None:
    start = datetime(2025, 3, 5, 9, 0, 0, 999_999, tzinfo=SHANGHAI)
    result = CN.add(start, 1)
    assert result == sh(2025, 3, 5, 9) + timedelta(seconds=1)
    assert result.tzinfo is UTC
    assert result.microsecond == 0


def test_long_span_is_cheap() -> None:
    start = sh(2025, 1, 2, 9)  # 1 Jan is New Year's Day
    due = CN.add(start, 2000 * HOUR)
    assert CN.between(start, due) == 2000 * HOUR
    assert CN.subtract(due, 2000 * HOUR) == start


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"windows": ()}, "at least one"),
        ({"windows": ((time(12), time(8)),)}, "ends before it starts"),
        ({"windows": ((time(8), time(8)),)}, "ends before it starts"),
        ({"windows": ((time(8), time(12)), (time(11), time(13)))}, "overlaps"),
        ({"windows": ((time(13), time(17)), (time(8), time(12)))}, "overlaps"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
        ({"weekend": frozenset({7})}, "weekday numbers"),
    ],
)
def test_invalid_calendars(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"tz": "UTC", "windows": OFFICE, "country": None, **kwargs}
    with pytest.raises(ValueError, match=message):
        WorkCalendar(**args)  # type: ignore[arg-type]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CN.add(datetime(2025, 3, 5, 9), HOUR)


def test_calendar_without_working_time_refuses_to_count() -> None:
    never = WorkCalendar(tz="UTC", windows=OFFICE, country=None, weekend=frozenset(range(7)))
    with pytest.raises(ValueError, match="no working time"):
        never.add(datetime(2025, 1, 1, tzinfo=UTC), 1)


# ---------------------------------------------------------------- brute-force reference

MINUTE = timedelta(minutes=1)
ZONES = ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC")
DST_DAYS = [
    date(2024, 3, 10), date(2024, 3, 31), date(2024, 10, 27), date(2024, 11, 3),
    date(2025, 3, 9), date(2025, 3, 30), date(2025, 10, 26), date(2025, 11, 2),
    date(2026, 3, 8), date(2026, 3, 29), date(2026, 10, 25), date(2026, 11, 1),
]  # fmt: skip
T0 = datetime(2024, 1, 1, tzinfo=UTC)


@cache
def ref_holidays(country: str, year: int) -> holidays.HolidayBase:
    """The holidays package's own table for one year."""
    return holidays.country_holidays(country, years=year)


def ref_working_day(cal: WorkCalendar, d: date) -> bool:
    """Working day straight from the holidays package's own tables, or off the weekend."""
    if cal.country is None:
        return d.weekday() not in cal.weekend
    table = ref_holidays(cal.country, d.year)
    if cal.weekend == {5, 6}:
        return table.is_working_day(d)
    if d in table.weekend_workdays:
        return True
    return d not in table and d.weekday() not in cal.weekend


def ref_working_minute(cal: WorkCalendar, t: datetime) -> bool:
    """Whether the minute starting at UTC instant `t` reads inside a window on a local clock."""
    local = t.astimezone(ZoneInfo(cal.tz))
    if not ref_working_day(cal, local.date()):
        return False
    clock = local.time().replace(fold=0)
    return any(s <= clock and (e == END_OF_DAY or clock < e) for s, e in cal.windows)


def ref_add(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    """Step minute by minute until `minutes` working minutes have passed."""
    t, count = start, 0
    while count < minutes:
        if ref_working_minute(cal, t):
            count += 1
        t += MINUTE
    return t


def ref_subtract(cal: WorkCalendar, end: datetime, minutes: int) -> datetime:
    """Step back minute by minute until `minutes` working minutes lie behind."""
    t, count = end, 0
    while count < minutes:
        t -= MINUTE
        if ref_working_minute(cal, t):
            count += 1
    return t


def ref_between(cal: WorkCalendar, a: datetime, b: datetime) -> int:
    """Count working minutes in [a, b), in seconds."""
    minutes = int((b - a) / MINUTE)
    return 60 * sum(ref_working_minute(cal, a + n * MINUTE) for n in range(max(0, minutes)))


@st.composite
def calendars(draw: st.DrawFn) -> WorkCalendar:
    """Random windows on a minute grid (biased to DST hours), zone, country and weekend."""
    bound = st.one_of(
        st.integers(0, 1440), st.sampled_from([0, 60, 120, 135, 150, 180, 210, 510, 1440])
    )
    points = sorted(draw(st.sets(bound, min_size=2, max_size=6)))
    if len(points) % 2:
        points = points[:-1]
    windows = tuple(
        (
            time(points[i] // 60, points[i] % 60),
            END_OF_DAY if points[i + 1] == 1440 else time(points[i + 1] // 60, points[i + 1] % 60),
        )
        for i in range(0, len(points), 2)
    )
    return WorkCalendar(
        tz=draw(st.sampled_from(ZONES)),
        windows=windows,
        country=draw(st.sampled_from(["CN", None])),
        # DST changes fall on Sundays: make them working days often enough to matter.
        weekend=draw(st.sampled_from([frozenset({5, 6}), frozenset(), frozenset({4, 5})])),
    )


def daily_minutes(cal: WorkCalendar) -> int:
    """Working minutes on an ordinary working day (no DST change)."""
    total = 0
    for s, e in cal.windows:
        end = 1440 if e == END_OF_DAY else e.hour * 60 + e.minute
        total += end - (s.hour * 60 + s.minute)
    return total


starts = st.one_of(
    st.integers(0, 3 * 365 * 1440).map(lambda m: T0 + m * MINUTE),
    st.tuples(st.sampled_from(DST_DAYS), st.integers(-3 * 1440, 2 * 1440)).map(
        lambda p: datetime.combine(p[0], time(0), UTC) + p[1] * MINUTE
    ),
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def target(data: st.DataObject, cal: WorkCalendar) -> int:
    """A target in whole minutes, up to 60 h and up to about eight working days."""
    return data.draw(st.integers(0, min(60 * 60, 8 * daily_minutes(cal))))


@PROPERTY
@given(cal=calendars(), start=starts, data=st.data())
def test_add_matches_brute_force(cal: WorkCalendar, start: datetime, data: st.DataObject) -> None:
    minutes = target(data, cal)
    due = cal.add(start, minutes * 60)
    assert due == ref_add(cal, start, minutes)
    assert cal.between(start, due) == minutes * 60


@PROPERTY
@given(cal=calendars(), end=starts, data=st.data())
def test_subtract_matches_brute_force(
    cal: WorkCalendar, end: datetime, data: st.DataObject
) -> None:
    minutes = target(data, cal)
    begin = cal.subtract(end, minutes * 60)
    assert begin == ref_subtract(cal, end, minutes)
    assert cal.add(end, -minutes * 60) == begin
    assert cal.between(begin, end) == minutes * 60


@PROPERTY
@given(cal=calendars(), a=starts, span=st.integers(-1440, 10 * 1440))
def test_between_matches_brute_force(cal: WorkCalendar, a: datetime, span: int) -> None:
    b = a + span * MINUTE
    assert cal.between(a, b) == ref_between(cal, a, b)


@PROPERTY
@given(cal=calendars(), start=starts, data=st.data())
def test_add_is_monotonic_and_inverted_by_subtract(
    cal: WorkCalendar, start: datetime, data: st.DataObject
) -> None:
    s1 = data.draw(st.integers(0, 60 * HOUR))
    s2 = data.draw(st.integers(s1, 60 * HOUR + 1))
    d1, d2 = cal.add(start, s1), cal.add(start, s2)
    assert d1 <= d2
    assert s1 == s2 or d1 < d2
    back = cal.subtract(d2, s2)
    if s2 == 0 or cal.is_working_time(start):
        assert back == start
    else:  # counting began at the next window start
        assert back > start
        assert cal.between(start, back) == 0
    assert cal.add(back, s2) == d2
