"""Public holidays for the working calendars, cached in the database per year and package version.

Recording an event never imports the `holidays` package (its import alone is 60-90 ms): the
days of each year are read from the package once and stored in `holiday_cache`, keyed by the
package's version, so an upgraded package is read again (and the rows of the old one dropped).

Remarks for the person at the keyboard are kept here (`take_remarks`): the years a calendar
guessed while a command computed deadlines, and a package upgrade that left stored deadlines
behind. The CLI shows each once, on stderr, with the command's result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import orjson

from svcdesk.domain import calendar as calendars
from svcdesk.store import holidays as store
from svcdesk.store.sql import Conn

_remarks: list[str] = []

_VERSION = re.compile(r"^Version:\s*(\S+)\s*$", re.MULTILINE)
_VERSION_PY = re.compile(r"__version__\s*=\s*['\"]([^'\"]+)")


@lru_cache(maxsize=1)
def holidays_version() -> str:
    """The installed `holidays` package's version, read without importing it (~90 ms) nor
    `importlib.metadata` (~150 ms): from its `.dist-info` beside it, else its `version.py`."""
    spec = find_spec("holidays")
    if spec is None or spec.origin is None:
        return "missing"
    package = Path(spec.origin).parent
    for info in sorted(package.parent.glob("holidays-*.dist-info"), reverse=True):
        try:
            m = _VERSION.search((info / "METADATA").read_text(encoding="utf-8"))
        except OSError:
            continue
        if m:
            return m.group(1)
    try:
        m = _VERSION_PY.search((package / "version.py").read_text(encoding="utf-8"))
    except OSError:
        m = None
    if m:
        return m.group(1)
    from importlib.metadata import PackageNotFoundError, version

    try:  # an editable or unusual install: the slow way
        return version("holidays")
    except PackageNotFoundError:
        return "unknown"


class CachedHolidays:
    """Public days from the database cache; on a miss, from the package (then stored)."""

    def __init__(self, conn: Conn, *, keep: bool) -> None:
        self.conn = conn
        self.keep = keep
        self.checked_versions = False

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
            self._refresh_versions()
            store.store(
                self.conn,
                year=year,
                **where,
                days_off=orjson.dumps(sorted(d.isoformat() for d in off)).decode(),
                workdays=orjson.dumps(sorted(d.isoformat() for d in work)).decode(),
            )
        return off, work

    def knows_year(self, country: str, subdiv: str | None, year: int) -> bool:
        """`calendar.package_knows_year`, cached beside the days."""
        where = {"country": country, "subdiv": subdiv or "", "package": holidays_version()}
        known = store.known(self.conn, year=year, **where)
        if known is None:
            known = calendars.package_knows_year(country, subdiv, year)
            if self.keep:
                self._refresh_versions()
                store.store_known(self.conn, year=year, known=known, **where)
        return known

    def _refresh_versions(self) -> None:
        """Before the first row of a new package version: drop the old version's rows, and
        say that deadlines derived from them may be out of date."""
        if self.checked_versions:
            return
        self.checked_versions = True
        current = holidays_version()
        old = store.other_versions(self.conn, package=current)
        if old:
            store.forget_versions(self.conn, keep=current)
            remark(
                f"the holidays package changed ({', '.join(old)} -> {current}): its public "
                "days are read again; run 'svcdesk sla recompute' so stored deadlines follow"
            )


@contextmanager
def cached_holidays(conn: Conn, *, keep: bool = True) -> Iterator[None]:
    """Within the block, calendars take public days from the cache in `conn`."""
    calendars.set_public_days_source(CachedHolidays(conn, keep=keep))
    try:
        yield
    finally:
        calendars.set_public_days_source(None)


def guessed_note(country: str, years: Iterable[int], *, what: str = "deadlines") -> str:
    """One line saying which years a calendar of `country` guesses, and how to fix it."""
    listed = years_text(sorted(set(years)))
    return (
        f"{what} in {listed} are estimated: holidays {holidays_version()} has no official "
        f"in-lieu working days for {country} there yet, so those and extended holidays count as "
        "ordinary days; add the official dates to the policy as extra_holidays / extra_workdays"
    )


def guessed_notes(guesses: Iterable[calendars.Guess]) -> list[str]:
    """The years some calendar counted by rule alone, one line per country."""
    by_country: dict[str, set[int]] = {}
    for g in guesses:
        by_country.setdefault(g.country, set()).add(g.year)
    return [guessed_note(country, years) for country, years in sorted(by_country.items())]


def remark(line: str) -> None:
    """Keep a line for the person, once (the CLI takes it with `take_remarks`)."""
    if line not in _remarks:
        _remarks.append(line)


def take_remarks() -> list[str]:
    """The remarks made since the last call, then one line per country whose calendar guessed
    the working days of a year it counted deadlines through (and forget them all)."""
    taken = list(_remarks)
    _remarks.clear()
    taken += (line for line in guessed_notes(calendars.take_guessed()) if line not in taken)
    return taken


def years_text(years: list[int]) -> str:
    """2027, 2027-2029, or 2027, 2029."""
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
