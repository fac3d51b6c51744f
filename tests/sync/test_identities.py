"""Natural identities merge: the same site code made on two laptops is one site, the same
serial at one site (case and spaces aside) one asset; `site edit --code`, `site merge` and
`asset merge` join or rename records, tickets follow, old names keep working."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import replicas

from svcdesk.errors import SvcdeskError
from svcdesk.services import assets, sites, sync, tickets
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database as open_db


def laptops(folder: Path, n: int = 2):
    return replicas(folder, n, "l")


def site_codes(db) -> list[str]:
    return [s["code"] for s in sites.list_sites(db)]


def dump(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as conn:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in ("site", "asset", "ticket", "ticket_event", "alias")}  # fmt: skip


def test_the_same_site_added_on_two_laptops_is_one_site(tmp_path):
    """Two engineers add the same tax bureau; their tickets end up at one site."""
    a, b = laptops(tmp_path)
    sites.add_site(a, code="BJ-HD", name="Haidian District Tax Bureau")
    ta = tickets.open_ticket(a, site="BJ-HD", title="printer jammed")
    sites.add_site(b, code="bj-hd", name="Haidian Tax Bureau")
    tb = tickets.open_ticket(b, site="BJ-HD", title="DVR down")
    sync.sync(a, str(b.path))  # used to fail in both directions, for good
    sync.sync(b, str(a.path))
    for db in (a, b):
        assert site_codes(db) == ["BJ-HD"]
        assert {tickets.show_ticket(db, t["ref"])["site"] for t in (ta, tb)} == {"BJ-HD"}
        (c,) = [c for c in sync.conflicts(db) if c["table"] == "site"]
        assert c["field"] == "name"
        assert {c["kept"], c["lost"]} == {"Haidian District Tax Bureau", "Haidian Tax Bureau"}
    assert dump(a.path) == dump(b.path)
    # one command settles the name everywhere
    lost = next(c for c in sync.conflicts(b) if c["table"] == "site")["lost_stamp"]
    sync.keep(b, lost)
    sync.sync(a, str(b.path))
    assert [c for c in sync.conflicts(a) if c["table"] == "site"] == []
    assert dump(a.path) == dump(b.path)


def test_work_on_either_record_after_the_merge_reaches_the_one_site(tmp_path):
    a, b, c = laptops(tmp_path, 3)
    sites.add_site(a, code="SH-PD", name="Pudong")
    sites.add_site(b, code="SH-PD", name="Pudong")
    sync.sync(a, str(c.path))  # c knows only a's record...
    sync.sync(a, str(b.path))  # ...while a and b merge theirs
    t = tickets.open_ticket(c, site="SH-PD", title="queue machine")  # on a's record, at c
    sync.sync(b, str(c.path))
    sync.sync(a, str(c.path))
    for db in (a, b, c):
        assert site_codes(db) == ["SH-PD"]
        assert tickets.show_ticket(db, t["ref"])["site"] == "SH-PD"
    assert dump(a.path) == dump(b.path) == dump(c.path)


def test_the_same_serial_in_another_case_is_one_asset(tmp_path):
    a, b = laptops(tmp_path)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    sync.sync(a, str(b.path))
    ra = assets.add_asset(a, site="BJ-HD", kind="server", serial="SRV 0042", model="DL380")["ref"]
    rb = assets.add_asset(b, site="BJ-HD", kind="server", serial="srv0042", notes="rack 3")["ref"]
    t = tickets.open_ticket(b, site="BJ-HD", asset=rb, title="fan noise")
    with pytest.raises(SvcdeskError, match="already"):  # refused on one laptop as ever
        assets.add_asset(a, site="BJ-HD", kind="server", serial="srv 0042")
    sync.sync(a, str(b.path))
    for db in (a, b):
        listed = assets.list_assets(db)
        assert len(listed) == 1
        merged = listed[0]
        assert (merged["model"], merged["notes"]) == ("DL380", "rack 3")
        # both refs name it, and the ticket follows it
        assert assets.show_asset(db, ra)["id"] == assets.show_asset(db, rb)["id"] == merged["id"]
        assert tickets.show_ticket(db, t["ref"])["asset"] == merged["ref"]
    assert dump(a.path) == dump(b.path)


def test_site_edit_renames_and_the_old_code_keeps_working(tmp_path):
    a, b = laptops(tmp_path)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    t = tickets.open_ticket(a, site="BJ-HD", title="printer")
    sync.sync(a, str(b.path))
    sites.edit_site(a, "BJ-HD", code="BJ-HDQ", contact="Wang Li")
    sync.sync(a, str(b.path))
    for db in (a, b):
        assert site_codes(db) == ["BJ-HDQ"]
        assert sites.show_site(db, "BJ-HD")["code"] == "BJ-HDQ"  # the old code still names it
        assert tickets.show_ticket(db, t["ref"])["site"] == "BJ-HDQ"
    tickets.open_ticket(b, site="BJ-HD", title="by the old code")
    # a new site under the old code would merge into the renamed one at sync: refused here too
    with pytest.raises(SvcdeskError, match="site BJ-HD is now site BJ-HDQ"):
        sites.add_site(b, code="BJ-HD", name="another")
    with pytest.raises(SvcdeskError, match="already exists; if they are one site"):
        sites.add_site(a, code="X", name="x") and sites.edit_site(a, "X", code="BJ-HDQ")


def test_site_merge_moves_tickets_and_assets_on_every_replica(tmp_path):
    a, b = laptops(tmp_path)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    sites.add_site(a, code="BJHD", name="Haidian (typo)")
    assets.add_asset(a, site="BJ-HD", kind="server", serial="S1", model="old")
    assets.add_asset(a, site="BJHD", kind="server", serial="s1", notes="same box")
    assets.add_asset(a, site="BJHD", kind="dvr", serial="D9")
    t = tickets.open_ticket(a, site="BJHD", title="DVR down")
    sync.sync(a, str(b.path))
    late = tickets.open_ticket(b, site="BJHD", title="opened before b heard of the merge")
    sites.merge_sites(a, "BJHD", "BJ-HD")
    assert site_codes(a) == ["BJ-HD"]
    sync.sync(a, str(b.path))
    for db in (a, b):
        assert site_codes(db) == ["BJ-HD"]
        assert sites.show_site(db, "BJHD")["code"] == "BJ-HD"
        for ref in (t["ref"], late["ref"]):
            assert tickets.show_ticket(db, ref)["site"] == "BJ-HD"
        assert sorted(x["serial"].upper() for x in assets.list_assets(db)) == ["D9", "S1"]
    assert dump(a.path) == dump(b.path)


def test_asset_merge_and_its_refusals_from_the_command_line(cli, site):
    one = cli("asset", "add", "--site", site, "--kind", "dvr", "--serial", "D1", "-f", "json")
    two = cli("asset", "add", "--site", site, "--kind", "dvr", "--serial", "D1-B", "-f", "json")
    a1, a2 = one.json()["ref"], two.json()["ref"]
    t = cli("ticket", "open", "--asset", a2, "--title", "no signal", "-f", "json").json()
    r = cli("asset", "merge", a2, a1, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["ref"] == a1
    assert cli("ticket", "show", t["ref"], "-f", "json").json()["asset"] == a1
    assert cli("asset", "show", a2, "-f", "json").json()["ref"] == a1  # the old ref works
    r = cli("asset", "merge", a1, a1)
    assert r.exit_code != 0 and "same asset" in r.stderr and r.stderr.count("\n") == 1
    cli("site", "add", "SH-PD", "--name", "Pudong")
    other = cli("asset", "add", "--site", "SH-PD", "--kind", "dvr", "--serial", "D7", "-f", "json")
    r = cli("asset", "merge", other.json()["ref"], a1)
    assert r.exit_code == 1 and "one device is at one site" in r.stderr
    r = cli("site", "edit", "SH-PD", "--code", site)
    assert r.exit_code == 1 and f"svcdesk site merge SH-PD {site}" in r.stderr
    r = cli("site", "edit", "SH-PD")
    assert r.exit_code == 2 and "nothing to change" in r.stderr
    r = cli("site", "merge", "SH-PD", site, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert [s["code"] for s in cli("site", "list", "-f", "json").json()] == [site]


def test_two_laptops_add_the_same_site_and_meet_at_the_hub(pg_url, tmp_path):
    hub = open_db(pg_url, create=True)
    init(hub)
    a, b = laptops(tmp_path)
    for db, name in ((a, "Haidian"), (b, "Haidian Tax Bureau")):
        sites.add_site(db, code="BJ-HD", name=name)
        tickets.open_ticket(db, site="BJ-HD", title=f"fault seen by {name}")
    for db in (a, b, a):
        sync.sync(db, pg_url)
    for db in (a, b, hub):
        assert site_codes(db) == ["BJ-HD"]
        assert len(list(tickets.list_tickets(db, status="all"))) == 2
    hub.close()


# --------------------------------------------------------------------------------------------
# Random work with colliding names on three laptops: every sync succeeds, all converge.

steps = st.lists(
    st.tuples(
        st.sampled_from(["site", "asset", "ticket", "rename", "merge", "sync", "sync"]),
        st.integers(0, 2),
        st.integers(0, 2),
        st.sampled_from(["BJ-HD", "SH-PD", "GZ-TH"]),
        st.sampled_from(["SRV-1", "srv 1", "Srv1", "DVR-2"]),
    ),
    min_size=4,
    max_size=24,
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(script=steps)
# merges and renames across three laptops whose settling once recursed without end (a merge
# settled its survivor at depth 1 again, so the depth guard never held)
@example(script=[("merge", 1, 0, "BJ-HD", "srv 1"), ("sync", 1, 0, "BJ-HD", "SRV-1"),
                 ("sync", 1, 1, "GZ-TH", "SRV-1"), ("merge", 0, 1, "GZ-TH", "DVR-2"),
                 ("rename", 0, 1, "GZ-TH", "srv 1"), ("site", 2, 2, "GZ-TH", "DVR-2"),
                 ("sync", 2, 0, "SH-PD", "SRV-1"), ("site", 0, 0, "GZ-TH", "Srv1"),
                 ("sync", 2, 2, "GZ-TH", "DVR-2"), ("sync", 1, 2, "BJ-HD", "DVR-2"),
                 ("sync", 1, 2, "GZ-TH", "srv 1"), ("ticket", 1, 2, "GZ-TH", "srv 1"),
                 ("site", 2, 0, "SH-PD", "Srv1"), ("site", 2, 1, "SH-PD", "srv 1"),
                 ("rename", 0, 1, "GZ-TH", "srv 1"), ("site", 1, 2, "BJ-HD", "SRV-1"),
                 ("site", 1, 0, "SH-PD", "Srv1"), ("merge", 1, 2, "SH-PD", "srv 1"),
                 ("merge", 2, 0, "BJ-HD", "SRV-1"), ("ticket", 2, 1, "GZ-TH", "DVR-2"),
                 ("sync", 2, 0, "SH-PD", "Srv1")])  # fmt: skip
# a site merged into one whose twin from another laptop the receiver holds (UNIQUE site.code)
@example(script=[("site", 0, 0, "GZ-TH", "S"), ("site", 1, 0, "BJ-HD", "S"),
                 ("site", 0, 0, "BJ-HD", "S"), ("sync", 0, 2, "", "S"), ("sync", 0, 1, "", "S"),
                 ("merge", 0, 0, "GZ-TH", "S")])
# a site merged away after meeting its twin: the twin, arriving later, follows it
@example(script=[("site", 0, 0, "BJ-HD", "S"), ("site", 0, 0, "SH-PD", "S"),
                 ("site", 1, 0, "SH-PD", "S"), ("sync", 0, 1, "", "S"),
                 ("merge", 0, 0, "SH-PD", "S")])  # fmt: skip
def test_colliding_names_never_stop_a_sync_and_all_converge(tmp_path_factory, script):
    folder = tmp_path_factory.mktemp("names")
    dbs = laptops(folder, 3)
    opened: list[str] = []
    try:
        for action, who, other, code, serial in script:
            db = dbs[who]
            try:
                if action == "site":
                    sites.add_site(db, code=code, name=f"{code} by {who}")
                elif action == "asset":
                    assets.add_asset(db, site=code, kind="server", serial=serial)
                elif action == "ticket":
                    opened.append(tickets.open_ticket(db, site=code, title="fault")["ref"])
                elif action == "rename":
                    sites.edit_site(db, code, name=f"renamed by {who}")
                elif action == "merge":
                    sites.merge_sites(db, code, "BJ-HD")
                elif who != other:
                    sync.sync(db, str(dbs[other].path))
            except SvcdeskError as exc:  # refused on this laptop's view: one clear reason
                assert "\n" not in str(exc)
        for _ in range(2):
            for i in range(3):
                sync.sync(dbs[i], str(dbs[(i + 1) % 3].path))
        dumps = [dump(db.path) for db in dbs]
        assert dumps[0] == dumps[1] == dumps[2]
        for db in dbs:
            codes = site_codes(db)
            assert len(codes) == len(set(codes))
            keys = [(x["site"], "".join(x["serial"].split()).upper())
                    for x in assets.list_assets(db)]  # fmt: skip
            assert len(keys) == len(set(keys))
            for ref in opened:  # every ticket survives, at a site that exists
                assert tickets.show_ticket(db, ref)["site"] in codes
    finally:
        for db in dbs:
            db.close()
