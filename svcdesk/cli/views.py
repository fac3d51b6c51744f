"""How each command shows its data to people: the columns of its lists, the fields and sections
of its records, and the human-only additions (summaries, reasons as rows, colours).

JSON and CSV carry the services' records as they are; these views decide only the table, plain
and Markdown formats. Imported inside commands (it loads `output`), never at start-up.
"""

from __future__ import annotations

from typing import Any

from svcdesk.output import Col, Section

# --------------------------------------------------------------------------------------------
# Sites

SITE_COLS = [
    Col("code", "CODE"),
    Col("name", "NAME"),
    Col("region", "REGION", drop=1),
    Col("contact", "CONTACT", drop=2),
    Col("open_tickets", "OPEN", "count"),
]
SITE_FIELDS = [
    Col("code", "Code"),
    Col("name", "Name"),
    Col("region", "Region"),
    Col("tz", "Time zone"),
    Col("contact", "Contact"),
    Col("contract_start", "Contract start"),
    Col("open_tickets", "Open tickets"),
    Col("assets", "Assets"),
    Col("created_at", "Added", "instant"),
    Col("id", "Id"),
]

# --------------------------------------------------------------------------------------------
# Tickets

TICKET_COLS = [
    Col("ref", "REF"),
    Col("site", "SITE"),
    Col("status", "STATUS"),
    Col("severity", "SEV"),
    Col("category", "CATEGORY", drop=2),
    Col("assignee", "ASSIGNEE", drop=1),
    Col("opened_at", "OPENED", "instant"),
    Col("title", "TITLE"),
]
# the fields of a ticket in a list (its JSON and CSV columns, the CSV header of an empty one)
TICKET_KEYS = ("id", "ref", "title", "site", "asset", "category", "severity", "channel", "status",
               "assignee", "reporter", "opened_at", "due_at", "updated_at", "clocks")  # fmt: skip
TICKET_FIELDS = [
    Col("ref", "Ticket"),
    Col("title", "Title"),
    Col("status", "Status"),
    Col("site", "Site"),
    Col("asset", "Asset"),
    Col("category", "Category"),
    Col("severity", "Severity"),
    Col("channel", "Channel"),
    Col("assignee", "Assignee"),
    Col("reporter", "Reporter"),
    Col("opened_at", "Opened", "instant"),
    Col("due_at", "Due", "instant"),
    Col("warranty_summary", "Warranty"),
    Col("id", "Id"),
]
TICKET_SECTIONS = [
    Section(
        "clocks",
        "SLA clocks",
        [
            Col("name", "CLOCK"),
            Col("state", "STATE"),
            Col("due_at", "DUE", "instant"),
            Col("seconds_left", "LEFT", "duration"),
            Col("met_at", "MET", "instant"),
        ],
    ),
    Section(
        "events",
        "Timeline",
        [
            Col("at", "AT", "instant"),
            Col("kind", "EVENT"),
            Col("actor", "BY"),
            Col("summary", "DETAILS"),
        ],
    ),
]


def warranty_line(decision: dict[str, Any] | None) -> str | None:
    """`repair free, replacement not covered, support free (in warranty until 2027-03-01)`."""
    if not decision:
        return None
    parts = ", ".join(
        f"{s} {decision[s].replace('_', ' ')}" for s in ("repair", "replacement", "support")
    )
    until = decision.get("warranty_until")
    state = "in warranty" if decision["in_warranty"] else "out of warranty"
    return f"{parts} ({state}{f' until {until}' if until and decision['in_warranty'] else ''})"


def ticket_human(rec: dict[str, Any]) -> dict[str, Any]:
    """A ticket as people read it: its warranty in one line, a one-line summary per event."""
    rec["warranty_summary"] = warranty_line(rec.get("warranty"))
    for ev in rec.get("events", []):
        if ev["kind"] == "void":  # `sync keep` settling a contradiction
            ev["summary"] = f"took the {ev['details'].get('kind', 'event')} out of the timeline"
            continue
        if ev["kind"] == "edited" and isinstance(ev["details"].get("changes"), dict):
            ev["summary"] = edit_summary(ev["details"])
            continue
        parts = [f"{k}: {v}" for k, v in ev["details"].items()]
        if ev["note"]:
            parts.insert(0, ev["note"])
        ev["summary"] = "; ".join(parts)
    return rec


