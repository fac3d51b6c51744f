"""Each site has its own service period, and the plan catches up (issue 19), as a user meets it:
a site added mid-year, a contract start moved, an old database, a site two inspections behind,
two sites of one engineer. The clock is the suite's: Wednesday 2026-10-14 10:00 (+08:00)."""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOW = datetime.fromisoformat("2026-10-14T10:00:00+08:00")


def ok(cli, *args: str):
    got = cli(*args)
    assert got.exit_code == 0, (args, got.stderr)
    return got


def add(cli, code: str, *more: str) -> dict:
    return ok(cli, "site", "add", code, "--name", f"Site {code}", *more, "-f", "json").json()


def due(cli, *args: str) -> list[dict]:
    return ok(cli, "inspect", "due", *args, "-f", "json").json()


def planned(text: str | bytes) -> list[tuple[datetime, str, int]]:
    """(start, site, index) of each event of a plan, in order."""
    cal = icalendar.Calendar.from_ical(text)
    out = []
    for ev in cal.walk("VEVENT"):
        summary = str(ev["SUMMARY"])  # "巡检 BJ-HD Site BJ-HD (2/4)"
        site = summary.split()[1]
        index = int(summary.rsplit("(", 1)[1].split("/")[0])
        out.append((ev["DTSTART"].dt, site, index))
    return sorted(out)


def changes() -> int:
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        return conn.execute("SELECT count(*) FROM changelog").fetchone()[0]


@pytest.fixture
def db(cli):
    ok(cli, "init")


# ---------------------------------------------------------------- a site's own periods


@pytest.mark.usefixtures("db")
def test_a_site_added_mid_year_is_not_behind(cli):
    rec = add(cli, "BJ-HD")
    assert rec["contract_start"] == "2026-10-14"  # the day it was added
    assert due(cli) == [] and due(cli, "--within", "30d") == []
    board = ok(cli, "due", "--within", "30d", "-f", "json").json()
    assert [d for d in board if d["kind"] == "inspection"] == []
    # its first inspection is due by the end of its first quarter, 2027-01-12
    (item,) = due(cli, "--within", "100d")
    assert (item["state"], item["next_due"], item["behind"]) == ("due_soon", "2027-01-12", 0)
    assert "2026-10-14 to 2027-10-13" in item["what"]
    assert ok(cli, "site", "show", "BJ-HD", "-f", "json").json()["contract_start"] == "2026-10-14"
    (listed,) = ok(cli, "site", "list", "-f", "json").json()
    assert listed["contract_start"] == "2026-10-14"


@pytest.mark.usefixtures("db")
def test_the_contract_start_is_the_day_added_in_the_sites_zone(cli):
    # 2026-10-14 10:00 in Beijing is still 2026-10-13 in New York
    rec = add(cli, "NY", "--tz", "America/New_York")
    assert rec["contract_start"] == "2026-10-13"
    assert add(cli, "BJ", "--contract-start", "2025-07-01")["contract_start"] == "2025-07-01"


@pytest.mark.usefixtures("db")
def test_editing_the_contract_start_moves_its_periods(cli):
    add(cli, "BJ-HD")
    assert due(cli) == []
    rec = ok(cli, "site", "edit", "BJ-HD", "--contract-start", "2026-01-01", "-f", "json").json()
    assert rec["contract_start"] == "2026-01-01"
    (item,) = due(cli)  # a customer since January: three quarters over, none done
    assert (item["state"], item["required"], item["behind"]) == ("behind", 3, 3)
    assert "service year 2026-01-01 to 2026-12-31" in item["what"]
    ok(cli, "site", "edit", "BJ-HD", "--contract-start", "2026-09-01")
    assert due(cli) == []  # in its first quarter again
    ok(cli, "site", "edit", "BJ-HD", "--contract-start", "2025-04-01")
    (item,) = due(cli)  # service year 2026-04-01 to 2027-03-31: two quarters over
    assert (item["required"], item["behind"], item["year"]) == (2, 2, 2026)
    # an inspection counts in the service year it falls in, not the calendar year
    results = Path(os.environ["SVCDESK_DB"]).parent / "r.toml"
    results.write_text('servers = "ok"\n', encoding="utf-8")
    ok(cli, "inspect", "record", "--site", "BJ-HD", "--results", str(results),
       "--at", "2026-03-20T10:00")  # fmt: skip
    ok(cli, "inspect", "record", "--site", "BJ-HD", "--results", str(results),
       "--at", "2026-05-20T10:00")  # fmt: skip
    (item,) = due(cli)
    assert (item["done"], item["behind"]) == (1, 1)
    listed = ok(cli, "inspect", "list", "--site", "BJ-HD", "--year", "2026", "-f", "json").json()
    assert [i["at"][:10] for i in listed] == ["2026-05-20"]
    listed = ok(cli, "inspect", "list", "--year", "2025", "-f", "json").json()
    assert [i["at"][:10] for i in listed] == ["2026-03-20"]


