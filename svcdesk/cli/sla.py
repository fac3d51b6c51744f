"""svcdesk sla: the service contract's time promises: clocks, overdue lists, the policy."""

from __future__ import annotations

from typing import Any

import typer

from svcdesk.cli.common import at_option, fmt_option, get_db, note, progress

app = typer.Typer(
    help="SLA clocks, overdue lists and the policy.", no_args_is_help=True, rich_markup_mode=None
)
policy_app = typer.Typer(
    help="The SLA policy: show, check or load one.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(policy_app, name="policy")


def clock_cols(with_ticket: bool = True, why: bool = False) -> list[Any]:
    from svcdesk.output import Col

    cols = [Col("ticket", "TICKET"), Col("site", "SITE")] if with_ticket else []
    cols += [
        Col("name", "CLOCK"),
        Col("state", "STATE"),
        Col("due_at", "DUE", "instant"),
        Col("seconds_left", "LEFT", "duration"),
    ]
    if with_ticket:
        cols += [Col("assignee", "ASSIGNEE"), Col("title", "TITLE")]
    if why:
        cols += [Col("met_at", "MET", "instant"), Col("why", "WHY")]
    return cols


def urgency_style(row: dict[str, Any]) -> str | None:
    """Red when overdue, yellow within two hours, dim when paused or met."""
    state = row.get("state")
    left = row.get("seconds_left")
    if state in ("paused", "met"):
        return "dim"
    if left is None:
        return None
    if left < 0:
        return "bold red"
    if left < 2 * 3600:
        return "yellow"
    return "green"


@app.command("status")
def status(
    ticket: str = typer.Argument(..., metavar="TICKET", help="Ticket ref, number or prefix."),
    fmt: str = fmt_option(),
) -> None:
    """Every clock of a ticket: due instant, state, time left or overdue by, and why.

    \b
    Example:
      svcdesk sla status 12
    """
    from svcdesk import output
    from svcdesk.services import sla

    result = sla.status(get_db(), ticket)
    if output.pick_format(fmt) == "table":
        note(f"{result['ticket']} ({result['status']}): {result['title']}")
    output.render_list(
        result["clocks"], clock_cols(with_ticket=False, why=True), fmt,
        empty=f"{result['ticket']} has no SLA clocks", style=urgency_style,
    )  # fmt: skip


@app.command("overdue")
def overdue(
    within: str = typer.Option(
        None, "--within", metavar="DURATION", help="Also clocks due within this time, e.g. 2h."
    ),
    site: str = typer.Option(None, "--site", help="Only this site."),
    check: bool = typer.Option(False, "--check", help="Exit 3 when anything is listed (cron)."),
    fmt: str = fmt_option(),
) -> None:
    """Breached clocks (and with --within, those due soon), earliest deadline first.

    Prints nothing when nothing is overdue, so cron mails only when there is work.

    \b
    Example:
      svcdesk sla overdue --within 1h --check
    """
    from svcdesk import output
    from svcdesk.services import sla

    fmt = output.pick_format(fmt)
    rows = sla.overdue(get_db(), within=within, site=site, as_json=fmt == "json")
    count = output.render_list(
        rows, clock_cols(), fmt, empty="nothing is overdue", style=urgency_style
    )
    if check and count:
        raise typer.Exit(3)


@app.command("board")
def board(
    site: str = typer.Option(None, "--site", help="Only this site."),
    fmt: str = fmt_option(),
) -> None:
    """Open tickets, most urgent first, coloured by time left.

    \b
    Example:
      svcdesk sla board --site BJ-HD
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import sla

    cols = [
        Col("ticket", "TICKET"),
        Col("severity", "SEV"),
        Col("site", "SITE"),
        Col("status", "STATUS"),
        Col("next_clock", "NEXT"),
        Col("due_at", "DUE", "instant"),
        Col("seconds_left", "LEFT", "duration"),
        Col("assignee", "ASSIGNEE"),
        Col("title", "TITLE"),
    ]

    def style(row: dict[str, Any]) -> str | None:
        if row["status"] == "paused":
            return "dim"
        return urgency_style({"seconds_left": row["seconds_left"]})

    output.render_list(
        sla.board(get_db(), site=site), cols, fmt, empty="no open tickets", style=style
    )


@app.command("recompute")
def recompute(fmt: str = fmt_option()) -> None:
    """Rebuild every ticket's clocks from its events (after a policy or holiday change).

    \b
    Example:
      svcdesk sla recompute
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import sla

    with progress("recomputing clocks") as update:
        result = sla.recompute(get_db(), progress=update)
    if fmt:
        output.render_record(result, [Col("tickets", "Tickets"), Col("changed", "Changed")], fmt)
    else:
        note(f"recomputed {result['tickets']} tickets; {result['changed']} had new deadlines")


# --------------------------------------------------------------------------------------------
# The policy


@policy_app.command("show")
def policy_show(
    source: bool = typer.Option(False, "--source", help="Print the policy's TOML instead."),
    fmt: str = fmt_option(),
) -> None:
    """The policy in force now: working time, holidays and each class's clocks.

    \b
    Example:
      svcdesk sla policy show --source > policy.toml
    """
    from svcdesk import output
    from svcdesk.output import Col, Section
    from svcdesk.services import policies

    shown = policies.show(get_db())
    if source:
        typer.echo(shown["source"], nl=False)
        return
    fields = [
        Col("name", "Policy"),
        Col("id", "Version"),
        Col("effective_at", "In force since", "instant"),
        Col("timezone", "Time zone"),
        Col("holidays", "Holidays"),
        Col("working_hours", "Working hours"),
    ]
    sections = [
        Section(
            "clocks",
            "Clocks",
            [
                Col("class", "CLASS"),
                Col("match", "MATCH"),
                Col("clock", "CLOCK"),
                Col("target", "TARGET"),
                Col("time", "TIME"),
            ],
        )
    ]
    output.render_record(shown, fields, fmt, sections=sections)


@policy_app.command("check")
def policy_check(file: str = typer.Argument(..., help="A policy TOML file.")) -> None:
    """Check a policy file; every problem is printed with its line and key.

    \b
    Example:
      svcdesk sla policy check my-policy.toml
    """
    from svcdesk.services import policies

    policy = policies.check_file(file)
    note(f"{file}: ok ({policy.name}: {len(policy.classes)} ticket classes)")


@policy_app.command("load")
def policy_load(
    file: str = typer.Argument(..., help="A policy TOML file."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> None:
    """Store a policy as a new version, in force from --at (default: now).

    Tickets keep the version they were opened under; tickets opened after --at move to it.

    \b
    Example:
      svcdesk sla policy load my-policy.toml --at 2027-01-01
    """
    from svcdesk import output
    from svcdesk.output import Col
    from svcdesk.services import policies

    result = policies.load(get_db(), file, at=at)
    if fmt:
        fields = [Col("id", "Version"), Col("name", "Policy"), Col("effective_at", "In force")]
        output.render_record(result, fields + [Col("moved", "Tickets moved")], fmt)
    else:
        note(
            f"loaded {result['name']!r} as version {result['id'][:12]}, in force from "
            f"{result['effective_at']:%Y-%m-%d %H:%M}; {result['moved']} ticket(s) moved to it"
        )
