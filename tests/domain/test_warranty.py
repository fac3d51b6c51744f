"""Warranty: cases read like the plan; properties check `crossings` day by day."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.domain.policy_toml import PolicyError, parse_policy
from svcdesk.domain.problems import Problem
from svcdesk.domain.warranty import (
    AFTER_WARRANTY,
    LEVELS,
    SERVICES,
    Asset,
    Coverage,
    WarrantyRule,
    WarrantyRules,
    add_years_months,
    crossings,
    decide,
)
from svcdesk.domain.warranty_rules import parse_rules, parse_span
from svcdesk.resources import default_policy, default_policy_text

DAY = timedelta(days=1)
D = date.fromisoformat
RULES = default_policy().warranty_rules()
PAID = parse_policy(
    default_policy_text().replace('after_warranty = "same"', 'after_warranty = "paid"'),
    check_country=False,
).warranty_rules()

OLD_QUEUE = (
    "Queue-ticket machines and LED screens older than 3 years: repair only, no replacement. "
    "(warranty rule 'old queue machines and LED screens')"
)
SERVERS = (
    "Servers, monitors and DVRs: free repair and replacement. "
    "(warranty rule 'servers, monitors and DVRs')"
)


def asset(kind: str, installed: str | None = None, until: str | None = None) -> Asset:
    return Asset(kind, D(installed) if installed else None, D(until) if until else None)


def levels(coverage: Coverage) -> str:
    return " ".join(coverage.level(s) for s in SERVICES)


# ---------------------------------------------------------------- the default policy, as the plan

ALL_FREE = "free free free"
REPAIR_ONLY = "free not_covered free"
NOTHING = "not_covered not_covered not_covered"

CASES = [
    (
        "a queue-ticket machine installed 2023-05-10 is replaced free on 2026-05-10, its third "
        "birthday",
        asset("queue_machine", "2023-05-10"),
        "2026-05-10",
        ALL_FREE,
        True,
    ),
    (
        "...but not on 2026-05-11, when it is older than 3 years: repair only",
        asset("queue_machine", "2023-05-10"),
        "2026-05-11",
        REPAIR_ONLY,
        False,
    ),
    (
        "an LED screen installed on the leap day 2024-02-29 turns 3 on 2027-02-28: still "
        "replaced free that day",
        asset("led_screen", "2024-02-29"),
        "2027-02-28",
        ALL_FREE,
        True,
    ),
    (
        "...and is older than 3 years on 2027-03-01: repair only",
        asset("led_screen", "2024-02-29"),
        "2027-03-01",
        REPAIR_ONLY,
        False,
    ),
    (
        "an LED screen installed 2024-02-28 has the same third birthday, 2027-02-28",
        asset("led_screen", "2024-02-28"),
        "2027-02-28",
        ALL_FREE,
        True,
    ),
    (
        "a queue-ticket machine installed 2025-02-28 turns 3 on 2028-02-28; on the leap day "
        "2028-02-29 it is older than 3 years",
        asset("queue_machine", "2025-02-28"),
        "2028-02-29",
        REPAIR_ONLY,
        False,
    ),
    (
        "...and the leap day before its birthday does not count twice: 2028-02-28 is still free",
        asset("queue_machine", "2025-02-28"),
        "2028-02-28",
        ALL_FREE,
        True,
    ),
    (
        "a queue-ticket machine installed on the leap day 2024-02-29 is 4 on 2028-02-29, older "
        "than 3 years",
        asset("queue_machine", "2024-02-29"),
        "2028-02-29",
        REPAIR_ONLY,
        False,
    ),
    (
        "a server in its warranty gets free repair, replacement and support",
        asset("server", "2024-06-01", "2027-06-01"),
        "2025-01-15",
        ALL_FREE,
        True,
    ),
    (
        "a server's last day of warranty is in warranty",
        asset("server", "2024-06-01", "2027-06-01"),
        "2027-06-01",
        ALL_FREE,
        True,
    ),
    (
        "a server after its warranty end still gets free repair and replacement (lifetime support)",
        asset("server", "2019-06-01", "2022-06-01"),
        "2026-06-02",
        ALL_FREE,
        False,
    ),
    (
        "a monitor is replaced free at 10 years old: no age limit for servers, monitors, DVRs",
        asset("monitor", "2016-03-01"),
        "2026-03-02",
        ALL_FREE,
        False,
    ),
    (
        "a DVR whose recorded warranty end is later than the default period is in warranty",
        asset("dvr", "2020-01-01", "2026-12-31"),
        "2026-06-01",
        ALL_FREE,
        True,
    ),
    (
        "software is supported for life: free at 20 years old",
        asset("software", "2006-05-10"),
        "2026-05-11",
        ALL_FREE,
        False,
    ),
    (
        "a PC, which the plan does not name, is repaired and replaced free like other hardware",
        asset("pc", "2018-01-01"),
        "2026-01-01",
        ALL_FREE,
        False,
    ),
    (
        "a network switch of 5 years is repaired and replaced free",
        asset("network", "2021-01-01"),
        "2026-01-02",
        ALL_FREE,
        False,
    ),
    (
        "a printer, a kind no rule names, gets nothing",
        asset("printer", "2025-01-01", "2028-01-01"),
        "2026-01-01",
        NOTHING,
        True,
    ),
    (
        "an LED screen of unknown age: the 3-year limit cannot apply; out of warranty, the same "
        "services continue",
        asset("led_screen"),
        "2026-01-01",
        ALL_FREE,
        False,
    ),
    (
        "an LED screen of unknown age but a recorded warranty end is in warranty until then",
        asset("led_screen", until="2026-12-31"),
        "2026-01-01",
        ALL_FREE,
        True,
    ),
    (
        "a server with no dates at all is out of warranty, and still covered for life",
        asset("server"),
        "2026-01-01",
        ALL_FREE,
        False,
    ),
]


@pytest.mark.parametrize(
    ("thing", "on", "expected", "in_warranty"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_default_policy_encodes_the_plan(
    thing: Asset, on: str, expected: str, in_warranty: bool
) -> None:
    coverage = decide(RULES, thing, D(on))
    assert levels(coverage) == expected
    assert coverage.in_warranty is in_warranty
    assert coverage.covers("replacement") is (coverage.replacement == "free")


def test_old_queue_machine_reasons_name_the_rule_and_the_clause() -> None:
    coverage = decide(RULES, asset("queue_machine", "2023-05-10"), D("2026-05-11"))
    assert coverage.reasons == (
        f"repair and support free: {OLD_QUEUE}",
        f"replacement not covered: {OLD_QUEUE}",
        "after the warranty ended on 2026-05-10 (installed 2023-05-10 + the policy's warranty "
        "period of 3 years), the same services continue (lifetime support): "
        'after_warranty = "same" in the [warranty] section',
    )
    assert coverage.age_days == 1097
    assert coverage.warranty_until == D("2026-05-10")
    assert not coverage.covers("replacement") and coverage.covers("repair")


def test_a_server_after_its_warranty_end_has_lifetime_support() -> None:
    coverage = decide(RULES, asset("server", "2019-06-01", "2022-06-01"), D("2026-06-02"))
    assert coverage.reasons == (
        f"repair, replacement and support free: {SERVERS}",
        "after the warranty ended on 2022-06-01, the same services continue (lifetime support): "
        'after_warranty = "same" in the [warranty] section',
    )


def test_in_warranty_says_until_when() -> None:
    coverage = decide(RULES, asset("server", "2024-06-01", "2027-06-01"), D("2025-01-15"))
    assert coverage.reasons[-1] == "in warranty until 2027-06-01"


def test_an_unknown_kind_is_not_covered_and_says_why() -> None:
    coverage = decide(RULES, asset("printer", "2025-01-01"), D("2026-01-01"))
    assert coverage.reasons[0] == (
        "repair, replacement and support not covered: no warranty rule covers kind 'printer' "
        "(the policy's kinds are server, monitor, dvr, queue_machine, led_screen, network, pc, "
        "software)"
    )
    assert coverage.reasons[1].startswith("in warranty until 2028-01-01 (installed 2025-01-01 +")


def test_unknown_dates_are_said_so() -> None:
    coverage = decide(RULES, asset("led_screen"), D("2026-01-01"))
    assert coverage.age_days is None and coverage.warranty_until is None
    assert (
        "warranty rule 'old queue machines and LED screens' (older than 3 years) does not apply: "
        "the installation date is unknown" in coverage.reasons
    )
    assert coverage.reasons[-1].startswith(
        "out of warranty: the warranty dates are unknown (no warranty end date and no "
        "installation date recorded), the same services continue (lifetime support)"
    )
    no_period = dataclasses.replace(RULES, warranty_period=None)
    coverage = decide(no_period, asset("server", "2025-01-01"), D("2025-02-01"))
    assert not coverage.in_warranty and coverage.warranty_until is None
    assert (
        "no warranty end date recorded and the policy sets no warranty period"
        in (coverage.reasons[-1])
    )


def test_the_json_shape() -> None:
    coverage = decide(RULES, asset("software", "2006-05-10"), D("2026-05-10"))
    assert coverage.as_dict() == {
        "on": D("2026-05-10"),
        "kind": "software",
        "age_days": 7305,
        "in_warranty": False,
        "warranty_until": D("2009-05-10"),
        "repair": "free",
        "replacement": "free",
        "support": "free",
        "reasons": list(coverage.reasons),
    }
    assert coverage.reasons[0] == (
        "repair, replacement and support free: Software fully supported for life. "
        "(warranty rule 'software')"
    )
    with pytest.raises(ValueError, match="unknown service 'training'"):
        coverage.covers("training")


# ---------------------------------------------------------------- what a team can state instead


def test_after_warranty_paid_makes_what_was_free_paid() -> None:
    server = asset("server", "2019-06-01", "2022-06-01")
    assert levels(decide(PAID, server, D("2022-06-01"))) == ALL_FREE  # last day in warranty
    coverage = decide(PAID, server, D("2022-06-02"))
    assert levels(coverage) == "paid paid paid"
    assert coverage.reasons[-1] == (
        "after the warranty ended on 2022-06-01, what was free is paid (repair, replacement and "
        'support paid): after_warranty = "paid" in the [warranty] section'
    )
    old_queue = decide(PAID, asset("queue_machine", "2020-01-01"), D("2026-01-01"))
    assert levels(old_queue) == "paid not_covered paid"


def test_a_rule_can_set_its_own_after_warranty() -> None:
    rules = WarrantyRules(
        kinds=("server", "software"),
        rules=(
            WarrantyRule("software", frozenset({"software"}), None, "free", "free", "free"),
            WarrantyRule(
                "servers",
                frozenset({"server"}),
                None,
                "free",
                "free",
                "paid",
                after_warranty="not_covered",
                clause="Servers: free in warranty.",
            ),
        ),
        warranty_period=(1, 6),
        after_warranty="paid",
    )
    server = decide(rules, asset("server", "2024-01-31"), D("2025-08-01"))
    assert server.warranty_until == D("2025-07-31")
    assert levels(server) == NOTHING
    assert server.reasons[-1].endswith(
        ", nothing is covered: after_warranty = \"not_covered\" in warranty rule 'servers'"
    )
    assert levels(decide(rules, asset("software", "2024-01-31"), D("2025-08-01"))) == (
        "paid paid paid"
    )


def test_a_kind_whose_only_rule_has_an_age_limit_gets_nothing_while_young() -> None:
    rules = WarrantyRules(
        kinds=("led_screen",),
        rules=(WarrantyRule("old", frozenset({"led_screen"}), (2, 0), "paid", "paid", "free"),),
    )
    young = decide(rules, asset("led_screen", "2024-01-01"), D("2025-01-01"))
    assert levels(young) == NOTHING
    assert young.reasons[0] == (
        "repair, replacement and support not covered: no warranty rule applies to this "
        "led_screen at its age"
    )
    assert levels(decide(rules, asset("led_screen", "2024-01-01"), D("2026-01-02"))) == (
        "paid paid free"
    )
    assert rules.rule_for("led_screen", D("2024-01-01"), D("2026-01-01")) is None
    assert rules.rule_for("led_screen", D("2024-01-01"), D("2026-01-02")) == rules.rules[0]
    assert rules.rule_for("led_screen", None, D("2026-01-02")) is None


# ---------------------------------------------------------------- calendar arithmetic


@pytest.mark.parametrize(
    ("start", "years", "months", "expected"),
    [
        ("2024-02-29", 1, 0, "2025-02-28"),  # no Feb 29 in 2025: the last day of February
        ("2024-02-29", 3, 0, "2027-02-28"),
        ("2024-02-29", 4, 0, "2028-02-29"),  # counted from the install date, not year by year
        ("2023-05-10", 3, 0, "2026-05-10"),
        ("2024-01-31", 0, 1, "2024-02-29"),
        ("2023-01-31", 0, 1, "2023-02-28"),
        ("2024-01-31", 1, 6, "2025-07-31"),
        ("2024-08-31", 0, 18, "2026-02-28"),
        ("2024-12-15", 0, 1, "2025-01-15"),
        ("2024-03-31", 0, -1, "2024-02-29"),
    ],
)
def test_add_years_months(start: str, years: int, months: int, expected: str) -> None:
    assert add_years_months(D(start), years, months) == D(expected)


def test_add_years_months_past_the_calendar() -> None:
    with pytest.raises(OverflowError):
        add_years_months(date(9999, 6, 1), 1, 0)


@pytest.mark.parametrize(
    ("text", "span"),
    [("3y", (3, 0)), ("18m", (1, 6)), ("1y6m", (1, 6)), (" 1Y 6M ", (1, 6)), ("24m", (2, 0))],
)
def test_spans(text: str, span: tuple[int, int]) -> None:
    assert parse_span(text) == span


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-3y", "negative duration '-3y'"),
        ("0y", "zero duration '0y'"),
        ("0y0m", "zero duration"),
        ("3 years", "invalid duration '3 years'"),
        ("36d", "invalid duration '36d'"),
        ("", "invalid duration ''"),
        (3, 'must be a string such as "3y", not 3'),
    ],
)
def test_bad_spans(text: object, message: str) -> None:
    with pytest.raises(ValueError, match="use a positive number of years and months") as info:
        parse_span(text)
    assert message in str(info.value)


# ---------------------------------------------------------------- crossings


def test_crossings_of_a_queue_machine_over_two_years() -> None:
    machine = asset("queue_machine", "2023-05-10", "2025-05-10")
    assert crossings(RULES, machine, D("2025-01-01"), D("2027-01-01")) == [
        (
            D("2025-05-11"),
            "out of warranty (the warranty ran until 2025-05-10): the same services continue "
            "(lifetime support)",
        ),
        (D("2026-05-11"), "turns older than 3 years: replacement no longer covered"),
    ]
    # the window is inclusive at both ends
    assert [d for d, _ in crossings(RULES, machine, D("2025-05-11"), D("2026-05-11"))] == [
        D("2025-05-11"),
        D("2026-05-11"),
    ]
    assert crossings(RULES, machine, D("2025-05-12"), D("2026-05-10")) == []


def test_crossings_on_one_day_are_said_together() -> None:
    screen = asset("led_screen", "2024-02-29")  # the default 3-year warranty ends 2027-02-28
    assert crossings(RULES, screen, D("2026-01-01"), D("2028-12-31")) == [
        (
            D("2027-03-01"),
            "out of warranty (the warranty ran until 2027-02-28); turns older than 3 years: "
            "replacement no longer covered",
        )
    ]


def test_crossings_after_warranty_paid_and_kinds_without_age_limits() -> None:
    server = asset("server", "2019-06-01", "2022-06-01")
    assert crossings(PAID, server, D("2020-01-01"), D("2030-01-01")) == [
        (
            D("2022-06-02"),
            "out of warranty (the warranty ran until 2022-06-01): repair, replacement and "
            "support now paid",
        )
    ]
    assert crossings(RULES, asset("software"), D("2000-01-01"), D("2040-01-01")) == []
    assert crossings(RULES, server, D("2030-01-01"), D("2020-01-01")) == []  # empty window


def test_an_age_limit_that_changes_nothing_is_not_a_crossing() -> None:
    rules = WarrantyRules(
        kinds=("server",),
        rules=(
            WarrantyRule("servers", frozenset({"server"}), None, "free", "free", "free"),
            WarrantyRule("old servers", frozenset({"server"}), (3, 0), "free", "paid", "free"),
        ),
        warranty_period=(3, 0),
    )
    server = asset("server", "2024-02-29")  # in warranty until 2027-02-28
    assert crossings(rules, server, D("2027-01-01"), D("2027-12-31")) == [
        (
            D("2027-03-01"),
            "out of warranty (the warranty ran until 2027-02-28): the same services continue "
            "(lifetime support)",
        )
    ]


# ---------------------------------------------------------------- properties

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = ("a", "b", "c")
days = st.dates(date(2010, 1, 1), date(2040, 12, 31))
spans = st.tuples(st.integers(0, 4), st.integers(0, 11)).filter(lambda s: s != (0, 0))


def _named(rules: list[WarrantyRule]) -> tuple[WarrantyRule, ...]:
    return tuple(dataclasses.replace(r, name=f"rule {i}") for i, r in enumerate(rules, 1))


random_rules = st.builds(
    WarrantyRules,
    kinds=st.just(KINDS),
    rules=st.lists(
        st.builds(
            WarrantyRule,
            name=st.just(""),
            kinds=st.none() | st.frozensets(st.sampled_from(KINDS), min_size=1),
            older_than=st.none() | spans,
            repair=st.sampled_from(LEVELS),
            replacement=st.sampled_from(LEVELS),
            support=st.sampled_from(LEVELS),
            after_warranty=st.sampled_from((None, *AFTER_WARRANTY)),
            clause=st.sampled_from(("", "A clause.")),
        ),
        max_size=4,
    ).map(_named),
    warranty_period=st.none() | spans,
    after_warranty=st.sampled_from(AFTER_WARRANTY),
)


@st.composite
def assets(draw: st.DrawFn, kinds: tuple[str, ...]) -> Asset:
    installed = draw(st.none() | days)
    until = draw(
        st.none()
        | days
        | (st.integers(0, 6 * 365).map(lambda n: installed + timedelta(n)) if installed else days)
    )
    return Asset(draw(st.sampled_from((*kinds, "other"))), installed, until)


def _said(c: Coverage) -> tuple[object, ...]:
    """What a decision says, apart from the day and the age."""
    return (c.in_warranty, c.repair, c.replacement, c.support, c.reasons)


@PROPERTY
@given(
    rules=st.sampled_from((RULES, PAID)) | random_rules,
    data=st.data(),
    length=st.integers(0, 2 * 366),
)
def test_crossings_are_exactly_the_days_the_decision_changes(
    rules: WarrantyRules, data: st.DataObject, length: int
) -> None:
    thing = data.draw(assets(rules.kinds or KINDS))
    # most windows hold a day where something may change (found without `crossings`): the day
    # after the warranty end, or the day after an anniversary that an age limit names
    installed, until = thing.installed_on, rules.warranty_end(thing)
    focus: list[date] = [until + DAY] if until else []
    if installed is not None:
        focus += [
            add_years_months(installed, *r.older_than) + DAY for r in rules.rules if r.older_than
        ]
    if focus and data.draw(st.integers(0, 3)) > 0:
        start = data.draw(st.sampled_from(focus)) - timedelta(data.draw(st.integers(0, length)))
    else:
        start = data.draw(days)
    end = start + timedelta(length)
    said = [_said(decide(rules, thing, start + timedelta(n))) for n in range(-1, length + 1)]
    changed = [start + timedelta(n) for n in range(length + 1) if said[n + 1] != said[n]]
    found = crossings(rules, thing, start, end)
    assert [d for d, _ in found] == changed
    assert all(": " in sentence and not sentence.startswith(":") for _, sentence in found)


RANK = {level: n for n, level in enumerate(LEVELS)}


@PROPERTY
@given(
    rules=st.sampled_from((RULES, PAID)),
    data=st.data(),
    on=days,
    later=st.integers(0, 20 * 366),
)
def test_with_the_default_rules_nothing_gets_better_with_age(
    rules: WarrantyRules, data: st.DataObject, on: date, later: int
) -> None:
    thing = data.draw(assets(rules.kinds))
    before, after = decide(rules, thing, on), decide(rules, thing, on + timedelta(later))
    for service in SERVICES:
        assert RANK[after.level(service)] >= RANK[before.level(service)], (service, before, after)
    assert not (after.in_warranty and not before.in_warranty)


@PROPERTY
@given(rules=random_rules, data=st.data(), on=days)
def test_in_warranty_is_on_or_before_the_warranty_end(
    rules: WarrantyRules, data: st.DataObject, on: date
) -> None:
    thing = data.draw(assets(KINDS))
    coverage = decide(rules, thing, on)
    until = coverage.warranty_until
    assert coverage.in_warranty == (until is not None and on <= until)
    if thing.warranty_until is not None:
        assert until == thing.warranty_until
    assert coverage.age_days == ((on - thing.installed_on).days if thing.installed_on else None)
    assert all(level in LEVELS for level in (coverage.repair, coverage.replacement))


@PROPERTY
@given(start=days, years=st.integers(-5, 5), months=st.integers(-30, 30))
def test_add_years_months_keeps_the_day_or_takes_the_month_end(
    start: date, years: int, months: int
) -> None:
    result = add_years_months(start, years, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == (
        years * 12 + months
    )
    if result.day != start.day:
        assert result.day < start.day and (result + DAY).day == 1  # clamped to the month's end


# ---------------------------------------------------------------- the [warranty] section


def test_the_default_section_parses_to_the_plan() -> None:
    assert RULES.kinds == (
        "server",
        "monitor",
        "dvr",
        "queue_machine",
        "led_screen",
        "network",
        "pc",
        "software",
    )
    assert RULES.warranty_period == (3, 0)
    assert RULES.after_warranty == "same"
    assert [(r.name, r.older_than) for r in RULES.rules] == [
        ("software", None),
        ("servers, monitors and DVRs", None),
        ("old queue machines and LED screens", (3, 0)),
        ("queue machines and LED screens", None),
        ("network equipment and PCs", None),
    ]
    assert all(r.clause for r in RULES.rules)
    assert default_policy().warranty_rules() is RULES  # parsed once


PLAN = (
    "Software fully supported for life; servers, monitors and DVRs: free repair and "
    "replacement; queue-ticket machines and LED screens older than 3 years: repair only, no "
    "replacement; after the warranty period, the same services continue (lifetime support)."
)


def test_every_warranty_rule_in_the_shipped_file_quotes_the_plan_in_a_comment() -> None:
    lines = default_policy_text().splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip() == "[[warranty.rule]]"]
    assert len(headers) == len(RULES.rules)
    plan = PLAN.lower()
    for i in [*headers, lines.index('after_warranty = "same"')]:
        above = i
        while lines[above - 1].startswith("#"):
            above -= 1
        comment = " ".join(line.lstrip("# ") for line in lines[above:i])
        quotes = comment.split('"')[1::2]
        assert quotes, f"line {i + 1} has no comment quoting the plan"
        for quote in quotes:
            assert quote.lower().rstrip(".") in plan, quote


def test_no_section_means_no_rules() -> None:
    assert parse_rules(None) == (WarrantyRules(), [])
    assert parse_rules({}) == (WarrantyRules(), [])
    rules = decide(WarrantyRules(), asset("server", "2025-01-01"), D("2025-06-01"))
    assert levels(rules) == NOTHING


def test_parse_rules_reports_keys_and_keeps_the_valid_rules() -> None:
    rules, problems = parse_rules(
        {
            "kinds": ["server"],
            "period": "18m",
            "rule": [
                {"name": "ok", "repair": "free", "replacement": "paid", "support": "free"},
                {"name": "bad", "repair": "gratis", "replacement": "free", "support": "free"},
            ],
        }
    )
    assert [r.name for r in rules.rules] == ["ok"]
    assert rules.warranty_period == (1, 6)
    assert problems == [
        Problem(
            None,
            "warranty.rule[2].repair",
            "unknown level 'gratis': use free, paid or not_covered",
        )
    ]


BASE = """\
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

