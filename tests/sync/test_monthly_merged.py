"""The monthly review counts exactly the events that stand (issue 19): on a random history of
three laptops working offline (opening, resolving, closing and reopening tickets from stale
views, syncing in random pairs, settling some conflicts with `sync keep`), the figures of
`report monthly -f json` equal a count made independently from `export events -f json`; and
each event's `in_effect` there is what an independent walk of the merged timeline gives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from support import replicas

from svcdesk.domain import tickets as rules
from svcdesk.services import sites, sync, tickets

ZONE = "+08:00"
START = datetime.fromisoformat(f"2026-10-01T00:00:00{ZONE}").timestamp()
END = datetime.fromisoformat(f"2026-11-01T00:00:00{ZONE}").timestamp()
NOW = "2026-12-15T10:00:00+08:00"

actions = st.lists(
    st.tuples(
        st.sampled_from(["open", "resolve", "resolve", "close", "close", "reopen", "reopen",
                         "reopen", "sync", "keep"]),  # fmt: skip
        st.integers(0, 2),  # which laptop
        st.integers(0, 30),  # another laptop / which ticket (mostly the first three) / conflict
        st.integers(1, 36 * 60),  # minutes since the last action: the days go by
    ),
    min_size=15,
    max_size=40,
)


def walk(events: list[dict]) -> dict[str, bool]:
    """Whether each event of one ticket (in timeline order) stands, walked independently of
    svcdesk's fold: a voided event does not; a lifecycle event its status does not allow
    does not; every other one does, void events included."""
    voided = {e["details"].get("event") for e in events if e["kind"] == "void"}
    status, out = "open", {}
    for e in events:
        kind = e["kind"]
        if kind == "void":
            out[e["id"]] = True
            continue
        if e["id"] in voided:
            out[e["id"]] = False
            continue
        if kind not in rules.TRANSITIONS:
            out[e["id"]] = True
            continue
        allowed, after = rules.TRANSITIONS[kind]
        out[e["id"]] = status in allowed
        if status in allowed and after:
            status = after
    return out


def counted(events: list[dict]) -> dict[str, int]:
    """The tickets with an event of each kind that stands in October (each counted once)."""
    seen: dict[str, set[str]] = {k: set() for k in ("opened", "resolved", "closed", "reopened")}
    for e in events:
        at = datetime.fromisoformat(e["at"]).timestamp()
        if e["in_effect"] and e["kind"] in seen and START <= at < END:
            seen[e["kind"]].add(e["ticket"])
    return {k: len(v) for k, v in seen.items()}


def play(dbs: list, script) -> None:
    """Run the script on the laptops (refusals of what a laptop's own view forbids are
    expected), then sync everyone with everyone twice round."""
    n = len(dbs)
    t = datetime.fromisoformat(f"2026-09-27T09:00:00{ZONE}")
    for _ in range(3):  # three tickets every laptop holds: they work on the same ones
        tickets.open_ticket(dbs[0], site="BJ-HD", title="fault", category="hardware",
                            at=t.isoformat())  # fmt: skip
    for other in dbs[1:]:
        sync.sync(dbs[0], str(other.path))
    for action, who, other, minutes in script:
        t += timedelta(minutes=minutes)
        at = t.isoformat()
        db = dbs[who % n]
        with db.read() as conn:
            refs = [r for (r,) in conn.execute("SELECT ref FROM ticket ORDER BY ref").all()]
        try:
            if action == "open":
                tickets.open_ticket(db, site="BJ-HD", title="fault", category="hardware", at=at)
            elif action == "sync":
                if who % n != other % n:
                    sync.sync(db, str(dbs[other % n].path))
            elif action == "keep":
                found = [c for c in sync.conflicts(db) if c["field"] == "lifecycle"]
                if found:
                    c = found[other % len(found)]
                    sync.keep(db, c["lost_stamp"] if other % 2 else c["kept_stamp"])
            elif refs:
                ref = refs[other % len(refs) if other > 20 else other % min(3, len(refs))]
                if action == "resolve":
                    tickets.resolve_ticket(db, ref, note="fixed", at=at)
                elif action == "close":
                    tickets.close(db, ref, at=at)
                elif action == "reopen":
                    tickets.reopen(db, ref, reason="again", at=at)
        except Exception as exc:  # what this laptop's view of the ticket does not allow
            assert "cannot" in str(exc), exc
    for _ in range(2):
        for i in range(n):
            sync.sync(dbs[i], str(dbs[(i + 1) % n].path))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(script=actions)
def test_the_review_counts_what_stands_in_the_exported_timeline(tmp_path_factory, cli,
                                                                monkeypatch, script):  # fmt: skip
    monkeypatch.setenv("SVCDESK_NOW", NOW)
    dbs = replicas(tmp_path_factory.mktemp("laptops"), 3, "l")
    sites.add_site(dbs[0], code="BJ-HD", name="Haidian")
    for other in dbs[1:]:
        sync.sync(dbs[0], str(other.path))
    play(dbs, script)
    paths = [str(db.path) for db in dbs]
    for db in dbs:
        db.close()
    for path in paths[:2]:  # every laptop holds the same: two of them are checked
        r = cli("--db", path, "export", "events", "-f", "json")
        assert r.exit_code == 0, r.stderr
        events = r.json()
        by_ticket: dict[str, list[dict]] = {}
        for e in events:
            by_ticket.setdefault(e["ticket"], []).append(e)
            if e["in_effect"]:
                assert e["set_aside_by"] is None
        for evs in by_ticket.values():
            stands = walk(evs)
            assert {e["id"]: e["in_effect"] for e in evs} == stands, evs
            ids = {e["id"] for e in evs}
            for e in evs:
                if not e["in_effect"] and e["set_aside_by"] is not None:
                    assert e["set_aside_by"] in ids and stands[e["set_aside_by"]]
        r = cli("--db", path, "report", "monthly", "--month", "2026-10", "-f", "json")
        assert r.exit_code == 0, r.stderr
        figs = r.json()
        want = counted(events)
        event(f"set aside: {sum(not e['in_effect'] for e in events) > 0}, "
              f"voids: {any(e['kind'] == 'void' for e in events)}, "
              f"reopened: {want['reopened'] > 0}")
        got = {k: figs[k] for k in ("opened", "resolved", "closed", "reopened")}
        assert got == want, (got, want)
        # the backlog at the month's end: tickets opened before it whose standing lifecycle
        # events up to then leave them open
        backlog = 0
        for evs in by_ticket.values():
            status, opened = "open", False
            for e in evs:
                at = datetime.fromisoformat(e["at"]).timestamp()
                if at >= END or not e["in_effect"]:
                    continue
                opened = opened or e["kind"] == "opened"
                after = rules.TRANSITIONS.get(e["kind"], ((), None))[1]
                status = after or status
            backlog += opened and status in ("open", "paused")
        assert figs["backlog"] == backlog


@pytest.mark.pg
def test_a_postgresql_hub_counts_one_reopening_of_two_laptops(cli, tmp_path, pg_url,
                                                              monkeypatch):  # fmt: skip
    """Two laptops reopen the same ticket and meet through a PostgreSQL hub: the review made
    on the hub (the same SQL on PostgreSQL) counts the ticket reopened once."""
    from svcdesk.services.dbadmin import init
    from svcdesk.services.session import open_database

    monkeypatch.setenv("SVCDESK_NOW", NOW)
    hub = open_database(pg_url, create=True)
    init(hub)
    a, b = replicas(tmp_path, 2, "l")
    sites.add_site(a, code="BJ-HD", name="Haidian")
    ref = tickets.open_ticket(a, site="BJ-HD", title="DVR down", category="hardware",
                              at="2026-10-14T09:00")["ref"]  # fmt: skip
    tickets.resolve_ticket(a, ref, note="rebooted", at="2026-10-14T09:30")
    sync.sync(a, pg_url)
    sync.sync(b, pg_url)
    tickets.reopen(a, ref, reason="blank again", at="2026-10-14T09:40")
    tickets.reopen(b, ref, reason="still blank", at="2026-10-14T09:45")
    for db in (a, b, a):
        sync.sync(db, pg_url)
    for db in (a, b):
        db.close()
    hub.close()
    for where in (pg_url, str(tmp_path / "l0.db")):
        r = cli("--db", where, "report", "monthly", "--month", "2026-10", "-f", "json")
        assert r.exit_code == 0, r.stderr
        figs = r.json()
        assert (figs["resolved"], figs["reopened"], figs["closed"]) == (1, 1, 0)
        shown = cli("--db", where, "ticket", "show", ref, "-f", "json").json()["events"]
        first, second = [e for e in shown if e["kind"] == "reopened"]
        assert first["in_effect"] and second["set_aside_by"] == first["id"]
