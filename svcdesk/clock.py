"""The one clock, and parsing of the instants and durations users type.

Nothing in svcdesk reads the wall clock except `now()`, which honours `--now` / `SVCDESK_NOW`,
so every rule can be tested and historic data replayed. Durations are pure, so they are parsed
and formatted in `svcdesk.domain.durations`; `parse_duration` and `format_duration` are
re-exported here.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from svcdesk.domain.durations import format_duration as format_duration
from svcdesk.domain.durations import parse_duration as parse_duration
from svcdesk.errors import InvalidValue

_override: datetime | None = None

DEFAULT_TZ = "Asia/Shanghai"


def set_now(value: str | None) -> None:
    """Pretend the current instant is `value` (ISO 8601) for the rest of this process."""
    global _override
    _override = (
        parse_instant(value, tz=display_tz(), ref=datetime.now(UTC), what="--now")
        if value
        else None
    )


def now() -> datetime:
    """The current instant in UTC: `--now`, else `SVCDESK_NOW`, else the wall clock."""
    if _override is not None:
        return _override
    env = os.environ.get("SVCDESK_NOW")
    if env:
        return parse_instant(env, tz=display_tz(), ref=datetime.now(UTC), what="SVCDESK_NOW")
    # time.time_ns, like the change log's stamps: one clock for the whole process
    return datetime.fromtimestamp(time.time_ns() // 10**9, UTC)


_tz_name: str | None = None


def set_display_tz(name: str | None) -> None:
    global _tz_name
    if name:
        zone(name)  # validate now, with a clear message
    _tz_name = name


_policy_tz: str | None = None


def set_policy_tz(name: str | None) -> None:
    """The time zone of the policy in force: the display zone unless --tz or SVCDESK_TZ."""
    global _policy_tz
    _policy_tz = name


def display_tz_name() -> str:
    return _tz_name or os.environ.get("SVCDESK_TZ") or _policy_tz or DEFAULT_TZ


def display_tz() -> tzinfo:
    """The zone instants are shown in: `--tz`, else `SVCDESK_TZ`, else the policy's."""
    return zone(display_tz_name())


@lru_cache(maxsize=64)
def zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            f"unknown time zone {name!r} (use an IANA name such as Asia/Shanghai or UTC)"
        ) from None


# The instants svcdesk can reason about: a working calendar, a clock or a sync stamp beyond these
# is a typing mistake (9999-12-31, 0001-01-01), refused as one rather than failing deep inside.
MIN_YEAR = 1970
MAX_YEAR = 2199

# How far ahead of this laptop's clock a recorded instant may lie (clocks of two devices differ).
FUTURE_SLACK = timedelta(minutes=1)

