"""The svcdesk command line: one Typer group per noun, joined here.

This module and the group modules import only typer; each command imports what it needs when
it runs, and a group's module is imported only when the command line names it (groups.py), so
`svcdesk --help` and shell completion start fast.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli.common import at_option, fmt_option, get_db, renders, state
from svcdesk.cli.groups import LazyGroup

if TYPE_CHECKING:
    from svcdesk.output import Result

# The groups register lazily (svcdesk/cli/groups.py): their modules load when a command line
# names them, so `--help` and completion stay as light as `import typer`.
app = typer.Typer(
    name="svcdesk",
    cls=LazyGroup,
    help="The after-sales service desk: tickets with SLA clocks, sites, assets, reports.\n\n"
    "Example: svcdesk init --demo && svcdesk ticket list",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _version(value: bool) -> None:
    if value:
        from svcdesk import __version__

        typer.echo(f"svcdesk {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: str = typer.Option(
        None,
        "--db",
        metavar="PATH|URL",
        envvar="SVCDESK_DB",
        help="Database: a SQLite path or a postgresql:// URL.",
    ),
    now: str = typer.Option(
        None,
        "--now",
        metavar="INSTANT",
        envvar="SVCDESK_NOW",
        help="Pretend the current instant is this (ISO 8601).",
    ),
    tz: str = typer.Option(
        None,
        "--tz",
        metavar="ZONE",
        envvar="SVCDESK_TZ",
        help="Display time zone (default: the policy's).",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    from svcdesk import clock

    state.db_url = db
    state.debug = debug
    clock.set_display_tz(tz)
    clock.set_now(now)


@app.command()
@renders
def init(
    demo: bool = typer.Option(
        False, "--demo", help="Add realistic sample data (empty databases only)."
    ),
    fmt: str = fmt_option(),
) -> Result:
    """Create the database (running it again changes nothing).

    \b
    Example:
      svcdesk --db shop.db init --demo
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import dbadmin

    # a new SQLite file is built whole beside its place, then renamed into it
    info = dbadmin.init_new(state.db_url, demo=demo) or dbadmin.init(get_db(create=True), demo=demo)
    return output.Result(record=info, fields=views.INFO_FIELDS, message=info["message"], brief=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning every failure into one line on stderr."""
    from svcdesk.errors import ExitCode, SvcdeskError

    args = sys.argv[1:] if argv is None else argv
    command = typer.main.get_command(app)
    code: Any = 0
    try:
        code = command.main(args=args, prog_name="svcdesk", standalone_mode=False)
        if code == INTERRUPTED:  # Typer turns Ctrl-C in a command into a silent exit 130
            _interrupted()
    except SvcdeskError as exc:
        for line in exc.details:
            sys.stderr.write(_shown(line) + "\n")
        _fail(exc, exc.message, exc.exit_code)
    except typer.Abort:  # Ctrl-C or Ctrl-D at a prompt: the cursor is still on its line
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        _fail(None, "aborted; nothing was written", 130)
    except KeyboardInterrupt:
        _interrupted()
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # usage errors from the command-line parser
        _usage_error(exc)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except Exception as exc:  # a bug: still one line, the traceback behind --debug
        from svcdesk.services.session import redact  # a driver's message can hold a password

        _fail(exc, f"internal error: {type(exc).__name__}: {redact(str(exc))} "
                   "(run with --debug for details)", 1)  # fmt: skip
    finally:
        if state._db is not None:
            state._db.close()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    sys.exit(code if isinstance(code, int) else ExitCode.OK)


INTERRUPTED = 130  # the shell's code for a command ended by SIGINT (128 + 2)


def _interrupted() -> None:
    """Ctrl-C: say so, on a line of its own (the terminal echoed ^C where the cursor was).
    Every write is one transaction and every file is renamed into place whole, so an
    interrupted command leaves nothing half-done."""
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    _fail(None, "interrupted; nothing was half-written", INTERRUPTED)


def _fail(exc: BaseException | None, message: str, code: int) -> None:
    if exc is not None and (state.debug or os.environ.get("SVCDESK_DEBUG")):
        import traceback

        traceback.print_exception(exc)
    sys.stderr.write(f"svcdesk: error: {_shown(message)}\n")
    sys.exit(code)


def _shown(text: str) -> str:
    """A message as a terminal may show it: it can quote what the user typed or stored."""
    if text.isprintable():
        return text
    from svcdesk.output import shown

    return shown(text)


def _usage_error(exc: Any) -> None:
    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        sys.stdout.write(ctx.get_help() + "\n")
        sys.exit(2)
    where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    message = exc.format_message().strip().replace("\n", " ")
    sys.stderr.write(f"svcdesk: error: {_shown(message)}{where}\n")
    sys.exit(getattr(exc, "exit_code", 2))


def _quiet_broken_pipe() -> None:
    # The reader went away (`svcdesk ticket list | head`): stop quietly, as cat does.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


__all__ = ["app", "main", "at_option", "fmt_option"]
