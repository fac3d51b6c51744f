"""svcdesk warranty: is this device covered, for repair, replacement, support, and why."""

from __future__ import annotations

import typer

from svcdesk.cli.common import fmt_option, get_db

app = typer.Typer(
    help="Warranty decisions and what is about to expire.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("check")
def check(
    asset: str = typer.Argument(..., metavar="ASSET", help="Asset ref or a unique prefix."),
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
) -> None:
    """The warranty decision for an asset: free, paid or not covered, with the rules behind it.

    \b
    Example:
      svcdesk warranty check KQ7M-A3 --for replacement && echo "swap it"
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import warranty

    result = warranty.check(get_db(), asset, on=on, service=for_)
    fields = [
        Col("asset", "Asset"),
        Col("site", "Site"),
        Col("kind", "Kind"),
        Col("on", "On"),
        Col("age_days", "Age (days)"),
        Col("warranty_until", "Warranty until"),
        Col("in_warranty", "In warranty"),
        Col("repair", "Repair"),
        Col("replacement", "Replacement"),
        Col("support", "Support"),
    ]
    from svcdesk.output import Section

    result["why"] = [{"reason": r} for r in result["reasons"]]
    fmt = output.pick_format(fmt)
    if fmt in ("json", "csv"):
        result.pop("why")
        output.render_record(result, fields, fmt)
    else:
        output.render_record(
            result, fields, fmt, sections=[Section("why", "Why", [Col("reason", "")])]
        )
    if for_ is not None and result[result["asked"]] != "free":
        raise typer.Exit(3)


@app.command("expiring")
def expiring(
    within: str = typer.Option(
        "90d", "--within", metavar="DURATION", help="How far ahead to look (default 90d)."
    ),
    site: str = typer.Option(None, "--site", help="Only this site."),
    fmt: str = fmt_option(),
) -> None:
    """Assets whose warranty ends, or that cross an age limit, within the window, by site.

    \b
    Example:
      svcdesk warranty expiring --within 180d --site BJ-HD
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import warranty

    cols = [
        Col("site", "SITE"),
        Col("asset", "ASSET"),
        Col("kind", "KIND"),
        Col("serial", "SERIAL"),
        Col("on", "ON"),
        Col("days_left", "DAYS", "count"),
        Col("change", "WHAT CHANGES"),
    ]
    rows = warranty.expiring(get_db(), within=within, site=site)
    output.render_list(rows, cols, fmt, empty=f"nothing expires within {within}")
