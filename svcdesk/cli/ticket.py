"""svcdesk ticket: open fault tickets and move them through their lifecycle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from svcdesk.cli import complete
from svcdesk.cli.common import ask, at_option, fmt_option, get_db, interactive, renders
from svcdesk.domain.tickets import CATEGORIES, CHANNELS, LIST_SORTS, SEVERITIES

if TYPE_CHECKING:
    from svcdesk.output import Result

app = typer.Typer(
    help="Fault tickets and their lifecycle.", no_args_is_help=True, rich_markup_mode=None
)

TICKET_ARG = typer.Argument(
    ...,
    metavar="TICKET",
    help="Ticket ref (KQ7M-12), its number (12), or a unique prefix.",
    autocompletion=complete.tickets,
)


def _choices(values: tuple[str, ...]):
    return lambda: list(values)


def _sort_fields() -> list[str]:
    return [*LIST_SORTS, *(f"-{f}" for f in LIST_SORTS)]


def _ticket(rec: dict[str, Any], notes: list[str] | None = None) -> Result:
    """A ticket as `ticket show` shows it: fields, SLA clocks, timeline."""
    from svcdesk import output
    from svcdesk.cli import views

    return output.Result(
        record=rec,
        fields=views.TICKET_FIELDS,
        sections=views.TICKET_SECTIONS,
        human=_human,
        notes=notes or [],
    )


def _human(rec: dict[str, Any]) -> dict[str, Any]:
    """A ticket as people read it (`views.ticket_human`), with what a proposal's wait and a
    public reply mean said in the timeline."""
    from svcdesk.cli import views

    rec = views.ticket_human(rec)
    waiting = None
    for ev in rec.get("events", []):
        kind, by = ev["kind"], ev["details"].get("by")
        if not ev.get("in_effect", True):  # the timeline set it aside: it changed nothing
            kind = ""
        if kind == "proposed":
            ev["summary"] = f"waiting for the customer's consent to: {ev['note']}"
            waiting = ev
        elif kind in ("approved", "declined"):
            verb = "agreed" if kind == "approved" else "declined"
            ev["summary"] = f"{by} {verb}" + (f": {ev['note']}" if ev["note"] else "")
            waiting = None
        elif kind in ("resolved", "closed"):
            waiting = None
        elif kind == "replied":
            ev["summary"] = f"reply to the customer: {ev['note']}"
    if waiting is not None:
        paused = [c["name"] for c in rec.get("clocks", [])
                  if c["name"] in ("resolve", "restore") and c["state"] == "paused"]  # fmt: skip
        if paused:
            waiting["summary"] += f" ({' and '.join(paused)} clock paused until answered)"
    return views.mark_set_aside(views.mark_dated_ahead(rec))


@app.command("open")
@renders
def open_(
    site: str = typer.Option(
        None, "--site", help="Site code (prompted on a terminal).", autocompletion=complete.sites
    ),
    title: str = typer.Option(None, "--title", help="What is wrong (prompted on a terminal)."),
    category: str = typer.Option(
        None,
        "--category",
        help="operation, environment, software, hardware or other.",
        autocompletion=_choices(CATEGORIES),
    ),
    severity: str = typer.Option(
        None,
        "--severity",
        help="major, normal, minor or upgrade (default: normal; during an upgrade at the site, "
        "the policy's fault severity, major).",
        autocompletion=_choices(SEVERITIES),
    ),
    channel: str = typer.Option(
        "phone",
        "--channel",
        help="phone, remote, email, web or onsite.",
        autocompletion=_choices(CHANNELS),
    ),
    asset: str = typer.Option(
        None,
        "--asset",
        help="The asset at fault: its ref, its serial number, or a prefix.",
        autocompletion=complete.assets,
    ),
    reporter: str = typer.Option(None, "--reporter", help="Who reported it."),
    due: str = typer.Option(
        None, "--due", help="Upgrade requests: the date the customer asked for."
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Open a fault ticket; prompts for what is missing on a terminal.

    \b
    Example:
      svcdesk ticket open --site BJ-HD --category hardware \\
        --title "Queue machine prints blank tickets"
    """
    from svcdesk.errors import InvalidValue
    from svcdesk.services import sites, tickets

    if site is None and asset is None:
        if not interactive():
            raise InvalidValue("missing --site (required when not on a terminal)")
        site = ask("Site", check=lambda code: sites.show_site(get_db(), code))
    if title is None:
        if not interactive():
            raise InvalidValue("missing --title (required when not on a terminal)")
        title = ask("Title")
    if category is None:
        category = (
            ask("Category", choices=CATEGORIES, default="other") if interactive() else "other"
        )
    rec = tickets.open_ticket(
        get_db(),
        site=site,
        title=title,
        category=category,
        severity=severity,
        channel=channel,
        asset=asset,
        reporter=reporter,
        due=due,
        at=at,
    )
    return _ticket(rec)