def mark_set_aside(rec: dict[str, Any]) -> dict[str, Any]:
    """Say on each event the merged timeline set aside (`in_effect` false) what stands instead:
    `set aside: lost to reopened at 2026-10-19 09:00 by ana`, or `set aside: voided at ...`
    (`sync keep`), before its own details; its kind gets a `✗` (`closed ✗`)."""
    events = rec.get("events", [])
    by_id = {ev["id"]: ev for ev in events}
    for ev in events:
        if ev.get("in_effect", True):
            continue
        other = by_id.get(ev.get("set_aside_by") or "")
        if other is None:
            said = "set aside: it could not follow the timeline"
        else:
            when = other["at"]
            when = f"{when:%Y-%m-%d %H:%M}" if hasattr(when, "strftime") else str(when)
            who = f" by {other['actor']}" if other.get("actor") else ""
            said = ("set aside: voided" if other["kind"] == "void"
                    else f"set aside: lost to {other['kind']}") + f" at {when}{who}"  # fmt: skip
        ev["summary"] = said + (f"; {ev['summary']}" if ev.get("summary") else "")
        ev["kind"] = f"{ev['kind']} ✗"
    return rec


def mark_dated_ahead(rec: dict[str, Any]) -> dict[str, Any]:
    """Say on each event dated ahead of this computer's clock (`future`) which replica
    recorded it, before its own details: `⚠ dated ahead of this computer's clock, recorded by
    replica 5X7G`; one recorded earlier than it is dated (placed after events dated ahead)
    says when it was recorded."""
    for ev in rec.get("events", []):
        if not ev.get("future"):
            continue
        who = ev.get("replica")
        said = "⚠ dated ahead of this computer's clock" + (
            f", recorded by replica {who}" if who else "")  # fmt: skip
        at, recorded = ev.get("at"), ev.get("recorded_at")
        if (hasattr(at, "timestamp") and hasattr(recorded, "timestamp")
                and at.timestamp() - recorded.timestamp() > 60):  # fmt: skip
            said += (f" on {recorded:%Y-%m-%d %H:%M}, placed after the events dated ahead")
        ev["summary"] = said + (f"; {ev['summary']}" if ev.get("summary") else "")
    return rec


def edit_summary(details: dict[str, Any]) -> str:
    """`severity normal → major; clocks follow major fault (was ordinary hardware fault)`."""

    def shown(field: str, value: Any) -> str:
        if value is None:
            return "none"
        if field == "due" and isinstance(value, str):
            from datetime import datetime

            from svcdesk import clock

            try:
                when = datetime.fromisoformat(value).astimezone(clock.display_tz())
            except ValueError:
                return value
            return f"{when:%Y-%m-%d %H:%M}"
        return repr(value) if field in ("title", "reporter") else str(value)

    parts = [
        f"{field} {shown(field, c.get('from'))} → {shown(field, c.get('to'))}"
        for field, c in details["changes"].items()
        if isinstance(c, dict)
    ]
    moved = details.get("class")
    if isinstance(moved, dict):
        parts.append(f"clocks follow {moved.get('to')} (was {moved.get('from')})")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------
# SLA clocks and the policy


def left_col(lang: str | None) -> Col:
    """Time left: compact (`-1d 2h 5m`) by default, in words (`overdue by 1 d 2 h`,
    `已超时1天2小时`) in a language for people (the board, `sla status`)."""
    if lang is None:
        return Col("seconds_left", "LEFT", "duration")
    return Col("seconds_left", "LEFT", "relative", lang)


def clock_cols(with_ticket: bool = True, why: bool = False, lang: str | None = None) -> list[Col]:
    cols = [Col("ticket", "TICKET"), Col("site", "SITE")] if with_ticket else []
    cols += [
        Col("name", "CLOCK"),
        Col("state", "STATE"),
        Col("due_at", "DUE", "instant"),
        left_col(lang),
    ]
    if with_ticket:
        cols += [Col("assignee", "ASSIGNEE", drop=1), Col("title", "TITLE")]
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


def board_cols(lang: str) -> list[Col]:
    return [
        Col("ticket", "TICKET"),
        Col("severity", "SEV", drop=1),
        Col("site", "SITE"),
        Col("status", "STATUS", drop=4),
        Col("next_clock", "NEXT", drop=2),
        Col("due_at", "DUE", "instant"),
        left_col(lang),
        Col("assignee", "ASSIGNEE", drop=3),
        Col("title", "TITLE"),
    ]


def board_style(row: dict[str, Any]) -> str | None:
    """Dim when paused, else coloured by the time left on the next clock."""
    if row["status"] == "paused":
        return "dim"
    return urgency_style({"seconds_left": row["seconds_left"]})


