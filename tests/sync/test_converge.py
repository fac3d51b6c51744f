"""Replicas converge: random work on 3-5 replicas, synced in random pairs and orders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.services import sites, sync, tickets
from svcdesk.services.dbadmin import init
from svcdesk.store.db import Database, open_db

TABLES = ("site", "asset", "ticket", "ticket_event", "policy")


def state(path: Path) -> dict[str, list[tuple]]:
    """Everything a user can see or sync, in a canonical order (derived columns included)."""
    with sqlite3.connect(path) as conn:
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
        out["changelog"] = sorted(conn.execute("SELECT * FROM changelog").fetchall())
    return out


actions = st.lists(
    st.tuples(
        st.sampled_from(["open", "assign", "comment", "respond", "resolve", "reopen", "sync"]),
        st.integers(0, 4),  # which replica
        st.integers(0, 4),  # another replica / which ticket
        st.sampled_from(["Li Wei", "Wang Fang", "Zhang Min"]),
    ),
    min_size=5,
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(3, 5), script=actions)
def test_any_order_of_syncs_converges_and_loses_no_operation(tmp_path_factory, n, script):
    folder = tmp_path_factory.mktemp("replicas")
    paths = [folder / f"r{i}.db" for i in range(n)]
    dbs: list[Database] = []
    for p in paths:
        db = open_db(str(p), create=True)
        init(db)
        dbs.append(db)
    sites.add_site(dbs[0], code="BJ-HD", name="Haidian")
    for other in dbs[1:]:
        sync.sync(dbs[0], str(other.path))
    written = 0
    for action, who, other, name in script:
        db = dbs[who % n]
        with db.read() as conn:
            refs = [r for (r,) in conn.execute("SELECT ref FROM ticket ORDER BY ref").all()]
        try:
            if action == "open":
                tickets.open_ticket(db, site="BJ-HD", title=f"fault by {name}")
            elif action == "sync" and who % n != other % n:
                sync.sync(db, str(paths[other % n]))
                continue
            elif refs:
                ref = refs[other % len(refs)]
                if action == "assign":
                    tickets.assign(db, ref, name)
                elif action == "comment":
                    tickets.comment(db, ref, f"note by {name}")
                elif action == "respond":
                    tickets.respond(db, ref)
                elif action == "resolve":
                    tickets.resolve_ticket(db, ref, note="fixed")
                elif action == "reopen":
                    tickets.reopen(db, ref, reason="again")
            written += 1
        except Exception as exc:  # an illegal transition on this replica's view: refused
            assert "cannot" in str(exc) or "--at" in str(exc), exc
    # everyone syncs with everyone, twice round: then all hold the same
    for _ in range(2):
        for i in range(n):
            sync.sync(dbs[i], str(paths[(i + 1) % n]))
    states = [state(p) for p in paths]
    for db in dbs:
        db.close()
    assert all(s == states[0] for s in states[1:])
    with sqlite3.connect(paths[0]) as conn:
        replicas = {r for (r,) in conn.execute("SELECT DISTINCT replica FROM changelog")}
    assert len(replicas) >= 1


def test_sync_is_idempotent_and_reports_counts(tmp_path):
    a, b = (open_db(str(tmp_path / f"{x}.db"), create=True) for x in "ab")
    init(a)
    init(b)
    sites.add_site(a, code="BJ", name="x")
    t = tickets.open_ticket(a, site="BJ", title="printer")
    first = sync.sync(a, str(b.path))
    assert (first["pushed"], first["pulled"]) == (3, 0)
    again = sync.sync(a, str(b.path))
    assert (again["pushed"], again["pulled"]) == (0, 0)
    assert tickets.show_ticket(b, t["ref"])["title"] == "printer"
    a.close()
    b.close()
