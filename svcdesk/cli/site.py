"""svcdesk site: the customer sites tickets and assets belong to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import at_option, fmt_option, get_db, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(help="Customer sites.", no_args_is_help=True, rich_markup_mode=None)


@app.command("add")
@renders
def add(
    code: str = typer.Argument(..., help="Short unique code, e.g. BJ-HD."),
    name: str = typer.Option(..., "--name", help="Full name of the site."),
    tz: str = typer.Option(None, "--tz", help="The site's time zone (default: the policy's)."),
    region: str = typer.Option(None, "--region"),
    contact: str = typer.Option(None, "--contact", help="Contact person and phone."),
    contract_start: str = typer.Option(
        None, "--contract-start", metavar="DATE",
        help="The day the site's 12-month service periods start (the inspection quota counts "
        "in them); default: the day it is added.",
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Register a customer site.

    \b
    Example:
      svcdesk site add BJ-HD --name "Beijing Haidian District Tax Bureau" --region Beijing
      svcdesk site add SH-PD --name "Shanghai Pudong" --contract-start 2026-07-01
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sites

    rec = sites.add_site(get_db(), code=code, name=name, tz=tz, region=region, contact=contact,
                         at=at, contract_start=contract_start)  # fmt: skip
    return output.Result(record=rec, fields=views.SITE_FIELDS)


@app.command("list")
@renders
def list_(fmt: str = fmt_option()) -> Result:
    """List every site with its number of open tickets.

    \b
    Example:
      svcdesk site list -f csv > sites.csv
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sites

    return output.Result(
        rows=sites.list_sites(get_db()), cols=views.SITE_COLS, empty="no sites yet"
    )


@app.command("show")
@renders
def show(
    site: str = typer.Argument(
        ..., help="Site code or a unique prefix.", autocompletion=complete.sites
    ),
    fmt: str = fmt_option(),
) -> Result:
    """Show one site.

    \b
    Example:
      svcdesk site show BJ-HD
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sites

    return output.Result(record=sites.show_site(get_db(), site), fields=views.SITE_FIELDS)


@app.command("edit")
@renders
def edit(
    site: str = typer.Argument(
        ..., help="Site code or a unique prefix.", autocompletion=complete.sites
    ),
    code: str = typer.Option(None, "--code", help="A new code (the old one keeps working)."),
    name: str = typer.Option(None, "--name", help="Full name of the site."),
    tz: str = typer.Option(None, "--tz", help="The site's time zone (\"\" for the policy's)."),
    region: str = typer.Option(None, "--region", help='Region ("" clears it).'),
    contact: str = typer.Option(None, "--contact", help='Contact person and phone ("" clears it).'),
    contract_start: str = typer.Option(
        None, "--contract-start", metavar="DATE",
        help="The day the site's 12-month service periods start (the inspection quota counts "
        "in them).",
    ),
    fmt: str = fmt_option(),
) -> Result:
    """Change what is given of a site; a new code keeps the old one as an alias.

    \b
    Example:
      svcdesk site edit BJ-HD --code BJ-HDQ --contact "Wang Li 139..."
      svcdesk site edit BJ-HD --contract-start 2026-04-01
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sites

    rec = sites.edit_site(get_db(), site, code=code, name=name, tz=tz, region=region,
                          contact=contact, contract_start=contract_start)  # fmt: skip
    return output.Result(record=rec, fields=views.SITE_FIELDS)


@app.command("merge")
@renders
def merge(
    site: str = typer.Argument(
        ..., help="The duplicate site (code).", autocompletion=complete.sites
    ),
    into: str = typer.Argument(
        ..., metavar="INTO_SITE", help="The site to keep (code).", autocompletion=complete.sites
    ),
    fmt: str = fmt_option(),
) -> Result:
    """Join two records of one site: SITE's tickets and assets move to INTO_SITE, and its code
    keeps working.

    \b
    Example:
      svcdesk site merge BJHD BJ-HD
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sites

    rec = sites.merge_sites(get_db(), site, into)
    return output.Result(record=rec, fields=views.SITE_FIELDS)
