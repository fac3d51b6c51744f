"""Public holidays for the working calendars, cached in the database per year and package version.

Recording an event never imports the `holidays` package (its import alone is 60-90 ms): the
days of each year are read from the package once and stored in `holiday_cache`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import orjson

from svcdesk.domain import calendar as calendars
from svcdesk.store import holidays as store
from svcdesk.store.sql import Conn


@lru_cache(maxsize=1)
def holidays_version() -> str:
    """The installed `holidays` package's version, read without importing it (~90 ms)."""
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return "missing"
    text = (Path(spec.origin).parent / "version.py").read_text(encoding="utf-8")
    m = re.search(r"__version__\s*=\s*['\"]([^'\"]+)", text)
    return m.group(1) if m else "unknown"


class CachedHolidays:
    """Public days from the database cache; on a miss, from the package (then stored)."""

    def __init__(self, conn: Conn, *, keep: bool) -> None:
        self.conn = conn
        self.keep = keep

    def __call__(self, country: str, subdiv: str | None, year: int) -> calendars.PublicDays:
        where = {"country": country, "subdiv": subdiv or "", "package": holidays_version()}
        row = store.cached(self.conn, year=year, **where)
        if row is not None:
            return (
                frozenset(date.fromisoformat(d) for d in orjson.loads(row[0])),
                frozenset(date.fromisoformat(d) for d in orjson.loads(row[1])),
            )
        off, work = calendars.holidays_package_days(country, subdiv, year)
        span = range(year, year + 2)
        off = frozenset(d for d in off if d.year in span)
        work = frozenset(d for d in work if d.year in span)
        if self.keep:
            store.store(
                self.conn,
                year=year,
                **where,
                days_off=orjson.dumps(sorted(d.isoformat() for d in off)).decode(),
                workdays=orjson.dumps(sorted(d.isoformat() for d in work)).decode(),
            )
        return off, work


@contextmanager
def cached_holidays(conn: Conn, *, keep: bool = True) -> Iterator[None]:
    """Within the block, calendars take public days from the cache in `conn`."""
    calendars.set_public_days_source(CachedHolidays(conn, keep=keep))
    try:
        yield
    finally:
        calendars.set_public_days_source(None)
