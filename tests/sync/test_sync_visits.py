"""Visits sync: two laptops each start and end visits and record parts, sync both ways (a file
remote, and a PostgreSQL hub), and hold the same rows; ending one visit on both concurrently
keeps one end and lists the other in `sync conflicts`; a visit follows its site when the site
turns out to be one with another."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from pathlib import Path

from support import replicas

from svcdesk.services import assets, sites, sync, tickets, visits
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database
from svcdesk.store import admin
from svcdesk.store.db import Database

FIELD = ("visit", "visit_part", "inspection", "upgrade", "training")


def rows(db: Database) -> dict[str, list]:
    with db.read() as conn:
        return {t: admin.dump(conn, t) for t in (*FIELD, "ticket_event")}


def shared(dbs: list[Database], remote: str | None = None) -> None:
    """A site with an old LED screen and a server, and a ticket, on every replica."""
    a = dbs[0]
    sites.add_site(a, code="BJ-HD", name="Haidian")
    assets.add_asset(a, site="BJ-HD", kind="led_screen", serial="LED-77", installed_on="2022-01-10")
    assets.add_asset(a, site="BJ-HD", kind="server", serial="SRV-1", installed_on="2025-06-01")
    tickets.open_ticket(a, site="BJ-HD", title="Hall screen dark", category="hardware",
                        at="2026-10-14T08:00")  # fmt: skip
    for other in dbs[1:]:
        sync.sync(a, remote or str(other.path))


def work(db: Database, engineer: str, hour: int) -> str:
    """A visit started and ended with a part, and one left open."""
    ref = visits.start_visit(db, site="BJ-HD", engineer=engineer,
                             at=f"2026-10-13T{hour:02d}:00")["ref"]  # fmt: skip
    visits.end_visit(db, ref, summary=f"{engineer} swapped parts", signed_by="Wang Li",
                     parts=["LED-77:LED-91:350", "srv-1 :SRV-2"],
                     at=f"2026-10-13T{hour:02d}:40")  # fmt: skip
    visits.start_visit(db, site="BJ-HD", engineer=engineer, at=f"2026-10-14T{hour - 4:02d}:00")
    return ref


def test_two_laptops_record_visits_and_converge(tmp_path):
    a, b = replicas(tmp_path, 2)
    shared([a, b])
    work(a, "Zhang Min", 9)
    work(b, "Li Wei", 13)
    ticket = tickets.list_tickets(a, status="all").__next__()["ref"]
    visits.start_visit(b, ticket=ticket, engineer="Li Wei", at="2026-10-14T09:30")
    sync.sync(a, str(b.path))
    sync.sync(b, str(a.path))
    assert rows(a) == rows(b)
    listed = [visits.list_visits(db) for db in (a, b)]
    assert listed[0] == listed[1]
    assert [(v["engineer"], v["minutes"]) for v in listed[0]] == [
        ("Zhang Min", 40), ("Li Wei", 40), ("Zhang Min", None), ("Li Wei", None),
        ("Li Wei", None)]  # fmt: skip
    ended = [v for v in listed[0] if v["ended_at"]]
    assert [[p["coverage"] for p in v["parts"]] for v in ended] == [["paid", "free"]] * 2
    assert visits.time_on_site(a) == visits.time_on_site(b)
    # the arrival recorded on b reached a with the visit
    shown = tickets.show_ticket(a, ticket)
    assert [e["kind"] for e in shown["events"]] == ["opened", "arrived"]
    assert sync.conflicts(a) == sync.conflicts(b) == []


def test_ending_one_visit_on_two_laptops_keeps_one_and_lists_the_other(tmp_path):
    a, b = replicas(tmp_path, 2)
    shared([a, b])
    ref = visits.start_visit(a, site="BJ-HD", engineer="Zhang Min", at="2026-10-14T08:00")["ref"]
    sync.sync(a, str(b.path))
    visits.end_visit(a, ref, summary="Replaced the module", signed_by="Wang Li",
                     at="2026-10-14T09:00")  # fmt: skip
    visits.end_visit(b, ref, summary="Cleaned the fan", signed_by="Zhao Lei",
                     parts=["SRV-1:SRV-9"], at="2026-10-14T09:30")  # fmt: skip
    sync.sync(a, str(b.path))
    shown = [visits.show_visit(db, ref) for db in (a, b)]
    assert shown[0] == shown[1]
    assert shown[0]["summary"] == "Cleaned the fan"  # b wrote last: the newer stamp
    assert shown[0]["minutes"] == 90
    assert [p["serial_out"] for p in shown[0]["parts"]] == ["SRV-1"]  # parts merge by union
    lost = {(c["table"], c["ref"], c["field"]): (c["kept"], c["lost"]) for c in sync.conflicts(a)}
    assert lost == {
        ("visit", ref, "summary"): ("Cleaned the fan", "Replaced the module"),
        ("visit", ref, "signed_by"): ("Zhao Lei", "Wang Li"),
        ("visit", ref, "ended_at"): (shown_epoch("2026-10-14T09:30"),
                                     shown_epoch("2026-10-14T09:00")),
    }  # fmt: skip
    assert sorted(map(str, sync.conflicts(b))) == sorted(map(str, sync.conflicts(a)))
    # keeping the other end brings back every field it wrote, and settles it on both
    stamp = next(c["lost_stamp"] for c in sync.conflicts(a) if c["field"] == "summary")
    sync.keep(a, stamp)
    sync.sync(a, str(b.path))
    for db in (a, b):
        kept = visits.show_visit(db, ref)
        assert (kept["summary"], kept["signed_by"], kept["minutes"]) == (
            "Replaced the module", "Wang Li", 60)  # fmt: skip
        assert sync.conflicts(db) == []


def laptop(cli, path: Path, *args: str):
    return cli("--db", str(path), *args)


def ok(r):
    assert r.exit_code == 0, r.stderr
    return r


def home_here(path: Path) -> None:
    """Make a copy believe it was always where it is (as tests/sync/test_copies.py does)."""
    st = path.stat()
    home = {"host": socket.gethostname(), "device": st.st_dev, "inode": st.st_ino,
            "path": str(path)}  # fmt: skip
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM svcdesk_meta WHERE key = 'home'")
        conn.execute("INSERT INTO svcdesk_meta (key, value) VALUES ('home', ?)",
                     (json.dumps(home),))  # fmt: skip


def shown_epoch(text: str) -> int:
    from svcdesk import clock

    return clock.to_epoch(clock.parse_instant(text))


def test_a_visit_follows_its_site_into_the_site_it_is_one_with(tmp_path):
    """Two laptops add the same site code; b's visit there ends up at the one site."""
    a, b = replicas(tmp_path, 2)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    sites.add_site(b, code="BJ-HD", name="Haidian Tax Bureau")
    assets.add_asset(b, site="BJ-HD", kind="server", serial="SRV-1", installed_on="2025-06-01")
    ref = visits.start_visit(b, site="BJ-HD", at="2026-10-14T08:00")["ref"]
    visits.end_visit(b, ref, summary="done", parts=["SRV-1:SRV-2"], at="2026-10-14T09:00")
    sync.sync(a, str(b.path))
    sync.sync(b, str(a.path))
    for db in (a, b):
        assert [s["code"] for s in sites.list_sites(db)] == ["BJ-HD"]
        (v,) = visits.list_visits(db, site="BJ-HD")
        assert v["ref"] == ref and v["parts"][0]["asset"] is not None
    assert rows(a) == rows(b)
    with a.read() as conn:
        assert admin.integrity_problems(conn) == []


