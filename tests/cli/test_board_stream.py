"""`sla board` streams like the lists: on a terminal the most urgent page and a line saying how
many more (`--all`: every row); in a pipe and in every machine format, every row; the order
(most urgent first) and the rows the same in every format and however they are read."""

from __future__ import annotations

import csv
import io
import re
import sys

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import reset_cli_state

from svcdesk import clock, output
from svcdesk.cli import views as cli_views

ANSI = re.compile(r"\x1b\[[0-9;]*m")
MORE = re.compile(r"^… and ([\d,]+) more; --all shows every row$")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def on_terminal(monkeypatch, *args: str, lines: int = 20) -> tuple[int, list[str], str]:
    """Run svcdesk with stdout and stderr on a terminal of `lines` lines: (exit code, the
    table's lines without colour, stderr)."""
    from svcdesk.cli import main

    out, err = Terminal(), Terminal()
    monkeypatch.setenv("LINES", str(lines))
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = 0
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        reset_cli_state()
        monkeypatch.undo()
    return code, [ANSI.sub("", line) for line in out.getvalue().splitlines()], err.getvalue()


def open_ticket(cli, at: str, category: str = "hardware", title: str = "Printer jammed",
                site: str = "BJ-HD") -> str:  # fmt: skip
    r = cli("ticket", "open", "--site", site, "--title", title, "--category", category,
            "--at", at, "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()["ref"]


@pytest.fixture
def board(cli, site) -> list[str]:
    """45 open tickets, opened over two weeks (deadlines all different, most overdue), two of
    them paused (no running deadline: last); their refs in the board's order."""
    refs = []
    for i in range(45):
        day, hour = 1 + i % 13, 9 + i % 8
        category = ("hardware", "software", "operation")[i % 3]
        refs.append(open_ticket(cli, f"2026-10-{day:02d}T{hour:02d}:{i % 60:02d}", category))
    for ref, day in zip(refs[:2], ("01", "02"), strict=True):  # no clock runs: last
        assert cli("ticket", "respond", ref, "--at", f"2026-10-{day}T11:10").exit_code == 0
        r = cli("ticket", "pause", ref, "--reason", "waiting for the customer's part",
                "--at", f"2026-10-{day}T11:20")  # fmt: skip
        assert r.exit_code == 0, r.stderr
    rows = cli("sla", "board", "-f", "json").json()
    order = [row["ticket"] for row in rows]
    assert sorted(order) == sorted(refs)
    assert set(order[-2:]) == set(refs[:2]) and rows[-1]["seconds_left"] is None
    return order


def refs_of(table_lines: list[str]) -> list[str]:
    return [line.split()[0] for line in table_lines[1:]]


def test_a_terminal_shows_the_most_urgent_page_and_says_how_many_more(board, monkeypatch):
    code, lines, err = on_terminal(monkeypatch, "sla", "board", lines=20)
    assert code == 0
    page = 20 - 3  # the header, the line saying how many more and the prompt's
    assert lines[0].split()[:3] == ["TICKET", "SEV", "SITE"]
    assert refs_of(lines) == board[:page]
    assert err.splitlines() == [f"… and {len(board) - page} more; --all shows every row"]


def test_a_taller_terminal_shows_a_longer_page(board, monkeypatch):
    _, lines, err = on_terminal(monkeypatch, "sla", "board", "-f", "table", lines=40)
    assert refs_of(lines) == board[:37]
    assert MORE.match(err.strip()).group(1) == str(len(board) - 37)


def test_all_on_a_terminal_shows_every_row_and_no_more_line(board, monkeypatch):
    _, lines, err = on_terminal(monkeypatch, "sla", "board", "--all", lines=20)
    assert refs_of(lines) == board
    assert err == ""


def test_a_board_that_fits_has_no_more_line(cli, site, monkeypatch):
    refs = [open_ticket(cli, f"2026-10-13T{h:02d}:00") for h in (9, 10, 11)]
    _, lines, err = on_terminal(monkeypatch, "sla", "board", lines=20)
    assert sorted(refs_of(lines)) == sorted(refs)
    assert err == ""


def test_an_empty_board_on_a_terminal_says_so(cli, site, monkeypatch):
    code, lines, err = on_terminal(monkeypatch, "sla", "board", lines=20)
    assert code == 0 and lines == [] and err == "no open tickets\n"


@pytest.mark.parametrize("fmt", ["json", "csv", "plain", "md"])
def test_other_formats_on_a_terminal_give_every_row(board, monkeypatch, fmt):
    _, lines, err = on_terminal(monkeypatch, "sla", "board", "-f", fmt, lines=20)
    assert "more" not in err
    text = "\n".join(lines)
    if fmt == "json":
        assert [r["ticket"] for r in orjson.loads(text)] == board
    elif fmt == "csv":
        assert [r["ticket"] for r in csv.DictReader(io.StringIO(text))] == board
    elif fmt == "plain":
        assert refs_of(lines) == board
    else:
        assert [line.split("|")[1].strip() for line in lines[2:]] == board


@pytest.mark.parametrize("fmt", ["table", "plain", "md", "csv", "json", None])
def test_a_pipe_gets_every_row_in_the_same_order(board, cli, fmt):
    r = cli("sla", "board", *(["-f", fmt] if fmt else []))
    assert r.exit_code == 0 and r.stderr == ""
    if fmt == "json":
        got = [row["ticket"] for row in r.json()]
    elif fmt == "csv":
        got = [row["ticket"] for row in csv.DictReader(io.StringIO(r.stdout))]
    elif fmt == "md":
        got = [line.split("|")[1].strip() for line in r.stdout.splitlines()[2:]]
    else:
        got = refs_of(ANSI.sub("", r.stdout).splitlines())
    assert got == board


def test_the_order_is_most_urgent_first_then_by_opening_then_paused(cli, site):
    # Opened after hours on the same evening, the same class: the same deadline next morning.
    # The one opened first comes first, whichever was entered first.
    late = open_ticket(cli, "2026-10-12T19:00")
    early = open_ticket(cli, "2026-10-12T18:00")
    sooner = open_ticket(cli, "2026-10-12T09:00")
    paused = open_ticket(cli, "2026-10-09T09:00")  # responded to, then paused: no clock runs
    assert cli("ticket", "respond", paused, "--at", "2026-10-09T09:10").exit_code == 0
    r = cli("ticket", "pause", paused, "--reason", "waiting for a part", "--at", "2026-10-09T09:20")
    assert r.exit_code == 0, r.stderr
    rows = cli("sla", "board", "-f", "json").json()
    assert [r["ticket"] for r in rows] == [sooner, early, late, paused]
    assert rows[1]["due_at"] == rows[2]["due_at"]
    assert rows[3]["seconds_left"] is None and rows[3]["next_clock"] is None
    lefts = [r["seconds_left"] for r in rows if r["seconds_left"] is not None]
    assert lefts == sorted(lefts)


def test_the_board_of_one_site_keeps_the_order(cli, site, board):
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    other = open_ticket(cli, "2026-10-01T09:00", site="SH-PD")
    rows = cli("sla", "board", "--site", "BJ-HD", "-f", "json").json()
    assert [r["ticket"] for r in rows] == board
    assert [r["ticket"] for r in cli("sla", "board", "--site", "SH-PD", "-f", "json").json()] == [
        other
    ]


HOSTILE = ["Printer, scanner and \"the\" fax", "=1+2", " -3", "@SUM(A1)", "line\nbreak",
           "carriage\rreturn", "叫号机卡纸，二号大厅",
           "plain title", "\ttabbed", "a,=b"]  # fmt: skip


def test_the_streamed_csv_is_what_the_writer_makes_of_the_records(cli, site):
    for i, title in enumerate(HOSTILE):
        ref = open_ticket(cli, f"2026-10-{1 + i:02d}T10:00", title=title)
        if i % 3 == 0:
            assert cli("ticket", "assign", ref, "Li, Wei" if i % 2 else "=Wang").exit_code == 0
    records = cli("sla", "board", "-f", "json").json()
    expected = io.StringIO()
    output.render_list(records, cli_views.board_cols("en"), "csv", out=expected)
    got = cli("sla", "board", "-f", "csv").stdout
    assert got == expected.getvalue()
    assert [r["title"] for r in csv.DictReader(io.StringIO(got))] != []


def test_json_from_the_stored_views_equals_json_from_the_clocks(board, env_setup):
    from svcdesk.services import sla
    from svcdesk.services.session import open_database

    clock.set_now("2026-10-14T10:00:00+08:00")
    db = open_database(str(env_setup))
    try:
        from_views = orjson.dumps(list(sla.board(db, as_json=True)))
        from_clocks = orjson.dumps(list(sla.board(db)))
        assert from_views == from_clocks
        brief = list(sla.board(db, brief=True))
        assert [row[0] for row in brief] == board
        assert len(brief[0]) == len(sla.BOARD_BRIEF)
    finally:
        db.close()


def test_the_board_streams_in_batches_in_the_index_order(board, env_setup):
    from svcdesk.services.session import open_database
    from svcdesk.store import tickets as store

    db = open_database(str(env_setup))
    try:
        with db.read() as conn:
            batches = list(store.board(conn, batch=7))
            assert all(len(b) <= 7 for b in batches) and len(batches) >= 45 // 7
            assert [row[0] for b in batches for row in b] == board
            # a page reads only its rows, across both parts (paused tickets come last)
            page = [row[0] for b in store.board(conn, limit=44, batch=10) for row in b]
            assert page == board[:44]
            assert store.open_count(conn) == len(board)
            if db.dialect == "sqlite":
                for due in ("IS NOT NULL", "IS NULL"):
                    plan = conn.execute(
                        "EXPLAIN QUERY PLAN SELECT t.ref, t.clocks FROM ticket t WHERE "
                        f"t.status <> 'closed' AND t.next_due_at {due} "
                        "ORDER BY t.next_due_at, t.opened_at, t.id"
                    ).all()
                    text = " ".join(str(step) for step in plan)
                    assert "ix_ticket_board" in text and "TEMP B-TREE" not in text
    finally:
        db.close()


# --------------------------------------------------------------------------------------------
# What the board reads out of a ticket's stored clocks, against the records built from them

INSTANT = st.integers(min_value=1_700_000_000, max_value=1_700_000_300)  # collide often
NAMES = st.sampled_from(["respond", "resolve", "onsite", "report", 're"x', "a\\b", "z[", '",1,'])
CLOCK = st.tuples(NAMES, INSTANT, st.none() | INSTANT, st.none() | INSTANT,
                  st.none() | st.integers(-10**6, 10**6), st.integers(0, 10**6),
                  st.sampled_from(["working", "calendar"]),
                  st.sampled_from(["", "x[", 'q"]']))  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(CLOCK, max_size=5), INSTANT)
