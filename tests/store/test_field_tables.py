"""The field-work tables (visits and their parts, inspections, upgrades, trainings): an old
database gains them at m005; their store answers the same on SQLite and PostgreSQL; the
append-only ones merge by union."""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path

import orjson
import pytest
from support import replicas

from svcdesk import ids
from svcdesk.services import sites, sync
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database
from svcdesk.store import admin, aliases, field, migrations
from svcdesk.store import sites as site_store
from svcdesk.store.db import Database
from svcdesk.store.schema import InspectionRow, TrainingRow, UpgradeRow, VisitRow

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
FIELD = ("visit", "visit_part", "inspection", "upgrade", "training")
DAY = 86_400
T0 = 1_760_000_000  # 2025-10-09, a Thursday


def old_database(tmp_path: Path) -> Path:
    target = tmp_path / "v010.db"
    with gzip.open(FIXTURES / "svcdesk-0.1.0-demo.db.gz") as src, target.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return target


def test_an_old_database_gains_the_field_tables_at_m005(cli, tmp_path):
    path = old_database(tmp_path)
    with sqlite3.connect(path) as conn:
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        logged = conn.execute("SELECT count(*) FROM changelog").fetchone()[0]
    assert not tables & set(FIELD)
    assert migrations.MIGRATIONS[4] is migrations.m005_field_work
    r = cli("--db", str(path), "visit", "start", "--site", "BJ-HD", "--at", "2026-10-14T09:00",
            "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM svcdesk_meta WHERE key = 'schema_version'")
        assert version.fetchone()[0] == str(migrations.SCHEMA_VERSION)
        tables = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        indexes = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        # the upgrade logged nothing: the visit's insert is the one new operation
        assert conn.execute("SELECT count(*) FROM changelog").fetchone()[0] == logged + 1
    assert set(FIELD) <= tables
    assert {"ix_visit_site", "ix_visit_engineer", "ix_inspection_site", "ix_upgrade_site",
            "ix_training_upgrade", "ix_visit_part_visit"} <= indexes  # fmt: skip
    assert r.json()["ref"].endswith("-V1")
    assert cli("--db", str(path), "db", "check").exit_code == 0


def test_a_version_4_database_upgrades_in_its_own_step(tmp_path):
    """A file at version 4 (no field tables) runs m005 alone and keeps its rows."""
    path = tmp_path / "v4.db"
    db = open_database(str(path), create=True)
    init(db)
    sites.add_site(db, code="BJ-HD", name="Haidian")
    db.close()
    with sqlite3.connect(path) as conn:
        for table in reversed(FIELD):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DROP INDEX ix_ticket_brief")  # m006's
        conn.execute("DROP INDEX ix_ticket_board")  # m012's
        for table in ("kb_token", "kb_doc", "article"):  # m007's
            conn.execute(f"DROP TABLE {table}")
        conn.execute("DROP TABLE ticket_csv")  # m008's
        conn.execute("DROP TABLE kb_digest")  # m009's
        conn.execute("DROP INDEX ix_asset_serial_key")  # m010's
        conn.execute("DROP INDEX ix_ticket_asset")
        conn.execute("ALTER TABLE asset DROP COLUMN serial_key")
        conn.execute("ALTER TABLE site DROP COLUMN contract_start")  # m011's
        conn.execute("DROP INDEX ix_ticket_board_view")  # m013's
        conn.execute("ALTER TABLE ticket DROP COLUMN next_clock")
        conn.execute("ALTER TABLE ticket DROP COLUMN board_view")
        conn.execute("DROP TABLE team_member")  # m014's
        conn.execute("DROP TABLE team")
        conn.execute("UPDATE svcdesk_meta SET value = '4' WHERE key = 'schema_version'")
    db = open_database(str(path))
    try:
        assert db.meta["migrated_backup"]  # the file was backed up before the step
        with db.read() as conn:
            assert [s.code for s in site_store.all_sites(conn)] == ["BJ-HD"]
            assert all(admin.dump(conn, t) == [] for t in FIELD)
    finally:
        db.close()