def test_site_merge_moves_the_visits_and_syncs(tmp_path):
    a, b = replicas(tmp_path, 2)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    sites.add_site(a, code="BJHD", name="Haidian (typo)")
    sync.sync(a, str(b.path))
    ref = visits.start_visit(b, site="BJHD", at="2026-10-14T08:00")["ref"]
    sites.merge_sites(a, "BJHD", "BJ-HD")
    sync.sync(a, str(b.path))
    sync.sync(b, str(a.path))
    for db in (a, b):
        assert visits.show_visit(db, ref)["site"] == "BJ-HD"
        assert [v["ref"] for v in visits.list_visits(db, site="BJHD")] == [ref]  # the old code
    assert rows(a) == rows(b)


def test_laptops_and_a_postgresql_hub_converge(tmp_path, pg_url):
    hub = open_database(pg_url, create=True)
    try:
        init(hub)
        a, b = replicas(tmp_path, 2)
        shared([a, b], pg_url)
        sync.sync(b, pg_url)
        work(a, "Zhang Min", 9)
        ref = work(b, "Li Wei", 13)
        for db in (a, b, a):
            sync.sync(db, pg_url)
        assert rows(a) == rows(b) == rows(hub)
        assert visits.list_visits(hub) == visits.list_visits(a)
        assert visits.time_on_site(hub) == visits.time_on_site(b)
        assert visits.show_visit(hub, ref)["parts"][0]["coverage"] == "paid"
        # a visit recorded directly on the hub reaches the laptops
        visits.start_visit(hub, site="BJ-HD", engineer="Hub User", at="2026-10-14T09:00")
        for db in (a, b):
            sync.sync(db, pg_url)
        assert rows(a) == rows(b) == rows(hub)
    finally:
        hub.close()


