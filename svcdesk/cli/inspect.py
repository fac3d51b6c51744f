"""svcdesk inspect: on-site inspections against the checklist, the yearly quota, the plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import (
    ask,
    at_option,
    check_option,
    fmt_option,
    get_db,
    interactive,
    notify,
    renders,
)

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="On-site inspections: record one against the checklist, see who is behind the "
    "yearly quota, plan the year as a calendar.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

RESULTS = ("ok", "fault", "not_applicable")
CHECKLIST_KEYS = ("servers", "database", "os", "network", "backups", "queue_machines",
                  "led_screens", "dvr", "ups")  # fmt: skip
"""The default policy's checklist keys, in its order: a constant so that `--help` reads no
policy (tests/cli/test_checklist_help.py holds it equal to the shipped policy's checklist)."""

RECORD_HELP = f"""Record an inspection: each checklist item ok, fault or not_applicable (na), with a
finding.

The results file names each item by its key in the policy's checklist; the default policy's
keys are: {", ".join(CHECKLIST_KEYS)} ('svcdesk sla policy show' lists the checklist in
force). Items left out were not inspected:

\b
  servers = "ok"
  ups = "na"
  [led_screens]
  result = "fault"
  finding = "two modules dark in row 3"

\b
Example:
  svcdesk inspect record --site BJ-HD --results oct.toml --signed-by "Wang Li"
  svcdesk inspect record --site BJ-HD --visit 3 --open-tickets   (asks item by item)
"""
INSPECTION_KEYS = ("id", "ref", "site", "visit", "at", "items", "faults", "signed_by", "tickets")
DUE_KEYS = ("kind", "site", "ticket", "what", "due_at", "state", "seconds_left", "next_due",
            "year", "quota", "required", "done", "behind")  # fmt: skip

INSPECTION_ARG = typer.Argument(
    ..., metavar="INSPECTION", help="Inspection ref (KQ7M-I3), here also I3 or 3, or a prefix."
)
SITE_OPTION = typer.Option(
    None, "--site", metavar="SITE", help="Only this site.", autocompletion=complete.sites
)


def _cols() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("ref", "REF"),
        Col("site", "SITE"),
        Col("at", "AT", "instant"),
        Col("faults", "FAULTS", "count"),
        Col("visit", "VISIT", drop=2),
        Col("signed_by", "SIGNED BY", drop=1),
    ]


def _inspection(rec: dict[str, Any]) -> Result:
    from svcdesk import output
    from svcdesk.output import Col, Section

    fields = [
        Col("ref", "Inspection"),
        Col("site", "Site"),
        Col("visit", "Visit"),
        Col("at", "At", "instant"),
        Col("faults", "Faults"),
        Col("signed_by", "Signed by"),
        Col("tickets_text", "Tickets opened"),
        Col("id", "Id"),
    ]
    items = Section("items", "Checklist", [
        Col("item_label", "ITEM"),
        Col("result", "RESULT"),
        Col("finding", "FINDING"),
        Col("ticket", "TICKET"),
    ])  # fmt: skip

    def human(r: dict[str, Any]) -> dict[str, Any]:
        rows = [{**i, "item_label": f"{i['label_zh']} {i['label']}"} for i in r["items"]]
        return {**r, "items": rows, "tickets_text": ", ".join(r["tickets"]) or None}

    return output.Result(record=rec, fields=fields, sections=[items], human=human)


def _prompted(checklist: list[dict[str, str]]) -> dict[str, tuple[str, str | None]]:
    """Each checklist item asked in turn: its result, and for a fault what was found."""
    from svcdesk.domain.inspections import result_of

    typer.echo("Result of each item: ok, fault or not_applicable (na) (Ctrl-C: nothing is "
               "written).", err=True)  # fmt: skip
    out: dict[str, tuple[str, str | None]] = {}
    for n, item in enumerate(checklist, 1):
        label = f"[{n}/{len(checklist)}] {item['key']}: {item['label_zh']} {item['label']}"
        result = result_of(ask(f"{label} ({'/'.join(RESULTS)}/na)", default="ok",
                               check=result_of))  # fmt: skip
        finding = ask("  Finding / 发现的问题") if result == "fault" else None
        out[item["key"]] = (result, finding)
    return out


