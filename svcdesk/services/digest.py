"""The FAQ digest for the operators (`kb digest`, `report digest`), and the obligation to push it.

The plan: "定时整理常见问题,并主动推送给基层操作人员" — common problems are compiled regularly and
pushed to the operators at the branches. A digest holds the FAQ articles (kind `faq`) added or
updated in its period: from `--since DATE` (midnight, display time zone), else from just after
the period of the last digest pushed, else the policy's `[digest] every` (30 days) back; to now
(or the instant of the push). `kb digest --push` records that it was pushed (`kb_digest`: when,
the period, how many articles, by whom), synced to every replica.

The next digest is due `every` after the last push, or after the first FAQ article was written
when none was ever pushed (the policy in force at that instant); `svcdesk due` lists it while
FAQ articles are waiting for it (with none new or updated, there is nothing to push).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from svcdesk import clock, ids
from svcdesk.errors import InvalidValue, RuleViolation
from svcdesk.services import kb, policies
from svcdesk.services.reports import Rendered, Request, produce
from svcdesk.store import digest as store
from svcdesk.store.db import Database
from svcdesk.store.schema import KbDigestRow
from svcdesk.store.sql import Conn

NAME = "digest"  # the templates: digest.md.j2, digest.html.j2


@dataclass(frozen=True)
class Window:
    """A digest's period, both ends included (Unix seconds), and the digest pushed before it."""

    since: int
    until: int
    last: KbDigestRow | None


def _every(conn: Conn, at: int) -> int:
    return policies.in_force(conn, at)[1].digest.every


def _short(ts: int) -> str:
    return f"{clock.from_epoch(ts, clock.display_tz()):%Y-%m-%d %H:%M}"


def since_instant(text: str) -> int:
    """`--since DATE`: the instant its day begins in the display time zone."""
    day = date.fromisoformat(clock.parse_date(text, what="--since"))
    if not clock.MIN_YEAR <= day.year <= clock.MAX_YEAR:
        raise InvalidValue(f"--since {text}: the year must be between {clock.MIN_YEAR} and "
                           f"{clock.MAX_YEAR}")  # fmt: skip
    return clock.to_epoch(datetime.combine(day, time(0), clock.display_tz()))


def window(conn: Conn, *, since: str | None, until: int) -> Window:
    """The period of a digest that ends at `until`: from `since` (a date) if given, else from
    just after the last pushed digest's period, else `every` back from `until`."""
    last = store.last_push(conn)
    if since is not None:
        start = since_instant(since)
        if start > until:
            raise InvalidValue(f"--since {since.strip()} is after the digest's end "
                               f"({_short(until)}); give an earlier day")  # fmt: skip
        return Window(start, until, last)
    if last is not None:
        return Window(min(last.until_at + 1, until + 1), until, last)
    return Window(until - _every(conn, until), until, last)


def gather(db: Database, *, since: str | None = None, until: int | None = None,
           fmt: str = "md") -> tuple[dict[str, Any], Window]:  # fmt: skip
    """The digest's context (its bodies made for `fmt`) and its period, read in one snapshot."""
    from svcdesk.reports import digest as shaped

    end = until if until is not None else clock.to_epoch(clock.now())
    local = clock.local_times(clock.display_tz())
    with db.read() as conn:
        span = window(conn, since=since, until=end)
        rows = store.faq_changed(conn, since=span.since, until=span.until)
        records = kb.article_records(conn, rows)
    context = shaped.context(
        articles=records, since=local(span.since), until=local(span.until),
        last_push=local(span.last.at) if span.last else None, fmt=fmt,
        now=clock.now().astimezone(clock.display_tz()),
    )  # fmt: skip
    return context, span


def _subject(span: Window) -> str:
    return f"{_short(span.since)} – {_short(span.until)}"


def digest(db: Database, req: Request, *, since: str | None = None) -> Rendered:
    """`kb digest`, `report digest`: the FAQ digest of the period, rendered as asked."""
    context, span = gather(db, since=since, fmt=req.fmt)
    return produce(NAME, context, req, subject=_subject(span))


