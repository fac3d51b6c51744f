"""svcdesk kb: the knowledge base of classic cases and FAQ, searchable offline."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Knowledge base: classic cases and FAQ, search, the operators' digest.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
