"""Working time: which instants count towards an SLA clock, and how many seconds lie between two.

A `WorkCalendar` is the policy's working hours (one or more windows a day, in the wall-clock
time of one IANA zone) on the working days of a country, public holidays and in-lieu working
weekends included (from the `holidays` package; China's 调休 Sundays count as working days).

DST rule: an instant is working time when its local wall-clock reading falls inside a window
of a working day. So a window spanning a DST change counts the real seconds that elapse; a
window boundary inside a spring-forward gap moves forward to the first wall-clock time that
exists (02:30-04:00 on a 02:00->03:00 day starts at 03:00); and wall-clock times repeated by a
fall-back change count every time they occur. All instants are aware; results are UTC,
truncated to whole seconds. The one assumption about the zone: it never has two offset
changes within three days (true of every zone in tzdata in this century).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["END_OF_DAY", "WorkCalendar"]

END_OF_DAY = time.max
"""A window end of `END_OF_DAY` means 24:00, the midnight that ends the day."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
_DAY = 86_400
_MAX_IDLE_DAYS = 3_660  # ten years without working time: the calendar has none at all


@dataclass(frozen=True)
class WorkCalendar:
    """Working windows each working day in zone `tz`, on the working days of `country`."""

    tz: str
    windows: tuple[tuple[time, time], ...]
    country: str | None
    subdiv: str | None = None
    weekend: frozenset[int] = frozenset({5, 6})
    extra_holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    _hash: int = field(default=0, init=False, repr=False, compare=False)
    _around_the_clock: bool = field(default=False, init=False, repr=False, compare=False)
    # Working spans by local day ordinal: the hot loop of every deadline (a plain dict, no
    # hashing of the calendar per day as the shared cache needs).
    _spans_by_ordinal: dict[int, tuple[tuple[int, int], ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Normalise collections to hashable types and refuse windows that make no sense."""
        set_ = object.__setattr__
        set_(self, "windows", tuple((s, e) for s, e in self.windows))
        set_(self, "weekend", frozenset(self.weekend))
        set_(self, "extra_holidays", frozenset(self.extra_holidays))
        set_(self, "extra_workdays", frozenset(self.extra_workdays))
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r} (use an IANA name)") from exc
        if not self.windows:
            raise ValueError("a working calendar needs at least one working window a day")
        previous_end = -1
        for start, end in self.windows:
            for t in (start, end):
                if not isinstance(t, time) or t.tzinfo is not None:
                    raise ValueError(f"window bound {t!r} must be a naive datetime.time")
                if t.microsecond and t != END_OF_DAY:
                    raise ValueError(f"window bound {t} must be a whole second")
            s, e = _seconds_of_day(start), _seconds_of_day(end)
            if s >= e:
                raise ValueError(f"working window {_fmt(start)}-{_fmt(end)} ends before it starts")
            if s < previous_end:
                raise ValueError(
                    f"working window {_fmt(start)}-{_fmt(end)} overlaps or precedes the one "
                    "before it (list windows in order, without overlap)"
                )
            previous_end = e
        if not self.weekend <= set(range(7)):
            raise ValueError(f"weekend days must be weekday numbers 0-6, got {set(self.weekend)}")
        # Looked up in caches for every day counted: hash once, not field by field each time.
        set_(self, "_hash", hash((self.tz, self.windows, self.country, self.subdiv, self.weekend,
                                  self.extra_holidays, self.extra_workdays)))  # fmt: skip
        set_(self, "_around_the_clock", self.windows == ((time(0), END_OF_DAY),)
             and not self.weekend and self.country is None and not self.extra_holidays)  # fmt: skip

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def always(cls, tz: str = "UTC") -> WorkCalendar:
        """The around-the-clock calendar: every second of every day is working time."""
        return cls(tz=tz, windows=((time(0), END_OF_DAY),), country=None, weekend=frozenset())

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day: extra workday > extra holiday > public in-lieu
        workday > public holiday > weekend."""
        if d in self.extra_workdays:
            return True
        if d in self.extra_holidays:
            return False
        if self.country is not None:
            public_holidays, in_lieu_workdays = _public_days(self.country, self.subdiv, d.year)
            if d in in_lieu_workdays:
                return True
            if d in public_holidays:
                return False
        return d.weekday() not in self.weekend

    def is_working_time(self, at: datetime) -> bool:
        """Whether the second starting at `at` is working time."""
        t = _epoch(at)
        return any(a <= t < b for a, b in _day_spans(self, self._local_date(t)))

    def add(self, start: datetime, seconds: int) -> datetime:
        """The instant when `seconds` of working time have elapsed after `start`.

        Counting begins at `start`, or at the next window start if `start` is outside
        working time; a target reached exactly at a window's end returns that end.
        `add(start, 0)` returns `start` itself (in UTC), even outside working time.
        Negative `seconds` count backwards, as `subtract` does.
        """
        if seconds < 0:
            return self.subtract(start, -seconds)
        return _instant(self.add_ts(_epoch(start), seconds))

    def add_ts(self, t: int, seconds: int) -> int:
        """`add` on epoch seconds (non-negative `seconds`): what the SLA clocks use."""
        remaining = seconds
        if remaining == 0:
            return t
        if self._around_the_clock:
            return t + remaining
        day, idle = self._local_date(t).toordinal(), 0
        spans_of = self._spans_by_ordinal
        while True:
            spans = spans_of.get(day)
            if spans is None:
                spans = spans_of[day] = _day_spans(self, date.fromordinal(day))
            for a, b in spans:
                if b <= t:
                    continue
                s = a if a > t else t
                if remaining <= b - s:
                    return s + remaining
                remaining -= b - s
            idle = 0 if spans else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError("the working calendar has no working time left to count")
            day += 1

    def subtract(self, end: datetime, seconds: int) -> datetime:
        """The latest instant from which `seconds` of working time elapse until `end`.

        `subtract(end, 0)` returns `end` itself (in UTC); negative `seconds` count forwards.
        """
        if seconds < 0:
            return self.add(end, -seconds)
        t = _epoch(end)
        remaining = seconds
        if remaining == 0:
            return _instant(t)
        day, idle = self._local_date(t), 0
        while True:
            spans = _day_spans(self, day)
            for a, b in reversed(spans):
                if a >= t:
                    continue
                e = min(b, t)
                if remaining <= e - a:
                    return _instant(e - remaining)
                remaining -= e - a
            idle = 0 if spans else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError("the working calendar has no working time left to count")
            day -= timedelta(days=1)

    def between(self, a: datetime, b: datetime) -> int:
        """The working seconds in [a, b), 0 when b <= a."""
        return self.between_ts(_epoch(a), _epoch(b))

    def between_ts(self, ta: int, tb: int) -> int:
        """`between` on epoch seconds."""
        if tb <= ta:
            return 0
        if self._around_the_clock:
            return tb - ta
        total = 0
        day, last = self._local_date(ta), self._local_date(tb)
        while day <= last:
            for s, e in _day_spans(self, day):
                total += max(0, min(e, tb) - max(s, ta))
            day += timedelta(days=1)
        return total

    def _local_date(self, t: int) -> date:
        """The local calendar date at epoch second `t`."""
        return datetime.fromtimestamp(t, _zone(self.tz)).date()


def _fmt(t: time) -> str:
    """A window bound as users write it."""
    return "24:00" if t == END_OF_DAY else t.strftime("%H:%M:%S" if t.second else "%H:%M")


def _seconds_of_day(t: time) -> int:
    """Seconds since local midnight; `END_OF_DAY` is 86400."""
    return _DAY if t == END_OF_DAY else t.hour * 3600 + t.minute * 60 + t.second


def _epoch(at: datetime) -> int:
    """Whole seconds since the Unix epoch (floored), refusing naive datetimes."""
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValueError(f"instant {at!r} must be a timezone-aware datetime")
    return (at - _EPOCH) // _SECOND


def _instant(t: int) -> datetime:
    """The aware UTC datetime at epoch second `t`."""
    return _EPOCH + timedelta(seconds=t)


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    """The zone named `tz`."""
    return ZoneInfo(tz)


def _offset(zone: ZoneInfo, t: int) -> int:
    """The zone's UTC offset in seconds at epoch second `t`."""
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    assert offset is not None
    return offset // _SECOND


def _segments(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """Split epoch seconds [lo, hi) into runs of constant offset: (start, end, offset)."""
    first, last = _offset(zone, lo), _offset(zone, hi)
    if first == last:
        return [(lo, hi, first)]
    a, b = lo, hi  # offset(a) == first != offset(b): bisect to the change
    while b - a > 1:
        m = (a + b) // 2
        if _offset(zone, m) == first:
            a = m
        else:
            b = m
    return [(lo, b, first), *_segments(zone, b, hi)]


@lru_cache(maxsize=8192)
def _day_spans(cal: WorkCalendar, d: date) -> tuple[tuple[int, int], ...]:
    """The working time of local day `d` as sorted, disjoint epoch-second intervals [a, b)."""
    if not cal.is_working_day(d):
        return ()
    midnight = (d - _EPOCH.date()).days * _DAY  # local midnight, counted as if it were UTC
    spans: list[tuple[int, int]] = []
    for lo, hi, off in _segments(_zone(cal.tz), midnight - _DAY, midnight + 2 * _DAY):
        for start, end in cal.windows:
            a = max(lo, midnight + _seconds_of_day(start) - off)
            b = min(hi, midnight + _seconds_of_day(end) - off)
            if a < b:
                spans.append((a, b))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return tuple(merged)


PublicDays = tuple[frozenset[date], frozenset[date]]
_public_days_source: Callable[[str, str | None, int], PublicDays] | None = None


def set_public_days_source(source: Callable[[str, str | None, int], PublicDays] | None) -> None:
    """Where public days come from (a cache of `holidays_package_days`); None: the package."""
    global _public_days_source
    _public_days_source = source
    _public_days.cache_clear()
    _day_spans.cache_clear()


@lru_cache(maxsize=256)
def _public_days(country: str, subdiv: str | None, year: int) -> PublicDays:
    if _public_days_source is not None:
        return _public_days_source(country, subdiv, year)
    return holidays_package_days(country, subdiv, year)


def holidays_package_days(country: str, subdiv: str | None, year: int) -> PublicDays:
    """A country's public holidays and in-lieu working weekend days for `year` (and beyond)."""
    import holidays  # ~90 ms: only when a calendar first needs it

    try:
        # year + 1 as well: a holiday early next year may be paid for by a weekend this year
        table = holidays.country_holidays(country, subdiv=subdiv, years=(year, year + 1))
    except NotImplementedError as exc:
        raise ValueError(f"the holidays package knows no country {country!r}") from exc
    return frozenset(table), frozenset(table.weekend_workdays)