def test_the_next_clock_and_the_clocks_text_agree_with_the_records(clocks, now):
    from svcdesk.domain import sla
    from svcdesk.domain.sla import Clock
    from svcdesk.services import derived

    text = orjson.dumps([list(c) for c in clocks]).decode()
    running = [(due, name) for name, _, due, met, *_ in clocks if met is None and due is not None]
    due = min(d for d, _ in running) if running else None
    expected = next((n for d, n in running if d == due), None)
    assert sla.next_clock([Clock(*c) for c in clocks]) == expected  # as derived state stores it
    tz = clock.zone("Asia/Shanghai")
    local = clock.local_times(tz)
    records = derived.clock_records("KQ7M-1", text, now, local)
    assert derived.clocks_text("KQ7M-1", text, now, derived.iso_texts(tz)) == orjson.dumps(
        records
    ).decode()


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-2_000_000_000, max_value=4_000_000_000),
       st.sampled_from(["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kathmandu",
                        "Australia/Lord_Howe", "Europe/Dublin"]))  # fmt: skip
def test_instants_as_text_are_what_isoformat_gives(ts, zone):
    tz = clock.zone(zone)
    assert clock.local_isoformat(tz)(ts) == clock.local_times(tz)(ts).isoformat()


# --------------------------------------------------------------------------------------------
# A PostgreSQL hub streams the same board