SECTION = """
[warranty]
kinds = ["server", "led_screen"]
period = "3y"
after_warranty = "same"

[[warranty.rule]]
name = "servers"
kinds = ["server"]
repair = "free"
replacement = "free"
support = "free"

[[warranty.rule]]
name = "old screens"
kinds = ["led_screen"]
older_than = "3y"
repair = "free"
replacement = "not_covered"
support = "free"

[[warranty.rule]]
name = "screens"
kinds = ["led_screen"]
repair = "free"
replacement = "free"
support = "free"
"""


def problems(text: str) -> list[Problem]:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, check_country=False)
    return info.value.problems


def test_the_test_section_is_valid() -> None:
    policy = parse_policy(BASE + SECTION, check_country=False)
    assert [r.name for r in policy.warranty_rules().rules] == ["servers", "old screens", "screens"]
    assert policy.warranty_rules().kinds == ("server", "led_screen")
    assert parse_policy(BASE, check_country=False).warranty_rules() == WarrantyRules()


# Each case edits SECTION; "# <-" marks the line the problem must name.
BAD_SECTIONS = [
    (
        'period = "3y"',
        'period = "3y"\ncolour = "blue"  # <-',
        "warranty.colour",
        "unknown key 'colour': the [warranty] section takes kinds, period, after_warranty, rule",
    ),
    ('period = "3y"', 'period = "-3y"  # <-', "warranty.period", "negative duration '-3y'"),
    ('period = "3y"', 'period = "0m"  # <-', "warranty.period", "zero duration '0m'"),
    ('period = "3y"', 'period = "3 years"  # <-', "warranty.period", "invalid duration"),
    (
        'after_warranty = "same"',
        'after_warranty = "lifetime"  # <-',
        "warranty.after_warranty",
        "unknown after_warranty 'lifetime': use \"same\"",
    ),
    (
        'kinds = ["server", "led_screen"]',
        'kinds = "server"  # <-',
        "warranty.kinds",
        "must be a list of kind names",
    ),
    (
        'kinds = ["server", "led_screen"]',
        'kinds = ["server", "led_screen", "server"]  # <-',
        "warranty.kinds",
        "'server' is listed twice",
    ),
    (
        'kinds = ["server", "led_screen"]',
        'kinds = ["server", "led_screen", "pc"]  # <-',
        "warranty.kinds",
        "no warranty rule names kind 'pc': its assets would get nothing",
    ),
    (
        'name = "servers"\nkinds = ["server"]',
        'name = "servers"\nkinds = ["server", "printer", "fax"]  # <-',
        "warranty.rule[1].kinds",
        "unknown kinds 'printer', 'fax': the [warranty] kinds are server, led_screen (add new "
        "kinds there)",
    ),
    (
        'kinds = ["server"]',
        'kinds = ["servers"]  # <-',
        "warranty.rule[1].kinds",
        "unknown kind 'servers' (did you mean 'server'?)",
    ),
    (
        'kinds = ["server"]',
        "kinds = []  # <-",
        "warranty.rule[1].kinds",
        "an empty list names no asset",
    ),
    (
        'replacement = "not_covered"',
        'replacement = "none"  # <-',
        "warranty.rule[2].replacement",
        "unknown level 'none': use free, paid or not_covered",
    ),
    (
        'replacement = "not_covered"',
        'replacement = "not covered"  # <-',
        "warranty.rule[2].replacement",
        "unknown level 'not covered' (did you mean 'not_covered'?)",
    ),
    (
        'replacement = "not_covered"\n',
        "",
        "warranty.rule[2].replacement",
        'missing: add replacement = "free" (free, paid or not_covered)',
    ),
    (
        'older_than = "3y"',
        'older_than = "36d"  # <-',
        "warranty.rule[2].older_than",
        "invalid duration '36d': use a positive number of years and months",
    ),
    (
        'older_than = "3y"',
        'older_than = "-3y"  # <-',
        "warranty.rule[2].older_than",
        "negative duration",
    ),
    (
        'older_than = "3y"',
        'older_than = "3y"\nafter_warranty = "free"  # <-',
        "warranty.rule[2].after_warranty",
        "unknown after_warranty 'free'",
    ),
    (
        'older_than = "3y"',
        'older_than = "3y"\nrepare = "free"  # <-',
        "warranty.rule[2].repare",
        "unknown key 'repare' (did you mean 'repair'?): a warranty rule takes name, clause",
    ),
    (
        '[[warranty.rule]]\nname = "old screens"',
        '[[warranty.rule]]  # <-\nclause = "Old screens."',
        "warranty.rule[2]",
        'needs a name: add name = "..."',
    ),
    (
        'name = "screens"',
        'name = "servers"  # <-',
        "warranty.rule[3].name",
        "warranty.rule[1] has the same name 'servers'",
    ),
    (
        '[[warranty.rule]]\nname = "screens"\nkinds = ["led_screen"]',
        '[[warranty.rule]]  # <-\nname = "screens"\nkinds = ["led_screen"]\nolder_than = "5y"',
        "warranty.rule[3]",
        "never applies: earlier rules take every asset it names",
    ),
]


