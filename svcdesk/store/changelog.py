"""Hybrid logical clock stamps for the change log (DESIGN.md, Sync).

A stamp is `WWWWWWWWWWWWW-CCCCC-R…`: 13 digits of wall-clock milliseconds, a 5-digit counter
and the replica id. Stamps compare as strings in the clock's total order, survive clock skew
(a stamp never goes below the newest one this replica has seen) and are unique per replica.
"""

from __future__ import annotations

import time
from typing import NamedTuple


class Stamp(NamedTuple):
    wall_ms: int
    counter: int
    replica: str

    def encode(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:05d}-{self.replica}"


def decode(stamp: str) -> Stamp:
    wall, counter, replica = stamp.split("-", 2)
    return Stamp(int(wall), int(counter), replica)


def tick(last: str | None, replica: str, wall_ms: int | None = None) -> str:
    """The next stamp after `last` (the newest stamp seen) at physical time `wall_ms`."""
    # The physical part of the clock is the real recording time, not the business instant
    # (`--now`/`--at`), so replays and back-dated entries still order after earlier writes.
    wall = time.time_ns() // 1_000_000 if wall_ms is None else wall_ms
    if last is None:
        return Stamp(wall, 0, replica).encode()
    prev = decode(last)
    if wall > prev.wall_ms:
        return Stamp(wall, 0, replica).encode()
    return Stamp(prev.wall_ms, prev.counter + 1, replica).encode()
