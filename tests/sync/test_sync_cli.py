"""svcdesk sync from the command line: files, the hub, bad remotes, an interrupted sync."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from support import child_env


def laptop(cli, path, *args):
    return cli("--db", str(path), *args)


def test_two_laptops_and_a_hub_converge(cli, tmp_path, pg_url):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for p in (a, b):
        assert laptop(cli, p, "init").exit_code == 0
    assert cli("--db", pg_url, "init").exit_code == 0
    laptop(cli, a, "site", "add", "BJ-HD", "--name", "Haidian")
    t = laptop(cli, a, "ticket", "open", "--site", "BJ-HD", "--title", "DVR down", "-f", "json")
    ref = t.json()["ref"]
    assert laptop(cli, a, "sync", "remote", "add", "hub", pg_url).exit_code == 0
    r = laptop(cli, a, "sync", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["pushed"] == 3
    r = laptop(cli, b, "sync", pg_url, "-f", "json")
    assert r.json()["pulled"] == 3
    laptop(cli, b, "ticket", "assign", ref, "Wang Fang")
    laptop(cli, a, "ticket", "assign", ref, "Li Wei")
    laptop(cli, b, "sync", pg_url)
    laptop(cli, a, "sync")
    laptop(cli, b, "sync", pg_url)
    shows = [laptop(cli, p, "ticket", "show", ref, "-f", "json").json() for p in (a, b)]
    shows.append(cli("--db", pg_url, "ticket", "show", ref, "-f", "json").json())
    assert shows[0] == shows[1] == shows[2]
    assert shows[0]["assignee"] == "Li Wei"  # the later edit
    conflicts = laptop(cli, a, "sync", "conflicts", "-f", "json").json()
    assert [(c["ref"], c["field"], c["kept"], c["lost"]) for c in conflicts] == [
        (ref, "assignee", "Li Wei", "Wang Fang")
    ]
    assert laptop(cli, a, "sync", "keep", conflicts[0]["lost_stamp"]).exit_code == 0
    assert laptop(cli, a, "sync", "conflicts", "-f", "json").json() == []
    laptop(cli, a, "sync")
    laptop(cli, b, "sync", pg_url)
    assert laptop(cli, b, "ticket", "show", ref, "-f", "json").json()["assignee"] == "Wang Fang"
    status = laptop(cli, a, "sync", "status", "-f", "json").json()
    assert [(s["name"], s["not_pushed"]) for s in status] == [("hub", 0)]


def test_bad_remotes_get_one_line_and_change_nothing(cli, tmp_path):
    a = tmp_path / "a.db"
    laptop(cli, a, "init")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    r = laptop(cli, a, "sync", str(notes))
    assert r.exit_code == 1 and "not a svcdesk database" in r.stderr
    assert notes.read_text() == "hello\n"
    r = laptop(cli, a, "sync", str(a))
    assert r.exit_code == 1 and "this same replica" in r.stderr
    r = laptop(cli, a, "sync", "postgresql://postgres:s3cret@127.0.0.1:1/hub")
    assert r.exit_code == 1 and "cannot reach" in r.stderr and "s3cret" not in r.stderr
    r = laptop(cli, a, "sync")
    assert r.exit_code == 2 and "no default remote" in r.stderr
    r = laptop(cli, a, "sync", "remote", "add", "hub", "postgresql://svc:s3cret@hub/svcdesk")
    assert r.exit_code == 0 and "s3cret" not in r.stderr
    with sqlite3.connect(a) as conn:
        stored = conn.execute("SELECT group_concat(value) FROM svcdesk_meta").fetchone()[0]
    assert "s3cret" not in stored


def test_a_sync_killed_midway_leaves_both_sides_consistent_and_the_next_finishes(cli, tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    laptop(cli, a, "init", "--demo")
    laptop(cli, b, "init")
    code = f"from svcdesk.cli import main; main(['--db', {str(a)!r}, 'sync', {str(b)!r}])"
    proc = subprocess.Popen([sys.executable, "-c", code], env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(0.4)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for p in (a, b):
        assert laptop(cli, p, "db", "check").exit_code == 0
    r = laptop(cli, a, "sync", str(b), "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert laptop(cli, a, "sync", str(b), "-f", "json").json()["pushed"] == 0
    lists = [
        laptop(cli, p, "ticket", "list", "--status", "all", "-f", "json").json() for p in (a, b)
    ]
    assert len(lists[0]) == 200 and lists[0] == lists[1]


def test_bundles_carry_work_to_a_site_with_no_network(cli, tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    laptop(cli, a, "init", "--demo")
    laptop(cli, b, "init")
    bundle = tmp_path / "carry.svcbundle"
    r = laptop(cli, a, "sync", "export", str(bundle))
    assert r.exit_code == 0 and "exported" in r.stderr
    r = laptop(cli, b, "sync", "import", str(bundle))
    assert r.exit_code == 0 and "imported" in r.stderr
    again = laptop(cli, b, "sync", "import", str(bundle))
    assert again.exit_code == 0 and " 0 new of " in again.stderr
    lists = [
        laptop(cli, p, "ticket", "list", "--status", "all", "-f", "json").json() for p in (a, b)
    ]
    assert lists[0] == lists[1] and len(lists[0]) == 200
    cut = tmp_path / "cut.svcbundle"
    cut.write_bytes(bundle.read_bytes()[:-100])
    before = laptop(cli, b, "db", "info", "-f", "json").json()
    r = laptop(cli, b, "sync", "import", str(cut))
    assert r.exit_code == 1 and "truncated" in r.stderr
    assert laptop(cli, b, "db", "info", "-f", "json").json() == before
    r = laptop(cli, a, "sync", "import", str(bundle))
    assert r.exit_code == 1 and "exported from this database" in r.stderr
