"""The hybrid logical clock that orders the change log across replicas."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from svcdesk.store.changelog import decode, tick

walls = st.integers(min_value=1_600_000_000_000, max_value=2_000_000_000_000)


@given(st.lists(walls, min_size=1, max_size=50))
def test_stamps_strictly_increase_whatever_the_wall_clock_does(readings):
    """A clock that jumps backwards (NTP, a wrong BIOS clock) never reorders this replica's ops."""
    last = None
    for wall in readings:
        stamp = tick(last, "a" * 32, wall)
        assert last is None or stamp > last
        assert decode(stamp).wall_ms >= wall
        last = stamp


@given(walls, st.integers(min_value=0, max_value=6 * 3600 * 1000), walls)
def test_a_replica_behind_still_stamps_after_what_it_has_seen(remote_wall, skew, local_wall):
    """Receiving a stamp from a replica whose clock is ahead moves this clock past it."""
    seen = tick(None, "f" * 32, remote_wall + skew)
    mine = tick(seen, "0" * 32, local_wall)
    assert mine > seen
    # ...and only as far as needed: the physical part is the larger of the two clocks
    assert decode(mine).wall_ms == max(local_wall, decode(seen).wall_ms)


def test_equal_wall_and_counter_are_ordered_by_replica():
    a = tick(None, "a" * 32, 1_700_000_000_000)
    b = tick(None, "b" * 32, 1_700_000_000_000)
    assert a < b and decode(a).replica == "a" * 32