# --------------------------------------------------------------------------------------------
# The store, on both databases


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    url = str(tmp_path / "f.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    database = open_database(url, create=True)
    init(database)
    sites.add_site(database, code="BJ-HD", name="Haidian")
    sites.add_site(database, code="SH-PD", name="Pudong")
    yield database
    database.close()


def site_ids(db: Database) -> dict[str, str]:
    with db.read() as conn:
        return {code: sid for sid, code in site_store.codes(conn).items()}


def visit(db: Database, tx, site_id: str, engineer: str, start: int, end: int | None) -> VisitRow:
    row = VisitRow(id=ids.uuid7(), ref=field.next_ref(tx, "visit", db.replica_code),
                   site_id=site_id, ticket_id=None, engineer=engineer, kind="repair",
                   started_at=start, ended_at=end, summary=None, signed_by=None,
                   created_at=start, updated_at=start)  # fmt: skip
    field.insert_visit(tx, row)
    return row


def test_visits_by_window_site_and_engineer_and_time_on_site(db):
    s = site_ids(db)
    with db.write() as tx:
        a = visit(db, tx, s["BJ-HD"], "Zhang Min", T0, T0 + 3600)
        b = visit(db, tx, s["BJ-HD"], "Zhang Min", T0 + DAY, T0 + DAY + 1800)
        c = visit(db, tx, s["SH-PD"], "Zhang Min", T0 + DAY, T0 + DAY + 600)
        d = visit(db, tx, s["BJ-HD"], "Li Wei", T0 + 2 * DAY, None)
    with db.read() as conn:
        assert [v.id for v in field.visits(conn)] == [a.id, *sorted([b.id, c.id]), d.id]
        assert [v.id for v in field.visits(conn, since=T0 + DAY, until=T0 + 2 * DAY)] == sorted(
            [b.id, c.id])  # [since, until)
        assert [v.id for v in field.visits(conn, engineers=["Li Wei"])] == [d.id]
        assert field.visits(conn, engineers=[]) == []
        assert [v.id for v in field.open_visits(conn)] == [d.id]
        assert field.find_visit(conn, "2", replica_code=db.replica_code).id == b.id
        assert field.find_visit(conn, a.id[:18], replica_code=db.replica_code).id == a.id
        assert field.engineers(conn) == ["Li Wei", "Zhang Min"]
        hours = field.time_on_site(conn)
        assert [(h.engineer, h.site_id, h.visits, h.seconds, h.open) for h in hours] == [
            ("Li Wei", s["BJ-HD"], 0, 0, 1),
            ("Zhang Min", s["BJ-HD"], 2, 5400, 0),
            ("Zhang Min", s["SH-PD"], 1, 600, 0),
        ]  # fmt: skip
        assert field.time_on_site(conn, site_id=s["SH-PD"], since=T0 + DAY)[0].seconds == 600


def test_a_ref_taken_by_an_old_name_is_skipped(db):
    with db.write() as tx:
        aliases.add(tx.conn, tbl="visit", names=[f"{db.replica_code}-V1"], row_id="x", kind="ref")
        assert field.next_ref(tx, "visit", db.replica_code) == f"{db.replica_code}-V2"
        assert field.next_ref(tx, "inspection", db.replica_code) == f"{db.replica_code}-I1"


def test_inspections_upgrades_and_trainings(db):
    s = site_ids(db)
    items = orjson.dumps([{"item": "UPS", "result": "fault", "finding": "battery"}]).decode()
    with db.write() as tx:
        made = []
        for n, (site, at) in enumerate([("BJ-HD", T0), ("BJ-HD", T0 + 90 * DAY),
                                        ("SH-PD", T0 + DAY), ("BJ-HD", T0 + 400 * DAY)]):
            row = InspectionRow(id=ids.uuid7(), ref=field.next_ref(tx, "inspection",
                                db.replica_code), site_id=s[site], visit_id=None, at=at,
                                signed_by="Wang Li", policy_id="p1", items=items,
                                faults=n % 2, recorded_at=at)  # fmt: skip
            field.insert_inspection(tx, row)
            made.append(row)
        major = UpgradeRow(id=ids.uuid7(), site_id=s["BJ-HD"], version="5.2", major=1, at=T0,
                           recorded_at=T0)  # fmt: skip
        minor = UpgradeRow(id=ids.uuid7(), site_id=s["BJ-HD"], version="5.2.1", major=0,
                           at=T0 + DAY, recorded_at=T0 + DAY)  # fmt: skip
        owed = UpgradeRow(id=ids.uuid7(), site_id=s["SH-PD"], version="5.2", major=1,
                          at=T0 + 2 * DAY, recorded_at=T0 + 2 * DAY)  # fmt: skip
        for u in (major, minor, owed):
            field.insert_upgrade(tx, u)
        trained = TrainingRow(id=ids.uuid7(), site_id=s["BJ-HD"], upgrade_id=major.id,
                              topic="New queue screens", attendees=12, at=T0 + 5 * DAY,
                              recorded_at=T0 + 5 * DAY)  # fmt: skip
        field.insert_training(tx, trained)
        kinds = {t: op for t, op in tx.conn.execute(
            "SELECT DISTINCT tbl, op FROM changelog WHERE tbl IN ('inspection', 'upgrade', "
            "'training')").all()}  # fmt: skip
    assert kinds == {"inspection": "append", "upgrade": "append", "training": "append"}
    with db.read() as conn:
        year = field.inspections(conn, site_id=s["BJ-HD"], since=T0, until=T0 + 365 * DAY)
        assert [i.ref for i in year] == [made[0].ref, made[1].ref]
        assert field.inspections(conn, site_id=s["BJ-HD"], since=T0 + 1, until=T0 + 90 * DAY) == []
        assert field.find_inspection(conn, "3", replica_code=db.replica_code) == made[2]
        assert field.inspection_times(conn, until=T0 + 365 * DAY) == {
            s["BJ-HD"]: [T0, T0 + 90 * DAY], s["SH-PD"]: [T0 + DAY]}  # fmt: skip
        assert [u.version for u in field.upgrades(conn, site_id=s["BJ-HD"])] == ["5.2", "5.2.1"]
        assert field.upgrades(conn, site_id=s["BJ-HD"], version="5.2", major=True) == [major]
        assert field.upgrade_by_id(conn, owed.id) == owed
        assert field.trainings(conn, upgrade_id=major.id) == [trained]
        assert field.trainings(conn, site_id=s["SH-PD"]) == []
        assert field.untrained_major_upgrades(conn) == [owed]
        assert field.untrained_major_upgrades(conn, site_id=s["BJ-HD"]) == []


def test_append_only_field_records_merge_by_union(tmp_path):
    a, b = replicas(tmp_path, 2)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    sync.sync(a, str(b.path))
    for db, version in ((a, "5.2"), (b, "5.3")):
        site_id = next(iter(site_ids(db).values()))
        with db.write() as tx:
            upgrade = UpgradeRow(id=ids.uuid7(), site_id=site_id, version=version, major=1,
                                 at=T0, recorded_at=T0)  # fmt: skip
            field.insert_upgrade(tx, upgrade)
            field.insert_training(tx, TrainingRow(
                id=ids.uuid7(), site_id=site_id, upgrade_id=upgrade.id, topic="screens",
                attendees=3, at=T0 + DAY, recorded_at=T0 + DAY))  # fmt: skip
    sync.sync(a, str(b.path))
    sync.sync(a, str(b.path))  # twice: nothing changes
    dumps = []
    for db in (a, b):
        with db.read() as conn:
            dumps.append({t: admin.dump(conn, t) for t in FIELD})
            assert sorted(u.version for u in field.upgrades(conn)) == ["5.2", "5.3"]
            assert len(field.trainings(conn)) == 2
    assert dumps[0] == dumps[1]
    assert sync.conflicts(a) == []
