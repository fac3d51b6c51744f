"""The one clock, and parsing of the instants and durations users type.

Nothing in svcdesk reads the wall clock except `now()`, which honours `--now` / `SVCDESK_NOW`,
so every rule can be tested and historic data replayed. Durations are pure, so they are parsed
and formatted in `svcdesk.domain.durations`; `parse_duration` and `format_duration` are
re-exported here.
"""

from __future__ import annotations

import os
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
    _override = parse_instant(value, tz=display_tz(), ref=datetime.now(UTC)) if value else None


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


def parse_instant(
    text: str, *, tz: tzinfo | None = None, ref: datetime | None = None, what: str = "instant"
) -> datetime:
    """An ISO 8601 instant (no offset: the display zone), `now`, `today`, or `-2h` / `2h ago`.

    Returns an aware UTC datetime truncated to the second.
    """
    raw = text.strip()
    low = raw.lower()
    tz = tz or display_tz()
    if low in ("now", "today", "yesterday") or low.startswith("-") or low.endswith(" ago"):
        ref = ref if ref is not None else now()
        if low == "now":
            return ref
        if low in ("today", "yesterday"):
            local = ref.astimezone(tz).replace(hour=0, minute=0, second=0)
            if low == "yesterday":
                local -= timedelta(days=1)
            return local.astimezone(UTC)
        span = low.removeprefix("-").removesuffix(" ago")
        try:
            return ref - parse_duration(span, what=what)
        except InvalidValue:
            raise InvalidValue(
                f"invalid {what} {text!r}: a time ago is a duration such as -2h or 30m ago"
            ) from None
    try:
        dt = datetime.fromisoformat(raw.replace(" ", "T", 1) if len(raw) > 10 else raw)
    except ValueError:
        raise InvalidValue(
            f"invalid {what} {text!r}: use ISO 8601 such as 2026-10-09T17:50+08:00, "
            "2026-10-09 17:50 (display time zone), now, or -2h"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC).replace(microsecond=0)


def parse_date(text: str, *, what: str = "date") -> str:
    """A calendar date `YYYY-MM-DD`, returned in that canonical form."""
    from datetime import date

    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InvalidValue(f"invalid {what} {text!r}: use YYYY-MM-DD") from None


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


def iso(ts: int | None, tz: tzinfo | None = None) -> str | None:
    """An epoch second as ISO 8601 with the display zone's offset."""
    dt = from_epoch(ts, tz)
    return dt.isoformat() if dt else None
