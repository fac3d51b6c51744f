"""The options every report command takes (-f, -o, --lang, --template-dir) and the request
they make: one declaration for the report group and the reports in modules of their own."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli.common import get_db

if TYPE_CHECKING:
    from svcdesk.services.reports import Rendered, Request

FORMATS = ("md", "html", "pdf")


def check_lang(value: str | None) -> str | None:
    if value is None:
        return None
    from svcdesk.humanize import normalize_lang

    try:
        return normalize_lang(value)
    except ValueError:
        raise typer.BadParameter(f"unknown language {value!r} (choose from: zh, en)") from None


def fmt_option() -> Any:
    return typer.Option(
        None, "-f", "--format", metavar="FORMAT",
        help="md, html or pdf (default: from the suffix of -o, else md).",
        autocompletion=lambda: list(FORMATS),
    )  # fmt: skip


def out_option() -> Any:
    return typer.Option(
        None, "-o", "--output", metavar="FILE",
        help="Write the report here, whole (replacing the file). Default: stdout; a PDF needs "
        "-o FILE.pdf (-o - sends it down a pipe).",
    )  # fmt: skip


def lang_option() -> Any:
    return typer.Option(
        None, "--lang", metavar="LANG", callback=check_lang,
        help="zh or en: the report's language. Default: the policy's (zh).",
        autocompletion=lambda: ["zh", "en"],
    )  # fmt: skip


def template_dir_option() -> Any:
    return typer.Option(
        None, "--template-dir", metavar="DIR",
        help="A folder of your own templates, looked up before the shipped ones (rendered "
        "in Jinja's sandbox).",
    )  # fmt: skip


def request(fmt: str | None, out: str | None, lang: str | None,
             template_dir: str | None) -> Request:  # fmt: skip
    from svcdesk.services import reports

    return reports.request(get_db(), fmt=fmt, out=out, lang=lang, template_dir=template_dir,
                           to_terminal=sys.stdout.isatty())  # fmt: skip


def emit(done: Rendered, what: str) -> None:
    """The report on stdout, or a line on stderr saying where it was written."""
    if done.out is None:
        if isinstance(done.data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(done.data)
            sys.stdout.buffer.flush()
        else:
            typer.echo(done.data, nl=False)
        return
    typer.echo(f"wrote the {what} to {done.out} ({done.fmt}, {done.lang})", err=True)