def push(db: Database, req: Request, *, since: str | None = None,
         at: str | datetime | None = None) -> tuple[Rendered, dict[str, Any]]:  # fmt: skip
    """`kb digest --push`: the digest rendered and written as asked, then recorded as pushed at
    `at` (default now; its period ends there). A digest with no article is not pushed; nothing
    is written when anything is wrong."""
    from svcdesk.services.tickets import actor

    when = clock.to_epoch(clock.recorded_at(at))
    with db.read() as conn:
        last = store.last_push(conn)
    if last is not None and when < last.at:
        raise RuleViolation(f"the last digest was pushed at {_short(last.at)}, after --at "
                            f"{_short(when)}; nothing was written")  # fmt: skip
    context, span = gather(db, since=since, until=when, fmt=req.fmt)
    count = context["counts"]["total"]
    if count == 0:
        period = (f"since the last digest was pushed ({_short(span.last.at)})"
                  if since is None and span.last is not None
                  else f"from {_short(span.since)} to {_short(span.until)}")  # fmt: skip
        raise RuleViolation(f"no FAQ article was added or updated {period}: there is nothing "
                            "to push; nothing was written")  # fmt: skip
    row = KbDigestRow(id=ids.uuid7(), at=when, since_at=span.since, until_at=span.until,
                      articles=count, pushed_by=actor(),
                      recorded_at=clock.to_epoch(clock.now()))  # fmt: skip
    done = produce(NAME, context, req, subject=_subject(span))
    with db.write() as tx:
        store.insert(tx, row)
    return done, record(row)


def record(row: KbDigestRow) -> dict[str, Any]:
    """A push as a user reads it."""
    local = clock.local_times(clock.display_tz())
    return {"id": row.id, "at": local(row.at), "since": local(row.since_at),
            "until": local(row.until_at), "articles": row.articles,
            "pushed_by": row.pushed_by}  # fmt: skip


def pushes(db: Database) -> list[dict[str, Any]]:
    """Every digest pushed, oldest first."""
    with db.read() as conn:
        return [record(r) for r in store.pushes(conn)]


# --------------------------------------------------------------------------------------------
# The obligation


def owed(conn: Conn) -> dict[str, Any] | None:
    """The next digest's raw facts — when it is due, the last push (None: never), how many FAQ
    articles wait for it — or None: no FAQ article waits (nothing to push)."""
    last = store.last_push(conn)
    if last is not None:
        start, since = last.at, last.until_at + 1
    else:
        first = store.first_faq_at(conn)
        if first is None:
            return None
        start = since = first
    waiting = store.faq_changed_count(conn, since=since)
    if waiting == 0:
        return None
    return {"due_at": start + _every(conn, start), "last_at": last.at if last else None,
            "articles": waiting}  # fmt: skip


def due_item(conn: Conn, *, now: int, ahead: int,
             local: Callable[[int], datetime] | None = None) -> dict[str, Any] | None:  # fmt: skip
    """The digest as a due item (CLI.md's shape) when it is overdue or due within `ahead`
    seconds; None otherwise."""
    facts = owed(conn)
    if facts is None:
        return None
    left = facts["due_at"] - now
    if left > ahead:
        return None
    at = local or clock.local_times(clock.display_tz())
    n = facts["articles"]
    many = f"{n} FAQ article{'s' if n != 1 else ''}"
    if facts["last_at"] is None:
        about = f"never pushed; {many} so far"
    else:
        about = f"last pushed {at(facts['last_at']):%Y-%m-%d}; {many} new or updated since"
    return {"kind": "digest", "site": None, "ticket": None,
            "what": f"FAQ digest for the operators ({about})", "due_at": at(facts["due_at"]),
            "state": "overdue" if left < 0 else "due_soon", "seconds_left": left}  # fmt: skip