def test_an_existing_site_from_an_old_database_keeps_january_1(cli, tmp_path):
    old = tmp_path / "v010.db"
    with gzip.open(FIXTURES / "svcdesk-0.1.0-demo.db.gz") as src, old.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    sites = ok(cli, "--db", str(old), "site", "list", "-f", "json").json()  # upgraded here
    assert sites
    for s in sites:
        added = datetime.fromisoformat(s["created_at"]).date()
        assert s["contract_start"] == f"{added.year}-01-01", s
    with sqlite3.connect(old) as conn:  # nothing was rewritten: the rule reads them
        assert conn.execute("SELECT count(*) FROM site WHERE contract_start IS NOT NULL"
                            ).fetchone()[0] == 0  # fmt: skip
    behind = ok(cli, "--db", str(old), "inspect", "due", "-f", "json").json()
    assert behind and all("service year 2026-01-01 to 2026-12-31" in d["what"] for d in behind)
    code = sites[0]["code"]
    ok(cli, "--db", str(old), "site", "edit", code, "--contract-start", "2026-09-01")
    shown = ok(cli, "--db", str(old), "site", "show", code, "-f", "json").json()
    assert shown["contract_start"] == "2026-09-01"
    still = ok(cli, "--db", str(old), "inspect", "due", "-f", "json").json()
    assert code not in {d["site"] for d in still}


@pytest.mark.usefixtures("db")
def test_the_monthly_review_owes_inspections_in_each_sites_own_periods(cli):
    add(cli, "OLD", "--contract-start", "2026-01-01")  # by 30 Sep: three quarters over
    add(cli, "NEW", "--contract-start", "2026-08-01")  # its first quarter ends 2026-10-30
    review = ok(cli, "report", "monthly", "--month", "2026-09", "-f", "json").json()
    assert review["inspections"]["owed"] == 3  # the new site owes none yet
    md = ok(cli, "report", "monthly", "--month", "2026-09").stdout
    assert "合同年度自其合同开始日起" in md  # not the first site's start named as everyone's
    ok(cli, "site", "edit", "NEW", "--contract-start", "2026-01-01")
    review = ok(cli, "report", "monthly", "--month", "2026-09", "-f", "json").json()
    assert review["inspections"]["owed"] == 6
    assert "合同年度自 2026年1月1日 起" in ok(cli, "report", "monthly", "--month",
                                             "2026-09").stdout  # fmt: skip


# ---------------------------------------------------------------- the plan catches up


@pytest.mark.usefixtures("db")
def test_a_plan_for_a_site_two_behind_plans_both_missing_from_now_earliest_first(cli, tmp_path):
    add(cli, "BJ-HD", "--contract-start", "2026-04-01")  # quarters end 07-01 and 09-30
    (item,) = due(cli)
    assert item["behind"] == 2
    out = tmp_path / "plan.ics"
    got = ok(cli, "inspect", "plan", "--year", "2026", "-o", str(out))
    slots = planned(out.read_bytes())
    assert all(start >= NOW for start, _, _ in slots)  # nothing before now
    # 10:00 is past the morning's 09:00 slot: the late ones go on the next working days
    assert [(s.date(), i) for s, _, i in slots[:2]] == [(date(2026, 10, 15), 1),
                                                        (date(2026, 10, 16), 2)]
    assert [i for _, _, i in slots] == [1, 2, 3]  # the fourth is due in 2027
    assert [s.date() for s, _, _ in slots] == sorted({s.date() for s, _, _ in slots})
    late = [line for line in got.stderr.splitlines() if line.startswith("late")]
    assert len(late) == 2 and all("BJ-HD" in line for line in late)
    assert "inspection 1 of 4" in late[0] and "2026-06-30" in late[0]
    assert "inspection 2 of 4" in late[1] and "2026-09-29" in late[1]
    # the 2027 plan has the fourth, in its own period, and nothing late
    got = ok(cli, "inspect", "plan", "--year", "2027")
    nxt = planned(got.stdout)
    assert (nxt[0][1], nxt[0][2]) == ("BJ-HD", 4) and nxt[0][0].date() < date(2027, 4, 1)
    assert "late" not in got.stderr
    # once the first is done, the plan owes one late inspection, not two
    results = tmp_path / "r.toml"
    results.write_text('servers = "ok"\n', encoding="utf-8")
    ok(cli, "inspect", "record", "--site", "BJ-HD", "--results", str(results),
       "--at", "2026-10-14T09:00")  # fmt: skip
    got = ok(cli, "inspect", "plan", "--year", "2026")
    assert [i for _, _, i in planned(got.stdout)] == [2, 3]
    assert len([line for line in got.stderr.splitlines() if line.startswith("late")]) == 1


