"""A hub's password is used to connect and nowhere else: never printed, never stored.

PostgreSQL is named three ways (a URL with `user:pass@`, a URL with `?password=`, a libpq
`key=value` string), in any case of its scheme; every one of them is a hub, not a file path.
The server in CI trusts 127.0.0.1, so a wrong password still connects: what is printed and what
lands in either database can be checked against the real PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import struct
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from svcdesk.store import dsn

SECRET = "Zq-s3cr3t pw/@?&#'\\%x"  # every character a URL or key=value string treats specially


def forms(url: str, password: str) -> dict[str, str]:
    """The hub at `url` (postgresql://postgres@host:port/db) with `password` in every form."""
    info = conninfo_to_dict(url)
    quoted = password.replace("\\", "\\\\").replace("'", "\\'")
    return {
        "userinfo": url.replace("postgres@", f"postgres:{quote(password, safe='')}@", 1),
        "query": f"{url}?password={quote(password, safe='')}&application_name=svcdesk",
        "upper": url.replace("postgresql://postgres@", "POSTGRES://postgres:", 1).replace(
            f"{info['host']}", f"{quote(password, safe='')}@{info['host']}", 1
        ),
        "keywords": f"host={info['host']} port={info['port']} user=postgres "
        f"dbname={info['dbname']} password='{quoted}'",
    }


def leaked(text: str, password: str = SECRET) -> bool:
    return any(f in text for f in (password, quote(password, safe=""), "s3cr3t"))


# --------------------------------------------------------------------------------------------
# Against the real PostgreSQL


@pytest.mark.parametrize("form", ["userinfo", "query", "upper", "keywords"])
def test_a_password_is_never_printed_nor_stored(cli, tmp_path, pg_url, form, monkeypatch):
    hub = forms(pg_url, SECRET)[form]
    assert conninfo_to_dict(dsn.parse(hub).connect)["password"] == SECRET  # libpq reads it
    monkeypatch.chdir(tmp_path)
    laptop = str(tmp_path / "laptop.db")
    printed: list[str] = []

    def run(*args: str, code: int = 0):
        r = cli(*args)
        printed.extend([r.stdout, r.stderr])
        assert r.exit_code == code, r.stderr
        assert "internal error" not in r.stderr
        return r

    run("--db", hub, "init")
    run("--db", hub, "site", "add", "BJ-HD", "--name", "Haidian")
    for fmt in ("table", "plain", "json"):
        info = run("--db", hub, "db", "info", "-f", fmt)
    assert info.json()["backend"] == "postgresql"
    run("--db", laptop, "init")
    assert run("--db", laptop, "sync", hub, "-f", "json").json()["pulled"] == 1
    added = run("--db", laptop, "sync", "remote", "add", "hub", hub)
    assert added.stderr.count("was not stored") == 1 and "PGPASSWORD" in added.stderr
    run("--db", laptop, "sync", "remote", "list")
    run("--db", laptop, "sync", "remote", "list", "-f", "json")
    assert run("--db", laptop, "sync", "hub", "-f", "json").json()["pushed"] == 0
    run("--db", laptop, "sync", "status")
    run("--db", laptop, "sync", "status", "-f", "json")
    run("--db", laptop, "db", "info")
    # errors that name the hub: another database on the same server, a bad option
    missing = hub.replace(pg_url.rsplit("/", 1)[1], "svcdesk_no_such_db")
    assert "svcdesk_no_such_db" in missing
    r = run("--db", missing, "ticket", "list", code=1)
    assert r.stderr.startswith("svcdesk: error: ") and r.stderr.count("\n") == 1
    for text in printed:
        assert not leaked(text), text
    # Nothing on disk holds it: the laptop's file (and its log), nor the hub
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert not leaked(f.read_bytes().decode("utf-8", "replace")), f
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == []  # no folders made
    import psycopg

    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT key, value FROM svcdesk_meta").fetchall()
        ops = conn.execute("SELECT data FROM changelog").fetchall()
    assert not leaked(repr(rows)) and not leaked(repr(ops))
    with sqlite3.connect(laptop) as conn:
        saved = dict(conn.execute("SELECT key, value FROM svcdesk_meta"))
    assert saved["remote.hub"] == dsn.parse(hub).public
    assert "password" not in conninfo_to_dict(saved["remote.hub"])


def test_a_driver_message_that_repeats_the_password_is_redacted(cli):
    """libpq quotes a bad percent-escape of the password back in its message."""
    r = cli("--db", "postgresql://postgres:%zzs3cr3t@127.0.0.1:5432/postgres", "ticket", "list")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "s3cr3t" not in r.stderr and "internal error" not in r.stderr


def test_a_malformed_keyword_string_is_refused_without_repeating_it(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("--db", "host=127.0.0.1 password=Zq s3cr3t", "init")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "s3cr3t" not in r.stderr and "PGPASSWORD" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_password_an_older_svcdesk_stored_is_taken_out(cli, env_setup, pg_url):
    """0.1.0 kept `?password=` of a saved remote, and the URL of an unsaved one in a key."""
    cli("init")
    with_password = f"{pg_url}?password=s3cr3t"
    with sqlite3.connect(env_setup) as conn:
        conn.execute("INSERT INTO svcdesk_meta VALUES ('remote.old', ?)", (with_password,))
        conn.execute(f"INSERT INTO svcdesk_meta VALUES ('sync.{with_password}.at', 'x')")
    listed = cli("sync", "remote", "list", "-f", "json")
    assert not leaked(listed.stdout) and listed.json()[0]["remote"].endswith("password=***")
    assert cli("--db", pg_url, "init").exit_code == 0
    assert cli("sync", "old").exit_code == 0  # the trusting server needs none
    with sqlite3.connect(env_setup) as conn:
        saved = dict(conn.execute("SELECT key, value FROM svcdesk_meta"))
    assert not leaked(repr(saved))
    assert saved["remote.old"] == pg_url and f"sync.{pg_url}.at" in saved


# --------------------------------------------------------------------------------------------
# A hub that asks for a password (a stand-in server: the CI one trusts everybody)


class PasswordServer:
    """Speaks just enough of the PostgreSQL protocol to ask for a password and refuse it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        while True:  # SSL and GSS requests are declined; then the startup packet
            head = conn.recv(8)
            if len(head) < 8:
                return
            size, code = struct.unpack("!ii", head)
            conn.recv(size - 8) if size > 8 else b""
            if code in (80877103, 80877104):
                conn.sendall(b"N")
                continue
            break
        conn.sendall(b"R" + struct.pack("!ii", 8, 3))  # AuthenticationCleartextPassword
        if conn.recv(1) != b"p":
            return
        (size,) = struct.unpack("!i", conn.recv(4))
        self.received.append(conn.recv(size - 4).rstrip(b"\0").decode())
        body = b'SFATAL\0C28P01\0Mpassword authentication failed for user "svc"\0\0'
        conn.sendall(b"E" + struct.pack("!i", len(body) + 4) + body)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def password_hub():
    server = PasswordServer()
    yield server
    server.close()


def test_a_missing_password_points_to_pgpassword_and_pgpass(cli, password_hub, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.delenv("PGPASSFILE", raising=False)
    url = f"postgresql://svc@127.0.0.1:{password_hub.port}/hub"
    cli("init")
    r = cli(
        "sync", "remote", "add", "hub", f"postgresql://svc:s3cr3t@127.0.0.1:{password_hub.port}/hub"
    )
    assert r.exit_code == 0
    r = cli("sync", "hub")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "PGPASSWORD" in r.stderr and "~/.pgpass" in r.stderr
    assert password_hub.received == []  # the saved remote has none to send
    # at use time, from the environment ...
    monkeypatch.setenv("PGPASSWORD", "from-env")
    r = cli("--db", url, "db", "info")
    assert r.exit_code == 1 and "password was refused" in r.stderr
    monkeypatch.delenv("PGPASSWORD")
    # ... or from ~/.pgpass
    home = Path(os.environ["HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / ".pgpass").write_text(f"127.0.0.1:{password_hub.port}:*:svc:from-pgpass\n")
    (home / ".pgpass").chmod(0o600)
    assert cli("sync", "hub").exit_code == 1
    assert password_hub.received == ["from-env", "from-pgpass"]


# --------------------------------------------------------------------------------------------
# The parser agrees with libpq, whatever the password holds

passwords = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("@/?&#%'\\ :="),
    min_size=1,
    max_size=24,
).map(lambda s: "Zq" + s)


@settings(max_examples=150, deadline=None)
@given(password=passwords, form=st.sampled_from(["userinfo", "query", "upper", "keywords"]))
def test_every_form_without_its_password_is_the_same_hub(password, form):
    url = "postgresql://postgres@hub.example:5433/svcdesk"
    given_ = forms(url, password)[form]
    assert dsn.is_postgres(given_)
    parsed = dsn.parse(given_)
    seen = conninfo_to_dict(parsed.connect)
    assert seen["password"] == password
    public = conninfo_to_dict(parsed.public)
    assert public == {k: v for k, v in seen.items() if k != "password"}
    for text in (parsed.public, parsed.shown, dsn.redact(given_), dsn.redact(f"x {given_} y")):
        assert password not in text and quote(password, safe="") not in text
    # a driver's message quoting it, in any spelling, is cleaned too
    said = f'error near "{password}" and "{quote(password, safe="")}"'
    assert password[2:] not in dsn.redact(said, parsed.secrets) or len(password) < 6


@pytest.mark.parametrize(
    "text",
    ["postgresql://h/db", "POSTGRESQL://h/db", "Postgres://h", "postgresql+psycopg://h/db",
     "host=h dbname=x", "  dbname = x", "service=hub"],
)  # fmt: skip
def test_postgres_in_any_spelling_is_a_hub(text):
    assert dsn.is_postgres(text)


@pytest.mark.parametrize(
    "text", ["svcdesk.db", "./host=x.db", "Job #7/svcdesk.db", "a=b.db", "postgresql.db", ""]
)
def test_paths_are_not_hubs(text):
    assert not dsn.is_postgres(text)
