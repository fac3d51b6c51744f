"""The inspection plan as an .ics file: what a calendar application reads back from it."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta, timezone

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import child_env

from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.ical import PRODID, plan_calendar, read_previous, slot_uid
from svcdesk.domain.inspections import Slot, plan_slots

OFFICE = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
CN = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country="CN")
STAMP = datetime(2026, 1, 5, 2, 0, 0, tzinfo=UTC)
NAMES = {"GZ-TAX-01": "广州市天河区税务局", "XJ-URU-01": "乌鲁木齐市税务局"}
ZONES = {"GZ-TAX-01": "Asia/Shanghai", "XJ-URU-01": "Asia/Urumqi"}


def slots_2026() -> list[Slot]:
    return plan_slots(sites=list(NAMES), year=2026, quota=4, calendar=CN)


def write(slots: list[Slot] | None = None, **kw) -> bytes:
    args = {"site_names": NAMES, "site_tz": ZONES, "dtstamp": STAMP, **kw}
    return plan_calendar(slots_2026() if slots is None else slots, **args)


def events(data: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(data).walk("VEVENT"))


def by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in events(data)}


# ---------------------------------------------------------------- the calendar


def test_the_file_parses_back_as_a_published_gregorian_calendar() -> None:
    cal = icalendar.Calendar.from_ical(write())
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]) == PRODID
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert len(events(write())) == 8


def test_each_slot_is_a_morning_on_its_day_in_its_sites_own_zone() -> None:
    slots = slots_2026()
    found = by_uid(write(slots))
    for slot in slots:
        event = found[slot_uid(slot.site, 2026, slot.index)]
        start, end = event["DTSTART"], event["DTEND"]
        assert start.params["TZID"] == ZONES[slot.site]
        assert start.dt.date() == slot.on and start.dt.time() == time(9)
        assert end.dt - start.dt == timedelta(hours=3)
        offset = timedelta(hours=8 if slot.site == "GZ-TAX-01" else 6)
        assert start.dt.utcoffset() == offset


def test_the_summary_names_the_site_and_the_count_in_chinese() -> None:
    first = [e for e in events(write()) if e["DTSTART"].dt.date().month <= 4]
    summaries = {str(e["SUMMARY"]) for e in first}
    assert "巡检 GZ-TAX-01 广州市天河区税务局 (1/4)" in summaries
    assert "巡检 XJ-URU-01 乌鲁木齐市税务局 (1/4)" in summaries
    bare = plan_calendar(slots_2026()[:1], site_names={}, site_tz=ZONES, dtstamp=STAMP)
    assert str(events(bare)[0]["SUMMARY"]).startswith("巡检 ")
    assert str(events(bare)[0]["SUMMARY"]).endswith(" (1/4)")


def test_both_sites_zones_are_in_the_file() -> None:
    cal = icalendar.Calendar.from_ical(write())
    zones = {str(tz["TZID"]): tz for tz in cal.walk("VTIMEZONE")}
    assert set(zones) == {"Asia/Shanghai", "Asia/Urumqi"}
    for name, hours in (("Asia/Shanghai", 8), ("Asia/Urumqi", 6)):
        standard = zones[name].walk("STANDARD")
        assert standard and standard[0]["TZOFFSETTO"].td == timedelta(hours=hours)


def test_a_site_without_a_zone_uses_the_default_zone() -> None:
    data = write(site_tz={}, default_tz="Asia/Urumqi")
    assert {e["DTSTART"].params["TZID"] for e in events(data)} == {"Asia/Urumqi"}
    assert [str(z["TZID"]) for z in icalendar.Calendar.from_ical(data).walk("VTIMEZONE")] == [
        "Asia/Urumqi"
    ]


def test_a_zone_with_summer_time_carries_its_rules() -> None:
    data = write(site_tz={"GZ-TAX-01": "Europe/Berlin"})
    berlin = [z for z in icalendar.Calendar.from_ical(data).walk("VTIMEZONE")
              if str(z["TZID"]) == "Europe/Berlin"]  # fmt: skip
    assert berlin and berlin[0].walk("DAYLIGHT") and berlin[0].walk("STANDARD")
    summer = [e for e in events(data) if e["DTSTART"].params["TZID"] == "Europe/Berlin"
              and e["DTSTART"].dt.month == 7]  # fmt: skip
    assert all(e["DTSTART"].dt.utcoffset() == timedelta(hours=2) for e in summer)


def test_each_event_reminds_a_day_ahead() -> None:
    for event in events(write()):
        alarms = event.walk("VALARM")
        assert len(alarms) == 1
        alarm = alarms[0]
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm["TRIGGER"].dt == timedelta(days=-1)
        assert str(alarm["DESCRIPTION"]).startswith("明天巡检 ")
    assert b"TRIGGER:-P1D\r\n" in write()


def test_dtstamp_is_the_given_instant_in_utc() -> None:
    beijing = timezone(timedelta(hours=8))
    data = write(dtstamp=datetime(2026, 1, 5, 10, 0, 0, 123, tzinfo=beijing))
    assert b"DTSTAMP:20260105T020000Z\r\n" in data
    assert all(e["DTSTAMP"].dt == STAMP for e in events(data))
    with pytest.raises(InvalidValue, match="timezone-aware"):
        write(dtstamp=datetime(2026, 1, 5, 10))


def test_the_engineer_and_the_due_day_are_in_the_description() -> None:
    slot = slots_2026()[0]
    event = events(write([slot], engineer="张工"))[0]
    text = str(event["DESCRIPTION"])
    assert "张工" in text
    assert f"最迟 {slot.period_end - timedelta(days=1)} 完成" in text
    cal = icalendar.Calendar.from_ical(write([slot], engineer="张工"))
    assert "张工" in str(cal["X-WR-CALNAME"])


def test_a_time_window_can_be_given() -> None:
    event = events(write(window=(time(14), time(17, 30))))[0]
    assert event["DTSTART"].dt.time() == time(14) and event["DTEND"].dt.time() == time(17, 30)
    with pytest.raises(InvalidValue, match="ends after it starts"):
        write(window=(time(12), time(9)))


def test_an_unknown_site_zone_is_refused_naming_the_site() -> None:
    with pytest.raises(InvalidValue, match="site 'GZ-TAX-01' has an unknown time zone 'Mars/Base'"):
        write(site_tz={"GZ-TAX-01": "Mars/Base"})


# ---------------------------------------------------------------- stable UIDs and SEQUENCE


def test_the_same_plan_twice_gives_the_same_uids_and_the_same_file() -> None:
    first, second = write(), write()
    assert first == second
    uids = [str(e["UID"]) for e in events(first)]
    assert len(set(uids)) == len(uids) == 8
    assert all(uid.endswith("@svcdesk") for uid in uids)
    later = write(dtstamp=STAMP + timedelta(days=30))
    assert [str(e["UID"]) for e in events(later)] == uids


WRITE_IN_A_CHILD = f"""
import datetime
import sys
from svcdesk.domain.calendar import WorkCalendar
from svcdesk.domain.ical import plan_calendar
from svcdesk.domain.inspections import plan_slots
cal = WorkCalendar(tz="Asia/Shanghai", windows={OFFICE!r}, country="CN")
slots = plan_slots(sites={list(NAMES)!r}, year=2026, quota=4, calendar=cal)
sys.stdout.buffer.write(plan_calendar(slots, site_names={NAMES!r}, site_tz={ZONES!r},
                                      dtstamp={STAMP!r}))
