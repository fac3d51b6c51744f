"""svcdesk warranty: is this device covered, for repair, replacement, support, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import fmt_option, get_db, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="Warranty decisions and what is about to expire.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("check")
@renders
def check(
    asset: str = typer.Argument(
        ...,
        metavar="ASSET",
        help="Asset ref, its serial number (any case), or a unique prefix.",
        autocompletion=complete.assets,
    ),
    on: str = typer.Option(
        None, "--on", metavar="DATE", help="The date asked about (default today)."
    ),
    for_: str = typer.Option(
        None,
        "--for",
        metavar="SERVICE",
        help="repair, replacement or support: exit 0 when covered free, 3 otherwise.",
        autocompletion=lambda: ["repair", "replacement", "support"],
    ),
    fmt: str = fmt_option(),
) -> Result:
    """The warranty decision for an asset: free, paid or not covered, with the rules behind it.

    \b
    Example:
      svcdesk warranty check KQ7M-A3 --for replacement && echo "swap it"
      svcdesk warranty check 6Q0787XPAZ94326
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.errors import ExitCode
    from svcdesk.services import warranty

    result = warranty.check(get_db(), asset, on=on, service=for_)
    covered = for_ is None or result[result["asked"]] == "free"
    return output.Result(
        record=result,
        fields=views.WARRANTY_FIELDS,
        sections=views.WARRANTY_SECTIONS,
        human=views.warranty_human,
        exit_code=ExitCode.OK if covered else ExitCode.FOUND,
    )


@app.command("expiring")
@renders
def expiring(
    within: str = typer.Option(
        "90d", "--within", metavar="DURATION", help="How far ahead to look (default 90d)."
    ),
    site: str = typer.Option(None, "--site", help="Only this site.", autocompletion=complete.sites),
    fmt: str = fmt_option(),
) -> Result:
    """Assets whose warranty ends, or that cross an age limit, within the window, by site.

    \b
    Example:
      svcdesk warranty expiring --within 180d --site BJ-HD
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import warranty

    rows = warranty.expiring(get_db(), within=within, site=site)
    return output.Result(
        rows=rows, cols=views.EXPIRING_COLS, empty=f"nothing expires within {within}"
    )
