"""Customer consent: a fix is proposed and carried out once the customer agrees; while the
proposal waits, the resolution clock is paused as waiting on the customer."""

from __future__ import annotations

import sqlite3

from svcdesk.resources import default_policy_text


def open_ticket(cli, *args, at="2026-10-14T09:00"):
    r = cli("ticket", "open", "--site", "BJ-HD", "--title", "Database server disk failing",
            "--category", "hardware", "--at", at, "-f", "json", *args)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()


def clocks(rec) -> dict:
    return {c["name"]: c for c in rec["clocks"]}


def events(db) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM ticket_event").fetchone()[0]


def test_a_proposal_pauses_the_resolution_clock_until_the_customer_agrees(cli, site):
    t = open_ticket(cli)
    ref = t["ref"]
    before = clocks(t)["resolve"]["due_at"]
    r = cli("ticket", "propose", ref, "--plan", "Replace the disk over the weekend", "--at",
            "2026-10-14T09:30", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    resolve = clocks(r.json())["resolve"]
    assert (resolve["state"], resolve["due_at"]) == ("paused", None)
    assert resolve["seconds_left"] == 24 * 3600 - 30 * 60  # half a working hour ran
    assert "paused until the customer answers" in r.stderr
    assert clocks(r.json())["respond"]["state"] == "breached"  # the other promises run on
    r = cli("ticket", "approve", ref, "--by", "Director Wang", "--at", "2026-10-14T09:50",
            "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    rec = r.json()
    resolve = clocks(rec)["resolve"]
    assert before == "2026-10-19T10:30:00+08:00"  # 24 working hours from Wednesday 09:00
    assert (resolve["state"], resolve["due_at"]) == ("running", "2026-10-19T10:50:00+08:00")
    assert [(e["kind"], e["note"], e["details"]) for e in rec["events"][1:]] == [
        ("proposed", "Replace the disk over the weekend", {}),
        ("approved", None, {"by": "Director Wang"}),
    ]
    status = {c["name"]: c for c in cli("sla", "status", ref, "-f", "json").json()}
    assert status["resolve"]["seconds_left"] == resolve["seconds_left"]


def test_the_timeline_shows_the_proposal_and_its_answer(cli, site):
    ref = open_ticket(cli)["ref"]
    cli("ticket", "respond", ref, "--at", "2026-10-14T09:10")
    cli("ticket", "propose", ref, "--plan", "Reinstall the OS", "--at", "2026-10-14T09:20")
    shown = cli("ticket", "show", ref, "-f", "plain").stdout
    assert "waiting for the customer's consent to: Reinstall the OS (resolve clock paused " \
           "until answered)" in shown  # fmt: skip
    r = cli("ticket", "decline", ref, "--by", "Director Wang", "--reason",
            "No downtime before the filing deadline", "--at", "2026-10-14T09:40")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    shown = cli("ticket", "show", ref, "-f", "plain").stdout
    assert "Director Wang declined: No downtime before the filing deadline" in shown
    assert "(resolve clock paused" not in shown
    rec = cli("ticket", "show", ref, "-f", "json").json()
    declined = rec["events"][-1]
    assert (declined["kind"], declined["note"], declined["details"]) == (
        "declined", "No downtime before the filing deadline", {"by": "Director Wang"})
    # another fix may be proposed once the first was answered
    assert cli("ticket", "propose", ref, "--plan", "Swap the disk at night").exit_code == 0


def test_bad_input_is_one_line_and_writes_nothing(cli, site, env_setup):
    ref = open_ticket(cli)["ref"]
    n = events(env_setup)
    r = cli("ticket", "approve", ref, "--by", "Wang")
    assert r.exit_code == 1
    assert r.stderr == (f"svcdesk: error: cannot record an approval on ticket {ref}: no proposal "
                        "waits for the customer's answer (propose one with 'ticket propose')\n")
    r = cli("ticket", "decline", ref, "--by", "Wang", "--reason", "no")
    assert r.exit_code == 1 and "no proposal waits" in r.stderr
    assert events(env_setup) == n
    assert cli("ticket", "propose", ref, "--plan", "Reinstall").exit_code == 0
    n = events(env_setup)
    r = cli("ticket", "propose", ref, "--plan", "Reinstall again")
    assert r.exit_code == 1 and len(r.stderr.splitlines()) == 1
    assert "a proposal already waits for the customer's answer" in r.stderr
    r = cli("ticket", "decline", ref, "--by", "Wang")  # no --reason
    assert r.exit_code == 2 and "--reason" in r.stderr
    r = cli("ticket", "decline", ref, "--by", "Wang", "--reason", "  ")
    assert r.exit_code != 0 and r.stderr.count("\n") == 1 and "--reason" in r.stderr
    r = cli("ticket", "approve", ref, "--by", "")
    assert r.exit_code != 0 and "--by must not be empty" in r.stderr
    r = cli("ticket", "propose", ref, "--plan", "")
    assert r.exit_code != 0 and "--plan" in r.stderr
    assert events(env_setup) == n


def test_only_an_open_ticket_takes_a_proposal_and_resolving_ends_the_wait(cli, site):
    ref = open_ticket(cli)["ref"]
    cli("ticket", "propose", ref, "--plan", "Replace the disk", "--at", "2026-10-14T09:10")
    r = cli("ticket", "resolve", ref, "--note", "it recovered", "--at", "2026-10-14T09:30",
            "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert clocks(r.json())["resolve"]["state"] == "met"
    r = cli("ticket", "approve", ref, "--by", "Wang")
    assert r.exit_code == 1 and f"ticket {ref}: it is resolved" in r.stderr
    r = cli("ticket", "propose", ref, "--plan", "Replace it anyway")
    assert r.exit_code == 1 and "it is resolved (reopen it first)" in r.stderr
    # recorded after the fact, an answer goes where the proposal still waited
    r = cli("ticket", "approve", ref, "--by", "Wang", "--at", "2026-10-14T09:20")
    assert r.exit_code == 0, r.stderr
    r = cli("ticket", "decline", ref, "--by", "Wang", "--reason", "x", "--at", "2026-10-14T09:25")
    assert r.exit_code == 1 and "no proposal waited then" in r.stderr


def test_a_policy_can_keep_the_resolution_clock_running(cli, site, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(default_policy_text() + "\n[consent]\npause_resolution = false\n",
                      encoding="utf-8")  # fmt: skip
    assert cli("sla", "policy", "load", str(policy), "--at", "2026-10-01T00:00").exit_code == 0
    t = open_ticket(cli)
    r = cli("ticket", "propose", t["ref"], "--plan", "Replace the disk", "-f", "json")
    assert clocks(r.json())["resolve"] == clocks(t)["resolve"] | {
        "seconds_left": clocks(r.json())["resolve"]["seconds_left"]}
    assert clocks(r.json())["resolve"]["state"] == "running"
    assert "paused" not in r.stderr


def test_two_laptops_proposing_at_once_converge_and_the_second_proposal_is_a_conflict(
    cli, tmp_path
):
    a, b = tmp_path / "a.db", tmp_path / "b.db"

    def on(path, *args):
        r = cli("--db", str(path), *args)
        assert r.exit_code == 0, r.stderr
        return r

    on(a, "init")
    on(a, "site", "add", "BJ-HD", "--name", "Haidian")
    ref = on(a, "ticket", "open", "--site", "BJ-HD", "--title", "Disk failing", "--channel",
             "email", "--at", "2026-10-14T09:00", "-f", "json").json()["ref"]  # fmt: skip
    on(b, "init")
    on(b, "sync", str(a))
    on(a, "ticket", "propose", ref, "--plan", "Replace the disk", "--at", "2026-10-14T09:10")
    on(b, "ticket", "propose", ref, "--plan", "Reinstall", "--at", "2026-10-14T09:20")
    on(b, "ticket", "approve", ref, "--by", "Wang", "--at", "2026-10-14T09:30")
    on(b, "sync", str(a))
    on(a, "sync", str(b))
    shown = [on(p, "ticket", "show", ref, "-f", "json").json() for p in (a, b)]
    assert shown[0]["clocks"] == shown[1]["clocks"]
    # the first proposal waited 09:10-09:30 (approved); the second could not follow it
    resolve = clocks(shown[0])["resolve"]
    assert (resolve["state"], resolve["due_at"]) == ("running", "2026-10-19T10:50:00+08:00")
    conflicts = on(a, "sync", "conflicts", "-f", "json").json()
    assert len(conflicts) == 1 and "proposed at 2026-10-14 09:20" in str(conflicts[0])
