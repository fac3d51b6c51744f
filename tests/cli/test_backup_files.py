"""`db backup`, `db restore` and `init` write files that appear whole or not at all, and refuse
what they must not overwrite before they write anything (issue 10, "Files")."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from svcdesk.store import db as store_db


def one_line_error(r, code: int = 1) -> None:
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


def listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def tickets_in(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def out(tmp_path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def test_an_existing_file_is_replaced_only_with_force(cli, ticket, out):
    notes = out / "notes.txt"
    notes.write_text("my notes\n")
    r = cli("db", "backup", str(notes))
    one_line_error(r)
    assert "exists; pass --force" in r.stderr
    assert notes.read_text() == "my notes\n" and listing(out) == ["notes.txt"]
    r = cli("db", "backup", str(notes), "--force", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["backup"] == str(notes) and tickets_in(notes) == 1
    assert listing(out) == ["notes.txt"]
    # a backup is replaced by a newer one the same way
    assert cli("db", "backup", str(notes)).exit_code == 1
    assert cli("db", "backup", str(notes), "--force").exit_code == 0


def test_a_fifo_a_device_or_a_folder_is_never_replaced(cli, ticket, out):
    fifo = out / "pipe"
    os.mkfifo(fifo)
    for target in (fifo, Path("/dev/null")):
        for force in ([], ["--force"]):
            r = cli("db", "backup", str(target), *force)  # returns: nothing opens the FIFO
            one_line_error(r)
            assert "not a regular file" in r.stderr
    assert not fifo.is_file() and listing(out) == ["pipe"]


def test_a_folder_gets_a_new_file_every_time(cli, ticket, out):
    made = set()
    for _ in range(3):  # the clock is fixed: the same second each time
        r = cli("db", "backup", str(out), "-f", "json")
        assert r.exit_code == 0, r.stderr
        made.add(r.json()["backup"])
    assert len(made) == 3 and all(tickets_in(Path(p)) == 1 for p in made)
    assert len(listing(out)) == 3
    # a path ending in a slash is a folder, made if it is missing
    r = cli("db", "backup", f"{out}/new/", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert Path(r.json()["backup"]).parent == out / "new"


def test_the_database_itself_or_a_live_one_is_refused(cli, ticket, env_setup, out):
    for force in ([], ["--force"]):
        one_line_error(cli("db", "backup", str(env_setup), *force))
        one_line_error(cli("db", "backup", str(env_setup.parent / "." / env_setup.name), *force))
    other = out / "other.db"
    assert cli("--db", str(other), "init").exit_code == 0
    Path(f"{other}-wal").write_bytes(b"")  # another svcdesk has it open
    r = cli("db", "backup", str(other), "--force")
    one_line_error(r)
    assert "other.db-wal" in r.stderr and tickets_in(other) == 0


def test_a_refused_target_is_checked_before_the_database_is_opened(cli, out, tmp_path):
    (out / "taken.db").write_text("x")
    missing = tmp_path / "missing.db"
    r = cli("--db", str(missing), "db", "backup", str(out / "taken.db"))
    one_line_error(r)
    assert "exists" in r.stderr and not missing.exists()
    r = cli("--db", "postgresql://127.0.0.1:1/x", "db", "backup", str(out / "x.db"))
    one_line_error(r)
    assert "pg_dump" in r.stderr and listing(out) == ["taken.db"]


def test_init_demo_refused_writes_nothing(cli, ticket, env_setup):
    with sqlite3.connect(env_setup) as conn:
        before = conn.execute("SELECT count(*) FROM changelog").fetchone()[0]
    one_line_error(cli("init", "--demo"))
    with sqlite3.connect(env_setup) as conn:
        assert conn.execute("SELECT count(*) FROM changelog").fetchone()[0] == before


# --------------------------------------------------------------------------------------------
# A full disk, Ctrl-C: nothing half-made is left


def fill_the_disk(monkeypatch) -> None:
    """Every SQLite file svcdesk writes under a temporary name (a backup, a restore, a new
    database) may grow to a few pages only from now on: SQLite fails as on a full disk."""
    real = sqlite3.connect

    def connect(database, *args, **kwargs):
        conn = real(database, *args, **kwargs)
        if ".partial" in str(database):
            conn.execute("PRAGMA max_page_count = 8")
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_full_disk_leaves_the_backup_target_as_it_was(cli, ticket, out, monkeypatch):
    (out / "old.db").write_bytes(b"the previous backup")
    fill_the_disk(monkeypatch)
    for target, force in ((out / "new.db", []), (out / "old.db", ["--force"]),
                          (out / "a" / "b" / "c.db", [])):  # fmt: skip
        r = cli("db", "backup", str(target), *force)
        one_line_error(r)
        assert f"cannot write {target}: no space left on the device" in r.stderr
    assert (out / "old.db").read_bytes() == b"the previous backup"
    assert listing(out) == ["old.db"]


def test_a_full_disk_leaves_no_new_database(cli, tmp_path, monkeypatch):
    fill_the_disk(monkeypatch)
    folder = tmp_path / "new"
    r = cli("--db", str(folder / "shop.db"), "init", "--demo")
    one_line_error(r)
    assert "no space left" in r.stderr and not folder.exists()


def test_a_full_disk_leaves_the_restored_database_as_it_was(cli, ticket, env_setup, out,
                                                             monkeypatch):  # fmt: skip
    backup = out / "b.db"
    assert cli("db", "backup", str(backup)).exit_code == 0
    before = env_setup.read_bytes()
    fill_the_disk(monkeypatch)
    r = cli("db", "restore", str(backup))
    one_line_error(r)
    assert "no space left" in r.stderr
    assert env_setup.read_bytes() == before
    assert sorted(p.name for p in env_setup.parent.iterdir() if p.name.startswith(".")) == []


def interrupt_copy(monkeypatch) -> None:
    real = store_db.copy_database

    def copy_then_interrupt(source, dest):
        real(source, dest)  # the copy is made, then Ctrl-C before it is put in place
        raise KeyboardInterrupt

    monkeypatch.setattr(store_db, "copy_database", copy_then_interrupt)


def test_ctrl_c_during_a_backup_or_a_restore(cli, ticket, env_setup, out, monkeypatch):
    backup = out / "b.db"
    assert cli("db", "backup", str(backup)).exit_code == 0
    before = env_setup.read_bytes()
    interrupt_copy(monkeypatch)
    r = cli("db", "backup", str(out / "c.db"))
    one_line_error(r, 130)
    assert "interrupted" in r.stderr and listing(out) == ["b.db"]
    r = cli("db", "restore", str(backup))
    one_line_error(r, 130)
    assert env_setup.read_bytes() == before
    assert not [p for p in env_setup.parent.iterdir() if ".partial" in p.name]


def test_ctrl_c_starts_its_message_on_its_own_line(monkeypatch):
    from svcdesk import cli as cli_module

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    err = Terminal()
    err.write("progress 42%")  # where the cursor was when ^C came
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(cli_module.typer.main.get_command(cli_module.app).__class__, "main",
                        interrupted)  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        cli_module.main(["db", "info"])
    assert exc.value.code == 130
    assert err.getvalue() == "progress 42%\nsvcdesk: error: interrupted; nothing was half-written\n"


# --------------------------------------------------------------------------------------------
# A real full disk, when this machine can make one


def test_a_really_full_disk(cli, ticket, tiny_disk, out):
    assert cli("db", "backup", str(out / "b.db")).exit_code == 0
    (tiny_disk / "keep.txt").write_text("x")
    tries = [
        ["db", "backup", str(tiny_disk / "b.db")],
        ["db", "backup", str(tiny_disk / "keep.txt"), "--force"],
        ["--db", str(tiny_disk / "new.db"), "init", "--demo"],
        ["--db", str(tiny_disk / "r.db"), "db", "restore", str(out / "b.db")],
    ]
    for args in tries:
        r = cli(*args)
        one_line_error(r)
        assert "no space left" in r.stderr
    assert listing(tiny_disk) == ["keep.txt"] and (tiny_disk / "keep.txt").read_text() == "x"