TICKETS = [("2026-10-12T19:00", "late"), ("2026-10-12T18:00", "early"),
           ("2026-10-12T09:00", "sooner"), ("2026-10-09T09:00", "paused"),
           ("2026-10-13T11:00", 'a, "quoted" one'), ("2026-10-13T11:30", "=2+3")]  # fmt: skip


def test_a_postgresql_hub_gives_the_same_board_in_every_format(cli, env_setup, pg_url):
    def fill(db: str) -> None:
        assert cli("--db", db, "init").exit_code == 0
        assert cli("--db", db, "site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
        for i, (at, title) in enumerate(TICKETS):
            r = cli("--db", db, "ticket", "open", "--site", "BJ-HD", "--title", title,
                    "--category", ("hardware", "software")[i % 2], "--at", at, "-f", "json")
            assert r.exit_code == 0, r.stderr
            if title == "paused":  # responded to, then paused: no clock runs
                ref = r.json()["ref"]
                r = cli("--db", db, "ticket", "respond", ref, "--at", "2026-10-09T09:10")
                assert r.exit_code == 0, r.stderr
                r = cli("--db", db, "ticket", "pause", ref, "--reason", "a part",
                        "--at", "2026-10-09T09:20")
                assert r.exit_code == 0, r.stderr

    def shown(db: str, fmt: str) -> str:
        r = cli("--db", db, "sla", "board", "-f", fmt)
        assert r.exit_code == 0, r.stderr
        code = cli("--db", db, "db", "info", "-f", "json").json()["replica_code"]
        return r.stdout.replace(code, "XXXX")

    fill(str(env_setup))
    fill(pg_url)
    for fmt in ("plain", "md", "csv", "json", "table"):
        assert shown(pg_url, fmt) == shown(str(env_setup), fmt), fmt
    titles = [r["title"] for r in cli("--db", pg_url, "sla", "board", "-f", "json").json()]
    assert titles[:3] == ["sooner", "early", "late"] and titles[-1] == "paused"
