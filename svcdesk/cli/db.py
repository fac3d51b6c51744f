"""svcdesk db: back up, restore, check and describe the database."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from svcdesk.cli.common import fmt_option, get_db, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(help="The database file itself.", no_args_is_help=True, rich_markup_mode=None)


@app.command("backup")
@renders
def backup(
    file: str = typer.Argument(..., help="Where to write the copy (a file or a folder)."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
    fmt: str = fmt_option(),
) -> Result:
    """Copy the database consistently, even while others write to it.

    FILE may be a folder (a new time-stamped file is made in it). An existing FILE is replaced
    only with --force, and never a folder, a FIFO or a device. The copy appears whole or not at
    all: a full disk or Ctrl-C leaves FILE as it was.

    \b
    Example:
      svcdesk db backup ~/backups/
      svcdesk db backup ~/backups/latest.db --force
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.cli.common import state
    from svcdesk.services import dbadmin

    dbadmin.check_backup(state.db_url, file, force=force)  # before opening (and migrating) it
    result = dbadmin.backup(get_db(), file, force=force)
    return output.Result(
        record=result,
        fields=views.BACKUP_FIELDS,
        message=f"backed up {result['database']} to {result['backup']} ({result['bytes']} bytes)",
        brief=True,
    )


@app.command("restore")
@renders
def restore(
    file: str = typer.Argument(..., help="The backup to put in place of the database."),
    fmt: str = fmt_option(),
) -> Result:
    """Put a backup in place of the database (--db), as a new replica.

    The restored database takes a new replica code (its refs start again with it), so it never
    writes under the identity the lost database went on with; the next sync brings back what
    that one had synced after the backup. A database it replaces is kept beside it.

    \b
    Example:
      svcdesk db restore ~/backups/svcdesk-20261014T090000.db && svcdesk sync
    """
    from svcdesk import output
    from svcdesk.cli.common import state
    from svcdesk.output import Col
    from svcdesk.services import dbadmin

    result = dbadmin.restore(state.db_url, file)
    kept = f"; the database it replaced is kept as {result['kept']}" if result["kept"] else ""
    return output.Result(
        record=result,
        fields=[
            Col("database", "Database"),
            Col("restored_from", "Restored from"),
            Col("replica_code", "Replica code"),
            Col("previous_code", "Previous code"),
            Col("kept", "Replaced database kept as"),
        ],  # fmt: skip
        message=(
            f"restored {result['database']} from {result['restored_from']} as replica "
            f"{result['replica_code']} (it was {result['previous_code']}; sync to bring back "
            f"what was synced after the backup){kept}"
        ),
        brief=True,
    )


@app.command("check")
@renders
def check(fmt: str = fmt_option()) -> Result:
    """Check the database's integrity; exits 1 when it finds a problem.

    It only reads: a copied file is not given its new identity, an older one is not migrated
    (it says so; the next command that writes does it).

    \b
    Example:
      svcdesk db check
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.errors import ExitCode
    from svcdesk.services import dbadmin

    result = dbadmin.check(get_db(read_only=True))
    ok = result["ok"]
    return output.Result(
        record=result,
        fields=views.CHECK_FIELDS,
        text="".join(f"{problem}\n" for problem in result["problems"]),
        message=f"{result['database']}: ok (schema v{result['schema_version']})" if ok else None,
        brief=True,
        exit_code=ExitCode.OK if ok else ExitCode.ERROR,
    )


@app.command("info")
@renders
def info(fmt: str = fmt_option()) -> Result:
    """Path, schema version, replica id and record counts.

    \b
    Example:
      svcdesk db info -f json
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import dbadmin

    return output.Result(record=dbadmin.info(get_db()), fields=views.INFO_FIELDS)
