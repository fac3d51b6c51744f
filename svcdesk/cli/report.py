"""svcdesk report: the written reports the service contract promises (Markdown, HTML, PDF)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import get_db

if TYPE_CHECKING:
    from svcdesk.services.reports import Rendered, Request

app = typer.Typer(
    help="Reports: incident, inspection, overdue, site dossier (Markdown, HTML or PDF).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

FORMATS = ("md", "html", "pdf")


def _check_lang(value: str | None) -> str | None:
    if value is None:
        return None
    from svcdesk.humanize import normalize_lang

    try:
        return normalize_lang(value)
    except ValueError:
        raise typer.BadParameter(f"unknown language {value!r} (choose from: zh, en)") from None


def _fmt_option() -> Any:
    return typer.Option(
        None, "-f", "--format", metavar="FORMAT",
        help="md, html or pdf (default: from the suffix of -o, else md).",
        autocompletion=lambda: list(FORMATS),
    )  # fmt: skip


def _out_option() -> Any:
    return typer.Option(
        None, "-o", "--output", metavar="FILE",
        help="Write the report here, whole (replacing the file). Default: stdout; a PDF needs "
        "-o FILE.pdf (-o - sends it down a pipe).",
    )  # fmt: skip


def _lang_option() -> Any:
    return typer.Option(
        None, "--lang", metavar="LANG", callback=_check_lang,
        help="zh or en: the report's language. Default: the policy's (zh).",
        autocompletion=lambda: ["zh", "en"],
    )  # fmt: skip


def _template_dir_option() -> Any:
    return typer.Option(
        None, "--template-dir", metavar="DIR",
        help="A folder of your own templates, looked up before the shipped ones (rendered "
        "in Jinja's sandbox).",
    )  # fmt: skip


def _request(fmt: str | None, out: str | None, lang: str | None,
             template_dir: str | None) -> Request:  # fmt: skip
    from svcdesk.services import reports

    return reports.request(get_db(), fmt=fmt, out=out, lang=lang, template_dir=template_dir,
                           to_terminal=sys.stdout.isatty())  # fmt: skip


def _emit(done: Rendered, what: str) -> None:
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


@app.command("incident")
def incident(
    ticket: str = typer.Argument(..., metavar="TICKET", help="Ticket ref, number or prefix.",
                                 autocompletion=complete.tickets),
    fmt: str = _fmt_option(),
    out: str = _out_option(),
    lang: str = _lang_option(),
    template_dir: str = _template_dir_option(),
) -> None:
    """The incident report of a ticket (问题处理汇报): problem type, cause, method used and
    losses, the timeline, each SLA clock's outcome, the engineers, the visits with the parts
    replaced and their warranty, and the customer's consent.

    \b
    Example:
      svcdesk report incident 12 -o incident-12.pdf
      svcdesk report incident KQ7M-12 -f html --lang en > incident.html
    """
    from svcdesk.services import reports

    req = _request(fmt, out, lang, template_dir)
    done = reports.incident(get_db(), ticket, req)
    _emit(done, f"incident report of {done.subject}")
