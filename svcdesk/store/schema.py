"""The column registry and typed rows, generated from `models.py` (do not edit).

Regenerate with `python -m svcdesk.store.codegen`; a test checks that this file is what the
declaration gives. Every table and column name that reaches SQL comes from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

# Every column of every table, in declaration order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "alias": ("tbl", "name", "row_id", "kind"),
    "article": (
        "id",
        "ref",
        "kind",
        "title",
        "body",
        "tags",
        "tickets",
        "applies_to",
        "created_at",
        "updated_at",
    ),
    "asset": (
        "id",
        "ref",
        "site_id",
        "kind",
        "serial",
        "model",
        "installed_on",
        "warranty_until",
        "notes",
        "created_at",
        "updated_at",
        "removed_at",
        "merged_into",
        "serial_key",
    ),
    "changelog": ("stamp", "replica", "tbl", "row_id", "op", "data", "parent"),
    "holiday_cache": ("country", "subdiv", "year", "package", "days_off", "workdays"),
    "inspection": (
        "id",
        "ref",
        "site_id",
        "visit_id",
        "at",
        "signed_by",
        "policy_id",
        "items",
        "faults",
        "recorded_at",
    ),
    "kb_digest": ("id", "at", "since_at", "until_at", "articles", "pushed_by", "recorded_at"),
    "kb_doc": ("doc", "article_id", "tokens"),
    "kb_token": ("token", "doc", "weight"),
    "policy": ("id", "name", "timezone", "source", "effective_at", "loaded_at"),
    "site": (
        "id",
        "code",
        "name",
        "tz",
        "region",
        "contact",
        "created_at",
        "updated_at",
        "merged_into",
        "contract_start",
    ),
    "svcdesk_meta": ("key", "value"),
    "team": ("id", "name", "team_key", "created_at"),
    "team_member": (
        "id",
        "team_id",
        "engineer",
        "role",
        "regions",
        "key",
        "enrolled_at",
        "revoked_at",
        "certificate",
        "recorded_at",
    ),
    "ticket": (
        "id",
        "ref",
        "site_id",
        "asset_id",
        "title",
        "category",
        "severity",
        "channel",
        "status",
        "assignee",
        "reporter",
        "due_at",
        "opened_at",
        "updated_at",
        "policy_id",
        "clocks",
        "next_due_at",
        "view",
        "due_view",
        "contradictions",
        "next_clock",
        "board_view",
    ),
    "ticket_csv": ("opened_at", "id", "zone", "dues", "line"),
    "ticket_event": (
        "id",
        "ticket_id",
        "kind",
        "at",
        "actor",
        "note",
        "data",
        "recorded_at",
        "seq",
    ),
    "training": ("id", "site_id", "upgrade_id", "topic", "attendees", "at", "recorded_at"),
    "upgrade": ("id", "site_id", "version", "major", "at", "recorded_at"),
    "visit": (
        "id",
        "ref",
        "site_id",
        "ticket_id",
        "engineer",
        "kind",
        "started_at",
        "ended_at",
        "summary",
        "signed_by",
        "created_at",
        "updated_at",
    ),
    "visit_part": (
        "id",
        "visit_id",
        "position",
        "serial_out",
        "serial_in",
        "cost",
        "asset_id",
        "coverage",
        "reasons",
    ),
}

# Columns the one writer of derived state computes: never synced.
DERIVED: dict[str, frozenset[str]] = {
    "alias": frozenset([]),
    "article": frozenset([]),
    "asset": frozenset(["serial_key"]),
    "changelog": frozenset([]),
    "holiday_cache": frozenset([]),
    "inspection": frozenset([]),
    "kb_digest": frozenset([]),
    "kb_doc": frozenset([]),
    "kb_token": frozenset([]),
    "policy": frozenset([]),
    "site": frozenset([]),
    "svcdesk_meta": frozenset([]),
    "team": frozenset([]),
    "team_member": frozenset([]),
    "ticket": frozenset(
        [
            "board_view",
            "clocks",
            "contradictions",
            "due_view",
            "next_clock",
            "next_due_at",
            "policy_id",
            "view",
        ]
    ),
    "ticket_csv": frozenset([]),
    "ticket_event": frozenset([]),
    "training": frozenset([]),
    "upgrade": frozenset([]),
    "visit": frozenset([]),
    "visit_part": frozenset([]),
}

# The Python type each column holds (None allowed where nullable).
TYPES: dict[str, dict[str, tuple[type, bool]]] = {
    "alias": {
        "tbl": (str, False),
        "name": (str, False),
        "row_id": (str, False),
        "kind": (str, False),
    },
    "article": {
        "id": (str, False),
        "ref": (str, False),
        "kind": (str, False),
        "title": (str, False),
        "body": (str, False),
        "tags": (str, False),
        "tickets": (str, False),
        "applies_to": (str, True),
        "created_at": (int, False),
        "updated_at": (int, False),
    },
    "asset": {
        "id": (str, False),
        "ref": (str, False),
        "site_id": (str, False),
        "kind": (str, False),
        "serial": (str, False),
        "model": (str, True),
        "installed_on": (str, True),
        "warranty_until": (str, True),
        "notes": (str, True),
        "created_at": (int, False),
        "updated_at": (int, False),
        "removed_at": (int, True),
        "merged_into": (str, True),
        "serial_key": (str, True),
    },
    "changelog": {
        "stamp": (str, False),
        "replica": (str, False),
        "tbl": (str, False),
        "row_id": (str, False),
        "op": (str, False),
        "data": (str, False),
        "parent": (str, True),
    },
    "holiday_cache": {
        "country": (str, False),
        "subdiv": (str, False),
        "year": (int, False),
        "package": (str, False),
        "days_off": (str, False),
        "workdays": (str, False),
    },
    "inspection": {
        "id": (str, False),
        "ref": (str, False),
        "site_id": (str, False),
        "visit_id": (str, True),
        "at": (int, False),
        "signed_by": (str, True),
        "policy_id": (str, False),
        "items": (str, False),
        "faults": (int, False),
        "recorded_at": (int, False),
    },
    "kb_digest": {
        "id": (str, False),
        "at": (int, False),
        "since_at": (int, False),
        "until_at": (int, False),
        "articles": (int, False),
        "pushed_by": (str, False),
        "recorded_at": (int, False),
    },
    "kb_doc": {"doc": (int, False), "article_id": (str, False), "tokens": (str, False)},
    "kb_token": {"token": (str, False), "doc": (int, False), "weight": (int, False)},
    "policy": {
        "id": (str, False),
        "name": (str, False),
        "timezone": (str, False),
        "source": (str, False),
        "effective_at": (int, False),
        "loaded_at": (int, False),
    },
    "site": {
        "id": (str, False),
        "code": (str, False),
        "name": (str, False),
        "tz": (str, True),
        "region": (str, True),
        "contact": (str, True),
        "created_at": (int, False),
        "updated_at": (int, False),
        "merged_into": (str, True),
        "contract_start": (str, True),
    },
    "svcdesk_meta": {"key": (str, False), "value": (str, False)},
    "team": {
        "id": (str, False),
        "name": (str, False),
        "team_key": (str, False),
        "created_at": (int, False),
    },
    "team_member": {
        "id": (str, False),
        "team_id": (str, False),
        "engineer": (str, False),
        "role": (str, False),
        "regions": (str, False),
        "key": (str, False),
        "enrolled_at": (int, False),
        "revoked_at": (int, True),
        "certificate": (str, False),
        "recorded_at": (int, False),
    },
    "ticket": {
        "id": (str, False),
        "ref": (str, False),
        "site_id": (str, False),
        "asset_id": (str, True),
        "title": (str, False),
        "category": (str, False),
        "severity": (str, False),
        "channel": (str, False),
        "status": (str, False),
        "assignee": (str, True),
        "reporter": (str, True),
        "due_at": (int, True),
        "opened_at": (int, False),
        "updated_at": (int, False),
        "policy_id": (str, True),
        "clocks": (str, True),
        "next_due_at": (int, True),
        "view": (str, True),
        "due_view": (str, True),
        "contradictions": (str, True),
        "next_clock": (str, True),
        "board_view": (str, True),
    },
    "ticket_csv": {
        "opened_at": (int, False),
        "id": (str, False),
        "zone": (str, False),
        "dues": (str, False),
        "line": (str, False),
    },
    "ticket_event": {
        "id": (str, False),
        "ticket_id": (str, False),
        "kind": (str, False),
        "at": (int, False),
        "actor": (str, True),
        "note": (str, True),
        "data": (str, True),
        "recorded_at": (int, False),
        "seq": (int, True),
    },
    "training": {
        "id": (str, False),
        "site_id": (str, False),
        "upgrade_id": (str, True),
        "topic": (str, False),
        "attendees": (int, False),
        "at": (int, False),
        "recorded_at": (int, False),
    },
    "upgrade": {
        "id": (str, False),
        "site_id": (str, False),
        "version": (str, False),
        "major": (int, False),
        "at": (int, False),
        "recorded_at": (int, False),
    },
    "visit": {
        "id": (str, False),
        "ref": (str, False),
        "site_id": (str, False),
        "ticket_id": (str, True),
        "engineer": (str, False),
        "kind": (str, False),
        "started_at": (int, False),
        "ended_at": (int, True),
        "summary": (str, True),
        "signed_by": (str, True),
        "created_at": (int, False),
        "updated_at": (int, False),
    },
    "visit_part": {
        "id": (str, False),
        "visit_id": (str, False),
        "position": (int, False),
        "serial_out": (str, False),
        "serial_in": (str, False),
        "cost": (int, True),
        "asset_id": (str, True),
        "coverage": (str, False),
        "reasons": (str, True),
    },
}

# Tables whose rows replicas exchange through the change log.
REPLICATED: frozenset[str] = frozenset(
    [
        "article",
        "asset",
        "inspection",
        "kb_digest",
        "policy",
        "site",
        "ticket",
        "ticket_event",
        "training",
        "upgrade",
        "visit",
        "visit_part",
    ]
)


@dataclass(frozen=True, slots=True)
class AliasRow:
    """A row of `alias`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("tbl", "name", "row_id", "kind")
    TABLE: ClassVar[str] = "alias"

    tbl: str
    name: str
    row_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class ArticleRow:
    """A row of `article`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "ref",
        "kind",
        "title",
        "body",
        "tags",
        "tickets",
        "applies_to",
        "created_at",
        "updated_at",
    )
    TABLE: ClassVar[str] = "article"

    id: str
    ref: str
    kind: str
    title: str
    body: str
    tags: str
    tickets: str
    applies_to: str | None
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class AssetRow:
    """A row of `asset`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "ref",
        "site_id",
        "kind",
        "serial",
        "model",
        "installed_on",
        "warranty_until",
        "notes",
        "created_at",
        "updated_at",
        "removed_at",
        "merged_into",
    )
    TABLE: ClassVar[str] = "asset"

    id: str
    ref: str
    site_id: str
    kind: str
    serial: str
    model: str | None
    installed_on: str | None
    warranty_until: str | None
    notes: str | None
    created_at: int
    updated_at: int
    removed_at: int | None
    merged_into: str | None


