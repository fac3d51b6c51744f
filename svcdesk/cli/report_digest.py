"""`svcdesk report digest`: the FAQ digest for the operators (常见问题汇编), registered on the
`report` group by cli/report.py (`app.command("digest")(digest)`), the same report as
`svcdesk kb digest` (which can also record that it was pushed).

The options -f, -o, --lang and --template-dir are those of every report command (the same
words and checks as in cli/report.py). This module imports nothing of cli/report.py, which
imports it: `request` and `emit` do here what its `_request` and `_emit` do there, and
`svcdesk kb digest` (cli/kb.py) uses them and these options too.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from svcdesk.services.reports import Rendered, Request

FORMATS = ("md", "html", "pdf")


def _check_lang(value: str | None) -> str | None:
    if value is None:
        return None
    from svcdesk.humanize import normalize_lang

    try:
        return normalize_lang(value)
    except ValueError:
        raise typer.BadParameter(f"unknown language {value!r} (choose from: zh, en)") from None


def since_option() -> Any:
    return typer.Option(
        None, "--since", metavar="DATE",
        help="The period's first day, YYYY-MM-DD (default: just after the last digest pushed; "
        "with none, the policy's [digest] every back from now).",
    )  # fmt: skip


def fmt_option(formats: str = "md, html or pdf") -> Any:
    return typer.Option(
        None, "-f", "--format", metavar="FORMAT",
        help=f"{formats} (default: from the suffix of -o, else md).",
        autocompletion=lambda: list(FORMATS),
    )  # fmt: skip


def out_option() -> Any:
    return typer.Option(
        None, "-o", "--output", metavar="FILE",
        help="Write the digest here, whole (replacing the file). Default: stdout; a PDF needs "
        "-o FILE.pdf (-o - sends it down a pipe).",
    )  # fmt: skip


def lang_option() -> Any:
    return typer.Option(
        None, "--lang", metavar="LANG", callback=_check_lang,
        help="zh or en: the digest's language. Default: the policy's (zh).",
        autocompletion=lambda: ["zh", "en"],
    )  # fmt: skip


def template_dir_option() -> Any:
    return typer.Option(
        None, "--template-dir", metavar="DIR",
        help="A folder of your own templates (digest.md.j2, digest.html.j2), looked up before "
        "the shipped ones (rendered in Jinja's sandbox).",
    )  # fmt: skip


def request(fmt: str | None, out: str | None, lang: str | None,
            template_dir: str | None) -> Request:  # fmt: skip
    """The report request checked, before anything is read or written (services/reports.py)."""
    from svcdesk.cli.common import get_db
    from svcdesk.services import reports

    return reports.request(get_db(), fmt=fmt, out=out, lang=lang, template_dir=template_dir,
                           to_terminal=sys.stdout.isatty())  # fmt: skip


def emit(done: Rendered, what: str) -> None:
    """The digest on stdout, or a line on stderr saying where it was written."""
    if done.out is None:
        if isinstance(done.data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(done.data)
            sys.stdout.buffer.flush()
        else:
            typer.echo(done.data, nl=False)
        return
    typer.echo(f"wrote the {what} to {done.out} ({done.fmt}, {done.lang})", err=True)


def digest(
    since: str = since_option(),
    fmt: str = fmt_option(),
    out: str = out_option(),
    lang: str = lang_option(),
    template_dir: str = template_dir_option(),
) -> None:
    """The FAQ digest for the operators at the branches (常见问题汇编): the FAQ articles added
    or updated in the period, a table of contents, then each answer in full. 'svcdesk kb digest
    --push' prints the same and records that it was pushed.

    \b
    Example:
      svcdesk report digest -o faq.html
      svcdesk report digest --since 2026-09-01 --lang en > faq.md
    """
    from svcdesk.cli.common import get_db
    from svcdesk.services import digest as service

    if since is not None:
        service.since_instant(since)  # a bad date is said before anything is opened
    req = request(fmt, out, lang, template_dir)
    done = service.digest(get_db(), req, since=since)
    emit(done, f"FAQ digest of {done.subject}")
