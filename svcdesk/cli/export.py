"""svcdesk export: tickets, events, visits, inspections, assets, articles and parts as CSV, JSON
Lines, JSON or XLSX, streamed in constant memory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli.common import renders

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="Export records for a spreadsheet or another tool (csv, jsonl, json, xlsx).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

FORMATS = ("csv", "jsonl", "json", "xlsx")  # services/exports.py FORMATS (a test checks)

# kind -> (what it exports, the instant --since/--until compare, an example)
KINDS: dict[str, tuple[str, str, str]] = {
    "tickets": (
        "Every ticket (any status), oldest first.\n\n"
        "The fields of `ticket list -f json`; in CSV and XLSX its clocks are one cell of text\n"
        "(`respond: met INSTANT; resolve: breached, due INSTANT`).",
        "opened",
        "svcdesk export tickets --since 2026-10-01 --until 2026-11-01 --excel -o oct.csv",
    ),
    "events": (
        "Every event of every ticket's timeline.\n\n"
        "One row per event (ticket ref, id, kind, instant, actor, note, details as JSON,\n"
        "in_effect: false when the merged timeline set it aside, set_aside_by: the event\n"
        "that stands instead), ticket by ticket, each in timeline order.",
        "recorded as happening",
        "svcdesk export events -f jsonl --since 2026-10-01 > events.jsonl",
    ),
    "visits": (
        "On-site visits, oldest first.\n\n"
        "The fields of `visit list -f json`; in CSV and XLSX the parts replaced are one cell\n"
        "(`SERIAL_OUT:SERIAL_IN[:COST] COVERAGE; ...`).",
        "started",
        "svcdesk export visits -o visits-2026.xlsx --since 2026-01-01 --until 2027-01-01",
    ),
    "inspections": (
        "Inspections, oldest first.\n\n"
        "The fields of `inspect list -f json`; in CSV and XLSX the items are one cell\n"
        "(`ITEM=RESULT: FINDING [TICKET]; ...`).",
        "done",
        "svcdesk export inspections --excel -o inspections.csv",
    ),
    "assets": (
        "Every asset, removed ones too.\n\n"
        "The fields of `asset list --removed -f json`, by site, kind and serial.",
        "registered",
        "svcdesk export assets -o assets.xlsx",
    ),
    "articles": (
        "The knowledge base's articles.\n\n"
        "Fields id, ref, title, kind, tags, tickets, body, updated_at (an empty knowledge\n"
        "base: the header only).",
        "last updated",
        "svcdesk export articles -f json -o kb.json",
    ),
    "parts": (
        "One row per part replaced on a visit, oldest visit first.\n\n"
        "Fields visit, site, ticket, engineer, at (when it went in), asset, serial_out,\n"
        "serial_in, coverage (free, paid, not_covered) and cost: a number in currency units,\n"
        "so a spreadsheet sums it.",
        "whose visit started",
        "svcdesk export parts --since 2026-10-01 --until 2026-11-01 -o parts-oct.xlsx",
    ),
}


def _formats() -> list[str]:
    return list(FORMATS)


def _command(kind: str) -> Callable[..., None]:
    summary, when, example = KINDS[kind]

    def command(
        file_format: str = typer.Option(
            None, "-f", "--format", metavar="FORMAT",
            help="csv, jsonl (one JSON object a line), json or xlsx (default: the -o file's "
            "suffix, else csv).",
            autocompletion=_formats,
        ),
        since: str = typer.Option(
            None, "--since", metavar="INSTANT", help=f"Only those {when} at or after this."
        ),
        until: str = typer.Option(
            None, "--until", metavar="INSTANT", help=f"Only those {when} before this."
        ),
        excel: bool = typer.Option(
            False, "--excel",
            help="CSV for Excel: UTF-8 with a BOM and CRLF line ends (Chinese text opens "
            "cleanly).",
        ),
        output: str = typer.Option(
            None, "-o", "--output", metavar="FILE",
            help="Write to FILE (whole or not at all) instead of stdout.",
        ),
        force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
    ) -> Result:
        return _export(kind, file_format, since, until, excel, output, force)

    command.__name__ = f"export_{kind}"
    command.__doc__ = (
        f"{summary}\n\n"
        "Cells a spreadsheet would run as formulas get a ' in front (CSV and XLSX only);\n"
        "instants are ISO 8601 in the display zone.\n\n"
        f"\b\nExample:\n  {example}"
    )
    return renders(command)


def _export(kind: str, file_format: str | None, since: str | None, until: str | None,
            excel: bool, output: str | None, force: bool) -> Result:  # fmt: skip
    import sys

    from svcdesk import output as out
    from svcdesk.cli.common import get_db, notify, progress
    from svcdesk.errors import InvalidValue
    from svcdesk.services import exports

    plan = exports.plan(kind, fmt=file_format, since=since, until=until, excel=excel,
                        output=output, force=force)  # fmt: skip
    if plan.path is None and plan.fmt == "xlsx" and sys.stdout.isatty():
        raise InvalidValue("-f xlsx writes a binary file: give -o FILE.xlsx (or redirect stdout)")
    db = get_db()
    if plan.path is None:
        sys.stdout.flush()
        stream: Any = getattr(sys.stdout, "buffer", None)
        if stream is None:
            raise InvalidValue("this stdout takes no bytes: give -o FILE")
        exports.export(db, plan, stdout=stream, notify=notify)
        return out.Result()
    with progress(f"exporting {kind}") as update:
        done = exports.export(db, plan, notify=notify, progress=update)
    rows = done["rows"]
    return out.Result(message=f"exported {rows:,} {_noun(kind, rows)} to {done['file']}")


def _noun(kind: str, n: int) -> str:
    return kind if n != 1 else kind[:-1]


for _kind in KINDS:
    app.command(_kind)(_command(_kind))
