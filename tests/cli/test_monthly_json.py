"""`report monthly -f json` (issue 19): the review's figures for scripts, the same numbers the
Markdown prints, for the month asked or, by default, the month it is now in the display zone."""

from __future__ import annotations

import json
import re

import pytest
from cli.test_monthly import monthly_cli, october, october_file  # noqa: F401 (fixtures)

# every test reviews a copy of test_monthly's October (`cli` runs on it)
pytestmark = pytest.mark.usefixtures("october")

KEYS = {"month", "site", "opened", "closed", "resolved", "reopened", "backlog", "clocks",
        "inspections", "parts_cost"}  # fmt: skip


def figures(cli, *args: str, before: tuple[str, ...] = ()) -> dict:
    r = cli(*before, "report", "monthly", *args, "-f", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data.keys() >= KEYS
    for c in data["clocks"]:
        assert {"name", "due", "met", "breached", "rate"} <= c.keys()
    assert {"done", "owed"} <= data["inspections"].keys()
    return data


def summary_of(md: str) -> dict[str, str]:
    """The English Markdown's summary table: label -> value."""
    part = md.split("## 1. The month at a glance", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (.+?) \| (.+?) \|$", part, re.M)
    return {k: v for k, v in rows if k not in ("Field", "---")}


def sla_rows_of(md: str) -> list[tuple[int, int, int, str]]:
    """(due, met, breached, rate) of each clock in the English Markdown's SLA table."""
    part = md.split("SLA compliance\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| [^|]+ \| (\d+) \| (\d+) \| (\d+) \| ([^|]+) \|$", part, re.M)
    return [(int(d), int(m), int(b), r.strip()) for d, m, b, r in rows]


def number(text: str) -> float:
    return float(re.sub(r"[^0-9.]", "", text))


def test_the_json_figures_are_the_markdowns(cli):
    data = figures(cli, "--month", "2026-10")
    assert data["month"] == "2026-10" and data["site"] is None
    # the month of test_monthly's doc: B reopened once, 5 resolved, 3 closed
    assert (data["opened"], data["closed"], data["resolved"], data["reopened"]) == (6, 3, 5, 1)
    assert data["backlog"] == 2
    assert data["parts_cost"] == 1550  # 1,200.00 free and 350.00 paid
    clocks = {c["name"]: c for c in data["clocks"]}
    assert clocks["respond"] == {"name": "respond", "due": 6, "met": 4, "breached": 2,
                                 "rate": 66.7}  # fmt: skip
    md = cli("report", "monthly", "--month", "2026-10", "--lang", "en").stdout
    shown = summary_of(md)
    assert int(shown["Opened"]) == data["opened"]
    assert int(shown["Closed"]) == data["closed"]
    assert int(shown["Resolved"]) == data["resolved"]
    assert shown["Reopen rate"] == f"{data['reopen_rate']:.1f}% (Reopened {data['reopened']})"
    assert int(shown["Backlog at month end"]) == data["backlog"]
    assert int(shown["Breaches"]) == data["breaches"]
    done, owed, in_month = map(int, re.findall(r"\d+", shown["Inspections done / required"]))
    assert (done, owed, in_month) == (data["inspections"]["done"], data["inspections"]["owed"],
                                      data["inspections"]["in_month"])  # fmt: skip
    assert number(shown["Parts replaced, cost"]) == data["parts_cost"]
    assert sla_rows_of(md) == [(c["due"], c["met"], c["breached"], f"{c['rate']:.1f}%")
                               for c in data["clocks"]]  # fmt: skip


def test_one_sites_figures(cli):
    data = figures(cli, "--month", "2026-10", "--site", "SH-PD")
    assert data["site"] == "SH-PD"
    assert data["parts_cost"] == 0  # the parts were replaced at BJ-HD
    assert sum(c["due"] for c in data["clocks"]) == 5
    assert sum(c["met"] for c in data["clocks"]) == 4


def test_the_month_defaults_to_this_one_in_the_display_zone(cli):
    assert figures(cli)["month"] == "2026-11"  # SVCDESK_NOW: 5 November
    # 31 October 20:00 in London is 1 November 04:00 in Beijing: the display zone decides
    at = "2026-10-31T20:00:00+00:00"
    assert figures(cli, before=("--now", at))["month"] == "2026-11"
    london = figures(cli, before=("--tz", "Europe/London", "--now", at))
    assert london["month"] == "2026-10"  # (its days are Beijing's: over by then)
    r = cli("--now", at, "report", "monthly", "--lang", "en")
    assert r.exit_code == 0 and r.stdout.startswith("# Monthly service review November 2026")


def test_json_to_a_file(cli, tmp_path):
    out = tmp_path / "oct.json"
    r = cli("report", "monthly", "--month", "2026-10", "-f", "json", "-o", str(out))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "" and str(out) in r.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["reopened"] == 1
    by_suffix = tmp_path / "by-suffix.json"
    r = cli("report", "monthly", "--month", "2026-10", "-o", str(by_suffix))
    assert r.exit_code == 0, r.stderr
    assert json.loads(by_suffix.read_text(encoding="utf-8")) == json.loads(out.read_text())


def test_a_bad_format_is_one_line_and_writes_nothing(cli, tmp_path):
    out = tmp_path / "oct.json"
    for fmt in ("xml", "jsn", ""):
        r = cli("report", "monthly", "--month", "2026-10", "-f", fmt, "-o", str(out))
        assert r.exit_code == 2, (fmt, r.stdout, r.stderr)
        assert r.stderr.count("\n") == 1 and "json" in r.stderr
        assert not out.exists()
    r = cli("report", "monthly", "--month", "2026-13", "-f", "json", "-o", str(out))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1
    assert not out.exists()
