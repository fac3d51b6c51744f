"""svcdesk sync: exchange work with teammates' laptops, a shared file or the team hub."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from svcdesk.cli.common import fmt_option, get_db, progress, renders

if TYPE_CHECKING:
    from svcdesk.output import Result


class _SyncGroup(TyperGroup):
    """`svcdesk sync REMOTE` runs a sync; a word that is no subcommand names the remote."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "now", self.commands["now"], args
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_SyncGroup,
    help="Sync with another replica: push and pull in one command.\n\n"
    "svcdesk sync [REMOTE]: REMOTE is a path to a svcdesk file, a postgresql:// URL (or a "
    "libpq key=value string) or a saved name (default: the default remote). A hub's password "
    "comes from PGPASSWORD or ~/.pgpass; one in the URL is used but never stored or shown.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
remote_app = typer.Typer(help="Saved remotes.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(remote_app, name="remote")


@renders
def _sync(*, remote: str | None, fmt: str | None) -> Result:
    """Push and pull with `remote` (None: the default remote)."""
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sync

    with progress("syncing") as update:
        result = sync.sync(get_db(), remote, progress=(lambda n: update(n, 0)) if update else None)
    return output.Result(
        notes=[*result["notes"], *sync.held_notes(result["held_back"])],
        record=result,
        fields=views.SYNC_FIELDS,
        message=(
            f"synced with {result['remote']}: pushed {result['pushed']}, "
            f"pulled {result['pulled']} operation(s)"
        ),
        brief=True,
    )


@app.callback()
def default(ctx: typer.Context, fmt: str = fmt_option()) -> None:
    """Push and pull with the default remote when no subcommand is given.

    \b
    Example:
      svcdesk sync remote add hub postgresql://svc@hub.example/svcdesk && svcdesk sync
    """
    if ctx.invoked_subcommand is None:
        _sync(remote=None, fmt=fmt)


@app.command("now", hidden=True)
def now(remote: str = typer.Argument(None, metavar="REMOTE"), fmt: str = fmt_option()) -> None:
    """Push and pull with REMOTE."""
    _sync(remote=remote, fmt=fmt)


@remote_app.command("add")
@renders
def remote_add(
    name: str = typer.Argument(..., help="A short name, e.g. hub."),
    remote: str = typer.Argument(
        ..., help="A svcdesk file path, a postgresql:// URL or a libpq key=value string."
    ),
    default: bool = typer.Option(False, "--default", help="Make it the default remote."),
    fmt: str = fmt_option(),
) -> Result:
    """Save a remote under a name. A password in it is not stored: svcdesk reads it from
    PGPASSWORD or ~/.pgpass when it connects.

    \b
    Example:
      svcdesk sync remote add usb /media/usb/svcdesk.db
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sync

    r = sync.remote_add(get_db(), name, remote, default=default)
    notes = []
    if r.pop("password_dropped"):
        notes.append(
            f"the password was not stored: set PGPASSWORD or add it to ~/.pgpass "
            f"for 'svcdesk sync {r['name']}'"
        )
    return output.Result(
        notes=notes,
        record=r,
        fields=views.REMOTE_COLS,
        message=f"remote {r['name']} = {r['remote']}" + (" (default)" if r["default"] else ""),
        brief=True,
    )


@remote_app.command("remove")
@renders
def remote_remove(
    name: str = typer.Argument(..., help="The saved remote to forget (see remote list)."),
    fmt: str = fmt_option(),
) -> Result:
    """Forget a saved remote (the database it names is not touched).

    \b
    Example:
      svcdesk sync remote remove usb
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sync

    r = sync.remote_remove(get_db(), name)
    more = ""
    if r["default"]:
        more = " (it was the default: choose another with 'sync remote add NAME REMOTE --default')"
    return output.Result(
        record=r,
        fields=views.REMOTE_COLS,
        message=f"removed remote {r['name']} = {r['remote']}{more}",
        brief=True,
    )


@remote_app.command("list")
@renders
def remote_list(fmt: str = fmt_option()) -> Result:
    """The saved remotes."""
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sync

    return output.Result(
        rows=sync.remotes(get_db()), cols=views.REMOTE_COLS, empty="no remotes yet"
    )


@app.command("export")
@renders
def export(
    file: str = typer.Argument(..., help="The bundle file to write."),
    since: str = typer.Option(
        None, "--since", metavar="INSTANT", help="Only what was recorded since then."
    ),
) -> Result:
    """Write the change log to a bundle for a site with no network (import it there).

    With --since, the replica importing it must already hold what came before (it refuses the
    bundle otherwise, saying which --since it needs).

    \b
    Example:
      svcdesk sync export /media/usb/bj-hd.svcbundle --since -30d
    """
    from svcdesk import output
    from svcdesk.services import sync

    r = sync.export(get_db(), file, since=since)
    return output.Result(message=f"exported {r['operations']} operation(s) to {r['file']}")


@app.command("import")
@renders
def import_(file: str = typer.Argument(..., help="A bundle made by sync export.")) -> Result:
    """Apply a bundle (checked whole first; importing it twice changes nothing).

    \b
    Example:
      svcdesk sync import /media/usb/bj-hd.svcbundle
    """
    from svcdesk import output
    from svcdesk.services import sync

    with progress("importing") as update:
        r = sync.import_(get_db(), file, progress=(lambda n: update(n, 0)) if update else None)
    return output.Result(
        notes=sync.held_notes(r["held_back"]),
        message=f"imported {r['file']}: {r['applied']} new of {r['operations']} operation(s)",
    )


@app.command("status")
@renders
def status(fmt: str = fmt_option()) -> Result:
    """Per remote: when it last synced and how many local operations it has not seen; and a
    line per replica known (from a remote or a bundle) to hold operations this one lacks.

    \b
    Example:
      svcdesk sync status -f json
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sync

    rows = sync.status(get_db())
    return output.Result(
        notes=sync.lacking_notes(rows),
        rows=rows,
        cols=views.SYNC_STATUS_COLS,
        empty="no remotes yet",
    )


@app.command("conflicts")
@renders
def conflicts(fmt: str = fmt_option()) -> Result:
    """Concurrent edits of the same field: the value kept and the one overwritten.

    \b
    Example:
      svcdesk sync conflicts
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sync

    rows = sync.conflicts(get_db())
    if output.pick_format(fmt) != "json":  # JSON says `kept: null, removed: true`
        for r in rows:
            if r["removed"]:
                r["kept"] = "(removed)"
    return output.Result(rows=rows, cols=views.CONFLICT_COLS, empty="no conflicts")


@app.command("keep")
@renders
def keep(
    stamp: str = typer.Argument(..., help="The overwritten write to restore (its stamp)."),
) -> Result:
    """Resolve a conflict by restoring the overwritten value (a new edit that wins).

    \b
    Example:
      svcdesk sync keep 1764012345678-00000-0195f3...
    """
    from svcdesk import output
    from svcdesk.services import sync

    done = sync.keep(get_db(), stamp)
    back = " (it had been removed: it is back)" if done["restored"] else ""
    return output.Result(
        message=f"restored {done['field']} = {done['value']!r} on {done['ref']}{back}"
    )
