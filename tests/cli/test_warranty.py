"""Warranty decisions from the command line: check, --for, expiring, and on a ticket."""

from __future__ import annotations

WARRANTY_FIELDS = {"asset", "on", "kind", "age_days", "in_warranty", "repair", "replacement",
                   "support", "reasons"}  # fmt: skip


def add(cli, *args):
    r = cli("asset", "add", "--site", "BJ-HD", *args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()["ref"]


def test_check_answers_each_service_with_reasons(cli, site):
    ref = add(cli, "--kind", "queue_machine", "--serial", "Q1", "--installed", "2023-05-10",
              "--warranty-until", "2025-05-10")  # fmt: skip
    d = cli("warranty", "check", ref, "--on", "2026-05-10", "-f", "json").json()
    assert d.keys() >= WARRANTY_FIELDS
    assert (d["asset"], d["on"], d["kind"], d["age_days"]) == (ref, "2026-05-10", "queue_machine",
                                                                1096)  # fmt: skip
    assert d["in_warranty"] is False
    assert (d["repair"], d["replacement"], d["support"]) == ("free", "free", "free")
    assert any("same services continue" in reason for reason in d["reasons"])
    d = cli("warranty", "check", ref, "--on", "2026-05-11", "-f", "json").json()
    assert d["replacement"] == "not_covered"
    assert any("older than 3 years" in reason for reason in d["reasons"])


def test_for_exits_0_when_covered_free_and_3_otherwise(cli, site):
    ref = add(cli, "--kind", "led", "--serial", "L1", "--installed", "2020-01-01")
    assert cli("warranty", "check", ref, "--for", "repair").exit_code == 0
    r = cli("warranty", "check", ref, "--for", "replacement")
    assert r.exit_code == 3 and "not_covered" in r.stdout
    r = cli("warranty", "check", ref, "--for", "cleaning")
    assert r.exit_code == 2 and "choose from: repair, replacement, support" in r.stderr
    r = cli("warranty", "check", ref, "--on", "someday")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr


def test_expiring_lists_warranty_ends_and_age_limits_in_the_window(cli, site):
    server = add(cli, "--kind", "server", "--serial", "S1", "--installed", "2023-12-01",
                 "--warranty-until", "2026-12-31")  # fmt: skip
    led = add(cli, "--kind", "led_screen", "--serial", "L2", "--installed", "2023-11-30")
    add(cli, "--kind", "software", "--serial", "APP", "--installed", "2020-01-01",
        "--warranty-until", "2099-01-01")  # fmt: skip
    rows = cli("warranty", "expiring", "--within", "90d", "-f", "json").json()
    assert [(r["asset"], r["on"]) for r in rows] == [
        (led, "2026-12-01"),
        (server, "2027-01-01"),
    ]
    assert "replacement no longer covered" in rows[0]["change"]
    assert cli("warranty", "expiring", "--within", "30d", "-f", "json").json() == []
    assert cli("warranty", "expiring", "--within", "-3d").exit_code == 2


def test_ticket_show_carries_the_assets_decision_on_the_tickets_date(cli, site):
    ref = add(cli, "--kind", "queue_machine", "--serial", "Q9", "--installed", "2023-10-01")
    t = cli("ticket", "open", "--asset", ref, "--title", "Blank tickets", "--category",
            "hardware", "--at", "2026-10-14T09:00", "-f", "json").json()  # fmt: skip
    assert t["site"] == "BJ-HD" and t["asset"] == ref
    w = t["warranty"]
    assert (w["asset"], w["on"], w["replacement"]) == (ref, "2026-10-14", "not_covered")
    shown = cli("ticket", "show", t["ref"]).stdout
    assert "replacement not covered" in shown
