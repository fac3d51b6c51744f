"""Copied and restored replicas: re-keyed before they write, or at the sync that shows them.

A laptop restored from a backup, a database file copied to a second laptop: each would write
under the identity its original goes on with (the same replica id, the same refs). It is given
a new identity instead, its unsynced work keeps working under new refs, and nothing collides
and nothing is lost.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from svcdesk.services import sync, tickets
from svcdesk.services.session import open_database


def laptop(cli: Any, path: Path | str, *args: str) -> Any:
    return cli("--db", str(path), *args)


def ok(r: Any) -> Any:
    assert r.exit_code == 0, r.stderr
    return r


def info(cli: Any, path: Path | str) -> dict[str, Any]:
    return ok(laptop(cli, path, "db", "info", "-f", "json")).json()


def open_ticket(cli: Any, path: Path | str, title: str, *extra: str) -> str:
    r = ok(laptop(cli, path, "ticket", "open", "--site", "BJ-HD", "--title", title, *extra,
                  "-f", "json"))  # fmt: skip
    return str(r.json()["ref"])


def listing(cli: Any, path: Path | str) -> dict[str, str]:
    """Title -> ref of every ticket."""
    rows = ok(laptop(cli, path, "ticket", "list", "--status", "all", "-f", "json")).json()
    refs = [t["ref"] for t in rows]
    assert len(refs) == len(set(refs)), refs
    by_title = {t["title"]: t["ref"] for t in rows}
    assert len(by_title) == len(rows), "a ticket is there twice"
    return by_title


def stamps(path: Path) -> dict[str, list[str]]:
    with sqlite3.connect(path) as conn:
        out: dict[str, list[str]] = {}
        for replica, stamp in conn.execute("SELECT replica, stamp FROM changelog ORDER BY stamp"):
            out.setdefault(replica, []).append(stamp)
    return out


def a_laptop(cli: Any, path: Path, hub: Path | str) -> str:
    """A laptop with a site and one ticket, synced with the hub; its replica code."""
    ok(laptop(cli, path, "init"))
    ok(laptop(cli, path, "site", "add", "BJ-HD", "--name", "Haidian"))
    open_ticket(cli, path, "before the backup")
    ok(laptop(cli, path, "sync", "remote", "add", "hub", str(hub)))
    ok(laptop(cli, path, "sync"))
    return str(info(cli, path)["replica_code"])


def a_hub(cli: Any, hub: Path | str) -> None:
    ok(laptop(cli, hub, "init"))


def put_back_in_place(backup: Path, target: Path) -> None:
    """Restore as a backup tool that writes into the existing file does: the same inode."""
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    inode = target.stat().st_ino
    with target.open("r+b") as fh:
        fh.write(backup.read_bytes())
        fh.truncate()
    assert target.stat().st_ino == inode


def home_here(path: Path) -> None:
    """Make a copy believe it was always where it is (as a copy made and opened before svcdesk
    recorded where files live would): opening it sees nothing wrong."""
    st = path.stat()
    home = {"host": socket.gethostname(), "device": st.st_dev, "inode": st.st_ino,
            "path": str(path)}  # fmt: skip
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM svcdesk_meta WHERE key = 'home'")
        conn.execute("INSERT INTO svcdesk_meta (key, value) VALUES ('home', ?)",
                     (json.dumps(home),))  # fmt: skip


def converged(cli: Any, *paths: Path | str) -> dict[str, str]:
    lists = [listing(cli, p) for p in paths]
    assert all(x == lists[0] for x in lists), lists
    return lists[0]


# --------------------------------------------------------------------------------------------
# A laptop restored from a backup


def test_a_restored_laptop_opens_tickets_and_gets_back_what_it_synced_after_the_backup(
    cli: Any, tmp_path: Path
) -> None:
    a, hub, backup = tmp_path / "a.db", tmp_path / "hub.db", tmp_path / "backups" / "a.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    ok(laptop(cli, a, "db", "backup", str(backup)))
    lost = [open_ticket(cli, a, "after the backup 1"), open_ticket(cli, a, "after the backup 2")]
    ok(laptop(cli, a, "sync"))
    before = info(cli, a)

    r = ok(laptop(cli, a, "db", "restore", str(backup)))
    assert r.stderr.count("\n") == 1 and "restored" in r.stderr and "kept as" in r.stderr
    now = info(cli, a)
    assert now["replica_code"] != code and now["replica_id"] != before["replica_id"]
    assert f"(it was {code};" in r.stderr and now["replica_code"] in r.stderr
    kept = [p for p in tmp_path.iterdir() if ".before-restore-" in p.name and p.suffix == ".db"]
    assert len(kept) == 1 and info(cli, kept[0])["ticket"] == 3  # nothing thrown away
    assert not list(tmp_path.glob("*.restoring*"))

    new = [open_ticket(cli, a, "after the restore 1"), open_ticket(cli, a, "after the restore 2")]
    assert new == [f"{now['replica_code']}-1", f"{now['replica_code']}-2"]
    r = ok(laptop(cli, a, "sync", "-f", "json"))
    assert r.json()["pulled"] > 0 and r.json()["pushed"] > 0
    tickets_now = converged(cli, a, hub)
    assert sorted(tickets_now) == ["after the backup 1", "after the backup 2",
                                   "after the restore 1", "after the restore 2",
                                   "before the backup"]  # fmt: skip
    assert [tickets_now["after the backup 1"], tickets_now["after the backup 2"]] == lost
    for ref in lost:  # the refs the lost laptop gave out still name those tickets
        assert ok(laptop(cli, a, "ticket", "show", ref, "-f", "json")).json()["ref"] == ref
    again = ok(laptop(cli, a, "sync", "-f", "json")).json()
    assert (again["pushed"], again["pulled"]) == (0, 0)
    # the old identity's operations: one sequence, the same on both sides
    old_id = before["replica_id"]
    assert stamps(a)[old_id] == stamps(hub)[old_id]


def test_a_laptop_restored_by_copying_the_backup_back_syncs_with_the_postgres_hub(
    cli: Any, tmp_path: Path, pg_url: str
) -> None:
    a, backup = tmp_path / "a.db", tmp_path / "a-backup.db"
    a_hub(cli, pg_url)
    code = a_laptop(cli, a, pg_url)
    ok(laptop(cli, a, "db", "backup", str(backup)))
    lost = open_ticket(cli, a, "after the backup")
    ok(laptop(cli, a, "sync"))
    a.unlink()
    shutil.copy(backup, a)  # the file system may well give it the inode the lost one had:
    open_ticket(cli, a, "after the restore")  # then only the sync can tell
    ok(laptop(cli, a, "sync"))
    now = info(cli, a)
    assert now["replica_code"] != code
    hub_list = converged(cli, a, pg_url)
    assert hub_list == {"before the backup": f"{code}-1", "after the backup": lost,
                        "after the restore": f"{now['replica_code']}-1"}  # fmt: skip
    again = ok(laptop(cli, a, "sync", "-f", "json")).json()
    assert (again["pushed"], again["pulled"]) == (0, 0)


def test_a_restore_into_the_same_inode_is_caught_at_sync_and_its_new_tickets_renamed(
    cli: Any, tmp_path: Path
) -> None:
    """A backup tool that writes the backup back into the file keeps the inode: the open
    cannot tell. The laptop hands out the refs the lost one gave out, under its id; the sync
    sees the hub holding work of this replica it lacks, re-keys it (moving what it wrote since
    to the new identity, under new refs) and then syncs, in one line."""
    a, hub, backup = tmp_path / "a.db", tmp_path / "hub.db", tmp_path / "a-backup.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    ok(laptop(cli, a, "db", "backup", str(backup)))
    lost = open_ticket(cli, a, "after the backup")
    ok(laptop(cli, a, "sync"))
    old_id = info(cli, a)["replica_id"]
    put_back_in_place(backup, a)
    assert info(cli, a)["replica_code"] == code  # the open saw nothing

    again = open_ticket(cli, a, "after the restore")
    assert again == lost  # the same ref, under the same identity: what the sync must undo
    ok(laptop(cli, a, "ticket", "assign", again, "Li Wei"))
    db = open_database(str(a))
    try:
        result = sync.sync(db, "hub")
        new_code = db.replica_code
    finally:
        db.close()
    assert new_code != code
    (note,) = result["notes"]
    assert "\n" not in note and f"re-keyed it as replica {new_code}" in note
    assert f"{lost} is now {new_code}-1" in note
    listed = converged(cli, a, hub)
    assert listed == {"before the backup": f"{code}-1", "after the backup": lost,
                      "after the restore": f"{new_code}-1"}  # fmt: skip
    shown = ok(laptop(cli, hub, "ticket", "show", f"{new_code}-1", "-f", "json")).json()
    assert shown["assignee"] == "Li Wei"  # the edit moved with it
    # nothing this laptop wrote after the restore stayed under the old identity
    assert stamps(a)[old_id] == stamps(hub)[old_id]
    assert ok(laptop(cli, a, "sync", "-f", "json")).json()["pushed"] == 0
    assert open_ticket(cli, a, "later") == f"{new_code}-2"


def test_field_work_and_articles_made_after_a_restore_in_place_are_renamed_with_the_rekey(
    cli: Any, tmp_path: Path
) -> None:
    """Visits, inspections and articles are numbered per replica like tickets: the restored
    laptop hands out the refs the lost one gave out; the re-key at the sync gives them refs of
    the new code, and the old refs still name them on this laptop."""
    a, hub, backup = tmp_path / "a.db", tmp_path / "hub.db", tmp_path / "a-backup.db"
    results = tmp_path / "r.toml"
    results.write_text('servers = "ok"\n', encoding="utf-8")
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    ok(laptop(cli, a, "db", "backup", str(backup)))

    body = tmp_path / "body.md"
    body.write_text("叫号机卡纸: 清理进纸通道\n", encoding="utf-8")

    def field_work(summary: str) -> tuple[str, str]:
        v = ok(laptop(cli, a, "visit", "start", "--site", "BJ-HD", "-f", "json")).json()["ref"]
        ok(laptop(cli, a, "visit", "end", v, "--summary", summary))
        i = ok(laptop(cli, a, "inspect", "record", "--site", "BJ-HD", "--results", str(results),
                      "--visit", v, "-f", "json")).json()["ref"]  # fmt: skip
        k = ok(laptop(cli, a, "kb", "add", "--title", summary, "--body", str(body),
                      "-f", "json")).json()["ref"]  # fmt: skip
        articles[summary] = k
        return v, i

    articles: dict[str, str] = {}

    lost = field_work("before the restore")
    ok(laptop(cli, a, "sync"))
    put_back_in_place(backup, a)
    again = field_work("after the restore")
    assert again == lost == (f"{code}-V1", f"{code}-I1")  # the same refs: the sync must undo it
    ok(laptop(cli, a, "sync"))
    new_code = info(cli, a)["replica_code"]
    assert new_code != code
    for path in (a, hub):
        visits = ok(laptop(cli, path, "visit", "list", "-f", "json")).json()
        assert {v["summary"]: v["ref"] for v in visits} == {
            "before the restore": f"{code}-V1", "after the restore": f"{new_code}-V1"}
        inspections = ok(laptop(cli, path, "inspect", "list", "-f", "json")).json()
        assert sorted(i["ref"] for i in inspections) == sorted([f"{code}-I1", f"{new_code}-I1"])
    assert articles == {"before the restore": f"{code}-K1", "after the restore": f"{code}-K1"}
    for path in (a, hub):  # the article made after the restore took a ref of the new code
        listed = ok(laptop(cli, path, "kb", "list", "-f", "json")).json()
        assert {x["title"]: x["ref"] for x in listed} == {
            "before the restore": f"{code}-K1", "after the restore": f"{new_code}-K1"}
    # this laptop's old names of its own work still find it
    shown = ok(laptop(cli, hub, "visit", "show", f"{new_code}-V1", "-f", "json")).json()
    assert shown["summary"] == "after the restore"
    assert ok(laptop(cli, a, "visit", "start", "--site", "BJ-HD", "-f", "json")).json()["ref"] \
        == f"{new_code}-V2"


# --------------------------------------------------------------------------------------------
# A database file copied to a second laptop


def test_a_copied_file_is_rekeyed_when_opened_and_both_copies_sync(
    cli: Any, tmp_path: Path
) -> None:
    a, b, hub = tmp_path / "a.db", tmp_path / "usb" / "b.db", tmp_path / "hub.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    old = f"{code}-1"
    b.parent.mkdir()
    shutil.copy2(a, b)
    b_code = info(cli, b)["replica_code"]
    assert b_code != code and info(cli, a)["replica_code"] == code
    made = {}
    for path, who in ((a, "a"), (b, "b"), (a, "a"), (b, "b")):
        made[f"{who}{len(made)}"] = open_ticket(cli, path, f"{who}{len(made)}")
    assert made == {"a0": f"{code}-2", "b1": f"{b_code}-1", "a2": f"{code}-3",
                    "b3": f"{b_code}-2"}  # fmt: skip
    ok(laptop(cli, b, "ticket", "assign", old, "Wang Fang"))
    for path in (a, b, a):
        ok(laptop(cli, path, "sync"))
    listed = converged(cli, a, b, hub)
    assert listed == {"before the backup": old, **made}
    for path in (a, b, hub):  # the refs from before the copy still name the same ticket
        shown = ok(laptop(cli, path, "ticket", "show", old, "-f", "json")).json()
        assert shown["assignee"] == "Wang Fang"
    assert len({info(cli, p)["replica_id"] for p in (a, b, hub)}) == 3


def test_a_copy_worked_on_before_anyone_could_tell_is_caught_at_its_next_sync(
    cli: Any, tmp_path: Path
) -> None:
    """Copied and opened where nothing could tell (faked: it believes it was always there).
    Both hand out the same next ref under one identity; the second to sync is re-keyed, its
    tickets and assets renumbered with the new code, the tickets showing the new asset ref."""
    a, b, hub = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "hub.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    shutil.copy2(a, b)
    home_here(b)
    assert info(cli, b)["replica_code"] == code
    on_a = open_ticket(cli, a, "on a")
    ok(laptop(cli, b, "asset", "add", "--site", "BJ-HD", "--kind", "server", "--serial", "SN-1"))
    on_b = open_ticket(cli, b, "on b", "--asset", f"{code}-A1")
    assert on_a == on_b == f"{code}-2"
    ok(laptop(cli, a, "sync"))
    db = open_database(str(b))
    try:
        result = sync.sync(db, "hub")
        new = db.replica_code
    finally:
        db.close()
    assert new != code and len(result["notes"]) == 1
    assert f"{code}-2 is now {new}-1" in result["notes"][0]
    assert f"{code}-A1 is now {new}-A1" in result["notes"][0]
    ok(laptop(cli, a, "sync"))
    listed = converged(cli, a, b, hub)
    assert listed == {"before the backup": f"{code}-1", "on a": on_a, "on b": f"{new}-1"}
    for path in (a, b, hub):
        shown = ok(laptop(cli, path, "ticket", "show", f"{new}-1", "-f", "json")).json()
        assert shown["asset"] == f"{new}-A1"
        assets = ok(laptop(cli, path, "asset", "list", "-f", "json")).json()
        assert [x["ref"] for x in assets] == [f"{new}-A1"]
    # on b, the old asset ref (nobody else has it) still finds the asset
    shown = ok(laptop(cli, b, "asset", "show", f"{code}-A1", "-f", "json")).json()
    assert shown["ref"] == f"{new}-A1"
    assert {r for r in stamps(b)} == {r for r in stamps(hub)} == {r for r in stamps(a)}
    assert all(stamps(p) == stamps(hub) for p in (a, b))


def test_two_copies_synced_with_each_other_directly_are_told_apart(
    cli: Any, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    ok(laptop(cli, a, "init"))
    ok(laptop(cli, a, "site", "add", "BJ-HD", "--name", "Haidian"))
    first = open_ticket(cli, a, "first")
    shutil.copy2(a, b)
    home_here(b)
    code = info(cli, a)["replica_code"]
    open_ticket(cli, a, "on a")
    open_ticket(cli, b, "on b")
    r = laptop(cli, b, "sync", str(a), "-f", "json")
    assert r.exit_code == 0, r.stderr
    ok(laptop(cli, a, "sync", str(b)))
    listed = converged(cli, a, b)
    new = info(cli, b)["replica_code"]
    assert new != code and listed == {"first": first, "on a": f"{code}-2", "on b": f"{new}-1"}
    assert ok(laptop(cli, b, "ticket", "show", f"{code}-1", "-f", "json")).json()["title"] == (
        "first"
    )
    r = laptop(cli, a, "sync", str(a))  # still: a database is never synced with itself
    assert r.exit_code == 1 and "this same replica" in r.stderr


def test_a_hub_file_restored_in_place_is_rekeyed_by_the_laptop_that_holds_its_work(
    cli: Any, tmp_path: Path
) -> None:
    """The symmetric case: the remote forked. Tickets opened on the hub file itself, the hub
    restored from a backup into the same inode, more opened on it: the laptop, holding what the
    hub lost, re-keys the hub, gives back what it lost, and nothing collides."""
    a, hub, backup = tmp_path / "a.db", tmp_path / "hub.db", tmp_path / "hub-backup.db"
    a_hub(cli, hub)
    a_laptop(cli, a, hub)
    hub_code = info(cli, hub)["replica_code"]
    ok(laptop(cli, hub, "db", "backup", str(backup)))
    lost = open_ticket(cli, hub, "on the hub, lost")
    ok(laptop(cli, a, "sync"))
    put_back_in_place(backup, hub)
    again = open_ticket(cli, hub, "on the hub, after its restore")
    assert again == lost
    db = open_database(str(a))
    try:
        result = sync.sync(db, "hub")
    finally:
        db.close()
    new = info(cli, hub)["replica_code"]
    assert new != hub_code and len(result["notes"]) == 1 and new in result["notes"][0]
    listed = converged(cli, a, hub)
    assert listed["on the hub, lost"] == lost and listed["on the hub, after its restore"] == (
        f"{new}-1"
    )


# --------------------------------------------------------------------------------------------
# What must not happen


def test_an_ordinary_reopen_or_a_move_keeps_the_identity(cli: Any, tmp_path: Path) -> None:
    a, hub = tmp_path / "a.db", tmp_path / "hub.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    first = info(cli, a)
    with sqlite3.connect(a) as conn:
        home = json.loads(conn.execute("SELECT value FROM svcdesk_meta WHERE key = 'home'")
                          .fetchone()[0])  # fmt: skip
    assert home["inode"] == a.stat().st_ino and home["device"] == a.stat().st_dev
    for _ in range(3):
        assert info(cli, a)["replica_id"] == first["replica_id"]
    moved = tmp_path / "elsewhere" / "a.db"
    moved.parent.mkdir()
    os.replace(a, moved)  # a move within one file system keeps the inode
    assert open_ticket(cli, moved, "after the move") == f"{code}-2"
    r = ok(laptop(cli, moved, "sync", "-f", "json"))
    assert r.json()["notes"] == [] and r.json()["pushed"] == 2
    assert info(cli, moved)["replica_id"] == first["replica_id"]
    assert info(cli, moved)["replica_code"] == code


def test_a_ref_counter_that_went_back_skips_the_refs_that_exist(cli: Any, site: str) -> None:
    taken = [open_ticket(cli, os.environ["SVCDESK_DB"], f"t{n}") for n in range(3)]
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        conn.execute("UPDATE svcdesk_meta SET value = '1' WHERE key = 'seq.ticket'")
    code = taken[0].split("-")[0]
    assert open_ticket(cli, os.environ["SVCDESK_DB"], "t3") == f"{code}-4"


def test_a_rekeying_that_fails_changes_nothing(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, hub = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "hub.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    shutil.copy2(a, b)
    home_here(b)
    open_ticket(cli, a, "on a")
    open_ticket(cli, b, "on b")
    ok(laptop(cli, a, "sync"))
    before = (stamps(b), info(cli, b), listing(cli, b))

    from svcdesk.sync import engine

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(engine, "rebuild_many", broken)
    db = open_database(str(b))
    try:
        with pytest.raises(RuntimeError):
            sync.sync(db, "hub")
    finally:
        db.close()
    monkeypatch.undo()
    assert (stamps(b), info(cli, b), listing(cli, b)) == before
    assert info(cli, b)["replica_code"] == code
    ok(laptop(cli, b, "sync"))
    ok(laptop(cli, a, "sync"))
    assert len(converged(cli, a, b, hub)) == 3


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(cli: Any, tmp_path: Path) -> None:
    a = tmp_path / "a.db"
    ok(laptop(cli, a, "init"))
    before = info(cli, a)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n" * 100)
    for bad, says in ((notes, "not a svcdesk database"), (tmp_path / "nope.db", "no backup at"),
                      (a, "is the database itself")):  # fmt: skip
        r = laptop(cli, a, "db", "restore", str(bad))
        assert r.exit_code == 1 and says in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert info(cli, a) == before
    assert not [p.name for p in tmp_path.iterdir() if "restor" in p.name]
    assert notes.read_text() == "hello\n" * 100


def test_services_restore_onto_a_new_laptop(cli: Any, tmp_path: Path) -> None:
    """A new laptop: no database yet where the backup goes."""
    from svcdesk.services import dbadmin

    a, hub, fresh = tmp_path / "a.db", tmp_path / "hub.db", tmp_path / "new" / "svcdesk.db"
    a_hub(cli, hub)
    code = a_laptop(cli, a, hub)
    backup = tmp_path / "bk.db"
    ok(laptop(cli, a, "db", "backup", str(backup)))
    with sqlite3.connect(backup) as conn:  # as a backup made before svcdesk recorded homes
        conn.execute("DELETE FROM svcdesk_meta WHERE key = 'home'")
        conn.execute("PRAGMA journal_mode = DELETE")
    digest = backup.read_bytes()
    done = dbadmin.restore(str(fresh), str(backup))
    assert done["kept"] is None and done["previous_code"] == code
    assert done["replica_code"] != code and backup.read_bytes() == digest
    db = open_database(str(fresh))
    try:
        made = tickets.open_ticket(db, title="on the new laptop", site="BJ-HD")
        assert made["ref"] == f"{done['replica_code']}-1"
        assert sync.sync(db, str(hub))["notes"] == []
    finally:
        db.close()
    ok(laptop(cli, a, "sync"))
    assert converged(cli, fresh, hub, a) == {"before the backup": f"{code}-1",
                                             "on the new laptop": made["ref"]}  # fmt: skip


def test_a_command_that_opened_the_file_before_it_was_rekeyed_writes_as_the_new_replica(
    cli: Any, site: str
) -> None:
    from svcdesk.services import rekey

    path = os.environ["SVCDESK_DB"]
    first, second = open_database(path), open_database(path)
    try:
        old = first.replica_id
        done = rekey.rekey_now(first, why="test")
        made = tickets.open_ticket(second, title="late", site=site)
        assert made["ref"] == f"{done['code']}-1"
        assert second.replica_id == first.replica_id != old
    finally:
        first.close()
        second.close()
    with sqlite3.connect(path) as conn:
        (writer,) = conn.execute(
            "SELECT DISTINCT replica FROM changelog WHERE row_id = ?", (made["id"],)
        ).fetchone()
    assert writer == info(cli, path)["replica_id"] != old
