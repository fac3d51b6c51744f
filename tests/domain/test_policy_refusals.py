"""Impossible policies are refused at `sla policy check` and `load`, one line per problem, and
nothing is stored; every policy that passes has a calendar that can count any target it sets."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.domain.durations import parse_duration
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.policy_toml import PolicyError, parse_policy
from svcdesk.resources import default_policy_text

DEFAULT = default_policy_text()


def changed(old: str, new: str) -> str:
    assert old in DEFAULT
    return DEFAULT.replace(old, new, 1)


def messages(text: str) -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    return [f"{p.key}: {p.message}" for p in caught.value.problems]


WEEK = 'weekend = ["sat", "sun"]'
HOURS = 'working_hours = ["08:30-12:00", "13:30-17:30"]'


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        (WEEK, 'weekend = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]',
         "weekend: every day of the week is a weekend day"),
        (HOURS, "working_hours = []", "working_hours: must be a non-empty list"),
        (HOURS, 'working_hours = ["12:00-08:30"]', "must start before it ends"),
        (HOURS, 'working_hours = ["22:00-06:00"]', '"22:00-24:00" and "00:00-06:00"'),
        (HOURS, 'working_hours = ["08:30-08:30"]', "is empty"),
        (HOURS, 'working_hours = ["08:30-25:00"]', "does not exist"),
        ('resolve = "1h"', 'resolve = "999999999999d"', "is too long: at most 366d"),
        ('resolve = "1h"', 'resolve = "367d"', "is too long"),
        ('resolve = "1h"', 'resolve = "0h0m"', "zero target"),
        ("extra_holidays = []", 'extra_holidays = ["0001-01-01"]', "outside the years"),
        ("extra_holidays = []", 'extra_holidays = ["2027-10-04", "2027-10-04"]', "listed twice"),
        ("extra_holidays = []", "extra_holidays = [{ name = 'x' }]", "without a date"),
        ("extra_holidays = []", "extra_holidays = [{ date = 2027-10-04, day = 1 }]",
         "unknown key 'day'"),
        ("extra_holidays = []", 'extra_holidays = "2027-10-04"', "must be a list of dates"),
    ],
)  # fmt: skip
def test_an_impossible_policy_says_what_is_wrong(old: str, new: str, said: str) -> None:
    assert any(said in m for m in messages(changed(old, new))), messages(changed(old, new))


def test_a_year_of_extra_holidays_leaves_no_working_time_and_is_refused() -> None:
    days = [(date(2027, 1, 1) + timedelta(n)).isoformat() for n in range(400)]
    found = messages(changed("extra_holidays = []", f"extra_holidays = {days}"))
    assert any("no working day from 2027-01-01" in m for m in found), found
    # a month of company shutdown is a calendar, not an impossibility
    month = [(date(2027, 1, 1) + timedelta(n)).isoformat() for n in range(31)]
    parse_policy(changed("extra_holidays = []", f"extra_holidays = {month}"))


def test_a_duration_too_long_for_any_instant_is_a_usage_error_not_an_overflow() -> None:
    for typed in ("999999999999d", "99999999999999999999w", "100000000h"):
        with pytest.raises(InvalidValue, match="too long"):
            parse_duration(typed)
    assert parse_duration("2w") == timedelta(weeks=2)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (WEEK, 'weekend = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'),
        ('resolve = "1h"', 'resolve = "999999999999d"'),
        (HOURS, 'working_hours = ["17:30-08:30"]'),
    ],
)
def test_check_and_load_refuse_it_in_one_line_each_and_store_nothing(
    cli, env_setup: Path, tmp_path: Path, old: str, new: str
) -> None:
    assert cli("init").exit_code == 0
    file = tmp_path / "impossible.toml"
    file.write_text(changed(old, new), encoding="utf-8")
    for command in ("check", "load"):
        r = cli("sla", "policy", command, str(file))
        assert r.exit_code == 2, r.stderr
        lines = r.stderr.splitlines()
        assert lines[-1] == "svcdesk: error: " + f"{file} has 1 problem; nothing was changed"
        assert len(lines) == 2 and lines[0].startswith(f"{file}:")
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    with sqlite3.connect(env_setup) as conn:
        assert conn.execute("SELECT count(*) FROM policy").fetchone()[0] == 1  # the default


def test_sla_overdue_within_a_huge_duration_is_one_usage_line(cli) -> None:
    assert cli("init").exit_code == 0
    r = cli("sla", "overdue", "--within", "999999999999d")
    assert r.exit_code == 2
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1
    assert "too long" in r.stderr


# ---------------------------------------------------------------- the property

WINDOWS = st.lists(st.integers(0, 24 * 4), min_size=2, max_size=6, unique=True).map(sorted)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def hhmm(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


@st.composite
def calendars(draw: st.DrawFn) -> str:
    bounds = draw(WINDOWS)
    pairs = list(zip(bounds[::2], bounds[1::2], strict=False))
    windows = [f"{hhmm(a)}-{hhmm(b)}" for a, b in pairs]
    weekend = draw(st.sets(st.sampled_from(WEEKDAYS)))
    first = draw(st.dates(date(2026, 1, 1), date(2026, 12, 31)))
    shutdown = [(first + timedelta(n)).isoformat() for n in range(draw(st.integers(0, 450)))]
    country = draw(st.sampled_from(["", "CN"]))
    return (
        DEFAULT.replace(HOURS, f"working_hours = {windows!r}".replace("'", '"'))
        .replace(WEEK, f"weekend = {sorted(weekend)!r}".replace("'", '"'))
        .replace("extra_holidays = []", f"extra_holidays = {shutdown!r}".replace("'", '"'))
        .replace('holidays = "CN"', f'holidays = "{country}"')
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=calendars(),
    start=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)),
    target=st.integers(1, 366 * 86_400),
)
def test_a_policy_that_passes_can_count_any_target_it_could_set(text, start, target) -> None:
    try:
        policy = parse_policy(text)
    except PolicyError:
        return  # refused at check: never reaches a ticket
    cal = policy.calendar("working")
    aware = start.replace(tzinfo=ZoneInfo(policy.timezone))
    due = cal.add(aware, target)  # never "no working time left to count"
    assert due >= aware
    assert cal.between(aware, due) == target


def test_a_stored_policy_an_older_svcdesk_accepted_still_reads_and_fails_in_one_line() -> None:
    from svcdesk.domain.calendar import NoWorkingTime
    from svcdesk.domain.errors import RuleViolation

    text = changed(WEEK, 'weekend = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]')
    stored = parse_policy(text.replace('resolve = "1h"', 'resolve = "400d"'), check_country=False)
    cal = stored.calendar("working")
    with pytest.raises(RuleViolation, match="no working time left") as caught:
        cal.add(datetime(2026, 10, 14, 10, tzinfo=ZoneInfo("Asia/Shanghai")), 3600)
    assert isinstance(caught.value, NoWorkingTime | ValueError)
