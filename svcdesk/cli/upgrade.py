"""svcdesk upgrade / svcdesk training: upgrades at a site and the operators' training each major
one owes (the plan: "系统重大升级后主动组织培训")."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import at_option, fmt_option, get_db, renders

if TYPE_CHECKING:
    from svcdesk.output import Result

upgrade_app = typer.Typer(
    help="Upgrades at a site: a major one owes its operators a training.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
training_app = typer.Typer(
    help="Trainings of a site's operators (after a major upgrade).",
    no_args_is_help=True,
    rich_markup_mode=None,
)

UPGRADE_KEYS = ("id", "site", "version", "major", "at", "training_due_at", "trained_at",
                "training")  # fmt: skip
TRAINING_KEYS = ("id", "site", "topic", "attendees", "at", "upgrade")


def _site(required: bool) -> Any:
    if required:
        return typer.Option(..., "--site", metavar="SITE", help="Site code.",
                            autocompletion=complete.sites)  # fmt: skip
    return typer.Option(None, "--site", metavar="SITE", help="Only this site.",
                        autocompletion=complete.sites)  # fmt: skip


def _upgrade_cols() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("site", "SITE"),
        Col("version", "VERSION"),
        Col("major", "MAJOR"),
        Col("at", "AT", "instant"),
        Col("training", "TRAINING"),
        Col("training_due_at", "TRAIN BY", "instant", drop=1),
        Col("trained_at", "TRAINED", "instant", drop=2),
    ]


def _training_cols() -> list[Any]:
    from svcdesk.output import Col

    return [
        Col("site", "SITE"),
        Col("at", "AT", "instant"),
        Col("attendees", "PEOPLE", "count"),
        Col("upgrade", "UPGRADE"),
        Col("topic", "TOPIC"),
    ]


def _human_upgrade(rec: dict[str, Any]) -> dict[str, Any]:
    return {**rec, "major": "yes" if rec["major"] else "no"}


@upgrade_app.command("record")
@renders
def upgrade_record(
    site: str = _site(True),
    version: str = typer.Option(..., "--version", metavar="V", help="The version installed."),
    major: bool = typer.Option(
        False, "--major", help="A major upgrade: the site's operators are owed a training."
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Record an upgrade of a site's system; --major owes its operators a training within the
    policy's [training] window (30 days by default).

    \b
    Example:
      svcdesk upgrade record --site BJ-HD --version 3.2 --major --at "yesterday 18:00"
    """
    from svcdesk import output
    from svcdesk.services import upgrades

    rec = upgrades.record_upgrade(get_db(), site=site, version=version, major=major, at=at)
    return output.Result(record=rec, fields=_upgrade_cols(), human=_human_upgrade)


@upgrade_app.command("list")
@renders
def upgrade_list(site: str = _site(False), fmt: str = fmt_option()) -> Result:
    """List upgrades, oldest first, with the training each major one owes.

    \b
    Example:
      svcdesk upgrade list --site BJ-HD
    """
    from svcdesk import output
    from svcdesk.services import upgrades

    rows = [_human_upgrade(r) if fmt not in ("json", "csv") else r
            for r in upgrades.list_upgrades(get_db(), site=site)]  # fmt: skip
    return output.Result(rows=rows, cols=_upgrade_cols(), empty="no upgrades recorded",
                         keys=UPGRADE_KEYS)  # fmt: skip


@training_app.command("record")
@renders
def training_record(
    site: str = _site(True),
    topic: str = typer.Option(..., "--topic", metavar="TEXT", help="What was taught."),
    attendees: int = typer.Option(..., "--attendees", metavar="N", help="How many attended."),
    upgrade: str = typer.Option(
        None, "--upgrade", metavar="V",
        help="The upgrade (version) it trains for (default: the site's oldest major upgrade "
        "still owed a training).",
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Record a training of a site's operators; it discharges the training an upgrade owes.

    \b
    Example:
      svcdesk training record --site BJ-HD --topic "新版叫号系统操作" --attendees 12
    """
    from svcdesk import output
    from svcdesk.services import upgrades

    rec = upgrades.record_training(get_db(), site=site, topic=topic, attendees=attendees,
                                   upgrade=upgrade, at=at)  # fmt: skip
    return output.Result(record=rec, fields=_training_cols())


@training_app.command("list")
@renders
def training_list(site: str = _site(False), fmt: str = fmt_option()) -> Result:
    """List trainings, oldest first.

    \b
    Example:
      svcdesk training list --site BJ-HD -f json
    """
    from svcdesk import output
    from svcdesk.services import upgrades

    rows = upgrades.list_trainings(get_db(), site=site)
    return output.Result(rows=rows, cols=_training_cols(), empty="no trainings recorded",
                         keys=TRAINING_KEYS)  # fmt: skip