@pytest.mark.usefixtures("db")
def test_two_sites_of_one_engineer_are_never_planned_on_one_day(cli):
    for code in ("BJ-HD", "BJ-CY", "BJ-XC"):
        add(cli, code, "--contract-start", "2026-01-01")  # three behind each
    got = ok(cli, "inspect", "plan", "--year", "2026", "--engineer", "Zhang Min")
    slots = planned(got.stdout)
    assert len(slots) == 12
    days = [s.date() for s, _, _ in slots]
    assert len(set(days)) == len(days)  # one site a day
    assert "ATTENDEE" in got.stdout or "Zhang Min" in got.stdout
    for code in ("BJ-HD", "BJ-CY", "BJ-XC"):
        assert [i for _, c, i in slots if c == code] == [1, 2, 3, 4]  # earliest first
    assert all(s >= NOW for s, _, _ in slots)
    late = [line for line in got.stderr.splitlines() if line.startswith("late")]
    assert len(late) == 9


@pytest.mark.usefixtures("db")
def test_many_late_inspections_are_one_line_naming_the_sites(cli):
    for n in range(6):
        add(cli, f"S{n}", "--contract-start", "2026-01-01")
    got = ok(cli, "inspect", "plan", "--year", "2026")
    late = [line for line in got.stderr.splitlines() if line.startswith("late")]
    assert len(late) == 1 and "18 inspections" in late[0] and "S0" in late[0]


@pytest.mark.usefixtures("db")
def test_a_plan_with_an_earlier_file_stays_valid_icalendar(cli, tmp_path):
    add(cli, "BJ-HD", "--contract-start", "2026-04-01")
    out = tmp_path / "plan.ics"
    ok(cli, "inspect", "plan", "--year", "2026", "-o", str(out))
    ok(cli, "inspect", "plan", "--year", "2026", "-o", str(out))
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    uids = [str(ev["UID"]) for ev in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == 3


# ---------------------------------------------------------------- bad input


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize("bad", ["2026-02-30", "next monday", "", "1969-12-31", "9001-01-01",
                                 "20260101", "2026-1-1"])  # fmt: skip
def test_a_bad_contract_start_is_one_line_and_nothing_is_written(cli, bad):
    before = changes()
    got = cli("site", "add", "BJ-HD", "--name", "x", "--contract-start", bad)
    assert got.exit_code == 2 and len(got.stderr.strip().splitlines()) == 1
    assert "--contract-start" in got.stderr and "Traceback" not in got.stderr
    assert ok(cli, "site", "list", "-f", "json").json() == [] and changes() == before
    add(cli, "SH-PD", "--contract-start", "2026-03-01")
    before = changes()
    got = cli("site", "edit", "SH-PD", "--contract-start", bad)
    assert got.exit_code == 2 and len(got.stderr.strip().splitlines()) == 1
    shown = ok(cli, "site", "show", "SH-PD", "-f", "json").json()
    assert shown["contract_start"] == "2026-03-01" and changes() == before


@pytest.mark.usefixtures("db")
def test_a_contract_start_that_is_not_a_date_is_one_line_where_it_is_counted(cli):
    add(cli, "BJ-HD")
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:  # as a crafted operation writes it
        conn.execute("UPDATE site SET contract_start = 'soon'")
    (listed,) = ok(cli, "site", "list", "-f", "json").json()
    assert listed["contract_start"] == "soon"  # shown as stored
    for args in (("inspect", "due"), ("inspect", "plan", "--year", "2026"), ("due",)):
        got = cli(*args)
        assert got.exit_code == 1 and len(got.stderr.strip().splitlines()) == 1, args
        assert "site edit BJ-HD --contract-start" in got.stderr
    ok(cli, "site", "edit", "BJ-HD", "--contract-start", "2026-10-14")
    assert due(cli) == []


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_engineer_for_the_plan_is_refused(cli, site, blank, tmp_path):
    out = tmp_path / "p.ics"
    r = cli("inspect", "plan", "--year", "2026", "--engineer", blank, "-o", str(out))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert "--engineer must not be empty" in r.stderr and not out.exists()
