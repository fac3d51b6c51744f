"""`ticket edit`: a correction is recorded in the timeline, from what to what, and a change of
class makes the clocks follow the policy's class for the ticket's new severity or category."""

from __future__ import annotations

import json

import pytest


def edit(cli, ref: str, *args: str):
    return cli("ticket", "edit", ref, *args, "-f", "json")


def clocks(rec: dict) -> dict[str, str | None]:
    return {c["name"]: c["due_at"] for c in rec["clocks"]}


def test_an_edit_changes_the_fields_and_says_from_what_to_what(cli, ticket):
    r = edit(cli, ticket["ref"], "--title", "Hall screens dark", "--reporter", "Ms Wang",
             "--channel", "web", "--at", "2026-10-14T09:20")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    rec = r.json()
    assert (rec["title"], rec["reporter"]) == ("Hall screens dark", "Ms Wang")
    assert rec["channel"] == "web"
    assert "changed title, channel, reporter" in r.stderr
    last = rec["events"][-1]
    assert last["kind"] == "edited" and last["at"] == "2026-10-14T09:20:00+08:00"
    assert last["details"]["changes"] == {
        "title": {"from": "Queue machine prints blank tickets", "to": "Hall screens dark"},
        "channel": {"from": "phone", "to": "web"},
        "reporter": {"from": None, "to": "Ms Wang"},
    }
    assert "class" not in last["details"]  # the class (hardware, normal) did not change
    shown = cli("ticket", "show", ticket["ref"]).stdout
    assert "title 'Queue machine prints blank tickets' → 'Hall screens dark'" in shown
    assert "channel phone → web" in shown


def test_a_change_of_class_moves_the_clocks_and_the_timeline_says_why(cli, ticket):
    # An ordinary hardware fault: resolve within 24 working hours. Made major: restored within
    # 72 hours around the clock, from the report (09:00).
    assert clocks(ticket)["resolve"] is not None
    rec = edit(cli, ticket["ref"], "--severity", "major").json()
    assert clocks(rec) == {
        "respond": "2026-10-14T09:30:00+08:00",
        "restore": "2026-10-17T09:00:00+08:00",
    }
    assert rec["events"][-1]["details"]["class"] == {
        "from": "ordinary hardware fault",
        "to": "major fault",
    }
    shown = cli("ticket", "show", ticket["ref"]).stdout
    assert "clocks follow major fault (was ordinary hardware fault)" in shown
    # the stored rendering lists follow
    listed = cli("ticket", "list", "-f", "json").json()
    assert listed[0]["severity"] == "major" and clocks(listed[0]) == clocks(rec)
    assert cli("sla", "status", ticket["ref"], "-f", "json").exit_code == 0


def test_an_upgrade_carries_a_due_date_and_loses_it_when_it_is_no_longer_one(cli, ticket):
    ref = ticket["ref"]
    r = edit(cli, ref, "--severity", "upgrade")
    assert r.exit_code == 2 and "needs --due" in r.stderr
    rec = edit(cli, ref, "--severity", "upgrade", "--due", "2026-10-30T18:00").json()
    assert rec["due_at"] == "2026-10-30T18:00:00+08:00"
    assert clocks(rec) == {"upgrade": "2026-10-30T18:00:00+08:00"}
    rec = edit(cli, ref, "--due", "2026-11-02T18:00").json()
    assert clocks(rec) == {"upgrade": "2026-11-02T18:00:00+08:00"}
    assert rec["events"][-1]["details"]["changes"] == {
        "due": {"from": "2026-10-30T10:00:00+00:00", "to": "2026-11-02T10:00:00+00:00"}
    }
    rec = edit(cli, ref, "--severity", "normal").json()
    assert rec["due_at"] is None and "upgrade" not in clocks(rec)
    r = edit(cli, ref, "--due", "2026-11-02T18:00")
    assert r.exit_code == 2 and "upgrade requests only" in r.stderr