@app.command("list")
@renders
def list_(
    status: str = typer.Option(
        "open",
        "--status",
        help="open (every status but closed), closed, all, paused or resolved.",
        autocompletion=_choices(("open", "closed", "all", "paused", "resolved")),
    ),
    site: str = typer.Option(None, "--site", help="Only this site.", autocompletion=complete.sites),
    assignee: str = typer.Option(
        None, "--assignee", help="Only tickets assigned to this engineer (any case)."
    ),
    since: str = typer.Option(None, "--since", help="Opened at or after this instant."),
    until: str = typer.Option(None, "--until", help="Opened before this instant."),
    severity: str = typer.Option(
        None,
        "--severity",
        metavar="SEVERITY",
        help="Only this severity: major, normal, minor or upgrade.",
        autocompletion=_choices(SEVERITIES),
    ),
    category: str = typer.Option(
        None,
        "--category",
        metavar="CATEGORY",
        help="Only this category: operation, environment, software, hardware or other.",
        autocompletion=_choices(CATEGORIES),
    ),
    search: str = typer.Option(
        None,
        "--search",
        metavar="TEXT",
        help="Only tickets whose title or reporter contains TEXT (A-Z in any case).",
    ),
    sort: str = typer.Option(
        None,
        "--sort",
        metavar="FIELD",
        help="Order by opened, updated, due, severity, category, status, site, ref, title, "
        "assignee or reporter; '-' in front: descending (default: -opened, newest first).",
        autocompletion=_sort_fields,
    ),
    limit: int = typer.Option(None, "--limit", metavar="N", help="At most N tickets."),
    fmt: str = fmt_option(),
) -> Result:
    """List tickets, newest first (or in --sort order).

    \b
    Examples:
      svcdesk ticket list --status all --site BJ-HD -f json
      svcdesk ticket list --severity major --sort due --limit 10
      svcdesk ticket list --search printer --assignee "li wei"
    """
    from svcdesk import output
    from svcdesk.cli import views
    from svcdesk.services import tickets

    chosen = output.pick_format(fmt)
    rows = tickets.list_tickets(
        get_db(), status=status, site=site, assignee=assignee, since=since, until=until,
        severity=severity, category=category, search=search, sort=sort, limit=limit,
        as_json=chosen == "json", brief=chosen in ("table", "plain", "md"), parsed=chosen == "csv",
    )  # fmt: skip
    brief = chosen in ("table", "plain", "md")
    return output.Result(rows=rows, cols=views.TICKET_COLS, empty="no tickets match",
                         keys=views.TICKET_KEYS,
                         row_keys=tickets.BRIEF if brief else None)  # fmt: skip


@app.command("show")
@renders
def show(ticket: str = TICKET_ARG, fmt: str = fmt_option()) -> Result:
    """Show a ticket, its SLA clocks and its event timeline.

    \b
    Example:
      svcdesk ticket show 12
    """
    from svcdesk.services import tickets

    return _ticket(tickets.show_ticket(get_db(), ticket))


