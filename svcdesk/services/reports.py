"""Reports as use cases: check what was asked, gather what the report shows from the store and
the other services, render it (`reports/render.py`), and write it whole.

Every report command goes the same way (`produce`): the request is checked first (the format,
the output file, the template folder, the language, Chromium for a PDF), then the records are
read in one snapshot, then the report is rendered, and only then is anything written: to a
temporary file beside `-o FILE`, renamed into place. A bad ticket, a template that fails or an
output that cannot be written leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from svcdesk import clock
from svcdesk.domain import tickets as lifecycle
from svcdesk.errors import InvalidValue
from svcdesk.reports import render as renderer
from svcdesk.store.db import Database
from svcdesk.store.schema import SiteRow
from svcdesk.store.sql import Conn

# -o FILE's suffix -> the format it means when -f is not given
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
STDOUT = "-"


@dataclass(frozen=True)
class Request:
    """What every report command is asked: the format, the language, where it goes (None:
    stdout) and the team's template folder (None: the shipped templates only)."""

    fmt: str
    lang: str
    out: str | None
    template_dir: str | None


@dataclass(frozen=True)
class Rendered:
    """A report rendered (and written to `out`, when given)."""

    name: str
    fmt: str
    lang: str
    data: str | bytes
    out: str | None
    subject: str  # what it is about: a ticket's ref, a site's code, ...


def request(db: Database, *, fmt: str | None = None, out: str | None = None,
            lang: str | None = None, template_dir: str | None = None,
            to_terminal: bool = False) -> Request:  # fmt: skip
    """The request checked, before anything is read or written: `fmt` (default: from the
    suffix of `out`, else md), `out` (`-` or None: stdout; a PDF needs one, and never goes to
    a terminal: `to_terminal` says stdout is one), the template folder, `lang` (default: the
    policy's)."""
    target = None if out in (None, STDOUT) else out
    if fmt is None:
        fmt = SUFFIXES.get(Path(target).suffix.lower(), "md") if target else "md"
    fmt = renderer.check_format(fmt)
    if fmt == "pdf" and out is None:
        raise InvalidValue("a PDF needs -o FILE.pdf (or -o - to send it down a pipe)")
    if fmt == "pdf" and target is None and to_terminal:
        raise InvalidValue("a PDF is not for a terminal: give -o FILE.pdf, or send it down a "
                           "pipe or into a file (-o - > report.pdf)")
    if target is not None:
        from svcdesk.store.atomic import check_target

        check_target(target, force=True)  # a folder, a device, a file in the way: said now
    if template_dir is not None:
        renderer.search_path(template_dir)
    if lang is None:
        from svcdesk.services import policies

        lang = policies.language_now(db)
    lang = renderer.check_lang(lang)
    if fmt == "pdf":
        from svcdesk.reports import pdf

        pdf.find_chromium()
    return Request(fmt=fmt, lang=lang, out=target, template_dir=template_dir)


def produce(name: str, context: dict[str, Any], req: Request, *, subject: str) -> Rendered:
    """Render report `name` from `context` as asked, and write it to `req.out` whole."""
    now = clock.now().astimezone(clock.display_tz())
    context = {"generated_at": now, "zone": _zone(now), **context}
    data = renderer.render(name, context, fmt=req.fmt, lang=req.lang,
                           template_dir=req.template_dir)  # fmt: skip
    if req.out is not None:
        save(req.out, data)
    return Rendered(name=name, fmt=req.fmt, lang=req.lang, data=data, out=req.out,
                    subject=subject)  # fmt: skip


def _zone(now: Any) -> str:
    """The display zone as a reader takes it: `Asia/Shanghai (UTC+08:00)`."""
    offset = now.strftime("%z")
    return f"{clock.display_tz_name()} (UTC{offset[:3]}:{offset[3:]})"


def _now() -> datetime:
    return clock.now().astimezone(clock.display_tz())


def save(out: str, data: str | bytes) -> None:
    """Write `data` to `out` whole or not at all (beside it, then renamed into place)."""
    from svcdesk.store.atomic import atomic_write

    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_write(out, force=True) as tmp:
        Path(tmp).write_bytes(raw)


# --------------------------------------------------------------------------------------------
# The incident report