@app.command("record", help=RECORD_HELP)
@renders
def record(
    site: str = typer.Option(..., "--site", metavar="SITE", help="Site code.",
                             autocompletion=complete.sites),  # fmt: skip
    visit: str = typer.Option(None, "--visit", metavar="VISIT",
                              help="The visit this inspection was made on (same site)."),
    results: str = typer.Option(
        None, "--results", metavar="FILE.toml",
        help="Each item's result from a TOML file (see below); default: asked item by item "
        "on a terminal.",
    ),
    signed_by: str = typer.Option(None, "--signed-by", metavar="NAME",
                                  help="The customer's sign-off name."),
    open_tickets: bool = typer.Option(
        False, "--open-tickets", "--ticket-on-fault",
        help="Open a ticket for each fault found, in the same command.",
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    # Its help is RECORD_HELP (above): it names the default policy's checklist keys.
    from svcdesk import clock
    from svcdesk.errors import InvalidValue
    from svcdesk.services import inspections, sites

    db = get_db()
    if results is not None:
        given = inspections.read_results(results)
    elif not interactive():
        raise InvalidValue("missing --results FILE.toml (required when not on a terminal; "
                           "see 'svcdesk inspect record --help' for its format)")  # fmt: skip
    else:
        when = clock.recorded_at(at)  # refused before a question is asked
        sites.show_site(db, site)
        given = _prompted(inspections.checklist(db, at=when))
    rec = inspections.record_inspection(db, site=site, results=given, visit=visit,
                                        signed_by=signed_by, at=at,
                                        open_tickets=open_tickets)  # fmt: skip
    for ref in rec["tickets"]:
        notify(f"opened ticket {ref} for a fault")
    return _inspection(rec)


@app.command("list")
@renders
def list_(
    site: str = SITE_OPTION,
    year: int = typer.Option(None, "--year", metavar="YEAR",
                             help="Only each site's service year that starts in this "
                             "year (from its contract start)."),  # fmt: skip
    fmt: str = fmt_option(),
) -> Result:
    """List inspections, oldest first.

    \b
    Example:
      svcdesk inspect list --site BJ-HD --year 2026 -f json
    """
    from svcdesk import output
    from svcdesk.services import inspections

    rows = inspections.list_inspections(get_db(), site=site, year=year)
    return output.Result(rows=rows, cols=_cols(), empty="no inspections match",
                         keys=INSPECTION_KEYS)  # fmt: skip


@app.command("show")
@renders
def show(inspection: str = INSPECTION_ARG, fmt: str = fmt_option()) -> Result:
    """Show one inspection with each item's result.

    \b
    Example:
      svcdesk inspect show 3 -f json
    """
    from svcdesk.services import inspections

    return _inspection(inspections.show_inspection(get_db(), inspection))


@app.command("due")
@renders
def due(
    within: str = typer.Option(None, "--within", metavar="DURATION",
                               help="Also list what is due within this (default: the "
                               "policy's due_soon, 14d)."),  # fmt: skip
    site: str = SITE_OPTION,
    check: bool = check_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Sites behind their yearly quota, or with an inspection due soon, most urgent first.

    A site behind has its next inspection due on the last day of the first period not yet
    covered (overdue: catch up), never merely "today".

    \b
    Example:
      svcdesk inspect due --within 30d
      svcdesk inspect due --check || echo "inspections are due"
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import inspections

    rows = inspections.inspections_due(get_db(), within=within, site=site)
    cols = [
        Col("site", "SITE"),
        Col("state", "STATE"),
        Col("next_due", "DUE BY"),
        Col("seconds_left", "LEFT", "relative"),
        Col("done", "DONE", "count"),
        Col("required", "REQUIRED", "count"),
        Col("quota", "QUOTA", "count", drop=1),
        Col("what", "WHAT", drop=2),
    ]
    return output.Result(rows=rows, cols=cols, empty="every site keeps pace", check=check,
                         keys=DUE_KEYS)  # fmt: skip


@app.command("plan")
@renders
def plan(
    year: int = typer.Option(..., "--year", metavar="YEAR",
                             help="The calendar year to plan."),  # fmt: skip
    site: str = SITE_OPTION,
    engineer: str = typer.Option(None, "--engineer", metavar="NAME",
                                 help="The engineer named in the events, planned at one "
                                 "site a day."),  # fmt: skip
    out: str = typer.Option(None, "-o", "--output", metavar="FILE.ics",
                            help="Write the plan here (replaced whole; a slot that moved since "
                            "the last plan raises its SEQUENCE). Default: stdout."),  # fmt: skip
    fmt: str = fmt_option(),
) -> Result:
    """Plan the year's inspections as an iCalendar file: every inspection still owed in each
    site's own service years (from its contract start), spread over the pace periods on working
    days of its calendar, none before now. Inspections already late are planned first, on the
    first working days ahead, and named on stderr; an --engineer is never planned at two
    sites on one day.

    \b
    Example:
      svcdesk inspect plan --year 2026 -o inspections-2026.ics
      svcdesk inspect plan --year 2026 --site BJ-HD --engineer "Zhang Min" > bj.ics
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import inspections

    previous = inspections.previous_plan(out) if out is not None else None
    made = inspections.plan(get_db(), year=year, site=site, engineer=engineer,
                            previous=previous)  # fmt: skip
    ics: bytes = made.pop("ics")
    notes = made.pop("notes")
    if out is None:
        return output.Result(text=ics.decode("utf-8"), notes=notes)
    inspections.save_plan(out, ics)
    made["file"] = out
    fields = [Col("file", "File"), Col("year", "Year"), Col("sites", "Sites"),
              Col("inspections", "Inspections"), Col("moved", "Moved"),
              Col("first", "First"), Col("last", "Last")]  # fmt: skip
    message = (f"wrote {made['inspections']} inspections at {made['sites']} sites to {out}"
               + (f" ({made['moved']} moved)" if made["moved"] else ""))
    return output.Result(record=made, fields=fields, message=message, brief=True, notes=notes)
