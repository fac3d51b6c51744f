"""The ticket lifecycle as a user drives it from the command line."""

from __future__ import annotations

import csv
import io
import json

import pytest

TICKET_FIELDS = {
    "id",
    "ref",
    "title",
    "site",
    "category",
    "severity",
    "channel",
    "status",
    "assignee",
    "opened_at",
    "clocks",
}


def test_open_prints_the_new_ticket_as_show_would(cli, ticket):
    assert ticket.keys() >= TICKET_FIELDS
    assert ticket["status"] == "open"
    assert ticket["site"] == "BJ-HD"
    assert ticket["category"] == "hardware"
    assert ticket["opened_at"] == "2026-10-14T09:00:00+08:00"
    assert [e["kind"] for e in ticket["events"]] == ["opened"]
    shown = cli("ticket", "show", ticket["ref"], "-f", "json").json()
    assert shown["id"] == ticket["id"] and shown["events"] == ticket["events"]


def test_full_lifecycle_appends_one_event_per_command(cli, ticket):
    ref = ticket["ref"]
    steps = [
        (("assign", ref, "Li Wei", "--at", "2026-10-14T09:05"), "open"),
        (("respond", ref, "--note", "Called the hall manager", "--at", "2026-10-14T09:10"), "open"),
        (("escalate", ref, "--to", "Zhang Min", "--at", "2026-10-14T09:20"), "open"),
        (("arrive", ref, "--engineer", "Zhang Min", "--at", "2026-10-14T09:40"), "open"),
        (
            ("pause", ref, "--reason", "Waiting for a spare part", "--at", "2026-10-14T09:45"),
            "paused",
        ),
        (("resume", ref, "--at", "2026-10-14T09:50"), "open"),
        (
            ("resolve", ref, "--note", "Replaced the print head", "--at", "2026-10-14T09:55"),
            "resolved",
        ),
        (
            (
                "report",
                ref,
                "--type",
                "hardware",
                "--cause",
                "Worn head",
                "--method",
                "Replaced",
                "--at",
                "2026-10-14T09:56",
            ),
            "resolved",
        ),
        (("close", ref, "--at", "2026-10-14T09:57"), "closed"),
        (("reopen", ref, "--reason", "Blank again", "--at", "2026-10-14T09:58"), "open"),
        (("comment", ref, "Customer asks for a call", "--at", "2026-10-14T09:59"), "open"),
    ]
    for args, status in steps:
        r = cli("ticket", *args, "-f", "json")
        assert r.exit_code == 0, (args, r.stderr)
        assert r.json()["status"] == status, args
    shown = cli("ticket", "show", ref, "-f", "json").json()
    assert [e["kind"] for e in shown["events"]] == [
        "opened",
        "assigned",
        "responded",
        "escalated",
        "arrived",
        "paused",
        "resumed",
        "resolved",
        "report-submitted",
        "closed",
        "reopened",
        "comment",
    ]
    assert shown["assignee"] == "Zhang Min"  # escalation --to hands it over
    report = shown["events"][8]["details"]
    assert report == {"type": "hardware", "cause": "Worn head", "method": "Replaced"}


@pytest.mark.parametrize(
    ("setup", "command", "says"),
    [
        ([], ("close",), "cannot close ticket {ref}: it is open (resolve it first)"),
        ([], ("resume",), "cannot resume ticket {ref}: it is open (it is not paused)"),
        (
            [("resolve", "--note", "x")],
            ("resolve", "--note", "again"),
            "cannot resolve ticket {ref}: it is resolved",
        ),
        (
            [("resolve", "--note", "x"), ("close",)],
            ("resolve", "--note", "y"),
            "cannot resolve ticket {ref}: it is closed",
        ),
        (
            [("pause", "--reason", "r")],
            ("pause", "--reason", "r"),
            "cannot pause ticket {ref}: it is paused (it is already paused)",
        ),
        (
            [],
            ("report", "--type", "t", "--cause", "c", "--method", "m"),
            "cannot file an incident report on ticket {ref}: it is open "
            "(an incident report follows resolution)",
        ),
    ],
)
def test_illegal_transitions_name_the_current_status(cli, ticket, setup, command, says):
    ref = ticket["ref"]
    for step in setup:
        assert cli("ticket", step[0], ref, *step[1:]).exit_code == 0
    before = cli("ticket", "show", ref, "-f", "json").json()
    r = cli("ticket", command[0], ref, *command[1:])
    assert r.exit_code == 1
    assert r.stderr == f"svcdesk: error: {says.format(ref=ref)}\n"
    assert cli("ticket", "show", ref, "-f", "json").json() == before  # nothing written


