"""The field-work settings of a policy: defaults in code when the TOML names none (the shipped
policy names none), sections a team writes parsed, impossible values refused one line each."""

from __future__ import annotations

from datetime import date

import pytest

from svcdesk.domain.policy import DEFAULT_CHECKLIST, ChecklistItem
from svcdesk.domain.policy_toml import PolicyError, parse_policy
from svcdesk.resources import default_policy_text

DEFAULT = default_policy_text()
DAY = 86_400


def with_sections(extra: str) -> str:
    return f"{DEFAULT}\n{extra}\n"


def problems(text: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, check_country=False)
    return [(p.line, p.key, p.message) for p in caught.value.problems]


def test_the_shipped_policy_gets_the_plans_defaults():
    p = parse_policy(DEFAULT, check_country=False)
    # online support replies every (working) day to email and website requests
    assert p.update.channels == {"email", "web"}
    assert (p.update.every, p.update.basis) == ("1d", "working")
    assert p.update.target == 7 * 3600 + 1800  # one working day of 08:30-12:00, 13:30-17:30
    assert p.consent.pause_resolution is True
    ins = p.inspections
    assert (ins.per_year, ins.contract_start, ins.due_soon) == (4, (1, 1), 14 * DAY)
    assert [i.key for i in ins.checklist] == ["servers", "database", "os", "network", "backups",
                                              "queue_machines", "led_screens", "dvr", "ups"]
    assert ins.checklist == DEFAULT_CHECKLIST
    assert ins.item("dvr") == ChecklistItem("dvr", "DVR recordings", "硬盘录像机录像")
    assert ins.item("printer") is None
    assert ins.year_start(2027) == date(2027, 1, 1)
    assert p.training.within == 30 * DAY
    assert p.upgrades.fault_severity == "major"
    assert p.digest.every == 30 * DAY


def test_every_class_knows_its_update_clock_and_only_the_named_channels_get_it():
    p = parse_policy(DEFAULT, check_country=False)
    for cls in p.classes:
        rule = cls.clock("update")
        assert rule is not None and rule.class_name == cls.name
        assert "at least every 1 working day" in rule.why
    names = [r.name for r in p.clock_rules("normal", "software", "email")]
    assert names == ["respond", "resolve", "onsite", "report", "update"]
    assert "update" not in [r.name for r in p.clock_rules("normal", "software", "phone")]


def test_sections_a_team_writes_are_parsed():
    p = parse_policy(with_sections("""
[update]
channels = ["email", "web", "remote"]
every = "1d4h"
basis = "working"

[consent]
pause_resolution = false

[inspections]
per_year = 6
contract_start = "07-01"
due_soon = "0d"
checklist = [
  { key = "servers", label = "Servers", label_zh = "服务器" },
  { key = "printers", label = "Printers" },
]

[training]
within = "2w"

[upgrades]
fault_severity = "normal"

[digest]
every = "7d"
"""), check_country=False)
    assert p.update.channels == {"email", "web", "remote"}
    assert p.update.target == 27_000 + 4 * 3600  # a working day and four working hours
    assert "1 working day 4h" in p.classes[0].clock("update").why
    assert p.consent.pause_resolution is False
    ins = p.inspections
    assert (ins.per_year, ins.contract_start, ins.due_soon) == (6, (7, 1), 0)
    assert ins.year_start(2026) == date(2026, 7, 1)
    assert ins.checklist[1] == ChecklistItem("printers", "Printers", "Printers")
    assert (p.training.within, p.upgrades.fault_severity, p.digest.every) == (
        14 * DAY, "normal", 7 * DAY)
    shown = p.settings()
    assert shown["update"] == {"channels": ["email", "remote", "web"], "every": "1d4h",
                               "basis": "working", "means": "1 working day 4h"}
    assert shown["inspections"]["contract_start"] == "07-01"
    assert shown["training"] == {"within": "14d"}


def test_around_the_clock_a_day_is_24_hours():
    p = parse_policy(with_sections('[update]\nevery = "1d"\nbasis = "always"'),
                     check_country=False)
    assert p.update.target == DAY
    assert "24h around the clock" in p.classes[0].clock("update").why


def test_an_empty_channel_list_means_no_update_clock():
    p = parse_policy(with_sections("[update]\nchannels = []"), check_country=False)
    assert "update" not in [r.name for r in p.clock_rules("normal", "other", "email")]


@pytest.mark.parametrize(
    ("section", "said"),
    [
        ('[update]\nchannels = ["email", "fax"]', "update.channels: unknown channel 'fax'"),
        ('[update]\nchannels = ["email", "email"]', "'email' is listed twice"),
        ('[update]\nchannels = "email"', "must be a list of channels"),
        ('[update]\nevery = "-1d"', "update.every: negative duration '-1d'"),
        ('[update]\nevery = "0d"', "update.every: zero duration"),
        ('[update]\nevery = "daily"', "update.every: invalid duration 'daily'"),
        ('[update]\nevery = "400d"', "is too long: at most 366d"),
        ('[update]\nbasis = "weekdays"', "update.basis: unknown time basis 'weekdays'"),
        ('[update]\ntime = "always"', 'names its calendar with basis = "working" or "always"'),
        ("[consent]\npause_resolution = \"yes\"", "must be true or false, not 'yes'"),
        ("[inspections]\nper_year = 0", "inspections.per_year: must be a whole number"),
        ("[inspections]\nper_year = 367", "from 1 to 366 a year, not 367"),
        ("[inspections]\nper_year = true", "not True"),
        ("[inspections]\nper_year = 2.5", "not 2.5"),
        ('[inspections]\ncontract_start = "02-29"', "not in every year"),
        ('[inspections]\ncontract_start = "13-01"', "inspections.contract_start: must be a day"),
        ('[inspections]\ncontract_start = "1-1"', "inspections.contract_start"),
        ('[inspections]\ndue_soon = "-14d"', "inspections.due_soon: negative duration"),
        ("[inspections]\nchecklist = []", "an inspection must check something"),
        ('[inspections]\nchecklist = [{ key = "a", label = "A" }, { key = "a", label = "B" }]',
         "item 2: key 'a' is listed twice"),
        ('[inspections]\nchecklist = [{ key = "Servers!", label = "A" }]',
         "key must be lower-case letters"),
        ('[inspections]\nchecklist = [{ key = "a", label = "" }]', "label must be a non-empty"),
        ('[inspections]\nchecklist = [{ key = "a", label = "A", what = 1 }]',
         "unknown key 'what'"),
        ('[training]\nwithin = "-30d"', "training.within: negative duration"),
        ("[training]\nwithin = 30", 'must be a duration string such as "30d", not 30'),
        ('[upgrades]\nfault_severity = "upgrade"', "must be the severity of a fault"),
        ('[digest]\nevery = "0d"', "digest.every: zero duration"),
        ('[digest]\nevry = "30d"', "unknown key 'evry' (did you mean 'every'?)"),
    ],
)  # fmt: skip
def test_an_impossible_setting_is_refused_in_one_line_at_its_line(section: str, said: str):
    text = with_sections(section)
    found = problems(text)
    assert len(found) == 1, found
    line, key, message = found[0]
    assert said in f"{key}: {message}", found
    # the line named is the section's own (they are the file's last lines)
    assert line is not None and line > len(DEFAULT.splitlines())


def test_a_setting_that_is_not_a_table_is_refused():
    text = DEFAULT.replace('weekend = ["sat", "sun"]', 'weekend = ["sat", "sun"]\nupdate = "daily"')
    assert [(k, m) for _, k, m in problems(text)] == [
        ("update", "must be a table ([update]), not 'daily'")]
