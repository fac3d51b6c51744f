"""Tab completes what the database holds: site codes, ticket refs, assets and serials."""

from __future__ import annotations

import os

import pytest
from support import complete


@pytest.fixture
def demo(cli, tmp_path) -> str:
    db = str(tmp_path / "Job #7 demo.db")  # a path a URI would misread
    assert cli("--db", db, "init", "--demo").exit_code == 0
    return db


def test_site_codes_complete_from_the_database(demo):
    got = complete(demo, "svcdesk site show BJ")
    assert got and all(code.startswith("BJ-") for code in got)
    assert "BJ-HD" in got
    assert "BJ-HD" in complete(demo, "svcdesk sla overdue --site B")


def test_ticket_refs_complete_open_ones_first(demo, cli):
    tickets = cli("--db", demo, "ticket", "list", "-f", "json").json()
    ref = tickets[0]["ref"]
    got = complete(demo, f"svcdesk sla status {ref[:-1]}")
    assert ref in got
    assert all(r.startswith(ref[:-1]) for r in got)


def test_nothing_to_complete_is_silent(tmp_path):
    assert complete(str(tmp_path / "none.db"), "svcdesk site show B") == []
    assert complete("postgresql://localhost/x", "svcdesk site show B") == []
    os.makedirs(tmp_path / "dir.db")
    assert complete(str(tmp_path / "dir.db"), "svcdesk site show B") == []


def test_assets_complete_by_ref_and_by_serial(demo, cli):
    asset = cli("--db", demo, "asset", "list", "-f", "json").json()[0]
    assert asset["serial"] in complete(demo, f"svcdesk warranty check {asset['serial'][:4]}")
    assert asset["ref"] in complete(demo, f"svcdesk asset show {asset['ref'][:-1]}")
    assert asset["serial"] in complete(demo, f"svcdesk ticket open --asset {asset['serial'][:3]}")
