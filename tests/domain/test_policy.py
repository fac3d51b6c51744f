"""The policy file: the default encodes the plan; a bad file gets every problem, with its line."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, time

import pytest

from svcdesk.domain.calendar import END_OF_DAY, WorkCalendar
from svcdesk.domain.errors import InvalidValue
from svcdesk.domain.policy import ClockRule
from svcdesk.domain.policy_toml import PolicyError, parse_policy
from svcdesk.domain.problems import Problem
from svcdesk.domain.tickets import CATEGORIES, SEVERITIES
from svcdesk.resources import default_policy, default_policy_text

M, H = 60, 3600

MAJOR = {
    "respond": (30 * M, "always"),
    "restore": (72 * H, "always"),
    "onsite": (6 * H, "always"),
    "report": (24 * H, "always"),
}
UPGRADE = {"upgrade": (None, "always")}


def ordinary(resolve: int) -> dict[str, tuple[int | None, str]]:
    return {
        "respond": (30 * M, "working"),
        "resolve": (resolve, "working"),
        "onsite": (6 * H, "always"),
        "report": (24 * H, "working"),
    }


# ---------------------------------------------------------------- the default policy


def test_the_default_policy_passes_every_check_including_the_holidays_country() -> None:
    policy = parse_policy(default_policy_text(), check_country=True)
    assert policy == default_policy()
    assert policy.name == "Tax-bureau after-sales plan"
    assert policy.timezone == "Asia/Shanghai"
    assert policy.country == "CN"
    assert policy.windows == ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    assert policy.weekend == frozenset({5, 6})
    assert policy.warranty["kinds"][0] == "server"  # kept raw for the warranty rules
    assert [c.name for c in policy.classes] == [
        "major fault",
        "upgrade request",
        "ordinary software fault",
        "ordinary hardware fault",
        "ordinary fault",
    ]


@pytest.mark.parametrize(
    ("severity", "category", "cls", "clocks"),
    [
        ("major", "software", "major fault", MAJOR),
        ("major", "hardware", "major fault", MAJOR),
        ("major", "other", "major fault", MAJOR),
        ("upgrade", "software", "upgrade request", UPGRADE),
        ("upgrade", "other", "upgrade request", UPGRADE),
        ("normal", "software", "ordinary software fault", ordinary(1 * H)),
        ("minor", "software", "ordinary software fault", ordinary(1 * H)),
        ("normal", "hardware", "ordinary hardware fault", ordinary(24 * H)),
        ("minor", "hardware", "ordinary hardware fault", ordinary(24 * H)),
        ("normal", "operation", "ordinary fault", ordinary(24 * H)),
        ("minor", "environment", "ordinary fault", ordinary(24 * H)),
        ("normal", "other", "ordinary fault", ordinary(24 * H)),
    ],
)
def test_the_default_policy_gives_each_ticket_the_plans_clocks(
    severity: str, category: str, cls: str, clocks: dict[str, tuple[int | None, str]]
) -> None:
    chosen = default_policy().class_for(severity, category)
    assert chosen.name == cls
    assert {r.name: (r.target, r.basis) for r in chosen.clocks} == clocks
    assert all(r.class_name == cls for r in chosen.clocks)


def test_every_severity_and_category_has_a_class() -> None:
    policy = default_policy()
    for severity in SEVERITIES:
        for category in CATEGORIES:
            assert policy.class_for(severity, category).clocks


@pytest.mark.parametrize(
    ("severity", "category", "clock", "why"),
    [
        (
            "major",
            "hardware",
            "restore",
            "major fault: restore within 72h around the clock (Major system fault (system "
            "crash, third-party software errors, hardware damage): restored within 72 hours.)",
        ),
        (
            "normal",
            "software",
            "resolve",
            "ordinary software fault: resolve within 1h of working time "
            "(Ordinary software fault: handled within 1 hour.)",
        ),
        (
            "minor",
            "other",
            "onsite",
            "ordinary fault: be on site within 6h around the clock (If the on-site engineer "
            "cannot fix it: escalate; a senior engineer must be on site within 6 hours of the "
            "escalation.)",
        ),
        (
            "upgrade",
            "software",
            "upgrade",
            "upgrade request: upgrade by the ticket's due date "
            "(Product upgrade: by the date the customer asks.)",
        ),
    ],
)
def test_why_names_the_class_and_the_clause(
    severity: str, category: str, clock: str, why: str
) -> None:
    rule = default_policy().class_for(severity, category).clock(clock)
    assert rule is not None
    assert rule.why == why


def test_why_without_a_clause_and_with_minutes() -> None:
    rule = ClockRule("respond", 90 * M, "working", "", "triage")
    assert rule.why == "triage: respond within 1h30m of working time"


def test_every_target_in_the_shipped_file_carries_a_comment() -> None:
    lines = default_policy_text().splitlines()
    for i, line in enumerate(lines):
        if line.split("=")[0].strip() in ("respond", "onsite", "resolve", "restore", "report"):
            assert lines[i - 1].startswith("#"), f"line {i + 1} has no comment: {line}"


# ---------------------------------------------------------------- calendars


def test_calendar_always_counts_every_second() -> None:
    policy = default_policy()
    assert policy.calendar("always") == WorkCalendar.always("Asia/Shanghai")
    assert policy.calendar("always", "Europe/Berlin") == WorkCalendar.always("Europe/Berlin")


def test_calendar_working_is_the_chinese_office_calendar() -> None:
    policy = default_policy()
    cal = policy.calendar("working")
    assert cal.tz == "Asia/Shanghai" and cal.country == "CN"
    assert cal.windows == ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    assert cal.is_working_day(date(2025, 1, 26))  # Sunday, in-lieu workday
    assert not cal.is_working_day(date(2025, 2, 3))  # Monday of the Spring Festival
    assert policy.calendar("working") is cal  # cached
    assert policy.calendar("working", "Asia/Urumqi").tz == "Asia/Urumqi"  # a site's zone


def test_calendar_refuses_an_unknown_basis_or_zone() -> None:
    with pytest.raises(InvalidValue, match="unknown time basis"):
        default_policy().calendar("sometimes")
    with pytest.raises(InvalidValue, match="unknown time zone"):
        default_policy().calendar("working", "Mars/Olympus")


def test_24_00_ends_a_window_and_weekend_days_are_configurable() -> None:
    text = GOOD.replace(
        'working_hours = ["08:30-12:00", "13:30-17:30"]',
        'working_hours = ["00:00-24:00"]\nweekend = ["fri"]\nextra_holidays = [2026-12-31]',
    )
    policy = parse_policy(text)
    assert policy.windows == ((time(0), END_OF_DAY),)
    assert policy.weekend == frozenset({4})
    assert policy.extra_holidays == frozenset({date(2026, 12, 31)})
    assert policy.country is None


def test_importing_the_module_does_not_import_holidays() -> None:
    code = "import sys, svcdesk.domain.policy_toml; sys.exit('holidays' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---------------------------------------------------------------- bad policies

# line numbers:  1 name, 2 timezone, 3 holidays, 4 working_hours, 6 [[class]] upgrade,
# 9 upgrade, 11 [[class]] catch-all, 12 name, 13 match, 14 respond, 15 resolve
GOOD = """\
name = "test"
timezone = "Asia/Shanghai"
holidays = ""
working_hours = ["08:30-12:00", "13:30-17:30"]

