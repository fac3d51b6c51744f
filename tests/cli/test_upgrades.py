"""Upgrades and the training a major one owes the site's operators; a fault during an upgrade
is major by default (the plan: "升级期间出现故障立即到现场")."""

from __future__ import annotations

import os
import sqlite3

import pytest

NOW = "2026-10-14T10:00"  # conftest's clock (a Wednesday)


def rows(table: str) -> int:
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def ok(cli, *args: str) -> dict:
    r = cli(*args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def refused(cli, *args: str, code: int | None = None) -> str:
    before = {t: rows(t) for t in ("upgrade", "training", "changelog")}
    r = cli(*args)
    assert r.exit_code != 0 and (code is None or r.exit_code == code)
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert {t: rows(t) for t in before} == before  # nothing written
    return r.stderr


def test_a_major_upgrade_owes_a_training_within_the_policy_window(cli, site):
    up = ok(cli, "upgrade", "record", "--site", site, "--version", "3.2", "--major",
            "--at", "2026-10-10T18:00")  # fmt: skip
    assert up["major"] is True and up["training"] == "owed"
    assert up["training_due_at"] == "2026-11-09T18:00:00+08:00"  # 30 days by default
    minor = ok(cli, "upgrade", "record", "--site", site, "--version", "3.2.1",
               "--at", "2026-10-12T18:00")  # fmt: skip
    assert minor["training"] is None and minor["training_due_at"] is None
    t = ok(cli, "training", "record", "--site", site, "--topic", "新版叫号系统操作",
           "--attendees", "12", "--at", "2026-10-13T09:00")  # fmt: skip
    assert t["upgrade"] == "3.2" and t["topic"] == "新版叫号系统操作" and t["attendees"] == 12
    listed = {u["version"]: u for u in ok(cli, "upgrade", "list")}
    assert listed["3.2"]["training"] == "held"
    assert listed["3.2"]["trained_at"] == "2026-10-13T09:00:00+08:00"


def test_a_training_discharges_the_oldest_major_upgrade_before_it(cli, site):
    for version, at in (("3.0", "2026-09-01T18:00"), ("3.1", "2026-10-01T18:00")):
        ok(cli, "upgrade", "record", "--site", site, "--version", version, "--major", "--at", at)
    first = ok(cli, "training", "record", "--site", site, "--topic", "A", "--attendees", "5",
               "--at", "2026-10-02T09:00")  # fmt: skip
    second = ok(cli, "training", "record", "--site", site, "--topic", "B", "--attendees", "5",
                "--at", "2026-10-03T09:00")  # fmt: skip
    assert (first["upgrade"], second["upgrade"]) == ("3.0", "3.1")
    third = ok(cli, "training", "record", "--site", site, "--topic", "C", "--attendees", "5")
    assert third["upgrade"] is None  # nothing owed: a training of its own
    named = ok(cli, "training", "record", "--site", site, "--topic", "D", "--attendees", "5",
               "--upgrade", "3.0")  # fmt: skip
    assert named["upgrade"] == "3.0"


def test_a_training_before_the_only_owed_upgrade_discharges_nothing(cli, site):
    ok(cli, "upgrade", "record", "--site", site, "--version", "4.0", "--major",
       "--at", "2026-10-10T18:00")  # fmt: skip
    early = ok(cli, "training", "record", "--site", site, "--topic", "old", "--attendees", "3",
               "--at", "2026-10-01T09:00")  # fmt: skip
    assert early["upgrade"] is None
    assert ok(cli, "upgrade", "list")[0]["training"] == "owed"


@pytest.mark.parametrize("args, words", [
    (("training", "record", "--site", "BJ-HD", "--topic", "x", "--attendees", "3",
      "--upgrade", "9.9"), "has no upgrade 9.9"),
    (("training", "record", "--site", "BJ-HD", "--topic", "x", "--attendees", "0"),
     "--attendees"),
    (("training", "record", "--site", "BJ-HD", "--topic", "  ", "--attendees", "3"), "--topic"),
    (("training", "record", "--site", "NOPE", "--topic", "x", "--attendees", "3"), "NOPE"),
    (("training", "record", "--site", "BJ-HD", "--topic", "x", "--attendees", "3",
      "--at", "2027-01-01"), "future"),
    (("upgrade", "record", "--site", "BJ-HD", "--version", ""), "--version"),
    (("upgrade", "record", "--site", "BJ-HD", "--version", "3.2\x00"), "NUL"),
    (("upgrade", "record", "--site", "NOPE", "--version", "3.2"), "NOPE"),
    (("upgrade", "record", "--site", "BJ-HD", "--version", "3.2", "--at", "9999-12-31"), ""),
    (("upgrade", "record", "--site", "BJ-HD", "--version", "3.2", "-f", "xml"), "xml"),
])  # fmt: skip
def test_bad_input_gets_one_line_and_writes_nothing(cli, site, args, words):
    assert words in refused(cli, *args)


def test_the_same_upgrade_twice_is_refused_and_a_training_before_it_too(cli, site):
    ok(cli, "upgrade", "record", "--site", site, "--version", "3.2", "--at", "2026-10-10T18:00")
    assert "already upgraded to 3.2" in refused(cli, "upgrade", "record", "--site", site,
                                                "--version", "3.2")  # fmt: skip
    said = refused(cli, "training", "record", "--site", site, "--topic", "x", "--attendees", "2",
                   "--upgrade", "3.2", "--at", "2026-10-09T09:00")  # fmt: skip
    assert "before upgrade 3.2" in said


def test_a_fault_during_an_upgrade_is_major_by_default_and_the_timeline_says_why(cli, site):
    calm = ok(cli, "ticket", "open", "--site", site, "--title", "Printer jams")
    assert calm["severity"] == "normal"
    ok(cli, "upgrade", "record", "--site", site, "--version", "3.2", "--at", "2026-10-14T08:00")
    during = ok(cli, "ticket", "open", "--site", site, "--title", "Screens dark")
    assert during["severity"] == "major"
    shown = ok(cli, "ticket", "show", during["ref"])
    assert "upgrade 3.2" in (shown["events"][0]["note"] or "")
    chosen = ok(cli, "ticket", "open", "--site", site, "--title", "Paper", "--severity", "minor")
    assert chosen["severity"] == "minor"  # said outright, it stands
    cli("site", "add", "SH-PD", "--name", "Shanghai Pudong")
    elsewhere = ok(cli, "ticket", "open", "--site", "SH-PD", "--title", "Screens dark")
    assert elsewhere["severity"] == "normal"


def test_an_upgrade_visit_under_way_makes_a_fault_major_and_a_day_later_it_does_not(cli, site):
    ok(cli, "visit", "start", "--site", site, "--kind", "upgrade", "--at", "2026-10-14T09:00")
    assert ok(cli, "ticket", "open", "--site", site, "--title", "x")["severity"] == "major"
    ok(cli, "upgrade", "record", "--site", "BJ-HD", "--version", "2.0",
       "--at", "2026-10-13T09:59")  # fmt: skip
    visit = ok(cli, "visit", "list")[0]["ref"]
    ok(cli, "visit", "end", visit, "--summary", "upgraded")
    late = ok(cli, "ticket", "open", "--site", site, "--title", "y", "--at", "2026-10-14T10:00")
    assert late["severity"] == "normal"  # the upgrade began more than 24 hours before


def test_the_policy_names_the_severity_of_a_fault_during_an_upgrade(cli, site, tmp_path):
    from svcdesk.resources import default_policy_text

    policy = tmp_path / "p.toml"
    policy.write_text(default_policy_text() + '\n[upgrades]\nfault_severity = "minor"\n',
                      encoding="utf-8")  # fmt: skip
    assert cli("sla", "policy", "load", str(policy), "--at", "2026-10-01T00:00").exit_code == 0
    ok(cli, "upgrade", "record", "--site", site, "--version", "3.2", "--at", "2026-10-14T08:00")
    assert ok(cli, "ticket", "open", "--site", site, "--title", "x")["severity"] == "minor"
    shown = ok(cli, "sla", "policy", "show")
    assert shown["settings"]["upgrades"] == {"fault_severity": "minor"}
    rows = {r["setting"]: r["value"] for r in shown["field_work"]}
    assert rows["upgrades.fault_severity"] == "minor" and rows["training.within"] == "30d"
    assert "servers" in rows["inspections.checklist"]
