"""Bad input met in issue 19, as a user or an adversary typed it: each is one line on stderr, a
non-zero exit, no traceback, and the database file is left byte for byte as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st


def fingerprint(path: Path) -> tuple[str, int]:
    """The file's bytes (hashed) and modification time: what a write would change."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def refused(got, *, code: int | None = None) -> str:
    """The one stderr line of a refused command."""
    assert got.exit_code != 0, got.stdout
    if code is not None:
        assert got.exit_code == code, got.stderr
    assert "Traceback" not in got.stderr and "internal error" not in got.stderr, got.stderr
    lines = got.stderr.splitlines()
    assert len(lines) == 1, got.stderr
    return lines[0]


@pytest.fixture
def db(cli, env_setup) -> Path:
    assert cli("init").exit_code == 0
    assert cli("site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    return env_setup


# ----------------------------------------------------------------- SVCDESK_BUSY_TIMEOUT


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "-1", "1e999", "1e3", "abc", " ",
                                   "1_0", "١٠", "86401", "10s"])  # fmt: skip
def test_a_bad_busy_timeout_is_one_line_and_writes_nothing(cli, db, monkeypatch, value):
    before = fingerprint(db)
    monkeypatch.setenv("SVCDESK_BUSY_TIMEOUT", value)
    line = refused(cli("ticket", "open", "--site", "BJ-HD", "--title", "x"), code=2)
    assert line.startswith(f"svcdesk: error: SVCDESK_BUSY_TIMEOUT={value!r} ")
    assert "number of seconds" in line
    assert fingerprint(db) == before


def test_a_bad_busy_timeout_creates_no_database(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("SVCDESK_BUSY_TIMEOUT", "inf")
    new = tmp_path / "new.db"
    refused(cli("--db", str(new), "init"), code=2)
    assert not new.exists()


@pytest.mark.parametrize("value", ["", "0", "2", "0.5", " 10 ", "86400"])
def test_a_good_or_empty_busy_timeout_works(cli, db, monkeypatch, value):
    monkeypatch.setenv("SVCDESK_BUSY_TIMEOUT", value)  # empty: as if unset, the default
    got = cli("site", "list", "-f", "json")
    assert got.exit_code == 0, got.stderr


# ----------------------------------------------------------------- site codes


@pytest.mark.parametrize("code", ["BJ\x1b[31mX", "\x1b]0;pwned\x07BJ", "BJ\x00", "B\u200bJ",
                                  "BJ\u202eDH", "BJ\x7f", "BJ\x9b2J", "BJ\ufeff"])  # fmt: skip
def test_a_site_code_with_control_or_invisible_characters_is_refused(cli, db, code):
    before = fingerprint(db)
    line = refused(cli("site", "add", code, "--name", "Evil"), code=2)
    assert line.startswith("svcdesk: error: invalid site code ") and "U+" in line
    assert line.isprintable()  # escaped, never passed to the terminal
    line = refused(cli("site", "edit", "BJ-HD", "--code", code), code=2)
    assert "invalid site code" in line
    assert fingerprint(db) == before


@pytest.mark.parametrize("code", ["SH-PD", "北京-海淀", "東京_01", "ÜBER.1", "A/B", "Ω"])
def test_printable_codes_in_any_script_are_kept(cli, db, code):
    got = cli("site", "add", code, "--name", "Fine", "-f", "json")
    assert got.exit_code == 0, got.stderr
    assert got.json()["code"] == code.upper()


# ----------------------------------------------------------------- empty durations


@pytest.mark.parametrize("args", [
    ("sla", "overdue"), ("sla", "overdue", "--check"), ("due",), ("inspect", "due"),
    ("report", "overdue"), ("warranty", "expiring")], ids=" ".join)  # fmt: skip
@pytest.mark.parametrize("value", ["", " ", "\t"])
def test_an_empty_duration_is_refused_everywhere(cli, db, args, value):
    before = fingerprint(db)
    line = refused(cli(*args, "--within", value), code=2)
    assert line == f"svcdesk: error: invalid --within {value!r}: use a number with a unit, " \
                   "e.g. 30m, 6h, 3d, 1h30m"
    assert fingerprint(db) == before


@given(st.text(alphabet=" \t\n\r\x0b\x0c\u3000\xa0", max_size=5))
def test_the_duration_parser_refuses_every_blank(text):
    from svcdesk.domain.durations import parse_duration
    from svcdesk.errors import InvalidValue

    with pytest.raises(InvalidValue):
        parse_duration(text)


def test_every_within_is_parsed_by_the_one_parser():
    """No service reads an empty --within as "not given": each passes what was typed on."""
    from svcdesk import clock
    from svcdesk.errors import InvalidValue

    assert clock.within_seconds(None) == 0
    for blank in ("", "  "):
        with pytest.raises(InvalidValue):
            clock.within_seconds(blank)



# ----------------------------------------------------------------- crafted operations

EVIL_COLUMN = "name = (SELECT value FROM svcdesk_meta WHERE key = 'replica_id'), code"


@pytest.mark.parametrize("column,said", [
    (EVIL_COLUMN, "unknown column \"name = (SELECT value FROM svcdesk_meta WHERE key = "
                  "'replica_id'), code\" in table site"),
    ("name ", "unknown column 'name ' in table site"),
    ("name\n", "unknown column 'name\\n' in table site"),
    ("name\x1b[2J", "unknown column 'name\\x1b[2J' in table site"),
    ("n\u0430me", "unknown column 'n\\u0430me' in table site"),  # a Cyrillic a
    ('na"me\'', "unknown column 'na\"me\\'' in table site"),
    ("x" * 500, "unknown column '" + "x" * 79 + "… (500 characters) in table site"),
])  # fmt: skip
def test_a_crafted_column_is_named_exactly_and_escaped(cli, db, tmp_path, column, said):
    import sqlite3

    import orjson

    from svcdesk.store.changelog import tick
    from svcdesk.sync.bundle import write_bundle

    with sqlite3.connect(db) as conn:
        sid = conn.execute("SELECT id FROM site WHERE code = 'BJ-HD'").fetchone()[0]
    crafted = {"stamp": tick(None, "f" * 32), "replica": "f" * 32, "tbl": "site", "row_id": sid,
               "op": "update", "data": orjson.dumps({column: "x"}).decode(), "parent": None}
    bundle = tmp_path / "crafted.svcbundle"
    write_bundle(bundle, schema_version=1, replica_id="f" * 32, replica_code="EVIL",
                 created_at="2026-10-14T10:00:00+08:00", ops=[crafted])  # fmt: skip
    before = fingerprint(db)
    line = refused(cli("sync", "import", str(bundle)), code=1)
    assert said in line and "nothing was applied" in line, line
    assert "site.name" not in line
    assert fingerprint(db) == before