[[class]]
name = "upgrade"
match = { severity = "upgrade" }
upgrade = "due"

[[class]]
name = "all"
match = {}
respond = "30m"
resolve = "24h"
"""


def problems(text: str, *, check_country: bool = False) -> list[Problem]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, check_country=check_country)
    return info.value.problems


def test_the_test_base_is_valid() -> None:
    assert [c.name for c in parse_policy(GOOD).classes] == ["upgrade", "all"]


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "message"),
    [
        ('resolve = "24h"', 'resolve = "-1h"', 15, "class[2].resolve", "negative target '-1h'"),
        ('resolve = "24h"', 'resolve = "0h"', 15, "class[2].resolve", "zero target '0h'"),
        ('resolve = "24h"', 'resolve = "abc"', 15, "class[2].resolve", "invalid target 'abc'"),
        ('resolve = "24h"', "resolve = 24", 15, "class[2].resolve", "must be a string"),
        (
            'resolve = "24h"',
            'fix = "24h"',
            15,
            "class[2].fix",
            "unknown clock 'fix': the clocks are respond, onsite, resolve, restore, report, "
            "upgrade",
        ),
        (
            'resolve = "24h"',
            'resolv = "24h"',
            15,
            "class[2].resolv",
            "unknown clock 'resolv' (did you mean 'resolve'?)",
        ),
        (
            'respond = "30m"',
            'clasue = "x"',
            14,
            "class[2].clasue",
            "unknown key 'clasue' (did you mean 'clause'?): a class takes name, clause",
        ),
        (
            '"08:30-12:00", "13:30-17:30"',
            '"08:00-12:00", "11:00-13:00"',
            4,
            "working_hours",
            "window '11:00-13:00' overlaps or comes before '08:00-12:00'",
        ),
        (
            '"08:30-12:00", "13:30-17:30"',
            '"13:30-17:30", "08:30-12:00"',
            4,
            "working_hours",
            "overlaps or comes before",
        ),
        ('"13:30-17:30"', '"17:30-13:30"', 4, "working_hours", "must start before it ends"),
        ('"13:30-17:30"', '"13:30-25:00"', 4, "working_hours", "does not exist"),
        ('"13:30-17:30"', '"1330-1730"', 4, "working_hours", "is not HH:MM-HH:MM"),
        ('resolve = "24h"', 'resolve = "24h"\nrestore = "72h"', 16, "class[2].restore", "both"),
        ('resolve = "24h"', 'resolve = "due"', 15, "class[2].resolve", "only for the upgrade"),
        ('upgrade = "due"', 'upgrade = "3d"', 9, "class[1].upgrade", 'upgrade takes "due"'),
        (
            'resolve = "24h"',
            'resolve = "24h"\nupgrade = "due"',
            16,
            "class[2].upgrade",
            "also matches severity major, normal, minor",
        ),
        (
            'holidays = ""',
            'holidays = ""\nweekend = ["sat", "sunday2"]',
            4,
            "weekend",
            "unknown day 'sunday2': use mon, tue, wed, thu, fri, sat, sun",
        ),
        (
            'holidays = ""',
            'holidays = ""\nextra_workdays = ["2026-02-30"]',
            4,
            "extra_workdays",
            "bad date '2026-02-30': use YYYY-MM-DD",
        ),
        (
            "match = {}",
            'match = { severity = "critical" }',
            13,
            "class[2].match.severity",
            "unknown severity 'critical': choose from major, normal, minor, upgrade",
        ),
        (
            "match = {}",
            'match = { priority = "high" }',
            13,
            "class[2].match.priority",
            "unknown key 'priority': use severity, category",
        ),
        (
            'respond = "30m"',
            'respond = { target = "30m", time = "sometimes" }',
            14,
            "class[2].respond.time",
            "unknown time basis 'sometimes': use \"working\"",
        ),
        (
            'respond = "30m"',
            'respond = { target = "-30m", time = "always" }',
            14,
            "class[2].respond.target",
            "negative target '-30m'",
        ),
        (
            'respond = "30m"',
            'respond = { time = "always" }',
            14,
            "class[2].respond.target",
            "missing",
        ),
        ('name = "all"\n', "", 11, "class[2]", "needs a name"),
        (
            'timezone = "Asia/Shanghai"',
            'timezone = "Asia/Beijing"',
            2,
            "timezone",
            "unknown time zone 'Asia/Beijing'",
        ),
        ('name = "test"\n', "", None, "name", "missing: add name ="),
        ('name = "test"', 'name = "test"\nsla = 1', 2, "sla", "unknown key 'sla'"),
        (
            'resolve = "24h"\n',
            'resolve = "24h"\n\n[clocks.respond]\ntarget = "30m"\n',
            17,
            "clocks",
            "unknown key 'clocks'",
        ),
        ('[[class]]\nname = "all"', '[[klass]]\nname = "all"', 11, "klass", "unknown key"),
        ('resolve = "24h"', "resolve = 24h", 15, "", "not valid TOML"),
        ('"13:30-17:30"]', '"13:30-17:30"', 6, "", "Unclosed array"),  # found at [[class]]
    ],
)
def test_a_bad_policy_names_the_problem_its_line_and_key(
    old: str, new: str, line: int | None, key: str, message: str
) -> None:
    assert old in GOOD
    found = problems(GOOD.replace(old, new, 1))
    assert any(p.line == line and p.key == key and message in p.message for p in found), found


def test_an_unknown_holidays_country_or_subdivision() -> None:
    text = GOOD.replace('holidays = ""', 'holidays = "XX"')
    assert parse_policy(text, check_country=False).country == "XX"  # not checked on request
    [p] = problems(text, check_country=True)
    assert (p.line, p.key) == (3, "holidays")
    assert p.message.startswith("unknown holidays country 'XX'")
    [p] = problems(GOOD.replace('holidays = ""', 'holidays = "cn"'), check_country=True)
    assert "did you mean 'CN'" in p.message
    text = GOOD.replace('holidays = ""', 'holidays = "DE"\nsubdivision = "ZZ"')
    [p] = problems(text, check_country=True)
    assert (p.line, p.key) == (4, "subdivision")
    assert "unknown subdivision 'ZZ' of DE: choose from BB, BE, BW, BY" in p.message
    assert parse_policy(text.replace('"ZZ"', '"BY"')).subdivision == "BY"


def test_a_missing_catch_all_names_every_uncovered_ticket() -> None:
    found = problems(GOOD.replace("match = {}", 'match = { category = "software" }'))
    messages = [p.message for p in found if p.key == "class"]
    assert all(p.line is None for p in found if p.key == "class")
    assert (
        "no class matches severity=major, category=operation: add a catch-all class with "
        "match = {} at the end" in messages
    )
    assert "no class matches severity=normal, category=other: " in "\n".join(messages)
    assert not any("category=software" in m for m in messages)
    assert len(messages) == 3 * (len(CATEGORIES) - 1)


def test_no_class_at_all() -> None:
    [p] = problems(GOOD.split("[[class]]")[0])
    assert (p.line, p.key) == (None, "class")
    assert "no [[class]] tables" in p.message


def test_upgrade_requests_need_an_upgrade_clock() -> None:
    text = GOOD.replace('[[class]]\nname = "upgrade"\nmatch = { severity = "upgrade" }\n', "")
    text = text.replace('upgrade = "due"\n\n', "")
    [p] = problems(text)
    assert (p.line, p.key) == (6, "class[1]")
    assert "upgrade requests (severity=upgrade) fall in this class" in p.message


def test_a_class_that_can_never_apply() -> None:
    text = GOOD + '\n[[class]]\nname = "late"\nmatch = { severity = "major" }\nrespond = "1h"\n'
    [p] = problems(text)
    assert (p.line, p.key) == (17, "class[3]")
    assert p.message.startswith("never applies")


def test_a_class_without_clocks_and_duplicate_names() -> None:
    text = GOOD.replace('respond = "30m"\nresolve = "24h"\n', "").replace('"all"', '"upgrade"')
    found = problems(text)
    assert [(p.line, p.key) for p in found] == [(11, "class[2]"), (12, "class[2].name")]
    assert found[0].message.startswith("has no clocks: give it at least one of respond, onsite")


def test_several_problems_are_all_reported_in_line_order() -> None:
    text = (
        GOOD.replace('timezone = "Asia/Shanghai"', 'timezone = "Nowhere/Town"')
        .replace('"13:30-17:30"', '"11:00-13:00"')
        .replace('resolve = "24h"', 'resolve = "-1h"\nrestore = "72h"')
    )
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    err = info.value
    assert [(p.line, p.key) for p in err.problems] == [
        (2, "timezone"),
        (4, "working_hours"),
        (15, "class[2].resolve"),
        (16, "class[2].restore"),
    ]
    assert "\n" not in err.message
    assert err.message.startswith(
        "policy has 4 problems: line 2 timezone: unknown time zone 'Nowhere/Town'"
    )
    assert "; line 15 class[2].resolve: negative target '-1h'" in err.message
    assert err.lines("team.toml")[2].startswith(
        "team.toml:15: class[2].resolve: negative target '-1h': a target is a positive duration"
    )
    assert isinstance(err, InvalidValue)


def test_problem_formats() -> None:
    assert (
        Problem(12, "class[2].resolve", "bad").format() == "policy.toml:12: class[2].resolve: bad"
    )
    assert Problem(None, "name", "missing").format("p.toml") == "p.toml: name: missing"
    assert Problem(3, "", "not valid TOML: x").format("p.toml") == "p.toml:3: not valid TOML: x"
    assert str(Problem(None, "class", "none")) == "class: none"
    assert str(PolicyError([Problem(1, "name", "bad")])) == "policy has 1 problem: line 1 name: bad"


def test_a_toml_syntax_error_is_one_problem_with_its_line_and_column() -> None:
    [p] = problems(GOOD.replace('resolve = "24h"', "resolve = 24h"))
    assert p.line == 15
    assert p.message.startswith("not valid TOML: ") and "(column " in p.message
    assert p.format().startswith("policy.toml:15: not valid TOML: ")


def test_keys_inside_multi_line_strings_do_not_confuse_line_numbers() -> None:
    text = GOOD.replace(
        'name = "all"', 'name = "all"\nnote = """\n[[class]]\nresolve = "x"\n"""'
    ).replace('resolve = "24h"', 'resolve = "-1h"')
    [p] = problems(text)
    assert (p.line, p.key) == (19, "class[2].resolve")
