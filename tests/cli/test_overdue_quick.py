"""`sla overdue --check -q` answers cron from the deadline index alone, read-only, and always
gives the exit status the full command gives (3 when anything would be listed, else 0)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hot_imports import loaded

from svcdesk.services import quick

HEAVY = {"svcdesk.services.derived", "svcdesk.store.schema", "svcdesk.services.policies"}


def statuses(cli, *args: str) -> tuple[int, int]:
    """(exit of the quick answer, exit of the full listing) for the same question."""
    fast = cli("sla", "overdue", "--check", "-q", *args)
    full = cli("sla", "overdue", "--check", *args)
    assert fast.stdout == "" and fast.stderr == ""
    return fast.exit_code, full.exit_code


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    opened=st.lists(st.integers(0, 20 * 24 * 60), min_size=0, max_size=4),
    severity=st.sampled_from(["major", "normal", "minor"]),
    now_after=st.integers(0, 30 * 24 * 60),
    within=st.sampled_from([None, "30m", "4h", "3d"]),
)
def test_the_quick_answer_is_the_full_commands_answer(cli, tmp_path_factory, opened, severity,
                                                      now_after, within):  # fmt: skip
    db = str(tmp_path_factory.mktemp("q") / "q.db")
    assert cli("--db", db, "init").exit_code == 0
    assert cli("--db", db, "site", "add", "BJ-HD", "--name", "Haidian").exit_code == 0
    base = datetime(2026, 9, 18, 8, 0, tzinfo=timezone(timedelta(hours=8)))

    def at(minutes: int) -> str:
        return (base + timedelta(minutes=minutes)).isoformat()

    for i, minutes in enumerate(opened):
        r = cli("--db", db, "--now", at(40 * 24 * 60), "ticket", "open", "--site", "BJ-HD",
                "--title", f"fault {i}", "--severity", severity, "--at", at(minutes))  # fmt: skip
        assert r.exit_code == 0, r.stderr
    now = ["--db", db, "--now", at(now_after)]
    extra = ["--within", within] if within else []
    fast, full = statuses(lambda *a: cli(*now, *a), *extra)
    assert fast == full


def test_a_file_derived_in_another_format_is_opened_fully(cli, tmp_path):
    db = tmp_path / "old.db"
    assert cli("--db", str(db), "init", "--demo").exit_code == 0
    with sqlite3.connect(db) as conn:  # as if an older svcdesk had derived it
        conn.execute("UPDATE svcdesk_meta SET value = '1' WHERE key = 'derived_format'")
        conn.execute("UPDATE ticket SET next_due_at = NULL")
    assert quick.anything_overdue(str(db), within=None) is None
    fast, full = statuses(lambda *a: cli("--db", str(db), *a))
    assert fast == full == 3  # the demo has breached clocks, once derived again


def test_bad_input_is_refused_as_the_full_command_refuses_it(cli, tmp_path):
    db = str(tmp_path / "d.db")
    assert cli("--db", db, "init").exit_code == 0
    for args in (["-f", "xml"], ["--within", "999999999999d"], ["--within", "soon"]):
        r = cli("--db", db, "sla", "overdue", "--check", "-q", *args)
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, args
    missing = cli("--db", str(tmp_path / "none.db"), "sla", "overdue", "--check", "-q")
    assert missing.exit_code == 1 and "svcdesk init" in missing.stderr


def test_the_quick_answer_loads_neither_the_writer_nor_the_schema(cli, tmp_path):
    db = str(tmp_path / "demo.db")
    assert cli("--db", db, "init", "--demo").exit_code == 0
    names = loaded(db, "sla", "overdue", "--check", "-q", full=True)
    assert not names & HEAVY
    assert names & HEAVY == set() and "svcdesk.store.quick" in names
