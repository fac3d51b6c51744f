"""Inspections as an engineer records them: results from a file or item by item, a fault that
opens a ticket, who is behind the yearly quota, and the year's plan as a calendar."""

from __future__ import annotations

import os
import sqlite3
import time

import pytest

FIELDS = {"id", "ref", "site", "visit", "at", "items", "faults", "signed_by", "tickets"}
RESULTS = (
    'servers = "ok"\nups = "Not applicable"\n[led_screens]\nresult = "fault"\n'
    'finding = "two modules dark"\n'
)


def rows(table: str) -> int:
    with sqlite3.connect(os.environ["SVCDESK_DB"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


@pytest.fixture
def site(cli):
    cli("init")
    # its service years are calendar years (tests/cli/test_contract_start.py: other starts)
    assert cli("site", "add", "BJ-HD", "--name", "Beijing Haidian",
               "--contract-start", "2026-01-01").exit_code == 0
    return "BJ-HD"


@pytest.fixture
def results(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text(RESULTS, encoding="utf-8")
    return str(path)


def test_record_from_a_file_has_the_shape_of_cli_md(cli, site, results):
    got = cli("inspect", "record", "--site", site, "--results", results, "--signed-by", "Wang Li",
              "--at", "2026-10-14T09:00", "-f", "json")  # fmt: skip
    assert got.exit_code == 0, got.stderr
    rec = got.json()
    assert rec.keys() >= FIELDS
    assert rec["ref"].endswith("-I1") and rec["site"] == "BJ-HD" and rec["faults"] == 1
    assert [(i["item"], i["result"], i["finding"]) for i in rec["items"]] == [
        ("servers", "ok", None), ("led_screens", "fault", "two modules dark"),
        ("ups", "not_applicable", None)]  # checklist order, results in canonical form
    assert rec["at"] == "2026-10-14T09:00:00+08:00" and rec["tickets"] == []
    assert cli("inspect", "show", "1", "-f", "json").json() == rec
    assert cli("inspect", "list", "--year", "2026", "-f", "json").json() == [rec]
    assert cli("inspect", "list", "--year", "2025", "-f", "json").json() == []


def test_a_fault_opens_a_ticket_in_the_same_command(cli, site, results):
    got = cli("inspect", "record", "--site", site, "--results", results, "--open-tickets",
              "-f", "json")  # fmt: skip
    assert got.exit_code == 0, got.stderr
    rec = got.json()
    assert len(rec["tickets"]) == 1
    ticket = cli("ticket", "show", rec["tickets"][0], "-f", "json").json()
    assert ticket["category"] == "hardware" and ticket["site"] == "BJ-HD"
    assert "LED" in ticket["title"] and "two modules dark" in ticket["title"]
    assert rec["items"][1]["ticket"] == rec["tickets"][0]


def test_prompts_walk_the_checklist(cli, site, monkeypatch):
    monkeypatch.setenv("SVCDESK_INTERACTIVE", "1")
    answers = ["ok", "bogus", "FAULT", "db backups fail"] + ["not_applicable"] * 30
    got = cli("inspect", "record", "--site", site, "-f", "json", input="\n".join(answers) + "\n")
    assert got.exit_code == 0, got.stderr
    rec = __import__("json").loads(got.stdout[got.stdout.index('{"id"'):])
    assert len(rec["items"]) >= 9  # every item of the policy's checklist was asked
    assert {i["result"] for i in rec["items"][2:]} == {"not_applicable"}
    assert rec["items"][1] == {**rec["items"][1], "item": "database", "result": "fault",
                               "finding": "db backups fail"}
    assert "数据库" in got.stderr and "choose from" in got.stderr


@pytest.mark.parametrize("text,said", [
    ('servers = "ok"\nfloppy = "ok"\n', "'floppy' is not in the inspection checklist"),
    ('servers = "broken"\n', "use one of ok, fault, not_applicable"),
    ('servers = "ok"\nnetwork = \n', "r.toml:2: not valid TOML"),
    ('[servers]\nresult = "ok"\ncolour = "red"\n', "r.toml:3: servers.colour"),
])  # fmt: skip
def test_bad_results_write_nothing(cli, site, tmp_path, text, said):
    path = tmp_path / "r.toml"
    path.write_text(text, encoding="utf-8")
    got = cli("inspect", "record", "--site", site, "--results", str(path))
    assert got.exit_code != 0 and said in got.stderr, got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
    assert rows("inspection") == 0


def test_bad_input_writes_nothing(cli, site, results, tmp_path):
    cli("site", "add", "SH-PD", "--name", "Shanghai")
    visit = cli("visit", "start", "--site", "SH-PD", "-f", "json").json()["ref"]
    latin = tmp_path / "latin.toml"
    latin.write_bytes('servers = "ok"\n# caf\xe9\n'.encode("latin-1"))
    cases = [
        (("--site", "NOPE", "--results", results), "NOPE"),
        (("--site", site, "--visit", "NOPE-V9", "--results", results), "visit"),
        (("--site", site, "--visit", visit, "--results", results), "SH-PD"),
        (("--site", site, "--results", str(latin)), "latin.toml:2: not UTF-8"),
        (("--site", site, "--results", results, "--at", "2027-01-01"), "in the future"),
        (("--site", site, "--results", results, "-f", "yaml"), "yaml"),
        (("--site", site), "missing --results"),
    ]
    before = rows("changelog")
    for args, said in cases:
        got = cli("inspect", "record", *args, "--open-tickets")
        assert got.exit_code != 0 and said in got.stderr, (args, got.stderr)
    assert rows("inspection") == 0 and rows("ticket") == 0 and rows("changelog") == before


def test_due_catches_up_after_a_missed_quarter(cli, site, results):
    # 2026-10-14: three quarters have ended; one inspection in Q1 only
    cli("inspect", "record", "--site", site, "--results", results, "--at", "2026-02-10T10:00")
    got = cli("inspect", "due", "-f", "json")
    assert got.exit_code == 0
    (item,) = got.json()
    assert item["kind"] == "inspection" and item["site"] == "BJ-HD" and item["ticket"] is None
    assert (item["state"], item["done"], item["required"], item["quota"]) == ("behind", 1, 3, 4)
    assert item["next_due"] == "2026-07-01"  # period 2 (days 92-182) not covered: overdue
    assert item["due_at"] == "2026-07-02T00:00:00+08:00" and item["seconds_left"] < 0
    assert cli("inspect", "due", "--check").exit_code == 3
    for day in ("2026-05-10", "2026-08-10"):
        cli("inspect", "record", "--site", site, "--results", results, "--at", day + "T10:00")
    assert cli("inspect", "due", "-f", "json").json() == []  # on pace, Q4 due in 78 days
    assert cli("inspect", "due", "--check").exit_code == 0
    soon = cli("inspect", "due", "--within", "90d", "-f", "json").json()
    assert [(i["state"], i["next_due"]) for i in soon] == [("due_soon", "2026-12-31")]


def _uids(ics: str) -> dict[str, tuple[str, str]]:
    out, uid, start = {}, None, None
    for line in ics.replace("\r\n ", "").splitlines():
        if line.startswith("UID:"):
            uid = line[4:]
        elif line.startswith("DTSTART"):
            start = line.split(":")[1][:8]
        elif line.startswith("SEQUENCE:"):
            out[uid] = (start, line[9:])
    return out


def test_plan_keeps_uids_and_raises_sequence_when_a_slot_moves(cli, site, tmp_path):
    out = tmp_path / "plan.ics"
    env = ("--now", "2027-01-04T09:00+08:00")
    assert cli(*env, "inspect", "plan", "--year", "2027", "-o", str(out)).exit_code == 0
    first = _uids(out.read_text(encoding="utf-8"))
    assert len(first) == 4 and {s for _, s in first.values()} == {"0"}
    assert cli(*env, "inspect", "plan", "--year", "2027", "-o", str(out)).exit_code == 0
    assert _uids(out.read_text(encoding="utf-8")) == first  # the same plan: same UIDs
    stdout = cli(*env, "inspect", "plan", "--year", "2027").stdout
    assert _uids(stdout) == first
    # later in the first quarter, after its planned day: slot 1 moves, the others stay
    (uid1, (day1, _)), = [(u, v) for u, v in first.items() if v == min(first.values())]
    from datetime import date, timedelta

    after = date(int(day1[:4]), int(day1[4:6]), int(day1[6:])) + timedelta(days=1)
    late = f"{after.isoformat()}T09:00+08:00"  # the planned day has passed
    got = cli("--now", late, "inspect", "plan", "--year", "2027", "-o", str(out))
    assert got.exit_code == 0, got.stderr
    moved = _uids(out.read_text(encoding="utf-8"))
    if day1[4:6] < "03":  # a working day is left in the quarter
        assert moved[uid1][1] == "1" and moved[uid1][0] > day1
    assert all(moved[u] == first[u] for u in first if u != uid1)


def test_a_year_with_no_working_days_left_is_one_line(cli, site):
    got = cli("inspect", "plan", "--year", "2025")
    assert got.exit_code != 0 and "no working day left" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1


def test_a_plan_of_5000_sites_takes_under_5_seconds(cli, site, tmp_path):
    from svcdesk import ids
    from svcdesk.services.session import open_database
    from svcdesk.store import sites as site_store
    from svcdesk.store.schema import SiteRow

    db = open_database(os.environ["SVCDESK_DB"])
    with db.write() as tx:
        for n in range(4999):
            site_store.insert(tx, SiteRow(id=ids.uuid7(), code=f"S{n:05d}", name=f"Site {n}",
                                          tz=None, region=None, contact=None, created_at=0,
                                          updated_at=0, merged_into=None,
                                          contract_start=None))  # fmt: skip
    db.close()
    out = tmp_path / "big.ics"
    began = time.perf_counter()
    got = cli("--now", "2027-01-04T09:00+08:00", "inspect", "plan", "--year", "2027",
              "-o", str(out))  # fmt: skip
    took = time.perf_counter() - began
    assert got.exit_code == 0, got.stderr
    assert out.read_text(encoding="utf-8").count("BEGIN:VEVENT") == 20000
    assert took < 5, took
