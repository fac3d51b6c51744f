"""What every command shares: global options, the open database, the format option, and
`renders`, which hands what a command returns to the one printer.

Imports here stay light (typer only): `svcdesk --help` and completion must not load the store.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from svcdesk.output import Result
    from svcdesk.services.session import Database


@dataclass
class State:
    db_url: str | None = None
    debug: bool = False
    _db: Database | None = None
    notes: list[str] = field(default_factory=list)  # remarks a service made while it ran


state = State()

FORMAT_HELP = (
    "Output format: table, plain, md, csv or json (default: table on a terminal, plain in a pipe)."
)


def fmt_option() -> Any:
    return typer.Option(
        None, "-f", "--format", metavar="FORMAT", help=FORMAT_HELP, autocompletion=_formats
    )


def _check_lang(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().lower().replace("_", "-")
    if code not in ("zh", "en", "zh-cn"):
        raise typer.BadParameter(f"unknown language {value!r} (choose from: zh, en)")
    return code[:2]


def lang_option() -> Any:
    return typer.Option(
        None,
        "--lang",
        metavar="LANG",
        help="zh or en: the language of time left. Default: the policy's.",
        callback=_check_lang,
        autocompletion=lambda: ["zh", "en"],
    )


def at_option() -> Any:
    return typer.Option(
        None,
        "--at",
        metavar="INSTANT",
        help="When it happened: ISO 8601 (local time without an offset), or -2h. Default: now.",
    )


def check_option() -> Any:
    return typer.Option(False, "--check", help="Exit 3 when anything is listed (cron).")


def quiet_option() -> Any:
    return typer.Option(
        False,
        "-q",
        "--quiet",
        help="With --check (implied): print nothing, only the exit status; stops at the first hit.",
    )


def _formats() -> list[str]:
    return ["table", "plain", "md", "csv", "json"]


def get_db(*, create: bool = False, read_only: bool = False) -> Database:
    """The database named by --db / SVCDESK_DB (opened once, migrated if older; `read_only`:
    as it is, nothing written); instants are shown in the zone of its policy in force unless
    --tz or SVCDESK_TZ say otherwise."""
    from svcdesk import clock

    if state._db is None or create:
        from svcdesk.services import policies
        from svcdesk.services.session import open_database

        state._db = open_database(state.db_url, create=create, read_only=read_only)
        state.notes.extend(state._db.notes)  # a copied or restored file re-keyed as it opened
        if state._db.current:  # (an older file opened only to read: its policy as it was)
            with state._db.read() as conn:
                clock.set_policy_tz(policies.timezone_now(conn))
    return state._db


def interactive() -> bool:
    """May we prompt? Only when both ends are a terminal (SVCDESK_INTERACTIVE=1/0 forces it)."""
    forced = os.environ.get("SVCDESK_INTERACTIVE")
    if forced is not None:
        return forced not in ("", "0", "false", "no")
    return sys.stdin.isatty() and sys.stdout.isatty()


def ask(
    label: str,
    *,
    choices: typing.Sequence[str] | None = None,
    default: str | None = None,
    check: Callable[[str], object] | None = None,
) -> str:
    """Ask on the terminal until the answer is good: each answer is checked as it is given
    (`check` raises the project's error with the reason, shown before asking again), choices
    are shown and taken in any case, and text with control characters is refused."""
    from svcdesk.errors import SvcdeskError

    def proc(value: str) -> str:
        text = value.strip()
        if not text:
            raise typer.BadParameter("an answer is needed")
        if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
            raise typer.BadParameter("control characters are not allowed")
        if choices is not None:
            match = [c for c in choices if c.lower() == text.lower()]
            if not match:
                raise typer.BadParameter(f"choose from: {', '.join(choices)}")
            text = match[0]
        if check is not None:
            try:
                check(text)
            except SvcdeskError as exc:
                raise typer.BadParameter(exc.message) from None
        return text

    shown = f"{label} ({'/'.join(choices)})" if choices else label
    return typing.cast(str, typer.prompt(shown, default=default, err=True, value_proc=proc))


_PLAIN: dict[str, Any] = {"str": str, "bool": bool, "int": int, "float": float}


def renders(command: Callable[..., Result]) -> Callable[..., None]:
    """Run a command that returns a `Result` and hand it to `output.render_result`.

    Its `-f` (the `fmt` keyword, as Typer passes it) is checked before the command runs, so an
    unknown format changes nothing; a non-zero exit code of the result ends the program with it.
    Remarks passed to `notify` are shown with the result, or before the error if it fails.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        from svcdesk import output

        fmt = kwargs.get("fmt")
        output.pick_format(fmt)
        state.notes.clear()
        try:
            result = command(*args, **kwargs)
        except BaseException:
            if state.notes:
                output.render_result(output.Result(notes=_take_notes()), fmt)
            raise
        result.notes[:0] = _take_notes()
        code = output.render_result(result, fmt)
        if code:
            raise typer.Exit(code)

    # Typer reads the parameters from the signature and evaluates their annotations; the return
    # annotation (`Result`, imported for type checkers only) is not its business. The usual
    # ones are looked up here: typing.get_type_hints for every command costs start-up time.
    run.__annotations__ = {k: v for k, v in command.__annotations__.items() if k != "return"}
    hints = {k: _PLAIN.get(v, v) if isinstance(v, str) else v
             for k, v in run.__annotations__.items()}  # fmt: skip
    if any(isinstance(v, str) for v in hints.values()):
        hints = typing.get_type_hints(run)
    signature = inspect.signature(command)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
    ]
    run.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=inspect.Signature.empty
    )
    return run


def notify(message: str) -> None:
    """Keep a remark a service makes while it runs (a guessed encoding, what an edit changed)
    to show on stderr with the command's result."""
    state.notes.append(message)


def _take_notes() -> list[str]:
    notes = list(state.notes)
    state.notes.clear()
    calendars = sys.modules.get("svcdesk.services.holiday_cache")  # e.g. years it guessed
    if calendars is not None:
        notes += calendars.take_remarks()
    return notes


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
