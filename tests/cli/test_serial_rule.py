"""One serial rule everywhere (issue 19): `asset add`, `asset edit`, `asset import`, sync, every
look-up by serial and `db check` tell two serials apart the same way (domain/serials.py: no
case, no white space, no full-width forms), so `Q6` and `q 6` are one device's serial."""

from __future__ import annotations

import gzip
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import replicas

from svcdesk.domain.serials import serial_key
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services import assets, sites, sync

HEADER = "site,kind,serial,model,installed_on,warranty_until,notes\n"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def counts(cli) -> dict[str, int]:
    info = cli("db", "info", "-f", "json").json()
    return {k: info[k] for k in ("asset", "changelog")}


def test_a_file_naming_one_serial_twice_is_refused_row_by_row_and_writes_nothing(
    cli, site, tmp_path
):
    """The user's case: `Q6` and `q 6` in one CSV used to become two assets."""
    before = counts(cli)
    path = write(tmp_path / "assets.csv", HEADER
                 + "BJ-HD,server,Q6,,,,\n"  # 2
                 + "BJ-HD,pc,A-1,,,,\n"  # 3
                 + "BJ-HD,server,q 6,,,,\n"  # 4: Q6 again
                 + "BJ-HD,monitor,Ｑ６,,,,\n"  # 5: Q6 typed full-width
                 + "BJ-HD,pc,a-1,,,,\n")  # 6: A-1 again, same spelling aside from case
    r = cli("asset", "import", path)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.splitlines() == [
        f"{path}:4: serial q 6 appears again for site BJ-HD (first on line 2 as Q6; serials "
        "compare without case or spaces)",
        f"{path}:5: serial Ｑ６ appears again for site BJ-HD (first on line 2 as Q6; serials "
        "compare without case or spaces)",
        f"{path}:6: serial a-1 appears again for site BJ-HD (first on line 3 as A-1; serials "
        "compare without case or spaces)",
        f"svcdesk: error: {path}: 3 of 5 rows are bad; nothing was imported",
    ]
    assert counts(cli) == before
    # the same serial at two sites is two devices
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    ok = write(tmp_path / "two-sites.csv", HEADER + "BJ-HD,server,Q6,,,,\nSH-PD,server,q 6,,,,\n")
    r = cli("asset", "import", ok, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["added"] == 2


def test_a_row_naming_a_registered_serial_updates_that_asset_under_the_rule(cli, site, tmp_path):
    added = cli("asset", "add", "--site", site, "--kind", "server", "--serial", "Q6",
                "-f", "json").json()  # fmt: skip
    path = write(tmp_path / "a.csv", HEADER + "BJ-HD,server,q 6,NF5280,,,rack 2\n")
    r = cli("asset", "import", path, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert (r.json()["added"], r.json()["updated"]) == (0, 1)
    (only,) = cli("asset", "list", "-f", "json").json()
    assert only["id"] == added["id"] and (only["model"], only["notes"]) == ("NF5280", "rack 2")
    # and the look-up is not ambiguous: one device
    r = cli("warranty", "check", "q6", "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["asset"] == added["ref"]
    assert cli("asset", "import", path, "-f", "json").json()["unchanged"] == 1


@pytest.mark.parametrize("typed", ["q 6", " q6", "Q  6", "Ｑ６", "Q\u30006"])
def test_asset_add_and_edit_refuse_a_serial_the_site_has_under_the_rule(cli, site, typed):
    first = cli("asset", "add", "--site", site, "--kind", "server", "--serial", "Q6",
                "-f", "json").json()  # fmt: skip
    before = counts(cli)
    r = cli("asset", "add", "--site", site, "--kind", "pc", "--serial", typed)
    assert r.exit_code != 0 and r.stderr.count("\n") == 1
    assert f"already registered at site BJ-HD as asset {first['ref']}" in r.stderr
    other = cli("asset", "add", "--site", site, "--kind", "pc", "--serial", "P7",
                "-f", "json").json()  # fmt: skip
    r = cli("asset", "edit", other["ref"], "--serial", typed)
    assert r.exit_code != 0 and f"as asset {first['ref']}" in r.stderr
    assert counts(cli)["asset"] == before["asset"] + 1
    assert cli("asset", "show", typed, "-f", "json").json()["id"] == first["id"]


@pytest.mark.parametrize("typed", ["Q\t6", "Q6\x1b[31m", "Q\u200b6", "Q\n6", "\u202eQ6"])
def test_a_serial_holding_a_control_or_invisible_character_is_refused(cli, site, tmp_path,
                                                                       typed):
    """No label on a device shows a tab, an escape or a zero-width space: add, edit and import
    refuse it in one line (a terminal escape would otherwise reach every list)."""
    before = counts(cli)
    r = cli("asset", "add", "--site", site, "--kind", "pc", "--serial", typed)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "control or invisible character U+" in r.stderr
    assert counts(cli) == before
    other = cli("asset", "add", "--site", site, "--kind", "pc", "--serial", "P7",
                "-f", "json").json()  # fmt: skip
    r = cli("asset", "edit", other["ref"], "--serial", typed)
    assert r.exit_code == 2 and "control or invisible character U+" in r.stderr
    before = counts(cli)
    cell = '"' + typed.replace('"', '""') + '"'
    path = write(tmp_path / "bad.csv", HEADER + "BJ-HD,server,Q9,,,,\n"
                 + f"BJ-HD,server,{cell},,,,\n")  # fmt: skip
    r = cli("asset", "import", path)
    assert r.exit_code == 2
    assert r.stderr.splitlines()[0].startswith(f"{path}:3: serial ")
    assert "control or invisible character U+" in r.stderr
    assert counts(cli) == before


def test_db_check_reports_two_live_assets_of_one_serial_at_one_site(cli, site, tmp_path):
    """A file written before the rule was one (an import of `Q6` and `q 6`) holds two assets of
    one serial: `db check` says so and names the merge that joins them."""
    a = cli("asset", "add", "--site", site, "--kind", "server", "--serial", "Q6",
            "-f", "json").json()  # fmt: skip
    b = cli("asset", "add", "--site", site, "--kind", "server", "--serial", "Q7",
            "-f", "json").json()  # fmt: skip
    assert cli("db", "check").exit_code == 0
    db = tmp_path / "svcdesk.db"
    with sqlite3.connect(db) as conn:  # as the old import wrote it
        conn.execute("UPDATE asset SET serial = 'q 6', serial_key = 'q6' WHERE id = ?", (b["id"],))
    r = cli("db", "check")
    assert r.exit_code == 1
    (line,) = [x for x in r.stdout.splitlines() + r.stderr.splitlines() if "BJ-HD" in x]
    assert f"{a['ref']} ('Q6'), {b['ref']} ('q 6')" in line
    assert f"svcdesk asset merge {b['ref']} {a['ref']}" in line
    assert cli("db", "check", "-f", "json").json()["ok"] is False
    # a removed one is no twin
    assert cli("asset", "remove", b["ref"]).exit_code == 0
    assert cli("db", "check").exit_code == 0


def test_an_older_database_gets_every_serial_key_when_it_upgrades(tmp_path):
    """m010 fills the key of the assets a file already holds (0.1.0's demo database)."""
    from svcdesk.services.session import open_database

    old = tmp_path / "v010.db"
    with gzip.open(FIXTURES / "svcdesk-0.1.0-demo.db.gz") as src, old.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    open_database(str(old)).close()
    with sqlite3.connect(old) as conn:
        rows = conn.execute("SELECT serial, serial_key FROM asset").fetchall()
    assert rows and all(key == serial_key(serial) for serial, key in rows)


def test_two_laptops_registering_one_device_in_two_spellings_make_one_asset(tmp_path):
    a, b = replicas(tmp_path, 2)
    sites.add_site(a, code="BJ-HD", name="Haidian")
    sync.sync(a, str(b.path))
    first = assets.add_asset(a, site="BJ-HD", kind="server", serial="Q6")
    assets.add_asset(b, site="BJ-HD", kind="server", serial="ｑ 6")
    sync.sync(a, str(b.path))
    for db in (a, b):
        (only,) = assets.list_assets(db)
        assert only["id"] == first["id"]
        assert assets.show_asset(db, "Q６")["id"] == first["id"]
    for db in (a, b):
        db.close()


# Property: whatever spelling of a serial is typed, the rule finds the asset and refuses another.

CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-"
WIDE = {c: chr(ord(c) + 0xFEE0) for c in CHARS}  # full-width forms of ASCII


@st.composite
def spellings(draw: st.DrawFn) -> tuple[str, str]:
    serial = draw(st.text(st.sampled_from(CHARS), min_size=2, max_size=12))
    out = []
    for c in serial:
        c = c.lower() if draw(st.booleans()) else c
        if draw(st.integers(0, 5)) == 0:
            c = WIDE.get(c.upper(), c)
        out.append(c)
        if draw(st.integers(0, 6)) == 0:
            out.append(draw(st.sampled_from([" ", "\t", "\u3000", "\u00a0"])))
    return serial, "".join(out)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    (db,) = replicas(tmp_path_factory.mktemp("rule"), 1)
    sites.add_site(db, code="BJ-HD", name="Haidian")
    yield db
    db.close()


@settings(max_examples=60, deadline=None)
@given(pair=spellings())
def test_any_spelling_of_a_serial_is_that_serial(shared, pair):
    serial, typed = pair
    assert serial_key(typed) == serial_key(serial)
    with shared.read() as conn:
        held = {k for (k,) in conn.execute("SELECT serial_key FROM asset").all()}
    if serial_key(serial) in held:
        return
    added = assets.add_asset(shared, site="BJ-HD", kind="server", serial=serial)
    if not re.fullmatch(r"a?\d+", serial_key(typed)):  # (3, A3: this replica's asset 3)
        assert assets.show_asset(shared, typed)["id"] == added["id"]
    # a tab inside is no label's spelling: refused as such; any other spelling is the serial
    refusal = InvalidValue if "\t" in typed.strip() else RuleViolation
    with pytest.raises(refusal):
        assets.add_asset(shared, site="BJ-HD", kind="pc", serial=typed)