@dataclass(frozen=True, slots=True)
class AssetDerivedRow:
    """The derived columns of a `asset` row."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("id", "serial_key")
    TABLE: ClassVar[str] = "asset"

    id: str
    serial_key: str | None


@dataclass(frozen=True, slots=True)
class ChangelogRow:
    """A row of `changelog`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "stamp",
        "replica",
        "tbl",
        "row_id",
        "op",
        "data",
        "parent",
    )
    TABLE: ClassVar[str] = "changelog"

    stamp: str
    replica: str
    tbl: str
    row_id: str
    op: str
    data: str
    parent: str | None


@dataclass(frozen=True, slots=True)
class HolidayCacheRow:
    """A row of `holiday_cache`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "country",
        "subdiv",
        "year",
        "package",
        "days_off",
        "workdays",
    )
    TABLE: ClassVar[str] = "holiday_cache"

    country: str
    subdiv: str
    year: int
    package: str
    days_off: str
    workdays: str


@dataclass(frozen=True, slots=True)
class InspectionRow:
    """A row of `inspection`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "ref",
        "site_id",
        "visit_id",
        "at",
        "signed_by",
        "policy_id",
        "items",
        "faults",
        "recorded_at",
    )
    TABLE: ClassVar[str] = "inspection"

    id: str
    ref: str
    site_id: str
    visit_id: str | None
    at: int
    signed_by: str | None
    policy_id: str
    items: str
    faults: int
    recorded_at: int


