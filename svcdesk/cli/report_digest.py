"""`svcdesk report digest`: the FAQ digest for the operators (常见问题汇编), registered on the
`report` group by cli/report.py (`app.command("digest")(digest)`), the same report as
`svcdesk kb digest` (cli/kb.py, which can also record that it was pushed).

The options -f, -o, --lang and --template-dir are those of every report command
(cli/report_options.py); --since is this report's own, and `kb digest` takes it from here.
"""

from __future__ import annotations

from typing import Any

import typer

from svcdesk.cli import report_options
from svcdesk.cli.common import get_db


def since_option() -> Any:
    return typer.Option(
        None, "--since", metavar="DATE",
        help="The period's first day, YYYY-MM-DD (default: just after the last digest pushed; "
        "with none, the policy's [digest] every back from now).",
    )  # fmt: skip


def digest(
    since: str = since_option(),
    fmt: str = report_options.fmt_option(),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
) -> None:
    """The FAQ digest for the operators at the branches (常见问题汇编): the FAQ articles added
    or updated in the period, a table of contents, then each answer in full. 'svcdesk kb digest
    --push' prints the same and records that it was pushed.

    \b
    Example:
      svcdesk report digest -o faq.html
      svcdesk report digest --since 2026-09-01 --lang en > faq.md
    """
    from svcdesk.services import digest as service

    if since is not None:
        service.since_instant(since)  # a bad date is said before anything is opened
    req = report_options.request(fmt, out, lang, template_dir)
    done = service.digest(get_db(), req, since=since)
    report_options.emit(done, f"FAQ digest of {done.subject}")
