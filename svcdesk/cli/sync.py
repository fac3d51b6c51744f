"""svcdesk sync: exchange work with teammates' laptops, a shared file or the team hub."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from svcdesk.cli.common import fmt_option, get_db, note, progress


class _SyncGroup(TyperGroup):
    """`svcdesk sync REMOTE` runs a sync; a word that is no subcommand names the remote."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "now", self.commands["now"], args
        return super().resolve_command(ctx, args)


app = typer.Typer(
    cls=_SyncGroup,
    help="Sync with another replica: push and pull in one command.\n\n"
    "svcdesk sync [REMOTE]: REMOTE is a path to a svcdesk file, a postgresql:// URL or a "
    "saved name (default: the default remote).",
    invoke_without_command=True,
    rich_markup_mode=None,
)
remote_app = typer.Typer(help="Saved remotes.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(remote_app, name="remote")


def _run(remote: str | None, fmt: str | None) -> None:
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import sync

    with progress("syncing") as update:
        result = sync.sync(get_db(), remote, progress=(lambda n: update(n, 0)) if update else None)
    if fmt:
        fields = [Col("remote", "Remote"), Col("pushed", "Pushed"), Col("pulled", "Pulled")]
        output.render_record(result, fields, fmt)
    else:
        note(
            f"synced with {result['remote']}: pushed {result['pushed']}, "
            f"pulled {result['pulled']} operation(s)"
        )


@app.callback()
def default(ctx: typer.Context, fmt: str = fmt_option()) -> None:
    """Push and pull with the default remote when no subcommand is given.

    \b
    Example:
      svcdesk sync remote add hub postgresql://svc@hub.example/svcdesk && svcdesk sync
    """
    if ctx.invoked_subcommand is None:
        _run(None, fmt)


@app.command("now", hidden=True)
def now(remote: str = typer.Argument(None, metavar="REMOTE"), fmt: str = fmt_option()) -> None:
    """Push and pull with REMOTE."""
    _run(remote, fmt)


@remote_app.command("add")
def remote_add(
    name: str = typer.Argument(..., help="A short name, e.g. hub."),
    remote: str = typer.Argument(..., help="A svcdesk file path or a postgresql:// URL."),
    default: bool = typer.Option(False, "--default", help="Make it the default remote."),
) -> None:
    """Save a remote under a name (a password in the URL is not stored: use ~/.pgpass).

    \b
    Example:
      svcdesk sync remote add usb /media/usb/svcdesk.db
    """
    from svcdesk.services import sync

    r = sync.remote_add(get_db(), name, remote, default=default)
    note(f"remote {r['name']} = {r['remote']}" + (" (default)" if r["default"] else ""))


@remote_app.command("list")
def remote_list(fmt: str = fmt_option()) -> None:
    """The saved remotes."""
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import sync

    cols = [Col("name", "NAME"), Col("remote", "REMOTE"), Col("default", "DEFAULT")]
    output.render_list(sync.remotes(get_db()), cols, fmt, empty="no remotes yet")


@app.command("export")
def export(
    file: str = typer.Argument(..., help="The bundle file to write."),
    since: str = typer.Option(
        None, "--since", metavar="INSTANT", help="Only what was recorded since then."
    ),
) -> None:
    """Write the change log to a bundle for a site with no network (import it there).

    \b
    Example:
      svcdesk sync export /media/usb/bj-hd.svcbundle --since -30d
    """
    from svcdesk.services import sync

    r = sync.export(get_db(), file, since=since)
    note(f"exported {r['operations']} operation(s) to {r['file']}")


@app.command("import")
def import_(file: str = typer.Argument(..., help="A bundle made by sync export.")) -> None:
    """Apply a bundle (checked whole first; importing it twice changes nothing).

    \b
    Example:
      svcdesk sync import /media/usb/bj-hd.svcbundle
    """
    from svcdesk.services import sync

    with progress("importing") as update:
        r = sync.import_(get_db(), file, progress=(lambda n: update(n, 0)) if update else None)
    note(f"imported {r['file']}: {r['applied']} new of {r['operations']} operation(s)")


@app.command("status")
def status(fmt: str = fmt_option()) -> None:
    """Per remote: when it last synced and how many local operations it has not seen."""
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import sync

    cols = [
        Col("name", "REMOTE"),
        Col("last_sync", "LAST SYNC"),
        Col("not_pushed", "NOT PUSHED", "count"),
        Col("remote", "WHERE"),
    ]
    output.render_list(sync.status(get_db()), cols, fmt, empty="no remotes yet")


@app.command("conflicts")
def conflicts(fmt: str = fmt_option()) -> None:
    """Concurrent edits of the same field: the value kept and the one overwritten.

    \b
    Example:
      svcdesk sync conflicts
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import sync

    cols = [
        Col("table", "TABLE"),
        Col("ref", "RECORD"),
        Col("field", "FIELD"),
        Col("kept", "KEPT"),
        Col("lost", "OVERWRITTEN"),
        Col("lost_stamp", "TO KEEP IT: sync keep"),
    ]
    output.render_list(sync.conflicts(get_db()), cols, fmt, empty="no conflicts")


@app.command("keep")
def keep(
    stamp: str = typer.Argument(..., help="The overwritten write to restore (its stamp)."),
) -> None:
    """Resolve a conflict by restoring the overwritten value (a new edit that wins).

    \b
    Example:
      svcdesk sync keep 1764012345678-00000-0195f3...
    """
    from svcdesk.services import sync

    done = sync.keep(get_db(), stamp)
    note(f"restored {done['field']} = {done['value']!r} on {done['ref']}")
