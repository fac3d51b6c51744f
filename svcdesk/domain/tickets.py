"""The ticket lifecycle: which event may happen in which status, and what it leads to.

Statuses: `open` (work going on), `paused` (waiting on the customer), `resolved` (fixed;
incident report due), `closed`. Events other than these transitions (assign, respond,
escalate, arrive, report, comment, edit) leave the status as it is.

An `edited` event records a change of the ticket's fields (`ticket edit`: what changed, from
what to what); the fields themselves live on the ticket row and sync per field, so two
concurrent edits of one field are a conflict `sync conflicts` lists, never a lost write.

A fix that needs the customer's consent is `proposed`, then `approved` or `declined` (the
plan: "提出故障处理提议,经甲方同意后,乙方进行故障排除"): a proposal is made only while the ticket
is open or paused and no other waits, an answer only while one waits; resolving or closing the
ticket ends the wait. A `replied` event is a public comment: a reply the customer sees.

A ticket's status is the fold of its merged timeline (`fold`): its events, from every replica,
in one total order (instant, then the per-ticket sequence its recorder gave it, then id). An
event the order makes impossible (a close after a concurrent reopen, a second resolution) is a
*contradiction*: it changes nothing, stops no clock, and is listed by `sync conflicts` until a
`void` event settles it by taking one of the two out of the timeline.

Which events stand is defined here once (`Timeline.set_aside`): an event is *set aside* when
the order made it impossible (set aside by the event that set the status it could not follow)
or a `void` took it out (set aside by that void). Every other event stands. Derived state
stores that list (services/derived.py), and `ticket show`, the exports, the clocks and the
monthly review read it: none has a rule of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

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
    "replied",  # a public comment: a reply to the customer (restarts the update clock)
    "proposed",  # a fix that needs the customer's consent
    "approved",
    "declined",
    "edited",  # a change of the ticket's fields (title, class, site, asset, ...)
    "void",  # takes another event out of the timeline (settling a contradiction)
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
    "replied": (STATUSES, None),
    "proposed": (("open", "paused"), None),
    "approved": (("open", "paused"), None),
    "declined": (("open", "paused"), None),
    "edited": (STATUSES, None),
}
ANSWERS = frozenset({"approved", "declined"})
"""The customer's answers to a proposal."""
CONSENT_ENDS = ANSWERS | {"resolved", "closed"}
"""What ends the wait for the customer's answer to a proposal."""

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
    "replied": "reply on",
    "proposed": "propose a fix on",
    "approved": "record an approval on",
    "declined": "record a refusal on",
    "edited": "edit",
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
    ("proposed", "resolved"): "reopen it first",
    ("proposed", "closed"): "reopen it first",
    ("approved", "resolved"): "a proposal stops waiting when the ticket is resolved",
    ("declined", "resolved"): "a proposal stops waiting when the ticket is resolved",
}


def verb(kind: str) -> str:
    """`close`, `record a response on`: what recording event `kind` does to a ticket."""
    return _VERB.get(kind, kind)


def allowed(status: str, kind: str) -> bool:
    """May event `kind` happen to a ticket in `status`?"""
    return status in TRANSITIONS[kind][0]


def next_status(ref: str, status: str, kind: str) -> str:
    """The status after event `kind`, or RuleViolation naming the current status."""
    allowed, after = TRANSITIONS[kind]
    if status not in allowed:
        hint = _HINT.get((kind, status))
        raise RuleViolation(
            f"cannot {_VERB[kind]} ticket {ref}: it is {status}" + (f" ({hint})" if hint else "")
        )
    return after or status


def consent_refusal(ref: str, waiting: bool, kind: str) -> str | None:
    """Why a proposal or an answer cannot be recorded when a proposal does (`waiting`) or does
    not wait for the customer's answer (None: it can)."""
    if kind == "proposed" and waiting:
        return (
            f"cannot propose a fix on ticket {ref}: a proposal already waits for the customer's "
            "answer (record it with 'ticket approve' or 'ticket decline' first)"
        )
    if kind in ANSWERS and not waiting:
        return (
            f"cannot {_VERB[kind]} ticket {ref}: no proposal waits for the customer's answer "
            "(propose one with 'ticket propose')"
        )
    return None


def check(ref: str, timeline: Timeline, kind: str) -> str:
    """The status after event `kind` on a ticket whose timeline so far is `timeline`, or
    RuleViolation saying why it cannot happen (its status, or the proposal's state)."""
    after = next_status(ref, timeline.status, kind)
    refusal = consent_refusal(ref, timeline.waiting, kind)
    if refusal:
        raise RuleViolation(refusal)
    return after


def may(timeline: Timeline, kind: str) -> bool:
    """May event `kind` follow this timeline?"""
    return allowed(timeline.status, kind) and not consent_refusal("", timeline.waiting, kind)


