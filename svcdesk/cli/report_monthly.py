"""`svcdesk report monthly`: the monthly service review (月度服务报告), registered on the
`report` group by cli/report.py (`app.command("monthly")(monthly)`).

The options -f, -o, --lang and --template-dir are those of every report command (the same
words and checks as in cli/report.py; this module imports nothing of it at import time, so it
may be registered from anywhere in that module).
"""

from __future__ import annotations

from typing import Any

import typer

from svcdesk.cli import complete, report_options
from svcdesk.cli.common import get_db


def _breaches(value: str | None) -> str | None:
    if value is None or value.strip().lower() == "all" or value.strip().isdigit():
        return value
    raise typer.BadParameter(f"{value!r} is not a number of breaches (give N >= 0, or all)")


def monthly(
    month: str = typer.Option(
        None, "--month", metavar="YYYY-MM",
        help="The month to review, such as 2026-10 (its days in the policy's time zone; "
        "default: this month).",
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
        help="md, html, pdf, or json: the review's figures for scripts (default: from the "
        "suffix of -o, else md).",
        autocompletion=lambda: [*report_options.FORMATS, "json"],
    ),
    out: str = report_options.out_option(),
    lang: str = report_options.lang_option(),
    template_dir: str = report_options.template_dir_option(),
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
      svcdesk report monthly -f json          (this month's figures, for scripts)
    """
    from svcdesk.services import monthly as service

    if month is None:
        month = service.this_month()
    service.parse_month(month)  # a bad month is said before anything is opened
    shown: Any = 100 if breaches is None else None if breaches.lower() == "all" else int(breaches)
    if fmt is not None and fmt.strip().lower() not in (*report_options.FORMATS, "markdown",
                                                        "json"):  # fmt: skip
        from svcdesk.errors import InvalidValue

        raise InvalidValue(f"unknown report format {fmt!r} (choose from: "
                           f"{', '.join(report_options.FORMATS)}, json)")  # fmt: skip
    if _json_asked(fmt, out):
        _json(service, month, site, out)
        return
    req = report_options.request(fmt, out, lang, template_dir)
    done = service.monthly(get_db(), req, month=month, site=site, breaches=shown)
    report_options.emit(done, f"monthly review of {done.subject}")


def _json_asked(fmt: str | None, out: str | None) -> bool:
    """-f json, or no -f and -o FILE.json."""
    if fmt is not None:
        return fmt.strip().lower() == "json"
    return out is not None and out.lower().endswith(".json")


def _json(service: Any, month: str, site: str | None, out: str | None) -> None:
    """The review's figures as JSON (`services.monthly.review_json`), on stdout or written
    whole to -o FILE."""
    figures, text = service.review_json(get_db(), month=month, site=site, out=out)
    if out in (None, "-"):
        typer.echo(text, nl=False)
        return
    typer.echo(f"wrote the monthly review of {figures['month']} to {out} (json)", err=True)
