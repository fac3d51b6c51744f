"""What every command shares: global options, the open database, the format option.

Imports here stay light (typer only): `svcdesk --help` and completion must not load the store.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from svcdesk.store.db import Database


@dataclass
class State:
    db_url: str | None = None
    debug: bool = False
    _db: Database | None = None


state = State()

FORMAT_HELP = (
    "Output format: table, plain, md, csv or json (default: table on a terminal, plain in a pipe)."
)


def fmt_option() -> Any:
    return typer.Option(
        None, "-f", "--format", metavar="FORMAT", help=FORMAT_HELP, autocompletion=_formats
    )


def at_option() -> Any:
    return typer.Option(
        None,
        "--at",
        metavar="INSTANT",
        help="When it happened: ISO 8601 (local time without an offset), or -2h. Default: now.",
    )


def _formats() -> list[str]:
    return ["table", "plain", "md", "csv", "json"]


def get_db(*, create: bool = False) -> Database:
    """The database named by --db / SVCDESK_DB (opened once, migrated if older); instants are
    shown in the zone of its policy in force unless --tz or SVCDESK_TZ say otherwise."""
    from svcdesk import clock

    if state._db is None or create:
        from svcdesk.store.db import open_db

        state._db = open_db(state.db_url, create=create)
        clock.set_policy_tz(state._db.policy_timezone())
    return state._db


def interactive() -> bool:
    """May we prompt? Only when both ends are a terminal (SVCDESK_INTERACTIVE=1/0 forces it)."""
    forced = os.environ.get("SVCDESK_INTERACTIVE")
    if forced is not None:
        return forced not in ("", "0", "false", "no")
    return sys.stdin.isatty() and sys.stdout.isatty()


def note(message: str) -> None:
    """A message for the person at the terminal (stderr, so pipes carry only data)."""
    sys.stderr.write(message + "\n")


def progress(label: str) -> Any:
    """A Rich progress bar on a terminal's stderr; nothing in a pipe."""
    import contextlib
    import sys

    if not (sys.stderr.isatty() and interactive()):
        return contextlib.nullcontext(None)

    @contextlib.contextmanager
    def bar() -> Any:
        from rich.console import Console
        from rich.progress import Progress

        with Progress(console=Console(stderr=True), transient=True) as prog:
            task = prog.add_task(label, total=None)

            def update(done: int, total: int) -> None:
                prog.update(task, completed=done, total=total)

            yield update

    return bar()