CONTRADICTED, VOIDED = "contradicted", "voided"
"""Why an event was set aside: the timeline's order made it impossible, or a void took it out."""


class SetAside(NamedTuple):
    """An event the merged timeline set aside, the event that stands instead (None: none
    does, as for an answer to no proposal) and why (`CONTRADICTED` or `VOIDED`)."""

    event: str
    by: str | None
    why: str


class Timeline(NamedTuple):
    """A ticket's timeline folded. Events are anything with `kind`, `at`, `id` and `target`
    (void: the event it takes out), store rows and tuples alike."""

    status: str
    effective: list[Any]  # the events that took effect, in order (what the clocks see)
    contradictions: list[tuple[str, str]]  # (impossible event, the one that made it so)
    waiting: bool = False  # a proposal waits for the customer's answer
    # every event that does not stand, in timeline order: the contradicted and the voided
    set_aside: Sequence[SetAside] = ()


def fold(events: Sequence[Any]) -> Timeline:
    """The status a timeline in its total order leads to, the events that took effect, and the
    ones it made impossible (each with the event that set the status it could not follow);
    `set_aside`: those and the voided ones (each with the void that took it out)."""
    voided: dict[str, str] = {}  # event -> the first void that takes it out
    for e in events:
        if e.kind == "void" and e.target:
            voided.setdefault(e.target, e.id)
    status, setter = "open", ""
    waiting, asked = False, ""  # a proposal waits; the event that last set that
    effective: list[Any] = []
    contradictions: list[tuple[str, str]] = []
    aside: list[SetAside] = []
    for e in events:
        kind = e.kind
        if kind == "void":
            continue
        if voided and e.id in voided:
            aside.append(SetAside(e.id, voided[e.id], VOIDED))
            continue
        rule = TRANSITIONS.get(kind)
        if rule is None:  # opened, or a kind of a newer svcdesk: no change of status
            if kind == "opened":
                setter = e.id
            effective.append(e)
            continue
        allowed, after = rule
        if status not in allowed:
            contradictions.append((e.id, setter))
            aside.append(SetAside(e.id, setter or None, CONTRADICTED))
            continue
        if kind == "proposed" or kind in CONSENT_ENDS:
            if (kind == "proposed" and waiting) or (kind in ANSWERS and not waiting):
                contradictions.append((e.id, asked))  # a second proposal, an answer to none
                aside.append(SetAside(e.id, asked or None, CONTRADICTED))
                continue
            if kind == "proposed":
                waiting, asked = True, e.id
            elif waiting:  # answered, or the ticket resolved or closed
                waiting, asked = False, e.id
        if after is not None and after != status:
            status, setter = after, e.id
        effective.append(e)
    return Timeline(status, effective, contradictions, waiting, aside)


def choose(value: str, choices: tuple[str, ...], what: str) -> str:
    """Match `value` against `choices` case-insensitively, also by unique prefix."""
    v = value.strip().lower()
    if v in choices:
        return v
    hits = [c for c in choices if c.startswith(v)] if v else []
    if len(hits) == 1:
        return hits[0]
    raise InvalidValue(f"unknown {what} {value!r} (choose from: {', '.join(choices)})")


# What `ticket list --sort` orders by (a `-` in front: descending).
LIST_SORTS = ("opened", "updated", "due", "severity", "category", "status", "site", "ref",
              "title", "assignee", "reporter")  # fmt: skip

# The fields `ticket edit` changes, as its options name them.
EDITABLE = ("title", "severity", "category", "channel", "site", "asset", "reporter", "due")
# What a closed ticket keeps as its record: the class its clocks were counted under, and where.
# Its title, reporter, channel and asset are descriptions, and may still be corrected.
SETTLED_WHEN_CLOSED = ("severity", "category", "due", "site")


def edit_refusal(ref: str, status: str, fields: Sequence[str]) -> str | None:
    """Why an edit of `fields` is refused in `status` (None: it is allowed)."""
    settled = [f for f in fields if f in SETTLED_WHEN_CLOSED]
    if status != "closed" or not settled:
        return None
    return (
        f"cannot change the {' and '.join(settled)} of ticket {ref}: it is closed, and its SLA "
        "record stands (reopen it first; its title, reporter, channel and asset can be "
        "corrected while it is closed)"
    )


def due_problem(severity: str, due_at: int | None, opened_at: int, *, given: bool) -> str | None:
    """What is wrong with an upgrade's due date for a ticket of `severity`, if anything."""
    if severity == "upgrade":
        if due_at is None:
            return "an upgrade request needs --due: the date the customer asked for"
        if due_at <= opened_at:
            return "--due must be after the request was made (when the ticket was opened)"
    elif given:
        return "--due applies to upgrade requests only (--severity upgrade)"
    return None
