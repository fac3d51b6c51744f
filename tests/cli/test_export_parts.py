"""`svcdesk export parts` (issue 19, "the review as data"): one row per part replaced on a
visit, its cost a number a spreadsheet sums, the same parts `visit list` shows."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from support import child_env

from svcdesk.services import exports

NOW = "2026-10-14T10:00:00+08:00"  # conftest's


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> str:
    db = tmp_path_factory.mktemp("parts") / "demo.db"
    subprocess.run([sys.executable, "-m", "svcdesk", "--db", str(db), "--now", NOW, "init",
                    "--demo"], env=child_env(), check=True, capture_output=True)  # fmt: skip
    return str(db)


def expected(cli, db: str, *window: str) -> list[tuple]:
    r = cli("--db", db, "visit", "list", "-f", "json", *window)
    assert r.exit_code == 0, r.stderr
    rows = []
    for v in sorted(r.json(), key=lambda v: (v["started_at"], v["id"])):
        for p in v["parts"]:
            cost = None if p["cost_cents"] is None else p["cost_cents"] / 100
            rows.append((v["ref"], v["site"], v["ticket"], v["engineer"],
                         v["ended_at"] or v["started_at"], p["asset"], p["serial_out"],
                         p["serial_in"], p["coverage"], cost))  # fmt: skip
    return rows


def test_every_part_replaced_is_a_row_with_a_numeric_cost(cli, demo):
    r = cli("--db", demo, "export", "parts", "-f", "json")
    assert r.exit_code == 0, r.stderr
    got = [tuple(p[k] for k in exports.KEYS["parts"]) for p in r.json()]
    want = expected(cli, demo)
    assert got == want and len(got) >= 3
    assert any(isinstance(p["cost"], float) for p in r.json())
    # CSV: the cost cell reads as a number, and the column sums to the JSON's total
    r = cli("--db", demo, "export", "parts")
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert len(rows) == len(want)
    total = sum(float(row["cost"]) for row in rows if row["cost"])
    assert total == pytest.approx(sum(w[-1] for w in want if w[-1] is not None))
    assert total > 0


def test_xlsx_costs_are_numbers_a_spreadsheet_sums(cli, demo, tmp_path: Path):
    import openpyxl

    path = tmp_path / "parts.xlsx"
    r = cli("--db", demo, "export", "parts", "-o", str(path))
    assert r.exit_code == 0, r.stderr
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert rows[0] == exports.KEYS["parts"]
    costs = [row[-1] for row in rows[1:] if row[-1] is not None]
    assert costs and all(isinstance(c, int | float) for c in costs)


def test_the_window_is_the_visits_start(cli, demo):
    window = ("--since", "2026-09-01", "--until", "2026-10-01")
    r = cli("--db", demo, "export", "parts", "-f", "json", *window)
    assert r.exit_code == 0, r.stderr
    got = [tuple(p[k] for k in exports.KEYS["parts"]) for p in r.json()]
    assert got == expected(cli, demo, *window)
    everything = cli("--db", demo, "export", "parts", "-f", "json").json()
    assert len(got) < len(everything)


def test_a_hostile_part_serial_is_neutralised_in_csv_and_kept_in_json(cli, site):
    v = cli("visit", "start", "--site", site, "--at", "2026-10-14 09:00", "-f", "json").json()
    r = cli("visit", "end", v["ref"], "--summary", "swap", "--at", "2026-10-14 09:30",
            "--part", "=HYPERLINK(1):NEW-1:12.5")  # fmt: skip
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(cli("export", "parts").stdout, newline="")))
    assert rows[0]["serial_out"] == "'=HYPERLINK(1)" and rows[0]["cost"] == "12.5"
    (part,) = cli("export", "parts", "-f", "json").json()
    assert part["serial_out"] == "=HYPERLINK(1)" and part["cost"] == 12.5
