"""Lifecycle state is a fold of the merged timeline: status, clocks, `sla overdue`, the board
and which command may come next agree with the events, on every replica; contradicting
concurrent lifecycle events are listed by `sync conflicts` and settled by `sync keep`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import lifecycle, replicas, walked_status

from svcdesk.domain.errors import RuleViolation
from svcdesk.services import sites, sla, sync, tickets


def laptops(folder: Path, n: int = 2):
    dbs = replicas(folder, n, "l")
    sites.add_site(dbs[0], code="BJ-HD", name="Haidian")
    return dbs


def resolved_everywhere(a, b) -> str:
    t = tickets.open_ticket(a, site="BJ-HD", title="DVR down", category="hardware",
                            at="2026-10-14T09:00")  # fmt: skip
    tickets.resolve_ticket(a, t["ref"], note="rebooted", at="2026-10-14T09:30")
    sync.sync(a, str(b.path))
    return t["ref"]


def overdue_refs(db) -> set[str]:
    """Tickets with a clock of the work (not the incident report, owed even once closed)
    listed by `sla overdue`."""
    return {c["ticket"] for c in sla.overdue(db, within="3650d") if c["name"] != "report"}


def lifecycle_conflicts(db) -> list[tuple[str, str]]:
    return [(c["kept"].split()[0], c["lost"].split()[0])
            for c in sync.conflicts(db) if c["field"] == "lifecycle"]  # fmt: skip


def test_reopen_on_one_laptop_and_close_on_another(tmp_path):
    a, b = laptops(tmp_path)
    ref = resolved_everywhere(a, b)
    tickets.reopen(a, ref, reason="still blank", at="2026-10-14T09:40")
    tickets.close(b, ref, at="2026-10-14T09:45")
    sync.sync(a, str(b.path))
    for db in (a, b):
        shown = tickets.show_ticket(db, ref)
        clocks = {c["name"]: c for c in shown["clocks"]}
        # the close came after the reopening: it could not follow, so the ticket is open
        assert shown["status"] == "open"
        assert clocks["resolve"]["state"] in ("running", "breached")
        assert "report" not in clocks  # no incident report is due while reopened
        assert lifecycle_conflicts(db) == [("reopened", "closed")]
    # settled from either laptop by one command: keep the close
    lost = next(c for c in sync.conflicts(b) if c["field"] == "lifecycle")["lost_stamp"]
    sync.keep(b, lost)
    sync.sync(a, str(b.path))
    for db in (a, b):
        shown = tickets.show_ticket(db, ref)
        assert shown["status"] == "closed"
        assert lifecycle_conflicts(db) == []
        assert ref not in overdue_refs(db)
        assert ref not in {r["ticket"] for r in sla.board(db)}


def test_a_reopening_after_a_concurrent_close_simply_follows_it(tmp_path):
    a, b = laptops(tmp_path)
    ref = resolved_everywhere(a, b)
    tickets.close(a, ref, at="2026-10-14T09:40")
    tickets.reopen(b, ref, reason="again", at="2026-10-14T09:50")
    sync.sync(a, str(b.path))
    for db in (a, b):
        # closed at 09:40, then reopened at 09:50: open, and nothing contradicts
        assert tickets.show_ticket(db, ref)["status"] == "open"
        assert lifecycle_conflicts(db) == []


def test_pause_on_one_laptop_and_resolve_on_another(tmp_path):
    a, b = laptops(tmp_path)
    t = tickets.open_ticket(a, site="BJ-HD", title="login fails", category="software",
                            at="2026-10-14T09:00")  # fmt: skip
    sync.sync(a, str(b.path))
    tickets.resolve_ticket(b, t["ref"], note="cert renewed", at="2026-10-14T09:20")
    tickets.pause(a, t["ref"], reason="waiting for the customer", at="2026-10-14T09:25")
    sync.sync(a, str(b.path))
    for db in (a, b):
        shown = tickets.show_ticket(db, t["ref"])
        assert shown["status"] == "resolved"  # resolved once is enough
        with pytest.raises(RuleViolation, match="it is resolved"):
            tickets.resolve_ticket(db, t["ref"], note="again")
        assert lifecycle_conflicts(db) == [("resolved", "paused")]
    # keep the outcome as it is: the pause leaves the timeline
    kept = next(c for c in sync.conflicts(a) if c["field"] == "lifecycle")["kept_stamp"]
    sync.keep(a, kept)
    assert lifecycle_conflicts(a) == []
    assert tickets.show_ticket(a, t["ref"])["status"] == "resolved"


def test_events_at_one_instant_keep_the_order_they_were_recorded_in(tmp_path):
    (a,) = laptops(tmp_path, 1)
    t = tickets.open_ticket(a, site="BJ-HD", title="jam", category="hardware",
                            at="2026-10-14T09:00")  # fmt: skip
    tickets.resolve_ticket(a, t["ref"], note="cleared", at="2026-10-14T09:30")
    tickets.reopen(a, t["ref"], reason="jammed again", at="2026-10-14T09:30")
    shown = tickets.show_ticket(a, t["ref"])
    assert [e["kind"] for e in shown["events"]] == ["opened", "resolved", "reopened"]
    assert shown["status"] == "open"
    assert "report" not in {c["name"] for c in shown["clocks"]}


def test_a_fast_laptops_future_resolution_never_locks_the_ticket(tmp_path, monkeypatch):
    """A laptop 3 h ahead resolves; the others still record their work at their own now."""
    import time

    monkeypatch.delenv("SVCDESK_NOW", raising=False)
    real = time.time_ns
    a, fast = laptops(tmp_path)
    t = tickets.open_ticket(a, site="BJ-HD", title="hall network down", category="software")
    sync.sync(a, str(fast.path))
    monkeypatch.setattr(time, "time_ns", lambda: real() + 3 * 3600 * 10**9)
    tickets.resolve_ticket(fast, t["ref"], note="switch replaced")
    monkeypatch.setattr(time, "time_ns", real)
    sync.sync(a, str(fast.path))
    # a's engineer is still on site: arrival and a comment go in at a's now
    tickets.arrive(a, t["ref"], engineer="Zhang Min")
    tickets.comment(a, t["ref"], "replacing the switch")
    kinds = [e["kind"] for e in tickets.show_ticket(a, t["ref"])["events"]]
    assert kinds == ["opened", "arrived", "comment", "resolved"]


# --------------------------------------------------------------------------------------------
# Random work on three laptops: status always agrees with the timeline, everywhere.

work = st.lists(
    st.tuples(
        st.sampled_from(["respond", "escalate", "arrive", "pause", "resume", "resolve",
                         "reopen", "close", "report", "comment", "sync", "keep"]),
        st.integers(0, 2),
        st.integers(0, 2),
        st.integers(0, 3),  # minutes after the last step: often the same instant
    ),
    min_size=4,
    max_size=30,
)  # fmt: skip

@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(script=work)
def test_status_agrees_with_the_timeline_on_every_replica(tmp_path_factory, script):
    dbs = laptops(tmp_path_factory.mktemp("timeline"), 3)
    t = tickets.open_ticket(dbs[0], site="BJ-HD", title="printer", category="hardware",
                            at="2026-10-14T08:00")  # fmt: skip
    for db in dbs[1:]:
        sync.sync(dbs[0], str(db.path))
    minute = 0
    try:
        for action, who, other, step in script:
            db = dbs[who]
            minute += step
            at = f"2026-10-14T{8 + minute // 60:02d}:{minute % 60:02d}"
            if action == "sync":
                if who != other:
                    sync.sync(db, str(dbs[other].path))
            elif action == "keep":
                found = [c for c in sync.conflicts(db) if c["field"] == "lifecycle"]
                if found:
                    sync.keep(db, found[0]["lost_stamp" if step % 2 else "kept_stamp"])
            else:
                try:
                    lifecycle(db, action, t["ref"], at)
                except RuleViolation as exc:
                    assert "cannot" in str(exc)
            check(db, t["ref"])
        for _ in range(2):
            for i in range(3):
                sync.sync(dbs[i], str(dbs[(i + 1) % 3].path))
        shown = [tickets.show_ticket(db, t["ref"]) for db in dbs]
        assert all(s == shown[0] for s in shown[1:])
        assert all(sync.conflicts(db) == sync.conflicts(dbs[0]) for db in dbs)
        for db in dbs:
            check(db, t["ref"])
    finally:
        for db in dbs:
            db.close()


def check(db, ref: str) -> None:
    """The status the replica shows is the independent walk of its events in their order."""
    shown = tickets.show_ticket(db, ref)
    status = walked_status(shown)
    assert shown["status"] == status
    running = {c["name"] for c in shown["clocks"] if c["state"] in ("running", "breached")}
    if status == "closed":  # only the incident report may still be owed
        assert running <= {"report"} and ref not in overdue_refs(db)
    if status in ("open", "paused"):  # no report is due before the (next) resolution
        assert "report" not in {c["name"] for c in shown["clocks"] if c["state"] != "met"}


def test_a_contradiction_from_the_command_line(cli, tmp_path):
    a, b = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    for db in (a, b):
        assert cli("--db", db, "init").exit_code == 0
    cli("--db", a, "site", "add", "BJ-HD", "--name", "Haidian")
    ref = cli("--db", a, "ticket", "open", "--site", "BJ-HD", "--title", "DVR down",
              "--at", "2026-10-14T09:00", "-f", "json").json()["ref"]  # fmt: skip
    cli("--db", a, "ticket", "resolve", ref, "--note", "rebooted", "--at", "2026-10-14T09:20")
    assert cli("--db", a, "sync", b).exit_code == 0
    cli("--db", a, "ticket", "reopen", ref, "--reason", "blank again", "--at", "2026-10-14T09:30")
    cli("--db", b, "ticket", "close", ref, "--at", "2026-10-14T09:40")
    assert cli("--db", a, "sync", b).exit_code == 0
    r = cli("--db", b, "sync", "conflicts")
    assert r.exit_code == 0
    assert "lifecycle" in r.stdout and "reopened at 2026-10-14 09:30" in r.stdout
    assert "closed at 2026-10-14 09:40" in r.stdout
    (c,) = cli("--db", b, "sync", "conflicts", "-f", "json").json()
    r = cli("--db", b, "sync", "keep", c["lost_stamp"])
    assert r.exit_code == 0, r.stderr
    assert "closed at 2026-10-14 09:40" in r.stderr
    shown = cli("--db", b, "ticket", "show", ref)
    assert "took the reopened out of the timeline" in shown.stdout
    assert cli("--db", b, "ticket", "show", ref, "-f", "json").json()["status"] == "closed"
    assert cli("--db", b, "sync", "conflicts", "-f", "json").json() == []
