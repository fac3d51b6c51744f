"""svcdesk export: tickets, events, visits, inspections, assets and articles as CSV, JSON
Lines, JSON or XLSX, streamed in constant memory."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Export records for a spreadsheet or another tool (csv, jsonl, json, xlsx).",
    no_args_is_help=True,
    rich_markup_mode=None,
)
