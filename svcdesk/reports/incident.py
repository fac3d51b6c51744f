"""The incident report (问题处理汇报) of one ticket: the plan's four points (problem type,
cause, method used, losses: "说明问题种类、问题原因、问题处理中使用方法及造成损失等情况"), the
timeline, how each SLA clock ended, the engineers, the visits with the parts replaced and
their warranty decision, and the customer's consent where one was asked.

`context` shapes the records the services give (a ticket as `ticket show -f json` has it, its
clocks as `sla status` has them, its visits as `visit show`) into the plain dict the templates
read. A ticket not resolved yet, or resolved without a report, says so (`report` is None and
`report_state` tells why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

# What a customer reads in the timeline: internal notes, edits and voids stay in svcdesk.
INTERNAL = frozenset({"comment", "edited", "void"})
CONSENT = frozenset({"proposed", "approved", "declined"})


def context(
    *,
    ticket: Mapping[str, Any],
    clocks: Sequence[Mapping[str, Any]],
    site: Mapping[str, Any],
    asset: Mapping[str, Any] | None,
    visits: Sequence[Mapping[str, Any]],
    effective: Iterable[str] | None = None,
    found_by: Mapping[str, Any] | None = None,
    now: datetime,
) -> dict[str, Any]:
    """The incident report's context. `effective`: the ids of the events that took effect
    (a voided or contradicted event is left out of the timeline); None: all of them."""
    kept = set(effective) if effective is not None else None
    events = [e for e in ticket.get("events", [])
              if kept is None or e["id"] in kept]  # fmt: skip
    filed = _latest(events, "report-submitted")
    status = ticket["status"]
    resolved = _latest(events, "resolved") if status in ("resolved", "closed") else None
    closed = _latest(events, "closed") if status == "closed" else None
    report_clock = next((c for c in reversed(clocks) if c["name"] == "report"), None)
    if filed is not None:
        report_state = "filed"
    elif status in ("resolved", "closed"):
        late = report_clock is not None and report_clock["state"] == "breached"
        report_state = "late" if late else "pending"
    else:
        report_state = "not_resolved"
    shaped_clocks = [_clock(c) for c in clocks]
    return {
        "report": _report(filed),
        "report_state": report_state,
        "report_due": report_clock["due_at"] if report_clock else None,
        "ticket": {k: ticket.get(k) for k in (
            "id", "ref", "title", "category", "severity", "channel", "status", "assignee",
            "reporter", "opened_at", "due_at")},
        "site": dict(site),
        "asset": dict(asset) if asset else None,
        "resolved_at": resolved["at"] if resolved else None,
        "resolution": resolved["note"] if resolved else None,
        "closed_at": closed["at"] if closed else None,
        "handling_seconds": _seconds(ticket["opened_at"], resolved["at"]) if resolved else None,
        "timeline": [_event(e) for e in events if e["kind"] not in INTERNAL],
        "clocks": shaped_clocks,
        "clock_counts": _counts(shaped_clocks),
        "engineers": engineers(ticket, events, visits),
        "visits": [_visit(v) for v in visits],
        "parts": [{**p, "visit": v["ref"]} for v in visits for p in v.get("parts", [])],
        "warranty": _warranty(ticket.get("warranty")),
        "consent": consent(events),
        "found_by": dict(found_by) if found_by else None,
        "generated_at": now,
    }  # fmt: skip


def _latest(events: Sequence[Mapping[str, Any]], kind: str) -> Mapping[str, Any] | None:
    return next((e for e in reversed(events) if e["kind"] == kind), None)


def _seconds(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


def _report(event: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if event is None:
        return None
    d = event.get("details") or {}
    return {"type": d.get("type"), "cause": d.get("cause"), "method": d.get("method"),
            "losses": d.get("losses"), "at": event["at"], "by": event.get("actor")}  # fmt: skip


def _who(event: Mapping[str, Any]) -> str | None:
    """The person an event names (assigned to, escalated to, on site, answered by, reporter)."""
    d = event.get("details") or {}
    for key in ("engineer", "to", "by", "reporter"):
        if d.get(key):
            return str(d[key])
    return None


def _event(event: Mapping[str, Any]) -> dict[str, Any]:
    return {"at": event["at"], "kind": event["kind"], "who": _who(event),
            "by": _who(event) or event.get("actor"), "actor": event.get("actor"),
            "note": event.get("note")}  # fmt: skip


def _clock(c: Mapping[str, Any]) -> dict[str, Any]:
    """A clock with its outcome: met (on time), met_late, breached, running or paused."""
    state = c["state"]
    outcome = "met_late" if state == "met" and c.get("late") else state
    late_by = None
    if outcome == "met_late" and c.get("met_at") and c.get("due_at"):
        late_by = _seconds(c["due_at"], c["met_at"])
    elif state == "breached" and c.get("seconds_left") is not None:
        late_by = -int(c["seconds_left"])
    return {
        "name": c["name"],
        "started_at": c.get("started_at"),
        "due_at": c.get("due_at"),
        "met_at": c.get("met_at"),
        "state": state,
        "outcome": outcome,
        "late_by": late_by,
        "seconds_left": c.get("seconds_left"),
        "target": c.get("target"),
        "basis": c.get("basis"),
        "why": c.get("why"),
    }


def _counts(clocks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    n = {"total": len(clocks), "met": 0, "late": 0, "open": 0}
    for c in clocks:
        if c["outcome"] == "met":
            n["met"] += 1
        elif c["outcome"] in ("met_late", "breached"):
            n["late"] += 1
        else:
            n["open"] += 1
    return n


def engineers(ticket: Mapping[str, Any], events: Sequence[Mapping[str, Any]],
              visits: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:  # fmt: skip
    """Everyone who worked on the ticket, in the order they came in, with their roles:
    `assigned` (in charge), `senior` (escalated to), `onsite` (arrived, or a visit)."""
    found: dict[str, list[str]] = {}

    def add(name: Any, role: str) -> None:
        if not name or not str(name).strip():
            return
        roles = found.setdefault(str(name).strip(), [])
        if role not in roles:
            roles.append(role)

    for e in events:
        d = e.get("details") or {}
        if e["kind"] == "assigned":
            add(d.get("engineer"), "assigned")
        elif e["kind"] == "escalated":
            add(d.get("to"), "senior")
        elif e["kind"] == "arrived":
            add(d.get("engineer"), "onsite")
    for v in visits:
        add(v.get("engineer"), "onsite")
    add(ticket.get("assignee"), "assigned")
    return [{"name": name, "roles": roles} for name, roles in found.items()]


def consent(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each proposal made to the customer, with its answer (None: none came before the ticket
    was resolved, or it still waits)."""
    out: list[dict[str, Any]] = []
    waiting: dict[str, Any] | None = None
    for e in events:
        kind = e["kind"]
        if kind == "proposed":
            waiting = {"proposed_at": e["at"], "plan": e.get("note"), "by": e.get("actor"),
                       "answer": None, "answered_at": None, "answered_by": None,
                       "reason": None}  # fmt: skip
            out.append(waiting)
        elif kind in ("approved", "declined") and waiting is not None:
            waiting.update(answer=kind, answered_at=e["at"], answered_by=_who(e),
                           reason=e.get("note"))  # fmt: skip
            waiting = None
        elif kind in ("resolved", "closed"):
            waiting = None
    return out


def _visit(v: Mapping[str, Any]) -> dict[str, Any]:
    minutes = v.get("minutes")
    return {
        "ref": v["ref"],
        "engineer": v.get("engineer"),
        "kind": v.get("kind"),
        "started_at": v.get("started_at"),
        "ended_at": v.get("ended_at"),
        "seconds": minutes * 60 if minutes is not None else None,
        "summary": v.get("summary"),
        "signed_by": v.get("signed_by"),
        "parts": list(v.get("parts", [])),
    }


def _warranty(decision: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not decision:
        return None
    return {k: decision.get(k) for k in ("asset", "on", "kind", "age_days", "in_warranty",
                                         "warranty_until", "repair", "replacement", "support",
                                         "reasons")}  # fmt: skip
