"""A team of laptops and a hub, as an adversary drives it: random work drawn from every command
that syncs (tickets through their whole lifecycle, assets edited and removed, sites added twice
under one code, `sync keep`, policy loads), random exchanges through files, bundles (with and
without --since) and a hub, and steps taken on a laptop whose whole clock is hours ahead.

Whatever happens: every refusal is one clear line, no sync is ever stuck, and once everyone has
synced every replica holds the same tables, the same conflicts, and statuses that agree with the
timelines."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import LIFECYCLE, lifecycle, walked_status

from svcdesk.errors import SvcdeskError
from svcdesk.services import assets, dbadmin, policies, sites, sync, tickets
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database as open_db

TABLES = ("site", "asset", "ticket", "ticket_event", "policy", "changelog")
REAL = time.time_ns

ACTIONS = ["open", "assign", "respond", "escalate", "arrive", "pause", "resume", "resolve",
           "reopen", "close", "report", "comment", "site", "site-edit", "asset", "model",
           "notes", "remove", "keep", "policy", "sync", "carry", "carry-since", "hub",
           "backup", "restore", "copy"]  # fmt: skip

steps = st.lists(
    st.tuples(
        st.sampled_from(ACTIONS),
        st.integers(0, 2),  # which laptop
        st.integers(0, 5),  # another laptop / which ticket or asset
        st.booleans(),  # this step on a clock 2 h ahead
    ),
    min_size=10,
    max_size=50,
)


def dump(db) -> dict[str, list]:
    """Every synced table, in a canonical order (the change log: its operations, whoever has
    them; a re-keyed file's own bookkeeping aside)."""
    from svcdesk.store import admin

    with db.read() as conn:
        return {t: sorted(map(tuple, admin.dump(conn, t)), key=repr) for t in TABLES}


def refs(db, table: str) -> list[str]:
    with db.read() as conn:
        return [str(r) for (r,) in conn.execute(f"SELECT ref FROM {table} ORDER BY ref").all()]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(script=steps)
def test_a_team_converges_whatever_it_does(tmp_path_factory, monkeypatch, script):
    folder = tmp_path_factory.mktemp("team")
    team(folder, monkeypatch, script, str(folder / "hub.db"))


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(script=steps)
def test_a_team_with_a_postgresql_hub_converges(tmp_path_factory, monkeypatch, pg_url_factory,
                                                script):  # fmt: skip
    team(tmp_path_factory.mktemp("team-pg"), monkeypatch, script, pg_url_factory())


def team(folder: Path, monkeypatch, script, hub_url: str) -> None:
    monkeypatch.delenv("SVCDESK_NOW", raising=False)
    laptops = []
    for i in range(3):
        db = open_db(str(folder / f"laptop{i}.db"), create=True)
        init(db)
        laptops.append(db)
    hub = open_db(hub_url, create=True)
    init(hub)
    backups: dict[int, str] = {}
    sites.add_site(laptops[0], code="BJ-HD", name="Haidian")
    for title in ("queue machine jammed", "DVR not recording"):
        tickets.open_ticket(laptops[0], site="BJ-HD", title=title, category="hardware")
    for db in laptops[1:]:
        sync.sync(laptops[0], str(db.path))
    policy = folder / "policy.toml"
    from svcdesk.resources import default_policy_text

    policy.write_text(default_policy_text().replace('resolve = "1h"', 'resolve = "2h"'),
                      encoding="utf-8")  # fmt: skip
    n = 0
    try:
        for action, who, pick, fast in script:
            db = laptops[who]
            other = laptops[pick % 3]
            n += 1
            if fast:  # this laptop's whole clock runs 2 h ahead for this step
                monkeypatch.setattr(time, "time_ns", lambda: REAL() + 2 * 3600 * 10**9)
            try:
                ticket_refs, asset_refs = refs(db, "ticket"), refs(db, "asset")
                ref = ticket_refs[pick % len(ticket_refs)] if ticket_refs else None
                asset = asset_refs[pick % len(asset_refs)] if asset_refs else None
                if action == "open":
                    tickets.open_ticket(db, site="BJ-HD", title=f"fault {n}", category="hardware")
                elif action == "site":
                    sites.add_site(db, code=("SH-PD", "GZ-TH")[pick % 2], name=f"site {n}")
                elif action == "site-edit":
                    sites.edit_site(db, "BJ-HD", contact=f"contact {n}")
                elif action == "asset":
                    assets.add_asset(db, site="BJ-HD", kind="server",
                                     serial=("SRV-1", "srv 1", "SRV-2")[pick % 3])  # fmt: skip
                elif action in ("model", "notes") and asset:
                    assets.edit_asset(db, asset, **{action: f"{action} {n}"})
                elif action == "remove" and asset:
                    assets.remove_asset(db, asset)
                elif action == "keep":
                    found = sync.conflicts(db)
                    if found:
                        c = found[pick % len(found)]
                        sync.keep(db, c["lost_stamp"] if pick % 2 else c["kept_stamp"] or
                                  c["lost_stamp"])  # fmt: skip
                elif action == "policy":
                    policies.load(db, str(policy))
                elif action == "sync" and other is not db:
                    sync.sync(db, str(other.path))
                elif action == "hub":
                    sync.sync(db, hub_url)
                elif action == "backup":
                    made = dbadmin.backup(db, str(folder / f"backup-{who}-{n}.db"))
                    backups[who] = made["backup"]
                elif action == "restore" and who in backups:  # back to the backup, re-keyed
                    path = str(db.path)
                    db.close()
                    try:
                        dbadmin.restore(path, backups[who])
                    finally:
                        laptops[who] = open_db(path)
                elif action == "copy" and other is not db:  # this laptop's file onto another's
                    path, copy = str(other.path), folder / f"copy-{n}.db"
                    dbadmin.backup(db, str(copy))
                    other.close()
                    os.replace(copy, path)
                    laptops[pick % 3] = open_db(path)  # taken for a copy: a new identity
                elif action in ("carry", "carry-since") and other is not db:
                    bundle = folder / f"carry-{n}.svcbundle"
                    sync.export(db, str(bundle), since="-1h" if action == "carry-since" else None)
                    sync.import_(other, str(bundle))
                elif ref and action in LIFECYCLE:
                    lifecycle(db, action, ref)
            except SvcdeskError as exc:  # refused on this laptop's view: one clear line
                assert "\n" not in str(exc) and "internal" not in str(exc), exc
            finally:
                monkeypatch.setattr(time, "time_ns", REAL)
        # everyone meets the hub, twice round (the hub relays what each holds)
        for _ in range(2):
            for db in laptops:
                result = sync.sync(db, hub_url)
                assert result["held_back"] == []  # 2 h ahead is within the bound
        everyone = [*laptops, hub]
        dumps = [dump(db) for db in everyone]
        assert all(d == dumps[0] for d in dumps[1:])
        found = sync.conflicts(hub)
        for db in laptops:
            assert sync.conflicts(db) == found
            codes = [x["code"] for x in sites.list_sites(db)]
            assert len(codes) == len(set(codes))
            for ref in refs(db, "ticket"):
                shown = tickets.show_ticket(db, ref)
                assert shown["status"] == walked_status(shown), ref
    finally:
        for db in [*laptops, hub]:
            db.close()