"""


def test_the_same_plan_is_the_same_file_in_another_process(tmp_path) -> None:
    # set iteration order changes with the hash seed: the file must not
    outputs = {
        subprocess.run([sys.executable, "-c", WRITE_IN_A_CHILD], capture_output=True,
                       check=True, env=child_env(PYTHONHASHSEED=seed)).stdout  # fmt: skip
        for seed in ("1", "2", "3")
    }
    assert outputs == {write()}


def test_a_slot_uid_depends_on_site_year_and_index_only() -> None:
    assert slot_uid("GZ-TAX-01", 2026, 1) == slot_uid("GZ-TAX-01", 2026, 1)
    others = {slot_uid("GZ-TAX-01", 2026, 2), slot_uid("GZ-TAX-01", 2027, 1),
              slot_uid("GZ-TAX-02", 2026, 1)}  # fmt: skip
    assert slot_uid("GZ-TAX-01", 2026, 1) not in others and len(others) == 3


def test_a_moved_slot_raises_its_sequence_and_the_others_keep_theirs() -> None:
    slots = slots_2026()
    first = write(slots)
    assert {int(e["SEQUENCE"]) for e in events(first)} == {0}
    previous = read_previous(first)
    assert previous[slot_uid(slots[0].site, 2026, slots[0].index)] == (slots[0].on, 0)

    moved = dataclasses.replace(slots[0], on=slots[0].on + timedelta(days=1))
    second = write([moved, *slots[1:]], previous=previous)
    sequences = {uid: int(e["SEQUENCE"]) for uid, e in by_uid(second).items()}
    moved_uid = slot_uid(moved.site, 2026, moved.index)
    assert sequences.pop(moved_uid) == 1
    assert set(sequences.values()) == {0}

    # written again unchanged: the moved slot keeps 1 (a lower SEQUENCE would be ignored)
    third = write([moved, *slots[1:]], previous=read_previous(second))
    assert int(by_uid(third)[moved_uid]["SEQUENCE"]) == 1
    # moved back: 2
    fourth = write(slots, previous=read_previous(third))
    assert int(by_uid(fourth)[moved_uid]["SEQUENCE"]) == 2


def test_reading_a_previous_plan_that_is_no_calendar_is_refused() -> None:
    with pytest.raises(InvalidValue, match="not an iCalendar file"):
        read_previous(b"not a calendar")


# ---------------------------------------------------------------- lines a calendar can read


def lines_are_clean(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    for line in lines:
        assert b"\r" not in line and b"\n" not in line
        assert len(line) <= 75, line  # folded at 75 octets, multi-byte characters kept whole
        line.decode("utf-8")
        assert not any(b < 0x20 and b != 0x09 for b in line), line


def test_lines_end_in_crlf_and_are_folded() -> None:
    long_name = "广州市天河区税务局第一税务分局办税服务厅" * 4
    data = write(site_names={"GZ-TAX-01": long_name})
    lines_are_clean(data)
    assert any(line.startswith(b" ") for line in data.split(b"\r\n"))  # folded
    summaries = {str(e["SUMMARY"]) for e in events(data)}
    assert f"巡检 GZ-TAX-01 {long_name} (1/4)" in summaries


def test_line_breaks_in_a_site_name_cannot_start_a_property_or_event() -> None:
    evil = "税务局\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pwned\n\x00\x1b[31m\u2028; , \\"
    data = write(site_names={"GZ-TAX-01": evil}, engineer="张\r\nX-EVIL:1")
    lines_are_clean(data)
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 8 == len(events(data))
    assert b"\r\nX-EVIL" not in data and b"\r\nSUMMARY:pwned" not in data
    summary = next(str(e["SUMMARY"]) for e in events(data) if "GZ-TAX-01" in str(e["SUMMARY"]))
    assert summary == (
        "巡检 GZ-TAX-01 税务局 END:VEVENT BEGIN:VEVENT SUMMARY:pwned [31m ; , \\ (1/4)"
    )


def event_blocks(data: bytes) -> list[bytes]:
    """Each VEVENT of the file as written, BEGIN to END line."""
    return re.findall(rb"(?ms)^BEGIN:VEVENT\r\n.*?^END:VEVENT\r\n", data)


def test_each_event_is_written_as_the_icalendar_package_writes_it() -> None:
    # the events are written without icalendar's per-event cost: icalendar, reading each one
    # back and writing it again, gives the same bytes (escaping, order, folding, TZID, TRIGGER)
    names = {"GZ-TAX-01": "广州市天河区税务局, 第一分局; 办税服务厅" * 3, "XJ-URU-01": "乌鲁木齐"}
    data = write(site_names=names, engineer="张工; 李工, 王工")
    blocks = event_blocks(data)
    assert len(blocks) == 8
    for block in blocks:
        assert icalendar.Event.from_ical(block).to_ical() == block


def test_a_plan_of_5000_sites_is_written_and_read_back_fast() -> None:
    sites = [f"GZ-TAX-{n:04d}" for n in range(5000)]
    names = {code: f"广州市税务局第{n}分局" for n, code in enumerate(sites)}
    started = clock.perf_counter()
    slots = plan_slots(sites=sites, year=2026, quota=4, calendar=CN)
    data = plan_calendar(slots, site_names=names, site_tz={}, dtstamp=STAMP)
    previous = read_previous(data)
    assert clock.perf_counter() - started < 4.0  # `inspect plan`: 5,000 sites under 5 s
    assert len(previous) == 20_000 == data.count(b"\r\nBEGIN:VEVENT\r\n")


def test_reading_a_previous_plan_agrees_with_icalendar() -> None:
    slots = slots_2026()
    first = slot_uid(slots[0].site, 2026, slots[0].index)
    data = write(slots, previous={first: (date(2026, 1, 2), 4)})
    expected = {str(e["UID"]): (e["DTSTART"].dt.date(), int(e["SEQUENCE"])) for e in events(data)}
    assert read_previous(data) == expected
    assert expected[first] == (slots[0].on, 5)
    # a file a calendar program wrote back: LF line endings, folded elsewhere, a BOM
    cal = icalendar.Calendar.from_ical(data)
    edited = b"\xef\xbb\xbf" + cal.to_ical().replace(b"\r\n", b"\n")
    assert read_previous(edited) == expected


def test_a_backslash_in_a_name_is_escaped() -> None:
    data = write(site_names={"GZ-TAX-01": "A\\B;C,D"})
    assert "SUMMARY:巡检 GZ-TAX-01 A\\\\B\\;C\\,D (1/4)".encode() in data


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120), st.text(max_size=40))
def test_any_site_name_round_trips_on_one_line(name: str, code: str) -> None:
    slot = Slot(date(2026, 3, 2), code or "X", 1, 4, 2026, date(2026, 1, 1), date(2026, 4, 2))
    data = plan_calendar([slot], site_names={slot.site: name}, site_tz={}, dtstamp=STAMP)
    lines_are_clean(data)
    (event,) = events(data)
    summary = str(event["SUMMARY"])
    assert summary.startswith("巡检 ") and summary.endswith(" (1/4)")
    assert "\r" not in summary
    if "\\" not in name + code:  # icalendar reads `\\n` back as a line break: Outlook does not
        assert "\n" not in summary
        (block,) = event_blocks(data)
        assert icalendar.Event.from_ical(block).to_ical() == block


def test_an_empty_plan_is_still_a_calendar() -> None:
    data = plan_calendar([], site_names={}, site_tz={}, dtstamp=STAMP)
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "PUBLISH" and not cal.walk("VEVENT")
