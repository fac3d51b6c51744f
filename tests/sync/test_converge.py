"""Replicas converge: random work on 3-5 replicas, synced in random pairs and orders."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.services import assets, sites, sync, tickets, upgrades, visits
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database as open_db
from svcdesk.store.db import Database
from svcdesk.sync import engine

TABLES = ("site", "asset", "ticket", "ticket_event", "policy", "visit", "visit_part", "inspection",
          "upgrade", "training")


def state(path: Path) -> dict[str, list[tuple]]:
    """Everything a user can see or sync, in a canonical order (derived columns included)."""
    with sqlite3.connect(path) as conn:
        out = {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in TABLES}
        out["changelog"] = sorted(conn.execute("SELECT * FROM changelog").fetchall())
    return out


actions = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "open",
                "assign",
                "comment",
                "respond",
                "resolve",
                "reopen",
                "sync",
                "carry",
                "edit-asset",
                "remove-asset",
                "propose",
                "approve",
                "public-comment",
                "visit-start",
                "visit-end",
                "upgrade",
                "training",
            ]
        ),
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
    asset = assets.add_asset(dbs[0], site="BJ-HD", kind="server", serial="SRV-1")["ref"]
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
            elif action == "edit-asset":  # concurrent edits and removals of one record
                assets.edit_asset(db, asset, model=f"model by {name}")
            elif action == "remove-asset":
                assets.remove_asset(db, asset)
            elif action == "upgrade":  # append-only records: the union on every replica
                upgrades.record_upgrade(db, site="BJ-HD", version=f"v{written}",
                                        major=other % 2 == 0)  # fmt: skip
            elif action == "training":
                upgrades.record_training(db, site="BJ-HD", topic=f"by {name}", attendees=3)
            elif action == "visit-start":
                visits.start_visit(db, site="BJ-HD", engineer=name)
            elif action == "visit-end":  # two laptops may end the same visit: one end wins
                begun = [v for v in visits.list_visits(db) if v["ended_at"] is None]
                if begun:
                    visits.end_visit(db, begun[other % len(begun)]["ref"],
                                     summary=f"done by {name}",
                                     parts=["SRV-1:SRV-9:120"] if other % 2 else [])  # fmt: skip
            elif action == "carry" and who % n != other % n:  # a bundle on a USB stick
                bundle = folder / f"carry-{written}.svcbundle"
                sync.export(db, str(bundle))
                sync.import_(dbs[other % n], str(bundle))
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
                elif action == "propose":
                    tickets.propose(db, ref, plan=f"replace the disk ({name})")
                elif action == "approve":
                    tickets.approve(db, ref, by=name)
                elif action == "public-comment":
                    tickets.comment(db, ref, f"reply by {name}", public=True)
            written += 1
        except Exception as exc:  # an illegal transition on this replica's view: refused
            assert any(w in str(exc) for w in ("cannot", "--at", "removed", "nothing changed")), exc
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


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(script=actions)
def test_laptops_and_a_postgresql_hub_converge(tmp_path_factory, pg_url_factory, script):
    """Two laptops work offline and meet only through the hub."""
    folder = tmp_path_factory.mktemp("hub")
    hub = open_db(pg_url_factory(), create=True)
    init(hub)
    laptops = []
    for name in ("a", "b"):
        db = open_db(str(folder / f"{name}.db"), create=True)
        init(db)
        laptops.append(db)
    sites.add_site(laptops[0], code="BJ-HD", name="Haidian")
    for db in laptops:
        sync.sync(db, hub.url)
    for action, who, other, name in script:
        db = laptops[who % 2]
        with db.read() as conn:
            refs = [r for (r,) in conn.execute("SELECT ref FROM ticket ORDER BY ref").all()]
        try:
            if action == "open":
                tickets.open_ticket(db, site="BJ-HD", title=f"fault by {name}")
            elif action in ("sync", "carry"):
                sync.sync(db, hub.url)
            elif refs and action == "assign":
                tickets.assign(db, refs[other % len(refs)], name)
            elif refs and action == "resolve":
                tickets.resolve_ticket(db, refs[other % len(refs)], note="fixed")
        except Exception as exc:
            assert "cannot" in str(exc), exc
    for db in (*laptops, *laptops):
        sync.sync(db, hub.url)
    seen = []
    for db in (*laptops, hub):
        with db.read() as conn:
            seen.append(
                (
                    sorted(
                        conn.execute("SELECT id, ref, status, assignee, clocks FROM ticket").all()
                    ),
                    sorted(conn.execute("SELECT id, kind, at FROM ticket_event").all()),
                    sorted(conn.execute("SELECT stamp FROM changelog").all()),
                )
            )
        db.close()
    assert seen[0] == seen[1] == seen[2]


def test_a_replica_with_a_slow_clock_still_converges_and_its_later_edit_wins(tmp_path, monkeypatch):
    """Hours of clock skew: once a replica has seen a change, its next edit orders after it."""
    import svcdesk.store.changelog as hlc

    a, b = (open_db(str(tmp_path / f"{x}.db"), create=True) for x in "ab")
    init(a)
    init(b)
    sites.add_site(a, code="BJ", name="x")
    t = tickets.open_ticket(a, site="BJ", title="printer")
    tickets.assign(a, t["ref"], "Li Wei")
    sync.sync(a, str(b.path))
    real = hlc.time.time_ns
    monkeypatch.setattr(hlc.time, "time_ns", lambda: real() - 5 * 3600 * 10**9)  # b: 5 h slow
    tickets.assign(b, t["ref"], "Wang Fang")  # after seeing Li Wei
    monkeypatch.setattr(hlc.time, "time_ns", real)
    sync.sync(a, str(b.path))
    assert tickets.show_ticket(a, t["ref"])["assignee"] == "Wang Fang"
    assert tickets.show_ticket(b, t["ref"])["assignee"] == "Wang Fang"
    with a.read() as conn:
        assert engine.conflicts(conn) == []
    a.close()
    b.close()


def test_a_remote_from_a_newer_svcdesk_is_refused_and_untouched(tmp_path):
    a, b = (open_db(str(tmp_path / f"{x}.db"), create=True) for x in "ab")
    init(a)
    init(b)
    b.close()
    with sqlite3.connect(tmp_path / "b.db") as conn:
        conn.execute("UPDATE svcdesk_meta SET value = '99' WHERE key = 'schema_version'")
    before = (tmp_path / "b.db").read_bytes()
    try:
        sync.sync(a, str(tmp_path / "b.db"))
    except Exception as exc:
        assert "newer svcdesk" in str(exc)
    else:
        raise AssertionError("a newer remote was accepted")
    assert (tmp_path / "b.db").read_bytes() == before
    a.close()
