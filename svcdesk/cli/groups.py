"""The command groups, registered lazily: `svcdesk --help` and shell completion import none of
them.

GROUPS names each group's module and its one-line help, in the order `svcdesk --help` lists
them. A group's module is imported, and its Typer app turned into a click command, only when a
command line names it (`svcdesk ticket ...`, `svcdesk ticket --help`, `svcdesk ticket li<Tab>`).
The help text here is what the module declares (tests/test_lazy_groups.py checks every entry
against the real group, so the two cannot drift).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# name -> ("module:attribute", the first paragraph of its help), in `--help` order; None marks
# a command the root app registers itself (init)
GROUPS: tuple[tuple[str, str | None, str], ...] = (
    ("due", "svcdesk.cli.due:due",
     "Every obligation overdue or due soon, most urgent first: SLA clocks, incident reports, "
     "inspections behind their yearly pace, trainings owed after major upgrades, the "
     "operators' FAQ digest."),
    ("init", None, ""),
    ("site", "svcdesk.cli.site:app", "Customer sites."),
    ("ticket", "svcdesk.cli.ticket:app", "Fault tickets and their lifecycle."),
    ("sla", "svcdesk.cli.sla:app", "SLA clocks, overdue lists and the policy."),
    ("warranty", "svcdesk.cli.warranty:app", "Warranty decisions and what is about to expire."),
    ("asset", "svcdesk.cli.asset:app", "Equipment at customer sites, with warranty dates."),
    ("visit", "svcdesk.cli.visit:app",
     "On-site visits: start, end with parts and sign-off, time on site."),
    ("inspect", "svcdesk.cli.inspect:app",
     "On-site inspections: record one against the checklist, see who is behind the yearly "
     "quota, plan the year as a calendar."),
    ("upgrade", "svcdesk.cli.upgrade:upgrade_app",
     "Upgrades at a site: a major one owes its operators a training."),
    ("training", "svcdesk.cli.upgrade:training_app",
     "Trainings of a site's operators (after a major upgrade)."),
    ("report", "svcdesk.cli.report:app",
     "Reports: incident, inspection, monthly review, overdue, site dossier (Markdown, HTML or "
     "PDF)."),
    ("export", "svcdesk.cli.export:app",
     "Export records for a spreadsheet or another tool (csv, jsonl, json, xlsx)."),
    ("kb", "svcdesk.cli.kb:app",
     "Knowledge base: classic cases and FAQ, search, the operators' digest."),
    ("sync", "svcdesk.cli.sync:app", "Sync with another replica: push and pull in one command."),
    ("db", "svcdesk.cli.db:app", "The database file itself."),
    ("team", "svcdesk.cli.team:app",
     "The team: create one, ask to join, enrol a laptop, join, list the members."),
    ("whoami", "svcdesk.cli.team:whoami",
     "Who this laptop records as: engineer, role, regions, key fingerprint and team."),
)
LAZY = {name: target for name, target, _ in GROUPS if target is not None}


class _Stub(TyperCommand):
    """A group not yet imported: its name and one-line help, for `--help` and completion."""


def load(name: str) -> Any:
    """The Typer app (or command function) that GROUPS names for `name`."""
    module, attr = LAZY[name].split(":")
    return getattr(importlib.import_module(module), attr)


def build(name: str) -> Any:
    """The click command of group `name`, as `app.add_typer(...)` / `app.command(...)` made it."""
    target = load(name)
    holder = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return typer.main.get_group(holder).commands[name]


class LazyGroup(TyperGroup):
    """The root group: holds a stub per group in GROUPS and builds the real one when asked."""

    def __init__(self, *, commands: Any = None, **attrs: Any) -> None:
        super().__init__(commands=commands, **attrs)
        eager: MutableMapping[str, Any] = dict(self.commands)
        self.commands = {}
        for name, target, text in GROUPS:
            if target is None:
                if name in eager:
                    self.commands[name] = eager.pop(name)
            else:
                self.commands[name] = _Stub(name, help=text, rich_markup_mode=None)
        self.commands.update(eager)
        self._peeking = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = self.commands.get(cmd_name)
        if isinstance(cmd, _Stub) and not self._peeking:
            cmd = self.commands[cmd_name] = build(cmd_name)
        return cmd

    @contextmanager
    def _peek(self) -> Iterator[None]:
        """Within: get_command answers with stubs (names and help), importing nothing."""
        self._peeking = True
        try:
            yield
        finally:
            self._peeking = False

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        with self._peek():
            super().format_commands(ctx, formatter)

    def shell_complete(self, ctx: Any, incomplete: str) -> Any:
        with self._peek():
            return super().shell_complete(ctx, incomplete)