@pytest.mark.parametrize(("old", "new", "key", "message"), BAD_SECTIONS)
def test_a_bad_warranty_section_names_the_problem_its_line_and_key(
    old: str, new: str, key: str, message: str
) -> None:
    assert old in SECTION
    text = BASE + SECTION.replace(old, new, 1)
    marked = [n for n, line in enumerate(text.splitlines(), 1) if line.endswith("# <-")]
    if not marked:  # a missing key: the line of the rule's header
        n = int(key.split("[")[1].split("]")[0])
        headers = [i for i, line in enumerate(text.splitlines(), 1) if line == "[[warranty.rule]]"]
        marked = [headers[n - 1]]
    found = problems(text)
    assert any(p.line == marked[0] and p.key == key and message in p.message for p in found), (
        marked,
        found,
    )


def test_several_warranty_problems_in_line_order_with_the_rest_of_the_policy() -> None:
    text = BASE.replace('resolve = "24h"', 'resolve = "-1h"') + SECTION.replace(
        'period = "3y"', 'period = "0y"'
    ).replace('replacement = "not_covered"', 'replacement = "never"')
    found = problems(text)
    assert [(p.line, p.key) for p in found] == [
        (15, "class[2].resolve"),
        (19, "warranty.period"),
        (34, "warranty.rule[2].replacement"),
    ]
    assert PolicyError(found).lines()[2] == (
        "policy.toml:34: warranty.rule[2].replacement: unknown level 'never': use free, paid or "
        "not_covered"
    )


def test_a_warranty_that_is_not_a_table_or_rules_that_are_not_tables() -> None:
    [p] = problems(BASE.replace('name = "test"', 'name = "test"\nwarranty = 3'))
    assert (p.line, p.key, p.message) == (2, "warranty", "must be a table ([warranty])")
    text = BASE + '\n[warranty]\nkinds = []\nrule = "all free"\n'
    [p] = problems(text)
    assert (p.line, p.key) == (19, "warranty.rule")
    assert p.message.startswith("must be [[warranty.rule]] tables")


def test_a_policy_built_by_hand_with_a_bad_section_refuses_to_give_rules() -> None:
    policy = dataclasses.replace(default_policy(), warranty={"kinds": ["x"], "rule": [{}]})
    with pytest.raises(PolicyError, match=r"warranty\.rule\[1\]: needs a name"):
        policy.warranty_rules()
