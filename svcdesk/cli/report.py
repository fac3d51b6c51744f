"""svcdesk report: the written reports the service contract promises (Markdown, HTML, PDF)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from svcdesk.cli import complete, report_digest, report_monthly, report_options
from svcdesk.cli.common import get_db

if TYPE_CHECKING:
    pass

app = typer.Typer(
    help="Reports: incident, inspection, monthly review, overdue, site dossier (Markdown, HTML "
    "or PDF).",
    no_args_is_help=True,
    rich_markup_mode=None,
)



@app.command("incident")
def incident(
    ticket: str = typer.Argument(..., metavar="TICKET", help="Ticket ref, number or prefix.",
                                 autocompletion=complete.tickets),
    fmt: str = report_options.fmt_option(),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
) -> None:
    """The incident report of a ticket (问题处理汇报): problem type, cause, method used and
    losses, the timeline, each SLA clock's outcome, the engineers, the visits with the parts
    replaced and their warranty, and the customer's consent.

    \b
    Example:
      svcdesk report incident 12 -o incident-12.pdf
      svcdesk report incident KQ7M-12 -f html --lang en > incident.html
    """
    from svcdesk.services import reports

    req = report_options.request(fmt, out, lang, template_dir)
    done = reports.incident(get_db(), ticket, req)
    report_options.emit(done, f"incident report of {done.subject}")


@app.command("inspection")
def inspection(
    ref: str = typer.Argument(..., metavar="INSPECTION",
                              help="Inspection ref (KQ7M-I3), here also I3 or 3, or a prefix."),
    fmt: str = report_options.fmt_option(),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
) -> None:
    """The inspection report (巡检汇报): every checklist item with its result and finding, the
    faults found and the tickets they opened, the sign-off, and the site's inspections this
    contract year against its quota.

    \b
    Example:
      svcdesk report inspection 3 -o inspection-3.pdf
    """
    from svcdesk.services import reports

    req = report_options.request(fmt, out, lang, template_dir)
    done = reports.inspection(get_db(), ref, req)
    report_options.emit(done, f"inspection report of {done.subject}")


@app.command("overdue")
def overdue(
    within: str = typer.Option(None, "--within", metavar="DURATION",
                               help="Also the clocks due within this time, e.g. 4h."),
    site: str = typer.Option(None, "--site", metavar="SITE", help="Only this site.",
                             autocompletion=complete.sites),
    fmt: str = report_options.fmt_option(),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
) -> None:
    """What `sla overdue` lists, as a report: every breached clock (and with --within, those
    due soon), earliest deadline first, with a count per site.

    \b
    Example:
      svcdesk report overdue --within 4h -f html -o overdue.html
    """
    from svcdesk.services import reports

    req = report_options.request(fmt, out, lang, template_dir)
    done = reports.overdue_report(get_db(), req, within=within, site=site)
    report_options.emit(done, f"overdue report of {done.subject}")


@app.command("site")
def site(
    code: str = typer.Argument(..., metavar="SITE", help="Site code or a unique prefix.",
                               autocompletion=complete.sites),
    since: str = typer.Option(None, "--since", metavar="DATE",
                              help="The period's first day (default: a year ago)."),
    fmt: str = report_options.fmt_option(),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
) -> None:
    """The site dossier (服务档案): the site's equipment and its warranty today, its tickets
    not closed and those of the period, the visits, and its inspections against the quota.

    \b
    Example:
      svcdesk report site BJ-HD -o bj-hd.pdf
      svcdesk report site BJ-HD --since 2026-01-01 -f md
    """
    from svcdesk.services import reports

    req = report_options.request(fmt, out, lang, template_dir)
    done = reports.site_report(get_db(), code, req, since=since)
    report_options.emit(done, f"site dossier of {done.subject}")


app.command("monthly")(report_monthly.monthly)  # the monthly review, in a module of its own
app.command("digest")(report_digest.digest)  # the operators' FAQ digest (also `kb digest`)
