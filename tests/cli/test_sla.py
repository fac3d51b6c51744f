"""SLA clocks, overdue lists, the board and the policy, from the command line."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

from support import child_env

CLOCK_FIELDS = {"ticket", "name", "due_at", "state", "met_at", "seconds_left"}
NOW = "2026-10-14T10:00:00+08:00"  # conftest's clock: a Wednesday, 10:00


def open_ticket(cli, *args, at="2026-10-14T09:00"):
    r = cli("ticket", "open", "--site", "BJ-HD", "--at", at, "-f", "json", *args)
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_a_new_ticket_carries_its_clocks(cli, site):
    t = open_ticket(cli, "--title", "Filing app crashes", "--category", "software")
    clocks = {c["name"]: c for c in t["clocks"]}
    assert set(clocks) == {"respond", "resolve"}
    assert all(c.keys() >= CLOCK_FIELDS for c in clocks.values())
    assert clocks["respond"]["due_at"] == "2026-10-14T09:30:00+08:00"
    assert clocks["respond"]["state"] == "breached" and clocks["respond"]["seconds_left"] == -1800
    assert clocks["resolve"]["due_at"] == "2026-10-14T10:00:00+08:00"
    assert clocks["resolve"]["state"] == "running" and clocks["resolve"]["seconds_left"] == 0
    r = cli("ticket", "respond", t["ref"], "--at", "2026-10-14T09:20", "-f", "json")
    respond = {c["name"]: c for c in r.json()["clocks"]}["respond"]
    assert respond["state"] == "met" and respond["met_at"] == "2026-10-14T09:20:00+08:00"
    assert respond["seconds_left"] is None


def test_overdue_is_silent_when_all_is_well_and_check_exits_3_otherwise(cli, site):
    r = cli("sla", "overdue", "--check")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")
    t = open_ticket(cli, "--title", "Queue machine jammed", "--category", "hardware")
    r = cli("sla", "overdue")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["TICKET", "SITE", "CLOCK", "STATE", "DUE", "LEFT", "ASSIGNEE",
                                "TITLE"]  # fmt: skip
    assert lines[1].split()[:4] == [t["ref"], "BJ-HD", "respond", "breached"]
    assert len(lines) == 2
    r = cli("sla", "overdue", "--check", "-f", "json")
    assert r.exit_code == 3
    assert [(c["ticket"], c["name"], c["seconds_left"]) for c in r.json()] == [
        (t["ref"], "respond", -1800)
    ]


def test_overdue_within_adds_what_is_due_soon_in_deadline_order(cli, site):
    a = open_ticket(cli, "--title", "A", "--category", "software", at="2026-10-14T09:50")
    b = open_ticket(cli, "--title", "B", "--category", "hardware", at="2026-10-14T09:00")
    r = cli("sla", "overdue", "--within", "1h", "-f", "json")
    listed = [(c["ticket"], c["name"]) for c in r.json()]
    assert listed == [(b["ref"], "respond"), (a["ref"], "respond"), (a["ref"], "resolve")]
    dues = [c["due_at"] for c in r.json()]
    assert dues == sorted(dues)
    assert cli("sla", "overdue", "--within", "soon").exit_code == 2
    cli("site", "add", "SH-PD", "--name", "Shanghai Pudong")
    assert cli("sla", "overdue", "--site", "SH-PD", "-f", "json").json() == []


def test_pausing_takes_a_ticket_off_the_overdue_list_until_it_resumes(cli, site):
    t = open_ticket(cli, "--title", "Printer", "--category", "hardware", at="2026-10-14T09:50")
    cli("ticket", "respond", t["ref"], "--at", "2026-10-14T09:55")
    cli("ticket", "pause", t["ref"], "--reason", "customer away", "--at", "2026-10-14T09:58")
    status = cli("sla", "status", t["ref"], "-f", "json").json()
    resolve = {c["name"]: c for c in status}["resolve"]
    assert resolve["state"] == "paused" and resolve["due_at"] is None
    assert resolve["seconds_left"] == 24 * 3600 - 8 * 60  # eight working minutes ran
    assert "ordinary hardware fault" in resolve["why"] and "24h" in resolve["why"]


def test_board_lists_open_tickets_most_urgent_first(cli, site):
    later = open_ticket(cli, "--title", "Later", "--category", "hardware", at="2026-10-14T09:55")
    sooner = open_ticket(cli, "--title", "Sooner", "--category", "hardware", at="2026-10-14T09:00")
    paused = open_ticket(cli, "--title", "Waiting", at="2026-10-14T08:40")
    cli("ticket", "pause", paused["ref"], "--reason", "customer", "--at", "2026-10-14T08:45")
    board = cli("sla", "board", "-f", "json").json()
    assert [b["ticket"] for b in board] == [sooner["ref"], later["ref"], paused["ref"]]
    assert board[0]["next_clock"] == "respond" and board[0]["seconds_left"] < 0


def test_the_policy_in_force_is_shown(cli, site):
    shown = cli("sla", "policy", "show", "-f", "json").json()
    assert shown["timezone"] == "Asia/Shanghai" and shown["holidays"] == "CN"
    targets = {(c["class"], c["clock"]): c["target"] for c in shown["clocks"]}
    assert targets[("major fault", "restore")] == "72h"
    assert targets[("ordinary software fault", "resolve")] == "1h"
    source = cli("sla", "policy", "show", "--source").stdout
    assert source.startswith("#") and "[[class]]" in source


BAD = """name = "x"
timezone = "Asia/Shanghai"
holidays = "XX"
working_hours = ["08:00-12:00", "11:00-13:00"]