def test_a_bundle_carries_visits(tmp_path):
    a, b = replicas(tmp_path, 2)
    shared([a, b])
    work(a, "Zhang Min", 9)
    bundle = Path(tmp_path / "visits.svcbundle")
    sync.export(a, str(bundle))
    sync.import_(b, str(bundle))
    assert rows(a) == rows(b)


def test_a_copy_worked_on_before_anyone_could_tell_keeps_both_visits(cli, tmp_path):
    """A file copied where nothing could tell (it believes it was always there) hands out the
    visit refs the original hands out too; the sync that re-keys it keeps both visits: the
    re-keyed copy's visit takes a ref of its new code (the old one still names it there),
    alike on every replica."""
    a, b, hub = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "hub.db"
    ok(laptop(cli, hub, "init"))
    ok(laptop(cli, a, "init"))
    ok(laptop(cli, a, "site", "add", "BJ-HD", "--name", "Haidian"))
    ok(laptop(cli, a, "sync", "remote", "add", "hub", str(hub)))
    ok(laptop(cli, a, "sync"))
    code = ok(laptop(cli, a, "db", "info", "-f", "json")).json()["replica_code"]
    shutil.copy2(a, b)
    home_here(b)
    made = []
    for path, who in ((a, "on a"), (b, "on b")):
        r = ok(laptop(cli, path, "visit", "start", "--site", "BJ-HD", "--engineer", who,
                      "-f", "json"))  # fmt: skip
        made.append(r.json())
    assert made[0]["ref"] == made[1]["ref"] == f"{code}-V1"
    for path in (a, b, a):
        ok(laptop(cli, path, "sync", "hub"))
    b_code = ok(laptop(cli, b, "db", "info", "-f", "json")).json()["replica_code"]
    assert b_code != code  # b synced second: the hub held a's work under the shared id
    lists = []
    for path in (a, b, hub):
        listed = ok(laptop(cli, path, "visit", "list", "-f", "json")).json()
        lists.append(sorted((v["engineer"], v["ref"], v["id"]) for v in listed))
    assert lists[0] == lists[1] == lists[2]
    refs = {who: ref for who, ref, _ in lists[0]}
    assert refs == {"on a": f"{code}-V1", "on b": f"{b_code}-V1"}
    # the ref both handed out names the original's visit everywhere; b's has its new name
    assert ok(laptop(cli, b, "visit", "show", f"{code}-V1", "-f", "json")).json()["id"] \
        == made[0]["id"]
    assert ok(laptop(cli, b, "visit", "show", f"{b_code}-V1", "-f", "json")).json()["id"] \
        == made[1]["id"]
