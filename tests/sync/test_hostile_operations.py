"""Names from outside never reach SQL: operations naming what svcdesk did not declare are refused.

A crafted bundle (with a valid checksum: whoever crafts it can compute one), a crafted remote
database and a crafted conflict kept with `sync keep` each get one line and change nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import orjson
import pytest

from svcdesk import ids
from svcdesk.store.changelog import tick
from svcdesk.sync.bundle import write_bundle

EVIL_COLUMN = "name = (SELECT value FROM svcdesk_meta WHERE key = 'replica_id'), code"
# shown exactly, quoted, never as if it were the column site.name
EVIL_SAID = f"unknown column {EVIL_COLUMN!r} in table site"


def state(db: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT * FROM site ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM ticket ORDER BY id").fetchall(),
            conn.execute("SELECT * FROM changelog ORDER BY stamp").fetchall(),
        )


def site_id(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM site WHERE code = 'BJ-HD'").fetchone()[0]


def op(table: str, row_id: str, kind: str, data: dict, replica: str = "f" * 32) -> dict:
    return {"stamp": tick(None, replica), "replica": replica, "tbl": table, "row_id": row_id,
            "op": kind, "data": orjson.dumps(data).decode(), "parent": None}  # fmt: skip


HOSTILE = [
    ("a column that is SQL", lambda sid: op("site", sid, "update", {EVIL_COLUMN: "x"}),
     EVIL_SAID),
    ("a local table", lambda sid: op("svcdesk_meta", "replica_id", "update", {"value": "x"}),
     "names table 'svcdesk_meta', which does not sync"),
    ("a derived column", lambda sid: op("ticket", sid, "update", {"clocks": "[]"}),
     "column ticket.clocks is derived on each replica"),
    ("a value of the wrong type", lambda sid: op("site", sid, "update", {"created_at": "soon"}),
     "column site.created_at holds a number, not str"),
    ("an unknown kind of operation", lambda sid: op("site", sid, "drop", {"name": "x"}),
     "has an unknown kind 'drop'"),
    ("an insert of another row's id", lambda sid: op("site", ids.uuid7(), "insert",
                                                       {"id": sid, "code": "X", "name": "y",
                                                        "created_at": 0, "updated_at": 0}),
     "creates a row whose id is not its own"),
]  # fmt: skip


@pytest.fixture
def laptop(cli, env_setup) -> Path:
    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    assert cli("ticket", "open", "--site", "BJ-HD", "--title", "printer").exit_code == 0
    return env_setup


@pytest.mark.parametrize(("what", "make", "said"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_crafted_bundle_is_refused_whole(cli, laptop, tmp_path, what, make, said):
    good_id = ids.uuid7()
    good = op("site", good_id, "insert", {"id": good_id, "code": "SH", "name": "Pudong",
                                          "created_at": 1, "updated_at": 1})  # fmt: skip
    bundle = tmp_path / "crafted.svcbundle"
    write_bundle(bundle, schema_version=1, replica_id="f" * 32, replica_code="EVIL",
                 created_at="2026-10-14T10:00:00+08:00",
                 ops=[good, make(site_id(laptop))])  # fmt: skip
    before = state(laptop)
    r = cli("sync", "import", str(bundle))
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and said in r.stderr and "nothing was applied" in r.stderr
    assert "Traceback" not in r.stderr
    assert state(laptop) == before  # not even the good operation before it


def test_a_crafted_remote_is_refused_and_both_sides_stay_as_they_were(cli, laptop, tmp_path):
    remote = tmp_path / "remote.db"
    assert cli("--db", str(remote), "init").exit_code == 0
    evil = op("site", site_id(laptop), "update", {EVIL_COLUMN: "x"})
    with sqlite3.connect(remote) as conn:
        conn.execute(
            "INSERT INTO changelog VALUES (:stamp, :replica, :tbl, :row_id, :op, :data, :parent)",
            evil,
        )
    mine, theirs = state(laptop), state(remote)
    r = cli("sync", str(remote))
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert EVIL_SAID in r.stderr
    assert state(laptop) == mine and state(remote) == theirs


def test_keeping_a_crafted_conflict_is_refused(cli, laptop):
    """Two concurrent writes of an undeclared column, planted in the log itself."""
    sid = site_id(laptop)
    with sqlite3.connect(laptop) as conn:
        for replica, value in (("a" * 32, "one"), ("b" * 32, "two")):
            planted = op("site", sid, "update", {EVIL_COLUMN: value}, replica=replica)
            conn.execute(
                "INSERT INTO changelog VALUES "
                "(:stamp, :replica, :tbl, :row_id, :op, :data, :parent)",
                planted,
            )
    listed = cli("sync", "conflicts", "-f", "json").json()
    (conflict,) = [c for c in listed if c["field"] == EVIL_COLUMN]
    before = state(laptop)
    r = cli("sync", "keep", conflict["lost_stamp"])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert EVIL_SAID in r.stderr
    assert state(laptop) == before