[[class]]
name = "all"
match = {}
respond = "-30m"
resolve = "4h"
dance = "1h"
"""


def test_a_bad_policy_is_refused_whole_naming_lines_and_keys(cli, site, tmp_path):
    before = cli("sla", "policy", "show", "-f", "json").json()
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD)
    for command in (("check",), ("load",)):
        r = cli("sla", "policy", *command, str(bad))
        assert r.exit_code == 2
        lines = r.stderr.splitlines()
        assert any(re.match(rf"{bad}:3: holidays: .*XX", line) for line in lines), lines
        assert any(re.match(rf"{bad}:4: working_hours: .*overlap", line) for line in lines)
        assert any(re.match(rf"{bad}:9: class\[1\]\.respond: negative", line) for line in lines)
        assert any(re.match(rf"{bad}:11: class\[1\]\.dance: unknown", line) for line in lines)
        assert any(re.match(rf"{bad}:6: class\[1\]: .*no upgrade clock", line) for line in lines)
        assert lines[-1] == f"svcdesk: error: {bad} has 5 problems; nothing was changed"
    assert cli("sla", "policy", "show", "-f", "json").json() == before
    r = cli("sla", "policy", "check", str(tmp_path / "missing.toml"))
    assert r.exit_code == 2 and "no policy file" in r.stderr


def test_loaded_policies_apply_to_tickets_opened_after_they_take_effect(cli, site, tmp_path):
    old = open_ticket(cli, "--title", "Old", "--category", "software", at="2026-10-14T08:40")
    text = cli("sla", "policy", "show", "--source").stdout.replace(
        'resolve = "1h"', 'resolve = "2h"'
    )
    assert 'resolve = "2h"' in text
    mine = tmp_path / "mine.toml"
    mine.write_text(text)
    r = cli("sla", "policy", "check", str(mine))
    assert r.exit_code == 0 and "ok" in r.stderr
    r = cli("sla", "policy", "load", str(mine), "--at", "2026-10-14T09:00", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["moved"] == 0
    new = open_ticket(cli, "--title", "New", "--category", "software", at="2026-10-14T09:10")
    due = {t: {c["name"]: c["due_at"] for c in cli("ticket", "show", t, "-f", "json").json()[
        "clocks"]} for t in (old["ref"], new["ref"])}  # fmt: skip
    assert due[old["ref"]]["resolve"] == "2026-10-14T09:40:00+08:00"  # kept the 1 h version
    assert due[new["ref"]]["resolve"] == "2026-10-14T11:10:00+08:00"  # opened under 2 h
    # a policy back-dated before the old ticket moves it too
    r = cli("sla", "policy", "load", str(mine), "--at", "2026-10-14T08:00", "-f", "json")
    assert r.json()["moved"] == 2
    clocks = cli("ticket", "show", old["ref"], "-f", "json").json()["clocks"]
    assert {c["name"]: c["due_at"] for c in clocks}["resolve"] == "2026-10-14T10:40:00+08:00"


def test_recompute_rebuilds_clocks_from_events(cli, env_setup, site):
    t = open_ticket(cli, "--title", "Disk", "--category", "hardware")
    before = cli("ticket", "show", t["ref"], "-f", "json").json()["clocks"]
    with sqlite3.connect(env_setup) as conn:
        conn.execute("UPDATE ticket SET clocks = NULL, next_due_at = NULL")
    assert cli("sla", "overdue", "-f", "json").json() == []
    r = cli("sla", "recompute", "-f", "json")
    assert r.exit_code == 0 and r.json() == {"tickets": 1, "changed": 1}
    assert cli("ticket", "show", t["ref"], "-f", "json").json()["clocks"] == before
    assert len(cli("sla", "overdue", "-f", "json").json()) == 1
    assert cli("sla", "recompute", "-f", "json").json() == {"tickets": 1, "changed": 0}


def svcdesk_child(*args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Run svcdesk in a fresh process; returns the modules it imported and the process."""
    code = f"from svcdesk.cli import main; main({list(args)!r})"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True, text=True, env=child_env(), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-500:]
    return {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if "|" in line}, proc


