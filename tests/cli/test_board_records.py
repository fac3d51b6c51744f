"""The board reads what derived state stores for it (format 8): each open ticket's next clock
(its text formats) and its board record pre-rendered in its policy's zone (JSON and CSV, filled
in for now like the ticket views). What it reads must be exactly what it would build from the
ticket's clocks: in every format, in another display zone, after events move the clocks, and
in a database derived before the records were stored."""

from __future__ import annotations

import csv
import io
import sqlite3

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svcdesk import output
from svcdesk.cli import views as cli_views
from svcdesk.domain.sla import Clock

TITLES = ['Printer, scanner and "the" fax', "=1+2", " -3", "100% paper jam", "back\\slash",
          "line\nbreak", "carriage\rreturn", "叫号机卡纸，二号大厅", "plain title", "a,=b",
          "\ttabbed", "%d %s"]  # fmt: skip


def open_ticket(cli, at: str, title: str, category: str = "hardware") -> str:
    r = cli("ticket", "open", "--site", "BJ-HD", "--title", title, "--category", category,
            "--at", at, "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()["ref"]


@pytest.fixture
def tickets(cli, site) -> list[str]:
    """Open tickets of every kind the board shows: hostile titles, no assignee and an
    assignee a spreadsheet would run, met clocks, a paused one, a resolved one (its report
    clock running), and one closed (not on the board)."""
    refs = []
    for i, title in enumerate(TITLES):
        category = ("hardware", "software", "operation")[i % 3]
        refs.append(open_ticket(cli, f"2026-10-{1 + i:02d}T{9 + i % 8:02d}:15", title, category))
    assert cli("ticket", "assign", refs[0], "Li, Wei").exit_code == 0
    assert cli("ticket", "assign", refs[1], "=Wang").exit_code == 0
    assert cli("ticket", "respond", refs[2], "--at", "2026-10-03T18:00").exit_code == 0
    assert cli("ticket", "respond", refs[3], "--at", "2026-10-04T18:00").exit_code == 0
    r = cli("ticket", "pause", refs[3], "--reason", "a part", "--at", "2026-10-04T18:10")
    assert r.exit_code == 0, r.stderr
    assert cli("ticket", "respond", refs[4], "--at", "2026-10-05T18:00").exit_code == 0
    r = cli("ticket", "resolve", refs[4], "--note", "replaced", "--at", "2026-10-05T19:00")
    assert r.exit_code == 0, r.stderr
    assert cli("ticket", "respond", refs[5], "--at", "2026-10-06T18:00").exit_code == 0
    r = cli("ticket", "resolve", refs[5], "--note", "done", "--at", "2026-10-06T19:00")
    assert r.exit_code == 0, r.stderr
    r = cli("ticket", "close", refs[5], "--at", "2026-10-06T20:00")
    assert r.exit_code == 0, r.stderr
    return refs


def board(cli, fmt: str, *before: str) -> str:
    r = cli(*before, "sla", "board", "-f", fmt)
    assert r.exit_code == 0, r.stderr
    return r.stdout


@pytest.fixture
def built(monkeypatch):
    """Make the board build every record from the ticket's clocks, as it does for a zone the
    records were not rendered in (and write every CSV row through the csv writer)."""
    from svcdesk.services import derived, sla

    def use() -> None:
        monkeypatch.setattr(derived, "board_text", lambda view, zone, now: None)
        monkeypatch.setattr(sla, "_csv_line", lambda text: None)

    return use


@pytest.mark.parametrize("fmt", ["json", "csv", "plain", "md", "table"])
def test_the_stored_records_give_what_the_clocks_give(tickets, cli, built, fmt):
    stored = board(cli, fmt)
    built()
    assert board(cli, fmt) == stored
    if fmt == "json":
        rows = orjson.loads(stored)
        assert len(rows) == len(TITLES) - 1 and tickets[5] not in [r["ticket"] for r in rows]
        paused = next(r for r in rows if r["ticket"] == tickets[3])
        assert paused["next_clock"] is None and paused["seconds_left"] is None
        resolved = next(r for r in rows if r["ticket"] == tickets[4])
        assert resolved["status"] == "resolved" and resolved["next_clock"] == "report"


def test_the_csv_is_what_the_writer_makes_of_the_json_records(tickets, cli):
    records = orjson.loads(board(cli, "json"))
    expected = io.StringIO()
    output.render_list(records, cli_views.board_cols("en"), "csv", out=expected)
    got = board(cli, "csv")
    assert got == expected.getvalue()
    assert {r["title"] for r in csv.DictReader(io.StringIO(got))} >= {"100% paper jam", "%d %s"}


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_another_display_zone_builds_the_records_in_that_zone(tickets, cli, built, zone):
    json_there = board(cli, "json", "--tz", zone)
    csv_there = board(cli, "csv", "--tz", zone)
    assert json_there != board(cli, "json")  # the instants are that zone's
    built()
    assert board(cli, "json", "--tz", zone) == json_there
    assert board(cli, "csv", "--tz", zone) == csv_there


def test_events_move_the_next_clock_and_the_record(cli, site):
    ref = open_ticket(cli, "2026-10-13T09:00", "Printer jammed")
    before = orjson.loads(board(cli, "json"))[0]
    assert before["next_clock"] == "respond"
    assert board(cli, "plain").splitlines()[1].split()[4] == "respond"
    assert cli("ticket", "respond", ref, "--at", "2026-10-13T09:10").exit_code == 0
    after = orjson.loads(board(cli, "json"))[0]
    assert after["next_clock"] != "respond" and after["due_at"] != before["due_at"]
    assert board(cli, "plain").splitlines()[1].split()[4] == after["next_clock"]
    respond = next(c for c in after["clocks"] if c["name"] == "respond")
    assert respond["state"] == "met" and respond["seconds_left"] is None
    running = [c for c in after["clocks"] if c["state"] in ("running", "breached")]
    assert after["seconds_left"] == min(c["seconds_left"] for c in running)


def test_a_database_derived_before_the_board_records_gets_them(tickets, cli, env_setup):
    expected = {fmt: board(cli, fmt) for fmt in ("json", "csv", "plain")}
    with sqlite3.connect(env_setup) as conn:  # as svcdesk with derived format 7 left it
        conn.execute("UPDATE ticket SET next_clock = NULL, board_view = NULL")
        conn.execute("UPDATE svcdesk_meta SET value = '7' WHERE key = 'derived_format'")
    for fmt, text in expected.items():
        assert board(cli, fmt) == text
    with sqlite3.connect(env_setup) as conn:
        (missing,) = conn.execute(
            "SELECT count(*) FROM ticket WHERE status <> 'closed' AND board_view IS NULL"
        ).fetchone()
    assert missing == 0


def test_every_format_reads_its_rows_from_an_index_alone(tickets, env_setup):
    from svcdesk.services.session import open_database
    from svcdesk.store import tickets as store

    db = open_database(str(env_setup))
    try:
        with db.read() as conn:
            assert [len(r) for b in store.board(conn, views=True) for r in b][0] == 2
            for cols, index in (("t.id, t.board_view", "ix_ticket_board_view"),
                                (", ".join(f"t.{c}" for c in store.BOARD_COLS),
                                 "ix_ticket_board")):  # fmt: skip
                for due in ("IS NOT NULL", "IS NULL"):
                    plan = conn.execute(
                        f"EXPLAIN QUERY PLAN SELECT {cols} FROM ticket t WHERE "
                        f"t.status <> 'closed' AND t.next_due_at {due} "
                        "ORDER BY t.next_due_at, t.opened_at, t.id"
                    ).all()
                    text = " ".join(str(step) for step in plan)
                    assert f"COVERING INDEX {index}" in text and "TEMP B-TREE" not in text, text
    finally:
        db.close()


INSTANT = st.integers(min_value=1_700_000_000, max_value=1_700_000_300)  # collide often
CLOCK = st.builds(lambda name, due, met: Clock(name, 1_700_000_000, due, met, None, 60,
                                               "working", "x"),
                  st.sampled_from(["respond", "resolve", "onsite", "report"]),
                  st.none() | INSTANT, st.none() | INSTANT)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(CLOCK, max_size=6))
def test_the_stored_next_clock_is_the_first_running_clock_due_first(clocks):
    from svcdesk.domain import sla

    running = [(c.due_at, c.name) for c in clocks if c.met_at is None and c.due_at is not None]
    due = min(d for d, _ in running) if running else None
    assert sla.next_due(clocks) == due
    assert sla.next_clock(clocks) == next((n for d, n in running if d == due), None)
