"""Instants and durations as people type them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk import clock
from svcdesk.errors import InvalidValue

SH = ZoneInfo("Asia/Shanghai")
REF = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-10-09T17:50+08:00", datetime(2026, 10, 9, 9, 50, tzinfo=UTC)),
        ("2026-10-09T17:50", datetime(2026, 10, 9, 9, 50, tzinfo=UTC)),  # display zone
        ("2026-10-09 17:50", datetime(2026, 10, 9, 9, 50, tzinfo=UTC)),
        ("2026-10-09", datetime(2026, 10, 8, 16, 0, tzinfo=UTC)),
        ("2026-10-09T09:50:30Z", datetime(2026, 10, 9, 9, 50, 30, tzinfo=UTC)),
        ("now", REF),
        ("-2h", REF - timedelta(hours=2)),
        ("1h30m ago", REF - timedelta(hours=1, minutes=30)),
        ("today", datetime(2026, 10, 13, 16, 0, tzinfo=UTC)),
        ("yesterday", datetime(2026, 10, 12, 16, 0, tzinfo=UTC)),
    ],
)
def test_instants(typed, expected):
    assert clock.parse_instant(typed, tz=SH, ref=REF) == expected


@pytest.mark.parametrize("typed", ["", "tomorrowish", "2026-13-01", "-2x", "17:75", "noon 17:50"])
def test_bad_instants_say_what_is_accepted(typed):
    with pytest.raises(InvalidValue, match="ISO 8601|duration"):
        clock.parse_instant(typed, tz=SH, ref=REF)


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [
        ("30m", 1800),
        ("6h", 21600),
        ("3d", 259200),
        ("1h30m", 5400),
        ("2w", 1209600),
        ("45s", 45),
        ("1H 30M", 5400),
    ],
)
def test_durations(typed, seconds):
    assert clock.parse_duration(typed).total_seconds() == seconds


@pytest.mark.parametrize("typed", ["", "90", "h", "1.5h", "-3h", "3 days"])
def test_bad_durations(typed):
    with pytest.raises(InvalidValue, match="use a number with a unit"):
        clock.parse_duration(typed)


def test_format_duration_reads_like_the_input():
    assert clock.format_duration(5400) == "1h 30m"
    assert clock.format_duration(-90061) == "-1d 1h 1m"
    assert clock.format_duration(0) == "0m"


def test_now_honours_the_environment(monkeypatch):
    monkeypatch.setenv("SVCDESK_NOW", "2026-01-02T03:04:05+08:00")
    assert clock.now() == datetime(2026, 1, 1, 19, 4, 5, tzinfo=UTC)


def test_a_bad_now_is_one_line(cli):
    r = cli("--now", "soon", "db", "info")
    assert r.exit_code == 2 and r.stderr.startswith("svcdesk: error: invalid --now 'soon'")


@settings(max_examples=300)
@given(
    st.integers(min_value=0, max_value=2_200_000_000),
    st.sampled_from(
        [
            "Asia/Shanghai",
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Asia/Kolkata",
            "UTC",
        ]
    ),
)
def test_fast_local_times_agree_with_zoneinfo(ts, name):
    """The cached converter gives the zone's wall time and offset, DST days included."""
    tz = clock.zone(name)
    fast = clock.local_times(tz)(ts)
    exact = datetime.fromtimestamp(ts, tz)
    assert fast.isoformat() == exact.isoformat()
    # ...also around this instant's day, where a DST change would be
    for delta in (-3600, -1, 1, 3600, 86400):
        assert (
            clock.local_times(tz)(ts + delta).isoformat()
            == datetime.fromtimestamp(ts + delta, tz).isoformat()
        )


@pytest.mark.parametrize("name", ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe"])
def test_fast_local_times_across_a_whole_dst_year(name):
    tz = clock.zone(name)
    convert = clock.local_times(tz)
    start = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
    for ts in range(start, start + 366 * 86400, 900):
        assert convert(ts).utcoffset() == datetime.fromtimestamp(ts, tz).utcoffset()
