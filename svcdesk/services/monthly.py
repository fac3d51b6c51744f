"""The monthly service review (`report monthly`, issue 12): the month asked for, checked; its
figures read from the store in one snapshot (`store/monthly.py`: every figure an SQL aggregate);
the working calendars, policy settings and inspection quotas they need; the report rendered.

The month runs from midnight of its first day to midnight of the next month's first day in the
time zone of the policy in force then (Asia/Shanghai by default), and the review is made as of
the month's end, or as of now while it runs. A month that has not begun is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from svcdesk import clock
from svcdesk.domain import inspections as inspection_rules
from svcdesk.errors import InvalidValue
from svcdesk.services import policies
from svcdesk.services.reports import Rendered, Request, produce
from svcdesk.store import monthly as store
from svcdesk.store import policies as policy_store
from svcdesk.store import sites as site_store
from svcdesk.store.db import Database
from svcdesk.store.sql import Conn

MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")

BACKLOG_DAYS = (1, 3, 7, 30, 90)
"""The backlog's age buckets: under a day, 1-3 days, 3-7, 7-30, 30-90, 90 days and more."""

BREACHES_SHOWN = 100
"""How many breaches the review lists by default (the rest are counted, and said to be)."""

_DAY = 86_400
_BEFORE = 31 * _DAY  # working time given before the month: a clock met late by up to a month


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of `YYYY-MM` text, or one line saying what a month looks like."""
    m = MONTH.match(text.strip())
    if m is None or not 1 <= int(m[2]) <= 12:
        raise InvalidValue(f"invalid --month {text!r}: give a month as YYYY-MM, such as 2026-10")
    year, month = int(m[1]), int(m[2])
    if not clock.MIN_YEAR <= year <= clock.MAX_YEAR:
        raise InvalidValue(f"--month {text}: the year must be between {clock.MIN_YEAR} and "
                           f"{clock.MAX_YEAR}")  # fmt: skip
    return year, month


def _midnight(day: date, zone: str) -> int:
    return clock.to_epoch(datetime.combine(day, time(0), clock.zone(zone)))


def _next_month(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


# --------------------------------------------------------------------------------------------
# What the month's figures need of the policies


def _zones(conn: Conn, site_id: str | None) -> set[str]:
    """The time zones sites keep ('' for a site that keeps the policy's)."""
    sites = [site_store.by_id(conn, site_id)] if site_id else site_store.all_sites(conn)
    return {s.tz or "" for s in sites}


def _versions(conn: Conn) -> list[tuple[str, Any]]:
    """(id, parsed policy) of every stored version, and of the default one."""
    rows = {r.id: r for r in policy_store.versions(conn)}
    rows.setdefault(policies.default_row().id, policies.default_row())
    return [(pid, policies.parse(row.source)) for pid, row in sorted(rows.items())]


def _longest_targets(policy: Any) -> dict[str, int]:
    """Basis -> the longest clock target of the policy counted on it (upgrade clocks, due on
    the ticket's own date, have none)."""
    out: dict[str, int] = {}
    for cls in policy.classes:
        for rule in (*cls.clocks, cls.update):
            if rule is not None and rule.target is not None:
                out[rule.basis] = max(out.get(rule.basis, 0), int(rule.target))
    return out


def lookback(versions: Iterable[tuple[str, Any]], zones: Iterable[str], start: int) -> int:
    """The earliest instant from which a clock of any policy version, on any site's calendar,
    can still fall due at or after `start`: a ticket untouched since before it has no running
    deadline in the month (store/monthly.py explains why that is enough)."""
    earliest = start
    at = clock.from_epoch(start - 1, clock.zone("UTC"))
    assert at is not None
    for _, policy in versions:
        for basis, target in _longest_targets(policy).items():
            for zone in zones:
                cal = policy.calendar(basis, zone or None)
                earliest = min(earliest, clock.to_epoch(cal.subtract(at, target)))
    return earliest - 3600  # an hour more: instants are whole seconds, calendars count in them


def reach(versions: Iterable[tuple[str, Any]], zones: Iterable[str], end: int) -> int:
    """The latest deadline a clock met on time before `end` can have: the longest working
    target of any policy version after `end`, on any site's calendar (a clock met on time was
    due after it was met, by at most its target of business time)."""
    latest = end
    at = clock.from_epoch(end, clock.zone("UTC"))
    assert at is not None
    for _, policy in versions:
        target = _longest_targets(policy).get("working")
        for zone in zones if target else ():
            cal = policy.calendar("working", zone or None)
            latest = max(latest, clock.to_epoch(cal.add(at, target)))
    return latest + 3600


def working_spans(cal: Any, start: int, end: int) -> store.Spans:
    """The working time of calendar `cal` in [start, end] as `store.Spans`, from its own
    answers: each working day's windows in its zone, checked against `cal.between_ts` (a day on
    which the zone's offset changes is walked with `add_ts` and `between_ts` instead)."""
    zone = clock.zone(cal.tz)
    day = datetime.fromtimestamp(start, zone).date()
    last = datetime.fromtimestamp(end, zone).date()
    spans: list[tuple[int, int, int]] = []
    before = 0
    while day <= last:
        lo, hi = _midnight(day, cal.tz), _midnight(day + timedelta(days=1), cal.tz)
        found = _day_spans(cal, day, lo, hi)
        for a, b in found:
            a, b = max(a, start), min(b, end)
            if a < b:
                spans.append((a, b, before))
                before += b - a
        day += timedelta(days=1)
    return store.Spans(start, end, spans)


def _day_spans(cal: Any, day: date, lo: int, hi: int) -> list[tuple[int, int]]:
    """The working spans of local day `day` ([lo, hi) in epoch seconds)."""
    if not cal.is_working_day(day):
        return []
    zone = clock.zone(cal.tz)
    plain = []
    for w_start, w_end in cal.windows:
        a = clock.to_epoch(datetime.combine(day, w_start, zone))
        b = hi if w_end == time.max else clock.to_epoch(datetime.combine(day, w_end, zone))
        if a < b:
            plain.append((a, b))
    if sum(b - a for a, b in plain) == cal.between_ts(lo, hi) and all(
        cal.between_ts(a, b) == b - a for a, b in plain
    ):
        return plain
    out, t = [], lo  # the zone's offset changes this day: ask the calendar second by second
    while t < hi:
        a = cal.add_ts(t, 1) - 1  # the first working second from t on
        if a >= hi:
            break
        low, high = a + 1, hi  # the end: the last b with only working time in [a, b)
        while low < high:
            mid = (low + high + 1) // 2
            if cal.between_ts(a, mid) == mid - a:
                low = mid
            else:
                high = mid - 1
        out.append((a, low))
        t = low
    return out


def calendars(versions: Iterable[tuple[str, Any]], zones: Iterable[str], start: int,
              end: int) -> dict[store.Key, store.Spans]:  # fmt: skip
    """The working time in [start, end] of every working calendar a clock can count on: each
    policy version's, in each site's zone."""
    out = {}
    for pid, policy in versions:
        for zone in zones:
            out[(pid, zone)] = working_spans(policy.calendar("working", zone or None), start, end)
    return out


# --------------------------------------------------------------------------------------------
# Inspections against the quota


def _inspections(conn: Conn, policy: Any, w: store.Window, site_id: str | None,
                 zone: str) -> list[dict[str, Any]]:  # fmt: skip
    """Per site (live sites, or the one asked for): inspections done in the month, in its
    service year (its own, from its contract start) up to the month's end, and required by then
    by the yearly quota's pace (`inspect due`'s rule)."""
    from svcdesk.services.inspections import contract_start

    settings = policy.inspections
    sites = ([site_store.by_id(conn, site_id)] if site_id else
             [s for s in site_store.all_sites(conn) if s.merged_into is None])  # fmt: skip
    if not sites:
        return []
    years = {}
    for s in sites:  # each site's own service year (from its contract start)
        tz = s.tz or zone
        last_day = datetime.fromtimestamp(w.as_of - 1, clock.zone(tz)).date()
        years[s.id] = (tz, inspection_rules.service_year_of(contract_start(s, policy), last_day))
    since = min(_midnight(cy.start, tz) for tz, cy in years.values())
    times = store.inspection_times(conn, since=since, until=w.as_of, site_id=site_id)
    out = []
    for s in sites:
        tz, cy = years[s.id]
        instants = times.get(s.id, [])
        local = clock.zone(tz)
        days = [datetime.fromtimestamp(t, local).date() for t in instants]
        today = datetime.fromtimestamp(w.as_of, local).date()
        quota = settings.per_year
        pace = inspection_rules.pace(quota=quota, year_start=cy.start, year_end=cy.end,
                                     done_dates=days, today=today) if quota else None  # fmt: skip
        out.append({
            "site": s.code,
            "name": s.name,
            "in_month": sum(1 for t in instants if t >= w.start),
            "done": pace.done if pace else len(set(days)),
            "required": pace.required if pace else 0,
            "behind": pace.behind if pace else 0,
            "quota": quota,
            "year_start": cy.start,
            "year_end": cy.last_day,
        })  # fmt: skip
    return out


# --------------------------------------------------------------------------------------------
# The review


def figures(db: Database, *, month: str, site: str | None = None,
            breaches: int | None = BREACHES_SHOWN) -> dict[str, Any]:  # fmt: skip
    """The month's figures as plain values (instants as epoch seconds; the report's context
    is `reports.monthly.context` of them): see `store.monthly` for what each one counts.
    `breaches`: how many breached clocks to list (None: all)."""
    year, mon = parse_month(month)
    if breaches is not None and breaches < 0:
        raise InvalidValue("--breaches must be a number >= 0 (0: count them only)")
    now = clock.to_epoch(clock.now())
    from svcdesk.services.holiday_cache import cached_holidays

    with db.read() as conn, cached_holidays(conn, keep=False):
        site_row = site_store.find(conn, site) if site else None
        first = date(year, mon, 1)
        zone = policies.in_force(conn, _midnight(first, policies.timezone_now(conn)
                                                 or clock.DEFAULT_TZ))[1].timezone  # fmt: skip
        start, end = _midnight(first, zone), _midnight(_next_month(year, mon), zone)
        if start > now:
            today = datetime.fromtimestamp(now, clock.zone(zone)).date()
            raise InvalidValue(f"--month {year:04d}-{mon:02d} has not begun yet (today is "
                               f"{today.isoformat()})")  # fmt: skip
        as_of = min(end, now)
        versions = _versions(conn)
        zones = _zones(conn, site_row.id if site_row else None)
        w = store.Window(start, end, as_of, site_row.id if site_row else None,
                         lookback=lookback(versions, zones, start),
                         via=store.access(conn, end))  # fmt: skip
        # the working time the time-to-resolve figures read (store.durations): from a month
        # before (a clock met late by more is timed in a second pass) to the latest deadline
        # a clock met on time can have
        upto = reach(versions, zones, end)
        given = calendars(versions, zones, start - _BEFORE, upto)
        bounds = [d * _DAY for d in BACKLOG_DAYS]
        figs = store.month(conn, w, calendars=given, bounds=bounds, limit=breaches)
        durations = figs.durations
        if figs.untimed and figs.outside is not None:  # late or paused for weeks: time them too
            lo, hi = min(figs.outside[0], start - _BEFORE), max(figs.outside[1], upto)
            durations = store.durations(conn, w, calendars(versions, zones, lo - _DAY, hi + _DAY))
        _, policy = policies.in_force(conn, as_of - 1)
        return {
            "year": year,
            "month": mon,
            "zone": zone,
            "start": start,
            "end": end,
            "as_of": as_of,
            "complete": as_of >= end,
            "site": _site(site_row),
            "opened": store.opened(conn, w),
            "resolved": figs.resolved,
            "reopened": figs.reopened,
            "closed": figs.closed,
            "closed_by": figs.closed_by,
            "outcomes": figs.outcomes,
            "breach_total": figs.breach_total,
            "breaches": figs.breaches,
            "durations": durations,
            "backlog": figs.backlog,
            "backlog_days": BACKLOG_DAYS,
            "inspections": _inspections(conn, policy, w, site_row.id if site_row else None,
                                        zone),  # fmt: skip
            "trainings": store.trainings(conn, w),
            "visits": store.visits(conn, w),
            "parts": store.parts(conn, w),
            "bases": _bases(policy),
        }


def _site(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"code": row.code, "name": row.name, "region": row.region}


def _bases(policy: Any) -> Mapping[str, str]:
    """Clock name -> how the policy in force counts it (working or always; `mixed` when its
    classes differ), for the note under the times."""
    seen: dict[str, set[str]] = {}
    for cls in policy.classes:
        for rule in cls.clocks:
            seen.setdefault(rule.name, set()).add(rule.basis)
    return {name: next(iter(b)) if len(b) == 1 else "mixed" for name, b in seen.items()}


def this_month() -> str:
    """`YYYY-MM` of the month it is now (svcdesk's clock, `--now`) in the display zone: what
    `report monthly` reviews when no --month is given."""
    now = clock.now().astimezone(clock.display_tz())
    return f"{now.year:04d}-{now.month:02d}"


def review(db: Database, *, month: str, site: str | None = None) -> dict[str, Any]:
    """`report monthly -f json`: the review's figures for scripts (CLI.md, "JSON shapes"),
    taken from the very context the Markdown and HTML print, so the numbers are the same:
    `month, site` (its code, null: every site), `opened, closed, resolved, reopened`
    (tickets, each counted once, whose such event stands in the month), `reopen_rate`
    (percent of those resolved, null when none was), `backlog`, `breaches`, `clocks` (per
    clock: `name, due` (decided in the month), `met, breached, rate` (percent met, null: none
    due)),
    `inspections` (`done` in the service year up to the month's end, `owed` by then,
    `in_month`), `parts_cost` (of the parts replaced on the visits ended in the month, in
    currency units: 0 if none; `parts_cost_cents` the same in cents), `complete` (the month
    is over) and `as_of`, the instant the review was made as of."""
    from svcdesk.reports import monthly as report

    figs = figures(db, month=month, site=site, breaches=1)  # one listed carries the count
    local = clock.local_times(clock.display_tz())
    ctx = report.context(figs, local=local, lang="en")
    summary = ctx["summary"]
    cents = int(summary["parts_cost"])
    return {
        "month": f"{figs['year']:04d}-{figs['month']:02d}",
        "site": figs["site"]["code"] if figs["site"] else None,
        "opened": summary["opened"],
        "closed": summary["closed"],
        "resolved": summary["resolved"],
        "reopened": summary["reopened"],
        "reopen_rate": summary["reopen_rate"],
        "backlog": summary["backlog"],
        "breaches": summary["breaches"],
        "clocks": [{"name": r["name"], "due": r["total"], "met": r["met"],
                    "breached": r["breached"], "rate": r["rate"]}
                   for r in ctx["sla"]],  # fmt: skip
        "inspections": {"done": summary["inspections_year"],
                        "owed": summary["inspections_required"],
                        "in_month": summary["inspections_done"]},  # fmt: skip
        "parts_cost": cents / 100 if cents % 100 else cents // 100,
        "parts_cost_cents": cents,
        "complete": figs["complete"],
        "as_of": local(figs["as_of"]),
    }


def review_json(db: Database, *, month: str, site: str | None = None,
                out: str | None = None) -> tuple[dict[str, Any], str]:  # fmt: skip
    """`report monthly -f json`: the figures (`review`) and their JSON text, written whole to
    `out` when given (`-`: stdout), which is checked before anything is read."""
    import orjson

    from svcdesk.services.reports import STDOUT, save

    target = None if out in (None, STDOUT) else out
    if target is not None:
        from svcdesk.store.atomic import check_target

        check_target(target, force=True)  # a folder, a device in the way: said now
    figs = review(db, month=month, site=site)
    text = orjson.dumps(figs, default=_iso, option=orjson.OPT_INDENT_2).decode() + "\n"
    if target is not None:
        save(target, text)
    return figs, text


def _iso(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def monthly(db: Database, req: Request, *, month: str, site: str | None = None,
            breaches: int | None = BREACHES_SHOWN) -> Rendered:  # fmt: skip
    """`report monthly --month YYYY-MM`: the month's service review (月度服务报告)."""
    from svcdesk.reports import monthly as report

    figs = figures(db, month=month, site=site, breaches=breaches)
    local = clock.local_times(clock.display_tz())
    context = report.context(figs, local=local, lang=req.lang)
    subject = f"{figs['year']:04d}-{figs['month']:02d}"
    if figs["site"]:
        subject += f" {figs['site']['code']}"
    return produce("monthly", context, req, subject=subject)