def test_an_asset_by_serial_and_a_move_to_another_site(cli, ticket):
    ref = ticket["ref"]
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    for site, serial in (("BJ-HD", "QM-100 200"), ("SH-PD", "QM-900")):
        assert cli("asset", "add", "--site", site, "--kind", "queue_machine",
                   "--serial", serial).exit_code == 0  # fmt: skip
    rec = edit(cli, ref, "--asset", "qm-100200").json()
    assert rec["asset"] is not None and rec["warranty"]["kind"] == "queue_machine"
    r = edit(cli, ref, "--site", "SH-PD")  # its asset stays at BJ-HD
    assert r.exit_code == 1 and "--asset" in r.stderr and "is at site BJ-HD" in r.stderr
    rec = edit(cli, ref, "--site", "SH-PD", "--asset", "qm-900").json()
    assert rec["site"] == "SH-PD"
    assert set(rec["events"][-1]["details"]["changes"]) == {"site", "asset"}
    assert rec["events"][-1]["details"]["changes"]["site"] == {"from": "BJ-HD", "to": "SH-PD"}
    rec = edit(cli, ref, "--asset", "").json()
    assert rec["asset"] is None and "warranty" not in rec


def test_the_same_values_change_nothing_and_say_so(cli, ticket):
    r = edit(cli, ticket["ref"], "--category", "HARD", "--severity", "normal")
    assert r.exit_code == 0 and "nothing changed" in r.stderr
    assert [e["kind"] for e in r.json()["events"]] == ["opened"]


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        ((), 2, "nothing to change: give one or more of --title"),
        (("--severity", "urgent"), 2, "unknown severity 'urgent'"),
        (("--category", "printer"), 2, "unknown category"),
        (("--channel", "fax"), 2, "unknown channel"),
        (("--title", "  "), 2, "--title"),
        (("--title", "a\x00b"), 2, "NUL"),
        (("--site", "NOWHERE"), 1, "no site matches"),
        (("--asset", "NO-SUCH-SERIAL"), 1, "no asset matches"),
        (("--title", "x", "--at", "2026-10-14T11:00"), 2, "in the future"),
        (("--title", "x", "--at", "2026-10-14T08:00"), 1, "before ticket"),
        (("--title", "x", "--at", "yesterday"), 1, "before ticket"),
        (("--due", "2026-10-20"), 2, "upgrade requests only"),
        (("--severity", "upgrade", "--due", "2026-10-13"), 2, "after the request"),
        (("--due", "someday"), 2, "--due"),
        (("--title", "x", "-f", "xml"), 2, "xml"),
    ],
)
def test_a_refused_edit_is_one_line_and_writes_nothing(cli, ticket, args, code, says):
    before = cli("ticket", "show", ticket["ref"], "-f", "json").json()
    r = cli("ticket", "edit", ticket["ref"], *args)
    assert r.exit_code == code, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("svcdesk: error: ")
    assert says in r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert cli("ticket", "show", ticket["ref"], "-f", "json").json() == before


def test_a_closed_ticket_takes_corrections_but_keeps_its_class(cli, ticket):
    ref = ticket["ref"]
    for args in (("resolve", ref, "--note", "fixed", "--at", "2026-10-14T09:30"),
                 ("close", ref, "--at", "2026-10-14T09:40")):  # fmt: skip
        assert cli("ticket", *args).exit_code == 0
    before = cli("ticket", "show", ref, "-f", "json").json()
    r = edit(cli, ref, "--severity", "major", "--title", "x")
    assert r.exit_code == 1 and "is closed" in r.stderr and "reopen it first" in r.stderr
    assert cli("ticket", "show", ref, "-f", "json").json() == before
    rec = edit(cli, ref, "--title", "Printer head worn", "--reporter", "Mr Li").json()
    assert rec["status"] == "closed" and rec["title"] == "Printer head worn"
    assert rec["clocks"] == before["clocks"]
    # reopened, it may be reclassified again
    assert cli("ticket", "reopen", ref, "--reason", "again").exit_code == 0
    assert edit(cli, ref, "--severity", "major").json()["severity"] == "major"


def test_an_edit_keeps_the_status_and_the_lifecycle_going(cli, ticket):
    ref = ticket["ref"]
    paused = cli("ticket", "pause", ref, "--reason", "waiting", "--at", "2026-10-14T09:10")
    assert paused.exit_code == 0
    rec = edit(cli, ref, "--category", "software", "--at", "2026-10-14T09:05").json()
    assert rec["status"] == "paused"
    assert [e["kind"] for e in rec["events"]] == ["opened", "edited", "paused"]
    assert cli("ticket", "resume", ref).exit_code == 0
    plain = cli("ticket", "list", "--category", "software")
    assert ref in plain.stdout


def test_edit_json_is_the_record_show_prints(cli, ticket):
    rec = edit(cli, ticket["ref"], "--title", "new").json()
    shown = cli("ticket", "show", ticket["ref"], "-f", "json").json()
    assert json.dumps(rec, sort_keys=True) == json.dumps(shown, sort_keys=True)