@dataclass(frozen=True, slots=True)
class KbDigestRow:
    """A row of `kb_digest`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "at",
        "since_at",
        "until_at",
        "articles",
        "pushed_by",
        "recorded_at",
    )
    TABLE: ClassVar[str] = "kb_digest"

    id: str
    at: int
    since_at: int
    until_at: int
    articles: int
    pushed_by: str
    recorded_at: int


@dataclass(frozen=True, slots=True)
class KbDocRow:
    """A row of `kb_doc`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("doc", "article_id", "tokens")
    TABLE: ClassVar[str] = "kb_doc"

    doc: int
    article_id: str
    tokens: str


@dataclass(frozen=True, slots=True)
class KbTokenRow:
    """A row of `kb_token`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("token", "doc", "weight")
    TABLE: ClassVar[str] = "kb_token"

    token: str
    doc: int
    weight: int


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """A row of `policy`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "name",
        "timezone",
        "source",
        "effective_at",
        "loaded_at",
    )
    TABLE: ClassVar[str] = "policy"

    id: str
    name: str
    timezone: str
    source: str
    effective_at: int
    loaded_at: int


@dataclass(frozen=True, slots=True)
class SiteRow:
    """A row of `site`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "code",
        "name",
        "tz",
        "region",
        "contact",
        "created_at",
        "updated_at",
        "merged_into",
        "contract_start",
    )
    TABLE: ClassVar[str] = "site"

    id: str
    code: str
    name: str
    tz: str | None
    region: str | None
    contact: str | None
    created_at: int
    updated_at: int
    merged_into: str | None
    contract_start: str | None


@dataclass(frozen=True, slots=True)
class MetaRow:
    """A row of `svcdesk_meta`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("key", "value")
    TABLE: ClassVar[str] = "svcdesk_meta"

    key: str
    value: str