def incident_context(db: Database, typed: str) -> tuple[dict[str, Any], str]:
    """The incident report's context of the ticket `typed` names, and its ref."""
    from svcdesk.reports import incident
    from svcdesk.services import inspections, sla, tickets, visits
    from svcdesk.services.records import asset_record, site_record
    from svcdesk.store import assets as asset_store
    from svcdesk.store import field as field_store
    from svcdesk.store import reports as report_store
    from svcdesk.store import sites as site_store
    from svcdesk.store import tickets as ticket_store

    with db.read() as conn:
        row = ticket_store.find(conn, typed, replica_code=db.replica_code)
        shown = tickets.show(db, row.id)
        clocks = sla.status(db, row.ref)["clocks"]
        site = site_store.by_id(conn, row.site_id)
        asset = asset_store.by_id(conn, row.asset_id) if row.asset_id else None
        times = ticket_store.event_times(conn, [row.id]).get(row.id, [])
        effective = [e.id for e in lifecycle.fold(times).effective]
        done = [visits.show(db, v.id) for v in field_store.visits(conn, ticket_id=row.id)]
        found = report_store.inspection_that_opened(conn, row.id)
        found_by = None
        if found is not None:
            seen = inspections.show(db, found.id)
            found_by = {"ref": seen["ref"], "at": seen["at"]}
    context = incident.context(
        ticket=shown, clocks=clocks, site=site_record(site),
        asset=asset_record(asset, site.code) if asset else None, visits=done,
        effective=effective, found_by=found_by, now=_now(),
    )  # fmt: skip
    return context, row.ref


def incident(db: Database, typed: str, req: Request) -> Rendered:
    """`report incident TICKET`: the ticket's incident report (问题处理汇报)."""
    context, ref = incident_context(db, typed)
    return produce("incident", context, req, subject=ref)


# --------------------------------------------------------------------------------------------
# The inspection report


def _local_day(ts: int, zone: Any) -> date:
    return datetime.fromtimestamp(ts, zone).date()


def quota_position(conn: Conn, site: SiteRow, *, on: int | None = None) -> dict[str, Any] | None:
    """Where `site` stands against its yearly quota of inspections (the plan's "每十二个月...最少
    4次"), in its service year (its own, from its contract start) that holds `on` (an
    inspection's instant; None: now), as of today (or that year's end, once it is over): the
    policy in force then, the site's zone,
    the pace rule of `domain.inspections` (`inspect due` uses the same). None: no quota."""
    from svcdesk.domain import inspections as rules
    from svcdesk.reports.inspection import quota_position as shaped
    from svcdesk.services import policies
    from svcdesk.store import field as field_store

    now = clock.now()
    now_ts = clock.to_epoch(now)
    at = on if on is not None else now_ts
    _, policy = policies.in_force(conn, at)
    settings = policy.inspections
    if settings.per_year <= 0:
        return None
    zone = clock.zone(site.tz or policy.timezone)
    from svcdesk.services.inspections import contract_start

    cy = rules.service_year_of(contract_start(site, policy), _local_day(at, zone))

    def start(day: date) -> int:
        return clock.to_epoch(datetime.combine(day, time(0), zone))

    rows = field_store.inspections(conn, site_id=site.id, since=start(cy.start),
                                   until=start(cy.end))  # fmt: skip
    days = sorted({_local_day(r.at, zone) for r in rows})
    as_of = min(now.astimezone(zone).date(), cy.end)
    pace = rules.pace(quota=settings.per_year, year_start=cy.start, year_end=cy.end,
                      done_dates=days, today=as_of,
                      within=timedelta(seconds=settings.due_soon))  # fmt: skip
    number = None
    if on is not None:
        number = sum(1 for d in days if d <= _local_day(on, zone))
    return shaped(year=cy.year, start=cy.start, last_day=cy.last_day, quota=settings.per_year,
                  number=number, pace=pace, as_of=min(as_of, cy.last_day))  # fmt: skip


def inspection_context(db: Database, typed: str, *, lang: str) -> tuple[dict[str, Any], str]:
    """The inspection report's context of the inspection `typed` names (its items' labels in
    `lang`), and its ref."""
    from svcdesk.reports import inspection
    from svcdesk.services import inspections, visits
    from svcdesk.services.records import site_record
    from svcdesk.store import field as field_store
    from svcdesk.store import sites as site_store
    from svcdesk.store import tickets as ticket_store

    with db.read() as conn:
        row = field_store.find_inspection(conn, typed, replica_code=db.replica_code)
        shown = inspections.show(db, row.id)
        site = site_store.by_id(conn, row.site_id)
        visit = visits.show(db, row.visit_id) if row.visit_id else None
        opened = {}
        for ref in shown.get("tickets", []):
            t = ticket_store.find(conn, ref, replica_code=db.replica_code)
            opened[ref] = {"ref": t.ref, "title": t.title, "status": t.status,
                           "severity": t.severity}  # fmt: skip
        quota = quota_position(conn, site, on=row.at)
    context = inspection.context(inspection=shown, site=site_record(site), visit=visit,
                                 tickets=opened, quota=quota, now=_now(),
                                 lang=lang)  # fmt: skip
    return context, row.ref