RECOMPUTE_FIELDS = [Col("tickets", "Tickets"), Col("changed", "Changed")]
POLICY_FIELDS = [
    Col("name", "Policy"),
    Col("id", "Version"),
    Col("effective_at", "In force since", "instant"),
    Col("timezone", "Time zone"),
    Col("holidays", "Holidays"),
    Col("working_hours", "Working hours"),
]
POLICY_SECTIONS = [
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
    ),
    Section("field_work", "Field work", [Col("setting", "SETTING"), Col("value", "VALUE")]),
]
POLICY_LOAD_FIELDS = [
    Col("id", "Version"),
    Col("name", "Policy"),
    Col("effective_at", "In force"),
    Col("moved", "Tickets moved"),
]

# --------------------------------------------------------------------------------------------
# Assets and warranty

ASSET_COLS = [
    Col("ref", "REF"),
    Col("site", "SITE"),
    Col("kind", "KIND"),
    Col("serial", "SERIAL"),
    Col("model", "MODEL", drop=1),
    Col("installed_on", "INSTALLED", drop=2),
    Col("warranty_until", "WARRANTY UNTIL"),
    Col("notes", "NOTES", drop=3),
]
ASSET_FIELDS = [
    Col("ref", "Asset"),
    Col("site", "Site"),
    Col("kind", "Kind"),
    Col("serial", "Serial"),
    Col("model", "Model"),
    Col("installed_on", "Installed"),
    Col("warranty_until", "Warranty until"),
    Col("notes", "Notes"),
    Col("created_at", "Added", "instant"),
    Col("updated_at", "Changed", "instant"),
    Col("id", "Id"),
]
IMPORT_FIELDS = [
    Col("file", "File"),
    Col("rows", "Rows", "count"),
    Col("added", "Added", "count"),
    Col("updated", "Updated", "count"),
    Col("unchanged", "Unchanged", "count"),
    Col("dry_run", "Dry run"),
]
WARRANTY_FIELDS = [
    Col("asset", "Asset"),
    Col("site", "Site"),
    Col("kind", "Kind"),
    Col("on", "On"),
    Col("age_days", "Age (days)"),
    Col("warranty_until", "Warranty until"),
    Col("in_warranty", "In warranty"),
    Col("repair", "Repair"),
    Col("replacement", "Replacement"),
    Col("support", "Support"),
]
WARRANTY_SECTIONS = [Section("why", "Why", [Col("reason", "")])]


def warranty_human(decision: dict[str, Any]) -> dict[str, Any]:
    """A warranty decision as people read it: each reason a row under "Why"."""
    return {**decision, "why": [{"reason": r} for r in decision["reasons"]]}


EXPIRING_COLS = [
    Col("site", "SITE"),
    Col("asset", "ASSET"),
    Col("kind", "KIND"),
    Col("serial", "SERIAL"),
    Col("on", "ON"),
    Col("days_left", "DAYS", "count"),
    Col("change", "WHAT CHANGES"),
]

# --------------------------------------------------------------------------------------------
# Sync

SYNC_FIELDS = [Col("remote", "Remote"), Col("pushed", "Pushed"), Col("pulled", "Pulled")]
REMOTE_COLS = [Col("name", "NAME"), Col("remote", "REMOTE"), Col("default", "DEFAULT")]
SYNC_STATUS_COLS = [
    Col("name", "REMOTE"),
    Col("last_sync", "LAST SYNC"),
    Col("not_pushed", "NOT PUSHED", "count"),
    Col("remote", "WHERE"),
    Col("kind", "KIND"),
]
CONFLICT_COLS = [
    Col("table", "TABLE"),
    Col("ref", "RECORD"),
    Col("field", "FIELD"),
    Col("kept", "KEPT"),
    Col("lost", "OVERWRITTEN"),
    Col("lost_stamp", "TO KEEP IT: sync keep"),
]

# --------------------------------------------------------------------------------------------
# The database

INFO_FIELDS = [
    Col("database", "Database"),
    Col("backend", "Backend"),
    Col("schema_version", "Schema version"),
    Col("replica_id", "Replica id"),
    Col("replica_code", "Replica code"),
    Col("site", "Sites", "count"),
    Col("asset", "Assets", "count"),
    Col("ticket", "Tickets", "count"),
    Col("open_tickets", "Open tickets", "count"),
    Col("ticket_event", "Events", "count"),
    Col("visit", "Visits", "count"),
    Col("inspection", "Inspections", "count"),
    Col("upgrade", "Upgrades", "count"),
    Col("training", "Trainings", "count"),
    Col("article", "Articles", "count"),
    Col("kb_digest", "Digests pushed", "count"),
    Col("changelog", "Change-log operations", "count"),
]
BACKUP_FIELDS = [Col("backup", "Backup"), Col("bytes", "Bytes")]
CHECK_FIELDS = [Col("ok", "OK"), Col("problems", "Problems")]