_TIME_OF_DAY = re.compile(r"^(?:(today|yesterday)\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_instant(
    text: str, *, tz: tzinfo | None = None, ref: datetime | None = None, what: str = "instant"
) -> datetime:
    """An ISO 8601 instant (no offset: the display zone), `now`, `today`, `yesterday`, a time of
    day (`11:05`, `today 11:05`, `yesterday 17:30`), or a time ago (`-2h`, `2h ago`).

    Returns an aware UTC datetime truncated to the second, between MIN_YEAR and MAX_YEAR.
    """
    raw = text.strip()
    low = " ".join(raw.lower().split())
    tz = tz or display_tz()
    day = _TIME_OF_DAY.match(low)
    if low in ("now", "today", "yesterday") or day or low.startswith("-") or low.endswith(" ago"):
        ref = ref if ref is not None else now()
        if low == "now":
            return ref
        if low in ("today", "yesterday") or day:
            local = ref.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
            if day:
                hour, minute, second = int(day[2]), int(day[3]), int(day[4] or 0)
                if hour > 23 or minute > 59 or second > 59:
                    raise InvalidValue(
                        f"invalid {what} {text!r}: no such time of day; use ISO 8601 such as "
                        "2026-10-09T17:50+08:00, 17:50, yesterday 17:50, now, or -2h"
                    )
                naive = local.replace(tzinfo=None, hour=hour, minute=minute, second=second)
                local = naive.replace(tzinfo=tz)
            if low.startswith("yesterday"):
                local = (local.replace(tzinfo=None) - timedelta(days=1)).replace(tzinfo=tz)
            return _in_range(local.astimezone(UTC), text, what)
        span = low.removeprefix("-").removesuffix(" ago")
        try:
            return _in_range(ref - parse_duration(span, what=what), text, what)
        except (InvalidValue, OverflowError):
            raise InvalidValue(
                f"invalid {what} {text!r}: a time ago is a duration such as -2h or 30m ago"
            ) from None
    try:
        dt = datetime.fromisoformat(raw.replace(" ", "T", 1) if len(raw) > 10 else raw)
    except ValueError:
        raise InvalidValue(
            f"invalid {what} {text!r}: use ISO 8601 such as 2026-10-09T17:50+08:00, "
            "2026-10-09 17:50 (display time zone), 17:50, yesterday 17:50, now, or -2h"
        ) from None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise _out_of_range(text, what)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return _in_range(dt.astimezone(UTC).replace(microsecond=0), text, what)


def _in_range(dt: datetime, text: str, what: str) -> datetime:
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise _out_of_range(text, what)
    return dt


def _out_of_range(text: str, what: str) -> InvalidValue:
    return InvalidValue(f"{what} {text!r} is out of range: years {MIN_YEAR} to {MAX_YEAR}")


def recorded_at(at: str | datetime | None, *, what: str = "--at") -> datetime:
    """When something being recorded happened: `at` (default now), never in the future."""
    current = now()
    if at is None:
        return current
    when = at if isinstance(at, datetime) else parse_instant(at, what=what)
    if when > current + FUTURE_SLACK:
        shown = when.astimezone(display_tz())
        raise InvalidValue(
            f"{what} {shown:%Y-%m-%d %H:%M} is in the future; record things once they have happened"
        )
    return when


def parse_date(text: str, *, what: str = "date") -> str:
    """A calendar date `YYYY-MM-DD`, returned in that canonical form."""
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidValue(f"invalid {what} {text!r}: use YYYY-MM-DD") from None


def within_seconds(within: str | None) -> int:
    """`--within DURATION` in seconds (0 when not given): how far ahead a list of what is due
    looks. Given empty or blank, it is refused as any bad duration is (`parse_duration`)."""
    return 0 if within is None else int(parse_duration(within, what="--within").total_seconds())