def test_events_go_into_the_timeline_where_it_allows_them(cli, ticket):
    """Work recorded after the fact goes in at its instant, if the timeline allows it there and
    it contradicts nothing later; else it is refused, naming why, and nothing is written."""
    ref = ticket["ref"]
    r = cli("ticket", "respond", ref, "--at", "2026-10-13T09:00")
    assert r.exit_code == 1 and "before ticket" in r.stderr and "was opened" in r.stderr
    assert cli("ticket", "pause", ref, "--reason", "r", "--at", "2026-10-14T09:30").exit_code == 0
    before = cli("ticket", "show", ref, "-f", "json").json()
    r = cli("ticket", "resume", ref, "--at", "2026-10-14T09:20")
    assert r.stderr == (f"svcdesk: error: cannot resume ticket {ref} at 2026-10-14 09:20: it was "
                        "open then; its next event is paused at 2026-10-14 09:30\n")  # fmt: skip
    r = cli("ticket", "resolve", ref, "--note", "n", "--at", "2026-10-14T09:25")
    assert r.exit_code == 1
    assert "its paused at 2026-10-14 09:30 could not follow" in r.stderr
    assert cli("ticket", "show", ref, "-f", "json").json() == before
    # a response made by phone at 09:10, recorded later: it meets the respond clock then
    r = cli("ticket", "respond", ref, "--at", "2026-10-14T09:10", "-f", "json")
    assert r.exit_code == 0, r.stderr
    shown = r.json()
    assert shown["status"] == "paused"
    assert [e["kind"] for e in cli("ticket", "show", ref, "-f", "json").json()["events"]] == [
        "opened", "responded", "paused"]  # fmt: skip
    respond = {c["name"]: c for c in shown["clocks"]}["respond"]
    assert respond["state"] == "met" and respond["met_at"] == "2026-10-14T09:10:00+08:00"
    r = cli("ticket", "comment", ref, "late note", "--at", "2026-10-14T09:05")
    assert r.exit_code == 0  # comments may be added for any time after opening


def test_future_instants_are_refused(cli, site):
    r = cli("ticket", "open", "--site", site, "--title", "t", "--at", "2026-10-15T10:00")
    assert r.exit_code == 2 and "in the future" in r.stderr


def test_refs_accept_number_prefix_and_id_prefix(cli, site):
    refs = []
    for i in range(12):
        r = cli("ticket", "open", "--site", site, "--title", f"fault {i}", "-f", "json")
        refs.append(r.json())
    first = refs[0]
    code = first["ref"].split("-")[0]
    assert [t["ref"] for t in refs] == [f"{code}-{n}" for n in range(1, 13)]
    # a bare number is this replica's ticket; the exact ref wins over a longer match
    assert cli("ticket", "show", "1", "-f", "json").json()["ref"] == f"{code}-1"
    assert cli("ticket", "show", f"{code.lower()}-1", "-f", "json").json()["ref"] == f"{code}-1"
    # a unique id prefix
    assert (
        cli("ticket", "show", refs[4]["id"][:13] + refs[4]["id"][14:20], "-f", "json").json()["ref"]
        == refs[4]["ref"]
    )
    # an ambiguous prefix lists the candidates
    r = cli("ticket", "show", f"{code}-1")
    assert r.exit_code == 0
    r = cli("ticket", "show", code)
    assert r.exit_code == 1
    assert r.stderr.startswith(f"svcdesk: error: ticket '{code}' is ambiguous: it matches ")
    assert f"{code}-10" in r.stderr and r.stderr.count("\n") == 1
    r = cli("ticket", "show", "ZZZZ-99")
    assert (r.exit_code, r.stderr) == (1, "svcdesk: error: no ticket matches 'ZZZZ-99'\n")


def test_enum_values_are_forgiving_and_errors_list_the_choices(cli, site):
    r = cli(
        "ticket",
        "open",
        "--site",
        "bj",
        "--title",
        "t",
        "--category",
        "SOFT",
        "--severity",
        "maj",
        "--channel",
        "onsite",
        "-f",
        "json",
    )
    assert r.exit_code == 0, r.stderr
    assert (r.json()["category"], r.json()["severity"]) == ("software", "major")
    r = cli("ticket", "open", "--site", site, "--title", "t", "--severity", "urgent")
    assert r.exit_code == 2
    assert r.stderr == (
        "svcdesk: error: unknown severity 'urgent' (choose from: major, normal, minor, upgrade)\n"
    )


def test_upgrade_requests_carry_a_due_date(cli, site):
    r = cli("ticket", "open", "--site", site, "--title", "Upgrade to 5.2", "--severity", "upgrade")
    assert r.exit_code == 2 and "needs --due" in r.stderr
    r = cli(
        "ticket",
        "open",
        "--site",
        site,
        "--title",
        "Upgrade to 5.2",
        "--severity",
        "upgrade",
        "--due",
        "2026-11-30",
        "-f",
        "json",
    )
    assert r.exit_code == 0 and r.json()["due_at"] == "2026-11-30T00:00:00+08:00"
    r = cli("ticket", "open", "--site", site, "--title", "x", "--due", "2026-11-30")
    assert r.exit_code == 2 and "upgrade requests only" in r.stderr


