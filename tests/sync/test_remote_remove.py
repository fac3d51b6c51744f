"""`svcdesk sync remote remove NAME`: forget a saved remote; the database it named is untouched."""

from __future__ import annotations

import hashlib
import sqlite3


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def meta(path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM svcdesk_meta"))


def test_removing_a_remote_forgets_it_and_only_it(cli, env_setup, tmp_path):
    usb, share = tmp_path / "usb.db", tmp_path / "share.db"
    for path in (usb, share):
        assert cli("--db", str(path), "init").exit_code == 0
    cli("init")
    cli("site", "add", "BJ", "--name", "Haidian")
    assert cli("sync", "remote", "add", "usb", str(usb)).exit_code == 0  # the first: default
    assert cli("sync", "remote", "add", "share", str(share)).exit_code == 0
    assert cli("sync", "usb").exit_code == 0
    before = digest(usb)
    r = cli("sync", "remote", "remove", "usb")
    assert r.exit_code == 0, r.stderr
    assert "removed remote usb" in r.stderr and "default" in r.stderr
    assert [x["name"] for x in cli("sync", "remote", "list", "-f", "json").json()] == ["share"]
    assert [x["name"] for x in cli("sync", "status", "-f", "json").json()] == ["share"]
    assert not [k for k in meta(env_setup) if "usb" in k]  # nor when it last synced
    assert digest(usb) == before
    r = cli("sync")  # no default any more: it says how to name one
    assert r.exit_code != 0 and "no default remote" in r.stderr
    # the name is free again
    assert cli("sync", "remote", "add", "usb", str(usb), "--default").exit_code == 0
    assert cli("sync").exit_code == 0


def test_remove_prints_the_record_with_f(cli, tmp_path):
    cli("init")
    cli("sync", "remote", "add", "hub", "postgresql://svc:s3cret@hub.example/svcdesk")
    r = cli("sync", "remote", "remove", "hub", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json() == {"name": "hub", "remote": "postgresql://svc@hub.example/svcdesk",
                        "default": True}  # fmt: skip
    assert cli("sync", "remote", "list", "-f", "json").json() == []


def test_an_unknown_remote_is_one_line_and_changes_nothing(cli, env_setup, tmp_path):
    cli("init")
    cli("sync", "remote", "add", "usb", str(tmp_path / "usb.db"))
    before = meta(env_setup)
    for name in ("hub", "default", "USB", "remote.usb"):
        r = cli("sync", "remote", "remove", name)
        assert r.exit_code == 1, (name, r.stderr)
        assert r.stderr.startswith("svcdesk: error: no remote named") and r.stderr.count("\n") == 1
    r = cli("sync", "remote", "remove", "hub", "-f", "xml")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert cli("sync", "remote", "remove", "usb", "-f", "xml").exit_code == 2
    assert meta(env_setup) == before


def test_default_is_no_remote_name(cli, env_setup, tmp_path):
    """`remote.default` says which remote is the default: no remote may take its name."""
    cli("init")
    cli("sync", "remote", "add", "usb", str(tmp_path / "usb.db"))
    r = cli("sync", "remote", "add", "default", str(tmp_path / "other.db"))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert meta(env_setup)["remote.default"] == "usb"
