"""Whole-process clock skew: a laptop whose system clock is days or centuries off.

The skew is applied to the process clock itself (time.time_ns, which svcdesk's business clock,
its ids and its change-log stamps all read), not only to --now.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from svcdesk.services import sites, sync, tickets
from svcdesk.services.dbadmin import init
from svcdesk.services.session import open_database as open_db
from svcdesk.store import changelog
from svcdesk.store.changelog import COUNTER_MAX, decode, tick

DAY_NS = 86_400 * 10**9
REAL = time.time_ns


@pytest.fixture(autouse=True)
def real_time(monkeypatch):
    """The business clock too comes from the process clock here, not from SVCDESK_NOW."""
    monkeypatch.delenv("SVCDESK_NOW", raising=False)


@contextmanager
def skewed(monkeypatch, seconds: float):
    """This process's clock runs `seconds` ahead (negative: behind) while inside."""
    monkeypatch.setattr(time, "time_ns", lambda: REAL() + int(seconds * 10**9))
    try:
        yield
    finally:
        monkeypatch.setattr(time, "time_ns", REAL)


def laptops(folder: Path, *names: str):
    out = []
    for n in names:
        db = open_db(str(folder / f"{n}.db"), create=True)
        init(db)
        out.append(db)
    return out


def newest_wall(db) -> int:
    with db.read() as conn:
        return decode(changelog.newest(conn)).wall_ms


@given(st.integers(0, 2_000_000_000_000), st.integers(0, COUNTER_MAX), st.integers(1, 300))
def test_stamps_keep_their_width_and_order_past_the_counter(wall, counter, writes):
    last = f"{wall:013d}-{counter:05d}-{'a' * 32}"
    for _ in range(writes):
        stamp = tick(last, "a" * 32, wall_ms=wall - 5)  # this clock is behind what it saw
        assert stamp > last and len(stamp) == len(last)
        assert decode(stamp) > decode(last)  # numeric order is string order
        last = stamp


def test_a_laptop_that_synced_with_a_fast_one_keeps_writing(tmp_path, monkeypatch):
    """Seen a clock 3 days ahead (accepted here), then more writes than the counter holds."""
    monkeypatch.setenv("SVCDESK_MAX_CLOCK_AHEAD", "7d")
    a, fast = laptops(tmp_path, "a", "fast")
    sites.add_site(a, code="BJ", name="x")
    t = tickets.open_ticket(a, site="BJ", title="printer")
    sync.sync(a, str(fast.path))
    with skewed(monkeypatch, 3 * 86_400):
        tickets.comment(fast, t["ref"], "seen it")
    sync.sync(a, str(fast.path))
    assert newest_wall(a) > changelog.wall_ms() + 2 * DAY_NS // 10**6  # dragged ahead
    monkeypatch.setattr(changelog, "COUNTER_MAX", 3)  # what 100,000 writes would reach
    for n in range(12):
        tickets.comment(a, t["ref"], f"note {n}")
    with a.read() as conn:
        mine = [op.stamp for b in changelog.ops_after(conn, replica=a.replica_id, after="",
                                                      batch=100) for op in b]  # fmt: skip
    assert mine == sorted(mine) and len(set(mine)) == len(mine)
    assert all(int(s.split("-")[1]) <= 3 for s in mine[-12:])


def test_a_laptop_whose_clock_says_2200_is_held_back_and_named(tmp_path, monkeypatch):
    a, b, wrong = laptops(tmp_path, "a", "b", "wrong")
    sites.add_site(a, code="BJ", name="Haidian")
    for other in (b, wrong):
        sync.sync(a, str(other.path))
    with skewed(monkeypatch, (2200 - 2026) * 365.25 * 86_400):
        t = tickets.open_ticket(wrong, site="BJ", title="DVR down")
        tickets.assign(wrong, t["ref"], "Li Wei")
    before = newest_wall(a)
    result = sync.sync(a, str(wrong.path))
    (held,) = result["held_back"]
    assert held["replica"] == wrong.replica_id and held["count"] == 4  # ticket, 2 events, edit
    assert held["code"] == wrong.replica_code
    (line,) = sync.held_notes(result["held_back"])
    assert f"from replica {wrong.replica_code}" in line and "stamped up to 2200-" in line
    assert "correct whichever clock is wrong" in line
    # nothing of it applied here, and this laptop's clock is not dragged to 2200
    with pytest.raises(Exception, match="no ticket"):
        tickets.show_ticket(a, t["ref"])
    tickets.open_ticket(a, site="BJ", title="printer")
    assert newest_wall(a) < before + DAY_NS // 10**6
    # a's work still reaches the others, and the hold spreads nowhere
    sync.sync(a, str(b.path))
    assert sync.sync(b, str(wrong.path))["held_back"][0]["replica"] == wrong.replica_id
    assert len(list(tickets.list_tickets(b, status="all"))) == 1


def test_a_clock_that_goes_backwards_never_blocks_writes(tmp_path, monkeypatch):
    (a,) = laptops(tmp_path, "a")
    sites.add_site(a, code="BJ", name="x")
    t = tickets.open_ticket(a, site="BJ", title="printer", at="2026-10-14T09:00")
    with skewed(monkeypatch, -2 * 86_400):  # NTP puts the clock two days back
        tickets.comment(a, t["ref"], "still here", at="2026-10-14T09:10")
        tickets.open_ticket(a, site="BJ", title="scanner", at="2026-10-14T09:20")
    with a.read() as conn:
        stamps = [op.stamp for b in changelog.ops_after(conn, replica=a.replica_id, after="",
                                                        batch=100) for op in b]  # fmt: skip
    assert stamps == sorted(stamps) and len(stamps) == len(set(stamps))


def test_an_unreadable_bound_is_one_clear_line(tmp_path, monkeypatch, cli):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for p in (a, b):
        assert cli("--db", str(p), "init").exit_code == 0
    monkeypatch.setenv("SVCDESK_MAX_CLOCK_AHEAD", "soon")
    r = cli("--db", str(a), "sync", str(b))
    assert r.exit_code == 2
    assert "SVCDESK_MAX_CLOCK_AHEAD" in r.stderr and r.stderr.count("\n") == 1
