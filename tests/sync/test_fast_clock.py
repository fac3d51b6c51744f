"""Nobody waits for a fast clock: events dated ahead of this computer's clock (recorded by a
laptop whose clock runs fast) never stop the next lawful command here; the status `ticket show`
reports and the commands it allows always agree, and the timeline flags such events, naming
the replica that recorded them."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import lifecycle, replicas, walked_status

from svcdesk import clock
from svcdesk.domain import tickets as rules
from svcdesk.domain.errors import RuleViolation
from svcdesk.services import sites, sync, tickets
from svcdesk.services.session import open_database
from svcdesk.store import tickets as store

RIGHT = "2026-10-14T10:00"  # the right time (conftest's SVCDESK_NOW)
FAST = "2026-10-17T10:00"  # a laptop whose clock runs 3 days fast


@contextmanager
def now_is(when: str | datetime):
    """This process's business clock (`--now`) reads `when` while inside."""
    clock.set_now(when.isoformat() if isinstance(when, datetime) else when)
    try:
        yield
    finally:
        clock.set_now(None)


def laptops(cli, tmp_path: Path) -> tuple[str, str, str, str]:
    """Two laptops, A (fast) and B (right), with one ticket B opened and both hold; returns
    (a, b, the ticket's ref, A's replica code)."""
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for db in (a, b):
        assert cli("--db", db, "init").exit_code == 0
    assert cli("--db", b, "site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    ref = cli("--db", b, "ticket", "open", "--site", "BJ-HD", "--title", "hall network down",
              "--category", "software", "--at", "2026-10-14T09:00", "-f", "json").json()["ref"]
    assert cli("--db", b, "sync", a).exit_code == 0
    code = cli("--db", a, "db", "info", "-f", "json").json()["replica_code"]
    return a, b, ref, code


def fast_resolution(cli, a: str, b: str, ref: str) -> None:
    """A, 3 days ahead, comments and resolves; the laptops sync."""
    for args in (["comment", ref, "switch replaced"], ["resolve", ref, "--note", "fixed"]):
        r = cli("--db", a, "--now", FAST, "ticket", *args)
        assert r.exit_code == 0, r.stderr
    assert cli("--db", b, "sync", a).exit_code == 0


