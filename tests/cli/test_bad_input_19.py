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


@pytest.mark.parametrize("args", [
    ("ticket", "list"), ("visit", "list"), ("export", "tickets"), ("export", "events")],
    ids=" ".join)  # fmt: skip
@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_instant_is_refused_not_read_as_not_given(cli, db, args, option, value):
    before = fingerprint(db)
    line = refused(cli(*args, option, value), code=2)
    assert line.startswith(f"svcdesk: error: invalid {option} {value!r}: use ISO 8601")
    assert fingerprint(db) == before


@pytest.mark.parametrize("args", [("ticket", "list"), ("visit", "list"), ("export", "tickets")],
                         ids=" ".join)  # fmt: skip
def test_an_until_before_since_is_refused_by_every_list(cli, db, args):
    line = refused(cli(*args, "--since", "2026-10-02", "--until", "2026-10-01"), code=2)
    assert line == "svcdesk: error: --until must be after --since"


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


# ----------------------------------------------------------------- db check only reads


def folder_state(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file of a folder: what a write anywhere in it would change."""
    return {p.name: fingerprint(p) for p in sorted(folder.iterdir())}


def test_db_check_of_a_copied_file_writes_nothing_and_says_it_is_a_copy(cli, db, tmp_path):
    import shutil

    copies = tmp_path / "copies"
    copies.mkdir()
    copy = copies / "copy.db"
    shutil.copy2(db, copy)
    before = folder_state(copies)
    got = cli("--db", str(copy), "db", "check", "-f", "json")
    assert got.exit_code == 0, got.stderr
    assert folder_state(copies) == before  # not a byte, not a -wal or -shm beside it
    (note,) = got.json()["notes"]
    assert note.startswith(f"{copy} is a copy or restore of {db}: the next command that opens "
                           "it to write gives it a new replica identity")  # fmt: skip
    assert note in got.stderr
    plain = cli("--db", str(copy), "db", "check")
    assert plain.exit_code == 0 and note in plain.stderr
    assert folder_state(copies) == before
    # what it said is what happens: the next write re-keys it
    code = cli("--db", str(copy), "db", "info", "-f", "json").json()["replica_code"]
    assert code != cli("db", "info", "-f", "json").json()["replica_code"]
    assert cli("--db", str(copy), "db", "check", "-f", "json").json()["notes"] == []


def test_db_check_of_a_hot_copy_with_its_wal_reads_the_wal_and_writes_nothing(cli, db,
                                                                             tmp_path):
    import shutil
    import sqlite3

    holder = sqlite3.connect(db, isolation_level=None)  # keeps the -wal from being folded in
    holder.execute("PRAGMA wal_autocheckpoint = 0")
    holder.execute("UPDATE site SET name = 'Renamed' WHERE code = 'BJ-HD'")
    copies = tmp_path / "copies"
    copies.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy2(f"{db}{suffix}", copies / f"copy.db{suffix}")
    holder.close()
    main, wal = copies / "copy.db", copies / "copy.db-wal"
    before = fingerprint(main), fingerprint(wal)
    got = cli("--db", str(main), "db", "check", "-f", "json")
    assert got.exit_code == 0, got.stderr
    assert (fingerprint(main), fingerprint(wal)) == before
    assert got.json()["ok"] is True
    shown = cli("--db", str(main), "site", "show", "BJ-HD", "-f", "json").json()
    assert shown["name"] == "Renamed"  # (the check read the copy with its -wal)


def test_db_check_of_an_old_schema_file_does_not_migrate_it(cli, tmp_path):
    import gzip
    import shutil

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "svcdesk-0.1.0-demo.db.gz"
    folder = tmp_path / "old"
    folder.mkdir()
    old = folder / "v010.db"
    with gzip.open(fixture) as src, old.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    before = folder_state(folder)
    got = cli("--db", str(old), "db", "check", "-f", "json")
    assert got.exit_code == 0, got.stderr
    assert folder_state(folder) == before  # not migrated, and no backup made beside it
    rec = got.json()
    assert rec["schema_version"] == 1 and rec["ok"] is True
    assert any("has schema v1, older than this svcdesk's" in n and "migrates it" in n
               for n in rec["notes"])  # fmt: skip


@pytest.mark.parametrize("content", [b"", b"not a database at all", b"SQLite format 3\x00" +
                                     b"\x00" * 84])  # fmt: skip
def test_db_check_of_what_is_no_database_is_one_line_and_leaves_it(cli, tmp_path, content):
    path = tmp_path / "odd.db"
    path.write_bytes(content)
    before = folder_state(tmp_path)
    refused(cli("--db", str(path), "db", "check"))
    assert folder_state(tmp_path) == before


def test_db_check_of_no_file_creates_none(cli, tmp_path):
    refused(cli("--db", str(tmp_path / "none.db"), "db", "check"))
    assert list(tmp_path.iterdir()) == []


def test_a_database_opened_only_to_read_refuses_a_write(db):
    from svcdesk.errors import StoreError
    from svcdesk.services.session import open_database

    opened = open_database(str(db), read_only=True)
    try:
        with pytest.raises(StoreError, match="opened only to read"), opened.write():
            pass
    finally:
        opened.close()