@dataclass(frozen=True, slots=True)
class TeamRow:
    """A row of `team`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("id", "name", "team_key", "created_at")
    TABLE: ClassVar[str] = "team"

    id: str
    name: str
    team_key: str
    created_at: int


@dataclass(frozen=True, slots=True)
class TeamMemberRow:
    """A row of `team_member`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "team_id",
        "engineer",
        "role",
        "regions",
        "key",
        "enrolled_at",
        "revoked_at",
        "certificate",
        "recorded_at",
    )
    TABLE: ClassVar[str] = "team_member"

    id: str
    team_id: str
    engineer: str
    role: str
    regions: str
    key: str
    enrolled_at: int
    revoked_at: int | None
    certificate: str
    recorded_at: int


@dataclass(frozen=True, slots=True)
class TicketRow:
    """A row of `ticket`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "ref",
        "site_id",
        "asset_id",
        "title",
        "category",
        "severity",
        "channel",
        "status",
        "assignee",
        "reporter",
        "due_at",
        "opened_at",
        "updated_at",
    )
    TABLE: ClassVar[str] = "ticket"

    id: str
    ref: str
    site_id: str
    asset_id: str | None
    title: str
    category: str
    severity: str
    channel: str
    status: str
    assignee: str | None
    reporter: str | None
    due_at: int | None
    opened_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class TicketDerivedRow:
    """The derived columns of a `ticket` row."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "policy_id",
        "clocks",
        "next_due_at",
        "view",
        "due_view",
        "contradictions",
        "next_clock",
        "board_view",
    )
    TABLE: ClassVar[str] = "ticket"

    id: str
    policy_id: str | None
    clocks: str | None
    next_due_at: int | None
    view: str | None
    due_view: str | None
    contradictions: str | None
    next_clock: str | None
    board_view: str | None


@dataclass(frozen=True, slots=True)
class TicketCsvRow:
    """A row of `ticket_csv`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("opened_at", "id", "zone", "dues", "line")
    TABLE: ClassVar[str] = "ticket_csv"

    opened_at: int
    id: str
    zone: str
    dues: str
    line: str


@dataclass(frozen=True, slots=True)
class TicketEventRow:
    """A row of `ticket_event`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "ticket_id",
        "kind",
        "at",
        "actor",
        "note",
        "data",
        "recorded_at",
        "seq",
    )
    TABLE: ClassVar[str] = "ticket_event"

    id: str
    ticket_id: str
    kind: str
    at: int
    actor: str | None
    note: str | None
    data: str | None
    recorded_at: int
    seq: int | None


@dataclass(frozen=True, slots=True)
class TrainingRow:
    """A row of `training`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "site_id",
        "upgrade_id",
        "topic",
        "attendees",
        "at",
        "recorded_at",
    )
    TABLE: ClassVar[str] = "training"

    id: str
    site_id: str
    upgrade_id: str | None
    topic: str
    attendees: int
    at: int
    recorded_at: int


@dataclass(frozen=True, slots=True)
class UpgradeRow:
    """A row of `upgrade`."""

    COLUMNS: ClassVar[tuple[str, ...]] = ("id", "site_id", "version", "major", "at", "recorded_at")
    TABLE: ClassVar[str] = "upgrade"

    id: str
    site_id: str
    version: str
    major: int
    at: int
    recorded_at: int


@dataclass(frozen=True, slots=True)
class VisitRow:
    """A row of `visit`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "ref",
        "site_id",
        "ticket_id",
        "engineer",
        "kind",
        "started_at",
        "ended_at",
        "summary",
        "signed_by",
        "created_at",
        "updated_at",
    )
    TABLE: ClassVar[str] = "visit"

    id: str
    ref: str
    site_id: str
    ticket_id: str | None
    engineer: str
    kind: str
    started_at: int
    ended_at: int | None
    summary: str | None
    signed_by: str | None
    created_at: int
    updated_at: int


@dataclass(frozen=True, slots=True)
class VisitPartRow:
    """A row of `visit_part`."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "visit_id",
        "position",
        "serial_out",
        "serial_in",
        "cost",
        "asset_id",
        "coverage",
        "reasons",
    )
    TABLE: ClassVar[str] = "visit_part"

    id: str
    visit_id: str
    position: int
    serial_out: str
    serial_in: str
    cost: int | None
    asset_id: str | None
    coverage: str
    reasons: str | None
