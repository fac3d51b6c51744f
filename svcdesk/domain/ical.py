"""The inspection plan as an iCalendar file (RFC 5545) that Outlook, Thunderbird and phones import.

One VEVENT per planned slot (`inspections.plan_slots`), in the site's local time with the site's
VTIMEZONE, and a DISPLAY reminder a day ahead. The UID of a slot depends only on its site code,
contract year and index (`slot_uid`), so the same plan written twice has the same UIDs and a
calendar updates its events instead of doubling them. SEQUENCE says how often a slot moved: a
slot whose `previous` plan had it on another day gets the previous SEQUENCE + 1, on the same day
the previous SEQUENCE, and a slot never planned before 0 (`read_previous` reads them from the
file written last time). DTSTAMP is a parameter, so the output is a pure function of its input.

Text from users (site names, engineer) goes in as data: the `icalendar` package escapes commas,
semicolons and backslashes and folds long lines at 75 octets; line breaks and other control
characters become spaces first, so no user text can start a property of its own. Lines end in
CRLF. Pure: no I/O, no clock reads.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar

from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.inspections import Slot

__all__ = ["PRODID", "UID_NAMESPACE", "plan_calendar", "read_previous", "slot_uid"]

PRODID = "-//svcdesk//inspection plan//ZH"
UID_NAMESPACE = uuid.UUID("6f1d1c52-3c1e-5b7a-9d0e-2a9c1b7e4f10")
"""The uuid5 namespace of slot UIDs: fixed forever, or every calendar doubles its events."""
_WINDOW = (time(9), time(12))


def slot_uid(site: str, year: int, index: int) -> str:
    """The UID of inspection `index` of contract year `year` at `site`: the same on every run."""
    return f"{uuid.uuid5(UID_NAMESPACE, f'inspection/{site}/{year}/{index}')}@svcdesk"


def plan_calendar(
    slots: Iterable[Slot],
    *,
    site_names: Mapping[str, str],
    site_tz: Mapping[str, str],
    dtstamp: datetime,
    default_tz: str = "Asia/Shanghai",
    engineer: str | None = None,
    previous: Mapping[str, tuple[date, int]] | None = None,
    window: tuple[time, time] = _WINDOW,
) -> bytes:
    """The plan's slots as an iCalendar file: each slot from `window` (default 09:00-12:00) local
    time in its site's zone (`site_tz`, else `default_tz`), with a reminder a day ahead and a
    SEQUENCE that rises when `previous` (uid -> (day, sequence)) had it on another day."""
    if not isinstance(dtstamp, datetime) or dtstamp.utcoffset() is None:
        raise InvalidValue(f"DTSTAMP {dtstamp!r} must be a timezone-aware datetime")
    start_at, end_at = window
    if not start_at < end_at or start_at.tzinfo is not None or end_at.tzinfo is not None:
        raise InvalidValue(f"the inspection window {start_at}-{end_at} must be a local time "
                           "range that ends after it starts")  # fmt: skip
    stamp = dtstamp.astimezone(UTC).replace(microsecond=0)
    previous = previous or {}
    ordered = sorted(slots, key=lambda s: (s.on, s.site, s.index))
    who = _text(engineer) if engineer else ""

    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    years = sorted({s.year for s in ordered})
    title = "巡检计划" + (f" {years[0]}" if len(years) == 1 else "") + (f" {who}" if who else "")
    cal.add("x-wr-calname", title)

    zones: dict[str, ZoneInfo] = {}
    zone_of: dict[str, ZoneInfo] = {}
    for slot in ordered:
        tz = site_tz.get(slot.site) or default_tz
        if tz not in zones:
            zones[tz] = _zone(tz, slot.site)
        zone_of[slot.site] = zones[tz]
    if ordered:  # each zone's rules over the plan's years (and either side, for the reminders)
        first, last = date(ordered[0].on.year - 1, 1, 1), date(ordered[-1].on.year + 2, 1, 1)
        for tz in sorted(zones):  # sorted: the same plan is the same file in every process
            cal.add_component(icalendar.Timezone.from_tzid(tz, first_date=first, last_date=last))

    for slot in ordered:
        zone = zone_of[slot.site]
        uid = slot_uid(slot.site, slot.year, slot.index)
        sequence = 0
        if uid in previous:
            before_on, before_seq = previous[uid]
            sequence = before_seq + (1 if before_on != slot.on else 0)
        name = _text(site_names.get(slot.site, ""))
        site = _text(slot.site)
        label = f"{site} {name}" if name else site
        count = f"({slot.index}/{slot.quota})"
        due = slot.period_end - timedelta(days=1)

        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("sequence", sequence)
        event.add("dtstart", datetime.combine(slot.on, start_at, zone))
        event.add("dtend", datetime.combine(slot.on, end_at, zone))
        event.add("summary", f"巡检 {label} {count}")
        event.add("location", label)
        lines = [
            f"第{slot.index}次现场巡检（共{slot.quota}次），合同年度 {slot.year}。",
            f"巡检周期 {slot.period_start} 至 {due}，最迟 {due} 完成，并向用户提供巡检汇报。",
            f"On-site inspection {slot.index} of {slot.quota} of contract year {slot.year} "
            f"at {label}; due by {due}, with an inspection report.",
        ]
        if who:
            lines.append(f"工程师 / engineer: {who}")
        event.add("description", "\n".join(lines))
        event.add("categories", ["巡检"])
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")

        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", timedelta(days=-1))
        alarm.add("description", f"明天巡检 {label} {count}")
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())


def read_previous(data: bytes) -> dict[str, tuple[date, int]]:
    """The slots of a plan written earlier, uid -> (local day, SEQUENCE): `previous` for the
    next `plan_calendar`, so a moved slot raises its SEQUENCE."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise InvalidValue(f"the earlier plan is not an iCalendar file: {exc}") from None
    out: dict[str, tuple[date, int]] = {}
    for event in cal.walk("VEVENT"):
        uid, start = event.get("uid"), event.get("dtstart")
        if uid is None or start is None:
            continue
        day = start.dt.date() if isinstance(start.dt, datetime) else start.dt
        out[str(uid)] = (day, int(event.get("sequence", 0)))
    return out


def _zone(tz: str, site: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(
            f"site {site!r} has an unknown time zone {tz!r} (use an IANA name)"
        ) from None


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _text(value: str) -> str:
    """User text on one line: line breaks, control and bidi-override characters as single
    spaces."""
    cleaned = "".join(
        " " if c in _BIDI or unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value
    )
    return " ".join(cleaned.split())
