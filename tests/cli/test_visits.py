"""On-site visits as an engineer records them: start (a ticket's arrival with it), end with
parts checked against the warranty and the customer's sign-off, lists, time on site."""

from __future__ import annotations

import csv
import io
import os
import sqlite3

import pytest

VISIT_FIELDS = {"id", "ref", "site", "ticket", "engineer", "kind", "started_at", "ended_at",
                "minutes", "summary", "parts", "signed_by"}  # fmt: skip


def rows(db, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def cli_db() -> str:
    return os.environ["SVCDESK_DB"]


def changes(db) -> int:
    return rows(db, "changelog")


def start(cli, *args: str) -> dict:
    r = cli("visit", "start", *args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def end(cli, ref: str, *args: str) -> dict:
    r = cli("visit", "end", ref, *args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()


@pytest.fixture
def led(cli, site) -> dict:
    """An LED screen installed more than 3 years before the visits (the plan: no replacement)."""
    r = cli("asset", "add", "--site", site, "--kind", "led_screen", "--serial", "LED 2291-77",
            "--installed", "2022-05-10", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()


@pytest.fixture
def server(cli, site) -> dict:
    r = cli("asset", "add", "--site", site, "--kind", "server", "--serial", "SRV-001",
            "--installed", "2025-03-01", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_a_visit_starts_and_ends_with_the_shape_of_cli_md(cli, site):
    begun = start(cli, "--site", site, "--engineer", "Zhang Min", "--at", "2026-10-14T08:30")
    assert begun.keys() == VISIT_FIELDS
    assert begun["ref"].endswith("-V1") and begun["site"] == "BJ-HD"
    assert (begun["ticket"], begun["ended_at"], begun["minutes"]) == (None, None, None)
    assert begun["kind"] == "inspection"  # no ticket: a proactive visit
    assert begun["started_at"] == "2026-10-14T08:30:00+08:00"
    done = end(cli, "1", "--summary", "Checked the hall", "--signed-by", "Wang Li",
               "--at", "2026-10-14T09:45")  # fmt: skip
    assert done["id"] == begun["id"]
    assert done["ended_at"] == "2026-10-14T09:45:00+08:00"
    assert done["minutes"] == 75
    assert (done["summary"], done["signed_by"]) == ("Checked the hall", "Wang Li")
    assert done["parts"] == []
    shown = cli("visit", "show", begun["ref"][:-1] + "1", "-f", "json").json()
    assert shown == done
    assert cli("visit", "show", begun["id"][:13], "-f", "json").json() == done


def test_the_engineer_defaults_to_the_one_recording(cli, site, monkeypatch):
    assert start(cli, "--site", site)["engineer"] == "tester"  # SVCDESK_USER
    monkeypatch.setenv("SVCDESK_USER", "Li Wei")
    assert start(cli, "--site", site)["engineer"] == "Li Wei"


def test_a_visit_for_a_ticket_records_its_arrival_and_meets_the_onsite_clock(cli, ticket):
    ref = ticket["ref"]
    r = cli("ticket", "escalate", ref, "--to", "Zhang Min", "--at", "2026-10-14T09:10",
            "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    clocks = {c["name"]: c for c in r.json()["clocks"]}
    assert clocks["onsite"]["state"] == "running"
    before = changes(cli_db())
    visit = start(cli, "--ticket", ref, "--engineer", "Zhang Min", "--at", "2026-10-14T09:50")
    assert visit["site"] == "BJ-HD" and visit["ticket"] == ref  # the ticket's site
    assert visit["kind"] == "repair"
    shown = cli("ticket", "show", ref, "-f", "json").json()
    arrived = [e for e in shown["events"] if e["kind"] == "arrived"]
    assert [(e["at"], e["details"]) for e in arrived] == [
        ("2026-10-14T09:50:00+08:00", {"engineer": "Zhang Min"})
    ]
    onsite = next(c for c in shown["clocks"] if c["name"] == "onsite")
    assert (onsite["state"], onsite["met_at"]) == ("met", "2026-10-14T09:50:00+08:00")
    # one transaction: the visit and the arrival, nothing else
    logged = changes(cli_db()) - before
    assert logged == 3  # visit insert, event append, ticket update


def test_a_ticket_of_another_site_is_refused_and_nothing_is_written(cli, ticket):
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    before = changes(cli_db())
    r = cli("visit", "start", "--site", "SH-PD", "--ticket", ticket["ref"])
    assert r.exit_code == 1
    assert r.stderr.strip() == (f"svcdesk: error: ticket {ticket['ref']} is at site BJ-HD, not "
                                "SH-PD; start the visit with --site BJ-HD")  # fmt: skip
    assert changes(cli_db()) == before and rows(cli_db(), "visit") == 0


def test_a_closed_ticket_takes_no_arrival_so_no_visit_either(cli, ticket):
    ref = ticket["ref"]
    for step in (("resolve", ref, "--note", "fixed"), ("close", ref)):
        assert cli("ticket", *step).exit_code == 0
    before = changes(cli_db())
    r = cli("visit", "start", "--ticket", ref)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert changes(cli_db()) == before and rows(cli_db(), "visit") == 0


def test_an_upgrade_request_makes_an_upgrade_visit(cli, site):
    r = cli("ticket", "open", "--site", site, "--title", "Upgrade to 5.2", "--severity", "upgrade",
            "--due", "2026-10-30T17:00", "--at", "2026-10-14T09:00", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert start(cli, "--ticket", r.json()["ref"])["kind"] == "upgrade"
    assert start(cli, "--site", site, "--kind", "TRAIN")["kind"] == "training"  # a prefix


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (("--kind", "holiday"), 2, "visit kind"),
        (("--at", "2026-10-15T09:00"), 2, "in the future"),
        (("--at", "soon"), 2, "invalid --at"),
        (("--engineer", " "), 2, "--engineer must not be empty"),
        (("-f", "yaml"), 2, "unknown format"),
    ],
)
def test_bad_start_input_is_one_line_and_writes_nothing(cli, site, args, code, said):
    before = changes(cli_db())
    r = cli("visit", "start", "--site", site, *args)
    assert r.exit_code == code, r.stderr
    assert said in r.stderr and r.stderr.count("\n") == 1
    assert changes(cli_db()) == before


def test_start_needs_a_site_or_a_ticket_that_exists(cli, site):
    for args, said in ((("--ticket", "99"), "no ticket matches '99'"),
                       (("--site", "XX"), "no site matches 'XX'"), ((), "needs a --site")):
        r = cli("visit", "start", *args)
        assert r.exit_code in (1, 2) and said in r.stderr, r.stderr
    assert rows(cli_db(), "visit") == 0


def test_ending_twice_or_before_the_start_is_refused_and_writes_nothing(cli, site):
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    before = changes(cli_db())
    r = cli("visit", "end", ref, "--summary", "x", "--at", "2026-10-14T08:00")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "before visit" in r.stderr and "started (2026-10-14 08:30)" in r.stderr
    assert changes(cli_db()) == before
    end(cli, ref, "--summary", "done", "--at", "2026-10-14T09:00")
    before = changes(cli_db())
    r = cli("visit", "end", ref, "--summary", "again", "--part", "A:B")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert f"visit {ref} already ended at 2026-10-14 09:00" in r.stderr
    assert changes(cli_db()) == before
    assert cli("visit", "show", ref, "-f", "json").json()["summary"] == "done"


@pytest.mark.parametrize(
    ("part", "said"),
    [
        ("LED77", "use SERIAL_OUT:SERIAL_IN"),
        ("LED77:", "both serials are needed"),
        ("A:B:C:D", "use SERIAL_OUT:SERIAL_IN"),
        ("A:B:cheap", "invalid cost"),
        ("A:B:-5", "invalid cost"),
        ("A:B:1.234", "invalid cost"),
        ("A:B:", "invalid cost"),
    ],
)
def test_a_malformed_part_is_a_usage_error_and_writes_nothing(cli, site, part, said):
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    before = changes(cli_db())
    r = cli("visit", "end", ref, "--summary", "done", "--part", "X1:X2:10", "--part", part)
    assert r.exit_code == 2, r.stderr
    assert said in r.stderr and r.stderr.count("\n") == 1
    assert changes(cli_db()) == before
    assert cli("visit", "show", ref, "-f", "json").json()["ended_at"] is None


def test_a_bad_format_refuses_the_end_before_writing(cli, site):
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    before = changes(cli_db())
    assert cli("visit", "end", ref, "--summary", "done", "-f", "xml").exit_code == 2
    assert cli("visit", "end", ref, "--summary", " ").exit_code == 2
    assert changes(cli_db()) == before


def test_an_led_screen_older_than_3_years_gets_a_paid_replacement(cli, site, led, server):
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    done = end(cli, ref, "--summary", "Replaced the module and a disk",
               "--part", "led2291-77:LED-3310-05:350.5",  # the serial as read: case, spaces
               "--part", "srv-001:SRV-002:1,200", "--at", "2026-10-14T09:30")  # fmt: skip
    screen, disk = done["parts"]
    assert (screen["asset"], screen["serial_out"], screen["serial_in"]) == (
        led["ref"], "led2291-77", "LED-3310-05")  # fmt: skip
    assert (screen["cost"], screen["cost_cents"], screen["coverage"]) == ("350.50", 35050, "paid")
    assert any("older than 3 years" in why for why in screen["reasons"])
    assert screen["reasons"][-1].endswith("its warranty does not cover it")
    assert (disk["asset"], disk["coverage"], disk["cost_cents"]) == (server["ref"], "free", 120000)
    # the same decision `warranty check` gives for that day
    check = cli("warranty", "check", led["ref"], "--on", "2026-10-14", "-f", "json").json()
    assert check["replacement"] == "not_covered"


def test_a_young_led_screen_is_replaced_free(cli, site):
    r = cli("asset", "add", "--site", site, "--kind", "led_screen", "--serial", "LED-NEW",
            "--installed", "2025-01-10", "-f", "json")  # fmt: skip
    assert r.exit_code == 0
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    (part,) = end(cli, ref, "--summary", "swap", "--part", "LED-NEW:LED-NEWER")["parts"]
    assert (part["coverage"], part["cost"]) == ("free", None)


def test_an_unknown_serial_is_recorded_paid_with_a_note(cli, site):
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    r = cli("visit", "end", ref, "--summary", "swap", "--part", "NOPE-1:NOPE-2", "-f", "json")
    assert r.exit_code == 0, r.stderr
    (part,) = r.json()["parts"]
    assert (part["asset"], part["coverage"]) == (None, "paid")
    assert "NOPE-1 is not an asset registered at site BJ-HD" in r.stderr


def test_a_serial_of_another_site_is_not_this_sites_equipment(cli, site):
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    assert cli("asset", "add", "--site", "SH-PD", "--kind", "server", "--serial", "S-9",
               "--installed", "2025-01-01").exit_code == 0  # fmt: skip
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    (part,) = end(cli, ref, "--summary", "swap", "--part", "S-9:S-10")["parts"]
    assert (part["asset"], part["coverage"]) == (None, "paid")


def test_list_filters_by_site_engineer_and_time(cli, site):
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    a = start(cli, "--site", site, "--engineer", "Zhang Min", "--at", "2026-10-12T09:00")
    b = start(cli, "--site", "SH-PD", "--engineer", "Li Wei", "--at", "2026-10-13T09:00")
    c = start(cli, "--site", site, "--engineer", "Li Wei", "--at", "2026-10-14T09:00")

    def listed(*args: str) -> list[str]:
        r = cli("visit", "list", *args, "-f", "json")
        assert r.exit_code == 0, r.stderr
        assert all(v.keys() == VISIT_FIELDS for v in r.json())
        return [v["ref"] for v in r.json()]

    assert listed() == [a["ref"], b["ref"], c["ref"]]  # oldest first
    assert listed("--site", site) == [a["ref"], c["ref"]]
    assert listed("--engineer", "li wei") == [b["ref"], c["ref"]]  # any case
    assert listed("--engineer", "Nobody") == []
    assert listed("--since", "2026-10-13T00:00", "--until", "2026-10-14T09:00") == [b["ref"]]
    r = cli("visit", "list", "--since", "2026-10-14", "--until", "2026-10-13")
    assert r.exit_code == 2 and "--until must be after --since" in r.stderr
    assert cli("visit", "list", "--site", "XX").exit_code == 1


def test_list_in_every_format(cli, site, led):
    ref = start(cli, "--site", site, "--at", "2026-10-14T08:30")["ref"]
    end(cli, ref, "--summary", "=cmd|' /C calc'!A0", "--part", "LED2291-77:L2:5",
        "--at", "2026-10-14T09:00")  # fmt: skip
    plain = cli("visit", "list").stdout
    assert ref in plain and "REF" in plain and "30" in plain
    md = cli("visit", "list", "-f", "md").stdout
    assert md.startswith("| REF")
    (row,) = list(csv.DictReader(io.StringIO(cli("visit", "list", "-f", "csv").stdout)))
    assert list(row) == list(VISIT_FIELDS_ORDER)
    assert row["summary"].startswith("'=")  # a spreadsheet never runs it
    assert row["minutes"] == "30" and '"coverage":"paid"' in row["parts"]
    empty = cli("visit", "list", "--engineer", "nobody", "-f", "csv").stdout
    assert empty.strip().split(",") == list(VISIT_FIELDS_ORDER)
    shown = cli("visit", "show", ref).stdout
    assert "Parts replaced" in shown and "paid" in shown


VISIT_FIELDS_ORDER = ("id", "ref", "site", "ticket", "engineer", "kind", "started_at", "ended_at",
                      "minutes", "summary", "parts", "signed_by")  # fmt: skip


def test_hours_sums_time_on_site_per_engineer_and_site(cli, site):
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    spans = [("Zhang Min", site, "2026-10-12T09:00", "2026-10-12T10:30"),
             ("Zhang Min", site, "2026-10-13T14:00", "2026-10-13T14:45"),
             ("Zhang Min", "SH-PD", "2026-10-13T09:00", "2026-10-13T11:00"),
             ("Li Wei", site, "2026-10-13T09:00", "2026-10-13T09:20")]  # fmt: skip
    for who, where, begin, finish in spans:
        ref = start(cli, "--site", where, "--engineer", who, "--at", begin)["ref"]
        end(cli, ref, "--summary", "done", "--at", finish)
    start(cli, "--site", site, "--engineer", "Li Wei", "--at", "2026-10-14T08:00")  # still open
    r = cli("visit", "hours", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json() == [
        {"engineer": "Li Wei", "site": "BJ-HD", "visits": 1, "minutes": 20, "seconds": 1200,
         "open": 1},
        {"engineer": "Zhang Min", "site": "BJ-HD", "visits": 2, "minutes": 135, "seconds": 8100,
         "open": 0},
        {"engineer": "Zhang Min", "site": "SH-PD", "visits": 1, "minutes": 120, "seconds": 7200,
         "open": 0},
    ]  # fmt: skip
    within = cli("visit", "hours", "--since", "2026-10-13", "--until", "2026-10-14",
                 "--engineer", "zhang min", "-f", "json").json()  # fmt: skip
    assert [(h["site"], h["minutes"]) for h in within] == [("BJ-HD", 45), ("SH-PD", 120)]
    table = cli("visit", "hours").stdout
    assert "2h 15m" in table


def test_the_cli_kinds_are_the_services():
    from svcdesk.cli import visit
    from svcdesk.services import visits

    assert visit.KINDS == visits.KINDS


def test_costs_parse_to_exact_cents():
    from hypothesis import given
    from hypothesis import strategies as st

    from svcdesk.services.visits import cost_text, parse_cost

    @given(st.integers(min_value=0, max_value=10**12))
    def round_trip(cents: int) -> None:
        assert parse_cost(cost_text(cents) or "") == cents

    round_trip()
    assert parse_cost("350.5") == 35050 and parse_cost("7") == 700