@app.command("edit")
@renders
def edit(
    ticket: str = TICKET_ARG,
    title: str = typer.Option(None, "--title", metavar="TEXT", help="What is wrong."),
    severity: str = typer.Option(
        None,
        "--severity",
        metavar="SEVERITY",
        help="major, normal, minor or upgrade.",
        autocompletion=_choices(SEVERITIES),
    ),
    category: str = typer.Option(
        None,
        "--category",
        metavar="CATEGORY",
        help="operation, environment, software, hardware or other.",
        autocompletion=_choices(CATEGORIES),
    ),
    channel: str = typer.Option(
        None,
        "--channel",
        metavar="CHANNEL",
        help="phone, remote, email, web or onsite.",
        autocompletion=_choices(CHANNELS),
    ),
    site: str = typer.Option(
        None,
        "--site",
        metavar="SITE",
        help="Move it to this site (code).",
        autocompletion=complete.sites,
    ),
    asset: str = typer.Option(
        None,
        "--asset",
        metavar="ASSET",
        help="The asset at fault: ref, serial or prefix ('' detaches it).",
        autocompletion=complete.assets,
    ),
    reporter: str = typer.Option(
        None, "--reporter", metavar="NAME", help="Who reported it ('' clears it)."
    ),
    due: str = typer.Option(
        None, "--due", metavar="INSTANT", help="Upgrade requests: the date the customer asked for."
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Correct a ticket: its title, class, site, asset or reporter.

    The timeline records what changed from what to what. A new severity or category makes
    the SLA clocks follow the policy's class for it, counted from the report; a closed
    ticket keeps its class, due date and site (its title, reporter, channel and asset can
    still be corrected). Concurrent edits of one field on two laptops show in
    'svcdesk sync conflicts'.

    \b
    Example:
      svcdesk ticket edit 12 --severity major --title "Hall screens all dark"
    """
    from svcdesk.cli.common import notify
    from svcdesk.services import tickets

    rec = tickets.edit_ticket(
        get_db(), ticket, title=title, severity=severity, category=category, channel=channel,
        site=site, asset=asset, reporter=reporter, due=due, at=at, notify=notify,
    )  # fmt: skip
    return _ticket(rec)


@app.command("assign")
@renders
def assign(
    ticket: str = TICKET_ARG,
    engineer: str = typer.Argument(..., help="Who takes it."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Assign a ticket to an engineer.

    \b
    Example:
      svcdesk ticket assign 12 "Li Wei"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.assign(get_db(), ticket, engineer, at=at))


@app.command("respond")
@renders
def respond(
    ticket: str = TICKET_ARG,
    note: str = typer.Option(None, "--note", help="What was said or done."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Record a substantive response (restarts the update clock).

    The first response meets the 30-minute promise; each one is a reply to the customer that
    restarts the update clock of email and website tickets.

    \b
    Example:
      svcdesk ticket respond 12 --note "Called the hall manager; restarting the printer"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.respond(get_db(), ticket, note=note, at=at))


@app.command("escalate")
@renders
def escalate(
    ticket: str = TICKET_ARG,
    to: str = typer.Option(None, "--to", help="The senior engineer who takes over."),
    note: str = typer.Option(None, "--note"),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Escalate: the on-site engineer cannot fix it; a senior engineer must come.

    \b
    Example:
      svcdesk ticket escalate 12 --to "Zhang Min" --note "Mainboard fault"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.escalate(get_db(), ticket, to=to, note=note, at=at))


@app.command("arrive")
@renders
def arrive(
    ticket: str = TICKET_ARG,
    engineer: str = typer.Option(None, "--engineer", help="Who arrived (default: you)."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Record an engineer's arrival on site.

    \b
    Example:
      svcdesk ticket arrive 12 --engineer "Zhang Min"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.arrive(get_db(), ticket, engineer=engineer, at=at))


@app.command("pause")
@renders
def pause(
    ticket: str = TICKET_ARG,
    reason: str = typer.Option(..., "--reason", help="What we are waiting for."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Pause a ticket while waiting on the customer (its clocks stop).

    \b
    Example:
      svcdesk ticket pause 12 --reason "Waiting for the customer's spare disk"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.pause(get_db(), ticket, reason=reason, at=at))


@app.command("resume")
@renders
def resume(ticket: str = TICKET_ARG, at: str = at_option(), fmt: str = fmt_option()) -> Result:
    """Resume a paused ticket (its clocks run again).

    \b
    Example:
      svcdesk ticket resume 12
    """
    from svcdesk.services import tickets

    return _ticket(tickets.resume(get_db(), ticket, at=at))


@app.command("resolve")
@renders
def resolve(
    ticket: str = TICKET_ARG,
    note: str = typer.Option(..., "--note", help="What fixed it."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Mark a ticket resolved (the incident report is then due).

    \b
    Example:
      svcdesk ticket resolve 12 --note "Replaced the thermal print head"
    """
    from svcdesk.services import tickets

    rec = tickets.resolve_ticket(get_db(), ticket, note=note, at=at)
    kinds = [e["kind"] for e in rec["events"]]
    notes = []
    if "responded" not in kinds and "arrived" not in kinds[: kinds.index("resolved")]:
        notes.append(f"note: no response was recorded on {rec['ref']}; the resolution counts as it")
    return _ticket(rec, notes)


@app.command("report")
@renders
def report(
    ticket: str = TICKET_ARG,
    type_: str = typer.Option(..., "--type", help="Problem type."),
    cause: str = typer.Option(..., "--cause", help="What caused it."),
    method: str = typer.Option(..., "--method", help="How it was fixed."),
    losses: str = typer.Option(None, "--losses", help="Losses caused, if any."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """File the incident report of a resolved ticket.

    \b
    Example:
      svcdesk ticket report 12 --type hardware \\
        --cause "Worn print head" --method "Replaced the head"
    """
    from svcdesk.services import tickets

    return _ticket(
        tickets.report(
            get_db(), ticket, type=type_, cause=cause, method=method, losses=losses, at=at
        )
    )


@app.command("close")
@renders
def close(ticket: str = TICKET_ARG, at: str = at_option(), fmt: str = fmt_option()) -> Result:
    """Close a resolved ticket.

    \b
    Example:
      svcdesk ticket close 12
    """
    from svcdesk.services import tickets

    return _ticket(tickets.close(get_db(), ticket, at=at))


@app.command("reopen")
@renders
def reopen(
    ticket: str = TICKET_ARG,
    reason: str = typer.Option(..., "--reason", help="Why it is not fixed after all."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Reopen a resolved or closed ticket (resolution starts again).

    \b
    Example:
      svcdesk ticket reopen 12 --reason "Blank tickets again after an hour"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.reopen(get_db(), ticket, reason=reason, at=at))


@app.command("comment")
@renders
def comment(
    ticket: str = TICKET_ARG,
    text: str = typer.Argument(..., help="The comment."),
    public: bool = typer.Option(
        False, "--public", help="A reply the customer sees (restarts the update clock)."
    ),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Add a comment to a ticket's timeline (--public: a reply).

    A public comment is a reply: on a ticket by email or website it restarts the update
    clock (the plan's online support replies every day).

    \b
    Examples:
      svcdesk ticket comment 12 "Customer asks for a call after 14:00"
      svcdesk ticket comment 12 --public "The new driver is on its way; we call tomorrow"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.comment(get_db(), ticket, text, public=public, at=at))


@app.command("propose")
@renders
def propose(
    ticket: str = TICKET_ARG,
    plan: str = typer.Option(..., "--plan", help="The fix the customer is asked to agree to."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Propose a fix that needs the customer's consent.

    The plan: a fix is carried out once the customer agrees. Until 'ticket approve' or
    'ticket decline' records the answer, the resolution clock is paused as waiting on the
    customer (unless the policy's [consent] pause_resolution = false).

    \b
    Example:
      svcdesk ticket propose 12 --plan "Reinstall the database server over the weekend"
    """
    from svcdesk.services import tickets

    rec = tickets.propose(get_db(), ticket, plan=plan, at=at)
    return _ticket(rec, _waiting_note(rec))


@app.command("approve")
@renders
def approve(
    ticket: str = TICKET_ARG,
    by: str = typer.Option(..., "--by", help="Who agreed, for the customer."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Record the customer's consent to the proposed fix.

    The resolution clock runs again from this instant.

    \b
    Example:
      svcdesk ticket approve 12 --by "Director Wang"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.approve(get_db(), ticket, by=by, at=at))


@app.command("decline")
@renders
def decline(
    ticket: str = TICKET_ARG,
    by: str = typer.Option(..., "--by", help="Who declined, for the customer."),
    reason: str = typer.Option(..., "--reason", help="Why the customer declined."),
    at: str = at_option(),
    fmt: str = fmt_option(),
) -> Result:
    """Record that the customer declined the proposed fix, and why.

    The resolution clock runs again from this instant.

    \b
    Example:
      svcdesk ticket decline 12 --by "Director Wang" --reason "No downtime before the tax deadline"
    """
    from svcdesk.services import tickets

    return _ticket(tickets.decline(get_db(), ticket, by=by, reason=reason, at=at))


def _waiting_note(rec: dict[str, Any]) -> list[str]:
    """What a proposal that waits does to the ticket's clocks, said once."""
    paused = [c["name"] for c in rec["clocks"]
              if c["name"] in ("resolve", "restore") and c["state"] == "paused"]  # fmt: skip
    if not paused:
        return []
    return [f"note: the {' and '.join(paused)} clock of {rec['ref']} is paused until the customer "
            "answers ('ticket approve' or 'ticket decline')"]  # fmt: skip
