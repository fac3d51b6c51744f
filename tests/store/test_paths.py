"""Paths are paths: a database, a sync remote, a bundle or a backup is the file named, exactly
as written (`#`, `?`, `%`, `&`, `=` and spaces mean themselves); a path that cannot be used is
one clear line that changes nothing."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svcdesk.store import db as store

AWKWARD = ["Job #7/svcdesk.db", "R&D #2/x.db", "a?b.db", "in/%2e%2e/x.db", "x%00y=1&mode=ro.db",
           "我的 数据;#?.db", "file:z.db"]  # fmt: skip


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def expected(name: str) -> set[str]:
    parts = Path(name).parts
    return {str(Path(*parts[: i + 1])) for i in range(len(parts))}


def one_line_error(r, code: int = 1) -> None:
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1, r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("name", AWKWARD)
def test_a_database_is_the_file_named_exactly(cli, tmp_path, monkeypatch, name):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    r = cli("--db", name, "init")
    assert r.exit_code == 0, r.stderr
    assert tree(work) - {name + "-wal", name + "-shm"} == expected(name)
    assert cli("--db", name, "site", "add", "BJ", "--name", "Haidian").exit_code == 0
    assert cli("--db", name, "db", "info", "-f", "json").json()["site"] == 1
    with sqlite3.connect(work / name) as conn:  # the very file, as another program opens it
        assert conn.execute("SELECT code FROM site").fetchall() == [("BJ",)]
    assert tree(work) - {name + "-wal", name + "-shm"} == expected(name)  # nothing else made


segment = st.text(alphabet="ab#?%&=;+@:!$'()[] 2e中é.", min_size=1, max_size=10).filter(
    lambda s: s not in (".", "..") and s.strip() == s
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(parts=st.lists(segment, min_size=1, max_size=3))
def test_the_sqlite_uri_names_every_path_as_written(tmp_path, parts):
    """Whatever the characters, SQLite opens (and creates) the file at the path, nowhere else."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    path = root.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(store.sqlite_uri(path, "rwc"), uri=True)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    assert path.is_file() and tree(root) == expected(os.path.join(*parts))
    conn = sqlite3.connect(store.sqlite_uri(path, "ro"), uri=True)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]
    conn.close()


def test_remotes_bundles_and_backups_with_awkward_names(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    laptop, other = "Job #7/laptop?.db", "R&D #2/in/%2e%2e/x.db"
    for db in (laptop, other):
        assert cli("--db", db, "init").exit_code == 0
    cli("--db", laptop, "site", "add", "BJ", "--name", "Haidian")
    r = cli("--db", laptop, "sync", other, "-f", "json")
    assert r.exit_code == 0 and r.json()["pushed"] == 1
    assert cli("--db", other, "site", "list", "-f", "json").json()[0]["code"] == "BJ"
    assert cli("--db", laptop, "sync", "remote", "add", "usb", other).exit_code == 0
    listed = cli("--db", laptop, "sync", "remote", "list", "-f", "json").json()
    assert listed[0]["remote"] == str(tmp_path / other)
    assert cli("--db", laptop, "sync", "usb").exit_code == 0
    # a bundle
    cli("--db", laptop, "site", "add", "SH", "--name", "Shanghai")
    assert cli("--db", laptop, "sync", "export", "carry #1?.svcbundle").exit_code == 0
    r = cli("--db", other, "sync", "import", "carry #1?.svcbundle")
    assert r.exit_code == 0, r.stderr
    assert len(cli("--db", other, "site", "list", "-f", "json").json()) == 2
    # a backup, and a restore from it
    r = cli("--db", laptop, "db", "backup", "safe #1/b&k?.db", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert Path(r.json()["backup"]).resolve() == (tmp_path / "safe #1/b&k?.db").resolve()
    r = cli("--db", "restored %41.db", "db", "restore", "safe #1/b&k?.db")
    assert r.exit_code == 0, r.stderr
    assert len(cli("--db", "restored %41.db", "site", "list", "-f", "json").json()) == 2
    made = {p.name for p in tmp_path.iterdir()}
    assert made == {"Job #7", "R&D #2", "carry #1?.svcbundle", "safe #1", "restored %41.db"}


# --------------------------------------------------------------------------------------------
# Paths that cannot be used: one line each, nothing written


def test_a_directory_given_as_the_database(cli, tmp_path):
    folder = tmp_path / "Job #7"
    folder.mkdir()
    for args in (["init"], ["ticket", "list"]):
        r = cli("--db", str(folder), *args)
        one_line_error(r)
        assert "is a directory" in r.stderr
    assert cli("init").exit_code == 0
    one_line_error(cli("sync", str(folder)))
    assert list(folder.iterdir()) == []


def test_a_file_that_is_not_sqlite(cli, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    for args in (["init"], ["ticket", "list"], ["db", "info"]):
        r = cli("--db", str(notes), *args)
        one_line_error(r)
        assert "not a svcdesk database" in r.stderr
    assert notes.read_text() == "hello\n" and sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt"
    ]


def test_a_missing_folder(cli, tmp_path):
    r = cli("--db", str(tmp_path / "no" / "such" / "x.db"), "ticket", "list")
    one_line_error(r)
    assert "svcdesk init" in r.stderr and not (tmp_path / "no").exists()
    # init makes the folders it needs
    assert cli("--db", str(tmp_path / "new #1" / "x.db"), "init").exit_code == 0
    assert (tmp_path / "new #1" / "x.db").is_file()


def test_a_file_where_a_folder_should_be(cli, tmp_path):
    (tmp_path / "plain").write_text("x")
    for args in (["init"], ["ticket", "list"]):
        r = cli("--db", str(tmp_path / "plain" / "x.db"), *args)
        one_line_error(r)
    assert (tmp_path / "plain").read_text() == "x"


def test_an_unreadable_folder_or_file(cli, tmp_path, monkeypatch, env_setup):
    """The file system refuses (EACCES): as root it never does, so it is made to here."""
    assert cli("init").exit_code == 0
    locked = tmp_path / "locked"
    locked.mkdir()
    real_stat, real_lstat = os.stat, os.lstat

    def refusing(real):
        def stat(path, *args, **kwargs):
            if os.fspath(path).startswith(str(locked)):
                raise PermissionError(13, "Permission denied", os.fspath(path))
            return real(path, *args, **kwargs)

        return stat

    monkeypatch.setattr(os, "stat", refusing(real_stat))
    monkeypatch.setattr(os, "lstat", refusing(real_lstat))
    for args in (["init"], ["ticket", "list"]):
        r = cli("--db", str(locked / "x.db"), *args)
        one_line_error(r)
        assert "permission denied" in r.stderr
    r = cli("sync", str(locked / "x.db"))
    one_line_error(r)
    assert "permission denied" in r.stderr
    monkeypatch.undo()
    assert list(locked.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes every file")
def test_really_unreadable(cli, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    assert cli("--db", str(locked / "x.db"), "init").exit_code == 0
    locked.chmod(0)
    try:
        one_line_error(cli("--db", str(locked / "x.db"), "ticket", "list"))
        one_line_error(cli("--db", str(locked / "y" / "x.db"), "init"))
    finally:
        locked.chmod(0o755)
    (locked / "x.db").chmod(0)
    try:
        one_line_error(cli("--db", str(locked / "x.db"), "ticket", "list"))
    finally:
        (locked / "x.db").chmod(0o644)


def test_a_nul_in_a_path(cli, tmp_path):
    one_line_error(cli("--db", str(tmp_path / "a\x00b.db"), "init"), code=2)
    assert list(tmp_path.iterdir()) == []
