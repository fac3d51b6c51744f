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
from pathlib import Path
from typing import Any

from svcdesk import clock
from svcdesk.domain import tickets as lifecycle
from svcdesk.errors import InvalidValue
from svcdesk.reports import render as renderer
from svcdesk.store.db import Database

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
        effective=effective, found_by=found_by, now=clock.now().astimezone(clock.display_tz()),
    )  # fmt: skip
    return context, row.ref


def incident(db: Database, typed: str, req: Request) -> Rendered:
    """`report incident TICKET`: the ticket's incident report (问题处理汇报)."""
    context, ref = incident_context(db, typed)
    return produce("incident", context, req, subject=ref)
