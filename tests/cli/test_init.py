"""`svcdesk init --demo`: a realistic database to try svcdesk on."""

from __future__ import annotations

import sqlite3

import pytest


def test_demo_has_sites_assets_and_tickets_in_every_state(cli, env_setup):
    r = cli("init", "--demo")
    assert r.exit_code == 0, r.stderr
    sites = cli("site", "list", "-f", "json").json()
    assert len(sites) == 12 and all(s["name"].endswith("Tax Bureau") for s in sites)
    tickets = cli("ticket", "list", "--status", "all", "-f", "json").json()
    assert {t["status"] for t in tickets} == {"open", "paused", "resolved", "closed"}
    assert {t["severity"] for t in tickets} == {"major", "normal", "minor", "upgrade"}
    assert any(t["asset"] for t in tickets)
    with sqlite3.connect(env_setup) as conn:
        kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM ticket_event")}
        asset_kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM asset")}
    assert {"escalated", "arrived", "paused", "resumed", "reopened", "report-submitted"} <= kinds
    assert {"server", "monitor", "dvr", "queue_machine", "led_screen"} <= asset_kinds
    # every timeline is in order and nothing happened in the future
    for t in tickets[:40]:
        events = cli("ticket", "show", t["ref"], "-f", "json").json()["events"]
        ats = [e["at"] for e in events]
        assert ats == sorted(ats) and ats[-1] <= "2026-10-14T10:00:00+08:00"


def test_demo_again_changes_nothing_and_refuses_a_database_with_data(cli, env_setup):
    cli("init", "--demo")
    before = cli("db", "info", "-f", "json").json()
    r = cli("init", "--demo")
    assert r.exit_code == 0 and "nothing changed" in r.stderr
    assert cli("db", "info", "-f", "json").json() == before
    other = env_setup.parent / "other.db"
    cli("--db", str(other), "init")
    cli("--db", str(other), "site", "add", "X", "--name", "x")
    r = cli("--db", str(other), "init", "--demo")
    assert r.exit_code == 1 and "fills empty databases only" in r.stderr


def test_a_failing_demo_leaves_nothing_behind(cli, env_setup, monkeypatch):
    from svcdesk.services import demo

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    cli("init")
    monkeypatch.setattr(demo, "_load_tickets", broken)
    r = cli("init", "--demo")
    assert r.exit_code == 1 and "disk full" in r.stderr
    info = cli("db", "info", "-f", "json").json()
    assert (info["site"], info["asset"], info["ticket"], info["changelog"]) == (0, 0, 0, 0)


def test_list_and_show_agree_on_every_ticket(cli):
    cli("init", "--demo")
    listed = {t["ref"]: t for t in cli("ticket", "list", "--status", "all", "-f", "json").json()}
    for ref in list(listed)[:60]:
        shown = cli("ticket", "show", ref, "-f", "json").json()
        shown.pop("events")
        shown.pop("warranty", None)  # show adds the asset's warranty decision
        assert shown == listed[ref]


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York"])
def test_instants_carry_the_offset_of_their_own_date(cli, tz):
    """Summer and winter tickets in a DST zone show different offsets."""
    now = "2027-01-20T10:00+08:00"  # four months of demo tickets span the end of summer time
    cli("--now", now, "init", "--demo")
    tickets = cli(
        "--now", now, "--tz", tz, "ticket", "list", "--status", "all", "-f", "json"
    ).json()
    offsets = {t["opened_at"][-6:] for t in tickets}
    assert len(offsets) == 2


def test_overdue_from_pre_rendered_views_equals_the_plain_records(cli, env_setup):
    """`sla overdue -f json` fills in stored templates; it must say what the records say."""
    import orjson

    from svcdesk.output import _json_default
    from svcdesk.services import sla
    from svcdesk.services.session import open_database as open_db

    cli("init", "--demo")
    fast = cli("sla", "overdue", "--within", "30d", "-f", "json").json()
    db = open_db(str(env_setup))
    try:
        plain = orjson.loads(
            orjson.dumps(list(sla.overdue(db, within="30d")), default=_json_default)
        )
    finally:
        db.close()
    assert len(fast) > 10 and fast == plain
    assert {c["state"] for c in fast} == {"running", "breached"}
