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

Official years: China announces each year's in-lieu working days (调休) and the days that
extend its golden weeks only late in the year before, so the `holidays` package lists them for
the years it was released after, and counts a later year's weekends and lunar holidays by rule
alone. A year is *official* for a calendar when it has no country, when the policy lists an
extra holiday or workday in it (the team typed in the official dates), or when the package
lists in-lieu working days in it; it is *guessed* when the package lists in-lieu working days
for an earlier year but none for it, or when the year lies outside the package's range (a
country that never has in-lieu days, such as the US, is official in every year of the range).
Every guessed year a calendar counts through is remembered (`take_guessed`) so that the
command that computed the deadline can say so once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svcdesk.domain.errors import RuleViolation

__all__ = ["END_OF_DAY", "Guess", "NoWorkingTime", "WorkCalendar", "take_guessed"]

END_OF_DAY = time.max
"""A window end of `END_OF_DAY` means 24:00, the midnight that ends the day."""

class NoWorkingTime(RuleViolation, ValueError):
    """Ten years without working time: the calendar can never reach the target."""

    def __init__(self) -> None:
        super().__init__(
            "the working calendar has no working time left to count: its policy leaves no "
            "working day for ten years; give it working days and load it with "
            "'svcdesk sla policy load'"
        )


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
    _extra_years: frozenset[int] = field(default=frozenset(), init=False, repr=False,
                                         compare=False)  # fmt: skip
    _source_generation: list[int] = field(
        default_factory=lambda: [-1], init=False, repr=False, compare=False
    )
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
        set_(self, "_extra_years",
             frozenset(d.year for d in self.extra_holidays | self.extra_workdays))  # fmt: skip
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

    def is_official_year(self, year: int) -> bool:
        """Whether the working days of `year` are official (see the module's doc), not guessed."""
        if self.country is None or year in self._extra_years:
            return True
        return _known_year(self.country, self.subdiv, year)

    def guessed_years(self, first: int, last: int) -> list[int]:
        """The years from `first` to `last` whose working days are guessed, not official."""
        return [y for y in range(first, last + 1) if not self.is_official_year(y)]

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
        if self._source_generation[0] != _generation[0]:  # public days come from elsewhere now
            spans_of.clear()
            self._source_generation[0] = _generation[0]
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
                raise NoWorkingTime()
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
                raise NoWorkingTime()
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
    if cal.country is not None and not cal.is_official_year(d.year):
        _guessed.add(Guess(cal.country, cal.subdiv, d.year))
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
_generation = [0]  # bumped whenever public days come from another source


class Guess(NamedTuple):
    """A year whose working days a calendar counted by rule alone (not official)."""

    country: str
    subdiv: str | None
    year: int


_guessed: set[Guess] = set()


def take_guessed() -> list[Guess]:
    """The guessed years counted since the last call, in order (and forget them)."""
    taken = sorted(_guessed, key=lambda g: (g.country, g.subdiv or "", g.year))
    _guessed.clear()
    return taken


def set_public_days_source(source: Callable[[str, str | None, int], PublicDays] | None) -> None:
    """Where public days come from (a cache of `holidays_package_days`); None: the package.

    A source may also have `knows_year(country, subdiv, year) -> bool` (a cache of
    `package_knows_year`); without it the package is asked.
    """
    global _public_days_source
    _public_days_source = source
    _generation[0] += 1
    _public_days.cache_clear()
    _known_year.cache_clear()
    _day_spans.cache_clear()


@lru_cache(maxsize=256)
def _public_days(country: str, subdiv: str | None, year: int) -> PublicDays:
    if _public_days_source is not None:
        return _public_days_source(country, subdiv, year)
    return holidays_package_days(country, subdiv, year)


@lru_cache(maxsize=256)
def _known_year(country: str, subdiv: str | None, year: int) -> bool:
    knows = getattr(_public_days_source, "knows_year", None)
    if knows is not None:
        return bool(knows(country, subdiv, year))
    return package_knows_year(country, subdiv, year)


def _table(country: str, subdiv: str | None, years: tuple[int, ...]) -> Any:
    import holidays  # ~90 ms: only when a calendar first needs it

    try:
        return holidays.country_holidays(country, subdiv=subdiv, years=years)
    except NotImplementedError as exc:
        raise ValueError(f"the holidays package knows no country {country!r}") from exc


def holidays_package_days(country: str, subdiv: str | None, year: int) -> PublicDays:
    """A country's public holidays and in-lieu working weekend days for `year` (and beyond)."""
    # year + 1 as well: a holiday early next year may be paid for by a weekend this year
    table = _table(country, subdiv, (year, year + 1))
    return frozenset(table), frozenset(table.weekend_workdays)


def package_knows_year(country: str, subdiv: str | None, year: int) -> bool:
    """Whether the `holidays` package has official working days for `year` (module doc):
    in its range, and in-lieu working days listed in it or in no earlier year."""
    table = _table(country, subdiv, ())
    start, end = int(getattr(table, "start_year", 1)), int(getattr(table, "end_year", 9999))
    if not start <= year <= end:
        return False
    if any(d.year == year for d in _table(country, subdiv, (year,)).weekend_workdays):
        return True
    for earlier in range(year - 1, start - 1, -1):  # CN: one year back for the year after
        if any(d.year == earlier for d in _table(country, subdiv, (earlier,)).weekend_workdays):
            return False
    return True