def shown(cli, db: str, ref: str, *now: str) -> dict:
    r = cli("--db", db, *(("--now", now[0]) if now else ()), "ticket", "show", ref, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def test_a_fast_laptops_resolution_is_closed_now_on_the_right_one(cli, tmp_path):
    a, b, ref, _ = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    assert shown(cli, b, ref)["status"] == "resolved"
    r = cli("--db", b, "ticket", "close", ref)  # no --at: now, 3 days before the resolution
    assert r.exit_code == 0, r.stderr
    after = shown(cli, b, ref)
    assert after["status"] == "closed"
    # after the resolution in the timeline's order, though dated at its instant
    assert [e["kind"] for e in after["events"]] == ["opened", "comment", "resolved", "closed"]
    resolved, closed = after["events"][2:]
    assert closed["at"] == resolved["at"]
    assert cli("--db", a, "sync", b).exit_code == 0
    for db in (a, b):
        assert shown(cli, db, ref)["status"] == "closed"
        assert shown(cli, db, ref, FAST)["status"] == "closed"
    assert cli("--db", b, "sync", "conflicts", "-f", "json").json() == []
    # closed: nothing of it is due or overdue here any more (its report clock aside)
    for command in (["sla", "board", "-f", "json"], ["sla", "overdue", "--within", "3650d",
                                                     "-f", "json"]):  # fmt: skip
        r = cli("--db", b, *command)
        assert r.exit_code == 0, r.stderr
        assert all(row.get("name") == "report" for row in r.json() if row["ticket"] == ref)
    clocks = {c["name"]: c for c in shown(cli, b, ref)["clocks"]}
    assert clocks["resolve"]["state"] == "met" and clocks["respond"]["state"] == "met"


def test_a_fast_laptops_resolution_is_reopened_now_on_the_right_one(cli, tmp_path):
    a, b, ref, _ = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    r = cli("--db", b, "ticket", "reopen", ref, "--reason", "still down in hall 2")
    assert r.exit_code == 0, r.stderr
    assert shown(cli, b, ref)["status"] == "open"
    assert cli("--db", b, "sync", a).exit_code == 0
    for db in (a, b):
        s = shown(cli, db, ref)
        assert s["status"] == "open"
        assert [e["kind"] for e in s["events"]][-2:] == ["resolved", "reopened"]
        running = {c["name"]: c for c in s["clocks"]}
        assert "report" not in running  # no incident report is owed while reopened
        assert running["resolve"]["state"] == "running"  # from the reopening on
    # and the next lawful commands still work now, without --at
    for args in (["pause", ref, "--reason", "waiting for the customer"], ["resume", ref],
                 ["resolve", ref, "--note", "cable replaced"], ["close", ref]):  # fmt: skip
        r = cli("--db", b, "ticket", *args)
        assert r.exit_code == 0, (args, r.stderr)
    assert shown(cli, b, ref)["status"] == "closed"
    assert cli("--db", b, "sync", "conflicts", "-f", "json").json() == []


def test_work_lawful_now_still_goes_in_at_now(cli, tmp_path):
    """A response and an arrival, lawful at this computer's now, keep their real instant (the
    clocks they meet are met now), before the fast laptop's resolution."""
    a, b, ref, _ = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    assert cli("--db", b, "ticket", "respond", ref).exit_code == 0
    s = shown(cli, b, ref)
    assert [e["kind"] for e in s["events"]] == ["opened", "responded", "comment", "resolved"]
    respond = {c["name"]: c for c in s["clocks"]}["respond"]
    assert respond["met_at"] == "2026-10-14T10:00:00+08:00"
    assert s["status"] == "resolved"


def test_a_command_the_status_shown_refuses_is_refused_as_it_says(cli, tmp_path):
    a, b, ref, _ = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    before = shown(cli, b, ref)
    for args, says in (
        (["resolve", ref, "--note", "again"], "it is resolved"),
        (["resume", ref], "it is resolved"),
    ):
        r = cli("--db", b, "ticket", *args)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1
        assert says in r.stderr, r.stderr
    assert shown(cli, b, ref) == before  # nothing written


def test_an_explicit_past_instant_is_still_refused_and_says_why(cli, tmp_path):
    a, b, ref, code = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    before = shown(cli, b, ref)
    r = cli("--db", b, "ticket", "close", ref, "--at", "2026-10-14T09:50")
    assert r.exit_code == 1
    assert r.stderr == (
        f"svcdesk: error: cannot close ticket {ref} at 2026-10-14 09:50: it was open then; its "
        f"next event is comment at 2026-10-17 10:00 (dated ahead of this computer's clock, "
        f"recorded by replica {code}; without --at, it goes in after it)\n"
    )
    assert shown(cli, b, ref) == before


def test_show_flags_events_dated_ahead_and_names_their_replica(cli, tmp_path):
    a, b, ref, code = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    assert cli("--db", b, "ticket", "close", ref).exit_code == 0
    mine = cli("--db", b, "db", "info", "-f", "json").json()["replica_code"]
    events = shown(cli, b, ref)["events"]
    assert [e["future"] for e in events] == [False, True, True, True]
    assert "replica" not in events[0]
    assert [e["replica"] for e in events[1:]] == [code, code, mine]
    # the close was recorded now, and placed after the events dated ahead
    assert events[3]["recorded_at"] == "2026-10-14T10:00:00+08:00"
    assert events[3]["at"] == events[2]["at"] == "2026-10-17T10:00:00+08:00"
    for fmt in ("table", "plain"):
        text = cli("--db", b, "ticket", "show", ref, "-f", fmt).stdout
        lines = [line for line in text.splitlines() if "dated ahead" in line]
        assert len(lines) == 3, text
        assert all("⚠ dated ahead of this computer's clock, recorded by replica" in line
                   for line in lines)  # fmt: skip
        assert "switch replaced" in lines[0] and f"replica {code}" in lines[0]
        assert "placed after the events dated ahead" in lines[2] and f"replica {mine}" in lines[2]
    # once the clock here reaches them, they are no longer flagged
    later = shown(cli, b, ref, "2026-10-18T10:00")["events"]
    assert not any(e["future"] for e in later)
    text = cli("--db", b, "--now", "2026-10-18T10:00", "ticket", "show", ref).stdout
    assert "dated ahead" not in text


def test_a_whole_laptop_three_days_fast(tmp_path, monkeypatch):
    """The fast laptop's system clock itself runs ahead (its change-log stamps too), and this
    laptop accepts them (SVCDESK_MAX_CLOCK_AHEAD 7d)."""
    import time

    monkeypatch.delenv("SVCDESK_NOW", raising=False)
    monkeypatch.setenv("SVCDESK_MAX_CLOCK_AHEAD", "7d")
    real = time.time_ns
    right, fast = replicas(tmp_path, 2, "w")
    sites.add_site(right, code="BJ-HD", name="Haidian")
    t = tickets.open_ticket(right, site="BJ-HD", title="hall network down")
    sync.sync(right, str(fast.path))
    monkeypatch.setattr(time, "time_ns", lambda: real() + 3 * 86_400 * 10**9)
    tickets.comment(fast, t["ref"], "on it")
    tickets.resolve_ticket(fast, t["ref"], note="switch replaced")
    monkeypatch.setattr(time, "time_ns", real)
    sync.sync(right, str(fast.path))
    assert tickets.show_ticket(right, t["ref"])["status"] == "resolved"
    tickets.report(right, t["ref"], type="hardware", cause="worn switch", method="replaced")
    assert tickets.close(right, t["ref"])["status"] == "closed"
    sync.sync(right, str(fast.path))
    for db in (right, fast):
        s = tickets.show_ticket(db, t["ref"])
        assert s["status"] == "closed"
        report = {c["name"]: c for c in s["clocks"]}["report"]
        assert report["state"] == "met"  # filed after the resolution it reports on
    flagged = [e for e in tickets.show_ticket(right, t["ref"])["events"] if e["future"]]
    assert [e["replica"] for e in flagged[:2]] == [fast.replica_code] * 2


# --------------------------------------------------------------------------------------------
# Random work on two laptops whose clocks run ahead by random amounts: afterwards, on the laptop
# with the right time, every command the status shown allows works now, and leads where the
# status says it does.

COMMANDS = {  # command -> the event it records
    "assign": "assigned", "respond": "responded", "escalate": "escalated", "arrive": "arrived",
    "pause": "paused", "resume": "resumed", "resolve": "resolved", "reopen": "reopened",
    "close": "closed", "report": "report-submitted", "comment": "comment",
    "propose": "proposed", "approve": "approved", "decline": "declined",
}  # fmt: skip


def run(db, command: str, ref: str) -> None:
    """Command `command` on ticket `ref`, now (no --at)."""
    if command == "propose":
        tickets.propose(db, ref, plan="replace the switch")
    elif command == "approve":
        tickets.approve(db, ref, by="hall manager")
    elif command == "decline":
        tickets.decline(db, ref, by="hall manager", reason="not during opening hours")
    else:
        lifecycle(db, command, ref)


def copy_of(db, path: Path):
    """A copy of laptop `db` (to try one command on it)."""
    with sqlite3.connect(db.path) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    return open_database(str(path))


def waiting(db, ticket_id: str) -> bool:
    with db.read() as conn:
        return rules.fold(store.event_times(conn, [ticket_id])[ticket_id]).waiting


work = st.lists(
    st.tuples(st.sampled_from([*COMMANDS, "sync", "sync"]), st.integers(0, 2),
              st.integers(0, 90)),  # minutes after the last step  # fmt: skip
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(script=work, skews=st.tuples(st.integers(0, 4 * 24 * 60), st.integers(0, 4 * 24 * 60)))
def test_every_command_the_status_allows_works_now(tmp_path_factory, script, skews):
    """Laptops 0 and 1 run ahead by `skews` (minutes); laptop 2 has the right time."""
    folder = tmp_path_factory.mktemp("fast")
    dbs = replicas(folder, 3, "l")
    start = datetime.fromisoformat(RIGHT + "+08:00")
    ahead = [timedelta(minutes=m) for m in (*skews, 0)]
    try:
        sites.add_site(dbs[2], code="BJ-HD", name="Haidian")
        with now_is(start):
            t = tickets.open_ticket(dbs[2], site="BJ-HD", title="printer", category="hardware")
        for db in dbs[:2]:
            sync.sync(dbs[2], str(db.path))
        now = start
        for command, who, step in script:
            now += timedelta(minutes=step)
            with now_is(now + ahead[who]):
                if command == "sync":
                    sync.sync(dbs[who], str(dbs[(who + 1) % 3].path))
                    continue
                try:
                    run(dbs[who], command, t["ref"])
                except RuleViolation as exc:
                    assert "cannot" in str(exc)
        for _ in range(2):
            for db in dbs[:2]:
                sync.sync(dbs[2], str(db.path))
        right = dbs[2]
        with now_is(now):
            status = tickets.show_ticket(right, t["ref"])["status"]
            lawful = [c for c in COMMANDS if rules.allowed(status, COMMANDS[c])
                      and not rules.consent_refusal("", waiting(right, t["id"]),
                                                    COMMANDS[c])]  # fmt: skip
            assert "comment" in lawful
            for n, command in enumerate(lawful):
                trial = copy_of(right, folder / f"try{n}.db")
                try:
                    run(trial, command, t["ref"])  # never refused
                    after = tickets.show_ticket(trial, t["ref"])
                    assert after["status"] == rules.next_status(t["ref"], status,
                                                                COMMANDS[command])
                    assert walked_status(after) == after["status"]
                finally:
                    trial.close()
    finally:
        for db in dbs:
            db.close()


@pytest.mark.parametrize("command", ["close", "reopen", "report"])
def test_the_status_shown_agrees_with_the_commands_after_every_sync(cli, tmp_path, command):
    """Whatever status `ticket show` reports after the sync, `ticket close`, `reopen` and
    `report` behave as that status says, now, without --at."""
    a, b, ref, _ = laptops(cli, tmp_path)
    fast_resolution(cli, a, b, ref)
    args = {"close": [], "reopen": ["--reason", "again"],
            "report": ["--type", "hardware", "--cause", "worn", "--method", "replaced"]}
    r = cli("--db", b, "ticket", command, ref, *args[command])
    assert r.exit_code == 0, r.stderr
    status = shown(cli, b, ref)["status"]
    assert status == {"close": "closed", "reopen": "open", "report": "resolved"}[command]


def test_a_fast_laptops_reopening_lets_work_go_on_here_now(cli, tmp_path):
    """B resolved; A, 3 days ahead, reopened: on B the ticket is open, and a visit to it (its
    arrival), a pause and a resolution all work now, without --at."""
    a, b, ref, code = laptops(cli, tmp_path)
    assert cli("--db", b, "ticket", "resolve", ref, "--note", "rebooted",
               "--at", "2026-10-14T09:30").exit_code == 0  # fmt: skip
    assert cli("--db", b, "sync", a).exit_code == 0
    r = cli("--db", a, "--now", FAST, "ticket", "reopen", ref, "--reason", "blank again")
    assert r.exit_code == 0, r.stderr
    assert cli("--db", b, "sync", a).exit_code == 0
    assert shown(cli, b, ref)["status"] == "open"
    r = cli("--db", b, "visit", "start", "--ticket", ref, "--engineer", "Zhang Min")
    assert r.exit_code == 0, r.stderr
    s = shown(cli, b, ref)
    assert [e["kind"] for e in s["events"]][-2:] == ["reopened", "arrived"]
    assert s["events"][-2]["replica"] == code
    for args in (["pause", ref, "--reason", "waiting for the part"],
                 ["resolve", ref, "--note", "part replaced"]):  # fmt: skip
        r = cli("--db", b, "ticket", *args)
        assert r.exit_code == 0, (args, r.stderr)
    assert shown(cli, b, ref)["status"] == "resolved"
    assert cli("--db", a, "sync", b).exit_code == 0
    assert shown(cli, a, ref, FAST)["status"] == "resolved"
    assert cli("--db", a, "sync", "conflicts", "-f", "json").json() == []


@pytest.mark.parametrize("hub", ["sqlite", "postgresql"])
def test_through_a_hub_the_replica_is_named_and_the_close_lands_everywhere(
    cli, tmp_path, request, hub
):
    """A (fast) and B never meet: they sync through a hub, on SQLite or PostgreSQL. B still
    names A by its code (the hub passes on the codes it was told), and closes now."""
    url = str(tmp_path / "hub.db") if hub == "sqlite" else request.getfixturevalue("pg_url")
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for db in (url, a, b):
        assert cli("--db", db, "init").exit_code == 0
    assert cli("--db", b, "site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    ref = cli("--db", b, "ticket", "open", "--site", "BJ-HD", "--title", "DVR down",
              "--at", "2026-10-14T09:00", "-f", "json").json()["ref"]  # fmt: skip
    for db in (b, a):
        assert cli("--db", db, "sync", url).exit_code == 0
    code = cli("--db", a, "db", "info", "-f", "json").json()["replica_code"]
    assert cli("--db", a, "--now", FAST, "ticket", "resolve", ref, "--note", "fixed").exit_code == 0
    for db in (a, b):
        assert cli("--db", db, "sync", url).exit_code == 0
    resolved = shown(cli, b, ref)["events"][-1]
    assert resolved["future"] and resolved["replica"] == code
    assert cli("--db", b, "ticket", "close", ref).exit_code == 0
    for db in (b, a):
        assert cli("--db", db, "sync", url).exit_code == 0
    for db in (a, b, url):
        assert shown(cli, db, ref)["status"] == "closed"
