"""`svcdesk due`: every obligation overdue or due soon on one board, most urgent first, with the
exit status cron relies on."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KEYS = ["kind", "site", "ticket", "what", "due_at", "state", "seconds_left"]


def due(cli, *args: str) -> list[dict]:
    r = cli("due", *args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    return r.json()


def inspected(cli, site: str, *ats: str) -> None:
    """Inspections of `site` at these instants: on pace for the year (the clock is 14 October)."""
    results = Path(os.environ["SVCDESK_DB"]).with_name("results.toml")
    results.write_text('servers = "ok"\n', encoding="utf-8")
    for at in ats:
        r = cli("inspect", "record", "--site", site, "--results", str(results), "--at", at)
        assert r.exit_code == 0, r.stderr


def test_an_empty_database_has_nothing_due_and_check_is_silent(cli):
    assert cli("init").exit_code == 0
    r = cli("due", "--check")
    assert (r.exit_code, r.stdout) == (0, "")
    r = cli("due", "-f", "csv")
    assert r.stdout.strip() == ",".join(KEYS)  # a header for a script, even when empty


def test_every_kind_on_one_board_most_urgent_first(cli, site):
    # a site behind its quota: none of the 3 inspections required by mid-October done
    t = cli("ticket", "open", "--site", site, "--title", "Hall screen dark", "--at",
            "2026-10-14T08:00", "-f", "json").json()  # respond due 08:30: breached
    r = cli("upgrade", "record", "--site", site, "--version", "3.2", "--major",
            "--at", "2026-09-10T18:00")  # training due 2026-10-10: overdue
    assert r.exit_code == 0, r.stderr
    items = due(cli)
    assert all(list(i) == KEYS for i in items)
    kinds = [i["kind"] for i in items]
    assert kinds == ["inspection", "training", "clock"]
    assert [i["state"] for i in items] == ["behind", "overdue", "overdue"]
    lefts = [i["seconds_left"] for i in items]
    assert lefts == sorted(lefts)
    clock = items[2]
    assert clock["ticket"] == t["ref"] and clock["site"] == site
    assert clock["what"] == "respond clock: Hall screen dark"
    shown = cli("ticket", "show", t["ref"], "-f", "json").json()
    respond = next(c for c in shown["clocks"] if c["name"] == "respond")
    assert (clock["due_at"], clock["seconds_left"]) == (respond["due_at"], respond["seconds_left"])
    assert clock["seconds_left"] < 0
    assert "3.2" in items[1]["what"] and items[1]["due_at"] == "2026-10-10T18:00:00+08:00"
    # the training held and the inspections on pace: only the clock is left
    r = cli("training", "record", "--site", site, "--topic", "x", "--attendees", "4")
    assert r.exit_code == 0, r.stderr
    inspected(cli, site, "2026-02-10T10:00", "2026-05-10T10:00", "2026-08-10T10:00")
    assert [i["kind"] for i in due(cli)] == ["clock"]


def test_an_incident_report_owed_is_a_report_item(cli, site):
    inspected(cli, site, "2026-02-10T10:00", "2026-05-10T10:00", "2026-08-10T10:00")
    ref = cli("ticket", "open", "--site", site, "--title", "Printer jams", "--at",
              "2026-09-21T09:00", "-f", "json").json()["ref"]  # fmt: skip
    for args in (("respond", ref, "--at", "2026-09-21T09:05"),
                 ("resolve", ref, "--note", "cleaned", "--at", "2026-09-21T10:00")):
        assert cli("ticket", *args).exit_code == 0
    items = due(cli)
    assert [(i["kind"], i["ticket"], i["state"]) for i in items] == [("report", ref, "overdue")]
    assert items[0]["what"].startswith("incident report")


def test_within_looks_further_ahead_for_every_kind(cli, site):
    inspected(cli, site, "2026-02-10T10:00", "2026-05-10T10:00", "2026-08-10T10:00")
    cli("upgrade", "record", "--site", site, "--version", "4.0", "--major", "--at",
        "2026-10-14T08:00")  # training due 13 November
    assert due(cli) == []  # the 4th inspection is due by 31 December, the training in 30 days
    ahead = due(cli, "--within", "31d")
    assert [i["kind"] for i in ahead] == ["training"]
    assert [i["state"] for i in ahead] == ["due_soon"]
    far = due(cli, "--within", "90d")
    assert [i["kind"] for i in far] == ["training", "inspection"]


def test_site_and_engineer_filters(cli, site):
    assert cli("site", "add", "SH-PD", "--name", "Shanghai Pudong").exit_code == 0
    for code in (site, "SH-PD"):
        inspected(cli, code, "2026-02-10T10:00", "2026-05-10T10:00", "2026-08-10T10:00")
    a = cli("ticket", "open", "--site", site, "--title", "A", "--at", "2026-10-14T08:00",
            "-f", "json").json()["ref"]  # fmt: skip
    b = cli("ticket", "open", "--site", "SH-PD", "--title", "B", "--at", "2026-10-14T08:00",
            "-f", "json").json()["ref"]  # fmt: skip
    cli("ticket", "assign", b, "Zhang Min")
    cli("upgrade", "record", "--site", "SH-PD", "--version", "1", "--major", "--at", "2026-09-01")
    assert {i["ticket"] for i in due(cli, "--site", site)} == {a}
    # Zhang Min: his ticket, and SH-PD's training once he has been on site there
    assert [i["ticket"] for i in due(cli, "--engineer", "zhang min")] == [b]
    assert cli("visit", "start", "--site", "SH-PD", "--engineer", "Zhang Min",
               "--at", "2026-10-01T09:00").exit_code == 0  # fmt: skip
    assert [i["kind"] for i in due(cli, "--engineer", "ZHANG MIN")] == ["training", "clock"]
    assert due(cli, "--engineer", "Nobody") == []


def test_check_exits_3_and_quiet_prints_nothing(cli, site):
    cli("ticket", "open", "--site", site, "--title", "A", "--at", "2026-10-14T08:00")
    r = cli("due", "--check")
    assert r.exit_code == 3 and "respond clock: A" in r.stdout
    r = cli("due", "--check", "-q")
    assert (r.exit_code, r.stdout, r.stderr) == (3, "", "")
    r = cli("due", "-q")  # -q implies --check
    assert r.exit_code == 3 and r.stdout == ""


def test_bad_options_get_one_line(cli, site):
    for args, words in ((("--within", "soon"), "--within"), (("--site", "NOPE"), "NOPE"),
                        (("--engineer", " "), "--engineer"), (("-f", "xml"), "xml")):  # fmt: skip
        r = cli("due", *args)
        assert r.exit_code != 0 and r.stderr.count("\n") == 1 and words in r.stderr, r.stderr
        assert r.stderr.startswith("svcdesk: error: ")


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    opened=st.lists(st.integers(min_value=1, max_value=20 * 24 * 60), max_size=5),
    upgraded=st.lists(st.tuples(st.integers(min_value=1, max_value=60 * 24),
                                st.booleans()), max_size=4),  # fmt: skip
    within=st.sampled_from([None, "1h", "2d", "40d"]),
)
def test_the_board_is_sorted_and_lists_only_what_the_window_holds(
    tmp_path_factory, opened, upgraded, within
):
    """Any tickets and upgrades: the board is in deadline order, every item is overdue or due
    within the window, and each owed training and each breached clock is on it."""
    from svcdesk import clock
    from svcdesk.services import due as service
    from svcdesk.services import sites, tickets, upgrades
    from svcdesk.services.dbadmin import init
    from svcdesk.services.session import open_database

    now = datetime.fromisoformat("2026-10-14T10:00:00+08:00")
    clock.set_now(now.isoformat())
    db = open_database(str(tmp_path_factory.mktemp("due") / "d.db"), create=True)
    try:
        init(db)
        sites.add_site(db, code="BJ-HD", name="Haidian")
        refs = [tickets.open_ticket(db, site="BJ-HD", title=f"T{n}",
                                    at=now - timedelta(minutes=m))["ref"]
                for n, m in enumerate(opened)]  # fmt: skip
        for n, (minutes, major) in enumerate(upgraded):
            upgrades.record_upgrade(db, site="BJ-HD", version=f"v{n}", major=major,
                                    at=now - timedelta(hours=minutes))  # fmt: skip
        items = list(service.board(db, within=within))
        lefts = [i["seconds_left"] for i in items]
        assert lefts == sorted(lefts)
        window = {None: None, "1h": 3600, "2d": 2 * 86400, "40d": 40 * 86400}[within]
        for i in items:
            ahead = window if window is not None else {"clock": 4 * 3600, "report": 4 * 3600,
                                                       "training": 7 * 86400}.get(i["kind"])
            if ahead is not None:
                assert i["seconds_left"] <= ahead
            assert (i["state"] in ("overdue", "behind")) == (i["seconds_left"] < 0)
        owed = sum(1 for m, major in upgraded if major and m * 3600 > 30 * 86400)
        assert sum(1 for i in items if i["kind"] == "training" and i["state"] == "overdue") == owed
        # the breached clocks are exactly those `sla overdue` lists
        from svcdesk.services import sla

        expected = {(c["ticket"], c["name"]) for c in sla.overdue(db)}
        shown = {(i["ticket"], "report" if i["kind"] == "report" else i["what"].split(" ")[0])
                 for i in items if i["kind"] in ("clock", "report") and i["seconds_left"] < 0}
        assert shown == expected
        assert {t for t, _ in shown} <= set(refs)
    finally:
        db.close()
        clock.set_now(None)
