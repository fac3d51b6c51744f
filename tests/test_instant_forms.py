"""Instants as engineers type them, and the ones svcdesk refuses in one line."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcdesk import clock
from svcdesk.errors import InvalidValue

SH = ZoneInfo("Asia/Shanghai")
REF = datetime(2026, 10, 14, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.mark.parametrize(
    "text, local",
    [
        ("11:05", "2026-10-14 11:05"),
        ("9:30", "2026-10-14 09:30"),
        ("today 11:05", "2026-10-14 11:05"),
        ("Yesterday  17:30", "2026-10-13 17:30"),
        ("yesterday 17:30:15", "2026-10-13 17:30"),
        ("today", "2026-10-14 00:00"),
    ],
)
def test_times_of_day(text, local):
    got = clock.parse_instant(text, tz=SH, ref=REF)
    assert got.astimezone(SH).strftime("%Y-%m-%d %H:%M") == local


@given(st.integers(0, 23), st.integers(0, 59))
def test_every_time_of_day_today_is_that_time_in_the_display_zone(hour, minute):
    got = clock.parse_instant(f"{hour}:{minute:02d}", tz=SH, ref=REF).astimezone(SH)
    assert (got.date(), got.hour, got.minute) == (REF.astimezone(SH).date(), hour, minute)


@pytest.mark.parametrize(
    "text", ["9999-12-31T23:59", "0001-01-01", "1969-12-31", "2200-01-01", "99999d ago"]
)
def test_instants_out_of_range_are_refused_in_one_line(text):
    with pytest.raises(InvalidValue, match="out of range|invalid"):
        clock.parse_instant(text, tz=SH, ref=REF)


@pytest.mark.parametrize("text", ["25:00", "12:60", "today 7", "tomorrow 10:00"])
def test_impossible_times_of_day_are_refused(text):
    with pytest.raises(InvalidValue):
        clock.parse_instant(text, tz=SH, ref=REF)


def test_out_of_range_on_the_command_line_is_a_usage_error(cli):
    assert cli("init").exit_code == 0
    for args in (
        ("--now", "0001-01-01", "ticket", "list"),
        ("ticket", "list", "--since", "9999-12-31T23:59"),
        ("site", "add", "ZZ", "--name", "z", "--at", "9999-01-01"),
    ):
        got = cli(*args)
        assert got.exit_code == 2, (args, got.stderr)
        assert got.stderr.count("\n") == 1 and "internal error" not in got.stderr
    assert cli("site", "list", "-f", "json").json() == []


def test_every_recording_command_refuses_a_future_instant(cli):
    cli("init")
    got = cli("site", "add", "ZZ", "--name", "z", "--at", "2026-10-15T10:00")
    assert got.exit_code == 2 and "future" in got.stderr
    assert cli("site", "list", "-f", "json").json() == []
    assert cli("site", "add", "ZZ", "--name", "z", "--at", "yesterday 17:30").exit_code == 0
    added = cli("site", "show", "ZZ", "-f", "json").json()
    assert added["created_at"].startswith("2026-10-13T17:30")


def test_quiet_check_prints_nothing_and_answers_with_its_status(cli):
    cli("init")
    cli("site", "add", "BJ", "--name", "Beijing")
    quiet = cli("sla", "overdue", "--check", "-q")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    cli("ticket", "open", "--site", "BJ", "--title", "down", "--severity", "major",
        "--at", "2026-10-10T09:00")  # fmt: skip
    quiet = cli("sla", "overdue", "--check", "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (3, "", "")
    loud = cli("sla", "overdue", "--check")
    assert loud.exit_code == 3 and "down" in loud.stdout


def test_asset_remove_refuses_a_future_instant(cli):
    cli("init")
    cli("site", "add", "BJ", "--name", "Beijing")
    ref = cli("asset", "add", "--site", "BJ", "--kind", "pc", "--serial", "SN-1",
              "-f", "json").json()["ref"]  # fmt: skip
    got = cli("asset", "remove", ref, "--at", "2027-01-01")
    assert got.exit_code == 2 and "future" in got.stderr
    assert cli("asset", "show", "sn-1", "-f", "json").json()["removed_at"] is None
