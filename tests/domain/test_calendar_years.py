"""Years the calendar doesn't know: China's in-lieu working days are official only once the
`holidays` package lists them; svcdesk says when it guesses, and takes the official dates from
the policy (`extra_holidays`, `extra_workdays`)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.domain import calendar as calendars
from svcdesk.domain.calendar import Guess, WorkCalendar
from svcdesk.domain.policy_toml import PolicyError, parse_policy
from svcdesk.resources import default_policy_text
from svcdesk.services import holiday_cache

OFFICE = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
CN = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country="CN")
H = 3600

# The official 2027 dates a team would type in (illustrative: the State Council's notice).
EXTRAS_2027 = """
extra_holidays = [{ date = 2027-10-06, name = "National Day" }, 2027-10-07]
extra_workdays = ["2027-09-26", { date = 2027-10-09, name = "National Day (in lieu)" }]
"""


def policy_text(extras: str = "") -> str:
    text = re.sub(r"(?m)^extra_(holidays|workdays) = \[\].*\n", "", default_policy_text())
    return text.replace('weekend = ["sat", "sun"]\n', 'weekend = ["sat", "sun"]\n' + extras)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------- which years are official


@pytest.mark.parametrize(
    ("country", "year", "official"),
    [
        ("CN", 2025, True),
        ("CN", 2026, True),  # the package lists 2026's in-lieu Sundays
        ("CN", 2027, False),  # ...and none for 2027 yet
        ("CN", 2031, False),
        ("CN", 2101, False),  # beyond the package's range
        ("US", 2031, True),  # a country without in-lieu days is rules only, every year
    ],
)
def test_a_year_is_official_when_the_package_lists_its_in_lieu_days(country, year, official):
    assert calendars.package_knows_year(country, None, year) is official


def test_a_policy_that_lists_extra_days_in_a_year_makes_it_official() -> None:
    assert CN.guessed_years(2026, 2028) == [2027, 2028]
    typed = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country="CN",
                         extra_workdays=frozenset({date(2027, 10, 9)}))  # fmt: skip
    assert typed.guessed_years(2026, 2028) == [2028]
    assert WorkCalendar(tz="UTC", windows=OFFICE, country=None).guessed_years(2026, 2040) == []


def test_counting_through_a_guessed_year_is_remembered_once_and_only_then() -> None:
    calendars.take_guessed()
    CN.add(at("2026-10-14T10:00+08:00"), 24 * H)  # three working days in October 2026
    assert calendars.take_guessed() == []
    due = CN.add(at("2026-12-31T16:00+08:00"), 24 * H)  # into January 2027
    assert due.year == 2027
    assert calendars.take_guessed() == [Guess("CN", None, 2027)]
    assert calendars.take_guessed() == []  # taken: said once


# ---------------------------------------------------------------- the policy's extra days


def test_the_policy_takes_extra_days_with_or_without_names() -> None:
    policy = parse_policy(policy_text(EXTRAS_2027))
    assert policy.extra_holidays == {date(2027, 10, 6), date(2027, 10, 7)}
    assert policy.extra_workdays == {date(2027, 9, 26), date(2027, 10, 9)}
    assert dict(policy.extra_names) == {date(2027, 10, 6): "National Day",
                                        date(2027, 10, 9): "National Day (in lieu)"}  # fmt: skip
    cal = policy.calendar("working")
    assert cal.is_working_day(date(2027, 10, 9))  # a Saturday the notice makes a working day
    assert not cal.is_working_day(date(2027, 10, 7))  # a Thursday of the golden week
    # a fault reported Wednesday 6 Oct 2027 16:00 with 2 working hours: the golden week and
    # Friday 8th... the clock runs on the in-lieu Saturday the 9th, not Thursday the 7th
    due = cal.add(at("2027-10-06T16:00+08:00"), 2 * H)
    assert due == at("2027-10-08T10:30+08:00")


EXTRA_DAY = st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 12, 31))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(off=st.sets(EXTRA_DAY, max_size=8), on=st.sets(EXTRA_DAY, max_size=8))
def test_extra_days_always_win_and_make_their_year_official(off, on) -> None:
    off -= on
    cal = WorkCalendar(tz="Asia/Shanghai", windows=OFFICE, country="CN",
                       extra_holidays=frozenset(off), extra_workdays=frozenset(on))  # fmt: skip
    for d in on:
        assert cal.is_working_day(d)
        assert cal.is_working_time(datetime.combine(d, time(9), calendars._zone(cal.tz)))
    for d in off:
        assert not cal.is_working_day(d)
    for year in {d.year for d in off | on}:
        assert cal.is_official_year(year)
    assert set(cal.guessed_years(2026, 2029)) == {2027, 2028, 2029} - {d.year for d in off | on}


# ---------------------------------------------------------------- the cached package version


def test_the_package_version_is_read_from_its_metadata_not_unknown() -> None:
    from importlib.metadata import version

    holiday_cache.holidays_version.cache_clear()
    assert holiday_cache.holidays_version() == version("holidays") != "unknown"


def test_a_changed_package_version_caches_the_days_again(cli, env_setup: Path, monkeypatch):
    def opened(title: str) -> None:
        r = cli("ticket", "open", "--site", "BJ-HD", "--title", title, "--category", "hardware",
                "--at", "2026-10-14T09:00", "-f", "json")  # fmt: skip
        assert r.exit_code == 0, r.stderr

    def versions() -> set[str]:
        with sqlite3.connect(env_setup) as conn:
            rows = conn.execute("SELECT package FROM holiday_cache").fetchall()
        return {row[0].removesuffix("+known") for row in rows}

    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Haidian", "-f", "json").exit_code == 0
    monkeypatch.setattr(holiday_cache, "holidays_version", lambda: "0.1")
    opened("cached under the old version")
    assert versions() == {"0.1"}
    monkeypatch.setattr(holiday_cache, "holidays_version", lambda: "0.2")
    r = cli("ticket", "open", "--site", "BJ-HD", "--title", "after the upgrade",
            "--category", "hardware", "--at", "2026-10-14T09:30", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert versions() == {"0.2"}  # read again, the old rows dropped
    assert "holidays package changed (0.1 -> 0.2)" in r.stderr
    assert "sla recompute" in r.stderr


# ---------------------------------------------------------------- what the commands say


def open_at(cli, when: str):
    return cli("ticket", "open", "--site", "BJ-HD", "--title", "LED screen dark",
               "--category", "hardware", "--at", when, "-f", "json")  # fmt: skip


@pytest.fixture
def desk(cli, monkeypatch):
    monkeypatch.setenv("SVCDESK_NOW", "2026-12-31T17:00:00+08:00")
    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Haidian", "-f", "json").exit_code == 0
    return cli


def test_a_deadline_in_a_guessed_year_is_said_once_on_stderr(desk) -> None:
    r = open_at(desk, "2026-12-31T16:00")  # resolve within 24 working hours: January 2027
    assert r.exit_code == 0, r.stderr
    assert r.json()["ref"]  # stdout is still the record alone
    lines = [line for line in r.stderr.splitlines() if "estimated" in line]
    assert len(lines) == 1
    assert "2027" in lines[0] and "CN" in lines[0] and "extra_holidays" in lines[0]
    r = open_at(desk, "2026-12-14T09:00")  # all its deadlines in December 2026
    assert r.exit_code == 0 and "estimated" not in r.stderr


def test_a_policy_with_the_official_dates_stops_the_guessing(desk, tmp_path: Path) -> None:
    file = tmp_path / "2027.toml"
    file.write_text(policy_text(EXTRAS_2027), encoding="utf-8")
    r = desk("sla", "policy", "load", str(file), "--at", "2026-12-01T00:00")
    assert r.exit_code == 0, r.stderr
    assert "2027" not in r.stderr.split("estimated")[0]  # only 2028 is left to guess
    r = open_at(desk, "2026-12-31T16:00")
    assert r.exit_code == 0 and "estimated" not in r.stderr
    shown = desk("sla", "policy", "show", "-f", "json").json()
    assert shown["guessed_years"] == [2028]
    assert {"date": "2027-10-09", "name": "National Day (in lieu)"} in shown["extra_workdays"]


def test_policy_show_and_db_check_say_which_years_are_guessed(desk) -> None:
    r = desk("sla", "policy", "show")
    assert r.exit_code == 0
    assert "2027" in r.stdout and "guessed" in r.stdout
    assert desk("sla", "policy", "show", "-f", "json").json()["guessed_years"] == [2027, 2028]
    r = desk("db", "check")
    assert r.exit_code == 0  # a note, not a broken database
    assert "2027" in r.stderr and "estimated" in r.stderr


def test_policy_check_says_so_too(cli, tmp_path: Path) -> None:
    file = tmp_path / "p.toml"
    file.write_text(policy_text(), encoding="utf-8")
    r = cli("sla", "policy", "check", str(file))
    assert r.exit_code == 0
    assert "ok" in r.stderr and "estimated" in r.stderr


def test_bad_extra_days_are_refused_with_their_line(tmp_path: Path, cli) -> None:
    bad = policy_text(
        'extra_holidays = ["2027-02-30"]\nextra_workdays = [2027-10-09, 2027-10-09]\n'
    )
    file = tmp_path / "bad.toml"
    file.write_text(bad, encoding="utf-8")
    r = cli("sla", "policy", "check", str(file))
    assert r.exit_code == 2
    assert "bad date '2027-02-30'" in r.stderr and "listed twice" in r.stderr
    assert "Traceback" not in r.stderr
    with pytest.raises(PolicyError):
        parse_policy(bad)


def test_guesses_in_utc_days_are_local_days() -> None:
    # 2027-01-01 00:30 in Shanghai is still 2026 in UTC: the local year counts
    calendars.take_guessed()
    CN.is_working_time(datetime(2026, 12, 31, 16, 30, tzinfo=UTC) + timedelta(0))
    assert Guess("CN", None, 2027) in calendars.take_guessed()
