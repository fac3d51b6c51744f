"""The service contract, clause by clause, as the default policy enforces it (China, 2025)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from svcdesk.domain import sla
from svcdesk.resources import default_policy
from svcdesk.services.derived import compute_clocks

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SH).timestamp())


def due(severity, category, reported, events=(), *, clock, due_date=None) -> str | None:
    clocks = compute_clocks(
        default_policy(),
        severity=severity,
        category=category,
        opened_at=at(reported),
        due_at=at(due_date) if due_date else None,
        site_tz=None,
        events=[sla.Event(kind, at(when)) for kind, when in events],
    )
    found = {c.name: c for c in clocks}[clock]
    if found.due_at is None:
        return None
    return datetime.fromtimestamp(found.due_at, SH).strftime("%a %Y-%m-%d %H:%M")


CONTRACT = [
    (
        "a major fault reported Friday 23:00 must be restored by Monday 23:00",
        ("major", "hardware", "2025-03-07 23:00", (), "restore"),
        "Mon 2025-03-10 23:00",
    ),
    (
        "an ordinary software fault (1 h target) reported 20 working minutes before the end of "
        "the last working day before the National Day holiday is due 40 working minutes into "
        "the first working day after it",
        ("normal", "software", "2025-09-30 17:10", (), "resolve"),
        "Thu 2025-10-09 09:10",
    ),
    (
        "a fault reported on Sunday 2025-01-26, an in-lieu working day, must be answered within "
        "30 minutes that same Sunday",
        ("normal", "operation", "2025-01-26 09:00", (), "respond"),
        "Sun 2025-01-26 09:30",
    ),
    (
        "a fault reported on Monday 2025-02-03, a Spring Festival holiday, is answered 30 working "
        "minutes into the first working day after the holiday",
        ("minor", "other", "2025-02-03 10:00", (), "respond"),
        "Wed 2025-02-05 09:00",
    ),
    (
        "a major fault is answered within 30 minutes even at 03:00 on a Sunday",
        ("major", "software", "2025-03-09 03:00", (), "respond"),
        "Sun 2025-03-09 03:30",
    ),
    (
        "after an escalation at 16:00 the senior engineer must be on site by 22:00",
        ("normal", "hardware", "2025-03-10 09:00", (("escalated", "2025-03-10 16:00"),), "onsite"),
        "Mon 2025-03-10 22:00",
    ),
    (
        "an ordinary hardware fault reported Monday 09:00 must be fixed within 24 working hours, "
        "by Thursday 10:30",
        ("normal", "hardware", "2025-03-10 09:00", (), "resolve"),
        "Thu 2025-03-13 10:30",
    ),
    (
        "waiting a whole working day for the customer's spare part moves that deadline to Friday",
        (
            "normal",
            "hardware",
            "2025-03-10 09:00",
            (("paused", "2025-03-11 08:30"), ("resumed", "2025-03-12 08:30")),
            "resolve",
        ),
        "Fri 2025-03-14 10:30",
    ),
    (
        "the incident report of an ordinary fault resolved Friday 17:00 is due 24 working hours "
        "later, on Thursday 09:30",
        ("normal", "operation", "2025-03-07 09:00", (("resolved", "2025-03-07 17:00"),), "report"),
        "Thu 2025-03-13 09:30",
    ),
    (
        "the incident report of a major fault resolved Friday 17:00 is due Saturday 17:00",
        ("major", "hardware", "2025-03-07 09:00", (("resolved", "2025-03-07 17:00"),), "report"),
        "Sat 2025-03-08 17:00",
    ),
    (
        "a software fault reopened at 10:00 must be fixed again within an hour of working time",
        (
            "normal",
            "software",
            "2025-03-10 08:30",
            (("resolved", "2025-03-10 09:00"), ("reopened", "2025-03-10 11:30")),
            "resolve",
        ),
        "Mon 2025-03-10 14:00",
    ),
]


@pytest.mark.parametrize(("sentence", "case", "expected"), CONTRACT, ids=[c[0] for c in CONTRACT])
def test_contract(sentence, case, expected):
    severity, category, reported, events, clock = case
    assert due(severity, category, reported, events, clock=clock) == expected, sentence


def test_an_upgrade_is_due_by_the_date_the_customer_asks():
    assert (
        due("upgrade", "software", "2025-03-01 10:00", clock="upgrade", due_date="2025-04-30 00:00")
        == "Wed 2025-04-30 00:00"
    )


def test_a_major_fault_has_no_24_hour_resolve_clock_but_a_72_hour_restore_clock():
    policy = default_policy()
    names = [r.name for r in policy.class_for("major", "software").clocks]
    assert "restore" in names and "resolve" not in names
    assert policy.class_for("normal", "software").clock("resolve").target == 3600
    assert policy.class_for("minor", "hardware").clock("resolve").target == 24 * 3600