def window(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """`--since` and `--until` as epoch seconds, the half-open window [since, until); None where
    not given. Given empty or blank, each is refused as any bad instant is."""
    after = None if since is None else to_epoch(parse_instant(since, what="--since"))
    before = None if until is None else to_epoch(parse_instant(until, what="--until"))
    if after is not None and before is not None and before <= after:
        raise InvalidValue("--until must be after --since")
    return after, before


def to_epoch(dt: datetime) -> int:
    return int(dt.timestamp())


def from_epoch(ts: int | None, tz: tzinfo | None = None) -> datetime | None:
    """An epoch second as an aware datetime in `tz` (default: the display zone)."""
    if ts is None:
        return None
    return local_times(tz or display_tz())(ts)


@lru_cache(maxsize=16)
def local_times(tz: tzinfo) -> Callable[[int], datetime]:
    """A fast epoch-second -> local datetime converter for one zone.

    The datetimes carry a fixed-offset `timezone` equal to the zone's offset at that instant:
    the same wall time and offset as with the zone itself, but ten times cheaper to serialise.
    Offsets are cached per UTC day; a day on which the offset changes is converted exactly.
    """
    days: dict[int, timezone | None] = {}
    fromtimestamp = datetime.fromtimestamp

    def offset_at(ts: int) -> timedelta:
        return fromtimestamp(ts, tz).utcoffset() or timedelta(0)

    def day_zone(day: int) -> timezone | None:
        start, end = offset_at(day * 86400), offset_at(day * 86400 + 86399)
        fixed = days[day] = timezone(start) if start == end else None
        return fixed

    def convert(ts: int) -> datetime:
        try:
            fixed = days[ts // 86400]
        except KeyError:
            fixed = day_zone(ts // 86400)
        if fixed is None:  # the offset changes this day: convert exactly
            return fromtimestamp(ts, timezone(offset_at(ts)))
        return fromtimestamp(ts, fixed)

    convert.zone = getattr(tz, "key", None) or str(tz)  # type: ignore[attr-defined]
    return convert


def local_minutes(tz: tzinfo) -> Callable[[int], str]:
    """A fast epoch-second -> `YYYY-MM-DD HH:MM` (local wall time) converter for one zone, for
    long text tables: integer arithmetic on the offset cached per UTC day."""
    from datetime import date

    exact = local_times(tz)
    offsets: dict[int, int | None] = {}
    days: dict[int, str] = {}
    epoch = date(1970, 1, 1).toordinal()

    def offset(day: int) -> int | None:
        first, last = exact(day * 86400).utcoffset(), exact(day * 86400 + 86399).utcoffset()
        off = offsets[day] = (
            int(first.total_seconds()) if first == last and first is not None else None
        )
        return off

    def minute(ts: int) -> str:
        day = ts // 86400
        off = offsets[day] if day in offsets else offset(day)
        if off is None:  # the offset changes this day
            return exact(ts).isoformat(" ", "minutes")[:16]
        local_day, rest = divmod(ts + off, 86400)
        text = days.get(local_day)
        if text is None:
            text = days[local_day] = date.fromordinal(epoch + local_day).isoformat()
        return f"{text} {rest // 3600:02d}:{rest % 3600 // 60:02d}"

    return minute


def local_isoformat(tz: tzinfo) -> Callable[[int], str]:
    """A fast epoch-second -> `local_times(tz)(ts).isoformat()` converter for one zone
    (`2026-10-14T10:00:00+08:00`), for long JSON and CSV lists: integer arithmetic on the offset
    cached per UTC day, as `local_minutes`."""
    from datetime import date

    exact = local_times(tz)
    offsets: dict[int, tuple[int, str] | None] = {}
    days: dict[int, str] = {}
    epoch = date(1970, 1, 1).toordinal()

    def offset(day: int) -> tuple[int, str] | None:
        first, last = exact(day * 86400).utcoffset(), exact(day * 86400 + 86399).utcoffset()
        off = None
        if first == last and first is not None and not first.total_seconds() % 60:
            seconds = int(first.total_seconds())
            hours, minutes = divmod(abs(seconds) // 60, 60)
            off = (seconds, f"{'-' if seconds < 0 else '+'}{hours:02d}:{minutes:02d}")
        offsets[day] = off
        return off

    def text(ts: int) -> str:
        day = ts // 86400
        off = offsets[day] if day in offsets else offset(day)
        if off is None:  # the offset changes this day, or is not whole minutes
            return exact(ts).isoformat()
        local_day, rest = divmod(ts + off[0], 86400)
        date_text = days.get(local_day)
        if date_text is None:
            date_text = days[local_day] = date.fromordinal(epoch + local_day).isoformat() + "T"
        time_text = times.get(rest)
        if time_text is None:
            time_text = times[rest] = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
        return date_text + time_text + off[1]

    times: dict[int, str] = {}  # the seconds of a day -> HH:MM:SS (at most 86,400)
    return text


def iso(ts: int | None, tz: tzinfo | None = None) -> str | None:
    """An epoch second as ISO 8601 with the display zone's offset."""
    dt = from_epoch(ts, tz)
    return dt.isoformat() if dt else None
