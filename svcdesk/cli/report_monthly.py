"""`svcdesk report monthly`: the monthly service review (月度服务报告), registered on the
`report` group by cli/report.py (`app.command("monthly")(monthly)`).

The options -f, -o, --lang and --template-dir are those of every report command (the same
words and checks as in cli/report.py; this module imports nothing of it at import time, so it
may be registered from anywhere in that module).
"""

from __future__ import annotations

from typing import Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import get_db

FORMATS = ("md", "html", "pdf")


def _check_lang(value: str | None) -> str | None:
    if value is None:
        return None
    from svcdesk.humanize import normalize_lang

    try:
        return normalize_lang(value)
    except ValueError:
        raise typer.BadParameter(f"unknown language {value!r} (choose from: zh, en)") from None


def _breaches(value: str | None) -> str | None:
    if value is None or value.strip().lower() == "all" or value.strip().isdigit():
        return value
    raise typer.BadParameter(f"{value!r} is not a number of breaches (give N >= 0, or all)")


def monthly(
    month: str = typer.Option(
        ..., "--month", metavar="YYYY-MM",
        help="The month to review, such as 2026-10 (its days in the policy's time zone).",
    ),
    site: str = typer.Option(
        None, "--site", metavar="SITE", help="Only this site (default: every site).",
        autocompletion=complete.sites,
    ),
    breaches: str = typer.Option(
        None, "--breaches", metavar="N", callback=_breaches,
        help="List the N longest-overdue breaches (default 100; all; 0: count them only). The "
        "report says how many it left out.",
    ),
    fmt: str = typer.Option(
        None, "-f", "--format", metavar="FORMAT",
        help="md, html or pdf (default: from the suffix of -o, else md).",
        autocompletion=lambda: list(FORMATS),
    ),
    out: str = typer.Option(
        None, "-o", "--output", metavar="FILE",
        help="Write the report here, whole (replacing the file). Default: stdout; a PDF needs "
        "-o FILE.pdf (-o - sends it down a pipe).",
    ),
    lang: str = typer.Option(
        None, "--lang", metavar="LANG", callback=_check_lang,
        help="zh or en: the report's language. Default: the policy's (zh).",
        autocompletion=lambda: ["zh", "en"],
    ),
    template_dir: str = typer.Option(
        None, "--template-dir", metavar="DIR",
        help="A folder of your own templates, looked up before the shipped ones (rendered "
        "in Jinja's sandbox).",
    ),
) -> None:
    """The monthly service review (月度服务报告): tickets opened and closed by category,
    channel and site; SLA compliance per clock; the time to respond and to resolve (median and
    90th percentile, in working time); the breaches; the backlog's age; the reopen rate;
    inspections done against the yearly quota; trainings; repairs and parts replaced with
    their cost. Charts in HTML and PDF.

    \b
    Example:
      svcdesk report monthly --month 2026-10 -o oct.html
      svcdesk report monthly --month 2026-10 --site BJ-HD -o bj-oct.pdf
      svcdesk report monthly --month 2026-10 --lang en > oct.md
    """
    from svcdesk.cli import report as report_cli
    from svcdesk.services import monthly as service

    service.parse_month(month)  # a bad month is said before anything is opened
    shown: Any = 100 if breaches is None else None if breaches.lower() == "all" else int(breaches)
    req = report_cli._request(fmt, out, lang, template_dir)
    done = service.monthly(get_db(), req, month=month, site=site, breaches=shown)
    report_cli._emit(done, f"monthly review of {done.subject}")
