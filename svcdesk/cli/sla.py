"""svcdesk sla: the service contract's time promises: clocks, overdue lists, the policy."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import (
    at_option,
    check_option,
    fmt_option,
    get_db,
    lang_option,
    progress,
    quiet_option,
    renders,
)

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="SLA clocks, overdue lists and the policy.", no_args_is_help=True, rich_markup_mode=None
)
policy_app = typer.Typer(
    help="The SLA policy: show, check or load one.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(policy_app, name="policy")


@app.command("status")
@renders
def status(
    ticket: str = typer.Argument(
        ..., metavar="TICKET", help="Ticket ref, number or prefix.", autocompletion=complete.tickets
    ),
    lang: str = lang_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Every clock of a ticket: due instant, state, time left or overdue by, and why.

    \b
    Example:
      svcdesk sla status 12
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sla

    result = sla.status(get_db(), ticket)
    return output.Result(
        rows=result["clocks"],
        cols=views.clock_cols(with_ticket=False, why=True, lang=lang or result["language"]),
        title=f"{result['ticket']} ({result['status']}): {result['title']}",
        empty=f"{result['ticket']} has no SLA clocks",
        style=views.urgency_style,
    )


@app.command("overdue")
@renders
def overdue(
    within: str = typer.Option(
        None, "--within", metavar="DURATION", help="Also clocks due within this time, e.g. 2h."
    ),
    site: str = typer.Option(None, "--site", help="Only this site.", autocompletion=complete.sites),
    check: bool = check_option(),
    quiet: bool = quiet_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Breached clocks (and with --within, those due soon), earliest deadline first.

    Prints nothing when nothing is overdue, so cron mails only when there is work.

    \b
    Example:
      svcdesk sla overdue --within 1h --check
      svcdesk sla overdue --check -q || mail -s "tickets overdue" desk@example.com
    """
    from svcdesk import output

    if quiet and site is None:  # cron asks many times a day: answer from the index alone
        from svcdesk.cli.common import state
        from svcdesk.domain.errors import ExitCode
        from svcdesk.services import quick

        output.pick_format(fmt)  # -f is checked all the same
        found = quick.anything_overdue(state.db_url, within=within)
        if found is not None:
            return output.Result(exit_code=ExitCode.FOUND if found else ExitCode.OK, quiet=True)
    from svcdesk.cli import views
    from svcdesk.services import sla

    rows = sla.overdue(
        get_db(), within=within, site=site, as_json=output.pick_format(fmt) == "json"
    )
    return output.Result(
        rows=rows,
        cols=views.clock_cols(),
        empty="nothing is overdue",
        style=views.urgency_style,
        check=check or quiet,
        quiet=quiet,
    )


@app.command("board")
@renders
def board(
    site: str = typer.Option(None, "--site", help="Only this site.", autocompletion=complete.sites),
    every: bool = typer.Option(
        False, "--all", help="Every row on a terminal too (default there: the most urgent page)."
    ),
    lang: str = lang_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Open tickets, most urgent first, coloured by time left.

    On a terminal, the most urgent page and how many more; in a pipe and in every -f but
    table, every row.

    \b
    Example:
      svcdesk sla board --site BJ-HD
      svcdesk sla board --all
    """
    import sys

    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import policies, sla

    db = get_db()
    chosen = output.pick_format(fmt)
    brief = chosen in ("table", "plain", "md")
    paged = chosen == "table" and sys.stdout.isatty() and not every
    limit = page_size() if paged else None
    rows = sla.board(db, site=site, brief=brief, as_json=chosen == "json", parsed=chosen == "csv",
                     limit=limit)  # fmt: skip
    footer = None
    if paged:
        page = list(rows)
        more = sla.board_count(db, site=site) - len(page)
        if len(page) == limit and more > 0:
            footer = f"\u2026 and {more:,} more; --all shows every row"
        rows = iter(page)
    return output.Result(
        rows=rows,
        cols=views.board_cols(lang or policies.language_now(db)),
        empty="no open tickets",
        style=views.board_style,
        row_keys=sla.BOARD_BRIEF if brief else None,
        footer=footer,
    )


def page_size() -> int:
    """The rows of the board a terminal shows at once: its height less the header, the line
    saying how many more and the prompt's (at least 10)."""
    import shutil

    return max(shutil.get_terminal_size().lines - 3, 10)


@app.command("recompute")
@renders
def recompute(fmt: str = fmt_option()) -> Result:
    """Rebuild every ticket's clocks from its events (after a policy or holiday change).

    \b
    Example:
      svcdesk sla recompute
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import sla

    with progress("recomputing clocks") as update:
        result = sla.recompute(get_db(), progress=update)
    return output.Result(
        record=result,
        fields=views.RECOMPUTE_FIELDS,
        message=f"recomputed {result['tickets']} tickets; {result['changed']} had new deadlines",
        brief=True,
    )


# --------------------------------------------------------------------------------------------
# The policy


@policy_app.command("show")
@renders
def policy_show(
    source: bool = typer.Option(False, "--source", help="Print the policy's TOML instead."),
    fmt: str = fmt_option(),
) -> Result:
    """The policy in force now: working time, holidays and each class's clocks.

    \b
    Example:
      svcdesk sla policy show --source > policy.toml
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import policies

    shown = policies.show(get_db())
    if source:
        return output.Result(text=shown["source"])
    from svcdesk.output import Col

    notes = []
    if shown["guessed_years"]:
        notes.append(policies.guessed_note(policies.parse(shown["source"]), shown["guessed_years"]))
    fields = [*views.POLICY_FIELDS, Col("calendar", "Calendar")]
    return output.Result(record=shown, fields=fields, sections=views.POLICY_SECTIONS, notes=notes)


@policy_app.command("check")
@renders
def policy_check(file: str = typer.Argument(..., help="A policy TOML file.")) -> Result:
    """Check a policy file; every problem is printed with its line and key.

    \b
    Example:
      svcdesk sla policy check my-policy.toml
    """
    from svcdesk import output
    from svcdesk.services import policies

    policy = policies.check_file(file)
    guessed = policies.guessed_years(policy)
    return output.Result(
        message=f"{file}: ok ({policy.name}: {len(policy.classes)} ticket classes)",
        notes=[policies.guessed_note(policy, guessed)] if guessed else [],
    )


@policy_app.command("load")
@renders
def policy_load(
    file: str = typer.Argument(..., help="A policy TOML file."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Store a policy as a new version, in force from --at (default: now).

    Tickets keep the version they were opened under; tickets opened after --at move to it.

    \b
    Example:
      svcdesk sla policy load my-policy.toml --at 2027-01-01
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import policies

    result = policies.load(get_db(), file, at=at)
    notes = result.pop("notes")
    return output.Result(
        notes=notes,
        record=result,
        fields=views.POLICY_LOAD_FIELDS,
        message=(
            f"loaded {result['name']!r} as version {result['id'][:12]}, in force from "
            f"{result['effective_at']:%Y-%m-%d %H:%M}; {result['moved']} ticket(s) moved to it"
        ),
        brief=True,
    )