def test_recording_events_reads_holidays_from_the_cache_not_the_package(cli, env_setup, site):
    imported, proc = svcdesk_child(
        "ticket", "open", "--site", "BJ-HD", "--title", "Warm the cache", "--category", "hardware",
        "--at", "2026-10-14T09:00", "-f", "json",
    )  # fmt: skip
    assert "holidays" in imported  # the first deadline of a year reads the package once...
    with sqlite3.connect(env_setup) as conn:
        assert conn.execute("SELECT count(*) FROM holiday_cache").fetchone()[0] >= 1
    ref = [line for line in proc.stdout.splitlines() if line.startswith("{")][0]
    ref = __import__("json").loads(ref)["ref"]
    imported, _ = svcdesk_child("ticket", "respond", ref, "--at", "2026-10-14T09:10")
    assert "holidays" not in imported  # ...and every later one reads the database


def test_resolving_before_any_response_counts_as_the_response_and_says_so(cli, site):
    t = open_ticket(cli, "--title", "Quick fix", "--category", "software")
    r = cli("ticket", "resolve", t["ref"], "--note", "restarted", "--at", "2026-10-14T09:20",
            "-f", "json")  # fmt: skip
    assert r.exit_code == 0
    assert "no response was recorded" in r.stderr
    respond = {c["name"]: c for c in r.json()["clocks"]}["respond"]
    assert respond["state"] == "met" and respond["met_at"] == "2026-10-14T09:20:00+08:00"


def test_instants_show_in_the_zone_of_the_policy_in_force(cli, site, tmp_path):
    t = open_ticket(cli, "--title", "Before", at="2026-10-14T09:00")
    assert t["opened_at"] == "2026-10-14T09:00:00+08:00"
    text = cli("sla", "policy", "show", "--source").stdout.replace(
        'timezone = "Asia/Shanghai"', 'timezone = "Europe/Berlin"'
    )
    berlin = tmp_path / "berlin.toml"
    berlin.write_text(text)
    assert cli("sla", "policy", "load", str(berlin)).exit_code == 0
    shown = cli("ticket", "show", t["ref"], "-f", "json").json()
    assert shown["opened_at"] == "2026-10-14T03:00:00+02:00"
    listed = cli("ticket", "list", "-f", "json").json()
    assert listed[0]["opened_at"] == "2026-10-14T03:00:00+02:00"
    assert listed[0]["clocks"] == shown["clocks"]  # pre-rendered in Shanghai: converted
    assert cli("--tz", "UTC", "ticket", "list", "-f", "json").json()[0]["opened_at"] == (
        "2026-10-14T01:00:00+00:00"
    )
