"""svcdesk site: the customer sites tickets and assets belong to."""

from __future__ import annotations

import typer

from svcdesk.cli.common import at_option, fmt_option, get_db

app = typer.Typer(help="Customer sites.", no_args_is_help=True, rich_markup_mode=None)


def _views():
    from svcdesk.output import Col

    cols = [
        Col("code", "CODE"),
        Col("name", "NAME"),
        Col("region", "REGION"),
        Col("contact", "CONTACT"),
        Col("open_tickets", "OPEN", "count"),
    ]
    fields = [
        Col("code", "Code"),
        Col("name", "Name"),
        Col("region", "Region"),
        Col("tz", "Time zone"),
        Col("contact", "Contact"),
        Col("open_tickets", "Open tickets"),
        Col("assets", "Assets"),
        Col("created_at", "Added", "instant"),
        Col("id", "Id"),
    ]
    return cols, fields


@app.command("add")
def add(
    code: str = typer.Argument(..., help="Short unique code, e.g. BJ-HD."),
    name: str = typer.Option(..., "--name", help="Full name of the site."),
    tz: str = typer.Option(None, "--tz", help="The site's time zone (default: the policy's)."),
    region: str = typer.Option(None, "--region"),
    contact: str = typer.Option(None, "--contact", help="Contact person and phone."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> None:
    """Register a customer site.

    \b
    Example:
      svcdesk site add BJ-HD --name "Beijing Haidian District Tax Bureau" --region Beijing
    """
    from svcdesk import output
    from svcdesk.services import sites

    rec = sites.add_site(
        get_db(), code=code, name=name, tz=tz, region=region, contact=contact, at=at
    )
    output.render_record(rec, _views()[1], fmt)


@app.command("list")
def list_(fmt: str = fmt_option()) -> None:
    """List every site with its number of open tickets.

    \b
    Example:
      svcdesk site list -f csv > sites.csv
    """
    from svcdesk import output
    from svcdesk.services import sites

    output.render_list(sites.list_sites(get_db()), _views()[0], fmt, empty="no sites yet")


@app.command("show")
def show(
    site: str = typer.Argument(..., help="Site code or a unique prefix."), fmt: str = fmt_option()
) -> None:
    """Show one site.

    \b
    Example:
      svcdesk site show BJ-HD
    """
    from svcdesk import output
    from svcdesk.services import sites

    output.render_record(sites.show_site(get_db(), site), _views()[1], fmt)