def test_open_in_a_pipe_fails_clearly_without_required_values(cli, site):
    r = cli("ticket", "open", "--title", "No site")
    assert (r.exit_code, r.stderr) == (
        2,
        "svcdesk: error: missing --site (required when not on a terminal)\n",
    )
    assert cli("ticket", "list", "-f", "json").json() == []


def test_open_prompts_for_missing_values_on_a_terminal(cli, site, monkeypatch):
    monkeypatch.setenv("SVCDESK_INTERACTIVE", "1")
    r = cli(
        "ticket", "open", "-f", "json", input="BJ-HD\nDVR channel 5 shows no signal\nhardware\n"
    )
    assert r.exit_code == 0, r.stderr
    assert "Site:" in r.stderr and "Title:" in r.stderr  # prompts go to stderr, data to stdout
    t = json.loads(r.stdout.splitlines()[-1])  # (the test runner echoes typed input to stdout)
    assert (t["site"], t["title"], t["category"]) == (
        "BJ-HD",
        "DVR channel 5 shows no signal",
        "hardware",
    )


def test_list_filters_and_orders_newest_first(cli, site):
    cli("site", "add", "SH-PD", "--name", "Shanghai Pudong Tax Bureau")
    cli("ticket", "open", "--site", "BJ-HD", "--title", "old", "--at", "2026-10-01T09:00")
    cli("ticket", "open", "--site", "SH-PD", "--title", "mid", "--at", "2026-10-05T09:00")
    new = cli("ticket", "open", "--site", "BJ-HD", "--title", "new", "-f", "json").json()
    cli("ticket", "resolve", new["ref"], "--note", "done")
    cli("ticket", "close", new["ref"])
    titles = [t["title"] for t in cli("ticket", "list", "-f", "json").json()]
    assert titles == ["mid", "old"]
    assert [t["title"] for t in cli("ticket", "list", "--status", "all", "-f", "json").json()] == [
        "new",
        "mid",
        "old",
    ]
    assert [
        t["title"] for t in cli("ticket", "list", "--status", "closed", "-f", "json").json()
    ] == ["new"]
    assert [t["title"] for t in cli("ticket", "list", "--site", "SH", "-f", "json").json()] == [
        "mid"
    ]
    assert [
        t["title"]
        for t in cli(
            "ticket",
            "list",
            "--status",
            "all",
            "--since",
            "2026-10-02",
            "--until",
            "2026-10-10",
            "-f",
            "json",
        ).json()
    ] == ["mid"]


def test_every_format_renders_the_list(cli, ticket):
    plain = cli("ticket", "list").stdout  # piped: plain
    assert plain.splitlines()[0].split()[:3] == ["REF", "SITE", "STATUS"]
    assert ticket["ref"] in plain and "2026-10-14 09:00" in plain
    md = cli("ticket", "list", "-f", "md").stdout
    assert md.splitlines()[1].startswith("|--")
    rows = list(csv.DictReader(io.StringIO(cli("ticket", "list", "-f", "csv").stdout)))
    assert rows[0]["ref"] == ticket["ref"] and rows[0]["opened_at"] == "2026-10-14T09:00:00+08:00"
    table = cli("ticket", "list", "-f", "table").stdout
    assert ticket["ref"] in table
    r = cli("ticket", "list", "-f", "yaml")
    assert r.exit_code == 2 and "choose from: table, plain, md, csv, json" in r.stderr


def test_csv_neutralises_formulas(cli, site):
    cli("ticket", "open", "--site", site, "--title", '=HYPERLINK("http://x")')
    rows = list(csv.DictReader(io.StringIO(cli("ticket", "list", "-f", "csv").stdout)))
    assert rows[0]["title"] == '\'=HYPERLINK("http://x")'


def test_show_prints_the_timeline(cli, ticket):
    cli("ticket", "assign", ticket["ref"], "Li Wei", "--at", "2026-10-14T09:05")
    out = cli("ticket", "show", ticket["ref"]).stdout
    assert "Timeline:" in out
    lines = out.split("Timeline:")[1].strip().splitlines()
    assert lines[1].split()[:4] == ["2026-10-14", "09:00", "opened", "tester"]
    assert "engineer: Li Wei" in lines[2]


def test_display_time_zone_follows_tz(cli, ticket):
    r = cli("--tz", "UTC", "ticket", "show", ticket["ref"], "-f", "json")
    assert r.json()["opened_at"] == "2026-10-14T01:00:00+00:00"
    r = cli("--tz", "Mars/Base", "ticket", "list")
    assert r.exit_code == 2 and "unknown time zone 'Mars/Base'" in r.stderr
