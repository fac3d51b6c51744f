"""svcdesk report: the written reports the service contract promises (Markdown, HTML, PDF)."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Reports: incident, inspection, monthly review, overdue, site dossier.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
