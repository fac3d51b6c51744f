"""An asset is named by its serial number wherever an ASSET is taken, as an engineer reads it
off the device: case and spaces do not count; refs, numbers and prefixes still work."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from support import replicas

from svcdesk.errors import Ambiguous
from svcdesk.services import assets, sites, warranty

SERIAL = "6Q0787XPAZ94326"


@pytest.fixture
def asset(cli, site) -> dict:
    r = cli("asset", "add", "--site", site, "--kind", "queue_machine", "--serial", SERIAL,
            "--installed", "2022-05-01", "-f", "json")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    return r.json()


@pytest.mark.parametrize("typed", [SERIAL, SERIAL.lower(), "6q07 87XP az94326", f"  {SERIAL} "])
def test_every_command_that_takes_an_asset_takes_its_serial(cli, asset, typed):
    r = cli("warranty", "check", typed, "-f", "json")
    assert r.exit_code == 0, r.stderr
    assert r.json()["asset"] == asset["ref"]
    assert cli("asset", "show", typed, "-f", "json").json()["id"] == asset["id"]
    opened = cli("ticket", "open", "--title", "Blank tickets", "--asset", typed, "-f", "json")
    assert opened.exit_code == 0, opened.stderr
    assert (opened.json()["asset"], opened.json()["site"]) == (asset["ref"], "BJ-HD")
    other = cli("ticket", "open", "--site", "BJ-HD", "--title", "x", "-f", "json").json()
    edited = cli("ticket", "edit", other["ref"], "--asset", typed, "-f", "json")
    assert edited.exit_code == 0, edited.stderr
    assert edited.json()["asset"] == asset["ref"]
    assert cli("asset", "edit", typed, "--model", "QM-7", "-f", "json").json()["model"] == "QM-7"


def test_refs_numbers_and_prefixes_still_work(cli, asset):
    ref = asset["ref"]
    number = ref.rsplit("-A", 1)[1]
    for typed in (ref, ref.lower(), number, asset["id"][:13]):
        assert cli("asset", "show", typed, "-f", "json").json()["id"] == asset["id"], typed
    r = cli("asset", "show", "NOPE-NOPE")
    assert r.exit_code == 1 and r.stderr == "svcdesk: error: no asset matches 'NOPE-NOPE'\n"


def test_a_serial_at_two_sites_is_ambiguous_unless_the_site_tells(cli, asset):
    assert cli("site", "add", "SH-PD", "--name", "Pudong").exit_code == 0
    twin = cli("asset", "add", "--site", "SH-PD", "--kind", "server", "--serial",
               SERIAL.lower(), "-f", "json").json()  # fmt: skip
    r = cli("warranty", "check", SERIAL)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert f"{asset['ref']} (at BJ-HD)" in r.stderr and f"{twin['ref']} (at SH-PD)" in r.stderr
    assert "is ambiguous" in r.stderr and r.stdout == ""
    opened = cli("ticket", "open", "--site", "SH-PD", "--title", "x", "--asset", SERIAL,
                 "-f", "json")  # fmt: skip
    assert opened.exit_code == 0 and opened.json()["asset"] == twin["ref"]
    # once the one at Pudong is retired, the serial names the one still in service
    assert cli("asset", "remove", twin["ref"]).exit_code == 0
    assert cli("warranty", "check", SERIAL, "-f", "json").json()["asset"] == asset["ref"]


def test_a_removed_asset_is_found_by_serial_but_takes_no_ticket(cli, asset):
    assert cli("asset", "remove", SERIAL.lower()).exit_code == 0
    assert cli("asset", "show", SERIAL, "-f", "json").json()["removed_at"] is not None
    r = cli("ticket", "open", "--title", "x", "--asset", SERIAL)
    assert r.exit_code == 1 and "was removed" in r.stderr


serials = st.text(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-"), min_size=3, max_size=16)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    (db,) = replicas(tmp_path_factory.mktemp("serials"), 1)
    sites.add_site(db, code="BJ-HD", name="Haidian")
    yield db
    db.close()


@settings(max_examples=60, deadline=None)
@given(serial=serials, spaces=st.lists(st.integers(0, 16), max_size=3),
       cases=st.lists(st.booleans(), min_size=16, max_size=16))  # fmt: skip
def test_any_case_and_spacing_of_a_serial_names_its_asset(shared, serial, spaces, cases):
    from svcdesk.store.merges import serial_key

    with shared.read() as conn:
        taken = {serial_key(s) for (s,) in conn.execute("SELECT serial FROM asset").all()}
    assume(serial_key(serial) not in taken)
    added = assets.add_asset(shared, site="BJ-HD", kind="server", serial=serial)
    typed = "".join(c.lower() if low else c for c, low in zip(serial, cases, strict=False))
    for at in sorted(spaces, reverse=True):
        typed = typed[:at] + " " + typed[at:]
    assume(not typed.strip().isdigit())  # a number names this replica's asset of that number
    assert assets.show_asset(shared, typed)["id"] == added["id"]
    assert warranty.check(shared, typed)["asset"] == added["ref"]


def test_ambiguity_lists_every_candidate_up_to_ten(tmp_path):
    (db,) = replicas(tmp_path, 1)
    for i in range(12):
        sites.add_site(db, code=f"S{i:02d}", name=f"site {i}")
        assets.add_asset(db, site=f"S{i:02d}", kind="pc", serial="PC 42")
    with pytest.raises(Ambiguous) as caught:
        assets.show_asset(db, "pc42")
    text = caught.value.message
    assert text.count("(at S") == 10 and text.endswith("and more; name it by its ref")
    db.close()
