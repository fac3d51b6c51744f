"""The ticket lifecycle: which event may happen in which status, and what it leads to.

Statuses: `open` (work going on), `paused` (waiting on the customer), `resolved` (fixed;
incident report due), `closed`. Events other than these transitions (assign, respond,
escalate, arrive, report, comment) leave the status as it is.
"""

from __future__ import annotations

from svcdesk.domain.errors import InvalidValue, RuleViolation

CATEGORIES = ("operation", "environment", "software", "hardware", "other")
SEVERITIES = ("major", "normal", "minor", "upgrade")
CHANNELS = ("phone", "remote", "email", "web", "onsite")
STATUSES = ("open", "paused", "resolved", "closed")

EVENT_KINDS = (
    "opened",
    "assigned",
    "responded",
    "escalated",
    "arrived",
    "paused",
    "resumed",
    "resolved",
    "reopened",
    "closed",
    "report-submitted",
    "comment",
)

# event kind -> (statuses it may happen in, status afterwards or None for unchanged)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "assigned": (("open", "paused", "resolved"), None),
    "responded": (("open", "paused"), None),
    "escalated": (("open", "paused"), None),
    "arrived": (("open", "paused"), None),
    "paused": (("open",), "paused"),
    "resumed": (("paused",), "open"),
    "resolved": (("open", "paused"), "resolved"),
    "report-submitted": (("resolved", "closed"), None),
    "closed": (("resolved",), "closed"),
    "reopened": (("resolved", "closed"), "open"),
    "comment": (STATUSES, None),
}

_VERB = {
    "assigned": "assign",
    "responded": "record a response on",
    "escalated": "escalate",
    "arrived": "record an arrival on",
    "paused": "pause",
    "resumed": "resume",
    "resolved": "resolve",
    "report-submitted": "file an incident report on",
    "closed": "close",
    "reopened": "reopen",
    "comment": "comment on",
}

_HINT = {
    ("paused", "paused"): "it is already paused",
    ("resumed", "open"): "it is not paused",
    ("closed", "open"): "resolve it first",
    ("closed", "paused"): "resume and resolve it first",
    ("reopened", "open"): "it is already open",
    ("reopened", "paused"): "it is open (paused), not resolved",
    ("report-submitted", "open"): "an incident report follows resolution",
    ("report-submitted", "paused"): "an incident report follows resolution",
}


def next_status(ref: str, status: str, kind: str) -> str:
    """The status after event `kind`, or RuleViolation naming the current status."""
    allowed, after = TRANSITIONS[kind]
    if status not in allowed:
        hint = _HINT.get((kind, status))
        raise RuleViolation(
            f"cannot {_VERB[kind]} ticket {ref}: it is {status}" + (f" ({hint})" if hint else "")
        )
    return after or status


def choose(value: str, choices: tuple[str, ...], what: str) -> str:
    """Match `value` against `choices` case-insensitively, also by unique prefix."""
    v = value.strip().lower()
    if v in choices:
        return v
    hits = [c for c in choices if c.startswith(v)] if v else []
    if len(hits) == 1:
        return hits[0]
    raise InvalidValue(f"unknown {what} {value!r} (choose from: {', '.join(choices)})")