def inspection(db: Database, typed: str, req: Request) -> Rendered:
    """`report inspection INSPECTION`: the inspection report (巡检汇报)."""
    context, ref = inspection_context(db, typed, lang=req.lang)
    return produce("inspection", context, req, subject=ref)


# --------------------------------------------------------------------------------------------
# The overdue report


def overdue_context(db: Database, *, within: str | None = None,
                    site: str | None = None) -> tuple[dict[str, Any], str]:  # fmt: skip
    """The overdue report's context: what `sla overdue` lists (with `within`, also what is due
    inside that window), at every site or one."""
    from svcdesk.reports import overdue
    from svcdesk.services import sla
    from svcdesk.services.records import site_record
    from svcdesk.store import sites as site_store

    seconds = clock.within_seconds(within) if within is not None else None
    with db.read() as conn:
        chosen = site_store.find(conn, site) if site else None
        names = {s.code: s.name for s in site_store.all_sites(conn)}
        clocks = list(sla.overdue(db, within=within, site=site))
    context = overdue.context(clocks=clocks, site_names=names, within=seconds,
                              site=site_record(chosen) if chosen else None,
                              now=_now())  # fmt: skip
    return context, chosen.code if chosen else "every site"


def overdue_report(db: Database, req: Request, *, within: str | None = None,
                   site: str | None = None) -> Rendered:  # fmt: skip
    """`report overdue`: the breached clocks (and those due within `within`) as a report."""
    context, subject = overdue_context(db, within=within, site=site)
    return produce("overdue", context, req, subject=subject)


# --------------------------------------------------------------------------------------------
# The site dossier

DOSSIER_DAYS = 365  # the default period of a site dossier: the last 12 months


def site_context(db: Database, typed: str, *, since: str | None = None
                 ) -> tuple[dict[str, Any], str]:  # fmt: skip
    """The site dossier's context: the site's assets with their warranty today, its tickets
    not closed and those opened or changed since `since` (a date; default a year ago), the
    visits and inspections since then, and its quota position this contract year."""
    from svcdesk.reports import site as dossier
    from svcdesk.services import derived, inspections, visits, warranty
    from svcdesk.services.records import asset_record, site_record
    from svcdesk.store import assets as asset_store
    from svcdesk.store import field as field_store
    from svcdesk.store import reports as report_store
    from svcdesk.store import sites as site_store
    from svcdesk.store import tickets as ticket_store

    zone = clock.display_tz()
    now = clock.now()
    today = now.astimezone(zone).date()
    first = (date.fromisoformat(clock.parse_date(since, what="--since")) if since
             else today - timedelta(days=DOSSIER_DAYS))  # fmt: skip
    if first > today:
        raise InvalidValue(f"--since {first.isoformat()} is after today")
    start = clock.to_epoch(datetime.combine(first, time(0), zone))
    now_ts = clock.to_epoch(now)
    local = clock.local_times(zone)
    with db.read() as conn:
        row = site_store.find(conn, typed)
        assets = []
        for a, code in asset_store.listing(conn, site_id=row.id):
            assets.append({**asset_record(a, code), "warranty": warranty.decision(conn, a, today)})
        listed = report_store.site_tickets(conn, site_id=row.id, since=start)
        times = ticket_store.event_times(conn, [t.id for t, _ in listed])
        tickets = []
        for t, clocks in listed:
            effective = lifecycle.fold(times.get(t.id, [])).effective
            resolved = [e.at for e in effective if e.kind == "resolved"]
            tickets.append({
                "ref": t.ref, "title": t.title, "category": t.category, "severity": t.severity,
                "status": t.status, "assignee": t.assignee, "opened_at": local(t.opened_at),
                "resolved_at": local(resolved[-1]) if resolved and t.status in (
                    "resolved", "closed") else None,
                "clocks": derived.clock_records(t.ref, clocks, now_ts, local),
            })  # fmt: skip
        done = [visits.show(db, v.id) for v in field_store.visits(conn, site_id=row.id,
                                                                  since=start)]  # fmt: skip
        checked = [inspections.show(db, i.id) for i in field_store.inspections(
            conn, site_id=row.id, since=start)]  # fmt: skip
        quota = quota_position(conn, row)
    context = dossier.context(site=site_record(row), assets=assets, tickets=tickets,
                              visits=done, inspections=checked, quota=quota, since=first,
                              now=_now())  # fmt: skip
    return context, row.code


def site_report(db: Database, typed: str, req: Request, *,
                since: str | None = None) -> Rendered:  # fmt: skip
    """`report site SITE`: the site dossier (服务档案)."""
    context, code = site_context(db, typed, since=since)
    return produce("site", context, req, subject=code)
