"""svcdesk due: one board of every obligation overdue or due soon (cron: `due --check -q`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import check_option, fmt_option, get_db, quiet_option, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

DUE_KEYS = ("kind", "site", "ticket", "what", "due_at", "state", "seconds_left")


def due_cols() -> list[Any]:
    from svcdesk.cli import views
    from svcdesk.output import Col

    return [
        Col("kind", "KIND"),
        Col("site", "SITE"),
        Col("ticket", "TICKET", drop=2),
        Col("due_at", "DUE", "instant"),
        views.left_col(None),
        Col("state", "STATE", drop=1),
        Col("what", "WHAT"),
    ]


@renders
def due(
    within: str = typer.Option(
        None, "--within", metavar="DURATION",
        help="How far ahead to look, for every kind (default: clocks 4h, trainings and digests "
        "7d, inspections the policy's due_soon).",
    ),
    site: str = typer.Option(None, "--site", metavar="SITE", help="Only this site.",
                             autocompletion=complete.sites),
    engineer: str = typer.Option(
        None, "--engineer", metavar="NAME",
        help="Only tickets assigned to them and the sites they visited this past year (any case).",
    ),
    check: bool = check_option(),
    quiet: bool = quiet_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Every obligation overdue or due soon, most urgent first: SLA clocks, incident reports,
    inspections behind their yearly pace, trainings owed after major upgrades, the operators'
    FAQ digest.

    Prints nothing when nothing is due, so cron mails only when there is work.

    \b
    Example:
      svcdesk due --site BJ-HD
      svcdesk due --engineer "Zhang Min" --within 2d
      svcdesk due --check -q || mail -s "svcdesk: obligations due" desk@example.com
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import due as service

    rows = service.board(get_db(), within=within, site=site, engineer=engineer)
    return output.Result(rows=rows, cols=due_cols(), empty="nothing is due",
                         style=views.urgency_style, check=check or quiet, quiet=quiet,
                         keys=DUE_KEYS)  # fmt: skip
