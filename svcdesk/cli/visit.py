"""svcdesk visit: engineers on site, the parts they replaced, and the time they spent there."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import at_option, fmt_option, get_db, notify, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="On-site visits: start, end with parts and sign-off, time on site.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

# services/visits.py KINDS (a test checks they agree); here for completion without the store
KINDS = ("repair", "inspection", "training", "install", "upgrade")
# the fields of a visit (its JSON and CSV columns, the CSV header of an empty list)
VISIT_KEYS = ("id", "ref", "site", "ticket", "engineer", "kind", "started_at", "ended_at",
              "minutes", "summary", "parts", "signed_by")  # fmt: skip

VISIT_ARG = typer.Argument(
    ..., metavar="VISIT", help="Visit ref (KQ7M-V3), here also V3 or 3, or a unique prefix."
)


def _site_filter() -> Any:
    return typer.Option(
        None, "--site", metavar="SITE", help="Only this site.", autocompletion=complete.sites
    )


def _engineer_filter() -> Any:
    return typer.Option(None, "--engineer", metavar="NAME", help="Only this engineer (any case).")


def _since_filter() -> Any:
    return typer.Option(None, "--since", metavar="INSTANT", help="Started at or after.")


def _until_filter() -> Any:
    return typer.Option(None, "--until", metavar="INSTANT", help="Started before.")


def _visit_cols() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("ref", "REF"),
        Col("site", "SITE"),
        Col("engineer", "ENGINEER"),
        Col("kind", "KIND", drop=2),
        Col("started_at", "STARTED", "instant"),
        Col("ended_at", "ENDED", "instant", drop=1),
        Col("minutes", "MIN", "count"),
        Col("ticket", "TICKET", drop=3),
        Col("summary", "SUMMARY"),
    ]


def _visit(rec: dict[str, Any]) -> Result:
    """A visit as `visit show` shows it: its fields, then the parts replaced."""
    from svcdesk import output
    from svcdesk.output import Col, Section

    fields = [
        Col("ref", "Visit"),
        Col("site", "Site"),
        Col("ticket", "Ticket"),
        Col("engineer", "Engineer"),
        Col("kind", "Kind"),
        Col("started_at", "Started", "instant"),
        Col("ended_at", "Ended", "instant"),
        Col("minutes", "Minutes"),
        Col("summary", "Summary"),
        Col("signed_by", "Signed by"),
        Col("id", "Id"),
    ]
    parts = Section("parts", "Parts replaced", [
        Col("serial_out", "OUT"),
        Col("serial_in", "IN"),
        Col("asset", "ASSET"),
        Col("cost", "COST"),
        Col("coverage", "COVERAGE"),
        Col("why", "WHY"),
    ])  # fmt: skip
    return output.Result(record=rec, fields=fields, sections=[parts], human=_human)


def _human(rec: dict[str, Any]) -> dict[str, Any]:
    """Each part's reasons as one cell (the last sentence says why it is paid)."""
    parts = [{**p, "why": "; ".join(p.get("reasons") or [])} for p in rec.get("parts", [])]
    return {**rec, "parts": parts}


@app.command("start")
@renders
def start(
    site: str = typer.Option(
        None, "--site", metavar="SITE", help="Site code (default: the ticket's site).",
        autocompletion=complete.sites,
    ),
    ticket: str = typer.Option(
        None, "--ticket", metavar="TICKET",
        help="The ticket this visit is for: its arrival is recorded too.",
        autocompletion=complete.tickets,
    ),
    engineer: str = typer.Option(
        None, "--engineer", metavar="NAME", help="Who is on site (default: you)."
    ),
    kind: str = typer.Option(
        None, "--kind", metavar="KIND",
        help="repair, inspection, training, install or upgrade (default: repair for a ticket, "
        "upgrade for an upgrade request, else inspection).",
        autocompletion=lambda: list(KINDS),
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Start a visit at a site; for a ticket, its arrival is recorded (its on-site clock met).

    \b
    Example:
      svcdesk visit start --site BJ-HD --ticket 12 --engineer "Zhang Min"
      svcdesk visit start --site SH-PD --kind inspection --at 09:30
    """
    from svcdesk.services import visits

    rec = visits.start_visit(get_db(), site=site, ticket=ticket, engineer=engineer, kind=kind,
                             at=at)  # fmt: skip
    return _visit(rec)


@app.command("end")
@renders
def end(
    visit: str = VISIT_ARG,
    summary: str = typer.Option(..., "--summary", metavar="TEXT", help="What was done."),
    part: list[str] = typer.Option(
        None, "--part", metavar="SERIAL_OUT:SERIAL_IN[:COST]",
        help="A part replaced: the faulty serial, the replacement's, the cost (e.g. 350 or "
        "350.50). Repeat for each part.",
    ),
    signed_by: str = typer.Option(None, "--signed-by", metavar="NAME",
                                  help="The customer's sign-off name."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """End a visit: its summary, the parts replaced (each checked against its asset's warranty:
    a replacement the warranty does not make free is marked paid) and the customer's sign-off.

    \b
    Example:
      svcdesk visit end 3 --summary "Replaced the LED module" \\
        --part LED-2291-77:LED-3310-05:350 --signed-by "Wang Li"
    """
    from svcdesk.services import visits

    rec = visits.end_visit(get_db(), visit, summary=summary, parts=part or [],
                           signed_by=signed_by, at=at, notify=notify)  # fmt: skip
    return _visit(rec)


@app.command("list")
@renders
def list_(
    site: str = _site_filter(),
    engineer: str = _engineer_filter(),
    since: str = _since_filter(),
    until: str = _until_filter(),
    fmt: str = fmt_option(),
) -> Result:
    """List visits, oldest first.

    \b
    Example:
      svcdesk visit list --site BJ-HD --since 2026-10-01 -f json
    """
    from svcdesk import output
    from svcdesk.services import visits

    rows = visits.list_visits(get_db(), site=site, engineer=engineer, since=since, until=until)
    return output.Result(rows=rows, cols=_visit_cols(), empty="no visits match", keys=VISIT_KEYS)


@app.command("show")
@renders
def show(visit: str = VISIT_ARG, fmt: str = fmt_option()) -> Result:
    """Show one visit with the parts replaced.

    \b
    Example:
      svcdesk visit show 3 -f json
    """
    from svcdesk.services import visits

    return _visit(visits.show_visit(get_db(), visit))


@app.command("hours")
@renders
def hours(
    site: str = _site_filter(),
    engineer: str = _engineer_filter(),
    since: str = _since_filter(),
    until: str = _until_filter(),
    fmt: str = fmt_option(),
) -> Result:
    """Time on site per engineer and site (ended visits; open ones are counted apart).

    \b
    Example:
      svcdesk visit hours --since 2026-10-01 --until 2026-11-01
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import visits

    rows = visits.time_on_site(get_db(), site=site, engineer=engineer, since=since, until=until)
    cols = [
        Col("engineer", "ENGINEER"),
        Col("site", "SITE"),
        Col("visits", "VISITS", "count"),
        Col("seconds", "TIME", "duration"),
        Col("open", "OPEN", "count"),
    ]
    return output.Result(rows=rows, cols=cols, empty="no visits match")
