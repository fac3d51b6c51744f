"""Sync costs O(operations) whatever the number of assets at one site (issue 19).

Each asset a sync merges looks its serial up at its site (one device registered on two laptops
is one asset). That look-up read every asset of the site through an expression no index served,
so a data-centre registry of 20,000 assets at one site took a minute to sync and 100,001 did
not finish. The timing lives in bench/bench_sync_assets.py; here: a few thousand assets at one
site sync correctly, and every look-up by serial is an index look-up on SQLite and PostgreSQL
(a test that fails if one is a scan).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import replicas

from svcdesk.domain.serials import serial_key
from svcdesk.services import asset_import, assets, sites, sync
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database
from svcdesk.store import admin, aliases, merges
from svcdesk.store import assets as asset_store

N = 3000

# Every store query that finds an asset by its serial, and those a merge of two assets runs
# per asset: (the query, parameters to plan it with, the index it must read).
LOOKUPS = {
    "sync's holder": (merges.ASSET_HOLDER, {"k": "sn-1", "s": "x", "i": "y"},
                      "ix_asset_serial_key"),
    "serial taken": (asset_store.SERIAL_TAKEN, {"k": "sn-1", "s": "x", "i": "y"},
                     "ix_asset_serial_key"),
    "by serial": (asset_store.BY_SERIAL, {"k": "sn-1"}, "ix_asset_serial_key"),
    "an asset's tickets": (merges.TICKETS_OF["asset"], {"o": "x"}, "ix_ticket_asset"),
    "records merged into one": (aliases.MERGED_IDS, {"t": "asset", "r": "x"}, "ix_alias_row"),
}  # fmt: skip


def one_site_registry(folder: Path, n: int, *, name: str = "dc") -> object:
    """A replica whose one site holds `n` assets, imported from a CSV file."""
    (db,) = replicas(folder, 1, name)
    sites.add_site(db, code="DC-1", name="Data centre")
    csv_file = folder / f"{name}.csv"
    csv_file.write_text("kind,serial,model\n" + "".join(
        f"server,SN-{i:06d},NF5280\n" for i in range(n)), encoding="utf-8")  # fmt: skip
    result = asset_import.import_assets(db, str(csv_file), site="DC-1")
    assert result["added"] == n
    return db


def registry_of(db) -> dict[str, tuple[str, str, str]]:
    """serial's key -> (asset id, site code, serial) of every asset (one per key)."""
    listed = assets.list_assets(db)
    out = {serial_key(a["serial"]): (a["id"], a["site"], a["serial"]) for a in listed}
    assert len(out) == len(listed)
    return out


def assert_index_lookups(db) -> None:
    with db.read() as conn:
        for what, (sql, params, index) in LOOKUPS.items():
            plan = admin.query_plan(conn, sql, params)
            assert index in plan, f"{what}: {plan}"
            assert "SCAN asset" not in plan and "Seq Scan" not in plan, f"{what}: {plan}"


def test_thousands_of_assets_at_one_site_sync_and_merge_a_device_made_twice(tmp_path):
    source = one_site_registry(tmp_path, N)
    (laptop, hub) = replicas(tmp_path, 2, "other")
    # a laptop that registered two of the same devices by hand, in its own spellings
    sites.add_site(laptop, code="DC-1", name="Data centre")
    twin = assets.add_asset(laptop, site="DC-1", kind="server", serial="sn-000 007")
    assets.add_asset(laptop, site="DC-1", kind="server", serial="ＳＮ-002999")
    new = assets.add_asset(laptop, site="DC-1", kind="pc", serial="PC-1")
    result = sync.sync(source, str(hub.path))
    assert result["pushed"] >= N
    sync.sync(laptop, str(hub.path))
    sync.sync(source, str(hub.path))
    want = registry_of(source)
    assert len(want) == N + 1  # every asset, the laptop's two twins merged, its PC added
    for db in (source, hub):
        assert registry_of(db) == want
    assert want["pc-1"][0] == new["id"]
    # the twin merged into the source's asset (the newer spelling won): its ref names it
    kept = want["sn-000007"][0]
    assert kept != twin["id"] and want["sn-000007"][2] == "sn-000 007"
    assert assets.show_asset(hub, twin["ref"])["id"] == kept
    assert assets.show_asset(hub, "sn-000007")["id"] == kept
    with pytest.raises(Exception, match="already registered at site DC-1"):
        assets.add_asset(hub, site="DC-1", kind="server", serial="Sn-000100")
    for db in (source, laptop, hub):
        assert_index_lookups(db)
        db.close()


def test_two_laptops_importing_one_registry_make_one_asset_of_each_device(tmp_path):
    """Both laptops import the site's registry (in their own spellings), one opens tickets on
    some assets: after a sync every device is one asset, the older record of each, and the
    tickets point at it (each merge moves them through ix_ticket_asset)."""
    from svcdesk.services import tickets

    n = 1500
    a = one_site_registry(tmp_path, n, name="a")
    (b,) = replicas(tmp_path, 1, "b")
    sites.add_site(b, code="DC-1", name="Data centre")
    csv_file = tmp_path / "b.csv"
    csv_file.write_text("kind,serial\n" + "".join(
        f"server,sn-{i:06d}\n" for i in range(n)), encoding="utf-8")  # fmt: skip
    asset_import.import_assets(b, str(csv_file), site="DC-1")
    opened = [tickets.open_ticket(b, site="DC-1", title=f"fault {i}", asset=f"sn-{i:06d}")
              for i in range(0, n, 100)]  # fmt: skip
    first = {key: asset_id for key, (asset_id, _, _) in registry_of(a).items()}
    refs = {serial_key(x["serial"]): x["ref"] for x in assets.list_assets(a)}
    sync.sync(a, str(b.path))
    want = registry_of(a)
    assert len(want) == n and registry_of(b) == want
    assert {key: asset_id for key, (asset_id, _, _) in want.items()} == first
    for i, t in zip(range(0, n, 100), opened, strict=True):
        for db in (a, b):
            assert tickets.show_ticket(db, t["ref"])["asset"] == refs[f"sn-{i:06d}"]
            assert assets.show_asset(db, t["asset"])["id"] == first[f"sn-{i:06d}"]
    for db in (a, b):
        db.close()


def test_an_upgraded_database_looks_serials_up_by_index(tmp_path):
    """m010 gives an older file the key and its index (tests/cli/test_serial_rule.py checks the
    keys it fills)."""
    import gzip
    import shutil

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    old = tmp_path / "v010.db"
    with gzip.open(fixtures / "svcdesk-0.1.0-demo.db.gz") as src, old.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    db = open_database(str(old))
    try:
        assert_index_lookups(db)
    finally:
        db.close()


def test_a_postgresql_hub_takes_one_sites_assets_and_looks_them_up_by_index(tmp_path, pg_url):
    source = one_site_registry(tmp_path, 1000)
    hub = open_database(pg_url, create=True)
    init(hub)
    try:
        sync.sync(source, pg_url)
        assert registry_of(hub) == registry_of(source)
        assert assets.show_asset(hub, "sn-000 999")["serial"] == "SN-000999"
        assert_index_lookups(hub)
    finally:
        hub.close()
        source.close()


def test_an_operation_never_carries_a_serial_key():
    """The key is computed on each replica from the serial: one sent along is refused, so a
    crafted operation cannot make two devices one (or one device two)."""
    from svcdesk.errors import StoreError
    from svcdesk.store import registry

    with pytest.raises(StoreError, match="serial_key is derived"):
        registry.synced_values("asset", {"id": "x", "serial": "Q6", "serial_key": "q7"})
