"""svcdesk db: back up, check and describe the database."""

from __future__ import annotations

import typer

from svcdesk.cli.common import fmt_option, get_db, note

app = typer.Typer(help="The database file itself.", no_args_is_help=True, rich_markup_mode=None)


@app.command("backup")
def backup(
    file: str = typer.Argument(..., help="Where to write the copy (a file or a folder)."),
    fmt: str = fmt_option(),
) -> None:
    """Copy the database consistently, even while others write to it.

    \b
    Example:
      svcdesk db backup ~/backups/
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import dbadmin

    result = dbadmin.backup(get_db(), file)
    if fmt:
        output.render_record(result, [Col("backup", "Backup"), Col("bytes", "Bytes")], fmt)
    else:
        note(f"backed up {result['database']} to {result['backup']} ({result['bytes']} bytes)")


@app.command("check")
def check(fmt: str = fmt_option()) -> None:
    """Check the database's integrity; exits 1 when it finds a problem.

    \b
    Example:
      svcdesk db check
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import dbadmin

    result = dbadmin.check(get_db())
    if fmt:
        output.render_record(result, [Col("ok", "OK"), Col("problems", "Problems")], fmt)
    else:
        for problem in result["problems"]:
            typer.echo(problem)
        if result["ok"]:
            note(f"{result['database']}: ok (schema v{result['schema_version']})")
    if not result["ok"]:
        raise typer.Exit(1)


@app.command("info")
def info(fmt: str = fmt_option()) -> None:
    """Path, schema version, replica id and record counts.

    \b
    Example:
      svcdesk db info -f json
    """
    from svcdesk import output
    from svcdesk.services import dbadmin

    output.render_record(dbadmin.info(get_db()), dbadmin.INFO_FIELDS, fmt)
