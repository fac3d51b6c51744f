"""The plan's online support "replies every day" to requests by email or the website: an
`update` clock restarted by each reply (`ticket respond`, `ticket comment --public`)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from svcdesk.resources import default_policy_text

SH = ZoneInfo("Asia/Shanghai")
CLOCK_FIELDS = {"ticket", "name", "due_at", "state", "met_at", "seconds_left"}


def open_ticket(cli, *args, at="2026-10-12T09:00"):  # a Monday
    r = cli("ticket", "open", "--site", "BJ-HD", "--title", "Filing app error", "--category",
            "software", "--at", at, "-f", "json", *args)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()


def clocks(rec) -> dict:
    return {c["name"]: c for c in rec["clocks"]}


def test_an_email_ticket_has_an_update_clock_and_a_phone_ticket_none(cli, site):
    mail = open_ticket(cli, "--channel", "email")
    assert [c["name"] for c in mail["clocks"]] == ["respond", "update", "resolve"]
    update = clocks(mail)["update"]
    assert update.keys() >= CLOCK_FIELDS
    assert update["due_at"] == "2026-10-13T09:00:00+08:00"  # a working day later
    web = open_ticket(cli, "--channel", "web")
    assert "update" in clocks(web)
    phone = open_ticket(cli, "--channel", "phone")
    assert "update" not in clocks(phone)
    # a ticket moved to email by an edit gains it, counted from its report
    moved = cli("ticket", "edit", phone["ref"], "--channel", "email", "-f", "json").json()
    assert clocks(moved)["update"]["due_at"] == "2026-10-13T09:00:00+08:00"


def test_two_working_days_without_a_reply_show_as_breached_in_overdue_and_status(cli, site):
    # conftest's now: Wednesday 2026-10-14 10:00; the ticket came by email on Monday 09:00
    t = open_ticket(cli, "--channel", "email")
    cli("ticket", "respond", t["ref"], "--at", "2026-10-12T09:10")
    cli("ticket", "comment", t["ref"], "internal: asked the vendor", "--at", "2026-10-12T11:00")
    r = cli("sla", "overdue", "-f", "json")
    assert r.exit_code == 0
    update = [c for c in r.json() if c["name"] == "update"]
    assert [(c["ticket"], c["state"], c["due_at"]) for c in update] == [
        (t["ref"], "breached", "2026-10-13T09:10:00+08:00")]
    assert update[0]["seconds_left"] == -(24 * 3600 + 50 * 60)
    assert cli("sla", "overdue", "--check").exit_code == 3
    status = {c["name"]: c for c in cli("sla", "status", t["ref"], "-f", "json").json()}
    assert status["update"]["state"] == "breached"
    assert "reply to the customer at least every 1 working day" in status["update"]["why"]
    text = cli("sla", "status", t["ref"], "-f", "plain").stdout
    assert any(line.split()[:2] == ["update", "breached"] for line in text.splitlines())
    board = cli("sla", "board", "-f", "json").json()
    assert board[0]["ticket"] == t["ref"]


def test_a_public_comment_is_a_reply_that_restarts_it(cli, site):
    t = open_ticket(cli, "--channel", "email")
    r = cli("ticket", "comment", t["ref"], "--public", "Patch is on its way", "--at",
            "2026-10-13T16:00", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    rec = r.json()
    assert clocks(rec)["update"]["due_at"] == "2026-10-14T16:00:00+08:00"
    assert clocks(rec)["update"]["state"] == "running"
    assert clocks(rec)["respond"]["state"] == "breached"  # a comment is no substantive response
    reply = rec["events"][-1]
    assert (reply["kind"], reply["note"]) == ("replied", "Patch is on its way")
    shown = cli("ticket", "show", t["ref"], "-f", "plain").stdout
    assert "reply to the customer: Patch is on its way" in shown
    # off the overdue list, onto it again once the next reply is late
    assert [c["name"] for c in cli("sla", "overdue", "-f", "json").json()] == ["respond",
                                                                                "resolve"]
    later = cli("--now", "2026-10-14T16:30", "sla", "overdue", "-f", "json").json()
    assert [c["name"] for c in later] == ["respond", "resolve", "update"]
    # a respond is a reply too
    r = cli("ticket", "respond", t["ref"], "--at", "2026-10-14T09:00", "-f", "json")
    assert clocks(r.json())["update"]["due_at"] == "2026-10-15T09:00:00+08:00"


def test_resolving_stops_it_and_a_private_comment_never_restarts_it(cli, site):
    t = open_ticket(cli, "--channel", "email", at="2026-10-14T08:30")
    r = cli("ticket", "comment", t["ref"], "note to self", "--at", "2026-10-14T09:00", "-f",
            "json")  # fmt: skip
    # opened at the start of the working day: due at its end
    assert clocks(r.json())["update"]["due_at"] == "2026-10-14T17:30:00+08:00"
    r = cli("ticket", "resolve", t["ref"], "--note", "fixed", "--at", "2026-10-14T09:30", "-f",
            "json")  # fmt: skip
    update = clocks(r.json())["update"]
    assert (update["state"], update["met_at"]) == ("met", "2026-10-14T09:30:00+08:00")
    r = cli("ticket", "comment", t["ref"], "--public", "Glad it works", "-f", "json")
    assert r.exit_code == 0 and clocks(r.json())["update"]["state"] == "met"
    assert all(c["name"] != "update" for c in cli("sla", "overdue", "-f", "json").json())


def test_a_policy_chooses_the_channels_and_the_interval(cli, site, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(default_policy_text() + '\n[update]\nchannels = ["phone"]\nevery = "4h"\n'
                      'basis = "always"\n', encoding="utf-8")  # fmt: skip
    r = cli("sla", "policy", "load", str(policy), "--at", "2026-10-01T00:00")
    assert r.exit_code == 0, r.stderr
    phone = open_ticket(cli, "--channel", "phone")
    assert clocks(phone)["update"]["due_at"] == "2026-10-12T13:00:00+08:00"
    assert "update" not in clocks(open_ticket(cli, "--channel", "email"))
    bad = tmp_path / "bad.toml"
    bad.write_text(default_policy_text() + '\n[update]\nchannels = ["fax"]\n', encoding="utf-8")
    r = cli("sla", "policy", "check", str(bad))
    assert r.exit_code != 0 and "update.channels: unknown channel 'fax'" in r.stderr


def test_the_stored_next_deadline_follows_each_reply(cli, site, env_setup):
    # a hardware fault: 24 working hours to resolve, so a daily reply is its next deadline
    r = cli("ticket", "open", "--site", "BJ-HD", "--title", "Screen flickers", "--category",
            "hardware", "--channel", "email", "--at", "2026-10-12T09:00", "-f", "json")  # fmt: skip
    t = r.json()
    cli("ticket", "respond", t["ref"], "--at", "2026-10-12T09:05")

    def next_due() -> str:
        with sqlite3.connect(env_setup) as conn:
            (due,) = conn.execute("SELECT next_due_at FROM ticket WHERE id = ?",
                                  (t["id"],)).fetchone()  # fmt: skip
        return datetime.fromtimestamp(due, SH).strftime("%Y-%m-%d %H:%M")

    assert next_due() == "2026-10-13 09:05"
    cli("ticket", "comment", t["ref"], "--public", "still on it", "--at", "2026-10-13T09:00")
    assert next_due() == "2026-10-14 09:00"
    listed = cli("--now", "2026-10-14T09:30", "sla", "overdue", "-f", "json").json()
    assert [(c["ticket"], c["name"]) for c in listed] == [(t["ref"], "update")]
